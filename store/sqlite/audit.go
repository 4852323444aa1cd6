package sqlite

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Audit records that actor did action (such as "view_request" or
// "export_requests") on the object with the given ID at time at. Entries
// are only ever added, never changed.
func (db *DB) Audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string, at time.Time) error {
	e := store.AuditEntry{ID: wijkhelpt.NewID(), Actor: actor, Action: action, ObjectID: objectID, At: at}
	raw, err := bson.Marshal(&e)
	if err != nil {
		return fmt.Errorf("store: audit %s %s: %w", action, objectID, err)
	}
	return db.write(ctx, "audit "+action+" "+objectID, func(t *tx) (store.Change, error) {
		if _, err := t.exec(`INSERT INTO audit (id, doc) VALUES (?, ?)`, e.ID, raw); err != nil {
			return store.Change{}, fmt.Errorf("store: audit %s %s: %w", action, objectID, err)
		}
		return store.Change{}, nil
	})
}
