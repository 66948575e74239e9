package bench

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/postmortem"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// BenchmarkPostmortem reads a post-mortem of a case with 1 000 events (the timeline
// filtered event by event with authz.CanSeePostmortemEvent, annotations, action items)
// and renders its executive summary as PDF:
//
//	go test -run '^$' -bench Postmortem -benchtime 20x ./bench/
func BenchmarkPostmortem(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.NewSQLite}, {"postgres", dbtest.NewPostgres}} {
		b.Run(d.name, func(b *testing.B) {
			if d.name == "postgres" && os.Getenv(dbtest.EnvPostgres) == "" {
				b.Skip("SIRT_TEST_POSTGRES not set")
			}
			ctx := context.Background()
			ta := testapp.New(b, d.open(b))
			resp := ta.User(authz.RoleResponder).Actor()
			c, err := ta.App.Cases.Open(ctx, resp, cases.NewCase{Title: "Benchmark case"})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 998; i++ {
				if _, err := ta.App.Cases.AddPost(ctx, resp, c.PublicID, "api", cases.NewCasePost{Thread: "internal", Body: fmt.Sprintf("note %d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			p, err := ta.App.Postmortems.Start(ctx, resp, postmortem.NewPostmortem{CaseID: c.PublicID})
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Timeline) < 1000 {
				b.Fatalf("timeline of %d events", len(p.Timeline))
			}
			b.Run("get", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := ta.App.Postmortems.Get(ctx, resp, p.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("summary-pdf", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, _, err := ta.App.Postmortems.Summary(ctx, resp, p.ID, "pdf"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
