#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The README's first command: installs what is needed, builds antrea-c,
# checks the shipped configs, starts the sandbox cluster (2 Nodes running
# antrea-agent and antrea-cni), creates demo Pods in two namespaces and
# prints their connectivity matrix, then says how to explore and how to
# stop.  A second run reuses what the first
# built and the cluster if it is up.  Needs root.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir="$top/_build/quickstart"
logs="$top/_build/quickstart-logs"
mkdir -p "$logs"
n=0

# step DESCRIPTION COMMAND...: runs one step, its output in a log; on
# failure says which step failed and where to look.
step() {
    n=$((n + 1))
    what=$1
    shift
    log="$logs/step-$n.log"
    printf '[%d] %s ... ' "$n" "$what"
    if "$@" > "$log" 2>&1; then
        echo ok
    else
        echo FAILED
        echo "step $n ($what) failed; its output is in $log:" >&2
        tail -n 25 "$log" >&2
        if [ -d /run/antrea-sandbox/logs ]; then
            echo "the cluster's logs are in /run/antrea-sandbox/logs" >&2
        fi
        exit 1
    fi
}

build() {
    ./autogen.sh
    mkdir -p "$dir"
    (cd "$dir" && { [ -f Makefile ] || "$top/configure"; })
    make -C "$dir" -j"$(nproc)"
}

check_configs() {
    plugins=
    for d in encap noencap hybrid policyonly ipsec ipam; do
        plugins="$plugins${plugins:+:}$dir/plugins/$d/.libs"
    done
    for conf in "$top"/etc/antrea-agent-*.conf; do
        ANTREA_PLUGIN_PATH="$plugins" "$dir/core/agent/antrea-agent" \
            --config "$conf" --check-config
    done
    "$dir/core/controller/antrea-controller" \
        --config "$top/etc/antrea-controller.conf" --check-config
}

if [ "$(id -u)" -ne 0 ]; then
    echo "quickstart: needs root (packages, network namespaces)" >&2
    exit 1
fi

echo "antrea-c quickstart (logs of each step in $logs)"
step "install Debian packages" "$top/tests/install-deps.sh"
step "build antrea-c" build
step "check the shipped agent and controller configs" check_configs
step "build kube-apiserver and kubectl from Debian's source (once, ~5 min)" \
    "$top/tests/e2e/build-kube.sh"
step "start the sandbox cluster (2 Nodes; antrea-controller, and antrea-agent and antrea-cni on each Node)" \
    "$top/tests/e2e/cluster" up --nodes 2 --cni antrea --build-dir "$dir"
step "create demo Pods in namespaces demo-a and demo-b" \
    env PYTHONPATH="$top/tests/e2e" /usr/bin/python3 -m sandbox.demo create
step "measure the connectivity between the demo Pods" \
    env PYTHONPATH="$top/tests/e2e" /usr/bin/python3 -m sandbox.demo matrix
sed 's/^/    /' "$log"
echo
step "apply a NetworkPolicy (demo-b/web accepts only demo-b) and measure again" \
    env PYTHONPATH="$top/tests/e2e" /usr/bin/python3 -m sandbox.demo policy
sed 's/^/    /' "$log"
cat <<MSG

antrea-controller (in the control-plane namespace) computes the
NetworkPolicy and serves it to the agents; each Node's antrea-agent (encap
mode, geneve tunnels, native IPAM) turns what concerns its Pods into
OpenFlow flows. Pods get their interfaces from antrea-cni.

Explore:
    tests/e2e/cluster kubectl get nodes,pods -A -o wide
    tests/e2e/cluster exec demo-a/client -- ip addr
    tests/e2e/cluster node-exec node1 -- ovs-vsctl show
    tests/e2e/cluster node-exec node1 -- ovs-ofctl dump-flows br-int
    tests/e2e/cluster kubectl get networkpolicy -A
    tests/e2e/cluster node-exec node1 -- $dir/core/antctl/antctl get podinterface
    tests/e2e/cluster node-exec node1 -- $dir/core/antctl/antctl get ovsflows -n demo-b -p web
    tests/e2e/cluster status-page    # then open http://127.0.0.1:10348/
    tests/e2e/cluster kubectl get antreaagentinfos,antreacontrollerinfos
    tests/e2e/cluster logs controller
    tests/e2e/cluster logs agent node1
    tests/e2e/cluster info
Stop and remove everything:
    tests/e2e/cluster down
MSG
