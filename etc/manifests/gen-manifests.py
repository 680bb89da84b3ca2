#!/usr/bin/env python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Writes the Kubernetes manifests of antrea-c, one per variant.

Every manifest is assembled from the same parts, so nothing is written
twice by hand:

    etc/manifests/parts/crds.yml        AntreaAgentInfo, AntreaControllerInfo
    etc/manifests/parts/rbac.yml        ServiceAccounts, ClusterRoles, bindings
    (generated here)                    the ConfigMap antrea-config
    etc/manifests/parts/ipsec.yml       the Secret antrea-ipsec (IPsec only)
    etc/manifests/parts/controller.yml  Deployment, Service, APIService
    etc/manifests/parts/agent.yml       the agent DaemonSet

The ConfigMap carries the shipped configuration files of etc/ as they are:
the agent YAML of the variant's mode, antrea-controller.conf and
10-antrea.conflist.  Two things are added, each said in a comment where it
is added: the IPsec variant turns trafficEncryptionMode from none to ipsec
(the one line that differs from etc/antrea-agent-encap.conf), and every
agent YAML gets an antreaClientConnection block naming the kubeconfig with
which the agent reaches the controller's Service (also in the ConfigMap).

In the parts, "@IMAGE@", "@PULL_POLICY@" and "@CONFIG_SHA256@" are
replaced, and a line starting with "#@ipsec " is kept (without the
marker) in the IPsec variant only.

Usage:
    gen-manifests.py [--image IMAGE] [--pull-policy POLICY]
                     (--variant NAME --output FILE | --output-dir DIR)
With --output-dir every variant is written as DIR/antrea-NAME.yml.
Standard library only.
"""

import argparse
import hashlib
import json
import os
import pathlib
import sys

SRCDIR = pathlib.Path(__file__).resolve().parents[2]

# Variant name -> (agent YAML under etc/, IPsec?).  The names are those of
# the shipped agent YAMLs; "ipsec" is encap with IPsec.
VARIANTS = {
    "encap": ("antrea-agent-encap.conf", False),
    "noencap": ("antrea-agent-noencap.conf", False),
    "hybrid": ("antrea-agent-hybrid.conf", False),
    "policyonly": ("antrea-agent-policyonly.conf", False),
    "ipsec": ("antrea-agent-encap.conf", True),
}

DEFAULT_IMAGE = "antrea-c:latest"
PULL_POLICIES = ("Always", "IfNotPresent", "Never")

# Where the ConfigMap is mounted in the containers.
CONFIG_DIR = "/etc/antrea"
CONTROLLER_KUBECONFIG = "antrea-agent-to-controller.kubeconfig"

# What the generator appends to every agent YAML.
AGENT_CONNECTION = f"""
# Added by etc/manifests/gen-manifests.py for the agent DaemonSet: the
# agent reaches antrea-controller through the Service kube-system/antrea
# with its ServiceAccount token (clientConnection stays empty: the
# Kubernetes API in-cluster).
antreaClientConnection:
  kubeconfig: {CONFIG_DIR}/{CONTROLLER_KUBECONFIG}
"""

# The agent's kubeconfig for the controller.  The controller's certificate
# is self-signed at start, so it cannot be pinned here: the server is not
# verified (as Antrea v0.5 did), the token is (TokenReview).
AGENT_TO_CONTROLLER_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
  - name: antrea
    cluster:
      server: https://antrea.kube-system.svc:443
      insecure-skip-tls-verify: true
users:
  - name: antrea-agent
    user:
      tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
contexts:
  - name: antrea
    context:
      cluster: antrea
      user: antrea-agent
current-context: antrea
"""

IPSEC_MARKER = "#@ipsec "


class GenError(Exception):
    """A part or a shipped file is not what the generator expects."""


def read(path):
    """The text of 'path'; GenError naming it if it cannot be read."""
    try:
        return pathlib.Path(path).read_text()
    except OSError as e:
        raise GenError(f"{path}: {e.strerror}") from None


def agent_conf(srcdir, variant):
    """The agent YAML of 'variant' as the ConfigMap carries it."""
    name, ipsec = VARIANTS[variant]
    path = srcdir / "etc" / name
    text = read(path)
    if ipsec:
        old = "trafficEncryptionMode: none\n"
        lines = text.splitlines(keepends=True)
        where = [i for i, line in enumerate(lines) if line == old]
        if len(where) != 1:
            raise GenError(f"{path}: expected exactly one line "
                           f"'{old.strip()}' to turn into ipsec, found "
                           f"{len(where)}")
        lines[where[0]] = ("# Set by etc/manifests/gen-manifests.py (IPsec "
                           "variant).\ntrafficEncryptionMode: ipsec\n")
        text = "".join(lines)
    if "\nantreaClientConnection:" in "\n" + text:
        raise GenError(f"{path}: sets antreaClientConnection, which the "
                       "manifests set themselves")
    return text + AGENT_CONNECTION


def block(key, text):
    """'key: |' and 'text' indented as a YAML literal block under data:."""
    if "\t" in text:
        raise GenError(f"{key}: tabs cannot go in a YAML block")
    if not text.endswith("\n"):
        text += "\n"
    lines = [f"  {key}: |"]
    for line in text.splitlines():
        lines.append(f"    {line}" if line else "")
    return "\n".join(lines) + "\n"


def config_data(srcdir, variant):
    """The ConfigMap's data: file name -> content."""
    conflist = read(srcdir / "etc" / "10-antrea.conflist")
    try:
        json.loads(conflist)
    except ValueError as e:
        raise GenError(f"{srcdir / 'etc' / '10-antrea.conflist'}: not "
                       f"JSON: {e}") from None
    return {
        "antrea-agent.conf": agent_conf(srcdir, variant),
        "antrea-controller.conf": read(srcdir / "etc" /
                                       "antrea-controller.conf"),
        "antrea-cni.conflist": conflist,
        CONTROLLER_KUBECONFIG: AGENT_TO_CONTROLLER_KUBECONFIG,
    }


def configmap(data):
    """The ConfigMap antrea-config holding 'data'."""
    head = ("# The configuration files, mounted at /etc/antrea in every "
            "container: the\n# shipped files of etc/ (see the comments "
            "where the generator added\n# something) and the agent's "
            "kubeconfig for the controller.\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: antrea-config\n  namespace: kube-system\n"
            "  labels:\n    app: antrea\ndata:\n")
    return head + "".join(block(k, v) for k, v in data.items())


def config_sha256(data):
    """A digest of the ConfigMap's data, for the Pods' annotation."""
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(key.encode() + b"\0" + data[key].encode() + b"\0")
    return h.hexdigest()


def part(srcdir, name, ipsec, subst):
    """Part 'name' with the variant's lines and 'subst' applied."""
    path = srcdir / "etc" / "manifests" / "parts" / name
    out = []
    for n, line in enumerate(read(path).splitlines(), 1):
        if line.startswith("#@"):
            if not line.startswith(IPSEC_MARKER):
                raise GenError(f"{path}:{n}: unknown marker "
                               f"'{line.split()[0]}'")
            if not ipsec:
                continue
            line = line[len(IPSEC_MARKER):]
        out.append(line)
    text = "\n".join(out) + "\n"
    for key, value in subst.items():
        text = text.replace(key, value)
    leftover = [w for w in text.split() if w.strip('"').startswith("@")
                and w.strip('"').endswith("@")]
    if leftover:
        raise GenError(f"{path}: unknown placeholder {leftover[0]}")
    return text


def manifest(srcdir, variant, image, pull_policy):
    """The whole manifest of 'variant' as text."""
    if variant not in VARIANTS:
        raise GenError(f"unknown variant '{variant}' (one of "
                       f"{', '.join(VARIANTS)})")
    if not image or any(c.isspace() or c in "\"'\\" for c in image):
        raise GenError(f"image '{image}': must be a non-empty name without "
                       "blanks or quotes")
    if pull_policy not in PULL_POLICIES:
        raise GenError(f"pull policy '{pull_policy}': one of "
                       f"{', '.join(PULL_POLICIES)}")
    ipsec = VARIANTS[variant][1]
    data = config_data(srcdir, variant)
    subst = {"@IMAGE@": image, "@PULL_POLICY@": pull_policy,
             "@CONFIG_SHA256@": config_sha256(data)}
    docs = [part(srcdir, "crds.yml", ipsec, subst),
            part(srcdir, "rbac.yml", ipsec, subst),
            configmap(data)]
    if ipsec:
        docs.append(part(srcdir, "ipsec.yml", ipsec, subst))
    docs += [part(srcdir, "controller.yml", ipsec, subst),
             part(srcdir, "agent.yml", ipsec, subst)]
    head = (f"# antrea-c for Kubernetes: variant {variant}, image "
            f"{image}.\n# The agent's YAML is etc/{VARIANTS[variant][0]}"
            f"{' with IPsec' if ipsec else ''}.\n"
            "# Generated by etc/manifests/gen-manifests.py from "
            "etc/manifests/parts/ and\n# the shipped files of etc/: edit "
            "those, not this file.  docs/deploy.md\n# says how to deploy "
            "it.\n")
    return head + "---\n".join(docs)


def write(path, text):
    """Writes 'text' to 'path' atomically."""
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv=None):
    """Command line; see the module's comment."""
    ap = argparse.ArgumentParser(description="Write antrea-c's Kubernetes "
                                 "manifests.")
    ap.add_argument("--srcdir", type=pathlib.Path, default=SRCDIR,
                    help="the source tree (default: this script's)")
    ap.add_argument("--image", default=DEFAULT_IMAGE,
                    help=f"container image (default {DEFAULT_IMAGE})")
    ap.add_argument("--pull-policy", default="IfNotPresent",
                    help="imagePullPolicy (default IfNotPresent)")
    ap.add_argument("--variant", help="one of " + ", ".join(VARIANTS))
    ap.add_argument("--output", help="file to write ('-': stdout)")
    ap.add_argument("--output-dir", help="write every variant here")
    args = ap.parse_args(argv)
    try:
        if args.output_dir:
            if args.variant or args.output:
                raise GenError("--output-dir writes every variant: no "
                               "--variant or --output with it")
            out = pathlib.Path(args.output_dir)
            out.mkdir(parents=True, exist_ok=True)
            for v in VARIANTS:
                write(out / f"antrea-{v}.yml",
                      manifest(args.srcdir, v, args.image,
                               args.pull_policy))
        elif args.variant and args.output:
            text = manifest(args.srcdir, args.variant, args.image,
                            args.pull_policy)
            if args.output == "-":
                sys.stdout.write(text)
            else:
                write(args.output, text)
        else:
            raise GenError("give --variant and --output, or --output-dir")
    except (GenError, OSError) as e:
        print(f"gen-manifests: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
