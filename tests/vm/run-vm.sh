#!/bin/bash
# Boots Debian's kernel in qemu (TCG, no KVM) with lu2klnd.ko, lu2k_selftest.ko,
# the channel test programs and (when built) lu2kd, and runs
# tests/vm/guest-tests.sh inside. Prints "vm: PASS" or "vm: FAIL ..." last.
#
#   tests/vm/run-vm.sh [TEST...]      tests: load loop kill timeout evil lu2kd (default: all)
#
# Exit 0 pass, 1 fail, 77 skip (qemu or the kernel image unavailable).
# Environment: LU2K_VM_TIMEOUT (qemu's limit, default 480 s), LU2K_VM_KEEP=1 keeps the
# staging directory, LU2K_VM_MEM (MiB, default 1024), KVER (default: the installed
# linux-headers-amd64's version); LU2K_FULL=1 and the other LU2K_VM_* variables are
# passed to the guest (guest-tests.sh lists them).
#
# Layout: build/vm/kernel-KVER/ caches the extracted linux-image package,
# build/vm/user/ holds a plain (non-sanitizer) build of the user-space tools, and
# build/vm/run.XXXX/ a copy of kernel/ built there, the initramfs being packed
# and the console log.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
tests=${*:-load loop kill timeout evil lu2kd}

skip() { echo "vm: SKIP: $*"; echo "$*"; exit 77; }
fail() { echo "vm: FAIL: $*"; exit 1; }

# 1. What the harness needs (a non-root run cannot install; then it skips).
if ! scripts/install-deps build vm; then
	skip "missing packages for the VM test (run scripts/install-deps vm as root)"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"

# 2. The kernel version: from the installed headers, never hard-coded.
. "$top/tests/vm/vm-lib.sh"
vm_kver 2>/dev/null || skip "no linux-headers-*-amd64 installed"
echo "vm: kernel $KVER"

# 3. The kernel image, extracted once from the Debian package into the cache.
# The cache and build/vm/user are shared by concurrent runs: one at a time
# updates them and takes its copies (lock released once the initramfs has them).
mkdir -p "$top/build/vm"
exec 9>"$top/build/vm/.lock"
flock -w 900 9 || fail "build/vm/.lock stayed taken"
vm_kernel_cache || skip "cannot download linux-image-$KVER"

# 4. Our modules and the user-space programs (a plain build: no ASan in the VM).
# A private copy of kernel/, so that two runs (or an editor's build) never collide.
run=$(mktemp -d "$top/build/vm/run.XXXXXX")
[ "${LU2K_VM_KEEP:-0}" = 1 ] || trap 'rm -rf "$run"' EXIT
mkdir -p "$run/kernel"
cp kernel/Kbuild kernel/Makefile kernel/*.[ch] "$run/kernel/"
rm -f "$run"/kernel/*.mod.c
timeout 600 make -s -C "$run/kernel" KDIR="/usr/src/linux-headers-$KVER" \
	LU2K_INCLUDE="$top/include" >"$run/kbuild.log" 2>&1 || { cat "$run/kbuild.log"; fail "kernel module build"; }
ubuild=$top/build/vm/user
progs="chan-loop chan-evil"
timeout 600 make -s -j"$(nproc)" O="$ubuild" "$ubuild/test-bin/chan-loop" "$ubuild/test-bin/chan-evil" \
	>/dev/null || fail "user-space build (chan-loop chan-evil)"
# lu2kd is another part of the tree: without it the lu2kd test says so and passes.
if [ -f daemon/build.mk ] && grep -q 'lu2k_prog,lu2kd' daemon/build.mk; then
	if timeout 600 make -s -j"$(nproc)" O="$ubuild" "$ubuild/bin/lu2kd" "$ubuild/bin/lu2kctl" \
		"$ubuild/bin/lu2k-keygen" >"$ubuild/lu2kd-build.log" 2>&1
	then
		progs="$progs lu2kd lu2kctl lu2k-keygen"
	else
		echo "vm: lu2kd does not build (see $ubuild/lu2kd-build.log); its test is skipped"
	fi
fi

# 5. The initramfs.
root=$run/root
mkdir -p "$root"/{bin,sbin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,lu2k,mod}
cp /bin/busybox "$root/bin/busybox"

vm_copy_with_libs "$root" /usr/sbin/ip /usr/sbin/ip
vm_copy_with_libs "$root" /usr/sbin/tc /usr/sbin/tc
for p in $progs; do
	src=$ubuild/bin/$p
	[ -x "$src" ] || src=$ubuild/test-bin/$p # chan-loop, chan-evil: test programs
	vm_copy_with_libs "$root" "$src" "/lu2k/$p"
done
flock -u 9
cp "$run/kernel/lu2klnd.ko" "$run/kernel/lu2k_selftest.ko" "$root/mod/"

# Kernel modules from the image, each after what it depends on (modules.dep order).
: >"$root/mod/order"
# rds_tcp (and rds) for the rds back-end's test in guest-lu2kd.sh.
for m in veth sch_netem rds_tcp; do vm_add_mod "$root" "$m"; done

cp tests/vm/guest-init.sh "$root/init"
cp tests/vm/guest-tests.sh tests/vm/guest-lu2kd.sh "$root/lu2k/"
chmod +x "$root/init" "$root/lu2k/guest-tests.sh"
echo "$tests" >"$root/lu2k/tests"
# Settings for the guest: LU2K_FULL and LU2K_VM_* variables (see guest-tests.sh).
env | grep -E '^(LU2K_FULL|LU2K_VM_[A-Z0-9_]+)=' | sed "s/=\(.*\)/='\1'/; s/^/export /" \
	>"$root/lu2k/env" || true
vm_pack "$root"

# 6. Boot. The guest powers off when done; panics (oops=panic, panic_on_warn) end
# qemu at once (-no-reboot with panic=-1).
log=$run/console.log
# Slab red zones, poisoning and free-pointer checks catch overruns and use after free.
debug="slub_debug=FZPU init_on_free=1"
echo "vm: booting ($(du -h "$run/initrd.gz" | cut -f1) initramfs, tests: $tests)"
set +e
timeout -k 10 "${LU2K_VM_TIMEOUT:-480}" qemu-system-x86_64 -accel tcg -machine q35 \
	-cpu max -smp 2 -m "${LU2K_VM_MEM:-1024}" -nographic -no-reboot -nodefaults \
	-serial stdio -kernel "$cache/boot/vmlinuz-$KVER" -initrd "$run/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet loglevel=4 $debug" \
	</dev/null 2>&1 | tee "$log"
qrc=${PIPESTATUS[0]}
set -e
vm_oopsed "$log" &&
	fail "guest kernel panic/oops/warning or slab corruption (see above)"
if grep -q '^LU2K-VM: PASS' "$log"; then
	echo "vm: PASS ($tests)"
	exit 0
fi
noqemu=$(vm_no_qemu "$log") && skip "qemu cannot run here: $noqemu"
[ "$qrc" = 124 ] && fail "qemu timed out after ${LU2K_VM_TIMEOUT:-480}s"
grep -q '^LU2K-VM: FAIL' "$log" && fail "$(grep '^LU2K-VM: FAIL' "$log" | tail -n 1)"
fail "no result from the guest (qemu exit $qrc)"
