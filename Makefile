# The README's two commands: `make run` (the desk on its embedded default) and `make test`.
# Each does its own set-up on a fresh machine: virtualenv, install, migrate.
VENV ?= .venv
PY := $(VENV)/bin/python
SD := $(PY) -m servicedesk
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export SERVICEDESK_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run serve migrate test test-sqlite test-postgres lint bench messages test-cluster

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(SD) migrate --noinput -v0

run: migrate
	$(SD) demo --if-empty
	$(SD) collectstatic --noinput -v0
	@echo "Service desk on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	$(SD) serve --bind $(HOST):$(PORT) --workers $(WORKERS)

# The whole suite on SQLite, then on PostgreSQL when DATABASE_URL names one. The two-Celery-worker
# tests (real Redis, subprocess workers on the test database) run in a session of their own.
WORKER_TESTS := tests/sla/test_workers.py
CLUSTER_TESTS := tests/cluster
test: install
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest --ignore=$(WORKER_TESTS) --ignore=$(CLUSTER_TESTS) $(PYTEST_ARGS)
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 SERVICEDESK_TEST_ON_DISK=1 $(PY) -m pytest $(WORKER_TESTS)
	@if echo "$$DATABASE_URL" | grep -qE '^postgres(ql)?://'; then \
		echo "== again on PostgreSQL =="; \
		SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest --ignore=$(WORKER_TESTS) --ignore=$(CLUSTER_TESTS) $(PYTEST_ARGS) && \
		SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest $(WORKER_TESTS); \
	else echo "DATABASE_URL names no PostgreSQL database: PostgreSQL run skipped."; fi

lint: install
	$(VENV)/bin/ruff check servicedesk tests bench

messages: install
	cd servicedesk && ../$(SD) makemessages -l zh_Hans --no-obsolete && ../$(SD) compilemessages -l zh_Hans

bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

# The desk as a cluster under load and faults (tests/cluster): it starts its own PostgreSQL, Redis, three
# gunicorn processes, two Celery workers and beat; about four minutes.
test-cluster: install
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest $(CLUSTER_TESTS) -s $(PYTEST_ARGS)
