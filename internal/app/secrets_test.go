package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/app"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/config"
	"github.com/oss-sirt/sirt/internal/dbtest"
)

// TestTeamKeyEncryptedAtRest: a team key stored in the clear is encrypted when sirt
// starts with --secret-key-file; the wrong key, or none, is a clear error.
func TestTeamKeyEncryptedAtRest(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := config.Defaults()
			cfg.Data = filepath.Join(dir, "data")
			if dialect == "postgres" {
				dsn := dbtest.PostgresDSN(t)
				cfg.DB = dbtest.WithDatabase(dsn, dbtest.NewPostgresDatabase(t, dsn))
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			open := func(keyFile string) (*app.App, error) {
				c := cfg
				c.SecretKeyFile = keyFile
				return app.Open(ctx, c, app.Options{})
			}
			raw := func(a *app.App) string {
				var v string
				if err := a.DB.Read().QueryRow(ctx, "SELECT value FROM settings WHERE key = 'team.key'").Scan(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			// First start without a key: the key is stored as it always was.
			a, err := open("")
			if err != nil {
				t.Fatal(err)
			}
			k, err := a.GenerateTeamKey(ctx, authz.System("test"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(raw(a), "PRIVATE KEY") {
				t.Fatal("test set-up: expected a plaintext key before a secret key is given")
			}
			a.Close()

			keyFile := filepath.Join(dir, "secret.key")
			if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			a, err = open(keyFile)
			if err != nil {
				t.Fatalf("start with the key: %v", err)
			}
			if v := raw(a); strings.Contains(v, "PRIVATE KEY") || !strings.HasPrefix(v, "sirt-sealed:") {
				t.Fatalf("team key still in the clear after starting with --secret-key-file: %.60s", v)
			}
			got, err := a.TeamKey(ctx)
			if err != nil || got.Fingerprint() != k.Fingerprint() {
				t.Fatalf("team key after encryption: %v", err)
			}
			if dialect == "sqlite" {
				// A backup carries the key only encrypted.
				b := filepath.Join(dir, "backup.db")
				if err := a.DB.Backup(ctx, b); err != nil {
					t.Fatal(err)
				}
				data, _ := os.ReadFile(b)
				if strings.Contains(string(data), "PRIVATE KEY") {
					t.Fatal("the backup holds the private key in the clear")
				}
			}
			a.Close()

			wrong := filepath.Join(dir, "wrong.key")
			if err := os.WriteFile(wrong, []byte(strings.Repeat("a5", 32)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := open(wrong); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
				t.Fatalf("wrong key: %v, want an error naming --secret-key-file", err)
			}
			a, err = open("")
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, _, err := a.EnsureTeamKey(ctx); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
				t.Fatalf("start without the key: %v, want an error naming --secret-key-file", err)
			}
		})
	}
}
