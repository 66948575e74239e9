package pgpkey

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Errors a caller may want to tell apart.
var (
	// ErrNoKey means a key directory holds no team key yet.
	ErrNoKey = errors.New("pgpkey: no team key yet (generate one with `sirt keys generate` or import one with `sirt keys import`)")
	// ErrPassphraseNeeded means an imported secret key is protected by a
	// passphrase and none (or a wrong one) was given.
	ErrPassphraseNeeded = errors.New("pgpkey: the secret key is protected by a passphrase; give the passphrase or export the key without one")
	// ErrNotForKey means a message was encrypted for other keys than the
	// team key. The concrete error is a *NotForKeyError naming those keys.
	ErrNotForKey = errors.New("pgpkey: message is not encrypted for the team key")
)

// Key is the team's OpenPGP key pair. It is safe for concurrent use: after
// construction it is only read.
type Key struct {
	entity *openpgp.Entity
}

// config is the one place the package's algorithm choices live.
func config(now func() time.Time) *packet.Config {
	return &packet.Config{
		Algorithm:     packet.PubKeyAlgoEdDSA, // with the default curve: Ed25519, and a Curve25519 ECDH subkey
		DefaultHash:   crypto.SHA256,          // PGP/MIME micalg "pgp-sha256" depends on this
		DefaultCipher: packet.CipherAES256,
		Time:          now,
	}
}

// Generate creates a new team key for the identity "name <email>", created at
// now. Use the real clock in production: a key created in the future cannot
// sign or encrypt until that time (this package uses the key's creation time
// instead of an earlier clock to keep tests with fixed clocks working).
func Generate(name, email string, now time.Time) (*Key, error) {
	if strings.ContainsAny(name, "()<>\x00") {
		return nil, fmt.Errorf("pgpkey: name %q may not contain any of the characters ( ) < >", name)
	}
	if email == "" || strings.ContainsAny(email, "()<> \x00") || !strings.Contains(email, "@") {
		return nil, fmt.Errorf("pgpkey: email %q is not an address like security@example.org", email)
	}
	now = now.Truncate(time.Second) // OpenPGP timestamps have one-second resolution
	e, err := openpgp.NewEntity(name, "", email, config(func() time.Time { return now }))
	if err != nil {
		return nil, fmt.Errorf("pgpkey: generate key for %s: %w", email, err)
	}
	return &Key{entity: e}, nil
}

// Parse imports an ASCII-armored (or binary) OpenPGP secret key that is not
// protected by a passphrase. For a protected key use ParseWithPassphrase.
func Parse(armored []byte) (*Key, error) {
	return ParseWithPassphrase(armored, nil)
}

// ParseWithPassphrase imports an OpenPGP secret key, unlocking it with
// passphrase when it is protected. The returned Key holds the unlocked key;
// Save writes it without a passphrase, protected by file permissions.
func ParseWithPassphrase(armored []byte, passphrase []byte) (*Key, error) {
	els, err := readKeyRing(armored)
	if err != nil {
		return nil, err
	}
	if len(els) != 1 {
		return nil, fmt.Errorf("pgpkey: the key file holds %d keys; import exactly one", len(els))
	}
	e := els[0]
	if e.PrivateKey == nil {
		return nil, errors.New("pgpkey: the key file holds only a public key; import the secret key (gpg --export-secret-keys --armor)")
	}
	if err := unlock(e, passphrase); err != nil {
		return nil, err
	}
	k := &Key{entity: e}
	if _, ok := e.EncryptionKey(k.now()); !ok {
		return nil, fmt.Errorf("pgpkey: key %s has no usable encryption subkey (expired, revoked or sign-only); finders could not encrypt to it", k.Fingerprint())
	}
	if _, ok := e.SigningKey(k.now()); !ok {
		return nil, fmt.Errorf("pgpkey: key %s has no usable signing key (expired or revoked)", k.Fingerprint())
	}
	return k, nil
}

// unlock decrypts every locked private (sub)key of e. gnupg's "gnu-dummy"
// stubs (secret parts kept on a smartcard or offline) cannot be unlocked and
// are left alone; the usability checks in ParseWithPassphrase catch a key
// that is useless without them.
func unlock(e *openpgp.Entity, passphrase []byte) error {
	locked := func(p *packet.PrivateKey) bool { return p != nil && p.Encrypted && !p.Dummy() }
	anyLocked := locked(e.PrivateKey)
	for _, sk := range e.Subkeys {
		anyLocked = anyLocked || locked(sk.PrivateKey)
	}
	if !anyLocked {
		return nil
	}
	if len(passphrase) == 0 {
		return ErrPassphraseNeeded
	}
	keys := []*packet.PrivateKey{e.PrivateKey}
	for _, sk := range e.Subkeys {
		keys = append(keys, sk.PrivateKey)
	}
	for _, p := range keys {
		if !locked(p) {
			continue
		}
		if err := p.Decrypt(passphrase); err != nil {
			// The underlying error says nothing useful beyond "wrong passphrase"
			// and must not echo key material; keep ours.
			return fmt.Errorf("%w (the given passphrase did not unlock it)", ErrPassphraseNeeded)
		}
	}
	return nil
}

// readKeyRing reads armored or binary keys.
func readKeyRing(data []byte) (openpgp.EntityList, error) {
	if isArmored(data) {
		block, err := armor.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("pgpkey: the key is not valid ASCII armor: %w", err)
		}
		if block.Type != openpgp.PrivateKeyType && block.Type != openpgp.PublicKeyType {
			return nil, fmt.Errorf("pgpkey: the armored block is a %q, not a key", block.Type)
		}
		els, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, fmt.Errorf("pgpkey: read key: %w", err)
		}
		return els, nil
	}
	els, err := openpgp.ReadKeyRing(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("pgpkey: the data is neither an armored nor a binary OpenPGP key: %w", err)
	}
	return els, nil
}

// isArmored reports whether data starts (after white space) with an
// ASCII-armor header line.
func isArmored(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN PGP "))
}

// now is the time used for signatures and key validity checks: the real
// clock, but never before the key's creation (see Generate).
func (k *Key) now() time.Time {
	now := time.Now()
	if c := k.entity.PrimaryKey.CreationTime; now.Before(c) {
		return c
	}
	return now
}

func (k *Key) config() *packet.Config { return config(k.now) }

// Entity returns the underlying go-crypto entity, private parts included.
// Treat it as read-only.
func (k *Key) Entity() *openpgp.Entity { return k.entity }

// Fingerprint returns the primary key's fingerprint as upper-case hex
// without spaces, as security.txt and keyservers show it.
func (k *Key) Fingerprint() string {
	return strings.ToUpper(fmt.Sprintf("%x", k.entity.PrimaryKey.Fingerprint))
}

// KeyID returns the primary key's long key id as 16 upper-case hex digits.
func (k *Key) KeyID() string { return keyID(k.entity.PrimaryKey.KeyId) }

// UserID returns the primary identity, e.g. "OSS-SIRT <security@example.org>".
func (k *Key) UserID() string {
	if id := k.entity.PrimaryIdentity(); id != nil {
		return id.Name
	}
	return ""
}

// Created returns when the key was created.
func (k *Key) Created() time.Time { return k.entity.PrimaryKey.CreationTime }

// String describes the key without any secret: "fingerprint user id".
func (k *Key) String() string { return k.Fingerprint() + " " + k.UserID() }

// PublicArmored returns the ASCII-armored public key, for publishing (the
// Encryption: link of security.txt, the web site, keyservers).
func (k *Key) PublicArmored() []byte {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err == nil {
		err = k.entity.Serialize(w)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		// Serializing a key we hold in memory only fails on a bug.
		panic("pgpkey: serialize public key: " + err.Error())
	}
	return buf.Bytes()
}

// PrivateArmored returns the ASCII-armored secret key without a passphrase.
// It is secret: write it only to 0600 files (Save does) or an operator's
// terminal on explicit request.
func (k *Key) PrivateArmored() []byte {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err == nil {
		err = k.entity.SerializePrivateWithoutSigning(w, nil)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		panic("pgpkey: serialize secret key: " + err.Error()) // no key material in the message
	}
	return buf.Bytes()
}

// ReadPublicKey reads one armored (or binary) public key, such as a finder's
// or a maintainer's, and checks that it can be encrypted to now.
func ReadPublicKey(armored []byte) (*openpgp.Entity, error) {
	els, err := readKeyRing(armored)
	if err != nil {
		return nil, err
	}
	if len(els) != 1 {
		return nil, fmt.Errorf("pgpkey: the public key data holds %d keys; give exactly one", len(els))
	}
	e := els[0]
	if _, ok := e.EncryptionKey(time.Now()); !ok {
		return nil, fmt.Errorf("pgpkey: key %X has no usable encryption subkey (expired, revoked or sign-only)", e.PrimaryKey.Fingerprint)
	}
	return e, nil
}

func keyID(id uint64) string { return fmt.Sprintf("%016X", id) }
