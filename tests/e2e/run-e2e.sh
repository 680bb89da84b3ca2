#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The end-to-end tests on the sandbox cluster (docs/sandbox.md), run by
# tests/run-all.sh after the unit tests.  Needs root.  Builds the
# Kubernetes binaries once (cached), then runs, one after the other (they
# share the asbx- names, so never in parallel):
#   - the sandbox's own self-tests: topology, control plane, Pod runtime;
#   - test_sandbox.py: the cluster through its CLI, as a user drives it;
#   - test_antrea.py: the cluster with antrea-c's own agent and CNI
#     (--cni antrea) from the build tree ($ANTREA_BUILD_DIR, else
#     _build/plain, else _build/quickstart); skipped without one;
#   - test_modes.py: noEncap and hybrid (split subnets) end to end, with
#     the NetworkPolicy conformance suite in each;
#   - test_policyonly.py: networkPolicyOnly chained after ptp, with the
#     conformance suite;
#   - test_ipsec.py: encap with IPsec (strongSwan, kernel-libipsec): SAs
#     between every pair of Nodes, ESP on the wire, a wrong key reported;
#   - test_metrics.py: the agents' and the controller's /metrics scraped
#     with a ServiceAccount token (401, 403, 200, docs/metrics.md's list);
#   - test_status_page.py: the controller's status page rendered by
#     headless Chromium shows every Node, the cluster Healthy and a
#     NetworkPolicy's span (docs/status-page.md);
#   - test_antctl.py: every antctl command in agent mode on a Node and in
#     controller mode, in table, json and yaml, and against a stopped
#     agent and controller (docs/antctl.md);
#   - netpol/test_netpol.py: the NetworkPolicy conformance suite on a
#     cluster running antrea-controller and antrea-agent (encap).

set -eu

e2e=$(cd "$(dirname "$0")" && pwd)
cd "$e2e"
python=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
    echo "run-e2e: needs root (network namespaces)" >&2
    exit 1
fi
# The sandbox is one per machine (asbx- names, /run/antrea-sandbox).
# Everything that brings one up holds this lock from "up" to "down", so
# wait (bounded) for another run to finish rather than collide with it.
lock=/tmp/antrea-sandbox.lock
if [ -z "${ANTREA_SANDBOX_LOCKED:-}" ]; then
    export ANTREA_SANDBOX_LOCKED=1
    echo "--- waiting for the sandbox lock $lock (at most 40 min)"
    exec flock -w 2400 -E 75 "$lock" "$0" "$@"
fi
# With the lock held, a sandbox still present is a leftover of a run that
# died (its pid files say which processes it started): its own "down"
# removes it, and nothing else.
if ip netns list | grep -q '^asbx-' || [ -e /run/antrea-sandbox ]; then
    echo "--- removing a leftover sandbox from an earlier run"
    "$python" "$e2e/cluster" down || {
        echo "run-e2e: could not remove the leftover sandbox" >&2
        exit 1
    }
fi

echo "--- building the Kubernetes binaries (cached after the first run)"
"$e2e/build-kube.sh" > /dev/null

failed=
for t in sandbox/test_topology.py sandbox/test_kube.py \
         sandbox/test_runtime.py test_sandbox.py test_antrea.py \
         test_modes.py test_policyonly.py test_ipsec.py test_metrics.py \
         test_status_page.py test_antctl.py netpol/test_netpol.py; do
    echo "--- $t"
    rc=0
    PYTHONPATH="$e2e" timeout 1800 "$python" "$t" || rc=$?
    if [ "$rc" -eq 77 ]; then
        echo "--- $t: skipped"
    elif [ "$rc" -ne 0 ]; then
        failed="$failed $t"
    fi
done

if [ -n "$failed" ]; then
    echo "run-e2e: FAILED:$failed" >&2
    exit 1
fi
echo "run-e2e: all passed"
