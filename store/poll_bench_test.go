package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// liveInBench is how many requests of BenchmarkBackgroundPolls are still
// open; the rest are done.
const liveInBench = 50

// BenchmarkBackgroundPolls measures the queries the notifier runs while
// idle (every second: requests with messages to relay, messages due; every
// minute: proposals run out) on an embedded store holding a busy desk's
// history with nothing waiting: requests whose messages were all relayed,
// three sent messages per request. "watched" is a database opened through
// Embedded.Open, which answers them from its watches after one first scan;
// "scan", the baseline, one opened by address, which runs the queries.
//
// The queue lookup ("queue") finds the 50 live requests among them, and a
// volunteer's page ("volunteer") the 20 requests one volunteer helped with.
func BenchmarkBackgroundPolls(b *testing.B) {
	for _, size := range []int{1000, 5000} {
		e, err := store.StartEmbedded(b.Context(), b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		watched, err := e.Open(b.Context(), "wijkhelpt")
		if err != nil {
			b.Fatal(err)
		}
		scan, err := store.Open(b.Context(), e.URI(), "wijkhelpt")
		if err != nil {
			b.Fatal(err)
		}
		reqs := make([]*wijkhelpt.Request, size)
		for i := range reqs {
			r := newRequest(b, "", fmt.Sprintf("+316200%05d", i))
			for j := range r.Outbox {
				r.Outbox[j].Relayed = true
			}
			if i >= liveInBench {
				r.Status = wijkhelpt.RequestDone
			}
			if i%(size/20) == 0 { // one volunteer's 20 tasks
				r.Matches = append(r.Matches, wijkhelpt.Match{ID: r.ID + "-1", OfferID: "o-bench", Status: wijkhelpt.MatchCompleted})
			}
			reqs[i] = r
		}
		if _, err := watched.InsertRequests(b.Context(), reqs); err != nil {
			b.Fatal(err)
		}
		ds := make([]*wijkhelpt.Delivery, 0, 3*size)
		for i := range 3 * size {
			d := newDelivery(fmt.Sprintf("m%06d", i), t0)
			d.State = wijkhelpt.DeliverySent
			ds = append(ds, d)
		}
		if err := watched.InsertMessages(b.Context(), ds); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		polls := []struct {
			name string
			poll func(db *store.DB) (int, error)
		}{
			{fmt.Sprintf("requests=%d/pending", size), func(db *store.DB) (int, error) {
				got, err := db.RequestsWithPendingMessages(b.Context(), 100)
				return len(got), err
			}},
			{fmt.Sprintf("requests=%d/deadline", size), func(db *store.DB) (int, error) {
				got, err := db.RequestsDue(b.Context(), now, 100)
				return len(got), err
			}},
			{fmt.Sprintf("messages=%d/due", 3*size), func(db *store.DB) (int, error) {
				got, err := db.DueMessages(b.Context(), now, 100)
				return len(got), err
			}},
			// Not polls: a volunteer's page, which finds their 20 tasks,
			{fmt.Sprintf("requests=%d/volunteer", size), func(db *store.DB) (int, error) {
				got, err := db.FindRequests(b.Context(), wijkhelpt.RequestFilter{OfferID: "o-bench", Limit: 500})
				return len(got) - 20, err
			}},
			// and the mediators' queue, which finds the live ones.
			{fmt.Sprintf("requests=%d/queue", size), func(db *store.DB) (int, error) {
				got, err := db.FindRequests(b.Context(), wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{
					wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}, Limit: 500})
				return len(got) - liveInBench, err
			}},
		}
		for _, mode := range []struct {
			name string
			db   *store.DB
		}{{"watched", watched}, {"scan", scan}} {
			for _, p := range polls {
				b.Run(mode.name+"/"+p.name, func(b *testing.B) {
					if _, err := p.poll(mode.db); err != nil { // the first scan of a watch
						b.Fatal(err)
					}
					for b.Loop() {
						if n, err := p.poll(mode.db); err != nil || n != 0 {
							b.Fatalf("%d found, %v; want none", n, err)
						}
					}
				})
			}
		}
		watched.Close(context.Background())
		scan.Close(context.Background())
		e.Close()
	}
}
