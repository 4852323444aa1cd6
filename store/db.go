package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
)

// Collection names.
const (
	collRequests   = "requests"
	collOffers     = "offers"
	collUsers      = "users"
	collTokens     = "tokens"
	collSessions   = "sessions"
	collGeocache   = "geocache"
	collRateLimits = "ratelimits"
	collAudit      = "audit"
	collCounters   = "counters"
)

// revisionCounter is the _id of the one store-wide revision counter.
const revisionCounter = "revision"

// maxUpdateTries bounds how often an update re-reads and re-applies its
// change when another writer got in between.
const maxUpdateTries = 10

// DB is the WijkHelpt database: requests, offers, users and the small
// collections around them. It is safe for concurrent use. Open one DB per
// process and database: the per-document locks that make updates atomic on
// the embedded store live in it.
type DB struct {
	client *mongo.Client
	db     *mongo.Database

	requests, offers, users, tokens *mongo.Collection
	sessions, geocache, rateLimits  *mongo.Collection
	audit, counters                 *mongo.Collection
	locks                           *keyLocks
	revisionLock                    chan struct{}
	now                             func() time.Time
	// ferret is set when the server is FerretDB, which filters every query
	// but one on _id in Go: there, only unique indexes earn their keep.
	ferret bool
	// changes is the change log shared by every DB that Embedded.Open made
	// for this database; nil when opened by address.
	changes *changeLog
	// watches answers the background polls on the embedded store (watch.go);
	// nil elsewhere.
	watches   *watches
	feedReads feedReads
}

// Open connects to the database at uri (a mongodb:// address: MongoDB or the
// embedded store), checks that it answers, and creates the collections and
// indexes that are missing. It is safe to call on an existing database. For
// the embedded store of this process, Embedded.Open is faster.
func Open(ctx context.Context, uri, dbName string) (*DB, error) {
	db, _, err := open(ctx, uri, dbName)
	return db, err
}

// open is Open, and also returns the highest revision stored in each
// collection when it was set up.
func open(ctx context.Context, uri, dbName string) (*DB, map[string]int64, error) {
	if dbName == "" {
		return nil, nil, errors.New("store: open: empty database name")
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("wijkhelpt"))
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	db := newDB(client, dbName)
	if err := db.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	tops, err := db.setUp(ctx)
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return db, tops, nil
}

func newDB(client *mongo.Client, dbName string) *DB {
	d := client.Database(dbName)
	return &DB{
		client:       client,
		db:           d,
		requests:     d.Collection(collRequests),
		offers:       d.Collection(collOffers),
		users:        d.Collection(collUsers),
		tokens:       d.Collection(collTokens),
		sessions:     d.Collection(collSessions),
		geocache:     d.Collection(collGeocache),
		rateLimits:   d.Collection(collRateLimits),
		audit:        d.Collection(collAudit),
		counters:     d.Collection(collCounters),
		locks:        newKeyLocks(),
		revisionLock: make(chan struct{}, 1),
		now:          time.Now,
	}
}

// Close disconnects from the database, waiting for operations in flight
// until ctx is done.
func (db *DB) Close(ctx context.Context) error {
	if err := db.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Database gives the other files of package store (the outbox, sessions)
// the underlying database. Code outside this package goes through DB's
// methods.
func (db *DB) Database() *mongo.Database { return db.db }

// index is one index of a collection. Unique indexes on optional fields are
// sparse: documents without the field do not take part. FerretDB v1 ignores
// the sparse flag but behaves the same, because its SQLite indexes store a
// missing field as NULL, and NULLs never clash. Partial indexes would be the
// better fit on MongoDB, but FerretDB does not implement them.
type index struct {
	keys   bson.D
	unique bool
	sparse bool
}

func asc(fields ...string) bson.D {
	d := bson.D{}
	for _, f := range fields {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

// schema lists every collection and its indexes.
func schema() map[string][]index {
	return map[string][]index{
		collRequests: {
			{keys: asc("ref"), unique: true},
			{keys: asc("tokenHash"), unique: true},
			{keys: asc("idempotencyKey"), unique: true, sparse: true},
			{keys: asc("revision")},
			{keys: asc("status", "createdAt")},
			{keys: asc("contact.phone")},
			{keys: asc("proposalDeadline")},
			{keys: asc("pendingMessages")},
			// A multikey index on MongoDB. FerretDB accepts it but cannot
			// use it: it filters every query except one on _id in Go.
			{keys: asc("matches.offerId")},
		},
		collOffers: {
			{keys: asc("importKey"), unique: true, sparse: true},
			{keys: asc("revision")},
			{keys: asc("phone")},
			{keys: asc("userId")},
		},
		collUsers:      {{keys: asc("email"), unique: true}, {keys: asc("revision")}},
		collTokens:     {{keys: asc("hash"), unique: true}, {keys: asc("userId")}},
		collSessions:   {{keys: asc("expiresAt")}, {keys: asc("userId")}},
		collGeocache:   nil,
		collRateLimits: {{keys: asc("expiresAt")}},
		collAudit:      {{keys: asc("objectId", "at")}, {keys: asc("actor", "at")}},
		collCounters:   nil,
	}
}

// setUp creates what is missing: collections, indexes, and a revision
// counter at least as high as every stored revision (in case the counters
// collection was lost or restored from an older backup than the rest). It
// returns the highest revision stored in each revisioned collection.
func (db *DB) setUp(ctx context.Context) (map[string]int64, error) {
	var info bson.M
	if err := db.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return nil, fmt.Errorf("store: build info: %w", err)
	}
	_, db.ferret = info["ferretdbVersion"]
	all := schema()
	// The SMS collections are created here too, so that every collection
	// exists (and every FerretDB table, see Embedded.Open) once Open returns.
	for name, indexes := range messageSchema() {
		all[name] = indexes
	}
	for name, indexes := range all {
		if err := db.db.CreateCollection(ctx, name); err != nil && !isCode(err, 48) { // NamespaceExists
			return nil, fmt.Errorf("store: create collection %s: %w", name, err)
		}
		if err := db.ensureIndexes(ctx, name, indexes); err != nil {
			return nil, err
		}
	}
	tops := map[string]int64{}
	var top int64
	for _, c := range []*mongo.Collection{db.requests, db.offers, db.users} {
		var doc struct {
			Revision int64 `bson:"revision"`
		}
		err := c.FindOne(ctx, bson.D{}, options.FindOne().
			SetSort(bson.D{{Key: "revision", Value: -1}}).
			SetProjection(bson.D{{Key: "revision", Value: 1}})).Decode(&doc)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, fmt.Errorf("store: read highest revision of %s: %w", c.Name(), err)
		}
		tops[c.Name()] = doc.Revision
		top = max(top, doc.Revision)
	}
	_, err := db.counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: revisionCounter}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "value", Value: top}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil && !isDuplicate(err) {
		return nil, fmt.Errorf("store: set up revision counter: %w", err)
	}
	return tops, nil
}

// ensureIndexes creates those of indexes that the collection lacks, by name,
// one at a time. FerretDB v1.24 panics (and drops the connection) when one
// createIndexes command lists several indexes of which more than one
// exists already, which is exactly what a restart would send.
//
// On FerretDB only the unique indexes are created. It answers every query
// except an _id lookup by reading the whole collection and filtering in Go,
// so it never uses an index to find anything; each index only makes SQLite
// parse every written document's JSON once more (the bulk import got about
// a fifth faster without them).
func (db *DB) ensureIndexes(ctx context.Context, coll string, indexes []index) error {
	if len(indexes) == 0 {
		return nil
	}
	iv := db.db.Collection(coll).Indexes()
	specs, err := iv.ListSpecifications(ctx)
	if err != nil && !isCode(err, 26) { // NamespaceNotFound
		return fmt.Errorf("store: list indexes of %s: %w", coll, err)
	}
	have := map[string]bool{}
	for _, s := range specs {
		have[s.Name] = true
	}
	for _, ix := range indexes {
		name := indexName(ix.keys)
		if have[name] || (db.ferret && !ix.unique) {
			continue
		}
		o := options.Index().SetName(name)
		if ix.unique {
			o.SetUnique(true)
		}
		if ix.sparse {
			o.SetSparse(true)
		}
		if _, err := iv.CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: o}); err != nil {
			return fmt.Errorf("store: create index %s of %s: %w", name, coll, err)
		}
	}
	return nil
}

func indexName(keys bson.D) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s_%v", k.Key, k.Value))
	}
	return strings.Join(parts, "_")
}

// NextRevision takes the next number of the store-wide revision counter.
// Every write stores one in the document it writes, which is what the
// revision feed (RequestsChangedSince, OffersChangedSince) follows.
func (db *DB) NextRevision(ctx context.Context) (int64, error) {
	return db.takeRevisions(ctx, 1)
}

// takeRevisions takes n consecutive revisions with one $inc and returns the
// last of them. FerretDB v1 does not apply $inc atomically either, so the
// counter is also guarded by a lock within this process.
func (db *DB) takeRevisions(ctx context.Context, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("store: take %d revisions", n)
	}
	select {
	case db.revisionLock <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("store: take revision: %w", ctx.Err())
	}
	defer func() { <-db.revisionLock }()
	var doc struct {
		Value int64 `bson:"value"`
	}
	var err error
	// Two first-ever upserts in different processes can clash on _id;
	// the loser simply increments the counter the winner created.
	for try := 0; try < 3; try++ {
		err = db.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: revisionCounter}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(n)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
		if !isDuplicate(err) {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("store: take revision: %w", err)
	}
	return doc.Value, nil
}

// isCode reports whether err is a server error with the given code.
func isCode(err error, code int) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(code)
}

// isDuplicate reports whether err is a unique index violation. FerretDB v1
// reports one caused by an update (not an insert) as an InternalError
// carrying SQLite's message, so that is recognised too.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && strings.Contains(se.Error(), "UNIQUE constraint failed")
}

// conflictChanged is the error for an update that lost every race.
func conflictChanged() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T(
		"De gegevens zijn net door iemand anders gewijzigd. Probeer het opnieuw.",
		"The data was just changed by someone else. Please try again."))
}

// clampLimit applies a default and a maximum to a page size.
func clampLimit(limit, def, most int) int64 {
	switch {
	case limit <= 0:
		return int64(def)
	case limit > most:
		return int64(most)
	}
	return int64(limit)
}

// findAll runs a query and decodes every document.
func findAll[T any](ctx context.Context, c *mongo.Collection, filter any, opts *options.FindOptionsBuilder) ([]*T, error) {
	cur, err := c.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	out := []*T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// unchanged reports whether the stored document still has the guarded
// fields (revision, status) that old had.
func unchanged[T any](ctx context.Context, v versioned[T], id string, old *T) (bool, error) {
	cur := new(T)
	err := v.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(cur)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: update %s %s: %w", v.what, id, err)
	}
	a, err := bson.Marshal(v.guard(old))
	if err != nil {
		return false, err
	}
	b, err := bson.Marshal(v.guard(cur))
	if err != nil {
		return false, err
	}
	return bytes.Equal(a, b), nil
}

// versioned describes how to update one kind of revisioned document.
type versioned[T any] struct {
	coll *mongo.Collection
	noun wijkhelpt.Text // for not-found errors: "De hulpvraag"
	what string         // for wrapped errors: "request"
	// guard returns the fields besides _id that must still hold for the
	// write to go through: the revision (and status) read before.
	guard func(old *T) bson.D
	// stamp prepares next for writing: derived fields, revision, schema
	// version, and the update time when fn did not set one.
	stamp func(old, next *T, rev int64, now time.Time)
	// duplicate, when set, turns a unique index violation by the write
	// into the error for the caller (a taken e-mail address).
	duplicate func(next *T) error
}

// update is the one write path for existing revisioned documents. It reads
// the document, applies fn to a copy, and writes the result with a single
// findAndModify whose filter repeats what was read (revision, status). When
// another writer got in between, that filter matches nothing, and the cycle
// starts again from a fresh read, up to maxUpdateTries times. An error from
// fn is returned as it is, and nothing is written then.
func update[T any](ctx context.Context, db *DB, v versioned[T], id string, fn func(*T) error) (*T, error) {
	unlock, err := db.locks.lock(ctx, v.coll.Name()+"/"+id)
	if err != nil {
		return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, err)
	}
	defer unlock()
	for try := 0; try < maxUpdateTries; try++ {
		raw, err := v.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, wijkhelpt.NotFound(v.noun))
		}
		if err != nil {
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, err)
		}
		// Two decodings of the same bytes: fn gets a deep copy, and old
		// stays as it was read for the guard.
		old, next := new(T), new(T)
		if err := bson.Unmarshal(raw, old); err != nil {
			return nil, fmt.Errorf("store: update %s %s: decode: %w", v.what, id, err)
		}
		if err := bson.Unmarshal(raw, next); err != nil {
			return nil, fmt.Errorf("store: update %s %s: decode: %w", v.what, id, err)
		}
		if err := fn(next); err != nil {
			return nil, err
		}
		rev, err := db.NextRevision(ctx)
		if err != nil {
			return nil, err
		}
		db.changes.note(v.coll.Name(), rev, id)
		v.stamp(old, next, rev, db.now())
		filter := append(bson.D{{Key: "_id", Value: id}}, v.guard(old)...)
		if db.ferret {
			// FerretDB checks a filter beyond _id by reading the whole
			// collection, and then writes by _id anyway. Make the same
			// check with a read by _id, and write by _id.
			same, err := unchanged(ctx, v, id, old)
			if err != nil {
				return nil, err
			}
			if !same {
				continue
			}
			filter = filter[:1]
		}
		// A replacement rather than $set: fields that fn emptied (and that
		// are left out when empty) must disappear, not keep their old value.
		out := new(T)
		err = v.coll.FindOneAndReplace(ctx, filter, next,
			options.FindOneAndReplace().SetReturnDocument(options.After)).Decode(out)
		if v.coll.Name() == collRequests {
			db.watches.requestsTouched(id)
		}
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // changed or deleted since the read: read again
		case v.duplicate != nil && isDuplicate(err):
			return nil, v.duplicate(next)
		default:
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, err)
		}
	}
	return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, conflictChanged())
}
