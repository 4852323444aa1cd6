package sqlite

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

const (
	insertUserSQL = `INSERT INTO users (id, email, revision, doc) VALUES (?1, ?2, ?3, ?4)`
	updateUserSQL = `UPDATE users SET email = ?2, revision = ?3, doc = ?4 WHERE id = ?1`
)

func userArgs(u *wijkhelpt.User, doc []byte) []any { return []any{u.ID, u.Email, u.Revision, doc} }

// CreateUser stores a new account. It lower-cases u.Email and sets u's ID
// and times (when empty), revision and schema version. An e-mail address
// that is taken gives a conflict error for the field "email".
func (db *DB) CreateUser(ctx context.Context, u *wijkhelpt.User) error {
	if u == nil {
		return errors.New("store: create user: nil user")
	}
	if u.ID == "" {
		u.ID = wijkhelpt.NewID()
	}
	u.Email = store.NormalizeEmail(u.Email)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.SchemaVersion = wijkhelpt.SchemaVersion
	d := *u
	err := db.write(ctx, "create user "+u.ID, func(t *tx) (store.Change, error) {
		d.Revision = t.nextRevision()
		raw, err := bson.Marshal(&d)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: create user %s: %w", d.ID, err)
		}
		_, err = t.exec(insertUserSQL, userArgs(&d, raw)...)
		if cols, dup := uniqueViolation(err); dup {
			if cols == "users.email" {
				return store.Change{}, fmt.Errorf("store: create user %s: %w", d.ID, store.EmailTaken())
			}
			return store.Change{}, fmt.Errorf("store: create user %s: %w", d.ID, store.UserExists())
		}
		if err != nil {
			return store.Change{}, fmt.Errorf("store: create user %s: %w", d.ID, err)
		}
		return store.Change{}, nil
	})
	if err != nil {
		return err
	}
	u.Revision = d.Revision
	return nil
}

// FindUser returns the account with the given ID.
func (db *DB) FindUser(ctx context.Context, id string) (*wijkhelpt.User, error) {
	u, err := findOne[wijkhelpt.User](ctx, db, store.UserNoun(), `SELECT doc FROM users WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("store: find user %s: %w", id, err)
	}
	return u, nil
}

// FindUserByEmail returns the account with the given e-mail address, in any
// letter case.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*wijkhelpt.User, error) {
	u, err := findOne[wijkhelpt.User](ctx, db, store.UserNoun(), `SELECT doc FROM users WHERE email = ?`,
		store.NormalizeEmail(email))
	if err != nil {
		return nil, fmt.Errorf("store: find user by email: %w", err)
	}
	return u, nil
}

// FindUsers returns every account, ordered by e-mail address. A desk has
// tens of accounts, not thousands.
func (db *DB) FindUsers(ctx context.Context) ([]*wijkhelpt.User, error) {
	out, err := findAll[wijkhelpt.User](ctx, db, `SELECT doc FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: find users: %w", err)
	}
	return out, nil
}

// UpdateUser changes an account with fn, atomically, as UpdateRequest does.
// Changing the e-mail address to one that is taken gives a conflict error
// for the field "email".
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(*wijkhelpt.User) error) (*wijkhelpt.User, error) {
	var stored []byte
	err := db.write(ctx, "update user "+id, func(t *tx) (store.Change, error) {
		next, err := load[wijkhelpt.User](t, "users", id, "update user "+id, store.UserNoun())
		if err != nil {
			return store.Change{}, err
		}
		oldUpdated := next.UpdatedAt
		if err := fn(next); err != nil {
			return store.Change{}, err
		}
		next.ID = id
		next.Email = store.NormalizeEmail(next.Email)
		if next.UpdatedAt.Equal(oldUpdated) {
			next.UpdatedAt = t.now
		}
		next.Revision = t.nextRevision()
		next.SchemaVersion = wijkhelpt.SchemaVersion
		raw, err := bson.Marshal(next)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: update user %s: %w", id, err)
		}
		_, err = t.exec(updateUserSQL, userArgs(next, raw)...)
		if _, dup := uniqueViolation(err); dup {
			return store.Change{}, fmt.Errorf("store: update user %s: %w", id, store.EmailTaken())
		}
		if err != nil {
			return store.Change{}, fmt.Errorf("store: update user %s: %w", id, err)
		}
		stored = raw
		return store.Change{}, nil
	})
	if err != nil {
		return nil, err
	}
	out, err := decode[wijkhelpt.User](stored)
	if err != nil {
		return nil, fmt.Errorf("store: update user %s: %w", id, err)
	}
	return out, nil
}

// CreateToken stores an API token (its hash, never the token). It sets t.ID
// when empty.
func (db *DB) CreateToken(ctx context.Context, tok *wijkhelpt.APIToken) error {
	if tok == nil || tok.Hash == "" {
		return errors.New("store: create token: no token hash")
	}
	if tok.ID == "" {
		tok.ID = wijkhelpt.NewID()
	}
	raw, err := bson.Marshal(tok)
	if err != nil {
		return fmt.Errorf("store: create token %s: %w", tok.ID, err)
	}
	return db.write(ctx, "create token "+tok.ID, func(t *tx) (store.Change, error) {
		_, err := t.exec(`INSERT INTO tokens (id, hash, doc) VALUES (?, ?, ?)`, tok.ID, tok.Hash, raw)
		if _, dup := uniqueViolation(err); dup {
			return store.Change{}, fmt.Errorf("store: create token %s: %w", tok.ID, store.TokenExists())
		}
		if err != nil {
			return store.Change{}, fmt.Errorf("store: create token %s: %w", tok.ID, err)
		}
		return store.Change{}, nil
	})
}

// FindTokenByHash returns the API token with the given hash. A revoked
// token is not found, so that no caller can forget to check.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*wijkhelpt.APIToken, error) {
	if hash == "" {
		return nil, fmt.Errorf("store: find token: %w", wijkhelpt.NotFound(store.TokenNoun()))
	}
	tok, err := findOne[wijkhelpt.APIToken](ctx, db, store.TokenNoun(), `SELECT doc FROM tokens WHERE hash = ?`, hash)
	if err == nil && tok.Revoked {
		err = wijkhelpt.NotFound(store.TokenNoun())
	}
	if err != nil {
		return nil, fmt.Errorf("store: find token: %w", err)
	}
	return tok, nil
}
