package sqlite

import (
	"context"
	"fmt"
	"time"

	"wijkhelpt/store"
)

// DeleteExpired removes what has run out at now: sessions, rate-limit
// counters of windows that ended, and inbound records handled more than
// store.InboundKeep ago. It returns how many rows went.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := db.write(ctx, "delete expired", func(t *tx) (store.Change, error) {
		total = 0
		for _, d := range []struct {
			what, query string
			at          time.Time
		}{
			{"sessions", `DELETE FROM sessions WHERE expires_at <= ?`, now},
			{"rate-limit counters", `DELETE FROM ratelimits WHERE expires_at <= ?`, now},
			{"inbound records", `DELETE FROM inbound WHERE done = 1 AND done_at <= ?`, now.Add(-store.InboundKeep)},
		} {
			res, err := t.exec(d.query, millis(d.at))
			if err != nil {
				return store.Change{}, fmt.Errorf("store: delete expired %s: %w", d.what, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return store.Change{}, fmt.Errorf("store: delete expired %s: %w", d.what, err)
			}
			total += n
		}
		return store.Change{}, nil
	})
	return total, err
}
