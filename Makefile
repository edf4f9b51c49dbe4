# The two commands a user needs, and a few for developers. The real build is CMake; this file
# only strings the steps together. Every target installs what it needs first (scripts/bootstrap).
#
#   make demo      run the runtime demo against a DynamoDB Local it starts and stops
#   make check     build and run every test: plain, sanitized (ASan+UBSan) and under valgrind
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all bootstrap build demo check check-plain check-asan check-valgrind install bench clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

check: check-plain check-asan check-valgrind

check-plain: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

check-asan: bootstrap
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DDDB_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	ctest --test-dir $(BUILD)-asan --output-on-failure -j $(JOBS) -L 'unit|integration'

check-valgrind: bootstrap
	@cmake -S . -B $(BUILD)-valgrind -DCMAKE_BUILD_TYPE=Debug -DDDB_VALGRIND=ON >/dev/null
	@cmake --build $(BUILD)-valgrind -j $(JOBS)
	ctest --test-dir $(BUILD)-valgrind --output-on-failure -j $(JOBS) -L valgrind

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@scripts/bench $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-valgrind
