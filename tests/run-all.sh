#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# Runs every test from a fresh checkout: installs what is needed, builds
# the tree twice (plainly, and with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs "make check" in both, then
# "make distcheck", then the end-to-end tests on the sandbox cluster
# (tests/e2e/run-e2e.sh; needs root).  Build trees go to _build/.
#
# usage: tests/run-all.sh
#   JOBS=N   parallel make jobs (default: number of CPUs)

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-$(nproc)}

step() {
    printf '\n=== %s\n' "$*"
}

step "installing dependencies"
"$top/tests/install-deps.sh"

step "generating the build system"
./autogen.sh

# Builds and checks one tree: build_and_check NAME [CONFIGURE ARGS...]
build_and_check() {
    name=$1
    shift
    dir="$top/_build/$name"
    step "$name build: configure $*"
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" "$@" > configure.out 2>&1) || {
        tail -n 40 "$dir/configure.out"
        return 1
    }
    step "$name build: make"
    make -C "$dir" -j"$jobs"
    step "$name build: make check"
    if ! make -C "$dir" -j"$jobs" check; then
        for log in $(find "$dir/tests" -name '*.log' ! -name test-suite.log); do
            if grep -q '^:test-result: FAIL' "${log%.log}.trs" 2>/dev/null \
               || grep -q '^:test-result: ERROR' "${log%.log}.trs" 2>/dev/null
            then
                printf '\n--- %s\n' "$log"
                tail -n 60 "$log"
            fi
        done
        return 1
    fi
}

build_and_check plain
build_and_check sanitizers --enable-sanitizers

step "make distcheck"
make -C "$top/_build/plain" -j"$jobs" distcheck

step "end-to-end tests on the sandbox cluster"
"$top/tests/e2e/run-e2e.sh"

step "all tests passed"
