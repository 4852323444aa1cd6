package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func TestSessions(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	// Expiry is checked against the store's clock, so live sessions here
	// expire far from any real now, and expired ones long ago.
	live := &store.Session{
		ID: wijkhelpt.HashToken("cookie-1"), UserID: "u1", Role: wijkhelpt.RoleMediator, CSRF: "c1", Lang: "nl",
		CreatedAt: t0, LastSeen: t0, ExpiresAt: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
		Data: map[string]string{"flash": "Opgeslagen"},
	}
	old := &store.Session{ID: wijkhelpt.HashToken("cookie-2"), UserID: "u2", Role: wijkhelpt.RoleAdmin,
		CreatedAt: t0, LastSeen: t0, ExpiresAt: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, s := range []*store.Session{live, old} {
		if err := db.SaveSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.FindSession(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(live, got); diff != "" {
		t.Errorf("FindSession (-saved +found):\n%s", diff)
	}
	if _, err := db.FindSession(ctx, old.ID); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindSession of an expired session: %v; want not found", err)
	}

	live.Lang, live.LastSeen = "en", t0.Add(time.Hour)
	if err := db.SaveSession(ctx, live); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindSession(ctx, live.ID); err != nil || got.Lang != "en" {
		t.Errorf("after saving again: %+v, %v; want lang en", got, err)
	}

	n, err := db.DeleteExpiredSessions(ctx, t0)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if err := db.DeleteSession(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindSession(ctx, live.ID); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindSession after logout: %v; want not found", err)
	}
	if err := db.DeleteSession(ctx, live.ID); err != nil {
		t.Errorf("deleting a deleted session: %v; want no error", err)
	}
	left, err := db.Database().Collection("sessions").CountDocuments(ctx, bson.D{})
	if err != nil || left != 0 {
		t.Errorf("%d sessions left, %v; want none", left, err)
	}
}

func TestGeocache(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	key := "pdok:3961AB:12"
	if _, ok, err := db.GetCachedLocation(ctx, key); ok || err != nil {
		t.Fatalf("empty cache: found %v, %v", ok, err)
	}
	loc := testLocation()
	if err := db.PutCachedLocation(ctx, key, loc); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.GetCachedLocation(ctx, key)
	if err != nil || !ok {
		t.Fatalf("GetCachedLocation: found %v, %v", ok, err)
	}
	if diff := storedDiff(loc, got); diff != "" {
		t.Errorf("cached location (-put +got):\n%s", diff)
	}
	loc.Street = "Markt (nieuw)"
	if err := db.PutCachedLocation(ctx, key, loc); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.GetCachedLocation(ctx, key); got.Street != loc.Street {
		t.Errorf("after a second put: street %q; want %q", got.Street, loc.Street)
	}
}

func TestHit(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	const window = time.Minute
	tests := []struct {
		key  string
		at   time.Time
		want int64
	}{
		{"login:a", t0, 1},
		{"login:a", t0.Add(10 * time.Second), 2},
		{"login:b", t0.Add(10 * time.Second), 1},
		{"login:a", t0.Add(59 * time.Second), 3},
		{"login:a", t0.Add(60 * time.Second), 1}, // the next window
	}
	for _, tt := range tests {
		got, err := db.Hit(ctx, tt.key, window, tt.at)
		if err != nil || got != tt.want {
			t.Errorf("Hit(%s, %v) = %d, %v; want %d", tt.key, tt.at.Format(time.TimeOnly), got, err, tt.want)
		}
	}

	// Concurrent hits each get their own count.
	const n = 20
	counts := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := db.Hit(ctx, "intake:c", window, t0)
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		})
	}
	wg.Wait()
	slices.Sort(counts)
	for i, c := range counts {
		if c != int64(i+1) {
			t.Fatalf("concurrent counts %v; want 1 to %d, each once", counts, n)
		}
	}

	if _, err := db.Hit(ctx, "x", 0, t0); err == nil {
		t.Error("Hit with a zero window: no error")
	}
	removed, err := db.DeleteExpiredHits(ctx, t0.Add(window))
	if err != nil || removed != 3 {
		t.Errorf("DeleteExpiredHits = %d, %v; want the 3 counters of the first window", removed, err)
	}
	if got, _ := db.Hit(ctx, "login:a", window, t0.Add(61*time.Second)); got != 2 {
		t.Errorf("the live window's count after the sweep: %d; want 2", got)
	}
}

func TestAudit(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	actor := wijkhelpt.UserActor(wijkhelpt.RoleMediator, "u1")
	for i := range 3 {
		if err := db.Audit(ctx, actor, "view_request", "r1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var entries []struct {
		Actor    wijkhelpt.Actor `bson:"actor"`
		Action   string          `bson:"action"`
		ObjectID string          `bson:"objectId"`
		At       time.Time       `bson:"at"`
	}
	cur, err := db.Database().Collection("audit").Find(ctx, bson.D{{Key: "objectId", Value: "r1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Actor != actor || entries[0].Action != "view_request" {
		t.Errorf("audit entries %+v; want 3 views by %s", entries, actor)
	}
}
