# Helpers for the Lustre VMs (sourced by guest-lustre.sh; busybox sh). Each
# VM's role is in $ROLE, its prefix for console lines in $TAG.
#
#   say MSG...            a console line: "TAG-ROLE[seconds]: MSG"
#   die MSG...            say FAIL, the node's state (report), exit 1
#   run CMD...            CMD bounded to 120 s; its output only when it fails
#   net_up DEV ADDR       address, one packet per GSO burst, netem $NETEM
#   lnet_up               libcfs, lnet, lu2klnd, ksocklnd; LNet configured, no net
#   lu2kd_start / lu2kd_stop / lu2kd_kill
#   ping_wait NID SECONDS lnetctl ping until it answers
#   now_cs                centiseconds since boot (/proc/uptime)
#   mb_s BYTES CS         BYTES in CS centiseconds as MB/s (10^6 bytes)
IP=/usr/sbin/ip
TC=/usr/sbin/tc
LM=/mod/lustre
LU2KD=
T0=$(date +%s)

# fd 3 is the console, also inside functions whose output goes elsewhere
exec 3>&1
say() { echo "$TAG-${ROLE}[$(($(date +%s) - T0))s]: $*" >&3; }

report() {
	exec 1>&3
	[ -f /tmp/lu2kd.log ] && tail -n 20 /tmp/lu2kd.log | sed "s/^/lu2kd-$ROLE: /"
	if [ -S /tmp/lu2kd.ctl ]; then
		/lu2k/lu2kctl --socket /tmp/lu2kd.ctl stats 2>&1 | sed "s/^/lu2kctl-$ROLE: /"
		/lu2k/lu2kctl --socket /tmp/lu2kd.ctl peers 2>&1 | head -n 40 | sed "s/^/lu2kctl-$ROLE: /"
	fi
	timeout 20 lnetctl stats show 2>&1 | sed "s/^/lnet-stats-$ROLE: /"
	timeout 20 lctl dl 2>&1 | sed "s/^/lctl-dl-$ROLE: /"
	dmesg | grep -i 'lnet\|lu2k\|lustre' | tail -n 40 | sed "s/^/dmesg-$ROLE: /"
}
die() {
	say "FAIL: $*"
	report
	exit 1
}
run() {
	timeout 120 "$@" > /tmp/run.out 2>&1 || {
		rc=$?
		cat /tmp/run.out >&3
		die "$* (exit $rc)"
	}
}

net_up() { # net_up DEV ADDR
	$IP addr add "$2/24" dev "$1" || die "address on $1"
	# netem drops whole GSO bursts unless packets go one by one; its
	# default queue (1000) is shorter than 50 Mbit/s x 300 ms
	$IP link set dev "$1" gso_max_segs 1 up || die "link $1"
	# shellcheck disable=SC2086 # NETEM is a list of netem words
	$TC qdisc add dev "$1" root netem $NETEM limit 10000 || die "netem '$NETEM' on $1"
}

lnet_up() {
	run insmod $LM/libcfs.ko
	# shellcheck disable=SC2086 # LNET_PARAMS is a list of module parameters
	run insmod $LM/lnet.ko ${LNET_PARAMS:-}
	run insmod $LM/lu2klnd.ko lnd_type="$TYPE" tx_pool_mb="${TX_POOL_MB:-32}" rx_pool_mb=16
	run insmod $LM/ksocklnd.ko
	run lnetctl lnet configure
	# Peers are the NIDs named here: no discovery mixing the two networks.
	run lnetctl set discovery 0
	# configure may have put tcp on eth0 already; each role adds what it wants
	lnetctl net del --net tcp > /dev/null 2>&1
}

lu2kd_start() {
	# the log exists before the loop below reads it (lu2kd's shell opens it)
	: >> /tmp/lu2kd.log
	n0=$(grep -c "attached via" /tmp/lu2kd.log)
	# shellcheck disable=SC2086 # LU2KD_OPTS is a list of options
	/lu2k/lu2kd -f -l info -b "$BACKEND" $LU2KD_OPTS --device /dev/lu2k \
		--channel-socket /tmp/lu2kd.sock --ctl-socket /tmp/lu2kd.ctl >> /tmp/lu2kd.log 2>&1 &
	LU2KD=$!
	i=0
	until [ "$(grep -c "attached via" /tmp/lu2kd.log)" -gt "${n0:-0}" ]; do
		kill -0 $LU2KD 2> /dev/null || die "lu2kd exited"
		i=$((i + 1))
		[ $i -gt 100 ] && die "lu2kd did not attach"
		sleep 0.2
	done
}

lu2kd_stop() {
	[ -n "$LU2KD" ] && kill "$LU2KD" 2> /dev/null && wait "$LU2KD" 2> /dev/null
	LU2KD=
}

lu2kd_kill() {
	[ -n "$LU2KD" ] && kill -9 "$LU2KD" 2> /dev/null && wait "$LU2KD" 2> /dev/null
	LU2KD=
}

ping_wait() { # ping_wait NID SECONDS
	end=$(($(date +%s) + $2))
	until timeout 60 lnetctl ping "$1" > /tmp/ping.out 2>&1; do
		[ "$(date +%s)" -ge $end ] && {
			cat /tmp/ping.out >&3
			die "no LNet ping reply from $1 in $2 s"
		}
		sleep 2
	done
}

now_cs() {
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//; s/^$/0/'
}

mb_s() { # mb_s BYTES CENTISECONDS
	awk -v b="$1" -v t="$2" 'BEGIN { if (t < 1) t = 1; printf "%.2f", b / (t / 100) / 1e6 }'
}
