package account

import (
	"context"
	"fmt"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// Session is a signed-in browser.
type Session struct {
	UserID     int64
	CSRF       string // per-session secret embedded in forms
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// Login is a sign-in attempt.
type Login struct {
	Email    string
	Password string
	Code     string // TOTP code; required when the user has TOTP enabled
	IP       string
}

// Authenticate checks a sign-in attempt. It is rate-limited per source address and per
// account from that address (see limits), and takes the same time whether or not the
// account exists. ErrTOTPRequired means the password was right and a code is needed;
// Code may be a TOTP code or an unused recovery code.
func (s *Service) Authenticate(ctx context.Context, in Login) (*User, error) {
	if err := s.limit.admit(ctx, in.Email, in.IP); err != nil {
		return nil, err
	}
	key := acctSourceKey(in.Email, in.IP)
	u, err := s.UserByEmail(ctx, in.Email)
	if err != nil {
		CheckPassword(in.Password, dummyHash)
		_ = s.limit.acctSource.Fail(ctx, key)
		return nil, ErrBadCredentials
	}
	if !CheckPassword(in.Password, u.passwordHash) || u.Disabled {
		_ = s.limit.acctSource.Fail(ctx, key)
		return nil, ErrBadCredentials
	}
	if u.TOTPEnabled {
		if in.Code == "" {
			return nil, ErrTOTPRequired
		}
		return s.secondFactor(ctx, u, in.Code, in.IP)
	}
	_ = s.limit.acctSource.Reset(ctx, key)
	return u, nil
}

// secondFactor checks code for u (whose password was right), counting failures per
// account-and-address and per account.
func (s *Service) secondFactor(ctx context.Context, u *User, code, ip string) (*User, error) {
	acct := fmt.Sprint(u.ID)
	ok, wait, err := s.limit.code.Check(ctx, acct)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, limited(wait)
	}
	key := acctSourceKey(u.Email, ip)
	good, err := s.useSecondFactor(ctx, u, code)
	if err != nil {
		return nil, err
	}
	if !good {
		_ = s.limit.acctSource.Fail(ctx, key)
		_ = s.limit.code.Fail(ctx, acct)
		return nil, ErrBadCredentials
	}
	_ = s.limit.acctSource.Reset(ctx, key)
	_ = s.limit.code.Reset(ctx, acct)
	return u, nil
}

// StartSession creates a session for u and returns the secret cookie value. A new
// session id on every sign-in means a session fixed before sign-in is useless.
func (s *Service) StartSession(ctx context.Context, u *User, userAgent string) (string, *Session, error) {
	token := randomToken(32)
	now := s.clock.Now()
	sess := &Session{UserID: u.ID, CSRF: randomToken(24), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionAbsolute)}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := q.Exec(ctx, "INSERT INTO sessions (id_hash, user_id, csrf_secret, created_at, last_seen_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
			HashToken(token), u.ID, sess.CSRF, now, now, sess.ExpiresAt, userAgent); err != nil {
			return fmt.Errorf("account: start session: %w", err)
		}
		_, err := s.events.Append(ctx, q, u.Actor(), events.Entry{Action: "user.signed_in", Subject: u.Ref()})
		return err
	})
	return token, sess, err
}

// SessionUser returns the user and session for a cookie value, enforcing the idle and
// absolute expiry. It refreshes last-seen at most once a minute, so reads stay reads.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, *Session, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	h := HashToken(token)
	var sess Session
	row := s.db.Read().QueryRow(ctx, "SELECT user_id, csrf_secret, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?", h)
	if err := row.Scan(&sess.UserID, &sess.CSRF, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt); err != nil {
		return nil, nil, ErrNoSession
	}
	now := s.clock.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.cfg.SessionIdle {
		_ = s.EndSession(ctx, token)
		return nil, nil, ErrNoSession
	}
	u, err := s.GetUser(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return nil, nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		_ = s.db.InTx(ctx, func(q db.Querier) error {
			_, err := q.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", now, h)
			return err
		})
		sess.LastSeenAt = now
	}
	return u, &sess, nil
}

// EndSession signs a browser out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", HashToken(token))
		return err
	})
}

// PruneSessions deletes expired sessions (a periodic job).
func (s *Service) PruneSessions(ctx context.Context) error {
	now := s.clock.Now()
	return s.db.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", now, now.Add(-s.cfg.SessionIdle))
		return err
	})
}

// ChangePassword sets a new password after checking the old one; other sessions end.
func (s *Service) ChangePassword(ctx context.Context, actor authz.Actor, old, newPw string, keepSession string) error {
	if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return err
	}
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if !CheckPassword(old, u.passwordHash) {
		return validationErr("current_password", "is not your current password")
	}
	return s.setPassword(ctx, actor, u, newPw, keepSession)
}

func (s *Service) setPassword(ctx context.Context, actor authz.Actor, u *User, newPw, keepSession string) error {
	var e = checkNewPassword(newPw, u.Email, u.Name)
	if e != nil {
		return e
	}
	hash, err := HashPassword(newPw, s.cfg.Argon)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := q.Exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, s.clock.Now(), u.ID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", u.ID, HashToken(keepSession)); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "user.password_changed", Subject: u.Ref()})
		return err
	})
}

// AuthenticateCode checks the second factor (a TOTP code or a recovery code) of a user
// whose password was checked moments ago (the second sign-in step), rate-limited like
// passwords.
func (s *Service) AuthenticateCode(ctx context.Context, u *User, code, ip string) (*User, error) {
	if err := s.limit.admit(ctx, u.Email, ip); err != nil {
		return nil, err
	}
	fresh, err := s.GetUser(ctx, u.ID)
	if err != nil || fresh.Disabled || !fresh.TOTPEnabled {
		return nil, ErrBadCredentials
	}
	return s.secondFactor(ctx, fresh, code, ip)
}
