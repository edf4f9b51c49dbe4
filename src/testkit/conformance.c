/*
 * The model-independent half of the generated conformance suites: see ddb/testkit/conformance.h.
 *
 * This code was the fixed part of every generated <ns>_conformance.c. It lives here so that it
 * is compiled and tested once; its messages are the ones the suites always printed, and test
 * harnesses match on them.
 */
#include "ddb/testkit/conformance.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---------------------------------------------------------------------------------- */

char *ddb_conf_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out)
        memcpy(out, s, n);
    return out;
}

/* A made-up string: "<label>-<i>-<j>". */
char *ddb_conf_label_text(const char *label, int i, int j)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s-%d-%d", label, i, j);
    return ddb_conf_text(buf);
}

/* A made-up UUID for item i, list element j. */
char *ddb_conf_uuid_text(int i, int j)
{
    char buf[40];
    snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%06d%06d", i % 1000000, j % 1000000);
    return ddb_conf_text(buf);
}

/* a followed by b, in a new string (range values). */
char *ddb_conf_joined(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *out = malloc(na + nb + 1);
    if (out)
        snprintf(out, na + nb + 1, "%s%s", a, b);
    return out;
}

/* A key string unique to this run, case and item: "<run>-c<case>-<i>-<value>". */
char *ddb_conf_key_text(const ddb_conf *c, int i, const char *value)
{
    size_t n = strlen(c->run) + strlen(value) + 32;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s-c%u-%03d-%s", c->run, c->case_index, i, value);
    return out;
}

/* A key number unique to this run, case and item, growing with i. */
int64_t ddb_conf_key_int(const ddb_conf *c, int i)
{
    return c->base + (int64_t)c->case_index * 1000 + i;
}

void ddb_conf_set_decimal(ddb_decimal *d, const char *value, int i)
{
    char buf[32];
    if (!value) {
        snprintf(buf, sizeof buf, "%d.25", 10 + i);
        value = buf;
    }
    ddb_decimal_set(d, value, NULL);
}

void ddb_conf_key_decimal(const ddb_conf *c, int i, ddb_decimal *d)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)ddb_conf_key_int(c, i));
    ddb_decimal_set(d, buf, NULL);
}

void ddb_conf_set_uuid(char *out, const char *value, int i)
{
    if (value)
        snprintf(out, 37, "%s", value);
    else
        snprintf(out, 37, "00000000-0000-4000-8000-%012d", i);
}

void ddb_conf_key_uuid(const ddb_conf *c, int i, char *out)
{
    snprintf(out, 37, "%08lx-%04x-4000-8000-%012d", (unsigned long)(c->hash & 0xffffffffu),
             c->case_index & 0xffffu, i);
}

/* A value from its AttributeValue JSON (object fields). */
ddb_value *ddb_conf_object_value(const char *json)
{
    ddb_value *v = NULL;
    ddb_value_from_json(&v, json, strlen(json), NULL);
    return v;
}

/* Records a failure of the running case: one line naming the case, the pattern and what differed. */
/* ---- failures and checks --------------------------------------------------------------------- */

bool ddb_conf_fail(ddb_conf *c, const char *fmt, ...)
{
    char what[640], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "FAIL %s (%s): %s", c->case_name, c->pattern, what);
    if (!c->failed)
        snprintf(c->first, sizeof c->first, "%s", line);
    c->failed = true;
    if (c->log)
        c->log(c->log_ctx, line);
    else
        fprintf(stderr, "%s\n", line);
    return false;
}

bool ddb_conf_expect_rc(ddb_conf *c, const char *step, int rc, int want, const ddb_error *err)
{
    if (rc == want)
        return true;
    return ddb_conf_fail(c, "%s returned %s, expected %s%s%s", step,
                         rc ? ddb_error_code_name(rc) : "0", want ? ddb_error_code_name(want) : "0",
                         rc && err->message[0] ? ": " : "", rc ? err->message : "");
}

bool ddb_conf_expect_found(ddb_conf *c, const char *step, bool found, bool want)
{
    if (found == want)
        return true;
    return ddb_conf_fail(c, "%s: %s", step,
                         want ? "not found, expected the entity"
                              : "found an entity, expected none");
}

bool ddb_conf_expect_flag(ddb_conf *c, const char *step, bool got, bool want)
{
    if (got == want)
        return true;
    return ddb_conf_fail(c, "%s: %s, expected %s", step, got ? "true" : "false",
                         want ? "true" : "false");
}

bool ddb_conf_expect_version(ddb_conf *c, const char *step, int64_t got, int64_t want)
{
    if (got == want)
        return true;
    return ddb_conf_fail(c, "%s: ddb_version %lld, expected %lld", step, (long long)got,
                         (long long)want);
}

/* A cancelled transaction of n operations in which operation `failed` (only) failed. */
bool ddb_conf_expect_cancelled(ddb_conf *c, const char *step, int rc, const ddb_error *err,
                               size_t n, size_t failed)
{
    if (!ddb_conf_expect_rc(c, step, rc, DDB_ERR_TRANSACTION_CANCELED, err))
        return false;
    if (err->n_cancellation_reasons != n)
        return ddb_conf_fail(c, "%s: %zu cancellation reasons, expected one per action (%zu)", step,
                             err->n_cancellation_reasons, n);
    for (size_t i = 0; i < n; i++) {
        const char *code = err->cancellation_reasons[i].code;
        bool ccf = code && strcmp(code, "ConditionalCheckFailed") == 0;
        bool none = !code || strcmp(code, "None") == 0;
        if (i == failed ? !ccf : !none)
            return ddb_conf_fail(c, "%s: action %zu's reason is %s, expected %s", step, i,
                                 code ? code : "(none)",
                                 i == failed ? "ConditionalCheckFailed" : "None");
    }
    return true;
}

void ddb_conf_json_of(char *out, size_t n, const ddb_value *v)
{
    char *json = NULL;
    if (!v)
        snprintf(out, n, "(absent)");
    else if (ddb_value_to_json(&json, v, NULL) == 0)
        snprintf(out, n, "%s", json);
    else
        snprintf(out, n, "(unprintable)");
    free(json);
}

/* want and got hold the same entity: every attribute but the version (full), or the same
   primary key. */
bool ddb_conf_same_entity(ddb_conf *c, const char *step, const ddb_entity_desc *d, const void *want,
                          const void *got, bool full)
{
    ddb_value *a = NULL, *b = NULL;
    bool ok = true;
    int rc = full ? ddb_entity_to_item(&a, d, want, NULL) : ddb_entity_key(&a, d, want, NULL);
    if (rc == 0)
        rc = full ? ddb_entity_to_item(&b, d, got, NULL) : ddb_entity_key(&b, d, got, NULL);
    if (rc != 0) {
        ok = ddb_conf_fail(c, "%s: a %s cannot be written as an item (%s)", step, d->name,
                           ddb_error_code_name(rc));
        goto done;
    }
    for (int pass = 0; pass < 2 && ok; pass++) {
        const ddb_value *from = pass ? a : b, *other = pass ? b : a;
        for (size_t k = 0; k < ddb_value_count(from) && ok; k++) {
            const char *name;
            const ddb_value *v = ddb_value_m_at(from, k, &name);
            const ddb_value *w = ddb_value_m_get(other, name);
            char gv[200], wv[200];
            if (strcmp(name, d->version_attribute) == 0 || (w && ddb_value_equal(v, w)))
                continue;
            ddb_conf_json_of(gv, sizeof gv, pass ? w : v);
            ddb_conf_json_of(wv, sizeof wv, pass ? v : w);
            ok = ddb_conf_fail(c, "%s: %s attribute '%s' is %s, expected %s", step, d->name, name,
                               gv, wv);
        }
    }
done:
    ddb_value_free(a);
    ddb_value_free(b);
    return ok;
}

/* *dst (fresh) becomes a deep copy of src, version included. */
bool ddb_conf_clone(ddb_conf *c, const ddb_entity_desc *d, void *dst, const void *src)
{
    ddb_value *item = NULL;
    int rc = ddb_entity_to_item(&item, d, src, NULL);
    if (rc == 0)
        rc = ddb_entity_from_item(dst, d, item, NULL);
    ddb_value_free(item);
    if (rc != 0)
        return ddb_conf_fail(c, "copy of a %s: %s", d->name, ddb_error_code_name(rc));
    *(int64_t *)((char *)dst + d->version_offset) =
        *(const int64_t *)((const char *)src + d->version_offset);
    return true;
}

/* The fields named (model names) take the values of the same fields of src (of type ds). */
void ddb_conf_copy_fields_from(const ddb_entity_desc *d, void *dst, const ddb_entity_desc *ds,
                               const void *src, const char *const *names, size_t n)
{
    ddb_value *from = NULL, *to = NULL;
    int64_t version = *(const int64_t *)((const char *)dst + d->version_offset);
    if (n == 0 || ddb_entity_to_item(&from, ds, src, NULL) != 0 ||
        ddb_entity_to_item(&to, d, dst, NULL) != 0)
        goto done;
    for (size_t k = 0; k < n; k++) {
        const ddb_value *v = ddb_value_m_get(from, names[k]);
        ddb_value *copy = NULL;
        if (!v)
            ddb_value_m_remove(to, names[k]);
        else if (ddb_value_copy(&copy, v, NULL) == 0)
            ddb_value_m_set_take(to, names[k], copy, NULL);
    }
    ddb_entity_free(d, dst);
    ddb_entity_from_item(dst, d, to, NULL);
    *(int64_t *)((char *)dst + d->version_offset) = version;
done:
    ddb_value_free(from);
    ddb_value_free(to);
}

void ddb_conf_copy_fields(const ddb_entity_desc *d, void *dst, const void *src,
                          const char *const *names, size_t n)
{
    ddb_conf_copy_fields_from(d, dst, d, src, names, n);
}

/* Keeps a copy of an entity the case wrote, so that the case deletes it at its end. */
void ddb_conf_remember(ddb_conf *c, const ddb_entity_desc *d, const void *obj)
{
    void *copy;
    if (c->n_written == DDB_CONF_MAX_WRITTEN) {
        /* it would stay in the store: say so */
        ddb_conf_fail(c, "more than %d entities written in one case: not all are deleted",
                      DDB_CONF_MAX_WRITTEN);
        return;
    }
    copy = calloc(1, d->size);
    if (!copy)
        return;
    if (!ddb_conf_clone(c, d, copy, obj)) {
        free(copy);
        return;
    }
    c->written[c->n_written].d = d;
    c->written[c->n_written++].obj = copy;
}

/* Whether a and b (entities of d) have the same values in the fields named; *differs gets
   the first that differs. */
bool ddb_conf_same_fields(const ddb_entity_desc *d, const void *a, const void *b,
                          const char *const *names, size_t n, const char **differs)
{
    ddb_value *x = NULL, *y = NULL;
    bool same = ddb_entity_to_item(&x, d, a, NULL) == 0 && ddb_entity_to_item(&y, d, b, NULL) == 0;
    for (size_t k = 0; same && k < n; k++) {
        const ddb_value *v = ddb_value_m_get(x, names[k]), *w = ddb_value_m_get(y, names[k]);
        if (!v || !w || !ddb_value_equal(v, w)) {
            same = false;
            *differs = names[k];
        }
    }
    ddb_value_free(x);
    ddb_value_free(y);
    return same;
}

void ddb_conf_listing_start(ddb_conf_listing *l, const ddb_entity_desc *d, const void *want,
                            size_t size, size_t n_want, bool exact, bool full, int sort_key)
{
    memset(l, 0, sizeof *l);
    for (size_t k = 0; k < n_want && k < DDB_CONF_LISTING_MAX; k++) {
        l->d[k] = d;
        l->want[k] = (const char *)want + k * size;
    }
    l->n_want = n_want < DDB_CONF_LISTING_MAX ? n_want : DDB_CONF_LISTING_MAX;
    l->exact = exact;
    l->full = full;
    l->sort_key = sort_key;
    l->check_pages = exact;
}

/* One more entity written (of another type: mixed_data). */
void ddb_conf_listing_more(ddb_conf_listing *l, const ddb_entity_desc *d, const void *obj)
{
    if (l->n_want == DDB_CONF_LISTING_MAX)
        return;
    l->d[l->n_want] = d;
    l->want[l->n_want++] = obj;
}

static int compare_keys(const ddb_value *a, const ddb_value *b)
{
    const char *na = ddb_value_n(a), *nb = ddb_value_n(b);
    if (na && nb) {
        double x = strtod(na, NULL), y = strtod(nb, NULL);
        return x < y ? -1 : x > y;
    }
    if (ddb_value_s(a, NULL) && ddb_value_s(b, NULL))
        return strcmp(ddb_value_s(a, NULL), ddb_value_s(b, NULL));
    return 0;
}

void ddb_conf_listing_add(ddb_conf *c, ddb_conf_listing *l, const ddb_entity_desc *d,
                          const void *got)
{
    ddb_value *key = NULL, *sk = NULL;
    size_t match = l->n_want;
    l->n_got++;
    if (!l->full)
        return; /* projected: no key to match it by; listing_end counts */
    if (ddb_entity_key(&key, d, got, NULL) != 0) {
        ddb_conf_fail(c, "call: item %zu has no complete primary key", l->n_got);
        return;
    }
    for (size_t k = 0; k < l->n_want && match == l->n_want; k++) {
        ddb_value *wk = NULL;
        if (l->d[k] == d && ddb_entity_key(&wk, d, l->want[k], NULL) == 0 &&
            ddb_value_equal(wk, key))
            match = k;
        ddb_value_free(wk);
    }
    if (match == l->n_want) {
        char kj[300];
        const char *field = NULL;
        ddb_conf_json_of(kj, sizeof kj, key);
        if (l->n_open && l->n_want > 0 && l->d[0] == d &&
            !ddb_conf_same_fields(d, l->want[0], got, l->open_names, l->n_open, &field))
            ddb_conf_fail(
                c,
                "call: item %zu (key %s) was not written by this case and its '%s' is not "
                "the one queried",
                l->n_got, kj, field ? field : "?");
        else if (l->exact && !l->n_open)
            ddb_conf_fail(c, "call: item %zu (key %s) was not written by this case", l->n_got, kj);
    } else if (l->dropped[match]) {
        ddb_conf_fail(c, "call: item %zu (the case's item %zu) came back, but the filter drops it",
                      l->n_got, match);
    } else if (l->seen[match]) {
        ddb_conf_fail(c, "call: item %zu (the case's item %zu) came back twice", l->n_got, match);
    } else {
        char step[64];
        l->seen[match] = true;
        snprintf(step, sizeof step, "call, item %zu", l->n_got);
        ddb_conf_same_entity(c, step, d, l->want[match], got, l->full);
    }
    if (l->sort_key >= 0 && ddb_entity_key_value(&sk, d, (size_t)l->sort_key, got, NULL) == 0 &&
        sk) {
        int order = l->prev ? compare_keys(l->prev, sk) : 0;
        if (l->descending ? order < 0 : order > 0) {
            char a[200], b[200];
            ddb_conf_json_of(a, sizeof a, l->prev);
            ddb_conf_json_of(b, sizeof b, sk);
            ddb_conf_fail(c,
                          "call: item %zu (sort key %s) comes after %s: not in %s sort key order",
                          l->n_got, b, a, l->descending ? "descending" : "ascending");
        }
        ddb_value_free(l->prev);
        l->prev = sk;
        sk = NULL;
    }
    ddb_value_free(sk);
    ddb_value_free(key);
}

void ddb_conf_listing_end(ddb_conf *c, ddb_conf_listing *l)
{
    size_t missing = 0, first = 0;
    for (size_t k = l->n_want; k-- > 0;)
        if (!l->seen[k] && !l->dropped[k]) {
            missing++;
            first = k;
        }
    if (!l->full) {
        /* an index that projects some attributes only: entities without their key fields
           cannot be matched to the ones written, so only their number is checked */
        size_t want = 0;
        bool exact = l->exact && !l->n_open;
        for (size_t k = 0; k < l->n_want; k++)
            want += !l->dropped[k];
        if (exact ? l->n_got != want : l->n_got < want)
            ddb_conf_fail(c, "call: %zu items came back, expected %s%zu", l->n_got,
                          exact ? "" : "at least ", want);
        missing = 0;
    }
    if (missing && !c->failed)
        ddb_conf_fail(c, "call: %zu of the items written did not come back (the first: item %zu)",
                      missing, first);
    if (!c->failed && l->check_pages && c->page_limit > 0 &&
        l->n_want > 2 * (size_t)c->page_limit && l->pages < 3)
        ddb_conf_fail(c, "call: %zu items at %d per page came in %zu pages, expected 3 or more",
                      l->n_want, c->page_limit, l->pages);
    ddb_value_free(l->prev);
    l->prev = NULL;
}

/* ---- references ------------------------------------------------------------------------------ */

bool ddb_conf_on_chain(const ddb_conf_chain *ch, int kind)
{
    for (; ch; ch = ch->up)
        if (ch->kind == kind)
            return true;
    return false;
}

const ddb_conf_ref *ddb_conf_ref_find(ddb_conf *c, int owner, size_t field, int i)
{
    for (size_t k = 0; k < c->n_refs; k++)
        if (c->refs[k].owner == owner && c->refs[k].field == (int)field && c->refs[k].item == i)
            return &c->refs[k].v;
    return NULL;
}

const ddb_conf_ref *ddb_conf_ref_keep(ddb_conf *c, int owner, size_t field, int i, ddb_conf_ref *v)
{
    if (c->n_refs == DDB_CONF_MAX_REFS) {
        ddb_conf_fail(c, "more than %zu references made in one case", c->n_refs);
        return NULL;
    }
    c->refs[c->n_refs].owner = owner;
    c->refs[c->n_refs].field = (int)field;
    c->refs[c->n_refs].item = i;
    c->refs[c->n_refs].v = *v;
    v->s = NULL;
    return &c->refs[c->n_refs++].v;
}

/* ---- the driver ------------------------------------------------------------------------------ */

/* Deletes what the case wrote (version 0: unchecked), whatever the case left, newest first. */
static void clean_up(const ddb_conformance_suite *s, ddb_conf *c)
{
    for (size_t k = c->n_written; k-- > 0;) {
        const ddb_entity_desc *d = c->written[k].d;
        void *obj = c->written[k].obj;
        *(int64_t *)((char *)obj + d->version_offset) = 0;
        s->delete_entity(c->repo, d, obj);
        ddb_entity_free(d, obj);
        free(obj);
    }
    c->n_written = 0;
    for (size_t k = 0; k < c->n_refs; k++)
        free(c->refs[k].v.s);
    c->n_refs = 0;
}

int ddb_conformance_run_index(const ddb_conformance_suite *s, void *repo, size_t index,
                              const ddb_conformance_options *o, ddb_conformance_report *out)
{
    static const ddb_conformance_options defaults = DDB_CONFORMANCE_OPTIONS_INIT;
    static const char run_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    ddb_conf *c;
    const char *run;
    bool failed;

    if (!o)
        o = &defaults;
    run = o->run_id ? o->run_id : "conf";
    if (!s || !repo || index >= s->n_cases || o->version != 1 || o->page_limit < 0 || !*run ||
        strlen(run) > 40 || strspn(run, run_chars) != strlen(run))
        return DDB_ERR_INVALID_ARG;
    /* about 14 KB: on the heap, so that cases run on small thread stacks too */
    c = calloc(1, sizeof *c);
    if (!c)
        return DDB_ERR_NOMEM;
    c->repo = repo;
    c->run = run;
    c->page_limit = o->page_limit ? o->page_limit : 2;
    c->log = o->log;
    c->log_ctx = o->log_ctx;
    c->case_name = s->cases[index].name;
    c->pattern = s->cases[index].pattern;
    c->case_index = (unsigned)index;
    /* FNV-1a of the run id: integer and UUID keys of different runs differ */
    c->hash = 2166136261u;
    for (const char *p = run; *p; p++)
        c->hash = (c->hash ^ (unsigned char)*p) * 16777619u;
    c->base = 1000000000 + (int64_t)(c->hash % 1000000) * 1000000;
    s->case_fns[index](c);
    clean_up(s, c);
    failed = c->failed;
    if (out) {
        out->n_run++;
        if (failed) {
            out->n_failed++;
            if (!out->first_failure[0])
                snprintf(out->first_failure, sizeof out->first_failure, "%s", c->first);
        } else {
            out->n_passed++;
        }
    }
    free(c);
    return failed ? 1 : 0;
}

int ddb_conformance_run(const ddb_conformance_suite *s, void *repo,
                        const ddb_conformance_options *o, ddb_conformance_report *out)
{
    int failed = 0;
    if (!s)
        return DDB_ERR_INVALID_ARG;
    for (size_t i = 0; i < s->n_cases; i++) {
        int rc = ddb_conformance_run_index(s, repo, i, o, out);
        if (rc < 0)
            return rc;
        failed += rc;
    }
    return failed;
}

int ddb_conformance_run_case(const ddb_conformance_suite *s, void *repo, const char *name,
                             const ddb_conformance_options *o, ddb_conformance_report *out)
{
    for (size_t i = 0; s && name && i < s->n_cases; i++)
        if (strcmp(s->cases[i].name, name) == 0)
            return ddb_conformance_run_index(s, repo, i, o, out);
    return DDB_ERR_INVALID_ARG;
}
