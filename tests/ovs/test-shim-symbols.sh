#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.
# SPDX-License-Identifier: Apache-2.0
#
# Checks the symbol wall around the OVS library (core/lib/ovs/automake.mk):
#   1. the OVS shim's defined global symbols are exactly ovs-shim.sym;
#   2. ovs-shim.sym lists exactly the functions the public headers
#      (core/lib/ovs/aovs-*.h but aovs-private.h) declare;
#   3. the shim does contain OVS's code, with its names made local
#      (xmalloc, json_string...), so 1 means something;
#   4. a program linking the shim, the core library and jansson
#      (tests/ovs/test-ovs-wall) defines, of all the names the OVS library
#      defines, only those the core library defines itself: no OVS symbol
#      reaches the program's namespace.
# Run by "make check", which sets abs_top_srcdir, abs_top_builddir and
# OVS_BUILD_DIR.

set -u
srcdir=${abs_top_srcdir:?run me through make check}
builddir=${abs_top_builddir:?run me through make check}
ovs=${OVS_BUILD_DIR:?run me through make check}
nm=${NM:-nm}

shim=$builddir/core/lib/ovs/ovs-shim.o
symbols=$srcdir/core/lib/ovs/ovs-shim.sym
program=$builddir/tests/ovs/test-ovs-wall
core=$builddir/core/lib/.libs/libantrea-core.a
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-shim-symbols.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' 0

fail=0
for f in "$shim" "$program" "$core"; do
    if [ ! -f "$f" ]; then
        echo "missing $f (build with make check)" >&2
        exit 99
    fi
done

# 1.
if ! sh "$srcdir/core/lib/ovs/check-shim-symbols.sh" "$nm" "$shim" \
        "$symbols"; then
    fail=1
fi

# 2. Declarations: with comments and preprocessor lines removed and the
#    text split at ';', the parts naming an aovs_ function that are not
#    static inline definitions.
for h in "$srcdir"/core/lib/ovs/aovs-*.h; do
    case $h in */aovs-private.h) continue ;; esac
    perl -0777 -ne '
        s{/\*.*?\*/}{}gs;
        s{^\s*#.*$}{}mg;
        for my $decl (split /;/) {
            next if $decl =~ /static\s+inline|\{/;
            print "$1\n" if $decl =~ /\b(aovs_\w+)\s*\(/;
        }' "$h"
done | sort -u > "$tmp/declared"
grep -v '^#' "$symbols" | grep -v '^[[:space:]]*$' | sort -u > "$tmp/listed"
if ! cmp -s "$tmp/declared" "$tmp/listed"; then
    echo "ovs-shim.sym and the public headers disagree" \
         "(< declared only, > listed only):" >&2
    diff "$tmp/declared" "$tmp/listed" | grep '^[<>]' >&2
    fail=1
fi
if [ "$(wc -l < "$tmp/declared")" -lt 40 ]; then
    echo "only $(wc -l < "$tmp/declared") declarations found" >&2
    fail=1
fi

# 3.
"$nm" "$shim" > "$tmp/shim-all"
for name in xmalloc xasprintf time_msec json_string json_object \
        ovsdb_idl_create rconn_create poll_block; do
    if ! grep -q " [tdbr] $name\$" "$tmp/shim-all"; then
        echo "the shim has no local $name: is OVS's code in it?" >&2
        fail=1
    fi
    if grep -q " [TDBRW] $name\$" "$tmp/shim-all"; then
        echo "the shim exports $name" >&2
        fail=1
    fi
done

# 4.
defined_globals() {
    "$nm" -g --defined-only "$@" 2>/dev/null \
        | awk 'NF >= 3 { print $3 }' | sort -u
}
defined_globals "$program" > "$tmp/program"
defined_globals "$ovs"/lib/.libs/libopenvswitch.a > "$tmp/ovs"
defined_globals "$core" > "$tmp/core"
comm -12 "$tmp/program" "$tmp/ovs" > "$tmp/clash"
comm -23 "$tmp/clash" "$tmp/core" > "$tmp/leaked"
if [ -s "$tmp/leaked" ]; then
    echo "OVS symbols leaked into $program:" >&2
    head -20 "$tmp/leaked" >&2
    fail=1
fi
# The names both define are the core's own in the program.
if ! grep -qx xmalloc "$tmp/clash"; then
    echo "expected the core's xmalloc in $program" >&2
    fail=1
fi

exit $fail
