#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# Installs every Debian 12 package antrea-c needs to build, test and run.
# Idempotent: installs only what is missing, and does nothing (not even an
# index update) when everything is there.  Uses the machine's own apt
# sources.  Both README commands run it.

set -eu

# To build: compiler, autotools, and the libraries configure checks for.
build_packages="build-essential autoconf automake libtool pkg-config
libltdl-dev libyaml-dev libjansson-dev libcurl4-openssl-dev
libprotobuf-c-dev protobuf-c-compiler libnl-3-dev libnl-route-3-dev
libip4tc-dev libmicrohttpd-dev libgnutls28-dev libcriterion-dev
openvswitch-source libssl-dev libcap-ng-dev python3"

# To run: the OVS daemons, iproute2 and the reference CNI plugins (the
# host-local IPAM module runs host-local).
run_packages="openvswitch-switch openvswitch-common iproute2
containernetworking-plugins"

# To test: ping, iptables (the portmap CNI plugin and the e2e checks), curl
# (the sandbox asks the controller for /healthz),
# tcpdump for captures in the sandbox cluster, and containerd, runc and
# busybox-static for the test where a real runtime (`ctr run --cni`) runs
# antrea-cni in a busybox container (tests/runtime/), jq and shellcheck
# for the checks of the image's scripts (tests/manifests/).
test_packages="iputils-ping iptables tcpdump curl containerd runc busybox-static
jq shellcheck"

# Sandbox cluster control plane (tests/e2e/build-kube.sh and
# tests/e2e/sandbox/kube.py): Go and dpkg-dev build kube-apiserver and
# kubectl from Debian's kubernetes source package (apt-get source), reflect2
# 1.0.2 replaces its vendored copy (which crashes under Go 1.18+), etcd
# stores the cluster, openssl makes the certificates and signs tokens.
test_packages="$test_packages golang-go dpkg-dev make
golang-github-modern-go-reflect2-dev etcd-server openssl"

# IPsec in the sandbox (`cluster up --ipsec`, tests/e2e/sandbox/ipsec.py,
# tests/e2e/test_ipsec.py): ovs-monitor-ipsec, strongSwan's starter
# (ipsec) and charon, and kernel-libipsec (ESP in userspace, in
# libcharon-extra-plugins) with the standard crypto plugins.
test_packages="$test_packages openvswitch-ipsec python3-openvswitch
strongswan strongswan-charon strongswan-starter libcharon-extra-plugins
libstrongswan-standard-plugins"

# The controller's status page rendered by a real browser
# (tests/controller/test-status-page-chromium.py,
# tests/e2e/test_status_page.py): headless Chromium.
test_packages="$test_packages chromium"

missing=
for pkg in $build_packages $run_packages $test_packages; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages are installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    echo "install-deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
