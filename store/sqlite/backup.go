package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to a new file at path,
// while the store goes on serving: VACUUM INTO reads one snapshot, as any
// reader does, so writes neither wait for it nor get into the copy. It
// refuses to overwrite an existing file. The copy is a complete database:
// to restore, stop the service and put it in the data directory as
// FileName.
func (db *DB) Backup(ctx context.Context, path string) error {
	return vacuumInto(ctx, db.path, path)
}

// Backup copies the store in the data directory dir to a new file at
// dest, as DB.Backup does, from outside the process that has the store
// open (or while none has): it takes no lock, because SQLite lets readers
// in other processes read next to the writer.
func Backup(ctx context.Context, dir, dest string) error {
	src := filepath.Join(dir, FileName)
	if _, err := os.Stat(src); err != nil {
		// Never make an empty database where none was.
		return fmt.Errorf("store: backup of %s: %w", src, err)
	}
	return vacuumInto(ctx, src, dest)
}

// vacuumInto copies the database file src to the new file dest.
func vacuumInto(ctx context.Context, src, dest string) (err error) {
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("store: backup to %s: the file exists already", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	// A connection of its own: the read pool's are query-only, which
	// VACUUM INTO refuses even though it writes only the new file. The
	// copy is written with this connection's synchronous=FULL.
	conn, err := sql.Open("sqlite", dsn(src, basePragmas...))
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("store: backup to %s: %w", dest, cerr)
		}
	}()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	return nil
}
