// Package config is sirt's configuration: one struct filled from command-line flags
// and SIRT_* environment variables (a flag given on the command line wins), checked by
// Validate, which names the bad setting and says how to fix it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/realclientip/realclientip-go"

	"github.com/oss-sirt/sirt/internal/calendar"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/netguard"
)

// Config is everything sirt can be told at start.
type Config struct {
	Addr          string // HTTP listen address
	BaseURL       string // how people reach sirt (links in mail, tracking URLs)
	Data          string // data directory: SQLite file, attachments, keys
	DB            string // postgres:// DSN; when set, the database lives there
	Files         string // attachments directory with PostgreSQL (default DATA/files)
	SMTPAddr      string // inbound SMTP listen address; empty: no listener
	IntakeAddress string // the team's intake mail address
	Team          string // the team's name
	IDPrefix      string // tracking id prefix (OSS-SIRT → OSS-SIRT-2026-0042)
	OSVPrefix     string // OSV id prefix for exports ("x_" until the team registers one)
	LogFormat     string // text or json
	LogLevel      string // debug, info, warn, error
	SyncFull      bool   // SQLite synchronous=FULL (survive power loss, slower)
	Workers       int    // job workers per process
	SMTPRelay     string // outbound SMTP host:port; empty: mail stays queued
	SMTPUser      string
	SMTPPassword  string
	MailFrom      string
	ShutdownGrace time.Duration
	IntakeBurst   int           // reports accepted at once per IP address
	TimeZone      string        // the team's time zone for business days
	Workdays      string        // the team's working week, e.g. Mon-Fri
	HolidaysFile  string        // one holiday a line: YYYY-MM-DD Name
	IntakeEvery   time.Duration // then one per this interval
	// TrustedProxies are the reverse proxies (comma-separated addresses and CIDRs)
	// whose ProxyHeader names the client; from anyone else the header is ignored.
	TrustedProxies string
	ProxyHeader    string // X-Forwarded-For (default) or Forwarded (RFC 7239)
	// SecretKeyFile holds the key that encrypts the team's private key and the server
	// secrets in the database; empty: they are stored as they are.
	SecretKeyFile string
	// OutboundAllow lists internal destinations outbound requests (webhooks) may
	// reach although they are loopback or private: CIDRs, addresses or host names.
	OutboundAllow []string
	SMTPBurst     int           // inbound mails accepted at once per address and per sender
	SMTPEvery     time.Duration // then one per this interval
	AuthservID    string        // the receiving MTA's authserv-id (Authentication-Results)
}

// Defaults returns the configuration sirt runs with when told nothing.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", Data: "./sirt-data", Team: "OSS-SIRT", IDPrefix: "OSS-SIRT", OSVPrefix: "x_",
		LogFormat: "text", LogLevel: "info", Workers: 4, ShutdownGrace: 20 * time.Second,
		IntakeBurst: 50, IntakeEvery: 2 * time.Second, SMTPBurst: 10, SMTPEvery: time.Minute, TimeZone: "UTC", Workdays: "Mon-Fri",
		ProxyHeader: "X-Forwarded-For",
	}
}

// DataFlags registers the flags every data-touching command takes (--data, --db).
func (c *Config) DataFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", c.Data, "data `dir`ectory for the SQLite database, attachments and keys (env SIRT_DATA)")
	fs.StringVar(&c.DB, "db", c.DB, "PostgreSQL `url` (postgres://…); when set, the database lives there (env SIRT_DB)")
	fs.BoolVar(&c.SyncFull, "sync-full", c.SyncFull, "SQLite: fsync every commit, surviving power loss at some cost in speed (env SIRT_SYNC_FULL)")
	fs.StringVar(&c.IDPrefix, "id-prefix", c.IDPrefix, "prefix of tracking ids, e.g. OSS-SIRT gives OSS-SIRT-2026-0042 (env SIRT_ID_PREFIX)")
	fs.StringVar(&c.OSVPrefix, "osv-prefix", c.OSVPrefix, "prefix of OSV ids in exports; x_ until the team registers a home database (env SIRT_OSV_PREFIX)")
	fs.StringVar(&c.TimeZone, "time-zone", c.TimeZone, "the team's time zone for business-day deadlines, e.g. Europe/Berlin (env SIRT_TIME_ZONE)")
	fs.StringVar(&c.Workdays, "workdays", c.Workdays, "the team's working week, e.g. Mon-Fri or Sun-Thu (env SIRT_WORKDAYS)")
	fs.StringVar(&c.HolidaysFile, "holidays", c.HolidaysFile, "`file` of the team's holidays, one a line: YYYY-MM-DD Name (env SIRT_HOLIDAYS)")
	fs.StringVar(&c.Team, "team", c.Team, "the team's name as shown on pages and in mail (env SIRT_TEAM)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", c.SecretKeyFile, "`file` with the key (32 random bytes, or 64 hex / 44 base64 characters) that encrypts the team's private key and server secrets in the database (env SIRT_SECRET_KEY_FILE)")
}

// ServeFlags registers the flags of `sirt serve`.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DataFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen `address` (env SIRT_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public `URL` of sirt, used in links (default http://ADDR) (env SIRT_BASE_URL)")
	fs.StringVar(&c.Files, "files", c.Files, "attachments `dir`ectory (default DATA/files) (env SIRT_FILES)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "listen `address` for inbound mail to the intake address, e.g. 127.0.0.1:2525 (env SIRT_SMTP_ADDR)")
	fs.StringVar(&c.IntakeAddress, "intake-address", c.IntakeAddress, "the team's intake mail `address` (default security@HOST) (env SIRT_INTAKE_ADDRESS)")
	fs.StringVar(&c.SMTPRelay, "smtp-relay", c.SMTPRelay, "outbound SMTP `host:port`; without it mail stays queued (env SIRT_SMTP_RELAY)")
	fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "outbound SMTP user (env SIRT_SMTP_USER)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", c.SMTPPassword, "outbound SMTP password; prefer the env SIRT_SMTP_PASSWORD")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "From address of outbound mail (default the intake address) (env SIRT_MAIL_FROM)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env SIRT_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env SIRT_LOG_LEVEL)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "job workers in this process (env SIRT_WORKERS)")
	fs.IntVar(&c.IntakeBurst, "intake-burst", c.IntakeBurst, "reports accepted at once from one IP address before the rate limit (env SIRT_INTAKE_BURST)")
	fs.DurationVar(&c.IntakeEvery, "intake-every", c.IntakeEvery, "after the burst, one report per this interval per IP address (env SIRT_INTAKE_EVERY)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies whose --proxy-header names the client: comma-separated addresses and CIDRs, e.g. 10.0.0.0/8,::1 (env SIRT_TRUSTED_PROXIES)")
	fs.StringVar(&c.ProxyHeader, "proxy-header", c.ProxyHeader, "the header the trusted proxies set: X-Forwarded-For or Forwarded (env SIRT_PROXY_HEADER)")
	fs.IntVar(&c.SMTPBurst, "smtp-burst", c.SMTPBurst, "inbound mails accepted at once from one connecting address, and from one envelope sender, before a temporary 450 (env SIRT_SMTP_BURST)")
	fs.DurationVar(&c.SMTPEvery, "smtp-every", c.SMTPEvery, "after the burst, one inbound mail per this interval per address and per sender (env SIRT_SMTP_EVERY)")
	fs.StringVar(&c.AuthservID, "mail-authserv-id", c.AuthservID, "authserv-id of the mail server in front of --smtp-addr whose Authentication-Results headers are trusted; mail intake is acknowledged automatically only to senders it verified (env SIRT_MAIL_AUTHSERV_ID)")
	fs.Func("outbound-allow", "comma-separated CIDRs, addresses or host names that webhooks may reach although internal (loopback, private); for on-premise receivers (env SIRT_OUTBOUND_ALLOW)", func(v string) error {
		c.OutboundAllow = nil
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.OutboundAllow = append(c.OutboundAllow, a)
			}
		}
		return nil
	})
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "how long SIGTERM waits for requests and jobs in flight (env SIRT_SHUTDOWN_GRACE)")
}

// ApplyEnv sets every flag not given on the command line from SIRT_<FLAG> (dashes as
// underscores) when that variable is set.
func ApplyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := "SIRT_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

var prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)

// Validate checks the configuration and fills derived defaults. Errors name the setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DB != "" && !db.IsPostgresDSN(c.DB) {
		bad("--db: %q is not a PostgreSQL URL (want postgres://user@host:5432/dbname)", c.DB)
	}
	if c.DB == "" && c.Data == "" {
		bad("--data: give a data directory, or --db for PostgreSQL")
	}
	if !prefixRE.MatchString(c.IDPrefix) {
		bad("--id-prefix: %q must be upper-case letters and digits in dash-separated parts, like OSS-SIRT", c.IDPrefix)
	}
	if c.OSVPrefix != "" && !regexp.MustCompile(`^[A-Za-z0-9_]+-?$|^x_$`).MatchString(c.OSVPrefix) {
		bad("--osv-prefix: %q must be letters, digits and underscores (e.g. x_ or MYDB-)", c.OSVPrefix)
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			bad("--addr: %q is not host:port (e.g. 127.0.0.1:8080)", c.Addr)
		}
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			bad("--smtp-addr: %q is not host:port (e.g. 127.0.0.1:2525)", c.SMTPAddr)
		}
	}
	if c.BaseURL == "" && c.Addr != "" {
		c.BaseURL = "http://" + c.Addr
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--base-url: %q is not an http(s) URL", c.BaseURL)
		} else {
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
			if c.IntakeAddress == "" {
				host := u.Hostname()
				if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
					host = "sirt.localhost"
				}
				c.IntakeAddress = "security@" + host
			}
		}
	}
	if c.MailFrom == "" {
		c.MailFrom = c.IntakeAddress
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("--log-format: %q is not text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("--log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.Workers < 0 || c.Workers > 256 {
		bad("--workers: %d is out of range (0–256)", c.Workers)
	}
	if _, err := c.Calendar(); err != nil {
		errs = append(errs, err)
	}
	if _, err := netguard.New(c.OutboundAllow, ""); err != nil {
		bad("--outbound-allow: %v", err)
	}
	if c.SMTPBurst < 1 {
		bad("--smtp-burst: %d must be at least 1", c.SMTPBurst)
	}
	if c.SMTPEvery <= 0 {
		bad("--smtp-every: %v must be positive (e.g. 1m)", c.SMTPEvery)
	}
	if c.IntakeBurst < 1 {
		bad("--intake-burst: %d must be at least 1", c.IntakeBurst)
	}
	if c.IntakeEvery <= 0 {
		bad("--intake-every: %v must be positive (e.g. 2s)", c.IntakeEvery)
	}
	if _, err := c.TrustedProxyNets(); err != nil {
		errs = append(errs, err)
	}
	switch http.CanonicalHeaderKey(strings.TrimSpace(c.ProxyHeader)) {
	case "X-Forwarded-For", "Forwarded":
		c.ProxyHeader = http.CanonicalHeaderKey(strings.TrimSpace(c.ProxyHeader))
	case "":
		c.ProxyHeader = "X-Forwarded-For"
	default:
		bad("--proxy-header: %q is not X-Forwarded-For or Forwarded", c.ProxyHeader)
	}
	if c.SecretKeyFile != "" {
		if _, err := os.Stat(c.SecretKeyFile); err != nil {
			bad("--secret-key-file: %v", err)
		}
	}
	if c.Files == "" && c.Data != "" {
		c.Files = filepath.Join(c.Data, "files")
	}
	return errors.Join(errs...)
}

// TrustedProxyNets parses --trusted-proxies.
func (c *Config) TrustedProxyNets() ([]net.IPNet, error) {
	var items []string
	for _, it := range strings.Split(c.TrustedProxies, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	nets, err := realclientip.AddressesAndRangesToIPNets(items...)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %v (want comma-separated addresses and CIDRs, e.g. 10.0.0.0/8,192.0.2.7,::1)", err)
	}
	return nets, nil
}

// SQLitePath is the database file inside the data directory.
func (c *Config) SQLitePath() string { return filepath.Join(c.Data, "sirt.db") }

// DBOptions returns how to open the database.
func (c *Config) DBOptions() db.Options {
	if c.DB != "" {
		return db.Options{DSN: c.DB}
	}
	return db.Options{Path: c.SQLitePath(), SyncFull: c.SyncFull}
}

// CheckDataDir makes sure the data directory exists and is writable.
func (c *Config) CheckDataDir() error {
	if c.DB != "" {
		return nil
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return fmt.Errorf("--data: cannot create %s: %v", c.Data, err)
	}
	f, err := os.CreateTemp(c.Data, ".probe-*")
	if err != nil {
		return fmt.Errorf("--data: %s is not writable: %v", c.Data, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// Calendar is the team's working calendar from --time-zone, --workdays and --holidays.
func (c *Config) Calendar() (calendar.Calendar, error) {
	cal := calendar.Default()
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" {
		return cal, fmt.Errorf("--time-zone: %q is not a time zone (want e.g. UTC or Europe/Berlin)", c.TimeZone)
	}
	cal.Location = loc
	if c.Workdays != "" {
		if cal.Workdays, err = calendar.ParseWorkdays(c.Workdays); err != nil {
			return cal, fmt.Errorf("--workdays: %v", err)
		}
	}
	if c.HolidaysFile != "" {
		f, err := os.Open(c.HolidaysFile)
		if err != nil {
			return cal, fmt.Errorf("--holidays: %v", err)
		}
		defer f.Close()
		if cal.Holidays, err = calendar.ParseHolidays(f); err != nil {
			return cal, fmt.Errorf("--holidays %s: %v", c.HolidaysFile, err)
		}
	}
	return cal, nil
}
