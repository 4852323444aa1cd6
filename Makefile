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

# bench runs every benchmark the README quotes (about five minutes).
bench:
	WIJKHELPT_BENCH_1M=1 go test -run '^$$' -bench 'BenchmarkSuggest/(engine|exhaustive)' -benchtime 2000x -timeout 60m ./matching
	go test -run '^$$' -bench 'BenchmarkSuggest/bleve' -benchtime 200x ./matching
	go test -run '^$$' -bench 'BenchmarkReindex' -benchtime 3x ./search
	go test -run '^$$' -bench 'BenchmarkImportOffers' -count 3 ./cmd/wijkhelpt
	go test -run '^$$' -bench 'BenchmarkInsertOffers|BenchmarkOffersChangedSince|BenchmarkFindRequest1000|BenchmarkUpdateRequest|BenchmarkBackgroundPolls' ./store

fuzz:
	@scripts/fuzz.sh 20s
