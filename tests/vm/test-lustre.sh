#!/bin/bash
# The Lustre VM test run by tests/run.sh: a Lustre file system (MGS+MDT and an
# OST on osd-wbcfs) in one qemu VM, mounted over lu2k by another
# (tests/vm/run-lustre.sh fs): dd, cp and tar, remount, md5sum, lfs df, and a
# kill -9 of the server's lu2kd during a write (the client's too with
# LU2K_LUSTRE_KILL="c s": each costs a Lustre recovery, about a minute here, and
# the client's is also covered at the LNet level by test-lnet). The tcp back-end by default
# (LU2K_LNET_BACKENDS="tcp udt" for both, with a larger LU2K_TEST_TIMEOUT).
# Small files by default, and 50 of them in the tar (each costs Lustre's
# round trips: ~0.25 s here), to keep the suite short (LU2K_LUSTRE_SIZES and
# LU2K_LUSTRE_FILES to change them). Skips (77) where no built Lustre tree
# with servers is found.
set -uo pipefail
here=$(dirname "$0")
rc=0
for b in ${LU2K_LNET_BACKENDS:-tcp}; do
	echo "== Lustre over lu2k ($b)"
	LU2K_VM_TIMEOUT=${LU2K_VM_TIMEOUT:-480} LU2K_LNET_BACKEND=$b LU2K_LUSTRE_KILL=${LU2K_LUSTRE_KILL-s} \
		LU2K_LUSTRE_SIZES=${LU2K_LUSTRE_SIZES:-1K 64K 1M 16M} \
		LU2K_LUSTRE_FILES=${LU2K_LUSTRE_FILES:-50} "$here/run-lustre.sh" fs
	r=$?
	[ $r = 77 ] && exit 77
	[ $r = 0 ] || rc=1
done
exit $rc
