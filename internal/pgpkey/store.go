package pgpkey

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File names inside a key directory.
const (
	PrivateKeyFile = "team-key.asc"     // the secret key, mode 0600
	PublicKeyFile  = "team-key.pub.asc" // the public key, for reference; Load ignores it
)

// Load reads the team key from dir. It returns ErrNoKey (wrapped with the
// path) when dir or its key file does not exist, and refuses a key file that
// other users may read, as ssh does.
func Load(dir string) (*Key, error) {
	path := filepath.Join(dir, PrivateKeyFile)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (looked for %s)", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("pgpkey: load: %w", err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return nil, fmt.Errorf("pgpkey: %s is accessible to other users (mode %04o); run chmod 600 on it", path, mode)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: load: %w", err)
	}
	k, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("pgpkey: load %s: %w", path, err)
	}
	return k, nil
}

// Save writes the secret and public key files into dir (created with mode
// 0700 if missing), each with mode 0600. Each file is replaced atomically, so
// a crash leaves either the old or the new key, never half of one.
func (k *Key) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgpkey: save: %w", err)
	}
	// Public first: if we crash between the two, Load still finds the old
	// secret key, and the public file is only a convenience copy.
	if err := writeFileAtomic(filepath.Join(dir, PublicKeyFile), k.PublicArmored()); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, PrivateKeyFile), k.PrivateArmored())
}

func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("pgpkey: save: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file 0600 already; be explicit since it matters.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("pgpkey: save %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("pgpkey: save %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("pgpkey: save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pgpkey: save %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("pgpkey: save %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // make the rename durable; not all platforms support it
		d.Close()
	}
	return nil
}
