# Everything a newcomer needs starts here; `make test` works on a bare machine
# with Python 3.11, 3.12 or 3.13 and make: it builds .venv from the pinned requirements.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The functions' Python for `make unit-runtime`: found on PATH or under pyenv when not given.
RUNTIME_PYTHON ?=

.DEFAULT_GOAL := help
.PHONY: help test lint typecheck unit unit-runtime diagram redrive cost capacity synth synth-diff demo local bench reliability

help:
	@echo "make demo    the whole pipeline on this machine, a scripted mix of orders, a summary"
	@echo "make test    lint, type-check and run the whole test suite"
	@echo "make local   the pipeline in the foreground until Ctrl-C (API_PORT, AWS_PORT)"
	@echo "make diagram redraw the architecture diagrams (README, docs/architecture.md) from the program"
	@echo "make redrive STACK=prod [DRY_RUN=1 [REQUEST_ID=id]]  list the DLQ by reason, move it back"
	@echo "make cost STACK=prod ORDERS_PER_DAY=10000  monthly cost estimate by service"
	@echo "make capacity STACK=prod [RATE=300] [SECONDS=3600]  sustainable orders/s, bottleneck, alarms"
	@echo "make synth STACK=dev|prod  a stack's resources and settings, offline"
	@echo "make synth-diff  what prod sets differently from dev"
	@echo "make bench   performance figures vs a naive baseline (docs/performance.md), printed"
	@echo "make reliability  bad input and injected faults: where every order ended, as a table"

$(INSTALLED): requirements.txt requirements-dev.txt requirements-lint.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and \
		"make: $(PYTHON) is Python %s; use Python 3.11, 3.12 or 3.13" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-lint.txt
	touch $@

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

unit: $(INSTALLED)
	$(BIN)/pytest

# The tests that import handlers/ again, on the Python the functions run (settings/core.py),
# in .venv-runtime; says which interpreter, or that this machine has none (docs/testing.md).
unit-runtime: $(INSTALLED)
	@$(BIN)/python -m tools.lambda_python $(if $(RUNTIME_PYTHON),--interpreter $(RUNTIME_PYTHON))

test: lint typecheck unit unit-runtime

# The local run (docs/local-run.md): moto on 127.0.0.1 and the real handlers, in-process.
# `@` keeps make quiet, so `make local` prints exactly its two URL lines first.
demo: $(INSTALLED)
	@$(BIN)/python -m tools.local_run.demo

local: $(INSTALLED)
	@$(BIN)/python -m tools.local_run

# Performance figures (docs/performance.md): printed, never asserted. BENCH_ARGS="--only P1,P3".
bench: $(INSTALLED)
	$(BIN)/python -m tools.benchmarks $(BENCH_ARGS)

# Bad input and injected faults (docs/reliability.md): the figures as a table; exits
# non-zero when an order or announcement is unaccounted for. SEED=N draws other bodies.
reliability: $(INSTALLED)
	$(BIN)/python -m tools.reliability $(if $(SEED),--seed $(SEED))

# Operator tools (tools/ops/, docs/operations.md); each one runs the program or AWS itself.
# Bad input (a stack that does not exist, no region, no Pulumi CLI...) is one line on stderr
# and exit status 2 (tools/command_line.py); make then adds its own `Error 2` line.
diagram: $(INSTALLED)
	$(BIN)/python -m tools.ops.diagram

# The queue URLs come from `pulumi stack output`; for the local run pass DLQ_URL,
# QUEUE_URL and ENDPOINT_URL instead of STACK (moto has no message move tasks: there the
# command moves the messages itself).
redrive: $(INSTALLED)
	$(BIN)/python -m tools.ops.redrive $(if $(STACK),--stack $(STACK)) \
		$(if $(DLQ_URL),--dlq-url $(DLQ_URL)) $(if $(QUEUE_URL),--queue-url $(QUEUE_URL)) \
		$(if $(ENDPOINT_URL),--endpoint-url $(ENDPOINT_URL)) \
		$(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) $(if $(REQUEST_ID),--request-id $(REQUEST_ID))

cost: $(INSTALLED)
	@test -n "$(STACK)" -a -n "$(ORDERS_PER_DAY)" || \
		{ echo "cost: give STACK and ORDERS_PER_DAY: make cost STACK=dev ORDERS_PER_DAY=10000" >&2; \
		exit 2; }
	$(BIN)/python -m tools.ops.cost --stack $(STACK) --orders-per-day $(ORDERS_PER_DAY)

# Sustainable rate and first bottleneck from the stack's settings and AWS's quotas; with RATE,
# the alarms that fire and the backlogs over SECONDS. SET="batchSize=50 ..." lays config keys
# over the stack file, QUOTA="lambda-concurrency=3000 ..." stands for quota increases.
capacity: $(INSTALLED)
	@test -n "$(STACK)" || \
		{ echo "capacity: give STACK: make capacity STACK=prod [RATE=300] [SECONDS=3600]" >&2; \
		exit 2; }
	@$(BIN)/python -m tools.capacity --stack $(STACK) $(if $(RATE),--rate=$(RATE)) \
		$(if $(SECONDS),--seconds=$(SECONDS)) $(foreach setting,$(SET),--set=$(setting)) \
		$(foreach quota,$(QUOTA),--quota=$(quota))

# The resource inventory of a stack from the program run under mocks (docs/operations.md).
synth: $(INSTALLED)
	$(BIN)/python -m tools.fidelity.synth $(or $(STACK),dev)

synth-diff: $(INSTALLED)
	$(BIN)/python -m tools.fidelity.synth --diff dev prod
