# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The main() of the end-to-end tests that bring the sandbox cluster up
themselves (test_ipsec.py, test_policyonly.py, test_metrics.py,
test_status_page.py): the skip rules, the sandbox lock, `cluster down`
whatever happened, the checks that `down` left the host as it was, the
exit status.

    import test_antrea as ta
    def run_checks():
        info = e2e_main.cluster_up(ta.check, "--nodes", "2")
        ...
    sys.exit(e2e_main.run("test_x", run_checks, ta.check, ta.failures))
"""

import contextlib
import fcntl
import json
import os
import sys
import time

from sandbox import cluster as sbx
from sandbox import util
from test_sandbox import cluster, host_snapshot, sandbox_pids

# The lock every use of the sandbox holds (docs/sandbox.md).
LOCK = "/tmp/antrea-sandbox.lock"


def cluster_up(check, *args, timeout=900):
    """Runs `cluster up ARGS` (raises if it fails), records how long it
    took with check(); answers `cluster info`."""
    t0 = time.monotonic()
    cluster("up", *args, timeout=timeout)
    check(True, f"cluster up {' '.join(args)} "
          f"({time.monotonic() - t0:.0f} s)")
    return json.loads(cluster("info").stdout)


@contextlib.contextmanager
def sandbox_lock():
    """Holds the sandbox lock, unless ANTREA_SANDBOX_LOCKED says the
    caller (tests/e2e/run-e2e.sh) holds it already."""
    if os.environ.get("ANTREA_SANDBOX_LOCKED"):
        yield
        return
    with open(LOCK, "a") as lock:
        print(f"waiting for the sandbox lock {LOCK}", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run(name, run_checks, check, failures, missing=()):
    """Runs run_checks() (which brings the sandbox up) under the sandbox
    lock, then `cluster down` and checks that the host is as before and
    no sandbox process is left; an exception is a failed check, recorded
    with check(ok, what, detail) in 'failures'.  Answers the exit
    status: 77 (skipped) without root, with the programs 'missing' or
    without a build tree; 2 if a sandbox is already up (left alone); 1
    if a check failed; else 0."""
    if os.geteuid() != 0:
        print(f"{name}: needs root", file=sys.stderr)
        return 77
    if missing:
        print(f"{name}: SKIP: not installed: {', '.join(missing)} "
              "(tests/install-deps.sh installs them)", file=sys.stderr)
        return 77
    try:
        sbx.find_build_dir()
    except sbx.ClusterError as e:
        print(f"{name}: SKIP: {e}", file=sys.stderr)
        return 77
    t0 = time.monotonic()
    with sandbox_lock():
        if util.run_dir().joinpath("state.json").exists():
            print(f"{name}: a sandbox cluster is running; not touching it",
                  file=sys.stderr)
            return 2
        before = host_snapshot()
        try:
            run_checks()
        except Exception as e:  # noqa: BLE001 - reported as a failure
            check(False, f"unexpected error: {type(e).__name__}", str(e))
        finally:
            down = cluster("down", check_rc=False, timeout=300)
            check(down.returncode == 0, "cluster down", down.stderr)
        after = host_snapshot()
        check(after == before, "down: the host is as before",
              json.dumps({k: [before[k], after[k]] for k in before
                          if before[k] != after.get(k)}))
        check(not sandbox_pids(), "down: no sandbox process is left",
              str(sandbox_pids()))
    print(f"{name}: {time.monotonic() - t0:.0f} s")
    if failures:
        print(f"{name}: {len(failures)} FAILED: {', '.join(failures)}")
        return 1
    print(f"{name}: all passed")
    return 0
