package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
)

// Watches (see doc.go, "Watched polls"): the notifier asks every second
// which requests have messages to relay and which messages are due, and
// every minute which proposals ran out. FerretDB answers such a query by
// reading and decoding every document of the collection: 0.4 s with 3,000
// messages, 2 s with 15,000, so an idle service on the embedded store would
// soon spend all its time polling. A watch remembers, for one such poll,
// which documents it may find and from when on, so that the poll reads only
// those documents, by _id.

// watch keeps, for one poll of one embedded database, the documents that
// the poll may find: every document written since its last look (dirty),
// and the documents that, when last read, matched the poll or will from a
// known time on (at). Every other document of the collection was read and
// did not match, and has not been written since, so it still does not.
//
// Writers call touched after every write attempt to a document, whether it
// succeeded or not. A poll takes the dirty IDs with the generation of their
// last note, reads each document, and marks it clean only when no note came
// in between: a write that lands after the read is noted after it, so it
// keeps the document dirty for the next poll.
type watch struct {
	mu    sync.Mutex
	gen   uint64
	dirty map[string]uint64
	at    map[string]time.Time

	// seed makes the first poll scan the collection once: until then the
	// watch knows nothing of what was stored before it started.
	seed   sync.Mutex
	seeded bool
}

func newWatch() *watch {
	return &watch{dirty: map[string]uint64{}, at: map[string]time.Time{}}
}

// touched notes that ids were written (or an attempt was made). A nil watch
// ignores it.
func (w *watch) touched(ids ...string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		w.gen++
		w.dirty[id] = w.gen
	}
}

// candidate is a document a poll reads: dirty at generation gen, or clean
// (gen 0) and due by now.
type candidate struct {
	id  string
	gen uint64
}

// candidates lists the dirty documents and the clean ones due by now.
func (w *watch) candidates(now time.Time) []candidate {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]candidate, 0, len(w.dirty))
	for id, gen := range w.dirty {
		out = append(out, candidate{id, gen})
	}
	for id, from := range w.at {
		if _, dirty := w.dirty[id]; !dirty && !from.After(now) {
			out = append(out, candidate{id, 0})
		}
	}
	return out
}

// learn records what a read of c showed: whether the document may match
// (found and keep) and from when on. It changes nothing when the document
// was written again since c was listed.
func (w *watch) learn(c candidate, keep bool, from time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	gen, dirty := w.dirty[c.id]
	switch {
	case dirty && gen != c.gen:
		return // written again since: the next poll reads it
	case dirty:
		delete(w.dirty, c.id)
	}
	if keep {
		w.at[c.id] = from
	} else {
		delete(w.at, c.id)
	}
}

// seedScan runs once per watch: it scans coll with filter (and opts) and
// hands every document found to keep, under the watch's lock, unless it was
// written meanwhile (it is dirty then, and read again by settle or the
// poll). It is how a watch learns what was stored before it started.
func (w *watch) seedScan(ctx context.Context, coll *mongo.Collection, filter bson.D, opts *options.FindOptionsBuilder, keep func(id string, raw bson.Raw)) error {
	w.seed.Lock()
	defer w.seed.Unlock()
	if w.seeded {
		return nil
	}
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		raw := slices.Clone(cur.Current)
		id, ok := raw.Lookup("_id").StringValueOK()
		if !ok {
			continue
		}
		w.mu.Lock()
		if _, dirty := w.dirty[id]; !dirty {
			keep(id, raw)
		}
		w.mu.Unlock()
	}
	if err := cur.Err(); err != nil {
		return err
	}
	w.seeded = true
	return nil
}

// settle reads, by _id from coll, every document written since the watch
// last looked, and hands each to keep (raw nil: gone), under the watch's
// lock, unless a write came in after it was listed; that one stays dirty
// for the next look. It returns everything it read, overtaken or not, for
// the caller's answer.
func (w *watch) settle(ctx context.Context, coll *mongo.Collection, keep func(id string, raw bson.Raw)) (map[string]bson.Raw, error) {
	read := map[string]bson.Raw{}
	for _, c := range w.candidates(time.Time{}) {
		if c.gen == 0 {
			continue // clean: what the watch holds is what is stored
		}
		raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: c.id}}).Raw()
		if errors.Is(err, mongo.ErrNoDocuments) {
			raw = nil
		} else if err != nil {
			return nil, err
		}
		read[c.id] = raw
		w.mu.Lock()
		if w.dirty[c.id] == c.gen {
			delete(w.dirty, c.id)
			keep(c.id, raw)
		}
		w.mu.Unlock()
	}
	return read, nil
}

// watches are the watched polls of one embedded database, shared (like the
// change log) by every DB that Embedded.Open made for it. A nil *watches
// (MongoDB, or a DB opened by URI) watches nothing: the polls run their
// queries, which MongoDB answers from its indexes.
type watches struct {
	pending  *watch      // requests with messages to relay
	deadline *watch      // requests with a proposal that runs out
	messages *watch      // messages to send
	live     *liveWatch  // live requests, kept whole
	offers   *offerWatch // which requests have matches to which offer
}

func newWatches() *watches {
	return &watches{pending: newWatch(), deadline: newWatch(), messages: newWatch(), live: newLiveWatch(), offers: newOfferWatch()}
}

// requestsTouched and messagesTouched note writes; nil-safe.
func (ws *watches) requestsTouched(ids ...string) {
	if ws != nil {
		ws.pending.touched(ids...)
		ws.deadline.touched(ids...)
		ws.live.touched(ids...)
		ws.offers.touched(ids...)
	}
}

func (ws *watches) messagesTouched(ids ...string) {
	if ws != nil {
		ws.messages.touched(ids...)
	}
}

// poll describes one watched poll: the collection, the filter of its
// one-time seeding scan (documents that may ever match), whether a document
// may match and from when on, whether it matches now, and the order of the
// answer.
type poll[T any] struct {
	coll   *mongo.Collection
	seed   bson.D
	id     func(*T) string
	from   func(*T) (keep bool, from time.Time)
	before func(a, b *T) int
}

// run answers the poll at now from watch w, at most limit documents. The
// answer is what the query would return: every document that matches at
// the moment it is read, in the poll's order.
func (p poll[T]) run(ctx context.Context, w *watch, now time.Time, limit int) ([]*T, error) {
	if err := p.seedOnce(ctx, w); err != nil {
		return nil, err
	}
	var out []*T
	for _, c := range w.candidates(now) {
		doc := new(T)
		err := p.coll.FindOne(ctx, bson.D{{Key: "_id", Value: c.id}}).Decode(doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			w.learn(c, false, time.Time{})
			continue
		}
		if err != nil {
			return nil, err
		}
		keep, from := p.from(doc)
		w.learn(c, keep, from)
		if keep && !from.After(now) {
			out = append(out, doc)
		}
	}
	slices.SortFunc(out, p.before)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// seedOnce reads, on the first poll, every document that may match, and
// remembers those that do. A document written while the scan runs is noted
// after its write, so it is dirty and read again by this very poll.
func (p poll[T]) seedOnce(ctx context.Context, w *watch) error {
	var bad error
	err := w.seedScan(ctx, p.coll, p.seed, nil, func(id string, raw bson.Raw) {
		d := new(T)
		if err := bson.Unmarshal(raw, d); err != nil {
			bad = err
			return
		}
		if keep, from := p.from(d); keep {
			w.at[id] = from
		}
	})
	if err == nil {
		err = bad
	}
	return err
}

// The three watched polls.

func (db *DB) pendingPoll() poll[wijkhelpt.Request] {
	return poll[wijkhelpt.Request]{
		coll: db.requests,
		seed: bson.D{{Key: "pendingMessages", Value: bson.D{{Key: "$gt", Value: 0}}}},
		id:   func(r *wijkhelpt.Request) string { return r.ID },
		from: func(r *wijkhelpt.Request) (bool, time.Time) { return r.PendingMessages > 0, time.Time{} },
		before: func(a, b *wijkhelpt.Request) int {
			return compareThen(a.Revision, b.Revision, a.ID, b.ID)
		},
	}
}

func (db *DB) deadlinePoll() poll[wijkhelpt.Request] {
	return poll[wijkhelpt.Request]{
		coll: db.requests,
		seed: bson.D{{Key: "proposalDeadline", Value: bson.D{{Key: "$exists", Value: true}}}},
		id:   func(r *wijkhelpt.Request) string { return r.ID },
		from: func(r *wijkhelpt.Request) (bool, time.Time) {
			if r.ProposalDeadline == nil {
				return false, time.Time{}
			}
			return true, *r.ProposalDeadline
		},
		before: func(a, b *wijkhelpt.Request) int {
			return compareThen(a.ProposalDeadline.UnixMilli(), b.ProposalDeadline.UnixMilli(), a.ID, b.ID)
		},
	}
}

func (db *DB) messagePoll() poll[wijkhelpt.Delivery] {
	return poll[wijkhelpt.Delivery]{
		coll: db.coll(collMessages),
		seed: bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: openDeliveryStates}}}},
		id:   func(d *wijkhelpt.Delivery) string { return d.Key },
		from: func(d *wijkhelpt.Delivery) (bool, time.Time) {
			if !d.State.Open() {
				return false, time.Time{}
			}
			from := d.DueAt
			if d.LeaseUntil.After(from) {
				from = d.LeaseUntil
			}
			return true, from
		},
		before: func(a, b *wijkhelpt.Delivery) int {
			return compareThen(a.DueAt.UnixMilli(), b.DueAt.UnixMilli(), a.Key, b.Key)
		},
	}
}

// compareThen orders by x, then by the tie-breaker s.
func compareThen(x, y int64, s, t string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	switch {
	case s < t:
		return -1
	case s > t:
		return 1
	}
	return 0
}

// The live requests (open, proposed or matched: wijkhelpt.Request.Live)
// are what the mediators' queue, the phone intake's duplicate check and
// the answers to SMS look for, with FindRequests and a status filter. On
// the embedded store that query reads every request ever stored. The live
// watch keeps the live requests themselves, as stored (raw), and, like the
// other watches, the requests written since it last looked; a lookup reads
// only the latter, by _id, and answers from memory. The invariant is the
// same: a request that is clean was read after its last write, so the copy
// kept is the stored one. Only live requests are kept, a few hundred at
// most even for a busy desk.

// liveRequestStatuses are the states of a live request.
var liveRequestStatuses = []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}

// liveWatch is the watch of the live requests, with their stored copies.
type liveWatch struct {
	*watch
	raw map[string]bson.Raw // guarded by watch.mu
}

func newLiveWatch() *liveWatch { return &liveWatch{watch: newWatch(), raw: map[string]bson.Raw{}} }

// onlyLive reports whether statuses selects live requests only, so that the
// live watch holds every request such a filter can find.
func onlyLive(statuses []wijkhelpt.RequestStatus) bool {
	if len(statuses) == 0 {
		return false
	}
	for _, s := range statuses {
		if !slices.Contains(liveRequestStatuses, s) {
			return false
		}
	}
	return true
}

// liveRequests returns every live request as stored now (what a query at
// this moment would find, up to writes that race with it), in no order.
func (db *DB) liveRequests(ctx context.Context, lw *liveWatch) ([]*wijkhelpt.Request, error) {
	if err := lw.seedScan(ctx, db.requests, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: liveRequestStatuses}}}}, nil, lw.keep); err != nil {
		return nil, err
	}
	fresh, err := lw.settle(ctx, db.requests, lw.keep)
	if err != nil {
		return nil, err
	}
	lw.mu.Lock()
	raws := make(map[string]bson.Raw, len(lw.raw)+len(fresh))
	for id, raw := range lw.raw {
		raws[id] = raw
	}
	lw.mu.Unlock()
	for id, raw := range fresh { // this look's reads, also of requests written again since
		if raw != nil && isLiveRaw(raw) {
			raws[id] = raw
		} else {
			delete(raws, id)
		}
	}
	out := make([]*wijkhelpt.Request, 0, len(raws))
	for _, raw := range raws {
		r := new(wijkhelpt.Request)
		if err := bson.Unmarshal(raw, r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// keep holds the stored copy of a live request and forgets one that is no
// longer live (or gone); the caller holds lw.mu.
func (lw *liveWatch) keep(id string, raw bson.Raw) {
	if raw != nil && isLiveRaw(raw) {
		lw.raw[id] = raw
	} else {
		delete(lw.raw, id)
	}
}

// isLiveRaw reports whether a stored request is live.
func isLiveRaw(raw bson.Raw) bool {
	s, _ := raw.Lookup("status").StringValueOK()
	return slices.Contains(liveRequestStatuses, wijkhelpt.RequestStatus(s))
}

// matchesRequestFilter applies f to r as FindRequests' query does.
func matchesRequestFilter(r *wijkhelpt.Request, f wijkhelpt.RequestFilter) bool {
	if f.After != "" && r.ID <= f.After {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status) {
		return false
	}
	if f.Phone != "" && r.Contact.Phone != f.Phone {
		return false
	}
	if f.OfferID != "" && !slices.ContainsFunc(r.Matches, func(m wijkhelpt.Match) bool { return m.OfferID == f.OfferID }) {
		return false
	}
	return true
}

// A volunteer's page, and an SMS answer from a volunteer, look for the
// requests with a match to one offer, in every state (FindRequests with
// OfferID). The offer watch keeps, for every request, the offers it has
// matches to, so that such a lookup reads only that offer's requests, by
// _id. It is seeded by one scan of all requests.
type offerWatch struct {
	*watch
	requestsOf map[string]map[string]bool // offer ID -> request IDs; guarded by watch.mu
	offersOf   map[string][]string        // request ID -> offer IDs
}

func newOfferWatch() *offerWatch {
	return &offerWatch{watch: newWatch(), requestsOf: map[string]map[string]bool{}, offersOf: map[string][]string{}}
}

// set records the offers of request id; the caller holds ow.mu.
func (ow *offerWatch) set(id string, offers []string) {
	for _, o := range ow.offersOf[id] {
		delete(ow.requestsOf[o], id)
		if len(ow.requestsOf[o]) == 0 {
			delete(ow.requestsOf, o)
		}
	}
	delete(ow.offersOf, id)
	if len(offers) == 0 {
		return
	}
	ow.offersOf[id] = offers
	for _, o := range offers {
		if ow.requestsOf[o] == nil {
			ow.requestsOf[o] = map[string]bool{}
		}
		ow.requestsOf[o][id] = true
	}
}

// matchOffers lists the offers a stored request has matches to.
func matchOffers(raw bson.Raw) []string {
	arr, ok := raw.Lookup("matches").ArrayOK()
	if !ok {
		return nil
	}
	vals, err := arr.Values()
	if err != nil {
		return nil
	}
	var out []string
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		if o, ok := doc.Lookup("offerId").StringValueOK(); ok && o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// requestsOfOffer returns the IDs of the requests with a match to offerID,
// as stored now (up to writes that race with it).
func (db *DB) requestsOfOffer(ctx context.Context, ow *offerWatch, offerID string) ([]string, error) {
	keep := func(id string, raw bson.Raw) { ow.set(id, matchOffers(raw)) }
	all := options.Find().SetProjection(bson.D{{Key: "matches.offerId", Value: 1}})
	if err := ow.seedScan(ctx, db.requests, bson.D{}, all, keep); err != nil {
		return nil, err
	}
	fresh, err := ow.settle(ctx, db.requests, keep)
	if err != nil {
		return nil, err
	}
	ow.mu.Lock()
	ids := map[string]bool{}
	for id := range ow.requestsOf[offerID] {
		ids[id] = true
	}
	ow.mu.Unlock()
	for id, raw := range fresh {
		ids[id] = slices.Contains(matchOffers(raw), offerID)
	}
	out := make([]string, 0, len(ids))
	for id, ok := range ids {
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}
