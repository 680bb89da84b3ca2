#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# antrea-agent and antrea-controller --check-config on the shipped configs
# and on broken ones: the resolved module set follows trafficEncapMode and
# tunnelType, and every problem is reported with its file, line and column.

set -eu

: "${abs_top_builddir:?run through make check}"
: "${abs_top_srcdir:?run through make check}"
agent="$abs_top_builddir/core/agent/antrea-agent"
controller="$abs_top_builddir/core/controller/antrea-controller"
etc="$abs_top_srcdir/etc"
work=$(mktemp -d "${TMPDIR:-/tmp}/antrea-check-config.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# modules_of CONFIG: prints "name:kind" of each resolved module, sorted.
modules_of() {
    "$agent" --config "$1" --check-config > "$work/out" 2>&1 || {
        cat "$work/out" >&2
        echo "check-config failed"
        return 0
    }
    awk 'table {print $1 ":" $2} /^MODULE +KIND/ {table = 1}' "$work/out" \
        | sort | tr '\n' ' '
}

# expect_modules CONFIG "a:kind b:kind ..."
expect_modules() {
    got=$(modules_of "$1")
    want=$(echo "$2" | tr ' ' '\n' | sort | tr '\n' ' ')
    if [ "$got" != "$want" ]; then
        fail "$1: modules '$got', expected '$want'"
    else
        echo "ok: ${1##*/}: $got"
    fi
}

# expect_error CONFIG TEXT: check-config must fail and print TEXT.
expect_error() {
    if "$agent" --config "$1" --check-config > "$work/out" 2>&1; then
        fail "$1: accepted, expected an error containing: $2"
    elif ! grep -F -- "$2" "$work/out" > /dev/null; then
        cat "$work/out" >&2
        fail "$1: error does not contain: $2"
    else
        echo "ok: error: $2"
    fi
}

# The shipped configs, one per mode.
expect_modules "$etc/antrea-agent-encap.conf" \
    "encap:encap-mode geneve:tunnel-type host-local:ipam"
expect_modules "$etc/antrea-agent-noencap.conf" \
    "noencap:encap-mode host-local:ipam"
expect_modules "$etc/antrea-agent-hybrid.conf" \
    "hybrid:encap-mode geneve:tunnel-type host-local:ipam"
expect_modules "$etc/antrea-agent-policyonly.conf" "policyonly:encap-mode"

# Editing the keys changes the module set.
sed 's/^tunnelType: geneve/tunnelType: vxlan/' "$etc/antrea-agent-encap.conf" \
    > "$work/vxlan.conf"
expect_modules "$work/vxlan.conf" \
    "encap:encap-mode vxlan:tunnel-type host-local:ipam"
sed 's/^trafficEncapMode: encap/trafficEncapMode: noEncap/' \
    "$etc/antrea-agent-encap.conf" > "$work/noencap.conf"
expect_modules "$work/noencap.conf" "noencap:encap-mode host-local:ipam"
sed -e 's/^ipam: host-local/ipam: native/' \
    -e 's/^trafficEncryptionMode: none/trafficEncryptionMode: ipsec/' \
    "$etc/antrea-agent-encap.conf" > "$work/ipsec.conf"
ANTREA_IPSEC_PSK=test-psk expect_modules "$work/ipsec.conf" \
    "encap:encap-mode geneve:tunnel-type native:ipam ipsec:ipsec"

# No config at all: Antrea's defaults.
if "$agent" --check-config > "$work/out" 2>&1 \
   && grep -q '^encap ' "$work/out" && grep -q '^geneve ' "$work/out"; then
    echo "ok: defaults without --config"
else
    cat "$work/out" >&2
    fail "antrea-agent --check-config without --config"
fi

# Broken configs.
printf 'ovsBridge: br-int\ntunnelType: [geneve\n' > "$work/syntax.conf"
expect_error "$work/syntax.conf" "syntax.conf:3:"
printf 'ovsBridge: br-int\novsBrige: br-x\n' > "$work/unknown.conf"
expect_error "$work/unknown.conf" "unknown.conf:2:1: ovsBrige: unknown key"
printf 'tunnelType: stt\novsDatapathType: netdev\n' > "$work/stt.conf"
expect_error "$work/stt.conf" \
    "stt.conf:1:13: tunnelType: 'stt' is not implemented by the OVS userspace datapath"
printf 'tunnelType: nosuch\n' > "$work/nosuch.conf"
expect_error "$work/nosuch.conf" "nosuch.conf:1:13: tunnelType: module 'nosuch' not found"
expect_error "$work/absent.conf" "absent.conf: cannot read"
# IPsec without a PSK: the module's init says what is missing.
(unset ANTREA_IPSEC_PSK; expect_error "$work/ipsec.conf" "ANTREA_IPSEC_PSK")

# The controller.
if "$controller" --config "$etc/antrea-controller.conf" --check-config \
    > "$work/out" 2>&1; then
    echo "ok: controller check-config"
else
    cat "$work/out" >&2
    fail "antrea-controller --check-config on the shipped config"
fi
printf 'apiPort: 99999\n' > "$work/controller.conf"
"$controller" --config "$work/controller.conf" --check-config > "$work/out" 2>&1 \
    && fail "controller accepted apiPort 99999"
grep -q 'controller.conf:1:10: apiPort' "$work/out" \
    || { cat "$work/out" >&2; fail "controller error lacks place"; }
# The status page: where it listens, and an address that is not one.
"$controller" --config "$etc/antrea-controller.conf" --check-config \
    | grep -qx 'status page: http://127.0.0.1:10348/' \
    || fail "controller check-config does not show the status page"
printf 'statusPageBindAddress: localhost\n' > "$work/controller.conf"
"$controller" --config "$work/controller.conf" --check-config > "$work/out" 2>&1 \
    && fail "controller accepted statusPageBindAddress localhost"
grep -q 'statusPageBindAddress: "localhost" is not an IPv4 or IPv6' \
    "$work/out" || { cat "$work/out" >&2; fail "status page address error"; }

# --version names the ABI the SDK headers define.
abi_minor=$(sed -n 's/^#define ANTREA_PLUGIN_ABI_MINOR \([0-9]*\).*/\1/p' \
    "$abs_top_srcdir/sdk/include/antrea/plugin.h")
"$agent" --version | grep -q "^plugin ABI 1\\.$abi_minor\$" \
    || fail "agent --version (expected plugin ABI 1.$abi_minor)"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS"
