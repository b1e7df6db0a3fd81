# The kernel tier (tests/kernel/README.md): a real Debian kernel and udevd in
# qemu, virtual modules attached through usb-redir. Included by the Makefile.
#
#   make check-kernel   installs what it needs (as root), downloads the guests'
#                       kernel, udev, and systemd with its packages into
#                       $(BUILD)/kernel (cached), boots the busybox guest, the
#                       systemd guest, then the station guest, and prints
#                       `kernel-test <name> PASS|FAIL` lines.

# The usbredir adapter of the virtual module (tests/vmodule/redir/): the same
# model objects as build/vmodule (libvmodule.a; only what is referenced is
# linked, so none of the umockdev adapter), plus libusbredirparser and GLib.
REDIR_SRC := $(wildcard tests/vmodule/redir/*.c)
REDIR_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(REDIR_SRC))
REDIR_PKGS := libusbredirparser-0.5 glib-2.0

$(eval $(call pkg_once,REDIR_PKG_CFLAGS,--cflags,$(REDIR_PKGS),build vm))
$(eval $(call pkg_once,REDIR_PKG_LIBS,--libs,$(REDIR_PKGS),build vm))
$(REDIR_OBJ): VM_CFLAGS += $(REDIR_PKG_CFLAGS)

$(BUILD)/vmodule-redir: $(REDIR_OBJ) $(BUILD)/libvmodule.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(REDIR_PKG_LIBS) $(LDFLAGS)

# Packages first (a fresh machine has no libusbredirparser-dev), then the
# programs in a second make that sees them, then the run (bounded by
# `timeout` around qemu inside run.sh).
check-kernel:
	@sh tests/deps.sh build vm
	@sh tests/kernel/deps.sh
	$(MAKE) $(BUILD)/qfota $(BUILD)/vmodule $(BUILD)/vmodule-redir
	@bash tests/kernel/check.sh $(BUILD)
