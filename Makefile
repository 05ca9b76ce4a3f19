# The README's commands. `make run` starts the demo; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test test-fast browser lint format mypy demo clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# the CJK fonts make the screenshots they keep readable.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  echo "Installing Debian's chromium and CJK fonts for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	HOST=$(HOST) PORT=$(PORT) scripts/run_demo.sh

# Tests run on WORKERS pytest-xdist processes (one per core with `auto`; WORKERS=0 runs in one
# process), each with its own test database, live server port and Chromium; --dist loadfile keeps
# a file's tests (and its module-scoped fixtures, such as the demo city) on one worker.
# Three runs: the browser tests apart (Playwright's event loop stays in a worker's test thread
# until it exits, so no other test runs after them in the same process), then, alone, the few
# `serial` tests that hold a wall-clock budget. Every run goes on after a failure; make fails
# if any did.
WORKERS ?= auto
PYTEST  := $(BIN)/python -m pytest
XDIST   := -n $(WORKERS) --dist loadfile

test: install browser
	@status=0; \
	$(PYTEST) $(XDIST) -m "not browser and not serial" || status=1; \
	$(PYTEST) $(XDIST) -m "browser and not serial" || status=1; \
	$(PYTEST) -m serial || status=1; \
	exit $$status

# Everything but the browser tests.
test-fast: install
	@status=0; \
	$(PYTEST) $(XDIST) -m "not browser and not serial" || status=1; \
	$(PYTEST) -m "serial and not browser" || status=1; \
	exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

mypy: install
	$(BIN)/mypy xinghuo config

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the translation catalogue after changing interface text; the compiled
# .mo files are committed so that running the platform needs no gettext tools.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var/xinghuo.sqlite3 test-artifacts

# Routing benchmark (bench/README_routing.md): the Solomon VRPTW instances in INSTANCES (a folder
# of Solomon-format files with a bks.json beside them), BUDGET seconds per solve; the last line
# printed is `mean gap X% max time Y s`.
INSTANCES ?= bench/solomon
BUDGET    ?= 5
.PHONY: bench-routing
bench-routing: install
	$(BIN)/python bench/bench_routing.py --instances $(INSTANCES) --budget $(BUDGET)
