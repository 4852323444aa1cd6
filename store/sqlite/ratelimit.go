package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"wijkhelpt/store"
)

// Hit counts one attempt for key in the fixed time window (of length
// window) that now falls in, and returns the attempts in that window so
// far, this one included. Windows are aligned to multiples of window since
// the Unix epoch; each has its own counter, which DeleteExpired removes
// once the window is over.
func (db *DB) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	if window <= 0 {
		return 0, errors.New("store: hit: window must be positive")
	}
	start := windowStart(now, window)
	id := key + "@" + strconv.FormatInt(start.UnixMilli(), 10)
	var n int64
	// Keys may hold phone numbers or addresses: they stay out of errors.
	err := db.write(ctx, "hit", func(t *tx) (store.Change, error) {
		_, err := t.scan(`INSERT INTO ratelimits (id, count, expires_at) VALUES (?, 1, ?)
			ON CONFLICT (id) DO UPDATE SET count = count + 1 RETURNING count`,
			[]any{id, millis(start.Add(window))}, &n)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: hit: %w", err)
		}
		return store.Change{}, nil
	})
	return n, err
}

// windowStart is the start of the window of length window that t falls
// in, counting windows from the Unix epoch.
func windowStart(t time.Time, window time.Duration) time.Time {
	epoch := time.Unix(0, 0)
	d := t.Sub(epoch)
	off := d % window
	if off < 0 {
		off += window
	}
	return t.Add(-off)
}
