package wijkhelpt

import "time"

// DeliveryState is where the sending of one relayed message stands.
type DeliveryState string

// The delivery states. A message starts pending; a worker that holds its
// lease moves it on. Only sent, failed, skipped and called are final.
const (
	DeliveryPending  DeliveryState = "pending"  // waiting for its time and a worker
	DeliverySending  DeliveryState = "sending"  // a worker holds it; a send may be under way
	DeliveryRetry    DeliveryState = "retry"    // nothing was sent (429, or refused before sending): try again later
	DeliveryUnsure   DeliveryState = "unsure"   // a send may have reached Twilio: look it up before sending again
	DeliverySent     DeliveryState = "sent"     // Twilio accepted it, or it was written to the log
	DeliveryFailed   DeliveryState = "failed"   // undeliverable (invalid number, opted out at Twilio): the mediator sees it
	DeliverySkipped  DeliveryState = "skipped"  // not sent on purpose: no longer wanted, or the number opted out
	DeliveryCallback DeliveryState = "callback" // a call-back task waiting for phone staff
	DeliveryCalled   DeliveryState = "called"   // phone staff made the call
)

// Open reports whether a dispatch worker may still pick the message up.
func (s DeliveryState) Open() bool {
	return s == DeliveryPending || s == DeliverySending || s == DeliveryRetry || s == DeliveryUnsure
}

// Delivery is one message on its way out: an outbox Message relayed out of
// its request document (or a reply to an inbound SMS), rendered, and the
// record of sending it. Key is unique, so the same cause is sent at most once.
type Delivery struct {
	Key       string `json:"key" bson:"_id"`
	RequestID string `json:"requestId,omitempty" bson:"requestId,omitempty"`
	MatchID   string `json:"matchId,omitempty" bson:"matchId,omitempty"`
	OfferID   string `json:"offerId,omitempty" bson:"offerId,omitempty"`
	Channel   string `json:"channel" bson:"channel"`
	To        string `json:"-" bson:"to"` // E.164
	Template  string `json:"template" bson:"template"`
	Lang      string `json:"lang" bson:"lang"`
	// Body is the rendered text, fixed when the message is relayed so that
	// every attempt (and a look-up at Twilio) sees the same text.
	Body string `json:"-" bson:"body"`
	// Params are what Body was rendered from, kept so that a copy with
	// personal details masked can be written to the log.
	Params map[string]string `json:"-" bson:"params,omitempty"`
	DueAt  time.Time         `json:"dueAt" bson:"dueAt"`
	State  DeliveryState     `json:"state" bson:"state"`
	// Reason says why a message was skipped or failed: "opted_out",
	// "not_wanted", or Twilio's error code such as "21211".
	Reason     string     `json:"reason,omitempty" bson:"reason,omitempty"`
	ErrorCode  int        `json:"errorCode,omitempty" bson:"errorCode,omitempty"`
	Attempts   int        `json:"attempts" bson:"attempts"`
	FirstTryAt *time.Time `json:"firstTryAt,omitempty" bson:"firstTryAt,omitempty"`
	SID        string     `json:"sid,omitempty" bson:"sid,omitempty"` // Twilio's message SID
	SentAt     *time.Time `json:"sentAt,omitempty" bson:"sentAt,omitempty"`
	// TwilioStatus is the latest delivery status Twilio reported.
	TwilioStatus string `json:"twilioStatus,omitempty" bson:"twilioStatus,omitempty"`

	// Epoch counts the leases taken on this message; a worker may write it
	// only while no later lease exists.
	Epoch      int64     `json:"-" bson:"epoch"`
	LeaseOwner string    `json:"-" bson:"leaseOwner,omitempty"`
	LeaseUntil time.Time `json:"-" bson:"leaseUntil"`

	DoneBy        Actor      `json:"doneBy,omitempty" bson:"doneBy,omitempty"`
	DoneAt        *time.Time `json:"doneAt,omitempty" bson:"doneAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt" bson:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt" bson:"updatedAt"`
	SchemaVersion int        `json:"-" bson:"schemaVersion"`
}

// DeliveryFilter selects deliveries. Zero fields select everything.
type DeliveryFilter struct {
	States    []DeliveryState
	Channel   string
	RequestID string
	To        string
	Template  string
	Limit     int
}
