package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Each collection of store.Collections is the table of the same name.

// Dump calls fn with every document of the collection (one of
// store.Collections), in _id order, as BSON. It reads one snapshot: writes
// that commit meanwhile are not in it.
func (db *DB) Dump(ctx context.Context, collection string, fn func(doc bson.Raw) error) error {
	if !slices.Contains(store.Collections, collection) {
		return fmt.Errorf("store: dump %s: no such collection", collection)
	}
	s, err := db.read(ctx, `SELECT doc FROM `+collection+` ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: dump %s: %w", collection, err)
	}
	rows, err := s.QueryContext(ctx)
	if err != nil {
		return fmt.Errorf("store: dump %s: %w", collection, err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return fmt.Errorf("store: dump %s: %w", collection, err)
		}
		if err := fn(doc); err != nil {
			return fmt.Errorf("store: dump %s: %w", collection, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: dump %s: %w", collection, err)
	}
	return nil
}

// Restore stores documents that Dump gave (of this store or another), as
// they are, revisions included, skipping those whose _id is stored
// already, and returns how many it stored. The revision counter is raised
// to every revision restored, and restored requests and offers are
// published. The documents go in one transaction: when one cannot be
// stored (it clashes on another unique key, or is not a document of the
// collection), none is. Errors name a document by its position, never by
// its _id, which can be a phone number or an address.
func (db *DB) Restore(ctx context.Context, collection string, docs []bson.Raw) (int, error) {
	if !slices.Contains(store.Collections, collection) {
		return 0, fmt.Errorf("store: restore %s: no such collection", collection)
	}
	if len(docs) == 0 {
		return 0, nil
	}
	n := 0
	err := db.write(ctx, "restore "+collection, func(t *tx) (store.Change, error) {
		n = 0
		var c store.Change
		for i, doc := range docs {
			ok, err := t.restore(collection, doc, &c)
			if err != nil {
				return store.Change{}, fmt.Errorf("store: restore %s: document %d: %w", collection, i, err)
			}
			if ok {
				n++
			}
		}
		return c, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// errNoID is the error for a document without an _id.
var errNoID = errors.New("no _id")

// restore stores one document of the collection unless its _id is stored,
// and adds restored requests and offers to c.
func (t *tx) restore(collection string, doc []byte, c *store.Change) (bool, error) {
	const skipStored = ` ON CONFLICT (id) DO NOTHING`
	var query string
	var args []any
	var id string
	var after func() error
	switch collection {
	case "requests":
		r, err := decode[wijkhelpt.Request](doc)
		if err != nil {
			return false, err
		}
		query, args, id = insertRequestSQL+skipStored, requestArgs(r, doc), r.ID
		after = func() error {
			t.raiseRevision(r.Revision)
			c.Requests = append(c.Requests, r)
			return t.linkOffers(r.ID, nil, offerIDsOf(r))
		}
	case "offers":
		o, err := decode[wijkhelpt.Offer](doc)
		if err != nil {
			return false, err
		}
		query, args, id = insertOfferSQL+skipStored, offerArgs(o, doc), o.ID
		after = func() error {
			t.raiseRevision(o.Revision)
			c.Offers = append(c.Offers, o)
			return nil
		}
	case "users":
		u, err := decode[wijkhelpt.User](doc)
		if err != nil {
			return false, err
		}
		query, args, id = insertUserSQL+skipStored, userArgs(u, doc), u.ID
		after = func() error {
			t.raiseRevision(u.Revision)
			return nil
		}
	case "tokens":
		tok, err := decode[wijkhelpt.APIToken](doc)
		if err != nil {
			return false, err
		}
		query, args, id = `INSERT INTO tokens (id, hash, doc) VALUES (?, ?, ?)`+skipStored, []any{tok.ID, tok.Hash, doc}, tok.ID
	case "messages":
		d, err := decode[wijkhelpt.Delivery](doc)
		if err != nil {
			return false, err
		}
		query, args, id = insertMessageSQL, messageArgs(d, doc), d.Key
	case "message_status":
		s, err := decode[store.MessageStatus](doc)
		if err != nil {
			return false, err
		}
		query, args, id = `INSERT INTO message_status (id, sid, status, doc) VALUES (?, ?, ?, ?)`+skipStored,
			[]any{s.ID, s.SID, s.Status, doc}, s.ID
	case "optouts":
		o, err := decode[store.OptOut](doc)
		if err != nil {
			return false, err
		}
		query, args, id = `INSERT INTO optouts (id, opted_out, doc) VALUES (?, ?, ?)`+skipStored,
			[]any{o.Phone, boolInt(o.OptedOut), doc}, o.Phone
	case "geocache":
		l, err := decode[store.CachedLocation](doc)
		if err != nil {
			return false, err
		}
		query, args, id = `INSERT INTO geocache (id, doc) VALUES (?, ?)`+skipStored, []any{l.Key, doc}, l.Key
	case "audit":
		e, err := decode[store.AuditEntry](doc)
		if err != nil {
			return false, err
		}
		query, args, id = `INSERT INTO audit (id, doc) VALUES (?, ?)`+skipStored, []any{e.ID, doc}, e.ID
	default:
		return false, errors.New("no such collection")
	}
	if id == "" {
		return false, errNoID
	}
	res, err := t.exec(query, args...)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if after != nil {
		if err := after(); err != nil {
			return false, err
		}
	}
	return true, nil
}
