/*
 * Fast paths for json_loadb and json_dumps.
 *
 * jansson's parser reads through a per-byte stream with a UTF-8 decoder and copies every token
 * into a growing buffer before it builds a value: for a 540-byte GetItem response that is about
 * 85k instructions of lexing, two thirds of json_loadb. The parser here scans the buffer in place
 * and builds the same tree with jansson's own constructors. json_dumps checks every container
 * against a table of the ones being written (formatting its address with snprintf) to detect
 * cycles; the writer here bounds the depth instead.
 *
 * Each accepts only what it can decide exactly as jansson does and gives up on everything else
 * (see json_fast.h); the caller then runs jansson's function, so every input still gets jansson's
 * result and error text. The fuzz target fuzz_json checks that the two agree.
 */
#include "core/json_fast.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting goes to jansson (its limit is 2048); this bounds the recursion here. */
#define FAST_MAX_DEPTH 128
/* Longest real number handled here; longer ones go to jansson. */
#define REAL_MAX 63
/* Integers of up to 18 digits cannot overflow json_int_t (long long). */
#define INT_DIGITS_MAX 18

typedef struct parser {
    const unsigned char *p;
    const unsigned char *end;
    size_t flags;
    char *scratch; /* strings with escapes are decoded here; at most as long as the input */
    size_t scratch_cap;
} parser;

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static void skip_space(parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

/* Length of the valid UTF-8 sequence (RFC 3629, as jansson checks it) at p, or 0. p[0] >= 0x80. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = is_digit(c)              ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static size_t utf8_encode(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * The rest of a string from its first backslash at p, decoded into the scratch buffer after the
 * `done` bytes before it (start..p). Escapes never lengthen text, so the remaining input bounds
 * the result.
 */
static bool decode_escaped(parser *ps, const unsigned char *start, const unsigned char *p,
                           const char **text, size_t *len, bool *has_nul)
{
    const unsigned char *end = ps->end;
    size_t need = (size_t)(end - start);
    if (need > ps->scratch_cap) {
        char *grown = realloc(ps->scratch, need);
        if (!grown)
            return false;
        ps->scratch = grown;
        ps->scratch_cap = need;
    }
    char *o = ps->scratch;
    memcpy(o, start, (size_t)(p - start));
    o += p - start;
    while (p < end) {
        unsigned char c = *p;
        if (c == '"') {
            *text = ps->scratch;
            *len = (size_t)(o - ps->scratch);
            ps->p = p + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c >= 0x80) {
            size_t n = utf8_sequence(p, end);
            if (!n)
                return false;
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        if (c != '\\') {
            *o++ = (char)c;
            p++;
            continue;
        }
        if (end - p < 2)
            return false;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
            *o++ = (char)p[1];
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            int cp = end - p >= 6 ? hex4(p + 2) : -1;
            if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* needs its low surrogate next */
                int low = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;
                if (low < 0xDC00 || low > 0xDFFF)
                    return false;
                cp = ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000;
                p += 6;
            }
            *has_nul |= cp == 0;
            o += utf8_encode(o, (uint32_t)cp);
            p += 6;
            continue;
        }
        default:
            return false;
        }
        p += 2;
    }
    return false;
}

/*
 * A string at ps->p (its opening quote). *text is in the input when it has no escapes, else in the
 * scratch buffer, valid until the next string.
 */
static bool parse_string(parser *ps, const char **text, size_t *len, bool *has_nul)
{
    const unsigned char *start = ps->p + 1, *p = start, *end = ps->end;
    *has_nul = false;
    while (p < end) {
        unsigned char c = *p;
        if (c == '"') {
            *text = (const char *)start;
            *len = (size_t)(p - start);
            ps->p = p + 1;
            return true;
        }
        if (c == '\\')
            return decode_escaped(ps, start, p, text, len, has_nul);
        if (c < 0x20)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = utf8_sequence(p, end);
        if (!n)
            return false;
        p += n;
    }
    return false;
}

static json_t *parse_number(parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end, *start = p;
    bool neg = p < end && *p == '-', real = false;
    p += neg;
    if (p == end || !is_digit(*p))
        return NULL;
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return NULL;
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    size_t int_digits = (size_t)(p - start) - neg;
    if (p < end && *p == '.') {
        real = true;
        p++;
        if (p == end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }

    json_t *v;
    if (!real) {
        if (int_digits > INT_DIGITS_MAX)
            return NULL; /* jansson's strtoll decides, and words the overflow error */
        json_int_t n = 0;
        for (const unsigned char *d = start + neg; d < p; d++)
            n = n * 10 + (*d - '0');
        v = json_integer(neg ? -n : n);
    } else {
        /* jansson calls strtod on the text, with '.' swapped for the locale's decimal point. */
        size_t len = (size_t)(p - start);
        const char *point = localeconv()->decimal_point;
        if (len > REAL_MAX || point[0] != '.' || point[1] != '\0')
            return NULL;
        char text[REAL_MAX + 1], *stop;
        memcpy(text, start, len);
        text[len] = '\0';
        errno = 0;
        double d = strtod(text, &stop);
        if (stop != text + len || ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE))
            return NULL;
        v = json_real(d);
    }
    if (v)
        ps->p = p;
    return v;
}

/* true, false, null: jansson reads a whole run of letters as one word. */
static json_t *parse_word(parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    size_t n = 0;
    while (n < (size_t)(end - p) && ((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z'))
        n++;
    json_t *v = NULL;
    if (n == 4 && memcmp(p, "true", 4) == 0)
        v = json_true();
    else if (n == 5 && memcmp(p, "false", 5) == 0)
        v = json_false();
    else if (n == 4 && memcmp(p, "null", 4) == 0)
        v = json_null();
    if (v)
        ps->p = p + n;
    return v;
}

static json_t *parse_value(parser *ps, int depth);

static json_t *parse_object(parser *ps, int depth)
{
    json_t *obj = json_object();
    char *key_copy = NULL;
    if (!obj)
        return NULL;
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return obj;
    }
    for (;;) {
        const char *key;
        size_t key_len;
        bool has_nul;
        if (ps->p == ps->end || *ps->p != '"' || !parse_string(ps, &key, &key_len, &has_nul) ||
            has_nul)
            goto fail;
        if (key == ps->scratch) { /* the value's strings reuse the scratch buffer */
            if (!(key_copy = malloc(key_len ? key_len : 1)))
                goto fail;
            memcpy(key_copy, key, key_len);
            key = key_copy;
        }
        if ((ps->flags & JSON_REJECT_DUPLICATES) && json_object_getn(obj, key, key_len))
            goto fail;
        skip_space(ps);
        if (ps->p == ps->end || *ps->p != ':')
            goto fail;
        ps->p++;
        skip_space(ps);
        json_t *v = parse_value(ps, depth + 1);
        /* Releases v when it fails; with an existing key, v replaces the value, as in jansson. */
        if (!v || json_object_setn_new_nocheck(obj, key, key_len, v))
            goto fail;
        free(key_copy);
        key_copy = NULL;
        skip_space(ps);
        if (ps->p == ps->end)
            goto fail;
        if (*ps->p == '}') {
            ps->p++;
            return obj;
        }
        if (*ps->p != ',')
            goto fail;
        ps->p++;
        skip_space(ps);
    }
fail:
    free(key_copy);
    json_decref(obj);
    return NULL;
}

static json_t *parse_array(parser *ps, int depth)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return arr;
    }
    for (;;) {
        json_t *v = parse_value(ps, depth + 1);
        if (!v || json_array_append_new(arr, v)) /* releases v when it fails */
            goto fail;
        skip_space(ps);
        if (ps->p == ps->end)
            goto fail;
        if (*ps->p == ']') {
            ps->p++;
            return arr;
        }
        if (*ps->p != ',')
            goto fail;
        ps->p++;
        skip_space(ps);
    }
fail:
    json_decref(arr);
    return NULL;
}

static json_t *parse_value(parser *ps, int depth)
{
    if (depth > FAST_MAX_DEPTH || ps->p == ps->end)
        return NULL;
    switch (*ps->p) {
    case '{':
        return parse_object(ps, depth);
    case '[':
        return parse_array(ps, depth);
    case '"': {
        const char *text;
        size_t len;
        bool has_nul;
        if (!parse_string(ps, &text, &len, &has_nul) || (has_nul && !(ps->flags & JSON_ALLOW_NUL)))
            return NULL;
        return json_stringn_nocheck(text, len);
    }
    case 't':
    case 'f':
    case 'n':
        return parse_word(ps);
    default:
        return parse_number(ps);
    }
}

int ddb_json__loadb_fast(json_t **out, const char *buf, size_t len, size_t flags)
{
    if (!buf || (flags & ~(size_t)(JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES)))
        return -1;
    parser ps = {(const unsigned char *)buf, (const unsigned char *)buf + len, flags, NULL, 0};
    skip_space(&ps);
    json_t *v = NULL;
    if (ps.p < ps.end && (*ps.p == '{' || *ps.p == '[')) /* without JSON_DECODE_ANY */
        v = parse_value(&ps, 1);
    free(ps.scratch);
    if (v) {
        skip_space(&ps);
        if (ps.p == ps.end) {
            *out = v;
            return 0;
        }
        json_decref(v);
    }
    return -1;
}

json_t *ddb_json__loadb(const char *buf, size_t len, size_t flags, json_error_t *error)
{
    json_t *v = NULL;
    if (ddb_json__loadb_fast(&v, buf, len, flags) == 0)
        return v;
    return json_loadb(buf, len, flags, error);
}

/* ---- writing ------------------------------------------------------------------------------- */

/* Output past this goes to json_dumps, which has no limit. */
#define DUMP_MAX ((size_t)1 << 30)

typedef struct writer {
    char *buf;
    size_t len;
    size_t cap;
} writer;

static bool grow(writer *w, size_t more)
{
    if (more > DUMP_MAX - w->len)
        return false;
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len <= more) /* keep room for the NUL */
        cap *= 2;
    char *grown = realloc(w->buf, cap);
    if (!grown)
        return false;
    w->buf = grown;
    w->cap = cap;
    return true;
}

static bool put(writer *w, const char *s, size_t n)
{
    if (w->cap - w->len <= n && !grow(w, n))
        return false;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    return true;
}

static bool put_char(writer *w, char c)
{
    if (w->cap - w->len <= 1 && !grow(w, 1))
        return false;
    w->buf[w->len++] = c;
    return true;
}

/* As jansson's dump_string without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH. */
static bool write_string(writer *w, const char *text, size_t len)
{
    static const char hex_upper[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)text, *end = s + len, *run = s;
    if (!put_char(w, '"'))
        return false;
    while (s < end) {
        unsigned char c = *s;
        if (c >= 0x80) {
            size_t n = utf8_sequence(s, end);
            if (!n)
                return false; /* json_dumps decides what to do with it */
            s += n;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            s++;
            continue;
        }
        if (!put(w, (const char *)run, (size_t)(s - run)))
            return false;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = esc[3] = '0';
            esc[4] = hex_upper[c >> 4];
            esc[5] = hex_upper[c & 0xF];
            n = 6;
        }
        if (!put(w, esc, n))
            return false;
        run = ++s;
    }
    return put(w, (const char *)run, (size_t)(end - run)) && put_char(w, '"');
}

static bool write_integer(writer *w, json_int_t v)
{
    char digits[24];
    size_t n = sizeof(digits);
    /* Unsigned, so that the most negative value has a magnitude. */
    unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--n] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        digits[--n] = '-';
    return put(w, digits + n, sizeof(digits) - n);
}

static bool write_value(writer *w, const json_t *j, int depth)
{
    if (depth > FAST_MAX_DEPTH)
        return false;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (!put_char(w, '{'))
            return false;
        bool first = true;
        for (void *it = json_object_iter((json_t *)j); it;
             it = json_object_iter_next((json_t *)j, it)) {
            if ((!first && !put_char(w, ',')) ||
                !write_string(w, json_object_iter_key(it), json_object_iter_key_len(it)) ||
                !put_char(w, ':') || !write_value(w, json_object_iter_value(it), depth + 1))
                return false;
            first = false;
        }
        return put_char(w, '}');
    }
    case JSON_ARRAY: {
        if (!put_char(w, '['))
            return false;
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n; i++)
            if ((i > 0 && !put_char(w, ',')) || !write_value(w, json_array_get(j, i), depth + 1))
                return false;
        return put_char(w, ']');
    }
    case JSON_STRING:
        return write_string(w, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return write_integer(w, json_integer_value(j));
    case JSON_TRUE:
        return put(w, "true", 4);
    case JSON_FALSE:
        return put(w, "false", 5);
    case JSON_NULL:
        return put(w, "null", 4);
    case JSON_REAL: /* "%.17g" and its locale handling: json_dumps's */
    default:
        return false;
    }
}

char *ddb_json__dumps_fast(const json_t *j, size_t flags)
{
    if (flags != JSON_COMPACT || !(json_is_object(j) || json_is_array(j)))
        return NULL;
    writer w = {NULL, 0, 0};
    if (!write_value(&w, j, 1)) {
        free(w.buf);
        return NULL;
    }
    w.buf[w.len] = '\0'; /* put and put_char always leave room */
    return w.buf;
}

char *ddb_json__dumps(const json_t *j, size_t flags)
{
    char *text = ddb_json__dumps_fast(j, flags);
    return text ? text : json_dumps(j, flags);
}
