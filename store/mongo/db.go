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

var _ store.Store = (*DB)(nil)

// maxUpdateTries bounds how often an update reads again and re-applies its
// change when another writer got in between.
const maxUpdateTries = 10

// DB is the WijkHelpt database on MongoDB. It is safe for concurrent use,
// and any number of DBs, in any number of processes, may share one
// database: everything that must happen once is decided by the server.
type DB struct {
	// Hub publishes this DB's writes of requests and offers to its
	// subscribers (Subscribe).
	store.Hub

	client *mongo.Client
	db     *mongo.Database

	requests, offers, users, tokens  *mongo.Collection
	sessions, rateLimits, geocache   *mongo.Collection
	audit, counters                  *mongo.Collection
	messages, messageStatus, optOuts *mongo.Collection
	inbound                          *mongo.Collection
}

// Option changes how Open sets up the database.
type Option func(*config)

type config struct {
	withoutTTL bool
}

// WithoutTTL makes Open create plain indexes where it would create TTL
// indexes, for test servers without TTL support. Expired documents then go
// only when DeleteExpired runs.
func WithoutTTL() Option { return func(c *config) { c.withoutTTL = true } }

// Open connects to the MongoDB at uri, checks that it answers, and creates
// the collections and indexes of database dbName that are missing. It is
// safe on every start, also when several instances start at once, and
// raises the revision counter to at least the highest revision stored.
func Open(ctx context.Context, uri, dbName string, opts ...Option) (*DB, error) {
	if dbName == "" {
		return nil, errors.New("store: open: empty database name")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("wijkhelpt"))
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	d := client.Database(dbName)
	db := &DB{
		client:        client,
		db:            d,
		requests:      d.Collection(collRequests),
		offers:        d.Collection(collOffers),
		users:         d.Collection(collUsers),
		tokens:        d.Collection(collTokens),
		sessions:      d.Collection(collSessions),
		rateLimits:    d.Collection(collRateLimits),
		geocache:      d.Collection(collGeocache),
		audit:         d.Collection(collAudit),
		counters:      d.Collection(collCounters),
		messages:      d.Collection(collMessages),
		messageStatus: d.Collection(collMessageStatus),
		optOuts:       d.Collection(collOptOuts),
		inbound:       d.Collection(collInbound),
	}
	if err := db.Ping(ctx); err == nil {
		err = db.setUp(ctx, cfg)
	}
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
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

// takeRevisions takes n consecutive numbers of the store-wide revision
// counter with one $inc, which the server applies atomically, and returns
// the last of them.
func (db *DB) takeRevisions(ctx context.Context, n int) (int64, error) {
	var doc struct {
		Value int64 `bson:"value"`
	}
	var err error
	// Two first-ever upserts can clash on _id; the loser simply
	// increments the counter the winner created.
	for try := 0; try < 3; try++ {
		err = db.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: revisionCounter}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(n)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("store: take revision: %w", err)
	}
	return doc.Value, nil
}

// raiseRevisions makes sure the counter is at least top, so that later
// writes sort after documents stored with revisions up to top.
func (db *DB) raiseRevisions(ctx context.Context, top int64) error {
	var err error
	for try := 0; try < 3; try++ {
		_, err = db.counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: revisionCounter}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "value", Value: top}}}}, options.UpdateOne().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("store: raise revision counter: %w", err)
	}
	return nil
}

// isCode reports whether err is a server error with the given code.
func isCode(err error, code int) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(code)
}

// notFound turns the driver's no-documents error into the domain's.
func notFound(err error, noun wijkhelpt.Text) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return wijkhelpt.NotFound(noun)
	}
	return err
}

// limit is store.ClampLimit as the driver wants it.
func limit(n, def, most int) int64 { return int64(store.ClampLimit(n, def, most)) }

// findAll runs a query and decodes every document.
func findAll[T any](ctx context.Context, c *mongo.Collection, filter any, opts *options.FindOptionsBuilder) ([]*T, error) {
	if opts == nil {
		opts = options.Find()
	}
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
		if !mongo.IsDuplicateKeyError(we) {
			return nil, err
		}
		failed = append(failed, we.Index)
	}
	return failed, nil
}

// upsert replaces the document with the given _id by doc, or inserts it.
// Two first upserts of one _id can clash on MongoDB; the loser replaces
// the winner's document then.
func upsert(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	filter := bson.D{{Key: "_id", Value: id}}
	_, err := c.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		_, err = c.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	}
	return err
}

// publish hands the requests and offers a write stored to the subscribers
// of db (store.Hub), as copies of their own: the caller keeps what the
// write returned, and may change it.
func (db *DB) publish(reqs []*wijkhelpt.Request, offers []*wijkhelpt.Offer) {
	c := store.Change{}
	for _, r := range reqs {
		c.Requests = append(c.Requests, clone(r))
	}
	for _, o := range offers {
		c.Offers = append(c.Offers, clone(o))
	}
	db.Publish(c)
}

// clone returns a deep copy of v, made through BSON as the write stored
// it. It cannot fail for a document that was just written; if it did, v
// itself is returned.
func clone[T any](v *T) *T {
	b, err := bson.Marshal(v)
	if err != nil {
		return v
	}
	out := new(T)
	if err := bson.Unmarshal(b, out); err != nil {
		return v
	}
	return out
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
	// duplicate, when set, is the error for a unique index violation by
	// the write (a taken e-mail address).
	duplicate func() error
}

// update is the one write path for existing revisioned documents. It reads
// the document, applies fn to a copy, and writes the result with one
// FindOneAndReplace whose filter repeats what was read (_id, revision and
// maybe status). The server evaluates that filter and writes in one atomic
// step, so when another writer got in between, nothing matches and the
// cycle starts over from a fresh read, up to maxUpdateTries times. An error
// from fn is returned as it is, and nothing is written then.
func update[T any](ctx context.Context, db *DB, v versioned[T], id string, fn func(*T) error) (*T, error) {
	for try := 0; try < maxUpdateTries; try++ {
		raw, err := v.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil {
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, notFound(err, v.noun))
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
		rev, err := db.takeRevisions(ctx, 1)
		if err != nil {
			return nil, err
		}
		v.stamp(old, next, rev, time.Now())
		filter := append(bson.D{{Key: "_id", Value: id}}, v.guard(old)...)
		// A replacement rather than $set: fields that fn emptied (and that
		// are left out when empty) must disappear, not keep their old value.
		out := new(T)
		err = v.coll.FindOneAndReplace(ctx, filter, next,
			options.FindOneAndReplace().SetReturnDocument(options.After)).Decode(out)
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // changed or deleted since the read: read again
		case v.duplicate != nil && mongo.IsDuplicateKeyError(err):
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, v.duplicate())
		default:
			return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, err)
		}
	}
	return nil, fmt.Errorf("store: update %s %s: %w", v.what, id, store.ConflictChanged())
}
