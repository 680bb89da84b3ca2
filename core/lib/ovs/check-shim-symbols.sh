#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.
# SPDX-License-Identifier: Apache-2.0
#
# check-shim-symbols.sh NM OBJECT SYMBOLS
#
# Checks that the defined global symbols of OBJECT (the OVS shim) are
# exactly the names listed in the file SYMBOLS (one per line, '#' comments),
# so that nothing of the OVS library can clash with jansson or the core
# library.  Prints the differences and exits 1 if they differ.

nm=${1:?usage: $0 NM OBJECT SYMBOLS}
object=${2:?usage: $0 NM OBJECT SYMBOLS}
symbols=${3:?usage: $0 NM OBJECT SYMBOLS}

tmp=${TMPDIR:-/tmp}/check-shim-symbols.$$
trap 'rm -f "$tmp".*' 0

# "nm -g --defined-only" prints "ADDRESS TYPE NAME" for every defined
# global (and weak) symbol.
$nm -g --defined-only "$object" > "$tmp.nm" || {
    echo "$0: $nm failed on $object" >&2
    exit 1
}
awk 'NF >= 3 { print $3 }' "$tmp.nm" | sort -u > "$tmp.actual"
grep -v '^#' "$symbols" | grep -v '^[[:space:]]*$' | sort -u > "$tmp.expected"

if ! cmp -s "$tmp.expected" "$tmp.actual"; then
    echo "$0: the global symbols of $object differ from $symbols" >&2
    echo "(< only in $symbols, > only in $object):" >&2
    diff "$tmp.expected" "$tmp.actual" | grep '^[<>]' >&2
    exit 1
fi
exit 0
