# kommunanalys: two commands on a fresh machine.
#   make report   set up .venv, install, build the demo reports into reports/
#   make test     set up .venv, install, run the whole test suite (notebooks included)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= auto

.PHONY: setup report test lab bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/kommunanalys report

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadscope --nbval-lax tests notebooks

# extra JupyterLab arguments: make lab LAB_ARGS="--port=8899"; as root --allow-root is added
LAB_ARGS ?=
ROOT_ARGS := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ROOT_ARGS) $(LAB_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/batch_benchmark.py

clean:
	rm -rf $(VENV) reports .pytest_cache
