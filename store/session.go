package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
)

// Session is a logged-in portal session; its ID is the hash of the cookie
// value. It is the root package's type, so that the portal can declare the
// store methods it needs without importing this package.
type Session = wijkhelpt.Session

func sessionNoun() wijkhelpt.Text { return wijkhelpt.T("De sessie", "The session") }

// SaveSession stores s, replacing the stored session with the same ID.
func (db *DB) SaveSession(ctx context.Context, s *Session) error {
	if s == nil || s.ID == "" {
		return errors.New("store: save session: no session ID")
	}
	if err := db.upsert(ctx, db.sessions, s.ID, s); err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	return nil
}

// FindSession returns the session with the given ID. An expired session is
// not found: FerretDB has no TTL indexes, so expiry is checked here and
// DeleteExpiredSessions clears the rest away.
func (db *DB) FindSession(ctx context.Context, id string) (*Session, error) {
	s := new(Session)
	err := db.sessions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(s)
	if err == nil && !s.ExpiresAt.After(db.now()) {
		err = mongo.ErrNoDocuments
	}
	if err != nil {
		// The ID is a credential's hash: keep it out of error texts.
		return nil, fmt.Errorf("store: find session: %w", notFound(err, sessionNoun()))
	}
	return s, nil
}

// DeleteSession removes a session, for logging out. A session that is gone
// already is no error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired at or before now
// and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.sessions.DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.DeletedCount, nil
}

// upsert replaces the document with the given _id by doc, or inserts it.
// FerretDB runs an upsert as a read and then an insert, so two first writes
// of one _id can clash; the lock covers that within this process, and a
// clash with another process is answered by replacing once more.
func (db *DB) upsert(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	unlock, err := db.locks.lock(ctx, c.Name()+"/"+id)
	if err != nil {
		return err
	}
	defer unlock()
	filter := bson.D{{Key: "_id", Value: id}}
	_, err = c.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if isDuplicate(err) {
		_, err = c.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	}
	return err
}
