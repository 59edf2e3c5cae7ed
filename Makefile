# qalb-site — the two commands of the quick start are `make serve` and `make test`.
# Everything they need is installed by them (pip into .venv, Debian and npm packages).
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup setup-test serve test build check messages clean

.venv/ready: requirements.txt constraints.txt
	python3 -m venv .venv
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	touch $@

node_modules/ready: package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --silent
	touch $@

setup: .venv/ready node_modules/ready

# Debian packages the tests drive: a real browser and a real PostgreSQL server.
setup-test: setup
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; fi

build: setup
	$(PY) -m generator build

check: setup
	$(PY) -m generator check

serve: build
	$(PY) -m generator run --host 127.0.0.1 --port 8000

test: setup-test
	$(PY) -m pytest -q -p no:cacheprovider

# Extract interface strings into the catalogs (keeps existing translations).
messages: .venv/ready
	$(PY) -m generator messages

clean:
	rm -rf site .build
