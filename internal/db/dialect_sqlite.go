package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent snapshot of a live SQLite database to file with
// VACUUM INTO, which reads inside one transaction while writers go on. PostgreSQL is
// backed up with pg_dump; see docs/operations.md.
//
// The backup holds everything the database does (the team's key, server secrets,
// embargoed reports), so it is made readable by its owner only (0600): written inside a
// private (0700) temporary directory next to file, tightened, then linked into place, so
// at no moment can anyone else open it. An existing file is never overwritten.
func (d *DB) Backup(ctx context.Context, file string) error {
	if d.dialect != SQLite {
		return errors.New("db: backup of PostgreSQL is pg_dump's job (see docs/operations.md): pg_dump -Fc -f sirt.dump \"$SIRT_DB\"")
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("db: backup target %s exists; choose a new file name", file)
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(file), ".sirt-backup-*")
	if err != nil {
		return fmt.Errorf("db: backup to %s: %w", file, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "backup.db")
	if _, err := d.write.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("db: backup to %s: %w", file, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("db: backup to %s: %w", file, err)
	}
	if f, err := os.Open(tmp); err == nil {
		_ = f.Sync()
		f.Close()
	}
	// Link fails when file appeared meanwhile (no overwrite); rename where links are
	// not supported.
	if err := os.Link(tmp, file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("db: backup target %s exists; choose a new file name", file)
		}
		if err := os.Rename(tmp, file); err != nil {
			return fmt.Errorf("db: backup to %s: %w", file, err)
		}
	}
	return nil
}

// privateFiles makes the SQLite database readable by its owner only: a new file is
// created with mode 0600 (SQLite gives its -wal and -shm files the database file's
// mode), and group or other access is taken away from an existing one.
func privateFiles(path string) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(p, fi.Mode().Perm()&0o700)
		}
	}
}
