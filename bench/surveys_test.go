package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/survey"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// BenchmarkSurvey measures answering a survey through its public link (the service:
// validation, show-if, the rate limit, one transaction) and computing its results and
// CSV with 2 000 responses, on SQLite:
//
//	go test -run '^$' -bench Survey -benchtime 2000x ./bench/
func BenchmarkSurvey(b *testing.B) {
	ta := testapp.New(b, dbtest.NewSQLite(b))
	ctx := context.Background()
	pgm := ta.User(authz.RolePgM).Actor()
	in := survey.SurveyInput{Title: "Bench", Audience: "maintainers", Anonymous: true, MinN: 5,
		Statements: []survey.SurveyStatement{{Key: "silos", Text: "Silos"}, {Key: "time", Text: "Time"}}}
	for i := 0; i < 10; i++ {
		q := survey.SurveyQuestion{Key: fmt.Sprintf("q%d", i), Kind: survey.KindLikert, Text: "Q", Statement: []string{"silos", "time"}[i%2]}
		if i == 9 {
			q = survey.SurveyQuestion{Key: "q9", Kind: survey.KindText, Text: "Why?", Statement: "silos", ShowIf: &survey.SurveyShowIf{Question: "q0", In: []any{"1", "2"}}}
		}
		in.Questions = append(in.Questions, q)
	}
	sv, err := ta.App.Surveys.Create(ctx, pgm, in)
	if err != nil {
		b.Fatal(err)
	}
	answer := func(i int) map[string][]string {
		a := map[string][]string{"q9": {"because"}}
		for q := 0; q < 9; q++ {
			a[fmt.Sprintf("q%d", q)] = []string{fmt.Sprint(1 + (i+q)%5)}
		}
		return a
	}
	b.Run("respond", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := ta.App.Surveys.Respond(ctx, sv.Token(), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), answer(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	if sv, err = ta.App.Surveys.Get(ctx, pgm, sv.ID); err != nil {
		b.Fatal(err)
	}
	for n := sv.Responses; n < 2000; n++ { // top up to 2 000 responses
		if _, err := ta.App.Surveys.Respond(ctx, sv.Token(), fmt.Sprintf("10.9.%d.%d", n>>8&255, n&255), answer(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("results-2000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := ta.App.Surveys.Results(ctx, pgm, sv.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("csv-2000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := ta.App.Surveys.CSV(ctx, pgm, sv.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
