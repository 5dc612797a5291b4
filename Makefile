# Thin targets over the scripts; see README.md.
PREFIX ?= /usr/local
DESTDIR ?=
TOOLS := wh-extract cv-map cv-dedupe cv-load cv-run cv-emulator
# The installed tools are built in their own folder: a plain `swift build -c release` in .build
# links the toolchain's libswiftCore.so, and installing those would break on the machines the
# tools are meant for.
STATIC := .build-static
RELEASE := $(STATIC)/release
SWIFT_STATIC := swift build -c release --static-swift-stdlib --scratch-path $(STATIC)
BINS := $(TOOLS:%=$(RELEASE)/%)
SOURCES := Package.swift $(shell find Sources -type f)

BIN_DIR = $(DESTDIR)$(PREFIX)/bin
LIB_DIR = $(DESTDIR)$(PREFIX)/lib/conversion-warehouse-sync
MAN_DIR = $(DESTDIR)$(PREFIX)/share/man/man1
DOC_DIR = $(DESTDIR)$(PREFIX)/share/doc/conversion-warehouse-sync
BASH_DIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_DIR = $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
FISH_DIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

.PHONY: build test demo install uninstall deb image bench setup man completions

setup:
	bash scripts/setup

# The Swift standard library is linked in, so installed tools run without a Swift toolchain.
# Rebuilt only when a source changed.
build: $(BINS)
$(BINS) &: $(SOURCES)
	$(SWIFT_STATIC)

test:
	bash scripts/test

demo:
	bash scripts/demo/run

bench:
	bash scripts/bench all

# Each page is the tool's own --help, laid out as a manual (cv-dedupe's with its subcommands).
man: $(BINS) scripts/cv-sync scripts/package/tool-man scripts/package/cv-sync-man README.md
	rm -rf .build/man && mkdir -p .build/man
	for t in $(TOOLS); do \
	  subs=""; [ $$t != cv-dedupe ] || subs="commit forget stats check"; \
	  bash scripts/package/tool-man $(RELEASE)/$$t $$subs >.build/man/$$t.1; \
	done
	bash scripts/package/cv-sync-man >.build/man/cv-sync.1

completions: $(BINS)
	rm -rf .build/completions && mkdir -p .build/completions/bash .build/completions/zsh .build/completions/fish
	for t in $(TOOLS); do \
	  $(RELEASE)/$$t --generate-completion-script bash >.build/completions/bash/$$t; \
	  $(RELEASE)/$$t --generate-completion-script zsh >.build/completions/zsh/_$$t; \
	  $(RELEASE)/$$t --generate-completion-script fish >.build/completions/fish/$$t.fish; \
	done

install: $(BINS) man completions
	install -d $(BIN_DIR) $(LIB_DIR)/scripts/lib $(MAN_DIR) $(DOC_DIR)/examples $(BASH_DIR) $(ZSH_DIR) $(FISH_DIR)
	# Stripped (the static tools carry 20-30 MB of symbols each), and refused if one still needs
	# the Swift runtime of the machine that built it.
	for t in $(TOOLS); do \
	  install -m 755 -s $(RELEASE)/$$t $(BIN_DIR)/$$t; \
	  if readelf -d $(BIN_DIR)/$$t | grep -E 'NEEDED.*lib(swift|Foundation|dispatch|BlocksRuntime)'; then \
	    echo "make install: $(BIN_DIR)/$$t needs the Swift runtime above; it would not run without a toolchain" >&2; \
	    exit 1; \
	  fi; \
	done
	install -m 755 scripts/cv-sync $(LIB_DIR)/scripts/cv-sync
	# The commit, for cv-sync --version (an install has no git checkout to ask).
	(git describe --always --dirty 2>/dev/null || echo unknown) >$(LIB_DIR)/VERSION
	install -m 644 scripts/lib/*.sh $(LIB_DIR)/scripts/lib/
	ln -sf ../lib/conversion-warehouse-sync/scripts/cv-sync $(BIN_DIR)/cv-sync
	install -m 644 .build/man/*.1 $(MAN_DIR)/
	for t in $(TOOLS); do \
	  install -m 644 .build/completions/bash/$$t $(BASH_DIR)/$$t; \
	  install -m 644 .build/completions/zsh/_$$t $(ZSH_DIR)/_$$t; \
	  install -m 644 .build/completions/fish/$$t.fish $(FISH_DIR)/$$t.fish; \
	done
	install -m 644 scripts/completions/cv-sync.bash $(BASH_DIR)/cv-sync
	sed 's|@BASH_COMPLETION@|$(PREFIX)/share/bash-completion/completions/cv-sync|' scripts/completions/_cv-sync >$(ZSH_DIR)/_cv-sync
	install -m 644 scripts/completions/cv-sync.fish $(FISH_DIR)/cv-sync.fish
	install -m 644 README.md docs/*.md $(DOC_DIR)/
	install -m 644 scripts/package/cv-sync.env.example scripts/package/cv-sync.service scripts/package/cv-sync.timer $(DOC_DIR)/examples/

uninstall:
	for t in $(TOOLS) cv-sync; do rm -f $(BIN_DIR)/$$t $(MAN_DIR)/$$t.1 $(BASH_DIR)/$$t $(ZSH_DIR)/_$$t $(FISH_DIR)/$$t.fish; done
	rm -rf $(LIB_DIR) $(DOC_DIR)

# A Debian package of everything install puts in place, under /usr.
deb:
	bash scripts/package/deb

# The OCI image (buildah, podman or docker): Debian with the .deb, cv-sync as the entry point.
# BASE=IMAGE starts from another Debian image of the same release.
image:
	bash scripts/package/image
