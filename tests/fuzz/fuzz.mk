# libFuzzer targets of qfota's parsers (included by the Makefile).
#   make fuzz          each target for FUZZ_SECONDS (default 60) from its kept corpus;
#                      prints "fuzz <target> <executions> execs <n> execs/s ..."; new
#                      inputs land in $(FUZZ_OUT)/corpus/<target>, crashes in $(FUZZ_OUT)/
#   make fuzz-smoke    CI: replays every kept corpus, then fuzzes each target for
#                      FUZZ_SMOKE_SECONDS (default 2); well under a minute in all
#   make fuzz-merge    folds what `make fuzz` found into tests/fuzz/corpus/ (-merge=1
#                      -use_counters=0: only inputs that reach new edges, a few dozen)
# FUZZ_TARGETS="urc url" picks targets (default: every tests/fuzz/fuzz-*.c).
# Built with clang (-fsanitize=fuzzer,address,undefined) straight from the parser
# sources, not from libqfota.a (gcc-built, uninstrumented). Installs clang and
# libFuzzer first (tests/deps.sh fuzz: as root; otherwise it names the packages).

FUZZ_CC ?= clang
FUZZ_OUT ?= $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 2
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wno-missing-field-initializers -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Itests/fuzz $(FUZZ_JSON_CFLAGS)
$(eval $(call pkg_once,FUZZ_JSON_CFLAGS,--cflags,json-c,build fuzz))
$(eval $(call pkg_once,FUZZ_JSON_LIBS,--libs,json-c libsystemd,build fuzz))
FUZZ_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz-%.c,%,$(FUZZ_SRC))
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz-%,$(FUZZ_TARGETS))

# The qfota sources each target is built from (and its extra libraries).
FUZZ_SRC_urc := tool/at/urc.c tool/at/atparse.c
FUZZ_SRC_atparse := tool/at/atparse.c
FUZZ_SRC_qfupl := tool/at/atparse.c
FUZZ_SRC_url := tool/at/url.c
FUZZ_SRC_codes := tool/at/codes.c tool/at/urc.c
FUZZ_SRC_xor16 := tool/at/xor16.c
FUZZ_SRC_usbdesc := usbxfer/usbdesc.c
FUZZ_SRC_audit := tool/report/audit.c tool/report/report.c tool/report/words.c tool/report/journal.c tool/report/text.c usbxfer/clock.c tool/at/url.c usbxfer/log.c usbxfer/error.c
FUZZ_LIBS_audit = $(FUZZ_JSON_LIBS)
FUZZ_SRC_policy := tool/station/policy.c tool/at/sha256.c tool/report/words.c tool/report/journal.c tool/at/atarg.c tool/report/text.c usbxfer/clock.c tool/report/audit.c tool/report/report.c tool/at/url.c usbxfer/log.c usbxfer/error.c
FUZZ_LIBS_policy = $(FUZZ_JSON_LIBS)
FUZZ_SRC_hold := tool/fota/hold_text.c usbxfer/error.c usbxfer/log.c usbxfer/clock.c
FUZZ_LIBS_hold = $(FUZZ_JSON_LIBS)

FUZZ_HEADERS := $(wildcard include/qfota/*.h tests/fuzz/*.h)

.PHONY: fuzz fuzz-smoke fuzz-merge fuzz-build fuzz-toolcheck

fuzz-build: $(FUZZ_BINS)

# Installs clang and its libFuzzer runtime (as root; otherwise names the
# packages and fails), then checks that they link.
fuzz-toolcheck:
	@sh tests/deps.sh build fuzz
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CC) not found; install the Debian packages: apt-get install $(FUZZ_PACKAGES)" >&2; exit 1; }
	@mkdir -p $(FUZZ_OUT)
	@printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
		>$(FUZZ_OUT)/toolcheck.c
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(FUZZ_OUT)/toolcheck $(FUZZ_OUT)/toolcheck.c 2>/dev/null || { \
		echo "fuzz: $(FUZZ_CC) cannot link libFuzzer with ASan+UBSan; install the Debian packages: apt-get install $(FUZZ_PACKAGES)" >&2; exit 1; }

define FUZZ_RULE
$(FUZZ_OUT)/fuzz-$(1): tests/fuzz/fuzz-$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_HEADERS) | fuzz-toolcheck
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_SRC_$(1)) $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

# Each target for FUZZ_SECONDS; the kept corpus is read, not written.
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$t tests/fuzz/corpus/$$t; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		log=$(FUZZ_OUT)/$$t.log; \
		if ! $(FUZZ_ENV) $(FUZZ_OUT)/fuzz-$$t $$dict -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/$$t- $(FUZZ_OUT)/corpus/$$t tests/fuzz/corpus/$$t >$$log 2>&1; then \
			tail -n 40 $$log; echo "fuzz $$t: FAILED (input kept as $(FUZZ_OUT)/$$t-*; log $$log)"; exit 1; fi; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log); \
		cov=$$(grep -o 'cov: [0-9]*' $$log | tail -n 1 | cut -d' ' -f2); \
		echo "fuzz $$t $$execs execs $$rate execs/s cov $$cov in $(FUZZ_SECONDS) s"; \
	done

# CI: every kept input once (libFuzzer runs the corpus first: the regressions),
# then a short run of each target, new inputs in a scratch directory.
fuzz-smoke: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/fuzz/corpus/$$t; rm -rf $(FUZZ_OUT)/smoke/$$t; mkdir -p $(FUZZ_OUT)/smoke/$$t; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		log=$(FUZZ_OUT)/$$t-smoke.log; \
		if ! $(FUZZ_ENV) $(FUZZ_OUT)/fuzz-$$t $$dict -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/$$t- $(FUZZ_OUT)/smoke/$$t tests/fuzz/corpus/$$t >$$log 2>&1; then \
			tail -n 40 $$log; echo "fuzz-smoke $$t: FAILED (input kept as $(FUZZ_OUT)/$$t-*; log $$log)"; exit 1; fi; \
		echo "fuzz-smoke $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) kept inputs replayed, $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs: ok"; \
	done

fuzz-merge: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_OUT)/corpus/$$t tests/fuzz/corpus/$$t; \
		$(FUZZ_ENV) $(FUZZ_OUT)/fuzz-$$t -merge=1 -use_counters=0 tests/fuzz/corpus/$$t $(FUZZ_OUT)/corpus/$$t >$(FUZZ_OUT)/$$t-merge.log 2>&1; \
		echo "fuzz-merge $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) kept inputs"; \
	done
