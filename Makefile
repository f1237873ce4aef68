# lu2k top-level build: one non-recursive make over per-directory fragments.
#
#   make              release build into build/      (-O2)
#   make SAN=1 O=...  sanitized build (ASan + UBSan), what the tests use
#   make check        sanitized build + every test (tests/run.sh)
#   make style        clang-format check of user-space code (checkpatch: make -C kernel style)
#   make install      the daemon, the tools, man pages, the systemd unit and an
#                     example config into $(DESTDIR)$(PREFIX) (default /usr/local)
#   make deb          Debian packages lu2k and lu2k-dkms into build/deb (scripts/build-deb)
#   make WERROR=0     warnings stay warnings (for compilers newer than ours)
#
# Each directory that builds something has a build.mk that declares its
# programs, libraries and tests with the macros of mk/rules.mk.

O ?= build
SAN ?= 0
WERROR ?= 1

CC ?= cc
CSTD := -std=gnu11
WARN := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wvla
CPPFLAGS += -Iinclude -I. -D_GNU_SOURCE
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# internal errors (LU2K_BUG_IF, common/log.h) abort: the tests see them at once
CPPFLAGS += -DLU2K_DEBUG
CFLAGS := -O1 -g
endif
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
LDLIBS += -lpthread -lm

PROGS :=
TESTPROGS :=
LIBS :=
TESTS :=

.PHONY: all check test style clean install deb
all:

include mk/rules.mk
include mk/libs.mk
include $(sort $(wildcard */build.mk */*/build.mk))

# The tests' directory: their own programs, and a link to each tool.
TOOL_LINKS := $(patsubst $(O)/bin/%,$(O)/test-bin/%,$(PROGS))
$(TOOL_LINKS): $(O)/test-bin/%: $(O)/bin/%
	@mkdir -p $(dir $@)
	ln -sfn ../bin/$* $@

all: $(PROGS) $(TESTPROGS) $(TOOL_LINKS) $(TESTS)

check:
	$(MAKE) SAN=1 O=build/san all
	tests/run.sh build/san

test: check

style:
	@files=$$(git ls-files '*.c' '*.h' | grep -Ev '^(kernel|include)/'); \
	clang-format --dry-run --Werror $$files && echo "style: clang-format clean"

clean:
	rm -rf build

deb:
	scripts/build-deb

# Installation. Only what an admin runs: test helpers that sit in $(O)/bin
# (lu2kd_e2e, lu2kd_evil, chan-loop, chan-evil, udt-interop-peer, bench-udt,
# lu2k-bench-peers) are never installed. The config example goes to
# /etc/lu2k whatever the PREFIX, since lu2kd reads /etc/lu2k/lu2kd.conf;
# an admin's lu2kd.conf is never touched.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL ?= install
INSTALL_SBIN := lu2kd
INSTALL_BIN := lu2kctl lu2k-perf lu2k-linkem lu2k-udt lu2k-keygen
MANPAGES := $(wildcard man/*.[1-8])

install: $(addprefix $(O)/bin/,$(INSTALL_SBIN) $(INSTALL_BIN))
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/lu2k
	$(INSTALL) -m 755 $(addprefix $(O)/bin/,$(INSTALL_SBIN)) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 755 $(addprefix $(O)/bin/,$(INSTALL_BIN)) $(DESTDIR)$(BINDIR)/
	set -e; for m in $(MANPAGES); do \
		s=$${m##*.}; $(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s; \
		$(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	sed 's|/usr/sbin/lu2kd|$(SBINDIR)/lu2kd|' dist/systemd/lu2kd.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/lu2kd.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/lu2kd.service
	sed 's|/usr/bin/lu2kctl|$(BINDIR)/lu2kctl|' dist/systemd/lu2k-metrics.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/lu2k-metrics.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/lu2k-metrics.service
	$(INSTALL) -m 644 dist/lu2kd.conf.example $(DESTDIR)$(SYSCONFDIR)/lu2k/lu2kd.conf.example

-include $(shell find $(O) -name '*.d' 2>/dev/null)
