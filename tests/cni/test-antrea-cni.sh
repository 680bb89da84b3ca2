#!/bin/sh
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# antrea-cni end to end, run the way a container runtime runs it (CNI_*
# variables, the network configuration on stdin, the result or CNI error
# JSON on stdout), against the real CNI server in a stand-in agent
# (tests/cni/cni-test-server: core/lib/cni-server.c with a canned handler).
# Checks VERSION, the ADD result in each requested version, DEL, CHECK,
# STATUS and GC, an agent's error, every bad-input error code, an agent
# that is not listening (code 11, quickly) or never answers (bounded by the
# timeout), and that concurrent ADDs for one container run one after the
# other while another container's runs alongside.

set -u

: "${abs_top_builddir:?run through make check}"
cni="$abs_top_builddir/core/cni/antrea-cni"
server="$abs_top_builddir/tests/cni/cni-test-server"
work=$(mktemp -d "${TMPDIR:-/tmp}/atest-cni-$$.XXXXXX")
server_pid=
failures=0

cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# start_server ARGS...: starts the stand-in agent on $work/agent.sock and
# waits (at most 5 s) for its socket.
start_server() {
    stop_server
    rm -f "$work/agent.sock"
    "$server" --socket "$work/agent.sock" "$@" 2> "$work/server.log" &
    server_pid=$!
    i=0
    while [ ! -S "$work/agent.sock" ]; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$work/server.log" >&2
            echo "FAIL: the test server did not start" >&2
            exit 1
        fi
        sleep 0.05
    done
}

stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null
        server_pid=
    fi
}

# run_cni COMMAND CONFIG [VAR=VALUE...]: runs antrea-cni for container c1
# with the usual variables (overridable), stdout in $out, status in $rc.
run_cni() {
    command=$1 config=$2
    shift 2
    out=$(printf '%s' "$config" | env \
        CNI_COMMAND="$command" CNI_CONTAINERID=c1 \
        CNI_NETNS=/var/run/netns/p1 CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin \
        CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=a" \
        ANTREA_CNI_SOCKET="$work/agent.sock" "$@" "$cni")
    rc=$?
}

# expect NAME STATUS OUTPUT: the last run_cni exited with STATUS and
# printed exactly OUTPUT.
expect() {
    if [ "$rc" != "$2" ]; then
        fail "$1: exit status $rc, expected $2 (output: $out)"
    elif [ "$out" != "$3" ]; then
        fail "$1: output
   $out
expected
   $3"
    else
        echo "ok: $1"
    fi
}

# expect_error NAME CODE TEXT: the last run_cni failed with CNI error
# CODE and a message containing TEXT.
expect_error() {
    if [ "$rc" != 1 ]; then
        fail "$1: exit status $rc, expected 1 (output: $out)"
    else
        case $out in
        *"\"code\":$2,"*"$3"*) echo "ok: $1" ;;
        *) fail "$1: output $out lacks code $2 and \"$3\"" ;;
        esac
    fi
}

conf() {
    printf '{"cniVersion":"%s","name":"antrea","type":"antrea"%s}' "$1" \
        "${2:-}"
}

versions='["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'

# VERSION, with and without a cniVersion on stdin.
run_cni VERSION '{"cniVersion":"0.4.0"}'
expect "VERSION labelled with stdin's version" 0 \
    "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":$versions}"
run_cni VERSION ''
expect "VERSION without stdin" 0 \
    "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":$versions}"
out=$(env -i CNI_COMMAND=VERSION "$cni" < /dev/null)
rc=$?
expect "VERSION with nothing but CNI_COMMAND" 0 \
    "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":$versions}"

# Bad input, refused before the agent is asked (none is running).
run_cni ADD '{"cniVersion":"1.0.0","name":'
expect_error "malformed JSON" 6 "the network configuration is not valid JSON"
run_cni ADD ''
expect_error "empty stdin" 6 "the network configuration is empty"
run_cni ADD "$(conf 9.9.9)"
expect "unknown cniVersion" 1 '{"cniVersion":"1.1.0","code":1,"msg":"unsupported cniVersion \"9.9.9\": antrea-cni supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"}'
run_cni ADD '{"cniVersion":"1.0.0","type":"antrea"}'
expect_error "no name" 7 'the network configuration has no \"name\"'
run_cni CHECK "$(conf 0.3.1)"
expect_error "CHECK before 0.4.0" 1 "CHECK needs cniVersion 0.4.0 or newer"
run_cni BOGUS "$(conf 1.0.0)"
expect_error "unknown CNI_COMMAND" 4 'CNI_COMMAND=\"BOGUS\" is invalid'
for var in CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH; do
    run_cni ADD "$(conf 1.0.0)" "$var="
    expect_error "ADD without $var" 4 "ADD requires $var, which is not set"
done
run_cni ADD "$(conf 0.4.0)" CNI_IFNAME=much-too-long-name
expect "invalid CNI_IFNAME, in the request's version" 1 '{"cniVersion":"0.4.0","code":4,"msg":"CNI_IFNAME=\"much-too-long-name\" is invalid: an interface name has at most 15 characters"}'
run_cni ADD "$(conf 1.0.0)" CNI_CONTAINERID=/etc
expect_error "invalid CNI_CONTAINERID" 4 'CNI_CONTAINERID=\"/etc\" is invalid'
run_cni ADD "$(conf 1.0.0)" CNI_NETNS=relative
expect_error "invalid CNI_NETNS" 4 'CNI_NETNS=\"relative\" is invalid'
run_cni ADD "$(conf 1.0.0)" CNI_ARGS='K8S_POD_NAME=a;junk'
expect_error "invalid CNI_ARGS" 4 'CNI_ARGS is invalid: item \"junk\"'
run_cni ADD "$(conf 1.0.0)" ANTREA_CNI_TIMEOUT_MS=soon
expect_error "invalid ANTREA_CNI_TIMEOUT_MS" 4 "ANTREA_CNI_TIMEOUT_MS"

# No agent listening: TRY_AGAIN_LATER, at once; STATUS says "not
# available".  DEL fails too, so that the runtime retries it
# (docs/wire-formats.md).
for command in ADD DEL; do
    start=$(now_ms)
    run_cni $command "$(conf 1.0.0)"
    elapsed=$(($(now_ms) - start))
    expect_error "$command with no agent" 11 "is antrea-agent running?"
    [ $elapsed -lt 2000 ] || fail "$command with no agent took $elapsed ms"
done
run_cni STATUS "$(conf 1.1.0)"
expect_error "STATUS with no agent" 50 "is antrea-agent running?"

# With the agent.
start_server
add_031='{"cniVersion":"0.3.1","interfaces":[{"name":"antrea-test0","mac":"aa:bb:cc:00:00:01"},{"name":"eth0","mac":"aa:bb:cc:00:00:02","sandbox":"/var/run/netns/p1"}],"ips":[{"version":"4","interface":1,"address":"10.10.1.5/24","gateway":"10.10.1.1"},{"version":"6","interface":1,"address":"fd00:10:10:1::5/64","gateway":"fd00:10:10:1::1"}],"routes":[{"dst":"0.0.0.0/0","gw":"10.10.1.1"}],"dns":{"nameservers":["10.96.0.10"]}}'
add_100='{"cniVersion":"1.0.0","interfaces":[{"name":"antrea-test0","mac":"aa:bb:cc:00:00:01"},{"name":"eth0","mac":"aa:bb:cc:00:00:02","sandbox":"/var/run/netns/p1"}],"ips":[{"interface":1,"address":"10.10.1.5/24","gateway":"10.10.1.1"},{"interface":1,"address":"fd00:10:10:1::5/64","gateway":"fd00:10:10:1::1"}],"routes":[{"dst":"0.0.0.0/0","gw":"10.10.1.1"}],"dns":{"nameservers":["10.96.0.10"]}}'
run_cni ADD "$(conf 0.3.1)"
expect "ADD in 0.3.1" 0 "$add_031"
run_cni ADD "$(conf 1.0.0)"
expect "ADD in 1.0.0" 0 "$add_100"
for v in 0.3.0 0.4.0 1.1.0; do
    run_cni ADD "$(conf $v)"
    case $out in
    "{\"cniVersion\":\"$v\",\"interfaces\""*) echo "ok: ADD in $v" ;;
    *) fail "ADD in $v: $out" ;;
    esac
done

# The socket named by the configuration instead of the environment.
out=$(conf 1.0.0 ",\"cniSocket\":\"$work/agent.sock\"" | env \
    CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/p1 \
    CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin "$cni")
rc=$?
expect "ADD through the configuration's cniSocket" 0 "$add_100"

run_cni DEL "$(conf 1.0.0)"
expect "DEL" 0 ""
run_cni DEL "$(conf 1.0.0)" CNI_NETNS=
expect "DEL without a netns" 0 ""
run_cni CHECK "$(conf 1.0.0 ",\"prevResult\":$add_100")"
expect "CHECK" 0 ""
run_cni STATUS "$(conf 1.1.0)"
expect "STATUS" 0 ""
attachments='"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]'
run_cni GC "$(conf 1.1.0 ",$attachments")"
expect "GC" 0 ""
run_cni GC "$(conf 1.1.0)"
expect_error "GC without valid attachments" 7 \
    "GC needs the list of valid attachments"
run_cni ADD "$(conf 1.0.0)" CNI_CONTAINERID=fail-7
expect "the agent's error" 1 '{"cniVersion":"1.0.0","code":101,"msg":"no IP address left for container fail-7","details":"range 10.10.1.0/24 is exhausted"}'

# An agent that is not ready answers STATUS with its own code.
start_server --status-error 50
run_cni STATUS "$(conf 1.1.0)"
expect "STATUS from an agent that is not ready" 1 \
    '{"cniVersion":"1.1.0","code":50,"msg":"the test agent is not ready"}'

# An agent that never answers: antrea-cni gives up at its timeout.
start_server --never-reply
start=$(now_ms)
run_cni ADD "$(conf 1.0.0)" ANTREA_CNI_TIMEOUT_MS=500
elapsed=$(($(now_ms) - start))
expect_error "agent never answers" 11 \
    "antrea-agent did not answer ADD within 500 ms"
if [ $elapsed -lt 500 ] || [ $elapsed -gt 5000 ]; then
    fail "agent never answers: gave up after $elapsed ms, expected ~500"
fi

# Concurrent ADDs: one after the other for one container, alongside for
# another.  Each ADD takes the agent 1 s.
start_server --delay-ms 1000 --log "$work/events"
n=0
for cid in same same other; do
    n=$((n + 1))
    printf '%s' "$(conf 1.0.0)" | env CNI_COMMAND=ADD CNI_CONTAINERID=$cid \
        CNI_NETNS=/var/run/netns/p1 CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin \
        ANTREA_CNI_SOCKET="$work/agent.sock" "$cni" \
        > "$work/out-$n" &
done
wait_start=$(now_ms)
while [ "$(grep -c ' end ' "$work/events" 2>/dev/null)" != 3 ]; do
    if [ $(($(now_ms) - wait_start)) -gt 15000 ]; then
        fail "concurrent ADDs did not finish"
        break
    fi
    sleep 0.1
done
wait_clients=0
for job in $(jobs -p); do
    [ "$job" = "$server_pid" ] || wait "$job" || wait_clients=1
done
[ $wait_clients = 0 ] || fail "a concurrent ADD failed"
cat "$work/events"
awk '
    $3 == "ADD" && $4 == "same" && $2 == "start" { same_start[++ns] = $1 }
    $3 == "ADD" && $4 == "same" && $2 == "end" { same_end[++ne] = $1 }
    $3 == "ADD" && $4 == "other" && $2 == "start" { other_start = $1 }
    END {
        if (ns != 2 || ne != 2 || other_start == "") {
            print "missing"; exit 1
        }
        if (same_start[2] < same_end[1]) { print "overlap"; exit 1 }
        if (other_start >= same_end[1]) { print "not concurrent"; exit 1 }
    }' "$work/events" > "$work/verdict" \
    && echo "ok: concurrent ADDs serialised per container" \
    || fail "concurrent ADDs: $(cat "$work/verdict")"
for f in "$work"/out-*; do
    [ "$(cat "$f")" = "$add_100" ] || fail "concurrent ADD printed $(cat "$f")"
done

stop_server
if [ $failures -ne 0 ]; then
    echo "$failures failures" >&2
    exit 1
fi
exit 0
