# Two entry points: `make demo` and `make test`. Both create/reuse .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmcls-installed

.PHONY: demo test docs setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[tests]"
	touch $(STAMP)

demo: setup
	$(PY) demo/run_demo.py

test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile tests

docs: setup
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) work_dirs site
