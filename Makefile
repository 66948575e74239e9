# sirt — the everyday commands. `make test` is the README's test command.
#
#   make run     run sirt on ./sirt-data (SQLite) at http://127.0.0.1:8080
#   make test    the whole suite with -race, on SQLite and, when a local PostgreSQL
#                answers (pg_isready), on PostgreSQL too; ends with a line that says
#                which tests were skipped, and drops the template databases it made
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

.PHONY: run test test-cleanup lint bench ci

run:
	$(GO) run ./cmd/sirt serve

test:
	@if [ -n "$(SIRT_TEST_POSTGRES)" ]; then echo "testing on SQLite and PostgreSQL"; else echo "testing on SQLite only (no PostgreSQL answers on 127.0.0.1)"; fi
	@rc=0; $(GO) test -race -count=1 ./... || rc=$$?; \
	$(MAKE) --no-print-directory test-cleanup; \
	skipped=""; \
	if [ -z "$(SIRT_TEST_POSTGRES)" ]; then skipped="$$skipped PostgreSQL tests (no PostgreSQL on 127.0.0.1; set SIRT_TEST_POSTGRES);"; fi; \
	if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then skipped="$$skipped browser tests (chromium not installed: apt-get install -y chromium);"; fi; \
	if [ -n "$$skipped" ]; then echo "make test: SKIPPED:$$skipped"; else echo "make test: SQLite, PostgreSQL and browser tests all ran"; fi; \
	exit $$rc

# test-cleanup drops the migrated template databases the PostgreSQL tests create
# (sirt_tmpl_<hash>); the next run builds one again in a second or so.
test-cleanup:
	@if [ -n "$(SIRT_TEST_POSTGRES)" ] && command -v psql >/dev/null 2>&1; then \
	  for db in $$(psql "$(SIRT_TEST_POSTGRES)" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'sirt\_tmpl\_%'" 2>/dev/null); do \
	    psql "$(SIRT_TEST_POSTGRES)" -qc "DROP DATABASE IF EXISTS $$db WITH (FORCE)" >/dev/null 2>&1 && echo "dropped template database $$db"; \
	  done; \
	fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@command -v staticcheck >/dev/null 2>&1 || PATH="$$($(GO) env GOPATH)/bin:$$PATH" command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./bench/

ci:
	.ci/run
