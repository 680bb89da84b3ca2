#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The NetworkPolicy conformance suite as an end-to-end test (run-e2e.sh).

First `netpol.py selftest` (the oracle against upstream's expectations, no
cluster).  Then, for each mode of ANTREA_NETPOL_MODES (default "encap";
"encap noEncap hybrid" for all, hybrid with --subnets split): `cluster up
--nodes 2 --cni antrea --mode MODE`, `netpol.py framecheck` (the suite
tells emulated enforcement from none), `netpol.py run` (every case, the
JSON summary in $ANTREA_NETPOL_JSON_DIR, default /tmp, as
antrea-netpol-MODE.json), and `cluster down`, whatever happened.
ANTREA_NETPOL_CASES (regular expressions, space separated) narrows the
cases.  The build tree is found as `cluster up` finds it; without one the
test is skipped (exit 77).  Exit status 0 only if everything passed.
Needs root.
"""

import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
E2E = HERE.parent
sys.path.insert(0, str(E2E))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import util  # noqa: E402

PY = "/usr/bin/python3"
NETPOL = [PY, str(HERE / "netpol.py")]
CLUSTER = [str(E2E / "cluster")]


def run(argv: list[str], timeout: float) -> int:
    """Runs argv with its output passed through; answers its status."""
    print(f"--- {' '.join(argv)}", flush=True)
    try:
        return subprocess.run(argv, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        print(f"--- timed out after {timeout:g} s", flush=True)
        return 124


def main() -> int:
    """selftest, then up / framecheck / run / down per mode."""
    if os.geteuid() != 0:
        print("test_netpol: needs root", file=sys.stderr)
        return 77
    if run(NETPOL + ["selftest"], 120):
        return 1
    if util.run_dir().joinpath("state.json").exists():
        print("test_netpol: a sandbox cluster is running; not touching it",
              file=sys.stderr)
        return 2
    try:
        build = sbx.find_build_dir()
    except sbx.ClusterError as e:
        print(f"test_netpol: SKIP: {e}", file=sys.stderr)
        return 77
    modes = os.environ.get("ANTREA_NETPOL_MODES", "encap").split()
    patterns = os.environ.get("ANTREA_NETPOL_CASES", "").split()
    out_dir = pathlib.Path(os.environ.get("ANTREA_NETPOL_JSON_DIR", "/tmp"))
    failed = []
    for mode in modes:
        up = CLUSTER + ["up", "--nodes", "2", "--cni", "antrea",
                        "--build-dir", str(build), "--mode", mode]
        if mode == "hybrid":
            up += ["--subnets", "split"]
        try:
            if run(up, 900):
                failed.append(f"{mode}: cluster up")
                continue
            if run(NETPOL + ["framecheck"], 600):
                failed.append(f"{mode}: framecheck")
            report = out_dir / f"antrea-netpol-{mode}.json"
            if run(NETPOL + ["run", "--json", str(report), *patterns], 1800):
                failed.append(f"{mode}: conformance (see {report})")
        finally:
            if run(CLUSTER + ["down"], 600):
                failed.append(f"{mode}: cluster down")
    for f in failed:
        print(f"FAIL {f}")
    print("test_netpol: " + ("FAILED" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
