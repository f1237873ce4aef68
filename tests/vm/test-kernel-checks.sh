#!/bin/bash
# Static checks of kernel/: the modules build with W=1 and -Werror, sparse (C=2)
# reports nothing, and checkpatch --strict is clean when its script is at hand
# (build/checkpatch/, or the linux-source tarball in /usr/src; else it says so).
set -uo pipefail
top=${LU2K_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
"$top/scripts/install-deps" build vm >/dev/null 2>&1 || true
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kdir" ]; then
	echo "no linux-headers-*-amd64 installed"
	exit 77
fi
fail=0
mkdir -p build
tmp=$(mktemp -d "$top/build/kchecks.XXXXXX")
out=$tmp/out
trap 'rm -rf "$tmp"' EXIT
# A private copy of kernel/ (no clash with another build of the tree).
mkdir "$tmp/kernel"
cp kernel/Kbuild kernel/Makefile kernel/*.[ch] "$tmp/kernel/"
rm -f "$tmp"/kernel/*.mod.c
k() { make -C "$tmp/kernel" KDIR="$kdir" LU2K_INCLUDE="$top/include" "$@"; }

# One build: W=1 with -Werror, and sparse over every file (C=2) when installed.
sparse=
command -v sparse >/dev/null && sparse="C=2"
if k W=1 KCFLAGS=-Werror $sparse modules >"$out" 2>&1 && ! grep -E 'warning:|error:' "$out"; then
	echo "kernel: W=1 -Werror build clean"
	if [ -n "$sparse" ]; then
		echo "kernel: sparse clean ($(grep -c ' CHECK ' "$out") files)"
	else
		echo "kernel: sparse not installed, not run"
	fi
else
	cat "$out"; echo "kernel: W=1/sparse build FAILED"; fail=1
fi
if [ -x build/checkpatch/scripts/checkpatch.pl ] || ls /usr/src/linux-source-*.tar.xz >/dev/null 2>&1
then
	kernel/checkpatch.sh || { echo "kernel: checkpatch FAILED"; fail=1; }
else
	echo "kernel: checkpatch not at hand (apt-get install linux-source-6.1), not run"
fi
exit $fail
