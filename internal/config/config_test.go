package config_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/config"
)

func TestValidateNamesTheBadSetting(t *testing.T) {
	for name, c := range map[string]struct {
		change func(c *config.Config)
		want   string
	}{
		"db":              {func(c *config.Config) { c.DB = "mysql://x" }, "--db"},
		"data":            {func(c *config.Config) { c.Data = "" }, "--data"},
		"addr":            {func(c *config.Config) { c.Addr = "8080" }, "--addr"},
		"base-url":        {func(c *config.Config) { c.BaseURL = "ftp://x" }, "--base-url"},
		"id-prefix":       {func(c *config.Config) { c.IDPrefix = "oss sirt" }, "--id-prefix"},
		"log-format":      {func(c *config.Config) { c.LogFormat = "xml" }, "--log-format"},
		"log-level":       {func(c *config.Config) { c.LogLevel = "loud" }, "--log-level"},
		"workers":         {func(c *config.Config) { c.Workers = -1 }, "--workers"},
		"smtp-addr":       {func(c *config.Config) { c.SMTPAddr = "nowhere" }, "--smtp-addr"},
		"trusted-proxies": {func(c *config.Config) { c.TrustedProxies = "10.0.0.0/8, proxy.example" }, "--trusted-proxies"},
		"trusted-cidr":    {func(c *config.Config) { c.TrustedProxies = "10.0.0.0/33" }, "--trusted-proxies"},
		"trusted-zone":    {func(c *config.Config) { c.TrustedProxies = "fe80::1%eth0" }, "--trusted-proxies"},
		"proxy-header":    {func(c *config.Config) { c.ProxyHeader = "X-Real-IP" }, "--proxy-header"},
		"secret-key-file": {func(c *config.Config) { c.SecretKeyFile = "/nonexistent/key" }, "--secret-key-file"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := config.Defaults()
			c.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
}

func TestValidateFillsDefaults(t *testing.T) {
	cfg := config.Defaults()
	cfg.Data = "/srv/sirt"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != "http://127.0.0.1:8080" || cfg.Files != "/srv/sirt/files" || cfg.IntakeAddress != "security@sirt.localhost" || cfg.MailFrom != cfg.IntakeAddress {
		t.Fatalf("derived defaults: %+v", cfg)
	}
	if o := cfg.DBOptions(); o.Path != "/srv/sirt/sirt.db" || o.DSN != "" {
		t.Fatalf("sqlite options %+v", o)
	}
	cfg.DB = "postgres://u@h/db"
	if o := cfg.DBOptions(); o.DSN != cfg.DB {
		t.Fatalf("postgres options %+v", o)
	}
	cfg = config.Defaults()
	cfg.BaseURL = "https://sirt.example.org/"
	if err := cfg.Validate(); err != nil || cfg.BaseURL != "https://sirt.example.org" || cfg.IntakeAddress != "security@sirt.example.org" {
		t.Fatalf("base url: %v %+v", err, cfg)
	}
}

func TestEnvironmentUnlessFlagGiven(t *testing.T) {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.ServeFlags(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SIRT_ADDR": "0.0.0.0:1", "SIRT_DATA": "/from/env", "SIRT_SHUTDOWN_GRACE": "3s", "SIRT_SYNC_FULL": "true"}
	if err := config.ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.Data != "/from/env" || cfg.ShutdownGrace != 3*time.Second || !cfg.SyncFull {
		t.Fatalf("flags over env: %+v", cfg)
	}
	err := config.ApplyEnv(fs, func(k string) string {
		if k == "SIRT_WORKERS" {
			return "many"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "SIRT_WORKERS") {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestTrustedProxiesFromTheEnvironment(t *testing.T) {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.ServeFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SIRT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,::1", "SIRT_PROXY_HEADER": "forwarded"}
	if err := config.ApplyEnv(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	nets, err := cfg.TrustedProxyNets()
	if err != nil || len(nets) != 3 || cfg.ProxyHeader != "Forwarded" {
		t.Fatalf("nets %v header %q: %v", nets, cfg.ProxyHeader, err)
	}
}
