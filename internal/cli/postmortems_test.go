package cli_test

import (
	"strings"
	"testing"
)

func TestPostmortemCommands(t *testing.T) {
	data := t.TempDir()
	if r := run(t, "", "postmortem", "lessons", "--data", data).want(t, 0); !strings.Contains(r.stdout, "# Lessons for other working groups") {
		t.Fatalf("lessons: %q", r.stdout)
	}
	if r := run(t, "", "postmortem", "remind", "--data", data).want(t, 0); !strings.Contains(r.stdout, "0 reminders queued") {
		t.Fatalf("remind: %q", r.stdout)
	}
	run(t, "", "postmortem", "lessons", "extra", "--data", data).want(t, 2)
}
