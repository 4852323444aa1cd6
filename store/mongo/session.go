package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"wijkhelpt"
	"wijkhelpt/store"
)

// SaveSession stores s, replacing the stored session with the same ID.
func (db *DB) SaveSession(ctx context.Context, s *wijkhelpt.Session) error {
	if s == nil || s.ID == "" {
		return errors.New("store: save session: no session ID")
	}
	if err := upsert(ctx, db.sessions, s.ID, s); err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	return nil
}

// FindSession returns the session with the given ID. An expired session is
// not found: the TTL index removes expired sessions only about once a
// minute.
func (db *DB) FindSession(ctx context.Context, id string) (*wijkhelpt.Session, error) {
	s := new(wijkhelpt.Session)
	err := db.sessions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(s)
	if err == nil && !s.ExpiresAt.After(time.Now()) {
		err = mongo.ErrNoDocuments
	}
	if err != nil {
		// The ID is a credential's hash: keep it out of error texts.
		return nil, fmt.Errorf("store: find session: %w", notFound(err, store.SessionNoun()))
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
