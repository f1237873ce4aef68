# /lu2k/main of tests/vm/run-rds-bench.sh: for each condition (RTT in ms, loss
# in %) and each back-end given as arguments, lu2k-perf bulk from namespace a
# to namespace b through two lu2kd, over a veth with netem on both ends.
#
#   ns bka: lu2kd + lu2k-perf client  --veth, netem RTT/2 + loss + rate each way--  ns bkb: lu2kd + server
. /lu2k/env
IP=/usr/sbin/ip
TC=/usr/sbin/tc
A=10.9.2.1
B=10.9.2.2
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
	$IP netns del bka 2>/dev/null
	$IP netns del bkb 2>/dev/null
}
trap cleanup EXIT

net() { # net RTT_MS LOSS
	$IP netns add bka && $IP netns add bkb || return 1
	$IP link add a0 netns bka type veth peer name b0 netns bkb || return 1
	for s in "bka a0 $A" "bkb b0 $B"; do
		set -- $s
		$IP -n "$1" link set lo up
		$IP -n "$1" addr add "$3/24" dev "$2"
		$IP -n "$1" link set dev "$2" gso_max_segs 1 up
	done
	for s in "bka a0" "bkb b0"; do
		set -- $s
		$IP netns exec "$1" $TC qdisc add dev "$2" root netem delay "$((RTT / 2))ms" \
			loss "$LOSS%" rate "$RATE" limit 20000 || return 1
	done
}

# NAME+keys: both daemons with node keys listing each other (made once).
keys() {
	[ -f /tmp/b.conf ] && return 0
	/lu2k/lu2k-keygen genkey -o /tmp/a.key && /lu2k/lu2k-keygen genkey -o /tmp/b.key || return 1
	pa=$(/lu2k/lu2k-keygen pubkey -i /tmp/a.key) && pb=$(/lu2k/lu2k-keygen pubkey -i /tmp/b.key) ||
		return 1
	printf '[auth]\nprivate_key = /tmp/a.key\npeer = %s %s@lu2k\n' "$pb" $B > /tmp/a.conf
	printf '[auth]\nprivate_key = /tmp/b.key\npeer = %s %s@lu2k\n' "$pa" $A > /tmp/b.conf
}

one() { # one BACKEND [lu2k-perf client MODE ARGS...]: default a bulk run for the table
	b=$1
	shift
	label=$b
	conf=n
	case $b in *+keys) b=${b%+keys}; conf=y; keys || { echo "bench: lu2k-keygen failed"; return 1; } ;; esac
	[ $# = 0 ] && set -- bulk --size 1M --concurrency "$CONC" --time "${SECS}s"
	opts=
	[ "$b" = rds ] && opts="-o ack_timeout_ms=60000"
	for n in a b; do
		c=
		[ $conf = y ] && c="-c /tmp/$n.conf"
		$IP netns exec bk$n /lu2k/lu2kd -f -l warn -b "$b" $opts $c --channel-socket /tmp/$n.sock \
			--ctl-socket /tmp/$n.ctl > /tmp/lu2kd-$n.log 2>&1 &
		PIDS="$PIDS $!"
	done
	i=0
	while [ ! -S /tmp/a.sock ] || [ ! -S /tmp/b.sock ]; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: $b: lu2kd did not start"; return 1; }
		sleep 0.1
	done
	$IP netns exec bkb /lu2k/lu2k-perf server --nid $B@lu2k --socket /tmp/b.sock -q \
		--peer-credits 64 --credits 256 > /tmp/server.log 2>&1 &
	PIDS="$PIDS $!"
	sleep 1
	timeout $((SECS + 120)) $IP netns exec bka /lu2k/lu2k-perf client --nid $A@lu2k \
		--peer $B@lu2k --socket /tmp/a.sock --peer-credits 64 --credits 256 --json -q \
		"$@" --timeout 120s > /tmp/client.json 2>/tmp/client.err
	rc=$?
	gbit=$(sed -n 's/.*"gbit_per_s":\([0-9.]*\).*/\1/p' /tmp/client.json)
	ok=$(sed -n 's/.*"ok":\([0-9]*\).*/\1/p' /tmp/client.json)
	pass=$(grep -c '"pass":true' /tmp/client.json)
	mbit=$(awk -v g="${gbit:-0}" 'BEGIN { printf "%.2f", g * 1000 }')
	if [ $conf = y ] && ! /lu2k/lu2kctl --socket /tmp/b.ctl stats 2>/dev/null |
		grep -q 'auth_records_rx: [1-9]'; then
		echo "bench: $label: no sealed records"
		rc=1
	fi
	echo "bench: $label rtt ${RTT}ms loss ${LOSS}% rate $RATE: $mbit Mbit/s ($ok verified, exit $rc, pass $pass): $*"
	if [ "$rc" != 0 ]; then
		cat /tmp/client.json
		tail -n 20 /tmp/client.err /tmp/lu2kd-a.log /tmp/lu2kd-b.log
		# what each daemon's back-end counted, and its connections, for the why
		for n in a b; do
			echo "== $n: stats (non-zero), conns"
			/lu2k/lu2kctl --socket /tmp/$n.ctl stats 2>&1 | grep -v ': 0$' | tr -s ' \n' ' '
			echo
			/lu2k/lu2kctl --socket /tmp/$n.ctl conns 2>&1 | tr -s ' \n' ' '
			echo
		done
	fi
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
	rm -f /tmp/a.sock /tmp/b.sock /tmp/a.ctl /tmp/b.ctl
}

# MODES=1: every lu2k-perf mode once per back-end (20 ms, 0.2 %), not the table.
if [ "${MODES:-0}" = 1 ]; then
	RTT=20 LOSS=0.2
	net || { echo "bench: network setup failed"; exit 1; }
	for b in "$@"; do
		one "$b" bulk --size 4M --concurrency 4 --count 12
		one "$b" bulk --size 4096 --concurrency 16 --count 400
		one "$b" get --size 4M --concurrency 4 --count 12
		one "$b" ping --count 100
		one "$b" stream --rate 4mbit --fps 25 --time 10s --deadline 500ms
	done
	cleanup
	exit 0
fi
for RTT in $RTTS; do
	for LOSS in $LOSSES; do
		net || { echo "bench: network setup failed"; exit 1; }
		for b in "$@"; do
			one "$b"
		done
		cleanup
	done
done
exit 0
