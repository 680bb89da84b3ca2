#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.
# SPDX-License-Identifier: Apache-2.0
#
# The Kubernetes client against a real kube-apiserver v1.20.2 and etcd,
# started by the sandbox's own code (tests/e2e/sandbox/kube.py) in a
# throwaway network namespace atest-k8s-PID with its run directory in
# /run/atest-k8s-PID; both are removed at the end, even on failure.
#
#   1. k8s-live-tool watch lists and watches the Pods of a namespace
#      (kubeconfig: inline CA, bearer token) while kubectl creates,
#      relabels and deletes Pods: every change must arrive, in order.
#   2. kube-apiserver is killed and started again: the watch reconnects
#      with backoff and sees a Pod created after the restart.
#   3. k8s-live-tool writes: POST, status PATCH, strategic PATCH, PUT,
#      GET (blocking), DELETE, TokenReview, SubjectAccessReview.
#   4. The same list with a client certificate (files, signed by the
#      cluster CA) and with the in-cluster configuration.
#
# Skips (77) unless root, with the kube binaries built
# (tests/e2e/build-kube.sh) and etcd installed.

set -u

skip() {
    echo "SKIP: $*"
    exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${abs_top_builddir:-$(pwd)}
KUBE_BIN=${XDG_CACHE_HOME:-$HOME/.cache}/antrea-c/kube-1.20.2/bin
[ -x "$KUBE_BIN/kube-apiserver" ] && [ -x "$KUBE_BIN/kubectl" ] \
    || skip "kube binaries not built (tests/e2e/build-kube.sh)"
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] \
    || skip "etcd not installed"
E2E=$srcdir/tests/e2e
[ -f "$E2E/sandbox/kube.py" ] || skip "no $E2E/sandbox/kube.py"
TOOL=$builddir/tests/k8s/k8s-live-tool
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built"; exit 1; }
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

NETNS=atest-k8s-$$
RUN=/run/atest-k8s-$$
IP=192.168.77.2
NS=atest
WATCH_PID=
FAILED=0

# Runs Python with the sandbox package importable.
sandbox_py() {
    (cd "$E2E" && timeout 180 "$PYTHON" -c "
import sys
from sandbox import kube
$1")
}

cleanup() {
    if [ -n "$WATCH_PID" ]; then
        kill "$WATCH_PID" 2>/dev/null
        wait "$WATCH_PID" 2>/dev/null
    fi
    if [ -d "$RUN" ]; then
        sandbox_py "kube.stop_control_plane('$RUN')" >/dev/null 2>&1
    fi
    if ip netns list | grep -qw "$NETNS"; then
        ip netns del "$NETNS"
    fi
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*"
    FAILED=1
}

pass() {
    echo "PASS: $*"
}

in_netns() {
    ip netns exec "$NETNS" "$@"
}

kubectl() {
    in_netns timeout 30 "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" \
        --request-timeout=15s "$@"
}

# Waits (up to $2 seconds) until file $1 has a line matching $3.
wait_line() {
    i=0
    while [ "$i" -lt $(($2 * 10)) ]; do
        if grep -q -- "$3" "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# Creates Pod $1 in $NS, bound to a node that does not exist (there is
# no kubelet: the object is all we need).
create_pod() {
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: $NS
  labels: {app: live}
spec:
  nodeName: node-live
  containers:
  - name: c
    image: busybox
EOF
}

# The network namespace: loopback and the apiserver's address on a
# device that leads nowhere.
ip netns add "$NETNS" || { echo "FAIL: cannot create $NETNS"; exit 1; }
in_netns ip link set lo up
if ! in_netns ip link add kt0 type dummy 2>/dev/null; then
    in_netns ip link add kt0 type veth peer name kt1
    in_netns ip link set kt1 up
fi
in_netns ip addr add "$IP/24" dev kt0
in_netns ip link set kt0 up

echo "starting etcd and kube-apiserver in $NETNS"
if ! sandbox_py "kube.start_control_plane('$RUN', '$NETNS', '$IP')" \
        >"$RUN.start.log" 2>&1; then
    cat "$RUN.start.log"
    rm -f "$RUN.start.log"
    echo "FAIL: control plane did not start"
    exit 1
fi
rm -f "$RUN.start.log"
KUBECONFIG_FILE=$RUN/kube/admin.kubeconfig
kubectl create namespace "$NS" >/dev/null || fail "create namespace"
create_pod p0 || fail "create p0"

# 1. Watch while kubectl changes Pods.
OUT=$RUN/watch.out
# ("ip netns exec" execs the tool, so $! is the tool's pid.)
ip netns exec "$NETNS" "$TOOL" watch --kubeconfig "$KUBECONFIG_FILE" \
    --namespace "$NS" --seconds 150 >"$OUT" 2>"$RUN/watch.err" &
WATCH_PID=$!
if wait_line "$OUT" 30 "^synced 1$"; then
    pass "initial list (1 Pod), synced"
else
    fail "no 'synced 1' line"; cat "$OUT" "$RUN/watch.err"
fi
grep -q "^add $NS/p0 " "$OUT" || fail "p0 not added by the list"

create_pod p1 || fail "create p1"
create_pod p2 || fail "create p2"
kubectl label pod -n "$NS" p1 tier=web >/dev/null || fail "label p1"
kubectl delete pod -n "$NS" p1 --grace-period=0 --force \
    >/dev/null 2>&1 || fail "delete p1"
if wait_line "$OUT" 30 "^delete $NS/p1 "; then
    pass "watch saw the deletion"
else
    fail "no delete of p1"; cat "$OUT" "$RUN/watch.err"
fi
# The order of the changes for p1 and p2.
order=$(grep -E "^(add|update|delete) $NS/p[12] " "$OUT" \
        | awk '{print $1, $2}' | uniq | tr '\n' ',')
case $order in
    "add $NS/p1,add $NS/p2,update $NS/p1,delete $NS/p1,")
        pass "events in order: $order" ;;
    *)
        fail "unexpected events: $order"; cat "$OUT" ;;
esac

# 2. Kill kube-apiserver (as a crash would: a graceful stop waits for
# the open watch), start it again: the watch comes back.
API_PID=$(cat "$RUN/kube/kube-apiserver.pid")
kill -KILL "$API_PID"
i=0
while kill -0 "$API_PID" 2>/dev/null && [ "$i" -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
sleep 1
if sandbox_py "kube.start_control_plane('$RUN', '$NETNS', '$IP')" \
        >"$RUN/restart.log" 2>&1; then
    create_pod p3 || fail "create p3 after the restart"
    if wait_line "$OUT" 60 "^add $NS/p3 "; then
        pass "after an apiserver restart the watch resumed"
    else
        fail "p3 not seen after the restart"; cat "$OUT" "$RUN/watch.err"
    fi
    grep -q "watch failed\|list failed" "$RUN/watch.err" \
        || fail "the lost connection was not logged"
else
    fail "kube-apiserver did not restart"; cat "$RUN/restart.log"
fi
kill "$WATCH_PID"
wait "$WATCH_PID"
rc=$?
WATCH_PID=
[ "$rc" = 0 ] || fail "the watch tool exited with $rc after SIGTERM"
grep -q "^failed" "$OUT" && fail "the informer gave up"

# 3. Writes.
if in_netns timeout 120 "$TOOL" writes --kubeconfig "$KUBECONFIG_FILE" \
        --namespace "$NS" >"$RUN/writes.out" 2>&1; then
    pass "writes: $(grep -c '^ok' "$RUN/writes.out") steps ok"
else
    fail "writes"; cat "$RUN/writes.out"
fi

# 4a. A client certificate signed by the cluster CA (system:masters).
PKI=$RUN/kube/pki
openssl req -new -newkey rsa:2048 -nodes -keyout "$RUN/client.key" \
    -subj "/O=system:masters/CN=atest-cert-admin" -out "$RUN/client.csr" \
    >/dev/null 2>&1
openssl x509 -req -in "$RUN/client.csr" -CA "$PKI/ca.crt" \
    -CAkey "$PKI/ca.key" -CAcreateserial -days 1 -out "$RUN/client.crt" \
    >/dev/null 2>&1 || fail "sign a client certificate"
cp "$PKI/ca.crt" "$RUN/ca.crt"
cat >"$RUN/cert.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: live
  cluster:
    server: https://$IP:6443
    certificate-authority: ca.crt
users:
- name: cert
  user:
    client-certificate: client.crt
    client-key: client.key
contexts:
- name: live
  context: {cluster: live, user: cert, namespace: $NS}
current-context: live
EOF
# Under valgrind when there is one (and the build is not ASan's).
VALGRIND=
if command -v valgrind >/dev/null 2>&1 && ! ldd "$TOOL" | grep -q asan; then
    VALGRIND="valgrind -q --error-exitcode=9 --leak-check=full
        --errors-for-leak-kinds=definite"
fi
in_netns $VALGRIND "$TOOL" watch --kubeconfig "$RUN/cert.kubeconfig" \
    --namespace "$NS" --seconds 5 >"$RUN/cert.out" 2>"$RUN/cert.err"
rc=$?
[ "$rc" = 0 ] || { fail "the watch tool exited with $rc${VALGRIND:+ \
(valgrind)}"; cat "$RUN/cert.err"; }
if grep -q "^synced 3$" "$RUN/cert.out"; then
    pass "client certificate (files): listed 3 Pods"
else
    fail "client certificate"; cat "$RUN/cert.out" "$RUN/cert.err"
fi

# 4b. In-cluster configuration.
SA=$RUN/sa
mkdir -p "$SA"
cp "$RUN/kube/admin.token" "$SA/token"
cp "$PKI/ca.crt" "$SA/ca.crt"
echo "$NS" >"$SA/namespace"
in_netns env KUBERNETES_SERVICE_HOST=$IP KUBERNETES_SERVICE_PORT=6443 \
    "$TOOL" watch --in-cluster "$SA" --namespace "$NS" --seconds 5 \
    >"$RUN/incluster.out" 2>"$RUN/incluster.err" \
    || fail "the watch tool failed"
if grep -q "^synced 3$" "$RUN/incluster.out"; then
    pass "in-cluster config (token file, CA file): listed 3 Pods"
else
    fail "in-cluster config"; cat "$RUN/incluster.out" "$RUN/incluster.err"
fi

# A wrong CA is refused.
sed "s|certificate-authority: ca.crt|certificate-authority: client.crt|" \
    "$RUN/cert.kubeconfig" >"$RUN/badca.kubeconfig"
in_netns "$TOOL" watch --kubeconfig "$RUN/badca.kubeconfig" \
    --namespace "$NS" --seconds 3 >"$RUN/badca.out" 2>"$RUN/badca.err"
if grep -q "^synced" "$RUN/badca.out"; then
    fail "a server certificate not signed by the given CA was accepted"
elif grep -qi "certificate\|SSL" "$RUN/badca.err"; then
    pass "a wrong CA is refused (TLS error logged)"
else
    fail "no TLS error with a wrong CA"; cat "$RUN/badca.err"
fi

exit $FAILED
