package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

var dumpScenarios = []scenario{
	{"dump/restore into an empty store", testDumpRestore},
}

// dumpRaw returns the documents Dump gives for a collection, copied (a
// store may reuse the buffer it hands to fn), and checks they come in _id
// order.
func dumpRaw(tb testing.TB, s store.Store, collection string) []bson.Raw {
	tb.Helper()
	var docs []bson.Raw
	err := s.Dump(tb.Context(), collection, func(doc bson.Raw) error {
		docs = append(docs, slices.Clone(doc))
		return nil
	})
	if err != nil {
		tb.Fatalf("Dump(%s): %v", collection, err)
	}
	var ids []string
	for _, d := range docs {
		id, ok := d.Lookup("_id").StringValueOK()
		if !ok {
			tb.Fatalf("Dump(%s): a document without a string _id: %v", collection, d)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		tb.Errorf("Dump(%s): _ids %q; want them in order", collection, ids)
	}
	return docs
}

// dumpAs returns a collection's documents decoded as T.
func dumpAs[T any](tb testing.TB, s store.Store, collection string) []*T {
	tb.Helper()
	return decodeAll[T](tb, collection, dumpRaw(tb, s, collection))
}

func decodeAll[T any](tb testing.TB, collection string, docs []bson.Raw) []*T {
	tb.Helper()
	out := make([]*T, 0, len(docs))
	for _, d := range docs {
		v := new(T)
		if err := bson.Unmarshal(d, v); err != nil {
			tb.Fatalf("Dump(%s): a document that is no %T: %v", collection, v, err)
		}
		out = append(out, v)
	}
	return out
}

// decoded returns a collection's documents as the Go values they stand
// for, so that two stores can be compared document by document.
func decoded(tb testing.TB, collection string, docs []bson.Raw) any {
	tb.Helper()
	switch collection {
	case "users":
		return decodeAll[wijkhelpt.User](tb, collection, docs)
	case "tokens":
		return decodeAll[wijkhelpt.APIToken](tb, collection, docs)
	case "offers":
		return decodeAll[wijkhelpt.Offer](tb, collection, docs)
	case "requests":
		return decodeAll[wijkhelpt.Request](tb, collection, docs)
	case "messages":
		return decodeAll[wijkhelpt.Delivery](tb, collection, docs)
	case "message_status":
		return decodeAll[store.MessageStatus](tb, collection, docs)
	case "optouts":
		return decodeAll[store.OptOut](tb, collection, docs)
	case "geocache":
		return decodeAll[store.CachedLocation](tb, collection, docs)
	case "audit":
		return decodeAll[store.AuditEntry](tb, collection, docs)
	}
	tb.Fatalf("storetest: no type for collection %q", collection)
	return nil
}

// filled is what fillStore wrote.
type filled struct {
	matched, plain *wijkhelpt.Request
	anna           *wijkhelpt.User
	token          *wijkhelpt.APIToken
	sid            string
}

// fillStore writes at least one document of every collection Dump knows.
func fillStore(tb testing.TB, s store.Store) filled {
	tb.Helper()
	ctx := tb.Context()
	var f filled

	f.anna = &wijkhelpt.User{Email: "anna@example.nl", Name: "Anna", Role: wijkhelpt.RoleMediator, PasswordHash: "x", CreatedAt: t0}
	bert := &wijkhelpt.User{Email: "bert@example.nl", Name: "Bert", Role: wijkhelpt.RoleVolunteer, Phone: "+31687654321", CreatedAt: t0}
	for _, u := range []*wijkhelpt.User{f.anna, bert} {
		if err := s.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
	}
	f.token = &wijkhelpt.APIToken{ID: "tok1", Hash: wijkhelpt.HashToken("secret"), Name: "koppeling", Role: wijkhelpt.RolePhone, CreatedAt: t0}
	revoked := &wijkhelpt.APIToken{ID: "tok2", Hash: wijkhelpt.HashToken("old"), Name: "oud", Role: wijkhelpt.RoleAdmin, Revoked: true, CreatedAt: t0}
	for _, tok := range []*wijkhelpt.APIToken{f.token, revoked} {
		if err := s.CreateToken(ctx, tok); err != nil {
			tb.Fatal(err)
		}
	}

	offers := newOffers(3, "")
	offers[2].Phone = "+31633333333"
	for _, o := range offers {
		createOffer(tb, s, o)
	}
	if _, err := s.UpdateUser(ctx, bert.ID, func(u *wijkhelpt.User) error { u.OfferID = offers[0].ID; return nil }); err != nil {
		tb.Fatal(err)
	}
	if n, err := s.InsertOffers(ctx, newOffers(2, "dump:")); err != nil || n != 2 {
		tb.Fatalf("InsertOffers = %d, %v; want 2", n, err)
	}
	if err := s.SetOptOut(ctx, "+31633333333", true, t0); err != nil {
		tb.Fatal(err)
	}
	if err := s.SetOptOut(ctx, "+31644444444", false, t0); err != nil {
		tb.Fatal(err)
	}

	// A request proposed to two volunteers, one of whom said yes: matches,
	// history and an outbox with messages relayed and not.
	r := createRequest(tb, s, newRequest(tb, "dump-1", "+31612345678"))
	updateRequest(tb, s, r.ID, func(r *wijkhelpt.Request) error {
		props := []wijkhelpt.Proposal{{Offer: offers[0], DistanceKm: 1.5, Score: 0.9}, {Offer: offers[1], DistanceKm: 2, Score: 0.7}}
		return r.Propose(props, mediator, t0, time.Hour)
	})
	f.matched = updateRequest(tb, s, r.ID, func(r *wijkhelpt.Request) error {
		r.MarkRelayed(r.Outbox[0].Key)
		if err := r.AddNote("vraag achter de vraag", mediator, t0); err != nil {
			return err
		}
		return r.Accept(r.Matches[0].ID, wijkhelpt.SMSActor(offers[0].ID), t0.Add(time.Minute))
	})
	f.plain = createRequest(tb, s, newRequest(tb, "", "+31622222222"))
	cancelled := createRequest(tb, s, newRequest(tb, "", "+31633333333"))
	updateRequest(tb, s, cancelled.ID, func(r *wijkhelpt.Request) error {
		return r.Cancel(wijkhelpt.ActorResident, "niet meer nodig", t0)
	})
	if n, err := s.InsertRequests(ctx, []*wijkhelpt.Request{newRequest(tb, "dump:imp:1", "+31612345678"), newRequest(tb, "dump:imp:2", "+31612345678")}); err != nil || n != 2 {
		tb.Fatalf("InsertRequests = %d, %v; want 2", n, err)
	}

	// Messages relayed from the outbox: one sent with statuses, one
	// pending, one call-back task.
	var ds []*wijkhelpt.Delivery
	for i, m := range f.matched.Outbox {
		d := newDelivery(m.Key, m.DueAt)
		d.RequestID, d.MatchID, d.OfferID, d.To, d.Template, d.Params = f.matched.ID, m.MatchID, m.OfferID, m.To, m.Template, m.Params
		if i == 1 {
			d.Channel, d.State = wijkhelpt.ChannelCallback, wijkhelpt.DeliveryCallback
		}
		ds = append(ds, d)
	}
	if err := s.InsertMessages(ctx, ds); err != nil {
		tb.Fatal(err)
	}
	now := t0.Add(time.Hour)
	d, _, err := s.ClaimMessage(ctx, ds[0].Key, 0, "w1", now, now.Add(time.Minute))
	if err != nil {
		tb.Fatal(err)
	}
	f.sid = "SMdump"
	d.State, d.SID, d.Attempts, d.SentAt, d.LeaseUntil = wijkhelpt.DeliverySent, f.sid, 1, &now, time.Time{}
	if err := s.SaveMessage(ctx, d); err != nil {
		tb.Fatal(err)
	}
	for _, st := range []string{"sent", "delivered"} {
		if _, err := s.RecordMessageStatus(ctx, f.sid, st, 0, now); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := s.RecordMessageStatus(ctx, "SMelse", "failed", 30003, now); err != nil {
		tb.Fatal(err)
	}

	for _, key := range []string{"pdok:3961AB:12", "pdok:3961AB:14"} {
		if err := s.PutCachedLocation(ctx, key, testLocation()); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 3 {
		if err := s.Audit(ctx, wijkhelpt.UserActor(wijkhelpt.RoleMediator, f.anna.ID), "view_request", f.matched.ID, t0.Add(time.Duration(i)*time.Second)); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// maxRevision is the highest revision of any request, offer or user in docs.
func maxRevision(tb testing.TB, docs map[string][]bson.Raw) int64 {
	tb.Helper()
	var top int64
	for _, c := range []string{"requests", "offers", "users"} {
		for _, d := range docs[c] {
			rev, ok := d.Lookup("revision").AsInt64OK()
			if !ok {
				tb.Fatalf("Dump(%s): a document without a revision: %v", c, d)
			}
			top = max(top, rev)
		}
	}
	return top
}

func testDumpRestore(t *testing.T, open opener) {
	src := open(t)
	dst := open(t)
	ctx := t.Context()
	f := fillStore(t, src)

	dumped := map[string][]bson.Raw{}
	for _, c := range store.Collections {
		dumped[c] = dumpRaw(t, src, c)
		if len(dumped[c]) == 0 {
			t.Fatalf("Dump(%s) of the filled store: nothing; want every collection filled", c)
		}
	}
	for _, c := range store.Collections {
		n, err := dst.Restore(ctx, c, dumped[c])
		if err != nil || n != len(dumped[c]) {
			t.Fatalf("Restore(%s) = %d, %v; want %d", c, n, err, len(dumped[c]))
		}
	}
	for _, c := range store.Collections {
		if n, err := dst.Restore(ctx, c, dumped[c]); err != nil || n != 0 {
			t.Errorf("Restore(%s) again = %d, %v; want 0", c, n, err)
		}
	}
	if n, err := dst.Restore(ctx, "requests", nil); err != nil || n != 0 {
		t.Errorf("Restore(requests, nil) = %d, %v; want 0", n, err)
	}
	for _, c := range store.Collections {
		got := dumpRaw(t, dst, c)
		if len(got) != len(dumped[c]) {
			t.Errorf("%s: %d documents restored; want %d", c, len(got), len(dumped[c]))
		}
		if diff := storedDiff(decoded(t, c, dumped[c]), decoded(t, c, got)); diff != "" {
			t.Errorf("%s: restored documents differ (-dumped +restored):\n%s", c, diff)
		}
	}

	// Counts and look-ups work on the restored store as on the original.
	for _, count := range []struct {
		name string
		get  func(store.Store) (int64, error)
	}{
		{"requests", func(s store.Store) (int64, error) { return s.CountRequests(ctx) }},
		{"offers", func(s store.Store) (int64, error) { return s.CountOffers(ctx) }},
	} {
		want, err1 := count.get(src)
		got, err2 := count.get(dst)
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("count of %s: restored %d (%v); want %d (%v)", count.name, got, err2, want, err1)
		}
	}
	lookups := []struct {
		name string
		find func(store.Store) (any, error)
	}{
		{"request by ref", func(s store.Store) (any, error) { return s.FindRequestByRef(ctx, strings.ToLower(f.matched.Ref)) }},
		{"request by token", func(s store.Store) (any, error) { return s.FindRequestByToken(ctx, f.plain.TokenHash) }},
		{"request by match", func(s store.Store) (any, error) { return s.FindRequestByMatch(ctx, f.matched.Matches[1].ID) }},
		{"requests", func(s store.Store) (any, error) { return s.FindRequests(ctx, wijkhelpt.RequestFilter{}) }},
		{"requests of an offer", func(s store.Store) (any, error) {
			return s.FindRequests(ctx, wijkhelpt.RequestFilter{OfferID: f.matched.Matches[0].OfferID})
		}},
		{"requests by status", func(s store.Store) (any, error) {
			return s.FindRequests(ctx, wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestCancelled}})
		}},
		{"requests with pending messages", func(s store.Store) (any, error) { return s.RequestsWithPendingMessages(ctx, 0) }},
		{"requests due", func(s store.Store) (any, error) { return s.RequestsDue(ctx, t0.Add(48*time.Hour), 0) }},
		{"requests feed", func(s store.Store) (any, error) { return s.RequestsChangedSince(ctx, 0, 1000) }},
		{"offers", func(s store.Store) (any, error) {
			return s.FindOffers(ctx, wijkhelpt.OfferFilter{Query: "vrijwilliger"})
		}},
		{"offers feed", func(s store.Store) (any, error) { return s.OffersChangedSince(ctx, 0, 1000) }},
		{"user by e-mail", func(s store.Store) (any, error) { return s.FindUserByEmail(ctx, "ANNA@example.nl") }},
		{"users", func(s store.Store) (any, error) { return s.FindUsers(ctx) }},
		{"token", func(s store.Store) (any, error) { return s.FindTokenByHash(ctx, f.token.Hash) }},
		{"message by SID", func(s store.Store) (any, error) { return s.FindMessageBySID(ctx, f.sid) }},
		{"messages", func(s store.Store) (any, error) { return s.FindMessages(ctx, wijkhelpt.DeliveryFilter{}) }},
		{"due messages", func(s store.Store) (any, error) { return s.DueMessages(ctx, t0.Add(48*time.Hour), 0) }},
		{"opt-out", func(s store.Store) (any, error) { return s.OptedOut(ctx, "+31633333333") }},
		{"opt-in", func(s store.Store) (any, error) { return s.OptedOut(ctx, "+31644444444") }},
		{"geocache", func(s store.Store) (any, error) {
			loc, ok, err := s.GetCachedLocation(ctx, "pdok:3961AB:14")
			return []any{loc, ok}, err
		}},
	}
	for _, l := range lookups {
		want, err := l.find(src)
		if err != nil {
			t.Fatalf("%s on the original: %v", l.name, err)
		}
		got, err := l.find(dst)
		if err != nil {
			t.Errorf("%s on the restored store: %v", l.name, err)
			continue
		}
		if diff := storedDiff(want, got); diff != "" {
			t.Errorf("%s: the restored store answers otherwise (-original +restored):\n%s", l.name, diff)
		}
	}
	if got, err := dst.FindTokenByHash(ctx, wijkhelpt.HashToken("old")); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("revoked token on the restored store = %v, %v; want not found", got, err)
	}
	if got, err := dst.FindMessage(ctx, f.matched.Outbox[0].Key); err != nil || got.TwilioStatus != "delivered" {
		t.Errorf("restored message = %+v, %v; want status delivered", got, err)
	}

	// The unique keys hold on the restored store.
	again, created, err := dst.CreateRequest(ctx, newRequest(t, "dump-1", "+31612345678"))
	if err != nil || created || again.ID != f.matched.ID {
		t.Errorf("CreateRequest with a restored idempotency key: %v, created %v, %v; want request %s", again, created, err, f.matched.ID)
	}
	checkEmailConflict(t, "CreateUser with a restored address", dst.CreateUser(ctx, &wijkhelpt.User{Email: "Anna@example.nl", Role: wijkhelpt.RoleAdmin}))
	if ok, err := dst.InsertMessage(ctx, newDelivery(f.matched.Outbox[0].Key, t0)); err != nil || ok {
		t.Errorf("InsertMessage with a restored key = %v, %v; want false", ok, err)
	}
	if first, err := dst.RecordMessageStatus(ctx, f.sid, "delivered", 0, t0); err != nil || first {
		t.Errorf("RecordMessageStatus of a restored status = %v, %v; want false", first, err)
	}
	clash := newRequest(t, "", "+31612345678")
	clash.Ref = f.matched.Ref
	if stored := createRequest(t, dst, clash); stored.Ref == f.matched.Ref {
		t.Errorf("a new request on the restored store got the restored ref %s", stored.Ref)
	}

	// New writes take revisions above every restored one, and the feeds
	// show them after everything restored.
	top := maxRevision(t, dumped)
	r, err := dst.UpdateRequest(ctx, f.plain.ID, func(r *wijkhelpt.Request) error { return r.AddNote("na de verhuizing", mediator, t0) })
	if err != nil {
		t.Fatal(err)
	}
	offerID := dumped["offers"][0].Lookup("_id").StringValue()
	o, err := dst.UpdateOffer(ctx, offerID, func(o *wijkhelpt.Offer) error { o.Capacity = 5; return nil })
	if err != nil {
		t.Fatal(err)
	}
	u := &wijkhelpt.User{Email: "carla@example.nl", Role: wijkhelpt.RolePhone}
	if err := dst.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		what string
		rev  int64
	}{{"UpdateRequest", r.Revision}, {"UpdateOffer", o.Revision}, {"CreateUser", u.Revision}} {
		if w.rev <= top {
			t.Errorf("%s after the restore took revision %d; want above every restored one, %d", w.what, w.rev, top)
		}
	}
	if page, err := dst.RequestsChangedSince(ctx, top, 0); err != nil || !slices.Contains(requestIDs(page), f.plain.ID) {
		t.Errorf("requests changed since the restored %d: %q, %v; want %s among them", top, requestIDs(page), err, f.plain.ID)
	}
	if page, err := dst.OffersChangedSince(ctx, top, 0); err != nil || !slices.Equal(offerIDs(page), []string{offerID}) {
		t.Errorf("offers changed since the restored %d: %q, %v; want %s", top, offerIDs(page), err, offerID)
	}
}
