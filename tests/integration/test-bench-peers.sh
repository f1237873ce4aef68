#!/bin/bash
# lu2k-bench-peers' quick mode: one lu2kd (A) and its peers on two peer
# daemons, all on loopback in a private namespace, for udt and tcp:
#
#   lu2k-bench-peers --- lu2kd A (127.0.0.1) --+-- lu2kd P1: peers 127.1.0.1 ..
#     (one worker process per peer daemon)    +-- lu2kd P2: .. 127.1.0.200
#
#  - 200 idle peers: A sends one message to each; every one delivered and
#    received once;
#  - 100 busy peers: each sends 4 KiB messages to A for 3 s; A checks every
#    byte, each peer's messages arrive each once, none fails; A's udt
#    back-end holds no receive memory once they are idle (the trim).
# The figures (memory per peer, shares) are the benchmark's
# (scripts/bench-loopback --peers 10000 --busy 1000): not asserted here.
T_NET=private
. "$(dirname "$0")/../lib/common.sh"
t_require_root
t_need_bins lu2kd lu2kctl lu2k-bench-peers
PY=/usr/bin/python3
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

for be in udt tcp; do
	PORT=$((20000 + RANDOM % 20000))
	printf 'max_channels = 1024\n[%s]\nmax_conns_per_source = 1000\nmax_halfopen_per_prefix = 1000\nmax_halfopen = 1000\n' \
		"$be" >"$T_DIR/lu2kd.conf"
	for n in a p1 p2 b q1; do t_lu2kd "$be$n" "$be"; done
	# ARGS for lu2k-bench-peers: A is DAEMON, the peers on PEER-DAEMONS
	bp_args() { # DAEMON PEER-DAEMONS...
		local a=$1 n
		shift
		args=(--socket-a "$T_DIR/$be$a.sock" --pid-a "$(cat "$T_DIR/$be$a.pid")" --json)
		for n in "$@"; do
			args+=(--socket-b "$T_DIR/$be$n.sock" --pid-b "$(cat "$T_DIR/$be$n.pid")")
		done
	}
	bp_args a p1 p2
	timeout 120 "$T_BIN/lu2k-bench-peers" "${args[@]}" --nid-a 127.0.0.1@lu2k \
		--base 127.1.0.1@lu2k --peers 200 --idle 1 >"$T_DIR/$be-idle.out" 2>&1 || t_fail "$be: idle peers: $(cat "$T_DIR/$be-idle.out")"
	$PY - "$T_DIR/$be-idle.out" <<'PY' || t_fail "$be: idle: $(cat "$T_DIR/$be-idle.out")"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["peers"] == 200 and r["ok"] == 200 and r["received"] == 200 and r["errors"] == 0, r
PY
	t_log "$be: 200 idle peers on 2 peer daemons: $(tail -1 "$T_DIR/$be-idle.out")"
	# busy: a fresh A (b) and peer daemon (q1); A is asked for its receive memory while idle
	bp_args b q1
	timeout 120 "$T_BIN/lu2k-bench-peers" "${args[@]}" --nid-a 127.0.0.3@lu2k \
		--base 127.2.0.1@lu2k --peers 100 --busy 3 --size 4096 --idle 4 >"$T_DIR/$be-busy.out" 2>&1 &
	bpid=$!
	t_defer "kill $bpid 2>/dev/null; wait $bpid 2>/dev/null"
	# the busy run ends at ~3 s, its 4 s idle then: look at ~2.5 s into the idle
	if [ "$be" = udt ]; then
		t_wait_for 60 grep -q '^busy peers' "$T_DIR/$be-busy.out" ||
			t_fail "$be: the busy run did not finish: $(cat "$T_DIR/$be-busy.out")"
		sleep 2.5
		mem=$(t_lu2kd_stat "${be}b" rx_memory)
		[ "$mem" = 0 ] || t_fail "$be: A holds $mem bytes of receive memory 2.5 s after the burst"
	fi
	wait "$bpid" || t_fail "$be: busy peers: $(cat "$T_DIR/$be-busy.out")"
	$PY - "$T_DIR/$be-busy.out" <<'PY' || t_fail "$be: busy: $(cat "$T_DIR/$be-busy.out")"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert r["verified"] and r["bad"] == 0 and r["errors"] == 0, r
assert r["ok"] == r["sent"] == r["received"] and r["ok"] >= 100, r
PY
	t_log "$be: $(grep -m2 '^busy peers\|^second half' "$T_DIR/$be-busy.out" | tr '\n' ' ')"
done
t_log "ok"
