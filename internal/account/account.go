// Package account holds sirt's users and how they prove who they are: passwords
// (argon2id), TOTP second factor, server-side sessions, API tokens (shown once, stored
// as SHA-256), and one-time links for the first admin, invitations and password resets.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/ratelimit"
	"github.com/oss-sirt/sirt/internal/validate"
)

// User is an account.
type User struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        authz.Role `json:"role"`
	TOTPEnabled bool       `json:"totp_enabled"`
	TimeZone    string     `json:"time_zone"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`

	passwordHash string
	totpSecret   string
	totpLastStep int64
}

// Actor returns the user as an authorization actor.
func (u *User) Actor() authz.Actor { return authz.User(u.ID, u.Email, u.Role) }

// Ref is the user as an event subject.
func (u *User) Ref() events.Ref { return events.Ref{Type: "user", ID: fmt.Sprint(u.ID)} }

// Config tunes the service.
type Config struct {
	SessionIdle     time.Duration // default 8h
	SessionAbsolute time.Duration // default 7 days
	LinkTTL         time.Duration // invitations and resets; default 72h
	Argon           ArgonParams   // default DefaultArgon
	Issuer          string        // TOTP issuer shown in authenticator apps; default "sirt"
	// Limits keeps the sign-in rate limits (ratelimit.StoreFor the database, so replicas
	// on one PostgreSQL share them); default in process memory.
	Limits ratelimit.Store
}

// Service manages accounts.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	events *events.Log
	cfg    Config
	limit  *limits
}

// Errors callers map to responses.
var (
	ErrBadCredentials = errors.New("the email, password or code is not right")
	ErrTOTPRequired   = errors.New("enter the 6-digit code from your authenticator app")
	ErrRateLimited    = errors.New("too many attempts; wait a minute and try again") // see RateLimitedError for the wait
	ErrLinkInvalid    = errors.New("this link is not valid: it was used already, has expired, or was mistyped")
	ErrNoSession      = errors.New("not signed in, or the session has expired")
)

// New returns a Service.
func New(d *db.DB, c clock.Clock, ev *events.Log, cfg Config) *Service {
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 8 * time.Hour
	}
	if cfg.SessionAbsolute <= 0 {
		cfg.SessionAbsolute = 7 * 24 * time.Hour
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = 72 * time.Hour
	}
	if cfg.Argon.Memory == 0 {
		cfg.Argon = DefaultArgon
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "sirt"
	}
	return &Service{db: d, clock: c, events: ev, cfg: cfg, limit: newLimits(cfg.Limits, c)}
}

const userColumns = "id, email, name, role, password_hash, totp_secret, totp_enabled, time_zone, disabled_at, created_at, updated_at, totp_last_step"

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (*User, error) {
	var u User
	var disabled *time.Time
	var role string
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &role, &u.passwordHash, &u.totpSecret, &u.TOTPEnabled, &u.TimeZone, &disabled, &u.CreatedAt, &u.UpdatedAt, &u.totpLastStep); err != nil {
		if errors.Is(err, db.ErrNotFound) || db.NotFound(err) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	u.Role = authz.Role(role)
	u.Disabled = disabled != nil
	return &u, nil
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string     `json:"email"`
	Name     string     `json:"name"`
	Role     authz.Role `json:"role"`
	Password string     `json:"password"`
}

// MinPasswordLength is the shortest password accepted; passphrases are encouraged.
const MinPasswordLength = 12

// checkPassword refuses short, overlong and easily guessed passwords; userInputs (the
// email address, the name) count as known words.
func checkPassword(e *validate.Errors, field, pw string, userInputs ...string) {
	switch {
	case len([]rune(pw)) < MinPasswordLength:
		e.Add(field, "is too short: use at least %d characters (a passphrase of a few words is good)", MinPasswordLength)
	case len(pw) > 1024:
		e.Add(field, "is longer than 1024 bytes")
	default:
		if msg := weakPassword(pw, userInputs...); msg != "" {
			e.Add(field, "%s", msg)
		}
	}
}

func (in *NewUser) validate() error {
	var e validate.Errors
	in.Email = e.Email("email", in.Email, true)
	in.Name = e.Text("name", in.Name, false, 200)
	if _, err := authz.ParseRole(string(in.Role)); err != nil {
		e.Add("role", "%s", err.Error())
	}
	checkPassword(&e, "password", in.Password, in.Email, in.Name)
	return e.Err()
}

// CreateUser adds a user (an admin's action, or the system's from the CLI).
func (s *Service) CreateUser(ctx context.Context, actor authz.Actor, in NewUser) (*User, error) {
	if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var u *User
	err := s.db.InTx(ctx, func(q db.Querier) error {
		var err error
		u, err = s.insertUser(ctx, q, actor, in)
		return err
	})
	return u, err
}

func (s *Service) insertUser(ctx context.Context, q db.Querier, actor authz.Actor, in NewUser) (*User, error) {
	hash, err := HashPassword(in.Password, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	u, err := scanUser(q.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+userColumns, in.Email, in.Name, string(in.Role), hash, now, now))
	if err != nil {
		if db.IsUniqueViolation(err) {
			return nil, validate.Field("email", "a user with the address %s exists already", in.Email)
		}
		return nil, fmt.Errorf("account: create user: %w", err)
	}
	_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "user.created", Subject: u.Ref(),
		After: publicUser(u)})
	return u, err
}

// GetUser returns a user by id.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return scanUser(s.db.Read().QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByEmail returns a user by email address.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(s.db.Read().QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", strings.ToLower(strings.TrimSpace(email))))
}

// UserByEmailTx returns a user by email address, read inside the caller's transaction q
// (for other domains that name people by address: db.ErrNotFound when there is none).
func UserByEmailTx(ctx context.Context, q db.Querier, email string) (*User, error) {
	return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", strings.ToLower(strings.TrimSpace(email))))
}

// UserByIDTx returns a user by id inside the caller's transaction q.
func UserByIDTx(ctx context.Context, q db.Querier, id int64) (*User, error) {
	return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// ListUsers returns users ordered by id after the cursor id, at most limit.
func (s *Service) ListUsers(ctx context.Context, actor authz.Actor, after int64, limit int) ([]*User, error) {
	if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Read().Query(ctx, "SELECT "+userColumns+fmt.Sprintf(" FROM users WHERE id > ? ORDER BY id LIMIT %d", limit), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers returns how many users exist (0 means sirt needs its first admin).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// UserUpdate changes an account's role or disabled state (admins) or name and time zone.
type UserUpdate struct {
	Name     *string     `json:"name,omitempty"`
	Role     *authz.Role `json:"role,omitempty"`
	Disabled *bool       `json:"disabled,omitempty"`
	TimeZone *string     `json:"time_zone,omitempty"`
}

// UpdateUser applies up to user id. Admins may change anything but may not disable or
// demote themselves (so a team is never left without an admin by mistake); users may
// change their own name and time zone.
func (s *Service) UpdateUser(ctx context.Context, actor authz.Actor, id int64, up UserUpdate) (*User, error) {
	self := actor.UserID == id
	if up.Role != nil || up.Disabled != nil || !self {
		if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
			return nil, err
		}
	} else if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return nil, err
	}
	var e validate.Errors
	if up.Role != nil {
		if _, err := authz.ParseRole(string(*up.Role)); err != nil {
			e.Add("role", "%s", err.Error())
		} else if self && *up.Role != authz.RoleAdmin {
			e.Add("role", "you cannot remove your own admin role; ask another admin")
		}
	}
	if up.Disabled != nil && *up.Disabled && self {
		e.Add("disabled", "you cannot disable your own account")
	}
	if up.Name != nil {
		*up.Name = e.Text("name", *up.Name, false, 200)
	}
	if up.TimeZone != nil {
		if _, err := time.LoadLocation(*up.TimeZone); err != nil || *up.TimeZone == "" {
			e.Add("time_zone", "%q is not a time zone (want e.g. Europe/Berlin or UTC)", *up.TimeZone)
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	var u *User
	err := s.db.InTx(ctx, func(q db.Querier) error {
		before, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
		if err != nil {
			return err
		}
		now := s.clock.Now()
		name, role, tz := before.Name, before.Role, before.TimeZone
		if up.Name != nil {
			name = *up.Name
		}
		if up.Role != nil {
			role = *up.Role
		}
		if up.TimeZone != nil {
			tz = *up.TimeZone
		}
		var disabledAt any
		if before.Disabled {
			disabledAt = now
		}
		if up.Disabled != nil {
			disabledAt = nil
			if *up.Disabled {
				disabledAt = now
			}
		}
		u, err = scanUser(q.QueryRow(ctx, "UPDATE users SET name = ?, role = ?, time_zone = ?, disabled_at = ?, updated_at = ? WHERE id = ? RETURNING "+userColumns,
			name, string(role), tz, disabledAt, now, id))
		if err != nil {
			return err
		}
		if u.Disabled {
			// A disabled account loses its sessions and tokens at once.
			if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
			if _, err := q.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", now, id); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "user.updated", Subject: u.Ref(),
			Before: publicUser(before), After: publicUser(u)})
		return err
	})
	return u, err
}

func publicUser(u *User) UserEvent {
	return UserEvent{Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled, TimeZone: u.TimeZone, TOTPEnabled: u.TOTPEnabled}
}

// DisableUserByEmail disables an account (CLI).
func (s *Service) DisableUserByEmail(ctx context.Context, actor authz.Actor, email string) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("no user with the address %s: %w", email, err)
	}
	t := true
	return s.UpdateUser(ctx, actor, u.ID, UserUpdate{Disabled: &t})
}

// randomToken returns a URL-safe random string with n bytes (8n bits) of entropy.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how sirt stores bearer secrets (sessions, tokens, links): SHA-256 hex.
// They are random and long, so a fast hash is enough and lookups stay cheap.
func HashToken(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

func equalConstant(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
