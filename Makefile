# The two commands a user needs, and a few for developers. The real build is CMake; this file
# only strings the steps together. Every target installs what it needs first (scripts/bootstrap).
#
#   make demo      move the example shop from MariaDB to DynamoDB through the five migration phases
#                  (starts and stops a private MariaDB and DynamoDB Local)
#   make check     build and run every test: plain, ASan+UBSan, ThreadSanitizer, valgrind
#   make install PREFIX=/usr/local   the libraries, headers, pkg-config, CMake package, ddbkit

PREFIX ?= /usr/local
BUILD ?= build
INSTALL_BUILD ?= $(BUILD)-install
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

# Progress and errors only: no "Entering directory" lines from the make that CMake runs below us.
MAKEFLAGS += --no-print-directory
export MAKEFLAGS

.PHONY: all bootstrap build demo check check-plain check-asan check-tsan check-valgrind install bench clean

all: build

bootstrap:
	@scripts/bootstrap

# The plain build's configure step, shared by `build` and `demo`.
CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	$(CMAKE_FLAGS)

build: bootstrap
	@$(CONFIGURE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The demo shows one line for the build (its output goes to a log, shown only when it fails).
demo: bootstrap
	@start=$$(date +%s); log=$(BUILD)-demo-build.log; \
	if $(CONFIGURE) >$$log 2>&1 && cmake --build $(BUILD) -j $(JOBS) >>$$log 2>&1; then \
	    echo "build: ok ($(BUILD)/, $$(( $$(date +%s) - start )) s; log in $$log)"; \
	else \
	    tail -n 40 $$log; echo "build: FAILED (whole log in $$log)" >&2; exit 1; \
	fi
	@scripts/demo $(BUILD)

check: check-plain check-asan check-tsan check-valgrind

check-plain: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

check-asan: bootstrap
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DDDB_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	ctest --test-dir $(BUILD)-asan --output-on-failure -j $(JOBS) -L 'unit|integration|gen|app'

# ThreadSanitizer over the tests that share one client between threads or run requests in parallel.
check-tsan: bootstrap
	@cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=Debug -DDDB_TSAN=ON >/dev/null
	@cmake --build $(BUILD)-tsan -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --test-dir $(BUILD)-tsan \
	    --output-on-failure -j $(JOBS) -L integration -R 'concurrency|parallel'

check-valgrind: bootstrap
	@cmake -S . -B $(BUILD)-valgrind -DCMAKE_BUILD_TYPE=Debug -DDDB_VALGRIND=ON >/dev/null
	@cmake --build $(BUILD)-valgrind -j $(JOBS)
	ctest --test-dir $(BUILD)-valgrind --output-on-failure -j $(JOBS) -L valgrind

# The libraries, headers, pkg-config files, CMake package and the ddbkit command; no tests,
# examples or benchmarks are built, and nothing is fetched from npm.
install:
	@scripts/bootstrap --build-only
	@cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	    -DBUILD_TESTING=OFF -DDDB_EXAMPLES=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(INSTALL_BUILD) -j $(JOBS)
	@cmake --install $(INSTALL_BUILD) --prefix $(PREFIX)

bench: build
	@scripts/bench $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-valgrind $(CLANG_BUILD) $(LINT_BUILD) $(FUZZ_BUILD) \
	    $(INSTALL_BUILD) $(BUILD)-demo-build.log

# ---- fuzzing, static analysis and format (fuzz/, .clang-tidy, .clang-format) ---------------------
#   make fuzz      build the libFuzzer targets (fuzz/fuzz_<target>.c) with clang (ASan+UBSan) and run
#                  them for FUZZ_SECONDS in all (default 60), split evenly, each from its seed corpus
#                  fuzz/corpus/<target> plus the corpus kept in $(BUILD)-fuzz/corpus/. A crash stops
#                  it and leaves the reproducer in $(BUILD)-fuzz/artifacts/<target>/: minimize it
#                  (-minimize_crash=1) and add it to fuzz/corpus/<target>/ so `make check` replays it
#   make lint          clang-tidy (.clang-tidy) and cppcheck over every .c file under src/, with the
#                      flags of compile_commands.json (scripts/lint); fails on any finding
#   make check-clang   build everything (tests, examples, bench) with clang and -Werror
#   make format-check  clang-format --dry-run -Werror over the hand-written sources
#   make format        clang-format -i over the same files
# None is part of `make check`; .ci/run runs them all after it.
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
LINT_BUILD ?= $(BUILD)-lint
CLANG_BUILD ?= $(BUILD)-clang
# Every tracked C file but the generator's golden output, which must match what it emits.
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' ':!:tests/gen/expected/**')

.PHONY: fuzz lint check-clang format-check format

fuzz: bootstrap
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DDDB_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	@per=$$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )); [ $$per -ge 1 ] || per=1; \
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	    log=$(FUZZ_BUILD)/fuzz_$$t.log; \
	    dict=; [ ! -f fuzz/dict/$$t.dict ] || dict=-dict=fuzz/dict/$$t.dict; \
	    if ! $(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$$per -print_final_stats=1 $$dict \
	            -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ \
	            $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t >$$log 2>&1; then \
	        tail -n 60 $$log; \
	        echo "fuzz_$$t: FAILED; reproducer in $(FUZZ_BUILD)/artifacts/$$t/, log in $$log" >&2; \
	        exit 1; \
	    fi; \
	    execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	    cov=$$(grep -o 'cov: [0-9]*' $$log | tail -n 1); \
	    echo "fuzz_$$t: $$per s, $$execs runs, $$cov, no crash"; \
	done

lint: bootstrap
	@scripts/lint $(LINT_BUILD) $(JOBS)

check-clang: bootstrap
	@cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DDDB_WERROR=ON >/dev/null
	@cmake --build $(CLANG_BUILD) -j $(JOBS)

format-check: bootstrap
	@clang-format --dry-run -Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files formatted"

format: bootstrap
	@clang-format -i $(FORMAT_FILES)
