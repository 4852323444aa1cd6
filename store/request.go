package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
)

// maxCreateTries bounds how often CreateRequest draws a new reference after
// a clash. References have 23^4 = 279,841 values, so a clash is rare but
// real once a desk has a few thousand requests.
const maxCreateTries = 10

func requestNoun() wijkhelpt.Text { return wijkhelpt.T("De hulpvraag", "The request") }

func requestExists() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Deze hulpvraag is al opgeslagen.", "This request has already been saved."))
}

// CreateRequest stores a new request and returns it as stored, with its
// revision. When the reference is taken it draws another. When a request
// with the same idempotency key exists, it returns that one and created =
// false; the unique index decides, so this holds for concurrent retries too.
// r itself is not changed.
func (db *DB) CreateRequest(ctx context.Context, r *wijkhelpt.Request) (*wijkhelpt.Request, bool, error) {
	if r == nil {
		return nil, false, errors.New("store: create request: nil request")
	}
	doc := *r
	if doc.ID == "" {
		doc.ID = wijkhelpt.NewID()
	}
	if doc.Ref == "" {
		doc.Ref = wijkhelpt.NewRef()
	}
	doc.Refresh()
	for try := 0; try < maxCreateTries; try++ {
		rev, err := db.NextRevision(ctx)
		if err != nil {
			return nil, false, err
		}
		doc.Revision = rev
		db.changes.note(collRequests, rev, doc.ID)
		_, err = db.requests.InsertOne(ctx, &doc)
		db.watches.requestsTouched(doc.ID)
		if err == nil {
			return &doc, true, nil
		}
		if !isDuplicate(err) {
			return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, err)
		}
		stored, retry, err := db.requestClash(ctx, &doc)
		if err != nil || stored != nil {
			return stored, false, err
		}
		if !retry {
			break
		}
	}
	return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, conflictChanged())
}

// requestClash finds out which unique key an insert of doc clashed on;
// FerretDB's error does not name the index. It returns the stored request
// for a repeated idempotency key, or retry = true after drawing a new
// reference for doc.
func (db *DB) requestClash(ctx context.Context, doc *wijkhelpt.Request) (stored *wijkhelpt.Request, retry bool, err error) {
	if doc.IdempotencyKey != "" {
		stored, err := db.findRequest(ctx, bson.D{{Key: "idempotencyKey", Value: doc.IdempotencyKey}})
		if err == nil {
			return stored, false, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, err)
		}
	}
	if err := db.requests.FindOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}).Err(); err == nil {
		return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, requestExists())
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, err)
	}
	// Whatever else clashed (the reference, or a document that is gone
	// again), a fresh reference and a second try is the answer.
	doc.Ref = wijkhelpt.NewRef()
	return nil, true, nil
}

func (db *DB) findRequest(ctx context.Context, filter bson.D) (*wijkhelpt.Request, error) {
	r := new(wijkhelpt.Request)
	if err := db.requests.FindOne(ctx, filter).Decode(r); err != nil {
		return nil, err
	}
	return r, nil
}

// notFound turns the driver's no-documents error into the domain's.
func notFound(err error, noun wijkhelpt.Text) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return wijkhelpt.NotFound(noun)
	}
	return err
}

// FindRequest returns the request with the given ID.
func (db *DB) FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error) {
	r, err := db.findRequest(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, fmt.Errorf("store: find request %s: %w", id, notFound(err, requestNoun()))
	}
	return r, nil
}

// FindRequestByRef returns the request with a reference such as "WH-7K3F",
// in any letter case.
func (db *DB) FindRequestByRef(ctx context.Context, ref string) (*wijkhelpt.Request, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	r, err := db.findRequest(ctx, bson.D{{Key: "ref", Value: ref}})
	if err != nil {
		return nil, fmt.Errorf("store: find request by ref %s: %w", ref, notFound(err, requestNoun()))
	}
	return r, nil
}

// FindRequestByToken returns the request whose status link token hashes to
// tokenHash.
func (db *DB) FindRequestByToken(ctx context.Context, tokenHash string) (*wijkhelpt.Request, error) {
	if tokenHash == "" {
		return nil, fmt.Errorf("store: find request by token: %w", wijkhelpt.NotFound(requestNoun()))
	}
	r, err := db.findRequest(ctx, bson.D{{Key: "tokenHash", Value: tokenHash}})
	if err != nil {
		return nil, fmt.Errorf("store: find request by token: %w", notFound(err, requestNoun()))
	}
	return r, nil
}

// FindRequestByMatch returns the request that holds the match with the
// given ID.
func (db *DB) FindRequestByMatch(ctx context.Context, matchID string) (*wijkhelpt.Request, error) {
	noun := wijkhelpt.T("De koppeling", "The match")
	id, ok := wijkhelpt.RequestIDOfMatch(matchID)
	if !ok {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, wijkhelpt.NotFound(noun))
	}
	r, err := db.findRequest(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, notFound(err, noun))
	}
	if _, err := r.Match(matchID); err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, err)
	}
	return r, nil
}

// FindRequests returns one page of requests in ID order: those after
// f.After, at most f.Limit (default 50, at most 500).
func (db *DB) FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error) {
	if db.watches != nil && onlyLive(f.Statuses) {
		// Live requests only, on the embedded store: from memory (watch.go).
		all, err := db.liveRequests(ctx, db.watches.live)
		if err != nil {
			return nil, fmt.Errorf("store: find requests: %w", err)
		}
		out := slices.DeleteFunc(all, func(r *wijkhelpt.Request) bool { return !matchesRequestFilter(r, f) })
		slices.SortFunc(out, func(a, b *wijkhelpt.Request) int { return strings.Compare(a.ID, b.ID) })
		return out[:min(len(out), int(clampLimit(f.Limit, 50, 500)))], nil
	}
	if db.watches != nil && f.OfferID != "" {
		// One offer's requests, on the embedded store: read by _id.
		ids, err := db.requestsOfOffer(ctx, db.watches.offers, f.OfferID)
		if err != nil {
			return nil, fmt.Errorf("store: find requests: %w", err)
		}
		slices.Sort(ids)
		limit := int(clampLimit(f.Limit, 50, 500))
		out := []*wijkhelpt.Request{}
		for _, id := range ids {
			if id <= f.After {
				continue
			}
			r, err := db.FindRequest(ctx, id)
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("store: find requests: %w", err)
			}
			if matchesRequestFilter(r, f) {
				out = append(out, r)
				if len(out) == limit {
					break
				}
			}
		}
		return out, nil
	}
	filter := bson.D{}
	if f.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After}}})
	}
	if len(f.Statuses) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Statuses}}})
	}
	if f.Phone != "" {
		filter = append(filter, bson.E{Key: "contact.phone", Value: f.Phone})
	}
	if f.OfferID != "" {
		// Dot notation reaches into the array of matches on both MongoDB
		// and FerretDB; $elemMatch on subdocument fields does not work on
		// FerretDB v1 and is not needed for one condition.
		filter = append(filter, bson.E{Key: "matches.offerId", Value: f.OfferID})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(clampLimit(f.Limit, 50, 500))
	out, err := findAll[wijkhelpt.Request](ctx, db.requests, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("store: find requests: %w", err)
	}
	return out, nil
}

// requestVersioning is how requests are updated: the write only goes through
// when revision and status are still what was read.
func (db *DB) requestVersioning() versioned[wijkhelpt.Request] {
	return versioned[wijkhelpt.Request]{
		coll: db.requests,
		noun: requestNoun(),
		what: "request",
		guard: func(old *wijkhelpt.Request) bson.D {
			return bson.D{{Key: "revision", Value: old.Revision}, {Key: "status", Value: old.Status}}
		},
		stamp: func(old, next *wijkhelpt.Request, rev int64, now time.Time) {
			next.ID = old.ID
			next.Refresh()
			if next.UpdatedAt.Equal(old.UpdatedAt) {
				next.UpdatedAt = now
			}
			next.Revision = rev
		},
	}
}

// UpdateRequest changes a request with fn, atomically: fn gets a copy of
// the stored request, and its result is written only if nobody wrote the
// request in between; otherwise fn runs again on the newer version (up to
// ten times, then a conflict error). An error from fn, such as a refused
// state transition, is returned unchanged and nothing is written. fn must
// not call the store itself.
func (db *DB) UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error) {
	return update(ctx, db, db.requestVersioning(), id, fn)
}

// RequestsChangedSince returns the requests written after revision rev, in
// revision order, at most limit (default 100, at most 1000). Follow it with a
// wijkhelpt.Cursor: revisions can commit out of order. On a database opened
// with Embedded.Open it usually answers from the change log.
func (db *DB) RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error) {
	out, err := changedSince(ctx, db, db.requests, rev, limit, func(r *wijkhelpt.Request) int64 { return r.Revision })
	if err != nil {
		return nil, fmt.Errorf("store: requests changed since %d: %w", rev, err)
	}
	return out, nil
}

// RequestsDue returns requests with a proposal whose answer time ran out at
// or before now, earliest first, at most limit (default 100, at most 1000).
func (db *DB) RequestsDue(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Request, error) {
	if db.watches != nil {
		out, err := db.deadlinePoll().run(ctx, db.watches.deadline, now, int(clampLimit(limit, 100, 1000)))
		if err != nil {
			return nil, fmt.Errorf("store: requests due: %w", err)
		}
		return out, nil
	}
	out, err := findAll[wijkhelpt.Request](ctx, db.requests,
		bson.D{{Key: "proposalDeadline", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "proposalDeadline", Value: 1}}).SetLimit(clampLimit(limit, 100, 1000)))
	if err != nil {
		return nil, fmt.Errorf("store: requests due: %w", err)
	}
	return out, nil
}

// RequestsWithPendingMessages returns requests whose outbox holds messages
// not yet relayed, least recently written first, at most limit (default 100,
// at most 1000).
func (db *DB) RequestsWithPendingMessages(ctx context.Context, limit int) ([]*wijkhelpt.Request, error) {
	if db.watches != nil {
		out, err := db.pendingPoll().run(ctx, db.watches.pending, db.now(), int(clampLimit(limit, 100, 1000)))
		if err != nil {
			return nil, fmt.Errorf("store: requests with pending messages: %w", err)
		}
		return out, nil
	}
	out, err := findAll[wijkhelpt.Request](ctx, db.requests,
		bson.D{{Key: "pendingMessages", Value: bson.D{{Key: "$gt", Value: 0}}}},
		options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(clampLimit(limit, 100, 1000)))
	if err != nil {
		return nil, fmt.Errorf("store: requests with pending messages: %w", err)
	}
	return out, nil
}

// CountRequests counts all requests.
func (db *DB) CountRequests(ctx context.Context) (int64, error) {
	n, err := db.requests.CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, nil
}

// InsertRequests stores many new requests at once, for an import, and
// returns how many it stored. A request whose idempotency key is already
// stored is skipped, so importing the same file twice adds nothing the
// second time. The requests share one block of revisions.
func (db *DB) InsertRequests(ctx context.Context, reqs []*wijkhelpt.Request) (int, error) {
	if len(reqs) == 0 {
		return 0, nil
	}
	last, err := db.takeRevisions(ctx, len(reqs))
	if err != nil {
		return 0, err
	}
	first := last - int64(len(reqs)) + 1
	docs := make([]wijkhelpt.Request, len(reqs))
	batch := make([]any, len(reqs))
	refs := make(map[string]bool, len(reqs))
	for i, r := range reqs {
		if r == nil {
			return 0, fmt.Errorf("store: insert requests: nil request at %d", i)
		}
		d := *r
		if d.ID == "" {
			d.ID = wijkhelpt.NewID()
		}
		// A clash within the batch would only cost a slower retry below.
		for d.Ref == "" || refs[d.Ref] {
			d.Ref = wijkhelpt.NewRef()
		}
		refs[d.Ref] = true
		d.Refresh()
		d.Revision = first + int64(i)
		docs[i] = d
		batch[i] = &docs[i]
	}
	db.changes.note(collRequests, first, docIDs(docs, func(r *wijkhelpt.Request) string { return r.ID })...)
	failed, err := insertUnordered(ctx, db.requests, batch)
	db.watches.requestsTouched(docIDs(docs, func(r *wijkhelpt.Request) string { return r.ID })...)
	if err != nil {
		return 0, fmt.Errorf("store: insert requests: %w", err)
	}
	inserted := len(reqs) - len(failed)
	for _, i := range failed {
		d := &docs[i]
		if d.IdempotencyKey != "" {
			err := db.requests.FindOne(ctx, bson.D{{Key: "idempotencyKey", Value: d.IdempotencyKey}}).Err()
			if err == nil {
				continue // imported before
			}
			if !errors.Is(err, mongo.ErrNoDocuments) {
				return inserted, fmt.Errorf("store: insert requests: %w", err)
			}
		}
		err := db.requests.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Err()
		if err == nil {
			continue // the same request (by ID) is stored already
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return inserted, fmt.Errorf("store: insert requests: %w", err)
		}
		// Most likely a reference that was taken: CreateRequest draws a
		// new one (and still skips a key that appeared meanwhile).
		_, created, err := db.CreateRequest(ctx, d)
		if err != nil {
			return inserted, fmt.Errorf("store: insert requests: %w", err)
		}
		if created {
			inserted++
		}
	}
	return inserted, nil
}

// insertUnordered inserts docs with one unordered InsertMany and returns
// the positions of the documents refused for a duplicate key. Any other
// failure is an error.
func insertUnordered(ctx context.Context, c *mongo.Collection, docs []any) ([]int, error) {
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, err
	}
	failed := make([]int, 0, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 && we.Code != 11001 {
			return nil, err
		}
		failed = append(failed, we.Index)
	}
	return failed, nil
}
