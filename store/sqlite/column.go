package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// How documents and their fields are put into columns.

// setRevision overwrites the revision of an encoded document in place: a
// document encoded before its write took a revision gets it without being
// encoded again.
func setRevision(doc []byte, rev int64) error {
	v, err := bson.Raw(doc).LookupErr("revision")
	if err != nil {
		return fmt.Errorf("set revision: %w", err)
	}
	if v.Type != bson.TypeInt64 || len(v.Value) != 8 {
		return fmt.Errorf("set revision: stored as %s", v.Type)
	}
	binary.LittleEndian.PutUint64(v.Value, uint64(rev))
	return nil
}

// uniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure, and which columns it names ("requests.ref"). SQLite
// names the columns, never the values, so the message holds no personal
// data.
func uniqueViolation(err error) (columns string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
	default:
		return "", false
	}
	msg := se.Error()
	const prefix = "UNIQUE constraint failed: "
	i := strings.Index(msg, prefix)
	if i < 0 {
		return "", true
	}
	columns = msg[i+len(prefix):]
	if j := strings.LastIndex(columns, " ("); j >= 0 {
		columns = columns[:j]
	}
	return columns, true
}

// nullString stores an empty string as NULL, for optional unique columns.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// millis is how times are stored in columns: Unix milliseconds, the
// precision BSON keeps.
func millis(t time.Time) int64 { return t.UnixMilli() }

// nullMillis stores a missing time as NULL.
func nullMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// boolInt stores a bool in a STRICT INTEGER column.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
