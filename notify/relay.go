package notify

import (
	"context"

	"wijkhelpt"
)

// relayBatch is how many requests with pending messages one pass reads.
const relayBatch = 100

// relayOnce moves pending outbox messages out of their request documents
// into the messages collection, and reports whether it found any. Each
// message is inserted under its key before the request marks it relayed, so
// a crash in between only means the next pass inserts it again, which the
// unique key turns into nothing. A message cancelled before it was relayed
// is marked relayed without being inserted.
func (n *Notifier) relayOnce(ctx context.Context) (bool, error) {
	reqs, err := n.st.RequestsWithPendingMessages(ctx, relayBatch)
	if err != nil {
		return false, err
	}
	relayed := 0
	for _, r := range reqs {
		if ctx.Err() != nil {
			break
		}
		var keys []string
		for _, m := range r.Outbox {
			if m.Relayed {
				continue
			}
			if !m.Cancelled {
				if _, err := n.st.InsertMessage(ctx, n.delivery(r, m)); err != nil {
					return relayed > 0, err
				}
			}
			keys = append(keys, m.Key)
		}
		if len(keys) == 0 {
			continue
		}
		_, err := n.st.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
			r.MarkRelayed(keys...)
			return nil
		})
		if err != nil {
			return relayed > 0, err
		}
		relayed += len(keys)
	}
	if relayed > 0 {
		n.wakeWorkers()
	}
	return relayed > 0, nil
}

// delivery renders an outbox message. A message that cannot be rendered (a
// template bug) is stored as failed, so that it shows instead of vanishing.
func (n *Notifier) delivery(r *wijkhelpt.Request, m wijkhelpt.Message) *wijkhelpt.Delivery {
	now := n.now()
	d := &wijkhelpt.Delivery{
		Key:       m.Key,
		RequestID: r.ID,
		MatchID:   m.MatchID,
		OfferID:   m.OfferID,
		Channel:   m.Channel,
		To:        m.To,
		Template:  m.Template,
		Lang:      m.Lang,
		Params:    m.Params,
		DueAt:     m.DueAt,
		State:     wijkhelpt.DeliveryPending,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if d.Channel == "" {
		d.Channel = wijkhelpt.ChannelSMS
	}
	body, err := n.texts.render(m.Template, m.Lang, d.Channel, m.Params)
	if err != nil {
		n.log.Error("message not rendered", "key", m.Key, "template", m.Template, "err", err)
		d.State, d.Reason = wijkhelpt.DeliveryFailed, "render"
	}
	d.Body = body
	return d
}
