# Strata: `make run` launches the app, `make test` runs the tests. Both set themselves up on first use:
# system libraries for Qt (apt-get as root, otherwise the exact command is printed), a virtualenv in
# .venv, and the pinned requirements, reinstalled whenever a requirements file changes.
#   GPU=1 make run    installs tensorflow[and-cuda] for NVIDIA machines (requirements-gpu.txt)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
REQS   := $(if $(GPU),requirements-gpu.txt,requirements.txt)
STAMP  := $(VENV)/.installed-$(notdir $(REQS))
XVFB   := xvfb-run -a -s "-screen 0 1440x900x24"

export KERAS_BACKEND := tensorflow
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: run test bench screenshot lint setup system-deps clean

run: display-check setup
	$(PY) main.py

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: setup
	@bash .ci/system-deps.sh --screen
	@failed=""; for script in bench/*.py; do echo "== $$script"; \
	  if $(XVFB) $(PY) $$script; then echo "-- $$script: within budget"; \
	  else echo "-- $$script: OVER BUDGET or failed"; failed="$$failed $$script"; fi; done; \
	  if [ -n "$$failed" ]; then echo "over budget or failed:$$failed"; exit 1; fi; echo "every bench within budget"

screenshot: setup
	@bash .ci/system-deps.sh --screen
	$(XVFB) $(PY) -m gui.screenshot docs/screenshots

lint: setup
	$(PY) -m ruff check .

setup: system-deps $(STAMP)

system-deps:
	@bash .ci/system-deps.sh

display-check:
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ]; then \
	  echo "Strata needs a display to open its window, and none was found (DISPLAY is not set)."; \
	  echo "On a machine without a screen, run it on a virtual one:  xvfb-run make run"; \
	  exit 2; \
	fi

$(STAMP): $(REQS) requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(REQS)
	@rm -f $(VENV)/.installed-*
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
