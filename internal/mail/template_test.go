package mail_test

import (
	"strings"
	"testing"

	"github.com/oss-sirt/sirt/internal/mail"
)

var ack = mail.Template{
	Subject: "[OSS-SIRT] Received your report —\n {{.TrackingID}}",
	Body: `Hello {{.FinderName}},

Thank you for reporting this to OSS-SIRT. We assigned it the tracking ID
{{.TrackingID}}.{{if .TrackingURL}} Follow it at {{.TrackingURL}}.{{end}}
`,
}

func TestRender(t *testing.T) {
	subject, body, err := mail.Render(ack, map[string]any{
		"TrackingID": "OSS-SIRT-2026-0042", "FinderName": "Ada", "TrackingURL": "https://sirt.test/t/abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "[OSS-SIRT] Received your report — OSS-SIRT-2026-0042" {
		t.Errorf("subject %q: want one line", subject)
	}
	if !strings.HasPrefix(body, "Hello Ada,\n") || !strings.Contains(body, "OSS-SIRT-2026-0042. Follow it at https://sirt.test/t/abc.") {
		t.Errorf("body %q", body)
	}
	// HTML-looking data is not escaped: this is plain text.
	_, body, _ = mail.Render(mail.Template{Subject: "s", Body: "{{.X}}"}, map[string]any{"X": "<b>&"})
	if body != "<b>&" {
		t.Errorf("body %q, want text unescaped", body)
	}
}

func TestRenderMissingKey(t *testing.T) {
	_, _, err := mail.Render(ack, map[string]any{"TrackingID": "OSS-SIRT-2026-0042", "TrackingURL": ""})
	if err == nil || !strings.Contains(err.Error(), `"FinderName"`) || !strings.Contains(err.Error(), "body template") {
		t.Fatalf("Render: %v, want an error naming FinderName in the body template", err)
	}
	_, _, err = mail.Render(ack, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "subject template") || !strings.Contains(err.Error(), `"TrackingID"`) {
		t.Fatalf("Render: %v, want an error naming TrackingID in the subject", err)
	}
}

func TestTemplateValidate(t *testing.T) {
	if err := ack.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, bad := range []mail.Template{
		{Subject: "", Body: "b"},
		{Subject: "s", Body: " "},
		{Subject: "{{.X", Body: "b"},
		{Subject: "s", Body: "{{if .X}}unclosed"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}
