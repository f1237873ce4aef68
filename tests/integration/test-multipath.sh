#!/bin/bash
# Multipath: one peer over two emulated links between the same two namespaces,
# the udt back-end, multipath = on (doc/multipath.md):
#
#          path 0: 10.77.0.1 -- lu2k-linkem: 25 Mbit/s, 600 ms RTT, 1 % -- 10.77.0.2
#   ns A <                                                                           > ns B
#          path 1: 10.78.0.1 -- lu2k-linkem: 25 Mbit/s,  30 ms RTT, 1 % -- 10.78.0.2
#   lu2k-perf client 10.77.0.1@lu2k  ----- bulk, 1 MiB, verified ----->  server 10.77.0.2@lu2k
#
# Quick mode (the suite): path 1 is cut for 4 s in the middle of a 30 s run.
# Asserted: both paths carry traffic before the cut; the cut path is left
# (its state is no longer up) while the transfer goes on over path 0; what
# it held is taken back and sent again over path 0 (how long until the
# first of it was delivered there is printed); it is used again after the cut; every message completes and
# checks out (none lost, none failed, none corrupt), and B handed LNet
# exactly as many messages as A completed (none twice: the second copies of
# what was taken back are dropped by id). LU2K_MP_FULL=1: no cut, 60 s, and the
# rate from 10 s to the end must reach LU2K_MP_MIN_MBIT (default 45 Mbit/s;
# doc/benchmarks.md). LU2K_MP_BACKEND=tcp runs it over the tcp back-end
# (TCP's own RTT, acknowledged bytes and unsent bytes as path_stats).
# LU2K_MP_IPV6=1: both links IPv6 only (lu2k-linkem --no-ipv4: fd77:17::/64
# and fd78:17::/64, NIDs [fd77:17::1]@lu2k and [fd77:17::2]@lu2k), 10 s
# without a cut (tests/integration/test-multipath-ipv6.sh). LU2K_MP_OPTS:
# more udt back-end options for both lu2kd (e.g. "-o first_flight=0").
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
for b in lu2kd lu2k-perf lu2kctl; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
command -v python3 >/dev/null || t_skip "no python3"

FULL=${LU2K_MP_FULL:-0}
BE=${LU2K_MP_BACKEND:-udt}
BEOPTS=(-o cc=lossy ${LU2K_MP_OPTS:-})
[ "$BE" = udt ] || BEOPTS=()
LOSS=${LU2K_MP_LOSS:-1%}
TIME=30s
CUT=()
if [ "${LU2K_MP_IPV6:-0}" = 1 ]; then
	A0=fd77:17::1 B0=fd77:17::2 A1=fd78:17::1 B1=fd78:17::2
	NA="[$A0]@lu2k" NB="[$B0]@lu2k"
	LK1=(--no-ipv4 --ipv6 fd77:17::/64)
	LK2=(--no-ipv4 --ipv6 fd78:17::/64)
else
	A0=10.77.0.1 B0=10.77.0.2 A1=10.78.0.1 B1=10.78.0.2
	NA="$A0@lu2k" NB="$B0@lu2k"
	LK1=(--no-ipv6)
	LK2=(--ipv4 10.78.0.0/24 --no-ipv6)
fi
if [ "$FULL" = 1 ]; then
	TIME=${LU2K_MP_TIME:-60s}
elif [ "${LU2K_MP_IPV6:-0}" = 1 ]; then
	TIME=${LU2K_MP_TIME:-10s}
else
	# from the second link's start: about 12 s into the transfer, for 4 s
	CUT=(--outage 15s+4s)
fi
MIN_MBIT=${LU2K_MP_MIN_MBIT:-45}

lk_start --delay 300ms --loss "$LOSS" --rate 25mbit --queue 2MB "${LK1[@]}" --die-with-parent \
	--quiet
t_bg lk2 "$LK_BIN" --attach --ns-a "$LK_A" --ns-b "$LK_B" --dev-a lka1 --dev-b lkb1 \
	"${LK2[@]}" --delay 15ms --loss "$LOSS" --rate 25mbit --queue 400KB \
	--die-with-parent --quiet --ready-file "$T_DIR/lk2.ready" --stats-file "$T_DIR/lk2.stats" \
	"${CUT[@]}"
t_wait_for 15 test -f "$T_DIR/lk2.ready" || t_fail "second lu2k-linkem not ready"
ip netns exec "$LK_A" ping -c 5 -i 0.2 -W 5 "$B1" >/dev/null || t_fail "link 2 does not carry ping"

PORT=$((20000 + RANDOM % 20000))
printf 'multipath = on\npath = %s %s %s\n' "$NB" "$A1" "$B1" >"$T_DIR/A.conf"
printf 'multipath = on\npath = %s %s %s\n' "$NA" "$B1" "$A1" >"$T_DIR/B.conf"
for n in A B; do
	ns=LK_$n
	t_bg "d$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -c "$T_DIR/$n.conf" -b "$BE" \
		"${BEOPTS[@]}" -p "$PORT" \
		--channel-socket "$T_DIR/$n.sock" --ctl-socket "$T_DIR/$n.ctl"
	t_wait_for 10 test -S "$T_DIR/$n.ctl" || t_fail "lu2kd $n did not start"
done
t_bg srv ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid "$NB" \
	--socket "$T_DIR/B.sock" -q
t_wait_attached "$T_DIR/B.ctl" "$NB"
t_bg cli ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/A.sock" \
	--nid "$NA" --peer "$NB" --json bulk --size 1M --concurrency 48 \
	--time "$TIME" --timeout 40s

# peerval NODE KEY: KEY of NODE's one peer (lu2kctl peers --json)
peerval() {
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" --json peers >"$T_DIR/pv.json" 2>&1 || return 1
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["peers"]
print(p[0].get(sys.argv[2], "none") if p else "none")
' "$T_DIR/pv.json" "$2"
}

# paths N: "state bytes" of each of A's paths to B
paths() {
	"$T_BIN/lu2kctl" --socket "$T_DIR/A.ctl" --json peers >"$T_DIR/peers.json" 2>&1 || return 1
	python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["peers"]:
    for x in p.get("paths", []):
        print(x["state"], x["bytes"], x["rtt_us"], x["rate_kbit"], x["share_permille"],
              x["msgs_taken_back"])
' "$T_DIR/peers.json"
}

# costs: "deaths revivals down_ms msgs_taken_back" of each of A's paths to B
costs() {
	"$T_BIN/lu2kctl" --socket "$T_DIR/A.ctl" --json peers >"$T_DIR/costs.json" 2>&1 || return 1
	python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["peers"]:
    for x in p.get("paths", []):
        print(x["deaths"], x["revivals"], x.get("down_ms", 0), x["msgs_taken_back"])
' "$T_DIR/costs.json"
}

t_start=$SECONDS
sleep 10
paths >"$T_DIR/p1" || t_fail "lu2kctl peers: $(cat "$T_DIR/peers.json")"
t_log "after 10 s (state bytes rtt_us rate_kbit share): $(tr '\n' '|' <"$T_DIR/p1")"
[ "$(wc -l <"$T_DIR/p1")" = 2 ] || t_fail "A has not two paths to B: $(cat "$T_DIR/peers.json")"
read -r s0 b0 _ <<<"$(sed -n 1p "$T_DIR/p1")"
read -r s1 b1 _ <<<"$(sed -n 2p "$T_DIR/p1")"
[ "$b0" -gt $((2 << 20)) ] || t_fail "path 0 (600 ms) carried only $b0 bytes"
[ "$b1" -gt $((2 << 20)) ] || t_fail "path 1 (30 ms) carried only $b1 bytes"

if [ ${#CUT[@]} -gt 0 ]; then
	sleep 5 # the cut began about 12 s in
	paths >"$T_DIR/p2"
	t_log "during the cut: $(tr '\n' '|' <"$T_DIR/p2")"
	read -r s1 b1cut _ <<<"$(sed -n 2p "$T_DIR/p2")"
	[ "$s1" != up ] || t_fail "path 1 still up during the cut"
	sleep 9 # the cut ended about 16 s in
	paths >"$T_DIR/p3"
	t_log "after the cut: $(tr '\n' '|' <"$T_DIR/p3")"
	read -r s1 b1after _ _ _ taken <<<"$(sed -n 2p "$T_DIR/p3")"
	[ "$b1after" -gt "$b1cut" ] || t_fail "path 1 not used again after the cut ($b1cut -> $b1after bytes)"
	[ "$taken" -gt 0 ] || t_fail "nothing taken back from the cut path"
	# The time from a take-back to the first of its messages delivered on
	# another path is a figure, printed (doc/multipath.md; its bound is checked
	# in simulated time by test_path_sched, not here on a shared machine):
	# here, that what the cut path held was sent again over path 0.
	t_log "path 1 cut: $taken messages taken back from it; A's take-overs (ms): $(grep -o 'taken back delivered on path [0-9]* [0-9]* ms' "$T_DIR/dA.log" | awk '{ printf "%s(path %s) ", $7, $6 }')"
	grep -q 'sent again, on path 0' "$T_DIR/dA.log" ||
		t_fail "nothing taken back was sent again over path 0"
fi

if [ "$FULL" = 1 ]; then
	# No cut: every death of a path is a false one (a slow path taken for a
	# dead one): what they cost, read just before the client ends (A forgets
	# the peer when its client detaches). doc/multipath.md, "A false death".
	sleep $((${TIME%s} - 12))
	costs >"$T_DIR/c1" || t_fail "lu2kctl peers: $(cat "$T_DIR/costs.json")"
	t_log "false deaths, per path (deaths revivals down_ms msgs_taken_back): $(tr '\n' '|' <"$T_DIR/c1")"
fi
t_wait_for 90 sh -c "! kill -0 $cli_pid 2>/dev/null" || t_fail "lu2k-perf client did not finish"
wait "$cli_pid"
rc=$?
out=$T_DIR/cli.log
mbit=$(grep -o '"gbit_per_s":[0-9.]*' "$out" | head -1 | cut -d: -f2)
mbit=$(awk -v g="${mbit:-0}" 'BEGIN { printf "%.1f", g * 1000 }')
t_log "lu2k-perf: $mbit Mbit/s ($(grep -o '"ok":[0-9]*,"errors":[0-9]*' "$out"), exit $rc, $((SECONDS - t_start)) s)"
grep -q '"corrupt":0' "$out" || t_fail "corrupt payloads: $(cat "$out")"
grep -q '"errors":0,' "$out" || t_fail "messages failed or lost: $(cat "$out")"
grep -q '"pass":true' "$out" || t_fail "not a pass: $(cat "$out")"
[ $rc = 0 ] || t_fail "lu2k-perf client exit $rc"
# none delivered twice: B handed its kernel half (the server) as many messages
# as the client completed, no more (B's peer outlives the client's: its
# server is still attached)
ok=$(grep -o '"ok":[0-9]*' "$out" | head -1 | cut -d: -f2)
rxb=$(peerval B msgs_rx)
t_log "A's client completed $ok messages, B received $rxb, B dropped $(peerval B msgs_rx_dropped_dup) second copies"
[ "$ok" = "$rxb" ] || t_fail "the client completed $ok messages, B received $rxb"
# LNet multi-rail sending to the peer's other address beside multipath: A
# says that the link is then scheduled twice (doc/multipath.md)
ip netns exec "$LK_A" timeout 20 "$T_BIN/lu2k-perf" client --socket "$T_DIR/A.sock" --nid "$NA" \
	--peer "$(printf '%s@lu2k' "$B1" | sed 's/^\(.*:.*\)@/[\1]@/')" bulk --size 4K \
	--concurrency 1 --time 1s --timeout 5s >"$T_DIR/alias.log" 2>&1 || true
t_wait_for 5 grep -q 'schedule it twice' "$T_DIR/dA.log" ||
	t_fail "no warning when LNet sends to a path's address: $(tail -3 "$T_DIR/alias.log")"
if [ "$FULL" = 1 ]; then
	# the steady state: from 10 s (past the connections' start) to the end of --time
	steady=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
end = float(sys.argv[2].rstrip("s"))
b = sum(x["bytes_ok"] for x in j["intervals"] if 10 < x["t"] <= end + 0.5)
print("%.1f" % (b * 8 / (end - 10) / 1e6))' "$out" "$TIME")
	t_log "steady state (10 s to $TIME): $steady Mbit/s"
	awk -v m="$steady" -v min="$MIN_MBIT" 'BEGIN { exit !(m >= min) }' ||
		t_fail "$steady Mbit/s < $MIN_MBIT"
fi
if [ "$BE" = udt ]; then
	# the first flight with multipath: A's first connection to B (the path
	# without a source address of its own) went up before its handshake's
	# answer, the others (a source of their own, backends/udt.c) did not
	fu=$("$T_BIN/lu2kctl" --socket "$T_DIR/A.ctl" --json stats |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["backend"]["first_up"])')
	t_log "A's connections up with a first flight: $fu"
	[ "$fu" -ge 1 ] || t_fail "A sent no first flight (first_up $fu)"
fi
t_log "A's paths to B, as lu2kd A logged them:"
grep -h 'path [0-9]' "$T_DIR/dA.log" | tail -n 12
t_log "PASS"
