#!/usr/bin/env python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The Kubernetes manifests of etc/manifests/ against a real kube-apiserver.

Generates every variant with etc/manifests/gen-manifests.py and has a real
kube-apiserver (v1.20.2 and etcd, started by tests/e2e/sandbox/kube.py in
a network namespace "amft-PID" of this test's own) take each one with
`kubectl apply --dry-run=server`.  Then, on the objects as the server
returns them:

  - the object set of each variant, and the image in every container;
  - the ConfigMap holds the shipped files of etc/ as they are, with only
    the additions the generator documents; the agent YAML it holds is
    accepted by the built antrea-agent --check-config (modules of the
    variant's mode; IPsec with the manifest's own Secret as its PSK), the
    controller YAML by antrea-controller --check-config;
  - the containers run commands the image has (build/images/scripts/ or
    the programs), the IPsec container only in the IPsec variant;
  - the ClusterRoles grant at least what the sandbox cluster grants the
    agent and the controller (tests/e2e/sandbox/cluster.py);
  - the Service, the controller's port and apiPort agree.
And the test can fail: a DaemonSet whose selector does not match its Pod
labels, and a CRD with an invalid schema, are refused by the same server.
Last, the encap manifest is applied for real and the CRDs' schema is
checked to accept an AntreaAgentInfo and to refuse a bad condition type.

Skips (77) unless root with the kube binaries (tests/e2e/build-kube.sh)
and etcd.  Prints PASS/FAIL per check; exits 1 on any failure.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get("abs_top_builddir", SRC))
sys.path.insert(0, str(SRC / "tests" / "e2e"))
from sandbox import cluster, kube  # noqa: E402

GEN = SRC / "etc" / "manifests" / "gen-manifests.py"
SCRIPTS = SRC / "build" / "images" / "scripts"
IMAGE = f"antrea-c-manifest-test:{os.getpid()}"
NS = f"amft-{os.getpid()}"
IP = "192.168.77.2"
TIMEOUT = 120

# Variant -> (the shipped agent YAML, the encap mode module it selects).
VARIANTS = {
    "encap": ("antrea-agent-encap.conf", "encap"),
    "noencap": ("antrea-agent-noencap.conf", "noencap"),
    "hybrid": ("antrea-agent-hybrid.conf", "hybrid"),
    "policyonly": ("antrea-agent-policyonly.conf", "policyonly"),
    "ipsec": ("antrea-agent-encap.conf", "encap"),
}

# What every variant holds (kind, name); IPsec adds its Secret.
OBJECTS = {
    ("CustomResourceDefinition", "antreaagentinfos.crd.antrea.io"),
    ("CustomResourceDefinition", "antreacontrollerinfos.crd.antrea.io"),
    ("ServiceAccount", "antrea-agent"),
    ("ServiceAccount", "antrea-controller"),
    ("ServiceAccount", "antctl"),
    ("ClusterRole", "antrea-agent"),
    ("ClusterRole", "antrea-controller"),
    ("ClusterRole", "antctl"),
    ("ClusterRole", "antrea-metrics-scraper"),  # docs/metrics.md
    ("ClusterRoleBinding", "antrea-agent"),
    ("ClusterRoleBinding", "antrea-controller"),
    ("ClusterRoleBinding", "antctl"),
    ("Role", "antrea-controller"),          # the ConfigMap antrea-ca
    ("RoleBinding", "antrea-controller"),
    ("ConfigMap", "antrea-config"),
    ("Deployment", "antrea-controller"),
    ("Service", "antrea"),
    ("APIService", "v1beta2.controlplane.antrea.io"),
    ("DaemonSet", "antrea-agent"),
}

failures = []


def check(name, ok, detail=""):
    """Prints PASS/FAIL 'name' (with 'detail' on failure); answers ok."""
    print(("PASS " if ok else "FAIL ") + name
          + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)
    return ok


def run(argv, ns=None, env=None, stdin=None):
    """Runs argv (in netns 'ns' if given); answers the CompletedProcess."""
    if ns:
        argv = ["ip", "netns", "exec", ns] + list(argv)
    return subprocess.run(argv, capture_output=True, text=True, env=env,
                          input=stdin, timeout=TIMEOUT)


def kubectl(kubeconfig, *args, stdin=None):
    """kubectl 1.20.2 against the test's apiserver."""
    return run([str(kube.kubectl_path()), "--kubeconfig", str(kubeconfig),
                *args], ns=NS, stdin=stdin)


def items(result):
    """The objects of a successful `kubectl ... -o json`."""
    obj = json.loads(result.stdout)
    return obj.get("items", [obj]) if obj.get("kind") == "List" else [obj]


def skip_unless_possible():
    """Exits 77 unless root with kube-apiserver, kubectl and etcd."""
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespace)")
        sys.exit(77)
    missing = [str(p) for p in (kube.apiserver_path(), kube.kubectl_path())
               if not p.is_file()]
    if not shutil.which("etcd") and not os.access("/usr/bin/etcd", os.X_OK):
        missing.append("etcd")
    if missing:
        print(f"SKIP: missing {', '.join(missing)} (tests/e2e/build-kube.sh,"
              " tests/install-deps.sh)")
        sys.exit(77)


def containers(pod_spec):
    """name -> container of a Pod spec, init containers included."""
    return {c["name"]: c for c in (pod_spec.get("initContainers", [])
                                   + pod_spec["containers"])}


def check_generator(out):
    """The generator's refusals name what is wrong."""
    r = run([sys.executable, str(GEN), "--variant", "vxlan-ish",
             "--output", str(out / "x.yml")])
    check("generator: unknown variant refused, named",
          r.returncode == 1 and "vxlan-ish" in r.stderr
          and not (out / "x.yml").exists(), r.stderr)
    r = run([sys.executable, str(GEN), "--variant", "encap", "--image",
             "a b", "--output", str(out / "x.yml")])
    check("generator: image with a blank refused",
          r.returncode == 1 and "image 'a b'" in r.stderr, r.stderr)
    r = run([sys.executable, str(GEN), "--image", IMAGE, "--output-dir",
             str(out)])
    check("generator: every variant written", r.returncode == 0 and all(
        (out / f"antrea-{v}.yml").is_file() for v in VARIANTS), r.stderr)


def check_configmap(variant, cm, secrets, plugin_env):
    """The ConfigMap of 'variant' holds etc/'s files and works."""
    etc = SRC / "etc"
    data = cm["data"]
    conf_name, module = VARIANTS[variant]
    check(f"{variant}: ConfigMap antrea-controller.conf is "
          "etc/antrea-controller.conf",
          data.get("antrea-controller.conf")
          == (etc / "antrea-controller.conf").read_text())
    check(f"{variant}: ConfigMap antrea-cni.conflist is "
          "etc/10-antrea.conflist",
          data.get("antrea-cni.conflist")
          == (etc / "10-antrea.conflist").read_text())

    agent = data.get("antrea-agent.conf", "")
    shipped = (etc / conf_name).read_text()
    if variant == "ipsec":
        shipped = shipped.replace(
            "trafficEncryptionMode: none\n",
            "# Set by etc/manifests/gen-manifests.py (IPsec variant).\n"
            "trafficEncryptionMode: ipsec\n")
        check("ipsec: the agent YAML differs from etc's encap one in "
              "trafficEncryptionMode only", shipped != (etc / conf_name)
              .read_text() and agent.startswith(shipped), agent[:200])
    added = agent[len(shipped):] if agent.startswith(shipped) else None
    check(f"{variant}: ConfigMap antrea-agent.conf is etc/{conf_name} "
          "plus the documented antreaClientConnection block",
          added is not None and added.lstrip().startswith(
              "# Added by etc/manifests/gen-manifests.py")
          and "\nantreaClientConnection:\n  kubeconfig: /etc/antrea/"
          "antrea-agent-to-controller.kubeconfig\n" in added, added)
    check(f"{variant}: the agent's controller kubeconfig is in the "
          "ConfigMap", "antrea-agent-to-controller.kubeconfig" in data)

    agent_bin = BUILD / "core" / "agent" / "antrea-agent"
    controller_bin = BUILD / "core" / "controller" / "antrea-controller"
    if not agent_bin.is_file() or not controller_bin.is_file():
        print(f"NOTE: {agent_bin} or {controller_bin} not built: "
              "--check-config of the ConfigMap's files not run")
        return
    with tempfile.TemporaryDirectory() as d:
        conf = pathlib.Path(d) / "antrea-agent.conf"
        conf.write_text(agent)
        env = dict(plugin_env)
        env.update(secrets)
        r = run([str(agent_bin), "--config", str(conf), "--check-config"],
                env=env)
        check(f"{variant}: antrea-agent --check-config accepts the "
              f"ConfigMap's YAML and loads {module}",
              r.returncode == 0 and any(
                  line.split()[:2] == [module, "encap-mode"]
                  for line in r.stdout.splitlines())
              and (variant != "ipsec" or "\nipsec " in r.stdout),
              r.stdout + r.stderr)
        conf = pathlib.Path(d) / "antrea-controller.conf"
        conf.write_text(data["antrea-controller.conf"])
        r = run([str(controller_bin), "--config", str(conf),
                 "--check-config"])
        check(f"{variant}: antrea-controller --check-config accepts the "
              "ConfigMap's YAML", r.returncode == 0, r.stderr)


def rules_cover(have, need):
    """Whether the rules 'have' grant every (group, resource, verb) of
    'need'."""
    granted = {(g, res, v) for r in have for g in r.get("apiGroups", [])
               for res in r.get("resources", []) for v in r.get("verbs", [])}
    wanted = {(g, res, v) for r in need for g in r["apiGroups"]
              for res in r["resources"] for v in r["verbs"]}
    return wanted - granted


def check_objects(variant, objs, plugin_env):
    """The checks on one variant's objects as the server returned them."""
    by = {(o["kind"], o["metadata"]["name"]): o for o in objs}
    ipsec = variant == "ipsec"
    want = OBJECTS | ({("Secret", "antrea-ipsec")} if ipsec else set())
    check(f"{variant}: the expected objects", set(by) == want,
          f"missing {want - set(by)}, extra {set(by) - want}")
    if not set(OBJECTS) <= set(by):
        return

    ds = by[("DaemonSet", "antrea-agent")]["spec"]["template"]["spec"]
    dep = by[("Deployment", "antrea-controller")]["spec"]["template"]["spec"]
    ds_c, dep_c = containers(ds), containers(dep)
    images = {c["image"] for c in list(ds_c.values()) + list(dep_c.values())}
    check(f"{variant}: every container runs the image given",
          images == {IMAGE}, images)
    names = {"install-cni", "antrea-agent", "antrea-ovs"} | (
        {"antrea-ipsec"} if ipsec else set())
    check(f"{variant}: DaemonSet containers {sorted(names)}",
          set(ds_c) == names and [c["name"] for c in
                                  ds.get("initContainers", [])]
          == ["install-cni"], sorted(ds_c))
    programs = {"antrea-agent": BUILD / "core/agent/antrea-agent",
                "antrea-controller": BUILD / "core/controller/"
                                             "antrea-controller"}
    for c in list(ds_c.values()) + list(dep_c.values()):
        cmd = c["command"][0]
        where = programs.get(cmd, SCRIPTS / cmd)
        check(f"{variant}: {c['name']} runs {cmd}, which the image has",
              cmd in programs or where.is_file(), where)

    mounts = {m["mountPath"] for m in ds_c["antrea-agent"]["volumeMounts"]}
    check(f"{variant}: the agent sees /etc/antrea, its CNI socket's "
          "directory and the OVS run directory",
          {"/etc/antrea", "/var/run/antrea", "/var/run/openvswitch"}
          <= mounts, mounts)
    env = {e["name"]: e for e in ds_c["antrea-agent"].get("env", [])}
    check(f"{variant}: the agent gets NODE_NAME from spec.nodeName",
          env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {})
          .get("fieldPath") == "spec.nodeName", env.get("NODE_NAME"))

    secrets = {}
    psk = env.get("ANTREA_IPSEC_PSK")
    how = "from the Secret" if ipsec else "absent"
    check(f"{variant}: ANTREA_IPSEC_PSK {how}", bool(psk) == ipsec, psk)
    if ipsec and psk:
        ref = psk["valueFrom"]["secretKeyRef"]
        secret = by.get(("Secret", ref["name"]), {})
        # The server turns stringData into base64 data.
        value = secret.get("stringData", {}).get(ref["key"])
        if value is None and ref["key"] in secret.get("data", {}):
            value = base64.b64decode(secret["data"][ref["key"]]).decode()
        check("ipsec: the PSK's Secret and key are in the manifest",
              bool(value), ref)
        secrets["ANTREA_IPSEC_PSK"] = value or ""

    check_configmap(variant, by[("ConfigMap", "antrea-config")], secrets,
                    plugin_env)

    for who, need in (("antrea-agent", cluster.AGENT_RULES),
                      ("antrea-controller", cluster.CONTROLLER_RULES)):
        # The sandbox grants cluster-wide what the manifests may grant in
        # a Role of kube-system (where the controller's ConfigMap is).
        lacking = rules_cover(by[("ClusterRole", who)]["rules"]
                              + by.get(("Role", who), {}).get("rules", []),
                              need)
        check(f"{variant}: ClusterRole {who} grants what the sandbox grants",
              not lacking, lacking)
        crb = by[("ClusterRoleBinding", who)]
        check(f"{variant}: ClusterRoleBinding {who} binds its "
              "ServiceAccount", crb["subjects"] == [
                  {"kind": "ServiceAccount", "name": who,
                   "namespace": "kube-system"}] and crb["roleRef"]["name"]
              == who, crb["subjects"])

    svc = by[("Service", "antrea")]["spec"]
    port = {p["name"]: p["containerPort"]
            for p in dep_c["antrea-controller"].get("ports", [])}
    api_port = next((int(line.split(":")[1]) for line in
                     (SRC / "etc/antrea-controller.conf").read_text()
                     .splitlines() if line.startswith("apiPort:")), None)
    check(f"{variant}: Service antrea:443 -> the controller's api port "
          "= apiPort", svc["ports"][0]["port"] == 443
          and svc["ports"][0]["targetPort"] == "api"
          and port.get("api") == api_port, (svc["ports"], port, api_port))
    api = by[("APIService", "v1beta2.controlplane.antrea.io")]["spec"]
    check(f"{variant}: APIService controlplane.antrea.io/v1beta2 -> "
          "kube-system/antrea", (api["group"], api["version"],
                                 api["service"]["name"],
                                 api["service"]["namespace"])
          == ("controlplane.antrea.io", "v1beta2", "antrea", "kube-system"),
          api)


def broken(text, old, new):
    """'text' with the first 'old' replaced by 'new' (which must occur)."""
    assert old in text, old
    return text.replace(old, new, 1)


def check_broken(kc, out):
    """The server refuses broken manifests: the test can fail."""
    text = (out / "antrea-encap.yml").read_text()
    cases = [
        ("a DaemonSet whose selector does not match its Pods",
         broken(text, "      labels:\n        app: antrea\n"
                "        component: antrea-agent\n",
                "      labels:\n        app: antrea\n"
                "        component: antrea-agen\n"),
         "selector"),
        ("a CRD with an invalid schema type",
         broken(text, "            localPodNum:\n              type: integer",
                "            localPodNum:\n              type: integr"),
         "localPodNum"),
    ]
    for what, bad, word in cases:
        path = out / "broken.yml"
        path.write_text(bad)
        r = kubectl(kc, "apply", "--dry-run=server", "-f", str(path))
        check(f"broken manifest refused: {what}",
              r.returncode != 0 and word in r.stderr, r.stderr[-500:])


def check_crd_schema(kc, out):
    """Applies the encap manifest for real; the CRDs then validate."""
    r = kubectl(kc, "apply", "-f", str(out / "antrea-encap.yml"))
    if not check("encap manifest applied for real", r.returncode == 0,
                 r.stderr):
        return
    r = kubectl(kc, "wait", "--for=condition=Established", "--timeout=60s",
                "crd/antreaagentinfos.crd.antrea.io",
                "crd/antreacontrollerinfos.crd.antrea.io")
    check("CRDs established", r.returncode == 0, r.stderr)

    def info(cond_type):
        return json.dumps({
            "apiVersion": "crd.antrea.io/v1beta1", "kind": "AntreaAgentInfo",
            "metadata": {"name": "node1"}, "version": "0.1.0",
            "nodeRef": {"kind": "Node", "name": "node1"},
            "nodeSubnets": ["10.10.1.0/24"], "localPodNum": 3,
            "ovsInfo": {"version": "3.1.0", "bridgeName": "br-int",
                        "flowTable": {"0": 12, "70": 4}},
            "networkPolicyControllerInfo": {"networkPolicyNum": 1,
                                            "addressGroupNum": 1,
                                            "appliedToGroupNum": 1},
            "agentConditions": [{"type": cond_type, "status": "True",
                                 "lastHeartbeatTime":
                                 "2026-01-01T00:00:00Z"}]})
    r = kubectl(kc, "create", "--dry-run=server", "-f", "-",
                stdin=info("OVSDBConnectionUp"))
    check("AntreaAgentInfo with Antrea's fields accepted", r.returncode == 0,
          r.stderr)
    r = kubectl(kc, "create", "--dry-run=server", "-f", "-",
                stdin=info("FluxCapacitorUp"))
    check("AntreaAgentInfo with an unknown condition type refused",
          r.returncode != 0 and "FluxCapacitorUp" in r.stderr, r.stderr)


def main():
    """See the module's comment."""
    skip_unless_possible()
    plugin_env = dict(os.environ)
    run_dir = pathlib.Path(tempfile.mkdtemp(prefix="amft-"))
    out = run_dir / "manifests"
    out.mkdir()
    try:
        run(["ip", "netns", "add", NS])
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", "amft0", "type", "veth", "peer",
                     "name", "amft1"],
                    ["ip", "addr", "add", f"{IP}/24", "dev", "amft0"],
                    ["ip", "link", "set", "amft0", "up"],
                    ["ip", "link", "set", "amft1", "up"]):
            r = run(cmd, ns=NS)
            if r.returncode:
                raise RuntimeError(f"{' '.join(cmd)}: {r.stderr}")
        check_generator(out)
        kube.start_control_plane(run_dir, NS, IP)
        kc = run_dir / "kube" / "admin.kubeconfig"
        for variant in VARIANTS:
            r = kubectl(kc, "apply", "--dry-run=server", "-o", "json", "-f",
                        str(out / f"antrea-{variant}.yml"))
            if check(f"{variant}: kubectl apply --dry-run=server passes",
                     r.returncode == 0, r.stderr[-1000:]):
                check_objects(variant, items(r), plugin_env)
        check_broken(kc, out)
        check_crd_schema(kc, out)
    finally:
        kube.stop_control_plane(run_dir)
        run(["ip", "netns", "del", NS])
        if os.environ.get("ATEST_KEEP"):
            print(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
