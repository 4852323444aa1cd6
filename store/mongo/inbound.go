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

// inboundDoc records one inbound SMS webhook, by Twilio's message SID: who
// handles it until when, and whether it was handled. A handled record goes
// store.InboundKeep after doneAt (TTL index, DeleteExpired).
type inboundDoc struct {
	SID        string     `bson:"_id"`
	Done       bool       `bson:"done"`
	Owner      string     `bson:"owner,omitempty"`
	LeaseUntil time.Time  `bson:"leaseUntil"`
	At         time.Time  `bson:"at"`
	DoneAt     *time.Time `bson:"doneAt,omitempty"`
}

// ClaimInbound lets owner handle the inbound webhook with Twilio's message
// SID sid until `until`. It returns false when that webhook was handled
// before (Twilio retries): its effect must not happen twice. While another
// worker is still handling it, the error is "unavailable", so that Twilio
// tries again later.
//
// The claim is one upsert whose filter asks for a record not done and with
// no live lease: it takes a record that is free, or inserts a new one. When
// a record exists but is not free, the insert fails on its _id, and a read
// tells which of the two it is.
func (db *DB) ClaimInbound(ctx context.Context, sid, owner string, now, until time.Time) (bool, error) {
	if sid == "" {
		return false, fmt.Errorf("store: claim inbound: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Het bericht heeft geen kenmerk.", "The message has no SID.")))
	}
	filter := bson.D{
		{Key: "_id", Value: sid}, {Key: "done", Value: false},
		// "Not after now" rather than "at or before now": a record of an
		// earlier version, without leaseUntil, is free too.
		{Key: "leaseUntil", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}},
	}
	claim := bson.D{{Key: "$set", Value: bson.D{
		{Key: "owner", Value: owner}, {Key: "leaseUntil", Value: until}, {Key: "at", Value: now},
	}}}
	// A record that was taken or finished between the failed insert and
	// the read is free by then: try again.
	for try := 0; try < 3; try++ {
		_, err := db.inbound.UpdateOne(ctx, filter, claim, options.UpdateOne().SetUpsert(true))
		if err == nil {
			return true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
		}
		var doc inboundDoc
		err = db.inbound.FindOne(ctx, bson.D{{Key: "_id", Value: sid}}).Decode(&doc)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // deleted meanwhile
		case err != nil:
			return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
		case doc.Done:
			return false, nil
		case doc.LeaseUntil.After(now):
			return false, fmt.Errorf("store: claim inbound %s: %w", sid, store.InboundBusy())
		}
	}
	return false, fmt.Errorf("store: claim inbound %s: %w", sid, store.InboundBusy())
}

// FinishInbound records that the inbound webhook sid was handled.
func (db *DB) FinishInbound(ctx context.Context, sid string, at time.Time) error {
	_, err := db.inbound.UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "doneAt", Value: at}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: finish inbound %s: %w", sid, err)
	}
	return nil
}
