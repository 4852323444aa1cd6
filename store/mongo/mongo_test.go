package mongo_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/mongo"
	"wijkhelpt/store/storetest"
)

// One embedded FerretDB serves every test of this package (unless
// WIJKHELPT_TEST_MONGODB_URI names a MongoDB), each test on a database of
// its own.
func TestMain(m *testing.M) { storetest.Main(m) }

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenMongo) }

// t0 is a fixed moment for the changes tests make.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// open opens the store on database name at uri, as one service instance
// would, and closes it when the test ends.
func open(tb testing.TB, uri, name string, opts ...mongo.Option) *mongo.DB {
	tb.Helper()
	db, err := mongo.Open(tb.Context(), uri, name, opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// database returns the database name at uri through a client of the
// test's own, for looking behind the store's back.
func database(tb testing.TB, uri, name string) *driver.Database {
	tb.Helper()
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(name)
}

// newRequest builds an open request as the web intake would.
func newRequest(tb testing.TB, key string) *wijkhelpt.Request {
	tb.Helper()
	in := wijkhelpt.RequestInput{
		Text:           "Wie kan dinsdag boodschappen voor mij doen?",
		Categories:     []string{"boodschappen"},
		Slots:          []string{"di-ochtend"},
		Contact:        wijkhelpt.Contact{Name: "Anna de Vries", Phone: "+31612345678"},
		Consent:        wijkhelpt.ConsentWeb,
		IdempotencyKey: key,
	}
	loc := wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12", Street: "Markt", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: wijkhelpt.Point{Lat: 51.9745, Lon: 5.3427}, Source: "pc4"}
	r, token := wijkhelpt.NewRequest(in, loc, in.Contact.Phone, true, wijkhelpt.ChannelWeb,
		wijkhelpt.ActorResident, t0.Add(-24*time.Hour), "https://wijkhelpt.example")
	if token == "" {
		tb.Fatal("NewRequest: no token")
	}
	return r
}

func codeOf(err error) wijkhelpt.ErrorCode { return wijkhelpt.ErrorCodeOf(err) }

// TestOpenIsIdempotent: instances that start at once on a new database all
// get it set up, and a restart raises a lost revision counter above every
// stored revision.
func TestOpenIsIdempotent(t *testing.T) {
	ctx := t.Context()
	uri, name, opts := storetest.MongoDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			db, err := mongo.Open(ctx, uri, name, opts...)
			if err == nil {
				err = db.Close(ctx)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Open %d: %v", i, err)
		}
	}

	a := open(t, uri, name, opts...)
	first, _, err := a.CreateRequest(ctx, newRequest(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	// The counter is lost (restored from an older backup than the rest).
	if _, err := database(t, uri, name).Collection("counters").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, uri, name, opts...)
	second, _, err := b.CreateRequest(ctx, newRequest(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if second.Revision <= first.Revision {
		t.Errorf("revision after a restart without counter: %d; want above the stored %d", second.Revision, first.Revision)
	}
}

// TestIndexes: Open creates the indexes the queries and the unique keys
// need.
func TestIndexes(t *testing.T) {
	ctx := t.Context()
	uri, name, opts := storetest.MongoDatabase(t)
	open(t, uri, name, opts...)
	unique := map[string]map[string]bool{ // collection -> index -> unique
		"requests": {
			"ref_1": true, "tokenHash_1": true, "idempotencyKey_1": true, "revision_1": false,
			"status_1__id_1": false, "contact.phone_1__id_1": false, "proposalDeadline_1": false,
			"pendingMessages_1_revision_1": false, "matches.offerId_1": false,
		},
		"offers":         {"importKey_1": true, "revision_1": false, "phone_1": false, "userId_1": false},
		"users":          {"email_1": true, "revision_1": false},
		"tokens":         {"hash_1": true},
		"messages":       {"state_1_dueAt_1": false, "sid_1": true, "requestId_1": false},
		"message_status": {"sid_1": false},
		"audit":          {"objectId_1_at_1": false, "actor_1_at_1": false},
		"sessions":       {"expiresAt_1": false},
		"ratelimits":     {"expiresAt_1": false},
		"inbound":        {"doneAt_1": false},
	}
	db := database(t, uri, name)
	for coll, want := range unique {
		specs, err := db.Collection(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, s := range specs {
			if s.Name != "_id_" {
				got[s.Name] = s.Unique != nil && *s.Unique
			}
		}
		for ix, u := range want {
			if g, ok := got[ix]; !ok || g != u {
				t.Errorf("%s: index %s present %v, unique %v; want present, unique %v", coll, ix, ok, g, u)
			}
		}
	}
}

// TestInstancesShareTheDatabase: two instances on one database. Each
// publishes its own writes to its own subscribers; the other sees them in
// the feed. A claim by one keeps the other out until its lease runs out,
// and a save by the one that was taken over is refused.
func TestInstancesShareTheDatabase(t *testing.T) {
	ctx := t.Context()
	uri, name, opts := storetest.MongoDatabase(t)
	a, b := open(t, uri, name, opts...), open(t, uri, name, opts...)
	var mu sync.Mutex
	heard := map[string][]string{}
	for who, db := range map[string]*mongo.DB{"a": a, "b": b} {
		cancel := db.Subscribe(func(c store.Change) {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range c.Requests {
				heard[who] = append(heard[who], r.ID)
			}
		})
		t.Cleanup(cancel)
	}
	r, _, err := a.CreateRequest(ctx, newRequest(t, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if !slices.Equal(heard["a"], []string{r.ID}) || len(heard["b"]) != 0 {
		t.Errorf("published: a heard %q, b heard %q; want only a, of %s", heard["a"], heard["b"], r.ID)
	}
	mu.Unlock()
	changed, err := b.RequestsChangedSince(ctx, 0, 0)
	if err != nil || len(changed) != 1 || changed[0].ID != r.ID {
		t.Fatalf("b's feed = %v, %v; want a's request", changed, err)
	}
	updated, err := b.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error { r.Urgent = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	changed, err = a.RequestsChangedSince(ctx, r.Revision, 0)
	if err != nil || len(changed) != 1 || changed[0].Revision != updated.Revision || !changed[0].Urgent {
		t.Fatalf("a's feed after b's update = %v, %v; want revision %d", changed, err, updated.Revision)
	}
	// The same idempotency key through the other instance finds it.
	again, created, err := b.CreateRequest(ctx, newRequest(t, "k1"))
	if err != nil || created || again.ID != r.ID {
		t.Errorf("CreateRequest with a's key through b: %v, created %v, %v; want %s", again, created, err, r.ID)
	}

	d := &wijkhelpt.Delivery{Key: "m", RequestID: r.ID, Channel: wijkhelpt.ChannelSMS, To: "+31612345678",
		Template: wijkhelpt.TmplVolunteerProposal, Lang: "nl", Body: "Kun jij helpen?", DueAt: t0,
		State: wijkhelpt.DeliveryPending, CreatedAt: t0, UpdatedAt: t0}
	if ok, err := a.InsertMessage(ctx, d); err != nil || !ok {
		t.Fatalf("InsertMessage = %v, %v", ok, err)
	}
	now := t0.Add(time.Minute)
	mine, prev, err := a.ClaimMessage(ctx, "m", 0, "a", now, now.Add(30*time.Second))
	if err != nil || prev != wijkhelpt.DeliveryPending || mine.Epoch != 1 {
		t.Fatalf("a's claim: %+v, %s, %v; want epoch 1, from pending", mine, prev, err)
	}
	if _, _, err := b.ClaimMessage(ctx, "m", 0, "b", now.Add(time.Second), now.Add(time.Minute)); codeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("b's claim during a's lease: %v; want a conflict", err)
	}
	later := now.Add(time.Minute)
	theirs, prev, err := b.ClaimMessage(ctx, "m", mine.Epoch, "b", later, later.Add(time.Minute))
	if err != nil || prev != wijkhelpt.DeliverySending || theirs.Epoch != 2 {
		t.Fatalf("b's claim after a's lease: %+v, %s, %v; want epoch 2, from sending", theirs, prev, err)
	}
	mine.State = wijkhelpt.DeliverySent
	if err := a.SaveMessage(ctx, mine); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("a's save after b took over: %v; want a conflict", err)
	}
	theirs.State, theirs.LeaseUntil = wijkhelpt.DeliverySent, time.Time{}
	if err := b.SaveMessage(ctx, theirs); err != nil {
		t.Errorf("b's save: %v", err)
	}
	if err := a.SaveMessage(ctx, &wijkhelpt.Delivery{Key: "nope", Epoch: 1}); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("SaveMessage of an unknown message: %v; want not found", err)
	}
}
