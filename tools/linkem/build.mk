# lu2k-linkem: the link emulator (tool) and its I/O-free core (library).
$(eval $(call lu2k_lib,linkem,tools/linkem/linkem_dir.c tools/linkem/linkem_heap.c \
	tools/linkem/linkem_loss.c tools/linkem/linkem_rng.c tools/linkem/linkem_parse.c \
	tools/linkem/linkem_opts.c))
$(eval $(call lu2k_test,test_linkem_core,tests/unit/test_linkem_core.c,linkem common))
$(eval $(call lu2k_test,test_linkem_loss,tests/unit/test_linkem_loss.c,linkem common))
$(eval $(call lu2k_test,test_linkem_parse,tests/unit/test_linkem_parse.c,linkem common))
$(eval $(call lu2k_prog,lu2k-linkem,tools/linkem/lu2k_linkem.c tools/linkem/linkem_netns.c,linkem common))
