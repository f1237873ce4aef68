#!/bin/bash
# A Lustre file system over lu2k in qemu VMs: Debian's kernel, a built Lustre
# tree with servers (its LNet, ksocklnd, the client and server modules,
# osd-wbcfs, mount.lustre, lctl, lfs, lnetctl), lu2klnd.ko built with its LNet
# glue against that tree, and lu2kd. The VMs are joined by qemu UDP socket
# links on loopback; each runs tests/vm/guest-lustre.sh in its role:
#
#   fs      VM c ==[eth0]== VM s        mount, dd/cp/tar, remount, md5sum,
#                                       lfs df, kill -9 of the client's lu2kd,
#                                       then of the server's
#   bench   VM c ======== VM s          dd and tar over lu2k, then ksocklnd
#   routed  VM c ==== VM r ---- VM s    c (lu2k) - r (LNet router) - s (tcp)
#
# s is the server: MGS+MDT and an OST on osd-wbcfs (memory, no disk), 2 GiB.
# c is the client (1 GiB) and drives; r routes (768 MiB).
#
#   tests/vm/run-lustre.sh [SCENARIO]         default: fs
#
# Exit 0 pass, 1 fail, 77 skip (no built Lustre tree with servers, qemu or a
# kernel image). Environment: LUSTRE (the tree; else the newest built
# /usr/src/lustre-* with osd_wbcfs.ko), LU2K_LNET_TYPE (gip),
# LU2K_LNET_BACKEND (tcp), LU2K_LU2KD_OPTS, LU2K_LUSTRE_SIZES ("1K 64K 1M
# 16M"), LU2K_LUSTRE_FILES (200), LU2K_LUSTRE_KILL ("c s": whose lu2kd
# fs kills; "" none), LU2K_LUSTRE_KILL_SIZE
# (32M), LU2K_LUSTRE_KILL_WAIT (10), LU2K_VM_NETEM ("delay 5ms"),
# LU2K_VM_TIMEOUT (qemu's limit, 900 s), LU2K_VM_KEEP=1 keeps
# build/vm/lustre.XXXX (consoles: console-ROLE.log). The client's lines
# "RESULT ..." carry the figures (scripts/demo-lustre reads them).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
scenario=${1:-fs}
type=${LU2K_LNET_TYPE:-gip}
vmtime=${LU2K_VM_TIMEOUT:-900}

skip() { echo "lustre-vm: SKIP: $*"; echo "$*"; exit 77; }
fail() { echo "lustre-vm: FAIL: $*"; exit 1; }

case $scenario in
fs | bench) roles="s c" ;;
routed) roles="s r c" ;;
*) fail "unknown scenario '$scenario' (fs, bench, routed)" ;;
esac

# 1. A built Lustre tree with servers (never in the repo: doc/lnet.md, doc/lustre.md).
lustre_ok() { # lustre_ok DIR: built with servers (osd-wbcfs), and knows $type
	[ -f "$1/Module.symvers" ] && [ -f "$1/lnet/lnet/lnet.ko" ] &&
		[ -f "$1/lustre/osd-wbcfs/osd_wbcfs.ko" ] && [ -f "$1/lustre/mdt/mdt.ko" ] &&
		[ -f "$1/lustre/utils/mount_osd_wbcfs.so" ] &&
		[ -x "$1/lustre/utils/.libs/mount.lustre" ] && [ -x "$1/lustre/utils/.libs/lfs" ] &&
		[ -x "$1/lnet/utils/.libs/lnetctl" ] || return 1
	[ "$type" != lu2k ] || grep -q LU2KLND "$1/lnet/include/uapi/linux/lnet/nidstr.h"
}
. "$top/tests/vm/vm-lib.sh"
vm_find_lustre "$type" lustre_ok
[ -n "$L" ] || [ -z "${LUSTRE:-}" ] ||
	skip "LUSTRE=$LUSTRE is not a built Lustre tree with servers (osd-wbcfs)$([ "$type" = lu2k ] && echo " that knows the lu2k type")"
[ -n "$L" ] || skip "no built Lustre tree with servers (\$LUSTRE, /usr/src/lustre-*: configure --enable-server --disable-ldiskfs --without-zfs, see doc/lustre.md)"
echo "lustre-vm: Lustre tree $L, scenario $scenario, type $type, back-end ${LU2K_LNET_BACKEND:-tcp}"

# 2. The kernel image, lu2klnd.ko with the glue, lu2kd (plain builds), under
# the lock the other VM harnesses take.
vm_setup lustre
trap 'exit 130' INT TERM
vm_build "$run" || fail "building lu2klnd or lu2kd (above)"

# 3. One initramfs for every VM.
root=$run/root
mkdir -p "$root"/{bin,sbin,usr/sbin,usr/lib/lustre,lib,lib64,proc,sys,dev,tmp,run,etc,mnt,lu2k,mod/lustre}
cp /bin/busybox "$root/bin/busybox"
for p in ip tc; do vm_copy_with_libs "$root" "/usr/sbin/$p" "/usr/sbin/$p"; done
for p in lu2kd lu2kctl; do vm_copy_with_libs "$root" "$ubuild/bin/$p" "/lu2k/$p"; done
# libtool leaves the real programs in .libs/, without a path to their libraries.
lnetlib=$(ls "$L"/lnet/utils/lnetconfig/.libs/liblnetconfig.so.? | head -n 1)
apilib=$(ls "$L"/lustre/utils/.libs/liblustreapi.so.? | head -n 1)
for l in "$lnetlib" "$apilib"; do
	LD_LIBRARY_PATH=$(dirname "$lnetlib"):$(dirname "$apilib") vm_copy_with_libs "$root" "$l" \
		"/lib/x86_64-linux-gnu/$(basename "$l")"
done
libpath=$(dirname "$lnetlib"):$(dirname "$apilib")
LD_LIBRARY_PATH=$libpath vm_copy_with_libs "$root" "$L/lnet/utils/.libs/lnetctl" /usr/sbin/lnetctl
for p in lctl lfs mount.lustre; do
	LD_LIBRARY_PATH=$libpath vm_copy_with_libs "$root" "$L/lustre/utils/.libs/$p" "/usr/sbin/$p"
done
ln -s /usr/sbin/mount.lustre "$root/sbin/mount.lustre"
# mount.lustre dlopen()s its OSD's plugin from $(libdir)/lustre
vm_copy_with_libs "$root" "$L/lustre/utils/mount_osd_wbcfs.so" /usr/lib/lustre/mount_osd_wbcfs.so
# else mount.lustre takes a remount for a mount that is still there
ln -s /proc/mounts "$root/etc/mtab"
flock -u 9
# Lustre's modules carry full debug information: not into a RAM disk.
mods="libcfs/libcfs/libcfs lnet/lnet/lnet lnet/klnds/socklnd/ksocklnd lustre/obdclass/obdclass
	lustre/ptlrpc/ptlrpc lustre/fld/fld lustre/fid/fid lustre/lov/lov lustre/osc/osc
	lustre/mdc/mdc lustre/lmv/lmv lustre/mgc/mgc lustre/llite/lustre lustre/quota/lquota
	lustre/osd-wbcfs/osd_wbcfs lustre/lfsck/lfsck lustre/mgs/mgs lustre/mdd/mdd lustre/mdt/mdt
	lustre/lod/lod lustre/osp/osp lustre/ofd/ofd"
lustre_names=" lu2klnd "
for m in $mods; do
	strip --strip-debug -o "$root/mod/lustre/$(basename "$m").ko" "$L/$m.ko"
	lustre_names="$lustre_names$(basename "$m") "
done
cp "$run/kernel/lu2klnd.ko" "$root/mod/lustre/"
: >"$root/mod/order"
# What Lustre needs of the kernel (sunrpc, crc-t10dif...), and the VM's network.
for m in $(for k in $mods; do modinfo -F depends "$L/$k.ko"; done | tr ',' '\n' | sort -u) \
	virtio_pci virtio_net sch_netem; do
	case $lustre_names in *" $m "*) continue ;; esac
	vm_add_mod "$root" "$m"
done
cp tests/vm/guest-init.sh "$root/init"
cp tests/vm/guest-lustre.sh tests/vm/guest-lib.sh "$root/lu2k/"
chmod +x "$root/init"
echo guest-lustre.sh >"$root/lu2k/main"
echo $((vmtime - 20)) >"$root/lu2k/timeout"
: >"$root/lu2k/tests"
{
	echo "export LU2K_LUSTRE_SCENARIO='$scenario' LU2K_LNET_TYPE='$type'"
	env | grep -E '^(LU2K_LNET_BACKEND|LU2K_LU2KD_OPTS|LU2K_LUSTRE_[A-Z_]*|LU2K_VM_NETEM)=' |
		sed "s/=\(.*\)/='\1'/; s/^/export /" || true
} >"$root/lu2k/env"
vm_pack "$root"

# 4. The links: a qemu UDP socket pair per link, on free loopback ports.
pa=$(vm_free_port) pb=$(vm_free_port) pc=$(vm_free_port) pd=$(vm_free_port)
declare -A nics mem
case $scenario in
fs | bench)
	nics[c]="$pa:$pb"
	nics[s]="$pb:$pa" ;;
routed)
	nics[c]="$pa:$pb"
	nics[r]="$pb:$pa $pc:$pd"
	nics[s]="$pd:$pc" ;;
esac
mem[s]=2048 mem[c]=1024 mem[r]=768

# 5. Boot, the server first.
echo "lustre-vm: booting $roles ($(du -h "$run/initrd.gz" | cut -f1) initramfs, limit $vmtime s)"
t0=$SECONDS
n=1
for r in $roles; do
	vm_boot "$r" $n "${mem[$r]}" "$vmtime" 78
	n=$((n + 1))
	sleep 1
done
# The client's progress as it comes (the demo shows it).
tail --pid="$pid_c" -n +1 -F "$run/console-c.log" 2>/dev/null |
	grep --line-buffered -a '^lustre-c' &
set +e
wait "$pid_c"
qrc=$?
set -e
sleep 1
for r in $roles; do
	echo "---- VM $r"
	grep -a "^lustre-\|^LU2K-VM\|^lfs-df\|^dmesg-\|^lu2kd-\|^lu2kctl-\|^rpcs-\|^rpc-stats-\|^lnet-stats\|^lctl-dl\|lu2klnd\|LNetError\|LustreError\|BUG\|WARNING\|panic" \
		"$run/console-$r.log" | grep -v "^LU2K-VM: insmod" | tail -n 250 || true
done
echo "lustre-vm: $((SECONDS - t0)) s from boot to the client's end"
for r in $roles; do
	vm_oopsed "$run/console-$r.log" &&
		fail "VM $r: kernel panic/oops/warning (console-$r.log)"
done
# The client's own PASS counts too: the bench powers its VM off at once when
# ksocklnd left writes stuck (guest-init's sync would wait for them).
if grep -q '^LU2K-VM: PASS' "$run/console-c.log" ||
	grep -aq '^lustre-c\[[0-9]*s\]: PASS' "$run/console-c.log"; then
	echo "lustre-vm: PASS ($scenario, $type, ${LU2K_LNET_BACKEND:-tcp})"
	exit 0
fi
noqemu=$(vm_no_qemu "$run/console-c.log") && skip "qemu cannot run here: $noqemu"
[ "$qrc" = 124 ] && fail "qemu timed out after $vmtime s"
fail "$(grep -a 'FAIL' "$run/console-c.log" | tail -n 1)"
