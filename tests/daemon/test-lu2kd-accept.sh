#!/bin/bash
# lu2kd's "accept" (default strict): a hello may claim only the NID of the
# address it comes from, on loopback, over tcp and udt.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- honest bulk ---> lu2k-perf server (127.0.0.2@lu2k)
#               lu2kd #1  ========= port P =========>  lu2kd #2 (default config)
#   lu2k-hostile tcp-hellos from 127.0.0.1: 20 hellos claiming 10.77.0.x@lu2k ---^
#
# Before: every hello was believed, and a claimed NID steered the daemon's
# own connections (LNet answers a sender at its NID's address). Checks:
# the 20 spoofed hellos refused (EACCES, nid_refused, the warning), no peer
# made for them (tcp; over udt, one connection's hello after the cookie
# round trip); a hello claiming a NID of this host (two daemons on one
# machine: the kernel picks 127.0.0.1 as the source for 127.0.0.x) is
# accepted; honest bulk passes both ways over tcp and udt.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
: >"$T_DIR/lu2kd.conf" # the defaults
stat_of() { # daemon key command
	timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" "$3" >"$T_DIR/$1.$3.yaml" ||
		t_fail "lu2kctl did not answer"
	awk -v k="$2:" '$1 == k { print $2; exit }' "$T_DIR/$1.$3.yaml"
}

for be in tcp udt; do
	PORT=$((20000 + RANDOM % 20000))
	for d in d1 d2; do
		t_bg "$be$d" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" \
			--log-level info -b "$be" --channel-socket "$T_DIR/$d.sock" \
			--ctl-socket "$T_DIR/$d.ctl" --pid-file "$T_DIR/$be$d.pid"
		t_wait_for 20 test -s "$T_DIR/$be$d.pid" || t_fail "$be $d did not get ready"
	done
	t_bg "${be}server" "$T_BIN/lu2k-perf" server --nid "$B" --socket "$T_DIR/d2.sock"
	t_wait_for 10 grep -q ready "$T_DIR/${be}server.log" || t_fail "the server did not attach"

	if [ "$be" = tcp ]; then
		t_log "tcp: 20 hellos from 127.0.0.1 claiming 10.77.0.x@lu2k"
		timeout 60 "$T_BIN/lu2k-hostile" tcp-hellos --target "127.0.0.2:$PORT" --conns 20 \
			--src 10.77.0.1@lu2k --dst "$B" >"$T_DIR/spoof.out" || t_fail "lu2k-hostile failed"
		cat "$T_DIR/spoof.out"
		grep -q "20 hellos, 0 accepted, 20 refused (Permission denied)" "$T_DIR/spoof.out" ||
			t_fail "spoofed hellos were not refused"
		[ "$(stat_of d2 nid_refused stats)" = 20 ] || t_fail "nid_refused is not 20"
		grep -q 'refusing a hello from 127.0.0.1 claiming 10.77.0.1@lu2k' "$T_DIR/${be}d2.log" ||
			t_fail "the warning is missing"
		[ "$(stat_of d2 peers status)" = 0 ] || t_fail "peers were made for spoofed NIDs"

		t_log "tcp: a hello claiming another NID of this host"
		timeout 60 "$T_BIN/lu2k-hostile" tcp-hellos --target "127.0.0.2:$PORT" --conns 1 \
			--src 127.0.0.9@lu2k --dst "$B" >"$T_DIR/local.out" || t_fail "lu2k-hostile failed"
		cat "$T_DIR/local.out"
		grep -q "1 hellos, 1 accepted" "$T_DIR/local.out" || t_fail "a local NID was refused"
	else
		t_log "udt: a connection from 127.0.0.1 whose hello claims 10.77.0.1@lu2k"
		timeout 30 "$T_BIN/lu2k-hostile" udt-endless --target "127.0.0.2:$PORT" --conns 1 \
			--pkts 1 --time 1 --src 10.77.0.1@lu2k --dst "$B" >"$T_DIR/udt-spoof.out" 2>&1 || true
		cat "$T_DIR/udt-spoof.out"
		t_wait_for 10 grep -q 'refusing a hello from 127.0.0.1 claiming 10.77.0.1@lu2k' \
			"$T_DIR/${be}d2.log" || t_fail "udt: the spoofed hello was not refused"
		[ "$(stat_of d2 peers status)" = 0 ] || t_fail "udt: a peer was made for a spoofed NID"
	fi

	refused=$(stat_of d2 nid_refused stats)
	t_log "$be: honest bulk with accept = strict"
	timeout 60 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" \
		--timeout 20s --json bulk --size 64K --time 1s >"$T_DIR/$be.json" ||
		{ cat "$T_DIR/$be.json"; t_fail "$be: honest traffic failed"; }
	grep -q '"pass":true' "$T_DIR/$be.json" || t_fail "$be: honest traffic did not pass"
	[ "$(stat_of d2 nid_refused stats)" = "$refused" ] || t_fail "$be: an honest hello was refused"
	for p in "${be}server" "${be}d1" "${be}d2"; do
		eval "pid=\$${p}_pid"
		kill "$pid"
		t_wait_for 10 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
			t_fail "$p did not stop"
		wait "$pid" 2>/dev/null
	done
done
echo "PASS"
