package account

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/events"
)

// TOTPEnrolment is what a user needs to add sirt to an authenticator app.
type TOTPEnrolment struct {
	Secret string // base32, for typing in
	URL    string // otpauth:// URL
	QRPNG  string // data: URL of a QR code image
}

// BeginTOTP creates a new secret for the actor (not yet enabled: ConfirmTOTP with a
// code from the app turns it on, so a mistyped enrolment cannot lock anyone out).
func (s *Service) BeginTOTP(ctx context.Context, actor authz.Actor) (*TOTPEnrolment, error) {
	if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.Issuer, AccountName: actor.Email})
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		_, err := q.Exec(ctx, "UPDATE users SET totp_secret = ?, totp_enabled = FALSE, updated_at = ? WHERE id = ?", key.Secret(), s.clock.Now(), actor.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmTOTP enables TOTP when code matches the pending secret.
func (s *Service) ConfirmTOTP(ctx context.Context, actor authz.Actor, code string) error {
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if u.totpSecret == "" {
		return validationErr("code", "start the enrolment first")
	}
	if !s.checkTOTP(u, code) {
		return validationErr("code", "is not the current code; check the clock of the device running your authenticator app")
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := q.Exec(ctx, "UPDATE users SET totp_enabled = TRUE, updated_at = ? WHERE id = ?", s.clock.Now(), u.ID); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "user.totp_enabled", Subject: u.Ref()})
		return err
	})
}

// DisableTOTP turns the second factor off after checking the password.
func (s *Service) DisableTOTP(ctx context.Context, actor authz.Actor, password string) error {
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return err
	}
	if !CheckPassword(password, u.passwordHash) {
		return validationErr("password", "is not your current password")
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		if _, err := q.Exec(ctx, "UPDATE users SET totp_enabled = FALSE, totp_secret = '', updated_at = ? WHERE id = ?", s.clock.Now(), u.ID); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "user.totp_disabled", Subject: u.Ref()})
		return err
	})
}

func (s *Service) checkTOTP(u *User, code string) bool {
	ok, err := totp.ValidateCustom(code, u.totpSecret, s.clock.Now(), totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// TOTPCode returns the current code for a secret at t (tests and the browser test use it).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCode(secret, t)
}
