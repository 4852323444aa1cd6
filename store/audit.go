package store

import (
	"context"
	"fmt"
	"time"

	"wijkhelpt"
)

// auditEntry records that someone looked at or exported sensitive data.
type auditEntry struct {
	ID       string          `bson:"_id"`
	Actor    wijkhelpt.Actor `bson:"actor"`
	Action   string          `bson:"action"`
	ObjectID string          `bson:"objectId"`
	At       time.Time       `bson:"at"`
}

// Audit records that actor did action (such as "view_request" or
// "export_requests") on the object with the given ID at time at. Entries
// are only ever added, never changed.
func (db *DB) Audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string, at time.Time) error {
	e := auditEntry{ID: wijkhelpt.NewID(), Actor: actor, Action: action, ObjectID: objectID, At: at}
	if _, err := db.audit.InsertOne(ctx, &e); err != nil {
		return fmt.Errorf("store: audit %s %s: %w", action, objectID, err)
	}
	return nil
}
