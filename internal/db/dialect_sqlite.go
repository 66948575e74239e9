package db

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent snapshot of a live SQLite database to file with
// VACUUM INTO, which reads inside one transaction while writers go on. PostgreSQL is
// backed up with pg_dump; see docs/operations.md.
func (d *DB) Backup(ctx context.Context, file string) error {
	if d.dialect != SQLite {
		return errors.New("db: backup of PostgreSQL is pg_dump's job (see docs/operations.md): pg_dump -Fc -f sirt.dump \"$SIRT_DB\"")
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("db: backup target %s exists; choose a new file name", file)
	}
	if _, err := d.write.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		return fmt.Errorf("db: backup to %s: %w", file, err)
	}
	return nil
}
