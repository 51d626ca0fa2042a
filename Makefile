# liteimapd: GNU Makefile.  Targets: all check asan valgrind lint install run
# bench fuzz clean
# Variables: BUILD (output directory), WERROR=1, PREFIX, DESTDIR, CC, CFLAGS.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/liteimapd
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system

BUILD	?= build
CC	?= cc
CFLAGS	?= -O2 -g
PKGS	= gnutls sqlite3 libbsd-overlay
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs sqlite3 libbsd-overlay 2>/dev/null)

WARN	= -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral \
	  -Wcast-qual -Wvla
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -Isrc \
	  -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(CFLAGS) $(CFLAGS_EXTRA)
# GnuTLS is dlopen'ed by tls.c, not linked (see the comment there).
# sqlite3, libbsd and libcrypt are linked statically by default: a process
# starts per connection, and loading and relocating three more shared
# libraries costs 0.25 ms of its ~1.5 ms (bench/README.md).  STATIC=0 links
# them dynamically (then distribution security updates apply without a
# rebuild).
STATIC	?= 1
ifeq ($(STATIC),1)
LIBS	= -Wl,-Bstatic -lsqlite3 -lbsd -lmd -lcrypt -Wl,-Bdynamic -ldl -lm \
	  -lpthread
else
LIBS	= $(PKG_LIBS) -lcrypt -ldl
endif
LDFLAGS	?= -Wl,-z,relro,-z,now -Wl,--as-needed

COMMON	= arena util config log db store store_msg store_sort auth parse seqset uidmap mutf7 datetime mime charset
SERVER	= main session cmd cmd_any cmd_auth cmd_mbox cmd_select cmd_append \
	  cmd_fetch cmd_store cmd_search cmd_sort cmd_idle notify resp io tls
CTL	= $(patsubst src/%.c,%,$(wildcard src/ctl/*.c))
COMMON	+= $(patsubst src/%.c,%,$(wildcard src/store_check.c))
COMMON_O = $(COMMON:%=$(BUILD)/obj/%.o) $(BUILD)/obj/sql.o
SERVER_O = $(SERVER:%=$(BUILD)/obj/%.o)
CTL_O	= $(CTL:%=$(BUILD)/obj/%.o)
SQL	= sql/schema.sql $(sort $(wildcard sql/[0-9][0-9][0-9]-*.sql))
UNIT	= $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/*.c))
HDRS	= $(wildcard src/*.h src/ctl/*.h)

all: $(BUILD)/liteimapd $(BUILD)/liteimapctl

$(BUILD)/liteimapd: $(SERVER_O) $(COMMON_O)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/liteimapctl: $(CTL_O) $(COMMON_O)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: src/%.c $(HDRS) | $(BUILD)/obj/ctl
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/sql.o: $(BUILD)/sql.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/sql.c: $(SQL) $(BUILD)/sql.list src/mksql.sh | $(BUILD)/obj/ctl
	sh src/mksql.sh $(SQL) > $@.tmp && mv $@.tmp $@

# the list of sql/ files: changes when one is added or removed, so that a
# removed migration does not stay in sql.c
$(BUILD)/sql.list: FORCE | $(BUILD)/obj/ctl
	@echo $(SQL) | cmp -s - $@ || echo $(SQL) > $@

FORCE:

$(BUILD)/obj/ctl $(BUILD)/tests/unit:
	mkdir -p $@

# unit tests link everything but main()
$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(COMMON_O) \
    $(filter-out $(BUILD)/obj/main.o,$(SERVER_O)) | $(BUILD)/tests/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(COMMON_O) \
	    $(filter-out $(BUILD)/obj/main.o,$(SERVER_O)) $(LIBS)

units: $(UNIT)

deps-%:
	@bash .ci/deps $*

check: deps-check
	$(MAKE) all units
	tests/run --build $(BUILD)

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=all
asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" all units
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/run --build build-asan

# The session scripts and integration tests under valgrind memcheck, with a
# plain build (no ASan) in build-valgrind/.  No _FORTIFY_SOURCE there:
# memcheck checks the mem* and str* calls itself, and it takes glibc's
# __memmove_chk for __memcpy_chk and reports overlaps that memmove allows.
valgrind: deps-check
	$(MAKE) BUILD=build-valgrind CFLAGS="-O1 -g" \
	    CFLAGS_EXTRA="-U_FORTIFY_SOURCE" all
	bash .ci/valgrind build-valgrind

run: deps-run
	$(MAKE) all
	bash contrib/demo $(BUILD)

bench:
	bash bench/setup
	$(MAKE) all $(BUILD)/imapbench
	bench/run --build $(BUILD) $(BENCHFLAGS)

BENCH_LIBS ?= -lgnutls
$(BUILD)/imapbench: bench/imapbench.c | $(BUILD)/obj/ctl
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -o $@ $< $(BENCH_LIBS)

# Static checks: cppcheck and clang-tidy (.clang-tidy) over src/ and
# src/ctl/, with the flags of the real build; any finding fails.
LINT_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -Isrc \
	  -D_FORTIFY_SOURCE=2 -O2
lint: deps-ci
	LINT_CFLAGS="$(LINT_CFLAGS)" bash .ci/lint

# libFuzzer targets (clang): FUZZ_SECONDS per target, 60 by default
fuzz: deps-ci
	bash fuzz/run

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/liteimapd $(BUILD)/liteimapctl \
	    $(DESTDIR)$(SBINDIR)/
	install -m 644 man/liteimapd.8 man/liteimapctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/liteimapd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(SQL) contrib/liteimapd.conf.sample $(DESTDIR)$(DATADIR)/
	for f in systemd/*.in; do \
	    sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    $$f > $(DESTDIR)$(UNITDIR)/$$(basename $$f .in); done
	for f in systemd/*.socket; do install -m 644 $$f $(DESTDIR)$(UNITDIR)/; done
	install -d $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	install -m 644 systemd/liteimapd.sysusers.conf \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d/liteimapd.conf
	install -m 644 systemd/liteimapd.tmpfiles.conf \
	    $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/liteimapd.conf

clean:
	rm -rf build build-asan build-crash build-fuzz build-valgrind

.PHONY: all check asan valgrind lint run bench fuzz install clean units FORCE
