package settings

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/oss-sirt/sirt/internal/db"
)

// Secrets at rest. With a key from --secret-key-file, the settings that are secrets
// (the team's OpenPGP private key, the server's signing secrets) are stored encrypted
// with AES-256-GCM, the setting's name bound in as additional data, so a copy of the
// database (a backup, a dump, a stolen disk) does not carry them in the clear.

// sealedPrefix marks an encrypted value: prefix, then base64(nonce ‖ ciphertext).
const sealedPrefix = "sirt-sealed:v1:"

// keyCheck is a sealed known value: a key that cannot open it is the wrong key.
const (
	keyCheckSetting = "secret.key_check"
	keyCheckValue   = "sirt secret key check"
)

var (
	secretMu   sync.RWMutex
	secretKeys = map[string]bool{"team.key": true}
)

// RegisterSecret marks a setting as a secret (encrypted at rest when a key is given).
// Every key passed to Service.Secret is one already.
func RegisterSecret(key string) {
	secretMu.Lock()
	secretKeys[key] = true
	secretMu.Unlock()
}

// IsSecret reports whether the setting key is a secret.
func IsSecret(key string) bool {
	secretMu.RLock()
	defer secretMu.RUnlock()
	return secretKeys[key]
}

// ErrSealed means a secret is stored encrypted and no key (or the wrong key) is given.
var ErrSealed = errors.New("settings: the secrets in the database are encrypted at rest: start sirt with --secret-key-file FILE (or SIRT_SECRET_KEY_FILE) naming the key they were encrypted with")

// ErrWrongKey means the configured key does not open the stored secrets.
var ErrWrongKey = errors.New("--secret-key-file: this key does not decrypt the secrets stored in the database (a different key encrypted them)")

// ReadKeyFile reads a 256-bit key: 32 raw bytes, or 64 hex or base64 characters
// (surrounding whitespace ignored), e.g. made with `head -c 32 /dev/urandom > key`
// or `openssl rand -hex 32 > key`.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %v", err)
	}
	if len(b) == 32 {
		return b, nil
	}
	t := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(t); err == nil && len(k) == 32 {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(t); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, fmt.Errorf("--secret-key-file: %s does not hold a 256-bit key (want 32 random bytes, 64 hex characters or 44 base64 characters; e.g. openssl rand -hex 32 > %s)", path, path)
}

type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("settings: the secret key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(name, value string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	ct := s.aead.Seal(nonce, nonce, []byte(value), []byte(name))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(ct)
}

func (s *sealer) open(name, stored string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", fmt.Errorf("settings: %s: the encrypted value is damaged", name)
	}
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(pt), nil
}

func isSealed(v string) bool { return strings.HasPrefix(v, sealedPrefix) }

// unseal turns a stored value into the plain one.
func (s *Service) unseal(key, stored string) (string, error) {
	if !isSealed(stored) {
		return stored, nil
	}
	sl := s.sealer.Load()
	if sl == nil {
		return "", fmt.Errorf("%s: %w", key, ErrSealed)
	}
	return sl.open(key, stored)
}

// sealFor is the value to store for key.
func (s *Service) sealFor(key, value string) string {
	if sl := s.sealer.Load(); sl != nil && IsSecret(key) {
		return sl.seal(key, value)
	}
	return value
}

// UseKey makes the service encrypt secrets with key. It checks the key against the
// secrets already stored (ErrWrongKey when it cannot open them) and encrypts every secret
// still stored in the clear, in one transaction.
func (s *Service) UseKey(ctx context.Context, key []byte) error {
	sl, err := newSealer(key)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, "SELECT key, value FROM settings")
		if err != nil {
			return err
		}
		type kv struct{ k, v string }
		var all []kv
		for rows.Next() {
			var r kv
			if err := rows.Scan(&r.k, &r.v); err != nil {
				rows.Close()
				return err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The key check decides whether this is the right key; without one (secrets
		// sealed before it existed), any sealed value does.
		hasCheck := false
		for _, r := range all {
			if r.k == keyCheckSetting && isSealed(r.v) {
				pt, err := sl.open(r.k, r.v)
				if err != nil || pt != keyCheckValue {
					return ErrWrongKey
				}
				hasCheck = true
			}
		}
		for _, r := range all {
			if !isSealed(r.v) || r.k == keyCheckSetting {
				continue
			}
			if _, err := sl.open(r.k, r.v); err != nil {
				if !hasCheck {
					return ErrWrongKey
				}
				return fmt.Errorf("settings: the stored secret %s does not decrypt with the right key: it was damaged or copied from elsewhere; set it again", r.k)
			}
		}
		now := s.clock.Now()
		for _, r := range all {
			if isSealed(r.v) || !IsSecret(r.k) {
				continue
			}
			if _, err := q.Exec(ctx, "UPDATE settings SET value = ?, updated_at = ? WHERE key = ?", sl.seal(r.k, r.v), now, r.k); err != nil {
				return err
			}
		}
		if !hasCheck {
			if _, err := q.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, keyCheckSetting, sl.seal(keyCheckSetting, keyCheckValue), now); err != nil {
				return err
			}
		}
		q.AfterCommit(func() { s.sealer.Store(sl) })
		return nil
	})
}
