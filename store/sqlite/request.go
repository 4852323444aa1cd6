package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// maxCreateTries bounds how often a new request draws another reference
// after a clash. References have 23^4 = 279,841 values, so a clash is rare
// but real once a desk has a few thousand requests.
const maxCreateTries = 10

// insertChunk is how many documents of an import go into one write, so
// that a big import does not hold up the writes of everyone else.
const insertChunk = 500

const (
	insertRequestSQL = `INSERT INTO requests (id, ref, token_hash, idempotency_key, revision, status,
	phone, proposal_deadline, pending_messages, created_at, doc)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`
	updateRequestSQL = `UPDATE requests SET ref = ?2, token_hash = ?3, idempotency_key = ?4,
	revision = ?5, status = ?6, phone = ?7, proposal_deadline = ?8, pending_messages = ?9,
	created_at = ?10, doc = ?11 WHERE id = ?1`
)

// requestArgs are the arguments of insertRequestSQL and updateRequestSQL.
func requestArgs(r *wijkhelpt.Request, doc []byte) []any {
	return []any{r.ID, r.Ref, r.TokenHash, nullString(r.IdempotencyKey), r.Revision, string(r.Status),
		r.Contact.Phone, nullMillis(r.ProposalDeadline), int64(r.PendingMessages), millis(r.CreatedAt), doc}
}

// newRequestDoc is a copy of r ready to be stored: with an ID, a reference
// and its derived fields; its revision is set when it is written. taken
// are references that may not be used (the others of an import).
func newRequestDoc(r *wijkhelpt.Request, taken map[string]bool) *wijkhelpt.Request {
	d := *r
	if d.ID == "" {
		d.ID = wijkhelpt.NewID()
	}
	for d.Ref == "" || taken[d.Ref] {
		d.Ref = wijkhelpt.NewRef()
	}
	d.Refresh()
	return &d
}

// CreateRequest stores a new request and returns it as stored, with its
// revision. A taken reference is drawn again. With an idempotency key that
// is stored already it returns that request and created = false; writes
// run one at a time, so this holds for concurrent retries too. r itself is
// not changed.
func (db *DB) CreateRequest(ctx context.Context, r *wijkhelpt.Request) (*wijkhelpt.Request, bool, error) {
	if r == nil {
		return nil, false, errors.New("store: create request: nil request")
	}
	d := newRequestDoc(r, nil)
	// Encoded here, on the caller's goroutine; the writer only sets the
	// revision in the encoded document.
	raw, err := bson.Marshal(d)
	if err != nil {
		return nil, false, fmt.Errorf("store: create request %s: %w", d.ID, err)
	}
	pub, err := decode[wijkhelpt.Request](raw)
	if err != nil {
		return nil, false, fmt.Errorf("store: create request %s: %w", d.ID, err)
	}
	var stored []byte
	var created bool
	err = db.write(ctx, "create request "+d.ID, func(t *tx) (store.Change, error) {
		res, doc, err := t.insertRequest(d, raw)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: create request %s: %w", d.ID, err)
		}
		switch res {
		case idStored:
			return store.Change{}, fmt.Errorf("store: create request %s: %w", d.ID, store.RequestExists())
		case keyStored:
			stored = doc
			return store.Change{}, nil
		}
		stored, created = doc, true
		pub.Revision, pub.Ref = d.Revision, d.Ref
		return store.Change{Requests: []*wijkhelpt.Request{pub}}, nil
	})
	if err != nil {
		return nil, false, err
	}
	out, err := decode[wijkhelpt.Request](stored)
	if err != nil {
		return nil, false, fmt.Errorf("store: create request %s: %w", d.ID, err)
	}
	return out, created, nil
}

// insertOutcome is what became of a new document.
type insertOutcome int

const (
	inserted  insertOutcome = iota
	keyStored               // its idempotency or import key is stored already
	idStored                // its ID is stored already
)

// insertRequest stores d (encoded as raw) with the next revision, drawing
// a new reference while it is taken. When the request's idempotency key is
// stored already, it returns that request's document and keyStored.
func (t *tx) insertRequest(d *wijkhelpt.Request, raw []byte) (insertOutcome, []byte, error) {
	rev := t.nextRevision()
	d.Revision = rev
	if err := setRevision(raw, rev); err != nil {
		return 0, nil, err
	}
	for try := 0; try < maxCreateTries; try++ {
		_, err := t.exec(insertRequestSQL, requestArgs(d, raw)...)
		if err == nil {
			return inserted, raw, t.linkOffers(d.ID, nil, offerIDsOf(d))
		}
		cols, dup := uniqueViolation(err)
		if !dup {
			return 0, nil, err
		}
		// The key first: a retry of the very same request (same ID, same
		// key) is a repeat, not a clash.
		if d.IdempotencyKey != "" {
			doc, found, err := t.doc(`SELECT doc FROM requests WHERE idempotency_key = ?`, d.IdempotencyKey)
			if err != nil {
				return 0, nil, err
			}
			if found {
				t.undoRevision(rev)
				return keyStored, doc, nil
			}
		}
		// SQLite names the first unique index that clashed, which for a
		// repeat of a stored request need not be the ID's.
		if _, found, err := t.doc(`SELECT doc FROM requests WHERE id = ?`, d.ID); err != nil {
			return 0, nil, err
		} else if found {
			t.undoRevision(rev)
			return idStored, nil, nil
		}
		if cols == "requests.token_hash" {
			// Another request has this status link: the same request
			// under another ID. Never with links drawn at random.
			t.undoRevision(rev)
			return 0, nil, store.RequestExists()
		}
		// The reference: draw another.
		d.Ref = wijkhelpt.NewRef()
		if raw, err = bson.Marshal(d); err != nil {
			return 0, nil, err
		}
	}
	return 0, nil, store.ConflictChanged()
}

// offerIDsOf lists the offers the request has matches to, each once.
func offerIDsOf(r *wijkhelpt.Request) []string {
	var ids []string
	for _, m := range r.Matches {
		if m.OfferID != "" && !slices.Contains(ids, m.OfferID) {
			ids = append(ids, m.OfferID)
		}
	}
	return ids
}

// linkOffers brings request_offers in step with a request whose matches
// were to the offers before and are now to those after.
func (t *tx) linkOffers(requestID string, before, after []string) error {
	for _, id := range after {
		if slices.Contains(before, id) {
			continue
		}
		if _, err := t.exec(`INSERT INTO request_offers (offer_id, request_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, id, requestID); err != nil {
			return err
		}
	}
	for _, id := range before {
		if slices.Contains(after, id) {
			continue
		}
		if _, err := t.exec(`DELETE FROM request_offers WHERE offer_id = ? AND request_id = ?`, id, requestID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateRequest changes a request with fn, atomically: fn gets the stored
// request, and what it made of it is written in the same transaction. An
// error from fn, such as a refused state transition, is returned unchanged
// and nothing is written. fn runs on the writer goroutine: it must be quick
// and must not call the store.
func (db *DB) UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error) {
	var stored []byte
	err := db.write(ctx, "update request "+id, func(t *tx) (store.Change, error) {
		next, err := load[wijkhelpt.Request](t, "requests", id, "update request "+id, store.RequestNoun())
		if err != nil {
			return store.Change{}, err
		}
		oldUpdated, before := next.UpdatedAt, offerIDsOf(next)
		if err := fn(next); err != nil {
			return store.Change{}, err
		}
		next.ID = id
		next.Refresh()
		if next.UpdatedAt.Equal(oldUpdated) {
			next.UpdatedAt = t.now
		}
		next.Revision = t.nextRevision()
		raw, err := bson.Marshal(next)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: update request %s: %w", id, err)
		}
		if _, err := t.exec(updateRequestSQL, requestArgs(next, raw)...); err != nil {
			return store.Change{}, fmt.Errorf("store: update request %s: %w", id, err)
		}
		if err := t.linkOffers(id, before, offerIDsOf(next)); err != nil {
			return store.Change{}, fmt.Errorf("store: update request %s: %w", id, err)
		}
		pub, err := decode[wijkhelpt.Request](raw)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: update request %s: %w", id, err)
		}
		stored = raw
		return store.Change{Requests: []*wijkhelpt.Request{pub}}, nil
	})
	if err != nil {
		return nil, err
	}
	out, err := decode[wijkhelpt.Request](stored)
	if err != nil {
		return nil, fmt.Errorf("store: update request %s: %w", id, err)
	}
	return out, nil
}

// InsertRequests stores many new requests at once, for an import, and
// returns how many it stored. A request whose idempotency key or ID is
// stored already is skipped, so importing the same file twice adds nothing
// the second time. A taken reference is drawn again. The requests go in
// writes of insertChunk; when one fails, those before it stay stored.
func (db *DB) InsertRequests(ctx context.Context, reqs []*wijkhelpt.Request) (int, error) {
	for i, r := range reqs {
		if r == nil {
			return 0, fmt.Errorf("store: insert requests: nil request at %d", i)
		}
	}
	taken := make(map[string]bool, len(reqs))
	total := 0
	for chunk := range slices.Chunk(reqs, insertChunk) {
		docs := make([]*wijkhelpt.Request, len(chunk))
		raws := make([][]byte, len(chunk))
		pubs := make([]*wijkhelpt.Request, len(chunk))
		for i, r := range chunk {
			d := newRequestDoc(r, taken)
			taken[d.Ref] = true
			raw, err := bson.Marshal(d)
			if err != nil {
				return total, fmt.Errorf("store: insert requests: %w", err)
			}
			if pubs[i], err = decode[wijkhelpt.Request](raw); err != nil {
				return total, fmt.Errorf("store: insert requests: %w", err)
			}
			docs[i], raws[i] = d, raw
		}
		n := 0
		err := db.write(ctx, "insert requests", func(t *tx) (store.Change, error) {
			n = 0
			var c store.Change
			for i, d := range docs {
				res, _, err := t.insertRequest(d, raws[i])
				if err != nil {
					return store.Change{}, fmt.Errorf("store: insert requests: %w", err)
				}
				if res == inserted {
					pubs[i].Revision, pubs[i].Ref = d.Revision, d.Ref
					c.Requests = append(c.Requests, pubs[i])
					n++
				}
			}
			return c, nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
