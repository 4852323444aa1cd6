package sqlite

import (
	"context"
	"fmt"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// ClaimInbound lets owner handle the inbound webhook with Twilio's message
// SID sid until `until`. It returns false when that webhook was handled
// before (Twilio retries): its effect must not happen twice. While another
// worker's claim has not run out, the error is "unavailable", so that
// Twilio tries again later; once it ran out (a crash), the webhook can be
// claimed again.
func (db *DB) ClaimInbound(ctx context.Context, sid, owner string, now, until time.Time) (bool, error) {
	if sid == "" {
		return false, fmt.Errorf("store: claim inbound: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Het bericht heeft geen kenmerk.", "The message has no SID.")))
	}
	var claimed bool
	err := db.write(ctx, "claim inbound "+sid, func(t *tx) (store.Change, error) {
		var done, leaseUntil int64
		found, err := t.scan(`SELECT done, lease_until FROM inbound WHERE id = ?`, []any{sid}, &done, &leaseUntil)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: claim inbound %s: %w", sid, err)
		}
		if found && done != 0 {
			return store.Change{}, nil
		}
		if found && leaseUntil > millis(now) {
			return store.Change{}, fmt.Errorf("store: claim inbound %s: %w", sid, store.InboundBusy())
		}
		_, err = t.exec(`INSERT INTO inbound (id, done, owner, lease_until, epoch, at) VALUES (?1, 0, ?2, ?3, 1, ?4)
			ON CONFLICT (id) DO UPDATE SET owner = ?2, lease_until = ?3, epoch = epoch + 1, at = ?4`,
			sid, owner, millis(until), millis(now))
		if err != nil {
			return store.Change{}, fmt.Errorf("store: claim inbound %s: %w", sid, err)
		}
		claimed = true
		return store.Change{}, nil
	})
	return claimed, err
}

// FinishInbound records that the inbound webhook sid was handled.
func (db *DB) FinishInbound(ctx context.Context, sid string, at time.Time) error {
	return db.write(ctx, "finish inbound "+sid, func(t *tx) (store.Change, error) {
		_, err := t.exec(`INSERT INTO inbound (id, done, owner, lease_until, epoch, at, done_at)
			VALUES (?1, 1, '', 0, 0, ?2, ?2)
			ON CONFLICT (id) DO UPDATE SET done = 1, done_at = ?2`, sid, millis(at))
		if err != nil {
			return store.Change{}, fmt.Errorf("store: finish inbound %s: %w", sid, err)
		}
		return store.Change{}, nil
	})
}
