# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench fuzz install clean package package-test
PKG_STAMP := $(VENV)/.installed-package

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/investsim gui

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The committed habits: ruff's rules and the layer contracts, both in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/run_bench.py
	$(PY) bench/reliability.py
	$(PY) bench/json_floor.py
	$(PY) bench/json_alternatives.py
	$(PY) bench/portfolio.py
	$(PY) bench/export.py
	QT_QPA_PLATFORM=offscreen $(PY) -m ui.bench
	INVESTSIM_MEASURE=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -s -p no:warnings \
		tests/workshop/test_whatif.py::test_slider_update_rate \
		tests/workshop/test_presentation.py::test_chart_update_rate_while_a_slider_moves
	INVESTSIM_MEASURE=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:warnings -k "fast or cheap" \
		tests/charts/test_charts.py tests/charts/test_analytics_charts.py tests/test_distributions.py

# At least 10,000 generated scenario documents and 2,000 hostile files (deep nesting, long
# chains, huge lists, odd bytes); prints how many were tried and how they ended.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -s -p no:warnings tests/test_fuzz.py

$(PKG_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet -e '.[package]'
	touch $(PKG_STAMP)

# The packaged app (no Python needed): dist/investsim/ and dist/investsim-<version>-<os>-<machine>.tar.gz
package: $(PKG_STAMP)
	$(PY) build/package.py

# Builds the package, then runs the BUILT app: scenario, PDF/HTML/Excel reports, offscreen screenshot, self-test
package-test: $(PKG_STAMP)
	$(PY) build/package_test.py

clean:
	rm -rf $(VENV) build/work dist .pytest_cache
