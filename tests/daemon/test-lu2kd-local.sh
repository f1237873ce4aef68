#!/bin/bash
# lu2kd's local side (issue 14): what local programs can do to it through its
# unix sockets. One daemon; lu2kd_e2e's two interfaces both attach to it
# (networks lu2k and lu2k1 on 127.0.0.1).
#
#   lu2kd_evil --unsealed --(memfd, no seals)--> d1.sock   refused, d1 lives
#   lu2kd_e2e  --(sealed memfds)----------------> d1.sock   attaches, traffic
#
# Checks: an unsealed memfd is refused (-EPERM to the client, a log line),
# the daemon stays up and serves an honest client after; both sockets are
# 0600 by default, 0660 with socket_group (an unknown group is a config
# error naming FILE:LINE); a live daemon's sockets are never taken over, a
# dead one's are replaced, and a non-socket file at the path is left alone.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2kd_e2e lu2kd_evil lu2kctl
t_need_lo8

PORT=$((20000 + RANDOM % 20000))

start_daemon() { # name, extra args...
	local name=$1
	shift
	t_bg "$name" "$T_BIN/lu2kd" --foreground --port "$PORT" --channel-socket "$T_DIR/d1.sock" \
		--ctl-socket "$T_DIR/d1.ctl" --pid-file "$T_DIR/$name.pid" "$@"
	t_wait_for 20 test -s "$T_DIR/$name.pid" || t_fail "$name did not get ready"
}

honest() {
	timeout 60 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/d1.sock" --sock-b "$T_DIR/d1.sock" \
		--nid-a 127.0.0.1@lu2k --nid-b 127.0.0.1@lu2k1 --count 50 --sizes 0,4096,1M --timeout 30
}

mode_of() { stat -c '%a %G' "$1"; }

start_daemon d1
t_log "both sockets are owner-only by default"
[ "$(stat -c %a "$T_DIR/d1.sock")" = 600 ] || t_fail "channel socket mode $(mode_of "$T_DIR/d1.sock")"
[ "$(stat -c %a "$T_DIR/d1.ctl")" = 600 ] || t_fail "control socket mode $(mode_of "$T_DIR/d1.ctl")"

t_log "an unsealed memfd is refused; the daemon stays up"
"$T_BIN/lu2kd_evil" --unsealed "$T_DIR/d1.sock" || t_fail "unsealed memfd"
sleep 0.3
t_alive "$d1_pid" || t_fail "lu2kd died of an unsealed memfd"
grep -q 'attach refused: .*not sealed against shrinking' "$T_DIR/d1.log" || t_fail "refusal not logged"
"$T_BIN/lu2kctl" --socket "$T_DIR/d1.ctl" stats | grep -qE 'attach_errors: [1-9]' ||
	t_fail "refusal not counted"

t_log "an honest client attaches and works after it"
honest || t_fail "honest client after the unsealed one"

t_log "a live daemon's sockets are not taken over"
t_bg d1b "$T_BIN/lu2kd" --foreground --port "$PORT" --channel-socket "$T_DIR/d1.sock" \
	--ctl-socket "$T_DIR/other.ctl"
t_wait_for 10 sh -c "! kill -0 $d1b_pid 2>/dev/null" || t_fail "a second daemon started on d1.sock"
grep -q 'd1.sock: a live process (another lu2kd?) is listening' "$T_DIR/d1b.log" ||
	t_fail "no clear error for a live channel socket"
t_bg d1c "$T_BIN/lu2kd" --foreground --port "$PORT" --channel-socket "$T_DIR/other.sock" \
	--ctl-socket "$T_DIR/d1.ctl"
t_wait_for 10 sh -c "! kill -0 $d1c_pid 2>/dev/null" || t_fail "a second daemon started on d1.ctl"
grep -q 'd1.ctl: a live process (another lu2kd?) is listening' "$T_DIR/d1c.log" ||
	t_fail "no clear error for a live control socket"
t_alive "$d1_pid" || t_fail "the first daemon died"
honest || t_fail "the first daemon no longer serves"

t_log "a dead daemon's sockets are replaced"
kill -9 "$d1_pid"
wait "$d1_pid" 2>/dev/null
[ -S "$T_DIR/d1.sock" ] && [ -S "$T_DIR/d1.ctl" ] || t_fail "kill -9 left no socket files to test with"
rm -f "$T_DIR/d1.pid"
start_daemon d2
grep -q 'd1.sock: replaced a stale socket' "$T_DIR/d2.log" || t_fail "stale channel socket not replaced"
grep -q 'd1.ctl: replaced a stale socket' "$T_DIR/d2.log" || t_fail "stale control socket not replaced"
honest || t_fail "no traffic after replacing stale sockets"
kill -TERM "$d2_pid"
wait "$d2_pid"

t_log "a file that is not a socket is left alone"
echo precious >"$T_DIR/d1.ctl"
"$T_BIN/lu2kd" --foreground --port "$PORT" --channel-socket "$T_DIR/d1.sock" \
	--ctl-socket "$T_DIR/d1.ctl" >"$T_DIR/notsock.log" 2>&1 && t_fail "started over a regular file"
grep -q 'd1.ctl exists and is not a socket' "$T_DIR/notsock.log" || t_fail "no clear error for a non-socket"
[ "$(cat "$T_DIR/d1.ctl")" = precious ] || t_fail "the regular file was touched"
rm -f "$T_DIR/d1.ctl" "$T_DIR/d1.sock"

t_log "socket_group: both sockets 0660 and owned by that group"
group=$(id -gn)
printf '# sockets for group %s\nsocket_group = %s\n' "$group" "$group" >"$T_DIR/group.conf"
start_daemon d3 -c "$T_DIR/group.conf"
[ "$(mode_of "$T_DIR/d1.sock")" = "660 $group" ] || t_fail "channel socket: $(mode_of "$T_DIR/d1.sock")"
[ "$(mode_of "$T_DIR/d1.ctl")" = "660 $group" ] || t_fail "control socket: $(mode_of "$T_DIR/d1.ctl")"
"$T_BIN/lu2kctl" --socket "$T_DIR/d1.ctl" status | grep -q 'backend: tcp' || t_fail "lu2kctl with a group"
kill -TERM "$d3_pid"
wait "$d3_pid"

t_log "an unknown group is a config error naming FILE:LINE"
printf 'port = 7988\nsocket_group = no-such-group-lu2k\n' >"$T_DIR/badgroup.conf"
out=$("$T_BIN/lu2kd" -c "$T_DIR/badgroup.conf" --check-config 2>&1) && t_fail "unknown group accepted"
echo "$out" | grep -q "badgroup.conf:2: key 'socket_group': bad value 'no-such-group-lu2k'" ||
	t_fail "unclear error: $out"
grep -qiE 'AddressSanitizer|runtime error' "$T_DIR"/*.log && t_fail "sanitizer report in a daemon log"
t_log "PASS"
