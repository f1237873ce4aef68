#!/bin/bash
# lu2kd (tcp) with keys ([auth]), on loopback.
#
#   perf client 127.0.0.1@lu2k - A (key a) ==sealed tcp==> B (key b) - perf server 127.0.0.2@lu2k
#   C 127.0.0.3 (no keys: plaintext)          ------------> B: refused ("speaks plaintext")
#   D 127.0.0.4 (key d, not listed by B)      ------------> B: refused (key not allowed)
#   E 127.0.0.5 (A's key, claiming .5)        ------------> B: refused (NID not owned by the key)
#   F 127.0.0.6 (key f, lists B with a wrong key) --------> B: refused by F itself (B cannot
#                                                            prove the key F expects)
#   A -> C: no peer line gives A a key for 127.0.0.3: A does not connect at all
#
# Checks: honest bulk/get/ping from 0 B to 4 MiB, every payload verified, through
# sealed records (lu2kctl stats: records counted, conns say "sealed"); while a
# bulk run goes on, every one of C..F gets nothing delivered (the perf server
# counts what it got from each NID: nothing from .3-.6) and B logs why; a
# network-mode pair (psk only) passes traffic; the same keys pass --check-config
# with the rds back-end (it seals too); A's key file readable by others is refused.
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
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\npeer = %s 127.0.0.9@lu2k\n' \
		"$T_DIR/b.key" "$pub_a" "$pub_m" >"$T_DIR/b.conf"
	: >"$T_DIR/c.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/d.key" "$pub_b" \
		>"$T_DIR/d.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a.key" "$pub_b" \
		>"$T_DIR/e.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/f.key" "$pub_wrong" \
		>"$T_DIR/f.conf"
}

start_daemon() { # name [extra lu2kd args]
	local n=$1
	shift
	t_bg "$n" "$T_BIN/lu2kd" -c "$T_DIR/$n.conf" --foreground --port "$PORT" \
		--log-level info -b tcp --channel-socket "$T_DIR/$n.sock" \
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

# Refused before anything runs: a key file others may read, keys with udt.
chmod 644 "$T_DIR/a.key"
out=$("$T_BIN/lu2kd" -c "$T_DIR/a.conf" --check-config 2>&1) && t_fail "a 0644 key passed: $out"
[[ $out == *"chmod"* ]] || t_fail "a 0644 key: $out"
chmod 600 "$T_DIR/a.key"
"$T_BIN/lu2kd" -c "$T_DIR/a.conf" --check-config >/dev/null || t_fail "a.conf refused"
out=$("$T_BIN/lu2kd" -c "$T_DIR/a.conf" -b rds --check-config 2>&1) || t_fail "keys with rds refused: $out"
[[ $out == *"refusing to start rather than run in plaintext"* ]] && t_fail "keys with rds: $out"
printf '[auth]\npeer = %s 127.0.0.1@lu2k\n' "$pub_a" >"$T_DIR/bad.conf"
out=$("$T_BIN/lu2kd" -c "$T_DIR/bad.conf" --check-config 2>&1) && t_fail "peers without a key: $out"
printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1/8@lu2k\n' "$T_DIR/a.key" "$pub_a" \
	>"$T_DIR/bad.conf"
out=$("$T_BIN/lu2kd" -c "$T_DIR/bad.conf" --check-config 2>&1) && t_fail "a bad range: $out"
[[ $out == *"bad.conf:3"* ]] || t_fail "the error does not name the line: $out"
t_log "refused at start: a 0644 key, peers without a key, a bad range; keys with rds pass"

start_daemon a
start_daemon b
t_bg server "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock"
t_wait_for 10 grep -q ready "$T_DIR/server.log" || t_fail "the lu2k-perf server did not attach"
grep -q "keys on" "$T_DIR/b.log" || t_fail "B does not say keys are on"

for size in 0 1 1400 65536 1M 4M; do
	honest "bulk-$size" bulk --size "$size" --concurrency 4 --count 16
done
honest get get --size 1M --concurrency 4 --count 8
honest ping ping --count 100
"$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" stats >"$T_DIR/b.stats" || t_fail "lu2kctl stats"
rx=$(awk '$1 == "auth_records_rx:" { print $2 }' "$T_DIR/b.stats")
[ "${rx:-0}" -gt 1000 ] || t_fail "B opened ${rx:-0} records: $(cat "$T_DIR/b.stats")"
t_log "B opened $rx records"

# The attackers, while an honest bulk runs beside them.
for n in c d e f; do
	start_daemon "$n"
done
timeout 90 "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" --timeout 30s --json bulk --size 256K --concurrency 4 --time 6s \
	>"$T_DIR/beside.json" 2>"$T_DIR/beside.err" &
beside=$!
t_defer "kill $beside 2>/dev/null"
sleep 1
"$T_BIN/lu2kctl" --socket "$T_DIR/a.ctl" --json conns >"$T_DIR/conns.json" || t_fail "lu2kctl conns"
grep -q '"auth": *"sealed"' "$T_DIR/conns.json" || t_fail "A's conns are not sealed: $(cat "$T_DIR/conns.json")"
# An insider: M's key is listed (for 127.0.0.9), it handshakes, then sends bad records.
timeout 120 "$T_BIN/lu2k-hostile" tcp-auth --target "127.0.0.2:$PORT" --src 127.0.0.9@lu2k \
	--dst 127.0.0.2@lu2k --key "$T_DIR/m.key" --peer-key "$pub_b" >"$T_DIR/hostile.out" ||
	t_fail "lu2k-hostile tcp-auth failed: $(cat "$T_DIR/hostile.out")"
cat "$T_DIR/hostile.out"
grep -q "7 attacks, 7 connections closed by the target" "$T_DIR/hostile.out" ||
	t_fail "not every bad record closed its connection"
i=3
for n in c d e f; do
	perf "evil-$n" "$n" "127.0.0.$i@lu2k" 127.0.0.2@lu2k --timeout 3s bulk --size 4K --count 4
	grep -q '"ok":0,' "$T_DIR/evil-$n.json" ||
		t_fail "$n got messages through: $(cat "$T_DIR/evil-$n.json" "$T_DIR/evil-$n.err")"
	i=$((i + 1))
done
wait $beside || t_fail "the honest bulk beside failed: $(cat "$T_DIR/beside.json" "$T_DIR/beside.err")"
grep -q '"pass":true' "$T_DIR/beside.json" || t_fail "honest bulk beside: $(cat "$T_DIR/beside.json")"
t_log "beside the attacks: $(grep -o '"ok":[0-9]*' "$T_DIR/beside.json")"
grep -q "speaks plaintext" "$T_DIR/b.log" || t_fail "B did not say C speaks plaintext"
grep -q "not in the allowed peers" "$T_DIR/b.log" || t_fail "B did not refuse D's key"
grep -q "NID not owned by the peer's key" "$T_DIR/b.log" || t_fail "B did not refuse E's NID"
grep -q "handshake with 127.0.0.2@lu2k .*does not authenticate\|not addressed to this node" \
	"$T_DIR/f.log" "$T_DIR/b.log" || t_fail "F's wrong key for B was not refused"
grep -h "refused\|handshake" "$T_DIR/b.log" "$T_DIR/f.log" | sort -k3 | uniq -f2 | head -n 8
# nothing from the attackers' NIDs reached B's kernel half (the perf server's peers)
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
t_log "C (plaintext), D (unknown key), E (NID not its key's), F (wrong key for B): nothing delivered"
"$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" stats >"$T_DIR/b.stats2" || t_fail "lu2kctl stats"
for k in auth_unknown_key auth_nid_refused auth_bad_records; do
	v=$(awk -v k="$k:" '$1 == k { print $2 }' "$T_DIR/b.stats2")
	[ "${v:-0}" -ge 1 ] || t_fail "B's $k is ${v:-missing}: $(cat "$T_DIR/b.stats2")"
done
t_log "B counted: $(grep -E 'auth_(handshakes|unknown_key|nid_refused|bad_records|refused):' "$T_DIR/b.stats2" | tr -s ' \n' ' ')"
# of M's records, only the first copy of the replayed one was a message
m_rx=$(rx_from 127.0.0.9@lu2k)
[ "$m_rx" = 1 ] || t_fail "B took $m_rx messages from the insider (1 expected): $(cat "$T_DIR/b.peers")"
t_log "insider M: 7 bad streams closed, 1 message (the replayed one's first copy) delivered"

# A with keys never connects where no peer line gives it a key (C, plaintext, at .3).
t_bg server3 "$T_BIN/lu2k-perf" server --nid 127.0.0.3@lu2k --socket "$T_DIR/c.sock"
t_wait_for 10 grep -q ready "$T_DIR/server3.log" || t_fail "server3 did not attach"
perf to-plain a 127.0.0.1@lu2k 127.0.0.3@lu2k --timeout 3s bulk --size 4K --count 2
grep -q '"ok":0,' "$T_DIR/to-plain.json" || t_fail "A sent to a node it has no key for: $(cat "$T_DIR/to-plain.json")"
grep -q "no key listed for 127.0.0.3@lu2k" "$T_DIR/a.log" || t_fail "A did not say it has no key for .3"
grep -q "incoming connection from 127.0.0.1@lu2k" "$T_DIR/c.log" && t_fail "C got a connection from A"
t_log "A refused to connect in plaintext to 127.0.0.3 (no peer line for it)"

# Rotation without a restart: A gets a new key, B lists it instead of the old one, SIGHUP.
"$kg" genkey -o "$T_DIR/a2.key" || t_fail "genkey a2"
pub_a2=$("$kg" pubkey -i "$T_DIR/a2.key")
printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.2@lu2k\n' "$T_DIR/a2.key" "$pub_b" >"$T_DIR/a.conf"
printf '[auth]\nprivate_key = %s\npeer = %s 127.0.0.1@lu2k\npeer = %s 127.0.0.9@lu2k\n' \
	"$T_DIR/b.key" "$pub_a2" "$pub_m" >"$T_DIR/b.conf"
# shellcheck disable=SC2154
kill -HUP "$a_pid" "$b_pid"
t_wait_for 10 grep -q "reload: \[auth\]: keys and 1 peer" "$T_DIR/a.log" || t_fail "A did not reload its keys"
t_wait_for 10 grep -q "reload: \[auth\]: keys and 2 peers" "$T_DIR/b.log" || t_fail "B did not reload its keys"
honest rotated bulk --size 1M --concurrency 4 --count 16
n0=$(grep -c "key $pub_a claiming 127.0.0.5" "$T_DIR/b.log")
perf evil-e-again e 127.0.0.5@lu2k 127.0.0.2@lu2k --timeout 3s bulk --size 4K --count 2
grep -q '"ok":0,' "$T_DIR/evil-e-again.json" || t_fail "the old key got through after rotation"
t_wait_for 5 test "$(grep -c "not in the allowed peers (key $pub_a claiming" "$T_DIR/b.log")" -gt 0 ||
	t_fail "B did not refuse the old key as unknown after the rotation ($n0 earlier lines)"
t_log "rotated by SIGHUP: the new key works, the old one is unknown"

# Network mode: one PSK, no node keys.
"$kg" genpsk -o "$T_DIR/net.psk" || t_fail "genpsk"
printf '[auth]\npsk = %s\n' "$T_DIR/net.psk" >"$T_DIR/g.conf"
cp "$T_DIR/g.conf" "$T_DIR/h.conf"
PORT=$((PORT + 1))
start_daemon g
start_daemon h
t_bg server2 "$T_BIN/lu2k-perf" server --nid 127.0.0.8@lu2k --socket "$T_DIR/h.sock"
t_wait_for 10 grep -q ready "$T_DIR/server2.log" || t_fail "server2 did not attach"
perf psk g 127.0.0.7@lu2k 127.0.0.8@lu2k --timeout 30s bulk --size 1M --count 16 ||
	t_fail "network mode: $(cat "$T_DIR/psk.json" "$T_DIR/psk.err")"
grep -q '"pass":true' "$T_DIR/psk.json" || t_fail "network mode: $(cat "$T_DIR/psk.json")"
t_log "network mode (one PSK): $(grep -o '"ok":[0-9]*' "$T_DIR/psk.json")"

for n in a b c d e f g h; do
	eval "t_alive \$${n}_pid" || t_fail "lu2kd $n died"
done
echo "PASS"
