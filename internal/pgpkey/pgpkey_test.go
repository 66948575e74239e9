package pgpkey_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/oss-sirt/sirt/internal/pgpkey"
)

func newKey(t testing.TB, email string) *pgpkey.Key {
	t.Helper()
	k, err := pgpkey.Generate("OSS-SIRT test", email, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return k
}

func TestGenerateAndParseRoundTrip(t *testing.T) {
	k := newKey(t, "security@example.org")
	if fp := k.Fingerprint(); len(fp) != 40 || strings.ToUpper(fp) != fp {
		t.Fatalf("Fingerprint %q: want 40 upper-case hex digits", fp)
	}
	if got := k.UserID(); got != "OSS-SIRT test <security@example.org>" {
		t.Errorf("UserID = %q", got)
	}
	pub := k.PublicArmored()
	if !bytes.HasPrefix(pub, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		t.Fatalf("PublicArmored does not start with a public key armor header:\n%s", pub)
	}
	if bytes.Contains(pub, []byte("PRIVATE")) {
		t.Fatal("PublicArmored contains a private key block")
	}
	priv := k.PrivateArmored()
	if !bytes.HasPrefix(priv, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
		t.Fatalf("PrivateArmored does not start with a private key armor header")
	}

	k2, err := pgpkey.Parse(priv)
	if err != nil {
		t.Fatalf("Parse(PrivateArmored()): %v", err)
	}
	if k2.Fingerprint() != k.Fingerprint() {
		t.Fatalf("fingerprint after round trip %s, want %s", k2.Fingerprint(), k.Fingerprint())
	}
	// The re-imported key opens what was encrypted to the public half.
	recipient, err := pgpkey.ReadPublicKey(pub)
	if err != nil {
		t.Fatalf("ReadPublicKey: %v", err)
	}
	ct, err := pgpkey.Encrypt([]byte("hello finder"), nil, recipient)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	got, err := k2.Decrypt(bytes.NewReader(ct))
	if err != nil {
		t.Fatalf("Decrypt with re-imported key: %v", err)
	}
	if string(got) != "hello finder" {
		t.Fatalf("Decrypt = %q", got)
	}
}

func TestParseRejects(t *testing.T) {
	k := newKey(t, "security@example.org")
	for _, tc := range []struct {
		name, in, want string
	}{
		{"public only", string(k.PublicArmored()), "only a public key"},
		{"garbage", "hello", "neither an armored nor a binary"},
		{"wrong armor", "-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----\n", "not a key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgpkey.Parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParsePassphraseProtected(t *testing.T) {
	k := newKey(t, "security@example.org")
	// Lock a copy of the key the way gpg exports it.
	locked, err := pgpkey.Parse(k.PrivateArmored())
	if err != nil {
		t.Fatal(err)
	}
	le := locked.Entity()
	if err := le.EncryptPrivateKeys([]byte("correct horse"), nil); err != nil {
		t.Fatalf("EncryptPrivateKeys: %v", err)
	}
	var buf bytes.Buffer
	w, _ := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err := le.SerializePrivateWithoutSigning(w, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	armored := buf.Bytes()

	if _, err := pgpkey.Parse(armored); !errors.Is(err, pgpkey.ErrPassphraseNeeded) {
		t.Fatalf("Parse without passphrase: %v, want ErrPassphraseNeeded", err)
	}
	_, err = pgpkey.ParseWithPassphrase(armored, []byte("wrong"))
	if !errors.Is(err, pgpkey.ErrPassphraseNeeded) {
		t.Fatalf("wrong passphrase: %v, want ErrPassphraseNeeded", err)
	}
	if strings.Contains(err.Error(), "wrong") && strings.Contains(err.Error(), "correct horse") {
		t.Fatalf("error leaks a passphrase: %v", err)
	}
	k2, err := pgpkey.ParseWithPassphrase(armored, []byte("correct horse"))
	if err != nil {
		t.Fatalf("ParseWithPassphrase: %v", err)
	}
	if k2.Fingerprint() != k.Fingerprint() {
		t.Fatal("fingerprint changed")
	}
	// The unlocked key is saved without a passphrase and usable.
	if _, err := pgpkey.Parse(k2.PrivateArmored()); err != nil {
		t.Fatalf("Parse(unlocked.PrivateArmored()): %v", err)
	}
	if _, err := k2.Sign([]byte("x")); err != nil {
		t.Fatalf("Sign with unlocked key: %v", err)
	}
}

func TestDecryptArmoredAndBinary(t *testing.T) {
	k := newKey(t, "security@example.org")
	msg := []byte("report: path traversal in tar-lite 1.2.0\x00\xff binary bytes too")

	armored, err := pgpkey.Encrypt(msg, nil, k.Entity())
	if err != nil {
		t.Fatal(err)
	}
	var bin bytes.Buffer
	w, err := openpgp.Encrypt(&bin, []*openpgp.Entity{k.Entity()}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(msg)
	w.Close()

	for name, ct := range map[string][]byte{"armored": armored, "binary": bin.Bytes(), "armored with leading blank lines": append([]byte("\r\n\n"), armored...)} {
		t.Run(name, func(t *testing.T) {
			d, err := k.DecryptMessage(bytes.NewReader(ct), 1<<20)
			if err != nil {
				t.Fatalf("DecryptMessage: %v", err)
			}
			if !bytes.Equal(d.Plaintext, msg) {
				t.Fatalf("plaintext %q, want %q", d.Plaintext, msg)
			}
			if !d.Encrypted || d.Signed {
				t.Fatalf("Encrypted=%v Signed=%v, want true false", d.Encrypted, d.Signed)
			}
		})
	}
}

func TestDecryptSignedBySender(t *testing.T) {
	team := newKey(t, "security@example.org")
	finder := newKey(t, "ada@example.org")
	ct, err := finder.Encrypt([]byte("signed report"), team.Entity())
	if err != nil {
		t.Fatal(err)
	}
	d, err := team.DecryptMessage(bytes.NewReader(ct), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Plaintext) != "signed report" || !d.Signed || d.Verified {
		t.Fatalf("got %q signed=%v verified=%v; want signed by an unknown key, not verified", d.Plaintext, d.Signed, d.Verified)
	}
	if d.SignerKeyID != finder.Entity().PrimaryKey.KeyId {
		t.Fatalf("SignerKeyID %X, want finder's %X", d.SignerKeyID, finder.Entity().PrimaryKey.KeyId)
	}

	// Signed by the team key itself: verified.
	self, err := team.Encrypt([]byte("note to self"), team.Entity())
	if err != nil {
		t.Fatal(err)
	}
	d, err = team.DecryptMessage(bytes.NewReader(self), 1<<20)
	if err != nil || !d.Verified {
		t.Fatalf("self-signed: verified=%v err=%v", d != nil && d.Verified, err)
	}
}

func TestDecryptForAnotherKey(t *testing.T) {
	team := newKey(t, "security@example.org")
	other := newKey(t, "someone@example.net")
	ct, err := pgpkey.Encrypt([]byte("secret"), nil, other.Entity())
	if err != nil {
		t.Fatal(err)
	}
	_, err = team.Decrypt(bytes.NewReader(ct))
	if !errors.Is(err, pgpkey.ErrNotForKey) {
		t.Fatalf("Decrypt: %v, want ErrNotForKey", err)
	}
	var nf *pgpkey.NotForKeyError
	if !errors.As(err, &nf) || len(nf.KeyIDs) != 1 {
		t.Fatalf("want a *NotForKeyError with one key id, got %#v", err)
	}
	sub, _ := other.Entity().EncryptionKey(time.Now())
	if nf.KeyIDs[0] != sub.PublicKey.KeyId {
		t.Fatalf("key id %X, want other's encryption subkey %X", nf.KeyIDs[0], sub.PublicKey.KeyId)
	}
	if !strings.Contains(err.Error(), "not the team key") || !strings.Contains(err.Error(), sub.PublicKey.KeyIdString()) {
		t.Fatalf("error %q should say it is not the team key and name %s", err, sub.PublicKey.KeyIdString())
	}
}

func TestDecryptDamaged(t *testing.T) {
	k := newKey(t, "security@example.org")
	for name, in := range map[string][]byte{
		"empty":          nil,
		"not pgp":        []byte("hello world"),
		"signature type": []byte("-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n"),
	} {
		if _, err := k.Decrypt(bytes.NewReader(in)); err == nil {
			t.Errorf("%s: Decrypt succeeded", name)
		}
	}
	// A flipped bit in the ciphertext body fails the integrity check.
	var bin bytes.Buffer
	w, _ := openpgp.Encrypt(&bin, []*openpgp.Entity{k.Entity()}, nil, nil, nil)
	w.Write(bytes.Repeat([]byte("A"), 4096))
	w.Close()
	b := bin.Bytes()
	b[len(b)-100] ^= 0x01
	if _, err := k.Decrypt(bytes.NewReader(b)); err == nil {
		t.Fatal("Decrypt of tampered ciphertext succeeded")
	}
}

func TestDecryptPlaintextLimit(t *testing.T) {
	k := newKey(t, "security@example.org")
	// 8 MiB of zeros compresses to a few KiB: a small compression bomb.
	// GnuPG senders compress whatever our key advertises; make a copy of the
	// recipient that advertises ZLIB so go-crypto compresses too.
	rcpt, err := pgpkey.ReadPublicKey(k.PublicArmored())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rcpt.Identities {
		id.SelfSignature.PreferredCompression = append(id.SelfSignature.PreferredCompression, uint8(packet.CompressionZLIB))
	}
	var bin bytes.Buffer
	cfg := &packet.Config{DefaultCompressionAlgo: packet.CompressionZLIB, CompressionConfig: &packet.CompressionConfig{Level: 9}}
	w, err := openpgp.Encrypt(&bin, []*openpgp.Entity{rcpt}, nil, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 8<<20))
	w.Close()
	if bin.Len() > 1<<20 {
		t.Fatalf("ciphertext %d bytes: compression did not happen; the test proves nothing", bin.Len())
	}
	_, err = k.DecryptMessage(bytes.NewReader(bin.Bytes()), 1<<20)
	if err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Fatalf("DecryptMessage over budget: %v, want a limit error", err)
	}
}

func TestSignVerify(t *testing.T) {
	k := newKey(t, "security@example.org")
	other := newKey(t, "x@example.net")
	msg := []byte("Content-Type: text/plain\r\n\r\nhello\r\n")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Fatalf("signature is not armored:\n%s", sig)
	}
	if err := k.Verify(msg, sig); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	pub, _ := pgpkey.ReadPublicKey(k.PublicArmored())
	if signer, err := pgpkey.Verify(msg, sig, other.Entity(), pub); err != nil || signer.PrimaryKey.KeyId != pub.PrimaryKey.KeyId {
		t.Fatalf("Verify with public key list: signer %v err %v", signer, err)
	}
	if err := k.Verify(append([]byte{}, append(msg, '!')...), sig); err == nil {
		t.Fatal("Verify accepted an altered message")
	}
	if err := other.Verify(msg, sig); err == nil || !strings.Contains(err.Error(), "key we do not have") {
		t.Fatalf("Verify with the wrong key: %v", err)
	}
}

func TestEncryptErrors(t *testing.T) {
	k := newKey(t, "security@example.org")
	if _, err := pgpkey.Encrypt([]byte("x"), k); err == nil {
		t.Fatal("Encrypt with no recipients succeeded")
	}
	// A key that expired cannot be encrypted to.
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, KeyLifetimeSecs: 60, Time: func() time.Time { return time.Now().Add(-time.Hour) }}
	expired, err := openpgp.NewEntity("old", "", "old@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgpkey.Encrypt([]byte("x"), k, expired); err == nil || !strings.Contains(err.Error(), "no usable encryption subkey") {
		t.Fatalf("Encrypt to an expired key: %v", err)
	}
	var buf bytes.Buffer
	w, _ := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	expired.Serialize(w)
	w.Close()
	if _, err := pgpkey.ReadPublicKey(buf.Bytes()); err == nil {
		t.Fatal("ReadPublicKey accepted an expired key")
	}
}

func TestGenerateRejectsBadIdentity(t *testing.T) {
	for _, tc := range [][2]string{{"a <b>", "s@example.org"}, {"ok", "not-an-address"}, {"ok", ""}} {
		if _, err := pgpkey.Generate(tc[0], tc[1], time.Now()); err == nil {
			t.Errorf("Generate(%q, %q) succeeded", tc[0], tc[1])
		}
	}
}

func TestGenerateInTheFuture(t *testing.T) {
	// A test clock ahead of the wall clock must not make the key unusable.
	k, err := pgpkey.Generate("T", "t@example.org", time.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := k.Encrypt([]byte("x"), k.Entity())
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if _, err := k.Decrypt(bytes.NewReader(ct)); err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, err := pgpkey.Load(dir); !errors.Is(err, pgpkey.ErrNoKey) {
		t.Fatalf("Load of a missing dir: %v, want ErrNoKey", err)
	}
	k := newKey(t, "security@example.org")
	if err := k.Save(dir); err != nil {
		t.Fatalf("Save: %v", err)
	}
	for _, name := range []string{pgpkey.PrivateKeyFile, pgpkey.PublicKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %04o, want 0600", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir holds %d entries, want 2 (no temp files left)", len(entries))
	}
	k2, err := pgpkey.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if k2.Fingerprint() != k.Fingerprint() {
		t.Fatal("Load returned another key")
	}
	pub, _ := os.ReadFile(filepath.Join(dir, pgpkey.PublicKeyFile))
	if !bytes.Equal(pub, k.PublicArmored()) {
		t.Error("public key file differs from PublicArmored")
	}

	// Replacing the key (sirt keys generate) overwrites in place.
	k3 := newKey(t, "security@example.org")
	if err := k3.Save(dir); err != nil {
		t.Fatal(err)
	}
	if k4, err := pgpkey.Load(dir); err != nil || k4.Fingerprint() != k3.Fingerprint() {
		t.Fatalf("after replacing: %v", err)
	}
}

func TestLoadRefusesReadableKeyAndHidesContent(t *testing.T) {
	dir := t.TempDir()
	k := newKey(t, "security@example.org")
	if err := k.Save(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, pgpkey.PrivateKeyFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pgpkey.Load(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Load of a world-readable key: %v", err)
	}
	// A corrupt key file: the error must not quote the file.
	secret := "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nc2VjcmV0IGtleSBtYXRlcmlhbA==\n-----END PGP PRIVATE KEY BLOCK-----\n"
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pgpkey.Load(dir)
	if err == nil {
		t.Fatal("Load of a corrupt key succeeded")
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("error quotes the key file: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	k := newKey(t, "security@example.org")
	ct, err := k.Encrypt([]byte("concurrent"), k.Entity())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if got, err := k.Decrypt(bytes.NewReader(ct)); err != nil || string(got) != "concurrent" {
					t.Errorf("Decrypt: %q %v", got, err)
				}
				if _, err := k.Sign([]byte("x")); err != nil {
					t.Errorf("Sign: %v", err)
				}
				_ = k.PublicArmored()
			}
		})
	}
	wg.Wait()
}

func TestSignAtDeterministicAndClearSign(t *testing.T) {
	k := newKey(t, "security@example.org")
	msg := []byte("{\"document\":{}}\n")
	at := k.Created().Add(time.Hour)
	a, err := k.SignAt(msg, at)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.SignAt(msg, at)
	if !bytes.Equal(a, b) {
		t.Errorf("two signatures of one message at one time differ")
	}
	if err := k.Verify(msg, a); err != nil {
		t.Error(err)
	}
	if err := k.Verify([]byte("other"), a); err == nil {
		t.Error("a signature of another message verifies")
	}
	if _, err := k.SignAt(msg, k.Created().Add(-time.Hour)); err != nil {
		t.Errorf("a date before the key's creation: %v", err)
	}
	txt := []byte("Contact: mailto:security@example.org\n- a line starting with a dash\n")
	cs, err := k.ClearSign(txt, at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(cs, []byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n")) {
		t.Errorf("clearsigned:\n%s", cs)
	}
	got, err := k.VerifyClearSigned(cs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimRight(got, "\n"), bytes.TrimRight(txt, "\n")) {
		t.Errorf("signed text %q, want %q", got, txt)
	}
	tampered := bytes.Replace(cs, []byte("security@"), []byte("attacker@"), 1)
	if _, err := k.VerifyClearSigned(tampered); err == nil {
		t.Error("a tampered message verifies")
	}
}
