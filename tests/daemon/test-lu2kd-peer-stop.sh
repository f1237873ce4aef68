#!/bin/bash
# A peer's lu2kd that stops on purpose is news, not an error; one that dies is.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- ping ---> lu2k-perf server (127.0.0.2@lu2k)
#              lu2kd a  ===== tcp | udt, port P =====>  lu2kd b (stopped, restarted, killed)
#
# For each back-end (tcp, tcp with keys: the goodbye sealed like any frame,
# udt): lu2kd b gets SIGTERM while pings run. a must log
# "connection closed by the peer" (info), count it in closed_by_peer and
# conns_closed_by_peer, and log no "connection lost" warning and no
# conns_failed. Then b comes back and the pings flow again. Then b gets
# SIGKILL (no goodbye): with tcp a logs "connection lost" (a failure); udt
# finds out when a restarted b answers with its UNKNOWN notice
# (test-lu2kd-udt-restart.sh), or by its peer timeout.
. "$(dirname "$0")/../lib/common.sh"
t_need_bins lu2kd lu2k-perf lu2kctl
t_require_root
# A namespace of its own: its ports collide with nothing else on the host.
t_netns "$T_TAG"

start_b() { # start_b BACKEND RUN
	t_bg "b$2" ip netns exec "$T_TAG" "$T_BIN/lu2kd" -c "$T_DIR/b-$3.conf" -f -b "$1" -p "$PORT" --channel-socket "$T_DIR/b.sock" \
		--ctl-socket "$T_DIR/b.ctl" --pid-file "$T_DIR/b.pid"
	t_wait_for 20 test -S "$T_DIR/b.ctl" || t_fail "lu2kd b did not start"
	t_bg "server$2" ip netns exec "$T_TAG" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock" -q
	t_wait_for 10 eval 'timeout 5 ip netns exec "$T_TAG" "$T_BIN/lu2kctl" -s "$T_DIR/b.ctl" status | grep -q 127.0.0.2@lu2k' ||
		t_fail "the server did not attach to lu2kd b"
}
pings_flow() { # the client's answered pings grow
	local n0 n1
	n0=$(t_ctl_json a 'sum(p["msgs_rx"] for p in j["peers"])')
	t_wait_for 10 eval '[ "$(t_ctl_json a "sum(p[\"msgs_rx\"] for p in j[\"peers\"])")" -gt '"$n0"' ]'
}

# Keys for the sealed case; the plain cases get empty config files.
keys=false
if [ -x "$T_BIN/lu2k-keygen" ]; then
	for k in a b; do
		"$T_BIN/lu2k-keygen" genkey -o "$T_DIR/$k.key" || t_fail "genkey $k"
	done
	pa=$("$T_BIN/lu2k-keygen" pubkey -i "$T_DIR/a.key") pb=$("$T_BIN/lu2k-keygen" pubkey -i "$T_DIR/b.key")
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pb" >"$T_DIR/a-keys.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\n' "$T_DIR/b.key" "$pa" >"$T_DIR/b-keys.conf"
	keys=true
fi
: >"$T_DIR/a-plain.conf"
: >"$T_DIR/b-plain.conf"

for run in tcp tcp+keys udt; do
	be=${run%+keys} conf=plain
	[ "$run" = tcp+keys ] && conf=keys
	if [ $conf = keys ] && ! $keys; then
		t_log "$run: skipped (no lu2k-keygen)"
		continue
	fi
	t_log "== $run"
	PORT=$((20000 + RANDOM % 20000))
	t_bg "a_$be" ip netns exec "$T_TAG" "$T_BIN/lu2kd" -c "$T_DIR/a-$conf.conf" -f -b "$be" -p "$PORT" \
		--channel-socket "$T_DIR/a.sock" --ctl-socket "$T_DIR/a.ctl"
	t_wait_for 20 test -S "$T_DIR/a.ctl" || t_fail "lu2kd a did not start"
	start_b "$be" "1$be" "$conf"
	# Pings with a short timeout so that those lost with b fail quickly.
	t_bg "client_$be" ip netns exec "$T_TAG" "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
		--socket "$T_DIR/a.sock" -q ping --time 60s --timeout 1s
	t_wait_for 10 eval '[ "$(t_ctl_json a "len(j[\"peers\"])")" -ge 1 ]' || t_fail "$be: no peer on a"
	pings_flow || t_fail "$be: no pings answered"

	t_log "$be: SIGTERM to lu2kd b"
	pid=$(cat "$T_DIR/b.pid")
	kill -TERM "$pid"
	t_wait_for 10 eval '! t_alive '"$pid" || t_fail "lu2kd b did not stop"
	# the outgoing connection's close, not only the incoming one's: the
	# two goodbyes come on different sockets, so one may be read first
	t_wait_for 10 grep -q "@lu2k: connection closed by the peer" "$T_DIR/a_$be.log" ||
		t_fail "$be: a did not log the peer's close"
	grep -q "connection lost" "$T_DIR/a_$be.log" && t_fail "$be: a clean stop logged as a lost connection"
	[ "$(t_ctl_json a 'sum(p["closed_by_peer"] for p in j["peers"])')" -ge 1 ] ||
		t_fail "$be: closed_by_peer not counted"
	[ "$(t_ctl_json a 'j["backend"]["conns_failed"]' stats)" = 0 ] ||
		t_fail "$be: a clean stop counted in conns_failed"
	[ "$(t_ctl_json a 'j["backend"]["conns_closed_by_peer"]' stats)" -ge 1 ] ||
		t_fail "$be: conns_closed_by_peer not counted"

	t_log "$be: lu2kd b back"
	kill "$(eval echo \$server1${be}_pid)" 2>/dev/null
	start_b "$be" "2$be" "$conf"
	pings_flow || t_fail "$be: pings did not come back with lu2kd b"

	if [ $conf = keys ]; then
		[ "$(t_ctl_json a 'j["backend"]["auth_records_rx"]' stats)" -gt 0 ] ||
			t_fail "$run: no sealed records: the keys were not used"
	fi
	if [ "$be" = tcp ]; then
		t_log "$be: SIGKILL to lu2kd b"
		kill -KILL "$(cat "$T_DIR/b.pid")"
		t_wait_for 10 grep -q "connection lost" "$T_DIR/a_$be.log" ||
			t_fail "$be: a killed peer was not a lost connection"
	fi
	kill "$(eval echo \$client_${be}_pid)" "$(eval echo \$a_${be}_pid)" \
		"$(eval echo \$server2${be}_pid)" "$(cat "$T_DIR/b.pid")" 2>/dev/null
	sleep 0.5
	rm -f "$T_DIR"/*.sock "$T_DIR"/*.ctl "$T_DIR/b.pid"
done
t_log "PASS: a peer's stop is logged as news and not counted as a failure; a kill still is"
