#!/bin/sh
# The lu2k tests inside the VM (busybox sh). Arguments: the tests to run, of
#   load   lu2klnd.ko and lu2k_selftest.ko load, /dev/lu2k appears
#   loop   chan-loop echoes messages: 0 B, 1 MiB and 200 mixed, all verified;
#          then two interfaces with a daemon each, busy at once
#   kill   kill -9 of the daemon with messages in flight: each fails exactly once;
#          reattach works; the modules unload cleanly (also with a daemon attached)
#   timeout  a daemon that answers late: the kernel fails the messages itself
#          (-ETIMEDOUT, once), keeps their buffers until the late answers come
#   evil   chan-evil: bad setups, bad descriptors counted exactly, broken ring
#          index drops the channel; random descriptors; a flood of tiny RX is
#          bounded and every held one comes back on FREE; then a good transfer
#   lu2kd  two namespaces over veth + netem, a lu2kd in each, traffic both ways
# Each step runs under timeout (busybox's timeout execs the program itself, so $!
# is the program and kill -9 hits it); the first failure ends the run (exit 1).
# Settings from the host (run-vm.sh passes LU2K_FULL and LU2K_VM_*):
#   LU2K_FULL=1              longer runs
#   LU2K_VM_LU2KD_MSGS=N     messages each way in the lu2kd test (12; 40 with LU2K_FULL)
#   LU2K_VM_NETEM="..."      netem settings of the lu2kd test
#   LU2K_VM_BACKENDS="..."   back-ends of the lu2kd test ("tcp udt rds")
#   LU2K_VM_RDS_MSGS=N       messages each way over rds (6, of 0..4 MiB)
[ -f /lu2k/env ] && . /lu2k/env
D=/sys/kernel/debug/lu2k_selftest
NI=10.9.0.1@lu2k
NI2=10.9.0.2@lu2k
NI6=[fd00:9::1]@lu2k3
T0=$(date +%s)

say() { echo "vm[$(($(date +%s) - T0))s]: $*"; }
die() {
	say "FAIL: $*"; cat $D/stats 2>/dev/null
	for f in /tmp/*.log; do [ -f "$f" ] && sed "s|^|$f: |" "$f"; done
	dmesg | tail -n 20; exit 1
}
ctl() { timeout 150 sh -c "echo '$*' > $D/ctl" || die "ctl $* (exit $?)"; }
ctl_may_fail() { timeout 150 sh -c "echo '$*' > $D/ctl" 2>/dev/null; }
# Counter of the test client, or of an interface: st KEY [NI]
st() {
	if [ -z "$2" ]; then
		awk -v k="$1" '$1 == k { print $2 }' $D/stats
	else
		awk -v k="$1" -v n="$2" '$1 == "ni" && $2 == n {
			for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }' $D/stats
	fi
}
expect() { # expect KEY VALUE [NI]
	v=$(st "$1" "$3")
	[ "$v" = "$2" ] || die "$1${3:+ of $3} is '$v', expected $2"
}
# Wait until an interface counter reaches a value: wait_ni KEY VALUE NI SECONDS
wait_ni() {
	i=0
	while [ "$(st "$1" "$3")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($4 * 10)) ] && die "waiting for $1 = $2 on $3 (is $(st "$1" "$3"))"
		sleep 0.1
	done
}
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; } # busybox date has no %N
start_loop() { # start_loop NI [--stall]: sets $LOOP
	timeout 200 chan-loop --nid "$@" > "/tmp/loop-$1.log" 2>&1 &
	LOOP=$!
	ctl wait_attached "$1" 20
}
stop_loop() {
	kill "$LOOP" 2>/dev/null
	wait "$LOOP" 2>/dev/null
}

load() {
	insmod /mod/lu2klnd.ko tx_pool_mb=8 rx_pool_mb=8 ring_entries=256 timeout_ms=20000 ||
		die "insmod lu2klnd"
	insmod /mod/lu2k_selftest.ko || die "insmod lu2k_selftest"
	[ -c /dev/lu2k ] || die "/dev/lu2k missing"
	[ -w $D/ctl ] || die "$D/ctl missing"
}
unload() {
	rmmod lu2k_selftest || die "rmmod lu2k_selftest"
	rmmod lu2klnd || die "rmmod lu2klnd"
	grep -q lu2k /proc/modules && die "modules still loaded"
}

t_load() {
	load
	say "load: ok ($(grep lu2k /proc/modules | cut -d' ' -f1 | tr '\n' ' '))"
}

t_loop() {
	ctl add $NI
	start_loop $NI
	ctl reset
	ctl send $NI $NI 1 0 0
	ctl send $NI $NI 1 1048576 1048576
	ctl send $NI $NI 4 1 1
	say "loop: 0 B, 1 MiB, 1 B ok"
	n=200
	[ "${LU2K_FULL:-0}" = 1 ] && n=3000
	ctl send $NI $NI $n 0 1048576 16
	ctl wait_rx $((n + 6)) 120
	expect tx_sent $((n + 6)); expect tx_ok $((n + 6)); expect tx_err 0; expect tx_dup 0
	expect rx_ok $((n + 6)); expect rx_bad 0
	expect inflight 0 $NI; expect bad_cpl 0 $NI; expect bad_rx 0 $NI
	say "loop: ok, $((n + 6)) messages 0 B..1 MiB verified ($(st rx_bytes) payload bytes)"
	# One at a time: every message needs a kick each way. A lost kick costs a
	# tick (200-500 ms), so 500 round trips in under 50 s mean none was lost.
	ctl reset
	t0=$(date +%s)
	ctl send $NI $NI 500 0 0 1
	dt=$(($(date +%s) - t0))
	expect tx_ok 500; expect rx_ok 500
	[ "$dt" -lt 50 ] || die "500 round trips took ${dt}s: kicks are being lost"
	say "loop: 500 round trips one at a time in ${dt}s"
	# More than the 8 MiB TX pool holds, in flight at once: the rest waits in the kernel.
	# The daemon answers each 1 s late, so that the pool fills whatever the
	# copies' speed (a prompt one kept up with them once in three runs under load).
	stop_loop
	start_loop $NI --delay-ms 1000
	ctl reset
	w0=$(st waited $NI)
	ctl send $NI $NI 48 262144 1048576 48 queue
	ctl wait_rx 48 30
	expect tx_ok 48; expect rx_ok 48; expect rx_bad 0; expect queued 0 $NI
	[ "$(st waited $NI)" -gt "$w0" ] || die "no message had to wait for pool room"
	say "loop: 48 messages of up to 1 MiB at once through an 8 MiB pool: $(($(st waited $NI) - w0)) waited"
	# Credits: at most peer_credits in flight to one peer, credits in all
	# (read when a daemon attaches); lu2k_send() says -EAGAIN beyond, the client waits.
	stop_loop
	P=/sys/module/lu2klnd/parameters
	echo 6 > $P/credits; echo 3 > $P/peer_credits
	start_loop $NI
	ctl reset
	ctl send $NI $NI 60 0 65536 16
	ctl wait_rx 60 20
	expect tx_ok 60; expect rx_ok 60; expect inflight_max 3 $NI
	ctl send $NI 10.9.0.50@lu2k 30 0 4096 16 &
	S1=$!
	ctl send $NI 10.9.0.51@lu2k 30 0 4096 16 &
	S2=$!
	ctl send $NI 10.9.0.52@lu2k 30 0 4096 16
	wait $S1; wait $S2
	ctl wait_rx 150 20
	expect tx_ok 150
	# The total cap holds; how close three senders get to it depends on timing.
	m=$(st inflight_max $NI)
	[ "$m" -ge 3 ] && [ "$m" -le 6 ] || die "inflight_max of $NI is '$m', expected 3..6 (credits 6)"
	echo 1024 > $P/credits; echo 256 > $P/peer_credits
	say "loop: credits hold: 3 in flight to one peer, $m (at most 6) to three"
	# The region shows in vmallocinfo while attached (what the final leak check relies on).
	grep -q '\[lu2klnd\]' /proc/vmallocinfo || die "no lu2klnd region in /proc/vmallocinfo"
	# A second interface with its own daemon, both busy at once.
	LOOP1=$LOOP
	ctl add $NI2
	start_loop $NI2
	ctl reset
	timeout 100 sh -c "echo 'send $NI $NI 100 0 262144 16' > $D/ctl" &
	S1=$!
	timeout 100 sh -c "echo 'send $NI2 $NI2 100 0 262144 16' > $D/ctl" &
	S2=$!
	wait $S1 || die "send on $NI"
	wait $S2 || die "send on $NI2"
	ctl wait_rx 200 30
	expect tx_ok 200; expect rx_ok 200; expect rx_bad 0; expect rx $((n + 804)) $NI; expect rx 100 $NI2
	say "loop: two interfaces, two daemons at once: 2 x 100 verified"
	stop_loop
	LOOP=$LOOP1
	# Four senders on one interface at once: lu2k_send() copies outside the
	# interface's lock, so they do not wait for each other's copies: more
	# than one copy is under way at once (copying_max, since the daemon
	# attached: 1 for one sender). Timed beside one sender of as many
	# messages (a figure, not a bound: TCG).
	stop_loop
	start_loop $NI
	ctl reset
	t1=$(ms)
	ctl send $NI $NI 160 1048576 1048576 8
	t2=$(ms)
	expect copying_max 1 $NI
	c0=$(st copied_unlocked $NI)
	for k in 1 2 3 4; do
		timeout 120 sh -c "echo 'send $NI $NI 40 1048576 1048576 8' > $D/ctl" &
		eval "P$k=\$!"
	done
	wait $P1 || die "sender 1"; wait $P2 || die "sender 2"
	wait $P3 || die "sender 3"; wait $P4 || die "sender 4"
	t3=$(ms)
	ctl wait_rx 320 30
	expect tx_ok 320; expect rx_ok 320; expect rx_bad 0; expect tx_dup 0
	c1=$(st copied_unlocked $NI)
	[ $((c1 - c0)) -ge 160 ] || die "copied_unlocked grew by $((c1 - c0)), expected 160"
	cm=$(st copying_max $NI)
	[ "$cm" -ge 2 ] || die "4 senders never copied at the same time (copying_max $cm)"
	say "loop: 1 sender x 160 MiB in $((t2 - t1)) ms; 4 senders x 40 MiB at once in $((t3 - t2)) ms, up to $cm copies at the same time; all verified, copied outside the lock"
	# A small message beside 4 MiB copies: its lu2k_send() waits for no copy
	# but its own (the longest is printed: a figure; TCG makes it noisy).
	ctl reset
	timeout 120 sh -c "echo 'send $NI $NI 24 4194304 4194304 2' > $D/ctl" &
	P1=$!
	timeout 120 sh -c "echo 'send $NI $NI 24 4194304 4194304 2' > $D/ctl" &
	P2=$!
	ctl send $NI $NI 400 64 64 1
	wait $P1 || die "4 MiB sender 1"; wait $P2 || die "4 MiB sender 2"
	ctl wait_rx 448 30
	expect rx_bad 0; expect tx_ok 448
	say "loop: 400 x 64 B beside two senders of 4 MiB: longest lu2k_send() of a 64 B message $(st small_send_max_us) us"
	# Routed: the descriptor names a next hop apart from the target.
	ctl reset
	ctl send $NI 10.9.7.7@lu2k 10 0 65536 4 via=10.9.0.254@lu2k
	ctl wait_rx 10 20
	expect tx_ok 10; expect rx_ok 10
	expect peers 5 $NI	# itself, .50-.52 from the credit test, and the next hop (not the target)
	stop_loop
	# since the loop restarted for copying_max: 160 + 160 + 448 + 10
	grep -q "chan-loop: 778 messages, 10 routed, 0 to IPv6" "/tmp/loop-$NI.log" ||
		die "chan-loop saw: $(tail -n 1 "/tmp/loop-$NI.log")"
	ctl del $NI
	ctl del $NI2
	# An IPv6 interface: not for a daemon without LU2K_FEAT_IPV6.
	ctl add "$NI6"
	timeout 20 chan-loop --nid "$NI6" --no-ipv6 > /tmp/noipv6.log 2>&1 &&
		die "a daemon without IPv6 attached to $NI6"
	grep -q "not supported" /tmp/noipv6.log || die "chan-loop --no-ipv6: $(cat /tmp/noipv6.log)"
	start_loop "$NI6"
	ctl reset
	ctl send "$NI6" "$NI6" 20 0 262144 4
	ctl wait_rx 20 20
	expect tx_ok 20; expect rx_ok 20; expect rx_bad 0
	stop_loop
	grep -q "chan-loop: 20 messages, 0 routed, 20 to IPv6" "/tmp/loop-$NI6.log" ||
		die "chan-loop saw: $(tail -n 1 "/tmp/loop-$NI6.log")"
	ctl del "$NI6"
	say "loop: routed messages (next hop in the descriptor) and an IPv6 interface ok"
}

t_kill() {
	ctl add $NI
	# (a) everything in flight: the daemon takes what fits in the pool and never
	# answers; the rest waits in the kernel's queue.
	start_loop $NI --stall
	ctl reset
	timeout 100 sh -c "echo 'send $NI $NI 32 262144 1048576 32 queue' > $D/ctl" 2>/dev/null &
	SEND=$!
	wait_ni inflight 32 $NI 30
	[ "$(st queued $NI)" -gt 0 ] || die "nothing queued behind a full pool"
	kill -9 "$LOOP"
	wait "$SEND" && die "send reported success with a dead daemon"
	wait "$LOOP" 2>/dev/null
	expect tx_sent 32; expect tx_ok 0; expect tx_err 32; expect tx_reset 32; expect tx_dup 0
	expect inflight 0 $NI; expect detaches 1 $NI
	expect queued 0 $NI
	say "kill (a): 32 in flight (some queued), 32 failed once each"
	# (b) mid-transfer.
	start_loop $NI
	ctl reset
	timeout 100 sh -c "echo 'send $NI $NI 3000 0 131072 16' > $D/ctl" 2>/dev/null &
	SEND=$!
	wait_ni_min=0
	i=0
	while [ "$(st tx_ok)" -lt 50 ]; do
		i=$((i + 1)); [ $i -gt 300 ] && die "no progress before the kill"; sleep 0.1
	done
	kill -9 "$LOOP"
	wait "$SEND"
	wait "$LOOP" 2>/dev/null
	sent=$(st tx_sent); ok=$(st tx_ok); err=$(st tx_err)
	[ $((ok + err)) = "$sent" ] || die "sent $sent but ok $ok + err $err"
	expect tx_dup 0; expect rx_bad 0; expect inflight 0 $NI
	[ "$sent" -lt 3000 ] || die "the kill came too late to test anything"
	say "kill (b): $sent sent, $ok ok, $err failed, none twice"
	# (b2) messages held by the client outlive their daemon: the region stays
	# until the last one is given back.
	start_loop $NI
	ctl reset
	ctl hold 1000
	ctl send $NI $NI 10 0 65536 4
	ctl wait_rx 10 20
	kill -9 "$LOOP"
	wait "$LOOP" 2>/dev/null
	expect held 10; expect rx_held 10 $NI; expect attached 0 $NI
	grep -q '\[lu2klnd\]' /proc/vmallocinfo || die "region freed under held messages"
	ctl release
	expect rx_held 0 $NI
	grep '\[lu2klnd\]' /proc/vmallocinfo && die "region left after the last message"
	say "kill (b2): 10 messages held across the daemon's death, region freed after"
	# (c) a new daemon attaches and works.
	start_loop $NI
	ctl reset
	ctl send $NI $NI 20 0 262144 8
	ctl wait_rx 20 30
	expect tx_ok 20; expect rx_ok 20; expect attaches 4 $NI
	# (d) unload with the daemon attached: it sees POLLHUP and goes.
	rmmod lu2k_selftest || die "rmmod lu2k_selftest with a daemon attached"
	i=0
	while kill -0 "$LOOP" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && die "chan-loop did not see POLLHUP"; sleep 0.1
	done
	grep -q "dropped by the kernel" "/tmp/loop-$NI.log" || die "chan-loop: $(cat "/tmp/loop-$NI.log")"
	rmmod lu2klnd || die "rmmod lu2klnd"
	load
	say "kill (c, d): reattach ok, unload with a daemon attached ok, reload ok"
}

t_timeout() {
	P=/sys/module/lu2klnd/parameters
	echo 300 > $P/timeout_ms; echo 200 > $P/timeout_grace_ms
	ctl add $NI
	start_loop $NI --delay-ms 4000
	ctl reset
	ctl_may_fail send $NI $NI 8 0 65536 8 && die "send succeeded past the timeout"
	expect tx_err 8; expect tx_ok 0; expect timeout 8 $NI; expect orphans 8 $NI
	expect inflight 8 $NI
	# The late answers free the orphans quietly; the messages themselves arrive.
	wait_ni orphans 0 $NI 20
	expect inflight 0 $NI; expect bad_cpl 0 $NI; expect tx_dup 0; expect tx_err 8
	ctl wait_rx 8 10
	expect rx_ok 8
	stop_loop
	ctl del $NI
	echo 20000 > $P/timeout_ms; echo 5000 > $P/timeout_grace_ms
	say "timeout: 8 messages timed out by the kernel once each; late answers absorbed"
}

t_evil() {
	ctl add $NI
	timeout 60 chan-evil --nid $NI > /tmp/evil.log 2>&1 &
	EVIL=$!
	ctl wait_attached $NI 20
	ctl reset
	timeout 100 sh -c "echo 'send $NI $NI 4 100 100 4' > $D/ctl" 2>/dev/null &
	SEND=$!
	wait "$EVIL" || die "chan-evil: $(cat /tmp/evil.log)"
	wait "$SEND"
	grep '^expect ' /tmp/evil.log | while read -r _ k v; do
		case $k in
		tx_ok|tx_err|tx_reset|rx_ok) expect "$k" "$v" ;;
		*) expect "$k" "$v" $NI ;;
		esac
	done || exit 1
	expect tx_dup 0; expect rx_bad 0; expect inflight 0 $NI
	say "evil: bad setups refused; $(st bad_cpl $NI) bad CPL, $(st bad_rx $NI) bad RX, $(st bad_evt $NI) bad EVT counted; broken ring dropped"
	for seed in 1 2 3; do
		timeout 60 chan-evil --nid $NI --fuzz 2000 --seed $seed > /tmp/fuzz.log 2>&1 ||
			die "chan-evil --fuzz: $(cat /tmp/fuzz.log)"
	done
	say "evil: fuzz ok ($(st bad_cpl $NI) bad CPL, $(st bad_rx $NI) bad RX, $(st bad_evt $NI) bad EVT, $(st bad_ring $NI) dropped)"
	# A flood of tiny RX while the client holds them: at most 4 x 256 are taken.
	ctl reset
	bad0=$(st bad_rx $NI)
	ctl hold 100000
	timeout 60 chan-evil --nid $NI --flood 3000 --expect-free 1024 > /tmp/flood.log 2>&1 &
	FLOOD=$!
	wait_ni rx_held 1024 $NI 20
	wait_ni bad_rx $((bad0 + 1976)) $NI 20
	expect held 1024
	ctl release
	wait "$FLOOD" || die "chan-evil --flood: $(cat /tmp/flood.log)"
	wait_ni rx_held 0 $NI 10
	say "evil: flood of 3000 RX: 1024 held, 1976 refused, 1024 FREE back"
	start_loop $NI
	ctl reset
	ctl send $NI $NI 20 0 1048576 8
	ctl wait_rx 20 30
	expect tx_ok 20; expect rx_ok 20; expect rx_bad 0
	stop_loop
	ctl del $NI
	say "evil: a good daemon works afterwards"
}

t_lu2kd() {
	if [ ! -x /lu2k/lu2kd ]; then
		say "lu2kd: not built yet, skipped"
		return 0
	fi
	. /lu2k/guest-lu2kd.sh
}

for t in "$@"; do
	say "--- $t"
	"t_$t"
done
# Leaks: with no daemon and no interface left, no region may remain (vmalloc'ed
# by lu2klnd), and both modules must unload.
if grep -q '^lu2klnd ' /proc/modules; then
	grep -q '^ni ' $D/stats && die "interfaces left: $(grep '^ni ' $D/stats)"
	grep '\[lu2klnd\]' /proc/vmallocinfo && die "regions left in vmalloc"
	unload
	say "no region left; modules unloaded"
fi
say "all passed: $*"
