package mongo

import (
	"context"
	"fmt"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Audit records that actor did action (such as "view_request" or
// "export_requests") on the object with the given ID at time at. Entries
// are only ever added, never changed.
func (db *DB) Audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string, at time.Time) error {
	e := store.AuditEntry{ID: wijkhelpt.NewID(), Actor: actor, Action: action, ObjectID: objectID, At: at}
	if _, err := db.audit.InsertOne(ctx, &e); err != nil {
		return fmt.Errorf("store: audit %s %s: %w", action, objectID, err)
	}
	return nil
}
