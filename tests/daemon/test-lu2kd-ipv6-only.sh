#!/bin/bash
# lu2kd between two IPv6-only network namespaces, over the tcp and the udt
# back-ends:
#
#   ns A  [fd77:17::1]  veth (no IPv4 address at all)  [fd77:17::2]  ns B
#   lu2kd -b BE  <------------------------------------------>  lu2kd -b BE
#
# NIDs [fd77:17::1]@lu2k -> [fd77:17::2]@lu2k, 0 B .. 4 MiB both ways (verified
# by lu2kd_e2e), lu2k-perf bulk between IPv6 NIDs, and lu2kctl names the IPv6
# peer. rds is not run here: this host has no AF_RDS (tests/vm/ has it).
. "$(dirname "$0")/../lib/common.sh"

t_require_root
command -v ip >/dev/null || t_skip "no ip(8)"
t_need_bins lu2kd lu2kd_e2e lu2kctl
NA=l6a$T_TAG
NB=l6b$T_TAG
ip netns add "$NA" 2>/dev/null || t_skip "cannot create a network namespace"
t_defer ip netns del "$NA"
ip netns add "$NB" || t_fail "ip netns add $NB"
t_defer ip netns del "$NB"
ip link add "v6a$T_TAG" netns "$NA" type veth peer name "v6b$T_TAG" netns "$NB" ||
	t_skip "cannot create a veth pair"
for n in "$NA:v6a$T_TAG:1" "$NB:v6b$T_TAG:2"; do
	IFS=: read -r ns dev host <<<"$n"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "fd77:17::$host/64" dev "$dev" nodad || t_fail "address on $dev"
	ip -n "$ns" link set "$dev" up
done
# IPv6 only: nothing but loopback's 127.0.0.1 is IPv4 in either namespace.
for ns in "$NA" "$NB"; do
	[ -z "$(ip -n "$ns" -4 addr show scope global)" ] || t_fail "$ns has an IPv4 address"
done
t_wait_for 10 ip netns exec "$NA" ping -6 -c1 -W1 fd77:17::2 || t_fail "no IPv6 between the namespaces"

PORT=$((20000 + RANDOM % 20000))
for be in tcp udt; do
	PORT=$((PORT + 1))
	for d in a b; do
		ns=$NA
		[ $d = b ] && ns=$NB
		t_bg "$be$d" ip netns exec "$ns" "$T_BIN/lu2kd" --foreground --port "$PORT" -b "$be" \
			--channel-socket "$T_DIR/$be$d.sock" --ctl-socket "$T_DIR/$be$d.ctl" \
			--pid-file "$T_DIR/$be$d.pid"
		t_wait_for 20 test -s "$T_DIR/$be$d.pid" || t_fail "$be daemon $d not ready"
	done
	t_log "$be over IPv6 only"
	timeout 150 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/${be}a.sock" --sock-b "$T_DIR/${be}b.sock" \
		--nid-a "[fd77:17::1]@lu2k" --nid-b "[fd77:17::2]@lu2k" --count 60 \
		--sizes 0,72,4096,1M,4M --timeout 120 >"$T_DIR/$be-e2e.log" 2>&1 ||
		t_fail "$be: IPv6 transfer: $(tail -n 5 "$T_DIR/$be-e2e.log")"
	grep -q 'incoming connection from \[fd77:17::1\]@lu2k' "$T_DIR/${be}b.log" ||
		t_fail "$be: b did not see the connection from [fd77:17::1]"
	# lu2k-perf over IPv6 NIDs; lu2kctl while the server is still attached
	# (a daemon forgets a channel's peers when it detaches).
	t_bg "${be}srv" "$T_BIN/lu2k-perf" server --nid "[fd77:17::2]@lu2k" \
		--socket "$T_DIR/${be}b.sock" --time 60s
	t_wait_for 10 sh -c "[ \$(grep -c 'attached via socket' '$T_DIR/${be}b.log') -ge 2 ]" ||
		t_fail "$be: the lu2k-perf server did not attach"
	timeout 60 "$T_BIN/lu2k-perf" client --nid "[fd77:17::1]@lu2k" --peer "[fd77:17::2]@lu2k" \
		--socket "$T_DIR/${be}a.sock" -q bulk --size 256K --count 40 >"$T_DIR/$be-perf.log" 2>&1 ||
		t_fail "$be: lu2k-perf bulk over IPv6: $(tail -n 5 "$T_DIR/$be-perf.log")"
	"$T_BIN/lu2kctl" --socket "$T_DIR/${be}b.ctl" peers >"$T_DIR/$be-peers.yaml" ||
		t_fail "$be: lu2kctl peers"
	grep -q 'fd77:17::1' "$T_DIR/$be-peers.yaml" ||
		t_fail "$be: lu2kctl does not name the IPv6 peer: $(cat "$T_DIR/$be-peers.yaml")"
	srv="${be}srv_pid"
	kill "${!srv}" 2>/dev/null
	kill "$(cat "$T_DIR/${be}a.pid")" "$(cat "$T_DIR/${be}b.pid")"
done
t_log "PASS"
