#!/bin/bash
# Multipath: each path sends from its own LOCAL address (connect()'s src,
# doc/multipath.md), over the tcp and the udt back-ends:
#
#          path 0: 10.79.0.1  ---------- veth m0 ----------  10.79.0.2     (the NIDs)
#   ns A <                                                               > ns B
#          path 1: 10.80.0.11 ---------- veth m1 ----------  10.80.0.12
#                  (10.80.0.1 first)                         (10.80.0.2 first)
#
# On link m1 each side's first address is not the path's: the routing table
# would send path 1 from 10.80.0.1 (resp. .2), and the far side
# (accept = strict) would refuse that hello. Asserted, per back-end: both
# of A's paths to B are up and carry bytes of a verified bulk; the socket
# of each of A's outgoing connections is bound to its path's address
# (`ss` in ns A: local 10.80.0.11 towards 10.80.0.12, 10.79.0.1 towards
# 10.79.0.2); B's incoming connection from 10.80.0.11 is the only one on
# link m1 (no packet of lu2kd from 10.80.0.1); and the same at B for its
# paths to A. LU2K_MP_DISCOVER=1: no path lines, each daemon names its
# second address in a multipath_addr line and tells it in its hello; the
# paths must be the same (test-multipath-discover.sh). The suite runs tcp
# here and udt in test-multipath-discover (its paths are bound the same way);
# LU2K_MP_BACKENDS="tcp udt" runs both. LU2K_MP_V6=1: link m1 is IPv6
# (fd80::1 and ::11, fd80::2 and ::12; the NIDs stay IPv4): a dual-stack
# peer's second path over IPv6.
. "$(dirname "$0")/../lib/common.sh"

t_require_root
command -v ip >/dev/null || t_skip "no ip(8)"
command -v ss >/dev/null || t_skip "no ss(8)"
command -v python3 >/dev/null || t_skip "no python3"
for b in lu2kd lu2k-perf lu2kctl; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
NA=mpa$T_TAG
NB=mpb$T_TAG
ip netns add "$NA" 2>/dev/null || t_skip "cannot create a network namespace"
t_defer ip netns del "$NA"
t_netns "$NB"
ip -n "$NA" link set lo up
for l in 0 1; do
	ip link add "m${l}a$T_TAG" netns "$NA" type veth peer name "m${l}b$T_TAG" netns "$NB" ||
		t_skip "cannot create a veth pair"
	ip -n "$NA" link set "m${l}a$T_TAG" up
	ip -n "$NB" link set "m${l}b$T_TAG" up
done
ip -n "$NA" addr add 10.79.0.1/24 dev "m0a$T_TAG"
ip -n "$NB" addr add 10.79.0.2/24 dev "m0b$T_TAG"
if [ "${LU2K_MP_V6:-0}" = 1 ]; then
	[ "${LU2K_MP_DISCOVER:-0}" = 1 ] &&
		t_skip "discovery tells only addresses of the NID's family (IPv4 here; lu2kd warns)"
	a1=fd80::1 a11=fd80::11 b1=fd80::2 b12=fd80::12 plen=64
else
	a1=10.80.0.1 a11=10.80.0.11 b1=10.80.0.2 b12=10.80.0.12 plen=24
fi
# the routing table picks a1 (b1): for IPv4 the first address added on the
# link, for IPv6 the last
if [ "${LU2K_MP_V6:-0}" = 1 ]; then
	ip -n "$NA" addr add $a11/$plen dev "m1a$T_TAG" nodad
	ip -n "$NA" addr add $a1/$plen dev "m1a$T_TAG" nodad
	ip -n "$NB" addr add $b12/$plen dev "m1b$T_TAG" nodad
	ip -n "$NB" addr add $b1/$plen dev "m1b$T_TAG" nodad
else
	ip -n "$NA" addr add $a1/$plen dev "m1a$T_TAG"
	ip -n "$NA" addr add $a11/$plen dev "m1a$T_TAG"
	ip -n "$NB" addr add $b1/$plen dev "m1b$T_TAG"
	ip -n "$NB" addr add $b12/$plen dev "m1b$T_TAG"
fi
t_wait_for 10 ip netns exec "$NA" ping -c1 -W1 $b12 >/dev/null || t_fail "no ping over m1"
# the routing table's own choice towards B's path address is not the path's
ip -n "$NA" route get $b12 | grep -q "src $a1 " ||
	t_skip "the routing table picks $(ip -n "$NA" route get $b12): nothing to show"

A=10.79.0.1@lu2k
B=10.79.0.2@lu2k
if [ "${LU2K_MP_DISCOVER:-0}" = 1 ]; then
	# no path lines: each tells its other address in its hello (discovery)
	printf 'multipath = on\nmultipath_addr = %s\n' $a11 >"$T_DIR/A.conf"
	printf 'multipath = on\nmultipath_addr = %s\n' $b12 >"$T_DIR/B.conf"
else
	printf 'multipath = on\npath = %s %s %s\n' "$B" $a11 $b12 >"$T_DIR/A.conf"
	printf 'multipath = on\npath = %s %s %s\n' "$A" $b12 $a11 >"$T_DIR/B.conf"
fi

# paths NAME: of the lu2kd NAME, "state bytes local remote" of each of NODE's paths
paths() {
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" --json peers >"$T_DIR/peers.json" 2>&1 || return 1
	python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["peers"]:
    for x in p.get("paths", []):
        print(x["state"], x["bytes"], x["local"], x["remote"])
' "$T_DIR/peers.json"
}

# paths_up NAME FILE: NAME's paths into FILE; true when there are two, up and used
paths_up() {
	paths "$1" >"$2" || return 1
	[ "$(wc -l <"$2")" = 2 ] && awk '$1 != "up" || $2 <= 0 { exit 1 }' "$2"
}

# bound NS PROTO DST: the local address of NS's lu2kd socket connected to DST
bound() {
	local d=$3
	case $d in *:*) d="[$d]" ;; esac # ss's filter takes an IPv6 address in brackets
	ip netns exec "$1" ss -Hn "$2" state established dst "$d" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^([0-9.]+|\[[0-9a-f:]+\]):[0-9]+$/) {
			sub(/:[0-9]+$/, "", $i); gsub(/[][]/, "", $i); print $i; exit } }'
}

PORT=$((20000 + RANDOM % 20000))
for be in ${LU2K_MP_BACKENDS:-tcp}; do
	PORT=$((PORT + 1))
	for n in A B; do
		ns=N$n
		t_bg "$be$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -c "$T_DIR/$n.conf" -b "$be" \
			-p "$PORT" --log-level info --channel-socket "$T_DIR/$be$n.sock" \
			--ctl-socket "$T_DIR/$be$n.ctl" --pid-file "$T_DIR/$be$n.pid"
		t_wait_for 20 test -s "$T_DIR/$be$n.pid" || t_fail "$be: lu2kd $n did not start"
	done
	t_bg "${be}srvB" ip netns exec "$NB" "$T_BIN/lu2k-perf" server --nid "$B" \
		--socket "$T_DIR/${be}B.sock" -q
	t_wait_attached "$T_DIR/${be}B.ctl" "$B"
	proto=-t
	[ "$be" = udt ] && proto=-u
	# A to B (PUTs): A's paths carry bulk; then B to A (GET's REPLYs): B's.
	# Looked at while it runs (a daemon forgets a client's peers when it detaches),
	# so it runs 20 s: on a loaded host the looks below took 18 s from its start.
	for mode in bulk get; do
		n=A
		[ $mode = get ] && n=B
		ns=N$n
		t_bg "$be$mode" ip netns exec "$NA" timeout 60 "$T_BIN/lu2k-perf" client --socket \
			"$T_DIR/${be}A.sock" --nid "$A" --peer "$B" --json $mode --size 256K \
			--concurrency 16 --time 20s --timeout 20s
		# both paths up and used; a path under a loaded host's 100 ms of
		# silence is down for a moment, and comes back: look again
		sleep 3
		t_wait_for 10 paths_up "$be$n" "$T_DIR/$be-paths$n"
		t_log "$be $mode: $n's paths (state bytes local remote): $(tr '\n' '|' <"$T_DIR/$be-paths$n")"
		[ "$(wc -l <"$T_DIR/$be-paths$n")" = 2 ] || t_fail "$be: $n has not two paths"
		while read -r st by lo re; do
			[ "$st" = up ] || t_fail "$be: $n's path $lo -> $re is $st"
			[ "$by" -gt 0 ] || t_fail "$be: $n's path $lo -> $re carried nothing"
			src=${lo%@*} dst=${re%@*}
			src=${src#[} src=${src%]} dst=${dst#[} dst=${dst%]}
			# path 0's local is the NID (the routing table's source: the same here)
			# (a path reconnecting just now has no socket for a moment: look again)
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				got=$(bound "${!ns}" $proto "$dst")
				[ "$got" = "$src" ] && break
				sleep 0.3
			done
			t_log "$be: $n's socket to $dst is bound to ${got:-nothing}"
			[ "$got" = "$src" ] || t_fail "$be: $n's path to $dst leaves from '$got', not $src: $(ip netns exec "${!ns}" ss -Hna $proto)"
		done <"$T_DIR/$be-paths$n"
		# no socket of lu2kd's in either namespace uses link m1's first addresses
		for x in "$NA $a1" "$NB $b1"; do
			a=${x#* }
			case $a in *:*) a="[$a]" ;; esac
			got=$(ip netns exec "${x% *}" ss -Hn $proto -a src "$a")
			[ -z "$got" ] || t_fail "$be: a socket uses ${x#* }: $got"
		done
		pid=$be${mode}_pid
		t_wait_for 30 sh -c "! kill -0 ${!pid} 2>/dev/null" || t_fail "$be: $mode did not finish"
		grep -q '"pass":true' "$T_DIR/$be$mode.log" ||
			t_fail "$be: $mode did not pass: $(tail -c 600 "$T_DIR/$be$mode.log")"
	done
	pid=${be}srvB_pid
	kill "${!pid}" 2>/dev/null
	kill "$(cat "$T_DIR/${be}A.pid")" "$(cat "$T_DIR/${be}B.pid")"
done
t_log "PASS"
