# The README's two commands: `make demo` and `make test`. Everything else is for developers.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
CONSTR  := -c constraints.txt
HANDRASTER_CUDA ?= AUTO
export HANDRASTER_CUDA
DEMO_OUT ?= demo_out
JOBS    ?= 2

.PHONY: demo test install deps dev bench clean

# Dependencies (torch first, pinned, so no CUDA build of torch is ever pulled on a CPU machine).
$(VENV)/.deps: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(CONSTR) torch==2.13.0
	$(PIP) install -q $(CONSTR) scikit-build-core pybind11 cmake ninja numpy pillow pyyaml pydantic tqdm anny ray \
	    scikit-image imageio trimesh pytest pytest-xdist smplx scipy
	touch $@

deps: $(VENV)/.deps

# The package itself, built and installed into the venv (incremental: build/ is kept).
install: $(VENV)/.deps
	$(PIP) install -q $(CONSTR) --no-build-isolation --no-deps .

demo: install
	# the console script, not `python -m` from here: the source tree must not shadow the build
	$(VENV)/bin/handraster demo --out $(DEMO_OUT)

test: install
	cd python_tests && ../$(PY) -m pytest -q -n $(JOBS) .

# In-place developer build (CPU module only unless HANDRASTER_CUDA=ON): then
#   PYTHONPATH=$$PWD .venv/bin/python -m pytest python_tests
dev:
	$(VENV)/bin/cmake -S . -B build/dev -G Ninja -DHANDRASTER_CUDA=$(or $(DEV_CUDA),OFF) \
	    -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	$(VENV)/bin/cmake --build build/dev

bench: install
	$(PIP) install -q $(CONSTR) moderngl pyrender
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf build $(DEMO_OUT) handraster/_C*.so
