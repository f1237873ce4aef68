#!/bin/sh
# A Lustre file system over lu2k inside one VM of tests/vm/run-lustre.sh
# (busybox sh). The role comes from the kernel command line (lu2k.role=), the
# scenario and its settings from /lu2k/env:
#
#   fs      c ==== s         c mounts s's file system over lu2k: dd, cp, tar,
#                            remount, md5sum, lfs df, kill -9 of c's lu2kd,
#                            then of s's
#   bench   c ==== s         dd write/read and tar over lu2k, then the same
#                            over ksocklnd on the same link
#   routed  c ==== r ---- s  c (lu2k) - r (LNet router) - s (tcp): mount,
#                            dd, tar, remount, md5sum through the router
#   (==== the lu2k network, ---- ksocklnd tcp; netem on every eth)
#
# s runs the MGS+MDT and an OST on osd-wbcfs (memory, no disk). The client
# drives and ends with "PASS"; the others serve until the host stops them.
#
#   LU2K_LUSTRE_SCENARIO   fs | bench | routed
#   LU2K_LNET_TYPE         the LNet type lu2klnd serves (gip)
#   LU2K_LNET_BACKEND      lu2kd's back-end (tcp)
#   LU2K_LU2KD_OPTS        more lu2kd options (e.g. "-o cc=lossy")
#   LU2K_LUSTRE_SIZES      sizes of the dd and cp files ("1K 64K 1M 16M")
#   LU2K_LUSTRE_FILES      small files in the tar (200)
#   LU2K_LUSTRE_KILL       whose lu2kd fs kills during a write: "c s" (default),
#                          "c", "s" or "" (none)
#   LU2K_LUSTRE_KILL_SIZE  the file written while lu2kd is killed (32M)
#   LU2K_LUSTRE_KILL_WAIT  seconds lu2kd stays dead (10)
#   LU2K_LUSTRE_BENCH_SIZE the file of the bench (32M)
#   LU2K_LUSTRE_LIMIT      seconds each bench operation may take (120)
#   LU2K_LUSTRE_TCP_LIMIT  the same for the ksocklnd steps (LU2K_LUSTRE_LIMIT)
#   LU2K_LUSTRE_TAR_JOBS   tars at once in the bench's small files (1), each
#                          a share of them
#   LU2K_LUSTRE_TAR_OPTS   more options of the extracting tar (e.g. "-o -m")
#   LU2K_LUSTRE_TUNE       lctl set_param arguments applied after every mount
#                          (e.g. "osc.*.max_rpcs_in_flight=32"; none)
#   LU2K_LUSTRE_RPCS_SHOWN the bench's tar RPCs listed one by one (40)
#   LU2K_VM_NETEM          netem of every interface ("delay 5ms")
# Every wait is bounded; a Lustre call stuck in D state is bounded by the VM.
[ -f /lu2k/env ] && . /lu2k/env
ROLE=$(sed -n 's/.*lu2k\.role=\([a-z]*\).*/\1/p' /proc/cmdline)
TAG=lustre
SCEN=${LU2K_LUSTRE_SCENARIO:-fs}
TYPE=${LU2K_LNET_TYPE:-gip}
BACKEND=${LU2K_LNET_BACKEND:-tcp}
LU2KD_OPTS=${LU2K_LU2KD_OPTS:-}
NETEM=${LU2K_VM_NETEM:-delay 5ms}
SIZES=${LU2K_LUSTRE_SIZES:-1K 64K 1M 16M}
NFILES=${LU2K_LUSTRE_FILES:-200}
KILL_SIZE=${LU2K_LUSTRE_KILL_SIZE:-32M}
KILL_WAIT=${LU2K_LUSTRE_KILL_WAIT:-10}
BENCH_SIZE=${LU2K_LUSTRE_BENCH_SIZE:-32M}
LIMIT=${LU2K_LUSTRE_LIMIT:-120}
TCP_LIMIT=${LU2K_LUSTRE_TCP_LIMIT:-$LIMIT}
TUNE=${LU2K_LUSTRE_TUNE:-}
TAR_JOBS=${LU2K_LUSTRE_TAR_JOBS:-1}
TAR_OPTS=${LU2K_LUSTRE_TAR_OPTS:-}
FS=lustre
MNT=/mnt/lustre
PATH=$PATH:/usr/sbin:/sbin
# shellcheck source=tests/vm/guest-lib.sh
. /lu2k/guest-lib.sh

CLIENT_MODS="obdclass ptlrpc fld fid lov osc mdc lmv mgc lustre"
SERVER_MODS="$CLIENT_MODS lquota osd_wbcfs lfsck mgs mdd mdt lod osp ofd"

# Addresses 10.77.<link>.<host>: link 1 is the lu2k hop, link 2 the tcp side
# of the router.
case $SCEN-$ROLE in
fs-c | bench-c | routed-c) ADDR0=10.77.1.1 ;;
fs-s | bench-s) ADDR0=10.77.1.2 ;;
routed-r) ADDR0=10.77.1.2 ADDR1=10.77.2.2 ;;
routed-s) ADDR0=10.77.2.3 ;;
*) die "unknown scenario/role $SCEN-$ROLE" ;;
esac
case $SCEN in
routed) MGS=10.77.2.3@tcp ;;
*) MGS=10.77.1.2@$TYPE ;;
esac
# the server's NIDs with 2 GiB may take a larger TX pool
[ "$ROLE" = s ] && TX_POOL_MB=64
# a router's default pools (1024 x 1 MiB large buffers) do not fit its
# 768 MiB: 256 large buffers still cover the lu2k side's peer credits (128)
[ "$ROLE" = r ] && LNET_PARAMS="large_router_buffers=256 small_router_buffers=2048"

bytes_of() { # 1K 64K 1M 16M 256M -> bytes
	case $1 in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*G) echo $((${1%G} * 1073741824)) ;;
	*) echo "$1" ;;
	esac
}

lustre_mods() { # lustre_mods MODULE...
	for m in "$@"; do run insmod $LM/$m.ko; done
}

# Serve until the host stops the VM. In fs, the client may ask over eth0
# (port 7787, one line "kill SECONDS") for a kill -9 of this node's lu2kd
# during its write, and a new lu2kd after SECONDS.
serve() {
	say "serving"
	while :; do
		if [ "$SCEN" != fs ] || [ -z "$LU2KD" ]; then
			# the bench's server: how busy it is, and lu2kd's receive side
			cpu_mark
			sleep 30
			[ "$SCEN" = bench ] || continue
			cpu_report server "the last 30 s"
			[ -n "$LU2KD" ] && /lu2k/lu2kctl --socket /tmp/lu2kd.ctl stats 2>&1 |
				awk '/rx_(waits|alloc_fails|ring_full|stalls)|msgs_(ok|error)/ { printf "%s ", $0 }
				END { print "" }' | tr -s ' ' | sed "s/^/lu2kctl-$ROLE: /" >&3
			# its connection to the client (the bulk of reads): rate, RTT, resends
			[ -n "$LU2KD" ] && /lu2k/lu2kctl --socket /tmp/lu2kd.ctl conns 2>&1 |
				awk '/direction:/ { out = ($2 == "out") }
				out && /(rtt_us|send_rate_kbps|pkts_retrans|bytes_tx|queued):/ { printf "%s ", $0 }
				END { print "" }' | tr -s ' ' | sed "s/^/lu2kctl-$ROLE: out /" >&3
			continue
		fi
		cmd=$(timeout 30 nc -l -p 7787 < /dev/null 2> /dev/null)
		case $cmd in
		"kill "[0-9]*)
			lu2kd_kill
			say "lu2kd killed (kill -9, the client asked)"
			sleep "${cmd#kill }"
			lu2kd_start
			say "lu2kd restarted"
			;;
		esac
	done
}

# --- the server: MGS+MDT, then an OST, on osd-wbcfs
wbcfs_mount() { # wbcfs_mount MDT|OST DIR
	mkdir -p "$2"
	t0=$(now_cs)
	if ! OSD_WBC_TGT_TYPE=$1 OSD_WBC_INDEX=0 OSD_WBC_MGS_NID=$MGS OSD_WBC_PRIMARY_MDT=1 \
		OSD_WBC_FSNAME=$FS timeout 300 mount.lustre -v lustre-wbcfs "$2" > /tmp/mount-$1.out 2>&1; then
		cat /tmp/mount-$1.out >&3
		die "mount.lustre $1 on wbcfs"
	fi
	say "$1 on wbcfs mounted at $2 ($((($(now_cs) - t0) / 100)) s)"
}

server() {
	net_up eth0 $ADDR0
	lnet_up
	if [ "$SCEN" = routed ]; then
		run lnetctl net add --net tcp --if eth0
		run lnetctl route add --net "$TYPE" --gateway 10.77.2.2@tcp
	else
		run lnetctl net add --net "$TYPE" --if eth0
		# the MGS talks to itself on its own NID: lu2kd before the targets
		lu2kd_start
		# ksocklnd on the same link, for the comparison of the bench
		run lnetctl net add --net tcp --if eth0
	fi
	lustre_mods $SERVER_MODS
	wbcfs_mount MDT /mnt/mdt
	wbcfs_mount OST /mnt/ost
	# The MDT refuses clients (EAGAIN) until its OSP has connected to the
	# OST (mdt_obd_connect, KEY_OSP_CONNECTED), and a client refused so
	# tries again only on its pinger's next round, 25 s later: 27-29 s to
	# the first mount, where a later one takes 1.
	t0=$(now_cs)
	until lctl get_param -n osp.*.import 2> /dev/null | grep -q "state: FULL"; do
		[ $((($(now_cs) - t0) / 100)) -lt 120 ] || { say "the MDT's OSP not connected after 120 s"; break; }
		sleep 0.2
	done
	say "the MDT's OSP to the OST connected ($((($(now_cs) - t0) / 100)) s)"
	say "up: MGS $MGS, $(lnetctl net show | grep -c 'nid:') NIDs, lu2kd $BACKEND"
	serve
}

router() {
	net_up eth0 $ADDR0
	net_up eth1 $ADDR1
	lnet_up
	run lnetctl net add --net "$TYPE" --if eth0
	lu2kd_start
	run lnetctl net add --net tcp --if eth1
	run lnetctl set routing 1
	say "router: 10.77.1.2@$TYPE (lu2kd $BACKEND) and 10.77.2.2@tcp"
	serve
}

# --- the client
# lmount NID SECONDS: mount the file system whose MGS is at NID, retried while
# the server boots; then wait until the OST is in lfs df.
lmount() {
	end=$(($(date +%s) + $2))
	mkdir -p $MNT
	TRIES=1
	until timeout 150 mount.lustre "$1:/$FS" $MNT > /tmp/mount.out 2>&1; do
		[ "$(date +%s)" -ge $end ] && { cat /tmp/mount.out >&3; die "mount $1:/$FS"; }
		TRIES=$((TRIES + 1))
		sleep 5
	done
	until timeout 60 lfs df $MNT 2> /dev/null | grep -q "OST0000_UUID.*\[OST:0\]"; do
		[ "$(date +%s)" -ge $end ] && { lfs df $MNT >&3 2>&1; die "no OST in lfs df"; }
		sleep 3
	done
	# shellcheck disable=SC2086 # TUNE is a list of lctl arguments
	[ -z "$TUNE" ] || run lctl set_param $TUNE
	# the client's pipe to the OST and its read-ahead, as this mount has them
	[ -n "$TUNED_SHOWN" ] || say "client tunables: $(lctl get_param osc.*.max_pages_per_rpc \
		osc.*.max_rpcs_in_flight osc.*.max_dirty_mb osc.*.cur_grant_bytes mdc.*.max_rpcs_in_flight \
		llite.*.max_read_ahead_mb llite.*.max_read_ahead_per_file_mb 2> /dev/null |
		sed 's/^[a-z]*\.[^.]*\.//' | tr '\n' ' ')"
	TUNED_SHOWN=1
}

TUNED_SHOWN=
lumount() {
	sync
	run umount $MNT
}

# sources in /tmp (tmpfs): random data, one file per size
make_sources() {
	for s in $SIZES $KILL_SIZE; do
		[ -f /tmp/src.$s ] && continue
		b=$(bytes_of "$s")
		if [ "$b" -ge 1048576 ]; then
			dd if=/dev/urandom of=/tmp/src.$s bs=1M count=$((b / 1048576)) 2> /dev/null
		else
			dd if=/dev/urandom of=/tmp/src.$s bs="$b" count=1 2> /dev/null
		fi || die "source $s"
	done
	(cd /tmp && md5sum src.*) > /tmp/src.md5
	mkdir -p /tmp/small
	i=0
	while [ $i -lt "$NFILES" ]; do
		# 100 bytes to 8 KiB, as many small files are
		dd if=/dev/urandom of=/tmp/small/f$i bs=$((100 + (i * 797) % 8100)) count=1 2> /dev/null
		i=$((i + 1))
	done
	(cd /tmp/small && md5sum f*) > /tmp/small.md5
}

# timed_dd SRC DST: sets CS (centiseconds) for dd SRC DST with fsync
timed_dd() {
	t0=$(now_cs)
	timeout 900 dd if="$1" of="$2" bs=1M conv=fsync 2> /tmp/dd.out || {
		cat /tmp/dd.out >&3
		die "dd $1 -> $2"
	}
	CS=$(($(now_cs) - t0))
}

# write_files DIR: dd and cp every size into DIR, and the tar of small files
write_files() {
	mkdir -p "$1" || die "mkdir $1"
	for s in $SIZES; do
		timed_dd /tmp/src.$s "$1/dd.$s"
		b=$(bytes_of "$s")
		W_MBS=$(mb_s "$b" $CS) W_SIZE=$s
		say "dd write $s: $((CS / 100)).$((CS % 100 / 10)) s, $W_MBS MB/s"
		timeout 900 cp /tmp/src.$s "$1/cp.$s" || die "cp $s"
	done
	sync
	t0=$(now_cs)
	(tar -cf - -C /tmp small | tar -xf - -C "$1") || die "tar of $NFILES files into $1"
	t1=$(now_cs)
	sync
	TAR_CS=$(($(now_cs) - t0))
	say "tar of $NFILES small files: $((TAR_CS / 100)).$((TAR_CS % 100 / 10)) s ($(((t1 - t0) / 100)) s tar, the rest sync)"
}

# check_files DIR: after a remount (a cold cache), dd read of the largest
# file timed, then every checksum against the sources
check_files() {
	last=
	for s in $SIZES; do last=$s; done
	t0=$(now_cs)
	timeout 900 dd if="$1/dd.$last" of=/dev/null bs=1M 2> /dev/null || die "dd read $1/dd.$last"
	CS=$(($(now_cs) - t0))
	R_MBS=$(mb_s "$(bytes_of "$last")" $CS)
	say "dd read $last (cold cache): $((CS / 100)).$((CS % 100 / 10)) s, $R_MBS MB/s"
	for s in $SIZES; do
		for f in dd cp; do
			want=$(grep " src.$s\$" /tmp/src.md5 | cut -d' ' -f1)
			got=$(md5sum < "$1/$f.$s" | cut -d' ' -f1)
			[ "$want" = "$got" ] || die "md5 of $1/$f.$s: $got, want $want"
		done
	done
	(cd "$1/small" && md5sum -c /tmp/small.md5 > /tmp/md5c.out 2>&1) || {
		grep -v ': OK$' /tmp/md5c.out | head -n 10 >&3
		die "md5 of the small files in $1"
	}
	say "md5sum of $(echo $SIZES | wc -w) x 2 files and $NFILES small files: all match"
}

# kill -9 of a lu2kd during a write, this node's (c) or the server's (s, which
# the client asks over eth0): the write errors or waits; after a new lu2kd
# attaches the mount works and what completed is intact.
kill_test() { # kill_test c|s
	where=$1
	kf=$MNT/kill-$where.$KILL_SIZE
	dd if=/tmp/src.$KILL_SIZE of="$kf" bs=1M conv=fsync 2> /tmp/kill-dd.out &
	ddpid=$!
	sleep 2
	kill -0 $ddpid 2> /dev/null || say "note: the write ended before the kill (a fast link)"
	if [ "$where" = s ]; then
		i=0
		until echo "kill $KILL_WAIT" | timeout 10 nc -w 5 "${MGS%@*}" 7787 2> /dev/null; do
			i=$((i + 1))
			[ $i -gt 20 ] && die "the server does not take the kill request"
			sleep 1
		done
		say "the server's lu2kd killed during a $KILL_SIZE write, for $KILL_WAIT s"
	else
		lu2kd_kill
		say "lu2kd killed during a $KILL_SIZE write"
	fi
	sleep "$KILL_WAIT"
	if kill -0 $ddpid 2> /dev/null; then
		say "with lu2kd dead ${KILL_WAIT} s: the write waits"
	else
		wait $ddpid
		say "with lu2kd dead: the write ended (exit $?: $(tail -n 1 /tmp/kill-dd.out))"
	fi
	dmesg | grep -i 'lustre.*\(connection\|lost\|restored\|recover\)' | tail -n 4 |
		sed "s/^/dmesg-$ROLE: /" >&3
	t0=$(date +%s)
	if [ "$where" = c ]; then
		lu2kd_start
		say "lu2kd restarted"
	fi
	i=0
	while kill -0 $ddpid 2> /dev/null; do
		i=$((i + 1))
		[ $i -gt 120 ] && die "the write did not end 240 s after lu2kd came back"
		sleep 2
	done
	wait $ddpid
	ddrc=$?
	say "the write ended $(($(date +%s) - t0)) s after the restart (dd exit $ddrc)"
	# a new file: the mount works again
	timed_dd /tmp/src.1M $MNT/after-kill-$where.1M
	lumount
	lmount $MGS 300
	check_files $MNT/fs
	want=$(grep " src.1M\$" /tmp/src.md5 | cut -d' ' -f1)
	got=$(md5sum < $MNT/after-kill-$where.1M | cut -d' ' -f1)
	[ "$want" = "$got" ] || die "md5 of the file written after the restart"
	if [ $ddrc = 0 ]; then
		want=$(grep " src.$KILL_SIZE\$" /tmp/src.md5 | cut -d' ' -f1)
		got=$(md5sum < "$kf" | cut -d' ' -f1)
		[ "$want" = "$got" ] || die "md5 of the write that lu2kd's death interrupted: $got, want $want"
		say "the interrupted write completed, and its md5 matches"
	else
		say "the interrupted write failed (exit $ddrc), as Lustre may report it"
	fi
	dmesg | grep -i 'lustre.*\(connection\|lost\|restored\|evict\)' | tail -n 6 |
		sed "s/^/dmesg-$ROLE: /" >&3
}

client_up() {
	net_up eth0 $ADDR0
	lnet_up
	run lnetctl net add --net "$TYPE" --if eth0
	lu2kd_start
	[ "$SCEN" = routed ] && run lnetctl route add --net tcp --gateway "10.77.1.2@$TYPE"
	lustre_mods $CLIENT_MODS
	make_sources
	say "sources ready: $SIZES${KILL_SIZE:+ and $KILL_SIZE}, $NFILES small files"
	t0=$(date +%s)
	ping_wait "$MGS" 300
	# In fs the server listens on port 7787 once its MDT takes clients
	# (server()): a mount before that waits out Lustre's pinger (25 s).
	[ "$SCEN" != fs ] || until echo | timeout 10 nc -w 5 "${MGS%@*}" 7787 2> /dev/null; do
		[ $(($(date +%s) - t0)) -lt 300 ] || die "the server did not start serving in 300 s"
		sleep 1
	done
	t1=$(date +%s)
	lmount "$MGS" 400
	say "mounted $MGS:/$FS over $TYPE ($((t1 - t0)) s to the first LNet ping and the server ready, $(($(date +%s) - t1)) s to mount, $TRIES tries)"
}

client_fs() {
	client_up
	write_files $MNT/fs
	lumount
	lmount "$MGS" 120
	say "unmounted and mounted again"
	check_files $MNT/fs
	timeout 60 lfs df -h $MNT > /tmp/lfsdf.out 2>&1 || die "lfs df"
	grep -q "MDT0000_UUID" /tmp/lfsdf.out && grep -q "OST0000_UUID" /tmp/lfsdf.out ||
		{ cat /tmp/lfsdf.out >&3; die "lfs df lacks the MDT or the OST"; }
	sed "s/^/lfs-df: /" /tmp/lfsdf.out >&3
	say "RESULT lnd=lu2k-$BACKEND write_MBs=$W_MBS read_MBs=$R_MBS size=$W_SIZE tar_s=$((TAR_CS / 100)).$((TAR_CS % 100 / 10)) files=$NFILES md5=ok"
	kills=${LU2K_LUSTRE_KILL-c s}
	case $kills in
	1) kills="c s" ;;
	0) kills= ;;
	esac
	if [ "$SCEN" = fs ]; then
		for where in $kills; do
			case $where in
			c | s) kill_test "$where" ;;
			*) die "LU2K_LUSTRE_KILL: '$where' is neither c nor s" ;;
			esac
		done
	fi
	lumount
}

# --- bench: over lu2k, then over ksocklnd on the same link. Every operation is
# bounded (LIMIT s): ksocklnd may not finish at all on a long lossy link, and
# a Lustre write stuck on a bad link cannot be killed. An unfinished one is
# measured by what LNet moved meanwhile.
lnet_bytes() { # lnet_bytes send|recv: this node's LNet payload bytes so far
	lnetctl stats show | awk -v k="$1_length:" '$1 == k { print $2; exit }'
}

# bounded send|recv SECONDS CMD...: sets DONE (0: still running after
# SECONDS), CS, NETB
bounded() {
	bdir=$1
	blim=$2
	shift 2
	b0=$(lnet_bytes "$bdir")
	cpu_mark
	t0=$(now_cs)
	"$@" > /tmp/bounded.out 2>&1 &
	bp=$!
	bend=$((t0 + blim * 100))
	while kill -0 $bp 2> /dev/null && [ "$(now_cs)" -lt $bend ]; do sleep 0.1; done
	CS=$(($(now_cs) - t0))
	NETB=$(($(lnet_bytes "$bdir") - b0))
	if kill -0 $bp 2> /dev/null; then
		DONE=0
		STUCK=1
	else
		wait $bp || { cat /tmp/bounded.out >&3; die "$*"; }
		DONE=1
	fi
}

# How busy this VM's one vCPU was during an operation, and lu2kd's share: a
# vCPU near 100 % busy means the figure is TCG's, not the link's.
cpu_ticks() { # "busy total lu2kd" in clock ticks so far
	lt=0
	[ -n "$LU2KD" ] && [ -r /proc/$LU2KD/stat ] &&
		lt=$(awk '{ print $14 + $15 }' /proc/$LU2KD/stat)
	awk -v lt="$lt" '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t - $5 - $6, t, lt; exit }' /proc/stat
}
cpu_mark() { CPU0=$(cpu_ticks); }
cpu_report() { # cpu_report LND OP
	# shellcheck disable=SC2046,SC2086 # two lists of three numbers
	set -- "$1" "$2" $CPU0 $(cpu_ticks)
	[ "$4" -lt "$7" ] || return 0
	say "$1: $2: vCPU busy $(((${6} - ${3}) * 100 / (${7} - ${4}))) %, lu2kd $(((${8} - ${5}) * 100 / (${7} - ${4}))) %"
}

# rpc_flight LND: the OSC's bulk RPCs since the last clear, by size and by how
# many were in flight when each left (Lustre's pipe to the OST)
rpc_flight() {
	lctl get_param -n osc.*.rpc_stats 2> /dev/null | awk '
		/^pages per rpc/ { sec = "pages" } /^rpcs in flight/ { sec = "flight" }
		/^offset/ { sec = "" }
		sec != "" && $1 ~ /^[0-9]+:$/ && ($2 + $6) > 0 {
			printf "%s %s r%d w%d; ", sec, $1, $2, $6 }
		END { print "" }' | sed "s/^/rpc-stats-$1: /" >&3
}

# result LND OP BYTES: the console line the demo's table is made of
result() {
	b=$3
	[ "$DONE" = 1 ] || b=$NETB
	secs=$(awk -v t="$CS" 'BEGIN { printf "%.1f", t / 100 }')
	if [ "$2" = tar ]; then
		say "RESULT lnd=$1 op=tar files=$NFILES secs=$secs done=$DONE"
		say "$1: tar of $NFILES small files: $secs s$([ $DONE = 1 ] || echo ' (unfinished)')"
	else
		say "RESULT lnd=$1 op=$2 bytes=$b secs=$secs done=$DONE MBs=$(mb_s "$b" "$CS")"
		say "$1: dd $2 of $3 bytes: $secs s, $(mb_s "$b" "$CS") MB/s$([ $DONE = 1 ] ||
			echo " (unfinished: $b bytes moved)")"
	fi
	cpu_report "$1" "$2"
}

lnet_count() { # lnet_count send|recv: this node's LNet messages so far
	lnetctl stats show | awk -v k="$1_count:" '$1 == k { print $2; exit }'
}

# What the small files cost: every RPC the client sent during the tar (the
# rpctrace debug log), in order, with its start and its wait, and the totals
# by type; the LNet messages both ways. The first RPCS_SHOWN are listed.
RPCS_SHOWN=${LU2K_LUSTRE_RPCS_SHOWN:-40}
rpc_clear() {
	lctl set_param -n debug=+rpctrace > /dev/null 2>&1
	lctl clear > /dev/null 2>&1
	RS0=$(lnet_count send) RR0=$(lnet_count recv)
}
rpc_report() { # rpc_report LND
	s=$(($(lnet_count send) - RS0)) r=$(($(lnet_count recv) - RR0))
	say "$1: LNet messages during the tar of $NFILES files: $s sent, $r received"
	lctl dk > /tmp/dk.out 2>&1
	lctl set_param -n debug=-rpctrace > /dev/null 2>&1
	awk -v n="$NFILES" -v shown="$RPCS_SHOWN" '
		BEGIN {
			k = split("4 OST_WRITE 2 OST_SETATTR 5 OST_CREATE 6 OST_DESTROY 10 OST_PUNCH 16 OST_SYNC " \
				"33 MDS_GETATTR 34 MDS_GETATTR_NAME 35 MDS_CLOSE 36 MDS_REINT " \
				"37 MDS_READPAGE 41 MDS_GETXATTR 101 LDLM_ENQUEUE 103 LDLM_CANCEL " \
				"104 LDLM_BL_CALLBACK 400 OBD_PING", a, " ")
			for (i = 1; i < k; i += 2) name[a[i]] = a[i + 1]
		}
		/(Sending|Completed) RPC/ {
			split($0, h, ":")
			t = h[4] + 0
			m = $0
			sub(/.*:job /, "", m)
			split(m, f, ":")
			xid = f[4]
			op = (f[6] in name) ? name[f[6]] : "opc " f[6]
			if (t0 == "") t0 = t
			if ($0 ~ /Sending RPC/) { start[xid] = t; next }
			if (!(xid in start)) next
			d = t - start[xid]
			cnt[op]++; sum[op] += d; tot++; totd += d
			if (tot <= shown)
				printf "rpc %3d: at %7.3f s %-16s %s waited %6.3f s\n", tot, start[xid] - t0, op, f[1], d
			last = t
		}
		END {
			for (op in cnt)
				printf "%-16s %5d RPCs, %.2f a file, mean wait %.3f s\n", op, cnt[op], cnt[op] / n, sum[op] / cnt[op]
			if (tot)
				printf "all: %d RPCs in %.1f s, %.1f a file, waits summed %.1f s (mean %.3f s)\n", tot, last - t0, tot / n, totd, totd / tot
		}' /tmp/dk.out | sed "s/^/rpcs-$1: /" >&3
}

# tar_into DIR: the small files, then sync. Each file costs a chain of RPCs
# one after the other (doc/lustre.md): TAR_JOBS tars, each with its share of
# the files, run their chains side by side.
tar_into() {
	j=0
	tpids=
	while [ $j -lt "$TAR_JOBS" ]; do
		# shellcheck disable=SC2046,SC2086 # member names; TAR_OPTS is a list
		(tar -cf - -C /tmp $(cd /tmp && ls -d small/* | awk -v j=$j -v n="$TAR_JOBS" \
			'NR % n == j') | tar -xf - $TAR_OPTS -C "$1") &
		tpids="$tpids $!"
		j=$((j + 1))
	done
	trc=0
	for p in $tpids; do wait "$p" || trc=1; done
	[ $trc = 0 ] && sync
}

check_bench() { # check_bench DIR: md5 of the big file and the small files
	want=$(grep " src.$BENCH_SIZE\$" /tmp/src.md5 | cut -d' ' -f1)
	got=$(md5sum < "$1/big" | cut -d' ' -f1)
	[ "$want" = "$got" ] || die "md5 of $1/big: $got, want $want"
	(cd "$1/small" && md5sum -c /tmp/small.md5 > /tmp/md5c.out 2>&1) ||
		die "md5 of the small files in $1"
	say "RESULT lnd=$2 op=md5 ok=1"
}

client_bench() {
	SIZES=$BENCH_SIZE KILL_SIZE=
	big=$(bytes_of "$BENCH_SIZE")
	client_up
	lnd=lu2k-$BACKEND
	mkdir -p $MNT/lu2k
	lctl set_param -n osc.*.rpc_stats=clear > /dev/null 2>&1
	bounded send "$LIMIT" dd if=/tmp/src.$BENCH_SIZE of=$MNT/lu2k/big bs=1M conv=fsync
	result $lnd write "$big"
	rpc_flight $lnd
	[ $DONE = 1 ] || die "over lu2k, the $BENCH_SIZE write did not end in $LIMIT s"
	# the sending connection's view: its rate, RTT, losses and repairs
	/lu2k/lu2kctl --socket /tmp/lu2kd.ctl conns 2>&1 | sed "s/^/lu2kctl-$ROLE: /" >&3
	# small files cost round trips (create, write, close, chmod, utimes...):
	# on a 600 ms link seconds each, whatever the LND; lu2k has to finish
	# (its files are the reference), within 4 x LIMIT
	rpc_clear
	bounded send $((LIMIT * 4)) tar_into $MNT/lu2k
	result $lnd tar
	rpc_report $lnd
	/lu2k/lu2kctl --socket /tmp/lu2kd.ctl stats 2>&1 | sed "s/^/lu2kctl-$ROLE: /" >&3
	[ $DONE = 1 ] || die "over lu2k, the tar did not end in $((LIMIT * 4)) s"
	lumount
	lmount "$MGS" 300
	lctl set_param -n osc.*.rpc_stats=clear > /dev/null 2>&1
	bounded recv "$LIMIT" dd if=$MNT/lu2k/big of=/dev/null bs=1M
	result $lnd read "$big"
	rpc_flight $lnd
	[ $DONE = 1 ] || die "over lu2k, the $BENCH_SIZE read did not end in $LIMIT s"
	check_bench $MNT/lu2k $lnd
	lumount

	lnetctl net del --net "$TYPE" > /dev/null 2>&1 || die "net del $TYPE"
	lu2kd_stop
	run lnetctl net add --net tcp --if eth0
	ping_wait 10.77.1.2@tcp 120
	t0=$(date +%s)
	lmount 10.77.1.2@tcp 600
	say "mounted 10.77.1.2@tcp:/$FS over ksocklnd ($(($(date +%s) - t0)) s, $TRIES tries)"
	# the read first (the file written over lu2k, a cold cache): a write
	# left unfinished would hold the link
	STUCK=0
	bounded recv "$TCP_LIMIT" dd if=$MNT/lu2k/big of=/dev/null bs=1M
	result ksocklnd read "$big"
	mkdir -p $MNT/tcp
	bounded send "$TCP_LIMIT" dd if=/tmp/src.$BENCH_SIZE of=$MNT/tcp/big bs=1M conv=fsync
	result ksocklnd write "$big"
	if [ $STUCK = 0 ]; then
		rpc_clear
		bounded send $((TCP_LIMIT * 4)) tar_into $MNT/tcp
		result ksocklnd tar
		rpc_report ksocklnd
	fi
	if [ $STUCK = 0 ]; then
		lumount
		lmount 10.77.1.2@tcp 300
		check_bench $MNT/tcp ksocklnd
		lumount
	else
		say "ksocklnd: operations unfinished after $TCP_LIMIT s; the VM is stopped without unmounting"
		say "PASS"
		# sync (guest-init's) would wait for the stuck writes for ever
		echo o > /proc/sysrq-trigger
		sleep 60
	fi
}

say "scenario $SCEN, type $TYPE, back-end $BACKEND $LU2KD_OPTS, netem '$NETEM'"
case $SCEN-$ROLE in
*-s) server ;;
routed-r) router ;;
fs-c | routed-c) client_fs ;;
bench-c) client_bench ;;
esac
lu2kd_stop
say "PASS"
