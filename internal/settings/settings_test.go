package settings_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/clock"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/events"
	"github.com/oss-sirt/sirt/internal/settings"
)

func TestSettingsAndSecrets(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		s := settings.New(d, c, events.New(c))
		if v, err := s.Get(ctx, "page.about", "default"); err != nil || v != "default" {
			t.Fatalf("unset: %q %v", v, err)
		}
		admin := authz.User(1, "a@example.org", authz.RoleAdmin)
		if err := s.Set(ctx, authz.User(2, "r@example.org", authz.RoleResponder), "page.about", "x"); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("responder set: %v", err)
		}
		for _, v := range []string{"first", "second"} {
			if err := s.Set(ctx, admin, "page.about", v); err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := s.Get(ctx, "page.about", ""); v != "second" {
			t.Fatalf("after two sets: %q", v)
		}
		if n, err := events.Verify(ctx, d.Read()); err != nil || n != 2 {
			t.Fatalf("each change audited: %d %v", n, err)
		}
		// A secret is made once and then stable, also for a second process.
		a, err := s.Secret(ctx, "web.ticket_key")
		if err != nil || len(a) != 32 {
			t.Fatalf("secret: %d %v", len(a), err)
		}
		b, _ := settings.New(d, c, events.New(c)).Secret(ctx, "web.ticket_key")
		if string(a) != string(b) {
			t.Fatal("secret changed between calls")
		}
	})
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		admin := authz.User(1, "a@example.org", authz.RoleAdmin)
		raw := func(key string) string {
			var v string
			if err := d.Read().QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		// Before any key: stored as they are.
		s := settings.New(d, c, events.New(c))
		if err := s.Set(ctx, admin, "team.key", "-----BEGIN PGP PRIVATE KEY BLOCK----- plain"); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, admin, "page.about", "About us"); err != nil {
			t.Fatal(err)
		}
		sec, err := s.Secret(ctx, "test.signing")
		if err != nil {
			t.Fatal(err)
		}
		key := bytes.Repeat([]byte{7}, 32)
		if err := s.UseKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"team.key", "test.signing"} {
			if v := raw(k); !strings.HasPrefix(v, "sirt-sealed:v1:") {
				t.Fatalf("%s still in the clear after UseKey: %.40s", k, v)
			}
		}
		if raw("page.about") != "About us" {
			t.Fatal("a setting that is no secret was encrypted")
		}
		if v, err := s.Get(ctx, "team.key", ""); err != nil || !strings.Contains(v, "plain") {
			t.Fatalf("read back: %q %v", v, err)
		}
		if again, err := s.Secret(ctx, "test.signing"); err != nil || !bytes.Equal(again, sec) {
			t.Fatalf("secret changed: %v", err)
		}
		// New writes are encrypted too.
		if err := s.Set(ctx, admin, "team.key", "second key"); err != nil {
			t.Fatal(err)
		}
		if v := raw("team.key"); strings.Contains(v, "second") {
			t.Fatal("a new secret was stored in the clear")
		}
		// Another process: no key, or the wrong key.
		s2 := settings.New(d, c, events.New(c))
		if _, err := s2.Get(ctx, "team.key", ""); !errors.Is(err, settings.ErrSealed) || !strings.Contains(err.Error(), "--secret-key-file") {
			t.Fatalf("without the key: %v, want ErrSealed naming --secret-key-file", err)
		}
		if err := s2.UseKey(ctx, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, settings.ErrWrongKey) {
			t.Fatalf("wrong key: %v, want ErrWrongKey", err)
		}
		if err := s2.UseKey(ctx, key); err != nil {
			t.Fatalf("the right key in another process: %v", err)
		}
		// A value moved to another setting's row does not open (the name is bound in).
		if _, err := d.SQL().ExecContext(ctx, db.Rebind("UPDATE settings SET value = ? WHERE key = ?"), raw("team.key"), "test.signing"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "test.signing", ""); err == nil {
			t.Fatal("a sealed value opened under another name")
		}
	})
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := bytes.Repeat([]byte{0xab}, 32)
	for name, content := range map[string]string{
		"raw": string(want), "hex": strings.Repeat("ab", 32) + "\n", "b64": base64.StdEncoding.EncodeToString(want) + "\n",
	} {
		k, err := settings.ReadKeyFile(write(name, content))
		if err != nil || !bytes.Equal(k, want) {
			t.Fatalf("%s: %x %v", name, k, err)
		}
	}
	for name, content := range map[string]string{"short": "abcd", "password": "correct horse battery staple\n", "empty": ""} {
		if _, err := settings.ReadKeyFile(write(name, content)); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
			t.Fatalf("%s: %v, want an error naming --secret-key-file", name, err)
		}
	}
}
