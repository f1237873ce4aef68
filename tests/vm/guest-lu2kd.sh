# Sourced by guest-tests.sh (t_lu2kd): two lu2kd over a lossy veth, in the VM.
# LU2K_VM_BACKENDS (default "tcp udt rds") are tried in turn; rds needs the
# rds_tcp module (run-vm.sh loads it) and carries 0 B..4 MiB messages.
#
#    ns lu2ka                                       ns lu2kb
#   +---------------------------+                  +---------------------------+
#   | lu2kd --device /dev/lu2k  |                  | lu2kd --device /dev/lu2k  |
#   |   = interface 10.9.1.1@lu2k|  veth + netem    |   = interface 10.9.1.2@lu2k|
#   | a0 10.9.1.1/24  ----------+------------------+---------- b0 10.9.1.2/24   |
#   +---------------------------+ 20 ms, 0.2 % loss,+---------------------------+
#                                 50 Mbit/s each way
# Then kill -9 of the sending lu2kd mid-transfer, and a new one attaching (tcp,
# and rds); for rds also kill -9 of the receiving lu2kd mid-transfer (every
# message completes once, by its ack or by the peer's deadline) and a peer that
# is not there at all (its messages fail, once each).
# With keys (rds): both daemons with [auth] (keys made in the VM by lu2k-keygen),
# verified messages both ways through sealed frames only; then a daemon without
# keys on either side is refused, each saying why in its log.
# lu2kd asks for "any free interface", so each interface is created just before
# its daemon starts. lu2k_selftest then sends verified messages both ways at once
# through the kernel, the daemons and their back-ends (tcp, then udt if lu2kd has it).
IP=/usr/sbin/ip
TC=/usr/sbin/tc
A=10.9.1.1@lu2k
B=10.9.1.2@lu2k
LU2KD_PIDS=
# The rds back-end's deadlines, short so that a dead peer is seen in seconds.
RDS_OPTS="-o hello_timeout_ms=8000 -o ack_timeout_ms=8000"

lu2kd_cleanup() {
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	$IP netns del lu2ka 2>/dev/null
	$IP netns del lu2kb 2>/dev/null
}

# lu2kd_start NS NID BACKEND: 0 attached, 2 back-end unknown to this lu2kd, else die
lu2kd_start() {
	opts=
	[ "$3" = rds ] && opts=$RDS_OPTS
	# LU2KD_KEYS="lu2ka lu2kb": those daemons run with /tmp/NS.conf's [auth]
	case " ${LU2KD_KEYS:-} " in *" $1 "*) opts="$opts -c /tmp/$1.conf" ;; esac
	timeout 200 $IP netns exec "$1" /lu2k/lu2kd -f -l info -b "$3" $opts --device /dev/lu2k \
		--channel-socket "/tmp/$1.sock" --ctl-socket "/tmp/$1.ctl" > "/tmp/lu2kd-$1.log" 2>&1 &
	pid=$!
	LAST_PID=$pid
	LU2KD_PIDS="$LU2KD_PIDS $pid"
	i=0
	# Attached to the kernel, and done starting (it says "ready").
	while ! ctl_may_fail wait_attached "$2" 1 || ! grep -q " ready: " "/tmp/lu2kd-$1.log"; do
		if ! kill -0 $pid 2>/dev/null; then
			grep -q "unknown back-end" "/tmp/lu2kd-$1.log" && return 2
			die "lu2kd in $1 exited"
		fi
		i=$((i + 1))
		[ $i -gt 20 ] && die "lu2kd in $1 did not attach"
	done
	return 0
}

# One message each way until both get through: the daemons' connections come
# up (a daemon may fail what it holds while its first connect is refused, as
# the contract allows). Stragglers of failed tries get a second to land.
lu2kd_warm() {
	for i in 1 2 3 4 5; do
		if ctl_may_fail send $A $B 1 0 0 1 && ctl_may_fail send $B $A 1 0 0 1; then
			[ $i -gt 1 ] && say "lu2kd ($1): first messages got through at try $i"
			sleep 1
			return 0
		fi
		sleep 1
	done
	die "lu2kd ($1): no message got through in 5 tries"
}

lu2kd_net() {
	$IP netns add lu2ka || die "ip netns add"
	$IP netns add lu2kb || die "ip netns add"
	$IP link add a0 netns lu2ka type veth peer name b0 netns lu2kb || die "veth"
	for s in "lu2ka a0 10.9.1.1" "lu2kb b0 10.9.1.2"; do
		set -- $s
		$IP -n "$1" link set lo up
		$IP -n "$1" addr add "$3/24" dev "$2"
		$IP -n "$1" link set dev "$2" gso_max_segs 1 up
		$IP netns exec "$1" $TC qdisc add dev "$2" root netem \
			${LU2K_VM_NETEM:-delay 20ms loss 0.2% rate 50mbit} limit 10000 ||
			die "netem on $2"
	done
	$IP netns exec lu2ka ping -c 1 -W 5 10.9.1.2 > /dev/null 2>&1 || say "lu2kd: (first ping lost)"
	say "lu2kd: netem ${LU2K_VM_NETEM:-delay 20ms loss 0.2% rate 50mbit}"
}

lu2kd_run() { # lu2kd_run BACKEND
	if [ "$1" = rds ] && [ ! -d /sys/module/rds_tcp ]; then
		say "lu2kd: no rds_tcp module in this VM, rds skipped"
		return 0
	fi
	ctl add $A
	lu2kd_start lu2ka $A "$1"
	if [ $? = 2 ]; then
		say "lu2kd: back-end $1 not in this lu2kd, skipped"
		ctl del $A
		return 0
	fi
	ctl add $B
	lu2kd_start lu2kb $B "$1"
	lu2kd_warm "$1"
	ctl reset
	ra=$(st rx $A); rb=$(st rx $B)
	n=${LU2K_VM_LU2KD_MSGS:-12}
	[ "${LU2K_FULL:-0}" = 1 ] && n=${LU2K_VM_LU2KD_MSGS:-40}
	# rds splits what is larger than one RDS message (1 MiB): up to 4 MiB there.
	max=1048576
	# rds_tcp under TCG moves a few MB/s: fewer messages, up to 4 MiB.
	[ "$1" = rds ] && max=4194304 && n=${LU2K_VM_RDS_MSGS:-6}
	timeout 150 sh -c "echo 'send $A $B $n 0 $max 8' > $D/ctl" 2> /tmp/send-ab.err &
	AB=$!
	timeout 150 sh -c "echo 'send $B $A $n 0 $max 8' > $D/ctl" 2> /tmp/send-ba.err &
	BA=$!
	wait $AB || die "send A->B failed ($1)"
	wait $BA || die "send B->A failed ($1)"
	ctl wait_rx $((2 * n)) 60
	expect tx_ok $((2 * n)); expect tx_err 0; expect tx_dup 0
	expect rx_ok $((2 * n)); expect rx_bad 0
	expect rx $((ra + n)) $A; expect rx $((rb + n)) $B
	expect bad_cpl 0 $A; expect bad_rx 0 $A; expect bad_cpl 0 $B; expect bad_rx 0 $B
	say "lu2kd ($1): $n messages 0 B..$((max >> 20)) MiB each way, verified ($(st rx_bytes) bytes)"
	[ "$1" = rds ] && /lu2k/lu2kctl --socket /tmp/lu2ka.ctl stats > /tmp/rds-stats-a.txt 2>&1 &&
		say "lu2kd (rds): A's back-end: $(grep -E 'pieces_tx|send_enobufs|cong_updates' \
			/tmp/rds-stats-a.txt | tr -s ' \n' ' ')"
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	LU2KD_PIDS=
	ctl del $A
	ctl del $B
}

# kill -9 of the sending lu2kd in the middle of a transfer: each of its messages
# completes once (ok or error), none is corrupted, and a new lu2kd takes over.
lu2kd_kill() { # lu2kd_kill BACKEND
	ctl add $A
	lu2kd_start lu2ka $A "$1"
	pid_a=$LAST_PID
	ctl add $B
	lu2kd_start lu2kb $B "$1"
	lu2kd_warm "$1"
	ctl reset
	timeout 150 sh -c "echo 'send $A $B 2000 0 262144 16' > $D/ctl" 2>/dev/null &
	S=$!
	i=0
	while [ "$(st tx_ok)" -lt 10 ]; do
		i=$((i + 1)); [ $i -gt 300 ] && die "no progress before the kill"; sleep 0.1
	done
	kill -9 $pid_a
	wait $S && die "send reported success with its daemon killed"
	wait $pid_a 2>/dev/null
	sent=$(st tx_sent); ok=$(st tx_ok); err=$(st tx_err)
	[ $((ok + err)) = "$sent" ] || die "sent $sent but ok $ok + err $err"
	[ "$err" -gt 0 ] || die "no message failed"
	expect tx_dup 0; expect rx_bad 0; expect inflight 0 $A
	say "lu2kd ($1): kill -9 of the sender's lu2kd: $sent sent, $ok ok, $err failed, none twice"
	lu2kd_start lu2ka $A "$1"
	# rds: pieces that left before the kill still arrive (RDS delivers what it
	# took) and may complete messages the dead sender's kernel half failed, as
	# a transport may when the sender dies; a message sent now arrives behind
	# them (one RDS path per socket pair), so once it is through they are too.
	[ "$1" = rds ] && lu2kd_warm rds
	ctl reset
	ctl send $A $B 10 0 262144 4
	ctl wait_rx 10 30
	expect tx_ok 10; expect rx_ok 10; expect rx_bad 0
	say "lu2kd ($1): a new lu2kd attached and carries verified messages"
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	LU2KD_PIDS=
	ctl del $A
	ctl del $B
}

# rds: kill -9 of the receiving lu2kd mid-transfer. RDS never says that a
# socket is gone: the sender's deadline (ack_timeout_ms) fails what was not
# acknowledged, once; then a peer that is not there at all fails new messages.
lu2kd_rds_peer_gone() {
	[ -d /sys/module/rds_tcp ] || return 0
	# Messages that wait for a peer's next connection are the kernel half's to
	# time out: shortly here, so that the test does not wait two minutes.
	# The core keeps messages for a peer that is gone until they time out, a
	# window (8) at a time: short deadlines everywhere, small messages.
	echo 6000 > /sys/module/lu2klnd/parameters/timeout_ms
	opts_keep=$RDS_OPTS
	RDS_OPTS="-o hello_timeout_ms=3000 -o ack_timeout_ms=3000"
	ctl add $A
	lu2kd_start lu2ka $A rds
	ctl add $B
	lu2kd_start lu2kb $B rds
	pid_b=$LAST_PID
	RDS_OPTS=$opts_keep
	lu2kd_warm rds
	ctl reset
	timeout 150 sh -c "echo 'send $A $B 40 0 65536 8' > $D/ctl" 2>/dev/null &
	S=$!
	i=0
	while [ "$(st tx_ok)" -lt 10 ]; do
		i=$((i + 1)); [ $i -gt 300 ] && die "no progress before the kill (rds)"; sleep 0.1
	done
	kill -9 $pid_b
	t0=$(date +%s)
	wait $S && die "send reported success with the receiver killed (rds)"
	wait $pid_b 2>/dev/null
	sent=$(st tx_sent); ok=$(st tx_ok); err=$(st tx_err)
	[ $((ok + err)) = "$sent" ] || die "rds: sent $sent but ok $ok + err $err"
	[ "$err" -gt 0 ] || die "rds: no message failed"
	expect tx_dup 0; expect rx_bad 0; expect inflight 0 $A
	say "lu2kd (rds): kill -9 of the receiver's lu2kd: $sent sent, $ok ok, $err failed once each, in $(($(date +%s) - t0)) s"
	/lu2k/lu2kctl --socket /tmp/lu2ka.ctl stats > /tmp/rds-gone-stats.log 2>&1
	grep -q 'peer_timeouts: [1-9]' /tmp/rds-gone-stats.log || die "rds: the sender's deadline did not fire"
	grep -q 'cancel_sent_to: [1-9]' /tmp/rds-gone-stats.log || die "rds: no RDS_CANCEL_SENT_TO"
	# Nobody at B now (its kernel drops what comes for the port): messages fail once.
	ctl reset
	ctl_may_fail send $A $B 5 0 100000 5 && die "rds: messages to a peer that is not there succeeded"
	sent=$(st tx_sent); err=$(st tx_err)
	[ "$sent" = 5 ] && [ "$err" = 5 ] || die "rds: unreachable peer: sent $sent, failed $err"
	expect tx_ok 0; expect inflight 0 $A
	say "lu2kd (rds): a peer that is not there: 5 sent, 5 failed once each"
	echo 120000 > /sys/module/lu2klnd/parameters/timeout_ms
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	LU2KD_PIDS=
	ctl del $A
	ctl del $B
}

# rds with keys: the node handshake, then every frame sealed.
lu2kd_rds_keys() {
	[ -d /sys/module/rds_tcp ] || return 0
	[ -x /lu2k/lu2k-keygen ] || { say "lu2kd (rds, keys): no lu2k-keygen here, skipped"; return 0; }
	rm -f /tmp/lu2ka.key /tmp/lu2kb.key
	/lu2k/lu2k-keygen genkey -o /tmp/lu2ka.key || die "lu2k-keygen genkey"
	/lu2k/lu2k-keygen genkey -o /tmp/lu2kb.key || die "lu2k-keygen genkey"
	pa=$(/lu2k/lu2k-keygen pubkey -i /tmp/lu2ka.key) || die "lu2k-keygen pubkey"
	pb=$(/lu2k/lu2k-keygen pubkey -i /tmp/lu2kb.key) || die "lu2k-keygen pubkey"
	printf '[auth]\nprivate_key = /tmp/lu2ka.key\npeer = %s 10.9.1.2@lu2k\n' "$pb" > /tmp/lu2ka.conf
	printf '[auth]\nprivate_key = /tmp/lu2kb.key\npeer = %s 10.9.1.1@lu2k\n' "$pa" > /tmp/lu2kb.conf
	LU2KD_KEYS="lu2ka lu2kb"
	ctl add $A
	lu2kd_start lu2ka $A rds
	ctl add $B
	lu2kd_start lu2kb $B rds
	grep -q "keys on" /tmp/lu2kd-lu2kb.log || die "rds: B does not say keys are on"
	lu2kd_warm "rds, keys"
	ctl reset
	ra=$(st rx $A); rb=$(st rx $B)
	n=${LU2K_VM_RDS_MSGS:-6}
	max=4194304
	timeout 150 sh -c "echo 'send $A $B $n 0 $max 8' > $D/ctl" 2> /tmp/send-ab.err &
	AB=$!
	timeout 150 sh -c "echo 'send $B $A $n 0 $max 8' > $D/ctl" 2> /tmp/send-ba.err &
	BA=$!
	wait $AB || die "send A->B failed (rds, keys)"
	wait $BA || die "send B->A failed (rds, keys)"
	ctl wait_rx $((2 * n)) 60
	expect tx_ok $((2 * n)); expect tx_err 0; expect tx_dup 0
	expect rx_ok $((2 * n)); expect rx_bad 0
	expect rx $((ra + n)) $A; expect rx $((rb + n)) $B
	for x in a b; do
		/lu2k/lu2kctl --socket /tmp/lu2k$x.ctl stats > /tmp/rds-keys-$x.txt 2>&1 || die "lu2kctl stats"
		/lu2k/lu2kctl --socket /tmp/lu2k$x.ctl conns > /tmp/rds-keys-conns-$x.txt 2>&1 || die "lu2kctl conns"
		grep -q 'auth_records_rx: [1-9]' /tmp/rds-keys-$x.txt || die "rds: $x opened no record"
		for c in auth_plaintext auth_bad_records auth_wrong_conn malformed; do
			grep -q "$c: 0\$" /tmp/rds-keys-$x.txt || die "rds: $x: $(grep "$c:" /tmp/rds-keys-$x.txt)"
		done
		grep -q 'sealed' /tmp/rds-keys-conns-$x.txt || die "rds: $x's conns are not sealed"
	done
	say "lu2kd (rds, keys): $n messages 0 B..4 MiB each way, verified, sealed ($(grep -E 'auth_records_(tx|rx)|auth_handshakes' \
		/tmp/rds-keys-a.txt | tr -s ' \n' ' '))"
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	LU2KD_PIDS=
	ctl del $A
	ctl del $B
	# B without keys: A's handshake is refused, and both say why. The kernel
	# half fails what no connection takes after timeout_ms: short here.
	echo 6000 > /sys/module/lu2klnd/parameters/timeout_ms
	LU2KD_KEYS="lu2ka"
	ctl add $A
	lu2kd_start lu2ka $A rds
	ctl add $B
	lu2kd_start lu2kb $B rds
	ctl reset
	ctl_may_fail send $A $B 1 0 0 1 && die "rds: A (keys) delivered to B (no keys)"
	grep -q "refused our handshake" /tmp/lu2kd-lu2ka.log || die "rds: A does not say B refused"
	grep -q "a node handshake from 10.9.1.1 refused: no keys here" /tmp/lu2kd-lu2kb.log ||
		die "rds: B does not say why it refused"
	# and the other way: B's plaintext hello to A is refused
	ctl_may_fail send $B $A 1 0 0 1 && die "rds: B (no keys) delivered to A (keys)"
	grep -q "plaintext hello from 10.9.1.2 .* refused: keys are on here" /tmp/lu2kd-lu2ka.log ||
		die "rds: A does not say it refused a plaintext hello"
	expect rx_ok 0
	say "lu2kd (rds, keys): a peer without keys refused both ways: $(grep -m1 -o 'rds: 10.9.1.2@lu2k refused our handshake.*' /tmp/lu2kd-lu2ka.log)"
	LU2KD_KEYS=
	echo 120000 > /sys/module/lu2klnd/parameters/timeout_ms
	for p in $LU2KD_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LU2KD_PIDS; do wait "$p" 2>/dev/null; done
	LU2KD_PIDS=
	ctl del $A
	ctl del $B
}

trap lu2kd_cleanup EXIT
# Messages queue behind each other on a slow emulated link under TCG: give them
# more than the 20 s the other tests use (read when a daemon attaches).
echo 120000 > /sys/module/lu2klnd/parameters/timeout_ms
lu2kd_net
for b in ${LU2K_VM_BACKENDS:-tcp udt rds}; do
	lu2kd_run "$b"
done
lu2kd_kill tcp
case " ${LU2K_VM_BACKENDS:-tcp udt rds} " in
*" rds "*)
	if [ -d /sys/module/rds_tcp ]; then
		lu2kd_kill rds
		lu2kd_rds_peer_gone
		lu2kd_rds_keys
	fi ;;
esac
lu2kd_cleanup
trap - EXIT
echo 20000 > /sys/module/lu2klnd/parameters/timeout_ms
