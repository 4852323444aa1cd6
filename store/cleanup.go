package store

import (
	"context"
	"log/slog"
	"time"
)

// DefaultCleanupInterval is how often RunCleanup removes what expired.
const DefaultCleanupInterval = 10 * time.Minute

// RunCleanup removes expired sessions and login codes, rate-limit counters
// and handled inbound records (DeleteExpired) at start and then every
// interval, until ctx is done. On MongoDB TTL indexes do the same; this
// loop is what does it on SQLite, and a backstop there. Failures are logged
// and tried again at the next interval. It returns nil when ctx is done.
func RunCleanup(ctx context.Context, st Store, every time.Duration, now func() time.Time, log *slog.Logger) error {
	if every <= 0 {
		every = DefaultCleanupInterval
	}
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := st.DeleteExpired(ctx, now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Warn("store cleanup failed", "error", err.Error())
		case n > 0:
			log.Info("store cleanup", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
