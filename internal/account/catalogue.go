package account

import (
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/events"
)

// UserEvent is the payload of user.created and user.updated (before and after): the
// account's public fields, never a secret.
type UserEvent struct {
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        authz.Role `json:"role"`
	Disabled    bool       `json:"disabled"`
	TimeZone    string     `json:"time_zone"`
	TOTPEnabled bool       `json:"totp_enabled"`
}

// LinkEvent is the payload of user.{setup,invite,reset}_link_created: for whom and with
// which role (an onboarded candidate's invitation names no address: Via says why).
type LinkEvent struct {
	Email string     `json:"email,omitempty"`
	Role  authz.Role `json:"role"`
	Via   string     `json:"via,omitempty"`
}

// TokenEvent is the payload of token.created (the token's prefix, never its secret).
type TokenEvent struct {
	UserID int64    `json:"user_id"`
	Name   string   `json:"name"`
	Prefix string   `json:"prefix"`
	Scopes []string `json:"scopes"`
}

// Catalogue is the accounts' typed event catalogue (events.CheckCatalogue holds every
// appended event to it in tests). Nil: the event has no payload.
var Catalogue = events.Catalogue{
	"user.created":                         UserEvent{},
	"user.updated":                         UserEvent{},
	"user." + LinkSetup + "_link_created":  LinkEvent{},
	"user." + LinkInvite + "_link_created": LinkEvent{},
	"user." + LinkReset + "_link_created":  LinkEvent{},
	"user.password_reset":                  nil,
	"user.signed_in":                       nil,
	"user.password_changed":                nil,
	"user.totp_enabled":                    nil,
	"user.totp_disabled":                   nil,
	"user.recovery_code_used":              nil,
	"token.created":                        TokenEvent{},
	"token.revoked":                        nil,
}

func init() { events.Register("accounts", []string{"user.", "token."}, Catalogue) }
