package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"wijkhelpt"
	"wijkhelpt/geo"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/mongo"
	"wijkhelpt/store/sqlite"
)

// services are the parts every command needs: the store (embedded unless
// MONGODB_URI is set), the locator, the classifier and the intake desk.
type services struct {
	cfg *config
	log *slog.Logger
	db  store.Store
	// embedded is the same store as db when it is the embedded SQLite one.
	embedded   *sqlite.DB
	locator    *geo.Locator
	classifier *search.Classifier
	desk       *wijkhelpt.Desk
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func openServices(ctx context.Context, cfg *config, log *slog.Logger) (*services, error) {
	s := &services{cfg: cfg, log: log}
	if cfg.MongoURI == "" {
		if err := refuseLegacyData(cfg); err != nil {
			return nil, err
		}
		db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "sqlite"))
		if err != nil {
			return nil, err
		}
		s.db, s.embedded = db, db
		log.Info("embedded store opened", "data_dir", cfg.DataDir)
	} else {
		db, err := mongo.Open(ctx, cfg.MongoURI, cfg.DBName)
		if err != nil {
			return nil, err
		}
		s.db = db
	}
	db := s.db
	table, err := geo.LoadPC4()
	if err != nil {
		s.close()
		return nil, err
	}
	var opts []geo.Option
	if cfg.Geocoder == "pdok" {
		opts = append(opts, geo.WithPDOK(cfg.PDOKURL, &http.Client{Timeout: 2 * time.Second}, db))
	}
	s.locator = geo.NewLocator(table, opts...)
	cl, err := search.NewClassifier(search.DefaultVocabulary())
	if err != nil {
		s.close()
		return nil, fmt.Errorf("classifier: %w", err)
	}
	s.classifier = cl
	s.desk = &wijkhelpt.Desk{
		Locator:    s.locator,
		Classifier: cl,
		Requests:   db,
		Offers:     db,
		PublicURL:  cfg.PublicURL,
	}
	return s, nil
}

func (s *services) close() {
	if s.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.db.Close(ctx)
		cancel()
	}
}

// setup reads the configuration and opens the services for a command.
func setup(ctx context.Context, name string, args []string, io stdio, getenv func(string) string, extra func(*flag.FlagSet)) (*services, []string, error) {
	cfg, rest, err := loadConfig(name, args, getenv, extra)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(io.err, cfg.LogLevel)
	s, err := openServices(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return s, rest, nil
}

// legacyVersion is the last version of WijkHelpt whose embedded store was
// FerretDB; its data directory holds db/<name>.sqlite.
const legacyVersion = "commit fabcffa, December 2026"

// refuseLegacyData stops start-up on a data directory that the FerretDB
// store of an older version wrote and that holds no SQLite store yet:
// starting anyway would look like a desk that lost everything. Only
// import-all may go on, to move the data in.
func refuseLegacyData(cfg *config) error {
	old := filepath.Join(cfg.DataDir, "db", cfg.DBName+".sqlite")
	if cfg.command == "import-all" {
		return nil
	}
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "sqlite", sqlite.FileName)); err == nil {
		return nil // moved already; the old files are kept as they were
	}
	return fmt.Errorf("this data directory (%s) was made by an older version of WijkHelpt (up to %s), whose embedded store was FerretDB; "+
		"this version keeps its data in SQLite. Move the data once, with the source of this version: "+
		"`go run ./cmd/wijkhelpt-ferretexport --data-dir %s > desk.jsonl`, then `wijkhelpt import-all desk.jsonl`. "+
		"The old files are not changed (see \"Moving from an older version\" in the README)", cfg.DataDir, legacyVersion, cfg.DataDir)
}
