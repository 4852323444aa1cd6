// Command wijkhelpt-ferretexport moves a desk off the embedded store of
// WijkHelpt versions up to fabcffa (December 2026), which kept its data in
// FerretDB on SQLite under <data-dir>/db/. It reads a copy of that data and
// writes it as a WijkHelpt export (JSON lines) on standard output, for
// `wijkhelpt import-all`:
//
//	go run ./cmd/wijkhelpt-ferretexport --data-dir ./data > desk.jsonl
//	wijkhelpt import-all desk.jsonl
//
// The old files are not changed: the tool copies them to a temporary
// directory first. FerretDB is linked into this one-time tool only, never
// into the wijkhelpt binary; the tool goes once no desk runs an old version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"wijkhelpt/store"
	"wijkhelpt/store/mongo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("wijkhelpt-ferretexport", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./data", "the old version's data directory (WIJKHELPT_DATA_DIR)")
	dbName := fs.String("db-name", "wijkhelpt", "the database name (WIJKHELPT_DB_NAME)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	counts, err := export(ctx, *dataDir, *dbName, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wijkhelpt-ferretexport:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "Geëxporteerd uit de oude opslag: %v.\nNu: wijkhelpt import-all met dit bestand.\n", counts)
}

// export copies the old store of dataDir to a temporary directory, starts
// FerretDB on the copy, and writes every collection of the database as a
// WijkHelpt export to w.
func export(ctx context.Context, dataDir, dbName string, w io.Writer) (map[string]int, error) {
	src := filepath.Join(dataDir, "db", dbName+".sqlite")
	if _, err := os.Stat(src); err != nil {
		return nil, fmt.Errorf("no old store at %s: %w", src, err)
	}
	tmp, err := os.MkdirTemp("", "wijkhelpt-ferretexport-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// The database file and its write-ahead log, as the old version left
	// them: SQLite applies the log when FerretDB opens the copy.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := copyFile(src+suffix, filepath.Join(tmp, dbName+".sqlite"+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.DiscardHandler),
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: filepath.ToSlash(tmp) + "/"}).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("start FerretDB: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	// One connection: FerretDB's updates are not atomic between
	// connections (the store's set-up writes its indexes and counter).
	uri := f.MongoDBURI()
	if strings.Contains(uri, "?") {
		uri += "&maxPoolSize=1"
	} else {
		uri += "?maxPoolSize=1"
	}
	db, err := mongo.Open(ctx, uri, dbName, mongo.WithoutTTL())
	if err != nil {
		return nil, err
	}
	defer db.Close(context.WithoutCancel(ctx))
	return store.Export(ctx, db, w, time.Now())
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
