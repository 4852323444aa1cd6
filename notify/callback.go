package notify

import (
	"context"

	"wijkhelpt"
)

// Callbacks lists the open call-back tasks for phone staff, earliest first:
// messages for people without a mobile phone, with the text to read out.
func (n *Notifier) Callbacks(ctx context.Context) ([]wijkhelpt.Callback, error) {
	ds, err := n.st.FindMessages(ctx, wijkhelpt.DeliveryFilter{
		States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback}, Channel: wijkhelpt.ChannelCallback, Limit: 1000})
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	out := make([]wijkhelpt.Callback, 0, len(ds))
	for _, d := range ds {
		ref, ok := refs[d.RequestID]
		if !ok && d.RequestID != "" {
			r, err := n.st.FindRequest(ctx, d.RequestID)
			switch {
			case err == nil:
				ref = r.Ref
			case wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound:
				return nil, err
			}
			refs[d.RequestID] = ref
		}
		out = append(out, wijkhelpt.Callback{
			ID:        d.Key,
			RequestID: d.RequestID,
			Ref:       ref,
			Name:      d.Params["name"],
			Phone:     d.To,
			Text:      d.Body,
			DueAt:     d.DueAt,
		})
	}
	return out, nil
}

// CallbackDone records that phone staff made the call. A task that is
// unknown is not-found; one already done is a conflict.
func (n *Notifier) CallbackDone(ctx context.Context, id string, by wijkhelpt.Actor) error {
	if err := n.st.MarkCallbackDone(ctx, id, by, n.now()); err != nil {
		return err
	}
	n.log.Info("call-back done", "key", id, "by", string(by))
	return nil
}
