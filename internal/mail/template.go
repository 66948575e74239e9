package mail

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
)

// Template is an editable message template: Subject and Body are
// text/template sources, e.g. "[OSS-SIRT] Received your report — {{.TrackingID}}".
// A key the template uses but the data lacks is an error, never "<no value>".
type Template struct {
	Subject string
	Body    string
}

// Validate parses both parts, for checking an edited template before it is
// saved. It cannot know which keys the data will have; Render can.
func (t Template) Validate() error {
	if strings.TrimSpace(t.Subject) == "" {
		return errors.New("mail: the template's subject is empty")
	}
	if strings.TrimSpace(t.Body) == "" {
		return errors.New("mail: the template's body is empty")
	}
	for _, p := range []struct{ name, src string }{{"subject", t.Subject}, {"body", t.Body}} {
		if _, err := parseTemplate(p.name, p.src); err != nil {
			return err
		}
	}
	return nil
}

// Render executes the template with data (usually a map[string]any). The
// subject is folded onto one line. An error names the part, the line and
// the missing key.
func Render(t Template, data any) (subject, body string, err error) {
	subject, err = execute("subject", t.Subject, data)
	if err != nil {
		return "", "", err
	}
	body, err = execute("body", t.Body, data)
	if err != nil {
		return "", "", err
	}
	return strings.Join(strings.Fields(subject), " "), body, nil
}

func parseTemplate(name, src string) (*template.Template, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("mail: the %s template does not parse: %w", name, err)
	}
	return tmpl, nil
}

var missingKeyRE = regexp.MustCompile(`map has no entry for key "([^"]*)"`)

// parsed caches parsed templates by name and source (a parse was a tenth of the
// writer's CPU under intake load: every report renders its acknowledgement inside the
// transaction). Templates are safe to execute concurrently; the cache is bounded.
var (
	parsed  sync.Map // name + "\x00" + src → *template.Template
	nparsed atomic.Int32
)

func execute(name, src string, data any) (string, error) {
	key := name + "\x00" + src
	var tmpl *template.Template
	if v, ok := parsed.Load(key); ok {
		tmpl = v.(*template.Template)
	} else {
		var err error
		if tmpl, err = parseTemplate(name, src); err != nil {
			return "", err
		}
		if nparsed.Load() < 512 {
			if _, loaded := parsed.LoadOrStore(key, tmpl); !loaded {
				nparsed.Add(1)
			}
		}
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		if m := missingKeyRE.FindStringSubmatch(err.Error()); m != nil {
			return "", fmt.Errorf("mail: the %s template uses {{.%s}} but the data has no %q: %w", name, m[1], m[1], err)
		}
		return "", fmt.Errorf("mail: render the %s template: %w", name, err)
	}
	return b.String(), nil
}
