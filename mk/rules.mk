# Build macros used by every */build.mk.
#
#   $(eval $(call lu2k_lib,NAME,SOURCES))            -> $(O)/lib/libNAME.a
#   $(eval $(call lu2k_prog,NAME,SOURCES,LIBNAMES))  -> $(O)/bin/NAME
#   $(eval $(call lu2k_testprog,NAME,SOURCES,LIBNAMES)) -> $(O)/test-bin/NAME (tests only)
#   $(eval $(call lu2k_test,NAME,SOURCES,LIBNAMES))  -> $(O)/tests/NAME (run by tests/run.sh)
#   $(eval $(call lu2k_tsan_test,NAME,SOURCES))      -> $(O)/tests/NAME, built with
#        ThreadSanitizer instead of ASan (the two cannot be combined); no libraries.
#        (-Wno-tsan: TSan does not model fences; the ring orders its data with
#        acquire/release, which TSan does model, so the check is still exact.)
#
# LIBNAMES are names given to lu2k_lib, in link order (dependents first).
# Per-target extra link flags: NAME_LDLIBS := ...

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

lu2k_objs = $(patsubst %.c,$(O)/obj/%.o,$(1))
lu2k_libpaths = $(foreach l,$(1),$(O)/lib/lib$(l).a)

define lu2k_lib
LIBS += $(O)/lib/lib$(1).a
$(O)/lib/lib$(1).a: $(call lu2k_objs,$(2))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef

define lu2k_prog
PROGS += $(O)/bin/$(1)
$(O)/bin/$(1): $(call lu2k_objs,$(2)) $(call lu2k_libpaths,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef

# A program only tests use (chan-evil, lu2kd_evil, lu2k-hostile...): built into
# $(O)/test-bin, never into $(O)/bin, which holds what is installed and put on
# PATH. $(O)/test-bin also links to every tool, so tests use one directory.
define lu2k_testprog
TESTPROGS += $(O)/test-bin/$(1)
$(O)/test-bin/$(1): $(call lu2k_objs,$(2)) $(call lu2k_libpaths,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef

define lu2k_test
TESTS += $(O)/tests/$(1)
$(O)/tests/$(1): $(call lu2k_objs,$(2)) $(call lu2k_libpaths,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $$(LDLIBS)
endef

define lu2k_tsan_test
TESTS += $(O)/tests/$(1)
$(O)/tests/$(1): $(2)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(CSTD) $$(WARN) -O1 -g -fsanitize=thread -Wno-tsan -o $$@ $$^ $$(LDLIBS)
endef
