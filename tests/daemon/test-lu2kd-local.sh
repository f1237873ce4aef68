#!/bin/bash
# lu2kd's local side (issue 14): what local programs can do to it through its
# unix sockets. One daemon; lu2kd_e2e's two interfaces both attach to it
# (networks lu2k and lu2k1 on 127.0.0.1).
#
#   lu2kd_evil --unsealed --(memfd, no seals)--> d1.sock   refused, d1 lives
#   lu2kd_e2e  --(sealed memfds)----------------> d1.sock   attaches, traffic
#
# Checks: an unsealed memfd is refused (-EPERM to the client, a log line),
# the daemon stays up and serves an honest client after.
. "$(dirname "$0")/../lib/common.sh"

for b in lu2kd lu2kd_e2e lu2kd_evil lu2kctl; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
ip -4 addr show lo 2>/dev/null | grep -q '127.0.0.1/8' || t_skip "no 127.0.0.1 on lo"

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

start_daemon d1
t_log "an unsealed memfd is refused; the daemon stays up"
"$T_BIN/lu2kd_evil" --unsealed "$T_DIR/d1.sock" || t_fail "unsealed memfd"
sleep 0.3
t_alive "$d1_pid" || t_fail "lu2kd died of an unsealed memfd"
grep -q 'attach refused: .*not sealed against shrinking' "$T_DIR/d1.log" || t_fail "refusal not logged"
"$T_BIN/lu2kctl" --socket "$T_DIR/d1.ctl" stats | grep -qE 'attach_errors: [1-9]' ||
	t_fail "refusal not counted"

t_log "an honest client attaches and works after it"
honest || t_fail "honest client after the unsealed one"

grep -qiE 'AddressSanitizer|runtime error' "$T_DIR"/*.log && t_fail "sanitizer report in a daemon log"
t_log "PASS"
