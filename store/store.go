// Package store names what every WijkHelpt store offers, and holds the few
// things the stores share. The stores themselves live beside it:
//
//   - store/sqlite: the embedded default (modernc.org/sqlite), used when no
//     MongoDB is configured. One process owns its data directory; writes are
//     transactions, and changes are published after commit.
//   - store/mongo: MongoDB (mongo-driver v2) for production and scale-out.
//     Several instances share one replica set; they follow each other's
//     writes through the revision feed.
//
// Both pass one conformance suite, store/storetest. The portal, notify,
// matching and search packages declare the small interfaces they need;
// Store is the union, for the wiring in cmd/wijkhelpt and for tests.
//
// # One document per state change
//
// A request document holds everything one state change touches: its
// matches, its history and the outbox of messages the change causes. A
// change (UpdateRequest, UpdateOffer, UpdateUser) reads the document, lets a
// pure function of the root package change a copy, and writes the result
// only when nobody wrote the document in between (SQLite: inside one write
// transaction; MongoDB: one conditional FindOneAndReplace on revision and
// status). A refused transition reaches the caller as the function's own
// error, and nothing is written.
//
// # The revision feed
//
// Every write of a request, offer or user takes the next number of one
// store-wide counter and stores it as the document's revision. Followers
// (the search index, the matching engine) read "everything above my
// revision" (RequestsChangedSince, OffersChangedSince) with a
// wijkhelpt.Cursor. On SQLite revisions are taken inside the write
// transaction, so they commit in order and a follower never sees a gap; on
// MongoDB writers in several processes can commit out of order, and the
// cursor waits for gaps.
//
// Both stores also publish every write of a request or an offer to the
// subscribers of this process right after it committed (Subscribe), so a
// write is visible to the process's own matching engine before the HTTP
// answer leaves, and the followers wake at once instead of at their next
// poll.
package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
)

// Store is everything a WijkHelpt store does. *sqlite.DB and *mongo.DB
// implement it.
type Store interface {
	// Ping checks that the database answers, for readiness checks.
	Ping(ctx context.Context) error
	// Close releases the store, waiting for operations in flight until ctx
	// is done.
	Close(ctx context.Context) error

	// Subscribe calls fn after every committed write of requests or offers
	// made through this store value, in the writing goroutine, before the
	// write method returns. fn must be quick and must not call the store.
	// The returned function ends the subscription.
	Subscribe(fn func(Change)) (cancel func())

	// CreateRequest stores a new request and returns it as stored, with its
	// revision. A taken reference is drawn again. With an idempotency key
	// that is stored already, it returns that request and created = false,
	// also under concurrent retries. r itself is not changed.
	CreateRequest(ctx context.Context, r *wijkhelpt.Request) (stored *wijkhelpt.Request, created bool, err error)
	FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error)
	// FindRequestByRef finds "WH-7K3F" in any letter case.
	FindRequestByRef(ctx context.Context, ref string) (*wijkhelpt.Request, error)
	FindRequestByToken(ctx context.Context, tokenHash string) (*wijkhelpt.Request, error)
	// FindRequestByMatch returns the request that holds the match.
	FindRequestByMatch(ctx context.Context, matchID string) (*wijkhelpt.Request, error)
	// FindRequests returns one page of requests in ID order: those after
	// f.After, at most f.Limit (default 50, at most 500).
	FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error)
	// UpdateRequest changes a request with fn atomically; see the package
	// documentation. An error from fn is returned unchanged. fn must not
	// call the store.
	UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error)
	// RequestsChangedSince returns the requests written after revision rev,
	// in revision order, at most limit (default 100, at most 1000).
	RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error)
	// RequestsDue returns requests with a proposal whose answer time ran out
	// at or before now, earliest first, at most limit (default 100, at most
	// 1000).
	RequestsDue(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Request, error)
	// RequestsWithPendingMessages returns requests whose outbox holds
	// messages not yet relayed, lowest revision first, at most limit
	// (default 100, at most 1000).
	RequestsWithPendingMessages(ctx context.Context, limit int) ([]*wijkhelpt.Request, error)
	CountRequests(ctx context.Context) (int64, error)
	// InsertRequests stores many new requests at once (an import) and
	// returns how many it stored; one whose idempotency key or ID is stored
	// already is skipped.
	InsertRequests(ctx context.Context, reqs []*wijkhelpt.Request) (int, error)

	// CreateOffer stores a new offer. With an import key that is stored
	// already, it returns that offer and created = false. A number that
	// opted out of SMS starts opted out.
	CreateOffer(ctx context.Context, o *wijkhelpt.Offer) (stored *wijkhelpt.Offer, created bool, err error)
	FindOffer(ctx context.Context, id string) (*wijkhelpt.Offer, error)
	// FindOffers returns one page of offers in ID order. f.Query matches
	// any part of the name, ignoring letter case, taken literally.
	FindOffers(ctx context.Context, f wijkhelpt.OfferFilter) ([]*wijkhelpt.Offer, error)
	// UpdateOffer changes an offer with fn atomically, as UpdateRequest. A
	// new phone number brings its own opt-out state with it.
	UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error)
	OffersChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error)
	CountOffers(ctx context.Context) (int64, error)
	// InsertOffers stores many new offers (an import); one whose import key
	// or ID is stored already is skipped.
	InsertOffers(ctx context.Context, offers []*wijkhelpt.Offer) (int, error)

	// CreateUser stores a new account, lower-casing the e-mail address and
	// setting ID, times, revision and schema version. A taken address is a
	// conflict on the field "email".
	CreateUser(ctx context.Context, u *wijkhelpt.User) error
	FindUser(ctx context.Context, id string) (*wijkhelpt.User, error)
	FindUserByEmail(ctx context.Context, email string) (*wijkhelpt.User, error)
	// FindUsers returns every account, by e-mail address.
	FindUsers(ctx context.Context) ([]*wijkhelpt.User, error)
	UpdateUser(ctx context.Context, id string, fn func(*wijkhelpt.User) error) (*wijkhelpt.User, error)
	// CreateToken stores an API token's hash.
	CreateToken(ctx context.Context, t *wijkhelpt.APIToken) error
	// FindTokenByHash finds a token that is not revoked.
	FindTokenByHash(ctx context.Context, hash string) (*wijkhelpt.APIToken, error)

	// SaveSession stores s, replacing a stored session with its ID.
	SaveSession(ctx context.Context, s *wijkhelpt.Session) error
	// FindSession finds a session that has not expired.
	FindSession(ctx context.Context, id string) (*wijkhelpt.Session, error)
	DeleteSession(ctx context.Context, id string) error
	// Hit counts one attempt for key in the fixed window (aligned to
	// multiples of window since the Unix epoch) that now falls in, and
	// returns the attempts in it so far, this one included.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error)
	// Audit records that actor did action on the object at time at.
	Audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string, at time.Time) error
	GetCachedLocation(ctx context.Context, key string) (wijkhelpt.Location, bool, error)
	PutCachedLocation(ctx context.Context, key string, loc wijkhelpt.Location) error

	// InsertMessage stores d unless a message with its key exists, and
	// reports whether it did.
	InsertMessage(ctx context.Context, d *wijkhelpt.Delivery) (bool, error)
	// InsertMessages is InsertMessage for many.
	InsertMessages(ctx context.Context, ds []*wijkhelpt.Delivery) error
	FindMessage(ctx context.Context, key string) (*wijkhelpt.Delivery, error)
	// FindMessages returns messages matching f, earliest due first, at most
	// f.Limit (default 100, at most 1000).
	FindMessages(ctx context.Context, f wijkhelpt.DeliveryFilter) ([]*wijkhelpt.Delivery, error)
	FindMessageBySID(ctx context.Context, sid string) (*wijkhelpt.Delivery, error)
	// DueMessages returns messages a worker may claim at now: open, due, not
	// under a live lease. Earliest due first, at most limit (default 20,
	// at most 500).
	DueMessages(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Delivery, error)
	// ClaimMessage gives owner the message until `until` when it is still
	// open, due and free at now: one conditional update, so of concurrent
	// claims exactly one wins and the others get a conflict. A lease that
	// ran out (a crashed worker) can be claimed again. The claim raises the
	// message's Epoch; it returns the message as claimed (state sending)
	// and the state it had before. seen is the epoch the caller read.
	ClaimMessage(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (*wijkhelpt.Delivery, wijkhelpt.DeliveryState, error)
	// SaveMessage writes a message its caller claimed (d.Epoch is the
	// claim's). When someone claimed it since, nothing is written and the
	// error is a conflict.
	SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error
	// MarkCallbackDone records that staff made the call of a call-back task;
	// a task done already is a conflict.
	MarkCallbackDone(ctx context.Context, key string, by wijkhelpt.Actor, at time.Time) error
	// RecordMessageStatus stores a status Twilio reported and reports
	// whether it is new.
	RecordMessageStatus(ctx context.Context, sid, status string, errorCode int, at time.Time) (bool, error)
	// SetOptOut records that a number opted out of SMS (STOP) or back in
	// (START), and copies that onto the number's offers (through the feed).
	SetOptOut(ctx context.Context, phone string, optedOut bool, at time.Time) error
	OptedOut(ctx context.Context, phone string) (bool, error)
	// ClaimInbound lets owner handle the inbound webhook sid until `until`.
	// It returns false when it was handled before; while another worker
	// handles it, the error is ErrUnavailable.
	ClaimInbound(ctx context.Context, sid, owner string, now, until time.Time) (bool, error)
	FinishInbound(ctx context.Context, sid string, at time.Time) error

	// DeleteExpired removes what has run out at now: sessions and login
	// codes, rate-limit counters, and inbound records handled more than
	// InboundKeep ago. It returns how many documents went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// Dump calls fn with every document of the collection (one of
	// Collections), in _id order, as BSON.
	Dump(ctx context.Context, collection string, fn func(doc bson.Raw) error) error
	// Restore stores documents that Dump gave, as they are (revisions
	// included), skipping those whose _id is stored already, and keeps the
	// revision counter above every revision restored. It returns how many
	// it stored.
	Restore(ctx context.Context, collection string, docs []bson.Raw) (int, error)
}

// Collections are the collections Dump and Restore know, in the order a
// restore should take them. Sessions, rate-limit counters and inbound
// records are left out: they expire within days, and after a move people
// simply log in again.
var Collections = []string{
	"users", "tokens", "offers", "requests", "messages", "message_status",
	"optouts", "geocache", "audit",
}

// InboundKeep is how long a handled inbound SMS is remembered, so that a
// webhook Twilio repeats is not handled twice. Twilio gives up retrying
// long before.
const InboundKeep = 7 * 24 * time.Hour

// Change is one committed write: the requests and offers as stored.
type Change struct {
	Requests []*wijkhelpt.Request
	Offers   []*wijkhelpt.Offer
}

// Hub keeps the subscribers of one store value. The zero Hub is ready to
// use. Stores embed it and call Publish after every commit.
type Hub struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Change)
}

// Subscribe adds fn; see Store.Subscribe.
func (h *Hub) Subscribe(fn func(Change)) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[int]func(Change){}
	}
	id := h.next
	h.next++
	h.subs[id] = fn
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
		})
	}
}

// Publish hands c to every subscriber. Empty changes are not published.
func (h *Hub) Publish(c Change) {
	if len(c.Requests) == 0 && len(c.Offers) == 0 {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, fn := range h.subs {
		fn(c)
	}
}

// The texts both stores give for the same refusals.

// RequestNoun names a request in not-found errors.
func RequestNoun() wijkhelpt.Text { return wijkhelpt.T("De hulpvraag", "The request") }

// OfferNoun names an offer in not-found errors.
func OfferNoun() wijkhelpt.Text { return wijkhelpt.T("Het hulpaanbod", "The offer") }

// UserNoun names an account in not-found errors.
func UserNoun() wijkhelpt.Text { return wijkhelpt.T("Het account", "The account") }

// TokenNoun names an API token in not-found errors.
func TokenNoun() wijkhelpt.Text { return wijkhelpt.T("De toegangssleutel", "The API token") }

// SessionNoun names a session in not-found errors.
func SessionNoun() wijkhelpt.Text { return wijkhelpt.T("De sessie", "The session") }

// MessageNoun names a message in not-found errors.
func MessageNoun() wijkhelpt.Text { return wijkhelpt.T("Het bericht", "The message") }

// MatchNoun names a match in not-found errors.
func MatchNoun() wijkhelpt.Text { return wijkhelpt.T("De koppeling", "The match") }

// CallbackNoun names a call-back task in not-found errors.
func CallbackNoun() wijkhelpt.Text { return wijkhelpt.T("De terugbeltaak", "The call-back task") }

// ConflictChanged is the error for an update that lost every race.
func ConflictChanged() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T(
		"De gegevens zijn net door iemand anders gewijzigd. Probeer het opnieuw.",
		"The data was just changed by someone else. Please try again."))
}

// RequestExists is the error for a second request with the same ID.
func RequestExists() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Deze hulpvraag is al opgeslagen.", "This request has already been saved."))
}

// OfferExists is the error for a second offer with the same ID.
func OfferExists() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Dit hulpaanbod is al opgeslagen.", "This offer has already been saved."))
}

// UserExists is the error for a second account with the same ID.
func UserExists() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Dit account bestaat al.", "This account already exists."))
}

// TokenExists is the error for a second API token with the same hash.
func TokenExists() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Deze toegangssleutel bestaat al.", "This API token already exists."))
}

// EmailTaken is the error for an e-mail address that another account has.
func EmailTaken() *wijkhelpt.Error {
	return &wijkhelpt.Error{
		Code:    wijkhelpt.ErrConflict,
		Message: wijkhelpt.T("Er is al een account met dit e-mailadres.", "There is already an account with this email address."),
		Fields: map[string]wijkhelpt.Text{
			"email": wijkhelpt.T("Dit e-mailadres is al in gebruik.", "This email address is already in use."),
		},
	}
}

// LeaseTaken is the error for a claim on a message someone else holds or
// finished.
func LeaseTaken() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Iemand anders handelt dit bericht al af.",
		"Someone else is already handling this message."))
}

// InboundBusy is the error while another worker handles an inbound SMS.
func InboundBusy() *wijkhelpt.Error {
	return &wijkhelpt.Error{Code: wijkhelpt.ErrUnavailable, Message: wijkhelpt.T(
		"Dit bericht wordt al verwerkt.", "This message is already being handled.")}
}

// SIDTaken is the error for a Twilio SID that belongs to another message.
func SIDTaken() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Dit sms-bericht hoort al bij een ander bericht.",
		"This text message already belongs to another message."))
}

// CallbackDoneAlready is the error for marking a finished call-back again.
func CallbackDoneAlready() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Deze terugbeltaak is al afgerond.", "This call-back task is already done."))
}

// CallbackNotDue is the error for marking a call-back that is not waiting.
func CallbackNotDue() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Deze terugbeltaak staat nog niet klaar.", "This call-back task is not due yet."))
}

// ClampLimit applies a default and a maximum to a page size.
func ClampLimit(limit, def, most int) int {
	switch {
	case limit <= 0:
		return def
	case limit > most:
		return most
	}
	return limit
}

// NormalizeEmail is how e-mail addresses are stored and looked up.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizeRef is how references are looked up: "wh-7k3f " -> "WH-7K3F".
func NormalizeRef(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// OpenDeliveryStates are the states of messages still to be sent
// (wijkhelpt.DeliveryState.Open).
var OpenDeliveryStates = []wijkhelpt.DeliveryState{wijkhelpt.DeliveryPending, wijkhelpt.DeliverySending,
	wijkhelpt.DeliveryRetry, wijkhelpt.DeliveryUnsure}

// StatusRank orders Twilio's message statuses, so that a late "sent"
// callback does not hide an earlier "delivered".
func StatusRank(s string) int {
	switch s {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled":
		return 4
	case "read":
		return 5
	}
	return 0
}

// Claimable reports whether d is open, due and free of a live lease at now.
func Claimable(d *wijkhelpt.Delivery, now time.Time) bool {
	return d.State.Open() && !d.DueAt.After(now) && !d.LeaseUntil.After(now)
}

// The documents of the small collections, the same in every store (Dump and
// Restore move them between stores as they are).

// AuditEntry records that someone looked at, exported or changed personal
// data. Entries are only ever added.
type AuditEntry struct {
	ID       string          `bson:"_id"`
	Actor    wijkhelpt.Actor `bson:"actor"`
	Action   string          `bson:"action"`
	ObjectID string          `bson:"objectId"`
	At       time.Time       `bson:"at"`
}

// OptOut is a number's SMS opt-out (STOP) or opt-in (START); _id is the
// number in E.164.
type OptOut struct {
	Phone    string    `bson:"_id"`
	OptedOut bool      `bson:"optedOut"`
	At       time.Time `bson:"at"`
}

// MessageStatus is one delivery status Twilio reported; _id is
// "<sid>/<status>", so a repeated callback is stored once.
type MessageStatus struct {
	ID        string    `bson:"_id"`
	SID       string    `bson:"sid"`
	Status    string    `bson:"status"`
	ErrorCode int       `bson:"errorCode"`
	At        time.Time `bson:"at"`
}

// CachedLocation is a geocoder answer kept so that the same address is not
// asked again; _id is the address key.
type CachedLocation struct {
	Key       string             `bson:"_id"`
	Location  wijkhelpt.Location `bson:"location"`
	FetchedAt time.Time          `bson:"fetchedAt"`
}

// StatusID is the _id of a MessageStatus.
func StatusID(sid, status string) string { return sid + "/" + status }
