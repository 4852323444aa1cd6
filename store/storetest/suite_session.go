package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

var sessionScenarios = []scenario{
	{"session/save, find and delete", testSessions},
	{"ratelimit/hits per window", testHit},
	{"geocache/put and get", testGeocache},
	{"audit/entries are kept", testAudit},
	{"expiry/delete what ran out", testDeleteExpired},
	{"ping", testPing},
}

func testPing(t *testing.T, open opener) {
	s := open(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v; want nil", err)
	}
}

func testSessions(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	// Expiry is checked against the store's clock, so live sessions here
	// expire far from any real now, and expired ones long ago.
	live := &wijkhelpt.Session{
		ID: wijkhelpt.HashToken("cookie-1"), UserID: "u1", Role: wijkhelpt.RoleMediator, CSRF: "c1", Lang: "nl",
		CreatedAt: t0, LastSeen: t0, ExpiresAt: far, Data: map[string]string{"flash": "Opgeslagen"},
	}
	old := &wijkhelpt.Session{ID: wijkhelpt.HashToken("cookie-2"), UserID: "u2", Role: wijkhelpt.RoleAdmin,
		CreatedAt: t0, LastSeen: t0, ExpiresAt: past}
	for _, ss := range []*wijkhelpt.Session{live, old} {
		if err := s.SaveSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindSession(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(live, got); diff != "" {
		t.Errorf("FindSession (-saved +found):\n%s", diff)
	}
	if got, err := s.FindSession(ctx, old.ID); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindSession of an expired session = %v, %v; want nil, not found", got, err)
	}
	if got, err := s.FindSession(ctx, "unknown"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindSession of an unknown session = %v, %v; want nil, not found", got, err)
	}

	live.Lang, live.LastSeen, live.Data = "en", t0.Add(time.Hour), nil
	if err := s.SaveSession(ctx, live); err != nil {
		t.Fatal(err)
	}
	got, err = s.FindSession(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(live, got); diff != "" {
		t.Errorf("FindSession after saving again (-saved +found):\n%s", diff)
	}
	// An expired session saved as live again (a renewed login code) is
	// found again.
	old.ExpiresAt = far
	if err := s.SaveSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSession(ctx, old.ID); err != nil || got.UserID != "u2" {
		t.Errorf("FindSession of a renewed session = %v, %v; want u2's", got, err)
	}

	if err := s.DeleteSession(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSession(ctx, live.ID); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindSession after logout = %v, %v; want nil, not found", got, err)
	}
	if err := s.DeleteSession(ctx, live.ID); err != nil {
		t.Errorf("deleting a deleted session: %v; want no error", err)
	}
	if _, err := s.FindSession(ctx, old.ID); err != nil {
		t.Errorf("FindSession of the other session after a logout: %v; want it kept", err)
	}
}

func testHit(t *testing.T, open opener) {
	s := open(t)
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
		{"login:a", t0.Add(30 * time.Second), 4}, // a late hit counts in its own window
	}
	for _, tt := range tests {
		got, err := s.Hit(ctx, tt.key, window, tt.at)
		if err != nil || got != tt.want {
			t.Errorf("Hit(%s, %v) = %d, %v; want %d", tt.key, tt.at.Format(time.TimeOnly), got, err, tt.want)
		}
	}
	// Windows are aligned to the epoch, not to the first hit: t0 is
	// 09:30:00, so 09:30:59 and 09:31:00 are in different windows while
	// 09:29:30 and 09:29:59 share one.
	for i, want := range []int64{1, 2} {
		at := t0.Add(-30*time.Second + time.Duration(i)*29*time.Second)
		if got, err := s.Hit(ctx, "login:c", window, at); err != nil || got != want {
			t.Errorf("Hit(login:c, %v) = %d, %v; want %d", at.Format(time.TimeOnly), got, err, want)
		}
	}
	// Another window length is another counter.
	if got, err := s.Hit(ctx, "login:a", time.Hour, t0); err != nil || got != 1 {
		t.Errorf("Hit(login:a, hour) = %d, %v; want 1", got, err)
	}

	// Concurrent hits each get their own count.
	const n = 20
	counts := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := s.Hit(ctx, "intake:c", window, t0)
			if err != nil {
				t.Errorf("concurrent Hit: %v", err)
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
	if _, err := s.Hit(ctx, "x", 0, t0); err == nil {
		t.Error("Hit with a zero window: no error; want one")
	}
}

func testGeocache(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	key := "pdok:3961AB:12"
	if got, ok, err := s.GetCachedLocation(ctx, key); ok || err != nil {
		t.Fatalf("empty cache: %+v, found %v, %v; want nothing", got, ok, err)
	}
	loc := testLocation()
	if err := s.PutCachedLocation(ctx, key, loc); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.GetCachedLocation(ctx, key)
	if err != nil || !ok {
		t.Fatalf("GetCachedLocation: found %v, %v; want the location", ok, err)
	}
	if diff := storedDiff(loc, got); diff != "" {
		t.Errorf("cached location (-put +got):\n%s", diff)
	}
	loc.Street = "Markt (nieuw)"
	if err := s.PutCachedLocation(ctx, key, loc); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.GetCachedLocation(ctx, key); err != nil || !ok || got.Street != loc.Street {
		t.Errorf("after a second put: %+v, %v, %v; want street %q", got, ok, err, loc.Street)
	}
	if _, ok, err := s.GetCachedLocation(ctx, "pdok:3961AB:14"); ok || err != nil {
		t.Errorf("another key: found %v, %v; want nothing", ok, err)
	}
}

func testAudit(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	actor := wijkhelpt.UserActor(wijkhelpt.RoleMediator, "u1")
	for i := range 3 {
		if err := s.Audit(ctx, actor, "view_request", "r1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, wijkhelpt.ActorSystem, "export_requests", "", t0); err != nil {
		t.Fatal(err)
	}
	entries := dumpAs[store.AuditEntry](t, s, "audit")
	ids := map[string]bool{}
	var views []time.Time
	for _, e := range entries {
		if e.ID == "" || ids[e.ID] {
			t.Errorf("audit entry %+v: ID empty or repeated", e)
		}
		ids[e.ID] = true
		if e.Actor == actor && e.Action == "view_request" && e.ObjectID == "r1" {
			views = append(views, e.At)
		}
	}
	slices.SortFunc(views, time.Time.Compare)
	want := []time.Time{t0, t0.Add(time.Minute), t0.Add(2 * time.Minute)}
	if len(entries) != 4 || storedDiff(want, views) != "" {
		t.Errorf("audit: %d entries, views of r1 by %s at %v; want 4 entries, views at %v", len(entries), actor, views, want)
	}
}

// testDeleteExpired: sessions and login codes that expired, counters of
// windows that ended, and inbound records handled more than InboundKeep
// ago go; the rest stays.
func testDeleteExpired(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	now := t0
	sessions := []*wijkhelpt.Session{
		{ID: wijkhelpt.HashToken("expired"), UserID: "u1", Role: wijkhelpt.RoleMediator, ExpiresAt: now.Add(-time.Hour)},
		{ID: "smscode:" + wijkhelpt.HashToken("+31612345678"), UserID: "u2", Role: wijkhelpt.RoleVolunteer,
			ExpiresAt: now.Add(-time.Minute), Data: map[string]string{"code": "1234"}},
		{ID: wijkhelpt.HashToken("live"), UserID: "u3", Role: wijkhelpt.RoleAdmin, ExpiresAt: far},
		{ID: "smscode:" + wijkhelpt.HashToken("+31687654321"), UserID: "u4", Role: wijkhelpt.RoleVolunteer,
			ExpiresAt: far, Data: map[string]string{"code": "5678"}},
	}
	for _, ss := range sessions {
		ss.CreatedAt, ss.LastSeen = now.Add(-2*time.Hour), now.Add(-2*time.Hour)
		if err := s.SaveSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	// Two counters of a window that ended, one of a window still running.
	for _, hit := range []struct {
		key    string
		window time.Duration
		at     time.Time
	}{
		{"login:a", time.Minute, now.Add(-5 * time.Minute)},
		{"login:a", time.Minute, now.Add(-5 * time.Minute)},
		{"login:b", time.Minute, now.Add(-3 * time.Minute)},
		{"login:a", 24 * time.Hour, now.Add(-time.Hour)},
	} {
		if _, err := s.Hit(ctx, hit.key, hit.window, hit.at); err != nil {
			t.Fatal(err)
		}
	}
	// An inbound SMS handled long ago, one handled recently.
	for _, in := range []struct {
		sid string
		at  time.Time
	}{
		{"SMold", now.Add(-store.InboundKeep - time.Hour)},
		{"SMrecent", now.Add(-time.Hour)},
	} {
		if ok, err := s.ClaimInbound(ctx, in.sid, "w", in.at, in.at.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("ClaimInbound(%s) = %v, %v; want true", in.sid, ok, err)
		}
		if err := s.FinishInbound(ctx, in.sid, in.at); err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.DeleteExpired(ctx, now)
	if err != nil || n != 5 {
		t.Errorf("DeleteExpired = %d, %v; want 5: two sessions, two counters, one inbound record", n, err)
	}
	if n, err := s.DeleteExpired(ctx, now); err != nil || n != 0 {
		t.Errorf("DeleteExpired again = %d, %v; want 0", n, err)
	}

	for _, ss := range sessions[2:] {
		if _, err := s.FindSession(ctx, ss.ID); err != nil {
			t.Errorf("FindSession(%.12s) after DeleteExpired: %v; want it kept", ss.ID, err)
		}
	}
	// Counters that went start again; the live one goes on.
	for _, hit := range []struct {
		key    string
		window time.Duration
		at     time.Time
		want   int64
	}{
		{"login:a", time.Minute, now.Add(-5 * time.Minute), 1},
		{"login:b", time.Minute, now.Add(-3 * time.Minute), 1},
		{"login:a", 24 * time.Hour, now.Add(-time.Hour), 2},
	} {
		if got, err := s.Hit(ctx, hit.key, hit.window, hit.at); err != nil || got != hit.want {
			t.Errorf("Hit(%s, %v) after DeleteExpired = %d, %v; want %d", hit.key, hit.window, got, err, hit.want)
		}
	}
	// The old inbound record is forgotten, the recent one still known.
	if ok, err := s.ClaimInbound(ctx, "SMold", "w2", now, now.Add(time.Minute)); err != nil || !ok {
		t.Errorf("ClaimInbound(SMold) after DeleteExpired = %v, %v; want true: it was forgotten", ok, err)
	}
	if ok, err := s.ClaimInbound(ctx, "SMrecent", "w2", now, now.Add(time.Minute)); err != nil || ok {
		t.Errorf("ClaimInbound(SMrecent) after DeleteExpired = %v, %v; want false: handled already", ok, err)
	}
}
