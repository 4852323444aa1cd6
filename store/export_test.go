package store

// FeedReads reports how many reads of the revision feeds db answered from
// its change log, and how many by querying the collection.
func FeedReads(db *DB) (fromLog, scans int64) {
	return db.feedReads.fromLog.Load(), db.feedReads.scans.Load()
}
