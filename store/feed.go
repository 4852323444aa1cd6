package store

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// feedCollections are the collections with a revision feed
// (RequestsChangedSince, OffersChangedSince).
var feedCollections = []string{collRequests, collOffers}

// changeLogCap is how many revisions the change log keeps per collection
// before it forgets the oldest quarter. A follower that falls further behind
// than that reads the feed with a query again, which is what it would
// have done anyway. An entry is a revision and a document ID: a few
// megabytes at most.
const changeLogCap = 1 << 16

// changeLog remembers, for one database of the embedded store, to which
// document each recent revision of the feed collections went, so that the
// feed can answer by reading those documents by _id (see doc.go, "The
// change log"). Every DB that Embedded.Open made for the database shares
// it. A nil *changeLog is a valid empty one that never answers.
type changeLog struct {
	mu    sync.Mutex
	cap   int
	colls map[string]*collChanges
}

// collChanges is the change log of one collection.
type collChanges struct {
	// floor is a revision below which the log knows nothing: every
	// document stored with a revision above floor has an entry. It starts
	// at the highest revision stored when the log was made, and rises
	// when entries are forgotten.
	floor int64
	// entries is in ascending revision order. Writers note their revision
	// after taking it, so notes can arrive slightly out of order; they are
	// inserted in place.
	entries []change
}

// change says that revision rev was taken to write document id. The write
// may not have happened (yet): it might be in flight, or have failed.
type change struct {
	rev int64
	id  string
}

// newChangeLog starts a change log that knows nothing at or below the
// revisions in tops (per collection: the highest revision stored).
func newChangeLog(tops map[string]int64, limit int) *changeLog {
	l := &changeLog{cap: limit, colls: map[string]*collChanges{}}
	for _, c := range feedCollections {
		l.colls[c] = &collChanges{floor: tops[c]}
	}
	return l
}

// note records that the revisions first, first+1, ... were taken to write
// the documents ids (in that order) of collection coll. Writers call it
// before they send the write, so that no document can be stored with a
// revision the log does not know: what the log answers is then never
// missing a write that a query would have found. Collections without a
// feed are ignored.
func (l *changeLog) note(coll string, first int64, ids ...string) {
	if l == nil || len(ids) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.colls[coll]
	if c == nil {
		return
	}
	for i, id := range ids {
		c.add(change{rev: first + int64(i), id: id})
	}
	if len(c.entries) > l.cap {
		c.forget(len(c.entries) - l.cap*3/4)
	}
}

func (c *collChanges) add(ch change) {
	if ch.rev <= c.floor {
		// Only a follower at or behind floor could want it, and those
		// query the collection instead.
		return
	}
	n := len(c.entries)
	if n == 0 || c.entries[n-1].rev <= ch.rev {
		c.entries = append(c.entries, ch)
		return
	}
	i := sort.Search(n, func(i int) bool { return c.entries[i].rev > ch.rev })
	c.entries = slices.Insert(c.entries, i, ch)
}

// forget drops the n oldest entries and raises the floor past them.
func (c *collChanges) forget(n int) {
	c.floor = max(c.floor, c.entries[n-1].rev)
	c.entries = slices.Clone(c.entries[n:])
}

// since returns the entries of coll above revision rev, in ascending
// revision order, and ok = true when they are complete: when rev is not
// below the log's floor.
func (l *changeLog) since(coll string, rev int64) (changes []change, ok bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.colls[coll]
	if c == nil || rev < c.floor {
		return nil, false
	}
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].rev > rev })
	return slices.Clone(c.entries[i:]), true
}

// feedReads counts how a DB answered its revision feeds, for tests and
// benchmarks.
type feedReads struct {
	fromLog, scans atomic.Int64
}

// changedSince is the revision feed of coll: the documents whose revision
// is above rev, in ascending revision order, at most limit of them.
//
// With a change log that covers rev, it reads only the documents the log
// names, each by _id, in the order of the log's revisions, and keeps a
// document where its stored revision is the entry's: a document written
// again is kept at its latest revision, one whose write is still in flight
// (or failed) is left out at that revision, as a query would. Each
// document is read once, when its first entry comes up; a revision that is
// stored after that read shows up on the next call. So the answer is what
// the query would have returned at the moment each document was read,
// and, because documents are taken in revision order, stopping at limit
// leaves nothing lower out. Without such a log it runs the query.
func changedSince[T any](ctx context.Context, db *DB, coll *mongo.Collection, rev int64, limit int, revision func(*T) int64) ([]*T, error) {
	n := int(clampLimit(limit, 100, 1000))
	changes, ok := db.changes.since(coll.Name(), rev)
	if !ok {
		db.feedReads.scans.Add(1)
		return findAll[T](ctx, coll, bson.D{{Key: "revision", Value: bson.D{{Key: "$gt", Value: rev}}}},
			options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(int64(n)))
	}
	db.feedReads.fromLog.Add(1)
	out := []*T{}
	read := map[string]*T{} // nil: missing, or already in out
	for _, ch := range changes {
		doc, seen := read[ch.id]
		if !seen {
			doc = new(T)
			err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ch.id}}).Decode(doc)
			if errors.Is(err, mongo.ErrNoDocuments) {
				doc = nil
			} else if err != nil {
				return nil, err
			}
			read[ch.id] = doc
		}
		if doc == nil || revision(doc) != ch.rev {
			continue
		}
		out = append(out, doc)
		read[ch.id] = nil // once, even if a revision was noted twice
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// docIDs lists the IDs of docs, in order.
func docIDs[T any](docs []T, id func(*T) string) []string {
	out := make([]string, len(docs))
	for i := range docs {
		out[i] = id(&docs[i])
	}
	return out
}
