/* docmod.c — the documents module (motcua-docs.so), loaded on first use.
 *
 * The PDF forms (cairo, pango, qrencode), the spreadsheets (libxlsxwriter) and the edXML packages with their XML
 * signatures (libxml2, libxmlsec1) need some 45 shared libraries, ICU and libstdc++ among them: 7 MB of resident
 * pages in a server that has not yet printed anything (issue 8, item 4: RSS idle after 20 sign-ins < 15 MB). Their
 * code (src/core/pdf.c, src/domain/forms.c, src/domain/export.c, src/domain/edxml.c, src/sign/xmldsig.c,
 * src/core/xmlsafe.c) is linked into motcua-docs.so instead of the executable; this file gives the executable the
 * module's public functions, each of which loads the module the first time it is called (dlopen, once for the
 * process) and then calls the module's own function. The module calls back into the executable for the core
 * helpers (buffers, JSON writer, messages); the executable exports exactly those (the linker's --dynamic-list,
 * made by the Makefile from the module's undefined symbols).
 *
 * Where the module is: next to the executable (build/motcua-docs.so beside build/motcua), else
 * <prefix>/lib/motcua/motcua-docs.so for an executable in <prefix>/bin. `motcua serve` checks at start that the file
 * is there and is an ELF object (docmod_check), so a broken install fails at once rather than at the first receipt. A module that is
 * there but cannot be loaded (a missing library) stops the process with the loader's message: the functions below
 * have no way to answer without it.
 *
 * Only the executable is linked with this file: the unit tests, benchmarks and fuzz targets link the module's
 * objects directly. */
#include "cli/docmod.h"
#include "core/log.h"
#include "domain/edxml.h"
#include "domain/export.h"
#include "domain/forms.h"
#include "domain/ministry_soap.h"
#include "core/pdf.h"
#include "sign/xmldsig.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static void *handle;   /* written once under load_once; read after it */
static int loaded;     /* atomic: 1 once handle is set */

/* The candidate paths of the module, in order; 0 when found (out holds it), -1 when none exists. */
static int module_path(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    int w = snprintf(out, cap, "%s/" DOCMOD_FILE, exe);
    if (w > 0 && (size_t)w < cap && access(out, R_OK) == 0) return 0;
    slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
        w = snprintf(out, cap, "%s/lib/motcua/" DOCMOD_FILE, exe);
        if (w > 0 && (size_t)w < cap && access(out, R_OK) == 0) return 0;
    }
    return -1;
}

int docmod_check(char *path, size_t cap)
{
    if (module_path(path, cap) != 0) return -1;
    /* An ELF file, not something else under that name (loading it is left to the first use). */
    unsigned char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f) fclose(f);
    return n == sizeof magic && !memcmp(magic, "\x7f" "ELF", 4) ? 0 : -1;
}

static void load(void)
{
    char path[PATH_MAX];
    if (module_path(path, sizeof path) != 0) {
        log_error("docmod: " DOCMOD_FILE " is not next to the executable nor in ../lib/motcua/");
        abort();
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        char esc[LOG_ESC_CAP];
        log_error("docmod: cannot load the documents module: %s", log_esc(esc, sizeof esc, dlerror()));
        abort();
    }
    handle = h;
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
    log_debug("docmod: loaded the documents module");
}

int docmod_loaded(void)
{
    return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE);
}

static void *sym(const char *name)
{
    pthread_once(&load_once, load);
    void *p = dlsym(handle, name);
    if (!p) {
        log_error("docmod: the documents module has no function %s", name);
        abort();
    }
    return p;
}

/* One forwarding function per public function of the module. fn is resolved once; racing first calls resolve the
 * same address. */
#define FWD(ret, name, params, args)                                                \
    ret name params                                                                 \
    {                                                                               \
        static ret(*fn) params;                                                     \
        ret(*docmod_fn_) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);           \
        if (!docmod_fn_) {                                                          \
            *(void **)&docmod_fn_ = sym(#name);                                     \
            __atomic_store_n(&fn, docmod_fn_, __ATOMIC_RELEASE);                    \
        }                                                                           \
        return docmod_fn_ args;                                                     \
    }
#define FWD_VOID(name, params, args)                                                \
    void name params                                                                \
    {                                                                               \
        static void(*fn) params;                                                    \
        void(*docmod_fn_) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);          \
        if (!docmod_fn_) {                                                          \
            *(void **)&docmod_fn_ = sym(#name);                                     \
            __atomic_store_n(&fn, docmod_fn_, __ATOMIC_RELEASE);                    \
        }                                                                           \
        docmod_fn_ args;                                                            \
    }
/* Clean-ups: nothing to clean when the module was never loaded, so they do not load it. */
#define FWD_IF_LOADED(name)                                                         \
    void name(void)                                                                 \
    {                                                                               \
        if (!docmod_loaded()) return;                                               \
        void (*docmod_fn_)(void);                                                   \
        *(void **)&docmod_fn_ = sym(#name);                                         \
        docmod_fn_();                                                               \
    }

/* PDF forms of Circular 03/2025 (domain/forms.h) */
FWD(int, forms_receipt, (const forms_receipt_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_supplement, (const forms_supplement_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_refusal, (const forms_refusal_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_apology, (const forms_apology_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_stop, (const forms_stop_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_control_sheet, (const forms_control_sheet_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_tracking_book, (const forms_tracking_book_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD(int, forms_tracking_book_csv, (const forms_tracking_book_t *f, buf_t *out, derr_t *err), (f, out, err))
FWD_VOID(forms_format_instant, (long long utc_ms, char *out, size_t cap), (utc_ms, out, cap))
FWD_VOID(forms_format_book_time, (long long utc_ms, char *out, size_t cap), (utc_ms, out, cap))
FWD_IF_LOADED(pdf_release_thread)

/* Report tables as CSV, XLSX, PDF (domain/export.h) */
FWD(int, export_format_parse, (const char *s, export_format_t *out), (s, out))
FWD(const char *, export_media_type, (export_format_t f), (f))
FWD(const char *, export_extension, (export_format_t f), (f))
FWD(export_table_t *, export_new, (const char *title, const char *subtitle), (title, subtitle))
FWD_VOID(export_section, (export_table_t *t, const char *title), (t, title))
FWD_VOID(export_column, (export_table_t *t, const char *header, bool numeric), (t, header, numeric))
FWD_VOID(export_text, (export_table_t *t, const char *s), (t, s))
FWD_VOID(export_int, (export_table_t *t, long long v), (t, v))
FWD_VOID(export_ratio, (export_table_t *t, double v), (t, v))
FWD_VOID(export_end_row, (export_table_t *t), (t))
FWD(int, export_write_lang, (export_table_t *t, export_format_t f, lang_t lang, buf_t *out), (t, f, lang, out))
FWD_VOID(export_free, (export_table_t *t), (t))
FWD(long, export_rows, (const export_table_t *t), (t))

/* ministry adapter: the SOAP shape (domain/ministry_soap.h) */
FWD(int, ministry_soap_build, (const char *operation, const char *json, size_t n, buf_t *out, char *why, size_t why_len),
    (operation, json, n, out, why, why_len))
FWD(int, ministry_soap_parse, (const void *xml, size_t n, buf_t *json_out, char *why, size_t why_len),
    (xml, n, json_out, why, why_len))

/* edXML packages (domain/edxml.h) */
FWD_VOID(edxml_doc_free, (edxml_doc_t *d), (d))
FWD(int, edxml_build, (const edxml_doc_t *d, buf_t *xml_out, char *why, size_t why_len), (d, xml_out, why, why_len))
FWD(int, edxml_parse, (const void *xml, size_t n, edxml_doc_t *out, char *why, size_t why_len),
    (xml, n, out, why, why_len))
FWD_VOID(edxml_to_json, (jw_t *w, const edxml_doc_t *d, bool with_data), (w, d, with_data))
FWD(int, edxml_from_json,
    (const json_t *o, edxml_doc_t *out, edxml_load_fn load, void *arg, char *why, size_t why_len),
    (o, out, load, arg, why, why_len))
FWD(const char *, edxml_status_name, (const char *code), (code))

/* XML signatures of the packages (sign/xmldsig.h) */
FWD(int, xmldsig_sign, (signer_t *s, buf_t *xml_inout, char *why, size_t why_len), (s, xml_inout, why, why_len))
FWD(int, xmldsig_verify,
    (const void *xml, size_t n, const char *trust_pem, signer_info_t *who, bool *lenient, char *why, size_t why_len),
    (xml, n, trust_pem, who, lenient, why, why_len))
FWD_IF_LOADED(xmldsig_shutdown)
