#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The README's first command.  Until the sandbox cluster exists (issue 3),
# it installs what is needed, builds the tree and runs antrea-agent
# --check-config on every shipped agent config and antrea-controller
# --check-config on the controller's: each prints the modules it resolves.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir="$top/_build/quickstart"

"$top/tests/install-deps.sh"
./autogen.sh > /dev/null
mkdir -p "$dir"
(cd "$dir" && "$top/configure" > configure.out 2>&1) || {
    tail -n 40 "$dir/configure.out"
    exit 1
}
make -C "$dir" -j"$(nproc)" > "$dir/make.out" 2>&1 || {
    tail -n 40 "$dir/make.out"
    exit 1
}

plugins=
for d in encap noencap hybrid policyonly ipsec ipam; do
    plugins="$plugins${plugins:+:}$dir/plugins/$d/.libs"
done
export ANTREA_PLUGIN_PATH="$plugins"

for conf in "$top"/etc/antrea-agent-*.conf; do
    printf '\n$ antrea-agent --config %s --check-config\n' "etc/${conf##*/}"
    "$dir/core/agent/antrea-agent" --config "$conf" --check-config
done
printf '\n$ antrea-controller --config etc/antrea-controller.conf --check-config\n'
"$dir/core/controller/antrea-controller" --config "$top/etc/antrea-controller.conf" \
    --check-config
