/* test_export.c — report tables as CSV, XLSX and PDF (domain/export.h).
 *
 * CSV is checked byte for byte (BOM, CRLF, RFC 4180 quoting, the formula guard, numbers, ratios, sections); the
 * builder's misuses and bounds must make export_write() refuse and leave the output as it was; sheet names must
 * satisfy Excel's rules. XLSX and PDF are checked for a complete file here (the ZIP and PDF signatures, the
 * temporary file removed, the page count growing with the rows); their cells and text are read back with openpyxl
 * and pdftotext by tests/api/test_exports.py. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pdf.h"
#include "core/utf8.h"
#include "domain/export.h"

static void fini(void) { pdf_release_thread(); }

static char *csv_of(export_table_t *t)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = export_write(t, EXPORT_CSV, &b);
    cr_assert_eq(rc, 0, "export_write: %d", rc);
    return buf_steal(&b);
}

Test(export, formats)
{
    export_format_t f;
    cr_assert_eq(export_format_parse("csv", &f), 0);
    cr_assert_eq(f, EXPORT_CSV);
    cr_assert_eq(export_format_parse("xlsx", &f), 0);
    cr_assert_eq(f, EXPORT_XLSX);
    cr_assert_eq(export_format_parse("pdf", &f), 0);
    cr_assert_eq(f, EXPORT_PDF);
    cr_assert_eq(export_format_parse("PDF", &f), -EINVAL);
    cr_assert_eq(export_format_parse("xls", &f), -EINVAL);
    cr_assert_eq(export_format_parse("", &f), -EINVAL);
    cr_assert_eq(export_format_parse(NULL, &f), -EINVAL);
    cr_assert_str_eq(export_media_type(EXPORT_CSV), "text/csv; charset=utf-8");
    cr_assert_str_eq(export_media_type(EXPORT_XLSX), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    cr_assert_str_eq(export_media_type(EXPORT_PDF), "application/pdf");
    cr_assert_str_eq(export_extension(EXPORT_CSV), "csv");
    cr_assert_str_eq(export_extension(EXPORT_XLSX), "xlsx");
    cr_assert_str_eq(export_extension(EXPORT_PDF), "pdf");
}

Test(export, csv_bom_crlf_quoting)
{
    export_table_t *t = export_new("Báo cáo, tháng 11", "Xã Đồng Tiến");
    export_column(t, "Mã hồ sơ", false);
    export_column(t, "Số \"hồ sơ\"", true);
    export_column(t, "Tỉ lệ", true);
    export_text(t, "000.00.06.H56-251202-0007");
    export_int(t, 1234567);
    export_ratio(t, 0.83333);
    export_end_row(t);
    export_text(t, "dòng 1\ndòng 2");
    export_int(t, -5);                 /* a number, not a formula: no guard */
    export_ratio(t, NAN);
    export_end_row(t);
    export_text(t, "a\r\nb");
    export_int(t, 0);
    export_ratio(t, -1);
    export_end_row(t);
    export_text(t, NULL);              /* empty cell, then the rest of the row padded */
    export_end_row(t);
    char *s = csv_of(t);
    cr_assert_str_eq(s, "\xEF\xBB\xBF\"Báo cáo, tháng 11\"\r\n"
                        "Xã Đồng Tiến\r\n"
                        "\r\n"
                        "Mã hồ sơ,\"Số \"\"hồ sơ\"\"\",Tỉ lệ\r\n"
                        "000.00.06.H56-251202-0007,1234567,83.33%\r\n"
                        "\"dòng 1\ndòng 2\",-5,\r\n"
                        "\"a\r\nb\",0,\r\n"
                        ",,\r\n");
    free(s);
    cr_assert_eq(export_rows(t), 4);
    export_free(t);
}

Test(export, csv_formula_injection)
{
    export_table_t *t = export_new("T", NULL);
    export_column(t, "=HEADER()", false);
    const char *bad[] = {"=1+1", "+84912345678", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"y\")"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        export_text(t, bad[i]);
        export_end_row(t);
    }
    export_text(t, "a=b");            /* only the first character matters */
    export_end_row(t);
    char *s = csv_of(t);
    cr_assert_str_eq(s, "\xEF\xBB\xBFT\r\n\r\n'=HEADER()\r\n"
                        "'=1+1\r\n'+84912345678\r\n'-2\r\n'@SUM(A1)\r\n'\tx\r\n\"'\rx\"\r\n"
                        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
                        "a=b\r\n");
    free(s);
    export_free(t);

    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(export_csv_field(&b, "-x"), 0);
    cr_assert_eq(export_csv_field(&b, ""), 0);
    cr_assert_eq(export_csv_field(&b, NULL), 0);
    cr_assert_str_eq(b.data, "'-x");
    buf_free(&b);
}

Test(export, csv_sections)
{
    export_table_t *t = export_new("Chỉ số", "Kỳ 11/2026");
    export_section(t, "Tổng hợp");
    export_column(t, "Chỉ tiêu", false);
    export_column(t, "Giá trị", true);
    export_text(t, "Tiếp nhận");
    export_int(t, 402);
    export_section(t, "Theo tháng");       /* closes the open row */
    export_column(t, "Tháng", false);
    export_text(t, "2026-11");
    export_end_row(t);
    export_end_row(t);                     /* an empty end_row adds no row */
    char *s = csv_of(t);
    cr_assert_str_eq(s, "\xEF\xBB\xBF" "Chỉ số\r\nKỳ 11/2026\r\n"
                        "\r\nTổng hợp\r\nChỉ tiêu,Giá trị\r\nTiếp nhận,402\r\n"
                        "\r\nTheo tháng\r\nTháng\r\n2026-11\r\n");
    free(s);
    cr_assert_eq(export_rows(t), 2);
    export_free(t);
}

/* A refused table writes nothing into a buffer that already holds bytes. */
static void assert_refused(export_table_t *t, int want)
{
    for (int f = EXPORT_CSV; f <= EXPORT_PDF; f++) {
        buf_t b;
        buf_init(&b, 0);
        buf_puts(&b, "keep");
        cr_assert_eq(export_write(t, (export_format_t)f, &b), want, "format %d", f);
        cr_assert_str_eq(b.data, "keep");
        cr_assert_eq(b.len, 4);
        buf_free(&b);
    }
    cr_assert_eq(export_error(t), want);
}

Test(export, misuse_is_refused, .fini = fini)
{
    export_table_t *t = export_new("T", NULL);
    export_text(t, "no column yet");
    assert_refused(t, -EINVAL);
    export_free(t);

    t = export_new("T", NULL);
    export_column(t, "A", false);
    export_text(t, "1");
    export_text(t, "2");                   /* more cells than columns */
    assert_refused(t, -EINVAL);
    export_free(t);

    t = export_new("T", NULL);
    export_column(t, "A", false);
    export_text(t, "1");
    export_end_row(t);
    export_column(t, "B", false);          /* a column after the first row */
    assert_refused(t, -EINVAL);
    export_free(t);

    t = export_new("T", NULL);
    export_column(t, "A", false);
    export_text(t, "\xC3\x28");            /* invalid UTF-8 */
    assert_refused(t, -EINVAL);
    export_free(t);

    t = export_new("\xFF", NULL);          /* an invalid title too */
    assert_refused(t, -EINVAL);
    export_free(t);
}

Test(export, bounds, .fini = fini)
{
    export_table_t *t = export_new("T", NULL);
    export_column(t, "n", true);
    for (long i = 0; i < EXPORT_ROWS_MAX; i++) {
        export_int(t, i);
        export_end_row(t);
    }
    cr_assert_eq(export_error(t), 0);
    cr_assert_eq(export_rows(t), EXPORT_ROWS_MAX);
    export_int(t, 1);                      /* one row too many */
    export_end_row(t);
    cr_assert_eq(export_rows(t), EXPORT_ROWS_MAX);
    assert_refused(t, -E2BIG);
    export_free(t);

    t = export_new("T", NULL);
    export_column(t, "s", false);
    char *big = malloc(EXPORT_CELL_TEXT_MAX + 2);
    memset(big, 'x', EXPORT_CELL_TEXT_MAX + 1);
    big[EXPORT_CELL_TEXT_MAX + 1] = '\0';
    export_text(t, big);
    assert_refused(t, -E2BIG);
    export_free(t);
    big[EXPORT_CELL_TEXT_MAX] = '\0';      /* exactly the limit is taken */
    t = export_new("T", NULL);
    export_column(t, "s", false);
    export_text(t, big);
    cr_assert_eq(export_error(t), 0);
    export_free(t);
    free(big);

    t = export_new("T", NULL);
    for (int i = 0; i <= EXPORT_COLS_MAX; i++) export_column(t, "c", false);
    assert_refused(t, -E2BIG);
    export_free(t);

    t = export_new("T", NULL);
    for (int i = 0; i <= EXPORT_SECTIONS_MAX; i++) {
        export_section(t, "s");
        export_column(t, "c", false);
    }
    assert_refused(t, -E2BIG);
    export_free(t);

    /* The PDF draws at most PDF_MAX_COLS columns; CSV still takes them. */
    t = export_new("T", NULL);
    for (int i = 0; i <= PDF_MAX_COLS; i++) export_column(t, "c", false);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_PDF, &b), -E2BIG);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(export_write(t, EXPORT_CSV, &b), 0);
    buf_free(&b);
    export_free(t);

    /* A PDF holds EXPORT_PDF_ROWS_MAX rows; the same table is fine as CSV. */
    t = export_new("T", NULL);
    export_column(t, "n", true);
    for (int i = 0; i <= EXPORT_PDF_ROWS_MAX; i++) {
        export_int(t, i);
        export_end_row(t);
    }
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_PDF, &b), -E2BIG);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(export_write(t, EXPORT_CSV, &b), 0);
    buf_free(&b);
    export_free(t);

    /* The output buffer's cap. */
    t = export_new("T", NULL);
    export_column(t, "c", false);
    for (int i = 0; i < 100; i++) {
        export_text(t, "0123456789");
        export_end_row(t);
    }
    buf_init(&b, 512);
    cr_assert_eq(export_write(t, EXPORT_CSV, &b), -E2BIG);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(export_write(t, EXPORT_XLSX, &b), -E2BIG);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(export_write(t, EXPORT_PDF, &b), -E2BIG);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
    export_free(t);
}

Test(export, sheet_names)
{
    char n[128];
    export_sheet_name("Tổng hợp [quý 4]: a*b?c/d\\e", 1, n, sizeof n);
    cr_assert_str_eq(n, "Tổng hợp  quý 4   a b c d e");
    export_sheet_name("'quoted'", 2, n, sizeof n);
    cr_assert_str_eq(n, "quoted");
    export_sheet_name("", 3, n, sizeof n);
    cr_assert_str_eq(n, "Sheet3");
    export_sheet_name(NULL, 4, n, sizeof n);
    cr_assert_str_eq(n, "Sheet4");
    export_sheet_name("[]:*?/\\", 5, n, sizeof n);
    cr_assert_str_eq(n, "Sheet5");
    export_sheet_name("history", 6, n, sizeof n);   /* reserved by Excel */
    cr_assert_str_eq(n, "Sheet6");
    /* 40 Vietnamese characters: cut at 31 characters, not bytes */
    export_sheet_name("Đăng ký khai sinh, kết hôn, khai tử 2026", 7, n, sizeof n);
    cr_assert_str_eq(n, "Đăng ký khai sinh, kết hôn, kha");
    cr_assert_eq(utf8_length(n, strlen(n)), 31);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static export_table_t *sample(int rows, int sections)
{
    export_table_t *t = export_new("Sổ theo dõi hồ sơ", "Xã Đồng Tiến — từ 01/11/2026 đến 30/11/2026");
    for (int k = 0; k < sections; k++) {
        export_section(t, "Lĩnh vực: hộ tịch");  /* the same title each time: the sheet names get (2), (3) */
        export_column(t, "STT", true);
        export_column(t, "Mã hồ sơ", false);
        export_column(t, "Người nộp", false);
        export_column(t, "Đúng hạn", true);
        for (int i = 0; i < rows; i++) {
            export_int(t, i + 1);
            export_text(t, "000.00.06.H56-251202-0007");
            export_text(t, "Nguyễn Thị Ộ Ệ, thôn Đặng Xá, một địa chỉ dài để xuống dòng trong ô của bảng");
            export_ratio(t, i / (double)(rows ? rows : 1));
            export_end_row(t);
        }
    }
    return t;
}

Test(export, xlsx_file, .fini = fini)
{
    char dir[] = "/tmp/motcua-xlsx-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    export_table_t *t = sample(300, 3);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_XLSX, &b), 0);
    cr_assert_gt(b.len, 2000);
    cr_assert_eq(memcmp(b.data, "PK\x03\x04", 4), 0);      /* a ZIP container */
    cr_assert_not_null(memmem(b.data, b.len, "xl/worksheets/sheet3.xml", 24));
    cr_assert_eq(files_in(dir), 0, "the temporary file must be removed");
    buf_free(&b);
    export_free(t);
    /* no section and no column: still a valid workbook with one sheet */
    t = export_new("Trống", NULL);
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_XLSX, &b), 0);
    cr_assert_eq(memcmp(b.data, "PK\x03\x04", 4), 0);
    buf_free(&b);
    export_free(t);
    /* an unusable TMPDIR is an I/O error, not a crash */
    setenv("TMPDIR", "/nonexistent/motcua", 1);
    t = sample(2, 1);
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_XLSX, &b), -EIO);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
    export_free(t);
    unsetenv("TMPDIR");
    rmdir(dir);
}

static int pdf_pages_of(const buf_t *b)
{
    int n = 0;
    for (const char *p = b->data; (p = memmem(p, b->len - (size_t)(p - b->data), "/Type /Page", 11)); p += 11)
        if (p[11] != 's') n++;
    return n;
}

Test(export, pdf_file, .fini = fini)
{
    export_table_t *t = sample(3, 1);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_PDF, &b), 0);
    cr_assert_eq(memcmp(b.data, "%PDF-", 5), 0);
    cr_assert_eq(pdf_pages_of(&b), 1);
    buf_free(&b);
    export_free(t);
    t = sample(400, 2);                       /* many pages, the header repeated on each */
    buf_init(&b, 0);
    cr_assert_eq(export_write_lang(t, EXPORT_PDF, LANG_EN, &b), 0);
    cr_assert_gt(pdf_pages_of(&b), 10);
    buf_free(&b);
    export_free(t);
    /* a cell far longer than a page is cut, so the row still fits */
    t = export_new("T", NULL);
    export_column(t, "s", false);
    char *big = malloc(20001);
    for (int i = 0; i < 20000; i++) big[i] = i % 7 ? 'x' : ' ';
    big[20000] = '\0';
    export_text(t, big);
    free(big);
    buf_init(&b, 0);
    cr_assert_eq(export_write(t, EXPORT_PDF, &b), 0);
    buf_free(&b);
    export_free(t);
}
