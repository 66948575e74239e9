package pgpkey

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// fixedConfig is the configuration of dated signatures: signing time at, and no
// random salt notation, so that a signature is a function of the message and the
// date (plain RFC 8032 Ed25519, and RSA PKCS#1 v1.5, are deterministic).
func fixedConfig(at time.Time) *packet.Config {
	c := config(func() time.Time { return at })
	deterministic := false
	c.NonDeterministicSignaturesViaNotation = &deterministic
	return c
}

// at is the signature time for a signature dated t: t, but never before the key
// was created (a signature older than its key does not verify).
func (k *Key) at(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second)
	if c := k.entity.PrimaryKey.CreationTime; t.Before(c) {
		return c
	}
	return t
}

// SignAt returns an ASCII-armored detached signature of message dated t (or the
// key's creation, if later). With the team's Ed25519 key the signature is
// deterministic: the same message and date give the same bytes, so a published
// document's .asc never changes between requests.
func (k *Key) SignAt(message []byte, t time.Time) ([]byte, error) {
	at := k.at(t)
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, k.entity, bytes.NewReader(message), fixedConfig(at)); err != nil {
		return nil, fmt.Errorf("pgpkey: sign: %w", err)
	}
	return buf.Bytes(), nil
}

// ClearSign returns message as an OpenPGP cleartext signed message (RFC 9580
// section 7), dated t (or the key's creation, if later), as RFC 9116 section
// 2.3 wants of a signed security.txt.
func (k *Key) ClearSign(message []byte, t time.Time) ([]byte, error) {
	at := k.at(t)
	sk, ok := k.entity.SigningKey(at)
	if !ok || sk.PrivateKey == nil {
		return nil, errors.New("pgpkey: the team key has no usable signing key")
	}
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, sk.PrivateKey, fixedConfig(at))
	if err == nil {
		_, err = w.Write(message)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("pgpkey: clearsign: %w", err)
	}
	return buf.Bytes(), nil
}

// VerifyClearSigned checks a cleartext signed message made by the team key and
// returns the signed text.
func (k *Key) VerifyClearSigned(data []byte) ([]byte, error) {
	b, _ := clearsign.Decode(data)
	if b == nil {
		return nil, errors.New("pgpkey: not a cleartext signed message")
	}
	if _, err := b.VerifySignature(openpgp.EntityList{k.entity}, nil); err != nil {
		return nil, fmt.Errorf("pgpkey: the signature does not verify: %w", err)
	}
	return b.Plaintext, nil
}
