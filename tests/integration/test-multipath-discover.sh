#!/bin/bash
# Multipath discovery: the topology of test-multipath-src.sh without path
# lines; each lu2kd names its second address (multipath_addr) and tells it
# in the hello of its connections, and the other makes a path to it from its
# own address on that link: both paths up, used, each from its address.
# udt in the suite (tcp: LU2K_MP_BACKENDS="tcp udt"; the tcp hello's list is
# test_tcp_wire's and test-multipath-compat's); rds does not carry the list yet.
LU2K_MP_DISCOVER=1 LU2K_MP_BACKENDS=${LU2K_MP_BACKENDS:-udt} \
	exec "$(dirname "$0")/test-multipath-src.sh" "$@"
