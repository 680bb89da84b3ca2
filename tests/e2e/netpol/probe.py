# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Real connections between the model's Pods, many at once.

Each probe makes its socket inside the client Pod's network namespace
(setns on the probing thread only, through sandbox.kube.enter_netns; the
socket keeps that namespace), so a probe is a connection from the Pod
itself, through its veth and the Node's OVS, to the server Pod's IP.
TCP: connect, send one line, expect "NS/POD LINE" back (the server's
name proves the connection reached the Pod aimed at).  UDP: a connected
socket sends a datagram and waits for "NS/POD PAYLOAD", resending a few
times.  Every wait is bounded; probes run on a bounded thread pool.
Needs root (setns).

A UDP probe must be a new flow, as a TCP probe is a new connection: a
datagram whose 5-tuple an earlier, allowed probe used within the
conntrack timeout is part of an established "connection", which policy
changes rightly do not cut (Antrea's -new+est bypass), and would be
reported as reachable.  So each UDP probe binds a source port no earlier
probe from that client used on this cluster: per-client counters below
the kernel's ephemeral range, kept in a file of the sandbox's run
directory (gone with `cluster down`) under a lock, so successive runs
(framecheck, then run) do not reuse them either.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import fcntl
import itertools
import json
import os
import pathlib
import socket
import threading
from typing import Iterable

from sandbox.kube import enter_netns
from sandbox import util as sandbox_util

# UDP probe source ports: below the kernel's ephemeral range (32768 up),
# so they never meet a port the kernel picked.
UDP_PORT_FIRST = 20000
UDP_PORT_LAST = 32767

# One probe: (client "ns/pod", server "ns/pod", port, "TCP" | "UDP").
Cell = tuple[str, str, int, str]


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one probe saw."""
    # True if the server answered with the expected payload.
    connected: bool
    # "ok", "timeout", "refused", "reset", "unreachable", "wrong answer
    # ...", or the error, for the mismatch report.
    detail: str


@dataclasses.dataclass(frozen=True)
class Settings:
    """Bounds of every probe."""
    # Seconds a TCP connect, and then its answer, may take.
    tcp_timeout: float = 1.0
    # Seconds to wait for a UDP answer after each send.
    udp_wait: float = 0.35
    # How many datagrams a UDP probe sends before giving up.
    udp_tries: int = 3
    # Probes in flight at once.
    parallel: int = 64


_nonce = itertools.count(1)


def _error_detail(e: OSError) -> str:
    """A short name for a socket error."""
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, ConnectionResetError):
        return "reset"
    if e.errno in (101, 113):          # ENETUNREACH, EHOSTUNREACH
        return "unreachable"
    return f"error: {e}"


def _check_answer(answer: bytes, server: str, payload: bytes) -> Outcome:
    """Compares an answer with what the server must send."""
    want = server.encode() + b" " + payload
    if answer.rstrip(b"\n") == want:
        return Outcome(True, "ok")
    return Outcome(False, f"wrong answer {answer[:80]!r}, want {want!r}")


def probe_tcp(netns: str, server: str, ip: str, port: int, payload: bytes,
              settings: Settings) -> Outcome:
    """One TCP connection from inside netns to ip:port."""
    with enter_netns(netns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(settings.tcp_timeout)
        sock.connect((ip, port))
        sock.sendall(payload + b"\n")
        answer = b""
        while not answer.endswith(b"\n") and len(answer) < 2048:
            chunk = sock.recv(2048)
            if not chunk:
                break
            answer += chunk
        return _check_answer(answer, server, payload)
    except OSError as e:
        return Outcome(False, _error_detail(e))
    finally:
        sock.close()


class SourcePorts:
    """Per-client UDP source ports never reused on one cluster."""

    def __init__(self, path: pathlib.Path | None = None) -> None:
        # The counters' file; None: in memory only.
        self.path = path
        # Serialises threads of this process (the file lock serialises
        # processes).
        self.lock = threading.Lock()

    def next(self, client: str) -> int:
        """The next source port for 'client'."""
        with self.lock:
            if self.path is None:
                counters = getattr(self, "_counters", {})
                port = counters.get(client, UDP_PORT_FIRST)
                counters[client] = self._advance(port)
                self._counters = counters
                return port
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                f.seek(0)
                text = f.read()
                counters = json.loads(text) if text.strip() else {}
                port = int(counters.get(client, UDP_PORT_FIRST))
                counters[client] = self._advance(port)
                f.seek(0)
                f.truncate()
                f.write(json.dumps(counters))
                return port

    @staticmethod
    def _advance(port: int) -> int:
        """The port after 'port', wrapping within the range."""
        return UDP_PORT_FIRST if port >= UDP_PORT_LAST else port + 1


def probe_udp(netns: str, server: str, ip: str, port: int, payload: bytes,
              settings: Settings, source_port: int = 0) -> Outcome:
    """One UDP exchange from inside netns with ip:port, from
    'source_port' (0: the kernel's choice)."""
    with enter_netns(netns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(settings.udp_wait)
        if source_port:
            sock.bind(("0.0.0.0", source_port))
        sock.connect((ip, port))
        last = "timeout"
        for _ in range(settings.udp_tries):
            try:
                sock.send(payload)
                return _check_answer(sock.recv(2048), server, payload)
            except socket.timeout:
                continue
            except OSError as e:
                last = _error_detail(e)
        return Outcome(False, last)
    except OSError as e:
        return Outcome(False, _error_detail(e))
    finally:
        sock.close()


class Prober:
    """Probes cells between the model's Pods."""

    def __init__(self, netns: dict[str, str], ips: dict[str, str],
                 settings: Settings = Settings()) -> None:
        # "ns/pod" -> its network namespace (asbx-pod-...).
        self.netns = dict(netns)
        # "ns/pod" -> its IP.
        self.ips = dict(ips)
        # The bounds of every probe.
        self.settings = settings
        # Fresh UDP source ports, per client, for this cluster.
        self.source_ports = SourcePorts(
            sandbox_util.run_dir() / "netpol-udp-ports.json")

    def one(self, cell: Cell) -> Outcome:
        """Probes one cell."""
        client, server, port, protocol = cell
        payload = (f"netpol {client}->{server} {port}/{protocol} "
                   f"{os.getpid()}-{next(_nonce)}").encode()
        try:
            if protocol == "TCP":
                return probe_tcp(self.netns[client], server,
                                 self.ips[server], port, payload,
                                 self.settings)
            return probe_udp(self.netns[client], server, self.ips[server],
                             port, payload, self.settings,
                             self.source_ports.next(client))
        except (OSError, RuntimeError) as e:   # setns, socket creation
            return Outcome(False, f"probe error: {e}")

    def many(self, cells: Iterable[Cell]) -> dict[Cell, Outcome]:
        """Probes cells in parallel (at most settings.parallel at once)."""
        cells = list(cells)
        if not cells:
            return {}
        workers = max(1, min(self.settings.parallel, len(cells)))
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="probe") as pool:
            return dict(zip(cells, pool.map(self.one, cells)))
