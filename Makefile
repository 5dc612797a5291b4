# Thin targets over the scripts; see README.md.
PREFIX ?= /usr/local
TOOLS := wh-extract cv-map cv-dedupe cv-load cv-emulator

.PHONY: build test demo install bench setup

setup:
	bash scripts/setup

build:
	swift build -c release

test:
	bash scripts/test

demo:
	bash scripts/demo/run

bench:
	bash scripts/bench all

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/conversion-warehouse-sync/scripts/lib
	for t in $(TOOLS); do install -m 755 .build/release/$$t $(DESTDIR)$(PREFIX)/bin/$$t; done
	install -m 755 scripts/cv-sync $(DESTDIR)$(PREFIX)/lib/conversion-warehouse-sync/scripts/cv-sync
	install -m 644 scripts/lib/*.sh $(DESTDIR)$(PREFIX)/lib/conversion-warehouse-sync/scripts/lib/
	ln -sf ../lib/conversion-warehouse-sync/scripts/cv-sync $(DESTDIR)$(PREFIX)/bin/cv-sync
