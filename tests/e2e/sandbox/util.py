"""Small shared helpers for the sandbox cluster (standard library only).

Every other sandbox module (topology, ovs, kube, runtime) runs commands,
starts daemons and waits for things through these helpers, so that every
step has a timeout, every failure says which step failed and which log to
read, and daemons are stopped only by the pid we recorded (never by name).

Stable API (other modules import these names; keep the signatures):

    class CommandError(RuntimeError)
        Raised by run()/run_in_netns() on a non-zero exit status, a timeout
        or a missing program.  Attributes: argv, returncode (None on a
        timeout), stdout, stderr, what.

    class WaitTimeout(TimeoutError)
        Raised by wait_for() when the predicate never became true.

    run_dir() -> pathlib.Path
        $ANTREA_SANDBOX_DIR or /run/antrea-sandbox.

    run(argv, *, timeout=30.0, check=True, input=None, env=None, cwd=None,
        what=None, output_file=None) -> subprocess.CompletedProcess
        Runs argv (a list; never a shell string) with stdin from `input` (a
        str) or /dev/null, captures stdout/stderr as text (or appends both
        to output_file when given), and raises CommandError on failure when
        check is true.  env, when given, is MERGED over os.environ.

    netns_argv(ns, argv) -> list[str]
        ["ip", "netns", "exec", ns, *argv]  (ns None: argv unchanged).

    run_in_netns(ns, argv, **kwargs) -> subprocess.CompletedProcess
        run(netns_argv(ns, argv), **kwargs).

    start_daemon(argv, *, pid_file, log_file, netns=None, env=None,
                 cwd=None, what=None, settle=0.2) -> int
        Starts a long-lived process that outlives the Python process: new
        session, stdin /dev/null, stdout+stderr appended to log_file, pid
        written to pid_file.  `ip netns exec` execs in place, so the pid
        recorded is the daemon's own pid.  Raises CommandError if the
        process has already exited after `settle` seconds.

    read_pid(pid_file) -> int | None
    pid_alive(pid) -> bool           (a zombie counts as dead)
    pid_matches(pid, expect) -> bool (expect is a substring of its cmdline)

    stop_daemon(pid_file, *, timeout=10.0, expect=None) -> bool
        Sends SIGTERM to the pid in pid_file, waits up to timeout, then
        SIGKILL (bounded wait again), removes the pid file.  When `expect`
        is given, the process is only signalled if its command line
        contains that substring (protection against pid reuse).  Returns
        True if a live process was stopped, False if there was none.
        Missing or stale pid files are fine (teardown is idempotent).

    wait_for(predicate, timeout, what, *, interval=0.1) -> value
        Calls predicate() until it returns a truthy value (returned) or
        timeout seconds pass (WaitTimeout naming `what` and the last
        exception the predicate raised, if any).

    stop_pid(pid, *, timeout=10.0, expect=None) -> bool
        stop_daemon() for a pid you already hold.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time
from typing import Any, Callable, Mapping, Optional, Sequence

DEFAULT_RUN_DIR = "/run/antrea-sandbox"


class CommandError(RuntimeError):
    """A command failed; the message names the step, the command and output.

    Carrying argv/returncode/stdout/stderr lets callers decide whether a
    failure is expected (e.g. "already exists") without reparsing text.
    """

    def __init__(self, message: str, *, argv: Sequence[str] = (),
                 returncode: Optional[int] = None, stdout: str = "",
                 stderr: str = "", what: Optional[str] = None) -> None:
        super().__init__(message)
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.what = what


class WaitTimeout(TimeoutError):
    """wait_for() gave up; the message says what was awaited, how long."""


def run_dir() -> pathlib.Path:
    """Return the sandbox run directory so every module agrees on it."""
    return pathlib.Path(os.environ.get("ANTREA_SANDBOX_DIR")
                        or DEFAULT_RUN_DIR)


def _merged_env(env: Optional[Mapping[str, str]]) -> Optional[dict]:
    """Merge env over os.environ so callers only name what they change."""
    if env is None:
        return None
    merged = dict(os.environ)
    merged.update({k: str(v) for k, v in env.items()})
    return merged


def _short(text: str, limit: int = 2000) -> str:
    """Trim command output for error messages (keep the tail, it matters)."""
    text = (text or "").strip()
    if len(text) > limit:
        return "..." + text[-limit:]
    return text


def _text(data: Any) -> str:
    """Output of a timed-out command as text (it may be bytes or None)."""
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def run(argv: Sequence[str], *, timeout: float = 30.0, check: bool = True,
        input: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
        cwd: Optional[str] = None, what: Optional[str] = None,
        output_file: Optional[os.PathLike | str] = None
        ) -> subprocess.CompletedProcess:
    """Run a command with a timeout and turn every failure into CommandError.

    Why a wrapper: subprocess.run without a timeout can hang the whole
    sandbox; its exceptions do not say which sandbox step failed.
    """
    argv = [str(a) for a in argv]
    label = what or " ".join(argv)
    kwargs: dict[str, Any] = dict(env=_merged_env(env), cwd=cwd,
                                  timeout=timeout, text=True)
    if input is None:
        kwargs["stdin"] = subprocess.DEVNULL
    else:
        kwargs["input"] = input
    out_fh = None
    try:
        if output_file is not None:
            out_fh = open(output_file, "a", encoding="utf-8")
            kwargs["stdout"] = out_fh
            kwargs["stderr"] = subprocess.STDOUT
        else:
            kwargs["capture_output"] = True
        try:
            proc = subprocess.run(argv, **kwargs)
        except subprocess.TimeoutExpired as exc:
            out, err = _text(exc.stdout), _text(exc.stderr)
            where = f" (see {output_file})" if output_file else ""
            raise CommandError(
                f"{label}: timed out after {timeout:g}s{where}: "
                f"{' '.join(argv)}"
                f"\nstdout: {_short(out)}\nstderr: {_short(err)}",
                argv=argv, returncode=None, stdout=out, stderr=err,
                what=what) from None
        except OSError as exc:
            raise CommandError(f"{label}: cannot run {argv[0]}: {exc}",
                               argv=argv, what=what) from None
    finally:
        if out_fh is not None:
            out_fh.close()
    if check and proc.returncode != 0:
        where = f" (see {output_file})" if output_file else ""
        raise CommandError(
            f"{label}: exit status {proc.returncode}{where}: {' '.join(argv)}"
            f"\nstdout: {_short(proc.stdout)}\nstderr: {_short(proc.stderr)}",
            argv=argv, returncode=proc.returncode, stdout=proc.stdout or "",
            stderr=proc.stderr or "", what=what)
    return proc


def netns_argv(ns: Optional[str], argv: Sequence[str]) -> list[str]:
    """Prefix argv with `ip netns exec NS` (which execs in place, same pid)."""
    argv = [str(a) for a in argv]
    if not ns:
        return argv
    return ["ip", "netns", "exec", ns, *argv]


def run_in_netns(ns: Optional[str], argv: Sequence[str],
                 **kwargs: Any) -> subprocess.CompletedProcess:
    """Run a command inside network namespace ns (see run() for kwargs)."""
    return run(netns_argv(ns, argv), **kwargs)


def read_pid(pid_file: os.PathLike | str) -> Optional[int]:
    """Return the pid stored in pid_file, or None if absent/unreadable."""
    try:
        text = pathlib.Path(pid_file).read_text().strip()
    except OSError:
        return None
    try:
        pid = int(text.split()[0])
    except (ValueError, IndexError):
        return None
    return pid if pid > 1 else None


def _reap(pid: int) -> None:
    """Reap pid if it is our own exited child (no lingering zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    except OSError:
        pass


def pid_alive(pid: int) -> bool:
    """True if pid runs and is not a zombie (a zombie has finished)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        state = stat.rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def pid_matches(pid: int, expect: Optional[str]) -> bool:
    """True if pid's command line contains expect (or expect is None)."""
    if expect is None:
        return True
    try:
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return expect in cmdline.replace(b"\0", b" ").decode(errors="replace")


def start_daemon(argv: Sequence[str], *, pid_file: os.PathLike | str,
                 log_file: os.PathLike | str, netns: Optional[str] = None,
                 env: Optional[Mapping[str, str]] = None,
                 cwd: Optional[str] = None, what: Optional[str] = None,
                 settle: float = 0.2) -> int:
    """Start a daemon that survives us; record its pid; fail fast if it dies.

    The process gets its own session (no signal from our terminal reaches
    it), stdin /dev/null, and appends stdout/stderr to log_file.
    """
    full = netns_argv(netns, argv)
    label = what or " ".join(full)
    pathlib.Path(pid_file).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as log:
        log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} start: "
                  f"{' '.join(full)}\n")
        log.flush()
        try:
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    env=_merged_env(env), cwd=cwd,
                                    start_new_session=True, close_fds=True)
        except OSError as exc:
            raise CommandError(f"{label}: cannot start {full[0]}: {exc}",
                               argv=full, what=what) from None
    pathlib.Path(pid_file).write_text(f"{proc.pid}\n")
    if settle > 0:
        time.sleep(settle)
        rc = proc.poll()
        if rc is not None:
            raise CommandError(f"{label}: exited at once with status {rc}; "
                               f"see {log_file}", argv=full, returncode=rc,
                               what=what)
    return proc.pid


def stop_pid(pid: int, *, timeout: float = 10.0,
             expect: Optional[str] = None) -> bool:
    """SIGTERM pid, wait up to timeout, then SIGKILL; True if it was alive."""
    if not pid_alive(pid) or not pid_matches(pid, expect):
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return True
            time.sleep(0.05)
    if pid_alive(pid):
        raise CommandError(f"process {pid} survived SIGKILL for 5s",
                           argv=[], what="stop")
    return True


def stop_daemon(pid_file: os.PathLike | str, *, timeout: float = 10.0,
                expect: Optional[str] = None) -> bool:
    """Stop the process named by pid_file (bounded) and remove the pid file."""
    pid = read_pid(pid_file)
    stopped = False
    if pid is not None:
        stopped = stop_pid(pid, timeout=timeout, expect=expect)
    try:
        pathlib.Path(pid_file).unlink()
    except FileNotFoundError:
        pass
    return stopped


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, *,
             interval: float = 0.1) -> Any:
    """Poll predicate until truthy (return it) or raise WaitTimeout.

    Exceptions from the predicate count as "not yet" so that callers can
    poll things that fail until ready (sockets, files); the last one is
    reported in the timeout message.
    """
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - polled until timeout
            last_exc = exc
        if time.monotonic() >= deadline:
            detail = f"; last error: {last_exc}" if last_exc else ""
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for "
                              f"{what}{detail}")
        time.sleep(interval)
