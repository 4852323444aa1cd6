package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
)

// Reads go to the read pool, through statements kept by query text.

// read returns the prepared statement for query on the read pool,
// preparing it the first time. (modernc.org/sqlite v1.31 still compiles
// the SQL on every run of a statement; keeping the statement saves
// database/sql's part now, and SQLite's once the driver keeps them.)
func (db *DB) read(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.rstmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.rpool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.rstmts.LoadOrStore(query, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// findDoc reads the one document query finds; found is false when there is
// none.
func (db *DB) findDoc(ctx context.Context, query string, args ...any) (doc []byte, found bool, err error) {
	s, err := db.read(ctx, query)
	if err != nil {
		return nil, false, err
	}
	err = s.QueryRowContext(ctx, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return doc, true, nil
}

// findOne decodes the one document query finds into a new T. A missing
// document is wijkhelpt.NotFound(noun).
func findOne[T any](ctx context.Context, db *DB, noun wijkhelpt.Text, query string, args ...any) (*T, error) {
	doc, found, err := db.findDoc(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, wijkhelpt.NotFound(noun)
	}
	return decode[T](doc)
}

// findAll decodes every document query finds, in its order.
func findAll[T any](ctx context.Context, db *DB, query string, args ...any) ([]*T, error) {
	s, err := db.read(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return decodeRows[T](rows)
}

// decodeRows decodes the documents of rows, each a single doc column, and
// closes rows.
func decodeRows[T any](rows *sql.Rows) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		var doc sql.RawBytes
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		v, err := decode[T](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// decode decodes a stored document into a new T.
func decode[T any](doc []byte) (*T, error) {
	v := new(T)
	if err := bson.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return v, nil
}

// count runs a SELECT count(*) query on the read pool.
func (db *DB) count(ctx context.Context, query string) (int64, error) {
	s, err := db.read(ctx, query)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.QueryRowContext(ctx).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}
