package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
)

// The collections of the SMS side. Messages are keyed by their outbox key,
// so a message relayed twice is stored once. Every claim on a message (or
// on an inbound SMS) is an insert into leases under "<key>#<epoch>": an
// insert on _id is atomic on MongoDB and on FerretDB alike, where FerretDB
// v1's conditional updates are not, and it touches nothing but _id, which
// is the only field FerretDB can look up without reading the collection.
const (
	collMessages      = "messages"
	collLeases        = "leases"
	collMessageStatus = "message_status"
	collOptOuts       = "optouts"
	collInbound       = "inbound"
	collMessageSIDs   = "message_sids"
)

// leaseLookahead is how many later epochs a writer checks for before it
// writes: a claim after a crashed claim skips one epoch, so a worker that
// finds none of the next few may trust it still holds the message.
const leaseLookahead = 3

// messageSchema lists the indexes of the SMS collections. They only speed
// things up on MongoDB: uniqueness is all on _id.
func messageSchema() map[string][]index {
	return map[string][]index{
		collMessages:      {{keys: asc("state", "dueAt")}, {keys: asc("sid")}, {keys: asc("requestId")}},
		collLeases:        nil,
		collMessageStatus: {{keys: asc("sid")}},
		collOptOuts:       nil,
		collInbound:       nil,
		collMessageSIDs:   nil,
	}
}

// EnsureMessageIndexes creates the indexes of the SMS collections that are
// missing. It is safe to call on every start.
func (db *DB) EnsureMessageIndexes(ctx context.Context) error {
	for name, indexes := range messageSchema() {
		// One at a time, and only the missing ones: see ensureIndexes.
		if err := db.ensureIndexes(ctx, name, indexes); err != nil {
			return err
		}
	}
	return nil
}

func messageNoun() wijkhelpt.Text { return wijkhelpt.T("Het bericht", "The message") }

func leaseTaken() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Iemand anders handelt dit bericht al af.",
		"Someone else is already handling this message."))
}

func (db *DB) coll(name string) *mongo.Collection { return db.db.Collection(name) }

// InsertMessage stores d unless a message with its key exists, and reports
// whether it did. Relaying the same outbox message twice is harmless.
func (db *DB) InsertMessage(ctx context.Context, d *wijkhelpt.Delivery) (bool, error) {
	if d == nil || d.Key == "" {
		return false, errors.New("store: insert message: no key")
	}
	doc := *d
	doc.SchemaVersion = wijkhelpt.SchemaVersion
	if doc.State == "" {
		doc.State = wijkhelpt.DeliveryPending
	}
	_, err := db.coll(collMessages).InsertOne(ctx, &doc)
	db.watches.messagesTouched(doc.Key)
	switch {
	case err == nil:
		return true, nil
	case isDuplicate(err):
		return false, nil
	}
	return false, fmt.Errorf("store: insert message %s: %w", d.Key, err)
}

// InsertMessages stores messages with one insert, skipping those whose key
// is stored already: InsertMessage for many at once.
func (db *DB) InsertMessages(ctx context.Context, ds []*wijkhelpt.Delivery) error {
	docs := make([]any, 0, len(ds))
	for _, d := range ds {
		if d == nil || d.Key == "" {
			return errors.New("store: insert messages: no key")
		}
		doc := *d
		doc.SchemaVersion = wijkhelpt.SchemaVersion
		if doc.State == "" {
			doc.State = wijkhelpt.DeliveryPending
		}
		docs = append(docs, &doc)
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := insertUnordered(ctx, db.coll(collMessages), docs)
	for _, d := range ds {
		db.watches.messagesTouched(d.Key)
	}
	if err != nil {
		return fmt.Errorf("store: insert messages: %w", err)
	}
	return nil
}

// FindMessage returns the message with the given key.
func (db *DB) FindMessage(ctx context.Context, key string) (*wijkhelpt.Delivery, error) {
	d := new(wijkhelpt.Delivery)
	if err := db.coll(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(d); err != nil {
		return nil, fmt.Errorf("store: find message %s: %w", key, notFound(err, messageNoun()))
	}
	if err := db.fillStatus(ctx, []*wijkhelpt.Delivery{d}); err != nil {
		return nil, fmt.Errorf("store: find message %s: %w", key, err)
	}
	return d, nil
}

// FindMessageBySID returns the message Twilio knows under sid. Messages
// are found by SID through message_sids, which SaveMessage fills: a lookup
// by _id, where a query on the sid field would read every message on the
// embedded store.
func (db *DB) FindMessageBySID(ctx context.Context, sid string) (*wijkhelpt.Delivery, error) {
	if sid == "" {
		return nil, fmt.Errorf("store: find message by sid: %w", wijkhelpt.NotFound(messageNoun()))
	}
	var link struct {
		Key string `bson:"key"`
	}
	if err := db.coll(collMessageSIDs).FindOne(ctx, bson.D{{Key: "_id", Value: sid}}).Decode(&link); err != nil {
		return nil, fmt.Errorf("store: find message by sid %s: %w", sid, notFound(err, messageNoun()))
	}
	d := new(wijkhelpt.Delivery)
	if err := db.coll(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: link.Key}}).Decode(d); err != nil {
		return nil, fmt.Errorf("store: find message by sid %s: %w", sid, notFound(err, messageNoun()))
	}
	return d, nil
}

// linkSID records that Twilio's message sid is the message key. A SID
// already linked to another message is a conflict: two messages with the
// same text to the same number, both sure a look-up at Twilio found theirs.
func (db *DB) linkSID(ctx context.Context, sid, key string) error {
	_, err := db.coll(collMessageSIDs).InsertOne(ctx, bson.D{{Key: "_id", Value: sid}, {Key: "key", Value: key}})
	if err == nil {
		return nil
	}
	if !isDuplicate(err) {
		return err
	}
	var link struct {
		Key string `bson:"key"`
	}
	if err := db.coll(collMessageSIDs).FindOne(ctx, bson.D{{Key: "_id", Value: sid}}).Decode(&link); err != nil {
		return err
	}
	if link.Key != key {
		return wijkhelpt.Conflict(wijkhelpt.T("Dit sms-bericht hoort al bij een ander bericht.",
			"This text message already belongs to another message."))
	}
	return nil
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
	opts := options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(clampLimit(f.Limit, 100, 1000))
	out, err := findAll[wijkhelpt.Delivery](ctx, db.coll(collMessages), filter, opts)
	if err == nil {
		err = db.fillStatus(ctx, out)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find messages: %w", err)
	}
	return out, nil
}

// openDeliveryStates are the states of messages still to be sent
// (wijkhelpt.DeliveryState.Open).
var openDeliveryStates = []wijkhelpt.DeliveryState{wijkhelpt.DeliveryPending, wijkhelpt.DeliverySending,
	wijkhelpt.DeliveryRetry, wijkhelpt.DeliveryUnsure}

// DueMessages returns messages a dispatch worker may claim at now: open,
// due, and not under a live lease. Earliest due first, at most limit
// (default 20, at most 500).
func (db *DB) DueMessages(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Delivery, error) {
	if db.watches != nil {
		out, err := db.messagePoll().run(ctx, db.watches.messages, now, int(clampLimit(limit, 20, 500)))
		if err != nil {
			return nil, fmt.Errorf("store: due messages: %w", err)
		}
		return out, nil
	}
	filter := bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: openDeliveryStates}}},
		{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetLimit(clampLimit(limit, 20, 500))
	out, err := findAll[wijkhelpt.Delivery](ctx, db.coll(collMessages), filter, opts)
	if err != nil {
		return nil, fmt.Errorf("store: due messages: %w", err)
	}
	return out, nil
}

func leaseID(key string, epoch int64) string { return key + "#" + strconv.FormatInt(epoch, 10) }

// takeLease claims key for owner with the first free epoch after seen, and
// returns that epoch. A lease that exists and has not run out means someone
// else holds the key: a conflict. A lease that ran out belongs to a claim
// that never finished (a crash): the next epoch is tried instead.
func (db *DB) takeLease(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (int64, error) {
	leases := db.coll(collLeases)
	for epoch := seen + 1; epoch <= seen+1+leaseLookahead; epoch++ {
		_, err := leases.InsertOne(ctx, bson.D{
			{Key: "_id", Value: leaseID(key, epoch)}, {Key: "owner", Value: owner},
			{Key: "at", Value: now}, {Key: "until", Value: until},
		})
		if err == nil {
			return epoch, nil
		}
		if !isDuplicate(err) {
			return 0, err
		}
		var l struct {
			Until time.Time `bson:"until"`
		}
		if err := leases.FindOne(ctx, bson.D{{Key: "_id", Value: leaseID(key, epoch)}}).Decode(&l); err != nil {
			return 0, err
		}
		if l.Until.After(now) {
			return 0, leaseTaken()
		}
	}
	return 0, leaseTaken()
}

// superseded reports whether a lease later than epoch exists on key.
func (db *DB) superseded(ctx context.Context, key string, epoch int64) (bool, error) {
	ids := make([]string, 0, leaseLookahead)
	for e := epoch + 1; e <= epoch+leaseLookahead; e++ {
		ids = append(ids, leaseID(key, e))
	}
	// One _id lookup each: FerretDB reads the whole collection for $in.
	for _, id := range ids {
		err := db.coll(collLeases).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, err
		}
	}
	return false, nil
}

// ClaimMessage gives owner the message with the given key until `until`,
// if it is still open, due and free at now. seen is the epoch the caller
// read (from DueMessages). The message is returned as claimed (state
// sending), together with the state it had before: a claim of a message
// that was "sending" or "unsure" must look at Twilio before sending again.
// When someone else holds or finished it, the error is a conflict.
func (db *DB) ClaimMessage(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (*wijkhelpt.Delivery, wijkhelpt.DeliveryState, error) {
	unlock, err := db.locks.lock(ctx, collMessages+"/"+key)
	if err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, err)
	}
	defer unlock()
	// A look first: a message someone else holds or finished since the
	// caller read the queue costs a read instead of two writes.
	cur := new(wijkhelpt.Delivery)
	if err := db.coll(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(cur); err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, notFound(err, messageNoun()))
	}
	if !claimable(cur, now) {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, leaseTaken())
	}
	epoch, err := db.takeLease(ctx, collMessages+"/"+key, max(seen, cur.Epoch), owner, now, until)
	if err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, err)
	}
	d := new(wijkhelpt.Delivery)
	if err := db.coll(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(d); err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, notFound(err, messageNoun()))
	}
	free := claimable(d, now)
	prev := d.State
	set := bson.D{{Key: "epoch", Value: epoch}}
	if free {
		d.Epoch, d.State, d.LeaseOwner, d.LeaseUntil, d.UpdatedAt = epoch, wijkhelpt.DeliverySending, owner, until, now
		set = append(set, bson.E{Key: "state", Value: d.State}, bson.E{Key: "leaseOwner", Value: owner},
			bson.E{Key: "leaseUntil", Value: until}, bson.E{Key: "updatedAt", Value: now})
	}
	// Even when the message turned out not to be free (finished by a worker
	// whose lease had run out), the document takes the new epoch: the lease
	// exists now, and a later claim must start after it.
	_, err = db.coll(collMessages).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: set}})
	db.watches.messagesTouched(key)
	if err != nil {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, err)
	}
	if !free {
		return nil, "", fmt.Errorf("store: claim message %s: %w", key, leaseTaken())
	}
	return d, prev, nil
}

// claimable reports whether d is open, due and free of a live lease at now.
func claimable(d *wijkhelpt.Delivery, now time.Time) bool {
	return d.State.Open() && !d.DueAt.After(now) && !d.LeaseUntil.After(now)
}

// SaveMessage writes a message its caller claimed (d.Epoch is the claim's
// epoch). When a later claim exists, because the caller's lease ran out and
// someone else took the message over, nothing is written and the error is a
// conflict.
func (db *DB) SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error {
	unlock, err := db.locks.lock(ctx, collMessages+"/"+d.Key)
	if err != nil {
		return fmt.Errorf("store: save message %s: %w", d.Key, err)
	}
	defer unlock()
	later, err := db.superseded(ctx, collMessages+"/"+d.Key, d.Epoch)
	if err != nil {
		return fmt.Errorf("store: save message %s: %w", d.Key, err)
	}
	if later {
		return fmt.Errorf("store: save message %s: %w", d.Key, leaseTaken())
	}
	if d.SID != "" {
		if err := db.linkSID(ctx, d.SID, d.Key); err != nil {
			return fmt.Errorf("store: save message %s: %w", d.Key, err)
		}
	}
	doc := *d
	doc.TwilioStatus = "" // lives in message_status, see fillStatus
	doc.SchemaVersion = wijkhelpt.SchemaVersion
	res, err := db.coll(collMessages).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.Key}}, &doc)
	db.watches.messagesTouched(d.Key)
	if err != nil {
		return fmt.Errorf("store: save message %s: %w", d.Key, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: save message %s: %w", d.Key, wijkhelpt.NotFound(messageNoun()))
	}
	return nil
}

// MarkCallbackDone records that phone staff made the call of a call-back
// task. A task already done is a conflict.
func (db *DB) MarkCallbackDone(ctx context.Context, key string, by wijkhelpt.Actor, at time.Time) error {
	unlock, err := db.locks.lock(ctx, collMessages+"/"+key)
	if err != nil {
		return fmt.Errorf("store: mark call-back %s done: %w", key, err)
	}
	defer unlock()
	noun := wijkhelpt.T("De terugbeltaak", "The call-back task")
	d := new(wijkhelpt.Delivery)
	if err := db.coll(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(d); err != nil {
		return fmt.Errorf("store: mark call-back %s done: %w", key, notFound(err, noun))
	}
	switch {
	case d.Channel != wijkhelpt.ChannelCallback:
		return fmt.Errorf("store: mark call-back %s done: %w", key, wijkhelpt.NotFound(noun))
	case d.State == wijkhelpt.DeliveryCalled:
		return fmt.Errorf("store: mark call-back %s done: %w", key, wijkhelpt.Conflict(wijkhelpt.T(
			"Deze terugbeltaak is al afgerond.", "This call-back task is already done.")))
	case d.State != wijkhelpt.DeliveryCallback:
		return fmt.Errorf("store: mark call-back %s done: %w", key, wijkhelpt.Conflict(wijkhelpt.T(
			"Deze terugbeltaak staat nog niet klaar.", "This call-back task is not due yet.")))
	}
	// The filter repeats the state: on MongoDB that is what keeps two
	// instances from both marking it; within this process the lock does.
	res, err := db.coll(collMessages).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "state", Value: wijkhelpt.DeliveryCallback}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: wijkhelpt.DeliveryCalled}, {Key: "doneBy", Value: by},
			{Key: "doneAt", Value: at}, {Key: "updatedAt", Value: at},
		}}})
	db.watches.messagesTouched(key)
	if err != nil {
		return fmt.Errorf("store: mark call-back %s done: %w", key, err)
	}
	if res.ModifiedCount == 0 {
		return fmt.Errorf("store: mark call-back %s done: %w", key, conflictChanged())
	}
	return nil
}

// statusRank orders Twilio's message statuses, so that a late "sent"
// callback does not hide an earlier "delivered".
func statusRank(s string) int {
	switch s {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled":
		return 4
	case "read":
		return 5
	}
	return 0
}

// RecordMessageStatus stores a status Twilio reported for the message sid,
// and reports whether it is new: the same callback delivered twice is
// recorded once, so whatever follows from it happens once.
func (db *DB) RecordMessageStatus(ctx context.Context, sid, status string, errorCode int, at time.Time) (bool, error) {
	if sid == "" || status == "" {
		return false, fmt.Errorf("store: record message status: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Bericht en status zijn nodig.", "Message and status are required.")))
	}
	_, err := db.coll(collMessageStatus).InsertOne(ctx, bson.D{
		{Key: "_id", Value: sid + "/" + status}, {Key: "sid", Value: sid}, {Key: "status", Value: status},
		{Key: "errorCode", Value: errorCode}, {Key: "at", Value: at},
	})
	switch {
	case err == nil:
		return true, nil
	case isDuplicate(err):
		return false, nil
	}
	return false, fmt.Errorf("store: record message status %s: %w", sid, err)
}

// fillStatus sets TwilioStatus on the messages that have a SID. The
// statuses live in their own collection because Twilio's callbacks race the
// worker that records the send.
func (db *DB) fillStatus(ctx context.Context, ds []*wijkhelpt.Delivery) error {
	bySID := map[string]*wijkhelpt.Delivery{}
	sids := bson.A{}
	for _, d := range ds {
		if d.SID != "" {
			bySID[d.SID] = d
			sids = append(sids, d.SID)
		}
	}
	if len(sids) == 0 {
		return nil
	}
	type statusDoc struct {
		SID    string `bson:"sid"`
		Status string `bson:"status"`
	}
	docs, err := findAll[statusDoc](ctx, db.coll(collMessageStatus), bson.D{{Key: "sid", Value: bson.D{{Key: "$in", Value: sids}}}}, options.Find())
	if err != nil {
		return err
	}
	for _, s := range docs {
		if d := bySID[s.SID]; d != nil && statusRank(s.Status) > statusRank(d.TwilioStatus) {
			d.TwilioStatus = s.Status
		}
	}
	return nil
}

// SetOptOut records that the number (E.164) opted out of SMS (STOP) or back
// in (START).
func (db *DB) SetOptOut(ctx context.Context, phone string, optedOut bool, at time.Time) error {
	if phone == "" {
		return errors.New("store: set opt-out: no phone number")
	}
	unlock, err := db.locks.lock(ctx, collOptOuts+"/"+phone)
	if err != nil {
		return fmt.Errorf("store: set opt-out: %w", err)
	}
	defer unlock()
	for try := 0; try < 3; try++ {
		_, err = db.coll(collOptOuts).UpdateOne(ctx, bson.D{{Key: "_id", Value: phone}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "optedOut", Value: optedOut}, {Key: "at", Value: at}}}},
			options.UpdateOne().SetUpsert(true))
		if !isDuplicate(err) {
			break // two first upserts in different processes: the loser updates
		}
	}
	if err != nil {
		return fmt.Errorf("store: set opt-out: %w", err)
	}
	return db.markOffersOptedOut(ctx, phone, optedOut)
}

// OptedOut reports whether the number (E.164) opted out of SMS.
func (db *DB) OptedOut(ctx context.Context, phone string) (bool, error) {
	var doc struct {
		OptedOut bool `bson:"optedOut"`
	}
	err := db.coll(collOptOuts).FindOne(ctx, bson.D{{Key: "_id", Value: phone}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: opted out: %w", err)
	}
	return doc.OptedOut, nil
}

// ClaimInbound lets owner handle the inbound webhook with Twilio's message
// SID sid until `until`. It returns false when that webhook was handled
// before (Twilio retries): its effect must not happen twice. While another
// worker is still handling it, the error is "unavailable", so that Twilio
// tries again later.
func (db *DB) ClaimInbound(ctx context.Context, sid, owner string, now, until time.Time) (bool, error) {
	if sid == "" {
		return false, fmt.Errorf("store: claim inbound: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Het bericht heeft geen kenmerk.", "The message has no SID.")))
	}
	unlock, err := db.locks.lock(ctx, collInbound+"/"+sid)
	if err != nil {
		return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
	}
	defer unlock()
	var doc struct {
		Done  bool  `bson:"done"`
		Epoch int64 `bson:"epoch"`
	}
	err = db.coll(collInbound).FindOne(ctx, bson.D{{Key: "_id", Value: sid}}).Decode(&doc)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
	}
	if doc.Done {
		return false, nil
	}
	busy := &wijkhelpt.Error{Code: wijkhelpt.ErrUnavailable, Message: wijkhelpt.T(
		"Dit bericht wordt al verwerkt.", "This message is already being handled.")}
	if doc.Epoch > 0 {
		var l struct {
			Until time.Time `bson:"until"`
		}
		err := db.coll(collLeases).FindOne(ctx, bson.D{{Key: "_id", Value: leaseID(collInbound+"/"+sid, doc.Epoch)}}).Decode(&l)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
		}
		if l.Until.After(now) {
			return false, fmt.Errorf("store: claim inbound %s: %w", sid, busy)
		}
	}
	epoch, err := db.takeLease(ctx, collInbound+"/"+sid, doc.Epoch, owner, now, until)
	if err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict {
			err = busy
		}
		return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
	}
	_, err = db.coll(collInbound).UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "epoch", Value: epoch}, {Key: "done", Value: false}, {Key: "at", Value: now}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return false, fmt.Errorf("store: claim inbound %s: %w", sid, err)
	}
	return true, nil
}

// FinishInbound records that the inbound webhook sid was handled.
func (db *DB) FinishInbound(ctx context.Context, sid string, at time.Time) error {
	unlock, err := db.locks.lock(ctx, collInbound+"/"+sid)
	if err != nil {
		return fmt.Errorf("store: finish inbound %s: %w", sid, err)
	}
	defer unlock()
	_, err = db.coll(collInbound).UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "doneAt", Value: at}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: finish inbound %s: %w", sid, err)
	}
	return nil
}
