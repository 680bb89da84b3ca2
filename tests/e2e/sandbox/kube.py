"""The sandbox's Kubernetes control plane: a real etcd and kube-apiserver.

Why this exists: every feature of the product is about Pods and Nodes seen
through the Kubernetes API, so the sandbox runs the real thing (Debian's
etcd-server and a kube-apiserver v1.20.2 built by ../build-kube.sh) inside
the control-plane network namespace, with bearer-token authentication,
RBAC, self-signed TLS and ServiceAccount signing keys (so that TokenReview
works for the controller).  There is no scheduler, controller-manager or
kubelet: the sandbox's own pieces play those parts through the small REST
client below.

Layout (RUN is the sandbox run directory, see util.run_dir()):

    RUN/kube/pki/        ca.{key,crt}, apiserver.{key,crt}, sa.{key,pub}
    RUN/kube/tokens.csv  static bearer tokens (--token-auth-file)
    RUN/kube/admin.token, RUN/kube/admin.kubeconfig
    RUN/kube/apiserver.json  server, CA, netns (read by Kube.from_run_dir)
    RUN/kube/etcd/       etcd data
    RUN/kube/etcd.pid, RUN/kube/kube-apiserver.pid
    RUN/kube/sa-NS-NAME.{token,kubeconfig}  ServiceAccount credentials
    RUN/logs/etcd.log, RUN/logs/kube-apiserver.log

Public API (the lead's CLI, the Pod runtime and the tests use these):

    kube_bin_dir() -> Path              cache dir of kube-apiserver, kubectl
    apiserver_path(), kubectl_path() -> Path;  etcd_path() -> str
    ensure_kube_binaries(timeout=3600) -> Path   runs build-kube.sh if needed
    create_pki(kube_dir, apiserver_ip=APISERVER_IP) -> Pki
    ensure_admin_token(kube_dir) -> str
    write_kubeconfig(path, server, ca_file, token, *, user, namespace) -> Path
    start_control_plane(run_dir, netns, ip=APISERVER_IP, *, timeout=60)
        -> ControlPlane (server, ip, netns, ca_file, admin_token_file,
           admin_kubeconfig, pids, logs; .admin() -> Kube)
    stop_control_plane(run_dir, *, timeout=10) -> {"kube-apiserver": bool,
                                                    "etcd": bool}
    control_plane_running(run_dir) -> bool
    class Kube(server, ca_file=None, token=None, *, ca_data, netns, timeout)
        Kube.from_run_dir(run_dir), Kube.from_kubeconfig(path, netns=...),
        .with_token(t), .request(method, path, body, query) -> (status, obj),
        .get, .get_or_none, .list, .create, .replace, .patch, .delete,
        .watch, .ready
    class KubeError(RuntimeError)  (.status, .body, .method, .path)
    api_path(resource, name, *, namespace, subresource, group, version)
    service_account_kubeconfig(run_dir, namespace, name, rules, *,
        audiences, expiration_seconds, method, server, kube) -> Path
    verify_service_account_token(kube, token, username, rules)
    sign_service_account_jwt(sa_key, claims) -> str
    enter_netns(netns)  context manager: sockets made inside live in netns
    log_tail(path, lines=20) -> str
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import dataclasses
import hashlib
import http.client
import ipaddress
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from typing import Any, Iterator, Optional, Sequence

from . import util

KUBE_VERSION = "1.20.2"
APISERVER_IP = "192.168.77.2"
APISERVER_PORT = 6443
SERVICE_CIDR = "10.96.0.0/12"
FIRST_SERVICE_IP = "10.96.0.1"
SA_ISSUER = "https://kubernetes.default.svc"
API_AUDIENCES = (SA_ISSUER,)
ADMIN_USER = "asbx-admin"
ADMIN_GROUP = "system:masters"
ETCD_CLIENT_URL = "http://127.0.0.1:2379"
ETCD_PEER_URL = "http://127.0.0.1:2380"
CLUSTER_NAME = "asbx"
LEGACY_SA_ISSUER = "kubernetes/serviceaccount"

_E2E_DIR = pathlib.Path(__file__).resolve().parent.parent
BUILD_SCRIPT = _E2E_DIR / "build-kube.sh"

_CLONE_NEWNET = 0x40000000


class KubeError(RuntimeError):
    """An API request failed (transport error or a non-2xx status).

    status is the HTTP status (None for a transport error) and body the
    decoded answer (a Status object, usually), so callers can tell
    "not found" or "already exists" apart without parsing the message.
    """

    def __init__(self, message: str, *, status: Optional[int] = None,
                 body: Any = None, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.method = method
        self.path = path


# --------------------------------------------------------------------------
# Binaries


def kube_bin_dir() -> pathlib.Path:
    """Where build-kube.sh caches kube-apiserver and kubectl (off-tree)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return pathlib.Path(cache) / "antrea-c" / f"kube-{KUBE_VERSION}" / "bin"


def apiserver_path() -> pathlib.Path:
    """Path of the cached kube-apiserver binary."""
    return kube_bin_dir() / "kube-apiserver"


def kubectl_path() -> pathlib.Path:
    """Path of the cached kubectl binary."""
    return kube_bin_dir() / "kubectl"


def etcd_path() -> str:
    """Path of Debian's etcd (package etcd-server)."""
    found = shutil.which("etcd") or "/usr/bin/etcd"
    if not os.access(found, os.X_OK):
        raise util.CommandError("etcd not found: install etcd-server "
                                "(tests/install-deps.sh)", what="etcd")
    return found


def ensure_kube_binaries(timeout: float = 3600.0) -> pathlib.Path:
    """Return the bin dir; run build-kube.sh first if binaries are missing.

    The first build takes about 5 minutes; later calls cost nothing.  The
    build log is beside the binaries (kube-1.20.2/build.log).
    """
    bin_dir = kube_bin_dir()
    stamp = bin_dir.parent / "stamp"
    if (apiserver_path().is_file() and kubectl_path().is_file()
            and stamp.is_file()):
        return bin_dir
    util.run(["bash", str(BUILD_SCRIPT)], timeout=timeout,
             what="build kube-apiserver and kubectl (build-kube.sh; log: "
                  f"{bin_dir.parent / 'build.log'})")
    if not (apiserver_path().is_file() and kubectl_path().is_file()):
        raise util.CommandError(f"build-kube.sh left no binaries in {bin_dir}",
                                what="build-kube")
    return bin_dir


# --------------------------------------------------------------------------
# PKI, tokens, kubeconfigs


@dataclasses.dataclass(frozen=True)
class Pki:
    """Paths of the control plane's keys and certificates."""

    dir: pathlib.Path
    ca_key: pathlib.Path
    ca_crt: pathlib.Path
    apiserver_key: pathlib.Path
    apiserver_crt: pathlib.Path
    sa_key: pathlib.Path
    sa_pub: pathlib.Path


def _pki_paths(kube_dir: pathlib.Path) -> Pki:
    """The fixed file names under KUBE/pki."""
    d = pathlib.Path(kube_dir) / "pki"
    return Pki(dir=d, ca_key=d / "ca.key", ca_crt=d / "ca.crt",
               apiserver_key=d / "apiserver.key",
               apiserver_crt=d / "apiserver.crt",
               sa_key=d / "sa.key", sa_pub=d / "sa.pub")


def _openssl(args: Sequence[str], what: str, **kwargs: Any):
    """Run the openssl CLI with a timeout; failures name the step."""
    return util.run(["openssl", *args], timeout=60, what=what, **kwargs)


def _genrsa(path: pathlib.Path, what: str) -> None:
    """Write a new 2048-bit RSA key readable only by its owner."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    _openssl(["genrsa", "-out", str(tmp), "2048"], what)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def apiserver_sans(apiserver_ip: str) -> list[str]:
    """The subjectAltNames the apiserver certificate must carry."""
    ips = [apiserver_ip, "127.0.0.1", FIRST_SERVICE_IP]
    dns = ["kubernetes", "kubernetes.default", "kubernetes.default.svc",
           "kubernetes.default.svc.cluster",
           "kubernetes.default.svc.cluster.local",
           "localhost"]
    seen: list[str] = []
    for ip in ips:
        if f"IP:{ip}" not in seen:
            seen.append(f"IP:{ip}")
    return seen + [f"DNS:{d}" for d in dns]


def _cert_has_sans(crt: pathlib.Path, ca_crt: pathlib.Path,
                   sans: Sequence[str]) -> bool:
    """True if crt is signed by ca_crt and lists every SAN in sans."""
    try:
        _openssl(["verify", "-CAfile", str(ca_crt), str(crt)],
                 "check apiserver certificate")
        text = _openssl(["x509", "-in", str(crt), "-noout", "-text"],
                        "read apiserver certificate").stdout
    except util.CommandError:
        return False
    have = set()
    for san in re.findall(r"(?:IP Address|DNS):[^,\s]+", text):
        kind, value = san.split(":", 1)
        have.add(("IP:" if kind == "IP Address" else "DNS:") + value)
    return all(s in have for s in sans)


def create_pki(kube_dir: os.PathLike | str,
               apiserver_ip: str = APISERVER_IP) -> Pki:
    """Create (or reuse) the CA, the apiserver certificate and the SA keys.

    Idempotent: existing files are kept; the apiserver certificate is only
    re-issued when it does not chain to the CA or lacks a needed SAN (say
    the apiserver IP changed).  Uses the openssl CLI with config files of
    our own, so the machine's openssl.cnf does not matter.
    """
    ipaddress.ip_address(apiserver_ip)  # ValueError on nonsense
    pki = _pki_paths(pathlib.Path(kube_dir))
    pki.dir.mkdir(parents=True, exist_ok=True)
    os.chmod(pki.dir, 0o700)

    if not (pki.ca_key.is_file() and pki.ca_crt.is_file()):
        _genrsa(pki.ca_key, "create CA key")
        cnf = pki.dir / "ca.cnf"
        cnf.write_text(
            "[req]\ndistinguished_name = dn\nprompt = no\n"
            "[dn]\nCN = asbx-kubernetes-ca\n"
            "[v3_ca]\nbasicConstraints = critical, CA:TRUE\n"
            "keyUsage = critical, keyCertSign, cRLSign, digitalSignature\n"
            "subjectKeyIdentifier = hash\n")
        _openssl(["req", "-x509", "-new", "-key", str(pki.ca_key),
                  "-config", str(cnf), "-extensions", "v3_ca",
                  "-days", "3650", "-sha256", "-out", str(pki.ca_crt)],
                 "create CA certificate")
        # A new CA invalidates any old serving certificate.
        for old in (pki.apiserver_crt, pki.apiserver_key):
            with contextlib.suppress(FileNotFoundError):
                old.unlink()

    sans = apiserver_sans(apiserver_ip)
    if not (pki.apiserver_key.is_file() and pki.apiserver_crt.is_file()
            and _cert_has_sans(pki.apiserver_crt, pki.ca_crt, sans)):
        if not pki.apiserver_key.is_file():
            _genrsa(pki.apiserver_key, "create apiserver key")
        cnf = pki.dir / "apiserver.cnf"
        cnf.write_text(
            "[req]\ndistinguished_name = dn\nprompt = no\n"
            "[dn]\nCN = kube-apiserver\n"
            "[v3_server]\nbasicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            "authorityKeyIdentifier = keyid\n"
            f"subjectAltName = {', '.join(sans)}\n")
        csr = pki.dir / "apiserver.csr"
        _openssl(["req", "-new", "-key", str(pki.apiserver_key),
                  "-config", str(cnf), "-out", str(csr)],
                 "create apiserver CSR")
        serial = "0x" + secrets.token_hex(16)
        _openssl(["x509", "-req", "-in", str(csr), "-CA", str(pki.ca_crt),
                  "-CAkey", str(pki.ca_key), "-set_serial", serial,
                  "-days", "3650", "-sha256", "-extfile", str(cnf),
                  "-extensions", "v3_server",
                  "-out", str(pki.apiserver_crt)],
                 "sign apiserver certificate")
        csr.unlink()

    if not (pki.sa_key.is_file() and pki.sa_pub.is_file()):
        _genrsa(pki.sa_key, "create ServiceAccount signing key")
        _openssl(["rsa", "-in", str(pki.sa_key), "-pubout",
                  "-out", str(pki.sa_pub)], "write ServiceAccount public key")
    return pki


def ensure_admin_token(kube_dir: os.PathLike | str) -> str:
    """Create (or reuse) the static admin token and tokens.csv; return it.

    The admin user is in group system:masters (all rights).  The file
    is read by kube-apiserver only at start, which is why the agent and
    controller get ServiceAccount tokens instead of static ones.
    """
    kube_dir = pathlib.Path(kube_dir)
    kube_dir.mkdir(parents=True, exist_ok=True)
    token_file = kube_dir / "admin.token"
    csv = kube_dir / "tokens.csv"
    token = ""
    if token_file.is_file():
        token = token_file.read_text().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", token):
        token = secrets.token_hex(32)
        _write_private(token_file, token + "\n")
    line = f'{token},{ADMIN_USER},{ADMIN_USER},"{ADMIN_GROUP}"\n'
    if not csv.is_file() or csv.read_text() != line:
        _write_private(csv, line)
    return token


def _write_private(path: pathlib.Path, text: str) -> None:
    """Atomically write a file that holds a secret (mode 0600)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value)


def write_kubeconfig(path: os.PathLike | str, server: str,
                     ca_file: os.PathLike | str, token: str, *,
                     user: str = ADMIN_USER,
                     namespace: Optional[str] = None) -> pathlib.Path:
    """Write a kubeconfig: server URL, the CA inline and a bearer token.

    Plain block YAML (no flow style) so that kubectl, libyaml-based C
    code and Kube.from_kubeconfig all read it.
    """
    path = pathlib.Path(path)
    ca_data = base64.b64encode(pathlib.Path(ca_file).read_bytes()).decode()
    ctx = ["- name: " + CLUSTER_NAME, "  context:",
           "    cluster: " + CLUSTER_NAME, "    user: " + _yaml_str(user)]
    if namespace:
        ctx.append("    namespace: " + _yaml_str(namespace))
    text = "\n".join([
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: " + CLUSTER_NAME,
        "  cluster:",
        "    server: " + _yaml_str(server),
        "    certificate-authority-data: " + _yaml_str(ca_data),
        "users:",
        "- name: " + _yaml_str(user),
        "  user:",
        "    token: " + _yaml_str(token),
        "contexts:",
        *ctx,
        "current-context: " + CLUSTER_NAME,
        "",
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, text)
    return path


# --------------------------------------------------------------------------
# Network namespaces for sockets


_libc: Optional[ctypes.CDLL] = None


def _setns(fd: int, what: str) -> None:
    """setns(2) into the network namespace open at fd (this thread only)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns ({what}): {os.strerror(err)}")


@contextlib.contextmanager
def enter_netns(netns: Optional[str]) -> Iterator[None]:
    """Run the body in network namespace netns (None: stay where we are).

    Sockets created inside keep that namespace after the block, which lets
    a process in the root namespace talk to the apiserver in asbx-cp
    without any route between the two.  Only the calling thread moves
    (setns), and it always moves back.  Needs root.
    """
    if not netns:
        yield
        return
    try:
        target = os.open(f"/run/netns/{netns}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise KubeError(f"network namespace {netns} not found: {exc}") \
            from None
    try:
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target, f"enter {netns}")
            try:
                yield
            finally:
                _setns(own, "return from " + netns)
        finally:
            os.close(own)
    finally:
        os.close(target)


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection whose socket is made inside a network namespace."""

    def __init__(self, host: str, port: int, *, netns: Optional[str],
                 context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, context=context, timeout=timeout)
        self._netns = netns

    def connect(self) -> None:
        """Make the TCP socket in the netns, then do TLS as usual."""
        with enter_netns(self._netns):
            sock = socket.create_connection((self.host, self.port),
                                            self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PlainConnection(http.client.HTTPConnection):
    """A plain HTTP connection made inside a network namespace (etcd)."""

    def __init__(self, host: str, port: int, *, netns: Optional[str],
                 timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._netns = netns

    def connect(self) -> None:
        """Make the TCP socket in the netns."""
        with enter_netns(self._netns):
            self.sock = socket.create_connection((self.host, self.port),
                                                 self.timeout)


# --------------------------------------------------------------------------
# REST client


def api_path(resource: str, name: Optional[str] = None, *,
             namespace: Optional[str] = None,
             subresource: Optional[str] = None,
             group: str = "", version: str = "v1") -> str:
    """Build /api/v1/... or /apis/GROUP/VERSION/... paths.

    api_path("pods", "p1", namespace="ns", subresource="status") ->
    /api/v1/namespaces/ns/pods/p1/status
    """
    parts = ["/api/" + version] if not group else [f"/apis/{group}/{version}"]
    if namespace:
        parts += ["namespaces", urllib.parse.quote(namespace, safe="")]
    parts.append(resource)
    if name:
        parts.append(urllib.parse.quote(name, safe=""))
    if subresource:
        parts.append(subresource)
    return "/".join(parts)


_PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}


class Kube:
    """A tiny Kubernetes REST client: JSON in and out, a timeout on each call.

    request() never raises for an HTTP status (it returns it); the helpers
    (get, list, create, ...) raise KubeError on a non-2xx answer.  One TLS
    connection per request keeps it simple and robust against apiserver
    restarts.  With netns set, the connection is made inside that network
    namespace (the caller must be root).
    """

    def __init__(self, server: str,
                 ca_file: Optional[os.PathLike | str] = None,
                 token: Optional[str] = None, *, ca_data: Optional[str] = None,
                 netns: Optional[str] = None, timeout: float = 15.0) -> None:
        url = urllib.parse.urlsplit(server)
        if url.scheme != "https" or not url.hostname:
            raise ValueError(
                f"server must be https://HOST:PORT, not {server!r}")
        self.server = server.rstrip("/")
        self.host = url.hostname
        self.port = url.port or 443
        self.token = token
        self.netns = netns
        self.timeout = timeout
        self.ca_file = str(ca_file) if ca_file else None
        self._ctx = ssl.create_default_context(cafile=self.ca_file,
                                               cadata=ca_data)

    # -- construction ------------------------------------------------------

    @classmethod
    def from_kubeconfig(cls, path: os.PathLike | str, *,
                        netns: Optional[str] = None,
                        timeout: float = 15.0) -> "Kube":
        """Read a kubeconfig write_kubeconfig() wrote (server, CA, token)."""
        text = pathlib.Path(path).read_text()

        def field(key: str) -> Optional[str]:
            m = re.search(rf"^\s*{re.escape(key)}:\s*(.+?)\s*$", text, re.M)
            if not m:
                return None
            value = m.group(1)
            if value.startswith('"'):
                return json.loads(value)
            return value.strip("'")

        server = field("server")
        token = field("token")
        ca_b64 = field("certificate-authority-data")
        ca_file = field("certificate-authority")
        if not server:
            raise KubeError(f"{path}: no server")
        ca_data = base64.b64decode(ca_b64).decode() if ca_b64 else None
        return cls(server, ca_file, token, ca_data=ca_data, netns=netns,
                   timeout=timeout)

    @classmethod
    def from_run_dir(cls, run_dir: os.PathLike | str | None = None, *,
                     timeout: float = 15.0) -> "Kube":
        """The admin client of the control plane start_control_plane() ran."""
        kube_dir = pathlib.Path(run_dir or util.run_dir()) / "kube"
        try:
            info = json.loads((kube_dir / "apiserver.json").read_text())
        except (OSError, ValueError) as exc:
            raise KubeError(
                f"no control plane recorded in {kube_dir}: {exc}") \
                from None
        token = pathlib.Path(info["admin_token_file"]).read_text().strip()
        return cls(info["server"], info["ca_file"], token,
                   netns=info.get("netns"), timeout=timeout)

    def with_token(self, token: str) -> "Kube":
        """The same server and CA, another identity."""
        other = Kube.__new__(Kube)
        other.__dict__.update(self.__dict__)
        other.token = token
        return other

    # -- transport ---------------------------------------------------------

    def _connection(self, timeout: float) -> http.client.HTTPSConnection:
        """A fresh connection (inside self.netns if set)."""
        return _Connection(self.host, self.port, netns=self.netns,
                           context=self._ctx, timeout=timeout)

    def _headers(self, content_type: Optional[str]) -> dict[str, str]:
        """Headers every request carries."""
        headers = {"Accept": "application/json",
                   "User-Agent": "antrea-c-sandbox"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    @staticmethod
    def _url(path: str, query: Optional[dict[str, Any]]) -> str:
        """path plus an encoded query (None dropped, bools lowercased)."""
        if not path.startswith("/"):
            path = "/" + path
        if query:
            items = []
            for k, v in query.items():
                if v is None:
                    continue
                if isinstance(v, bool):
                    v = "true" if v else "false"
                items.append((k, str(v)))
            if items:
                path += ("&" if "?" in path else "?") + \
                    urllib.parse.urlencode(items)
        return path

    def request(self, method: str, path: str, body: Any = None,
                query: Optional[dict[str, Any]] = None, *,
                content_type: Optional[str] = None,
                timeout: Optional[float] = None) -> tuple[int, Any]:
        """Send one request; return (status, decoded JSON or text).

        body may be a dict/list (sent as JSON), str or bytes.  PATCH defaults
        to a JSON merge patch.  Raises KubeError only when no answer came
        (connection refused, TLS failure, timeout).
        """
        method = method.upper()
        if content_type is None and body is not None:
            content_type = (_PATCH_TYPES["merge"] if method == "PATCH"
                            else "application/json")
        data: Optional[bytes]
        if body is None:
            data = None
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        url = self._url(path, query)
        conn = self._connection(timeout or self.timeout)
        try:
            conn.request(method, url, body=data,
                         headers=self._headers(content_type))
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            raise KubeError(f"{method} {self.server}{url}: {exc}",
                            method=method, path=url) from None
        finally:
            conn.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            decoded: Any = json.loads(text) if text else {}
        except ValueError:
            decoded = text
        return status, decoded

    def _check(self, method: str, path: str, status: int, obj: Any,
               ok: Sequence[int] = (200, 201, 202)) -> Any:
        """Raise KubeError unless status is in ok; return obj."""
        if status in ok:
            return obj
        msg = obj.get("message") if isinstance(obj, dict) else str(obj)[:500]
        raise KubeError(f"{method} {path}: HTTP {status}: {msg}",
                        status=status, body=obj, method=method, path=path)

    # -- helpers -----------------------------------------------------------

    def get(self, path: str, query: Optional[dict[str, Any]] = None) -> Any:
        """GET an object (raise KubeError unless 200)."""
        status, obj = self.request("GET", path, query=query)
        return self._check("GET", path, status, obj, (200,))

    def get_or_none(self, path: str) -> Any:
        """GET an object, or None when it does not exist (404)."""
        status, obj = self.request("GET", path)
        if status == 404:
            return None
        return self._check("GET", path, status, obj, (200,))

    def list(self, path: str, query: Optional[dict[str, Any]] = None, *,
             limit: int = 500, max_pages: int = 1000) -> list[Any]:
        """GET a collection, following continue tokens; return all items."""
        items: list[Any] = []
        q = dict(query or {})
        q["limit"] = limit
        for _ in range(max_pages):
            page = self.get(path, q)
            items.extend(page.get("items") or [])
            cont = (page.get("metadata") or {}).get("continue")
            if not cont:
                return items
            q["continue"] = cont
        raise KubeError(f"GET {path}: more than {max_pages} pages")

    def create(self, path: str, body: Any, *, exist_ok: bool = False) -> Any:
        """POST an object to a collection (or a subresource such as binding).

        With exist_ok, a 409 AlreadyExists returns None instead of raising.
        """
        status, obj = self.request("POST", path, body)
        if exist_ok and status == 409:
            return None
        return self._check("POST", path, status, obj)

    def replace(self, path: str, body: Any) -> Any:
        """PUT a whole object (needs metadata.resourceVersion for safety)."""
        status, obj = self.request("PUT", path, body)
        return self._check("PUT", path, status, obj, (200, 201))

    def patch(self, path: str, body: Any, patch_type: str = "merge") -> Any:
        """PATCH an object or subresource ("merge", "strategic" or "json")."""
        status, obj = self.request("PATCH", path, body,
                                   content_type=_PATCH_TYPES[patch_type])
        return self._check("PATCH", path, status, obj, (200, 201))

    def delete(self, path: str, *, grace_period: Optional[int] = None,
               propagation: Optional[str] = None,
               missing_ok: bool = True) -> bool:
        """DELETE an object; False if it was already gone (and missing_ok).

        grace_period=0 finishes a Pod's deletion at once (there is no kubelet
        to do it).
        """
        body = None
        if grace_period is not None or propagation:
            body = {"kind": "DeleteOptions", "apiVersion": "v1"}
            if grace_period is not None:
                body["gracePeriodSeconds"] = grace_period
            if propagation:
                body["propagationPolicy"] = propagation
        status, obj = self.request("DELETE", path, body)
        if status == 404 and missing_ok:
            return False
        self._check("DELETE", path, status, obj, (200, 202))
        return True

    def watch(self, path: str, *, resource_version: Optional[str] = None,
              timeout_seconds: int = 60,
              query: Optional[dict[str, Any]] = None) -> Iterator[dict]:
        """Yield watch events ({"type", "object"}) until the stream ends.

        The server closes the stream after timeout_seconds; the socket
        timeout is a little longer, so this never blocks forever.  An
        ERROR event (e.g. 410 Expired) is yielded like any other: the
        caller relists.
        """
        q = dict(query or {})
        q.update({"watch": "1", "allowWatchBookmarks": "true",
                  "timeoutSeconds": int(timeout_seconds)})
        if resource_version:
            q["resourceVersion"] = resource_version
        url = self._url(path, q)
        conn = self._connection(timeout_seconds + 15)
        try:
            conn.request("GET", url, headers=self._headers(None))
            resp = conn.getresponse()
            if resp.status != 200:
                raw = resp.read().decode(errors="replace")
                try:
                    obj: Any = json.loads(raw)
                except ValueError:
                    obj = raw
                self._check("GET", url, resp.status, obj, (200,))
            while True:
                line = resp.readline()
                if not line:
                    return
                line = line.strip()
                if line:
                    yield json.loads(line)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            raise KubeError(f"watch {self.server}{url}: {exc}",
                            method="GET", path=url) from None
        finally:
            conn.close()

    def ready(self) -> bool:
        """True if /readyz answers 200 "ok"."""
        try:
            status, body = self.request("GET", "/readyz", timeout=5)
        except KubeError:
            return False
        return status == 200 and (body == "ok" or body == {})


# --------------------------------------------------------------------------
# Control plane


@dataclasses.dataclass(frozen=True)
class ControlPlane:
    """What start_control_plane() made: addresses, credentials, logs."""

    server: str
    ip: str
    netns: Optional[str]
    ca_file: pathlib.Path
    admin_token_file: pathlib.Path
    admin_kubeconfig: pathlib.Path
    etcd_pid: int
    apiserver_pid: int
    etcd_log: pathlib.Path
    apiserver_log: pathlib.Path

    def admin(self, timeout: float = 15.0) -> Kube:
        """An admin Kube client for this control plane."""
        return Kube(self.server, self.ca_file,
                    self.admin_token_file.read_text().strip(),
                    netns=self.netns, timeout=timeout)


def _paths(run_dir: os.PathLike | str) -> dict[str, pathlib.Path]:
    """The run directory's file names this module uses."""
    run = pathlib.Path(run_dir)
    kube = run / "kube"
    logs = run / "logs"
    return {
        "run": run, "kube": kube, "logs": logs,
        "etcd_data": kube / "etcd",
        "etcd_pid": kube / "etcd.pid",
        "apiserver_pid": kube / "kube-apiserver.pid",
        "etcd_log": logs / "etcd.log",
        "apiserver_log": logs / "kube-apiserver.log",
        "tokens": kube / "tokens.csv",
        "admin_token": kube / "admin.token",
        "admin_kubeconfig": kube / "admin.kubeconfig",
        "info": kube / "apiserver.json",
    }


def log_tail(path: os.PathLike | str, lines: int = 20) -> str:
    """The last lines of a log file, for error messages."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(data.splitlines()[-lines:])


def _fail(step: str, log: pathlib.Path, detail: str = "") -> util.CommandError:
    """An error naming the step, the log and its last lines."""
    detail = detail.replace(f"; see {log}", "")
    extra = f": {detail}" if detail else ""
    return util.CommandError(
        f"{step} failed{extra}; see {log}; last lines:\n{log_tail(log)}",
        what=step)


def _running(pid_file: pathlib.Path, expect: str) -> Optional[int]:
    """The pid in pid_file if that process runs and is `expect`."""
    pid = util.read_pid(pid_file)
    if pid and util.pid_alive(pid) and util.pid_matches(pid, expect):
        return pid
    return None


def _same_netns(pid: int, netns: Optional[str]) -> bool:
    """True if pid lives in network namespace netns (None: ours)."""
    try:
        theirs = os.stat(f"/proc/{pid}/ns/net")
        ours = os.stat(f"/run/netns/{netns}" if netns
                       else "/proc/self/ns/net")
    except OSError:
        return False
    return (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino)


def _etcd_healthy(netns: Optional[str]) -> bool:
    """True if etcd's /health says so (asked inside netns)."""
    url = urllib.parse.urlsplit(ETCD_CLIENT_URL)
    conn = _PlainConnection(url.hostname or "127.0.0.1", url.port or 2379,
                            netns=netns, timeout=3)
    try:
        conn.request("GET", "/health")
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    try:
        return resp.status == 200 and json.loads(body).get("health") == "true"
    except ValueError:
        return False


def _etcd_argv(data_dir: pathlib.Path) -> list[str]:
    """etcd's command line: one member, client and peer on 127.0.0.1."""
    return [
        etcd_path(),
        "--name", "asbx-etcd",
        "--data-dir", str(data_dir),
        "--listen-client-urls", ETCD_CLIENT_URL,
        "--advertise-client-urls", ETCD_CLIENT_URL,
        "--listen-peer-urls", ETCD_PEER_URL,
        "--initial-advertise-peer-urls", ETCD_PEER_URL,
        "--initial-cluster", f"asbx-etcd={ETCD_PEER_URL}",
        "--initial-cluster-state", "new",
        "--logger", "zap", "--log-outputs", "stderr",
        "--auto-compaction-mode", "periodic",
        "--auto-compaction-retention", "1h",
    ]


def _apiserver_argv(pki: Pki, tokens: pathlib.Path, ip: str,
                    netns: Optional[str]) -> list[str]:
    """kube-apiserver's command line (see environment.md for why each flag)."""
    # Inside our own namespace, listen on every address there (the underlay
    # IP for the Nodes, 127.0.0.1 for the controller); in the root namespace
    # only on the given IP.
    bind = "0.0.0.0" if netns else ip
    return [
        str(apiserver_path()),
        "--etcd-servers=" + ETCD_CLIENT_URL,
        "--bind-address=" + bind,
        "--advertise-address=" + ip,
        f"--secure-port={APISERVER_PORT}",
        "--insecure-port=0",
        "--tls-cert-file=" + str(pki.apiserver_crt),
        "--tls-private-key-file=" + str(pki.apiserver_key),
        "--client-ca-file=" + str(pki.ca_crt),
        "--token-auth-file=" + str(tokens),
        "--authorization-mode=Node,RBAC",
        "--service-account-key-file=" + str(pki.sa_pub),
        "--service-account-signing-key-file=" + str(pki.sa_key),
        "--service-account-issuer=" + SA_ISSUER,
        "--api-audiences=" + ",".join(API_AUDIENCES),
        "--service-cluster-ip-range=" + SERVICE_CIDR,
        "--endpoint-reconciler-type=none",
        "--disable-admission-plugins=ServiceAccount",
        "--allow-privileged=true",
        "--profiling=false",
        "--v=1",
    ]


def control_plane_running(run_dir: os.PathLike | str | None = None) -> bool:
    """True if etcd and kube-apiserver from run_dir run and /readyz says ok."""
    p = _paths(run_dir or util.run_dir())
    if not (_running(p["etcd_pid"], "etcd")
            and _running(p["apiserver_pid"], "kube-apiserver")):
        return False
    try:
        return Kube.from_run_dir(p["run"], timeout=5).ready()
    except (KubeError, OSError, KeyError):
        return False


def start_control_plane(run_dir: os.PathLike | str | None,
                        netns: Optional[str],
                        ip: str = APISERVER_IP, *,
                        timeout: float = 60.0) -> ControlPlane:
    """Start etcd and kube-apiserver in netns; wait until /readyz is ok.

    Idempotent: daemons already running (from this run_dir, in this netns)
    are kept; a healthy control plane makes this a no-op.  Creates the PKI,
    the admin token and RUN/kube/admin.kubeconfig first.  The binaries must
    be built (ensure_kube_binaries()).  Raises util.CommandError naming the
    step and the log (with its last lines) on failure.
    """
    p = _paths(run_dir or util.run_dir())
    if not apiserver_path().is_file():
        raise util.CommandError(
            f"{apiserver_path()} missing: run tests/e2e/build-kube.sh "
            "(or sandbox.kube.ensure_kube_binaries())", what="kube-apiserver")
    if netns and not os.path.exists(f"/run/netns/{netns}"):
        raise util.CommandError(f"network namespace {netns} does not exist",
                                what="start control plane")
    p["kube"].mkdir(parents=True, exist_ok=True)
    p["logs"].mkdir(parents=True, exist_ok=True)

    pki = create_pki(p["kube"], ip)
    token = ensure_admin_token(p["kube"])
    server = f"https://{ip}:{APISERVER_PORT}"
    write_kubeconfig(p["admin_kubeconfig"], server, pki.ca_crt, token)
    info = {"server": server, "ip": ip, "netns": netns,
            "ca_file": str(pki.ca_crt),
            "admin_token_file": str(p["admin_token"]),
            "admin_kubeconfig": str(p["admin_kubeconfig"]),
            "etcd_pid_file": str(p["etcd_pid"]),
            "apiserver_pid_file": str(p["apiserver_pid"]),
            "etcd_log": str(p["etcd_log"]),
            "apiserver_log": str(p["apiserver_log"])}
    _write_private(p["info"], json.dumps(info, indent=2) + "\n")

    deadline = time.monotonic() + timeout

    def left() -> float:
        return max(1.0, deadline - time.monotonic())

    # etcd
    etcd_pid = _running(p["etcd_pid"], "etcd")
    if etcd_pid and not _same_netns(etcd_pid, netns):
        raise util.CommandError(
            f"etcd (pid {etcd_pid}) runs in another network namespace than "
            f"{netns}: stop the control plane first", what="start etcd")
    if not etcd_pid:
        p["etcd_data"].mkdir(parents=True, exist_ok=True)
        os.chmod(p["etcd_data"], 0o700)
        try:
            etcd_pid = util.start_daemon(
                _etcd_argv(p["etcd_data"]), pid_file=p["etcd_pid"],
                log_file=p["etcd_log"], netns=netns, what="start etcd")
        except util.CommandError as exc:
            raise _fail("start etcd", p["etcd_log"], str(exc)) from None
    try:
        util.wait_for(lambda: _etcd_healthy(netns), min(left(), 30.0),
                      "etcd /health", interval=0.2)
    except util.WaitTimeout as exc:
        raise _fail("start etcd", p["etcd_log"], str(exc)) from None

    # kube-apiserver
    api_pid = _running(p["apiserver_pid"], "kube-apiserver")
    if api_pid and not _same_netns(api_pid, netns):
        raise util.CommandError(
            f"kube-apiserver (pid {api_pid}) runs in another network "
            f"namespace than {netns}: stop the control plane first",
            what="start kube-apiserver")
    if not api_pid:
        try:
            api_pid = util.start_daemon(
                _apiserver_argv(pki, p["tokens"], ip, netns),
                pid_file=p["apiserver_pid"], log_file=p["apiserver_log"],
                netns=netns, what="start kube-apiserver")
        except util.CommandError as exc:
            raise _fail("start kube-apiserver", p["apiserver_log"],
                        str(exc)) from None
    plane = ControlPlane(server=server, ip=ip, netns=netns,
                         ca_file=pki.ca_crt,
                         admin_token_file=p["admin_token"],
                         admin_kubeconfig=p["admin_kubeconfig"],
                         etcd_pid=etcd_pid, apiserver_pid=api_pid,
                         etcd_log=p["etcd_log"],
                         apiserver_log=p["apiserver_log"])
    kube = plane.admin(timeout=5)
    # Poll by hand (not util.wait_for) so that a dead apiserver fails at
    # once instead of after the whole timeout.
    while not kube.ready():
        if not util.pid_alive(api_pid):
            raise _fail("start kube-apiserver", p["apiserver_log"],
                        "the process exited")
        if time.monotonic() >= deadline:
            raise _fail("start kube-apiserver", p["apiserver_log"],
                        f"/readyz not ok after {timeout:g}s")
        time.sleep(0.25)
    # The admin token must work too (readyz is open to anyone).  The
    # "default" namespace is created by a post-start hook that /readyz does
    # not wait for, so a 404 is retried until the deadline; 401/403 is not.
    while True:
        status, body = kube.request("GET", "/api/v1/namespaces/default")
        if status == 200:
            return plane
        if status != 404 or time.monotonic() >= deadline:
            raise _fail("check the admin token", p["apiserver_log"],
                        f"GET /api/v1/namespaces/default: HTTP {status}: "
                        f"{body}")
        time.sleep(0.25)


def stop_control_plane(run_dir: os.PathLike | str | None = None, *,
                       timeout: float = 10.0) -> dict[str, bool]:
    """Stop kube-apiserver, then etcd, by their pid files; idempotent.

    SIGTERM, a bounded wait, then SIGKILL (util.stop_daemon); a pid file
    whose process is gone or is something else is just removed.  Returns
    which daemons were actually running.  Data stays (the caller removes
    the run directory).
    """
    p = _paths(run_dir or util.run_dir())
    return {
        "kube-apiserver": util.stop_daemon(p["apiserver_pid"], timeout=timeout,
                                           expect="kube-apiserver"),
        "etcd": util.stop_daemon(p["etcd_pid"], timeout=timeout,
                                 expect="etcd"),
    }


# --------------------------------------------------------------------------
# ServiceAccounts


def _b64url(data: bytes) -> str:
    """Base64url without padding (JWT encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _key_id(sa_key: pathlib.Path) -> str:
    """The kid kube-apiserver gives a key: b64url(sha256(DER pubkey))."""
    argv = ["openssl", "rsa", "-in", str(sa_key), "-pubout", "-outform",
            "DER"]
    try:
        der = subprocess.run(argv, capture_output=True, timeout=30,
                             stdin=subprocess.DEVNULL, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise util.CommandError(f"read the ServiceAccount public key: {exc}",
                                argv=argv, what="sa key id") from None
    return _b64url(hashlib.sha256(der).digest())


def sign_service_account_jwt(sa_key: os.PathLike | str,
                             claims: dict[str, Any]) -> str:
    """Sign claims as an RS256 JWT with the SA signing key (openssl CLI)."""
    sa_key = pathlib.Path(sa_key)
    header = {"alg": "RS256", "kid": _key_id(sa_key)}

    def part(obj: dict[str, Any]) -> str:
        """One JWT segment: compact JSON, base64url."""
        return _b64url(json.dumps(obj, separators=(",", ":")).encode())

    signing_input = part(header) + "." + part(claims)
    with tempfile.TemporaryDirectory(prefix="asbx-jwt-") as tmp:
        sig_file = pathlib.Path(tmp) / "sig"
        util.run(["openssl", "dgst", "-sha256", "-sign", str(sa_key),
                  "-binary", "-out", str(sig_file)], input=signing_input,
                 timeout=30, what="sign ServiceAccount token")
        sig = sig_file.read_bytes()
    return signing_input + "." + _b64url(sig)


def _ensure_namespace(kube: Kube, namespace: str) -> None:
    """Create namespace if missing."""
    kube.create("/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": namespace}}, exist_ok=True)


def _token_request(kube: Kube, namespace: str, name: str,
                   audiences: Sequence[str], expiration: int) -> Optional[str]:
    """Mint a token with the TokenRequest API; None if the server refuses."""
    path = api_path("serviceaccounts", name, namespace=namespace,
                    subresource="token")
    status, obj = kube.request("POST", path, {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"audiences": list(audiences),
                 "expirationSeconds": int(expiration)}})
    if status in (200, 201) and isinstance(obj, dict):
        return (obj.get("status") or {}).get("token") or None
    return None


def _legacy_token(kube: Kube, pki: Pki, namespace: str, name: str,
                  uid: str) -> str:
    """Sign a legacy-format SA token and store it in its token Secret.

    kube-apiserver 1.20 checks a legacy token against the Secret it names
    (--service-account-lookup), and without a token controller nobody
    makes that Secret: we make it, as the controller would have.
    """
    secret_name = f"{name}-token-asbx"
    claims = {
        "iss": LEGACY_SA_ISSUER,
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/secret.name": secret_name,
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": uid,
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    token = sign_service_account_jwt(pki.sa_key, claims)
    secret = {
        "apiVersion": "v1", "kind": "Secret", "type":
        "kubernetes.io/service-account-token",
        "metadata": {"name": secret_name, "namespace": namespace,
                     "annotations": {
                         "kubernetes.io/service-account.name": name,
                         "kubernetes.io/service-account.uid": uid}},
        "data": {"token": base64.b64encode(token.encode()).decode(),
                 "namespace": base64.b64encode(namespace.encode()).decode(),
                 "ca.crt": base64.b64encode(pki.ca_crt.read_bytes()).decode()},
    }
    path = api_path("secrets", secret_name, namespace=namespace)
    kube.delete(path)
    kube.create(api_path("secrets", namespace=namespace), secret)
    return token


def service_account_kubeconfig(run_dir: os.PathLike | str | None,
                               namespace: str, name: str,
                               rules: Sequence[dict[str, Any]], *,
                               audiences: Sequence[str] = API_AUDIENCES,
                               expiration_seconds: int = 365 * 24 * 3600,
                               method: str = "auto",
                               server: Optional[str] = None,
                               kube: Optional[Kube] = None) -> pathlib.Path:
    """Give ServiceAccount NAMESPACE/NAME RBAC rules; write its kubeconfig.

    Creates the namespace (if missing), the ServiceAccount, a ClusterRole
    and ClusterRoleBinding "asbx-NAMESPACE-NAME" with `rules` (updated if
    they exist), then gets a token: method "tokenrequest" (the TokenRequest
    API), "legacy" (a JWT we sign with the SA key, plus the token Secret the
    token controller would have made) or "auto" (the first, else the
    second).  Checks that the token authenticates (TokenReview), that the
    first rule is allowed (SelfSubjectAccessReview) and that RBAC refuses
    what the rules do not grant (403).  Writes RUN/kube/sa-NS-NAME.token
    and RUN/kube/sa-NS-NAME.kubeconfig; returns the kubeconfig path.
    """
    run = pathlib.Path(run_dir or util.run_dir())
    p = _paths(run)
    kube = kube or Kube.from_run_dir(run)
    pki = _pki_paths(p["kube"])
    username = f"system:serviceaccount:{namespace}:{name}"
    role = f"asbx-{namespace}-{name}"

    _ensure_namespace(kube, namespace)
    sa_path = api_path("serviceaccounts", name, namespace=namespace)
    kube.create(api_path("serviceaccounts", namespace=namespace),
                {"apiVersion": "v1", "kind": "ServiceAccount",
                 "metadata": {"name": name, "namespace": namespace}},
                exist_ok=True)
    sa = kube.get(sa_path)
    uid = sa["metadata"]["uid"]

    rbac = "rbac.authorization.k8s.io"
    role_body = {"apiVersion": f"{rbac}/v1", "kind": "ClusterRole",
                 "metadata": {"name": role}, "rules": list(rules)}
    if kube.create(api_path("clusterroles", group=rbac), role_body,
                   exist_ok=True) is None:
        kube.patch(api_path("clusterroles", role, group=rbac),
                   {"rules": list(rules)})
    binding = {"apiVersion": f"{rbac}/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": role},
               "roleRef": {"apiGroup": rbac, "kind": "ClusterRole",
                           "name": role},
               "subjects": [{"kind": "ServiceAccount", "name": name,
                             "namespace": namespace}]}
    if kube.create(api_path("clusterrolebindings", group=rbac), binding,
                   exist_ok=True) is None:
        kube.patch(api_path("clusterrolebindings", role, group=rbac),
                   {"subjects": binding["subjects"]})

    token: Optional[str] = None
    how = ""
    if method in ("auto", "tokenrequest"):
        token = _token_request(kube, namespace, name, audiences,
                               expiration_seconds)
        how = "TokenRequest"
        if token is None and method == "tokenrequest":
            raise KubeError(f"TokenRequest for {username} refused")
    if token is None:
        if method not in ("auto", "legacy"):
            raise ValueError(f"unknown method {method!r}")
        token = _legacy_token(kube, pki, namespace, name, uid)
        how = "signed legacy token"

    verify_service_account_token(kube, token, username, rules, how=how)

    stem = f"sa-{namespace}-{name}"
    _write_private(p["kube"] / f"{stem}.token", token + "\n")
    return write_kubeconfig(p["kube"] / f"{stem}.kubeconfig",
                            server or kube.server, pki.ca_crt, token,
                            user=username, namespace=namespace)


def verify_service_account_token(kube: Kube, token: str, username: str,
                                 rules: Sequence[dict[str, Any]], *,
                                 how: str = "token",
                                 timeout: float = 10.0) -> None:
    """Check that token authenticates as username and is limited by RBAC.

    kube is an admin client.  Raises KubeError saying what did not hold.
    """
    review = kube.create("/apis/authentication.k8s.io/v1/tokenreviews", {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
        "spec": {"token": token}})
    st = review.get("status") or {}
    if not st.get("authenticated") or \
            (st.get("user") or {}).get("username") != username:
        raise KubeError(f"TokenReview of the {how} for {username}: {st}")

    sa_kube = kube.with_token(token)
    # Allowed: the first concrete rule, via SelfSubjectAccessReview (RBAC
    # caches take a moment to see a new binding, hence the bounded wait).
    first = next((r for r in rules if r.get("resources") and r.get("verbs")),
                 None)
    if first:
        attrs = {"verb": first["verbs"][0],
                 "group": (first.get("apiGroups") or [""])[0],
                 "resource": first["resources"][0]}
        attrs = {k: ("" if v == "*" and k == "group" else v)
                 for k, v in attrs.items()}

        def allowed() -> bool:
            ssar = sa_kube.create(
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                {"apiVersion": "authorization.k8s.io/v1",
                 "kind": "SelfSubjectAccessReview",
                 "spec": {"resourceAttributes": attrs}})
            return bool((ssar.get("status") or {}).get("allowed"))

        try:
            util.wait_for(allowed, timeout,
                          f"RBAC to allow {username} {attrs}", interval=0.2)
        except util.WaitTimeout as exc:
            raise KubeError(str(exc)) from None
    # Refused: a resource no rule grants unless a rule is a full wildcard.
    wildcard = any("*" in (r.get("apiGroups") or []) and
                   "*" in (r.get("resources") or []) for r in rules)
    if not wildcard:
        status, body = sa_kube.request(
            "GET", "/apis/asbx-rbac-probe.invalid/v1/probes")
        if status != 403:
            raise KubeError(f"RBAC did not refuse {username}: HTTP {status}: "
                            f"{body}", status=status, body=body)
