package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is a FerretDB instance (SQLite backend) running inside this
// process, listening on loopback only. It is the default store when no
// MONGODB_URI is configured.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns
// once it accepts connections. Its own logs are discarded unless logger is
// given; they may contain query data, which we never want in our logs.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create embedded data dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: embedded data dir: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return nil, fmt.Errorf("store: start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI is only known once the listener is bound.
	deadline := time.Now().Add(30 * time.Second)
	for {
		uri := f.MongoDBURI()
		if uri != "" && !hasZeroPort(uri) {
			e.uri = uri
			break
		}
		if time.Now().After(deadline) {
			e.Close()
			return nil, errors.New("store: embedded database did not start listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e, nil
}

func hasZeroPort(uri string) bool {
	return len(uri) >= 2 && (uri[len(uri)-2:] == ":0" || containsStr(uri, ":0/"))
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// URI is the mongodb:// address of the embedded database.
func (e *Embedded) URI() string { return e.uri }

// Close stops the embedded database and waits until its files are closed.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
}
