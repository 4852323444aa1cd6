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

// Messages are keyed by their outbox key, so a message relayed twice is
// stored once. A claim on a message is one conditional update that raises
// its epoch; a worker's later write is conditional on that epoch, so a
// worker whose lease ran out and was taken over cannot overwrite the new
// owner's work.

// newMessage prepares d for its first write.
func newMessage(d *wijkhelpt.Delivery) (*wijkhelpt.Delivery, error) {
	if d == nil || d.Key == "" {
		return nil, errors.New("no key")
	}
	doc := *d
	doc.TwilioStatus = "" // lives in message_status, see fillStatus
	doc.SchemaVersion = wijkhelpt.SchemaVersion
	if doc.State == "" {
		doc.State = wijkhelpt.DeliveryPending
	}
	return &doc, nil
}

// InsertMessage stores d unless a message with its key exists, and reports
// whether it did. Relaying the same outbox message twice is harmless.
func (db *DB) InsertMessage(ctx context.Context, d *wijkhelpt.Delivery) (bool, error) {
	doc, err := newMessage(d)
	if err != nil {
		return false, fmt.Errorf("store: insert message: %w", err)
	}
	_, err = db.messages.InsertOne(ctx, doc)
	switch {
	case err == nil:
		return true, nil
	case mongo.IsDuplicateKeyError(err):
		return false, nil
	}
	return false, fmt.Errorf("store: insert message %s: %w", d.Key, err)
}

// InsertMessages stores messages with one insert, skipping those whose key
// is stored already: InsertMessage for many at once.
func (db *DB) InsertMessages(ctx context.Context, ds []*wijkhelpt.Delivery) error {
	docs := make([]any, 0, len(ds))
	for _, d := range ds {
		doc, err := newMessage(d)
		if err != nil {
			return fmt.Errorf("store: insert messages: %w", err)
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil
	}
	if _, err := insertUnordered(ctx, db.messages, docs); err != nil {
		return fmt.Errorf("store: insert messages: %w", err)
	}
	return nil
}

// FindMessage returns the message with the given key.
func (db *DB) FindMessage(ctx context.Context, key string) (*wijkhelpt.Delivery, error) {
	return db.findMessage(ctx, "find message "+key, bson.D{{Key: "_id", Value: key}})
}

// FindMessageBySID returns the message Twilio knows under sid.
func (db *DB) FindMessageBySID(ctx context.Context, sid string) (*wijkhelpt.Delivery, error) {
	if sid == "" {
		return nil, fmt.Errorf("store: find message by sid: %w", wijkhelpt.NotFound(store.MessageNoun()))
	}
	return db.findMessage(ctx, "find message by sid "+sid, bson.D{{Key: "sid", Value: sid}})
}

func (db *DB) findMessage(ctx context.Context, what string, filter bson.D) (*wijkhelpt.Delivery, error) {
	d := new(wijkhelpt.Delivery)
	if err := db.messages.FindOne(ctx, filter).Decode(d); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, notFound(err, store.MessageNoun()))
	}
	if err := db.fillStatus(ctx, d); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return d, nil
}

// FindMessages returns messages matching f, earliest due first, at most
// f.Limit (default 100, at most 1000).
func (db *DB) FindMessages(ctx context.Context, f wijkhelpt.DeliveryFilter) ([]*wijkhelpt.Delivery, error) {
	filter := bson.D{}
	if len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: f.States}}})
	}
	for _, eq := range []struct{ field, value string }{
		{"channel", f.Channel}, {"requestId", f.RequestID}, {"to", f.To}, {"template", f.Template},
	} {
		if eq.value != "" {
			filter = append(filter, bson.E{Key: eq.field, Value: eq.value})
		}
	}
	opts := options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(limit(f.Limit, 100, 1000))
	out, err := findAll[wijkhelpt.Delivery](ctx, db.messages, filter, opts)
	if err == nil {
		err = db.fillStatus(ctx, out...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find messages: %w", err)
	}
	return out, nil
}

// claimableFilter selects the message key when it is open, due and free
// of a live lease at now (store.Claimable).
func claimableFilter(key string, now time.Time) bson.D {
	f := bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: store.OpenDeliveryStates}}},
		{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	if key != "" {
		f = append(bson.D{{Key: "_id", Value: key}}, f...)
	}
	return f
}

// DueMessages returns messages a dispatch worker may claim at now: open,
// due, and not under a live lease. Earliest due first, at most limit
// (default 20, at most 500).
func (db *DB) DueMessages(ctx context.Context, now time.Time, n int) ([]*wijkhelpt.Delivery, error) {
	opts := options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(limit(n, 20, 500))
	out, err := findAll[wijkhelpt.Delivery](ctx, db.messages, claimableFilter("", now), opts)
	if err == nil {
		err = db.fillStatus(ctx, out...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: due messages: %w", err)
	}
	return out, nil
}

// ClaimMessage gives owner the message with the given key until `until`,
// if it is still open, due and free at now: one FindOneAndUpdate whose
// filter says so, which the server applies atomically, so of concurrent
// claims exactly one wins. The claim raises the message's epoch. The
// message is returned as claimed (state sending), together with the state
// it had before: a claim of a message that was "sending" or "unsure" must
// look at Twilio before sending again. When someone else holds or finished
// it, the error is a conflict. seen, the epoch the caller read, is not
// needed: the filter looks at the message as it is now.
func (db *DB) ClaimMessage(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (*wijkhelpt.Delivery, wijkhelpt.DeliveryState, error) {
	d := new(wijkhelpt.Delivery)
	err := db.messages.FindOneAndUpdate(ctx, claimableFilter(key, now),
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "state", Value: wijkhelpt.DeliverySending}, {Key: "leaseOwner", Value: owner},
				{Key: "leaseUntil", Value: until}, {Key: "updatedAt", Value: now},
			}},
			{Key: "$inc", Value: bson.D{{Key: "epoch", Value: int64(1)}}},
		},
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		// Missing, or not claimable: look which.
		err = db.messages.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Err()
		if err == nil {
			err = store.LeaseTaken()
		}
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, notFound(err, store.MessageNoun()))
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, err)
	}
	prev := d.State
	d.State, d.LeaseOwner, d.LeaseUntil, d.UpdatedAt = wijkhelpt.DeliverySending, owner, until, now
	d.Epoch++
	if err := db.fillStatus(ctx, d); err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, err)
	}
	return d, prev, nil
}

// SaveMessage writes a message its caller claimed (d.Epoch is the claim's
// epoch): one replacement on the condition that the epoch is still that
// one. When a later claim exists, because the caller's lease ran out and
// someone else took the message over, nothing is written and the error is a
// conflict. A SID that another message has is a conflict too.
func (db *DB) SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error {
	doc, err := newMessage(d)
	if err != nil {
		return fmt.Errorf("store: save message: %w", err)
	}
	res, err := db.messages.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.Key}, {Key: "epoch", Value: d.Epoch}}, doc)
	switch {
	case mongo.IsDuplicateKeyError(err):
		// The replacement keeps the _id, so the clash is on the unique
		// index on sid: two messages with the same text to the same
		// number, both sure a look-up at Twilio found theirs.
		return fmt.Errorf("store: save message %s: %w", d.Key, store.SIDTaken())
	case err != nil:
		return fmt.Errorf("store: save message %s: %w", d.Key, err)
	case res.MatchedCount == 0:
		err = db.messages.FindOne(ctx, bson.D{{Key: "_id", Value: d.Key}}).Err()
		if err == nil {
			err = store.LeaseTaken()
		}
		return fmt.Errorf("store: save message %s: %w", d.Key, notFound(err, store.MessageNoun()))
	}
	return nil
}

// MarkCallbackDone records that phone staff made the call of a call-back
// task: one update on the condition that the task is waiting. A task
// already done is a conflict.
func (db *DB) MarkCallbackDone(ctx context.Context, key string, by wijkhelpt.Actor, at time.Time) error {
	res, err := db.messages.UpdateOne(ctx,
		bson.D{
			{Key: "_id", Value: key}, {Key: "channel", Value: wijkhelpt.ChannelCallback},
			{Key: "state", Value: wijkhelpt.DeliveryCallback},
		},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: wijkhelpt.DeliveryCalled}, {Key: "doneBy", Value: by},
			{Key: "doneAt", Value: at}, {Key: "updatedAt", Value: at},
		}}})
	if err != nil {
		return fmt.Errorf("store: mark call-back %s done: %w", key, err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	// Nothing matched: say why.
	d := new(wijkhelpt.Delivery)
	err = db.messages.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(d)
	switch {
	case err != nil:
		err = notFound(err, store.CallbackNoun())
	case d.Channel != wijkhelpt.ChannelCallback:
		err = wijkhelpt.NotFound(store.CallbackNoun())
	case d.State == wijkhelpt.DeliveryCalled:
		err = store.CallbackDoneAlready()
	case d.State != wijkhelpt.DeliveryCallback:
		err = store.CallbackNotDue()
	default:
		err = store.ConflictChanged() // it changed back meanwhile
	}
	return fmt.Errorf("store: mark call-back %s done: %w", key, err)
}

// RecordMessageStatus stores a status Twilio reported for the message sid,
// and reports whether it is new: the same callback delivered twice is
// recorded once, so whatever follows from it happens once.
func (db *DB) RecordMessageStatus(ctx context.Context, sid, status string, errorCode int, at time.Time) (bool, error) {
	if sid == "" || status == "" {
		return false, fmt.Errorf("store: record message status: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Bericht en status zijn nodig.", "Message and status are required.")))
	}
	doc := store.MessageStatus{ID: store.StatusID(sid, status), SID: sid, Status: status, ErrorCode: errorCode, At: at}
	_, err := db.messageStatus.InsertOne(ctx, &doc)
	switch {
	case err == nil:
		return true, nil
	case mongo.IsDuplicateKeyError(err):
		return false, nil
	}
	return false, fmt.Errorf("store: record message status %s: %w", sid, err)
}

// fillStatus sets TwilioStatus on the messages that have a SID: the highest
// status (store.StatusRank) recorded for it. The statuses live in their own
// collection because Twilio's callbacks race the worker that records the
// send.
func (db *DB) fillStatus(ctx context.Context, ds ...*wijkhelpt.Delivery) error {
	bySID := map[string]*wijkhelpt.Delivery{}
	sids := bson.A{}
	for _, d := range ds {
		d.TwilioStatus = ""
		if d.SID != "" {
			bySID[d.SID] = d
			sids = append(sids, d.SID)
		}
	}
	if len(sids) == 0 {
		return nil
	}
	docs, err := findAll[store.MessageStatus](ctx, db.messageStatus, bson.D{{Key: "sid", Value: bson.D{{Key: "$in", Value: sids}}}}, nil)
	if err != nil {
		return err
	}
	for _, s := range docs {
		if d := bySID[s.SID]; d != nil && store.StatusRank(s.Status) > store.StatusRank(d.TwilioStatus) {
			d.TwilioStatus = s.Status
		}
	}
	return nil
}
