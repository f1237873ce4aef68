#!/bin/bash
# The back-ends side by side on shaped links, in one qemu VM (TCG): two
# network namespaces joined by a veth pair with netem on both ends (half the
# RTT each way, the loss each way, a rate limit), one lu2kd per namespace and
# lu2k-perf (bulk PUT of 1 MiB messages, every payload verified) from A to B,
# for each back-end and each condition. Not part of ./scripts/test (it takes
# many minutes); figures go to doc/benchmarks.md by hand.
#
#   tests/vm/run-rds-bench.sh [BACKENDS]         default: "tcp udt rds"
#
# A back-end named NAME+keys runs NAME with node keys ([auth], made in the VM
# by lu2k-keygen): "rds rds+keys" compares sealed rds with plaintext rds.
#
# Environment: LU2K_BENCH_RTTS ("1 200 600", ms), LU2K_BENCH_LOSSES ("0 1", %),
# LU2K_BENCH_RATE (20mbit), LU2K_BENCH_TIME (20, seconds per run),
# LU2K_BENCH_CONC (16 messages in flight), LU2K_BENCH_MODES=1 (instead of the
# table: bulk 4 MiB and 4 KiB, get 4 MiB, ping and stream once per back-end at
# 20 ms / 0.2 %, each verified), LU2K_VM_TIMEOUT (qemu's limit,
# default 3000 s), LU2K_VM_KEEP=1 keeps the run folder. Prints one line per
# run, "bench: BACKEND RTT LOSS MBIT", and the console log's path.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
backends=${*:-tcp udt rds}

skip() { echo "bench: SKIP: $*"; exit 77; }
fail() { echo "bench: FAIL: $*"; exit 1; }

. "$top/tests/vm/vm-lib.sh"
vm_setup rds-bench
ubuild=$top/build/vm/user
timeout 600 make -s -j"$(nproc)" O="$ubuild" "$ubuild/bin/lu2kd" "$ubuild/bin/lu2kctl" \
	"$ubuild/bin/lu2k-perf" "$ubuild/bin/lu2k-keygen" >"$run/ubuild.log" 2>&1 ||
	{ cat "$run/ubuild.log"; fail "build"; }

root=$run/root
mkdir -p "$root"/{bin,sbin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,lu2k,mod}
cp /bin/busybox "$root/bin/busybox"
vm_copy_with_libs "$root" /usr/sbin/ip /usr/sbin/ip
vm_copy_with_libs "$root" /usr/sbin/tc /usr/sbin/tc
for p in lu2kd lu2kctl lu2k-perf lu2k-keygen; do
	vm_copy_with_libs "$root" "$ubuild/bin/$p" "/lu2k/$p"
done
: >"$root/mod/order"
for m in veth sch_netem rds_tcp; do vm_add_mod "$root" "$m"; done
flock -u 9
cp tests/vm/guest-init.sh "$root/init"
cp tests/vm/guest-rds-bench.sh "$root/lu2k/"
chmod +x "$root/init"
echo guest-rds-bench.sh >"$root/lu2k/main"
echo "$backends" >"$root/lu2k/tests"
echo "$((${LU2K_VM_TIMEOUT:-3000} - 20))" >"$root/lu2k/timeout"
{
	echo "export RTTS='${LU2K_BENCH_RTTS:-1 200 600}' LOSSES='${LU2K_BENCH_LOSSES:-0 1}'"
	echo "export RATE='${LU2K_BENCH_RATE:-20mbit}' SECS='${LU2K_BENCH_TIME:-20}'"
	echo "export CONC='${LU2K_BENCH_CONC:-16}' MODES='${LU2K_BENCH_MODES:-0}'"
} >"$root/lu2k/env"
vm_pack "$root"

log=$run/console.log
echo "bench: booting (backends: $backends; log $log)"
set +e
timeout -k 10 "${LU2K_VM_TIMEOUT:-3000}" qemu-system-x86_64 -accel tcg -machine q35 \
	-cpu max -smp 2 -m "${LU2K_VM_MEM:-2048}" -nographic -no-reboot -nodefaults \
	-serial stdio -kernel "$cache/boot/vmlinuz-$KVER" -initrd "$run/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4" </dev/null >"$log" 2>&1 &
pids=$!
wait $pids
set -e
pids=
grep -a '^bench: ' "$log" || true
cp "$log" "$top/build/vm/rds-bench-console.log"
echo "bench: console log in build/vm/rds-bench-console.log"
grep -q '^LU2K-VM: PASS' "$log" || fail "$(grep -a '^LU2K-VM' "$log" | tail -n 1)"
