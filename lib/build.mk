# liblu2k: the user-space kernel half (see lib/lu2k.h, doc/liblu2k.md).
$(eval $(call lu2k_lib,lu2k,$(wildcard lib/*.c)))
$(eval $(call lu2k_test,test_lib_lnet_hdr,tests/unit/test_lib_lnet_hdr.c,lu2k common))
$(eval $(call lu2k_test,test_lib_ralloc,tests/unit/test_lib_ralloc.c,lu2k))
$(eval $(call lu2k_test,test_lib_credits,tests/unit/test_lib_credits.c,lu2k common))
$(eval $(call lu2k_test,test_lib_loop,tests/unit/test_lib_loop.c tests/unit/test_lib_fake.c,lu2k common))
