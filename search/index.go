// Package search keeps a Bleve index of offers and requests for the
// mediators' free-text search and for finding candidate volunteers near a
// request, and infers help categories from free text.
//
// The index is a copy: it follows the store's revision feed and can be
// rebuilt from the store at any time. Every service instance keeps its own.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"wijkhelpt"
)

// ErrRebuild reports that the index on disk cannot be used as it is: it is
// missing, damaged, or built with another mapping or other synonyms.
// OpenOrRebuild answers it by rebuilding from the store.
var ErrRebuild = errors.New("search: index must be rebuilt")

// ErrClosed reports a use of a closed Index.
var ErrClosed = errors.New("search: index closed")

// ErrBusy reports that another process holds the index open.
var ErrBusy = errors.New("search: index in use by another process")

// Source is where the index gets its documents: the store's revision feed.
// Both methods return the documents written after revision rev, in revision
// order, at most limit.
type Source interface {
	OffersChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error)
	RequestsChangedSince(ctx context.Context, rev int64, limit int) ([]*wijkhelpt.Request, error)
}

// Counter is what a Source may also offer so that a rebuild can show how far
// it is. The store implements it.
type Counter interface {
	CountOffers(ctx context.Context) (int64, error)
	CountRequests(ctx context.Context) (int64, error)
}

// currentFile names the directory of the index in use. It is replaced by a
// rename, so a reader sees the old name or the new one, never half.
const currentFile = "current"

// Directory name prefixes: finished indexes and indexes being built.
const (
	prefixIndex = "index-"
	prefixBuild = "build-"
)

// boltTimeout bounds waiting for an index that another process holds.
const boltTimeout = "2s"

// Option changes how an index is opened.
type Option func(*config)

type config struct {
	vocab  []byte
	logger *slog.Logger
}

// WithVocabulary sets the vocabulary whose synonym groups the index uses
// (DefaultVocabulary by default).
func WithVocabulary(v []byte) Option { return func(c *config) { c.vocab = v } }

// WithLogger sets where the index logs (nowhere by default).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Index is the search index of one service instance. Queries may run at any
// time, also while a rebuilt index is swapped in: a swap waits for the
// queries on the old index before closing it.
type Index struct {
	dir      string
	logger   *slog.Logger
	mapping  *mapping.IndexMappingImpl
	docs     *documents
	synonyms [][]string
	synHash  string
	// classifier reads what kind of help a search asks for (FindOfferIDs).
	classifier *Classifier

	gen     atomic.Pointer[generation]
	writeMu sync.Mutex // one writer at a time: follower batches and swaps
	// feed is where a generation that another process built and swapped
	// in catches up from (TakeFeed); set by OpenOrRebuild and Rebuild.
	// Guarded by writeMu.
	feed   Source
	closed atomic.Bool
}

// generation is one Bleve index directory with the follower's state in it.
type generation struct {
	name string
	idx  bleve.Index

	mu      sync.RWMutex // queries hold it shared; retiring takes it
	retired bool

	// Guarded by Index.writeMu.
	feeds [numFeeds]*feedState
}

func newIndex(dir string, opts []Option) (*Index, error) {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.vocab == nil {
		cfg.vocab = DefaultVocabulary()
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	v, err := parseVocabulary(cfg.vocab)
	if err != nil {
		return nil, err
	}
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	docs, err := newDocuments(m)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("search: create index dir: %w", err)
	}
	cls, err := NewClassifier(cfg.vocab)
	if err != nil {
		return nil, err
	}
	return &Index{dir: dir, logger: cfg.logger, mapping: m, docs: docs, synonyms: v.synonyms, synHash: synonymsHash(v.synonyms), classifier: cls}, nil
}

// Open opens the index under dir, or creates an empty one when there is
// none (Follow then fills it from the store). An index that is damaged or
// was built with another mapping version or other synonyms is reported with
// an error wrapping ErrRebuild.
func Open(dir string, opts ...Option) (*Index, error) {
	ix, err := newIndex(dir, opts)
	if err != nil {
		return nil, err
	}
	g, err := ix.openCurrent()
	if errors.Is(err, os.ErrNotExist) {
		g, err = ix.createEmpty()
	}
	if err != nil {
		return nil, err
	}
	ix.gen.Store(g)
	ix.removeStale(g.name)
	return ix, nil
}

// OpenOrRebuild opens the index under dir, and rebuilds it from src when it
// is missing, damaged or of another mapping version. progress, if not nil,
// is called during a rebuild (see Rebuild).
func OpenOrRebuild(ctx context.Context, dir string, src Source, progress func(done, total int), opts ...Option) (*Index, error) {
	ix, err := newIndex(dir, opts)
	if err != nil {
		return nil, err
	}
	ix.feed = src
	g, err := ix.openCurrent()
	if err == nil {
		ix.gen.Store(g)
		ix.removeStale(g.name)
		return ix, nil
	}
	if !errors.Is(err, ErrRebuild) && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ix.logger.Info("search index rebuild", "reason", err.Error())
	if err := ix.Rebuild(ctx, src, progress); err != nil {
		return nil, err
	}
	return ix, nil
}

// Rebuild builds a fresh index of everything in src beside the one under
// dir, swaps it in atomically and removes the old one, unless another
// process still uses that (the process removes it when it notices the
// swap). progress, if not nil, is called after every batch with the number
// of documents indexed and the total (-1 when src cannot count).
func Rebuild(ctx context.Context, dir string, src Source, progress func(done, total int), opts ...Option) (*Index, error) {
	ix, err := newIndex(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := ix.Rebuild(ctx, src, progress); err != nil {
		return nil, err
	}
	return ix, nil
}

// Rebuild builds a fresh index from src and swaps it in for the running one.
// Queries keep working on the old index until the swap.
func (ix *Index) Rebuild(ctx context.Context, src Source, progress func(done, total int)) error {
	if ix.closed.Load() {
		return ErrClosed
	}
	g, err := ix.build(ctx, src, progress)
	if err != nil {
		return err
	}
	ix.writeMu.Lock()
	if ix.closed.Load() {
		// Closed while building: the new index must neither answer
		// queries nor stay open.
		ix.writeMu.Unlock()
		_ = g.idx.Close()
		_ = os.RemoveAll(filepath.Join(ix.dir, g.name))
		return ErrClosed
	}
	if err := writeCurrent(ix.dir, g.name); err != nil {
		ix.writeMu.Unlock()
		_ = g.idx.Close()
		_ = os.RemoveAll(filepath.Join(ix.dir, g.name))
		return err
	}
	old := ix.gen.Swap(g)
	ix.feed = src
	// What the follower handed to the old index while this one was
	// built: read it again from the feed.
	if err := ix.catchUp(ctx, g, src, pageSize, nil); err != nil && ctx.Err() == nil {
		ix.logger.Warn("search index catch up after rebuild", "error", err.Error())
	}
	ix.writeMu.Unlock()
	if old != nil {
		ix.retire(old, true)
	}
	ix.removeStale(g.name)
	return nil
}

// Close closes the index. Queries after Close return ErrClosed.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	ix.writeMu.Lock()
	g := ix.gen.Swap(nil)
	ix.writeMu.Unlock()
	if g == nil {
		return nil
	}
	return ix.retire(g, false)
}

// acquire returns the generation to query, held shared until release.
func (ix *Index) acquire() (*generation, error) {
	for {
		g := ix.gen.Load()
		if g == nil {
			return nil, ErrClosed
		}
		g.mu.RLock()
		if !g.retired {
			return g, nil
		}
		g.mu.RUnlock() // swapped out meanwhile: take the new one
	}
}

func (g *generation) release() { g.mu.RUnlock() }

// retire closes a generation once its queries are done, and removes its
// directory when remove is set.
func (ix *Index) retire(g *generation, remove bool) error {
	g.mu.Lock()
	g.retired = true
	err := g.idx.Close()
	g.mu.Unlock()
	if remove {
		if rerr := os.RemoveAll(filepath.Join(ix.dir, g.name)); rerr != nil {
			ix.logger.Warn("search index remove old", "dir", g.name, "error", rerr.Error())
		}
	}
	if err != nil {
		return fmt.Errorf("search: close index %s: %w", g.name, err)
	}
	return nil
}

// openCurrent opens the index the current file names. A missing index is
// os.ErrNotExist; a bad one wraps ErrRebuild.
func (ix *Index) openCurrent() (*generation, error) {
	name, err := readCurrent(ix.dir)
	if err != nil {
		return nil, err
	}
	return ix.openGeneration(name)
}

func (ix *Index) openGeneration(name string) (*generation, error) {
	path := filepath.Join(ix.dir, name)
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err != nil {
		return nil, fmt.Errorf("%w: %s has no index: %v", ErrRebuild, name, err)
	}
	// A built index keeps the unsafe_batch of its bulk load in its
	// metadata; from now on a batch must be on disk when it returns, or
	// Close would drop what the follower wrote last.
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": boltTimeout, "unsafe_batch": false})
	if err != nil {
		if isLockTimeout(err) {
			return nil, fmt.Errorf("%w: %s: %v", ErrBusy, name, err)
		}
		return nil, fmt.Errorf("%w: open %s: %v", ErrRebuild, name, err)
	}
	g := &generation{name: name, idx: idx}
	if err := ix.check(g); err != nil {
		_ = idx.Close()
		return nil, err
	}
	if err := g.loadFeeds(); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrRebuild, name, err)
	}
	return g, nil
}

// check makes sure an opened index is ours, of this version, and readable.
func (ix *Index) check(g *generation) error {
	v, err := g.idx.GetInternal(keyMappingVersion)
	if err != nil {
		return fmt.Errorf("%w: %s: read mapping version: %v", ErrRebuild, g.name, err)
	}
	if string(v) != strconv.Itoa(MappingVersion) {
		return fmt.Errorf("%w: %s has mapping version %q, want %d", ErrRebuild, g.name, v, MappingVersion)
	}
	h, err := g.idx.GetInternal(keySynonyms)
	if err != nil || string(h) != ix.synHash {
		return fmt.Errorf("%w: %s was built with other synonyms", ErrRebuild, g.name)
	}
	// A search touches every segment: a damaged one shows here rather than
	// in the first real query.
	if _, err := g.idx.Search(bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)); err != nil {
		return fmt.Errorf("%w: %s: search: %v", ErrRebuild, g.name, err)
	}
	return nil
}

// create makes a new, empty index in dir/name with the mapping, its version
// and the synonym groups. A bulk index returns from a batch before the batch
// is on disk; whoever fills it must wait for persisted before closing.
func (ix *Index) create(name string, bulk bool) (*generation, error) {
	path := filepath.Join(ix.dir, name)
	idx, err := bleve.NewUsing(path, ix.mapping, scorch.Name, scorch.Name, map[string]any{"bolt_timeout": boltTimeout, "unsafe_batch": bulk})
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", name, err)
	}
	b := idx.NewBatch()
	for i, group := range ix.synonyms {
		if err := b.IndexSynonym("syn/"+strconv.Itoa(i), synonymCollection, &bleve.SynonymDefinition{Synonyms: group}); err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("search: index synonyms: %w", err)
		}
	}
	b.SetInternal(keyMappingVersion, []byte(strconv.Itoa(MappingVersion)))
	b.SetInternal(keySynonyms, []byte(ix.synHash))
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: set up index %s: %w", name, err)
	}
	g := &generation{name: name, idx: idx}
	for f := range numFeeds {
		g.feeds[f] = newFeedState(0)
	}
	return g, nil
}

// createEmpty creates an empty index and makes it current.
func (ix *Index) createEmpty() (*generation, error) {
	g, err := ix.create(newName(prefixIndex), false)
	if err != nil {
		return nil, err
	}
	if err := writeCurrent(ix.dir, g.name); err != nil {
		_ = g.idx.Close()
		return nil, err
	}
	return g, nil
}

// build fills a new index from src in a build directory, then moves it to
// its final name. It is not current yet.
func (ix *Index) build(ctx context.Context, src Source, progress func(done, total int)) (*generation, error) {
	stamp := stampNow()
	buildName, finalName := prefixBuild+stamp, prefixIndex+stamp
	g, err := ix.create(buildName, true)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*generation, error) {
		_ = g.idx.Close()
		_ = os.RemoveAll(filepath.Join(ix.dir, buildName))
		return nil, err
	}
	total := -1
	if c, ok := src.(Counter); ok {
		no, err1 := c.CountOffers(ctx)
		nr, err2 := c.CountRequests(ctx)
		if err1 == nil && err2 == nil {
			total = int(no + nr)
		}
	}
	done := 0
	report := func(n int) {
		done += n
		if progress != nil {
			if total < 0 {
				progress(done, -1)
			} else {
				progress(done, max(total, done))
			}
		}
	}
	if progress != nil {
		progress(0, total)
	}
	if err := ix.bulkLoad(ctx, g, src, report); err != nil {
		return fail(err)
	}
	// Batches into the build index do not wait for the disk; one last
	// batch that is waited for brings everything before it along. It
	// stores the cursors too.
	persisted := make(chan error, 1)
	b := g.idx.NewBatch()
	for f := range numFeeds {
		b.SetInternal(cursorKeys[f], cursorValue(g.feeds[f].cur.From()))
	}
	b.SetInternal(keyBuilt, []byte(stamp))
	b.SetPersistedCallback(func(err error) { persisted <- err })
	if err := g.idx.Batch(b); err != nil {
		return fail(fmt.Errorf("search: finish built index: %w", err))
	}
	select {
	case err := <-persisted:
		if err != nil {
			return fail(fmt.Errorf("search: persist built index: %w", err))
		}
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if err := g.idx.Close(); err != nil {
		return fail(fmt.Errorf("search: close built index: %w", err))
	}
	if err := os.Rename(filepath.Join(ix.dir, buildName), filepath.Join(ix.dir, finalName)); err != nil {
		_ = os.RemoveAll(filepath.Join(ix.dir, buildName))
		return nil, fmt.Errorf("search: move built index: %w", err)
	}
	g2, err := ix.openGeneration(finalName)
	if err != nil {
		_ = os.RemoveAll(filepath.Join(ix.dir, finalName))
		return nil, err
	}
	// The cursors stored hold back at the oldest missing revision; the
	// ones in memory also know which documents above it are indexed.
	g2.feeds = g.feeds
	return g2, nil
}

// removeStale removes index and build directories other than keep that no
// process holds open: left over from a crash or from a swap made by
// another process.
func (ix *Index) removeStale(keep string) {
	entries, err := os.ReadDir(ix.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == keep || !(strings.HasPrefix(name, prefixIndex) || strings.HasPrefix(name, prefixBuild)) {
			continue
		}
		path := filepath.Join(ix.dir, name)
		// Scorch keeps its bolt file (and the lock on it) in store/.
		if _, err := os.Stat(filepath.Join(path, "store", "root.bolt")); err == nil {
			idx, err := bleve.OpenUsing(path, map[string]any{"read_only": true, "bolt_timeout": "50ms"})
			if err != nil && isLockTimeout(err) {
				continue // someone is building or using it
			}
			if err == nil {
				_ = idx.Close()
			}
		}
		if err := os.RemoveAll(path); err != nil {
			ix.logger.Warn("search index remove stale", "dir", name, "error", err.Error())
		}
	}
}

func isLockTimeout(err error) bool {
	return err != nil && strings.Contains(err.Error(), "timeout")
}

func readCurrent(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("%w: read %s: %v", ErrRebuild, currentFile, err)
	}
	name := strings.TrimSpace(string(b))
	if !strings.HasPrefix(name, prefixIndex) || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return "", fmt.Errorf("%w: %s names %q", ErrRebuild, currentFile, name)
	}
	return name, nil
}

// writeCurrent points the current file at name: write a temporary file,
// flush it, rename it over the old one.
func writeCurrent(dir, name string) error {
	tmp := filepath.Join(dir, currentFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("search: write %s: %w", currentFile, err)
	}
	_, err = f.WriteString(name + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, currentFile))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("search: write %s: %w", currentFile, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

func stampNow() string {
	return time.Now().UTC().Format("20060102T150405.000000000")
}

func newName(prefix string) string { return prefix + stampNow() }

// DocCount returns the number of documents in the index, synonym
// definitions included.
func (ix *Index) DocCount() (uint64, error) {
	g, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer g.release()
	return g.idx.DocCount()
}

// Dir returns the directory of the index in use, for logs and health pages.
func (ix *Index) Dir() string {
	g, err := ix.acquire()
	if err != nil {
		return ""
	}
	defer g.release()
	return filepath.Join(ix.dir, g.name)
}
