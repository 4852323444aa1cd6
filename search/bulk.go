package search

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// bulkLoad fills a new, private index from both feeds of src. Unlike
// catchUp it indexes several batches at once, one per core: analysing and
// encoding documents is most of the work of a rebuild and parallelises
// well. Documents of one ID are never in two batches at once, so a
// document changed during the rebuild cannot have its older version land
// last. The cursors are stored by the caller's final batch; the documents
// above them are remembered as seen, as catchUp does.
func (ix *Index) bulkLoad(ctx context.Context, g *generation, src Source, report func(int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := min(max(runtime.GOMAXPROCS(0), 2), 4)
	jobs := make(chan []item)
	var (
		wg       sync.WaitGroup // batches in flight
		errOnce  sync.Once
		firstErr error
		reportMu sync.Mutex
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	var workersDone sync.WaitGroup
	for range workers {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			for chunk := range jobs {
				if err := ix.indexChunk(g, chunk); err != nil {
					fail(err)
				} else if report != nil {
					reportMu.Lock()
					report(len(chunk))
					reportMu.Unlock()
				}
				wg.Done()
			}
		}()
	}
	produce := func() error {
		sent := map[string]bool{}
		var chunk []item
		flush := func(barrier bool) error {
			if barrier {
				wg.Wait()
			}
			if len(chunk) == 0 {
				return nil
			}
			wg.Add(1)
			select {
			case jobs <- chunk:
			case <-ctx.Done():
				wg.Done()
				return ctx.Err()
			}
			chunk = nil
			return nil
		}
		for f := range numFeeds {
			st := g.feeds[f]
			after := st.cur.From()
			for {
				items, err := ix.fetch(ctx, src, f, after)
				if err != nil {
					return err
				}
				revs := make([]int64, 0, len(items))
				for _, it := range items {
					revs = append(revs, it.rev)
					after = max(after, it.rev)
					if sent[it.id] {
						// Changed while we read: its older version must be
						// indexed before this one goes in.
						if err := flush(true); err != nil {
							return err
						}
						clear(sent)
					}
					sent[it.id] = true
					st.seen[it.id] = max(st.seen[it.id], it.rev)
					chunk = append(chunk, it)
					if len(chunk) >= buildBatchDocs {
						if err := flush(false); err != nil {
							return err
						}
					}
				}
				st.cur.Advance(revs, time.Now())
				if len(items) < pageSize {
					break
				}
			}
		}
		return flush(false)
	}
	perr := produce()
	close(jobs)
	workersDone.Wait()
	if firstErr != nil {
		return firstErr
	}
	if perr != nil {
		return perr
	}
	// What lies above the cursors is indexed: the follower, which starts
	// there, need not index it again.
	for _, st := range g.feeds {
		from := st.cur.From()
		for id, rev := range st.seen {
			if rev <= from {
				delete(st.seen, id)
			}
		}
	}
	return nil
}

func (ix *Index) indexChunk(g *generation, chunk []item) error {
	b := g.idx.NewBatch()
	for _, it := range chunk {
		if err := b.IndexAdvanced(ix.document(it)); err != nil {
			return fmt.Errorf("search: index document: %w", err)
		}
	}
	if err := g.idx.Batch(b); err != nil {
		return fmt.Errorf("search: index batch: %w", err)
	}
	return nil
}

// cursorValue is how a cursor is kept inside the index.
func cursorValue(from int64) []byte { return []byte(strconv.FormatInt(from, 10)) }
