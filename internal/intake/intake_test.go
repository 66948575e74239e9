package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/testapp"
	"github.com/oss-sirt/sirt/internal/validate"
)

var ctx = context.Background()

func sub(summary string) intake.Submission {
	return intake.Submission{Summary: summary, Details: "A crafted archive entry escapes the extraction directory.",
		Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "npm", Name: "tar-lite"}, Versions: []string{"1.2.0"}}}}
}

// drain runs every ready job.
func drain(t *testing.T, ta *testapp.TestApp) {
	t.Helper()
	if _, err := ta.App.Jobs.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

func TestTrackingIDsAreGapFreeUnderConcurrency(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		year := ta.Clock.Now().Year()
		// Rejected input uses no number.
		if _, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{}); err == nil {
			t.Fatal("empty submission accepted")
		}
		const n = 40
		var wg sync.WaitGroup
		ids := make([]string, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub(fmt.Sprintf("Heap overflow variant %d", i)))
				errs[i] = err
				if rc != nil {
					ids[i] = rc.ID
				}
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sort.Strings(ids)
		for i, id := range ids {
			if want := fmt.Sprintf("OSS-SIRT-%d-%04d", year, i+1); id != want {
				t.Fatalf("ids[%d] = %s, want %s (all: %v)", i, id, want, ids)
			}
		}
	})
}

func TestSubmissionErrorsNameTheField(t *testing.T) {
	cases := []struct {
		in    intake.Submission
		field string
	}{
		{intake.Submission{}, "summary"},
		{intake.Submission{Summary: "x", CVSSVector: "AV:N"}, "cvss_vector"},
		{intake.Submission{Summary: "x", CWE: "22"}, "cwe"},
		{intake.Submission{Summary: "x", Reporter: intake.Reporter{Email: "not-an-address"}}, "reporter.email"},
		{intake.Submission{Summary: "x", Affected: []intake.Affected{{Package: intake.Package{Ecosystem: "npm"}}}}, "affected[0].package.name"},
		{intake.Submission{Summary: "x", Affected: []intake.Affected{{Package: intake.Package{Name: "a", PURL: "npm/a"}}}}, "affected[0].package.purl"},
		{intake.Submission{Summary: "x", Kind: intake.KindHelpRequest}, "pathway"},
		{intake.Submission{Summary: "x", Exploitation: "maybe"}, "exploitation"},
		{intake.Submission{Summary: strings.Repeat("s", 301)}, "summary"},
	}
	for _, c := range cases {
		err := c.in.Normalize()
		fe, ok := validate.As(err)
		if !ok || fe.For(c.field) == "" {
			t.Errorf("%+v: error %v does not name %q", c.in, err, c.field)
		}
	}
}

func TestAcknowledgementTrackingAndFinderReply(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		s := sub("Path traversal in archive extraction")
		s.Reporter = intake.Reporter{Name: "Ada", Email: "ada@example.org", Credit: "Ada L."}
		r, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, s)
		if err != nil {
			t.Fatal(err)
		}
		// Acknowledged in the same transaction that stored it; the mail goes through the outbox.
		if r.State != intake.StateAcknowledged || r.AckAt == nil {
			t.Fatalf("fresh report: state %s ack %v", r.State, r.AckAt)
		}
		// The acknowledgement deadline is 2 business days after a Monday 09:00.
		if want := testapp.Start.AddDate(0, 0, 2); !r.AckDue.Equal(want) {
			t.Fatalf("ack due %v, want %v", r.AckDue, want)
		}
		drain(t, ta)
		tr, err := ta.App.Intake.Track(ctx, trackToken(rc.TrackingURL))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Report.State != intake.StateAcknowledged || tr.Report.AckAt == nil {
			t.Fatalf("after the ack job: state %s ack %v", tr.Report.State, tr.Report.AckAt)
		}
		if len(tr.Messages) != 1 || !strings.Contains(tr.Messages[0].Body, r.PublicID) {
			t.Fatalf("tracking page messages: %+v", tr.Messages)
		}
		rows, err := ta.App.Outbox.ForReport(ctx, r.ID)
		if err != nil || len(rows) != 1 || rows[0].Recipient != "ada@example.org" || rows[0].State != "held" {
			t.Fatalf("acknowledgement mail: %v %+v", err, rows)
		}
		// Running the job again does not acknowledge twice.
		drain(t, ta)
		if rows, _ := ta.App.Outbox.ForReport(ctx, r.ID); len(rows) != 1 {
			t.Fatalf("acknowledged twice: %+v", rows)
		}
		// A wrong token shows nothing.
		tok := trackToken(rc.TrackingURL)
		flipped := tok[:10] + string(rune(tok[10])^1) + tok[11:]
		if _, err := ta.App.Intake.Track(ctx, flipped); err == nil {
			t.Fatal("a token with one character changed still tracks the report")
		}
		// The finder answers through the link, with a file.
		if _, err := ta.App.Intake.FinderReply(ctx, tok, "Here is a PoC.", []intake.Upload{{Filename: "../../poc.html", Data: []byte("<script>alert(1)</script>")}}); err != nil {
			t.Fatal(err)
		}
		as, err := ta.App.Intake.Attachments(ctx, r)
		if err != nil || len(as) != 1 || as[0].Filename != "poc.html" || strings.Contains(as[0].ContentType, "html") {
			t.Fatalf("attachment: %v %+v", err, as)
		}
	})
}

func TestTriageOutcomesComeFromTheTable(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		rows := []struct {
			values  map[string]string
			outcome string
			state   string
		}{
			{map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}, "track", intake.StateTracking},
			{map[string]string{"report_public": "yes", "supplier_contacted": "no", "report_credibility": "not credible", "supplier_cardinality": "one", "supplier_engagement": "active", "utility": "laborious", "public_safety_impact": "minimal"}, "decline", intake.StateDeclined},
		}
		for i, row := range rows {
			r, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub(fmt.Sprintf("Report %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			dec, err := ta.App.Intake.Triage(ctx, resp.Actor(), r.PublicID, intake.TriageInput{DecisionPoints: row.values, Rationale: "because"})
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			if dec.Outcome != row.outcome || dec.State != row.state {
				t.Fatalf("row %d: outcome %s state %s, want %s %s", i, dec.Outcome, dec.State, row.outcome, row.state)
			}
		}
		r, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Another"))
		_, err := ta.App.Intake.Triage(ctx, resp.Actor(), r.PublicID, intake.TriageInput{DecisionPoints: map[string]string{"RP": "maybe"}})
		fe, ok := validate.As(err)
		if !ok || !strings.Contains(fe.Error(), "decision_points.RP") {
			t.Fatalf("bad value: %v", err)
		}
		// A member may not triage, and learns nothing about the report.
		member := ta.User(authz.RoleMember)
		if _, err := ta.App.Intake.Triage(ctx, member.Actor(), r.PublicID, intake.TriageInput{DecisionPoints: rows[0].values}); err != intake.ErrNotFound {
			t.Fatalf("member triage: %v, want not found", err)
		}
	})
}

func TestBulkDeclineClearsJunkAndKeepsTheRealReport(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		var junk []string
		for i := 0; i < 100; i++ {
			_, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: fmt.Sprintf("AI found critical bug %d in your code", i)})
			if err != nil {
				t.Fatal(err)
			}
			junk = append(junk, rc.ID)
		}
		real, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Path traversal in archive extraction"))
		// The real one is already triaged: a bulk decline that includes it by mistake leaves it alone.
		if _, err := ta.App.Intake.Triage(ctx, resp.Actor(), real.PublicID, intake.TriageInput{DecisionPoints: map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}}); err != nil {
			t.Fatal(err)
		}
		res, err := ta.App.Intake.BulkDecline(ctx, resp.Actor(), append(junk, real.PublicID, "OSS-SIRT-1999-0001"), "Not a vulnerability: no reproducible issue described.")
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for _, x := range res {
			if x.OK {
				ok++
			}
		}
		if ok != 100 || res[100].OK || res[101].OK || res[101].Error != "no such report" {
			t.Fatalf("bulk decline: %d ok; last two %+v", ok, res[100:])
		}
		got, _ := ta.App.Intake.Get(ctx, resp.Actor(), real.PublicID)
		if got.State != intake.StateTracking {
			t.Fatalf("the real report is %s", got.State)
		}
		left, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{States: intake.OpenStates, Limit: 500})
		if len(left) != 0 {
			t.Fatalf("%d reports left in the queue", len(left))
		}
		// Every finder of a declined report got the rationale on the tracking page.
		msgs, _ := ta.App.Intake.Messages(ctx, resp.Actor(), mustGet(t, ta, junk[0]))
		if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Body, "no reproducible issue") {
			t.Fatalf("declined finder not told: %+v", msgs)
		}
	})
}

func mustGet(t *testing.T, ta *testapp.TestApp, id string) *intake.Report {
	t.Helper()
	r, err := ta.App.Intake.Get(ctx, authz.System("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParkedReportRemindsThenClosesUnlessTheFinderAnswers(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		r1, rc1, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Cannot reproduce one"))
		r2, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Cannot reproduce two"))
		drain(t, ta)
		for _, r := range []*intake.Report{r1, r2} {
			if _, err := ta.App.Intake.ParkForReproduction(ctx, resp.Actor(), r.PublicID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ta.App.Intake.ParkForReproduction(ctx, resp.Actor(), r1.PublicID); !intake.IsRule(err) {
			t.Fatalf("parking twice: %v", err)
		}
		ta.Clock.Advance(16 * 24 * time.Hour)
		drain(t, ta)
		if got := mustGet(t, ta, r2.PublicID); got.State != intake.StateNeedsRepro {
			t.Fatalf("halfway: %s", got.State)
		}
		// The first finder answers: back to the queue.
		if _, err := ta.App.Intake.FinderReply(ctx, trackToken(rc1.TrackingURL), "Steps: run poc.sh against 1.2.0.", nil); err != nil {
			t.Fatal(err)
		}
		ta.Clock.Advance(15 * 24 * time.Hour)
		drain(t, ta)
		if got := mustGet(t, ta, r1.PublicID); got.State != intake.StateAcknowledged {
			t.Fatalf("answered report: %s", got.State)
		}
		if got := mustGet(t, ta, r2.PublicID); got.State != intake.StateClosed {
			t.Fatalf("unanswered report after 31 days: %s", got.State)
		}
		msgs, _ := ta.App.Intake.Messages(ctx, resp.Actor(), r2)
		reminders := 0
		for _, m := range msgs {
			if strings.Contains(m.Body, "could not reproduce") {
				reminders++
			}
		}
		if reminders != 2 {
			t.Fatalf("parked report got %d messages asking for a reproduction, want 2 (park + reminder)", reminders)
		}
	})
}

func TestDuplicatesAreFoundAndMerged(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		a, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Path traversal in tar-lite archive extraction"))
		b, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("tar-lite archive extraction path traversal"))
		c, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "XSS in admin panel of another-pkg"})
		sim, err := ta.App.Intake.Similar(ctx, resp.Actor(), b)
		if err != nil || len(sim) != 1 || sim[0].PublicID != a.PublicID {
			t.Fatalf("similar to %s: %v %v", b.PublicID, err, ids(sim))
		}
		if _, err := ta.App.Intake.MarkDuplicate(ctx, resp.Actor(), b.PublicID, b.PublicID); err == nil {
			t.Fatal("self-duplicate accepted")
		}
		got, err := ta.App.Intake.MarkDuplicate(ctx, resp.Actor(), b.PublicID, a.PublicID)
		if err != nil || got.State != intake.StateDuplicate || got.DuplicateOf != a.PublicID {
			t.Fatalf("merge: %v %+v", err, got)
		}
		if _, err := ta.App.Intake.MarkDuplicate(ctx, resp.Actor(), c.PublicID, b.PublicID); err == nil {
			t.Fatal("merging into a duplicate accepted")
		}
		h, err := ta.App.Intake.History(ctx, mustGet(t, ta, c.PublicID))
		if err != nil || h.Total != 0 {
			t.Fatalf("anonymous history: %v %+v", err, h)
		}
	})
}

func ids(rs []*intake.Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.PublicID)
	}
	return out
}

func TestSearchFindsOnlyMatchingReportsAndObeysScope(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		finder := ta.User(authz.RoleMember)
		other := ta.User(authz.RoleMember)
		mine, _, _ := ta.App.Intake.Submit(ctx, finder.Actor(), intake.SourceAPI, sub("Signature bypass in token verifier"))
		_, _, _ = ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Heap overflow in image decoder"))
		got, err := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "signature"})
		if err != nil || len(got) != 1 || got[0].PublicID != mine.PublicID {
			t.Fatalf("search 'signature': %v %v", err, ids(got))
		}
		// A word matches whole words only, unless the query ends with "*" or it is an
		// autocomplete (Prefix).
		if got, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "verif"}); len(got) != 0 {
			t.Fatalf("'verif' matched as a prefix: %v", ids(got))
		}
		if got, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "verif*"}); len(got) != 1 {
			t.Fatalf("prefix search: %v", ids(got))
		}
		if got, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "token verif", Prefix: true}); len(got) != 1 {
			t.Fatalf("autocomplete: %v", ids(got))
		}
		if got, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "tar-lite"}); len(got) != 2 {
			t.Fatalf("package search: %v", ids(got))
		}
		if got, _ := ta.App.Intake.List(ctx, finder.Actor(), intake.Query{}); len(got) != 1 || got[0].PublicID != mine.PublicID {
			t.Fatalf("finder sees %v", ids(got))
		}
		if got, _ := ta.App.Intake.List(ctx, other.Actor(), intake.Query{Text: "signature"}); len(got) != 0 {
			t.Fatalf("another member sees %v", ids(got))
		}
		if _, err := ta.App.Intake.Get(ctx, other.Actor(), mine.PublicID); err != intake.ErrNotFound {
			t.Fatalf("another member GET: %v", err)
		}
		if got, _ := ta.App.Intake.List(ctx, authz.Anonymous(), intake.Query{}); len(got) != 0 {
			t.Fatalf("anonymous sees %v", ids(got))
		}
	})
}

func TestEmailIntakeCreatesReportsAndThreadsReplies(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		key, _, err := ta.App.EnsureTeamKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// An encrypted report, as a finder's mail client sends it (PGP/MIME).
		raw, _, err := mail.Compose(&mail.Outgoing{From: "Grace <grace@example.org>", To: []string{ta.App.Cfg.IntakeAddress},
			Subject: "Integer overflow in zlength parser", Text: "The zlength parser overflows on a 4 GiB header.",
			EncryptTo: key.PublicArmored(), Attachments: []mail.Attachment{{Filename: "poc.bin", ContentType: "application/octet-stream", Data: []byte{0, 1, 2, 3}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.App.Intake.Deliver(ctx, "grace@example.org", []string{ta.App.Cfg.IntakeAddress}, raw); err != nil {
			t.Fatal(err)
		}
		drain(t, ta)
		got, err := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "zlength"})
		if err != nil || len(got) != 1 {
			t.Fatalf("search for the mailed report: %v %v", err, ids(got))
		}
		r := got[0]
		if r.Source != intake.SourceEmail || r.Reporter.Email != "grace@example.org" || !strings.Contains(r.Details, "4 GiB") {
			t.Fatalf("mailed report: %+v", r)
		}
		if as, _ := ta.App.Intake.Attachments(ctx, r); len(as) != 1 || as[0].Filename != "poc.bin" {
			t.Fatalf("mailed attachment: %+v", as)
		}
		// A reply to the acknowledgement (Reply-To carries the report's token) threads back.
		reply := ta.App.Cfg.IntakeAddress
		reply, _ = mail.ReplyAddress(reply, r.ReplyToken())
		raw2, _, err := mail.Compose(&mail.Outgoing{From: "grace@example.org", To: []string{reply}, Subject: "Re: received", Text: "Here is the PoC you asked for."})
		if err != nil {
			t.Fatal(err)
		}
		if err := ta.App.Intake.Deliver(ctx, "grace@example.org", []string{reply}, raw2); err != nil {
			t.Fatal(err)
		}
		drain(t, ta)
		msgs, _ := ta.App.Intake.Messages(ctx, resp.Actor(), r)
		last := msgs[len(msgs)-1]
		if last.Author != "finder" || last.Via != "email" || !strings.Contains(last.Body, "PoC you asked for") {
			t.Fatalf("reply not threaded: %+v", msgs)
		}
		if n, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{}); len(n) != 1 {
			t.Fatalf("the reply made a new report: %v", ids(n))
		}
		// Garbage is kept as a report a person looks at, not dropped.
		if err := ta.App.Intake.Deliver(ctx, "x@example.org", []string{ta.App.Cfg.IntakeAddress}, []byte("\x00\x01 not a mail")); err != nil {
			t.Fatal(err)
		}
		drain(t, ta)
		if n, _ := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{}); len(n) != 2 {
			t.Fatalf("unreadable mail was dropped: %v", ids(n))
		}
	})
}

func trackToken(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path[strings.LastIndex(p.Path, "/")+1:]
}

func TestSLAReminderBeforeTheAssessmentDeadline(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		late, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Nobody looked at this"))
		done, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("This one was triaged"))
		if _, err := ta.App.Intake.Triage(ctx, resp.Actor(), done.PublicID, intake.TriageInput{DecisionPoints: map[string]string{"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}}); err != nil {
			t.Fatal(err)
		}
		// Received Monday 09:00; assessment due ten business days later, Monday 09:00.
		if want := testapp.Start.AddDate(0, 0, 14); !late.AssessDue.Equal(want) {
			t.Fatalf("assess due %v, want %v", late.AssessDue, want)
		}
		reminders := func(r *intake.Report) int {
			rows, err := ta.App.Outbox.ForReport(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range rows {
				if m.Purpose == "sla.reminder" {
					n++
				}
			}
			return n
		}
		ta.Clock.Advance(7 * 24 * time.Hour) // the next Monday: a week to go
		drain(t, ta)
		if n := reminders(late); n != 0 {
			t.Fatalf("%d reminders a week before the deadline", n)
		}
		ta.Clock.Advance(4*24*time.Hour + time.Hour) // Friday 10:00: less than one business day left
		drain(t, ta)
		ta.Clock.Advance(20 * time.Minute)
		drain(t, ta)
		if n := reminders(late); n != 1 {
			t.Fatalf("%d reminders on the last business day, want exactly 1 (to the one responder)", n)
		}
		if n := reminders(done); n != 0 {
			t.Fatalf("a triaged report got %d reminders", n)
		}
	})
}

// TestEncryptedMailThroughTheSMTPListener sends a PGP/MIME-encrypted report with a
// stock SMTP client to the real listener on 127.0.0.1, as a finder's mail server would.
func TestEncryptedMailThroughTheSMTPListener(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		key, _, err := ta.App.EnsureTeamKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		intakeAddr := ta.App.Cfg.IntakeAddress
		srv := mail.NewServer(mail.ServerConfig{Domain: intakeAddr[strings.LastIndex(intakeAddr, "@")+1:]}, ta.App.Intake.Deliver)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(l) }()
		defer srv.Close()
		raw, _, err := mail.Compose(&mail.Outgoing{From: "finder@example.org", To: []string{intakeAddr},
			Subject: "Heap overflow in quuxcodec", Text: "The quuxcodec decoder writes past its buffer on a 0-length frame.", EncryptTo: key.PublicArmored()})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("quuxcodec decoder")) {
			t.Fatal("the composed mail is not encrypted")
		}
		if err := smtp.SendMail(l.Addr().String(), nil, "finder@example.org", []string{intakeAddr}, raw); err != nil {
			t.Fatalf("SMTP: %v", err)
		}
		drain(t, ta)
		got, err := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Text: "quuxcodec"})
		if err != nil || len(got) != 1 || !strings.Contains(got[0].Details, "0-length frame") {
			t.Fatalf("the encrypted mail is not a searchable report: %v %v", err, ids(got))
		}
	})
}

func TestCoordinateOpensTheCase(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		r, _, _ := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Needs coordinating"))
		dec, err := ta.App.Intake.Triage(ctx, resp.Actor(), r.PublicID, intake.TriageInput{
			DecisionPoints: map[string]string{"RP": "Y", "SCON": "N", "RC": "NC", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}})
		if err != nil {
			t.Fatal(err)
		}
		if dec.Outcome != "coordinate" || dec.Case != r.PublicID {
			t.Fatalf("decision: %+v", dec)
		}
		c, err := ta.App.Cases.Get(ctx, resp.Actor(), r.PublicID)
		if err != nil || c.PublicID != r.PublicID {
			t.Fatalf("the case: %v %+v", err, c)
		}
	})
}

// The tracking link is the finder's alone: the conversation the team reads does not
// carry it; only the acknowledgement mail to the finder does.
func TestTrackingLinkIsNotKeptInTheConversation(t *testing.T) {
	ta := testapp.New(t, dbtest.NewSQLite(t))
	s := sub("Link secrecy")
	s.Reporter.Email = "finder@example.org"
	r, rc, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, s)
	if err != nil {
		t.Fatal(err)
	}
	tok := trackToken(rc.TrackingURL)
	msgs, _ := ta.App.Intake.Messages(ctx, authz.System("test"), r)
	for _, m := range msgs {
		if strings.Contains(m.Body, tok) {
			t.Fatalf("the conversation carries the tracking token: %q", m.Body)
		}
	}
	var body string
	if err := d(ta).Read().QueryRow(ctx, "SELECT body FROM outbox WHERE report_id = ?", r.ID).Scan(&body); err != nil || !strings.Contains(body, rc.TrackingURL) {
		t.Fatalf("the acknowledgement mail lacks the tracking link: %v", err)
	}
}

func d(ta *testapp.TestApp) *db.DB { return ta.App.DB }

// Overdue is the stored deadline (due_at) compared with now: a report is overdue once
// its acknowledgement or assessment deadline passes while it is open, and not after it
// has been triaged.
func TestOverdueFollowsTheStoredDeadline(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		ta := testapp.New(t, d)
		resp := ta.User(authz.RoleResponder)
		a, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Path traversal in archive extraction"))
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("Heap overflow in image decoder"))
		if err != nil {
			t.Fatal(err)
		}
		overdue := func() []string {
			t.Helper()
			got, err := ta.App.Intake.List(ctx, resp.Actor(), intake.Query{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			return ids(got)
		}
		if got := overdue(); len(got) != 0 {
			t.Fatalf("fresh reports overdue: %v", got)
		}
		ta.Clock.Set(a.AssessDue.Add(time.Minute))
		if got := overdue(); len(got) != 2 {
			t.Fatalf("past the assessment deadline: %v", got)
		}
		if _, err := ta.App.Intake.BulkDecline(ctx, resp.Actor(), []string{a.PublicID}, "Not a vulnerability."); err != nil {
			t.Fatal(err)
		}
		if got := overdue(); len(got) != 1 || got[0] != b.PublicID {
			t.Fatalf("after declining %s: %v", a.PublicID, got)
		}
		c, _, err := ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, sub("SQL injection in search"))
		if err != nil {
			t.Fatal(err)
		}
		if got := overdue(); len(got) != 1 || got[0] == c.PublicID {
			t.Fatalf("a new report is not overdue: %v", got)
		}
	})
}
