#!/bin/bash
# Address tokens (proto/udt/handshake.h, backends/udt_tokens.h) end to end:
#
#   ns A: [lu2k-perf client] -- lu2kd A (10.77.0.1) --+
#                                                      | lu2k-linkem: 300 ms RTT
#   ns B: [lu2k-perf server] -- lu2kd B (10.77.0.2) --+
#
# A first ping sets up two connections (A's to B for the GET, B's to A for
# the REPLY). A first contact: each listener takes the final request sent
# without a cookie beside UDT4's first one (proto/udt/handshake.h,
# hs_unproved), so each connection takes one round trip; and B starts its
# connection to A when A's comes in (backends/udt_early.c, early_started),
# so it is up when the GET arrives and the REPLY leaves at once: ~2 RTTs
# (5 before: UDT4's two round trips for each connection one after the
# other, 1508 ms; 3 without the early start, 907 ms). Its client's detach
# ends them; the next run's first ping finds tokens on both sides
# (tokens_learnt) and connects with them, and its GET goes in the first
# flight, before the response (proto/udt/conn_early.c; its address proved
# by the token, B takes it at once): 1 RTT (2 before). Checked: connections
# without cookies on both sides the first time, the early connection used,
# tokens used the second time, data in the first flight, the first round
# trip under 3 RTTs cold and under 2 with tokens (a round trip of margin for
# a loaded machine; 2 and 1 expected). The figures are printed.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2kctl

lk_start --delay 150ms --rate 20mbit --die-with-parent --quiet
ip netns exec "$LK_A" ping -c 3 -i 0.2 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"
port=$((20000 + RANDOM % 20000))

start_daemon() { lk_start_lu2kd "$1" "$port"; } # A|B

stat() { # A|B key: a back-end statistic
	local ns=LK_$1
	timeout 10 ip netns exec "${!ns}" "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" stats |
		awk -v k="$2:" '$1 == k { print $2; exit }'
}

ping1() { # NAME: one 64 B round trip from a fresh client; prints its us
	timeout 30 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json ping --count 1 --timeout 20s \
		>"$T_DIR/$1.json" 2>"$T_DIR/$1.err" ||
		t_fail "$1: lu2k-perf failed: $(cat "$T_DIR/$1.err" "$T_DIR/$1.json")"
	grep -q '"ok":1,' "$T_DIR/$1.json" || t_fail "$1: no answer: $(cat "$T_DIR/$1.json")"
	grep -o '"max":[0-9.]*' "$T_DIR/$1.json" | head -1 | cut -d: -f2 | cut -d. -f1
}

start_daemon A
start_daemon B
t_bg srv ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k --socket "$T_DIR/B.sock" -q
t_wait_attached "$T_DIR/B.ctl" 10.77.0.2@lu2k
cold=$(ping1 cold)
[ "$(stat A tokens_used)" = 0 ] || t_fail "a token was used before any was learnt"
[ "$(stat B hs_unproved)" -ge 1 ] || t_fail "B took A's connection with a cookie (hs_unproved 0)"
[ "$(stat A hs_unproved)" -ge 1 ] || t_fail "A took B's connection with a cookie (hs_unproved 0)"
[ "$(stat B early_used)" -ge 1 ] || t_fail "B's reply did not take the connection it started early"
[ "$(stat A tokens_learnt)" -ge 1 ] || t_fail "A learnt no token from B's listener"
[ "$(stat B tokens_learnt)" -ge 1 ] || t_fail "B learnt no token from A's listener"
# the detach ends A's connection; B's ends when it finds the peer gone
t_wait_for 30 sh -c "[ \"\$(timeout 10 ip netns exec $LK_A $T_BIN/lu2kctl --socket $T_DIR/A.ctl conns | grep -c 10.77.0.2)\" = 0 ]" ||
	t_log "A's connection to B still listed"
warm=$(ping1 warm)
t_log "first round trip: cold $((cold / 1000)) ms, with tokens $((warm / 1000)) ms (RTT 300 ms);" \
	"tokens used A $(stat A tokens_used), B $(stat B tokens_used); taken without a cookie" \
	"A $(stat A hs_unproved), B $(stat B hs_unproved); early connections used B $(stat B early_used);" \
	"first flights A $(stat A first_up), packets taken B $(stat B first_pkts)"
[ "$(stat A tokens_used)" -ge 1 ] || t_fail "A's new connection did not use its token"
[ "$cold" -lt 900000 ] || t_fail "a first contact's round trip took $cold us (3 RTTs or more)"
[ "$(stat A first_up)" -ge 1 ] || t_fail "A's connections sent no first flight (first_up 0)"
[ "$(stat B first_pkts)" -ge 1 ] || t_fail "B took no first-flight packet (first_pkts 0)"
[ "$warm" -lt 600000 ] || t_fail "a round trip with tokens took $warm us (2 RTTs or more)"
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
echo "PASS"
