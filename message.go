package wijkhelpt

import "time"

// Message templates. Transitions say which template to send to whom with
// which parameters; the notify package owns the wording (Dutch and English)
// and the sending.
const (
	TmplRequestReceived    = "request_received"    // resident: reference and status link
	TmplVolunteerProposal  = "volunteer_proposal"  // volunteer: category, day, distance, area, code
	TmplVolunteerDetails   = "volunteer_details"   // volunteer after JA: address, resident's first name and phone
	TmplResidentMatched    = "resident_matched"    // resident after JA: volunteer's first name and day
	TmplAlreadyArranged    = "already_arranged"    // other volunteers asked: "al geregeld, dank je"
	TmplVolunteerReminder  = "volunteer_reminder"  // volunteer, the day before
	TmplResidentFollowUp   = "resident_followup"   // resident after the date: 1 = gelukt, 2 = niet gelukt
	TmplVolunteerCancelled = "volunteer_cancelled" // volunteer: the task was withdrawn
)

// Message channels.
const (
	ChannelSMS      = "sms"      // a text message
	ChannelCallback = "callback" // a call-back task for phone staff, for people without a mobile
)

// Message is an outbox entry: something to tell someone because of a state
// change. It is written in the same atomic update as the change that causes
// it, under a key derived from that cause, so the same cause never queues two
// messages. The notify package relays, renders and sends it.
type Message struct {
	Key      string            `json:"key" bson:"key"`
	Channel  string            `json:"channel" bson:"channel"`
	To       string            `json:"-" bson:"to"` // E.164
	OfferID  string            `json:"offerId,omitempty" bson:"offerId,omitempty"`
	MatchID  string            `json:"matchId,omitempty" bson:"matchId,omitempty"`
	Template string            `json:"template" bson:"template"`
	Lang     string            `json:"lang" bson:"lang"`
	Params   map[string]string `json:"-" bson:"params"`
	DueAt    time.Time         `json:"dueAt" bson:"dueAt"`
	// Relayed is set once the message is handed to the dispatcher.
	Relayed bool `json:"relayed" bson:"relayed"`
	// Cancelled is set when the cause no longer holds before it was relayed
	// (a reminder for a match that was withdrawn).
	Cancelled bool      `json:"cancelled,omitempty" bson:"cancelled,omitempty"`
	CreatedAt time.Time `json:"createdAt" bson:"createdAt"`
}

// queue adds a message due now, unless a message with the same key exists.
func (r *Request) queue(m Message, to Contact, offerID string, now time.Time) {
	r.queueAt(m, to, offerID, now, now)
}

func (r *Request) queueAt(m Message, to Contact, offerID string, now, due time.Time) {
	for _, old := range r.Outbox {
		if old.Key == m.Key {
			return
		}
	}
	m.To = to.Phone
	m.Channel = ChannelSMS
	if !to.Mobile {
		m.Channel = ChannelCallback
	}
	m.OfferID = offerID
	if m.Lang == "" {
		m.Lang = "nl"
	}
	m.CreatedAt = now
	m.DueAt = due
	r.Outbox = append(r.Outbox, m)
}

// cancelPending marks messages for a match that were not relayed yet as
// cancelled; with templates given, only those.
func (r *Request) cancelPending(matchID string, templates ...string) {
	for i := range r.Outbox {
		m := &r.Outbox[i]
		if m.MatchID != matchID || m.Relayed || m.Cancelled {
			continue
		}
		if len(templates) > 0 {
			hit := false
			for _, t := range templates {
				hit = hit || m.Template == t
			}
			if !hit {
				continue
			}
		}
		m.Cancelled = true
	}
}

// MessageStillWanted reports whether a relayed message should still be sent
// now: a reminder or follow-up whose match was withdrawn must stay silent.
func (r *Request) MessageStillWanted(key string) bool {
	for _, m := range r.Outbox {
		if m.Key != key {
			continue
		}
		if m.Cancelled {
			return false
		}
		switch m.Template {
		case TmplVolunteerReminder:
			mm, err := r.Match(m.MatchID)
			return err == nil && mm.Status == MatchAccepted && r.Status == RequestMatched
		case TmplResidentFollowUp:
			// Completing a match cancels its follow-up (Complete), so a
			// follow-up already relayed stays silent after completion too.
			mm, err := r.Match(m.MatchID)
			return err == nil && mm.Status == MatchAccepted && r.FollowUp == nil
		}
		return true
	}
	return false
}

// MarkRelayed sets Relayed on the messages with the given keys.
func (r *Request) MarkRelayed(keys ...string) {
	for i := range r.Outbox {
		for _, k := range keys {
			if r.Outbox[i].Key == k {
				r.Outbox[i].Relayed = true
			}
		}
	}
	r.Refresh()
}
