// Package reqctx carries what the HTTP middleware learnt about a request (who is asking,
// their session, the request id) to the web and API handlers.
package reqctx

import (
	"context"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
)

type key int

const (
	actorKey key = iota
	userKey
	sessionKey
	badTokenKey
	requestIDKey
)

type session struct{ token, csrf string }

// WithActor stores the actor.
func WithActor(ctx context.Context, a authz.Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// Actor returns the request's actor (anonymous when none).
func Actor(ctx context.Context) authz.Actor {
	if a, ok := ctx.Value(actorKey).(authz.Actor); ok {
		return a
	}
	return authz.Anonymous()
}

// WithUser stores the signed-in user.
func WithUser(ctx context.Context, u *account.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// User returns the signed-in user, or nil.
func User(ctx context.Context) *account.User {
	u, _ := ctx.Value(userKey).(*account.User)
	return u
}

// WithSession stores the session cookie value and its CSRF secret.
func WithSession(ctx context.Context, token, csrf string) context.Context {
	return context.WithValue(ctx, sessionKey, session{token, csrf})
}

// Session returns the session cookie value and CSRF secret ("" when none).
func Session(ctx context.Context) (token, csrf string) {
	s, _ := ctx.Value(sessionKey).(session)
	return s.token, s.csrf
}

// WithBadToken marks that an Authorization header was sent but not accepted.
func WithBadToken(ctx context.Context) context.Context {
	return context.WithValue(ctx, badTokenKey, true)
}

// BadToken reports whether the request carried a rejected Authorization header.
func BadToken(ctx context.Context) bool { b, _ := ctx.Value(badTokenKey).(bool); return b }

// WithRequestID stores the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id.
func RequestID(ctx context.Context) string { s, _ := ctx.Value(requestIDKey).(string); return s }

type clientIPKey struct{}

// WithClientIP stores the client's address as the server's middleware derived it (the
// peer, or behind a trusted reverse proxy the address the proxy saw).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the client's address ("" when no middleware set it).
func ClientIP(ctx context.Context) string { s, _ := ctx.Value(clientIPKey{}).(string); return s }
