package pgpkey

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// DefaultMaxPlaintext bounds what Decrypt will produce. OpenPGP messages may
// be compressed, so a small message can expand enormously; a caller with a
// tighter budget uses DecryptMessage.
const DefaultMaxPlaintext = 64 << 20

// ErrPlaintextTooLarge is returned (wrapped) when a decrypted message is
// larger than the caller's budget.
var ErrPlaintextTooLarge = errors.New("pgpkey: the decrypted message is larger than the limit")

// NotForKeyError is returned when a message was encrypted only to other keys
// than the team key. errors.Is(err, ErrNotForKey) holds for it.
type NotForKeyError struct {
	// KeyIDs are the recipient key ids named in the message (a zero id is an
	// anonymous recipient). Empty for a message encrypted with a passphrase.
	KeyIDs []uint64
}

func (e *NotForKeyError) Error() string {
	if len(e.KeyIDs) == 0 {
		return "pgpkey: message is encrypted with a passphrase or for no known key, not for the team key"
	}
	ids := make([]string, len(e.KeyIDs))
	for i, id := range e.KeyIDs {
		ids[i] = keyID(id)
	}
	return fmt.Sprintf("pgpkey: message is encrypted for a key that is not the team key (key id %s); ask the sender to encrypt to the published team key", strings.Join(ids, ", "))
}

// Is makes errors.Is(err, ErrNotForKey) work.
func (e *NotForKeyError) Is(target error) bool { return target == ErrNotForKey }

// Decrypted is an opened OpenPGP message.
type Decrypted struct {
	Plaintext []byte
	// Encrypted is false for a message that was only signed or only
	// literal data (DecryptMessage accepts those too).
	Encrypted bool
	// Signed reports that the message carried a signature. Whether it is
	// good can only be known with the signer's public key: see SignerKeyID
	// and Verified.
	Signed bool
	// SignerKeyID is the key id of the signature's issuer (0 if unsigned).
	SignerKeyID uint64
	// Verified is true when the signature was made by the team key itself
	// and checked good (in practice: mail sirt sent to itself).
	Verified bool
	// FileName is the literal data's file name hint, if the sender set one.
	FileName string
}

// Decrypt opens a binary or ASCII-armored OpenPGP message encrypted for the
// team key and returns its plaintext, at most DefaultMaxPlaintext bytes.
func (k *Key) Decrypt(r io.Reader) ([]byte, error) {
	d, err := k.DecryptMessage(r, DefaultMaxPlaintext)
	if err != nil {
		return nil, err
	}
	return d.Plaintext, nil
}

// DecryptMessage is Decrypt with details and a plaintext budget: a message
// whose plaintext exceeds maxPlaintext bytes is an error (it guards against
// compression bombs).
func (k *Key) DecryptMessage(r io.Reader, maxPlaintext int64) (*Decrypted, error) {
	// Buffer the input (it is bounded by the caller's message limits) so
	// a failed decryption can be re-read to name the intended keys.
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: read message: %w", err)
	}
	bin, err := dearmor(data, openpgp.MessageType)
	if err != nil {
		return nil, err
	}
	md, err := openpgp.ReadMessage(bytes.NewReader(bin), openpgp.EntityList{k.entity}, nil, k.config())
	if err != nil {
		if errors.Is(err, pgperrors.ErrKeyIncorrect) {
			return nil, &NotForKeyError{KeyIDs: recipientKeyIDs(bin)}
		}
		return nil, fmt.Errorf("pgpkey: the message is not a readable OpenPGP message: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, maxPlaintext+1))
	if err != nil {
		// Integrity (MDC/AEAD) failures surface here: the ciphertext was
		// altered or truncated.
		return nil, fmt.Errorf("pgpkey: the message is damaged or was tampered with: %w", err)
	}
	if int64(len(plain)) > maxPlaintext {
		return nil, fmt.Errorf("%w of %d bytes", ErrPlaintextTooLarge, maxPlaintext)
	}
	d := &Decrypted{
		Plaintext:   plain,
		Encrypted:   md.IsEncrypted,
		Signed:      md.IsSigned,
		SignerKeyID: md.SignedByKeyId,
	}
	if md.LiteralData != nil {
		d.FileName = md.LiteralData.FileName
	}
	if md.IsSigned && md.SignedBy != nil {
		if md.SignatureError != nil {
			return nil, fmt.Errorf("pgpkey: the message claims a signature by the team key that does not verify: %w", md.SignatureError)
		}
		d.Verified = true
	}
	return d, nil
}

// dearmor returns the binary body of armored data of the wanted type, or
// data itself when it is not armored.
func dearmor(data []byte, wantType string) ([]byte, error) {
	if !isArmored(data) {
		return data, nil
	}
	block, err := armor.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("pgpkey: the ASCII armor is damaged: %w", err)
	}
	if block.Type != wantType {
		return nil, fmt.Errorf("pgpkey: the armored block is a %q, not a %q", block.Type, wantType)
	}
	bin, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: the ASCII armor is damaged: %w", err)
	}
	return bin, nil
}

// recipientKeyIDs lists the public-key recipients at the head of a binary
// OpenPGP message.
func recipientKeyIDs(bin []byte) []uint64 {
	var ids []uint64
	pr := packet.NewReader(bytes.NewReader(bin))
	for range 64 { // a message with more recipients than this is not ours to describe
		p, err := pr.Next()
		if err != nil {
			break
		}
		ek, ok := p.(*packet.EncryptedKey)
		if !ok {
			break
		}
		ids = append(ids, ek.KeyId)
	}
	return ids
}

// Encrypt encrypts plaintext to every recipient, signs it with the team key,
// and returns an ASCII-armored message (what PGP/MIME carries).
func (k *Key) Encrypt(plaintext []byte, recipients ...*openpgp.Entity) ([]byte, error) {
	return Encrypt(plaintext, k, recipients...)
}

// Encrypt encrypts plaintext to every recipient (at least one), signed by
// signer unless it is nil, and returns an ASCII-armored message. Recipients'
// keys come from ReadPublicKey; a recipient whose key has no usable
// encryption subkey is an error naming the key.
func Encrypt(plaintext []byte, signer *Key, recipients ...*openpgp.Entity) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("pgpkey: encrypt: no recipients")
	}
	cfg := config(nil)
	var signEntity *openpgp.Entity
	if signer != nil {
		signEntity = signer.entity
		cfg = signer.config()
	}
	for _, r := range recipients {
		if r == nil {
			return nil, errors.New("pgpkey: encrypt: nil recipient key")
		}
		if _, ok := r.EncryptionKey(cfg.Now()); !ok {
			return nil, fmt.Errorf("pgpkey: encrypt: recipient key %X has no usable encryption subkey (expired, revoked or sign-only)", r.PrimaryKey.Fingerprint)
		}
	}
	var buf bytes.Buffer
	aw, err := armor.Encode(&buf, openpgp.MessageType, nil)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: encrypt: %w", err)
	}
	pw, err := openpgp.Encrypt(aw, recipients, signEntity, &openpgp.FileHints{IsBinary: true}, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: encrypt: %w", err)
	}
	if _, err := pw.Write(plaintext); err != nil {
		return nil, fmt.Errorf("pgpkey: encrypt: %w", err)
	}
	if err := pw.Close(); err != nil {
		return nil, fmt.Errorf("pgpkey: encrypt: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("pgpkey: encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// Sign returns an ASCII-armored detached binary signature of message by the
// team key, with SHA-256 (PGP/MIME micalg "pgp-sha256").
func (k *Key) Sign(message []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, k.entity, bytes.NewReader(message), k.config()); err != nil {
		return nil, fmt.Errorf("pgpkey: sign: %w", err)
	}
	return buf.Bytes(), nil
}

// Verify checks a detached signature (armored or binary) of message made by
// the team key.
func (k *Key) Verify(message, signature []byte) error {
	_, err := Verify(message, signature, k.entity)
	return err
}

// Verify checks a detached signature (armored or binary) of message against
// the given public keys and returns the key that made it.
func Verify(message, signature []byte, keys ...*openpgp.Entity) (*openpgp.Entity, error) {
	bin, err := dearmor(signature, openpgp.SignatureType)
	if err != nil {
		return nil, err
	}
	_, signer, err := openpgp.VerifyDetachedSignature(openpgp.EntityList(keys), bytes.NewReader(message), bytes.NewReader(bin), nil)
	if err != nil {
		if errors.Is(err, pgperrors.ErrUnknownIssuer) {
			return nil, errors.New("pgpkey: the signature was made by a key we do not have")
		}
		return nil, fmt.Errorf("pgpkey: the signature does not verify: %w", err)
	}
	return signer, nil
}

// SignatureHash returns the name of the hash algorithm a detached signature
// (armored or binary) was made with, lower-case as PGP/MIME's micalg
// parameter wants it after "pgp-": "sha256", "sha512", …
func SignatureHash(signature []byte) (string, error) {
	bin, err := dearmor(signature, openpgp.SignatureType)
	if err != nil {
		return "", err
	}
	p, err := packet.Read(bytes.NewReader(bin))
	if err != nil {
		return "", fmt.Errorf("pgpkey: read signature: %w", err)
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return "", errors.New("pgpkey: the data is not a signature")
	}
	switch sig.Hash {
	case crypto.SHA1:
		return "sha1", nil
	case crypto.SHA224:
		return "sha224", nil
	case crypto.SHA256:
		return "sha256", nil
	case crypto.SHA384:
		return "sha384", nil
	case crypto.SHA512:
		return "sha512", nil
	case crypto.SHA3_256:
		return "sha3-256", nil
	case crypto.SHA3_512:
		return "sha3-512", nil
	}
	return "", fmt.Errorf("pgpkey: signature uses an unknown hash algorithm %v", sig.Hash)
}
