# gatewatch — build, test, demo, bench.
#
#   make            build build/gatewatch (BPF object, skeleton, nanopb code, agent)
#   make test       every test: unit, cli, bpf (root), e2e
#   make demo       the main job on the embedded default
#   make bench      benchmark table (ratios measured side by side)
#   make eval       detector evaluation: recall per scenario, false positives per 1,000 identity-days
#   make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel's BTF, on purpose
#   make install    install into $(DESTDIR)$(PREFIX) (binary, config, unit, man page)
#   make deb        Debian package (debhelper) into $(PKGOUT)
#   make rpm        rpm package (rpmbuild) into $(PKGOUT)
#
# NO_DEPS=1 skips the dependency check (packaging builds pass it).

ARCH ?= x86
BUILD ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
NANOPB_GEN ?= nanopb_generator.py
SAN ?=
EVAL_IDENTITIES ?= 90
EVAL_DAYS ?= 60
EVAL_SEEDS ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wcast-qual -Wpointer-arith
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(BUILD) -Iagent -Ibpf $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)
ifneq ($(SAN),)
CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
endif
LIBS := -lbpf -lelf -lz -lcurl -lmicrohttpd -lgnutls -lcjson -linih -ldeflate -lprotobuf-nanopb -lpthread -lm

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf -Wall -Werror

# The sensor: one object statically linked from the units of bpf/ (their
# maps shared), and its skeleton. maps.bpf.o, which defines the maps, comes
# first: libbpf's linker resolves the other units' extern maps only against
# a definition it has already seen.
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_HDRS := $(wildcard bpf/*.h bpf/lib/*.h)
BPF_OBJS := $(BUILD)/bpf/maps.bpf.o $(filter-out $(BUILD)/bpf/maps.bpf.o,\
	$(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS)))
SKELS := $(BUILD)/sensor.skel.h
PB_C := $(BUILD)/gatewatch.pb.c
PB_H := $(BUILD)/gatewatch.pb.h

AGENT_SRCS := $(shell find agent -name '*.c' | sort)
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS)) $(BUILD)/gatewatch.pb.o
LIB_OBJS := $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJS))
UNIT_SRCS := $(shell find tests/unit -name 'test_*.c' | sort)
UNIT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS)) $(BUILD)/tests/unit/runner.o

GEN := $(SKELS) $(PB_H)

# Short build lines ("CC agent/lib/log.c"), like Kbuild; V=1 shows every command.
V ?= 0
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = printf '  %-8s %s\n' '$(1)' '$(2)';
endif

.PHONY: FORCE all deps test unit-test demo bench eval vmlinux clean lint fuzz install deb rpm
.DEFAULT_GOAL := all
# Keep the BPF objects: the skeleton embeds them, and tests inspect them.
.SECONDARY:

BPF_TOOLS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(wildcard tests/bpf/*.c))

all: deps $(BUILD)/gatewatch $(BPF_TOOLS) $(BUILD)/unit_tests

deps:
ifeq ($(NO_DEPS),)
	@packaging/install-deps.sh
endif

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux/$(ARCH)/vmlinux.h | deps
	@mkdir -p $(@D)
	$(Q)$(call msg,CLANG,$<)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/sensor.bpf.o: $(BPF_OBJS)
	$(Q)$(call msg,BPF-LINK,$@)$(BPFTOOL) gen object $@ $^

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(Q)$(call msg,GEN-SKEL,$@)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# One run of the generator makes both files (a grouped target).
$(PB_C) $(PB_H) &: proto/gatewatch.proto proto/gatewatch.options | deps
	@mkdir -p $(BUILD)
	$(Q)$(call msg,NANOPB,$<)$(NANOPB_GEN) -q -I proto -D $(BUILD) -f proto/gatewatch.options proto/gatewatch.proto

$(BUILD)/gatewatch.pb.o: $(PB_C) $(PB_H)
	$(Q)$(call msg,CC,$<)$(CC) $(filter-out -Wcast-qual,$(CFLAGS)) -c $< -o $@

$(BUILD)/agent/%.o: agent/%.c $(GEN)
	@mkdir -p $(@D)
	$(Q)$(call msg,CC,$<)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gatewatch: $(AGENT_OBJS)
	$(Q)$(call msg,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests: every TEST(name) in tests/unit/**/test_*.c (the folders mirror
# agent/) is registered automatically; the shared harness stays in tests/unit.
# Made on every run and replaced only when it changed, so that a removed test
# file or test drops out without rebuilding the runner each time.
$(BUILD)/tests/unit/tests.inc: FORCE
	@mkdir -p $(@D)
	@sed -n 's/^TEST(\([a-zA-Z0-9_]*\)).*/T(\1)/p' $(UNIT_SRCS) > $@.tmp && \
		{ cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@; }

FORCE:

$(BUILD)/tests/unit/runner.o: tests/unit/runner.c $(BUILD)/tests/unit/tests.inc $(GEN)
	@mkdir -p $(@D)
	$(Q)$(call msg,CC,$<)$(CC) $(CFLAGS) -Itests/unit -I$(BUILD)/tests/unit -c $< -o $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(GEN)
	@mkdir -p $(@D)
	$(Q)$(call msg,CC,$<)$(CC) $(CFLAGS) -Itests/unit -MMD -MP -c $< -o $@

$(BUILD)/unit_tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(Q)$(call msg,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Workloads for the BPF tests.
$(BUILD)/tests/bpf/%: tests/bpf/%.c
	@mkdir -p $(@D)
	$(Q)$(call msg,CC,$<)$(CC) $(CFLAGS) -o $@ $<

unit-test: all
	$(BUILD)/unit_tests

test: all
	@V=$(V) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh $(BUILD)

demo: all
	@tests/demo/demo.sh $(BUILD)

eval: all
	@tests/eval/run_eval.sh $(BUILD) $(EVAL_IDENTITIES) $(EVAL_DAYS) $(EVAL_SEEDS)

bench: all
	@tests/bench/bench.sh $(BUILD)

# libFuzzer targets, one per audit parser and one for the collector's decode
# of a POST body, each run FUZZ_SECONDS under ASan + UBSan on its seed corpus
# (tests/fuzz/).
FUZZ_SECONDS ?= 5
fuzz:
	@tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|sscanf|gets)\s*\(' \
		$(AGENT_SRCS) $(shell find agent -name '*.h' | sort) || { echo "lint: banned function above"; exit 1; }
	@echo "lint: ok"

# Packaging. `install` takes what `make` built; deb and rpm build from a copy
# of the tree with the distribution's flags (packaging/build-pkg.sh).
PREFIX ?= /usr
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
PKGOUT ?= $(BUILD)/pkg

install: $(BUILD)/gatewatch
	install -D -m 0755 $(BUILD)/gatewatch $(DESTDIR)$(PREFIX)/bin/gatewatch
	install -D -m 0640 packaging/gatewatch.conf $(DESTDIR)$(SYSCONFDIR)/gatewatch/gatewatch.conf
	install -D -m 0644 packaging/gatewatch.service $(DESTDIR)$(UNITDIR)/gatewatch.service
	install -D -m 0644 packaging/gatewatch.8 $(DESTDIR)$(MANDIR)/man8/gatewatch.8
	install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/gatewatch

# The packaging tools (debhelper, rpm, lintian, rpmlint) are installed like
# the build's own dependencies; the packages are named and linted.
deb rpm:
ifeq ($(NO_DEPS),)
	@packaging/install-deps.sh --packaging
endif
	@packaging/build-pkg.sh $@ $(PKGOUT)

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
