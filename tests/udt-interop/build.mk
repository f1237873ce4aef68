# Interop test peers. Ours (C, our engine) is built with everything; the
# libudt peer (C++) is built by test-udt-interop.sh itself, with g++.
$(eval $(call lu2k_testprog,udt-interop-peer,tests/udt-interop/udt_interop_peer.c,udt))
