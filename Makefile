# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test check browser bench schema migrations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/portal migrate
	$(BIN)/portal demo
	@echo ""
	@echo "Serving on http://127.0.0.1:8000: the console at /console/ and GraphiQL at /graphql (sign in as"
	@echo "  demo-owner, password demo-password-123). Or get a token on the command line and ask who you are:"
	@echo "  TOKEN=\$$($(BIN)/portal token --subject demo-owner --scope 'billing:read billing:write')"
	@echo "  curl -s -H \"Authorization: Bearer \$$TOKEN\" -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"query\":\"{ viewer { subject scopes role account { id name } } }\"}' http://127.0.0.1:8000/graphql"
	@echo "Emails are delivered by a background worker: to PORTAL_SMTP_URL if set, otherwise written as"
	@echo "  .eml files to $${PORTAL_MAIL_DIR:-var/mail}/ by the built-in mail sink. See: ls $${PORTAL_MAIL_DIR:-var/mail}"
	@echo ""
	$(BIN)/portal worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  PORTAL_SHUTDOWN_DRAIN_SECONDS=$${PORTAL_SHUTDOWN_DRAIN_SECONDS:-0} $(BIN)/portal serve  # Ctrl-C stops at once

# Static checks first (imports sorted and used, the import direction of ARCHITECTURE.md,
# types), then the whole suite.
check: install
	$(BIN)/ruff check --quiet .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	@echo "static checks passed"

# The suite runs on every core (pytest-xdist; each worker has its own PostgreSQL database):
# about 6.5 minutes on a 2-core machine, against 10.5 in one process. PYTEST_WORKERS=0 runs it
# in one process (for a debugger).
PYTEST_WORKERS ?= auto
test: check browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# The browser tests (tests/browser/) drive Debian's chromium through Playwright. On a clean
# machine running as root (CI) install it; otherwise only warn: those tests then skip.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "WARNING: chromium is missing and this is not root: tests/browser/ will be SKIPPED (run: sudo apt-get install -y chromium)"; fi

bench: install
	$(BIN)/python -m bench

schema: install
	$(BIN)/portal schema

migrations: install
	$(BIN)/tortoise makemigrations

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
