package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// SetOptOut records that the number (E.164) opted out of SMS (STOP) or back
// in (START), and copies that onto the number's offers, which take a
// revision each, so that the matching engine sees it in the offer feed. It
// all happens in one transaction: an offer created at the same time starts
// with the state this records, or is changed by it.
func (db *DB) SetOptOut(ctx context.Context, phone string, optedOut bool, at time.Time) error {
	if phone == "" {
		return errors.New("store: set opt-out: no phone number")
	}
	// The number is personal data: it stays out of error texts.
	return db.write(ctx, "set opt-out", func(t *tx) (store.Change, error) {
		doc, err := bson.Marshal(store.OptOut{Phone: phone, OptedOut: optedOut, At: at})
		if err != nil {
			return store.Change{}, fmt.Errorf("store: set opt-out: %w", err)
		}
		_, err = t.exec(`INSERT INTO optouts (id, opted_out, doc) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET opted_out = excluded.opted_out, doc = excluded.doc`,
			phone, boolInt(optedOut), doc)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: set opt-out: %w", err)
		}
		rows, err := t.query(`SELECT doc FROM offers WHERE phone = ? ORDER BY id`, phone)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: mark offers opted out: %w", err)
		}
		offers, err := decodeRows[wijkhelpt.Offer](rows)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: mark offers opted out: %w", err)
		}
		var c store.Change
		for _, o := range offers {
			if o.OptedOut == optedOut {
				continue
			}
			o.OptedOut = optedOut
			_, pub, err := t.rewriteOffer(o.ID, o, o.UpdatedAt)
			if err != nil {
				return store.Change{}, fmt.Errorf("store: mark offer %s opted out: %w", o.ID, err)
			}
			c.Offers = append(c.Offers, pub)
		}
		return c, nil
	})
}

// OptedOut reports whether the number (E.164) opted out of SMS.
func (db *DB) OptedOut(ctx context.Context, phone string) (bool, error) {
	s, err := db.read(ctx, `SELECT opted_out FROM optouts WHERE id = ?`)
	if err != nil {
		return false, fmt.Errorf("store: opted out: %w", err)
	}
	var out int64
	err = s.QueryRowContext(ctx, phone).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: opted out: %w", err)
	}
	return out != 0, nil
}

// optedOut is OptedOut inside a write.
func (t *tx) optedOut(phone string) (bool, error) {
	var out int64
	found, err := t.scan(`SELECT opted_out FROM optouts WHERE id = ?`, []any{phone}, &out)
	if err != nil {
		return false, fmt.Errorf("opted out: %w", err)
	}
	return found && out != 0, nil
}
