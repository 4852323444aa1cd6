package sqlite

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
)

// The sizes of a busy desk: the benchmarks' targets are 20,000 requests,
// 2,000 offers and 60,000 messages.
const (
	benchRequests = 20000
	benchOffers   = 2000
	benchMessages = 60000
)

// benchStatuses spreads requests over the states as a desk that has run
// for a while has them: most are finished.
var benchStatuses = []wijkhelpt.RequestStatus{
	wijkhelpt.RequestDone, wijkhelpt.RequestDone, wijkhelpt.RequestDone, wijkhelpt.RequestDone,
	wijkhelpt.RequestDone, wijkhelpt.RequestDone, wijkhelpt.RequestCancelled, wijkhelpt.RequestReferred,
	wijkhelpt.RequestExpired, wijkhelpt.RequestMatched, wijkhelpt.RequestMatched, wijkhelpt.RequestProposed,
	wijkhelpt.RequestOpen, wijkhelpt.RequestOpen,
}

// benchPhone is the phone number of the i-th requester: four requests each.
func benchPhone(i int) string { return fmt.Sprintf("+316%08d", i/4) }

// fillRequests stores n requests with statuses, phones and a match to one
// of offers each, as fillStore's requests have them.
func fillRequests(b *testing.B, db *DB, n int, offers []*wijkhelpt.Offer) []*wijkhelpt.Request {
	b.Helper()
	reqs := make([]*wijkhelpt.Request, n)
	for i := range reqs {
		r := newRequest(b, "", benchPhone(i))
		r.Status = benchStatuses[i%len(benchStatuses)]
		if len(offers) > 0 && r.Status != wijkhelpt.RequestOpen {
			m := wijkhelpt.Match{ID: r.ID + "-1", OfferID: offers[i%len(offers)].ID, Status: wijkhelpt.MatchCompleted}
			if r.Status == wijkhelpt.RequestProposed {
				m.Status, m.ExpiresAt = wijkhelpt.MatchProposed, t0.Add(time.Duration(i)*time.Second)
			}
			r.Matches = []wijkhelpt.Match{m}
		}
		if r.Status != wijkhelpt.RequestOpen {
			r.MarkRelayed(r.Outbox[0].Key)
		}
		reqs[i] = r
	}
	if got, err := db.InsertRequests(b.Context(), reqs); err != nil || got != n {
		b.Fatalf("InsertRequests = %d, %v; want %d", got, err, n)
	}
	return reqs
}

// BenchmarkUpdateRequest is one transition (a note changed) and its
// commit, on a nearly empty store and on one of the target size. Each
// runs on its own, so each waits for its own fsync.
func BenchmarkUpdateRequest(b *testing.B) {
	for _, size := range []int{10, benchRequests} {
		b.Run(fmt.Sprintf("requests=%d", size), func(b *testing.B) {
			db := openTest(b)
			ctx := b.Context()
			reqs := fillRequests(b, db, size, nil)
			i := 0
			for b.Loop() {
				r := reqs[i%len(reqs)]
				i++
				_, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
					if len(r.Notes) == 0 {
						return r.AddNote("gebeld", mediator, t0)
					}
					r.Notes[0].Text = fmt.Sprintf("gebeld %d", i)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateRequestParallel32 is the intake with 32 clients at once,
// whose writes share commits. It reports requests per second and the 99th
// percentile of the time one CreateRequest takes.
func BenchmarkCreateRequestParallel32(b *testing.B) { benchCreateRequest(b, 32) }

// BenchmarkCreateRequestSequential is the baseline: one client, an fsync
// per request.
func BenchmarkCreateRequestSequential(b *testing.B) { benchCreateRequest(b, 1) }

func benchCreateRequest(b *testing.B, clients int) {
	db := openTest(b)
	ctx := b.Context()
	var mu sync.Mutex
	var took []time.Duration
	b.SetParallelism(int(math.Ceil(float64(clients) / float64(runtime.GOMAXPROCS(0)))))
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			r := newRequest(b, "", "+31612345678")
			t := time.Now()
			if _, _, err := db.CreateRequest(ctx, r); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	slices.Sort(took)
	if len(took) > 0 {
		b.ReportMetric(float64(len(took))/elapsed.Seconds(), "requests/s")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkFindRequests20000 is every list of requests on a store of the
// target size, against a lookup by ID as the baseline.
func BenchmarkFindRequests20000(b *testing.B) {
	db := openTest(b)
	ctx := b.Context()
	offers := newOffers(benchOffers, "")
	if n, err := db.InsertOffers(ctx, offers); err != nil || n != len(offers) {
		b.Fatalf("InsertOffers = %d, %v", n, err)
	}
	reqs := fillRequests(b, db, benchRequests, offers)
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	live := []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}
	for _, bc := range []struct {
		name string
		f    wijkhelpt.RequestFilter
	}{
		{"all", wijkhelpt.RequestFilter{}},
		{"all/page-200", wijkhelpt.RequestFilter{After: ids[len(ids)/2], Limit: 200}},
		{"status=open", wijkhelpt.RequestFilter{Statuses: live[:1], Limit: 500}},
		{"statuses=live", wijkhelpt.RequestFilter{Statuses: live, Limit: 500}},
		{"statuses=live/after", wijkhelpt.RequestFilter{Statuses: live, After: ids[len(ids)/2], Limit: 50}},
		{"phone", wijkhelpt.RequestFilter{Phone: benchPhone(4000)}},
		{"phone+live", wijkhelpt.RequestFilter{Phone: benchPhone(4000), Statuses: live, Limit: 10}},
		{"offer", wijkhelpt.RequestFilter{OfferID: offers[7].ID, Limit: 500}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				got, err := db.FindRequests(ctx, bc.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(got)
			}
			b.ReportMetric(float64(n), "found")
		})
	}
	b.Run("baseline=by-id", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := db.FindRequest(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("feed/100", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.RequestsChangedSince(ctx, benchRequests/2, 100); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("due", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.RequestsDue(ctx, t0.Add(time.Hour), 100); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pending", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.RequestsWithPendingMessages(ctx, 100); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("offers/name", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindOffers(ctx, wijkhelpt.OfferFilter{Query: "willIGer 19", Limit: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFindMessages60000 is the lists of messages on a store of the
// target size: most sent, some due, some call-back tasks.
func BenchmarkFindMessages60000(b *testing.B) {
	db := openTest(b)
	ctx := b.Context()
	templates := []string{wijkhelpt.TmplRequestReceived, wijkhelpt.TmplVolunteerProposal, wijkhelpt.TmplVolunteerDetails,
		wijkhelpt.TmplResidentMatched, wijkhelpt.TmplResidentFollowUp}
	ds := make([]*wijkhelpt.Delivery, benchMessages)
	for i := range ds {
		d := newDelivery(fmt.Sprintf("m%06d", i), t0.Add(time.Duration(i-benchMessages)*time.Minute))
		d.RequestID, d.To = fmt.Sprintf("r%05d", i/3), benchPhone(i/3)
		d.Template = templates[i%len(templates)]
		switch {
		case i%50 == 0:
			d.Channel, d.State = wijkhelpt.ChannelCallback, wijkhelpt.DeliveryCallback
		case i%20 == 1:
			d.State = wijkhelpt.DeliveryPending
		default:
			d.State, d.SID = wijkhelpt.DeliverySent, fmt.Sprintf("SM%06d", i)
		}
		ds[i] = d
	}
	if err := db.InsertMessages(ctx, ds); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    wijkhelpt.DeliveryFilter
	}{
		{"all", wijkhelpt.DeliveryFilter{}},
		{"callbacks", wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback},
			Channel: wijkhelpt.ChannelCallback, Limit: 1000}},
		{"states", wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback,
			wijkhelpt.DeliveryFailed}, Limit: 100}},
		{"request", wijkhelpt.DeliveryFilter{RequestID: "r01234", Limit: 1000}},
		{"to", wijkhelpt.DeliveryFilter{To: benchPhone(4000)}},
		{"template", wijkhelpt.DeliveryFilter{Template: wijkhelpt.TmplResidentMatched}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				got, err := db.FindMessages(ctx, bc.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(got)
			}
			b.ReportMetric(float64(n), "found")
		})
	}
	b.Run("due", func(b *testing.B) {
		n := 0
		for b.Loop() {
			got, err := db.DueMessages(ctx, t0, 20)
			if err != nil {
				b.Fatal(err)
			}
			n = len(got)
		}
		b.ReportMetric(float64(n), "found")
	})
}
