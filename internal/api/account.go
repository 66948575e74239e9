package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/reqctx"
)

// Me is the signed-in user.
type Me struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        authz.Role `json:"role" enum:"admin,pgm,responder,member"`
	TOTPEnabled bool       `json:"totp_enabled"`
	TimeZone    string     `json:"time_zone"`
	Scopes      []string   `json:"scopes,omitempty" doc:"The token's scopes, when called with a token."`
}

type meOutput struct{ Body Me }

type userOutput struct{ Body *account.User }

type usersOutput struct{ Body Page[*account.User] }

type tokenCreated struct {
	Body struct {
		Token string         `json:"token" doc:"The secret, shown only this once."`
		Info  *account.Token `json:"info"`
	}
}

type tokensOutput struct{ Body Page[*account.Token] }

func (x *API) registerAccount() {
	h := x.huma
	huma.Register(h, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: Prefix + "/me", Summary: "Who am I",
		Tags: []string{"account"}, Security: bearer}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		// The middleware read the user with the token or session moments ago.
		u := reqctx.User(ctx)
		if u == nil || u.ID != a.UserID {
			if u, err = x.app.Accounts.GetUser(ctx, a.UserID); err != nil {
				return nil, Problem(err)
			}
		}
		out := &meOutput{Body: Me{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TOTPEnabled: u.TOTPEnabled, TimeZone: u.TimeZone}}
		for _, s := range a.Scopes {
			out.Body.Scopes = append(out.Body.Scopes, string(s))
		}
		return out, nil
	})

	huma.Register(h, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: Prefix + "/tokens", Summary: "List my API tokens",
		Tags: []string{"account"}, Security: bearer}, func(ctx context.Context, _ *struct{}) (*tokensOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		ts, err := x.app.Accounts.ListTokens(ctx, a, a.UserID)
		if err != nil {
			return nil, Problem(err)
		}
		return &tokensOutput{Body: paginate(ts, len(ts)+1, func(t *account.Token) int64 { return t.ID })}, nil
	})

	type createTokenInput struct {
		Body struct {
			Name          string             `json:"name" minLength:"1" maxLength:"100" doc:"What the token is for."`
			Scopes        []authz.TokenScope `json:"scopes,omitempty" doc:"read and/or write; default both."`
			ExpiresInDays int                `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650" doc:"0: no expiry."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: Prefix + "/tokens", Summary: "Create an API token",
		Tags: []string{"account"}, Security: bearer, DefaultStatus: http.StatusCreated}, func(ctx context.Context, in *createTokenInput) (*tokenCreated, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		secret, t, err := x.app.Accounts.CreateToken(ctx, a, a.UserID, account.NewToken{Name: in.Body.Name, Scopes: in.Body.Scopes,
			ExpiresIn: time.Duration(in.Body.ExpiresInDays) * 24 * time.Hour})
		if err != nil {
			return nil, Problem(err)
		}
		out := &tokenCreated{}
		out.Body.Token, out.Body.Info = secret, t
		return out, nil
	})

	type idPath struct {
		ID string `path:"id" doc:"Numeric id."`
	}
	huma.Register(h, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: Prefix + "/tokens/{id}", Summary: "Revoke an API token",
		Tags: []string{"account"}, Security: bearer, DefaultStatus: http.StatusNoContent}, func(ctx context.Context, in *idPath) (*struct{}, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "token")
		if err != nil {
			return nil, err
		}
		return nil, Problem(x.app.Accounts.RevokeToken(ctx, a, id))
	})

	huma.Register(h, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: Prefix + "/users", Summary: "List users (admins)",
		Tags: []string{"users"}, Security: bearer}, func(ctx context.Context, in *ListParams) (*usersOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		after, err := DecodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		us, err := x.app.Accounts.ListUsers(ctx, a, after, in.Limit+1)
		if err != nil {
			return nil, Problem(err)
		}
		return &usersOutput{Body: paginate(us, in.Limit, func(u *account.User) int64 { return u.ID })}, nil
	})

	type createUserInput struct {
		Body struct {
			Email    string     `json:"email" maxLength:"254"`
			Name     string     `json:"name,omitempty" maxLength:"200"`
			Role     authz.Role `json:"role" enum:"admin,pgm,responder,member"`
			Password string     `json:"password" minLength:"12" maxLength:"1024" doc:"At least 12 characters."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: Prefix + "/users", Summary: "Create a user (admins)",
		Tags: []string{"users"}, Security: bearer, DefaultStatus: http.StatusCreated}, func(ctx context.Context, in *createUserInput) (*userOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		u, err := x.app.Accounts.CreateUser(ctx, a, account.NewUser{Email: in.Body.Email, Name: in.Body.Name, Role: in.Body.Role, Password: in.Body.Password})
		if err != nil {
			return nil, Problem(err)
		}
		return &userOutput{Body: u}, nil
	})

	type updateUserInput struct {
		ID   string `path:"id"`
		Body account.UserUpdate
	}
	huma.Register(h, huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: Prefix + "/users/{id}", Summary: "Change a user's name, role, time zone or disabled state",
		Tags: []string{"users"}, Security: bearer}, func(ctx context.Context, in *updateUserInput) (*userOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "user")
		if err != nil {
			return nil, err
		}
		u, err := x.app.Accounts.UpdateUser(ctx, a, id, in.Body)
		if err != nil {
			return nil, Problem(err)
		}
		return &userOutput{Body: u}, nil
	})

	type inviteInput struct {
		Body struct {
			Email string     `json:"email" maxLength:"254"`
			Role  authz.Role `json:"role" enum:"admin,pgm,responder,member"`
		}
	}
	type linkOutput struct {
		Body struct {
			URL string `json:"url" doc:"One-time link; send it to the person over a trusted channel."`
		}
	}
	huma.Register(h, huma.Operation{OperationID: "create-invitation", Method: http.MethodPost, Path: Prefix + "/invitations", Summary: "Invite someone by one-time link (admins)",
		Tags: []string{"users"}, Security: bearer, DefaultStatus: http.StatusCreated}, func(ctx context.Context, in *inviteInput) (*linkOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		tok, err := x.app.Accounts.Invite(ctx, a, in.Body.Email, in.Body.Role)
		if err != nil {
			return nil, Problem(err)
		}
		out := &linkOutput{}
		out.Body.URL = x.app.Cfg.BaseURL + "/invite/" + tok
		return out, nil
	})
	huma.Register(h, huma.Operation{OperationID: "create-reset-link", Method: http.MethodPost, Path: Prefix + "/users/{id}/reset-link", Summary: "Make a one-time password-reset link for a user (admins)",
		Tags: []string{"users"}, Security: bearer, DefaultStatus: http.StatusCreated}, func(ctx context.Context, in *idPath) (*linkOutput, error) {
		a, err := signedIn(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "user")
		if err != nil {
			return nil, err
		}
		if err := authz.Can(a, authz.ManageUsers, nil); err != nil {
			return nil, Problem(err)
		}
		tok, err := x.app.Accounts.ResetLink(ctx, a, id)
		if err != nil {
			return nil, Problem(err)
		}
		out := &linkOutput{}
		out.Body.URL = x.app.Cfg.BaseURL + "/reset/" + tok
		return out, nil
	})
}
