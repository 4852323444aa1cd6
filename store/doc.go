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
package store
