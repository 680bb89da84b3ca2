# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""`cluster status-page`: the controller's status page on this machine's
loopback.

antrea-controller serves its status page (docs/status-page.md) on
127.0.0.1:10348 inside the control-plane namespace, which has no route to
or from the machine.  This forwards connections made to 127.0.0.1:PORT on
the machine's loopback to that address inside asbx-cp, the way
`kubectl port-forward` reaches a Pod: each accepted connection gets a
socket created inside the namespace (kube.enter_netns), and bytes are
copied both ways.  Nothing listens anywhere but loopback, and it stops
after --seconds (default one hour) or on Ctrl-C.

API:
    forward(netns, target_port, listen_port, seconds) -> int (exit status)
"""

import selectors
import socket
import time

from . import kube

# Connections served at once; more wait in the listen backlog.
MAX_CONNECTIONS = 64


def _open_target(netns: str, port: int) -> socket.socket:
    """A connection to 127.0.0.1:port inside netns."""
    with kube.enter_netns(netns):
        return socket.create_connection(("127.0.0.1", port), timeout=5)


def forward(netns: str, target_port: int, listen_port: int,
            seconds: float) -> int:
    """Forwards 127.0.0.1:listen_port here to 127.0.0.1:target_port in
    netns until 'seconds' have passed or Ctrl-C; returns 0, or 1 if the
    listening socket could not be made or the target does not answer."""
    try:
        probe = _open_target(netns, target_port)
        probe.close()
    except (OSError, kube.KubeError) as e:
        print(f"status-page: nothing answers on 127.0.0.1:{target_port} in "
              f"{netns} ({e}); is antrea-controller running "
              "(`cluster status`)?")
        return 1
    try:
        listener = socket.create_server(("127.0.0.1", listen_port),
                                        backlog=16)
    except OSError as e:
        print(f"status-page: cannot listen on 127.0.0.1:{listen_port}: {e}")
        return 1
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    peers: dict[socket.socket, socket.socket] = {}
    print(f"status page: http://127.0.0.1:{listen_port}/ (and "
          f"/status.json); Ctrl-C stops, or it stops by itself after "
          f"{seconds:.0f} s", flush=True)

    def close(s: socket.socket) -> None:
        for end in (s, peers.pop(s, None)):
            if end is not None:
                peers.pop(end, None)
                try:
                    sel.unregister(end)
                except (KeyError, ValueError):
                    pass
                end.close()

    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            timeout = min(1.0, deadline - time.monotonic())
            for key, _ in sel.select(max(timeout, 0.0)):
                s = key.fileobj
                if s is listener:
                    try:
                        client, _ = listener.accept()
                    except BlockingIOError:
                        continue
                    if len(peers) >= 2 * MAX_CONNECTIONS:
                        client.close()
                        continue
                    try:
                        target = _open_target(netns, target_port)
                    except (OSError, kube.KubeError):
                        client.close()
                        continue
                    for end, other in ((client, target), (target, client)):
                        end.setblocking(False)
                        peers[end] = other
                        sel.register(end, selectors.EVENT_READ)
                    continue
                assert isinstance(s, socket.socket)
                try:
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                other = peers.get(s)
                if not data or other is None:
                    close(s)
                    continue
                try:
                    other.setblocking(True)
                    other.settimeout(5)
                    other.sendall(data)
                    other.setblocking(False)
                except OSError:
                    close(s)
    except KeyboardInterrupt:
        pass
    finally:
        for s in list(peers):
            close(s)
        sel.close()
        listener.close()
    return 0
