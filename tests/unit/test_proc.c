/* test_proc.c — core/proc.h (a child process bounded in time and output) and the cleaning of pdftotext's output
 * (sync/pdf_extractor.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/clock.h"
#include "core/proc.h"
#include "sync/pdf_extractor.h"

Test(proc, captures_output_and_exit_status)
{
    buf_t out;
    buf_init(&out, 0);
    proc_result_t r;
    const char *echo[] = {"/bin/sh", "-c", "printf 'hello\\n'; echo oops >&2; exit 3", NULL};
    cr_assert_eq(proc_capture(echo, 5000, 1024, &out, &r), 0);
    cr_assert_str_eq(out.data, "hello\n");
    cr_assert_eq(r.exit_status, 3);
    cr_assert_str_eq(r.err, "oops");
    cr_assert(!r.timed_out && !r.truncated);
    buf_free(&out);
}

Test(proc, a_missing_program_is_enoent)
{
    buf_t out;
    buf_init(&out, 0);
    proc_result_t r;
    const char *argv[] = {"motcua-no-such-program", NULL};
    cr_assert_eq(proc_capture(argv, 1000, 16, &out, &r), -ENOENT);
    buf_free(&out);
}

Test(proc, killed_at_the_deadline)
{
    buf_t out;
    buf_init(&out, 0);
    proc_result_t r;
    const char *argv[] = {"sleep", "30", NULL};
    long long t0 = clock_mono_us();
    cr_assert_eq(proc_capture(argv, 300, 16, &out, &r), 0);
    cr_assert(r.timed_out);
    cr_assert_eq(r.exit_status, -1);
    cr_assert_lt(clock_mono_us() - t0, 5000000LL, "killed, not waited for");
    buf_free(&out);
}

Test(proc, output_bounded)
{
    buf_t out;
    buf_init(&out, 0);
    proc_result_t r;
    const char *argv[] = {"yes", NULL};
    cr_assert_eq(proc_capture(argv, 10000, 100000, &out, &r), 0);
    cr_assert(r.truncated);
    cr_assert_leq(out.len, 100000u);
    buf_free(&out);
}

Test(proc, text_cleaned_for_storage)
{
    buf_t out;
    buf_init(&out, 0);
    static const char raw[] = "  Biên \t bản\n\n\x01 nghiệm\xff thu \xe1\xbb  ";
    cr_assert_eq(pdf_text_clean(raw, sizeof raw - 1, 1000, &out), 0);
    cr_assert_str_eq(out.data, "Biên bản\nnghiệm thu");
    buf_reset(&out);
    /* cut at a character boundary: "Biên" is 5 bytes; a cap of 3 keeps "Bi", not half of "ê" */
    cr_assert_eq(pdf_text_clean("Biên", 5, 3, &out), 1);
    cr_assert_str_eq(out.data, "Bi");
    buf_free(&out);
}
