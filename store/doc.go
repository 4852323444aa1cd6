// Package store keeps WijkHelpt's data in MongoDB, or in the embedded
// FerretDB (SQLite) when no MongoDB is configured: the same driver and the
// same queries serve both.
//
// # One document per transition
//
// Neither FerretDB nor a sharded MongoDB should need multi-document
// transactions, so a request document holds everything one state change
// touches: its matches, its history and the outbox of messages the change
// causes. A change (UpdateRequest, UpdateOffer, UpdateUser) reads the
// document, lets a pure function from the root package change a copy, and
// writes the result with one findAndModify whose filter repeats what was read
// (_id, revision and, for requests, status). If another writer came first the
// filter matches nothing and the cycle starts over from a fresh read, so a
// refused transition (accepting a match that someone else just took) is
// decided on the current state and reaches the caller as a conflict. What
// must be unique (references, token hashes, idempotency and import keys,
// e-mail addresses) is guarded by unique indexes, because a single insert is
// atomic everywhere.
//
// FerretDB v1 runs findAndModify as a read followed by an unconditional
// write, and $inc the same way, so on its own the filter does not stop two
// concurrent writers there. DB therefore also serialises the cycle per
// document within the process, and the embedded store is reachable from
// one process only (loopback, and a lock on its data directory). Against
// MongoDB the filter alone keeps several service instances apart.
//
// # The revision feed
//
// Every write takes the next number of one store-wide counter and stores it
// as the document's revision. Followers (the search index, other instances)
// stay in sync without change streams by asking for everything above the
// last revision they saw (RequestsChangedSince, OffersChangedSince), with a
// wijkhelpt.Cursor: writes can commit out of order, and a revision taken by
// a write that lost its race, or by an imported row that was skipped, is
// never stored at all.
//
// # Living with FerretDB v1.24
//
// Besides transactions and change streams it lacks TTL indexes (sessions and
// rate-limit counters are swept by DeleteExpiredSessions and
// DeleteExpiredHits, and expiry is checked on read), partial indexes (unique
// indexes on optional fields are sparse instead), and $elemMatch on fields of
// subdocuments (dot notation, as in "matches.offerId", works). It answers
// every query except an _id lookup by reading the whole collection and
// filtering in Go, so lookups by _id are cheap and everything else costs time
// in proportion to the collection; it only gets the unique indexes. Even the
// _id lookups are only cheap on a database opened with Embedded.Open, which
// adds the SQLite index FerretDB's own lookup statement needs (see
// indexIDLookups); opened by URI, each one scans its table.
//
// # The change log
//
// So the revision feeds, whose filter is "revision above N", read and
// parse every document of their collection on each call: half a second
// to two seconds with 3,000 offers, even when nothing changed. The search index
// and the matching engine each ask several times a second, so on the
// embedded store a write would soon no longer be searchable within a
// second, and an idle service would keep both cores busy.
//
// The embedded store is used by one process only, through the DBs that
// Embedded.Open makes, so that process sees every write. Embedded.Open
// gives all the DBs of one database a shared change log (changeLog): each
// write path that takes revisions for requests or offers (CreateRequest,
// InsertRequests, UpdateRequest and their offer counterparts) notes which
// document each revision is for, before it sends the write. A feed call
// then reads only the documents the log names above N, by _id (cheap, see
// above), in revision order, and keeps each where its stored revision is
// the noted one. Because the note comes first, no document can be stored
// with a revision the log lacks, so nothing a query would find is missed;
// a write still in flight (noted, not yet stored) is left out at its
// revision exactly as the query leaves it out, and the follower's
// wijkhelpt.Cursor waits for it as before; a failed write leaves a note
// that matches nothing. A document written again shows up once, at its
// latest revision. An idle follower's call costs a binary search in
// memory, a change costs one lookup per changed document (about a
// millisecond), and a full page of 1,000 after an import costs about what
// the query costs on 3,000 documents.
//
// The log knows nothing at or below the highest revision each collection
// held when it started (read by the first Embedded.Open of the database),
// and it forgets its oldest entries beyond changeLogCap, raising that
// floor. A call for a revision below the floor (a follower starting from
// zero, or one that fell far behind) runs the query as before, as do all
// calls on a DB opened by URI and on MongoDB, whose index on revision
// makes the query cheap anyway. The log lives as long as the Embedded; a
// write through a DB opened by URI on the same database would bypass it,
// so writers use Embedded.Open (cmd/wijkhelpt and storetest do).
//
// # Watched polls
//
// The same cost hit the notifier's polls: requests with messages to relay
// and messages due (every second), proposals whose answer time ran out
// (every minute). Each read and decoded the whole collection, 0.35 s with
// 1,000 requests and 3,000 messages and over a second with five times as
// many, so an idle service would soon do nothing but poll. Embedded.Open
// gives every DB of a database shared watches, one per poll (watch.go). A
// watch holds the documents written since its poll last looked (each write
// path notes the document after its write, whether it succeeded or not) and
// the documents that matched, or will from a known time on (a message due
// later, a proposal that runs out tomorrow), when last read. A poll reads
// only those, by _id, checks each against the poll's condition, and keeps
// what it learned unless the document was written again meanwhile. The
// first poll scans the collection once for what was stored before. An idle
// poll costs a few microseconds; TestWatchedPollsMatchQueries checks the
// answers against the queries after every write and under concurrent
// writes. On MongoDB the queries run as before, on their indexes.
//
// FindRequests for live requests only (the queue, the duplicate check, SMS
// replies) uses one more watch that keeps the live requests themselves:
// it reads the ones written since its last look and answers from memory.
// FindRequests for one offer (a volunteer's page, a volunteer's SMS answer)
// uses a watch that keeps which requests have matches to which offer, and
// reads only those requests, by _id.
package store
