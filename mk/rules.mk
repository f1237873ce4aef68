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
# LIBNAMES are names given to lu2k_lib. A target names the libraries it calls
# itself; what those need in turn (mk/libs.mk: NAME_LIBDEPS, and NAME_LIBEXT for
# system libraries) is added, in an order the linker accepts. Other per-target
# link flags: NAME_LDLIBS := ...

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

lu2k_objs = $(patsubst %.c,$(O)/obj/%.o,$(1))

# Every library LIBNAMES needs, each after all that need it: the last place of
# each in a depth-first walk (a library's dependencies always come after it).
lu2k_walk = $(foreach l,$(1),$(l) $(call lu2k_walk,$($(l)_LIBDEPS)))
lu2k_reverse = $(if $(1),$(call lu2k_reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
lu2k_uniq = $(if $(1),$(firstword $(1)) $(call lu2k_uniq,$(filter-out $(firstword $(1)),$(1))))
lu2k_closure = $(strip $(call lu2k_reverse,$(call lu2k_uniq,$(call lu2k_reverse,$(call lu2k_walk,$(1))))))
lu2k_libpaths = $(foreach l,$(call lu2k_closure,$(1)),$(O)/lib/lib$(l).a)
lu2k_libext = $(foreach l,$(call lu2k_closure,$(1)),$($(l)_LIBEXT))

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
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $(call lu2k_libext,$(3)) $$(LDLIBS)
endef

# A program only tests use (chan-evil, lu2kd_evil, lu2k-hostile...): built into
# $(O)/test-bin, never into $(O)/bin, which holds what is installed and put on
# PATH. $(O)/test-bin also links to every tool, so tests use one directory.
define lu2k_testprog
TESTPROGS += $(O)/test-bin/$(1)
$(O)/test-bin/$(1): $(call lu2k_objs,$(2)) $(call lu2k_libpaths,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $(call lu2k_libext,$(3)) $$(LDLIBS)
endef

define lu2k_test
TESTS += $(O)/tests/$(1)
$(O)/tests/$(1): $(call lu2k_objs,$(2)) $(call lu2k_libpaths,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$($(1)_LDLIBS) $(call lu2k_libext,$(3)) $$(LDLIBS)
endef

define lu2k_tsan_test
TESTS += $(O)/tests/$(1)
$(O)/tests/$(1): $(2)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(CSTD) $$(WARN) -O1 -g -fsanitize=thread -Wno-tsan -o $$@ $$^ $$(LDLIBS)
endef
