package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// FindRequest returns the request with the given ID.
func (db *DB) FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error) {
	r, err := findOne[wijkhelpt.Request](ctx, db, store.RequestNoun(), `SELECT doc FROM requests WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("store: find request %s: %w", id, err)
	}
	return r, nil
}

// FindRequestByRef returns the request with a reference such as "WH-7K3F",
// in any letter case.
func (db *DB) FindRequestByRef(ctx context.Context, ref string) (*wijkhelpt.Request, error) {
	ref = store.NormalizeRef(ref)
	r, err := findOne[wijkhelpt.Request](ctx, db, store.RequestNoun(), `SELECT doc FROM requests WHERE ref = ?`, ref)
	if err != nil {
		return nil, fmt.Errorf("store: find request by ref %s: %w", ref, err)
	}
	return r, nil
}

// FindRequestByToken returns the request whose status link token hashes to
// tokenHash.
func (db *DB) FindRequestByToken(ctx context.Context, tokenHash string) (*wijkhelpt.Request, error) {
	if tokenHash == "" {
		return nil, fmt.Errorf("store: find request by token: %w", wijkhelpt.NotFound(store.RequestNoun()))
	}
	r, err := findOne[wijkhelpt.Request](ctx, db, store.RequestNoun(),
		`SELECT doc FROM requests WHERE token_hash = ? AND token_hash <> '' LIMIT 1`, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("store: find request by token: %w", err)
	}
	return r, nil
}

// FindRequestByMatch returns the request that holds the match with the
// given ID.
func (db *DB) FindRequestByMatch(ctx context.Context, matchID string) (*wijkhelpt.Request, error) {
	id, ok := wijkhelpt.RequestIDOfMatch(matchID)
	if !ok {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, wijkhelpt.NotFound(store.MatchNoun()))
	}
	r, err := findOne[wijkhelpt.Request](ctx, db, store.MatchNoun(), `SELECT doc FROM requests WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, err)
	}
	if _, err := r.Match(matchID); err != nil {
		return nil, fmt.Errorf("store: find request by match %s: %w", matchID, err)
	}
	return r, nil
}

// FindRequests returns one page of requests in ID order: those after
// f.After, at most f.Limit (default 50, at most 500).
func (db *DB) FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error) {
	query, args, sortByID := findRequestsQuery(f)
	out, err := findAll[wijkhelpt.Request](ctx, db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find requests: %w", err)
	}
	if sortByID {
		slices.SortFunc(out, func(a, b *wijkhelpt.Request) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// findRequestsQuery is the query for f. Each filter has its index: an
// offer's requests come from request_offers, a phone's from (phone, id),
// one status from (status, id), all in ID order. For several statuses the
// IDs are sorted in a subquery on (status, id) alone, and the page's
// documents are read by rowid and sorted by the caller (sortByID).
func findRequestsQuery(f wijkhelpt.RequestFilter) (query string, args []any, sortByID bool) {
	limit := store.ClampLimit(f.Limit, 50, 500)
	statuses := func(col string) string {
		marks := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			marks[i] = "?"
			args = append(args, string(s))
		}
		return " AND " + col + " IN (" + strings.Join(marks, ", ") + ")"
	}
	var q strings.Builder
	switch {
	case f.OfferID != "":
		// CROSS JOIN keeps request_offers the outer table.
		q.WriteString(`SELECT r.doc FROM request_offers AS ro CROSS JOIN requests AS r ON r.id = ro.request_id
	WHERE ro.offer_id = ? AND ro.request_id > ?`)
		args = append(args, f.OfferID, f.After)
		if f.Phone != "" {
			q.WriteString(" AND r.phone = ?")
			args = append(args, f.Phone)
		}
		if len(f.Statuses) > 0 {
			q.WriteString(statuses("r.status"))
		}
		q.WriteString(" ORDER BY ro.request_id LIMIT ?")
	case f.Phone != "":
		q.WriteString(`SELECT doc FROM requests WHERE phone = ? AND id > ?`)
		args = append(args, f.Phone, f.After)
		if len(f.Statuses) > 0 {
			// The unary + keeps the planner on (phone, id).
			q.WriteString(statuses("+status"))
		}
		q.WriteString(" ORDER BY id LIMIT ?")
	case len(f.Statuses) == 1:
		q.WriteString(`SELECT doc FROM requests WHERE status = ? AND id > ? ORDER BY id LIMIT ?`)
		args = append(args, string(f.Statuses[0]), f.After)
	case len(f.Statuses) > 1:
		q.WriteString(`SELECT doc FROM requests WHERE rowid IN (SELECT rowid FROM requests WHERE id > ?`)
		args = append(args, f.After)
		q.WriteString(statuses("status"))
		q.WriteString(" ORDER BY id LIMIT ?)")
		sortByID = true
	default:
		q.WriteString(`SELECT doc FROM requests WHERE id > ? ORDER BY id LIMIT ?`)
		args = append(args, f.After)
	}
	return q.String(), append(args, limit), sortByID
}

// RequestsChangedSince returns the requests written after revision rev, in
// revision order, at most limit (default 100, at most 1000). Revisions
// commit in order here, so the feed has no gaps.
func (db *DB) RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db,
		`SELECT doc FROM requests WHERE revision > ? ORDER BY revision LIMIT ?`, rev, store.ClampLimit(limit, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("store: requests changed since %d: %w", rev, err)
	}
	return out, nil
}

// RequestsDue returns requests with a proposal whose answer time ran out at
// or before now, earliest first, at most limit (default 100, at most 1000).
func (db *DB) RequestsDue(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db, requestsDueSQL, millis(now), store.ClampLimit(limit, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("store: requests due: %w", err)
	}
	return out, nil
}

const requestsDueSQL = `SELECT doc FROM requests WHERE proposal_deadline <= ?
	ORDER BY proposal_deadline, id LIMIT ?`

// RequestsWithPendingMessages returns requests whose outbox holds messages
// not yet relayed, lowest revision first, at most limit (default 100, at
// most 1000).
func (db *DB) RequestsWithPendingMessages(ctx context.Context, limit int) ([]*wijkhelpt.Request, error) {
	out, err := findAll[wijkhelpt.Request](ctx, db, requestsPendingSQL, store.ClampLimit(limit, 100, 1000))
	if err != nil {
		return nil, fmt.Errorf("store: requests with pending messages: %w", err)
	}
	return out, nil
}

// requestsPendingSQL repeats the condition of the partial index
// requests_pending, which is what lets the planner use it.
const requestsPendingSQL = `SELECT doc FROM requests WHERE pending_messages > 0 ORDER BY revision LIMIT ?`

// CountRequests counts all requests.
func (db *DB) CountRequests(ctx context.Context) (int64, error) {
	n, err := db.count(ctx, `SELECT count(*) FROM requests`)
	if err != nil {
		return 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, nil
}
