# The README's two commands are `make run` and `make test`.
.PHONY: run test test-short bench chromium fuzz

run:
	go run ./cmd/wijkhelpt serve --demo

# test installs what the browser tests need, then runs every test.
test: chromium
	go vet ./...
	go test -count=1 -timeout 20m ./...

# chromium installs Debian's Chromium for the browser tests when it is missing.
chromium:
	@scripts/ensure-chromium.sh

bench:
	go test -run '^$$' -bench 'BenchmarkSuggest/(engine|exhaustive)' -benchtime 2000x ./matching
	go test -run '^$$' -bench 'BenchmarkSuggest/bleve' -benchtime 200x ./matching
	go test -run '^$$' -bench 'BenchmarkReindex' -benchtime 1x ./search
	go test -run '^$$' -bench 'BenchmarkInsertOffers' -benchtime 1x ./store

fuzz:
	@scripts/fuzz.sh 20s
