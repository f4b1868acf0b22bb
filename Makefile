# motcua — plain Makefile with pkg-config.
#   make          build/motcua (release, hardened)
#   make run      install deps, build, create var/motcua.db with demo data if absent, serve on 127.0.0.1:8080
#   make check    install deps, build with ASan+UBSan, run every test suite, end with "N passed, N failed"
#   make bench    benchmarks (not part of check)
# Every .c under src/ is part of the program; every .c under tests/unit/ is part of the Criterion test binary.

CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libpq libcrypto libargon2 libutf8proc
# notify: libcurl (SMTP and the SMS gateway)
PKGS    += libcurl
# forms: PDF forms of Circular 03/2025 (cairo + pango, QR codes)
PKGS    += pangocairo cairo-pdf libqrencode
# exports: report tables as XLSX (libxlsxwriter 1.1.4 writes to a file: domain/export.c)
PKGS    += xlsxwriter
# documents and signatures: edXML packages (libxml2), their XML-DSig (libxmlsec1 with OpenSSL), PDF object streams (zlib)
PKGS    += libxml-2.0 xmlsec1-openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The documents module (src/cli/docmod.c): the sources that need these libraries are linked into motcua-docs.so,
# which the executable loads on first use; the executable itself links only the other libraries. The unit tests,
# benchmarks and fuzz targets link everything directly.
DOC_PKGS := pangocairo cairo-pdf libqrencode xlsxwriter libxml-2.0 xmlsec1-openssl
DOC_SRC  := src/core/pdf.c src/core/xmlsafe.c src/domain/edxml.c src/domain/export.c src/domain/forms.c \
            src/sign/xmldsig.c src/domain/ministry_soap.c
DOC_LIBS := $(shell pkg-config --libs $(DOC_PKGS) 2>/dev/null)
EXE_LIBS := $(shell pkg-config --libs $(filter-out $(DOC_PKGS),$(PKGS)) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs criterion 2>/dev/null)

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

WARN    := -Wall -Wextra -Werror -Wformat=2 -Wvla -Wstrict-prototypes -Wno-format-nonliteral
DEFS    := -D_GNU_SOURCE -DMOTCUA_VERSION='"$(VERSION)"'
INC     := -Isrc
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
LDHARD  := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack

CFLAGS_REL := -std=c11 -O2 -g $(WARN) $(DEFS) $(INC) $(HARDEN) $(PKG_CFLAGS)
CFLAGS_SAN := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              $(WARN) $(DEFS) $(INC) -fPIE $(PKG_CFLAGS)
LDFLAGS_REL := $(LDHARD)
LDFLAGS_SAN := -fsanitize=address,undefined -pie

SRC      := $(sort $(shell find src -name '*.c'))
LIB_SRC  := $(filter-out src/cli/main.c src/cli/docmod.c,$(SRC))
EXE_SRC  := $(filter-out $(DOC_SRC),$(SRC))
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
HDRS     := $(shell find src tests/unit -name '*.h')

OBJ_REL  := $(patsubst %.c,build/rel/%.o,$(EXE_SRC))
OBJ_SAN  := $(patsubst %.c,build/san/%.o,$(EXE_SRC))
LIB_SAN  := $(patsubst %.c,build/san/%.o,$(LIB_SRC))
LIB_REL  := $(patsubst %.c,build/rel/%.o,$(LIB_SRC))
TOBJ_SAN := $(patsubst %.c,build/san/%.o,$(TEST_SRC))
BENCH_BIN := $(patsubst bench/%.c,build/bench/%,$(BENCH_SRC))

# libFuzzer targets (clang): one per parser, under fuzz/.
FUZZ_CC     ?= clang
FUZZ_CFLAGS := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
               -Wall -Wextra -Werror -Wno-unused-command-line-argument $(DEFS) $(INC) $(PKG_CFLAGS)
FUZZ_SRC    := $(sort $(wildcard fuzz/*.c))
FUZZ_BIN    := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
.SECONDARY:
OBJ_FUZZ    := $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC))

.PHONY: all run check bench deps clean san unit fuzz fuzz-build coverage screens
all: build/motcua

deps:
	@scripts/install-deps

# The API contract served by GET /api/v1/openapi.json: docs/openapi.yaml as JSON, compiled into the binary.
build/gen/openapi_json.h: docs/openapi.yaml scripts/openapi-embed.py
	@echo "  GEN     $@"
	@python3 scripts/openapi-embed.py docs/openapi.yaml build/openapi.json $@
$(foreach d,rel san fuzz cov,build/$(d)/src/api/api_openapi.o): build/gen/openapi_json.h

# The module's objects are position-independent (a shared object); the executable exports to it exactly the core
# functions it calls (build/<v>/docs.dynlist: the module's undefined symbols that the executable's objects define).
# $(call docmod,v,cflags,ldflags,exe): the module and the executable of build variant v.
define docmod
$(patsubst %.c,build/$(1)/%.o,$(DOC_SRC)): PIC := -fPIC
build/$(1)/docs.dynlist: $(patsubst %.c,build/$(1)/%.o,$(DOC_SRC) $(EXE_SRC))
	@nm -u --format=posix $(patsubst %.c,build/$(1)/%.o,$(DOC_SRC)) | awk '{print $$$$1}' | sort -u >$$@.undef
	@nm -g --defined-only --format=posix $(patsubst %.c,build/$(1)/%.o,$(EXE_SRC)) | awk '{print $$$$1}' | sort -u >$$@.def
	@{ echo '{'; comm -12 $$@.undef $$@.def | sed 's/$$$$/;/'; echo '};'; } >$$@
$(dir $(4))motcua-docs.so: $(patsubst %.c,build/$(1)/%.o,$(DOC_SRC))
	@echo "  LD      $$@"
	@$$(CC) $(2) -shared -Wl,-Bsymbolic -Wl,-z,relro,-z,now -Wl,-z,noexecstack -o $$@ $$^ $$(DOC_LIBS)
$(4): $(patsubst %.c,build/$(1)/%.o,$(EXE_SRC)) build/$(1)/docs.dynlist $(dir $(4))motcua-docs.so
	@echo "  LD      $$@"
	@$$(CC) $(2) $(3) -Wl,--dynamic-list=build/$(1)/docs.dynlist -o $$@ \
	  $(patsubst %.c,build/$(1)/%.o,$(EXE_SRC)) $$(EXE_LIBS) -lpthread -lm
endef
$(eval $(call docmod,rel,$(CFLAGS_REL),$(LDFLAGS_REL),build/motcua))
$(eval $(call docmod,san,$(CFLAGS_SAN),$(LDFLAGS_SAN),build/san/motcua))

build/san/test_unit: $(LIB_SAN) $(TOBJ_SAN)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_SAN) $(LDFLAGS_SAN) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lpthread -lm

build/rel/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_REL) $(PIC) -c -o $@ $<

build/san/tests/%.o: tests/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC test $<"
	@$(CC) $(CFLAGS_SAN) $(TEST_CFLAGS) -Itests/unit -c -o $@ $<

build/san/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(CFLAGS_SAN) $(PIC) -c -o $@ $<

build/fuzz/src/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/%: fuzz/%.c $(OBJ_FUZZ)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(OBJ_FUZZ) $(PKG_LIBS) -lpthread -lm

build/bench/%: bench/%.c $(LIB_REL)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_REL) $(LDFLAGS_REL) -o $@ $< $(LIB_REL) $(PKG_LIBS) -lpthread -lm

san: build/san/motcua build/san/test_unit

# Coverage: a gcov build (-O0 --coverage, no sanitizer) run through every suite of `make check`, then one line for
# lines and one for branches of src/ (gcovr). Counters are updated atomically (the server is threaded) and reset
# before each run.
CFLAGS_COV := -std=c11 -O0 -g --coverage -fprofile-update=atomic $(WARN) $(DEFS) $(INC) -fPIE $(PKG_CFLAGS)
OBJ_COV  := $(patsubst %.c,build/cov/%.o,$(EXE_SRC))
LIB_COV  := $(patsubst %.c,build/cov/%.o,$(LIB_SRC))
TOBJ_COV := $(patsubst %.c,build/cov/%.o,$(TEST_SRC))

$(eval $(call docmod,cov,$(CFLAGS_COV),-pie,build/cov/motcua))

build/cov/test_unit: $(LIB_COV) $(TOBJ_COV)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_COV) -pie -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lpthread -lm

build/cov/tests/%.o: tests/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC cov  $<"
	@$(CC) $(CFLAGS_COV) $(TEST_CFLAGS) -Itests/unit -c -o $@ $<

build/cov/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC cov  $<"
	@$(CC) $(CFLAGS_COV) $(PIC) -c -o $@ $<

coverage: deps
	@$(MAKE) --no-print-directory -j2 build/motcua build/cov/motcua build/cov/test_unit
	@scripts/coverage

run: deps build/motcua
	@scripts/run

check: deps
	@$(MAKE) --no-print-directory -j2 build/motcua build/san/motcua build/san/test_unit fuzz-build
	@scripts/check

fuzz-build: $(FUZZ_BIN)

# The screenshots of docs/screens/, made by the browser tests themselves so that they follow the code.
screens: deps build/san/motcua
	@mkdir -p docs/screens
	@for t in tests/browser/test_*.mjs; do MOTCUA_SCREENSHOT_DIR=$(CURDIR)/docs/screens node $$t >/dev/null || exit 1; done
	@ls docs/screens

fuzz: deps
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@scripts/fuzz $${FUZZ_SECONDS:-60}

bench: deps build/motcua $(BENCH_BIN)
	@bench/run

clean:
	rm -rf build

# catalog: the shipped procedure data is linked in by procedure_data.c (.incbin)
$(foreach v,rel san cov fuzz,build/$(v)/src/domain/procedure_data.o): data/procedures-commune.csv
