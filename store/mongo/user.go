package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
	"wijkhelpt/store"
)

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
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.SchemaVersion = wijkhelpt.SchemaVersion
	rev, err := db.takeRevisions(ctx, 1)
	if err != nil {
		return err
	}
	u.Revision = rev
	_, err = db.users.InsertOne(ctx, u)
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store: create user %s: %w", u.ID, err)
	}
	// The _id or the e-mail address: look which.
	if err := db.users.FindOne(ctx, bson.D{{Key: "email", Value: u.Email}}).Err(); err == nil {
		return fmt.Errorf("store: create user %s: %w", u.ID, store.EmailTaken())
	}
	return fmt.Errorf("store: create user %s: %w", u.ID, store.UserExists())
}

// FindUser returns the account with the given ID.
func (db *DB) FindUser(ctx context.Context, id string) (*wijkhelpt.User, error) {
	u := new(wijkhelpt.User)
	if err := db.users.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(u); err != nil {
		return nil, fmt.Errorf("store: find user %s: %w", id, notFound(err, store.UserNoun()))
	}
	return u, nil
}

// FindUserByEmail returns the account with the given e-mail address, in any
// letter case.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*wijkhelpt.User, error) {
	u := new(wijkhelpt.User)
	if err := db.users.FindOne(ctx, bson.D{{Key: "email", Value: store.NormalizeEmail(email)}}).Decode(u); err != nil {
		return nil, fmt.Errorf("store: find user by email: %w", notFound(err, store.UserNoun()))
	}
	return u, nil
}

// FindUsers returns every account, ordered by e-mail address. A desk has
// tens of accounts, not thousands.
func (db *DB) FindUsers(ctx context.Context) ([]*wijkhelpt.User, error) {
	out, err := findAll[wijkhelpt.User](ctx, db.users, bson.D{}, options.Find().SetSort(bson.D{{Key: "email", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: find users: %w", err)
	}
	return out, nil
}

// UpdateUser changes an account with fn, atomically, in the same way as
// UpdateRequest. Changing the e-mail address to one that is taken gives a
// conflict error for the field "email".
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(*wijkhelpt.User) error) (*wijkhelpt.User, error) {
	return update(ctx, db, versioned[wijkhelpt.User]{
		coll: db.users,
		noun: store.UserNoun(),
		what: "user",
		guard: func(old *wijkhelpt.User) bson.D {
			return bson.D{{Key: "revision", Value: old.Revision}}
		},
		stamp: func(old, next *wijkhelpt.User, rev int64, now time.Time) {
			next.ID = old.ID
			next.Email = store.NormalizeEmail(next.Email)
			if next.UpdatedAt.Equal(old.UpdatedAt) {
				next.UpdatedAt = now
			}
			next.Revision = rev
			next.SchemaVersion = wijkhelpt.SchemaVersion
		},
		// Only the e-mail address can clash: another account has it.
		duplicate: func() error { return store.EmailTaken() },
	}, id, fn)
}

// CreateToken stores an API token (its hash, never the token). It sets t.ID
// when empty.
func (db *DB) CreateToken(ctx context.Context, t *wijkhelpt.APIToken) error {
	if t == nil || t.Hash == "" {
		return errors.New("store: create token: no token hash")
	}
	if t.ID == "" {
		t.ID = wijkhelpt.NewID()
	}
	if _, err := db.tokens.InsertOne(ctx, t); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("store: create token %s: %w", t.ID, store.TokenExists())
		}
		return fmt.Errorf("store: create token %s: %w", t.ID, err)
	}
	return nil
}

// FindTokenByHash returns the API token with the given hash. A revoked
// token is not found, so that no caller can forget to check.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*wijkhelpt.APIToken, error) {
	if hash == "" {
		return nil, fmt.Errorf("store: find token: %w", wijkhelpt.NotFound(store.TokenNoun()))
	}
	t := new(wijkhelpt.APIToken)
	err := db.tokens.FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(t)
	if err == nil && t.Revoked {
		err = mongo.ErrNoDocuments
	}
	if err != nil {
		return nil, fmt.Errorf("store: find token: %w", notFound(err, store.TokenNoun()))
	}
	return t, nil
}
