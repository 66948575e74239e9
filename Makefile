# sirt — the everyday commands. `make test` is the README's test command.
#
#   make run     run sirt on ./sirt-data (SQLite) at http://127.0.0.1:8080
#   make test    the whole suite with -race, on SQLite and, when a local PostgreSQL
#                answers (pg_isready), on PostgreSQL too
#   make lint    gofmt, go vet, staticcheck
#   make bench   the benchmarks of bench/ (see docs/benchmarks.md)
#   make ci      what CI runs (.ci/run): starts PostgreSQL, installs chromium, lint, test

GO ?= go
PG_DSN ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
STATICCHECK_VERSION ?= v0.8.2

# Use a local PostgreSQL when one answers, unless the caller chose a DSN already.
ifeq ($(origin SIRT_TEST_POSTGRES), undefined)
SIRT_TEST_POSTGRES := $(shell pg_isready -h 127.0.0.1 -q >/dev/null 2>&1 && echo '$(PG_DSN)')
endif
export SIRT_TEST_POSTGRES

.PHONY: run test lint bench ci

run:
	$(GO) run ./cmd/sirt serve

test:
	@if [ -n "$(SIRT_TEST_POSTGRES)" ]; then echo "testing on SQLite and PostgreSQL"; else echo "testing on SQLite only (no PostgreSQL answers on 127.0.0.1)"; fi
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@command -v staticcheck >/dev/null 2>&1 || PATH="$$($(GO) env GOPATH)/bin:$$PATH" command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./bench/

ci:
	.ci/run
