# Thin targets over the scripts; see README.md.
PREFIX ?= /usr/local
DESTDIR ?=
TOOLS := wh-extract cv-map cv-dedupe cv-load cv-emulator
BINS := $(TOOLS:%=.build/release/%)
SOURCES := Package.swift $(shell find Sources -type f)

BIN_DIR = $(DESTDIR)$(PREFIX)/bin
LIB_DIR = $(DESTDIR)$(PREFIX)/lib/conversion-warehouse-sync
MAN_DIR = $(DESTDIR)$(PREFIX)/share/man/man1
DOC_DIR = $(DESTDIR)$(PREFIX)/share/doc/conversion-warehouse-sync
BASH_DIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSH_DIR = $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
FISH_DIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

.PHONY: build test demo install uninstall deb bench setup man completions

setup:
	bash scripts/setup

# The Swift standard library is linked in, so installed tools run without a Swift toolchain.
# Rebuilt only when a source changed.
build: $(BINS)
$(BINS) &: $(SOURCES)
	swift build -c release --static-swift-stdlib

test:
	bash scripts/test

demo:
	bash scripts/demo/run

bench:
	bash scripts/bench all

.build/release/generate-manual: Package.swift
	swift build -c release --static-swift-stdlib --product generate-manual

man: $(BINS) .build/release/generate-manual scripts/cv-sync
	rm -rf .build/man && mkdir -p .build/man
	for t in $(TOOLS); do .build/release/generate-manual .build/release/$$t --section 1 -o .build/man; done
	bash scripts/package/cv-sync-man >.build/man/cv-sync.1

completions: $(BINS)
	rm -rf .build/completions && mkdir -p .build/completions/bash .build/completions/zsh .build/completions/fish
	for t in $(TOOLS); do \
	  .build/release/$$t --generate-completion-script bash >.build/completions/bash/$$t; \
	  .build/release/$$t --generate-completion-script zsh >.build/completions/zsh/_$$t; \
	  .build/release/$$t --generate-completion-script fish >.build/completions/fish/$$t.fish; \
	done

install: $(BINS) man completions
	install -d $(BIN_DIR) $(LIB_DIR)/scripts/lib $(MAN_DIR) $(DOC_DIR)/examples $(BASH_DIR) $(ZSH_DIR) $(FISH_DIR)
	for t in $(TOOLS); do install -m 755 .build/release/$$t $(BIN_DIR)/$$t; done
	install -m 755 scripts/cv-sync $(LIB_DIR)/scripts/cv-sync
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
