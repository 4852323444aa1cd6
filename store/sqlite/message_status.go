package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// RecordMessageStatus stores a status Twilio reported for the message sid,
// and reports whether it is new: the same callback delivered twice is
// recorded once, so whatever follows from it happens once.
func (db *DB) RecordMessageStatus(ctx context.Context, sid, status string, errorCode int, at time.Time) (bool, error) {
	if sid == "" || status == "" {
		return false, fmt.Errorf("store: record message status: %w", wijkhelpt.Invalid("MessageSid",
			wijkhelpt.T("Bericht en status zijn nodig.", "Message and status are required.")))
	}
	s := store.MessageStatus{ID: store.StatusID(sid, status), SID: sid, Status: status, ErrorCode: errorCode, At: at}
	raw, err := bson.Marshal(&s)
	if err != nil {
		return false, fmt.Errorf("store: record message status %s: %w", sid, err)
	}
	var added bool
	err = db.write(ctx, "record message status "+sid, func(t *tx) (store.Change, error) {
		res, err := t.exec(`INSERT INTO message_status (id, sid, status, doc) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, s.ID, sid, status, raw)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: record message status %s: %w", sid, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return store.Change{}, fmt.Errorf("store: record message status %s: %w", sid, err)
		}
		added = n == 1
		return store.Change{}, nil
	})
	return added, err
}

// fillStatus sets TwilioStatus on the messages that have a SID: the
// furthest status Twilio reported (store.StatusRank). The statuses live in
// their own table because Twilio's callbacks race the worker that records
// the send.
func (db *DB) fillStatus(ctx context.Context, ds []*wijkhelpt.Delivery) error {
	bySID := map[string]*wijkhelpt.Delivery{}
	var sids []string
	for _, d := range ds {
		if d.SID != "" {
			bySID[d.SID] = d
			sids = append(sids, d.SID)
		}
	}
	if len(sids) == 0 {
		return nil
	}
	list, err := json.Marshal(sids)
	if err != nil {
		return err
	}
	s, err := db.read(ctx, `SELECT sid, status FROM message_status WHERE sid IN (SELECT value FROM json_each(?))`)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(ctx, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sid, status string
		if err := rows.Scan(&sid, &status); err != nil {
			return err
		}
		if d := bySID[sid]; d != nil && store.StatusRank(status) > store.StatusRank(d.TwilioStatus) {
			d.TwilioStatus = status
		}
	}
	return rows.Err()
}
