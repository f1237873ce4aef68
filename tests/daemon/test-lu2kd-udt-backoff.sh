#!/bin/bash
# A udt peer with nothing listening: its connections go up before the
# handshake's answer (data in the first flight), yet each one that fails
# before the answer is a failed attempt, backed off, not a lost connection.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- ping ---> 127.0.0.2@lu2k: no lu2kd
#              lu2kd a  ===== udt, port P =====>  (ICMP: port unreachable)
#
# For 4 s a asks for a connection whenever it has a message. Asserted: the
# attempts back off (reconnect_min_ms 100 doubling: at most 8 in 4 s, where
# an attempt at each message's turn made ~40 once every attempt "connected"),
# each failure is logged as a failed attempt ("connect failed"), never as
# "connected" or "connection lost".
T_NET=private
. "$(dirname "$0")/../lib/common.sh"
t_need_bins lu2kd lu2k-perf lu2kctl
t_require_root
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
: >"$T_DIR/a.conf"
t_bg a "$T_BIN/lu2kd" -c "$T_DIR/a.conf" -f -b udt -p "$PORT" --channel-socket "$T_DIR/a.sock" \
	--ctl-socket "$T_DIR/a.ctl"
t_wait_for 20 test -S "$T_DIR/a.ctl" || t_fail "lu2kd a did not start"
t_bg client "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" -q ping --time 4s --timeout 1s
t_wait_for 10 sh -c "! kill -0 $client_pid 2>/dev/null" || t_fail "the client did not end"

stats() { # stats EXPR: a python expression over j, a's `lu2kctl --json stats`
	"$T_BIN/lu2kctl" -s "$T_DIR/a.ctl" --json stats |
		python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
# every attempt went up before the answer (no keys): the peer is forgotten
# with the client's channel, the back-end's count stays
n=$(stats 'j["backend"]["first_up"]')
fails=$(grep -c 'peer 127.0.0.2@lu2k: connect failed: Connection refused; next attempt in' "$T_DIR/a.log")
t_log "attempts in 4 s: $n (connect failures logged: $fails)"
grep 'next attempt in' "$T_DIR/a.log" | sed 's/.*next attempt in/  next attempt in/' | head -8
[ "$n" -ge 2 ] || t_fail "$n connection attempts: the client sent nothing?"
[ "$n" -le 8 ] || t_fail "$n connection attempts in 4 s: no backoff"
[ "$fails" -ge 2 ] || t_fail "the failed attempts were not logged as such"
grep -q 'peer 127.0.0.2@lu2k: connected' "$T_DIR/a.log" && t_fail "an attempt logged as connected"
grep -q 'connection lost' "$T_DIR/a.log" && t_fail "a failed attempt logged as a lost connection"
t_log "PASS"
