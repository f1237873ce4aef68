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
# A task stuck in D state for 30 s has its stack on the console (loglevel 7).
echo 30 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
timeout "$(cat /lu2k/timeout 2>/dev/null || echo 280)" sh "/lu2k/$main" $(cat /lu2k/tests)
rc=$?
if [ $rc = 143 ] || [ $rc = 124 ]; then
	# Out of time: what every blocked task is waiting for.
	echo "LU2K-VM: timed out; blocked tasks:"
	echo 7 >/proc/sys/kernel/printk
	echo w >/proc/sysrq-trigger
	ps -o pid,stat,args 2>/dev/null | grep -v ' S ' | head -n 30
fi
if [ $rc = 0 ]; then
	echo "LU2K-VM: PASS"
else
	echo "LU2K-VM: FAIL (guest-tests exit $rc)"
fi
sync
poweroff -f
