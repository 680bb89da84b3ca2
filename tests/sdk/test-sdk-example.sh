#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The SDK works for a third party: install the project into a DESTDIR,
# build the installed example plugin out of tree against it through
# pkg-config alone, check that it exports only its descriptor, and load it
# with the installed antrea-agent --check-config, with and without a bad
# config block.

set -eu

: "${abs_top_builddir:?run through make check}"
work=$(mktemp -d "${TMPDIR:-/tmp}/antrea-sdk-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
destdir="$work/destdir"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# make, as a fresh top-level make: not a part of the "make check" that
# runs this test (no jobserver, no "Entering directory").
submake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}

# The install paths, as configure set them.
makevar() {
    submake -s -C "$abs_top_builddir" --no-print-directory \
        -f Makefile -f - print-var VAR="$1" <<'MK'
print-var:
	@echo $($(VAR))
MK
}

submake -s -C "$abs_top_builddir" install DESTDIR="$destdir" > "$work/install.log" 2>&1 \
    || { tail -n 30 "$work/install.log"; fail "make install DESTDIR failed"; }

libdir=$(makevar libdir)
sbindir=$(makevar sbindir)
datadir=$(makevar datadir)
plugindir=$(makevar plugindir)
pkgconfigdir=$(makevar pkgconfigdir)

# Everything a plugin author gets is installed.
for f in "$pkgconfigdir/antrea-plugin.pc" "$sbindir/antrea-agent" \
         "$plugindir/encap.so" "$datadir/antrea/sdk/example/Makefile"; do
    [ -e "$destdir$f" ] || fail "$f was not installed"
done

# Build the installed example, out of tree, through pkg-config only.
cp -r "$destdir$datadir/antrea/sdk/example" "$work/example"
export PKG_CONFIG_PATH="$destdir$pkgconfigdir"
export PKG_CONFIG_SYSROOT_DIR="$destdir"
[ "$(pkg-config --variable=abi_major antrea-plugin)" = 1 ] \
    || fail "antrea-plugin.pc lacks abi_major"
submake -C "$work/example" > "$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail "the example did not build"; }
so="$work/example/example-ipam.so"
[ -f "$so" ] || fail "no example-ipam.so"

# Exactly one exported symbol: the descriptor.
exports=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
[ "$exports" = "antrea_plugin_descriptor" ] \
    || fail "example-ipam.so exports more than its descriptor: $exports"

# The installed agent loads it next to the installed built-in modules.
cat > "$work/agent.conf" <<CONF
pluginDir: $destdir$plugindir
modules:
  - name: example-ipam
    file: $so
    config:
      rangeStart: 10.10.1.100
      rangeEnd: 10.10.1.199
CONF
unset ANTREA_PLUGIN_PATH
"$destdir$sbindir/antrea-agent" --config "$work/agent.conf" --check-config \
    > "$work/out" 2>&1 || { cat "$work/out"; fail "--check-config refused the example"; }
cat "$work/out"
abi="$(pkg-config --variable=abi_major antrea-plugin)\.$(pkg-config \
    --variable=abi_minor antrea-plugin)"
grep -E "^example-ipam +ipam +1\.0\.0 +$abi +modules\[0\] \(line 3\) +$so\$" \
    "$work/out" > /dev/null || fail "example-ipam is not in the module set"
grep -E "^encap +encap-mode .* $destdir$plugindir/encap.so\$" "$work/out" \
    > /dev/null || fail "the installed encap module was not used"

# Its config block reaches it: a bad one is refused with its line.
sed -i 's/rangeEnd: 10.10.1.199/rangeEnd: 10.10.1.199\n      colour: blue/' \
    "$work/agent.conf"
if "$destdir$sbindir/antrea-agent" --config "$work/agent.conf" --check-config \
    > "$work/out" 2>&1; then
    cat "$work/out"
    fail "a bad config block was accepted"
fi
cat "$work/out"
grep -F "agent.conf:8:7: modules[0].config.colour: unknown key 'colour'" \
    "$work/out" > /dev/null || fail "the bad key is not reported with its line"
echo "PASS: the SDK example builds out of tree and loads"
