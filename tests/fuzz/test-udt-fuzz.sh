#!/bin/bash
# Runs each libFuzzer target (UDT, auth) for a while (LU2K_FUZZ_SECONDS, default 20).
# Skips (77) where clang's libFuzzer is not available.
set -u
top=${LU2K_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
secs=${LU2K_FUZZ_SECONDS:-20}
work=$(mktemp -d /tmp/lu2k-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$top/tests/fuzz/build.sh" "$work/bin" >"$work/build.log" 2>&1
rc=$?
if [ $rc = 77 ]; then
	tail -n 1 "$work/build.log"
	exit 77
fi
[ $rc = 0 ] || { cat "$work/build.log"; echo "fuzzer build failed"; exit 1; }
for f in "$work"/bin/fuzz_*; do
	mkdir -p "$work/corpus-$(basename "$f")"
	echo "== $(basename "$f") for ${secs}s"
	timeout -k 10 $((secs + 60)) "$f" -max_total_time="$secs" -max_len=4096 \
		-artifact_prefix="$work/" "$work/corpus-$(basename "$f")" 2>&1 | tail -n 5
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ]; then
		ls "$work"/crash-* "$work"/leak-* 2>/dev/null
		echo "$(basename "$f") failed (exit $rc)"
		exit 1
	fi
done
echo "fuzzers ran clean"
