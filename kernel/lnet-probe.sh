#!/bin/sh
# Prints the compiler flags of the LNet glue for the built Lustre tree $1:
# the tree's own include flags (from its Rules file, as its modules get them)
# and the LU2K_HAVE_* macros of lu2k_lnd_compat.h, each read off the tree's
# headers rather than inferred from a version number.
#
#   kernel/lnet-probe.sh /usr/src/lustre-2.17.0
set -eu
L=${1:?usage: lnet-probe.sh LUSTRE_TREE}
L=$(cd "$L" && pwd)
[ -f "$L/config.h" ] || { echo "lnet-probe: $L has no config.h (not configured?)" >&2; exit 1; }

# Include flags: the tree's Rules has what configure chose; else the usual set.
flags=
if [ -f "$L/Rules" ]; then
	flags=$(sed -n 's/^EXTRA_CFLAGS += //p' "$L/Rules" | tr ' ' '\n' |
		awk 'inc { print; inc = 0; next } /^-include$/ { printf "%s ", $0; inc = 1 }
		     /^-I/ { print }' | tr '\n' ' ')
fi
[ -n "$flags" ] || flags="-include $L/undef.h -include $L/config.h -I$L/libcfs/include \
-I$L/libcfs/include/libcfs -I$L/lnet/include/uapi -I$L/lnet/include -I$L/include"

types=
for f in "$L/lnet/include/lnet/lib-types.h" "$L/include/linux/lnet/lib-types.h"; do
	[ -f "$f" ] && types=$f && break
done
[ -n "$types" ] || { echo "lnet-probe: no lib-types.h in $L" >&2; exit 1; }
case $types in
*/include/linux/lnet/*) flags="$flags -DLU2K_HAVE_LINUX_LNET" ;;
esac
# The members of struct lnet_lnd, on one line each as LNet writes them.
lnd=$(awk '/^struct lnet_lnd \{/ { on = 1 } on { print } on && /^\};/ { exit }' "$types")
echo "$lnd" | grep -q '(\*lnd_get_timeout)' && flags="$flags -DLU2K_HAVE_LND_GET_TIMEOUT"
echo "$lnd" | tr -d '\n' | grep -q 'lnd_recv)([^;]*struct iov_iter' &&
	flags="$flags -DLU2K_HAVE_LND_RECV_ITER"
echo "$flags -DLU2K_LNET"
