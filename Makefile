# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
export FLASK_APP := society

.PHONY: run test test-sqlite test-postgres test-browser-and-slow lint install lock migrate seed bench clean translations

# The exact releases of requirements.lock (hashes checked), then the project itself without dependencies.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## make lock: pin pyproject.toml's dependencies and its test extra, with hashes, into requirements.lock
## (run it after changing a dependency and commit the lock; pins already in the lock are kept where they
## still fit: `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release allowed)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q 'uv>=0.9,<1'
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --generate-hashes \
		--no-emit-index-url --no-emit-find-links --quiet $(LOCK_ARGS) -o $(LOCK)

migrate: $(STAMP)
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

## make run: environment, migrations, demo data (first time only), server on http://127.0.0.1:5000
run: seed
	@echo
	@echo "Demo logins (every password as listed in README.md):"
	@echo "  administrator (Svenska Balintsällskapet)   admin@sbs.example    balint-admin-demo"
	@echo "  accredited leader                          leader@sbs.example   balint-leader-demo"
	@echo "  trainee leader                             trainee@sbs.example  balint-trainee-demo"
	@echo "  participant (member of two groups)         member@sbs.example   balint-member-demo"
	@echo "  administrator (UK Balint Society)          admin@ukbs.example   balint-admin-demo"
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	SCHEDULER_IN_PROCESS=1 MAIL_ENABLED=$${MAIL_ENABLED:-0} $(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: ruff, then the whole suite on SQLite and, at the same time, again on a real PostgreSQL
## server started for the run (each run's output is printed whole when it ends; both must pass).
## Each suite runs on TEST_WORKERS pytest-xdist workers, a file's tests on one worker (0: none). By default
## half the cores each from four cores up: on two cores the two suites side by side already keep both busy,
## and workers only add their start-up (measured: 375 s without, 366-404 s with two each, 25% more CPU).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); if [ $$n -ge 4 ]; then echo $$((n / 2)); else echo 0; fi)
# Python's byte-code cache on for the tests even where the environment turns it off: each worker, each
# flask and scheduler process the tests start would otherwise compile the package and rewrite the tests anew.
unexport PYTHONDONTWRITEBYTECODE
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
# Three streams side by side: the two suites without the browser and slow tests, and those as a third
# stream (the browser tests on SQLite, where they run; the slow ones on SQLite then on PostgreSQL). The
# slow tests start processes or servers (the scheduler's, an import killed half-way, a backup while
# others write) and mostly wait for them: beside two busy suites their waiting no longer idles a core.
test: lint
	$(MAKE) --no-print-directory -j3 --output-sync=target test-sqlite test-postgres test-browser-and-slow \
		MARK="not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check

# MARK: a pytest -m expression the suites run (make test: "not slow and not browser"; empty: every test).
MARK ?=
SELECT = $(if $(MARK),-m "$(MARK)")

test-sqlite: $(STAMP)
	@echo "=== Test suite on SQLite $(if $(MARK),($(MARK))) ==="
	$(BIN)/python -m pytest $(XDIST) $(SELECT) $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@echo "=== Test suite on PostgreSQL $(if $(MARK),($(MARK))) ==="
	scripts/with-postgres $(BIN)/python -m pytest $(XDIST) $(SELECT) $(PYTEST_ARGS)

test-browser-and-slow: $(STAMP)
	@echo "=== Browser and slow tests on SQLite, then the slow ones on PostgreSQL ==="
	$(BIN)/python -m pytest -m "slow or browser" $(PYTEST_ARGS)
	scripts/with-postgres $(BIN)/python -m pytest -m "slow and not browser" $(PYTEST_ARGS)

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache

## make translations: extract strings, update the catalogues, compile them (commit the .pot, .po and .mo files)
## New or changed strings arrive empty or fuzzy in the .po: translate them, unmark fuzzy, run it again.
POT := society/translations/messages.pot
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -o $(POT).new .
	@# Keep the template when only its creation date changed, so a repeat run changes no file.
	@if [ -f $(POT) ] && diff -q -I '^"POT-Creation-Date:' $(POT) $(POT).new >/dev/null; then rm $(POT).new; else mv $(POT).new $(POT); fi
	$(BIN)/pybabel -q update --ignore-obsolete -i $(POT) -d society/translations
	$(BIN)/pybabel -q compile -d society/translations
