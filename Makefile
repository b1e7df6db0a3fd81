# qfota — see README.md. `make` builds, `make check` runs every test (plain and
# under ASan+UBSan), `make demo` runs the main job on virtual modules, `make bench`
# prints `bench <name> <value> <unit>` lines.

BUILD ?= build
SAN ?=
CC ?= cc

# Where `make install` puts things (Debian's layout; see README "Install").
# PREFIX=/usr/local (the default) uses the /usr/local/lib directories that
# Debian's udev and systemd read too; the .deb installs with PREFIX=/usr.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/qfota
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# The version is written in one place, debian/changelog's first line.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)

# pkg-config is asked when a recipe first needs its answer, not when make reads
# this file: `make demo` and `make check` install packages (tests/deps.sh) and
# then build in the same run. A package it cannot find stops the build with
# pkg-config's own words and the apt-get line, never with a compiler error.
# $(call pkg,--cflags|--libs,PC-NAMES,DEPS-SETS)
pkg = $(if $(shell pkg-config --exists $(2) && echo y),$(shell pkg-config $(1) $(2)),$(pkg_missing))
pkg_missing = $(info $(shell pkg-config --print-errors --exists $(2) 2>&1 | tr '\n' ' '))$(error \
	pkg-config cannot find $(2); install the Debian packages: $(shell sh tests/deps.sh --line $(3)) (or run make demo / make check as root))
# A variable that asks pkg-config once, the first time it is expanded.
define pkg_once
$(1) = $$(eval $(1) := $$(call pkg,$(2),$(3),$(4)))$$($(1))
endef

PKGS := libusb-1.0 libudev json-c libsystemd
VM_PKGS := umockdev-1.0 glib-2.0 gobject-2.0
TEST_PKGS := cmocka $(VM_PKGS) $(PKGS)
$(eval $(call pkg_once,PKG_CFLAGS,--cflags,$(PKGS),build))
$(eval $(call pkg_once,PKG_LIBS,--libs,$(PKGS),build))
$(eval $(call pkg_once,VM_PKG_CFLAGS,--cflags,$(VM_PKGS),build vm))
$(eval $(call pkg_once,VM_PKG_LIBS,--libs,$(VM_PKGS),build vm))
$(eval $(call pkg_once,TEST_PKG_CFLAGS,--cflags,$(TEST_PKGS),build vm test))
$(eval $(call pkg_once,TEST_PKG_LIBS,--libs,$(TEST_PKGS),build vm test))

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wno-missing-field-initializers -g -fno-omit-frame-pointer -Iinclude
ifeq ($(SAN),1)
CFLAGS_OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT := -O2
LDFLAGS_SAN :=
endif

QFOTA_CFLAGS = $(CFLAGS_BASE) $(CFLAGS_OPT) $(PKG_CFLAGS) $(CFLAGS)
QFOTA_LIBS = $(PKG_LIBS) -lpthread -lm
# The virtual module needs umockdev and GLib, not cmocka: `make demo` builds it
# without the test packages.
VM_CFLAGS = $(CFLAGS_BASE) $(CFLAGS_OPT) $(VM_PKG_CFLAGS) -Wno-error=deprecated-declarations -Itests $(CFLAGS)
VM_LIBS = $(VM_PKG_LIBS) -lpthread -lm
TEST_CFLAGS = $(CFLAGS_BASE) $(CFLAGS_OPT) $(TEST_PKG_CFLAGS) \
	-Wno-error=deprecated-declarations -Itests $(CFLAGS)
TEST_LIBS = $(TEST_PKG_LIBS) -lpthread -lm

# qfota's own code: one static library, linked into the command and the tests.
LIB_SRC := $(wildcard usbxfer/*.c udev/*.c) $(filter-out tool/cli/main.c,$(wildcard tool/*/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
# The virtual module: model + adapters; tests/vmodule/main.c is the runner.
VM_SRC := $(filter-out tests/vmodule/main.c,$(wildcard tests/vmodule/*.c))
VM_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(VM_SRC))
TESTLIB_SRC := $(wildcard tests/common/*.c)
TESTLIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTLIB_SRC))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test-*.c))
VM_TESTS := $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%,$(wildcard tests/vm/test-*.c))
IT_TESTS := $(patsubst tests/it/%.c,$(BUILD)/tests/it/%,$(wildcard tests/it/test-*.c))
BENCH_SRC := $(wildcard tests/bench/bench-*.c)
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)

# `make` builds the product alone; the virtual module is built for the demo,
# the tests and the benchmarks.
PROGRAMS := $(BUILD)/qfota
VM_PROGRAMS := $(BUILD)/vmodule $(BUILD)/libvmshim.so
TESTS := $(UNIT_TESTS) $(VM_TESTS) $(IT_TESTS)
ASAN_BUILD ?= $(BUILD)/asan

.PHONY: all deps check check-plain check-asan check-kernel test-programs vm-programs demo bench soak install uninstall deb clean
.DELETE_ON_ERROR:

all: $(PROGRAMS) $(BUILD)/libqfota.a

# The targets a person starts install their Debian packages first (as root;
# otherwise tests/deps.sh prints the apt-get line and make stops), then build
# in a second make, which asks pkg-config afresh. `make` alone installs nothing.
deps:
	@sh tests/deps.sh build vm test

vm-programs: $(PROGRAMS) $(VM_PROGRAMS)

test-programs: vm-programs $(TESTS) $(BENCHES)

# Every test, then every test again under AddressSanitizer + UBSan, then the
# fuzz targets' kept inputs (fuzz-smoke installs clang itself). The package
# test in test-install needs the .deb tools, so check installs them too.
check:
	@sh tests/deps.sh build vm test deb
	$(MAKE) check-plain
	$(MAKE) check-asan
	$(MAKE) fuzz-smoke

check-plain: test-programs
	@sh tests/run-tests.sh $(BUILD)

check-asan:
	$(MAKE) BUILD=$(ASAN_BUILD) SAN=1 test-programs
	@sh tests/run-tests.sh $(ASAN_BUILD)

demo:
	@sh tests/deps.sh build vm
	$(MAKE) vm-programs
	@sh tests/demo.sh $(BUILD)

bench:
	@sh tests/deps.sh build vm test
	$(MAKE) test-programs
	@sh tests/bench/run.sh $(BUILD)

# 1000 consecutive upgrades and 64-module stations with random faults (about
# 6 minutes; not part of check): `soak <name> <value> <unit>` lines.
soak:
	@sh tests/deps.sh build vm test
	$(MAKE) test-programs
	@bash tests/soak/soak.sh $(BUILD)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/vmodule/%.o: tests/vmodule/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VM_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(QFOTA_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libqfota.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# What umockdev cannot emulate of a usbfs node (tests/vmodule/shim/usbfs_seek.c):
# preloaded, so never sanitized; preload.c knows where it is.
$(BUILD)/libvmshim.so: tests/vmodule/shim/usbfs_seek.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -O2 -fPIC -shared -o $@ $< -ldl

$(BUILD)/obj/tests/vmodule/preload.o: VM_CFLAGS += -DVM_SHIM_PATH='"$(abspath $(BUILD))/libvmshim.so"'

$(BUILD)/libvmodule.a: $(VM_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtestcommon.a: $(TESTLIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ifneq ($(VERSION),)
$(BUILD)/obj/tool/cli/main.o: QFOTA_CFLAGS += -DQFOTA_VERSION='"$(VERSION)"'
$(BUILD)/obj/tool/cli/main.o: debian/changelog
endif

$(BUILD)/qfota: $(BUILD)/obj/tool/cli/main.o $(BUILD)/libqfota.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(QFOTA_LIBS) $(LDFLAGS)

$(BUILD)/vmodule: $(BUILD)/obj/tests/vmodule/main.o $(BUILD)/libvmodule.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(VM_LIBS) $(LDFLAGS)

# Unit tests: qfota's own code, no USB.
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libtestcommon.a $(BUILD)/libqfota.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) $(LDFLAGS)

# Tests of the virtual module itself (model, adapter, descriptors via libusb).
$(BUILD)/tests/vm/%: $(BUILD)/obj/tests/vm/%.o $(BUILD)/libtestcommon.a $(BUILD)/libvmodule.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) $(LDFLAGS)

# Integration tests: qfota's code (or build/qfota) against virtual modules.
$(BUILD)/tests/it/%: $(BUILD)/obj/tests/it/%.o $(BUILD)/libtestcommon.a $(BUILD)/libqfota.a $(BUILD)/libvmodule.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) $(LDFLAGS)

$(BUILD)/tests/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libtestcommon.a $(BUILD)/libqfota.a $(BUILD)/libvmodule.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) $(LDFLAGS)

# What `make install` puts where; tests/unit/test-install.c checks the tree.
INSTALL_FILES := \
	$(BINDIR)/qfota \
	$(MANDIR)/man1/qfota.1 \
	$(UDEVRULESDIR)/70-qfota.rules \
	$(UDEVRULESDIR)/72-qfota-auto.rules \
	$(SYSTEMDUNITDIR)/qfota-auto@.service \
	$(SYSUSERSDIR)/qfota.conf \
	$(TMPFILESDIR)/qfota.conf \
	$(BASHCOMPDIR)/qfota \
	$(DOCDIR)/examples/policy.conf.example \
	$(DOCDIR)/examples/qfota-auto-enable.rules.example \
	$(DOCDIR)/examples/qfota-modemmanager-ignore.rules.example

install: $(BUILD)/qfota
	install -D -m 0755 $(BUILD)/qfota $(DESTDIR)$(BINDIR)/qfota
	install -D -m 0644 doc/qfota.1 $(DESTDIR)$(MANDIR)/man1/qfota.1
	install -d -m 0755 $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 udev/70-qfota.rules udev/72-qfota-auto.rules $(DESTDIR)$(UDEVRULESDIR)/
	@# earlier versions installed 71-qfota-modemmanager.rules: now an opt-in example
	rm -f $(DESTDIR)$(UDEVRULESDIR)/71-qfota-modemmanager.rules
	install -m 0644 udev/qfota-auto@.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -D -m 0644 udev/qfota.sysusers $(DESTDIR)$(SYSUSERSDIR)/qfota.conf
	install -D -m 0644 udev/qfota.tmpfiles $(DESTDIR)$(TMPFILESDIR)/qfota.conf
	install -D -m 0644 completion/qfota.bash $(DESTDIR)$(BASHCOMPDIR)/qfota
	install -m 0644 doc/policy.conf.example udev/qfota-auto-enable.rules.example \
		udev/qfota-modemmanager-ignore.rules.example $(DESTDIR)$(DOCDIR)/examples/
	@echo "qfota: installed. Create the qfota group and /run/qfota, reload udev's rules: systemd-sysusers qfota.conf && systemd-tmpfiles --create qfota.conf && udevadm control --reload (README: Install)"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# The Debian package, built from a copy of the tree in $(BUILD)/deb (the tree
# itself stays clean); checked with dpkg -c and lintian. Not part of `make check`.
deb:
	@sh tests/deps.sh build deb
	@sh tests/deb.sh $(BUILD)/deb

clean:
	rm -rf $(BUILD)

# Fuzzing (libFuzzer, clang): `make fuzz`, `make fuzz-smoke`; rules in tests/fuzz/fuzz.mk.
-include tests/fuzz/fuzz.mk

include tests/kernel/kernel.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
