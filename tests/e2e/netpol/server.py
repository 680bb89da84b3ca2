#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The server every conformance Pod runs as its container command.

    server.py --name NS/POD [--ports 80,81]

Serves TCP and UDP on each port (all addresses).  TCP: reads one line
(up to 1 KiB, 5 s), answers "NS/POD LINE\\n" and closes.  UDP: answers
each datagram with "NS/POD PAYLOAD".  The name in the answer lets the
prober check it reached the Pod it aimed at.  Runs until killed; the
sandbox Pod runtime starts it inside the Pod's network namespace.
"""

import argparse
import socketserver
import sys
import threading

MAX_LINE = 1024


def parse_ports(text: str) -> list[int]:
    """"80,81" -> [80, 81], refusing anything but ports 1-65535."""
    ports = []
    for item in text.split(","):
        if not item.strip().isdigit() or not 1 <= int(item) <= 65535:
            raise argparse.ArgumentTypeError(
                f"--ports {text!r}: {item!r} is not a port (1-65535)")
        ports.append(int(item))
    return ports


def make_servers(name: str, ports: list[int]) -> list[socketserver.BaseServer]:
    """One TCP and one UDP server per port, bound but not yet serving."""
    tag = name.encode()

    class TcpEcho(socketserver.StreamRequestHandler):
        """Answers one line."""
        timeout = 5

        def handle(self) -> None:
            """Reads the line, answers with the Pod's name in front."""
            try:
                line = self.rfile.readline(MAX_LINE).rstrip(b"\r\n")
                self.wfile.write(tag + b" " + line + b"\n")
            except OSError:
                pass

    class UdpEcho(socketserver.BaseRequestHandler):
        """Answers one datagram."""

        def handle(self) -> None:
            """Sends the payload back with the Pod's name in front."""
            data, sock = self.request
            try:
                sock.sendto(tag + b" " + data[:MAX_LINE], self.client_address)
            except OSError:
                pass

    class Tcp(socketserver.ThreadingTCPServer):
        """Threaded, reusable address."""
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 128

    class Udp(socketserver.UDPServer):
        """Reusable address."""
        allow_reuse_address = True

    servers: list[socketserver.BaseServer] = []
    for port in ports:
        servers.append(Tcp(("0.0.0.0", port), TcpEcho))
        servers.append(Udp(("0.0.0.0", port), UdpEcho))
    return servers


def main() -> int:
    """Serves until killed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", required=True, help="NS/POD, put in answers")
    p.add_argument("--ports", type=parse_ports, default=[80, 81])
    args = p.parse_args()
    try:
        servers = make_servers(args.name, args.ports)
    except OSError as e:
        print(f"server {args.name}: cannot bind: {e}", file=sys.stderr)
        return 1
    threads = [threading.Thread(target=s.serve_forever, daemon=True)
               for s in servers]
    for t in threads:
        t.start()
    print(f"server {args.name}: serving TCP and UDP on "
          f"{','.join(map(str, args.ports))}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    for s in servers:
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
