package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

const (
	insertOfferSQL = `INSERT INTO offers (id, revision, phone, user_id, import_key, name_lower, doc)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`
	updateOfferSQL = `UPDATE offers SET revision = ?2, phone = ?3, user_id = ?4, import_key = ?5,
	name_lower = ?6, doc = ?7 WHERE id = ?1`
)

// offerArgs are the arguments of insertOfferSQL and updateOfferSQL.
func offerArgs(o *wijkhelpt.Offer, doc []byte) []any {
	return []any{o.ID, o.Revision, o.Phone, nullString(o.UserID), nullString(o.ImportKey), foldName(o.Name), doc}
}

// foldName is how names are stored and searched: in lower case, so that a
// search ignores letter case.
func foldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// offerDetailsTaken is the error for an offer changed to an import key
// that another offer has.
func offerDetailsTaken() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Er is al een hulpaanbod met deze gegevens.",
		"There is already an offer with these details."))
}

// CreateOffer stores a new offer and returns it as stored, with its
// revision. When an offer with the same import key exists, it returns that
// one and created = false. A number that opted out of SMS starts opted out
// (and one that did not, not). o itself is not changed.
func (db *DB) CreateOffer(ctx context.Context, o *wijkhelpt.Offer) (*wijkhelpt.Offer, bool, error) {
	if o == nil {
		return nil, false, errors.New("store: create offer: nil offer")
	}
	d := *o
	if d.ID == "" {
		d.ID = wijkhelpt.NewID()
	}
	d.SchemaVersion = wijkhelpt.SchemaVersion
	var stored []byte
	var created bool
	err := db.write(ctx, "create offer "+d.ID, func(t *tx) (store.Change, error) {
		res, doc, pub, err := t.insertOffer(&d)
		if err != nil {
			return store.Change{}, fmt.Errorf("store: create offer %s: %w", d.ID, err)
		}
		switch res {
		case idStored:
			return store.Change{}, fmt.Errorf("store: create offer %s: %w", d.ID, store.OfferExists())
		case keyStored:
			stored = doc
			return store.Change{}, nil
		}
		stored, created = doc, true
		return store.Change{Offers: []*wijkhelpt.Offer{pub}}, nil
	})
	if err != nil {
		return nil, false, err
	}
	out, err := decode[wijkhelpt.Offer](stored)
	if err != nil {
		return nil, false, fmt.Errorf("store: create offer %s: %w", d.ID, err)
	}
	return out, created, nil
}

// insertOffer stores d with the next revision and the opt-out of its
// number, and returns the document and a decoded copy of it. When d's
// import key is stored already it returns that offer's document and
// keyStored.
func (t *tx) insertOffer(d *wijkhelpt.Offer) (res insertOutcome, doc []byte, pub *wijkhelpt.Offer, err error) {
	if d.OptedOut, err = t.optedOut(d.Phone); err != nil {
		return 0, nil, nil, err
	}
	rev := t.nextRevision()
	d.Revision = rev
	raw, err := bson.Marshal(d)
	if err != nil {
		return 0, nil, nil, err
	}
	_, err = t.exec(insertOfferSQL, offerArgs(d, raw)...)
	if err == nil {
		pub, err := decode[wijkhelpt.Offer](raw)
		return inserted, raw, pub, err
	}
	if _, dup := uniqueViolation(err); !dup {
		return 0, nil, nil, err
	}
	t.undoRevision(rev)
	if d.ImportKey != "" {
		doc, found, err := t.doc(`SELECT doc FROM offers WHERE import_key = ?`, d.ImportKey)
		if err != nil {
			return 0, nil, nil, err
		}
		if found {
			return keyStored, doc, nil, nil
		}
	}
	return idStored, nil, nil, nil
}

// FindOffer returns the offer with the given ID.
func (db *DB) FindOffer(ctx context.Context, id string) (*wijkhelpt.Offer, error) {
	o, err := findOne[wijkhelpt.Offer](ctx, db, store.OfferNoun(), `SELECT doc FROM offers WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("store: find offer %s: %w", id, err)
	}
	return o, nil
}

// FindOffers returns one page of offers in ID order: those after f.After, at
// most f.Limit (default 50, at most 500). Query matches any part of the
// name, ignoring letter case; it is taken literally, never as a pattern.
func (db *DB) FindOffers(ctx context.Context, f wijkhelpt.OfferFilter) ([]*wijkhelpt.Offer, error) {
	query, args := findOffersQuery(f)
	out, err := findAll[wijkhelpt.Offer](ctx, db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find offers: %w", err)
	}
	return out, nil
}

// findOffersQuery is the query for f: by (phone, id) or (user_id, id) when
// given, else in ID order on offers_name, which holds the folded names, so
// that a search reads documents only for the offers it finds.
func findOffersQuery(f wijkhelpt.OfferFilter) (string, []any) {
	var q strings.Builder
	var args []any
	switch {
	case f.Phone != "":
		q.WriteString(`SELECT doc FROM offers WHERE phone = ? AND id > ?`)
		args = append(args, f.Phone, f.After)
		if f.UserID != "" {
			q.WriteString(" AND +user_id = ?")
			args = append(args, f.UserID)
		}
	case f.UserID != "":
		q.WriteString(`SELECT doc FROM offers WHERE user_id = ? AND id > ?`)
		args = append(args, f.UserID, f.After)
	default:
		q.WriteString(`SELECT doc FROM offers INDEXED BY offers_name WHERE id > ?`)
		args = append(args, f.After)
	}
	if name := foldName(f.Query); name != "" {
		// instr, not LIKE: the query is a literal part of the name.
		q.WriteString(" AND instr(name_lower, ?) > 0")
		args = append(args, name)
	}
	q.WriteString(" ORDER BY id LIMIT ?")
	return q.String(), append(args, store.ClampLimit(f.Limit, 50, 500))
}

// UpdateOffer changes an offer with fn, atomically, as UpdateRequest does.
// A new phone number brings its own opt-out with it.
func (db *DB) UpdateOffer(ctx context.Context, id string, fn func(*wijkhelpt.Offer) error) (*wijkhelpt.Offer, error) {
	var stored []byte
	err := db.write(ctx, "update offer "+id, func(t *tx) (store.Change, error) {
		next, err := load[wijkhelpt.Offer](t, "offers", id, "update offer "+id, store.OfferNoun())
		if err != nil {
			return store.Change{}, err
		}
		oldUpdated, oldPhone := next.UpdatedAt, next.Phone
		if err := fn(next); err != nil {
			return store.Change{}, err
		}
		if next.Phone != oldPhone {
			if next.OptedOut, err = t.optedOut(next.Phone); err != nil {
				return store.Change{}, fmt.Errorf("store: update offer %s: %w", id, err)
			}
		}
		raw, pub, err := t.rewriteOffer(id, next, oldUpdated)
		if err != nil {
			return store.Change{}, err
		}
		stored = raw
		return store.Change{Offers: []*wijkhelpt.Offer{pub}}, nil
	})
	if err != nil {
		return nil, err
	}
	out, err := decode[wijkhelpt.Offer](stored)
	if err != nil {
		return nil, fmt.Errorf("store: update offer %s: %w", id, err)
	}
	return out, nil
}

// rewriteOffer writes next, a changed copy of the stored offer id, with
// the next revision; the update time is now unless the change set one. It
// returns the document and a decoded copy of it.
func (t *tx) rewriteOffer(id string, next *wijkhelpt.Offer, oldUpdated time.Time) ([]byte, *wijkhelpt.Offer, error) {
	next.ID = id
	if next.UpdatedAt.Equal(oldUpdated) {
		next.UpdatedAt = t.now
	}
	next.Revision = t.nextRevision()
	next.SchemaVersion = wijkhelpt.SchemaVersion
	raw, err := bson.Marshal(next)
	if err != nil {
		return nil, nil, fmt.Errorf("store: update offer %s: %w", id, err)
	}
	if _, err := t.exec(updateOfferSQL, offerArgs(next, raw)...); err != nil {
		if _, dup := uniqueViolation(err); dup {
			return nil, nil, fmt.Errorf("store: update offer %s: %w", id, offerDetailsTaken())
		}
		return nil, nil, fmt.Errorf("store: update offer %s: %w", id, err)
	}
	pub, err := decode[wijkhelpt.Offer](raw)
	if err != nil {
		return nil, nil, fmt.Errorf("store: update offer %s: %w", id, err)
	}
	return raw, pub, nil
}

// OffersChangedSince returns the offers written after revision rev, in
// revision order, at most limit (default 100, at most 1000).
func (db *DB) OffersChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error) {
	out, err := findAll[wijkhelpt.Offer](ctx, db,
		`SELECT doc FROM offers WHERE revision > ? ORDER BY revision LIMIT ?`, rev, store.ClampLimit(limit, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("store: offers changed since %d: %w", rev, err)
	}
	return out, nil
}

// CountOffers counts all offers.
func (db *DB) CountOffers(ctx context.Context) (int64, error) {
	n, err := db.count(ctx, `SELECT count(*) FROM offers`)
	if err != nil {
		return 0, fmt.Errorf("store: count offers: %w", err)
	}
	return n, nil
}

// InsertOffers stores many new offers at once, for an import, and returns
// how many it stored. An offer whose import key or ID is stored already is
// skipped, so importing the same file twice adds nothing the second time.
// The offers go in writes of insertChunk; when one fails, those before it
// stay stored.
func (db *DB) InsertOffers(ctx context.Context, offers []*wijkhelpt.Offer) (int, error) {
	for i, o := range offers {
		if o == nil {
			return 0, fmt.Errorf("store: insert offers: nil offer at %d", i)
		}
	}
	total := 0
	for chunk := range slices.Chunk(offers, insertChunk) {
		n := 0
		err := db.write(ctx, "insert offers", func(t *tx) (store.Change, error) {
			n = 0
			var c store.Change
			for _, o := range chunk {
				d := *o
				if d.ID == "" {
					d.ID = wijkhelpt.NewID()
				}
				d.SchemaVersion = wijkhelpt.SchemaVersion
				res, _, pub, err := t.insertOffer(&d)
				if err != nil {
					return store.Change{}, fmt.Errorf("store: insert offers: %w", err)
				}
				if res == inserted {
					c.Offers = append(c.Offers, pub)
					n++
				}
			}
			return c, nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
