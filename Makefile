# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test check bench schema migrations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/portal migrate
	$(BIN)/portal demo
	@echo ""
	@echo "Serving on http://127.0.0.1:8000/graphql (GraphiQL in a browser). Get a token and ask who you are:"
	@echo "  TOKEN=\$$($(BIN)/portal token --subject demo-owner --scope 'billing:read billing:write')"
	@echo "  curl -s -H \"Authorization: Bearer \$$TOKEN\" -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"query\":\"{ viewer { subject scopes role account { id name } } }\"}' http://127.0.0.1:8000/graphql"
	@echo "Emails are delivered by a background worker: to PORTAL_SMTP_URL if set, otherwise written as"
	@echo "  .eml files to $${PORTAL_MAIL_DIR:-var/mail}/ by the built-in mail sink. See: ls $${PORTAL_MAIL_DIR:-var/mail}"
	@echo ""
	$(BIN)/portal worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/portal serve

# Static checks first (imports sorted and used, the import direction of ARCHITECTURE.md,
# types), then the whole suite.
check: install
	$(BIN)/ruff check --quiet .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	@echo "static checks passed"

test: check
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

schema: install
	$(BIN)/portal schema

migrations: install
	$(BIN)/tortoise makemigrations

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
