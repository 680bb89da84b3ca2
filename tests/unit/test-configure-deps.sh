#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# configure names the Debian package of every missing dependency.  Each
# library is hidden in turn (pkg-config sees a copy of the system's .pc
# files without that one; libltdl's header is forced "missing" through
# its cache variable) and configure must stop with the package's name.

set -eu

: "${abs_top_srcdir:?run through make check}"
: "${OVS_BUILD_DIR:?run through make check}"
work=$(mktemp -d "${TMPDIR:-/tmp}/antrea-configure-deps.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# All .pc files pkg-config would see, gathered in one place.
mkdir "$work/pc-all"
for dir in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
    [ -d "$dir" ] && cp -n "$dir"/*.pc "$work/pc-all/" 2>/dev/null || true
done

# expect_missing MODULE PACKAGE [CONFIGURE ARGS...]: configure without
# MODULE's .pc (or with the extra args) must fail naming PACKAGE.
expect_missing() {
    module=$1
    package=$2
    shift 2
    rm -rf "$work/pc" "$work/build"
    cp -r "$work/pc-all" "$work/pc"
    rm -f "$work/pc/$module.pc"
    mkdir "$work/build"
    if (cd "$work/build" && PKG_CONFIG_LIBDIR="$work/pc" \
            "$abs_top_srcdir/configure" --with-ovs-build="$OVS_BUILD_DIR" \
            "$@" > out 2>&1); then
        echo "FAIL: configure succeeded without $module" >&2
        failures=$((failures + 1))
    elif ! grep -F "Install the Debian package '$package'" "$work/build/out" \
            > /dev/null; then
        tail -n 3 "$work/build/out" >&2
        echo "FAIL: no mention of $package when $module is missing" >&2
        failures=$((failures + 1))
    else
        echo "ok: $module missing -> $package"
    fi
}

expect_missing yaml-0.1 libyaml-dev
expect_missing jansson libjansson-dev
expect_missing libcurl libcurl4-openssl-dev
expect_missing libprotobuf-c libprotobuf-c-dev
expect_missing libnl-route-3.0 "libnl-3-dev and libnl-route-3-dev"
expect_missing libip4tc libip4tc-dev
expect_missing libmicrohttpd libmicrohttpd-dev
expect_missing criterion libcriterion-dev
expect_missing none libltdl-dev ac_cv_header_ltdl_h=no

# The OVS library: a tree that is not built, and no sources at all.
mkdir -p "$work/not-ovs"
expect_missing none openvswitch-source --with-ovs-build="$work/not-ovs"
expect_missing none openvswitch-source --with-ovs-build= \
    --with-ovs-source="$work/no-such-tarball.tar.gz"

[ "$failures" -eq 0 ] || exit 1
echo PASS
