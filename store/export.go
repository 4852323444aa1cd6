package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ExportFormat names the export file format, in its first line.
const ExportFormat = "wijkhelpt-export"

// exportVersion is the version of the format; Import refuses newer ones.
const exportVersion = 1

// importBatch is how many documents Import hands to Restore at once.
const importBatch = 1000

// exportHeader is the first line of an export.
type exportHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exportedAt"`
}

// exportLine is one document: its collection and the document in MongoDB's
// canonical Extended JSON, which keeps every BSON type (dates, 64-bit
// numbers) exactly.
type exportLine struct {
	Collection string          `json:"collection,omitempty"`
	Doc        json.RawMessage `json:"doc,omitempty"`
	// End is set on the last line only, with the number of documents per
	// collection, so that a file cut short is noticed.
	End    bool           `json:"end,omitempty"`
	Counts map[string]int `json:"counts,omitempty"`
}

// Export writes every document of every collection in Collections as JSON
// lines: a header, one line per document, and a last line with the counts.
// The format does not depend on the store, so an export of the SQLite store
// imports into MongoDB and back. It returns the counts. The lines hold
// personal data: the file must be kept as carefully as the store.
func Export(ctx context.Context, st Store, w io.Writer, now time.Time) (map[string]int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(exportHeader{Format: ExportFormat, Version: exportVersion, ExportedAt: now.UTC()}); err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	counts := map[string]int{}
	for _, coll := range Collections {
		err := st.Dump(ctx, coll, func(doc bson.Raw) error {
			js, err := bson.MarshalExtJSON(doc, true, false)
			if err != nil {
				return err
			}
			counts[coll]++
			return enc.Encode(exportLine{Collection: coll, Doc: js})
		})
		if err != nil {
			return nil, fmt.Errorf("store: export %s: %w", coll, err)
		}
	}
	if err := enc.Encode(exportLine{End: true, Counts: counts}); err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	return counts, nil
}

// ImportResult says what Import read and stored, per collection.
type ImportResult struct {
	Read, Stored map[string]int
}

// Import reads an export and stores its documents with Restore: documents
// whose _id is stored already are skipped, so importing the same file twice
// stores nothing the second time. A file that is not an export, is of a
// newer version, names an unknown collection, or ends before its last line
// (or with other counts than it read) is refused with an error; what was
// stored before that point stays.
func Import(ctx context.Context, st Store, r io.Reader) (ImportResult, error) {
	res := ImportResult{Read: map[string]int{}, Stored: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return res, fmt.Errorf("store: import: %w", err)
		}
		return res, errors.New("store: import: the file is empty")
	}
	var h exportHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Format != ExportFormat {
		return res, errors.New("store: import: this is not a WijkHelpt export (wijkhelpt export makes one)")
	}
	if h.Version > exportVersion {
		return res, fmt.Errorf("store: import: the export has format version %d; this version of WijkHelpt reads up to %d", h.Version, exportVersion)
	}
	var batch []bson.Raw
	coll := ""
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := st.Restore(ctx, coll, batch)
		res.Stored[coll] += n
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("store: import %s: %w", coll, err)
		}
		return nil
	}
	line := 1
	for sc.Scan() {
		line++
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return res, fmt.Errorf("store: import: line %d: %w", line, err)
		}
		if l.End {
			if err := flush(); err != nil {
				return res, err
			}
			for _, c := range Collections {
				if l.Counts[c] != res.Read[c] {
					return res, fmt.Errorf("store: import: the export says %d documents in %s, the file holds %d", l.Counts[c], c, res.Read[c])
				}
			}
			return res, nil
		}
		if !slices.Contains(Collections, l.Collection) {
			return res, fmt.Errorf("store: import: line %d: unknown collection %q", line, l.Collection)
		}
		var doc bson.Raw
		if err := bson.UnmarshalExtJSON(l.Doc, true, &doc); err != nil {
			return res, fmt.Errorf("store: import: line %d: %w", line, err)
		}
		if l.Collection != coll || len(batch) == importBatch {
			if err := flush(); err != nil {
				return res, err
			}
			coll = l.Collection
		}
		batch = append(batch, doc)
		res.Read[coll]++
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("store: import: %w", err)
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, errors.New("store: import: the file ends before its last line: it was cut short (what it held is stored; run the import again with the whole file)")
}
