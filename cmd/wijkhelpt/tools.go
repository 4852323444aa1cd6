package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"wijkhelpt"
	"wijkhelpt/matching"
	"wijkhelpt/search"
	"wijkhelpt/store"
)

// cmdClassify reads one text per line and writes one JSON line per text. It
// needs no store.
func cmdClassify(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	if _, _, err := loadConfig("classify", args, getenv, nil); err != nil {
		return err
	}
	cl, err := search.NewClassifier(search.DefaultVocabulary())
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(io.in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	enc := json.NewEncoder(io.out)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		cats := cl.Classify(text)
		if cats == nil {
			cats = []wijkhelpt.CategoryScore{}
		}
		if err := enc.Encode(struct {
			Text       string                    `json:"text"`
			Categories []wijkhelpt.CategoryScore `json:"categories"`
		}{text, cats}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// loadEngine feeds every offer and request in the store to a fresh engine,
// for one-shot commands.
func loadEngine(ctx context.Context, db store.Store) (*matching.Engine, error) {
	e := matching.NewEngine(matching.DefaultWeights())
	if err := e.Load(ctx, db); err != nil {
		return nil, err
	}
	return e, nil
}

// today is the desk's current date, YYYY-MM-DD.
func today() string { return time.Now().In(wijkhelpt.Amsterdam()).Format(wijkhelpt.DateLayout) }

// cmdSuggest prints the ranked suggestions for a request as JSON, the same
// as GET /api/v1/requests/{id}/suggestions. The request may be given by ID
// or by reference (WH-7K3F).
func cmdSuggest(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var limit int
	s, rest, err := setup(ctx, "suggest", args, io, getenv, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 10, "how many suggestions")
	})
	if err != nil {
		return err
	}
	defer s.close()
	if len(rest) != 1 {
		return errors.New("usage: wijkhelpt suggest [--limit K] REQUEST-ID")
	}
	var r *wijkhelpt.Request
	if strings.HasPrefix(strings.ToUpper(rest[0]), "WH-") {
		r, err = s.db.FindRequestByRef(ctx, strings.ToUpper(rest[0]))
	} else {
		r, err = s.db.FindRequest(ctx, rest[0])
	}
	if err != nil {
		return err
	}
	e, err := loadEngine(ctx, s.db)
	if err != nil {
		return err
	}
	res := e.Suggest(r, limit, today())
	enc := json.NewEncoder(io.out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// progress returns a progress callback that draws a bar when out is a
// terminal, and does nothing otherwise (logs and CI stay clean).
func progress(io stdio, what string) (func(done, total int), func()) {
	f, ok := io.out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int, int) {}, func() {}
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetDescription(what),
					progressbar.OptionSetWriter(f), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}, func() {
			if bar != nil {
				_ = bar.Finish()
			}
		}
}

// cmdReindex builds a fresh search index beside the old one and swaps it in.
func cmdReindex(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	s, _, err := setup(ctx, "reindex", args, io, getenv, nil)
	if err != nil {
		return err
	}
	defer s.close()
	start := time.Now()
	tick, done := progress(io, "index")
	ix, err := search.Rebuild(ctx, filepath.Join(s.cfg.DataDir, "index"), s.db, tick)
	done()
	if err != nil {
		return err
	}
	defer ix.Close()
	fmt.Fprintf(io.out, "Zoekindex opnieuw opgebouwd in %s.\n", time.Since(start).Round(time.Millisecond))
	return nil
}
