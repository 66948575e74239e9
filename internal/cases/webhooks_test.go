package cases_test

import (
	"context"
	"errors"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// An admin disables or deletes a webhook; it leaves the list, a second change of the
// same one is not found, and nobody else may touch webhooks.
func TestWebhookDisableDelete(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ta := testapp.New(t, d)
		admin, responder := ta.User(authz.RoleAdmin).Actor(), ta.User(authz.RoleResponder).Actor()
		out := ta.App.Outbox
		a, err := out.AddWebhook(ctx, admin, "Org A", "https://hooks.example.org/a")
		if err != nil {
			t.Fatal(err)
		}
		b, err := out.AddWebhook(ctx, admin, "Org B", "https://hooks.example.org/b")
		if err != nil {
			t.Fatal(err)
		}
		if err := out.DisableWebhook(ctx, responder, a.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("responder disables: %v, want forbidden", err)
		}
		if err := out.DisableWebhook(ctx, admin, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := out.DisableWebhook(ctx, admin, a.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("disable twice: %v, want not found", err)
		}
		if err := out.DeleteWebhook(ctx, admin, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := out.DeleteWebhook(ctx, admin, b.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("delete twice: %v, want not found", err)
		}
		ws, err := out.Webhooks(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 0 {
			t.Fatalf("webhooks after disable and delete: %+v, want none", ws)
		}
	})
}
