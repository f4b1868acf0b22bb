/* demo_gen.c — realistic dossier histories for the demo (see demo_gen.h; docs/demo.md for the proportions).
 *
 * Three phases. Setup (one write transaction): find the communes and their desk officer, specialist and leader;
 * make, once, a specialist at each province (the land registration office that the inter-agency steps go to), a
 * pool of citizen accounts per commune (online dossiers are filed by citizens) and the provinces' adaptation of
 * four land procedures with an inter-agency step (liên thông) — all through account_create() / procedure_save().
 * Plan: the calendar of every unit once, then N dossiers spread over (unit, day) cells by a weight (unit size,
 * weekday, the growth of online filing) with exact largest-remainder rounding. Generate: transactions of `batch`
 * dossiers walk the cells in day order; each dossier is received and then acted on as the staff would, each action
 * on its own instant of the past, until its history ends or reaches the `to` day.
 *
 * The applicants are fictional but their phone numbers have the shape of real ones: the messages the actions put
 * in the notification outbox for them (domain/dossier_notify.c) are taken out again in the same transaction, by
 * their dedupe keys (<node>:<seq>:<channel>), so that a demo database never texts a stranger. The outbox is
 * operational state, not a projection: the ledger and every projection stay exactly what the domain made. */
#include "domain/demo_gen.h"
#include "core/mem.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/dossier.h"
#include "domain/holiday_store.h"
#include "domain/ledger.h"
#include "domain/lookup.h"
#include "domain/notify.h"
#include "domain/procedure.h"
#include "domain/unit.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH   2000      /* dossiers per transaction: ~15,000 events */
#define CIT_PER_UNIT    40        /* citizen accounts per commune (online applicants) */
#define HASHES          4         /* distinct password hashes ("demo") shared by the created accounts */
#define END_MIN(g)      ((g)->to_day * CALENDAR_MINUTES_PER_DAY)

/* ---- a small deterministic generator (splitmix64) ---- */

typedef struct rng { unsigned long long s; } rng_t;

static unsigned long long mix64(unsigned long long z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static unsigned long long rnext(rng_t *r) { return mix64(r->s += 0x9e3779b97f4a7c15ULL); }
static double runi(rng_t *r) { return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0); }
static long rint_in(rng_t *r, long lo, long hi) { return hi <= lo ? lo : lo + (long)(rnext(r) % (unsigned long long)(hi - lo + 1)); }
static bool chance(rng_t *r, double p) { return runi(r) < p; }
static rng_t rng_for(unsigned long long seed, unsigned long long a, unsigned long long b, unsigned long long c)
{
    rng_t r = {mix64(seed ^ mix64(a * 0x100000001b3ULL ^ mix64(b + 0x632be59bd9b4e019ULL) ^ mix64(c + 7)))};
    return r;
}
#define PICK(r, arr) ((arr)[rnext(r) % (sizeof(arr) / sizeof((arr)[0]))])

/* ---- names, places and texts of the histories (data, Vietnamese as the dossiers hold them) ---- */

static const struct { const char *name; int w; } families[] = {
    {"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95}, {"Phạm", 70}, {"Hoàng", 30}, {"Huỳnh", 21}, {"Phan", 45},
    {"Vũ", 20}, {"Võ", 19}, {"Đặng", 21}, {"Bùi", 20}, {"Đỗ", 14}, {"Hồ", 13}, {"Ngô", 13}, {"Dương", 10},
    {"Lý", 5}, {"Đinh", 6}, {"Trương", 6}, {"Mai", 3}};
static const char *const mid_m[] = {"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc"};
static const char *const mid_f[] = {"Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Thùy", "Mỹ", "Bảo"};
static const char *const giv_m[] = {"An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Huy", "Khoa", "Long", "Nam",
                                    "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Lộc"};
static const char *const giv_f[] = {"Anh", "Bích", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hoa", "Hương", "Lan",
                                    "Linh", "Mai", "Nga", "Nhung", "Oanh", "Phương", "Thảo", "Trang", "Uyên", "Yến"};
/* Ê Đê, M'nông and Gia Rai names (Cư Jút, Ia Ly): family name last for the Ê Đê, first for the Gia Rai. */
static const char *const minority[] = {"Y Bhin Niê", "H'Loan Ênuôl", "Y Khoa Mlô", "H'Nhi Byă", "Y Dhăm Ktla",
                                       "Rơ Mah Hyưk", "Ksor H'Ngơn", "Siu Thanh", "Rmah Dơk", "Puih Blim",
                                       "Kpă Y Bun", "Nay H'Thu", "Thị Hoa Hđơk", "Điểu K'Lanh", "H'Yơn Mlô"};
static const char *const org_kinds[] = {"Hộ kinh doanh", "Công ty TNHH", "Hợp tác xã", "Công ty cổ phần"};
static const char *const org_names[] = {"Minh Phát", "Hưng Thịnh", "Phú Quý", "Thành Đạt", "Cà phê Tây Nguyên",
                                        "Nông sản Xanh", "Vận tải Hoàng Long", "Thủy sản Mỹ Hòa"};

static const char *const refuse_reasons[] = {
    "Hồ sơ không thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp xã",
    "Giấy tờ tải lên không đọc được, thành phần hồ sơ không đúng quy định",
    "Người yêu cầu đã nộp trùng một hồ sơ khác đang được giải quyết"};
static const char *const supplement_reasons[] = {
    "Hồ sơ chưa đầy đủ thành phần theo quy định", "Thông tin trong tờ khai chưa khớp với giấy tờ tùy thân",
    "Cần bổ sung giấy tờ chứng minh theo quy định của thủ tục"};
static const char *const supplement_items[] = {
    "Bản sao giấy tờ tùy thân còn hiệu lực", "Tờ khai có chữ ký của người yêu cầu",
    "Bản sao có chứng thực giấy tờ chứng minh quan hệ nhân thân", "Sơ đồ thửa đất có xác nhận của thôn, tổ dân phố",
    "Giấy ủy quyền hợp lệ"};
static const char *const stop_reasons[] = {
    "Người yêu cầu không bổ sung hồ sơ trong thời hạn theo phiếu yêu cầu bổ sung",
    "Có tranh chấp liên quan, chờ cơ quan có thẩm quyền giải quyết"};
static const char *const extend_reasons[] = {
    "Cần xác minh thêm thông tin tại cơ quan, đơn vị liên quan",
    "Phải lấy ý kiến của cơ quan chuyên môn cấp tỉnh trước khi quyết định"};
static const char *const return_reasons[] = {"Đề nghị bộ phận một cửa kiểm tra lại thành phần hồ sơ",
                                             "Thiếu phiếu kiểm soát bước tiếp nhận"};
static const char *const withdraw_reasons[] = {"Người yêu cầu có đơn xin rút hồ sơ",
                                               "Người yêu cầu không còn nhu cầu giải quyết"};
static const char *const rate_good[] = {"Cán bộ nhiệt tình, hướng dẫn rõ ràng", "Nhận kết quả đúng hẹn",
                                        "Thủ tục nhanh gọn"};
static const char *const rate_bad[] = {"Phải chờ lâu", "Trả kết quả trễ hẹn", "Phải đi lại nhiều lần"};
static const char *const complaint_texts[] = {
    "Tôi nộp hồ sơ đầy đủ nhưng nhận kết quả trễ so với ngày hẹn trên giấy tiếp nhận",
    "Cán bộ hướng dẫn chưa rõ ràng, tôi phải đi lại nhiều lần để bổ sung giấy tờ",
    "Đề nghị xem xét lại lệ phí đã thu đối với hồ sơ của tôi"};
static const char *const complaint_answers[] = {
    "Ủy ban nhân dân xã đã kiểm tra, xin lỗi ông/bà về sự chậm trễ và đã chấn chỉnh bộ phận liên quan",
    "Bộ phận một cửa đã rà soát quy trình và sẽ hướng dẫn một lần đầy đủ cho người dân"};

/* Procedures whose provincial adaptation sends the dossier to the province's land registration office and back
 * (Decree 118/2025 liên thông; the office is a provincial unit since the district level went). */
static const char *const land_codes[] = {"1.013978", "1.012796", "1.012817", "1.012818"};

/* How often a procedure comes to a commune's desk: the most frequent ones by name (certified copies far ahead,
 * then signatures, births, marital status), the rest by their field's share spread over the field. */
static const struct { const char *code; double w; } code_weights[] = {
    {"2.000815", 30}, {"2.000884", 9}, {"1.001193", 9}, {"1.004873", 6}, {"2.000635", 4}, {"1.000894", 3},
    {"2.001035", 3}, {"2.000908", 1.5}};
static const struct { const char *field; double w; } field_weights[] = {
    {"Chứng thực", 4}, {"Hộ tịch", 5}, {"Đất đai", 7}, {"Bảo trợ xã hội", 5}, {"Hộ kinh doanh", 3},
    {"Giáo dục", 2}, {"Người có công", 1.5}, {"Trẻ em", 1}};

/* ---- the plan ---- */

typedef struct gen_cit {
    principal_t who;
    char        name[128], id_number[16], phone[16], email[160], address[640];
} gen_cit_t;

typedef struct gen_unit {
    char                id[ID_LEN + 1], name[256], slug[48], path[AUTH_PATH_MAX];
    int                 prov;
    principal_t         desk, spec, lead;
    holiday_calendar_t *hc;
    const calendar_t   *cal;
    double              weight;
    int                 minority;   /* percent of applicants with an Ê Đê / Gia Rai name */
    gen_cit_t          *cits;
    int                 ncit;
} gen_unit_t;

typedef struct gen_prov {
    char                id[ID_LEN + 1], name[256], slug[48], admin_code[16];
    principal_t         spec;
    holiday_calendar_t *hc;
    const calendar_t   *cal;
} gen_prov_t;

typedef struct gen_paper {
    char id[24], form[16];
    int  copies;
    bool mandatory;
} gen_paper_t;

typedef struct gen_proc {
    char        code[PROCEDURE_CODE_MAX], field[128];
    bool        online, inter;
    long long   fee;                /* a fixed fee, or 0; -1: by the page (certification) */
    double      weight;
    int         npapers;
    gen_paper_t papers[PROCEDURE_PAPERS_MAX];
} gen_proc_t;

typedef struct gen {
    store_t            *st;
    demo_gen_opts_t     o;
    long                to_day;
    char                node[ID_LEN + 1];
    gen_unit_t         *units;
    int                 nunits;
    gen_prov_t         *provs;
    int                 nprovs;
    gen_proc_t         *procs;
    int                 nprocs, nonline;
    double              wsum, wsum_online;
    long                ndays;
    long long          *cells;      /* [day * nunits + unit]: dossiers of that cell */
    char                hashes[HASHES][160];
    bool                have_hashes;  /* false: setup stops at the first account it would create */
    derr_t             *err;
} gen_t;

/* ---- setup (one write transaction) ---- */

static void ascii_fold(const char *in, char *out, size_t cap)
{
    /* Only for e-mail local parts: letters a-z kept, Vietnamese letters by their base (UTF-8 lead bytes mapped
     * through a small table would be overkill: a letter outside ASCII is dropped). */
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < cap; p++) {
        if (*p >= 'A' && *p <= 'Z') out[n++] = (char)(*p - 'A' + 'a');
        else if (*p >= 'a' && *p <= 'z') out[n++] = (char)*p;
    }
    out[n] = '\0';
}

static void person_name(rng_t *r, int minority_pct, char *out, size_t cap)
{
    if ((int)rint_in(r, 0, 99) < minority_pct) {
        str_copy(out, cap, PICK(r, minority));
        return;
    }
    int total = 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) total += families[i].w;
    int k = (int)rint_in(r, 0, total - 1);
    const char *fam = families[0].name;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if (k < families[i].w) { fam = families[i].name; break; }
        k -= families[i].w;
    }
    bool male = chance(r, 0.5);
    snprintf(out, cap, "%s %s %s", fam, male ? PICK(r, mid_m) : PICK(r, mid_f), male ? PICK(r, giv_m) : PICK(r, giv_f));
}

/* A citizen identity number (Circular 59/2021 art. 7) of someone born in `prov` (3-digit code) in 1945..2007. */
static void citizen_id(rng_t *r, const char *prov, char out[16])
{
    int year = (int)rint_in(r, 1945, 2007), female = (int)rint_in(r, 0, 1);
    int century = year >= 2000 ? 2 : 0;
    snprintf(out, 16, "%.3s%d%02d%06ld", prov, (century + female) % 10, year % 100, rint_in(r, 0, 999999));
}

static void phone_number(rng_t *r, char out[16])
{
    static const char lead[] = {'3', '5', '7', '8', '9'};
    snprintf(out, 16, "0%c%08ld", lead[rnext(r) % 5], rint_in(r, 0, 99999999));
}

static void tax_code(rng_t *r, char out[16])
{
    static const int w[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
    for (;;) {
        char d[10];
        int sum = 0;
        d[0] = (char)('0' + rint_in(r, 1, 6));
        for (int i = 1; i < 9; i++) d[i] = (char)('0' + rint_in(r, 0, 9));
        for (int i = 0; i < 9; i++) sum += w[i] * (d[i] - '0');
        int check = 10 - sum % 11;
        if (check >= 10) continue;
        snprintf(out, 16, "%.9s%d", d, check);
        return;
    }
}

static void address_line(rng_t *r, const gen_t *g, const gen_unit_t *u, char *out, size_t cap)
{
    const gen_prov_t *p = &g->provs[u->prov];
    if (u->minority && chance(r, u->minority / 100.0))
        snprintf(out, cap, "Buôn %s, %s, %s", PICK(r, ((const char *const[]){"Trấp", "Ea Pô", "Buôr", "Ia Bă", "Plei Bông"})),
                 u->name, p->name);
    else if (chance(r, 0.4)) snprintf(out, cap, "Tổ dân phố %ld, %s, %s", rint_in(r, 1, 12), u->name, p->name);
    else snprintf(out, cap, "Thôn %ld, %s, %s", rint_in(r, 1, 18), u->name, p->name);
}

/* The birth-registration province code (3 digits) of an applicant of the unit's province. */
static const char *birth_code(rng_t *r, const gen_prov_t *p)
{
    if (!strcmp(p->admin_code, "68")) return PICK(r, ((const char *const[]){"068", "067", "060"}));
    if (!strcmp(p->admin_code, "64")) return PICK(r, ((const char *const[]){"064", "052"}));
    if (!strcmp(p->admin_code, "89")) return PICK(r, ((const char *const[]){"089", "091"}));
    if (!strcmp(p->admin_code, "20")) return "020";
    return chance(r, 0.5) ? "001" : "079";
}

static int get_or_create(db_t *db, gen_t *g, const char *username, const account_input_t *in, account_t *a, int k)
{
    int rc = account_get_by_username(db, username, a);
    if (rc != -ENOENT) return rc;
    if (!g->have_hashes) return -ENOKEY;   /* hash outside the transaction, then run the setup again */
    account_input_t x = *in;
    x.username = username;
    x.password_hash = g->hashes[k % HASHES];
    x.disabled = -1;
    return account_create(db, NULL, &x, a, g->err);
}

struct staff_row { char id[ID_LEN + 1]; char role[16]; };

static int load_unit(db_t *db, gen_t *g, const char *unit_id)
{
    unit_t *u = xmalloc(sizeof *u);
    int rc = unit_get(db, unit_id, u);
    struct staff_row rows[64];
    int n = 0;
    db_stmt_t *s = NULL;
    if (rc == 0) {
        rc = db_query(db, &s, "SELECT r.account_id, r.role FROM roles r JOIN accounts a ON a.id = r.account_id "
                              "WHERE r.unit_id = $1 AND a.disabled = 0 AND a.kind = 'staff' ORDER BY a.username",
                      "t", unit_id);
        while (rc == DB_ROW && n < 64) {
            str_copy(rows[n].id, sizeof rows[n].id, db_col_text(s, 0));
            str_copy(rows[n].role, sizeof rows[n].role, db_col_text(s, 1));
            n++;
            rc = db_step(s);
        }
        if (s) db_reset(s);
        if (rc > 0) rc = 0;
    }
    const char *want[3] = {"desk", "specialist", "leader"};
    int have[3] = {-1, -1, -1};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if (have[k] < 0 && !strcmp(rows[i].role, want[k])) have[k] = i;
    if (rc == 0 && have[0] >= 0 && have[1] >= 0 && have[2] >= 0) {
        gen_unit_t *gu = &g->units[g->nunits];
        memset(gu, 0, sizeof *gu);
        str_copy(gu->id, sizeof gu->id, u->id);
        str_copy(gu->name, sizeof gu->name, u->name);
        str_copy(gu->slug, sizeof gu->slug, u->slug);
        str_copy(gu->path, sizeof gu->path, u->path);
        if ((rc = auth_load_principal(db, rows[have[0]].id, &gu->desk)) == 0 &&
            (rc = auth_load_principal(db, rows[have[1]].id, &gu->spec)) == 0)
            rc = auth_load_principal(db, rows[have[2]].id, &gu->lead);
        int p = -1;
        for (int i = 0; i < g->nprovs; i++)
            if (!strcmp(g->provs[i].id, u->province_id)) p = i;
        if (rc == 0 && p < 0) {
            unit_t *pu = xmalloc(sizeof *pu);
            rc = unit_get(db, u->province_id, pu);
            if (rc == 0) {
                p = g->nprovs++;
                gen_prov_t *gp = &g->provs[p];
                memset(gp, 0, sizeof *gp);
                str_copy(gp->id, sizeof gp->id, pu->id);
                str_copy(gp->name, sizeof gp->name, pu->name);
                str_copy(gp->slug, sizeof gp->slug, pu->slug);
                str_copy(gp->admin_code, sizeof gp->admin_code, pu->admin_code);
            }
            free(pu);
        }
        gu->prov = p;
        if (rc == 0) g->nunits++;
    }
    free(u);
    return rc;
}

/* The province's land registration office: a specialist account at the province (made once). */
static int setup_province(db_t *db, gen_t *g, gen_prov_t *p)
{
    char uname[80];
    snprintf(uname, sizeof uname, "%s.specialist", p->slug);
    account_t *a = xmalloc(sizeof *a);
    rng_t r = rng_for(0, 0x9e11, (unsigned long long)(p - g->provs), 0);
    char name[128];
    person_name(&r, 0, name, sizeof name);
    account_input_t in = {.kind = "staff", .full_name = name, .unit_id = p->id, .nroles = 1};
    in.roles[0].role = ROLE_SPECIALIST;
    in.roles[0].unit_id = p->id;
    int rc = get_or_create(db, g, uname, &in, a, 0);
    if (rc == 0) rc = auth_load_principal(db, a->id, &p->spec);
    free(a);
    /* The land procedures' adaptation: the national template with the office's step before the leader's. */
    procedure_t *np = xmalloc(sizeof *np), *out = xmalloc(sizeof *out);
    for (size_t i = 0; rc == 0 && i < sizeof land_codes / sizeof land_codes[0]; i++) {
        int q = procedure_get_scoped(db, "", land_codes[i], np);
        if (q == -ENOENT) continue;
        if ((rc = q) < 0) break;
        if (!np->active || np->time_rule != DUE_DAYS || np->time_amount < 4) continue;
        double L = np->time_amount;
        static const struct { double share; const char *role; bool inter; bool counted; } tpl[] = {
            {0.10, "desk", false, true}, {0.25, "specialist", false, true}, {0.45, "specialist", true, true},
            {0.15, "leader", false, true}, {0, "desk", false, false}};
        static const msg_id_t names[] = {MSG_PROC_STEP_RECEIVE, MSG_PROC_STEP_PROCESS, MSG_OK, MSG_PROC_STEP_APPROVE,
                                         MSG_PROC_STEP_RETURN};
        memset(np->steps, 0, sizeof np->steps);
        np->n_steps = 5;
        for (int k = 0; k < 5; k++) {
            procedure_step_t *s = &np->steps[k];
            str_copy(s->name, sizeof s->name,
                     tpl[k].inter ? "Văn phòng đăng ký đất đai tỉnh thẩm định, cập nhật hồ sơ địa chính"
                                  : msg_text(names[k], LANG_VI));
            str_copy(s->role, sizeof s->role, tpl[k].role);
            if (tpl[k].inter) {
                s->inter_agency = true;
                str_copy(s->other_level, sizeof s->other_level, "province");
                str_copy(s->department, sizeof s->department, "Văn phòng đăng ký đất đai");
            }
            s->counted = tpl[k].counted;
            double b = floor(L * tpl[k].share * 8.0 + 1e-9) / 8.0;
            s->budget_days = tpl[k].counted ? (b < 0.125 ? 0.125 : b) : 0.125;
        }
        str_copy(np->source, sizeof np->source,
                 "Dữ liệu minh họa (motcua demo): quy trình liên thông với Văn phòng đăng ký đất đai cấp tỉnh");
        procedure_saved_t how;
        rc = procedure_save(db, NULL, p->id, np, -1, out, &how, g->err);
    }
    free(np);
    free(out);
    return rc;
}

static int setup_citizens(db_t *db, gen_t *g, gen_unit_t *u)
{
    u->cits = xcalloc(CIT_PER_UNIT, sizeof *u->cits);
    account_t *a = xmalloc(sizeof *a);
    int rc = 0;
    for (int i = 0; rc == 0 && i < CIT_PER_UNIT; i++) {
        gen_cit_t *c = &u->cits[i];
        /* The identity of citizen i of a unit never depends on --seed: a second run finds the same people. */
        rng_t r = rng_for(0, 0xc171, (unsigned long long)(u - g->units), (unsigned long long)i);
        char uname[80], fold[64];
        snprintf(uname, sizeof uname, "%s.cd%03d", u->slug, i + 1);
        person_name(&r, u->minority, c->name, sizeof c->name);
        citizen_id(&r, birth_code(&r, &g->provs[u->prov]), c->id_number);
        phone_number(&r, c->phone);
        ascii_fold(c->name, fold, sizeof fold);
        snprintf(c->email, sizeof c->email, "%s.%s%03d@example.com", fold, u->slug, i + 1);   /* RFC 2606 */
        address_line(&r, g, u, c->address, sizeof c->address);
        account_input_t in = {.kind = "citizen", .full_name = c->name, .phone = c->phone, .national_id = c->id_number,
                              .email = chance(&r, 0.6) ? c->email : NULL};
        if (!in.email) c->email[0] = '\0';
        rc = get_or_create(db, g, uname, &in, a, i);
        if (rc == 0) {
            /* What the account holds wins (an earlier run made it). */
            str_copy(c->name, sizeof c->name, a->full_name);
            str_copy(c->id_number, sizeof c->id_number, a->national_id);
            str_copy(c->phone, sizeof c->phone, a->phone);
            str_copy(c->email, sizeof c->email, a->email);
            rc = auth_load_principal(db, a->id, &c->who);
        }
    }
    free(a);
    u->ncit = CIT_PER_UNIT;
    return rc;
}

struct code_list { char (*codes)[PROCEDURE_CODE_MAX]; int n, cap; };

static int collect_code(const procedure_t *p, void *arg)
{
    struct code_list *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->codes = xrealloc(l->codes, (size_t)l->cap * sizeof *l->codes);
    }
    str_copy(l->codes[l->n++], PROCEDURE_CODE_MAX, p->code);
    return 0;
}

static double field_weight(const char *field)
{
    for (size_t i = 0; i < sizeof field_weights / sizeof field_weights[0]; i++)
        if (!strncmp(field, field_weights[i].field, strlen(field_weights[i].field))) return field_weights[i].w;
    return 0.6;
}

static double code_weight(const char *code)
{
    for (size_t i = 0; i < sizeof code_weights / sizeof code_weights[0]; i++)
        if (!strcmp(code, code_weights[i].code)) return code_weights[i].w;
    return 0;
}

static int setup_procs(db_t *db, gen_t *g)
{
    struct code_list l = {0};
    char after[PROCEDURE_CODE_MAX] = "";
    int rc;
    do {   /* procedure_list pages by code */
        int before = l.n;
        procedure_query_t q = {.scope = "", .online = -1, .after_code = after, .limit = 500};
        rc = procedure_list(db, &q, collect_code, &l);
        if (rc >= 0 && l.n > before) str_copy(after, sizeof after, l.codes[l.n - 1]);
        if (rc >= 0 && l.n == before) break;
    } while (rc >= 0);
    g->procs = xcalloc((size_t)(l.n ? l.n : 1), sizeof *g->procs);
    procedure_t *p = xmalloc(sizeof *p);
    /* Weight per procedure: its field's share spread over the field's procedures. */
    for (int i = 0; rc >= 0 && i < l.n; i++) {
        if ((rc = procedure_get_scoped(db, "", l.codes[i], p)) < 0) break;
        if (!p->active) continue;
        gen_proc_t *gp = &g->procs[g->nprocs++];
        str_copy(gp->code, sizeof gp->code, p->code);
        str_copy(gp->field, sizeof gp->field, p->field);
        gp->online = p->online != ONLINE_NONE;
        gp->fee = p->fee_amount > 0 ? p->fee_amount : (p->fee_amount < 0 && strstr(p->fee_text, "trang")) ? -1 : 0;
        for (size_t k = 0; k < sizeof land_codes / sizeof land_codes[0]; k++)
            if (!strcmp(p->code, land_codes[k]) && p->time_rule == DUE_DAYS && p->time_amount >= 4) gp->inter = true;
        gp->npapers = p->n_papers;
        for (int k = 0; k < p->n_papers; k++) {
            str_copy(gp->papers[k].id, sizeof gp->papers[k].id, p->papers[k].id);
            str_copy(gp->papers[k].form, sizeof gp->papers[k].form, p->papers[k].form);
            gp->papers[k].copies = p->papers[k].copies > 0 ? p->papers[k].copies : 1;
            gp->papers[k].mandatory = p->papers[k].mandatory;
        }
    }
    free(p);
    free(l.codes);
    for (int i = 0; i < g->nprocs; i++) {
        gen_proc_t *gp = &g->procs[i];
        int same = 0;
        for (int k = 0; k < g->nprocs; k++)
            same += !code_weight(g->procs[k].code) && field_weight(g->procs[k].field) == field_weight(gp->field);
        gp->weight = code_weight(gp->code) ? code_weight(gp->code) : field_weight(gp->field) / (same ? same : 1);
        if (field_weight(gp->field) == 0.6) gp->weight = 0.6;     /* the fields of few dossiers: each alike */
        g->wsum += gp->weight;
        if (gp->online) g->wsum_online += gp->weight, g->nonline++;
    }
    return rc < 0 ? rc : 0;
}

static int setup_fn(db_t *db, void *arg)
{
    gen_t *g = arg;
    /* Re-runnable (PostgreSQL retries a transaction): start from nothing each time. */
    for (int i = 0; i < g->nunits; i++) free(g->units[i].cits);
    free(g->units), free(g->provs), free(g->procs);
    g->units = NULL, g->provs = NULL, g->procs = NULL;
    g->nunits = g->nprovs = g->nprocs = g->nonline = 0;
    g->wsum = g->wsum_online = 0;
    int rc = ledger_self_node(db, g->node, sizeof g->node);
    if (rc < 0) return rc;
    char ids[256][ID_LEN + 1];
    int n = 0;
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT id FROM units WHERE kind IN ('commune', 'ward') AND active = 1 AND edi_code <> '' "
                          "ORDER BY slug", "");   /* ids (and so paths) are random: slugs give one order */
    while (rc == DB_ROW && n < 256) {
        str_copy(ids[n++], ID_LEN + 1, db_col_text(s, 0));
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    g->units = xcalloc((size_t)(n ? n : 1), sizeof *g->units);
    g->provs = xcalloc((size_t)(n ? n : 1), sizeof *g->provs);
    for (int i = 0; i < n && rc >= 0; i++) rc = load_unit(db, g, ids[i]);
    if (rc < 0) return rc;
    if (!g->nunits) return derr_set(g->err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "unit", "commune (desk, specialist, leader)",
                                    NULL, NULL);
    for (int i = 0; i < g->nprovs && rc >= 0; i++) rc = setup_province(db, g, &g->provs[i]);
    for (int i = 0; i < g->nunits && rc >= 0; i++) {
        gen_unit_t *u = &g->units[i];
        rng_t r = rng_for(0, 0x5eed, (unsigned long long)i, 0);
        u->weight = 0.6 + 0.8 * runi(&r);
        const char *pc = g->provs[u->prov].admin_code;
        u->minority = !strcmp(pc, "68") || !strcmp(pc, "64") ? 25 : 0;   /* Central Highlands communes */
        rc = setup_citizens(db, g, u);
    }
    if (rc >= 0) rc = setup_procs(db, g);
    if (rc >= 0 && !g->nprocs)
        rc = derr_set(g->err, -ENOENT, 404, MSG_DOSSIER_PROCEDURE_UNKNOWN, "procedure", "*", NULL, NULL);
    return rc < 0 ? rc : 0;
}

/* ---- the (unit, day) cells ---- */

/* Online share of the online-capable procedures' dossiers: rising month after month from July 2025. */
static double online_share(long day, long from)
{
    double months = (double)(day - from) / 30.0;
    double s = 0.55 + 0.02 * months;
    return s > 0.8 ? 0.8 : s;
}

static double day_weight(const gen_t *g, const gen_unit_t *u, long day)
{
    int working = 0;
    if (calendar_is_working_day(u->cal, day, &working) < 0) return 0;
    long dow = ((day % 7) + 7 + 3) % 7;          /* 1970-01-01 was a Thursday: 0 = Monday */
    static const double wd[7] = {1.25, 1.1, 1.0, 1.0, 0.9, 0.1, 0.07};
    double w = u->weight * wd[dow];
    if (!working) w = u->weight * 0.08;          /* days off: online filing only */
    /* July 2025: the new communes start slowly; then steady growth. */
    double m = (double)(day - g->o.from_day) / 30.0;
    w *= (day - g->o.from_day < 14 ? 0.6 : 1.0) * (1.0 + 0.015 * m);
    return w;
}

static int plan_cells(gen_t *g)
{
    g->ndays = g->to_day - g->o.from_day;
    size_t n = (size_t)g->ndays * (size_t)g->nunits;
    double *w = xcalloc(n, sizeof *w), total = 0;
    for (long d = 0; d < g->ndays; d++)
        for (int u = 0; u < g->nunits; u++) total += w[d * g->nunits + u] = day_weight(g, &g->units[u], g->o.from_day + d);
    if (total <= 0) {
        free(w);
        return -EINVAL;
    }
    g->cells = xcalloc(n, sizeof *g->cells);
    /* Largest remainder: floor of each share, then one more to the cells with the largest fractions. */
    long long given = 0;
    double *frac = xcalloc(n, sizeof *frac);
    for (size_t i = 0; i < n; i++) {
        double x = (double)g->o.dossiers * w[i] / total;
        g->cells[i] = (long long)floor(x);
        frac[i] = x - floor(x);
        given += g->cells[i];
    }
    while (given < g->o.dossiers) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (frac[i] > frac[best]) best = i;
        g->cells[best]++;
        frac[best] = -1;
        given++;
    }
    free(frac);
    free(w);
    return 0;
}

/* ---- one cell: the receipts of a unit on a day, in time order ---- */

typedef struct slot {
    long minute;       /* local minutes */
    int  proc, channel, idx;
} slot_t;

static int slot_cmp(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    if (x->minute != y->minute) return x->minute < y->minute ? -1 : 1;
    return x->idx - y->idx;
}

static int pick_proc(const gen_t *g, rng_t *r, bool online_only)
{
    double x = runi(r) * (online_only ? g->wsum_online : g->wsum);
    int last = -1;
    for (int i = 0; i < g->nprocs; i++) {
        if (online_only && !g->procs[i].online) continue;
        last = i;
        if (x < g->procs[i].weight) return i;
        x -= g->procs[i].weight;
    }
    return last < 0 ? 0 : last;
}

static void cell_slots(const gen_t *g, int u, long day, long long n, slot_t *out)
{
    rng_t r = rng_for(g->o.seed, 0xce11, (unsigned long long)u, (unsigned long long)day);
    int working = 1;
    calendar_is_working_day(g->units[u].cal, day, &working);
    long base = day * CALENDAR_MINUTES_PER_DAY;
    for (long long i = 0; i < n; i++) {
        slot_t *s = &out[i];
        s->idx = (int)i;
        bool online_only = !working && g->nonline > 0;
        s->proc = pick_proc(g, &r, online_only);
        if (online_only || (g->procs[s->proc].online && chance(&r, online_share(day, g->o.from_day)))) {
            s->channel = CH_ONLINE;
            s->minute = base + rint_in(&r, 6 * 60, 23 * 60 - 1);   /* citizens file from 06:00 to 23:00 */
        } else {
            s->channel = chance(&r, 0.06) ? CH_POST : CH_DESK;
            /* The desk receives 08:00-11:30 and 13:30-17:00, mornings busier. */
            s->minute = base + (chance(&r, 0.58) ? rint_in(&r, 8 * 60, 11 * 60 + 29) : rint_in(&r, 13 * 60 + 30, 16 * 60 + 59));
        }
    }
    qsort(out, (size_t)n, sizeof *out, slot_cmp);
}

/* ---- one dossier's history ---- */

typedef struct run {
    gen_t             *g;
    db_t              *db;
    rng_t              r;
    dossier_t          d;
    gen_unit_t        *u;
    const calendar_t  *cal;       /* the owning unit's */
    long               t;         /* the clock of the history, local minutes */
    long               end;
    demo_gen_report_t  rep;       /* this transaction's counts */
} run_t;

static long long to_ms(long m) { return calendar_utc_ms_from_minutes(m); }
static long to_min(long long ms) { return calendar_minutes_from_utc_ms(ms); }

/* The instant `w` working minutes after t (w >= 1 moves out of a day off or a lunch break). */
static long work_after(const calendar_t *cal, long t, long w)
{
    long out;
    if (w < 1) w = 1;
    return calendar_add_working_minutes(cal, t, w, &out) == 0 ? out : t + w;
}

static long work_between(const calendar_t *cal, long a, long b)
{
    long w = 0;
    if (b <= a || calendar_working_minutes_between(cal, a, b, &w) < 0) return 0;
    return w;
}

/* A working instant at fraction f of the working time between r->t and `to` (at least a few minutes on). */
static long point(run_t *r, long to, double f)
{
    long w = work_between(r->cal, r->t, to);
    long step = (long)(w * f);
    return work_after(r->cal, r->t, step < 3 ? 3 : step);
}

enum { OUT_EARLY, OUT_ON_TIME, OUT_LATE };

/* When to approve, for the wanted outcome against the dossier's current due instant. */
static long target(run_t *r, int outcome)
{
    long due = to_min(r->d.due_at), now = r->t;
    long w = work_between(r->cal, now, due);
    long day0 = (due / CALENDAR_MINUTES_PER_DAY) * CALENDAR_MINUTES_PER_DAY;
    long on_due_day = work_between(r->cal, day0 > now ? day0 : now, due);   /* working minutes of the due day left */
    long before = w - on_due_day;                                           /* working minutes before that day */
    if (outcome == OUT_EARLY && before > 60) return work_after(r->cal, now, (long)(before * (0.25 + 0.7 * runi(&r->r))));
    if (outcome != OUT_LATE && w > 30) {
        long lo = before > 0 ? before + 1 : w / 2;
        return work_after(r->cal, now, rint_in(&r->r, lo, w - 5));
    }
    if (outcome != OUT_LATE) return work_after(r->cal, now, 15);
    return work_after(r->cal, due > now ? due : now, rint_in(&r->r, 30, 4 * 480));
}

/* Take one action at r->t as who. 1: the history reached the `to` day (nothing done); 0 done; < 0 refused. */
static int act(run_t *r, const principal_t *who, dossier_action_in_t *in)
{
    if (r->t >= r->end) return 1;
    char code[DOSSIER_CODE_MAX];
    str_copy(code, sizeof code, r->d.code);
    in->version = r->d.version;
    in->now_ms = to_ms(r->t);
    in->cal = r->cal;
    return dossier_act(r->db, who, code, in, &r->d, r->g->err);
}

#define ACT(who, ...)                                                                                              \
    do {                                                                                                           \
        dossier_action_in_t in_ = {__VA_ARGS__};                                                                   \
        int rc_ = act(r, (who), &in_);                                                                             \
        if (rc_ != 0) return rc_ > 0 ? 0 : rc_;                                                                    \
    } while (0)

static void result_text(run_t *r, const gen_proc_t *p, char *out, size_t cap)
{
    int y = 2025, m, d;
    calendar_ymd_from_day(r->t / CALENDAR_MINUTES_PER_DAY, &y, &m, &d);
    long n = rint_in(&r->r, 1, 2999);
    if (!strncmp(p->field, "Chứng thực", strlen("Chứng thực"))) snprintf(out, cap, "Bản chứng thực số %ld/%d/SCT", n, y);
    else if (!strncmp(p->field, "Hộ tịch", strlen("Hộ tịch"))) snprintf(out, cap, "Trích lục hộ tịch số %ld/%d/TLHT", n, y);
    else if (!strncmp(p->field, "Đất đai", strlen("Đất đai"))) snprintf(out, cap, "Văn bản số %ld/UBND-ĐĐ ngày %02d/%02d/%d", n, d, m, y);
    else snprintf(out, cap, "Quyết định số %ld/QĐ-UBND ngày %02d/%02d/%d", n, d, m, y);
}

/* After the history: a rating for some delivered dossiers, and now and then a complaint, some answered. */
static int aftercare(run_t *r, const char *applicant_account, bool late)
{
    bool online = r->d.channel == CH_ONLINE;
    if (r->d.status != DS_RETURNED) return 0;
    bool satisfied = chance(&r->r, late ? 0.7 : 0.97);
    if (chance(&r->r, online ? 0.45 : 0.2)) {
        long at = r->t + rint_in(&r->r, 10, 3 * 1440);
        if (at < r->end) {
            lookup_rating_t in = {.satisfied = satisfied, .by_account = applicant_account, .now_ms = to_ms(at),
                                  .comment = chance(&r->r, 0.3) ? (satisfied ? PICK(&r->r, rate_good) : PICK(&r->r, rate_bad)) : NULL};
            int rc = lookup_rate(r->db, r->d.id, &in, r->g->err);
            if (rc < 0) return rc;
            r->rep.ratings++;
            r->t = at;
        }
    }
    if (chance(&r->r, satisfied ? 0.001 : 0.08)) {
        long at = r->t + rint_in(&r->r, 60, 5 * 1440);
        if (at >= r->end) return 0;
        char id[ID_LEN + 1];
        id_new(id);
        complaint_t c = {0};
        int rc = lookup_complaint_file(r->db, r->d.id, id, PICK(&r->r, complaint_texts), applicant_account, to_ms(at),
                                       &c, r->g->err);
        complaint_clear(&c);
        if (rc < 0) return rc;
        r->rep.complaints++;
        long ans = work_after(r->u->cal, at, rint_in(&r->r, 240, 8 * 480));
        if (chance(&r->r, 0.75) && ans < r->end) {
            rc = lookup_complaint_answer(r->db, &r->u->lead, id, PICK(&r->r, complaint_answers), to_ms(ans), &c, r->g->err);
            complaint_clear(&c);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

/* The history after intake (or after acceptance of an online dossier). */
static int history(run_t *r, const gen_proc_t *p, const gen_cit_t *cit, const char *applicant_name)
{
    gen_unit_t *u = r->u;
    rng_t *g = &r->r;
    const principal_t *applicant = cit ? &cit->who : NULL;
    if (r->d.channel == CH_ONLINE) {
        /* The desk opens the online dossier in its next working hours. */
        r->t = work_after(r->cal, r->t, rint_in(g, 5, 300));
        if (chance(g, 0.05)) {
            ACT(&u->desk, .action = DA_REFUSE, .reason = PICK(g, refuse_reasons));
            return 0;
        }
        if (chance(g, 0.008)) {
            ACT(applicant, .action = DA_WITHDRAW, .reason = PICK(g, withdraw_reasons));
            return 0;
        }
        ACT(&u->desk, .action = DA_ACCEPT);
    }
    /* The fee, at the desk right after receipt (online: paid through the portal, recorded by the desk). */
    if (p->fee) {
        long long amount = p->fee > 0 ? p->fee : 2000 * rint_in(g, 1, 12);
        r->t = work_after(r->cal, r->t, rint_in(g, 1, 15));
        ACT(&u->desk, .action = DA_REQUEST_PAYMENT, .amount = amount, .has_amount = true);
        r->rep.payments++;
        r->t = work_after(r->cal, r->t, r->d.channel == CH_ONLINE ? rint_in(g, 5, 90) : rint_in(g, 1, 20));
        if (chance(g, 0.015)) {   /* never paid: the applicant gives up */
            r->t = work_after(r->cal, r->t, rint_in(g, 5 * 480, 15 * 480));
            ACT(&u->desk, .action = DA_WITHDRAW, .reason = PICK(g, withdraw_reasons));
            return 0;
        }
        ACT(&u->desk, .action = DA_RECORD_PAYMENT);
    }
    double x = runi(g);
    int outcome = x < 0.58 ? OUT_EARLY : x < 0.92 ? OUT_ON_TIME : OUT_LATE;
    bool multi_day = r->d.work_minutes >= 2 * calendar_day_length(r->cal);
    long goal = target(r, outcome);

    r->t = point(r, goal, 0.03 + 0.1 * runi(g));
    ACT(&u->desk, .action = DA_FORWARD, .to = u->spec.account_id);
    r->rep.forwards++;
    if (chance(g, 0.02)) {     /* sent back to the desk once, then on again */
        r->t = point(r, goal, 0.1);
        ACT(&u->spec, .action = DA_RETURN, .reason = PICK(g, return_reasons));
        r->t = work_after(r->cal, r->t, rint_in(g, 15, 240));
        ACT(&u->desk, .action = DA_FORWARD, .to = u->spec.account_id);
    }
    if (chance(g, multi_day ? 0.12 : 0.03)) {
        /* Supplement (once): the clock pauses until the papers come back (Circular 03/2025 form 02). */
        json_t *items = json_array();
        int k = (int)rint_in(g, 1, 2);
        for (int i = 0; i < k; i++) json_array_append_new(items, json_string(PICK(g, supplement_items)));
        r->t = point(r, goal, 0.2 + 0.3 * runi(g));
        dossier_action_in_t in = {.action = DA_REQUEST_SUPPLEMENT, .reason = PICK(g, supplement_reasons), .items = items};
        int rc = act(r, &u->spec, &in);
        json_decref(items);
        if (rc) return rc > 0 ? 0 : rc;
        r->rep.supplements++;
        double fate = runi(g);
        if (fate < 0.06) {
            r->t = work_after(r->cal, r->t, rint_in(g, 10 * 480, 20 * 480));
            ACT(&u->lead, .action = DA_STOP, .reason = stop_reasons[0]);
            return 0;
        }
        if (fate < 0.13) {
            r->t = work_after(r->cal, r->t, rint_in(g, 2 * 480, 10 * 480));
            ACT(&u->desk, .action = DA_WITHDRAW, .reason = PICK(g, withdraw_reasons));
            return 0;
        }
        if (fate < 0.16) return 0;  /* still waiting for the papers */
        r->t = work_after(r->cal, r->t, rint_in(g, 120, 7 * 480));
        ACT(&u->desk, .action = DA_RESUBMIT);
        goal = target(r, outcome);
    }
    if (chance(g, 0.004)) {
        r->t = point(r, goal, 0.5);
        ACT(&u->lead, .action = DA_STOP, .reason = stop_reasons[1]);
        return 0;
    }
    if (chance(g, 0.008)) {
        r->t = point(r, goal, 0.4);
        if (applicant) ACT(applicant, .action = DA_WITHDRAW, .reason = PICK(g, withdraw_reasons));
        else ACT(&u->desk, .action = DA_WITHDRAW, .reason = PICK(g, withdraw_reasons));
        return 0;
    }
    if (outcome == OUT_LATE && multi_day && chance(g, 0.4)) {
        /* Apology and extension, at least one working day before the due (else the domain refuses: skipped). */
        long left = work_between(r->cal, r->t, to_min(r->d.due_at));
        long room = left - calendar_day_length(r->cal) - 30;
        if (room > 10) {
            long save = r->t;
            r->t = work_after(r->cal, r->t, rint_in(g, 5, room));
            dossier_action_in_t in = {.action = DA_EXTEND, .reason = PICK(g, extend_reasons), .days = rint_in(g, 2, 5)};
            int rc = act(r, &u->lead, &in);
            if (rc == -EPERM) r->t = save, r->rep.skipped++;
            else if (rc) return rc > 0 ? 0 : rc;
            else {
                r->rep.extensions++;
                goal = target(r, chance(g, 0.85) ? OUT_ON_TIME : OUT_LATE);
            }
        }
    }
    if (p->inter) {
        /* Inter-agency: to the province's land registration office, then back to the commune's leader. */
        gen_prov_t *pv = &r->g->provs[u->prov];
        r->t = point(r, goal, 0.15 + 0.15 * runi(g));
        ACT(&u->spec, .action = DA_FORWARD, .unit = pv->id, .to = pv->spec.account_id);
        r->rep.forwards++;
        r->cal = pv->cal;
        r->t = point(r, goal, 0.6 + 0.2 * runi(g));
        ACT(&pv->spec, .action = DA_HAND_BACK, .to = u->lead.account_id);
        r->rep.forwards++;
        r->cal = u->cal;
    } else {
        r->t = point(r, goal, 0.6 + 0.3 * runi(g));
        ACT(&u->spec, .action = DA_FORWARD, .to = u->lead.account_id);
        r->rep.forwards++;
    }
    r->t = goal > r->t ? goal : work_after(r->cal, r->t, 5);
    ACT(&u->lead, .action = DA_APPROVE);
    bool late = !strcmp(r->d.timing, "late");
    if (late) r->rep.late++;
    else if (!strcmp(r->d.timing, "early")) r->rep.early++;
    else r->rep.on_time++;
    char result[256];
    result_text(r, p, result, sizeof result);
    r->t = work_after(r->cal, r->t, rint_in(g, 3, 90));
    ACT(&u->spec, .action = DA_ATTACH_RESULT, .result = result);
    if (chance(g, 0.03)) return 0;   /* the result waits at the desk */
    static const char *const hows[] = {"", "in_person", "online", "post"};
    r->t = work_after(r->cal, r->t, r->d.channel == CH_ONLINE ? rint_in(g, 5, 120) : rint_in(g, 10, 3 * 480));
    ACT(&u->desk, .action = DA_DELIVER, .received_by = applicant_name, .how = hows[r->d.channel]);
    return aftercare(r, applicant ? applicant->account_id : NULL, late);
}

static int one_dossier(run_t *r, const slot_t *s)
{
    gen_t *g = r->g;
    gen_unit_t *u = r->u;
    const gen_proc_t *p = &g->procs[s->proc];
    rng_t *rg = &r->r;
    dossier_intake_t in = {0};
    static const char *const channels[] = {"", "desk", "online", "post"};
    in.procedure = p->code;
    in.channel = channels[s->channel];
    in.unit_id = u->id;
    const gen_cit_t *cit = NULL;
    char name[256], idn[16], phone[16], email[128], addr[640];
    if (s->channel == CH_ONLINE) {
        cit = &u->cits[rnext(rg) % (unsigned)u->ncit];
        in.applicant = (dossier_party_t){.kind = "person", .name = cit->name, .id_number = cit->id_number,
                                         .phone = cit->phone, .address = cit->address,
                                         .email = cit->email[0] ? cit->email : NULL};
    } else {
        bool org = !strncmp(p->field, "Hộ kinh doanh", strlen("Hộ kinh doanh")) && chance(rg, 0.3);
        if (org) {
            snprintf(name, sizeof name, "%s %s", PICK(rg, org_kinds), PICK(rg, org_names));
            tax_code(rg, idn);
        } else {
            person_name(rg, u->minority, name, sizeof name);
            citizen_id(rg, birth_code(rg, &g->provs[u->prov]), idn);
        }
        phone_number(rg, phone);
        address_line(rg, g, u, addr, sizeof addr);
        char fold[64];
        ascii_fold(name, fold, sizeof fold);
        snprintf(email, sizeof email, "%s%ld@example.com", fold, rint_in(rg, 1, 999));
        in.applicant = (dossier_party_t){.kind = org ? "organisation" : "person", .name = name, .id_number = idn,
                                         .phone = phone, .address = addr, .email = chance(rg, 0.25) ? email : NULL};
    }
    for (int k = 0; k < p->npapers; k++) {
        const gen_paper_t *pp = &p->papers[k];
        if (!pp->mandatory && !chance(rg, 0.35)) continue;
        dossier_paper_in_t *x = &in.papers[in.npapers++];
        x->paper = pp->id;
        x->copies = pp->copies;
        x->form = s->channel == CH_ONLINE ? "electronic"
                  : !strcmp(pp->form, "copy") ? "copy"
                  : !strcmp(pp->form, "either") && chance(rg, 0.4) ? "copy" : "original";
    }
    in.now_ms = to_ms(s->minute);
    in.cal = u->cal;
    bool replayed = false;
    int rc = dossier_receive(r->db, cit ? &cit->who : &u->desk, &in, &r->d, &replayed, g->err);
    if (rc < 0) return rc;
    r->rep.dossiers++;
    if (s->channel == CH_ONLINE) r->rep.online++;
    else if (s->channel == CH_POST) r->rep.post++;
    else r->rep.desk++;
    r->cal = u->cal;
    r->t = s->minute;
    rc = history(r, p, cit, in.applicant.name);
    if (rc == 0 && r->d.status >= 1 && r->d.status <= 10) r->rep.status[r->d.status]++;
    return rc;
}

/* ---- transactions ---- */

typedef struct batch {
    gen_t    *g;
    long long cell, idx;       /* where it starts: cell index, dossier index in the cell */
    long long count;           /* dossiers it makes */
    long long next_cell, next_idx;
    demo_gen_report_t rep;
    slot_t   *slots;
    long long slots_cap;
} batch_t;

static int head_seq(db_t *db, long long *seq)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT seq FROM ledger_head WHERE is_self = 1", "");
    *seq = rc == DB_ROW ? db_col_int(s, 0) : 0;
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* Take out the messages the events (from, to] of this node put in the outbox (see the top of the file). */
static int purge_notices(db_t *db, const char *node, long long from, long long to)
{
    for (long long q = from + 1; q <= to; q++)
        for (int c = 0; c < 2; c++) {
            char key[NOTIFY_KEY_MAX];
            if (notify_dedupe_key(key, sizeof key, node, q, (notify_channel_t)c) < 0) return -E2BIG;
            long long n = db_run(db, "DELETE FROM notify_outbox WHERE dedupe_key = $1 AND state = 'pending'", "t", key);
            if (n < 0) return (int)n;
        }
    return 0;
}

static int batch_fn(db_t *db, void *arg)
{
    batch_t *b = arg;
    gen_t *g = b->g;
    memset(&b->rep, 0, sizeof b->rep);    /* re-runnable: every count starts again */
    if (!strcmp(db_engine(db), "postgres")) {
        /* A bulk load: the commit need not wait for the WAL flush (this transaction only). */
        int rc = db_exec(db, "SET LOCAL synchronous_commit TO off");
        if (rc < 0) return rc;
    }
    long long seq0, seq1, seq;
    int rc = head_seq(db, &seq0);
    seq = seq0;
    run_t *r = xcalloc(1, sizeof *r);
    r->g = g;
    r->db = db;
    r->end = END_MIN(g);
    long long cell = b->cell, idx = b->idx, done = 0;
    size_t ncells = (size_t)g->ndays * (size_t)g->nunits;
    while (rc == 0 && done < b->count && (size_t)cell < ncells) {
        long long n = g->cells[cell];
        if (idx >= n) {
            cell++, idx = 0;
            continue;
        }
        int u = (int)(cell % g->nunits);
        long day = g->o.from_day + (long)(cell / g->nunits);
        if (n > b->slots_cap) {
            b->slots = xrealloc(b->slots, (size_t)n * sizeof *b->slots);
            b->slots_cap = n;
        }
        cell_slots(g, u, day, n, b->slots);
        r->u = &g->units[u];
        for (; rc == 0 && idx < n && done < b->count; idx++, done++) {
            r->r = rng_for(g->o.seed, (unsigned long long)u, (unsigned long long)day, (unsigned long long)idx + 1);
            rc = one_dossier(r, &b->slots[idx]);
            long long after = seq;
            if (rc == 0) rc = head_seq(db, &after);
            if (rc == 0) rc = purge_notices(db, g->node, seq, after);
            seq = after;
        }
    }
    if (rc == 0) rc = head_seq(db, &seq1);
    b->rep = r->rep;
    if (rc == 0) b->rep.events = seq1 - seq0;
    dossier_free(&r->d);
    free(r);
    b->next_cell = cell;
    b->next_idx = idx;
    return rc;
}

static void add_report(demo_gen_report_t *to, const demo_gen_report_t *x)
{
    to->dossiers += x->dossiers, to->events += x->events;
    for (int i = 0; i < 11; i++) to->status[i] += x->status[i];
    to->early += x->early, to->on_time += x->on_time, to->late += x->late;
    to->online += x->online, to->desk += x->desk, to->post += x->post;
    to->supplements += x->supplements, to->extensions += x->extensions, to->payments += x->payments;
    to->forwards += x->forwards, to->ratings += x->ratings, to->complaints += x->complaints, to->skipped += x->skipped;
}

/* SQLite: a bulk load needs no fsync per commit and likes a bigger page cache; both restored afterwards. */
struct pragmas { long long cache_size; bool on; };

static int pragmas_on(db_t *db, void *arg)
{
    struct pragmas *p = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "PRAGMA cache_size", "");
    p->cache_size = rc == DB_ROW ? db_col_int(s, 0) : -2000;
    if (s) db_reset(s);
    if (rc < 0) return rc;
    rc = db_exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536");
    if (rc == 0) p->on = true;
    return rc;
}

static int pragmas_off(db_t *db, void *arg)
{
    struct pragmas *p = arg;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=FULL; PRAGMA cache_size=%lld", p->cache_size);
    return db_exec(db, sql);
}

int demo_gen_parse_day(const char *s, long *day)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[4] != '-' || s[7] != '-')
        return -EINVAL;
    return calendar_day_from_ymd(y, m, d, day) < 0 ? -EINVAL : 0;
}

int demo_gen_run(store_t *st, const demo_gen_opts_t *o, demo_gen_progress_fn progress, void *arg,
                 demo_gen_report_t *rep, derr_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (o->dossiers < 1 || o->dossiers > DEMO_GEN_MAX || o->to_day <= o->from_day) return -EINVAL;
    gen_t *g = xcalloc(1, sizeof *g);
    g->st = st;
    g->o = *o;
    g->to_day = o->to_day;
    g->err = err;
    if (g->o.batch <= 0) g->o.batch = DEFAULT_BATCH;
    int rc = store_write(st, setup_fn, g);
    if (rc == -ENOKEY) {   /* accounts to create: their passwords are hashed first (Argon2 is slow by design) */
        for (int i = 0; i < HASHES && rc == -ENOKEY; i++)
            if (auth_password_hash("demo", g->hashes[i], sizeof g->hashes[i]) < 0) rc = -ENOMEM;
        g->have_hashes = true;
        if (rc == -ENOKEY) rc = store_write(st, setup_fn, g);
    }
    for (int i = 0; rc == 0 && i < g->nunits; i++) {
        rc = dossier_calendar(st, g->units[i].id, &g->units[i].hc);
        if (rc == 0) g->units[i].cal = holiday_calendar_cal(g->units[i].hc);
    }
    for (int i = 0; rc == 0 && i < g->nprovs; i++) {
        rc = dossier_calendar(st, g->provs[i].id, &g->provs[i].hc);
        if (rc == 0) g->provs[i].cal = holiday_calendar_cal(g->provs[i].hc);
    }
    if (rc == 0) rc = plan_cells(g);
    rep->units = g->nunits;
    struct pragmas pr = {0};
    bool sqlite = rc == 0 && !strcmp(store_engine(st), "sqlite");
    if (sqlite) rc = store_exclusive(st, pragmas_on, &pr);
    batch_t *b = xcalloc(1, sizeof *b);
    b->g = g;
    while (rc == 0 && rep->dossiers < o->dossiers) {
        b->count = g->o.batch;
        if ((rc = store_write(st, batch_fn, b)) < 0) break;
        if (b->rep.dossiers == 0) break;     /* no cell left (cannot happen: the cells sum to N) */
        add_report(rep, &b->rep);
        b->cell = b->next_cell;
        b->idx = b->next_idx;
        if (progress) progress(rep->dossiers, o->dossiers, arg);
    }
    if (pr.on) {
        int r2 = store_exclusive(st, pragmas_off, &pr);
        if (rc == 0) rc = r2;
    }
    free(b->slots);
    free(b);
    for (int i = 0; i < g->nunits; i++) {
        if (g->units[i].hc) holiday_calendar_release(g->units[i].hc);
        free(g->units[i].cits);
    }
    for (int i = 0; i < g->nprovs; i++)
        if (g->provs[i].hc) holiday_calendar_release(g->provs[i].hc);
    free(g->units), free(g->provs), free(g->procs), free(g->cells);
    free(g);
    return rc;
}
