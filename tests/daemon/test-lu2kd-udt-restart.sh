#!/bin/bash
# A fade is not a restart (udt, plain and with keys).
#
#   perf client 10.77.0.1@lu2k - lu2kd a ==== lu2k-linkem (10 ms, outages) ==== lu2kd b - perf server 10.77.0.2@lu2k
#
# Pings (each waits up to 30 s for its answer) run all along. The link's
# outages drop every packet silently, as a satellite hop in a fade does
# (no error, no ICMP at either end).
#  - An outage of 7 s, no restart (plain only): nothing fails. a keeps its
#    connection (no peer timeout: peer_timeout_ms is LNet's 50 s), the ping
#    that waited is answered, no message is counted failed.
#  - An outage during which lu2kd b is killed (-9) and started again: once
#    the link is back, a's packets reach the new b, which does not know
#    their connection and says so (UNKNOWN notices, unknown_told); a closes
#    that connection within seconds (peer_gone), far before peer_timeout_ms,
#    and the pings flow again on a new one.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2kctl
command -v python3 >/dev/null || t_skip "no python3"
A=10.77.0.1@lu2k B=10.77.0.2@lu2k

answered() { t_ctl_json a 'sum(p["msgs_rx"] for p in j["peers"])'; }
pings_flow() { # SECONDS: the answered pings grow within that
	local n0
	n0=$(answered)
	t_wait_for "$1" eval '[ "$(answered)" -gt '"$n0"' ]'
}
at() { # SECONDS: sleep until that long after lu2k-linkem started (its outages count from then)
	local d
	d=$(awk -v t0="$t0" -v t="$1" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + t - now; print (d > 0 ? d : 0) }')
	sleep "$d"
}
start_b() { # RUN CONF
	t_bg "b$1" ip netns exec "$LK_B" "$T_BIN/lu2kd" -c "$T_DIR/b-$2.conf" -f -b udt -p "$PORT" \
		--channel-socket "$T_DIR/b.sock" --ctl-socket "$T_DIR/b.ctl" --pid-file "$T_DIR/b.pid"
	t_wait_for 20 test -S "$T_DIR/b.ctl" || t_fail "lu2kd b did not start"
	t_bg "server$1" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid "$B" --socket "$T_DIR/b.sock" -q
	t_wait_attached "$T_DIR/b.ctl" "$B"
}

: >"$T_DIR/a-plain.conf"
: >"$T_DIR/b-plain.conf"
runs=plain
if [ -x "$T_BIN/lu2k-keygen" ]; then
	for k in a b; do
		"$T_BIN/lu2k-keygen" genkey -o "$T_DIR/$k.key" || t_fail "genkey $k"
	done
	pa=$("$T_BIN/lu2k-keygen" pubkey -i "$T_DIR/a.key") pb=$("$T_BIN/lu2k-keygen" pubkey -i "$T_DIR/b.key")
	printf '[auth]\nprivate_key = %s\npeer = %s %s\n' "$T_DIR/a.key" "$pb" "$B" >"$T_DIR/a-keys.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s %s\n' "$T_DIR/b.key" "$pa" "$A" >"$T_DIR/b-keys.conf"
	runs="plain keys"
else
	t_log "keys: skipped (no lu2k-keygen)"
fi

for conf in $runs; do
	t_log "== udt, $conf"
	PORT=$((20000 + RANDOM % 20000))
	t0=$(date +%s.%N)
	if [ $conf = plain ]; then
		fade=6 restart=19 # outages at 6 s (7 s long) and 19 s (7 s)
		lk_start --delay 10ms --outage 6s+7s --outage 19s+7s --die-with-parent --quiet
	else
		restart=6
		lk_start --delay 10ms --outage 6s+7s --die-with-parent --quiet
	fi
	t_bg "a_$conf" ip netns exec "$LK_A" "$T_BIN/lu2kd" -c "$T_DIR/a-$conf.conf" -f -b udt -p "$PORT" \
		--channel-socket "$T_DIR/a.sock" --ctl-socket "$T_DIR/a.ctl"
	t_wait_for 20 test -S "$T_DIR/a.ctl" || t_fail "lu2kd a did not start"
	start_b "1$conf" "$conf"
	t_bg "client_$conf" ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" \
		--socket "$T_DIR/a.sock" -q ping --time 120s --timeout 30s
	t_wait_for 10 eval '[ "$(t_ctl_json a "len(j[\"peers\"])")" -ge 1 ]' || t_fail "$conf: no peer on a"
	pings_flow 5 || t_fail "$conf: no pings answered"

	if [ $conf = plain ]; then
		t_log "$conf: an outage of 7 s, no restart"
		at $((fade + 7))
		pings_flow 15 || t_fail "$conf: the pings did not come back after the outage"
		[ "$(t_lu2kd_stat a peer_timeouts)" = 0 ] || t_fail "$conf: a timed its peer out in a 7 s outage"
		[ "$(t_lu2kd_stat a conns_failed)" = 0 ] || t_fail "$conf: a connection failed in a 7 s outage"
		[ "$(t_ctl_json a 'sum(p["errors"] for p in j["peers"])')" = 0 ] ||
			t_fail "$conf: a counted failures in a 7 s outage"
		[ "$(t_lu2kd_stat a peer_gone)" = 0 ] || t_fail "$conf: an outage was taken for a restart"
	fi

	t_log "$conf: an outage of 7 s, lu2kd b killed and started again in it"
	at $((restart + 1))
	kill -KILL "$(cat "$T_DIR/b.pid")"
	t_wait_for 10 eval '! t_alive '"$(cat "$T_DIR/b.pid")" || t_fail "lu2kd b did not die"
	kill "$(eval echo \$server1${conf}_pid)" 2>/dev/null
	rm -f "$T_DIR/b.pid" "$T_DIR/b.ctl" "$T_DIR/b.sock"
	start_b "2$conf" "$conf"
	at $((restart + 7))
	up_t=$(date +%s)
	# peer_timeout_ms is 50 s: within 20 s only the notice can have ended the old connection
	t_wait_for 20 eval '[ "$(t_lu2kd_stat a peer_gone)" -ge 1 ]' ||
		t_fail "$conf: a did not learn that b restarted (b: unknown_dst $(t_lu2kd_stat b unknown_dst), unknown_told $(t_lu2kd_stat b unknown_told); a: unknown_dst $(t_lu2kd_stat a unknown_dst), unknown_heard $(t_lu2kd_stat a unknown_heard))"
	pings_flow 20 || t_fail "$conf: the pings did not come back after b's restart"
	t_log "$conf: b's restart noticed and pings answered again $(($(date +%s) - up_t)) s after the link came back"
	[ "$(t_lu2kd_stat b unknown_told)" -ge 1 ] || t_fail "$conf: b told no UNKNOWN notice"
	[ "$(t_lu2kd_stat a peer_timeouts)" = 0 ] || t_fail "$conf: a waited for its peer timeout"
	grep -q "no longer knows our connection" "$T_DIR/a_$conf.log" || t_fail "$conf: a did not log why it closed"

	kill "$(eval echo \$client_${conf}_pid)" "$(eval echo \$a_${conf}_pid)" \
		"$(eval echo \$server2${conf}_pid)" "$(cat "$T_DIR/b.pid")" 2>/dev/null
	lk_stop
	rm -f "$T_DIR"/*.sock "$T_DIR"/*.ctl "$T_DIR/b.pid"
done
t_log "PASS: an outage keeps the connection and its messages; a restarted peer is noticed in seconds"
