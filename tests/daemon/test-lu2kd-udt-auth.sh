#!/bin/bash
# lu2kd (udt) with keys ([auth]), on loopback.
#
#   perf client 127.0.0.1@lu2k - A (key a) ==sealed udt==> B (key b) - perf server 127.0.0.2@lu2k
#   C 127.0.0.3 (no keys: plaintext UDT4)     ------------> B: refused ("plaintext UDT4"), told so
#     (UDT4 reject: C fails at once). On loopback every source address is 127.0.0.1.
#   D 127.0.0.4 (key d, not listed by B)      ------------> B: refused (key not allowed)
#   E 127.0.0.5 (A's key, claiming .5)        ------------> B: refused (NID not owned by the key)
#   F 127.0.0.6 (key f, lists B with a wrong key) --------> B: drops it (mac1: not for B's key)
#   A -> C: no peer line gives A a key for 127.0.0.3: A does not connect at all
#
# Checks: honest bulk/get/ping from 0 B to 4 MiB, every payload verified, through
# sealed packets (lu2kctl: records counted, conns say "sealed"); beside an honest
# bulk, lu2k-hostile udt-auth (an insider with a listed key: forged, replayed,
# truncated, reordered, duplicated records, a wrong key, a NID not its key's,
# plaintext UDT4) and C..F get nothing delivered (B's peers: nothing from
# .3-.6, from the insider only its one valid message, once); kill -9 of B and restart: traffic again;
# SIGHUP key rotation; the network mode (one PSK).
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-keygen
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
kg=$T_BIN/lu2k-keygen
for k in a b d f m wrong; do
	"$kg" genkey -o "$T_DIR/$k.key" || t_fail "genkey $k"
	eval "pub_$k=\$($kg pubkey -i $T_DIR/$k.key)"
done
# shellcheck disable=SC2154
{
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pub_b" \
		>"$T_DIR/a.conf"
	# hello_timeout_ms: a handshake whose UDT connection never comes is forgotten after 2 s
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\npeer = %s 127.0.0.9@lu2k\n[udt]\nhello_timeout_ms = 2000\n' \
		"$T_DIR/b.key" "$pub_a" "$pub_m" >"$T_DIR/b.conf"
	: >"$T_DIR/c.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/d.key" "$pub_b" \
		>"$T_DIR/d.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pub_b" \
		>"$T_DIR/e.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/f.key" "$pub_wrong" \
		>"$T_DIR/f.conf"
}
# connect_timeout_ms: the refused ones give up soon (their handshake gets no answer)
printf '[udt]\nconnect_timeout_ms = 2000\n' | tee -a "$T_DIR/c.conf" "$T_DIR/d.conf" \
	"$T_DIR/e.conf" "$T_DIR/f.conf" >/dev/null

start_daemon() { # name [extra lu2kd args]
	local n=$1
	shift
	rm -f "$T_DIR/$n.pid"
	t_bg "$n" "$T_BIN/lu2kd" -c "$T_DIR/$n.conf" --foreground --port "$PORT" \
		--log-level info -b udt --channel-socket "$T_DIR/$n.sock" \
		--ctl-socket "$T_DIR/$n.ctl" --pid-file "$T_DIR/$n.pid" "$@"
	t_wait_for 20 test -s "$T_DIR/$n.pid" || t_fail "$n did not get ready: $(cat "$T_DIR/$n.log")"
}
perf() { # name daemon nid peer args...
	local name=$1 d=$2 nid=$3 peer=$4
	shift 4
	timeout 90 "$T_BIN/lu2k-perf" client --nid "$nid" --peer "$peer" --socket "$T_DIR/$d.sock" \
		--json "$@" >"$T_DIR/$name.json" 2>"$T_DIR/$name.err"
}
honest() { # name args...
	local name=$1
	shift
	perf "$name" a 127.0.0.1@lu2k 127.0.0.2@lu2k --timeout 30s "$@" ||
		{ cat "$T_DIR/$name.json" "$T_DIR/$name.err"; t_fail "$name failed"; }
	grep -q '"pass":true' "$T_DIR/$name.json" || t_fail "$name: not a pass: $(cat "$T_DIR/$name.json")"
	grep -q '"ok":0,' "$T_DIR/$name.json" && t_fail "$name: nothing completed"
	t_log "$name: $(grep -o '"ok":[0-9]*' "$T_DIR/$name.json") $(grep -o '"gbit_per_s":[0-9.]*' "$T_DIR/$name.json")"
}
stat_of() { # daemon key
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" stats | awk -v k="$2:" '$1 == k { print $2 }'
}
start_server() { # name daemon nid
	t_bg "$1" "$T_BIN/lu2k-perf" server --nid "$3" --socket "$T_DIR/$2.sock"
	t_wait_for 10 grep -q ready "$T_DIR/$1.log" || t_fail "the lu2k-perf server $1 did not attach"
}

"$T_BIN/lu2kd" -c "$T_DIR/a.conf" -b udt --check-config >/dev/null || t_fail "keys with udt refused"

start_daemon a
start_daemon b
start_server server b 127.0.0.2@lu2k
grep -q "keys on" "$T_DIR/b.log" || t_fail "B does not say keys are on"

for size in 0 1 1400 65536 1M 4M; do
	honest "bulk-$size" bulk --size "$size" --concurrency 4 --count 16
done
honest get get --size 1M --concurrency 4 --count 8
honest ping ping --count 100
rx=$(stat_of b auth_records_rx)
[ "${rx:-0}" -gt 1000 ] || t_fail "B opened ${rx:-0} records: $("$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" stats)"
t_log "B opened $rx records"

# The attackers, while an honest bulk runs beside them.
for n in c d e f; do
	start_daemon "$n"
done
timeout 90 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" --timeout 30s --json bulk --size 256K --concurrency 4 --time 5s \
	>"$T_DIR/beside.json" 2>"$T_DIR/beside.err" &
beside=$!
t_defer "kill $beside 2>/dev/null"
sleep 1
"$T_BIN/lu2kctl" --socket "$T_DIR/a.ctl" --json conns >"$T_DIR/conns.json" || t_fail "lu2kctl conns"
grep -q '"auth": *"sealed"' "$T_DIR/conns.json" || t_fail "A's conns are not sealed: $(cat "$T_DIR/conns.json")"
# both ends on this CPU: AES-256-GCM where it has AES-NI, else ChaCha20-Poly1305
cipher=chacha20poly1305
grep -q "AES-256-GCM available here" "$T_DIR/a.log" && cipher=aes256gcm
grep -q "\"cipher\": *\"$cipher\"" "$T_DIR/conns.json" ||
	t_fail "A's conns do not use $cipher: $(cat "$T_DIR/conns.json")"
t_log "sealed with $cipher"
# An insider: M's key is listed (for 127.0.0.9); it handshakes, then attacks.
timeout 60 "$T_BIN/lu2k-hostile" udt-auth --target "127.0.0.2:$PORT" --src 127.0.0.9@lu2k \
	--dst 127.0.0.2@lu2k --key "$T_DIR/m.key" --peer-key "$pub_b" >"$T_DIR/hostile.out" ||
	t_fail "lu2k-hostile udt-auth failed: $(cat "$T_DIR/hostile.out")"
cat "$T_DIR/hostile.out"
# C..F at once (each waits out its handshake's failure)
i=3 evil=()
for n in c d e f; do
	timeout 60 "$T_BIN/lu2k-perf" client --nid "127.0.0.$i@lu2k" --peer 127.0.0.2@lu2k \
		--socket "$T_DIR/$n.sock" --json --timeout 4s bulk --size 4K --count 4 \
		>"$T_DIR/evil-$n.json" 2>"$T_DIR/evil-$n.err" &
	evil+=($!)
	t_defer "kill $! 2>/dev/null"
	i=$((i + 1))
done
wait "${evil[@]}"
for n in c d e f; do
	grep -q '"ok":0,' "$T_DIR/evil-$n.json" ||
		t_fail "$n got messages through: $(cat "$T_DIR/evil-$n.json" "$T_DIR/evil-$n.err")"
done
wait $beside || t_fail "the honest bulk beside failed: $(cat "$T_DIR/beside.json" "$T_DIR/beside.err")"
grep -q '"pass":true' "$T_DIR/beside.json" || t_fail "honest bulk beside: $(cat "$T_DIR/beside.json")"
t_log "beside the attacks: $(grep -o '"ok":[0-9]*' "$T_DIR/beside.json")"
grep -q "plaintext UDT4 from 127.0.0.1:.* refused: keys are on here" "$T_DIR/b.log" ||
	t_fail "B did not say C speaks plaintext UDT4"
grep -q "refused\|rejected" "$T_DIR/c.log" || t_fail "C was not told it was refused: $(cat "$T_DIR/c.log")"
grep -q "not in the allowed peers" "$T_DIR/b.log" || t_fail "B did not refuse D's key"
grep -q "NID not owned by the peer's key" "$T_DIR/b.log" || t_fail "B did not refuse E's NID"
grep -q "not addressed to this node's key" "$T_DIR/b.log" || t_fail "B did not drop F's handshake"
grep -q "handshake with 127.0.0.2@lu2k at .* failed: no answer" "$T_DIR/f.log" ||
	t_fail "F did not say its handshake got no answer"
grep -h "refused\|handshake\|dropped" "$T_DIR/b.log" "$T_DIR/f.log" | sort -k3 | uniq -f2 | head -n 10
"$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" --json peers >"$T_DIR/b.peers" || t_fail "lu2kctl peers"
rx_from() { # NID: messages B took from it (lu2kctl peers), 0 if it is no peer
	python3 -c 'import json, sys
print(sum(p["msgs_rx"] for p in json.load(open(sys.argv[1]))["peers"] if p["nid"] == sys.argv[2]))' \
		"$T_DIR/b.peers" "$1"
}
[ "$(rx_from 127.0.0.1@lu2k)" -gt 0 ] || t_fail "rx_from cannot read lu2kctl peers (or A delivered nothing)"
for i in 3 4 5 6; do
	[ "$(rx_from "127.0.0.$i@lu2k")" = 0 ] ||
		t_fail "B received messages from 127.0.0.$i: $(cat "$T_DIR/b.peers")"
done
t_log "C (plaintext UDT4), D (unknown key), E (NID not its key's), F (wrong key for B): nothing delivered"
# of the insider's packets only the one valid message (reordered), once
m_rx=$(rx_from 127.0.0.9@lu2k)
[ "$m_rx" = 1 ] || t_fail "B took $m_rx messages from the insider (1 expected): $(cat "$T_DIR/b.peers")"
t_log "insider M: forged, truncated, other key, other index, plaintext dropped; the valid message once"
grep -q "udt-auth abandoned: node handshake done" "$T_DIR/hostile.out" ||
	t_fail "the abandoned handshake did not happen"
for k in auth_unknown_key auth_nid_refused auth_plain_udt auth_bad_mac auth_cookies \
	auth_unknown_index auth_other auth_sa_expired auth_wrong_conn; do
	v=$(stat_of b "$k")
	[ "${v:-0}" -ge 1 ] || t_fail "B's $k is ${v:-missing}"
done
# forged, truncated, other key, and the 6 replayed records: none opened
v=$(stat_of b auth_bad_records)
[ "${v:-0}" -ge 9 ] || t_fail "B refused ${v:-0} records (9 expected at least)"
grep -q "sealed packet from 127.0.0.1:.* dropped: replayed or too old record" "$T_DIR/b.log" ||
	t_fail "B did not log the replayed records"

# A with keys never connects where no peer line gives it a key (C, plaintext, at .3).
start_server server3 c 127.0.0.3@lu2k
perf to-plain a 127.0.0.1@lu2k 127.0.0.3@lu2k --timeout 3s bulk --size 4K --count 2
grep -q '"ok":0,' "$T_DIR/to-plain.json" || t_fail "A sent to a node it has no key for: $(cat "$T_DIR/to-plain.json")"
grep -q "no key listed for 127.0.0.3@lu2k" "$T_DIR/a.log" || t_fail "A did not say it has no key for .3"
grep -q "incoming connection from 127.0.0.1@lu2k" "$T_DIR/c.log" && t_fail "C got a connection from A"
t_log "A refused to connect in plaintext to 127.0.0.3 (no peer line for it)"

# kill -9 of B in the middle of a bulk, restart: the perf server attaches again,
# A's next connection runs a new handshake, traffic passes, verified.
timeout 60 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" --timeout 5s --json bulk --size 256K --concurrency 4 --time 3s \
	>"$T_DIR/killed.json" 2>"$T_DIR/killed.err" &
killed=$!
t_defer "kill $killed 2>/dev/null"
sleep 1
# shellcheck disable=SC2154
kill -9 "$b_pid"
wait "$b_pid" 2>/dev/null
start_daemon b
t_wait_for 20 grep -q "127.0.0.2@lu2k attached" "$T_DIR/b.log" ||
	t_fail "the perf server did not attach to the new B"
wait $killed # it may fail: its messages to the killed B do
honest after-restart bulk --size 1M --concurrency 4 --count 16

# Rotation without a restart: A gets a new key, B lists it instead of the old one, SIGHUP.
"$kg" genkey -o "$T_DIR/a2.key" || t_fail "genkey a2"
pub_a2=$("$kg" pubkey -i "$T_DIR/a2.key")
printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a2.key" "$pub_b" >"$T_DIR/a.conf"
printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\npeer = %s 127.0.0.9@lu2k\n[udt]\nhello_timeout_ms = 2000\n' \
	"$T_DIR/b.key" "$pub_a2" "$pub_m" >"$T_DIR/b.conf"
# shellcheck disable=SC2154
kill -HUP "$a_pid" "$b_pid"
t_wait_for 10 grep -q "reload: \[auth\]: keys and 1 peer" "$T_DIR/a.log" || t_fail "A did not reload its keys"
t_wait_for 10 grep -q "reload: \[auth\]: keys and 2 peers" "$T_DIR/b.log" || t_fail "B did not reload its keys"
honest rotated bulk --size 1M --concurrency 4 --count 16
perf evil-e-again e 127.0.0.5@lu2k 127.0.0.2@lu2k --timeout 4s bulk --size 4K --count 2
grep -q '"ok":0,' "$T_DIR/evil-e-again.json" || t_fail "the old key got through after rotation"
t_wait_for 5 grep -q "not in the allowed peers (key $pub_a claiming" "$T_DIR/b.log" ||
	t_fail "B did not refuse the old key as unknown after the rotation"
t_log "rotated by SIGHUP: the new key works, the old one is unknown"

# Network mode: one PSK, no node keys.
"$kg" genpsk -o "$T_DIR/net.psk" || t_fail "genpsk"
printf '[auth]\npsk = %s\n' "$T_DIR/net.psk" >"$T_DIR/g.conf"
cp "$T_DIR/g.conf" "$T_DIR/h.conf"
PORT=$((PORT + 1))
start_daemon g
start_daemon h
start_server server2 h 127.0.0.8@lu2k
perf psk g 127.0.0.7@lu2k 127.0.0.8@lu2k --timeout 30s bulk --size 1M --count 16 ||
	t_fail "network mode: $(cat "$T_DIR/psk.json" "$T_DIR/psk.err")"
grep -q '"pass":true' "$T_DIR/psk.json" || t_fail "network mode: $(cat "$T_DIR/psk.json")"
t_log "network mode (one PSK): $(grep -o '"ok":[0-9]*' "$T_DIR/psk.json")"

for n in a b c d e f g h; do
	eval "t_alive \$${n}_pid" || t_fail "lu2kd $n died"
done
echo "PASS"
