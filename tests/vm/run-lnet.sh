#!/bin/bash
# LNet over lu2k in qemu VMs: Debian's kernel, a built Lustre tree's LNet
# (libcfs, lnet, lnet_selftest, ksocklnd, lnetctl, lst), lu2klnd.ko built with
# its LNet glue against that tree, and lu2kd. The VMs are joined by qemu UDP
# socket links on loopback; each runs tests/vm/guest-lnet.sh in its role:
#
#   pair    VM a ==[eth0]== VM b            lnetctl, ping, lst, kill -9 of lu2kd
#   routed  VM a ==== VM r ---- VM c        r routes between the lu2k net and tcp
#   bench   VM a ==== VM b                  lst brw write over lu2k, then ksocklnd
#   ipv6    VM a ==== VM b                  IPv6 NIDs (LU2K_LNET_TYPE=lu2k): ping
#
#   tests/vm/run-lnet.sh [SCENARIO]         default: pair
#
# Exit 0 pass, 1 fail, 77 skip (no built Lustre tree, qemu or a kernel image).
# Environment: LUSTRE (the tree; else the newest /usr/src/lustre-* that is built
# and, for LU2K_LNET_TYPE=lu2k, knows the lu2k type), LU2K_LNET_TYPE (gip),
# LU2K_LNET_BACKEND (udt; tcp, or rds: rds_tcp is then loaded), LU2K_LNET_TIME (lst seconds, 10), LU2K_LNET_CONCURRENCY (8),
# LU2K_LNET_BENCH ("lu2k ksocklnd"), LU2K_VM_NETEM
# ("delay 5ms"), LU2K_VM_TIMEOUT (qemu's limit, 600 s), LU2K_VM_MEM (MiB, 768),
# LU2K_VM_KEEP=1 keeps build/vm/lnet.XXXX (consoles: console-ROLE.log).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
scenario=${1:-pair}
type=${LU2K_LNET_TYPE:-gip}

skip() { echo "lnet-vm: SKIP: $*"; echo "$*"; exit 77; }
fail() { echo "lnet-vm: FAIL: $*"; exit 1; }

case $scenario in
pair | bench | ipv6) roles="a b" ;;
routed) roles="a r c" ;;
*) fail "unknown scenario '$scenario' (pair, routed, bench, ipv6)" ;;
esac

# 1. A built Lustre tree (never in the repo: see doc/lnet.md for building one).
lustre_ok() { # lustre_ok DIR: built, and knows $type
	[ -f "$1/Module.symvers" ] && [ -f "$1/lnet/lnet/lnet.ko" ] &&
		[ -x "$1/lnet/utils/.libs/lnetctl" ] && [ -x "$1/lnet/utils/.libs/lst" ] || return 1
	[ "$type" != lu2k ] || grep -q LU2KLND "$1/lnet/include/uapi/linux/lnet/nidstr.h"
}
. "$top/tests/vm/vm-lib.sh"
vm_find_lustre "$type" lustre_ok
[ -n "$L" ] || [ -z "${LUSTRE:-}" ] || skip "LUSTRE=$LUSTRE is not a built Lustre tree${type:+ with type $type}"
[ -n "$L" ] || skip "no built Lustre tree (\$LUSTRE, /usr/src/lustre-*)$([ "$type" = lu2k ] &&
	echo ' with the lu2k type (scripts/lnet-add-lu2k-type)'); see doc/lnet.md"
echo "lnet-vm: Lustre tree $L, scenario $scenario, type $type"

# 2. The kernel image, lu2klnd.ko with the glue, lu2kd (plain builds), under
# the lock the other VM harnesses take.
vm_setup lnet
vm_build "$run" || fail "building lu2klnd or lu2kd (above)"

# 3. One initramfs for every VM.
root=$run/root
mkdir -p "$root"/{bin,sbin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,lu2k,mod/lustre}
cp /bin/busybox "$root/bin/busybox"
for p in ip tc; do vm_copy_with_libs "$root" "/usr/sbin/$p" "/usr/sbin/$p"; done
for p in lu2kd lu2kctl; do vm_copy_with_libs "$root" "$ubuild/bin/$p" "/lu2k/$p"; done
# libtool leaves the real programs in .libs/, without a path to their library.
lnetlib=$(ls "$L"/lnet/utils/lnetconfig/.libs/liblnetconfig.so.? | head -n 1)
vm_copy_with_libs "$root" "$lnetlib" "/lib/x86_64-linux-gnu/$(basename "$lnetlib")"
for p in lnetctl lst; do
	LD_LIBRARY_PATH=$(dirname "$lnetlib") vm_copy_with_libs "$root" "$L/lnet/utils/.libs/$p" "/usr/sbin/$p"
done
flock -u 9
# Lustre's modules carry full debug information: not into a RAM disk.
for m in libcfs/libcfs/libcfs lnet/lnet/lnet lnet/selftest/lnet_selftest \
	lnet/klnds/socklnd/ksocklnd; do
	strip --strip-debug -o "$root/mod/lustre/$(basename "$m").ko" "$L/$m.ko"
done
cp "$run/kernel/lu2klnd.ko" "$root/mod/lustre/"
: >"$root/mod/order"
# What LNet needs of the kernel, and the VM's network.
rdsmod=
[ "${LU2K_LNET_BACKEND:-udt}" = rds ] && rdsmod=rds_tcp
for m in $(modinfo -F depends "$L"/lnet/lnet/lnet.ko | tr ',' ' ') virtio_pci virtio_net \
	sch_netem $rdsmod; do
	case $m in libcfs) continue ;; esac
	vm_add_mod "$root" "$m"
done
cp tests/vm/guest-init.sh "$root/init"
cp tests/vm/guest-lnet.sh "$root/lu2k/"
chmod +x "$root/init"
echo guest-lnet.sh >"$root/lu2k/main"
echo $((${LU2K_VM_TIMEOUT:-600} - 20)) >"$root/lu2k/timeout"
: >"$root/lu2k/tests"
{
	echo "export LU2K_LNET_SCENARIO='$scenario' LU2K_LNET_TYPE='$type'"
	env | grep -E '^(LU2K_LNET_(BACKEND|TIME|DEBUG|CONCURRENCY|BENCH|TXN_TIMEOUT)|LU2K_VM_NETEM)=' |
		sed "s/=\(.*\)/='\1'/; s/^/export /" || true
} >"$root/lu2k/env"
vm_pack "$root"

# 4. The links: a qemu UDP socket pair per link, on free loopback ports.
pa=$(vm_free_port) pb=$(vm_free_port) pc=$(vm_free_port) pd=$(vm_free_port)
declare -A nics
case $scenario in
pair | bench | ipv6)
	nics[a]="$pa:$pb"
	nics[b]="$pb:$pa" ;;
routed)
	nics[a]="$pa:$pb"
	nics[r]="$pb:$pa $pc:$pd"
	nics[c]="$pd:$pc" ;;
esac

# 5. Boot.
echo "lnet-vm: booting $roles ($(du -h "$run/initrd.gz" | cut -f1) initramfs)"
n=1
for r in $roles; do
	vm_boot "$r" $n "${LU2K_VM_MEM:-768}" "${LU2K_VM_TIMEOUT:-600}" 77
	n=$((n + 1))
	sleep 1
done
set +e
wait "$pid_a"
qrc=$?
set -e
sleep 1
for r in $roles; do
	echo "---- VM $r"
	grep -a "^lnet-\|^LU2K-VM\|lu2klnd\|LNetError\|Lustre\|BUG\|WARNING\|panic" \
		"$run/console-$r.log" | grep -v "^LU2K-VM: insmod" || true
done
for r in $roles; do
	vm_oopsed "$run/console-$r.log" &&
		fail "VM $r: kernel panic/oops/warning (console-$r.log)"
done
if grep -q '^LU2K-VM: PASS' "$run/console-a.log"; then
	echo "lnet-vm: PASS ($scenario, $type, ${LU2K_LNET_BACKEND:-udt})"
	exit 0
fi
# What each node reported of its own state (lu2kd's log, lu2kctl, dmesg):
# a failed run's only evidence once the VMs are gone
for r in $roles; do
	echo "---- VM $r: its reports"
	grep -a "^lu2kd-$r: \|^lu2kctl-$r: \|^dmesg-$r: \|^msgs-$r: " "$run/console-$r.log" |
		tail -n 400 || true
done
noqemu=$(vm_no_qemu "$run/console-a.log") && skip "qemu cannot run here: $noqemu"
[ "$qrc" = 124 ] && fail "qemu timed out after ${LU2K_VM_TIMEOUT:-600}s"
fail "$(grep -a '^LU2K-VM: FAIL\|FAIL:' "$run/console-a.log" | tail -n 1)"
