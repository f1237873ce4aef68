#!/bin/bash
# lu2kd with keys under a flood of valid-looking node handshakes (udt, then tcp), on loopback.
#
#   lu2k-hostile X-hsflood: 40 sources, each its own /24 (127.10.0.1, 127.10.1.1, ...),
#   key x (not listed by B): initiations that pass mac1 (and udt's cookie), 3,000 a second
#                                     ------------> B 127.0.0.2 (key b; hs_rate = 100,
#   perf client 127.0.0.1@lu2k - A (key a) ------->   hs_rate_prefix = 5)
#
# Checks, per back-end: while the flood runs, A (listed by B) connects and its pings all
# come back, verified; B counts the limit biting (auth_rate_limited_prefix/_global) and
# logs it ("handshake rate limit"); the handshakes B let through to the allow-list
# (auth_unknown_key) stay near the rate (the X25519 work is bounded), far below what came.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

for b in lu2kd lu2k-perf lu2kctl lu2k-keygen lu2k-hostile; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
ip -4 addr show lo 2>/dev/null | grep -q '127.0.0.1/8' || t_skip "no 127.0.0.0/8 on lo"

PORT=$((20000 + RANDOM % 20000))
kg=$T_BIN/lu2k-keygen
for k in a b x; do
	"$kg" genkey -o "$T_DIR/$k.key" || t_fail "genkey $k"
	eval "pub_$k=\$($kg pubkey -i $T_DIR/$k.key)"
done
# shellcheck disable=SC2154
{
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pub_b" \
		>"$T_DIR/a.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\nhs_rate = 100\nhs_rate_prefix = 5\n' \
		"$T_DIR/b.key" "$pub_a" >"$T_DIR/b.conf"
}

stat_of() { # daemon key
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" stats | awk -v k="$2:" '$1 == k { print $2 }'
}

for be in udt tcp; do
	t_log "== $be"
	for n in a b; do
		rm -f "$T_DIR/$n.pid"
		t_bg "${n}_$be" "$T_BIN/lu2kd" -c "$T_DIR/$n.conf" --foreground --port "$PORT" \
			--log-level info -b "$be" --channel-socket "$T_DIR/$n.sock" \
			--ctl-socket "$T_DIR/$n.ctl" --pid-file "$T_DIR/$n.pid"
		t_wait_for 20 test -s "$T_DIR/$n.pid" || t_fail "$n did not get ready"
	done
	t_perf_server "server_$be" 127.0.0.2@lu2k b

	timeout 60 "$T_BIN/lu2k-hostile" "$be-hsflood" --target "127.0.0.2:$PORT" --conns 40 \
		--time 8 --pps 3000 --key "$T_DIR/x.key" --peer-key "$pub_b" --src 127.0.0.9@lu2k \
		--dst 127.0.0.2@lu2k >"$T_DIR/flood-$be.out" 2>&1 &
	flood=$!
	t_defer "kill $flood 2>/dev/null"
	# the flood's load first: then A's first handshake
	sleep 2
	timeout 60 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
		--socket "$T_DIR/a.sock" --json --timeout 20s ping --count 20 \
		>"$T_DIR/ping-$be.json" 2>"$T_DIR/ping-$be.err" ||
		t_fail "$be: A's pings failed under the flood: $(cat "$T_DIR/ping-$be.json" "$T_DIR/ping-$be.err")"
	grep -q '"pass":true' "$T_DIR/ping-$be.json" || t_fail "$be: not a pass: $(cat "$T_DIR/ping-$be.json")"
	t_log "$be: A under the flood: $(grep -o '"ok":[0-9]*' "$T_DIR/ping-$be.json")"
	wait $flood || t_fail "$be: the flood sent nothing: $(cat "$T_DIR/flood-$be.out")"
	cat "$T_DIR/flood-$be.out"
	sent=$(awk '/initiations from/ { print $3 }' "$T_DIR/flood-$be.out")
	pfx=$(stat_of b auth_rate_limited_prefix)
	glb=$(stat_of b auth_rate_limited_global)
	unk=$(stat_of b auth_unknown_key)
	t_log "$be: $sent initiations; B: limited ${pfx:-?} (prefix) + ${glb:-?} (global), ${unk:-?} refused by the allow-list"
	[ $((${pfx:-0} + ${glb:-0})) -gt 0 ] || t_fail "$be: the limit never bit: $("$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" stats)"
	grep -q "handshake rate limit" "$T_DIR/b_$be.log" || t_fail "$be: B did not log the limit"
	# 100 a second for ~8 s, and the burst: the X25519 work stayed bounded
	[ "${unk:-0}" -gt 0 ] && [ "${unk:-0}" -le 1000 ] ||
		t_fail "$be: $unk flood handshakes reached the allow-list (want 1..1000)"
	[ "${sent:-0}" -gt $((2 * ${unk:-0})) ] || t_fail "$be: the flood ($sent) was not above the rate"
	for n in server a b; do
		eval "t_alive \$${n}_${be}_pid" || t_fail "$be: $n died"
		eval "kill \$${n}_${be}_pid"
	done
	sleep 1
done
echo "PASS"
