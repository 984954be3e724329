# Thin wrapper over CMake and CTest. The real build is CMakeLists.txt.
#   make run       install what is missing, build, simulate the shipped example
#   make test      install what is missing, build, run the whole test suite (ctest)
#   make labs      build, then check every course lab's reference answers (labs/, label labs)
#   make asan      the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz      every libFuzzer harness (tests/fuzz) for FUZZ_SECONDS each (default 300)
#   make fuzz-smoke  the same for 60 s each (CI); both fail on any finding
#   make validate  compare the simulator with published measurements (label validation)
#   make bench     speed benchmarks of the simulator itself (and of simsweep)
#   make install   the programs, configs, models, examples and sweeps under PREFIX (/usr/local)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ARCH ?= configs/a100_24.cfg
EXAMPLE ?= traces/examples/llama2-7b-2of4.trace.gz
DEB_PACKAGES = cmake make gcc g++ pkg-config libsystemc-dev libconfig-dev zlib1g-dev \
               libjson-c-dev libcmocka-dev libcsv-dev uthash-dev libxxhash-dev time \
               openmpi-bin libopenmpi-dev gnuplot-nox clang libclang-rt-14-dev llvm
# clang and its libFuzzer runtime build the fuzzers; llvm gives the sanitizers llvm-symbolizer,
# so that their reports name functions and lines.
FUZZ_SECONDS ?= 300
# Harnesses run at once (each a process on its own core).
FUZZ_JOBS ?= $(JOBS)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE = 1

PREFIX ?= /usr/local

.PHONY: deps build run test labs asan fuzz fuzz-smoke fuzz-build validate bench install clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run as root:"; \
	    echo "  apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/simrun --arch $(ARCH) $(EXAMPLE)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

labs: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L labs

asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DNMSIM_SANITIZE=ON >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
	  ctest --output-on-failure -j $(JOBS) -LE 'slow|validation|labs'

# Coverage-guided fuzzing with clang's libFuzzer: its own build tree (everything instrumented).
fuzz-build: deps
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNMSIM_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	tests/fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(BUILD)-fuzz 60 $(FUZZ_JOBS)

validate: build
	cd $(BUILD) && ctest --output-on-failure -L validation -V

bench: build
	./bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
