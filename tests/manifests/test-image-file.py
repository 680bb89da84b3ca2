#!/usr/bin/env python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The container image file and its scripts, checked without an engine.

build/images/Dockerfile cannot be built here (no container engine on the
project's machines), so this checks what can be checked:

  - the Dockerfile: both stages are Debian 12; every COPY source exists in
    the context (the top of the source tree) or is made by the build
    stage; the build runs the README's commands in the README's order;
    the stages install the build and run packages of tests/install-deps.sh;
    the installed paths it names are where the automake files install;
    every command the manifests' containers run is copied into the image;
  - the scripts of build/images/scripts/: sh -n, and shellcheck when
    installed;
  - runtime-packages on the built programs lists the Debian packages of
    their libraries, and fails naming a file that is not there;
  - install-cni, run against directories of a temporary "host" with the
    ConfigMap the generator makes: the binary and the conflist installed,
    missing reference plugins added and present ones kept; in
    networkPolicyOnly, antrea chained after a primary .conflist or .conf
    (idempotently), and clear failures without a primary configuration,
    with a broken one, or without the ConfigMap.

Prints PASS/FAIL per check; exits 1 on any failure.  Needs jq for the
install-cni part (the image has it), else that part is skipped with a
NOTE.
"""

import importlib.util
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get("abs_top_builddir", SRC))
IMAGES = SRC / "build" / "images"
SCRIPTS = IMAGES / "scripts"
DOCKERFILE = IMAGES / "Dockerfile"

failures = []


def check(name, ok, detail=""):
    """Prints PASS/FAIL 'name' (with 'detail' on failure); answers ok."""
    print(("PASS " if ok else "FAIL ") + name
          + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)
    return ok


def run(argv, env=None):
    """Runs argv; answers the CompletedProcess."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env)


def instructions(path):
    """The Dockerfile's instructions as (KEYWORD, text, stage index)."""
    out, stage, buf = [], -1, ""
    for line in path.read_text().splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        buf += line.rstrip()
        if buf.endswith("\\"):
            buf = buf[:-1] + " "
            continue
        word, _, rest = buf.strip().partition(" ")
        word = word.upper()
        if word == "FROM":
            stage += 1
        out.append((word, " ".join(rest.split()), stage))
        buf = ""
    return out


def shell_words_in_order(text, words):
    """Whether the commands 'words' occur in 'text' in that order."""
    pos = 0
    for w in words:
        m = re.compile(r"(?:^|[\s;&|(])" + re.escape(w) + r"(?=$|[\s;&|)])")
        found = m.search(text, pos)
        if not found:
            return False
        pos = found.end()
    return True


def install_deps_packages(kind):
    """The packages of variable '<kind>_packages' in install-deps.sh."""
    text = (SRC / "tests" / "install-deps.sh").read_text()
    m = re.search(kind + r'_packages="([^"]*)"', text)
    return set(m.group(1).split()) if m else set()


def apt_packages(text):
    """The packages of the apt-get install in a RUN's text."""
    m = re.search(r"apt-get install ([^&]*)", text)
    return {w for w in (m.group(1).split() if m else [])
            if not w.startswith("-") and not w.startswith("$")}


def check_dockerfile():
    """The checks on build/images/Dockerfile."""
    ins = instructions(DOCKERFILE)
    froms = [t for k, t, _ in ins if k == "FROM"]
    check("Dockerfile: two stages, both Debian 12",
          len(froms) == 2 and all(f.split()[0] == "debian:12"
                                  for f in froms), froms)
    runs = {s: " ".join(t for k, t, st in ins if k == "RUN" and st == s)
            for s in (0, 1)}

    for k, text, stage in ins:
        if k not in ("COPY", "ADD"):
            continue
        words = shlex.split(text)
        from_stage = [w for w in words if w.startswith("--from=")]
        srcs = [w for w in words if not w.startswith("--")][:-1]
        for s in srcs:
            if from_stage:
                made = s.rstrip("/")
                check(f"Dockerfile: COPY --from=build {s} is made by the "
                      "build stage", made in runs[0], made)
            else:
                check(f"Dockerfile: COPY source {s} exists in the context",
                      (SRC / s).exists(), SRC / s)
        if k == "ADD":
            check("Dockerfile: no ADD (COPY only)", False, text)

    readme = (SRC / "README.md").read_text()
    m = re.search(r"^(\./autogen\.sh && .*)$", readme, re.M)
    cmds = [c.strip().replace("sudo ", "") for c in m.group(1).split("&&")] \
        if m else []
    wanted = [c.split()[0] if c.startswith("./") else c for c in cmds
              if c != "make check"]
    check("Dockerfile: the build stage runs the README's commands in order "
          f"({', '.join(wanted)}; make check runs outside the image)",
          wanted and shell_words_in_order(runs[0], wanted),
          (cmds, runs[0][:300]))

    for stage, kind in ((0, "build"), (1, "run")):
        lacking = install_deps_packages(kind) - apt_packages(runs[stage])
        check(f"Dockerfile: stage {stage} installs the {kind} packages of "
              "tests/install-deps.sh", install_deps_packages(kind)
              and not lacking, lacking)

    # Where `make install` puts things with --prefix=/usr.
    check("Dockerfile: configures with --prefix=/usr",
          "--prefix=/usr " in runs[0], runs[0][:300])
    automake = {p: (SRC / p).read_text() for p in (
        "core/agent/automake.mk", "core/controller/automake.mk",
        "core/cni/automake.mk", "configure.ac")}
    facts = [
        ("/out/usr/sbin/antrea-agent", "core/agent/automake.mk",
         "sbin_PROGRAMS += core/agent/antrea-agent"),
        ("/out/usr/sbin/antrea-controller", "core/controller/automake.mk",
         "sbin_PROGRAMS += core/controller/antrea-controller"),
        ("/out/usr/libexec/antrea/antrea-cni", "core/cni/automake.mk",
         "antrealibexecdir = $(libexecdir)/antrea"),
        ("/out/usr/lib/antrea/plugins/", "configure.ac",
         "AC_SUBST([plugindir], ['${libdir}/antrea/plugins'])"),
    ]
    for path, where, line in facts:
        check(f"Dockerfile: {path} is where {where} installs",
              path in runs[0] and line in automake[where], line)

    # What the manifests' containers run is in the image.
    parts = "".join(p.read_text() for p in
                    (SRC / "etc" / "manifests" / "parts").glob("*.yml"))
    commands = set(re.findall(r'command: \["([^"]+)"', parts))
    copied = " ".join(t for k, t, _ in ins if k == "COPY")
    for cmd in sorted(commands - {"antrea-agent", "antrea-controller",
                                  "test"}):
        check(f"Dockerfile: the manifests' command {cmd} is copied from "
              "build/images/scripts", f"build/images/scripts/{cmd}"
              in copied and (SCRIPTS / cmd).is_file())


def check_scripts():
    """sh -n and shellcheck on build/images/scripts/."""
    sc = shutil.which("shellcheck")
    if not sc:
        print("NOTE: shellcheck not installed: only sh -n")
    for script in sorted(SCRIPTS.iterdir()):
        r = run(["sh", "-n", str(script)])
        check(f"{script.name}: sh -n", r.returncode == 0, r.stderr)
        check(f"{script.name}: executable", os.access(script, os.X_OK))
        if sc:
            r = run([sc, "-s", "sh", str(script)])
            check(f"{script.name}: shellcheck", r.returncode == 0,
                  r.stdout[-800:])


def check_runtime_packages():
    """runtime-packages on the built programs."""
    progs = [BUILD / "core/agent/antrea-agent",
             BUILD / "core/controller/antrea-controller",
             BUILD / "core/cni/antrea-cni"]
    tool = str(SCRIPTS / "runtime-packages")
    if not shutil.which("dpkg") or not all(p.is_file() for p in progs):
        print("NOTE: dpkg or the programs missing: runtime-packages not run")
        return
    r = run([tool, *map(str, progs)])
    pkgs = r.stdout.split()
    check("runtime-packages lists the packages of the programs' libraries "
          "(libjansson4, libyaml-0-2, libcurl4, libmicrohttpd12)",
          r.returncode == 0 and {"libjansson4", "libyaml-0-2", "libcurl4",
                                 "libmicrohttpd12"} <= set(pkgs),
          r.stdout + r.stderr)
    status = run(["dpkg-query", "-W", "-f=${Package}\n", *pkgs])
    check("runtime-packages: each is an installed Debian package",
          status.returncode == 0 and set(status.stdout.split()) == set(pkgs),
          status.stderr)
    r = run([tool, "/nonexistent/antrea-agent"])
    check("runtime-packages: a missing file fails, named",
          r.returncode != 0 and "/nonexistent/antrea-agent" in r.stderr,
          r.stderr)


def load_generator():
    """etc/manifests/gen-manifests.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "gen_manifests", SRC / "etc" / "manifests" / "gen-manifests.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_install_cni():
    """install-cni against a temporary host."""
    if not shutil.which("jq"):
        print("NOTE: jq not installed: install-cni not run (the image has "
              "jq)")
        return
    gen = load_generator()
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)

        def host(variant, primary=None):
            """A fresh host and ConfigMap for 'variant'; answers env."""
            for sub in ("conf", "bin", "netd", "ref"):
                shutil.rmtree(d / sub, ignore_errors=True)
                (d / sub).mkdir()
            for name, text in gen.config_data(SRC, variant).items():
                (d / "conf" / name).write_text(text)
            for plugin in ("portmap", "bandwidth", "loopback"):
                (d / "ref" / plugin).write_text(f"#!/bin/sh\n# {plugin}\n")
                (d / "ref" / plugin).chmod(0o755)
            (d / "bin" / "bandwidth").write_text("host's own\n")
            cni = d / "antrea-cni"
            cni.write_text("#!/bin/sh\necho antrea-cni\n")
            cni.chmod(0o755)
            if primary:
                name, text = primary
                (d / "netd" / name).write_text(text)
            return dict(os.environ, HOST_CNI_BIN=str(d / "bin"),
                        HOST_CNI_CONF=str(d / "netd"),
                        ANTREA_CONF_DIR=str(d / "conf"),
                        ANTREA_CNI=str(cni), REFERENCE_CNI_DIR=str(d / "ref"))

        tool = str(SCRIPTS / "install-cni")
        env = host("encap")
        (d / "netd" / "05-antrea.conflist").write_text("{}")
        r = run([tool], env)
        check("install-cni (encap): succeeds", r.returncode == 0, r.stderr)
        check("install-cni (encap): antrea installed, executable",
              os.access(d / "bin" / "antrea", os.X_OK) and
              (d / "bin" / "antrea").read_text()
              == (d / "antrea-cni").read_text())
        check("install-cni (encap): 10-antrea.conflist is the ConfigMap's",
              (d / "netd" / "10-antrea.conflist").read_text()
              == (SRC / "etc" / "10-antrea.conflist").read_text())
        check("install-cni (encap): a stale 05-antrea.conflist removed",
              not (d / "netd" / "05-antrea.conflist").exists())
        check("install-cni: missing portmap added, the host's bandwidth kept",
              (d / "bin" / "portmap").is_file() and
              (d / "bin" / "bandwidth").read_text() == "host's own\n")

        primary = {"cniVersion": "0.4.0", "name": "k8s-pod-network",
                   "plugins": [{"type": "calico"},
                               {"type": "portmap",
                                "capabilities": {"portMappings": True}}]}
        env = host("policyonly", ("10-calico.conflist", json.dumps(primary)))
        (d / "netd" / "10-antrea.conflist").write_text("{}")
        r1 = run([tool], env)
        r2 = run([tool], env)
        out = d / "netd" / "05-antrea.conflist"
        got = json.loads(out.read_text()) if out.is_file() else None
        want = dict(primary, plugins=primary["plugins"] + [{"type":
                                                            "antrea"}])
        check("install-cni (networkPolicyOnly): antrea chained after the "
              "primary .conflist, twice gives the same",
              r1.returncode == 0 and r2.returncode == 0 and got == want,
              (r1.stderr, r2.stderr, got))
        check("install-cni (networkPolicyOnly): no 10-antrea.conflist",
              not (d / "netd" / "10-antrea.conflist").exists())

        conf = {"cniVersion": "0.3.1", "name": "aws-cni", "type": "aws-cni",
                "mtu": "9001"}
        env = host("policyonly", ("10-aws.conf", json.dumps(conf)))
        r = run([tool], env)
        got = json.loads(out.read_text()) if out.is_file() else None
        check("install-cni (networkPolicyOnly): a primary .conf wrapped "
              "into a list before antrea", r.returncode == 0 and got == {
                  "cniVersion": "0.3.1", "name": "aws-cni",
                  "plugins": [{"type": "aws-cni", "mtu": "9001"},
                              {"type": "antrea"}]}, (r.stderr, got))

        env = host("policyonly")
        r = run([tool], env)
        check("install-cni (networkPolicyOnly): no primary configuration "
              "fails, naming the directory",
              r.returncode == 1 and "no primary CNI configuration" in r.stderr
              and str(d / "netd") in r.stderr, r.stderr)

        env = host("policyonly", ("10-broken.conflist", "{not json"))
        r = run([tool], env)
        check("install-cni (networkPolicyOnly): a broken primary fails, "
              "named", r.returncode == 1 and "10-broken.conflist" in
              r.stderr and not out.exists(), r.stderr)

        env = host("encap")
        (d / "conf" / "antrea-agent.conf").unlink()
        r = run([tool], env)
        check("install-cni: a missing ConfigMap file fails, named",
              r.returncode == 1 and "antrea-agent.conf" in r.stderr,
              r.stderr)


def main():
    """See the module's comment."""
    check_dockerfile()
    check_scripts()
    check_runtime_packages()
    check_install_cni()
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
