package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/oss-sirt/sirt/internal/mail"
	"github.com/oss-sirt/sirt/internal/pgpkey"
)

func newKey(t testing.TB, email string) *pgpkey.Key {
	t.Helper()
	k, err := pgpkey.Generate("Test "+email, email, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// delivery is one call of a DeliverFunc.
type delivery struct {
	From  string
	Rcpts []string
	Raw   []byte
	Peer  mail.Peer
}

// inbox records deliveries; fail makes the next deliveries fail.
type inbox struct {
	mu   sync.Mutex
	got  []delivery
	fail error
	ch   chan delivery
}

func newInbox() *inbox { return &inbox{ch: make(chan delivery, 100)} }

func (b *inbox) deliver(ctx context.Context, from string, rcpts []string, raw []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	p, _ := mail.PeerFromContext(ctx)
	d := delivery{From: from, Rcpts: rcpts, Raw: raw, Peer: p}
	b.got = append(b.got, d)
	b.ch <- d
	return nil
}

func (b *inbox) setFail(err error) {
	b.mu.Lock()
	b.fail = err
	b.mu.Unlock()
}

func (b *inbox) all() []delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]delivery(nil), b.got...)
}

// only returns the single delivery the inbox must hold by now: the SMTP
// client got its 250 only after deliver returned, so no waiting is needed.
func (b *inbox) only(t *testing.T) delivery {
	t.Helper()
	got := b.all()
	if len(got) != 1 {
		t.Fatalf("inbox holds %d messages, want 1", len(got))
	}
	return got[0]
}

// startServer runs a Server on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, cfg mail.ServerConfig, deliver mail.DeliverFunc) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Domain == "" {
		cfg.Domain = "sirt.test"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := mail.NewServer(cfg, deliver)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after Close, want nil", err)
		}
	})
	return l.Addr().String()
}

// selfSigned returns a TLS server config for 127.0.0.1 and a client config
// that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var port int
	for _, c := range p {
		port = port*10 + int(c-'0')
	}
	return h, port
}

var errStore = errors.New("database is locked")
