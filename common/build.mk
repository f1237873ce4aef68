# libcommon: what the daemon, liblu2k and the tools share (NIDs, ...).
$(eval $(call lu2k_lib,common,$(wildcard common/*.c)))
$(eval $(call lu2k_test,test_nid,tests/unit/test_nid.c,common))
$(eval $(call lu2k_test,test_sockaddr,tests/unit/test_sockaddr.c,common))
$(eval $(call lu2k_test,test_rate,tests/unit/test_rate.c,common))
$(eval $(call lu2k_test,test_opt,tests/unit/test_opt.c,common))
