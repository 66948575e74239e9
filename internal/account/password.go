package account

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// ArgonParams are argon2id cost parameters.
type ArgonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon follows OWASP's argon2id guidance (19 MiB, 2 passes, 1 lane).
var DefaultArgon = ArgonParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// HashPassword returns an encoded argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func HashPassword(pw string, p ArgonParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the encoded hash.
func CheckPassword(pw, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p ArgonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return equalConstant(string(got), string(want))
}

// dummyHash is checked against when the email is unknown, so a sign-in attempt takes the
// same time whether or not the account exists.
var dummyHash, _ = HashPassword("not a real password, only for timing", DefaultArgon)

// minScore is the zxcvbn score a new password needs: 3 means "safely unguessable:
// moderate protection from an offline attack" (more than 10⁸ guesses).
const minScore = 3

// weakPassword returns why pw is easy to guess ("" when it is not), by the zxcvbn
// strength estimator: common passwords, dictionary words, names, keyboard walks,
// repeats (aaaaaaaaaaaa) and sequences (123456789012), and the user's own email
// address or name.
func weakPassword(pw string, userInputs ...string) string {
	// The estimator's work grows with length; a password this long that starts with
	// 64 strong characters is strong.
	head := []rune(pw)
	if len(head) > 64 {
		head = head[:64]
	}
	var inputs []string
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		inputs = append(inputs, in)
		if local, domain, ok := strings.Cut(in, "@"); ok {
			inputs = append(inputs, local, strings.Split(domain, ".")[0])
		}
		inputs = append(inputs, strings.Fields(in)...)
	}
	r := zxcvbn.PasswordStrength(string(head), inputs)
	if r.Score >= minScore {
		return ""
	}
	return "is too easy to guess (a common password, a repeated or sequential pattern, or your own name or address): use a passphrase of a few unrelated words"
}
