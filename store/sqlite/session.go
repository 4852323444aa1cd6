package sqlite

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// SaveSession stores s, replacing the stored session with the same ID.
func (db *DB) SaveSession(ctx context.Context, s *wijkhelpt.Session) error {
	if s == nil || s.ID == "" {
		return errors.New("store: save session: no session ID")
	}
	raw, err := bson.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	// The ID is a credential's hash: it stays out of error texts.
	return db.write(ctx, "save session", func(t *tx) (store.Change, error) {
		_, err := t.exec(`INSERT INTO sessions (id, expires_at, doc) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc`,
			s.ID, millis(s.ExpiresAt), raw)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: save session: %w", err)
		}
		return store.Change{}, nil
	})
}

// FindSession returns the session with the given ID. One that expired is
// not found, also before DeleteExpired removed it.
func (db *DB) FindSession(ctx context.Context, id string) (*wijkhelpt.Session, error) {
	s, err := findOne[wijkhelpt.Session](ctx, db, store.SessionNoun(), `SELECT doc FROM sessions WHERE id = ?`, id)
	if err == nil && !s.ExpiresAt.After(db.now()) {
		err = wijkhelpt.NotFound(store.SessionNoun())
	}
	if err != nil {
		return nil, fmt.Errorf("store: find session: %w", err)
	}
	return s, nil
}

// DeleteSession removes a session, for logging out. A session that is gone
// already is no error.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.write(ctx, "delete session", func(t *tx) (store.Change, error) {
		if _, err := t.exec(`DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return store.Change{}, fmt.Errorf("store: delete session: %w", err)
		}
		return store.Change{}, nil
	})
}
