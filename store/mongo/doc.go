// Package mongo keeps WijkHelpt's data in MongoDB (mongo-driver v2), for
// production and scale-out: several service instances share one replica
// set. It implements store.Store.
//
// It needs no multi-document transactions, locks or change streams. A
// request document holds everything one state change touches (matches,
// history, the outbox), and every change is a single-document operation
// that the primary applies atomically:
//
//   - UpdateRequest, UpdateOffer and UpdateUser read the document, let a
//     pure function change a copy, and write it with one FindOneAndReplace
//     whose filter repeats the revision (and status) read. When another
//     writer came first the filter matches nothing, and the cycle starts
//     over from a fresh read.
//   - ClaimMessage is one FindOneAndUpdate whose filter says "open, due and
//     free", and which raises the message's epoch; SaveMessage writes only
//     while the epoch is still its claim's. ClaimInbound is one upsert whose
//     filter says "not handled and free". MarkCallbackDone is one update
//     conditional on the task's state.
//   - What must be unique (references, token hashes, idempotency and import
//     keys, e-mail addresses, Twilio SIDs) is guarded by unique indexes.
//   - Revisions come from one counter document, raised with $inc.
//
// Revisions are taken before the write, so writes from several processes
// can commit out of order; followers of RequestsChangedSince and
// OffersChangedSince wait for gaps with a wijkhelpt.Cursor. Writes of
// requests and offers through a DB are also published to its subscribers
// right after they committed (store.Hub), so an instance sees its own
// writes at once and other instances' writes through the feed.
//
// Sessions, rate-limit counters and handled inbound records expire through
// TTL indexes; DeleteExpired removes the same on the caller's clock.
package mongo
