# lu2k top-level build: one non-recursive make over per-directory fragments.
#
#   make              release build into build/      (-O2)
#   make SAN=1 O=...  sanitized build (ASan + UBSan), what the tests use
#   make check        sanitized build + every test (tests/run.sh)
#   make style        clang-format check of user-space code (checkpatch: make -C kernel style)
#
# Each directory that builds something has a build.mk that declares its
# programs, libraries and tests with the macros of mk/rules.mk.

O ?= build
SAN ?= 0

CC ?= cc
CSTD := -std=gnu11
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wvla
CPPFLAGS += -Iinclude -I. -D_GNU_SOURCE
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS := -O1 -g
endif
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
LDLIBS += -lpthread -lm

PROGS :=
LIBS :=
TESTS :=

.PHONY: all check test style clean
all:

include mk/rules.mk
include $(sort $(wildcard */build.mk */*/build.mk))

all: $(PROGS) $(TESTS)

check:
	$(MAKE) SAN=1 O=build/san all
	tests/run.sh build/san

test: check

style:
	@files=$$(git ls-files '*.c' '*.h' | grep -Ev '^(kernel|include)/'); \
	clang-format --dry-run --Werror $$files && echo "style: clang-format clean"

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)
