package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/url"
	"strings"
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

// totpPeriod is the TOTP time step; codes from one step before or after are accepted
// (clock drift), each at most once.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// BeginTOTP returns the enrolment for the actor's pending secret, creating the secret
// when there is none (not yet enabled: ConfirmTOTP with a code from the app turns it on,
// so a mistyped enrolment cannot lock anyone out). Asking again, or mistyping a code,
// keeps the same secret, so an authenticator app that has scanned it keeps working.
// While two-factor sign-in is on, a new secret needs DisableTOTP (with the password)
// first: a borrowed session alone cannot replace the second factor.
func (s *Service) BeginTOTP(ctx context.Context, actor authz.Actor) (*TOTPEnrolment, error) {
	if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return nil, err
	}
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, validationErr("code", "two-factor sign-in is on already; turn it off (with your password) to enrol a new app")
	}
	secret := u.totpSecret
	if secret == "" {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.Issuer, AccountName: u.Email})
		if err != nil {
			return nil, err
		}
		secret = key.Secret()
		err = s.db.InTx(ctx, func(q db.Querier) error {
			// Another request may have created one first: keep that one.
			if _, err := q.Exec(ctx, "UPDATE users SET totp_secret = ?, updated_at = ? WHERE id = ? AND totp_secret = '' AND totp_enabled = FALSE", secret, s.clock.Now(), u.ID); err != nil {
				return err
			}
			return q.QueryRow(ctx, "SELECT totp_secret FROM users WHERE id = ?", u.ID).Scan(&secret)
		})
		if err != nil {
			return nil, err
		}
	}
	return s.enrolment(u.Email, secret)
}

// PendingTOTP is the enrolment of a secret begun but not confirmed (nil when none).
func (s *Service) PendingTOTP(ctx context.Context, actor authz.Actor) (*TOTPEnrolment, error) {
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled || u.totpSecret == "" {
		return nil, nil
	}
	return s.enrolment(u.Email, u.totpSecret)
}

func (s *Service) enrolment(account, secret string) (*TOTPEnrolment, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", s.cfg.Issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", fmt.Sprint(totpPeriod))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + s.cfg.Issuer + ":" + account, RawQuery: v.Encode()}
	key, err := otp.NewKeyFromURL(u.String())
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
	return &TOTPEnrolment{Secret: secret, URL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// RecoveryCodeCount is how many recovery codes a user gets at enrolment.
const RecoveryCodeCount = 10

// ConfirmTOTP enables TOTP when code matches the pending secret, and returns new
// recovery codes: shown to the user once, stored only as hashes, each good for one
// sign-in instead of a code. A wrong code changes nothing (the secret stays).
func (s *Service) ConfirmTOTP(ctx context.Context, actor authz.Actor, code string) ([]string, error) {
	if err := authz.Can(actor, authz.ManageOwnAcct, nil); err != nil {
		return nil, err
	}
	u, err := s.GetUser(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, validationErr("code", "two-factor sign-in is on already")
	}
	if u.totpSecret == "" {
		return nil, validationErr("code", "start the enrolment first")
	}
	step, ok := matchTOTP(u.totpSecret, code, s.clock.Now(), u.totpLastStep)
	if !ok {
		return nil, validationErr("code", "is not the current code; check the clock of the device running your authenticator app and enter the code it shows now")
	}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	err = s.db.InTx(ctx, func(q db.Querier) error {
		now := s.clock.Now()
		// The step used to confirm is spent, like any accepted code.
		res, err := q.Exec(ctx, "UPDATE users SET totp_enabled = TRUE, totp_last_step = ?, updated_at = ? WHERE id = ? AND totp_secret = ? AND totp_enabled = FALSE",
			step, now, u.ID, u.totpSecret)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return validationErr("code", "the enrolment changed meanwhile; reload the page")
		}
		if _, err := q.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := q.Exec(ctx, "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)", u.ID, HashToken(normalizeRecoveryCode(c)), now); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, q, actor, events.Entry{Action: "user.totp_enabled", Subject: u.Ref()})
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesLeft is how many unused recovery codes the user has.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userID).Scan(&n)
	return n, err
}

// DisableTOTP turns the second factor off after checking the password; the recovery
// codes go with it.
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
		if _, err := q.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, q, actor, events.Entry{Action: "user.totp_disabled", Subject: u.Ref()})
		return err
	})
}

// matchTOTP finds the time step (within ±1 of now) whose code is code and that is
// later than after, the last step accepted.
func matchTOTP(secret, code string, now time.Time, after int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for st := cur - 1; st <= cur+1; st++ {
		if st <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0).UTC(), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// useSecondFactor accepts a TOTP code (once: the step is recorded atomically, so the
// same code replayed, even to another replica at the same moment, fails) or an unused
// recovery code (marked used in the same statement that checks it).
func (s *Service) useSecondFactor(ctx context.Context, u *User, code string) (bool, error) {
	code = strings.TrimSpace(code)
	if isDigits(code) {
		step, ok := matchTOTP(u.totpSecret, code, s.clock.Now(), u.totpLastStep)
		if !ok {
			return false, nil
		}
		var used bool
		err := s.db.InTx(ctx, func(q db.Querier) error {
			res, err := q.Exec(ctx, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_enabled = TRUE AND totp_last_step < ?", step, u.ID, step)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			used = n == 1
			return nil
		})
		return used, err
	}
	norm := normalizeRecoveryCode(code)
	if len(norm) != recoveryCodeLen {
		return false, nil
	}
	var used bool
	err := s.db.InTx(ctx, func(q db.Querier) error {
		res, err := q.Exec(ctx, "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", s.clock.Now(), u.ID, HashToken(norm))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if used = n == 1; !used {
			return nil
		}
		_, err = s.events.Append(ctx, q, u.Actor(), events.Entry{Action: "user.recovery_code_used", Subject: u.Ref()})
		return err
	})
	return used, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Recovery codes: 16 characters of an unambiguous alphabet (80 bits), shown in groups
// of four.
const (
	recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no i, l, o, 0, 1
	recoveryCodeLen  = 16
)

func newRecoveryCode() string {
	var sb strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < recoveryCodeLen; {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		// Rejection sampling keeps every character equally likely.
		if int(buf[0]) >= 256/len(recoveryAlphabet)*len(recoveryAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(recoveryAlphabet[int(buf[0])%len(recoveryAlphabet)])
		n++
	}
	return sb.String()
}

// normalizeRecoveryCode drops separators and case, so "ABCD EFGH…" works too.
func normalizeRecoveryCode(c string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(c) {
		if r == '-' || r == ' ' {
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// TOTPCode returns the current code for a secret at t (tests and the browser test use it).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCode(secret, t)
}
