#!/bin/bash
# Runs the kernel's checkpatch.pl over kernel/ (make -C kernel style).
#
# Debian ships no checkpatch package: the script, spelling.txt and
# const_structs.checkpatch are extracted once from the linux-source-6.1 tarball
# into build/checkpatch/ (installing linux-source-6.1 if needed, as root).
# Nothing extracted is committed.
#
#   kernel/checkpatch.sh [FILE...]      default: kernel/*.[ch]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dst=$top/build/checkpatch
cp=$dst/scripts/checkpatch.pl

if [ ! -x "$cp" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$tarball" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "checkpatch: install linux-source-6.1 (as root) first" >&2
			exit 1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			linux-source-6.1 >/dev/null
		tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
	fi
	tmp=$(mktemp -d "$top/build/checkpatch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dir=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$tmp" "$dir/scripts/checkpatch.pl" "$dir/scripts/spelling.txt" \
		"$dir/scripts/const_structs.checkpatch"
	rm -rf "$dst" && mkdir -p "$dst"
	mv "$tmp/$dir/scripts" "$dst/scripts"
fi

cd "$top"
if [ $# -eq 0 ]; then
	set -- $(ls kernel/*.c kernel/*.h | grep -v "\.mod\.c$")
fi
"$cp" --no-tree --file --terse --strict --show-types --max-line-length=100 \
	--ignore FILE_PATH_CHANGES "$@"
echo "checkpatch: clean ($# files)"
