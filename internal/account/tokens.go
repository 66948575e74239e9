package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise and grep for.
const TokenPrefix = "sirt_"

// Token is an API token's metadata (the secret itself is shown once, at creation).
type Token struct {
	ID         int64              `json:"id"`
	UserID     int64              `json:"user_id"`
	Name       string             `json:"name"`
	Prefix     string             `json:"prefix"`
	Scopes     []authz.TokenScope `json:"scopes"`
	CreatedAt  time.Time          `json:"created_at"`
	LastUsedAt *time.Time         `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time         `json:"expires_at,omitempty"`
	RevokedAt  *time.Time         `json:"revoked_at,omitempty"`
}

// NewToken is the input to CreateToken.
type NewToken struct {
	Name      string             `json:"name"`
	Scopes    []authz.TokenScope `json:"scopes,omitempty"` // default read+write
	ExpiresIn time.Duration      `json:"-"`
}

// CreateToken makes a token for user id (one's own, or any user's for an admin). The
// returned secret is never stored or shown again.
func (s *Service) CreateToken(ctx context.Context, actor authz.Actor, userID int64, in NewToken) (string, *Token, error) {
	if actor.UserID != userID {
		if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
			return "", nil, err
		}
	} else if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return "", nil, err
	}
	var e validate.Errors
	in.Name = e.Text("name", in.Name, true, 100)
	if len(in.Scopes) == 0 {
		in.Scopes = []authz.TokenScope{authz.ScopeRead, authz.ScopeWrite}
	}
	scopes := make([]string, len(in.Scopes))
	for i, sc := range in.Scopes {
		e.OneOf(fmt.Sprintf("scopes[%d]", i), string(sc), string(authz.ScopeRead), string(authz.ScopeWrite))
		scopes[i] = string(sc)
	}
	if in.ExpiresIn < 0 {
		e.Add("expires_in", "must not be negative")
	}
	if err := e.Err(); err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + randomToken(32)
	now := s.clock.Now()
	t := &Token{UserID: userID, Name: in.Name, Prefix: secret[:len(TokenPrefix)+6], Scopes: in.Scopes, CreatedAt: now}
	if in.ExpiresIn > 0 {
		x := now.Add(in.ExpiresIn)
		t.ExpiresAt = &x
	}
	err := s.db.InTx(ctx, func(q db.Querier) error {
		u, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", userID))
		if err != nil {
			return err
		}
		if u.Disabled {
			return validate.Field("user", "the account %s is disabled", u.Email)
		}
		if err := q.QueryRow(ctx, "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			userID, t.Name, HashToken(secret), t.Prefix, strings.Join(scopes, " "), now, t.ExpiresAt).Scan(&t.ID); err != nil {
			return fmt.Errorf("account: create token: %w", err)
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "token.created", Subject: events.Ref{Type: "token", ID: fmt.Sprint(t.ID)},
			After: TokenEvent{UserID: userID, Name: t.Name, Prefix: t.Prefix, Scopes: scopes}})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// TokenActor returns the actor a bearer token stands for, or ErrNoSession.
func (s *Service) TokenActor(ctx context.Context, secret string) (authz.Actor, *User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return authz.Anonymous(), nil, ErrNoSession
	}
	var (
		tokenID  int64
		scopes   string
		lastUsed *time.Time
		expires  *time.Time
	)
	row := s.db.Read().QueryRow(ctx, `SELECT t.id, t.scopes, t.last_used_at, t.expires_at, `+prefixed("u.", userColumns)+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, HashToken(secret))
	var u User
	var disabled *time.Time
	var role string
	if err := row.Scan(&tokenID, &scopes, &lastUsed, &expires, &u.ID, &u.Email, &u.Name, &role, &u.passwordHash, &u.totpSecret, &u.TOTPEnabled, &u.TimeZone, &disabled, &u.CreatedAt, &u.UpdatedAt, &u.totpLastStep); err != nil {
		return authz.Anonymous(), nil, ErrNoSession
	}
	u.Role = authz.Role(role)
	now := s.clock.Now()
	if expires != nil && !now.Before(*expires) {
		return authz.Anonymous(), nil, ErrNoSession
	}
	// Record use at most once a minute: a token used in a tight loop must not turn every
	// read into a write.
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		_ = s.db.InTx(ctx, func(q db.Querier) error {
			_, err := q.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, tokenID)
			return err
		})
	}
	a := u.Actor()
	a.Scopes = []authz.TokenScope{}
	for _, sc := range strings.Fields(scopes) {
		a.Scopes = append(a.Scopes, authz.TokenScope(sc))
	}
	return a, &u, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// ListTokens returns a user's tokens (metadata only).
func (s *Service) ListTokens(ctx context.Context, actor authz.Actor, userID int64) ([]*Token, error) {
	if actor.UserID != userID {
		if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.Read().Query(ctx, "SELECT id, user_id, name, prefix, scopes, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		var t Token
		var scopes string
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &scopes, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		for _, sc := range strings.Fields(scopes) {
			t.Scopes = append(t.Scopes, authz.TokenScope(sc))
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the actor's tokens (or any, for an admin).
func (s *Service) RevokeToken(ctx context.Context, actor authz.Actor, id int64) error {
	return s.db.InTx(ctx, func(q db.Querier) error {
		var owner int64
		if err := q.QueryRow(ctx, "SELECT user_id FROM api_tokens WHERE id = ?", id).Scan(&owner); err != nil {
			return db.ErrNotFound
		}
		if owner != actor.UserID {
			if err := authz.Can(actor, authz.ManageUsers, nil); err != nil {
				return db.ErrNotFound
			}
		}
		if _, err := q.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.clock.Now(), id); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "token.revoked", Subject: events.Ref{Type: "token", ID: fmt.Sprint(id)}})
		return err
	})
}
