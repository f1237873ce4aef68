#!/bin/busybox sh
# /init of the lu2k test VMs (packed by tests/vm/run-vm.sh and run-lnet.sh):
# mounts, loads the kernel modules of /mod/order, runs /lu2k/main (default
# guest-tests.sh) with the arguments in /lu2k/tests under a timeout
# (/lu2k/timeout, default 280 s), prints "LU2K-VM: PASS" or "LU2K-VM: FAIL ..."
# and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/sbin:/lu2k
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /run/netns /var && ln -s /run /var/run
echo "LU2K-VM: init $(uname -r)"
for m in $(cat /mod/order); do
	insmod "/mod/$m" || echo "LU2K-VM: insmod $m failed"
done
/usr/sbin/ip link set lo up
main=$(cat /lu2k/main 2>/dev/null || echo guest-tests.sh)
timeout "$(cat /lu2k/timeout 2>/dev/null || echo 280)" sh "/lu2k/$main" $(cat /lu2k/tests)
rc=$?
if [ $rc = 0 ]; then
	echo "LU2K-VM: PASS"
else
	echo "LU2K-VM: FAIL (guest-tests exit $rc)"
fi
sync
poweroff -f
