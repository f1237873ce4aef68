# lu2kd: the daemon (core in daemon/, transports in backends/).
LU2KD_CORE := daemon/config.c daemon/config_keys.c daemon/rxalloc.c \
	daemon/peer.c daemon/peer_reap.c daemon/accept.c daemon/msg.c daemon/chan.c \
	daemon/attach.c daemon/ctl.c daemon/notify.c daemon/usock.c daemon/config_show.c daemon/reload.c \
	daemon/config_path.c daemon/path_sched.c daemon/mpath.c daemon/mpath_addr.c daemon/mpath_disc.c daemon/dedup.c
$(eval $(call lu2k_lib,lu2kd,$(LU2KD_CORE)))
$(eval $(call lu2k_prog,lu2kd,daemon/main.c daemon/config_be.c daemon/config_auth.c daemon/auth_apply.c,lu2kd_backends lu2kd common))

$(eval $(call lu2k_test,test_heap,tests/unit/test_heap.c common/heap.c,))
$(eval $(call lu2k_test,test_path_sched,tests/unit/test_path_sched.c daemon/path_sched.c daemon/dedup.c,))
$(eval $(call lu2k_test,test_dedup,tests/unit/test_dedup.c daemon/dedup.c,))
$(eval $(call lu2k_test,test_config,tests/unit/test_config.c,lu2kd common))
$(eval $(call lu2k_test,test_notify,tests/unit/test_notify.c daemon/notify.c,))
$(eval $(call lu2k_test,test_rxalloc,tests/unit/test_rxalloc.c daemon/rxalloc.c,))
$(eval $(call lu2k_test,test_loop,tests/unit/test_loop.c,lu2kd common))
$(eval $(call lu2k_test,test_peer,tests/unit/test_peer.c,lu2kd_backends lu2kd common))
$(eval $(call lu2k_test,test_accept,tests/unit/test_accept.c,lu2kd common))
$(eval $(call lu2k_test,test_core_cpl,tests/unit/test_core_cpl.c,lu2kd_backends lu2kd common))
test_core_cpl_LDLIBS += -Wl,--wrap=malloc
$(eval $(call lu2k_test,test_core_rx,tests/unit/test_core_rx.c,lu2kd_backends lu2kd common))
$(eval $(call lu2k_test,test_chan_kick,tests/unit/test_chan_kick.c,lu2kd_backends lu2kd common))
# The tcp back-end through the back-end API (the registry also pulls in udt's engine).
$(eval $(call lu2k_test,test_tcp_backend,tests/unit/test_tcp_backend.c,lu2kd_backends lu2kd common))
# The control socket's answers, read back with lu2kctl's JSON reader.
$(eval $(call lu2k_test,test_ctl,tests/unit/test_ctl.c tools/ctl/jsonv.c,lu2kd_backends lu2kd common))
# The udt back-end through the back-end API: two instances over loopback UDP
# (tests/unit/udt_sides.c): messages over one connection; connections made and lost.
$(eval $(call lu2k_test,test_udt_backend,tests/unit/test_udt_backend.c tests/unit/udt_sides.c,lu2kd_backends lu2kd common))
$(eval $(call lu2k_test,test_udt_backend_conn,tests/unit/test_udt_backend_conn.c tests/unit/udt_sides.c,lu2kd_backends lu2kd common))
$(eval $(call lu2k_test,test_config_auth,tests/unit/test_config_auth.c daemon/config_auth.c,lu2kd auth common))
$(eval $(call lu2k_test,test_doc_keys,tests/unit/test_doc_keys.c,lu2kd_backends lu2kd common))
