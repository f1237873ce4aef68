# The back-ends of lu2kd and their registry.
$(eval $(call lu2k_lib,lu2kd_backends,backends/registry.c backends/be_src.c backends/be_auth.c backends/halfopen.c backends/tcp.c backends/tcp_listen.c backends/tcp_io.c backends/tcp_sec.c backends/tcp_sockinfo.c backends/tcp_wire.c \
	backends/udt.c backends/udt_listen.c backends/udt_admit.c backends/udt_early.c backends/udt_opts.c backends/udt_info.c backends/udt_conn.c backends/udt_io.c backends/udt_io_batch.c backends/udt_rxts.c backends/udt_wire.c backends/udt_demux.c backends/udt_paths.c backends/udt_memo.c backends/udt_tokens.c backends/udt_sec.c backends/udt_unknown.c \
	backends/rds.c backends/rds_conn.c backends/rds_io.c backends/rds_sec.c backends/rds_wire.c))
$(eval $(call lu2k_test,test_tcp_wire,tests/unit/test_tcp_wire.c backends/tcp_wire.c,common))
$(eval $(call lu2k_test,test_udt_be_wire,tests/unit/test_udt_be_wire.c backends/udt_wire.c,common))
# Which unproven connection makes room for a new one (max_halfopen).
$(eval $(call lu2k_test,test_halfopen,tests/unit/test_halfopen.c backends/halfopen.c,))
$(eval $(call lu2k_test,test_udt_be_demux,tests/unit/test_udt_be_demux.c backends/udt_demux.c,))
# GSO runs, GRO buffers, short writes, EAGAIN, no GSO: through a fake sendmmsg and on loopback.
$(eval $(call lu2k_test,test_udt_io_batch,tests/unit/test_udt_io_batch.c backends/udt_io_batch.c,))
$(eval $(call lu2k_test,test_udt_paths,tests/unit/test_udt_paths.c backends/udt_paths.c backends/udt_memo.c,common))

$(eval $(call lu2k_test,test_rds_wire,tests/unit/test_rds_wire.c backends/rds_wire.c,common))
# The rds back-end through its API, plain and with keys, on a small RDS of the
# tests' own (no AF_RDS needed).
$(eval $(call lu2k_test,test_rds_backend,tests/unit/test_rds_backend.c tests/unit/rds_fake.c tests/unit/rds_sides.c,lu2kd_backends lu2kd common))
$(eval $(call lu2k_test,test_rds_sec,tests/unit/test_rds_sec.c tests/unit/rds_fake.c tests/unit/rds_sides.c,lu2kd_backends lu2kd common))
# The keys lu2kd --help lists per back-end are keys each back-end takes.
$(eval $(call lu2k_test,test_be_keys,tests/unit/test_be_keys.c,lu2kd_backends lu2kd common))
# Kernel receive timestamps and the engine's arrival time (RTT, rate samples of packets read late).
$(eval $(call lu2k_test,test_udt_rxts,tests/unit/test_udt_rxts.c backends/udt_rxts.c,udt))
# max_unproved reaches the listener; out of range is refused.
$(eval $(call lu2k_test,test_udt_opts,tests/unit/test_udt_opts.c,lu2kd_backends lu2kd common))
