package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"wijkhelpt/store"
	"wijkhelpt/store/sqlite"
)

// cmdBackup makes a consistent copy of the embedded store while the service
// may be running: SQLite copies one snapshot of the database (VACUUM INTO)
// next to the running writer, without stopping it.
func cmdBackup(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	cfg, rest, err := loadConfig("backup", args, getenv, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: wijkhelpt backup FILE")
	}
	if cfg.MongoURI != "" {
		return errors.New("backup copies the embedded store; for MongoDB use mongodump (or `wijkhelpt export`), see the README")
	}
	dest := rest[0]
	start := time.Now()
	if err := sqlite.Backup(ctx, filepath.Join(cfg.DataDir, "sqlite"), dest); err != nil {
		return err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "Reservekopie gemaakt: %s (%s, in %s).\n"+
		"Terugzetten: stop de dienst en zet het bestand neer als %s.\n",
		dest, byteSize(fi.Size()), time.Since(start).Round(time.Millisecond),
		filepath.Join(cfg.DataDir, "sqlite", sqlite.FileName))
	return nil
}

// cmdExport writes every collection of the store as JSON lines, to a file
// or to standard output.
func cmdExport(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var out string
	s, rest, err := setup(ctx, "export", args, io, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "write to this file instead of standard output (refused when it exists)")
	})
	if err != nil {
		return err
	}
	defer s.close()
	if len(rest) != 0 {
		return errors.New("usage: wijkhelpt export [--out FILE]")
	}
	w := io.out
	var f *os.File
	if out != "" {
		// 0600: the export holds everyone's personal data.
		f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w = f
	}
	counts, err := store.Export(ctx, s.db, w, time.Now())
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(out)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(io.err, "Geëxporteerd: %s.\n", countLine(counts))
	return nil
}

// cmdImportAll reads an export into the store. Documents that are stored
// already are skipped, so it can be run again after an interruption.
func cmdImportAll(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	s, rest, err := setup(ctx, "import-all", args, io, getenv, nil)
	if err != nil {
		return err
	}
	defer s.close()
	if len(rest) != 1 {
		return errors.New("usage: wijkhelpt import-all FILE.jsonl   (- reads standard input)")
	}
	r := io.in
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return fmt.Errorf("import-all: %w", err)
		}
		defer f.Close()
		r = f
	}
	res, err := store.Import(ctx, s.db, r)
	if err != nil {
		fmt.Fprintf(io.err, "Tot de fout opgeslagen: %s.\n", countLine(res.Stored))
		return err
	}
	fmt.Fprintf(io.out, "Gelezen: %s.\nNieuw opgeslagen: %s.\n", countLine(res.Read), countLine(res.Stored))
	return nil
}

// countLine writes counts per collection in the order of store.Collections.
func countLine(counts map[string]int) string {
	parts := make([]string, 0, len(store.Collections))
	for _, c := range store.Collections {
		parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
	}
	return strings.Join(parts, ", ")
}

// byteSize writes n bytes for people: "12,4 MB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.Replace(fmt.Sprintf("%.1f GB", float64(n)/(1<<30)), ".", ",", 1)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return strings.Replace(fmt.Sprintf("%.1f kB", float64(n)/(1<<10)), ".", ",", 1)
	}
	return fmt.Sprintf("%d bytes", n)
}
