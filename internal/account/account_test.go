package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/validate"
)

var (
	t0    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cheap = account.ArgonParams{Memory: 64, Time: 1, Threads: 1}
	sys   = authz.System("test")
	ctx   = context.Background()
)

type fixture struct {
	d     *db.DB
	clock *clock.Fake
	acc   *account.Service
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	c := clock.NewFake(t0)
	return &fixture{d: d, clock: c, acc: account.New(d, c, events.New(c), account.Config{Argon: cheap})}
}

func (f *fixture) user(t *testing.T, email string, role authz.Role) *account.User {
	t.Helper()
	u, err := f.acc.CreateUser(ctx, sys, account.NewUser{Email: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPasswordHashing(t *testing.T) {
	h, err := account.HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	if !account.CheckPassword("correct horse battery", h) {
		t.Fatal("right password refused")
	}
	for _, bad := range []string{"correct horse batterY", "", "correct horse battery "} {
		if account.CheckPassword(bad, h) {
			t.Fatalf("wrong password %q accepted", bad)
		}
	}
	h2, _ := account.HashPassword("correct horse battery", cheap)
	if h2 == h {
		t.Fatal("two hashes of one password are equal (no salt)")
	}
	for _, garbage := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", h[:len(h)-3] + "!!!"} {
		if account.CheckPassword("correct horse battery", garbage) {
			t.Fatalf("accepted against malformed hash %q", garbage)
		}
	}
}

func TestCreateUserValidates(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cases := map[string]account.NewUser{
			"email":    {Email: "nope", Role: authz.RoleMember, Password: "long enough password"},
			"role":     {Email: "a@example.org", Role: "root", Password: "long enough password"},
			"password": {Email: "a@example.org", Role: authz.RoleMember, Password: "short"},
		}
		for field, in := range cases {
			_, err := f.acc.CreateUser(ctx, sys, in)
			fe, ok := validate.As(err)
			if !ok || fe.For(field) == "" {
				t.Errorf("%s: got %v, want a field error on %s", field, err, field)
			}
		}
		f.user(t, "Dup@Example.org", authz.RoleMember)
		_, err := f.acc.CreateUser(ctx, sys, account.NewUser{Email: "dup@example.org", Role: authz.RoleMember, Password: "long enough password"})
		if fe, ok := validate.As(err); !ok || fe.For("email") == "" {
			t.Fatalf("duplicate (case-insensitive) email: %v", err)
		}
		// Only admins create users.
		m := f.user(t, "m@example.org", authz.RoleMember)
		if _, err := f.acc.CreateUser(ctx, m.Actor(), account.NewUser{Email: "x@example.org", Role: authz.RoleAdmin, Password: "long enough password"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("member creating a user: %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.user(t, "a@example.org", authz.RoleResponder)
		u, err := f.acc.Authenticate(ctx, account.Login{Email: "A@example.org ", Password: "correct horse battery", IP: "192.0.2.1"})
		if err != nil || u.Email != "a@example.org" {
			t.Fatalf("right password: %v", err)
		}
		for _, in := range []account.Login{
			{Email: "a@example.org", Password: "wrong horse battery", IP: "192.0.2.2"},
			{Email: "nobody@example.org", Password: "correct horse battery", IP: "192.0.2.3"},
		} {
			if _, err := f.acc.Authenticate(ctx, in); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("%+v: %v, want ErrBadCredentials (same answer for unknown users)", in, err)
			}
		}
	})
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "t@example.org", authz.RoleResponder)
		en, err := f.acc.BeginTOTP(ctx, u.Actor())
		if err != nil || en.Secret == "" || !strings.HasPrefix(en.URL, "otpauth://totp/") || !strings.HasPrefix(en.QRPNG, "data:image/png;base64,") {
			t.Fatalf("begin: %+v %v", en, err)
		}
		// Not enabled until confirmed: sign-in still needs only the password.
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: "correct horse battery", IP: "a"}); err != nil {
			t.Fatalf("before confirmation: %v", err)
		}
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), "000000"); err == nil {
			// 000000 may be right by chance once in a million; use a code that cannot be.
			t.Fatal("confirmed with a wrong code")
		}
		code, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), code); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		login := account.Login{Email: u.Email, Password: "correct horse battery", IP: "b"}
		if _, err := f.acc.Authenticate(ctx, login); !errors.Is(err, account.ErrTOTPRequired) {
			t.Fatalf("password alone after enrolment: %v, want ErrTOTPRequired", err)
		}
		f.clock.Advance(time.Hour)
		login.Code, _ = account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.Authenticate(ctx, login); err != nil {
			t.Fatalf("password and code: %v", err)
		}
		login.Code = wrongCode(login.Code)
		if _, err := f.acc.Authenticate(ctx, login); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("bad code: %v", err)
		}
		// The second step alone (after a checked password), a step later (a code is
		// good once).
		f.clock.Advance(30 * time.Second)
		good, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.AuthenticateCode(ctx, u, good, "c"); err != nil {
			t.Fatalf("code step: %v", err)
		}
		if _, err := f.acc.AuthenticateCode(ctx, u, wrongCode(good), "c"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("code step with a bad code: %v", err)
		}
		// A code from long ago is refused (only ±1 step of skew).
		old, _ := account.TOTPCode(en.Secret, f.clock.Now().Add(-10*time.Minute))
		if old != good {
			if _, err := f.acc.AuthenticateCode(ctx, u, old, "c"); err == nil {
				t.Fatal("a 10-minute-old code was accepted")
			}
		}
		// Turning it off needs the password.
		if err := f.acc.DisableTOTP(ctx, u.Actor(), "wrong"); err == nil {
			t.Fatal("disabled TOTP without the password")
		}
		if err := f.acc.DisableTOTP(ctx, u.Actor(), "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: "correct horse battery", IP: "d"}); err != nil {
			t.Fatalf("after disabling TOTP: %v", err)
		}
	})
}

func wrongCode(c string) string {
	b := []byte(c)
	b[0] = '0' + (b[0]-'0'+5)%10
	return string(b)
}

func TestSignInIsRateLimited(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.user(t, "r@example.org", authz.RoleMember)
		var limitErr error
		for i := 0; i < 30 && limitErr == nil; i++ {
			_, err := f.acc.Authenticate(ctx, account.Login{Email: "r@example.org", Password: "guess number " + string(rune('a'+i)), IP: "198.51.100.7"})
			if errors.Is(err, account.ErrRateLimited) {
				limitErr = err
			}
		}
		if limitErr == nil {
			t.Fatal("30 wrong passwords in a row were never rate-limited")
		}
		if w := account.RetryAfter(limitErr); w < time.Second || w > 15*time.Minute {
			t.Fatalf("Retry-After %v", w)
		}
		// The right password from the guessing address is held back too…
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: "r@example.org", Password: "correct horse battery", IP: "198.51.100.7"}); !errors.Is(err, account.ErrRateLimited) {
			t.Fatalf("right password from the guessing address: %v", err)
		}
		// …but the owner from another address gets in: no lock anyone can keep up.
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: "r@example.org", Password: "correct horse battery", IP: "203.0.113.9"}); err != nil {
			t.Fatalf("same account from another address: %v, want signed in", err)
		}
		// The hold ends after the wait it named.
		f.clock.Advance(account.RetryAfter(limitErr) + time.Hour)
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: "r@example.org", Password: "correct horse battery", IP: "198.51.100.7"}); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
	})
}

// TestNoLockoutFromManyAddresses is the attack that worked before: wrong passwords from
// many addresses (a botnet, or one attacker rotating addresses) used to lock the account
// for everyone. The owner, with password and TOTP code from a new address, still gets in.
func TestNoLockoutFromManyAddresses(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "victim@example.org", authz.RoleResponder)
		en, _ := f.acc.BeginTOTP(ctx, u.Actor())
		code, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), code); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			ip := fmt.Sprintf("198.51.100.%d", i%50)
			if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: fmt.Sprintf("guess %d", i), IP: ip}); err == nil {
				t.Fatal("a wrong password signed in")
			}
		}
		f.clock.Advance(30 * time.Second)
		code, _ = account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: "correct horse battery", Code: code, IP: "192.0.2.44"}); err != nil {
			t.Fatalf("owner from a new address after 200 wrong guesses from 50 others: %v", err)
		}
	})
}

// TestTOTPCodesAreSingleUse: a code (or one from an earlier step) seen once is refused
// after it was accepted, also through the second sign-in step.
func TestTOTPCodesAreSingleUse(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "once@example.org", authz.RoleResponder)
		en, _ := f.acc.BeginTOTP(ctx, u.Actor())
		c0, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), c0); err != nil {
			t.Fatal(err)
		}
		login := account.Login{Email: u.Email, Password: "correct horse battery", Code: c0, IP: "192.0.2.1"}
		if _, err := f.acc.Authenticate(ctx, login); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("the enrolment code reused for sign-in: %v", err)
		}
		f.clock.Advance(30 * time.Second)
		prev := c0
		c1, _ := account.TOTPCode(en.Secret, f.clock.Now())
		login.Code = c1
		if _, err := f.acc.Authenticate(ctx, login); err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		// Replayed at once, from anywhere, in either step: refused.
		login.IP = "192.0.2.2"
		if _, err := f.acc.Authenticate(ctx, login); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("replayed code: %v", err)
		}
		if _, err := f.acc.AuthenticateCode(ctx, u, c1, "192.0.2.3"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("replayed code in the code step: %v", err)
		}
		// An earlier step's code (still inside the skew window) is refused too.
		if prev != c1 {
			if _, err := f.acc.AuthenticateCode(ctx, u, prev, "192.0.2.3"); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("earlier step's code: %v", err)
			}
		}
		// The next step's code works.
		f.clock.Advance(30 * time.Second)
		c2, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.AuthenticateCode(ctx, u, c2, "192.0.2.3"); err != nil {
			t.Fatalf("next step: %v", err)
		}
	})
}

func TestRecoveryCodes(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "lost@example.org", authz.RoleResponder)
		en, _ := f.acc.BeginTOTP(ctx, u.Actor())
		c, _ := account.TOTPCode(en.Secret, f.clock.Now())
		codes, err := f.acc.ConfirmTOTP(ctx, u.Actor(), c)
		if err != nil || len(codes) != account.RecoveryCodeCount {
			t.Fatalf("codes %v %v", codes, err)
		}
		seen := map[string]bool{}
		for _, rc := range codes {
			if seen[rc] || len(rc) != 19 {
				t.Fatalf("recovery codes %v: want %d distinct xxxx-xxxx-xxxx-xxxx", codes, account.RecoveryCodeCount)
			}
			seen[rc] = true
		}
		// Stored hashed: no code appears in the database.
		var stored string
		if err := d.Read().QueryRow(ctx, "SELECT code_hash FROM recovery_codes WHERE user_id = ? LIMIT 1", u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		for _, rc := range codes {
			if strings.Contains(stored, strings.ReplaceAll(rc, "-", "")) || stored == rc {
				t.Fatal("a recovery code is stored in clear")
			}
		}
		login := account.Login{Email: u.Email, Password: "correct horse battery", Code: strings.ToUpper(codes[3]), IP: "192.0.2.1"}
		if _, err := f.acc.Authenticate(ctx, login); err != nil {
			t.Fatalf("sign-in with a recovery code (upper case): %v", err)
		}
		if _, err := f.acc.Authenticate(ctx, login); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("the same recovery code twice: %v", err)
		}
		if _, err := f.acc.AuthenticateCode(ctx, u, codes[4], "192.0.2.1"); err != nil {
			t.Fatalf("recovery code in the code step: %v", err)
		}
		if n, _ := f.acc.RecoveryCodesLeft(ctx, u.ID); n != account.RecoveryCodeCount-2 {
			t.Fatalf("%d left, want %d", n, account.RecoveryCodeCount-2)
		}
		// Another user's code is no good for this one.
		v := f.user(t, "other@example.org", authz.RoleResponder)
		en2, _ := f.acc.BeginTOTP(ctx, v.Actor())
		c2, _ := account.TOTPCode(en2.Secret, f.clock.Now())
		if _, err := f.acc.ConfirmTOTP(ctx, v.Actor(), c2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.acc.AuthenticateCode(ctx, v, codes[5], "192.0.2.1"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("someone else's recovery code: %v", err)
		}
		// Turning TOTP off removes them.
		if err := f.acc.DisableTOTP(ctx, u.Actor(), "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.acc.RecoveryCodesLeft(ctx, u.ID); n != 0 {
			t.Fatalf("%d recovery codes left after turning TOTP off", n)
		}
	})
}

// TestWrongEnrolmentCodeKeepsTheSecret: the app the user has set up keeps working after
// a typo, and asking to begin again shows the same secret.
func TestWrongEnrolmentCodeKeepsTheSecret(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "typo@example.org", authz.RoleResponder)
		en, err := f.acc.BeginTOTP(ctx, u.Actor())
		if err != nil {
			t.Fatal(err)
		}
		good, _ := account.TOTPCode(en.Secret, f.clock.Now())
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), wrongCode(good)); err == nil {
			t.Fatal("a wrong code confirmed")
		} else if fe, ok := validate.As(err); !ok || fe[0].Field != "code" {
			t.Fatalf("wrong code: %v, want a field error on code", err)
		}
		again, err := f.acc.BeginTOTP(ctx, u.Actor())
		if err != nil || again.Secret != en.Secret {
			t.Fatalf("begin again: secret changed (%v)", err)
		}
		if p, _ := f.acc.PendingTOTP(ctx, u.Actor()); p == nil || p.Secret != en.Secret {
			t.Fatal("the pending enrolment is not kept")
		}
		if _, err := f.acc.ConfirmTOTP(ctx, u.Actor(), good); err != nil {
			t.Fatalf("the code from the app set up first: %v", err)
		}
		// Once on, a session alone cannot swap the secret.
		if _, err := f.acc.BeginTOTP(ctx, u.Actor()); err == nil {
			t.Fatal("began a new enrolment while TOTP is on")
		}
	})
}

func TestWeakPasswordsAreRefused(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, pw := range []string{"aaaaaaaaaaaa", "123456789012", "abcdefghijkl", "passwordpassword", "qwertyuiopasdf", "password1234", "iloveyou1234", "carol.smith@example.org", "carolsmithcarolsmith"} {
			_, err := f.acc.CreateUser(ctx, sys, account.NewUser{Email: "carol.smith@example.org", Name: "Carol Smith", Role: authz.RoleMember, Password: pw})
			fe, ok := validate.As(err)
			if !ok || fe[0].Field != "password" {
				t.Errorf("password %q: %v, want a field error naming password", pw, err)
			}
		}
		u := f.user(t, "pw@example.org", authz.RoleMember)
		if err := f.acc.ChangePassword(ctx, u.Actor(), "correct horse battery", "zzzzzzzzzzzzzzzz", ""); err == nil {
			t.Error("changed to zzzzzzzzzzzzzzzz")
		}
		for i, pw := range []string{"correct horse battery", "a-long-passphrase-1", "Tr0ub4dor&3 at dawn"} {
			if _, err := f.acc.CreateUser(ctx, sys, account.NewUser{Email: fmt.Sprintf("ok%d@example.org", i), Role: authz.RoleMember, Password: pw}); err != nil {
				t.Errorf("password %q refused: %v", pw, err)
			}
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "s@example.org", authz.RoleResponder)

		tok, sess, err := f.acc.StartSession(ctx, u, "ua")
		if err != nil || sess.CSRF == "" {
			t.Fatal(err)
		}
		if _, _, err := f.acc.SessionUser(ctx, tok); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(8*time.Hour - time.Second)
		if _, _, err := f.acc.SessionUser(ctx, tok); err != nil {
			t.Fatalf("just inside the idle limit: %v", err)
		}
		f.clock.Advance(8 * time.Hour)
		if _, _, err := f.acc.SessionUser(ctx, tok); !errors.Is(err, account.ErrNoSession) {
			t.Fatalf("idle 8h: %v, want ErrNoSession", err)
		}

		tok, _, _ = f.acc.StartSession(ctx, u, "ua")
		for i := 1; i <= 24; i++ { // active every 7h: never idle, but 7 days old at the end
			f.clock.Advance(7 * time.Hour)
			_, _, err := f.acc.SessionUser(ctx, tok)
			if i < 24 && err != nil {
				t.Fatalf("after %dh of activity: %v", 7*i, err)
			}
			if i == 24 && !errors.Is(err, account.ErrNoSession) {
				t.Fatalf("after the 7-day absolute limit: %v", err)
			}
		}
		if _, _, err := f.acc.SessionUser(ctx, ""); !errors.Is(err, account.ErrNoSession) {
			t.Fatal("empty cookie accepted")
		}
		tok, _, _ = f.acc.StartSession(ctx, u, "ua")
		if err := f.acc.EndSession(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.SessionUser(ctx, tok); err == nil {
			t.Fatal("session valid after sign-out")
		}
	})
}

func TestDisabledUserLosesSessionsAndTokens(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin@example.org", authz.RoleAdmin)
		u := f.user(t, "leaver@example.org", authz.RoleResponder)
		sess, _, _ := f.acc.StartSession(ctx, u, "ua")
		secret, _, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenActor(ctx, secret); err != nil {
			t.Fatal(err)
		}
		on := true
		if _, err := f.acc.UpdateUser(ctx, admin.Actor(), u.ID, account.UserUpdate{Disabled: &on}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.SessionUser(ctx, sess); err == nil {
			t.Fatal("disabled user's session still works")
		}
		if _, _, err := f.acc.TokenActor(ctx, secret); err == nil {
			t.Fatal("disabled user's token still works")
		}
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: "correct horse battery", IP: "x"}); err == nil {
			t.Fatal("disabled user signed in")
		}
		// Re-enabling does not bring revoked tokens back.
		off := false
		if _, err := f.acc.UpdateUser(ctx, admin.Actor(), u.ID, account.UserUpdate{Disabled: &off}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenActor(ctx, secret); err == nil {
			t.Fatal("token revived by re-enabling the account")
		}
		// Admins cannot lock themselves out.
		if _, err := f.acc.UpdateUser(ctx, admin.Actor(), admin.ID, account.UserUpdate{Disabled: &on}); err == nil {
			t.Fatal("admin disabled themselves")
		}
		role := authz.RoleMember
		if _, err := f.acc.UpdateUser(ctx, admin.Actor(), admin.ID, account.UserUpdate{Role: &role}); err == nil {
			t.Fatal("admin demoted themselves")
		}
	})
}

func TestTokens(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "tok@example.org", authz.RoleResponder)
		other := f.user(t, "other@example.org", authz.RoleResponder)
		ro, info, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: "read only", Scopes: []authz.TokenScope{authz.ScopeRead}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ro, account.TokenPrefix) || !strings.HasPrefix(ro, info.Prefix) || len(ro) < 40 {
			t.Fatalf("token %q prefix %q", ro, info.Prefix)
		}
		// Stored hashed, never in clear.
		var stored string
		if err := d.Read().QueryRow(ctx, "SELECT token_hash FROM api_tokens WHERE id = ?", info.ID).Scan(&stored); err != nil || stored != account.HashToken(ro) || strings.Contains(stored, ro) {
			t.Fatalf("stored %q", stored)
		}
		a, _, err := f.acc.TokenActor(ctx, ro)
		if err != nil {
			t.Fatal(err)
		}
		if err := authz.Can(a, authz.ViewDashboard, nil); err != nil {
			t.Fatalf("read-only token reading: %v", err)
		}
		if err := authz.Can(a, authz.ManageOwnAcct, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("read-only token writing: %v, want ErrForbidden", err)
		}
		if _, _, err := f.acc.CreateToken(ctx, a, u.ID, account.NewToken{Name: "escalate"}); err == nil {
			t.Fatal("a read-only token created a token")
		}
		// Bad scopes and names are field errors.
		if _, _, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: "x", Scopes: []authz.TokenScope{"admin"}}); err == nil {
			t.Fatal("unknown scope accepted")
		}
		if _, _, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: " "}); err == nil {
			t.Fatal("empty name accepted")
		}
		// Someone else's token: not theirs to make or revoke (and not confirmed to exist).
		if _, _, err := f.acc.CreateToken(ctx, other.Actor(), u.ID, account.NewToken{Name: "x"}); err == nil {
			t.Fatal("made a token for another user")
		}
		if err := f.acc.RevokeToken(ctx, other.Actor(), info.ID); !db.NotFound(err) {
			t.Fatalf("revoking another's token: %v, want not found", err)
		}
		if err := f.acc.RevokeToken(ctx, u.Actor(), info.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenActor(ctx, ro); err == nil {
			t.Fatal("revoked token still works")
		}
		ts, err := f.acc.ListTokens(ctx, u.Actor(), u.ID)
		if err != nil || len(ts) != 1 || ts[0].RevokedAt == nil {
			t.Fatalf("list after revoke: %+v %v", ts, err)
		}
		// Expiry.
		exp, _, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: "short", ExpiresIn: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenActor(ctx, exp); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		if _, _, err := f.acc.TokenActor(ctx, exp); err == nil {
			t.Fatal("expired token works")
		}
		for _, junk := range []string{"", "sirt_", "nope", "sirt_" + strings.Repeat("a", 300)} {
			if _, _, err := f.acc.TokenActor(ctx, junk); err == nil {
				t.Fatalf("junk token %q accepted", junk)
			}
		}
	})
}

func TestOneTimeLinks(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		setup, err := f.acc.SetupLink(ctx)
		if err != nil || setup == "" {
			t.Fatalf("setup link on an empty db: %q %v", setup, err)
		}
		again, _ := f.acc.SetupLink(ctx)
		if _, err := f.acc.LookupLink(ctx, setup); err == nil {
			t.Fatal("an older setup link survived a new one")
		}
		admin, err := f.acc.Redeem(ctx, again, account.NewUser{Email: "first@example.org", Password: "first admin passphrase", Role: authz.RoleMember})
		if err != nil || admin.Role != authz.RoleAdmin {
			t.Fatalf("redeem setup: %+v %v (the role must be admin whatever the form says)", admin, err)
		}
		if _, err := f.acc.Redeem(ctx, again, account.NewUser{Email: "second@example.org", Password: "second admin passphrase"}); !errors.Is(err, account.ErrLinkInvalid) {
			t.Fatalf("setup link used twice: %v", err)
		}
		if l, err := f.acc.SetupLink(ctx); err != nil || l != "" {
			t.Fatalf("setup link with users present: %q %v", l, err)
		}

		inv, err := f.acc.Invite(ctx, admin.Actor(), "new@example.org", authz.RoleResponder)
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.acc.LookupLink(ctx, inv)
		if err != nil || l.Email != "new@example.org" || l.Role != authz.RoleResponder {
			t.Fatalf("lookup invite: %+v %v", l, err)
		}
		u, err := f.acc.Redeem(ctx, inv, account.NewUser{Email: "attacker@example.org", Password: "invitee passphrase", Role: authz.RoleAdmin})
		if err != nil || u.Email != "new@example.org" || u.Role != authz.RoleResponder {
			t.Fatalf("redeem invite: %+v %v (email and role come from the invitation)", u, err)
		}
		if _, err := f.acc.Redeem(ctx, inv, account.NewUser{Password: "invitee passphrase"}); !errors.Is(err, account.ErrLinkInvalid) {
			t.Fatalf("invite used twice: %v", err)
		}

		// Reset: single use, ends sessions, expires.
		sess, _, _ := f.acc.StartSession(ctx, u, "ua")
		reset, err := f.acc.ResetLink(ctx, admin.Actor(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.acc.Redeem(ctx, reset, account.NewUser{Password: "short"}); err == nil {
			t.Fatal("reset to a too-short password")
		}
		if _, err := f.acc.Redeem(ctx, reset, account.NewUser{Password: "a brand new passphrase"}); err != nil {
			t.Fatalf("reset after a failed attempt: %v", err)
		}
		if _, _, err := f.acc.SessionUser(ctx, sess); err == nil {
			t.Fatal("session survived a password reset")
		}
		if _, err := f.acc.Authenticate(ctx, account.Login{Email: u.Email, Password: "a brand new passphrase", IP: "z"}); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, err := f.acc.Redeem(ctx, reset, account.NewUser{Password: "another new passphrase"}); !errors.Is(err, account.ErrLinkInvalid) {
			t.Fatalf("reset link used twice: %v", err)
		}
		late, _ := f.acc.ResetLink(ctx, admin.Actor(), u.ID)
		f.clock.Advance(72 * time.Hour)
		if _, err := f.acc.Redeem(ctx, late, account.NewUser{Password: "too late passphrase"}); !errors.Is(err, account.ErrLinkInvalid) {
			t.Fatalf("expired link: %v", err)
		}
		if _, err := f.acc.LookupLink(ctx, "made-up"); !errors.Is(err, account.ErrLinkInvalid) {
			t.Fatalf("unknown link: %v", err)
		}
		// Only admins invite.
		if _, err := f.acc.Invite(ctx, u.Actor(), "x@example.org", authz.RoleAdmin); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("responder inviting: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "cp@example.org", authz.RoleMember)
		keep, _, _ := f.acc.StartSession(ctx, u, "this browser")
		other, _, _ := f.acc.StartSession(ctx, u, "another browser")
		if err := f.acc.ChangePassword(ctx, u.Actor(), "wrong", "a new long passphrase", keep); err == nil {
			t.Fatal("changed without the current password")
		}
		if err := f.acc.ChangePassword(ctx, u.Actor(), "correct horse battery", "a new long passphrase", keep); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.SessionUser(ctx, keep); err != nil {
			t.Fatal("the session that changed the password was ended")
		}
		if _, _, err := f.acc.SessionUser(ctx, other); err == nil {
			t.Fatal("other sessions survived a password change")
		}
	})
}

func TestAccountChangesAreAudited(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user(t, "au@example.org", authz.RoleMember)
		secret, _, err := f.acc.CreateToken(ctx, u.Actor(), u.ID, account.NewToken{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := events.Verify(ctx, d.Read())
		if err != nil || n < 2 {
			t.Fatalf("audit chain: %d entries, %v", n, err)
		}
		var secrets int
		if err := d.Read().QueryRow(ctx, "SELECT COUNT(*) FROM events WHERE after_json LIKE '%argon2id%' OR after_json LIKE ? OR after_json LIKE '%correct horse%'", "%"+secret[8:]+"%").Scan(&secrets); err != nil || secrets != 0 {
			t.Fatalf("secrets in the audit trail: %d %v", secrets, err)
		}
	})
}
