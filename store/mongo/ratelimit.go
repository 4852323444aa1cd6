package mongo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Hit counts one attempt for key in the fixed time window (of length
// window) that now falls in, and returns the attempts in that window so
// far, this one included. Windows are aligned to multiples of window since
// the Unix epoch. The counter goes when its window has ended (TTL index,
// DeleteExpired).
func (db *DB) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int64, error) {
	if window <= 0 {
		return 0, errors.New("store: hit: window must be positive")
	}
	start := now.Truncate(window)
	id := key + "@" + strconv.FormatInt(start.UnixMilli(), 10) + "/" + strconv.FormatInt(window.Milliseconds(), 10)
	var doc struct {
		Count int64 `bson:"count"`
	}
	filter := bson.D{{Key: "_id", Value: id}}
	change := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(1)}}},
		{Key: "$setOnInsert", Value: bson.D{
			{Key: "key", Value: key},
			{Key: "windowStart", Value: start},
			{Key: "expiresAt", Value: start.Add(window)},
		}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	err := db.rateLimits.FindOneAndUpdate(ctx, filter, change, opts).Decode(&doc)
	if mongo.IsDuplicateKeyError(err) {
		// Another writer created the window's counter first.
		err = db.rateLimits.FindOneAndUpdate(ctx, filter, change, opts).Decode(&doc)
	}
	if err != nil {
		// Keys may hold phone numbers or addresses: keep them out.
		return 0, fmt.Errorf("store: hit: %w", err)
	}
	return doc.Count, nil
}
