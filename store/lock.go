package store

import (
	"context"
	"sync"
)

// keyLocks serialises read-modify-write cycles on one document inside this
// process. FerretDB v1 runs findAndModify as a read followed by an
// unconditional write, so two concurrent conditional updates of the same
// document can both succeed there; holding the document's lock around the
// cycle closes that gap for the embedded store, which only this process can
// reach. Against MongoDB the conditional filter alone is what protects
// writers in different processes; the lock then only saves useless retries.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // holds one token while the key is locked
	refs int
}

func newKeyLocks() *keyLocks { return &keyLocks{held: map[string]*keyLock{}} }

// lock takes the lock for key, waiting until it is free or ctx is done. The
// returned function releases it. Locks are not reentrant: code holding a key
// must not ask for it again.
func (l *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	k := l.held[key]
	if k == nil {
		k = &keyLock{ch: make(chan struct{}, 1)}
		l.held[key] = k
	}
	k.refs++
	l.mu.Unlock()

	select {
	case k.ch <- struct{}{}:
	default:
		select {
		case k.ch <- struct{}{}:
		case <-ctx.Done():
			l.release(key, k, false)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() { once.Do(func() { l.release(key, k, true) }) }, nil
}

func (l *keyLocks) release(key string, k *keyLock, taken bool) {
	if taken {
		<-k.ch
	}
	l.mu.Lock()
	k.refs--
	if k.refs == 0 {
		delete(l.held, key)
	}
	l.mu.Unlock()
}
