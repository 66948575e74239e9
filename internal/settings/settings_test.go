package settings_test

import (
	"context"
	"errors"
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
