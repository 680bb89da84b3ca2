#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# Builds the Open vSwitch C library once and caches the build, the way OVN
# builds against an OVS tree.  Debian ships no -dev package for it, only the
# sources (openvswitch-source), and we never vendor OVS into this tree.
#
# usage: ovs-build.sh SOURCE CACHE_DIR
#   SOURCE     an OVS source tarball (.tar.gz) or an unpacked OVS tree
#   CACHE_DIR  where built trees are kept; one per (source, compiler) pair
#
# Prints the built tree's path on stdout and nothing else.  Progress goes to
# a log beside the tree; on failure its tail goes to stderr.  Concurrent runs
# for the same key wait for each other (flock), so parallel configures and
# "make distcheck" reuse one build.

set -eu

src=${1:?usage: ovs-build.sh SOURCE CACHE_DIR}
cache=${2:?usage: ovs-build.sh SOURCE CACHE_DIR}
# Bump when the way the tree is built changes, to invalidate old caches.
recipe=2

if [ -d "$src" ]; then
    src=$(cd "$src" && pwd)
    src_id=$(printf '%s\n' "$src" | cat - "$src/NEWS" | sha256sum | cut -c1-16)
elif [ -f "$src" ]; then
    src_id=$(sha256sum < "$src" | cut -c1-16)
else
    echo "ovs-build.sh: $src: no such file or directory" >&2
    exit 1
fi
cc_id=$( (${CC:-cc} --version 2>/dev/null | head -n 1; echo "$recipe") \
         | sha256sum | cut -c1-8)
key="ovs-$src_id-$cc_id"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tree="$cache/$key"
log="$cache/$key.log"

exec 9>"$cache/$key.lock"
flock 9

if [ -f "$tree/.antrea-built" ]; then
    echo "$tree"
    exit 0
fi

echo "ovs-build.sh: building the Open vSwitch library in $tree (log: $log)" >&2
rm -rf "$tree"
mkdir -p "$tree"
if ! (
    set -e
    if [ -d "$src" ]; then
        cp -a "$src/." "$tree/"
    else
        tar -xzf "$src" -C "$tree" --strip-components=1
    fi
    cd "$tree"
    [ -x configure ] || ./boot.sh
    # Static and position-independent: only the objects we call get linked
    # into our programs, and the same archive works for shared objects.
    # The build must not pick up our own flags (sanitizers, -Werror).
    env -u CFLAGS -u LDFLAGS -u CPPFLAGS \
        ./configure --enable-static --disable-shared --with-pic \
                    CFLAGS="-O2 -g"
    # The whole tree, not just lib/: the library needs generated headers
    # that only the full build's BUILT_SOURCES produce.
    make -j"$(nproc)"
    # The libraries a program linking libopenvswitch.a also needs.  A .la
    # entry is one of OVS's own convenience libraries: link its archive.
    sed -n "s/^dependency_libs='\(.*\)'$/\1/p" lib/libopenvswitch.la \
        | tr ' ' '\n' | grep . \
        | sed 's|^\(.*\)/\([^/]*\)\.la$|\1/.libs/\2.a|' \
        | tr '\n' ' ' > ovs-libs.txt
    touch .antrea-built
) > "$log" 2>&1; then
    echo "ovs-build.sh: building Open vSwitch failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
echo "$tree"
