# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Shared harness of the tests that run the real antrea-controller
against a real kube-apiserver: tests/controller/test-*.py,
tests/agent/test-crd-info.py and tests/antctl/test-antctl.py.

The controller runs in the Node namespace of an agent_harness.Harness
(tests/agent/agent_harness.py, which starts etcd + kube-apiserver
there), is started and stopped by it (by pid), and is reached over HTTPS
verified against the self-signed certificate it writes with
--ca-cert-out.  Standard library only.

    h = Harness.for_test("atest-x", ip, node)
    kc = h.setup_control_plane(cidr)
    token = service_account_token(h.run, admin, "x-agent",
                                  [CONTROLPLANE_READER])
    ca = start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True})
    api = ControllerApi(h, PORT, ca)
    api.wait_healthy()
    status, content_type, body = api.get(path, token)
    h.stop_cleanly("controller")
"""

import http.client
import os
import pathlib
import ssl
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]
                       / "agent"))
from agent_harness import BOUND, kube, wait_for  # noqa: E402

# The RBAC rule an agent needs on the control-plane API.
CONTROLPLANE_READER = {
    "apiGroups": ["controlplane.antrea.io"],
    "resources": ["networkpolicies", "addressgroups", "appliedtogroups"],
    "verbs": ["get", "list", "watch"]}
# A command the controller runs under ($ATEST_WRAPPER, e.g. "valgrind
# --leak-check=full --error-exitcode=99"), or nothing.
WRAPPER = os.environ.get("ATEST_WRAPPER", "").split()


def controller_path(build):
    """The antrea-controller of build tree 'build'."""
    return pathlib.Path(build) / "core" / "controller" / "antrea-controller"


def service_account_token(run, admin, name, rules):
    """Creates ServiceAccount kube-system/'name' with a ClusterRole of
    'rules' (through 'admin', files in run/kube); answers its token."""
    kube.service_account_kubeconfig(run, "kube-system", name, rules,
                                    kube=admin)
    return (run / "kube" / f"sa-kube-system-{name}.token").read_text() \
        .strip()


def agent_kubeconfig(h, admin, name, port, ca):
    """The kubeconfig an agent reaches the controller with (its
    antreaClientConnection): https://NODE-IP:'port' verified with 'ca',
    the token of ServiceAccount kube-system/'name' (made through 'admin',
    allowed CONTROLPLANE_READER).  Answers its path in the run
    directory."""
    token = service_account_token(h.run, admin, name, [CONTROLPLANE_READER])
    return kube.write_kubeconfig(h.run / "agent-to-controller.kubeconfig",
                                 f"https://{h.ip}:{port}", ca, token)


def start_controller(h, kubeconfig, settings, ca_out="ca.crt",
                     cert_dir="self-signed", wrapper=None):
    """Writes run/controller.conf (clientConnection 'kubeconfig', then
    each of 'settings', booleans as true/false) and starts
    antrea-controller as daemon "controller" of Harness 'h' (under
    'wrapper', by default WRAPPER), its self-signed certificate kept in
    run/'cert_dir', logging to run/controller.log.  With 'ca_out' (a
    file name in run), has the certificate written there and answers its
    path once it is (an older one removed first); else answers None."""
    run = h.run
    conf = run / "controller.conf"
    conf.write_text(f"clientConnection:\n  kubeconfig: {kubeconfig}\n" +
                    "".join(f"{key}: {_yaml_scalar(value)}\n"
                            for key, value in settings.items()))
    argv = (WRAPPER if wrapper is None else list(wrapper)) + [
        str(controller_path(h.build)), "--config", str(conf),
        "--self-signed-cert-dir", str(run / cert_dir)]
    ca = run / ca_out if ca_out else None
    if ca:
        ca.unlink(missing_ok=True)
        argv += ["--ca-cert-out", str(ca)]
    h.start("controller", argv, log=run / "controller.log")
    if ca:
        wait_for(ca.exists, "the controller's certificate", BOUND)
    return ca


def _yaml_scalar(value):
    """'value' as a YAML scalar of the controller's configuration."""
    return str(value).lower() if isinstance(value, bool) else str(value)


class ControllerApi:
    """HTTPS requests to the controller's API port from inside the Node
    namespace, verified against the controller's certificate."""

    def __init__(self, h, port, ca_file):
        self.ns = h.ns                  # the Node namespace
        self.ip = h.ip                  # the Node's address
        self.port = port                # the controller's apiPort
        self.ctx = ssl.create_default_context(cafile=str(ca_file))

    def connect(self, timeout=BOUND):
        """A new connection, made inside the Node namespace."""
        with kube.enter_netns(self.ns):
            c = http.client.HTTPSConnection(self.ip, self.port,
                                            context=self.ctx,
                                            timeout=timeout)
            c.connect()
        return c

    def get(self, path, token=None):
        """GET 'path' with bearer 'token' (none if None); answers
        (status, content type, body bytes)."""
        c = self.connect()
        try:
            c.request("GET", path, headers=_bearer(token))
            r = c.getresponse()
            return r.status, r.getheader("Content-Type", ""), r.read()
        finally:
            c.close()

    def watch(self, path, token):
        """Opens the watch 'path'; answers (connection, response): the
        frames are read from the response, the caller closes the
        connection."""
        c = self.connect()
        c.request("GET", path, headers=_bearer(token))
        return c, c.getresponse()

    def answers(self, path, token=None):
        """The status of GET 'path', or None while nothing listens (the
        port is opened after the certificate is written)."""
        try:
            return self.get(path, token)[0]
        except OSError:
            return None

    def healthy(self):
        """True if /healthz answers 200 (no token needed)."""
        return self.answers("/healthz") == 200

    def wait_healthy(self, bound=BOUND):
        """Waits for /healthz to answer 200."""
        wait_for(self.healthy, "the controller's /healthz", bound)

    def wait_ready(self, token, bound=BOUND):
        """Waits for /readyz to answer 200 to 'token' (its watches of
        the kube-apiserver synced)."""
        wait_for(lambda: self.answers("/readyz", token) == 200,
                 "the controller to be ready", bound)


def _bearer(token):
    """The Authorization header of bearer 'token' (none if None)."""
    return {"Authorization": f"Bearer {token}"} if token else {}
