#!/bin/bash
# lu2kd over IPv6: two daemons in a private network namespace whose loopback
# carries 2001:db8::1 and 2001:db8::2 (documentation prefix; nothing leaves the
# namespace). NIDs [2001:db8::1]@lu2k -> [2001:db8::2]@lu2k, sizes 0 B .. 4 MiB,
# plus a NID on a network other than 0 ([..]@lu2k5 needs its own daemons: the
# network number is part of the NID that the hello names).
. "$(dirname "$0")/../lib/common.sh"

t_require_root
command -v ip >/dev/null || t_skip "no ip(8)"
t_need_bins lu2kd lu2kd_e2e
NS=l2k6$T_TAG
ip netns add "$NS" 2>/dev/null || t_skip "cannot create a network namespace"
t_defer ip netns del "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 2001:db8::1/128 dev lo nodad || t_fail "add 2001:db8::1"
ip -n "$NS" addr add 2001:db8::2/128 dev lo nodad || t_fail "add 2001:db8::2"
PORT=$((20000 + RANDOM % 20000))

run_pair() { # net-suffix
	local net=$1 d
	for d in a b; do
		t_bg "$d$net" ip netns exec "$NS" "$T_BIN/lu2kd" --foreground --port "$PORT" \
			--channel-socket "$T_DIR/$d$net.sock" --ctl-socket "$T_DIR/$d$net.ctl" \
			--pid-file "$T_DIR/$d$net.pid"
		t_wait_for 20 test -s "$T_DIR/$d$net.pid" || t_fail "daemon $d$net not ready"
	done
	t_log "IPv6, network lu2k$net"
	ip netns exec "$NS" timeout 120 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/a$net.sock" \
		--sock-b "$T_DIR/b$net.sock" --nid-a "[2001:db8::1]@lu2k$net" \
		--nid-b "[2001:db8::2]@lu2k$net" --count 100 --sizes 0,72,4096,1M,4M --timeout 90 ||
		t_fail "IPv6 transfer on lu2k$net"
	grep -q 'incoming connection from \[2001:db8::1\]@lu2k'"$net" "$T_DIR/b$net.log" ||
		t_fail "b$net did not see the connection from [2001:db8::1]"
	kill "$(cat "$T_DIR/a$net.pid")" "$(cat "$T_DIR/b$net.pid")"
}
run_pair ""
PORT=$((PORT + 1))
run_pair 5

t_log "PASS"
