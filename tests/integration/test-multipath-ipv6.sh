#!/bin/bash
# Multipath over two IPv6-only links (lu2k-linkem --no-ipv4), udt, 10 s of
# verified bulk without a cut: both paths carry traffic, nothing lost or
# delivered twice (test-multipath.sh, LU2K_MP_IPV6=1).
LU2K_MP_IPV6=1 exec "$(dirname "$0")/test-multipath.sh" "$@"
