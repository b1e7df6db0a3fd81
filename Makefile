# qfota — see README.md. `make` builds, `make check` runs every test (plain and
# under ASan+UBSan), `make demo` runs the main job on virtual modules, `make bench`
# prints `bench <name> <value> <unit>` lines.

BUILD ?= build
SAN ?=
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc

PKGS := libusb-1.0 libudev json-c
TEST_PKGS := cmocka umockdev-1.0 glib-2.0 gobject-2.0 libusb-1.0 libudev json-c

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wno-missing-field-initializers -g -fno-omit-frame-pointer -Iinclude
ifeq ($(SAN),1)
CFLAGS_OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT := -O2
LDFLAGS_SAN :=
endif

QFOTA_CFLAGS := $(CFLAGS_BASE) $(CFLAGS_OPT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
QFOTA_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_CFLAGS := $(CFLAGS_BASE) $(CFLAGS_OPT) $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null) \
	-Wno-error=deprecated-declarations -Itests $(CFLAGS)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null) -lpthread -lm

# qfota's own code: one static library, linked into the command and the tests.
LIB_SRC := $(wildcard usbxfer/*.c udev/*.c) $(filter-out tool/main.c,$(wildcard tool/*.c))
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

PROGRAMS := $(if $(wildcard tool/main.c),$(BUILD)/qfota) $(BUILD)/vmodule
TESTS := $(UNIT_TESTS) $(VM_TESTS) $(IT_TESTS)

.PHONY: all deps check check-plain check-asan test-programs demo bench install uninstall clean
.DELETE_ON_ERROR:

all: $(PROGRAMS) $(BUILD)/libqfota.a

deps:
	@sh tests/deps.sh

test-programs: $(PROGRAMS) $(TESTS) $(BENCHES)

# Every test, then every test again under AddressSanitizer + UBSan.
check: deps
	$(MAKE) check-plain
	$(MAKE) check-asan

check-plain: test-programs
	@sh tests/run-tests.sh $(BUILD)

check-asan:
	$(MAKE) BUILD=build/asan SAN=1 test-programs
	@sh tests/run-tests.sh build/asan

demo: deps all
	@sh tests/demo.sh $(BUILD)

bench: deps test-programs
	@sh tests/bench/run.sh $(BUILD)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(QFOTA_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libqfota.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libvmodule.a: $(VM_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtestcommon.a: $(TESTLIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/qfota: $(BUILD)/obj/tool/main.o $(BUILD)/libqfota.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(QFOTA_LIBS) $(LDFLAGS)

$(BUILD)/vmodule: $(BUILD)/obj/tests/vmodule/main.o $(BUILD)/libvmodule.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(TEST_LIBS) $(LDFLAGS)

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

install: all
	install -D -m 0755 $(BUILD)/qfota $(DESTDIR)$(PREFIX)/bin/qfota

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/qfota

clean:
	rm -rf build

# Fuzzing (libFuzzer, clang): `make fuzz`, `make fuzz-smoke`; rules in tests/fuzz/fuzz.mk.
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
