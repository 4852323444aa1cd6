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

// maxCreateTries bounds how often CreateRequest draws a new reference after
// a clash. References have 23^4 = 279,841 values, so a clash is rare but
// real once a desk has a few thousand requests.
const maxCreateTries = 10

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
		rev, err := db.takeRevisions(ctx, 1)
		if err != nil {
			return nil, false, err
		}
		doc.Revision = rev
		_, err = db.requests.InsertOne(ctx, &doc)
		if err == nil {
			db.publish([]*wijkhelpt.Request{&doc}, nil)
			return &doc, true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, err)
		}
		stored, err := db.requestClash(ctx, &doc)
		if err != nil || stored != nil {
			return stored, false, err
		}
	}
	return nil, false, fmt.Errorf("store: create request %s: %w", doc.ID, store.ConflictChanged())
}

// requestClash finds out which unique key an insert of doc clashed on, by
// looking: the server's error names the index only in its message text. It
// returns the stored request for a repeated idempotency key, a conflict for
// a stored ID, and else draws a new reference for doc to try again with.
func (db *DB) requestClash(ctx context.Context, doc *wijkhelpt.Request) (*wijkhelpt.Request, error) {
	if doc.IdempotencyKey != "" {
		stored, err := db.findRequest(ctx, bson.D{{Key: "idempotencyKey", Value: doc.IdempotencyKey}})
		if err == nil {
			return stored, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, fmt.Errorf("store: create request %s: %w", doc.ID, err)
		}
	}
	if err := db.requests.FindOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}).Err(); err == nil {
		return nil, fmt.Errorf("store: create request %s: %w", doc.ID, store.RequestExists())
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: create request %s: %w", doc.ID, err)
	}
	// Whatever else clashed (the reference, or a document that is gone
	// again), a fresh reference and a second try is the answer.
	doc.Ref = wijkhelpt.NewRef()
	return nil, nil
}

func (db *DB) findRequest(ctx context.Context, filter bson.D) (*wijkhelpt.Request, error) {
	r := new(wijkhelpt.Request)
	if err := db.requests.FindOne(ctx, filter).Decode(r); err != nil {
		return nil, err
	}
	return r, nil
}

// FindRequest returns the request with the given ID.
func (db *DB) FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error) {
	r, err := db.findRequest(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, fmt.Errorf("store: find request %s: %w", id, notFound(err, store.RequestNoun()))
	}
	return r, nil
}

// FindRequestByRef returns the request with a reference such as "WH-7K3F",
// in any letter case.
func (db *DB) FindRequestByRef(ctx context.Context, ref string) (*wijkhelpt.Request, error) {
	ref = store.NormalizeRef(ref)
	r, err := db.findRequest(ctx, bson.D{{Key: "ref", Value: ref}})
	if err != nil {
		return nil, fmt.Errorf("store: find request by ref %s: %w", ref, notFound(err, store.RequestNoun()))
	}
	return r, nil
}

// FindRequestByToken returns the request whose status link token hashes to
// tokenHash.
func (db *DB) FindRequestByToken(ctx context.Context, tokenHash string) (*wijkhelpt.Request, error) {
	if tokenHash == "" {
		return nil, fmt.Errorf("store: find request by token: %w", wijkhelpt.NotFound(store.RequestNoun()))
	}
	r, err := db.findRequest(ctx, bson.D{{Key: "tokenHash", Value: tokenHash}})
	if err != nil {
		// The hash stands for a credential: keep it out of error texts.
		return nil, fmt.Errorf("store: find request by token: %w", notFound(err, store.RequestNoun()))
	}
	return r, nil
}

// FindRequestByMatch returns the request that holds the match with the
// given ID.
func (db *DB) FindRequestByMatch(ctx context.Context, matchID string) (*wijkhelpt.Request, error) {
	id, ok := wijkhelpt.RequestIDOfMatch(matchID)
	if !ok {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, wijkhelpt.NotFound(store.MatchNoun()))
	}
	r, err := db.findRequest(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, notFound(err, store.MatchNoun()))
	}
	if _, err := r.Match(matchID); err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, err)
	}
	return r, nil
}

// FindRequests returns one page of requests in ID order: those after
// f.After, at most f.Limit (default 50, at most 500).
func (db *DB) FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error) {
	filter := bson.D{}
	if len(f.Statuses) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Statuses}}})
	}
	if f.Phone != "" {
		filter = append(filter, bson.E{Key: "contact.phone", Value: f.Phone})
	}
	if f.OfferID != "" {
		// Dot notation reaches into the array of matches.
		filter = append(filter, bson.E{Key: "matches.offerId", Value: f.OfferID})
	}
	if f.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(limit(f.Limit, 50, 500))
	out, err := findAll[wijkhelpt.Request](ctx, db.requests, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("store: find requests: %w", err)
	}
	return out, nil
}

// UpdateRequest changes a request with fn, atomically: fn gets a copy of
// the stored request, and its result is written only if nobody wrote the
// request in between; otherwise fn runs again on the newer version (up to
// ten times, then a conflict error). An error from fn, such as a refused
// state transition, is returned unchanged and nothing is written. fn must
// not call the store itself.
func (db *DB) UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error) {
	r, err := update(ctx, db, versioned[wijkhelpt.Request]{
		coll: db.requests,
		noun: store.RequestNoun(),
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
	}, id, fn)
	if err != nil {
		return nil, err
	}
	db.publish([]*wijkhelpt.Request{r}, nil)
	return r, nil
}

// RequestsChangedSince returns the requests written after revision rev, in
// revision order, at most limit (default 100, at most 1000). Writers in
// several processes can commit out of order: follow it with a
// wijkhelpt.Cursor.
func (db *DB) RequestsChangedSince(ctx context.Context, rev int64, n int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db.requests, changedSince(rev), changedPage(n))
	if err != nil {
		return nil, fmt.Errorf("store: requests changed since %d: %w", rev, err)
	}
	return out, nil
}

// changedSince is the filter of the revision feeds.
func changedSince(rev int64) bson.D {
	return bson.D{{Key: "revision", Value: bson.D{{Key: "$gt", Value: rev}}}}
}

// changedPage is the order and page size of the revision feeds.
func changedPage(n int) *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(limit(n, 100, 1000))
}

// RequestsDue returns requests with a proposal whose answer time ran out at
// or before now, earliest first, at most limit (default 100, at most 1000).
func (db *DB) RequestsDue(ctx context.Context, now time.Time, n int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db.requests,
		bson.D{{Key: "proposalDeadline", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "proposalDeadline", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(limit(n, 100, 1000)))
	if err != nil {
		return nil, fmt.Errorf("store: requests due: %w", err)
	}
	return out, nil
}

// RequestsWithPendingMessages returns requests whose outbox holds messages
// not yet relayed, lowest revision first, at most limit (default 100, at
// most 1000).
func (db *DB) RequestsWithPendingMessages(ctx context.Context, n int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db.requests,
		bson.D{{Key: "pendingMessages", Value: bson.D{{Key: "$gt", Value: 0}}}},
		options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(limit(n, 100, 1000)))
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
// returns how many it stored. A request whose idempotency key or ID is
// stored already is skipped, so importing the same file twice adds nothing
// the second time. The requests share one block of revisions.
func (db *DB) InsertRequests(ctx context.Context, reqs []*wijkhelpt.Request) (int, error) {
	if len(reqs) == 0 {
		return 0, nil
	}
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
		docs[i] = d
		batch[i] = &docs[i]
	}
	last, err := db.takeRevisions(ctx, len(reqs))
	if err != nil {
		return 0, err
	}
	for i := range docs {
		docs[i].Revision = last - int64(len(docs)-1-i)
	}
	failed, err := insertUnordered(ctx, db.requests, batch)
	if err != nil {
		return 0, fmt.Errorf("store: insert requests: %w", err)
	}
	db.publish(except(docs, failed), nil)
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

// except returns pointers to the documents of docs whose positions are not
// in skip.
func except[T any](docs []T, skip []int) []*T {
	out := make([]*T, 0, max(0, len(docs)-len(skip)))
	gone := make(map[int]bool, len(skip))
	for _, i := range skip {
		gone[i] = true
	}
	for i := range docs {
		if !gone[i] {
			out = append(out, &docs[i])
		}
	}
	return out
}
