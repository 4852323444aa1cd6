package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"wijkhelpt/search"
)

// BenchmarkReindex measures a full rebuild (wijkhelpt reindex) from a feed
// of generated offers. The smaller size is the baseline: offers/s should
// hold up as the index grows. The target is at least 20,000 offers/s.
func BenchmarkReindex(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
			src := sliceSource{offers: genOffers(n, 1)}
			ctx := context.Background()
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
				start := time.Now()
				ix, err := search.Rebuild(ctx, dir, src, nil)
				if err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				b.StopTimer()
				if got, err := ix.DocCount(); err != nil || got < uint64(n) {
					b.Fatalf("DocCount = %d, %v; want at least %d", got, err, n)
				}
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "offers/s")
		})
	}
}
