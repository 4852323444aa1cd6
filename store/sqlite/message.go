package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Messages are keyed by their outbox key, so a message relayed twice is
// stored once. A claim on a message (ClaimMessage) and the write of its
// result (SaveMessage) each read and write the row inside one write, so
// the epoch in the row is all the lease there is.

const (
	insertMessageSQL = `INSERT INTO messages (id, state, due_at, lease_until, epoch, sid, request_id,
	to_phone, channel, template, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
	ON CONFLICT (id) DO NOTHING`
	updateMessageSQL = `UPDATE messages SET state = ?2, due_at = ?3, lease_until = ?4, epoch = ?5,
	sid = ?6, request_id = ?7, to_phone = ?8, channel = ?9, template = ?10, doc = ?11 WHERE id = ?1`
)

// messageArgs are the arguments of insertMessageSQL and updateMessageSQL.
func messageArgs(d *wijkhelpt.Delivery, doc []byte) []any {
	return []any{d.Key, string(d.State), millis(d.DueAt), millis(d.LeaseUntil), d.Epoch, nullString(d.SID),
		nullString(d.RequestID), d.To, d.Channel, d.Template, doc}
}

// messageDoc is d as it is stored: with the schema version, a state, and
// without the Twilio status, which lives in message_status (fillStatus).
func messageDoc(d *wijkhelpt.Delivery) (*wijkhelpt.Delivery, []byte, error) {
	doc := *d
	doc.SchemaVersion = wijkhelpt.SchemaVersion
	if doc.State == "" {
		doc.State = wijkhelpt.DeliveryPending
	}
	doc.TwilioStatus = ""
	raw, err := bson.Marshal(&doc)
	return &doc, raw, err
}

// insertMessage stores d unless its key is stored, and reports whether it
// did. A SID that another message has is refused.
func (t *tx) insertMessage(d *wijkhelpt.Delivery, raw []byte) (bool, error) {
	res, err := t.exec(insertMessageSQL, messageArgs(d, raw)...)
	if _, dup := uniqueViolation(err); dup {
		return false, store.SIDTaken()
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertMessage stores d unless a message with its key exists, and reports
// whether it did. Relaying the same outbox message twice is harmless.
func (db *DB) InsertMessage(ctx context.Context, d *wijkhelpt.Delivery) (bool, error) {
	if d == nil || d.Key == "" {
		return false, errors.New("store: insert message: no key")
	}
	doc, raw, err := messageDoc(d)
	if err != nil {
		return false, fmt.Errorf("store: insert message %s: %w", d.Key, err)
	}
	var ok bool
	err = db.write(ctx, "insert message "+d.Key, func(t *tx) (store.Change, error) {
		var err error
		if ok, err = t.insertMessage(doc, raw); err != nil {
			return store.Change{}, fmt.Errorf("store: insert message %s: %w", d.Key, err)
		}
		return store.Change{}, nil
	})
	return ok, err
}

// InsertMessages stores messages, skipping those whose key is stored
// already: InsertMessage for many at once.
func (db *DB) InsertMessages(ctx context.Context, ds []*wijkhelpt.Delivery) error {
	docs := make([]*wijkhelpt.Delivery, len(ds))
	raws := make([][]byte, len(ds))
	for i, d := range ds {
		if d == nil || d.Key == "" {
			return errors.New("store: insert messages: no key")
		}
		var err error
		if docs[i], raws[i], err = messageDoc(d); err != nil {
			return fmt.Errorf("store: insert messages: %w", err)
		}
	}
	for start := 0; start < len(docs); start += insertChunk {
		end := min(start+insertChunk, len(docs))
		err := db.write(ctx, "insert messages", func(t *tx) (store.Change, error) {
			for i := start; i < end; i++ {
				if _, err := t.insertMessage(docs[i], raws[i]); err != nil {
					return store.Change{}, fmt.Errorf("store: insert messages: %w", err)
				}
			}
			return store.Change{}, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// FindMessage returns the message with the given key.
func (db *DB) FindMessage(ctx context.Context, key string) (*wijkhelpt.Delivery, error) {
	d, err := findOne[wijkhelpt.Delivery](ctx, db, store.MessageNoun(), `SELECT doc FROM messages WHERE id = ?`, key)
	if err == nil {
		err = db.fillStatus(ctx, []*wijkhelpt.Delivery{d})
	}
	if err != nil {
		return nil, fmt.Errorf("store: find message %s: %w", key, err)
	}
	return d, nil
}

// FindMessageBySID returns the message Twilio knows under sid, with its
// Twilio status as FindMessage has it.
func (db *DB) FindMessageBySID(ctx context.Context, sid string) (*wijkhelpt.Delivery, error) {
	if sid == "" {
		return nil, fmt.Errorf("store: find message by sid: %w", wijkhelpt.NotFound(store.MessageNoun()))
	}
	d, err := findOne[wijkhelpt.Delivery](ctx, db, store.MessageNoun(), `SELECT doc FROM messages WHERE sid = ?`, sid)
	if err == nil {
		err = db.fillStatus(ctx, []*wijkhelpt.Delivery{d})
	}
	if err != nil {
		return nil, fmt.Errorf("store: find message by sid %s: %w", sid, err)
	}
	return d, nil
}

// FindMessages returns messages matching f, earliest due first, at most
// f.Limit (default 100, at most 1000).
func (db *DB) FindMessages(ctx context.Context, f wijkhelpt.DeliveryFilter) ([]*wijkhelpt.Delivery, error) {
	query, args, sortByDue := findMessagesQuery(f)
	out, err := findAll[wijkhelpt.Delivery](ctx, db, query, args...)
	if err == nil {
		err = db.fillStatus(ctx, out)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find messages: %w", err)
	}
	if sortByDue {
		slices.SortFunc(out, func(a, b *wijkhelpt.Delivery) int {
			if c := a.DueAt.Compare(b.DueAt); c != 0 {
				return c
			}
			return strings.Compare(a.Key, b.Key)
		})
	}
	return out, nil
}

// findMessagesQuery is the query for f. Every filter column has an index
// on (column, due_at, id); the most selective filter given picks the index
// and the others are checked on its rows (the unary + keeps the planner
// off their indexes). Several states, alone, are sorted by (due_at, id) in
// a subquery on messages_state, and the caller sorts the page's documents
// (sortByDue).
func findMessagesQuery(f wijkhelpt.DeliveryFilter) (query string, args []any, sortByDue bool) {
	limit := store.ClampLimit(f.Limit, 100, 1000)
	var conds []string
	lead := true // the next condition picks the index
	eq := func(col, v string) {
		if v == "" {
			return
		}
		if !lead {
			col = "+" + col
		}
		lead = false
		conds = append(conds, col+" = ?")
		args = append(args, v)
	}
	eq("request_id", f.RequestID)
	eq("to_phone", f.To)
	if len(f.States) == 1 {
		eq("state", string(f.States[0]))
	}
	eq("template", f.Template)
	eq("channel", f.Channel)
	if len(f.States) > 1 {
		col := "state"
		if !lead {
			col = "+state"
		}
		sortByDue = lead
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			marks[i] = "?"
			args = append(args, string(s))
		}
		conds = append(conds, col+" IN ("+strings.Join(marks, ", ")+")")
	}
	args = append(args, limit)
	switch {
	case len(conds) == 0:
		return `SELECT doc FROM messages ORDER BY due_at, id LIMIT ?`, args, false
	case sortByDue:
		return `SELECT doc FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE ` +
			strings.Join(conds, " AND ") + ` ORDER BY due_at, id LIMIT ?)`, args, true
	}
	return `SELECT doc FROM messages WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY due_at, id LIMIT ?`, args, false
}

// DueMessages returns messages a dispatch worker may claim at now: open,
// due, and not under a live lease. Earliest due first, at most limit
// (default 20, at most 500).
func (db *DB) DueMessages(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Delivery, error) {
	out, err := findAll[wijkhelpt.Delivery](ctx, db, dueMessagesSQL, millis(now), millis(now),
		store.ClampLimit(limit, 20, 500))
	if err != nil {
		return nil, fmt.Errorf("store: due messages: %w", err)
	}
	return out, nil
}

// dueMessagesSQL repeats the condition of the partial index messages_due,
// which is what lets the planner use it; without statistics it would
// rather take messages_state and sort.
const dueMessagesSQL = `SELECT doc FROM messages INDEXED BY messages_due
	WHERE state IN ('pending', 'sending', 'retry', 'unsure') AND due_at <= ? AND lease_until <= ?
	ORDER BY due_at, id LIMIT ?`

// ClaimMessage gives owner the message with the given key until `until`,
// if it is still open, due and free at now, and raises its epoch. The
// message is returned as claimed (state sending), together with the state
// it had before: a claim of a message that was "sending" or "unsure" must
// look at Twilio before sending again. When someone else holds or finished
// it, the error is a conflict. The read, the check and the write happen in
// one write, so of concurrent claims exactly one wins. seen, the epoch the
// caller read, is not needed for that.
func (db *DB) ClaimMessage(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (*wijkhelpt.Delivery, wijkhelpt.DeliveryState, error) {
	var claimed *wijkhelpt.Delivery
	var prev wijkhelpt.DeliveryState
	err := db.write(ctx, "claim message "+key, func(t *tx) (store.Change, error) {
		b, found, err := t.doc(`SELECT doc FROM messages WHERE id = ?`, key)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, err)
		}
		if !found {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, wijkhelpt.NotFound(store.MessageNoun()))
		}
		d, err := decode[wijkhelpt.Delivery](b)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, err)
		}
		if !store.Claimable(d, now) {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, store.LeaseTaken())
		}
		prev = d.State
		d.Epoch++
		d.State, d.LeaseOwner, d.LeaseUntil, d.UpdatedAt = wijkhelpt.DeliverySending, owner, until, now
		d, raw, err := messageDoc(d)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, err)
		}
		if _, err := t.exec(updateMessageSQL, messageArgs(d, raw)...); err != nil {
			return store.Change{}, fmt.Errorf("store: claim message %s: %w", key, err)
		}
		claimed = d
		return store.Change{}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return claimed, prev, nil
}

// SaveMessage writes a message its caller claimed (d.Epoch is the claim's
// epoch). When the message was claimed again since, because the caller's
// lease ran out and someone else took it over, nothing is written and the
// error is a conflict. A SID that belongs to another message is a
// conflict too: two messages with the same text to the same number, both
// sure that a look-up at Twilio found theirs.
func (db *DB) SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error {
	if d == nil || d.Key == "" {
		return errors.New("store: save message: no key")
	}
	doc, raw, err := messageDoc(d)
	if err != nil {
		return fmt.Errorf("store: save message %s: %w", d.Key, err)
	}
	return db.write(ctx, "save message "+d.Key, func(t *tx) (store.Change, error) {
		var epoch int64
		found, err := t.scan(`SELECT epoch FROM messages WHERE id = ?`, []any{d.Key}, &epoch)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: save message %s: %w", d.Key, err)
		}
		if !found {
			return store.Change{}, fmt.Errorf("store: save message %s: %w", d.Key, wijkhelpt.NotFound(store.MessageNoun()))
		}
		if epoch != d.Epoch {
			return store.Change{}, fmt.Errorf("store: save message %s: %w", d.Key, store.LeaseTaken())
		}
		_, err = t.exec(updateMessageSQL, messageArgs(doc, raw)...)
		if _, dup := uniqueViolation(err); dup {
			return store.Change{}, fmt.Errorf("store: save message %s: %w", d.Key, store.SIDTaken())
		}
		if err != nil {
			return store.Change{}, fmt.Errorf("store: save message %s: %w", d.Key, err)
		}
		return store.Change{}, nil
	})
}

// MarkCallbackDone records that phone staff made the call of a call-back
// task. A task already done is a conflict.
func (db *DB) MarkCallbackDone(ctx context.Context, key string, by wijkhelpt.Actor, at time.Time) error {
	return db.write(ctx, "mark call-back "+key+" done", func(t *tx) (store.Change, error) {
		fail := func(err error) (store.Change, error) {
			return store.Change{}, fmt.Errorf("store: mark call-back %s done: %w", key, err)
		}
		b, found, err := t.doc(`SELECT doc FROM messages WHERE id = ?`, key)
		if err != nil {
			return fail(err)
		}
		if !found {
			return fail(wijkhelpt.NotFound(store.CallbackNoun()))
		}
		d, err := decode[wijkhelpt.Delivery](b)
		if err != nil {
			return fail(err)
		}
		switch {
		case d.Channel != wijkhelpt.ChannelCallback:
			return fail(wijkhelpt.NotFound(store.CallbackNoun()))
		case d.State == wijkhelpt.DeliveryCalled:
			return fail(store.CallbackDoneAlready())
		case d.State != wijkhelpt.DeliveryCallback:
			return fail(store.CallbackNotDue())
		}
		d.State, d.DoneBy, d.DoneAt, d.UpdatedAt = wijkhelpt.DeliveryCalled, by, &at, at
		d, raw, err := messageDoc(d)
		if err != nil {
			return fail(err)
		}
		if _, err := t.exec(updateMessageSQL, messageArgs(d, raw)...); err != nil {
			return fail(err)
		}
		return store.Change{}, nil
	})
}
