#!/bin/bash
# The LNet VM test run by tests/run.sh: LNet over lu2k between two qemu VMs
# (tests/vm/run-lnet.sh pair), over each back-end of LU2K_LNET_BACKENDS
# (default "tcp udt"), each VM pair bounded to 280 s so that both fit the
# suite's per-test limit. Skips (77) where no built Lustre tree is found.
set -uo pipefail
here=$(dirname "$0")
rc=0
for b in ${LU2K_LNET_BACKENDS:-tcp udt}; do
	echo "== pair over $b"
	LU2K_VM_TIMEOUT=${LU2K_VM_TIMEOUT:-280} LU2K_LNET_BACKEND=$b "$here/run-lnet.sh" pair
	r=$?
	[ $r = 77 ] && exit 77
	[ $r = 0 ] || rc=1
done
exit $rc
