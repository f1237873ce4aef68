# The back-ends of lu2kd and their registry.
$(eval $(call lu2k_lib,lu2kd_backends,backends/registry.c backends/tcp.c backends/tcp_io.c backends/tcp_wire.c))
$(eval $(call lu2k_test,test_tcp_wire,tests/unit/test_tcp_wire.c backends/tcp_wire.c,common))
