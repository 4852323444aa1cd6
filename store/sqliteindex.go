package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, registered as "sqlite"
)

// indexIDLookups makes FerretDB v1.24 find documents by _id through an
// index. Its SQLite backend keeps each collection in a table of JSON
// documents and indexes _id as _ferretdb_sjson->"_id", but it looks
// documents up (find, update, delete and findAndModify by _id) with
// _ferretdb_sjson->'$._id'. SQLite only uses an index on an expression for
// the very same expression, so each of those lookups scanned the table and
// parsed every document in it: with a thousand requests, reading or
// updating one cost tens of milliseconds. This adds an index on the
// expression FerretDB queries with to every table of the database file.
//
// FerretDB knows nothing of these indexes and does not need to: SQLite
// maintains them, and drops them with their table. They are not unique
// (FerretDB's own index keeps _id unique). The file is only touched while
// FerretDB runs in this process, which holds the data directory's lock.
func indexIDLookups(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("index _id lookups: %w", err)
	}
	// mode=rw: never create a file FerretDB did not make.
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(file),
		RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("index _id lookups: %w", err)
	}
	defer db.Close()
	tables, err := ferretTables(ctx, db)
	if err != nil {
		return fmt.Errorf("index _id lookups: %w", err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`,
			sqlIdent(t+idLookupSuffix), sqlIdent(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id lookups of %s: %w", t, err)
		}
	}
	return nil
}

// idLookupSuffix ends the names of the indexes indexIDLookups makes; no
// name FerretDB gives an index ends like this.
const idLookupSuffix = "__wijkhelpt_id_lookup"

// ferretTables lists the tables FerretDB keeps the collections in.
func ferretTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no collections")
	}
	return out, nil
}

// sqlIdent quotes an SQL identifier.
func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
