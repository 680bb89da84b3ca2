#!/usr/bin/env python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The manual pages of docs/man/ render cleanly and cover the programs.

For each page: groff -man -ww (all warnings) and man -l print no warning
and render it.  For antrea-agent and antrea-controller, every option their
--help prints appears in the rendered page; for antrea-cni, every
variable its --help names.  antctl's page (docs/man/antctl.1, which comes
with antctl: core/antctl/automake.mk) is rendered when it has content, and
the options of antctl --help it lacks are listed as a NOTE.  The checks
are shown able to fail: a page with an unknown macro must draw a warning,
and a page without one of the agent's options must be reported.

Needs groff (groff-base) and man (man-db); skips (77) without them.  The
programs come from abs_top_builddir; a program not built is reported and
its coverage check fails.  Prints PASS/FAIL per check.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get("abs_top_builddir", SRC))
MAN = SRC / "docs" / "man"
# MANROFFOPT=-ww: man -l reports every groff warning too.
ENV = dict(os.environ, LC_ALL="C", MANWIDTH="80", MANPAGER="cat",
           PAGER="cat", MANROFFOPT="-ww")
ENV.pop("MAN_KEEP_FORMATTING", None)

# Page -> (program in the build tree, what of its --help must be in it:
# "options" or "variables"; None: not checked).
PAGES = {
    "antrea-agent.8": ("core/agent/antrea-agent", "options"),
    "antrea-controller.8": ("core/controller/antrea-controller", "options"),
    "antrea-cni.8": ("core/cni/antrea-cni", "variables"),
    "antctl.1": ("core/antctl/antctl", None),
}

failures = []


def check(name, ok, detail=""):
    """Prints PASS/FAIL 'name' (with 'detail' on failure); answers ok."""
    print(("PASS " if ok else "FAIL ") + name
          + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)
    return ok


def run(argv):
    """Runs argv in the C locale; answers the CompletedProcess."""
    return subprocess.run(argv, capture_output=True, text=True, env=ENV,
                          timeout=60)


def groff_warnings(page):
    """groff's warnings about 'page' (every kind enabled), or its error."""
    r = run(["groff", "-man", "-ww", "-z", str(page)])
    return (r.stderr.strip() or
            ("" if r.returncode == 0 else f"exit {r.returncode}"))


def render(page):
    """'page' as man -l renders it in plain text; (text, warnings)."""
    r = run(["man", "-l", str(page)])
    warn = r.stderr.strip() or ("" if r.returncode == 0
                                else f"exit {r.returncode}")
    return re.sub(r".\x08", "", r.stdout), warn


def help_items(text, kind):
    """The options (--name) or the ANTREA_* variables a --help lists."""
    if kind == "options":
        return sorted(set(re.findall(r"^\s*(--[a-z][a-z-]*)", text, re.M)))
    return sorted(set(re.findall(r"\b(ANTREA_[A-Z_]+)\b", text)))


def missing_from(items, rendered):
    """The items that do not occur as words of the rendered page."""
    return [i for i in items
            if not re.search(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])",
                             rendered)]


def program_help(program):
    """The --help text of 'program', or None if it is not built."""
    path = BUILD / program
    if not path.is_file():
        return None
    r = run([str(path), "--help"])
    return r.stdout + r.stderr


def main():
    """See the module's comment."""
    if not shutil.which("groff") or not shutil.which("man"):
        print("SKIP: needs groff (groff-base) and man (man-db)")
        return 77

    for name, (program, kind) in PAGES.items():
        page = MAN / name
        if kind is None and (not page.is_file() or not page.stat().st_size):
            print(f"NOTE: {page} missing or empty: not checked")
            continue
        if not check(f"{name} exists", page.is_file(), page):
            continue
        warn = groff_warnings(page)
        check(f"{name}: groff -man -ww prints no warning", not warn, warn)
        text, warn = render(page)
        check(f"{name}: man -l renders it without a warning",
              not warn and name.split(".")[0].upper() in text, warn)
        helptext = program_help(program)
        if kind is None:
            if helptext is None:
                print(f"NOTE: {program} not built; {name} not compared "
                      "with its --help")
            else:
                lacking = missing_from(help_items(helptext, "options"), text)
                print(f"NOTE: {name} lacks {', '.join(lacking)}" if lacking
                      else f"NOTE: {name} names every option of "
                      f"{program} --help")
            continue
        if not check(f"{program} is built (for its --help)",
                     helptext is not None, BUILD / program):
            continue
        items = help_items(helptext, kind)
        lacking = missing_from(items, text)
        check(f"{name}: names all {len(items)} {kind} of "
              f"{pathlib.Path(program).name} --help", items and not lacking,
              f"missing {lacking}")

    # The checks can fail.
    with tempfile.TemporaryDirectory() as d:
        bad = pathlib.Path(d) / "bad.8"
        bad.write_text((MAN / "antrea-agent.8").read_text()
                       + ".XQ not a macro\n")
        check("a page with an unknown macro draws a groff warning",
              bool(groff_warnings(bad)))
        check("... and a man -l warning", bool(render(bad)[1]))
        text, _ = render(MAN / "antrea-agent.8")
        cut = text.replace("--syslog", "")
        check("a page without --syslog is reported as lacking it",
              missing_from(["--syslog", "--config"], cut) == ["--syslog"])

    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
