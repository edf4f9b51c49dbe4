#include "ddb/core/value.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/value_internal.h"
#include "core/value_json.h"

#define MAX_SIGNIFICANT 38
#define MIN_EXPONENT (-130) /* smallest magnitude 1e-130 */
#define MAX_EXPONENT 125    /* magnitude below 1e126 */
/* DynamoDB parses exponents as 32-bit integers; larger ones fail even on zero. */
#define MAX_EXPONENT_LITERAL 2147483647LL

/* ---- helpers ------------------------------------------------------------------------------- */

void ddb_value__excerpt(char *buf, size_t size, const char *s, size_t len)
{
    if (size == 0)
        return;
    size_t limit = size - 1;
    bool cut = len > limit;
    if (cut) {
        limit = limit > 3 ? limit - 3 : 0;
        /* Do not split a UTF-8 sequence. */
        while (limit > 0 && ((unsigned char)s[limit] & 0xC0) == 0x80)
            limit--;
    } else {
        limit = len;
    }
    size_t o = 0;
    for (size_t i = 0; i < limit; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (char)((c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : c);
    }
    if (cut)
        for (int i = 0; i < 3 && o + 1 < size; i++)
            buf[o++] = '.';
    buf[o] = '\0';
}

/* Returns the offset of the first byte that breaks UTF-8 (RFC 3629), or len if valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        if (len - i <= need)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += need + 1;
    }
    return len;
}

static int check_utf8(const char *s, size_t len, const char *what, ddb_error *err)
{
    size_t at = len ? utf8_invalid_at((const unsigned char *)s, len) : 0;
    if (at == len)
        return 0;
    return ddb_error__set(
        err, DDB_ERR_INVALID_ARG,
        "%s is not valid UTF-8: byte 0x%02x at offset %zu starts no valid sequence", what,
        (unsigned char)s[at], at);
}

static int dup_bytes(vbytes *out, const void *data, size_t len, const char *what, ddb_error *err)
{
    if (len == SIZE_MAX)
        return ddb_error__nomem(err, what);
    char *copy = malloc(len + 1);
    if (!copy)
        return ddb_error__nomem(err, what);
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    out->data = copy;
    out->len = len;
    return 0;
}

static ddb_value *value_alloc(ddb_type type)
{
    ddb_value *v = calloc(1, sizeof(*v));
    if (v)
        v->type = type;
    return v;
}

/* NULL, or an empty M or L. */
static int new_empty(ddb_value **out, ddb_type type, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    ddb_value *v = value_alloc(type);
    if (!v)
        return ddb_error__nomem(err, "value");
    *out = v;
    return 0;
}

/* ---- numbers ------------------------------------------------------------------------------- */

/*
 * A parsed number: its significant digits are digit(p, first) .. digit(p, first + k - 1) of the
 * mantissa's digit sequence (integer digits then fraction digits, the point removed), and its
 * value is d.ddd x 10^x.
 */
typedef struct num_parts {
    const char *int_digits;
    size_t n_int;
    const char *frac_digits;
    size_t n_frac;
    bool neg;
    size_t first; /* index of the first significant digit */
    size_t k;     /* significant digits; 0 for zero */
    long long x;  /* decimal exponent of the first significant digit */
} num_parts;

static char digit_at(const num_parts *p, size_t i)
{
    return (char)(i < p->n_int ? p->int_digits[i] : p->frac_digits[i - p->n_int]);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int not_a_number(ddb_error *err, const char *num, const char *why, size_t at)
{
    char ex[44];
    ddb_value__excerpt(ex, sizeof(ex), num, strlen(num));
    if (at == SIZE_MAX)
        return ddb_error__set(err, DDB_ERR_NUMBER, "\"%s\" is not a number: %s", ex, why);
    return ddb_error__set(err, DDB_ERR_NUMBER, "\"%s\" is not a number: %s at offset %zu", ex, why,
                          at);
}

static int unexpected(ddb_error *err, const char *num, const char *at)
{
    unsigned char c = (unsigned char)*at;
    char why[32];
    if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
        snprintf(why, sizeof(why), "unexpected '%c'", c);
    else
        snprintf(why, sizeof(why), "unexpected byte 0x%02x", c);
    return not_a_number(err, num, why, (size_t)(at - num));
}

/* Grammar (that of DynamoDB): [+-]? (d+ ('.' d*)? | '.' d+) ([eE] [+-]? d+)? with ASCII digits. */
static int parse_number(num_parts *p, const char *num, ddb_error *err)
{
    memset(p, 0, sizeof(*p));
    if (!num)
        return ddb_error__set(err, DDB_ERR_NUMBER, "number is NULL");
    const char *s = num;
    if (*s == '\0')
        return not_a_number(err, num, "it is empty", SIZE_MAX);
    if (*s == '+' || *s == '-')
        p->neg = *s++ == '-';
    p->int_digits = s;
    while (is_digit(*s))
        s++;
    p->n_int = (size_t)(s - p->int_digits);
    p->frac_digits = s;
    if (*s == '.') {
        p->frac_digits = ++s;
        while (is_digit(*s))
            s++;
        p->n_frac = (size_t)(s - p->frac_digits);
    }
    if (p->n_int == 0 && p->n_frac == 0) {
        if (*s == '\0')
            return not_a_number(err, num, "no digits", SIZE_MAX);
        if (*s == 'e' || *s == 'E')
            return not_a_number(err, num, "no digits before the exponent", SIZE_MAX);
        return unexpected(err, num, s);
    }

    long long exp = 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        bool exp_neg = false;
        if (*s == '+' || *s == '-')
            exp_neg = *s++ == '-';
        if (!is_digit(*s))
            return not_a_number(err, num, "the exponent has no digits", SIZE_MAX);
        while (is_digit(*s)) {
            exp = exp * 10 + (*s++ - '0');
            if (exp > MAX_EXPONENT_LITERAL)
                return not_a_number(err, num, "the exponent is beyond +/-2147483647", SIZE_MAX);
        }
        if (exp_neg)
            exp = -exp;
    }
    if (*s != '\0')
        return unexpected(err, num, s);

    size_t total = p->n_int + p->n_frac;
    size_t first = 0;
    while (first < total && digit_at(p, first) == '0')
        first++;
    if (first == total) {
        p->neg = false; /* -0 is 0 */
        return 0;
    }
    size_t last = total - 1;
    while (digit_at(p, last) == '0')
        last--;
    p->first = first;
    p->k = last - first + 1;
    /* Digit counts are bounded by the string length, so this cannot overflow a long long. */
    p->x = (long long)p->n_int - 1 - (long long)first + exp;
    return 0;
}

static int check_limits(const num_parts *p, const char *num, ddb_error *err)
{
    if (p->k == 0)
        return 0;
    char ex[44];
    ddb_value__excerpt(ex, sizeof(ex), num, strlen(num));
    if (p->k > MAX_SIGNIFICANT)
        return ddb_error__set(err, DDB_ERR_NUMBER,
                              "\"%s\" has %zu significant digits; the limit is %d", ex, p->k,
                              MAX_SIGNIFICANT);
    if (p->x > MAX_EXPONENT)
        return ddb_error__set(err, DDB_ERR_NUMBER,
                              "\"%s\" is out of range: its magnitude is at least 1e%lld; the "
                              "limit is below 1e126",
                              ex, p->x);
    if (p->x < MIN_EXPONENT)
        return ddb_error__set(err, DDB_ERR_NUMBER,
                              "\"%s\" is out of range: its magnitude is below 1e%lld; the "
                              "smallest non-zero magnitude is 1e-130",
                              ex, p->x + 1);
    return 0;
}

int ddb_number_validate(const char *num, ddb_error *err)
{
    num_parts p;
    int rc = parse_number(&p, num, err);
    return rc ? rc : check_limits(&p, num, err);
}

/* Longest: "-0.00000" + 38 digits (46), or "-d." + 37 digits + "E-130" (45). */
#define CANONICAL_CAP 64

/* Plain notation for decimal exponents in [-6, 20], as JavaScript prints numbers. Returns the
 * length written (NUL-terminated) into out. */
static size_t canonical_into(char out[CANONICAL_CAP], const num_parts *p)
{
    size_t o = 0;
    if (p->k == 0) {
        out[o++] = '0';
        out[o] = '\0';
        return o;
    }
    if (p->neg)
        out[o++] = '-';
    long long x = p->x;
    if (x >= -6 && x <= 20) {
        if (x < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (long long z = -1; z > x; z--)
                out[o++] = '0';
            for (size_t i = 0; i < p->k; i++)
                out[o++] = digit_at(p, p->first + i);
        } else {
            for (size_t i = 0; i < p->k || i <= (size_t)x; i++) {
                if (i == (size_t)x + 1)
                    out[o++] = '.';
                out[o++] = (char)(i < p->k ? digit_at(p, p->first + i) : '0');
            }
        }
    } else {
        out[o++] = digit_at(p, p->first);
        if (p->k > 1) {
            out[o++] = '.';
            for (size_t i = 1; i < p->k; i++)
                out[o++] = digit_at(p, p->first + i);
        }
        o += (size_t)sprintf(out + o, "E%c%lld", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
    out[o] = '\0';
    return o;
}

static char *canonical_from_parts(const num_parts *p)
{
    char *out = malloc(CANONICAL_CAP);
    if (out)
        canonical_into(out, p);
    return out;
}

int ddb_number_canonical(char **out, const char *num, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    num_parts p;
    int rc = parse_number(&p, num, err);
    if (!rc)
        rc = check_limits(&p, num, err);
    if (rc)
        return rc;
    char *c = canonical_from_parts(&p);
    if (!c)
        return ddb_error__nomem(err, "canonical number");
    *out = c;
    return 0;
}

/* ---- scalar builders ----------------------------------------------------------------------- */

int ddb_value_new_s(ddb_value **out, const char *s, ddb_error *err)
{
    if (!s)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "string is NULL");
    return ddb_value_new_s_len(out, s, strlen(s), err);
}

int ddb_value_new_s_len(ddb_value **out, const char *s, size_t len, ddb_error *err)
{
    if (!out || (!s && len > 0))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", out ? "string" : "out");
    int rc = check_utf8(s, len, "string", err);
    if (rc)
        return rc;
    ddb_value *v = value_alloc(DDB_TYPE_S);
    if (!v)
        return ddb_error__nomem(err, "value");
    rc = dup_bytes(&v->u.str, s, len, "string value", err);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

int ddb_value_new_n(ddb_value **out, const char *num, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    num_parts p;
    int rc = parse_number(&p, num, err);
    if (!rc)
        rc = check_limits(&p, num, err);
    if (rc)
        return rc;
    /* The text and its canonical form share one block; ddb_value_free frees the text. */
    char canon[CANONICAL_CAP];
    size_t canon_len = canonical_into(canon, &p), text_len = strlen(num);
    char *text = malloc(text_len + 1 + canon_len + 1);
    ddb_value *v = text ? value_alloc(DDB_TYPE_N) : NULL;
    if (!v) {
        free(text);
        return ddb_error__nomem(err, "number value");
    }
    memcpy(text, num, text_len + 1);
    memcpy(text + text_len + 1, canon, canon_len + 1);
    v->u.num.text = text;
    v->u.num.canon = text + text_len + 1;
    *out = v;
    return 0;
}

int ddb_value_new_n_i64(ddb_value **out, int64_t n, ddb_error *err)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRId64, n);
    return ddb_value_new_n(out, buf, err);
}

int ddb_value_new_n_u64(ddb_value **out, uint64_t n, ddb_error *err)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRIu64, n);
    return ddb_value_new_n(out, buf, err);
}

int ddb_value_new_b(ddb_value **out, const void *data, size_t len, ddb_error *err)
{
    if (!out || (!data && len > 0))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", out ? "binary data" : "out");
    ddb_value *v = value_alloc(DDB_TYPE_B);
    if (!v)
        return ddb_error__nomem(err, "value");
    int rc = dup_bytes(&v->u.str, data, len, "binary value", err);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

int ddb_value_new_bool(ddb_value **out, bool b, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    ddb_value *v = value_alloc(DDB_TYPE_BOOL);
    if (!v)
        return ddb_error__nomem(err, "value");
    v->u.boolean = b;
    *out = v;
    return 0;
}

int ddb_value_new_null(ddb_value **out, ddb_error *err)
{
    return new_empty(out, DDB_TYPE_NULL, err);
}

/* ---- maps ---------------------------------------------------------------------------------- */

static size_t hash_name(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return (size_t)h;
}

static void map_index_drop(vmap *m)
{
    free(m->index);
    m->index = NULL;
    m->index_cap = 0;
}

static void map_index_put(vmap *m, size_t pos)
{
    size_t mask = m->index_cap - 1;
    /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): entries[pos] is set before it is indexed */
    size_t slot = hash_name(m->entries[pos].name) & mask;
    while (m->index[slot])
        slot = (slot + 1) & mask;
    m->index[slot] = pos + 1;
}

/* Rebuilds the index for the current entries, or drops it when small or out of memory. */
static void map_index_rebuild(vmap *m)
{
    map_index_drop(m);
    if (m->n < MAP_INDEX_MIN)
        return;
    size_t cap = 64;
    while (cap < m->n * 2 + 2) {
        if (cap > SIZE_MAX / 4 / sizeof(size_t))
            return;
        cap *= 2;
    }
    m->index = calloc(cap, sizeof(size_t));
    if (!m->index)
        return;
    m->index_cap = cap;
    for (size_t i = 0; i < m->n; i++)
        map_index_put(m, i);
}

static size_t map_find(const vmap *m, const char *name)
{
    if (m->index) {
        size_t mask = m->index_cap - 1;
        for (size_t slot = hash_name(name) & mask; m->index[slot]; slot = (slot + 1) & mask)
            if (strcmp(m->entries[m->index[slot] - 1].name, name) == 0)
                return m->index[slot] - 1;
        return SIZE_MAX;
    }
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->entries[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

int ddb_value_new_m(ddb_value **out, ddb_error *err)
{
    return new_empty(out, DDB_TYPE_M, err);
}

static int check_name(const char *name, ddb_error *err)
{
    if (!name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "attribute name is NULL");
    if (!*name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "attribute name is empty");
    return check_utf8(name, strlen(name), "attribute name", err);
}

/* Adds a member whose name is not in the map yet. On failure v still belongs to the caller. */
static int map_append(vmap *m, const char *name, size_t len, ddb_value *v, ddb_error *err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        if (cap > SIZE_MAX / sizeof(vmap_entry))
            return ddb_error__nomem(err, "map members");
        vmap_entry *grown = realloc(m->entries, cap * sizeof(vmap_entry));
        if (!grown)
            return ddb_error__nomem(err, "map members");
        m->entries = grown;
        m->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return ddb_error__nomem(err, "attribute name");
    memcpy(copy, name, len);
    copy[len] = '\0';
    m->entries[m->n].name = copy;
    m->entries[m->n].value = v;
    m->n++;
    if (m->index && m->n * 2 + 2 <= m->index_cap)
        map_index_put(m, m->n - 1);
    else if (m->n >= MAP_INDEX_MIN)
        map_index_rebuild(m);
    return 0;
}

int ddb_value_m_set_take(ddb_value *map, const char *name, ddb_value *v, ddb_error *err)
{
    int rc = 0;
    if (!map || map->type != DDB_TYPE_M) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "map member set on a %s value",
                            map ? ddb_type_name(map->type) : "NULL");
        goto done;
    }
    if (!v) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "map member value is NULL");
        goto done;
    }
    if ((rc = check_name(name, err)))
        goto done;

    vmap *m = &map->u.m;
    size_t pos = map_find(m, name);
    if (pos != SIZE_MAX) {
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): map_find found pos in entries */
        ddb_value_free(m->entries[pos].value);
        m->entries[pos].value = v;
        return 0;
    }
    if ((rc = map_append(m, name, strlen(name), v, err)) == 0)
        v = NULL;
done:
    ddb_value_free(v);
    return rc;
}

int ddb_value__m_add_take(ddb_value *mv, const char *name, size_t len, ddb_value *v, ddb_error *err)
{
    int rc = 0;
    if (!mv || mv->type != DDB_TYPE_M || !v || !name || len == 0) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "map member add: bad arguments");
        goto done;
    }
    if ((rc = check_utf8(name, len, "attribute name", err)))
        goto done;
    if ((rc = map_append(&mv->u.m, name, len, v, err)) == 0)
        v = NULL;
done:
    ddb_value_free(v);
    return rc;
}

void ddb_value__reserve(ddb_value *v, size_t n)
{
    if (!v || (v->type != DDB_TYPE_M && v->type != DDB_TYPE_L))
        return;
    bool map = v->type == DDB_TYPE_M;
    size_t have = map ? v->u.m.n : v->u.l.n, cap = map ? v->u.m.cap : v->u.l.cap;
    size_t size = map ? sizeof(vmap_entry) : sizeof(ddb_value *);
    if (n > (SIZE_MAX / size) - have || have + n <= cap)
        return;
    void *grown = realloc(map ? (void *)v->u.m.entries : (void *)v->u.l.items, (have + n) * size);
    if (!grown)
        return; /* the appends grow it as they go */
    if (map) {
        v->u.m.entries = grown;
        v->u.m.cap = have + n;
    } else {
        v->u.l.items = grown;
        v->u.l.cap = have + n;
    }
}

int ddb_value_m_set_s(ddb_value *map, const char *name, const char *s, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc = ddb_value_new_s(&v, s, err);
    return rc ? rc : ddb_value_m_set_take(map, name, v, err);
}

int ddb_value_m_set_n(ddb_value *map, const char *name, const char *num, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc = ddb_value_new_n(&v, num, err);
    return rc ? rc : ddb_value_m_set_take(map, name, v, err);
}

int ddb_value_m_set_i64(ddb_value *map, const char *name, int64_t n, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc = ddb_value_new_n_i64(&v, n, err);
    return rc ? rc : ddb_value_m_set_take(map, name, v, err);
}

int ddb_value_m_set_bool(ddb_value *map, const char *name, bool b, ddb_error *err)
{
    ddb_value *v = NULL;
    int rc = ddb_value_new_bool(&v, b, err);
    return rc ? rc : ddb_value_m_set_take(map, name, v, err);
}

int ddb_value_m_remove(ddb_value *map, const char *name)
{
    if (!map || map->type != DDB_TYPE_M || !name)
        return 0;
    vmap *m = &map->u.m;
    size_t pos = map_find(m, name);
    if (pos == SIZE_MAX)
        return 0;
    free(m->entries[pos].name);
    ddb_value_free(m->entries[pos].value);
    memmove(&m->entries[pos], &m->entries[pos + 1], (m->n - pos - 1) * sizeof(vmap_entry));
    m->n--;
    /* Positions after pos moved; an O(n) rebuild keeps remove simple and the index exact. */
    if (m->index)
        map_index_rebuild(m);
    return 0;
}

/* ---- lists --------------------------------------------------------------------------------- */

int ddb_value_new_l(ddb_value **out, ddb_error *err)
{
    return new_empty(out, DDB_TYPE_L, err);
}

int ddb_value_l_append_take(ddb_value *list, ddb_value *v, ddb_error *err)
{
    int rc = 0;
    if (!list || list->type != DDB_TYPE_L) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "list append on a %s value",
                            list ? ddb_type_name(list->type) : "NULL");
        goto done;
    }
    if (!v) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "list member value is NULL");
        goto done;
    }
    vlist *l = &list->u.l;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        ddb_value **grown = NULL;
        if (cap <= SIZE_MAX / sizeof(*grown))
            grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown) {
            rc = ddb_error__nomem(err, "list members");
            goto done;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n++] = v;
    v = NULL;
done:
    ddb_value_free(v);
    return rc;
}

/* ---- sets ---------------------------------------------------------------------------------- */

static vbytes set_key(const vset *s, size_t i)
{
    if (s->canon)
        return (vbytes){s->canon[i], strlen(s->canon[i])};
    return s->members[i];
}

static int bytes_cmp(vbytes a, vbytes b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.data, b.data, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* qsort has no context argument; merge sort the order array with the set at hand. */
static void sort_order(const vset *s, size_t *order, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t half = n / 2;
    sort_order(s, order, tmp, half);
    sort_order(s, order + half, tmp, n - half);
    size_t i = 0, j = half, o = 0;
    while (i < half && j < n) {
        /* Stable: on equal keys the lower index comes first. */
        if (bytes_cmp(set_key(s, order[j]), set_key(s, order[i])) < 0)
            tmp[o++] = order[j++];
        else
            tmp[o++] = order[i++];
    }
    while (i < half)
        tmp[o++] = order[i++];
    while (j < n)
        tmp[o++] = order[j++];
    memcpy(order, tmp, n * sizeof(*order));
}

static const char *set_noun(ddb_type type)
{
    return type == DDB_TYPE_SS ? "string set" : type == DDB_TYPE_NS ? "number set" : "binary set";
}

/* Sorts the order array and reports the lowest-indexed member that repeats an earlier one. */
static int set_index_and_check(vset *s, ddb_type type, ddb_error *err)
{
    size_t *tmp = malloc(s->n * sizeof(size_t));
    if (!tmp)
        return ddb_error__nomem(err, "set order");
    for (size_t i = 0; i < s->n; i++)
        s->order[i] = i;
    sort_order(s, s->order, tmp, s->n);
    free(tmp);

    /* Stable sort: a run of equal keys lists its members by increasing index. */
    size_t dup = SIZE_MAX, orig = 0, run_start = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (bytes_cmp(set_key(s, s->order[i - 1]), set_key(s, s->order[i])) != 0) {
            run_start = i;
        } else if (s->order[i] < dup) {
            dup = s->order[i];
            orig = s->order[run_start];
        }
    }
    if (dup == SIZE_MAX)
        return 0;
    return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s member %zu duplicates member %zu%s",
                          set_noun(type), dup, orig,
                          type == DDB_TYPE_NS ? " (numbers compare by value)" : "");
}

int ddb_value__new_set(ddb_value **out, ddb_type type, const ddb_blob *members, size_t n,
                       ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    if (type != DDB_TYPE_SS && type != DDB_TYPE_NS && type != DDB_TYPE_BS)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "type %d is not a set type", (int)type);
    if (n == 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s is empty; DynamoDB requires at least one member", set_noun(type));
    if (!members)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s members are NULL", set_noun(type));
    if (n > SIZE_MAX / sizeof(vbytes))
        return ddb_error__nomem(err, "set members");

    ddb_value *v = NULL;
    vset s = {0};
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!members[i].data && members[i].len > 0) {
            rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s member %zu is NULL", set_noun(type),
                                i);
            goto done;
        }
        /* The member's name for the message is only formatted when there is one to write. */
        if (type == DDB_TYPE_SS && members[i].len > 0 &&
            utf8_invalid_at((const unsigned char *)members[i].data, members[i].len) !=
                members[i].len) {
            char what[64];
            snprintf(what, sizeof(what), "string set member %zu", i);
            rc = check_utf8(members[i].data, members[i].len, what, err);
            goto done;
        }
    }

    s.members = calloc(n, sizeof(vbytes));
    s.order = calloc(n, sizeof(size_t));
    if (type == DDB_TYPE_NS)
        s.canon = calloc(n, sizeof(char *));
    if (!s.members || !s.order || (type == DDB_TYPE_NS && !s.canon)) {
        rc = ddb_error__nomem(err, "set members");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        s.n = i + 1; /* set_clear frees what exists so far */
        if ((rc = dup_bytes(&s.members[i], members[i].data, members[i].len, "set member", err)))
            goto done;
        if (type != DDB_TYPE_NS)
            continue;
        if (strlen(s.members[i].data) != s.members[i].len) {
            rc = ddb_error__set(err, DDB_ERR_NUMBER,
                                "number set member %zu contains a NUL byte and is not a number", i);
            goto done;
        }
        ddb_error sub = DDB_ERROR_INIT;
        rc = ddb_number_canonical(&s.canon[i], s.members[i].data, &sub);
        if (rc == DDB_ERR_NOMEM) {
            rc = ddb_error__nomem(err, "canonical number");
            goto done;
        }
        if (rc) {
            rc = ddb_error__set(err, rc, "number set member %zu: %s", i, sub.message);
            goto done;
        }
    }
    if ((rc = set_index_and_check(&s, type, err)))
        goto done;
    if (!(v = value_alloc(type))) {
        rc = ddb_error__nomem(err, "value");
        goto done;
    }
    v->u.set = s;
    memset(&s, 0, sizeof(s));
    *out = v;
done:
    ddb_value__set_clear(&s);
    return rc;
}

static int new_text_set(ddb_value **out, ddb_type type, const char *const *members, size_t n,
                        ddb_error *err)
{
    if (n == 0 || !members)
        return ddb_value__new_set(out, type, NULL, n, err);
    if (n > SIZE_MAX / sizeof(ddb_blob))
        return ddb_error__nomem(err, "set members");
    ddb_blob *blobs = malloc(n * sizeof(*blobs));
    if (!blobs)
        return ddb_error__nomem(err, "set members");
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!members[i]) {
            rc = ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s member %zu is NULL", set_noun(type),
                                i);
            goto done;
        }
        blobs[i] = (ddb_blob){members[i], strlen(members[i])};
    }
    rc = ddb_value__new_set(out, type, blobs, n, err);
done:
    free(blobs);
    return rc;
}

int ddb_value_new_ss(ddb_value **out, const char *const *members, size_t n, ddb_error *err)
{
    return new_text_set(out, DDB_TYPE_SS, members, n, err);
}

int ddb_value_new_ns(ddb_value **out, const char *const *members, size_t n, ddb_error *err)
{
    return new_text_set(out, DDB_TYPE_NS, members, n, err);
}

int ddb_value_new_bs(ddb_value **out, const ddb_blob *members, size_t n, ddb_error *err)
{
    return ddb_value__new_set(out, DDB_TYPE_BS, members, n, err);
}

/* ---- accessors ----------------------------------------------------------------------------- */

ddb_type ddb_value_type(const ddb_value *v)
{
    return v ? v->type : (ddb_type)0;
}

const char *ddb_type_name(ddb_type t)
{
    switch (t) {
    case DDB_TYPE_S:
        return "S";
    case DDB_TYPE_N:
        return "N";
    case DDB_TYPE_B:
        return "B";
    case DDB_TYPE_BOOL:
        return "BOOL";
    case DDB_TYPE_NULL:
        return "NULL";
    case DDB_TYPE_M:
        return "M";
    case DDB_TYPE_L:
        return "L";
    case DDB_TYPE_SS:
        return "SS";
    case DDB_TYPE_NS:
        return "NS";
    case DDB_TYPE_BS:
        return "BS";
    }
    return "?";
}

const char *ddb_value_s(const ddb_value *v, size_t *len_out)
{
    bool ok = v && v->type == DDB_TYPE_S;
    if (len_out)
        *len_out = ok ? v->u.str.len : 0;
    return ok ? v->u.str.data : NULL;
}

const char *ddb_value_n(const ddb_value *v)
{
    return v && v->type == DDB_TYPE_N ? v->u.num.text : NULL;
}

int ddb_value_n_i64(const ddb_value *v, int64_t *out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    if (!v || v->type != DDB_TYPE_N)
        return ddb_error__set(err, DDB_ERR_NUMBER, "value is %s, not N",
                              v ? ddb_type_name(v->type) : "NULL");
    num_parts p;
    int rc = parse_number(&p, v->u.num.text, err);
    if (rc)
        return rc;
    if (p.k == 0) {
        *out = 0;
        return 0;
    }
    char ex[44];
    ddb_value__excerpt(ex, sizeof(ex), v->u.num.text, strlen(v->u.num.text));
    if (p.x < 0 || (long long)p.k > p.x + 1)
        return ddb_error__set(err, DDB_ERR_NUMBER, "\"%s\" is not an integer", ex);
    /* Accumulate the magnitude as a negative value: it reaches INT64_MIN without overflow. */
    int64_t acc = 0;
    bool range = p.x < 19;
    for (long long i = 0; range && i <= p.x; i++) {
        int d = (size_t)i < p.k ? digit_at(&p, p.first + (size_t)i) - '0' : 0;
        if (acc < (INT64_MIN + d) / 10)
            range = false;
        else
            acc = acc * 10 - d;
    }
    if (range && !p.neg && acc == INT64_MIN)
        range = false;
    if (!range)
        return ddb_error__set(err, DDB_ERR_NUMBER, "\"%s\" is outside the int64 range", ex);
    *out = p.neg ? acc : -acc;
    return 0;
}

const void *ddb_value_b(const ddb_value *v, size_t *len_out)
{
    bool ok = v && v->type == DDB_TYPE_B;
    if (len_out)
        *len_out = ok ? v->u.str.len : 0;
    return ok ? v->u.str.data : NULL;
}

bool ddb_value_bool(const ddb_value *v)
{
    return v && v->type == DDB_TYPE_BOOL && v->u.boolean;
}

size_t ddb_value_count(const ddb_value *v)
{
    if (!v)
        return 0;
    switch (v->type) {
    case DDB_TYPE_M:
        return v->u.m.n;
    case DDB_TYPE_L:
        return v->u.l.n;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
        return v->u.set.n;
    default:
        return 0;
    }
}

const ddb_value *ddb_value_m_get(const ddb_value *map, const char *name)
{
    if (!map || map->type != DDB_TYPE_M || !name)
        return NULL;
    size_t pos = map_find(&map->u.m, name);
    return pos == SIZE_MAX ? NULL : map->u.m.entries[pos].value;
}

const ddb_value *ddb_value_m_at(const ddb_value *map, size_t i, const char **name_out)
{
    bool ok = map && map->type == DDB_TYPE_M && i < map->u.m.n;
    if (name_out)
        *name_out = ok ? map->u.m.entries[i].name : NULL;
    return ok ? map->u.m.entries[i].value : NULL;
}

const ddb_value *ddb_value_l_at(const ddb_value *list, size_t i)
{
    return list && list->type == DDB_TYPE_L && i < list->u.l.n ? list->u.l.items[i] : NULL;
}

const char *ddb_value_set_at(const ddb_value *set, size_t i)
{
    if (!set || (set->type != DDB_TYPE_SS && set->type != DDB_TYPE_NS) || i >= set->u.set.n)
        return NULL;
    return set->u.set.members[i].data;
}

ddb_blob ddb_value_bs_at(const ddb_value *set, size_t i)
{
    if (!set || set->type != DDB_TYPE_BS || i >= set->u.set.n)
        return (ddb_blob){NULL, 0};
    return (ddb_blob){set->u.set.members[i].data, set->u.set.members[i].len};
}

ddb_blob ddb_value__set_member(const ddb_value *set, size_t i)
{
    if (!set ||
        (set->type != DDB_TYPE_SS && set->type != DDB_TYPE_NS && set->type != DDB_TYPE_BS) ||
        i >= set->u.set.n)
        return (ddb_blob){NULL, 0};
    return (ddb_blob){set->u.set.members[i].data, set->u.set.members[i].len};
}

/* ---- whole values -------------------------------------------------------------------------- */

int ddb_value_copy(ddb_value **out, const ddb_value *v, ddb_error *err)
{
    if (!out || !v)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", out ? "value" : "out");
    ddb_value *c = NULL;
    int rc = 0;
    switch (v->type) {
    case DDB_TYPE_S:
        return ddb_value_new_s_len(out, v->u.str.data, v->u.str.len, err);
    case DDB_TYPE_B:
        return ddb_value_new_b(out, v->u.str.data, v->u.str.len, err);
    case DDB_TYPE_N:
        return ddb_value_new_n(out, v->u.num.text, err);
    case DDB_TYPE_BOOL:
        return ddb_value_new_bool(out, v->u.boolean, err);
    case DDB_TYPE_NULL:
        return ddb_value_new_null(out, err);
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS: {
        const vset *s = &v->u.set;
        ddb_blob *blobs = malloc(s->n * sizeof(*blobs));
        if (!blobs)
            return ddb_error__nomem(err, "set members");
        for (size_t i = 0; i < s->n; i++)
            blobs[i] = (ddb_blob){s->members[i].data, s->members[i].len};
        rc = ddb_value__new_set(out, v->type, blobs, s->n, err);
        free(blobs);
        return rc;
    }
    case DDB_TYPE_M:
        if ((rc = ddb_value_new_m(&c, err)))
            return rc;
        for (size_t i = 0; i < v->u.m.n; i++) {
            ddb_value *member = NULL;
            if ((rc = ddb_value_copy(&member, v->u.m.entries[i].value, err)))
                goto done;
            if ((rc = ddb_value_m_set_take(c, v->u.m.entries[i].name, member, err)))
                goto done;
        }
        break;
    case DDB_TYPE_L:
        if ((rc = ddb_value_new_l(&c, err)))
            return rc;
        for (size_t i = 0; i < v->u.l.n; i++) {
            ddb_value *member = NULL;
            if ((rc = ddb_value_copy(&member, v->u.l.items[i], err)))
                goto done;
            if ((rc = ddb_value_l_append_take(c, member, err)))
                goto done;
        }
        break;
    default:
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "value has unknown type %d", (int)v->type);
    }
    *out = c;
    c = NULL;
done:
    ddb_value_free(c);
    return rc;
}

bool ddb_value_equal(const ddb_value *a, const ddb_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case DDB_TYPE_S:
    case DDB_TYPE_B:
        return bytes_cmp(a->u.str, b->u.str) == 0;
    case DDB_TYPE_N:
        return strcmp(a->u.num.canon, b->u.num.canon) == 0;
    case DDB_TYPE_BOOL:
        return a->u.boolean == b->u.boolean;
    case DDB_TYPE_NULL:
        return true;
    case DDB_TYPE_M:
        /* Names are unique, so equal counts plus every a-member in b means equal maps. */
        if (a->u.m.n != b->u.m.n)
            return false;
        for (size_t i = 0; i < a->u.m.n; i++) {
            const ddb_value *other = ddb_value_m_get(b, a->u.m.entries[i].name);
            if (!other || !ddb_value_equal(a->u.m.entries[i].value, other))
                return false;
        }
        return true;
    case DDB_TYPE_L:
        if (a->u.l.n != b->u.l.n)
            return false;
        for (size_t i = 0; i < a->u.l.n; i++)
            if (!ddb_value_equal(a->u.l.items[i], b->u.l.items[i]))
                return false;
        return true;
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
        if (a->u.set.n != b->u.set.n)
            return false;
        for (size_t i = 0; i < a->u.set.n; i++)
            if (bytes_cmp(set_key(&a->u.set, a->u.set.order[i]),
                          set_key(&b->u.set, b->u.set.order[i])) != 0)
                return false;
        return true;
    }
    return false;
}
