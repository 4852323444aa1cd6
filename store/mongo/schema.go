package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt/store"
)

// Collection names.
const (
	collRequests      = "requests"
	collOffers        = "offers"
	collUsers         = "users"
	collTokens        = "tokens"
	collSessions      = "sessions"
	collRateLimits    = "ratelimits"
	collGeocache      = "geocache"
	collAudit         = "audit"
	collCounters      = "counters"
	collMessages      = "messages"
	collMessageStatus = "message_status"
	collOptOuts       = "optouts"
	collInbound       = "inbound"
)

// revisionCounter is the _id of the one store-wide revision counter.
const revisionCounter = "revision"

// Server error codes Open deals with.
const (
	codeIndexNotFound         = 27
	codeNamespaceExists       = 48
	codeIndexOptionsConflict  = 85
	codeIndexKeySpecsConflict = 86
)

// index is one index of a collection. Unique indexes on optional fields are
// sparse, so that documents without the field do not take part: a partial
// index would do the same, but sparse is what every MongoDB-compatible
// server understands. A TTL index removes a document ttl after the time in
// its field.
type index struct {
	keys   bson.D
	unique bool
	sparse bool
	ttl    *time.Duration
}

func asc(fields ...string) bson.D {
	d := bson.D{}
	for _, f := range fields {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

func ttl(d time.Duration) *time.Duration { return &d }

// collection is one collection and its indexes.
type collection struct {
	name    string
	indexes []index
}

// schema lists every collection and the indexes its queries need.
var schema = []collection{
	{collRequests, []index{
		{keys: asc("ref"), unique: true},
		{keys: asc("tokenHash"), unique: true},
		{keys: asc("idempotencyKey"), unique: true, sparse: true},
		{keys: asc("revision")},
		{keys: asc("status", "_id")},
		{keys: asc("contact.phone", "_id")},
		{keys: asc("proposalDeadline")},
		{keys: asc("pendingMessages", "revision")},
		{keys: asc("matches.offerId")},
	}},
	{collOffers, []index{
		{keys: asc("importKey"), unique: true, sparse: true},
		{keys: asc("revision")},
		{keys: asc("phone")},
		{keys: asc("userId")},
	}},
	{collUsers, []index{{keys: asc("email"), unique: true}, {keys: asc("revision")}}},
	{collTokens, []index{{keys: asc("hash"), unique: true}}},
	{collSessions, []index{{keys: asc("expiresAt"), ttl: ttl(0)}}},
	{collRateLimits, []index{{keys: asc("expiresAt"), ttl: ttl(0)}}},
	{collGeocache, nil},
	{collAudit, []index{{keys: asc("objectId", "at")}, {keys: asc("actor", "at")}}},
	{collCounters, nil},
	{collMessages, []index{
		{keys: asc("state", "dueAt")},
		{keys: asc("sid"), unique: true, sparse: true},
		{keys: asc("requestId")},
	}},
	{collMessageStatus, []index{{keys: asc("sid")}}},
	{collOptOuts, nil},
	{collInbound, []index{{keys: asc("doneAt"), ttl: ttl(store.InboundKeep)}}},
}

// retired lists indexes earlier versions created that no query uses any
// more; Open drops them so that writes stop paying for them.
var retired = []struct{ coll, name string }{
	{collRequests, "status_1_createdAt_1"},
	{collRequests, "contact.phone_1"},
	{collRequests, "pendingMessages_1"},
	{collTokens, "userId_1"},
	{collSessions, "userId_1"},
}

// setUp creates what is missing: collections, indexes, and a revision
// counter at least as high as every stored revision (in case the counters
// collection was lost or restored from an older backup than the rest).
// Every step is idempotent, so instances that start together may all run
// it.
func (db *DB) setUp(ctx context.Context, cfg config) error {
	for _, c := range schema {
		err := db.db.CreateCollection(ctx, c.name)
		if err != nil && !isCode(err, codeNamespaceExists) {
			return fmt.Errorf("store: create collection %s: %w", c.name, err)
		}
		for _, ix := range c.indexes {
			if cfg.withoutTTL {
				ix.ttl = nil
			}
			if err := ensureIndex(ctx, db.db.Collection(c.name), ix); err != nil {
				return err
			}
		}
	}
	for _, r := range retired {
		err := db.db.Collection(r.coll).Indexes().DropOne(ctx, r.name)
		if err != nil && !isCode(err, codeIndexNotFound) {
			return fmt.Errorf("store: drop retired index %s of %s: %w", r.name, r.coll, err)
		}
	}
	var top int64
	for _, c := range []*mongo.Collection{db.requests, db.offers, db.users} {
		var doc struct {
			Revision int64 `bson:"revision"`
		}
		err := c.FindOne(ctx, bson.D{}, options.FindOne().
			SetSort(bson.D{{Key: "revision", Value: -1}}).
			SetProjection(bson.D{{Key: "revision", Value: 1}})).Decode(&doc)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: read highest revision of %s: %w", c.Name(), err)
		}
		top = max(top, doc.Revision)
	}
	return db.raiseRevisions(ctx, top)
}

// ensureIndex creates one index, by its default name. Creating an index
// that exists as asked is a no-op on the server. One that exists under the
// name with other options (an earlier version's) is dropped and made anew.
// Indexes go one per command, so that an error names its index.
func ensureIndex(ctx context.Context, c *mongo.Collection, ix index) error {
	name := indexName(ix.keys)
	o := options.Index().SetName(name)
	if ix.unique {
		o.SetUnique(true)
	}
	if ix.sparse {
		o.SetSparse(true)
	}
	if ix.ttl != nil {
		o.SetExpireAfterSeconds(int32(ix.ttl.Seconds()))
	}
	model := mongo.IndexModel{Keys: ix.keys, Options: o}
	_, err := c.Indexes().CreateOne(ctx, model)
	if isCode(err, codeIndexOptionsConflict) || isCode(err, codeIndexKeySpecsConflict) {
		// Another instance starting at the same time may have dropped it
		// already, or made the new one: both are fine.
		if derr := c.Indexes().DropOne(ctx, name); derr != nil && !isCode(derr, codeIndexNotFound) {
			return fmt.Errorf("store: replace index %s of %s: %w", name, c.Name(), derr)
		}
		_, err = c.Indexes().CreateOne(ctx, model)
	}
	if err != nil {
		return fmt.Errorf("store: create index %s of %s: %w", name, c.Name(), err)
	}
	return nil
}

// indexName is the name MongoDB itself would give an index on keys.
func indexName(keys bson.D) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s_%v", k.Key, k.Value))
	}
	return strings.Join(parts, "_")
}

// DeleteExpired removes what has run out at now: sessions and login codes,
// rate-limit counters, and inbound records handled more than
// store.InboundKeep ago. It returns how many documents went. The TTL
// indexes remove the same documents on their own, about once a minute; this
// is the same cleanup on the caller's clock.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	lte := func(t time.Time) bson.D { return bson.D{{Key: "$lte", Value: t}} }
	var n int64
	for _, d := range []struct {
		coll   *mongo.Collection
		filter bson.D
	}{
		{db.sessions, bson.D{{Key: "expiresAt", Value: lte(now)}}},
		{db.rateLimits, bson.D{{Key: "expiresAt", Value: lte(now)}}},
		{db.inbound, bson.D{{Key: "done", Value: true}, {Key: "doneAt", Value: lte(now.Add(-store.InboundKeep))}}},
	} {
		res, err := d.coll.DeleteMany(ctx, d.filter)
		if err != nil {
			return n, fmt.Errorf("store: delete expired %s: %w", d.coll.Name(), err)
		}
		n += res.DeletedCount
	}
	return n, nil
}
