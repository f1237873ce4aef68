#!/bin/bash
# The LNet VM test run by tests/run.sh: LNet over lu2k between two qemu VMs
# (tests/vm/run-lnet.sh pair), over each back-end of LU2K_LNET_BACKENDS
# (default "tcp": one pair of VMs takes most of the suite's 600 s per test;
# LU2K_LNET_BACKENDS="tcp udt" or "tcp rds" with a larger LU2K_TEST_TIMEOUT for both).
# LU2K_LNET_SCENARIOS="pair routed" adds the routed case (three VMs, ~3 min
# each) for every back-end. Skips (77) where no built Lustre tree is found.
set -uo pipefail
here=$(dirname "$0")
rc=0
for s in ${LU2K_LNET_SCENARIOS:-pair}; do
	for b in ${LU2K_LNET_BACKENDS:-tcp}; do
		echo "== $s over $b"
		LU2K_VM_TIMEOUT=${LU2K_VM_TIMEOUT:-550} LU2K_LNET_BACKEND=$b "$here/run-lnet.sh" "$s"
		r=$?
		[ $r = 77 ] && exit 77
		[ $r = 0 ] || rc=1
	done
done
exit $rc
