"""A small Kubernetes API client with a streaming list+watch (stdlib only).

Why this module exists: the sandbox Pod runtime (sandbox/runtime.py) is a
long-running daemon that must follow Pods the way a kubelet does, i.e. list,
then watch from the list's resourceVersion, survive the stream ending at
timeoutSeconds, relist on a 410 "Expired" ERROR event, and reconnect with a
bounded backoff when the apiserver is unreachable.  The one-shot REST client
of sandbox/kube.py answers (status, json) and cannot stream, so this module
carries its own HTTP code.  The protocol details it relies on were recorded
from a real kube-apiserver v1.20.2 (see shared/fixtures/k8s/):

- a watch answers 200 with one JSON object per line (chunked);
- BOOKMARK events carry only metadata.resourceVersion;
- a too-old resourceVersion answers 200 with one ERROR event (Status 410);
- a list pages with limit/continue; an expired continue answers HTTP 410.

Public API:

    load_kubeconfig(path) -> KubeConfig
    KubeClient(config, timeout=30.0)
        .request(method, path, body=None, query=None,
                 content_type="application/json") -> (status, obj)
        .list(path, query=None, limit=500) -> (items, resourceVersion)
        .watch(path, query=None, resource_version=None,
               timeout_seconds=300) -> iterator of (type, object)
    ListWatch(client, path, query, handler, name, stop)   a thread target
    ApiError(RuntimeError)  status, reason, body
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import random
import re
import ssl
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

LOG = logging.getLogger("k8s_watch")


class ApiError(RuntimeError):
    """An API call failed; carries the HTTP status and Status reason.

    Callers branch on status (404 gone, 409 conflict, 410 expired) without
    parsing message text.
    """

    def __init__(self, message: str, status: int = 0, reason: str = "",
                 body: Any = None) -> None:
        """Set up state; see the class docstring."""
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.body = body


class WatchExpired(ApiError):
    """The resourceVersion we watched from is too old: the caller relists."""


# --------------------------------------------------------------------------
# kubeconfig (a YAML subset, or JSON)
# --------------------------------------------------------------------------

def _yaml_scalar(text: str) -> Any:
    """Convert a YAML plain/quoted scalar to a Python value (subset)."""
    text = text.strip()
    if text == "" or text in ("~", "null"):
        return None
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text[0] == "{" and text[-1] == "}" and "{" not in text[1:-1]:
        out = {}
        for part in text[1:-1].split(","):
            if part.strip():
                key, sep, value = part.partition(":")
                if not sep:
                    raise ValueError(f"unsupported YAML flow map: {text!r}")
                out[_yaml_scalar(key)] = _yaml_scalar(value)
        return out
    if text[0] == '"' and text[-1] == '"' and len(text) >= 2:
        return json.loads(text)
    if text[0] == "'" and text[-1] == "'" and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def _strip_comment(line: str) -> str:
    """Drop a trailing ' #...' comment that is not inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_yaml_subset(text: str) -> Any:
    """Parse the block-style YAML subset that kubeconfig files use.

    Why not a real YAML library: the sandbox uses the standard library only,
    and kubeconfigs (as written by kubectl or by hand) only use block maps,
    block sequences of maps and scalars.  Anything fancier raises ValueError.
    """
    lines = []
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        lines.append((indent, line.strip()))
    pos = 0

    def parse_block(indent: int) -> Any:
        """Parse a map or a sequence starting at the current line."""
        nonlocal pos
        if pos >= len(lines):
            return None
        if lines[pos][1].startswith("- ") or lines[pos][1] == "-":
            return parse_seq(lines[pos][0])
        return parse_map(lines[pos][0])

    def parse_map(indent: int, first: Optional[str] = None) -> dict:
        """Parse block-map lines at this indent.

        first is the opening "key: value" of a "- key: value" list item.
        """
        nonlocal pos
        out: dict = {}
        pending = first
        while True:
            if pending is not None:
                content = pending
                pending = None
            else:
                if pos >= len(lines) or lines[pos][0] != indent:
                    break
                if lines[pos][1].startswith("- "):
                    break
                content = lines[pos][1]
                pos += 1
            m = re.match(r'^("(?:[^"\\]|\\.)*"|[^:]+?)\s*:(?:\s+(.*))?$',
                         content)
            if not m:
                raise ValueError(f"unsupported YAML line: {content!r}")
            key = _yaml_scalar(m.group(1))
            value = m.group(2)
            if value is None or value == "":
                if pos < len(lines) and (lines[pos][0] > indent or (
                        lines[pos][0] == indent
                        and lines[pos][1].startswith("- "))):
                    out[key] = parse_block(lines[pos][0])
                else:
                    out[key] = None
            else:
                out[key] = _yaml_scalar(value)
        return out

    def parse_seq(indent: int) -> list:
        """Parse '- item' lines at this indent."""
        nonlocal pos
        out: list = []
        while pos < len(lines) and lines[pos][0] == indent and (
                lines[pos][1].startswith("- ") or lines[pos][1] == "-"):
            content = lines[pos][1][1:].lstrip()
            item_indent = indent + 2
            pos += 1
            if content == "":
                out.append(parse_block(item_indent)
                           if pos < len(lines) and lines[pos][0] > indent
                           else None)
            elif re.match(r'^("(?:[^"\\]|\\.)*"|[^:"\']+?)\s*:(\s|$)',
                          content):
                # "- key: value" opens a map whose further keys are indented
                # to the column of "key".
                item_indent = indent + (len(lines[pos - 1][1])
                                        - len(content))
                out.append(parse_map(item_indent, first=content))
            else:
                out.append(_yaml_scalar(content))
        return out

    return parse_block(0) if lines else {}


@dataclass
class KubeConfig:
    """What a client needs to reach the apiserver (from a kubeconfig)."""

    server: str
    ca_file: Optional[str] = None
    ca_data: Optional[str] = None
    token: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    insecure: bool = False


def _named(entries: Any, name: Optional[str], kind: str) -> dict:
    """Pick the entry called name (or the only one) from a kubeconfig list."""
    entries = entries or []
    for entry in entries:
        if name is None or entry.get("name") == name:
            return entry.get(kind) or {}
    raise ValueError(f"kubeconfig: no {kind} named {name!r}")


def load_kubeconfig(path: str) -> KubeConfig:
    """Read a kubeconfig (YAML subset or JSON) and resolve its current context.

    Relative file paths are resolved against the kubeconfig's directory,
    as kubectl does.  Inline *-data fields are written to private temp files
    only for client certificates (ssl needs files); CA data is used inline.
    """
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = parse_yaml_subset(text)
    if not isinstance(doc, dict):
        raise ValueError(f"kubeconfig {path}: not a mapping")
    base = os.path.dirname(os.path.abspath(path))

    def resolve(p: Optional[str]) -> Optional[str]:
        """Resolve a kubeconfig-relative path, as kubectl does."""
        if not p:
            return None
        return p if os.path.isabs(p) else os.path.join(base, p)

    ctx_name = doc.get("current-context")
    contexts = doc.get("contexts") or []
    if ctx_name:
        ctx = _named(contexts, ctx_name, "context")
    elif contexts:
        ctx = contexts[0].get("context") or {}
    else:
        ctx = {}
    cluster = _named(doc.get("clusters"), ctx.get("cluster"), "cluster")
    try:
        user = _named(doc.get("users"), ctx.get("user"), "user")
    except ValueError:
        user = {}
    cfg = KubeConfig(server=str(cluster.get("server", "")).rstrip("/"))
    if not cfg.server:
        raise ValueError(f"kubeconfig {path}: no cluster server")
    cfg.insecure = bool(cluster.get("insecure-skip-tls-verify"))
    cfg.ca_file = resolve(cluster.get("certificate-authority"))
    if cluster.get("certificate-authority-data"):
        cfg.ca_data = base64.b64decode(
            cluster["certificate-authority-data"]).decode()
    if user.get("token"):
        cfg.token = str(user["token"]).strip()
    elif user.get("tokenFile"):
        with open(resolve(user["tokenFile"]), encoding="utf-8") as fh:
            cfg.token = fh.read().strip()
    cfg.cert_file = resolve(user.get("client-certificate"))
    cfg.key_file = resolve(user.get("client-key"))
    for field, attr in (("client-certificate-data", "cert_file"),
                        ("client-key-data", "key_file")):
        if user.get(field):
            fd, name = tempfile.mkstemp(prefix="asbx-kubeconfig-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64decode(user[field]))
            setattr(cfg, attr, name)
    return cfg


# --------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------

class KubeClient:
    """A thread-safe REST client: one short-lived connection per call.

    A fresh connection per call costs a TLS handshake (~ms on loopback-like
    links) and buys robustness: no shared socket state between threads, and
    an apiserver restart never leaves a dead keep-alive connection behind.
    """

    def __init__(self, config: KubeConfig, timeout: float = 30.0) -> None:
        """Set up state; see the class docstring."""
        self.config = config
        self.timeout = timeout
        url = urllib.parse.urlsplit(config.server)
        self.scheme = url.scheme or "https"
        self.host = url.hostname or "localhost"
        self.port = url.port or (443 if self.scheme == "https" else 80)
        self.prefix = url.path.rstrip("/")
        self._ssl: Optional[ssl.SSLContext] = None
        if self.scheme == "https":
            ctx = ssl.create_default_context(
                cafile=config.ca_file, cadata=config.ca_data)
            if config.insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if config.cert_file:
                ctx.load_cert_chain(config.cert_file, config.key_file)
            self._ssl = ctx

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        """Open a connection to the apiserver with the given socket timeout."""
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=self._ssl)
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def _headers(self, content_type: Optional[str]) -> dict:
        """Common request headers (auth, content type)."""
        headers = {"Accept": "application/json",
                   "User-Agent": "asbx-runtime/1"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _url(self, path: str, query: Optional[dict]) -> str:
        """Build the request target from a path and a query dict."""
        url = self.prefix + path
        if query:
            url += "?" + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None})
        return url

    def request(self, method: str, path: str, body: Any = None,
                query: Optional[dict] = None,
                content_type: str = "application/json") -> tuple[int, Any]:
        """Do one API call; answer (HTTP status, decoded JSON or None).

        Transport errors raise OSError/http.client exceptions; HTTP errors
        are returned, not raised, so callers can branch on 404/409.
        """
        data = None if body is None else json.dumps(body).encode()
        conn = self._connect(self.timeout)
        try:
            conn.request(method, self._url(path, query), body=data,
                         headers=self._headers(content_type if data else None))
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            obj = json.loads(raw) if raw else None
        except ValueError:
            obj = {"message": raw.decode(errors="replace")}
        return resp.status, obj

    def check(self, method: str, path: str, body: Any = None,
              query: Optional[dict] = None,
              content_type: str = "application/json",
              ok: tuple = (200, 201, 202)) -> Any:
        """request() that raises ApiError unless the status is in ok."""
        status, obj = self.request(method, path, body, query, content_type)
        if status not in ok:
            msg = obj.get("message") if isinstance(obj, dict) else obj
            reason = obj.get("reason", "") if isinstance(obj, dict) else ""
            raise ApiError(f"{method} {path}: HTTP {status}: {msg}",
                           status=status, reason=reason, body=obj)
        return obj

    def list(self, path: str, query: Optional[dict] = None,
             limit: int = 500) -> tuple[list, str]:
        """List all pages; answer (items, the list's resourceVersion).

        An expired continue token (HTTP 410) restarts the list from the
        first page (bounded to a few attempts).
        """
        for _attempt in range(5):
            items: list = []
            cont = None
            rv = ""
            while True:
                q = dict(query or {})
                q["limit"] = str(limit)
                if cont:
                    q["continue"] = cont
                status, obj = self.request("GET", path, query=q)
                if status == 410 and cont:
                    LOG.info("list %s: continue token expired; relisting",
                             path)
                    break
                if status != 200 or not isinstance(obj, dict):
                    msg = obj.get("message") if isinstance(obj, dict) else obj
                    raise ApiError(f"list {path}: HTTP {status}: {msg}",
                                   status=status, body=obj)
                items.extend(obj.get("items") or [])
                meta = obj.get("metadata") or {}
                rv = meta.get("resourceVersion", "") or rv
                cont = meta.get("continue")
                if not cont:
                    return items, rv
        raise ApiError(f"list {path}: continue kept expiring", status=410)

    def watch(self, path: str, query: Optional[dict] = None,
              resource_version: Optional[str] = None,
              timeout_seconds: int = 300) -> Iterator[tuple[str, dict]]:
        """Stream (type, object) events until the server ends the watch.

        Raises WatchExpired on a 410 (as an ERROR event or an HTTP status),
        ApiError on other ERROR events / statuses, OSError on transport
        failures (including a stalled stream: the socket timeout is
        timeoutSeconds plus a margin).
        """
        q = dict(query or {})
        q.update({"watch": "1", "allowWatchBookmarks": "true",
                  "timeoutSeconds": str(int(timeout_seconds))})
        if resource_version:
            q["resourceVersion"] = resource_version
        conn = self._connect(timeout_seconds + 30)
        try:
            conn.request("GET", self._url(path, q),
                         headers=self._headers(None))
            resp = conn.getresponse()
            if resp.status != 200:
                raw = resp.read()
                try:
                    obj = json.loads(raw)
                except ValueError:
                    obj = {"message": raw.decode(errors="replace")}
                cls = WatchExpired if resp.status == 410 else ApiError
                raise cls(f"watch {path}: HTTP {resp.status}: "
                          f"{obj.get('message')}", status=resp.status,
                          reason=obj.get("reason", ""), body=obj)
            while True:
                line = resp.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    continue
                event = json.loads(line)
                etype = event.get("type", "")
                obj = event.get("object") or {}
                if etype == "ERROR":
                    code = obj.get("code", 0)
                    cls = WatchExpired if code == 410 else ApiError
                    raise cls(f"watch {path}: ERROR {code} "
                              f"{obj.get('reason')}: {obj.get('message')}",
                              status=code, reason=obj.get("reason", ""),
                              body=obj)
                yield etype, obj
        finally:
            conn.close()


# --------------------------------------------------------------------------
# list + watch loop
# --------------------------------------------------------------------------

class WatchHandler:
    """Callbacks a ListWatch drives (override what you need).

    replace() gets the complete current set after every (re)list, so the
    handler can drop objects deleted while the watch was down; event() gets
    each ADDED/MODIFIED/DELETED; BOOKMARKs only advance the resourceVersion.
    """

    def replace(self, objects: list, resource_version: str) -> None:
        """Called with every full list."""

    def event(self, etype: str, obj: dict) -> None:
        """Called with every ADDED/MODIFIED/DELETED event."""


class ListWatch:
    """List, then watch from the list's resourceVersion, forever (bounded).

    - a watch that ends cleanly (timeoutSeconds) is re-opened from the last
      resourceVersion seen (events or bookmarks);
    - a 410 (ERROR event or HTTP) relists;
    - transport/API errors back off (0.5 s doubling to max_backoff, with
      jitter) and re-watch, or relist if no list succeeded yet.
    Runs in the calling thread until stop is set.
    """

    def __init__(self, client: KubeClient, path: str, query: Optional[dict],
                 handler: WatchHandler, name: str, stop: threading.Event,
                 timeout_seconds: int = 300, max_backoff: float = 30.0
                 ) -> None:
        """Set up state; see the class docstring."""
        self.client = client
        self.path = path
        self.query = query or {}
        self.handler = handler
        self.name = name
        self.stop = stop
        self.timeout_seconds = timeout_seconds
        self.max_backoff = max_backoff
        self.resource_version: Optional[str] = None
        self.relists = 0
        self.rewatches = 0

    def _sleep_backoff(self, backoff: float) -> float:
        """Wait (interruptibly) and return the next backoff."""
        self.stop.wait(backoff * (0.75 + random.random() / 2))
        return min(backoff * 2, self.max_backoff)

    def run(self) -> None:
        """The loop; exceptions from the handler are logged, never fatal."""
        backoff = 0.5
        need_list = True
        while not self.stop.is_set():
            try:
                if need_list:
                    items, rv = self.client.list(self.path, self.query)
                    self.resource_version = rv
                    self.relists += 1
                    LOG.info("%s: listed %d objects at resourceVersion %s",
                             self.name, len(items), rv)
                    self._safe(self.handler.replace, items, rv)
                    need_list = False
                for etype, obj in self.client.watch(
                        self.path, self.query, self.resource_version,
                        self.timeout_seconds):
                    rv = (obj.get("metadata") or {}).get("resourceVersion")
                    if rv:
                        self.resource_version = rv
                    if etype != "BOOKMARK":
                        self._safe(self.handler.event, etype, obj)
                    backoff = 0.5
                    if self.stop.is_set():
                        return
                self.rewatches += 1
                LOG.debug("%s: watch ended; re-watching from %s", self.name,
                          self.resource_version)
            except WatchExpired as exc:
                LOG.info("%s: %s; relisting", self.name, exc)
                need_list = True
            except (OSError, http.client.HTTPException, ApiError,
                    ValueError) as exc:
                LOG.warning("%s: %s: %s; retrying in ~%.1fs", self.name,
                            type(exc).__name__, exc, backoff)
                if not self.resource_version:
                    need_list = True
                backoff = self._sleep_backoff(backoff)

    def _safe(self, fn: Callable, *args: Any) -> None:
        """Call a handler callback; log (never propagate) its failures."""
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a bad object must not stop us
            LOG.exception("%s: handler failed", self.name)


def backoff_delay(failures: int, base: float = 1.0,
                  cap: float = 30.0) -> float:
    """Exponential backoff for the n-th consecutive failure (capped)."""
    return min(cap, base * (2 ** max(0, failures - 1)))


def now_rfc3339() -> str:
    """The current UTC time as Kubernetes writes timestamps."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
