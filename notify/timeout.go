package notify

import (
	"context"

	"wijkhelpt"
)

// timeoutBatch is how many requests with an overdue proposal one pass reads.
const timeoutBatch = 100

// timeoutsOnce ends the proposals whose answer time ran out: the volunteer
// is not asked again for that request, and the mediator sees it. Every
// instance may do this at once: the transition is conditional, so the
// second one to try is refused and nothing happens twice.
func (n *Notifier) timeoutsOnce(ctx context.Context) (bool, error) {
	now := n.now()
	reqs, err := n.st.RequestsDue(ctx, now, timeoutBatch)
	if err != nil {
		return false, err
	}
	ended := 0
	for _, r := range reqs {
		for _, m := range r.Matches {
			if m.Status != wijkhelpt.MatchProposed || now.Before(m.ExpiresAt) {
				continue
			}
			_, err := n.st.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
				return r.Decline(m.ID, wijkhelpt.ActorSystem, now, true)
			})
			switch wijkhelpt.ErrorCodeOf(err) {
			case "":
				ended++
				n.log.Info("proposal timed out", "request_id", r.ID, "match_id", m.ID)
			case wijkhelpt.ErrConflict, wijkhelpt.ErrNotFound:
				// answered or ended meanwhile
			default:
				return ended > 0, err
			}
		}
	}
	if ended > 0 {
		wake(n.wakeRelay) // in case a transition queued a message
	}
	// A full batch may have left more behind: look again at once.
	return len(reqs) == timeoutBatch && ended > 0, nil
}
