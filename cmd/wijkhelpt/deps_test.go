package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoFerretDB checks what `go version -m` would show of a
// built binary: FerretDB is a test fixture of the MongoDB store, and neither
// it nor anything only it needs (its PostgreSQL and SQLite handlers, its
// OpenTelemetry) may end up in the wijkhelpt binary.
func TestBinaryLinksNoFerretDB(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{.Module.Path}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	modules := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		modules[m] = true
	}
	if !modules["modernc.org/sqlite"] || !modules["go.mongodb.org/mongo-driver/v2"] {
		t.Fatalf("the binary should link both stores' drivers; it links %v", modules)
	}
	for _, banned := range []string{"github.com/FerretDB/FerretDB", "github.com/jackc/pgx/v5", "go.opentelemetry.io/otel"} {
		if modules[banned] {
			t.Errorf("the wijkhelpt binary links %s", banned)
		}
	}
}
