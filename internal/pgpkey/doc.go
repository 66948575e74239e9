// Package pgpkey holds the team's OpenPGP key: the one finders encrypt their
// reports to and the one sirt signs its outgoing mail with.
//
// A Key is created once (Generate, or Parse of an imported secret key), saved
// to a directory with Save and read back on every start with Load. Load
// returns ErrNoKey when the directory holds no key yet, which is the cue for
// `sirt serve` to generate one.
//
//	k, err := pgpkey.Load(dir)
//	if errors.Is(err, pgpkey.ErrNoKey) {
//		k, err = pgpkey.Generate("OSS-SIRT", "security@example.org", time.Now())
//		if err == nil {
//			err = k.Save(dir)
//		}
//	}
//
// Generated keys are version 4 Ed25519 signing keys with a Curve25519
// encryption subkey: fast to create (tests make one per test) and readable by
// GnuPG, Thunderbird, Mailvelope and every other current OpenPGP tool.
//
// Inbound, Decrypt and DecryptMessage open binary or ASCII-armored messages
// addressed to the team key; a message for some other key fails with an
// error that errors.Is ErrNotForKey and names the key ids it was for.
// Outbound, Encrypt encrypts to one or more recipients' public keys (read
// with ReadPublicKey) and Sign makes detached signatures, the two building
// blocks of PGP/MIME (RFC 3156).
//
// The private key never appears in an error or a log line; PrivateArmored is
// the only way out and exists for backups and Save.
package pgpkey
