# Kringwerk: `make demo` runs the demo on http://127.0.0.1:5000, `make test` runs every test.
# Both start from a clean clone; nothing else needs installing by hand.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TRANSLATIONS := platform/kringwerk/translations
# Each plugin extracts into a catalog of its own: the folders with a babel.cfg.
PLUGIN_DIRS := $(patsubst %/babel.cfg,%,$(wildcard plugins/*/babel.cfg))
PLUGIN_TRANSLATIONS := $(addsuffix /translations,$(PLUGIN_DIRS))
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_pgettext:1c,2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install runtime-deps system-deps translations catalogs lint bench vendor-htmx smoke clean

$(BIN)/kringwerk $(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,deploy]'
	touch $(VENV)/.installed

install: $(VENV)/.installed translations

## Compile the .po catalogs (the core's and each plugin's) into the .mo files Flask-Babel reads.
translations: $(VENV)/.installed
	@for dir in $(TRANSLATIONS) $(PLUGIN_TRANSLATIONS); do \
		if ls $$dir/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel compile -d $$dir; fi; \
	done

## Re-extract messages and merge them into the catalogs (then translate the new entries):
## the core (babel.cfg) into its own, and each plugin (plugins/<name>/babel.cfg) into its own.
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	@for plugin in $(PLUGIN_DIRS); do \
		$(BIN)/pybabel extract -F $$plugin/babel.cfg $(BABEL_KEYWORDS) -o $$plugin/translations/messages.pot $$plugin && \
		$(BIN)/pybabel update -i $$plugin/translations/messages.pot -d $$plugin/translations || exit 1; \
	done

demo: install runtime-deps
	$(BIN)/kringwerk db upgrade
	$(BIN)/kringwerk demo
	$(BIN)/kringwerk run --host 127.0.0.1 --port 5000

## Debian packages the app needs at run time (WeasyPrint's Pango and a font), only where missing.
runtime-deps:
	@missing=""; \
	ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

## Debian packages the tests run for real (nginx for deploy/smoke.sh), installed only where missing.
system-deps: runtime-deps
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

## Two workers (CI has two cores); each starts its own PostgreSQL, Redis and browser.
test: install system-deps
	$(BIN)/pytest -n 2

## The production-shaped run alone (make test runs it too, as tests/deploy/test_smoke.py).
smoke: install system-deps
	deploy/smoke.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check platform plugins tests bench deploy
	$(BIN)/ruff format --check platform plugins tests bench deploy
	$(BIN)/lint-imports

bench: install system-deps
	$(BIN)/python bench/run_all.py

## Refresh the vendored htmx from the npm registry (version pinned here).
HTMX_VERSION := 4.0.1
vendor-htmx:
	cd /tmp && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-$(HTMX_VERSION).tgz
	cp /tmp/package/dist/htmx.min.js /tmp/package/LICENSE platform/kringwerk/static/vendor/htmx/
	rm -rf /tmp/package /tmp/htmx.org-$(HTMX_VERSION).tgz

clean:
	rm -rf $(VENV) instance
