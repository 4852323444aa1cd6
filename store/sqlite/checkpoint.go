package sqlite

import (
	"context"
	"time"
)

// Checkpoints copy what the WAL holds into the database file, so that the
// WAL can start over. SQLite runs them inside the commit that fills the WAL
// past wal_autocheckpoint pages, which would stall that commit's batch for
// as long as copying a few megabytes and an fsync of the database take.
// Here a goroutine of its own runs them on a connection of its own, as
// PASSIVE checkpoints that never wait for the writer or the readers, at
// most every checkpointEvery while writes come in. The writer's own
// automatic checkpoint, at a much larger WAL, is only a safety net.
const (
	checkpointEvery = 50 * time.Millisecond
	// walSafetyPages is the writer's wal_autocheckpoint: 32 MiB of 4 KiB
	// pages.
	walSafetyPages = "8192"
)

// checkpoints runs until stopCheckpoints is closed.
func (db *DB) checkpoints() {
	defer close(db.checkpointsDone)
	for {
		select {
		case <-db.stopCheckpoints:
			return
		case <-db.checkpointDue:
		}
		// A failed checkpoint leaves the WAL longer, nothing else; the
		// next one tries again, and the writer's safety net is there.
		_, _ = db.cpool.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		select {
		case <-db.stopCheckpoints:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// wroteWAL tells the checkpointer that a commit added to the WAL.
func (db *DB) wroteWAL() {
	select {
	case db.checkpointDue <- struct{}{}:
	default:
	}
}
