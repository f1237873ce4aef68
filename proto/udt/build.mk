# proto/udt: lu2k's UDT engine (UDT4 wire protocol, no I/O, no clock).
UDT_SRCS := $(addprefix proto/udt/,codec.c losslist.c window.c cc_table.c cc_native.c \
	cc_lossy.c cc_lossy_sample.c cc_lossy_round.c cc_lossy_loss.c cc_lossy_out.c cc_lossy_probe.c \
	sndbuf.c rcvbuf.c rcvbuf_mem.c handshake.c conn.c conn_in.c conn_out.c fec.c fec_conn.c)
$(eval $(call lu2k_lib,udt,$(UDT_SRCS)))

$(eval $(call lu2k_test,test_udt_transfer,tests/unit/test_udt_transfer.c,udt linkem))
$(eval $(call lu2k_test,test_udt_seq,tests/unit/test_udt_seq.c,udt))
$(eval $(call lu2k_test,test_udt_losslist,tests/unit/test_udt_losslist.c,udt))
$(eval $(call lu2k_test,test_udt_codec,tests/unit/test_udt_codec.c,udt))
$(eval $(call lu2k_test,test_udt_window,tests/unit/test_udt_window.c,udt))
$(eval $(call lu2k_test,test_udt_pairs,tests/unit/test_udt_pairs.c,udt))
$(eval $(call lu2k_test,test_udt_cc,tests/unit/test_udt_cc.c,udt))
$(eval $(call lu2k_test,test_udt_cc_lossy,tests/unit/test_udt_cc_lossy.c,udt))
$(eval $(call lu2k_test,test_udt_handshake,tests/unit/test_udt_handshake.c,udt))
$(eval $(call lu2k_test,test_udt_nocookie,tests/unit/test_udt_nocookie.c,udt))
$(eval $(call lu2k_test,test_udt_buffers,tests/unit/test_udt_buffers.c,udt))
$(eval $(call lu2k_test,test_udt_sndbuf_small,tests/unit/test_udt_sndbuf_small.c,udt))
$(eval $(call lu2k_test,test_udt_nest,tests/unit/test_udt_nest.c,udt))
$(eval $(call lu2k_test,test_udt_place,tests/unit/test_udt_place.c,udt))
$(eval $(call lu2k_test,test_udt_grow,tests/unit/test_udt_grow.c,udt))
test_udt_grow_LDLIBS += -Wl,--wrap=calloc
$(eval $(call lu2k_test,test_udt_refuse,tests/unit/test_udt_refuse.c,udt linkem))
$(eval $(call lu2k_test,test_udt_rerepair,tests/unit/test_udt_rerepair.c,udt linkem))
$(eval $(call lu2k_test,test_udt_rcvmem,tests/unit/test_udt_rcvmem.c,udt linkem))
$(eval $(call lu2k_test,test_udt_flowshare,tests/unit/test_udt_flowshare.c,udt))
$(eval $(call lu2k_test,test_udt_conn,tests/unit/test_udt_conn.c,udt))
$(eval $(call lu2k_test,test_udt_parts,tests/unit/test_udt_parts.c,udt))
$(eval $(call lu2k_test,test_udt_fec,tests/unit/test_udt_fec.c,udt))
