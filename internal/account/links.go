package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Link purposes.
const (
	LinkSetup  = "setup"  // create the first admin
	LinkInvite = "invite" // create an account with a given email and role
	LinkReset  = "reset"  // set a new password
)

// Link is a pending one-time link.
type Link struct {
	Purpose   string
	UserID    int64
	Email     string
	Role      authz.Role
	ExpiresAt time.Time
}

func validationErr(field, msg string) error { return validate.Field(field, "%s", msg) }

func checkNewPassword(pw string, userInputs ...string) error {
	var e validate.Errors
	checkPassword(&e, "password", pw, userInputs...)
	return e.Err()
}

// SetupLink returns a one-time link token for creating the first admin, or "" when
// users exist already. A new call replaces any earlier setup link.
func (s *Service) SetupLink(ctx context.Context) (string, error) {
	token := randomToken(24)
	created := false
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var n int
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := q.Exec(ctx, "DELETE FROM one_time_links WHERE purpose = 'setup'"); err != nil {
			return err
		}
		now := s.clock.Now()
		_, err := q.Exec(ctx, "INSERT INTO one_time_links (token_hash, purpose, role, created_at, expires_at) VALUES (?, 'setup', 'admin', ?, ?)",
			HashToken(token), now, now.Add(24*time.Hour))
		created = err == nil
		return err
	})
	if err != nil || !created {
		return "", err
	}
	return token, nil
}

// Invite creates an invitation link for email with role.
func (s *Service) Invite(ctx context.Context, actor authz.Actor, email string, role authz.Role) (string, error) {
	if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
		return "", err
	}
	var e validate.Errors
	email = e.Email("email", email, true)
	if _, err := authz.ParseRole(string(role)); err != nil {
		e.Add("role", "%s", err.Error())
	}
	if err := e.Err(); err != nil {
		return "", err
	}
	if _, err := s.UserByEmail(ctx, email); err == nil {
		return "", validate.Field("email", "a user with the address %s exists already", email)
	}
	return s.newLink(ctx, actor, LinkInvite, 0, email, role)
}

// ResetLink creates a password-reset link for a user (an admin's action; self-service
// reset by email goes through the same link once mail is configured).
func (s *Service) ResetLink(ctx context.Context, actor authz.Actor, userID int64) (string, error) {
	if err := authz.Can(actor, authz.ManageUsers, nil); err != nil && !actor.IsSystem() {
		return "", err
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.newLink(ctx, actor, LinkReset, u.ID, u.Email, u.Role)
}

func (s *Service) newLink(ctx context.Context, actor authz.Actor, purpose string, userID int64, email string, role authz.Role) (string, error) {
	var token string
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		token, err = s.newLinkTx(ctx, q, actor, purpose, userID, email, role, email, LinkEvent{Email: email, Role: role})
		return err
	})
	return token, err
}

// newLinkTx creates a link in q; the event names subject and after (the audit log is
// wider than some addresses may be: see InviteTx).
func (s *Service) newLinkTx(ctx context.Context, q db.Querier, actor authz.Actor, purpose string, userID int64, email string, role authz.Role, subject string, after LinkEvent) (string, error) {
	token := randomToken(24)
	now := s.clock.Now()
	var uid, by any
	if userID != 0 {
		uid = userID
	}
	if actor.UserID != 0 {
		by = actor.UserID
	}
	if _, err := q.Exec(ctx, "INSERT INTO one_time_links (token_hash, purpose, user_id, email, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		HashToken(token), purpose, uid, email, string(role), by, now, now.Add(s.cfg.LinkTTL)); err != nil {
		return "", fmt.Errorf("account: create %s link: %w", purpose, err)
	}
	_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "user." + purpose + "_link_created",
		Subject: events.Ref{Type: "user", ID: subject}, After: after})
	return token, err
}

// InviteTx creates, in the caller's transaction, an invitation link for email with
// role, or returns "" when a user with that address exists already. The caller has
// decided that actor may do this (the people service onboards selected candidates: the
// programme manager's move, not an admin's user management). The event names the
// candidate, not their address: candidates' personal data stays out of the audit log.
func (s *Service) InviteTx(ctx context.Context, q db.Querier, actor authz.Actor, email string, role authz.Role) (string, error) {
	if _, err := UserByEmailTx(ctx, q, email); err == nil {
		return "", nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return "", err
	}
	return s.newLinkTx(ctx, q, actor, LinkInvite, 0, email, role, "onboarded candidate", LinkEvent{Role: role, Via: "onboarding"})
}

// LookupLink returns a pending link (for showing the right form), or ErrLinkInvalid.
func (s *Service) LookupLink(ctx context.Context, token string) (*Link, error) {
	var l Link
	var uid *int64
	var role string
	var used *time.Time
	err := s.db.Read().QueryRow(ctx, "SELECT purpose, user_id, email, role, expires_at, used_at FROM one_time_links WHERE token_hash = ?", HashToken(token)).
		Scan(&l.Purpose, &uid, &l.Email, &role, &l.ExpiresAt, &used)
	if err != nil || used != nil || !s.clock.Now().Before(l.ExpiresAt) {
		return nil, ErrLinkInvalid
	}
	if uid != nil {
		l.UserID = *uid
	}
	l.Role = authz.Role(role)
	return &l, nil
}

// Redeem uses a link once: setup and invite links create the account (email from the
// invitation; for setup, from in), reset links set the password. It returns the user.
func (s *Service) Redeem(ctx context.Context, token string, in NewUser) (*User, error) {
	l, err := s.LookupLink(ctx, token)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.db.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, "UPDATE one_time_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", s.clock.Now(), HashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLinkInvalid // used by a concurrent request
		}
		switch l.Purpose {
		case LinkSetup, LinkInvite:
			if l.Purpose == LinkSetup {
				var n int
				if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return ErrLinkInvalid
				}
			} else {
				in.Email = l.Email
			}
			in.Role = l.Role
			if err := in.validate(); err != nil {
				return err
			}
			u, err = s.insertUser(ctx, q, authz.System("link:"+l.Purpose), in)
			return err
		case LinkReset:
			if err := checkNewPassword(in.Password, l.Email); err != nil {
				return err
			}
			hash, err := HashPassword(in.Password, s.cfg.Argon)
			if err != nil {
				return err
			}
			u, err = scanUser(q.QueryRow(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? RETURNING "+userColumns, hash, s.clock.Now(), l.UserID))
			if err != nil {
				return err
			}
			if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", u.ID); err != nil {
				return err
			}
			_, err = s.events.Append(ctx, q, u.Actor(), events.Entry{Action: "user.password_reset", Subject: u.Ref()})
			return err
		}
		return ErrLinkInvalid
	})
	return u, err
}
