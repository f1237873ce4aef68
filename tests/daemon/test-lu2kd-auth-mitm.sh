#!/bin/bash
# An on-path attacker between two lu2kd with keys, udt and tcp (auth_mitm.py):
#
#   A 127.0.0.1 (port PA) --> relay 127.0.0.2:PA --> B 127.0.0.2 (port PB)
#   A <-- relay 127.0.0.1:PB <-------------------- B (its connections back)
#
# The daemons listen on different ports so that the relays can take the
# address and port each connects to. Per back-end and mode, fresh daemons:
#   pass          a bulk through the relays completes, verified, sealed with
#                 the cipher both ends offer (the relay is faithful)
#   flip-init     the initiation's caps byte flipped (mac1 made again, as anyone
#                 who knows B's public key can): tcp: B refuses the handshake as
#                 not authentic, logged and counted; udt: B's cookie reply is
#                 bound to the changed initiation, and A drops it (logged,
#                 counted); nothing delivered
#   flip-resp     the response's caps byte flipped: A refuses it, logged and
#                 counted; nothing delivered
#   forge-cookie  (udt) a made-up cookie reply to every initiation: A drops it
#                 ("cookie reply does not authenticate", auth_bad_cookies) and
#                 keeps resending its initiation without a cookie
# Before the handshake carried the caps (version 1) a flipped caps byte left
# two ends with different ciphers and a connection that never came up,
# unlogged, and A took any cookie reply.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-keygen
command -v python3 >/dev/null || t_skip "no python3"
t_need_lo8

PA=$((20000 + RANDOM % 20000))
PB=$((PA + 1))
relay=$(dirname "$0")/auth_mitm.py
kg=$T_BIN/lu2k-keygen
for k in a b; do
	"$kg" genkey -o "$T_DIR/$k.key" || t_fail "genkey $k"
	eval "pub_$k=\$($kg pubkey -i $T_DIR/$k.key)"
done
# shellcheck disable=SC2154
{
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pub_b" >"$T_DIR/a.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\n' "$T_DIR/b.key" "$pub_a" >"$T_DIR/b.conf"
}
printf '[udt]\nconnect_timeout_ms = 3000\n' >>"$T_DIR/a.conf"

stat_of() { # daemon key
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" stats | awk -v k="$2:" '$1 == k { print $2 }'
}
run=0
phase() { # backend mode: fresh daemons and relays; sets $A $B (log files), $R (relay out)
	local be=$1 mode=$2 proto=udp n
	[ "$be" = tcp ] && proto=tcp
	run=$((run + 1))
	for n in a b; do
		rm -f "$T_DIR/$n.pid"
	done
	t_bg "a$run" "$T_BIN/lu2kd" -c "$T_DIR/a.conf" --foreground --port "$PA" --log-level info \
		-b "$be" --channel-socket "$T_DIR/a.sock" --ctl-socket "$T_DIR/a.ctl" --pid-file "$T_DIR/a.pid"
	t_bg "b$run" "$T_BIN/lu2kd" -c "$T_DIR/b.conf" --foreground --port "$PB" --log-level info \
		-b "$be" --channel-socket "$T_DIR/b.sock" --ctl-socket "$T_DIR/b.ctl" --pid-file "$T_DIR/b.pid"
	t_wait_for 20 test -s "$T_DIR/a.pid" || t_fail "A did not get ready"
	t_wait_for 20 test -s "$T_DIR/b.pid" || t_fail "B did not get ready"
	t_bg "srv$run" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock"
	t_wait_for 10 eval "grep -q ready \"\$T_DIR/srv$run.log\"" || t_fail "the perf server did not attach"
	t_bg "r$run" python3 -u "$relay" "$proto" --listen "127.0.0.2:$PA" --to "127.0.0.2:$PB" \
		--mode "$mode" --listener-key "$pub_b" --connector-key "$pub_a"
	t_bg "back$run" python3 -u "$relay" "$proto" --listen "127.0.0.1:$PB" --to "127.0.0.1:$PA"
	t_wait_for 10 eval "grep -q relay \"\$T_DIR/r$run.log\" && grep -q relay \"\$T_DIR/back$run.log\"" ||
		t_fail "the relays did not start: $(cat "$T_DIR/r$run.log" "$T_DIR/back$run.log")"
	A=$T_DIR/a$run.log B=$T_DIR/b$run.log R=$T_DIR/r$run.log
}
stop() { # the daemons, servers and relays of this phase
	local p
	for p in "srv${run}_pid" "r${run}_pid" "back${run}_pid" "a${run}_pid" "b${run}_pid"; do
		kill "${!p}" 2>/dev/null
		wait "${!p}" 2>/dev/null
	done
}
perf() { # name timeout args...
	local name=$1 to=$2
	shift 2
	timeout 60 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
		--socket "$T_DIR/a.sock" --json --timeout "$to" "$@" >"$T_DIR/$name.json" 2>"$T_DIR/$name.err"
}

for be in udt tcp; do
	# pass: faithful relays, a verified bulk, sealed with the cipher both ends offer
	phase "$be" pass
	timeout 60 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
		--socket "$T_DIR/a.sock" --json --timeout 30s bulk --size 64K --concurrency 4 --time 3s \
		>"$T_DIR/$be-pass.json" 2>"$T_DIR/$be-pass.err" &
	bulk=$!
	t_defer "kill $bulk 2>/dev/null"
	# the connections' cipher while they are up
	t_wait_for 10 eval "\"\$T_BIN/lu2kctl\" --socket \"\$T_DIR/a.ctl\" --json conns | grep -q '\"cipher\"'"
	"$T_BIN/lu2kctl" --socket "$T_DIR/a.ctl" --json conns >"$T_DIR/$be-conns.json" || t_fail "lu2kctl conns"
	wait $bulk || t_fail "$be through the relay: $(cat "$T_DIR/$be-pass.json" "$T_DIR/$be-pass.err")"
	grep -q '"pass":true' "$T_DIR/$be-pass.json" || t_fail "$be pass: $(cat "$T_DIR/$be-pass.json")"
	cipher=chacha20poly1305
	grep -qw aes /proc/cpuinfo && grep -qw pclmulqdq /proc/cpuinfo && cipher=aes256gcm
	grep -q "\"cipher\": *\"$cipher\"" "$T_DIR/$be-conns.json" ||
		t_fail "$be: A's conns do not say $cipher: $(cat "$T_DIR/$be-conns.json")"
	t_log "$be through a faithful relay: $(grep -o '"ok":[0-9]*' "$T_DIR/$be-pass.json"), $cipher"
	stop

	# the initiation's offer changed: B refuses it as not authentic
	phase "$be" flip-init
	perf "$be-fi" 5s bulk --size 4K --count 2
	grep -q '"ok":0,' "$T_DIR/$be-fi.json" || t_fail "$be flip-init delivered: $(cat "$T_DIR/$be-fi.json")"
	grep -q "initiation's caps flipped" "$R" || t_fail "$be: the relay flipped nothing: $(cat "$R")"
	if [ "$be" = tcp ]; then
		t_wait_for 5 grep -q "refused: handshake does not authenticate" "$B" ||
			t_fail "$be: B did not refuse the changed initiation: $(cat "$B")"
		v=$(stat_of b auth_bad_handshakes)
		[ "${v:-0}" -ge 1 ] || t_fail "$be: B's auth_bad_handshakes is ${v:-missing}"
		t_log "$be, initiation's caps flipped: B refused it ($v counted)"
	else
		# udt: B's cookie is bound to the changed initiation's mac1, and its
		# cookie reply to that mac1: A, which sent another, drops the reply
		t_wait_for 5 grep -q "failed: cookie reply does not authenticate" "$A" ||
			t_fail "$be: A took the cookie of the changed initiation: $(cat "$A")"
		v=$(stat_of a auth_bad_cookies)
		[ "${v:-0}" -ge 1 ] || t_fail "$be: A's auth_bad_cookies is ${v:-missing}"
		grep -q "handshake from .* refused" "$B" && t_fail "$be: B got as far as the handshake: $(cat "$B")"
		t_log "$be, initiation's caps flipped: A dropped the cookie replies for it ($v counted)"
	fi
	stop

	# the response's offer changed: A refuses it
	phase "$be" flip-resp
	perf "$be-fr" 5s bulk --size 4K --count 2
	grep -q '"ok":0,' "$T_DIR/$be-fr.json" || t_fail "$be flip-resp delivered: $(cat "$T_DIR/$be-fr.json")"
	grep -q "response's caps flipped" "$R" || t_fail "$be: the relay flipped nothing: $(cat "$R")"
	t_wait_for 5 grep -q "handshake with 127.0.0.2@lu2k at .* failed: handshake does not authenticate" "$A" ||
		t_fail "$be: A did not refuse the changed response: $(cat "$A")"
	k=auth_failed_out
	[ "$be" = tcp ] && k=auth_refused
	v=$(stat_of a $k)
	[ "${v:-0}" -ge 1 ] || t_fail "$be: A's $k is ${v:-missing}"
	t_log "$be, response's caps flipped: A refused it ($k $v)"
	stop
done

# udt: a made-up cookie reply is dropped and counted; A goes on without it
phase udt forge-cookie
perf udt-fc 4s bulk --size 4K --count 2
grep -q '"ok":0,' "$T_DIR/udt-fc.json" || t_fail "forge-cookie delivered: $(cat "$T_DIR/udt-fc.json")"
t_wait_for 5 grep -q "cookie reply does not authenticate" "$A" ||
	t_fail "A did not drop the forged cookie reply: $(cat "$A")"
v=$(stat_of a auth_bad_cookies)
[ "${v:-0}" -ge 2 ] || t_fail "A's auth_bad_cookies is ${v:-missing} (2 expected at least)"
n=$(grep -c "initiation of 180 bytes" "$R")
[ "$n" -ge 2 ] || t_fail "A did not resend its initiation: $(cat "$R")"
grep -q "initiation of 196 bytes" "$R" && t_fail "A sent a forged cookie back: $(cat "$R")"
t_log "udt, forged cookie replies: $v dropped and counted; A resent its initiation $n times, never with a forged cookie"
stop
echo "PASS"
