#!/bin/bash
# The LNet VM test run by tests/run.sh: LNet over lu2k between two qemu VMs
# (tests/vm/run-lnet.sh pair), over each back-end of LU2K_LNET_BACKENDS
# (default "tcp": one pair of VMs takes most of the suite's 600 s per test;
# LU2K_LNET_BACKENDS="tcp udt" or "tcp rds" with a larger LU2K_TEST_TIMEOUT for both). Skips (77) where no built Lustre tree is found.
set -uo pipefail
here=$(dirname "$0")
rc=0
for b in ${LU2K_LNET_BACKENDS:-tcp}; do
	echo "== pair over $b"
	LU2K_VM_TIMEOUT=${LU2K_VM_TIMEOUT:-550} LU2K_LNET_BACKEND=$b "$here/run-lnet.sh" pair
	r=$?
	[ $r = 77 ] && exit 77
	[ $r = 0 ] || rc=1
done
exit $rc
