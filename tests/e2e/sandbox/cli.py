"""The `cluster` command line: parses arguments and dispatches.

The work is in cluster.py (bringing the sandbox up and down and reading
its state); this file only turns argv into calls and errors into exit
statuses with a message, so that every subcommand fails the same way.
"""

import argparse
import json
import os
import sys

from sandbox import cluster
from sandbox import forward
from sandbox import util

# Where antrea-controller serves its status page in asbx-cp (the default
# statusPagePort, on 127.0.0.1).
STATUS_PAGE_PORT = 10348


def _split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """Splits argv at the first "--" into (options, command)."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def _parser() -> argparse.ArgumentParser:
    """Builds the argument parser for every subcommand."""
    p = argparse.ArgumentParser(
        prog="cluster",
        description="The antrea-c sandbox cluster: a real kube-apiserver, "
        "one network namespace per Node with its own OVS, and a Pod "
        "runtime per Node, on this machine.")
    sub = p.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="create the cluster (idempotent)")
    up.add_argument("--nodes", type=int, default=2,
                    help="number of Nodes (1-20, default 2)")
    up.add_argument("--mode", default="encap",
                    choices=["encap", "noEncap", "hybrid",
                             "networkPolicyOnly"],
                    help="antrea-agent trafficEncapMode")
    up.add_argument("--tunnel", default="geneve",
                    choices=["geneve", "vxlan", "gre", "stt"],
                    help="antrea-agent tunnelType")
    up.add_argument("--ipsec", action="store_true",
                    help="encrypt tunnel traffic with IPsec")
    up.add_argument("--no-snat", action="store_true",
                    help="antrea-agent noSNAT: Pod traffic leaves the "
                    "cluster with the Pod's address (the external host "
                    "gets routes to the Pod CIDRs)")
    up.add_argument("--subnets", default="same", choices=["same", "split"],
                    help="Nodes in one underlay subnet, or in two joined "
                    "by a router")
    up.add_argument("--cni", default="auto",
                    choices=["auto", "antrea", "reference"],
                    help="the Nodes' CNI: antrea-c's (antrea-agent and "
                    "antrea-cni from a build tree), or Debian's reference "
                    "plugins (bridge + host-local); auto is antrea-c's when "
                    "a build tree exists")
    up.add_argument("--build-dir", default=None,
                    help="build tree with core/agent/antrea-agent for --cni "
                    "antrea (default: $ANTREA_BUILD_DIR, else the first "
                    "built of _build/plain and _build/quickstart)")

    down = sub.add_parser("down", help="remove everything the cluster made")
    down.add_argument("--keep-logs", action="store_true",
                      help="keep the log directory")

    sub.add_parser("status", help="what is running")
    sub.add_parser("info", help="the cluster as JSON")

    kubectl = sub.add_parser("kubectl", help="run kubectl against the "
                             "cluster", add_help=False)
    kubectl.add_argument("args", nargs=argparse.REMAINDER)

    exe = sub.add_parser("exec", help="run a command in a Pod's network "
                         "namespace: exec NAMESPACE/POD -- CMD...")
    exe.add_argument("pod")

    node_exec = sub.add_parser("node-exec", help="run a command in a "
                               "Node's namespace: node-exec NODE -- CMD...")
    node_exec.add_argument("node")

    page = sub.add_parser("status-page", help="serve antrea-controller's "
                          "status page on this machine's loopback "
                          "(http://127.0.0.1:PORT/) until Ctrl-C")
    page.add_argument("--port", type=int, default=STATUS_PAGE_PORT,
                      help=f"local port (default {STATUS_PAGE_PORT})")
    page.add_argument("--seconds", type=float, default=3600.0,
                      help="stop after this long (default 3600)")

    logs = sub.add_parser("logs", help="print a component's log")
    logs.add_argument("component",
                      help="etcd, kube-apiserver, runtime, ovs-vswitchd, "
                      "ovsdb-server, agent, controller")
    logs.add_argument("node", nargs="?")
    return p


def main(argv: list[str]) -> int:
    """Runs one subcommand; returns the exit status."""
    options, command = _split_command(argv)
    if options and options[0] == "kubectl":
        # Everything after "kubectl" belongs to kubectl, flags included.
        return cluster.kubectl(argv[1:])
    args = _parser().parse_args(options)
    if args.command in ("exec", "node-exec") and not command:
        print(f"cluster {args.command}: give the command after --",
              file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("cluster: must run as root (it creates network namespaces)",
              file=sys.stderr)
        return 2

    try:
        if args.command == "up":
            cluster.up(nodes=args.nodes, mode=args.mode, tunnel=args.tunnel,
                       ipsec=args.ipsec, subnets=args.subnets, cni=args.cni,
                       build_dir=args.build_dir, no_snat=args.no_snat)
        elif args.command == "down":
            cluster.down(keep_logs=args.keep_logs)
        elif args.command == "status":
            return cluster.status()
        elif args.command == "info":
            print(json.dumps(cluster.info(), indent=2))
        elif args.command == "exec":
            return cluster.pod_exec(args.pod, command)
        elif args.command == "node-exec":
            return cluster.node_exec(args.node, command)
        elif args.command == "logs":
            return cluster.logs(args.component, args.node)
        elif args.command == "status-page":
            if not 1 <= args.port <= 65535 or args.seconds <= 0:
                print("cluster status-page: --port must be 1-65535 and "
                      "--seconds positive", file=sys.stderr)
                return 2
            return forward.forward(cluster.CONTROL_PLANE_NS,
                                   STATUS_PAGE_PORT, args.port, args.seconds)
    except (cluster.ClusterError, util.CommandError,
            util.WaitTimeout) as e:
        print(f"cluster {args.command}: {e}", file=sys.stderr)
        return 1
    return 0
