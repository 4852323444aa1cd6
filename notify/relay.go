package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"wijkhelpt"
)

// relayBatch is how many requests with pending messages one pass reads:
// after an import or a burst of intakes, many at a time.
const relayBatch = 500

// relayChunk is how many requests the relay takes at a time: their
// messages go into the store with one insert, the workers are woken, and
// then the requests are marked, relayParallel at a time.
const (
	relayChunk    = 16
	relayParallel = 4
)

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
	// Instances that relay at the same time mostly take different requests.
	rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	read := time.Now()
	relayed := 0
	for chunk := range slices.Chunk(reqs, relayChunk) {
		if ctx.Err() != nil {
			break
		}
		// The list is a snapshot: another instance may have relayed some
		// of these since. A read by ID is much cheaper than trying.
		if time.Since(read) > time.Second {
			if chunk, err = n.reread(ctx, chunk); err != nil {
				return relayed > 0, err
			}
		}
		k, err := n.relayChunk(ctx, chunk)
		relayed += k
		if err != nil {
			return relayed > 0, err
		}
	}
	return relayed > 0, nil
}

// reread returns the current version of the requests, leaving out those
// that are gone.
func (n *Notifier) reread(ctx context.Context, reqs []*wijkhelpt.Request) ([]*wijkhelpt.Request, error) {
	out := make([]*wijkhelpt.Request, 0, len(reqs))
	for _, r := range reqs {
		fresh, err := n.st.FindRequest(ctx, r.ID)
		switch {
		case wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound:
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, fresh)
	}
	return out, nil
}

// relayChunk relays the pending messages of a few requests and returns how
// many it relayed.
func (n *Notifier) relayChunk(ctx context.Context, reqs []*wijkhelpt.Request) (int, error) {
	var ds []*wijkhelpt.Delivery
	keys := map[string][]string{}
	for _, r := range reqs {
		for _, m := range r.Outbox {
			if m.Relayed {
				continue
			}
			if !m.Cancelled {
				ds = append(ds, n.delivery(r, m))
			}
			keys[r.ID] = append(keys[r.ID], m.Key)
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	if len(ds) > 0 {
		if err := n.st.InsertMessages(ctx, ds); err != nil {
			return 0, err
		}
		n.wakeWorkers()
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		relayed int
		first   error
		slots   = make(chan struct{}, relayParallel)
	)
	for id, ks := range keys {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			_, err := n.st.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
				if !unrelayed(r, ks) {
					return errSkip // another instance marked them meanwhile
				}
				r.MarkRelayed(ks...)
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil, errors.Is(err, errSkip):
				relayed += len(ks)
			case wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound:
			case first == nil:
				first = err
			}
		}()
	}
	wg.Wait()
	return relayed, first
}

// unrelayed reports whether any of the messages with the given keys is
// still waiting to be relayed.
func unrelayed(r *wijkhelpt.Request, keys []string) bool {
	for _, m := range r.Outbox {
		if !m.Relayed && slices.Contains(keys, m.Key) {
			return true
		}
	}
	return false
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
