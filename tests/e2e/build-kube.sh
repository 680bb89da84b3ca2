#!/bin/bash
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# Builds kube-apiserver and kubectl v1.20.2 once, from Debian's `kubernetes`
# source package, and caches them outside the work tree in
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/antrea-c/kube-1.20.2/bin/{kube-apiserver,kubectl}
#
# Why: the sandbox cluster needs a real API server, and Debian packages none;
# its source package is the full upstream v1.20.2 tree with vendor/, which
# builds offline with Debian's Go.  A second run finds the stamp file and
# does nothing.  Concurrent runs serialize on a lock file; the build output
# goes to build.log beside the binaries and its tail is printed on failure.
#
# Needs (tests/install-deps.sh installs them): golang-go, dpkg-dev,
# golang-github-modern-go-reflect2-dev, make.  Root (or sudo) is needed only
# the first time, to derive deb-src entries from the machine's own apt
# sources and to update the index.
#
# Usage: build-kube.sh [--force]    prints the bin directory on stdout.

set -euo pipefail

readonly KUBE_VERSION=1.20.2
# Bump when the recipe changes so that old caches are rebuilt.
readonly RECIPE=1
readonly CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/antrea-c"
readonly CACHE="$CACHE_ROOT/kube-$KUBE_VERSION"
readonly BIN="$CACHE/bin"
readonly STAMP="$CACHE/stamp"
readonly LOG="$CACHE/build.log"
readonly LOCK="$CACHE.lock"
readonly WORK="$CACHE/work"
readonly STAMP_TEXT="kubernetes v$KUBE_VERSION recipe $RECIPE"
readonly DEBSRC_NAME=antrea-c-deb-src
readonly REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2

say() {
    echo "build-kube: $*" >&2
    if [ -n "${LOG_READY:-}" ]; then
        echo "=== $(date '+%H:%M:%S') $*" >>"$LOG"
    fi
}

die() {
    say "FAILED: $*"
    if [ -s "$LOG" ]; then
        echo "build-kube: last lines of $LOG:" >&2
        tail -n 40 "$LOG" >&2
    fi
    exit 1
}

is_built() {
    [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubectl" ] &&
        [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ]
}

force=0
case "${1:-}" in
    --force) force=1 ;;
    "") ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

if [ "$force" -eq 0 ] && is_built; then
    echo "$BIN"
    exit 0
fi

mkdir -p "$CACHE"
exec 9>"$LOCK"
if ! flock -w 3600 9; then
    say "another build holds $LOCK for more than an hour"
    exit 1
fi
# Another run may have finished the build while we waited for the lock.
if [ "$force" -eq 0 ] && is_built; then
    echo "$BIN"
    exit 0
fi

for tool in go make apt-get dpkg-source tar; do
    command -v "$tool" >/dev/null 2>&1 ||
        { say "missing $tool: run tests/install-deps.sh first"; exit 1; }
done
[ -d "$REFLECT2_SRC" ] ||
    { say "missing $REFLECT2_SRC: run tests/install-deps.sh first"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    as_root=none
fi

rm -f "$STAMP"
: >"$LOG"
LOG_READY=1
started=$(date +%s)
say "building kube-apiserver and kubectl v$KUBE_VERSION (log: $LOG)"

# --- 1. deb-src entries, derived from the machine's own apt sources --------

have_deb_src() {
    apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'
}

derive_deb_src() {
    local dir=/etc/apt/sources.list.d tmp f
    tmp=$(mktemp -d)
    # deb822 files: the same stanzas with Types: deb-src.
    for f in "$dir"/*.sources; do
        [ -f "$f" ] || continue
        case "$f" in */$DEBSRC_NAME.sources) continue ;; esac
        sed -e 's/^Types:.*$/Types: deb-src/' "$f" >>"$tmp/sources"
        printf '\n' >>"$tmp/sources"
    done
    # One-line files: every "deb " line as "deb-src ".
    for f in /etc/apt/sources.list "$dir"/*.list; do
        [ -f "$f" ] || continue
        case "$f" in */$DEBSRC_NAME.list) continue ;; esac
        sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
            >>"$tmp/list"
    done
    if [ ! -s "$tmp/sources" ] && [ ! -s "$tmp/list" ]; then
        rm -rf "$tmp"
        die "no apt sources found to derive deb-src entries from"
    fi
    if [ "$as_root" = none ]; then
        rm -rf "$tmp"
        die "need root (or sudo) to add deb-src entries to $dir"
    fi
    {
        echo "# Written by antrea-c tests/e2e/build-kube.sh: the machine's"
        echo "# own apt sources as deb-src, to fetch the kubernetes source."
    } >"$tmp/header"
    if [ -s "$tmp/sources" ]; then
        cat "$tmp/header" "$tmp/sources" |
            $as_root tee "$dir/$DEBSRC_NAME.sources" >/dev/null
    fi
    if [ -s "$tmp/list" ]; then
        cat "$tmp/header" "$tmp/list" |
            $as_root tee "$dir/$DEBSRC_NAME.list" >/dev/null
    fi
    rm -rf "$tmp"
}

if ! have_deb_src; then
    say "adding deb-src entries derived from the apt sources; apt-get update"
    derive_deb_src
    $as_root apt-get update -q >>"$LOG" 2>&1 || die "apt-get update"
    have_deb_src || die "apt still finds no source package 'kubernetes'"
fi

# --- 2. the source tree -----------------------------------------------------

mkdir -p "$WORK"
src_dir=$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d \
    -name 'kubernetes-*' 2>/dev/null | head -n 1 || true)
if [ -z "$src_dir" ] || [ ! -f "$WORK/src/.extracted" ]; then
    say "fetching the kubernetes source package"
    rm -rf "$WORK/src"
    mkdir -p "$WORK/src"
    (cd "$WORK/src" && apt-get source -q kubernetes) >>"$LOG" 2>&1 ||
        die "apt-get source kubernetes"
    src_dir=$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d \
        -name 'kubernetes-*' | head -n 1)
    [ -n "$src_dir" ] || die "apt-get source left no kubernetes-* directory"
    head -n 1 "$src_dir/debian/changelog" | grep -q "really$KUBE_VERSION\|($KUBE_VERSION" ||
        die "source package is not v$KUBE_VERSION: $(head -n 1 "$src_dir/debian/changelog")"
    [ -d "$src_dir/vendor/k8s.io" ] || die "source tree has no vendor/"
    # The vendored reflect2 v1.0.1 crashes under Go 1.18+; Debian's 1.0.2
    # sources are a drop-in replacement.
    rm -rf "$src_dir/vendor/github.com/modern-go/reflect2"
    cp -r "$REFLECT2_SRC" "$src_dir/vendor/github.com/modern-go/reflect2"
    rm -f "$src_dir/vendor/github.com/modern-go/reflect2/go.mod"
    touch "$WORK/src/.extracted"
fi

# --- 3. build in GOPATH mode ------------------------------------------------

export GOPATH="$WORK/gopath"
export GO111MODULE=off
unset GOFLAGS
export GOPROXY=off
export GOTOOLCHAIN=local
# No .git in the tree: tell the build its version (shown by --version).
export KUBE_GIT_VERSION="v$KUBE_VERSION"
export KUBE_GIT_TREE_STATE=clean
export KUBE_GIT_MAJOR=1
export KUBE_GIT_MINOR=20
mkdir -p "$GOPATH/src/k8s.io"
ln -sfn "$src_dir" "$GOPATH/src/k8s.io/kubernetes"

say "make WHAT='cmd/kube-apiserver cmd/kubectl' (several minutes)"
(cd "$GOPATH/src/k8s.io/kubernetes" &&
    make WHAT="cmd/kube-apiserver cmd/kubectl") >>"$LOG" 2>&1 ||
    die "make WHAT='cmd/kube-apiserver cmd/kubectl'"

out=""
for d in "$src_dir/_output/local/bin/linux/amd64" "$src_dir/_output/bin" \
    "$src_dir/_output/local/go/bin"; do
    if [ -x "$d/kube-apiserver" ] && [ -x "$d/kubectl" ]; then
        out=$d
        break
    fi
done
[ -n "$out" ] || die "make produced no kube-apiserver/kubectl under _output"

mkdir -p "$BIN"
for b in kube-apiserver kubectl; do
    install -m 0755 "$out/$b" "$BIN/$b.new"
    mv -f "$BIN/$b.new" "$BIN/$b"
done

# --- 4. check the result ----------------------------------------------------

ver=$("$BIN/kube-apiserver" --version 2>>"$LOG") ||
    die "kube-apiserver --version"
echo "$ver" | grep -q "v$KUBE_VERSION" || die "kube-apiserver says: $ver"
"$BIN/kubectl" version --client --short >>"$LOG" 2>&1 ||
    die "kubectl version --client"

echo "$STAMP_TEXT" >"$STAMP"
# The build tree (_output, with Go's build cache: ~1.7 GB) is not needed
# any more; the extracted source stays for a --force rebuild.
rm -rf "$src_dir/_output"
say "built in $(($(date +%s) - started)) s: $BIN ($ver)"
echo "$BIN"
