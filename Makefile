# qalb-site — the two commands of the quick start are `make serve` and `make test`.
# Everything they need is installed by them (pip into .venv, Debian and npm packages).
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
export NO_MKDOCS_2_WARNING := 1

.PHONY: libmagic setup setup-test bench-setup bench serve test security lint build check messages clean

.venv/ready: requirements.txt constraints.txt
	python3 -m venv .venv
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	touch $@

node_modules/ready: package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --silent
	touch $@

# libmagic (Debian's libmagic1) reads an uploaded file's type from its bytes (python-magic).
libmagic:
	@ldconfig -p | grep -q 'libmagic\.so\.1' || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmagic1 >/dev/null; }

setup: .venv/ready node_modules/ready libmagic

# Packages only the benchmarks use (requirements-bench.txt): not needed to build or serve.
.venv/bench-ready: .venv/ready requirements-bench.txt constraints.txt
	$(PIP) install --quiet -r requirements-bench.txt -c constraints.txt
	touch $@

bench-setup: .venv/bench-ready

# Debian packages the tests drive: a real browser, a real PostgreSQL server, and
# Java for the Nu HTML checker (node_modules/vnu-jar), nginx in front of `run` and `staff
# serve` with docs/deploy.md's configuration (tests/web/test_nginx.py), ClamAV's daemon (the tests start
# their own clamd on a signature database they write: nothing is downloaded). The benchmarks' packages too:
# tests/test_bench_search.py runs bench/search_roots.py and compares ours with them.
setup-test: setup bench-setup
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || ! dpkg -s default-jre-headless >/dev/null 2>&1 || ! test -x /usr/sbin/nginx || ! test -x /usr/sbin/clamd; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql default-jre-headless nginx-light clamav-daemon >/dev/null; fi

build: setup
	$(PY) -m generator build

check: setup
	$(PY) -m generator check

serve: build
	$(PY) -m generator run --host 127.0.0.1 --port 8000

# Two pytest workers (pytest-xdist), a whole test file each at a time, so module fixtures
# (a server, a chromium, a site build) are made once: the tests wait on browsers, servers
# and subprocesses much of the time, and one process leaves the second core idle. Each
# worker has its own temporary folders, PostgreSQL server and free ports.
test: setup-test security lint
	$(PY) -m pytest -q -p no:cacheprovider -n 3 --dist loadfile --no-loadscope-reorder

# One benchmark of bench/ (results in docs/benchmarks.md), e.g. `make bench B=search_roots ARGS="--show ours"`.
# setup-test: some drive chromium.
bench: setup-test
	@test -n "$(B)" -a -f "bench/$(B).py" || { echo 'Name a benchmark: make bench B=<one of bench/*.py without .py>, e.g. B=search_roots' >&2; exit 2; }
	$(PY) bench/$(B).py $(ARGS)

# Security scanners. bandit must find nothing of high severity (accepted findings
# carry `# nosec <id>` and a comment saying why). pip-audit fails the run on a known
# vulnerability; when its vulnerability service cannot be reached (no network, or the
# index answers 404 for every package so nothing is audited) it says so loudly and
# does not fail.
security: .venv/ready
	$(PY) -m bandit -q -r generator --severity-level high
	@mkdir -p .build; log=.build/pip-audit.log; \
	timeout 300 $(PY) -m pip_audit --strict --progress-spinner off >$$log 2>&1; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
	  echo "pip-audit: no known vulnerabilities in the installed packages"; \
	elif grep -q -E "^Found [0-9]+ known vulnerabilit" $$log; then \
	  cat $$log; exit 1; \
	elif [ $$rc -eq 124 ] || grep -q -E "could not be audited|NameResolutionError|ConnectionError|Max retries|timed out" $$log; then \
	  echo "WARNING: pip-audit could not reach its vulnerability service: dependencies were NOT audited ($$log)" >&2; \
	else cat $$log; exit 1; fi

# The habits that keep the code tidy (settings in pyproject.toml): ruff for lint and
# import order, mypy over generator/. pytest runs with warnings as errors and strict markers.
lint: .venv/ready
	$(PY) -m ruff check generator tests bench
	$(PY) -m mypy

# Extract interface strings into the catalogs (keeps existing translations).
messages: .venv/ready
	$(PY) -m generator messages

clean:
	rm -rf site site-* .site-publish.lock .build
