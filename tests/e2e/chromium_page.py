# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Rendering a web page in headless Chromium and reading the result.

Used by the status page's tests (tests/controller/test-status-page-
chromium.py against a controller of its own, tests/e2e/test_status_page.py
against the sandbox's): Debian's chromium package renders the page
(`chromium --headless --dump-dom`, bounded by a timeout, with a temporary
profile directory removed afterwards; --no-sandbox because the tests run
as root), optionally inside a network namespace, and the DOM it prints is
parsed with the standard library.

    dom = render("http://127.0.0.1:10348/", netns="asbx-cp")
    dom.text("health")           # text content of the element id=health
    dom.has_id("agent-node-1")   # is there such an element
    dom.cell("agent-node-1", "pods")  # text of its descendant of class pods
    dom.tags                     # every tag name seen
Standard library only.
"""

import html.parser
import shutil
import subprocess
import tempfile

TIMEOUT = 60                    # seconds: a bound on one rendering


def chromium_path():
    """Answers the chromium binary's path, or None if it is absent."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Dom(html.parser.HTMLParser):
    """The DOM Chromium printed: the text of every element with an id
    (its own and its descendants'), its attributes, and the tags seen."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input",
            "link", "meta", "source", "track", "wbr"}
    # Tags whose boundaries separate words in the text, as a reader sees
    # them (table cells, lines, blocks).
    SEPARATING = {"br", "td", "th", "tr", "li", "p", "div", "details",
                  "summary", "h1", "h2", "h3", "table", "ul"}

    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.source = source            # the DOM as printed
        self.texts = {}                 # id -> text content
        self.attrs = {}                 # id -> {attribute: value}
        self.cells = {}                 # (id, class) -> text of the
                                        # descendants of that class
        self.tags = set()               # tag names seen
        self.title = ""                 # the document's title
        self._stack = []                # open elements: (tag, id or
                                        # None, classes)
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in self.SEPARATING:
            self.handle_data(" ")
        attrs = dict(attrs)
        ident = attrs.get("id")
        if ident is not None:
            self.texts.setdefault(ident, "")
            self.attrs[ident] = attrs
        if tag not in self.VOID:
            self._stack.append((tag, ident,
                                tuple(attrs.get("class", "").split())))

    def handle_endtag(self, tag):
        if tag in self.SEPARATING:
            self.handle_data(" ")
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        ids = []
        for tag, ident, classes in self._stack:
            for outer in ids:
                for cls in classes:
                    key = (outer, cls)
                    self.cells[key] = self.cells.get(key, "") + data
            if ident is not None:
                self.texts[ident] += data
                ids.append(ident)
            if tag == "title":
                self.title += data

    def has_id(self, ident):
        """Is there an element with id 'ident'?"""
        return ident in self.texts

    def cell(self, ident, cls):
        """The text of the descendants of class 'cls' of element 'ident',
        white space collapsed, or None if there are none."""
        t = self.cells.get((ident, cls))
        return None if t is None else " ".join(t.split())

    def text(self, ident):
        """The text content of element 'ident' with white space
        collapsed, or None if there is none."""
        t = self.texts.get(ident)
        return None if t is None else " ".join(t.split())


def render(url, netns=None, timeout=TIMEOUT):
    """Renders 'url' in headless Chromium (inside network namespace
    'netns' if given) and answers its Dom.  Raises RuntimeError with
    Chromium's output if it fails or prints no document."""
    chromium = chromium_path()
    if not chromium:
        raise RuntimeError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", "--dump-dom", url]
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"chromium did not render {url} within "
                           f"{timeout} s") from e
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode or "<html" not in r.stdout:
        raise RuntimeError(f"chromium failed on {url} (exit "
                           f"{r.returncode}): {r.stderr[-2000:]}")
    return Dom(r.stdout)
