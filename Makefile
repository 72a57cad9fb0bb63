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

# The whole suite on SQLite and, when DATABASE_URL names a PostgreSQL database, on PostgreSQL at the same time
# (one pass per core; the PostgreSQL pass has its own data folder and its output is printed after the SQLite
# pass's). The two-Celery-worker tests (real Redis, subprocess workers on the test database) run in a session of
# their own after each pass.
WORKER_TESTS := tests/sla/test_workers.py
CLUSTER_TESTS := tests/cluster
PG_TEST_LOG := var/test-postgres.log
test: install
	@mkdir -p var; pg_pid=; \
	if echo "$$DATABASE_URL" | grep -qE '^postgres(ql)?://'; then \
		echo "== PostgreSQL pass started in the background (output: $(PG_TEST_LOG)) =="; \
		( export SERVICEDESK_DATA_DIR=$(CURDIR)/var/test-postgres SERVICEDESK_FAST_HASHER=1; \
		  $(PY) -m pytest --ignore=$(WORKER_TESTS) --ignore=$(CLUSTER_TESTS) $(PYTEST_ARGS) && $(PY) -m pytest $(WORKER_TESTS) \
		) > $(PG_TEST_LOG) 2>&1 & pg_pid=$$!; \
	else echo "DATABASE_URL names no PostgreSQL database: PostgreSQL run skipped."; fi; \
	echo "== SQLite =="; \
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest --ignore=$(WORKER_TESTS) --ignore=$(CLUSTER_TESTS) $(PYTEST_ARGS) && \
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 SERVICEDESK_TEST_ON_DISK=1 $(PY) -m pytest $(WORKER_TESTS); \
	sqlite_rc=$$?; pg_rc=0; \
	if [ -n "$$pg_pid" ]; then wait $$pg_pid; pg_rc=$$?; echo "== PostgreSQL =="; cat $(PG_TEST_LOG); fi; \
	echo "== SQLite exit $$sqlite_rc, PostgreSQL exit $$pg_rc =="; \
	[ $$sqlite_rc -eq 0 ] && [ $$pg_rc -eq 0 ]

lint: install
	$(VENV)/bin/ruff check servicedesk tests bench

messages: install
	cd servicedesk && ../$(SD) makemessages -l zh_Hans --no-obsolete && ../$(SD) compilemessages -l zh_Hans

bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

# Side by side with django-helpdesk on the peer's workload (bench/peer.py; the peer's virtualenv under var/peer).
.PHONY: bench-peer
bench-peer: install
	$(PY) -m bench.peer $(BENCH_ARGS)
# The desk as a cluster under load and faults (tests/cluster): it starts its own PostgreSQL, Redis, three
# gunicorn processes, two Celery workers and beat; about four minutes.
test-cluster: install
	env -u DATABASE_URL SERVICEDESK_FAST_HASHER=1 $(PY) -m pytest $(CLUSTER_TESTS) -s $(PYTEST_ARGS)
