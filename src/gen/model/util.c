/*
 * Arena, string buffer, C-name mapping and suggestions for the generator (see util.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/util.h"

const char *ddbgen_strerror(int code)
{
    switch (code) {
    case DDBGEN_OK:
        return "success";
    case DDBGEN_ERR_NOMEM:
        return "out of memory";
    case DDBGEN_ERR_IO:
        return "a file cannot be read or written";
    case DDBGEN_ERR_JSON:
        return "the input is not valid JSON";
    case DDBGEN_ERR_INVALID:
        return "the input has errors";
    case DDBGEN_ERR_ARG:
        return "invalid argument";
    case DDBGEN_ERR_LIMIT:
        return "a size limit was reached";
    default:
        return "unknown error";
    }
}

/* ---- arena ----------------------------------------------------------------------------------- */

#define ARENA_BLOCK ((size_t)16 * 1024)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[]; /* aligned for any object */
} arena_block;

struct ddbgen_arena {
    arena_block *head;
};

int ddbgen_arena_new(ddbgen_arena **out)
{
    ddbgen_arena *a;
    if (!out)
        return DDBGEN_ERR_ARG;
    a = calloc(1, sizeof(*a));
    if (!a)
        return DDBGEN_ERR_NOMEM;
    *out = a;
    return 0;
}

void ddbgen_arena_free(ddbgen_arena *a)
{
    if (!a)
        return;
    for (arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void *ddbgen_arena_calloc(ddbgen_arena *a, size_t n, size_t sz)
{
    const size_t align = sizeof(max_align_t);
    size_t bytes;
    arena_block *b;
    void *p;

    if (!a || (sz && n > SIZE_MAX / sz))
        return NULL;
    bytes = n * sz;
    if (bytes == 0)
        bytes = 1;
    if (bytes > SIZE_MAX - align)
        return NULL;
    bytes = (bytes + align - 1) / align * align;
    b = a->head;
    if (!b || b->size - b->used < bytes) {
        size_t size = bytes > ARENA_BLOCK ? bytes : ARENA_BLOCK;
        if (size > SIZE_MAX - sizeof(arena_block))
            return NULL;
        b = malloc(sizeof(arena_block) + size);
        if (!b)
            return NULL;
        b->used = 0;
        b->size = size;
        /* A big allocation gets its own block behind the current one, which stays in use. */
        if (a->head && bytes > ARENA_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    p = (char *)b->data + b->used;
    b->used += bytes;
    memset(p, 0, bytes);
    return p;
}

char *ddbgen_arena_strndup(ddbgen_arena *a, const char *s, size_t n)
{
    char *p;
    if (!s)
        return NULL;
    if (n == SIZE_MAX)
        return NULL;
    p = ddbgen_arena_calloc(a, n + 1, 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ddbgen_arena_strdup(ddbgen_arena *a, const char *s)
{
    return s ? ddbgen_arena_strndup(a, s, strlen(s)) : NULL;
}

char *ddbgen_arena_printf(ddbgen_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = ddbgen_arena_calloc(a, (size_t)n + 1, 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- string buffer --------------------------------------------------------------------------- */

#define BUF_DEFAULT_MAX ((size_t)16 * 1024 * 1024)

void ddbgen_buf_free(ddbgen_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

static bool buf_reserve(ddbgen_buf *b, size_t extra)
{
    size_t max = b->max ? b->max : BUF_DEFAULT_MAX;
    size_t need, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > max || b->len > max - extra - 1) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > max / 2 ? max : cap * 2;
    p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void ddbgen_buf_putn(ddbgen_buf *b, const char *s, size_t n)
{
    if (!b || !s || !buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ddbgen_buf_puts(ddbgen_buf *b, const char *s)
{
    if (s)
        ddbgen_buf_putn(b, s, strlen(s));
}

void ddbgen_buf_putc(ddbgen_buf *b, char c)
{
    ddbgen_buf_putn(b, &c, 1);
}

void ddbgen_buf_vprintf(ddbgen_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    if (!b || b->failed)
        return;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void ddbgen_buf_printf(ddbgen_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbgen_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void ddbgen_buf_put_json_string(ddbgen_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    ddbgen_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            ddbgen_buf_puts(b, "\\\"");
            break;
        case '\\':
            ddbgen_buf_puts(b, "\\\\");
            break;
        case '\n':
            ddbgen_buf_puts(b, "\\n");
            break;
        case '\r':
            ddbgen_buf_puts(b, "\\r");
            break;
        case '\t':
            ddbgen_buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20) {
                char esc[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], '\0'};
                ddbgen_buf_puts(b, esc);
            } else {
                ddbgen_buf_putc(b, (char)*p);
            }
        }
    }
    ddbgen_buf_putc(b, '"');
}

const char *ddbgen_buf_str(ddbgen_buf *b)
{
    if (!b || b->failed)
        return NULL;
    return b->data ? b->data : "";
}

void ddbgen_buf_join(ddbgen_buf *b, const char *const *items, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            ddbgen_buf_puts(b, sep);
        ddbgen_buf_puts(b, items[i]);
    }
}

/* ---- names ----------------------------------------------------------------------------------- */

static const char *const c_keywords[] = {
    /* C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict",
    "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while",
    /* C23, and the <stdbool.h> / <stdalign.h> / <assert.h> spellings of C11 */
    "alignas", "alignof", "bool", "constexpr", "false", "nullptr", "static_assert", "thread_local",
    "true", "typeof", "typeof_unqual", "noreturn",
    /* Macros that would break a member or parameter of that name */
    "errno", "assert", "linux", "unix", "complex", "imaginary",
    /* Standard names the generated code uses in scopes that also hold user names */
    "size_t", "int64_t", "uint64_t", "int32_t", "uint32_t", "uint8_t", "offsetof", "free", "calloc",
    "malloc", "realloc", "memcpy", "memset", "memcmp", "strcmp", "strncmp", "strlen", "snprintf"};

bool ddbgen_is_c_keyword(const char *s)
{
    if (!s)
        return false;
    /* ddb_ is the runtime's prefix and that of the generator's own names (see
     * docs/design/generated-names.md): a user name there is reserved like a keyword. */
    if (strncmp(s, "ddb_", 4) == 0)
        return true;
    for (size_t i = 0; i < sizeof(c_keywords) / sizeof(c_keywords[0]); i++)
        if (strcmp(s, c_keywords[i]) == 0)
            return true;
    return false;
}

bool ddbgen_is_plain_identifier(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return false;
    return true;
}

static bool is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_upper(c) || is_lower(c) || is_digit(c);
}

static const char lower_letters[] = "abcdefghijklmnopqrstuvwxyz";

int ddbgen_c_name(char **out, const char *name)
{
    size_t len, j = 0;
    char *s;
    bool pending_sep = false;

    if (!out || !name)
        return DDBGEN_ERR_ARG;
    len = strlen(name);
    /* Every input byte gives at most two output bytes, plus the keyword underscore. */
    if (len > (SIZE_MAX - 2) / 2)
        return DDBGEN_ERR_NOMEM;
    s = malloc(2 * len + 2);
    if (!s)
        return DDBGEN_ERR_NOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!is_alnum(c)) {
            pending_sep = true;
            continue;
        }
        if (j > 0 && is_upper(c)) {
            unsigned char prev = (unsigned char)name[i - 1];
            unsigned char next = i + 1 < len ? (unsigned char)name[i + 1] : 0;
            /* aB, 2B: a new word; ABc: the last capital of an acronym starts the next word. */
            if (is_lower(prev) || is_digit(prev) || (is_upper(prev) && is_lower(next)))
                pending_sep = true;
        }
        if (pending_sep && j > 0)
            s[j++] = '_';
        pending_sep = false;
        if (is_upper(c))
            s[j++] = lower_letters[c - 'A'];
        else
            s[j++] = name[i];
    }
    s[j] = '\0';
    if (ddbgen_is_c_keyword(s)) {
        s[j++] = '_';
        s[j] = '\0';
    }
    *out = s;
    return 0;
}

const char *ddbgen_c_name_problem(const char *mapped)
{
    if (!mapped || !*mapped)
        return "has no ASCII letter or digit, so it maps to an empty C identifier";
    if (is_digit((unsigned char)mapped[0]))
        return "starts with a digit, which a C identifier cannot";
    return NULL;
}

/* ---- suggestions ----------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[65];

    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

const char *ddbgen_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX, wl;

    if (!word || !*word)
        return NULL;
    wl = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (candidates[i] && ieq(word, candidates[i]))
            return candidates[i];
    for (size_t i = 0; i < n; i++) {
        size_t d;
        if (!candidates[i])
            continue;
        d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    if (best && best_d <= (wl + 2) / 3)
        return best;
    /* "GetItm" is far from "GetItem" by ratio only when short; a shared prefix of 3 helps. */
    if (wl >= 3) {
        for (size_t i = 0; i < n; i++)
            if (candidates[i] && strlen(candidates[i]) >= 3 && strncmp(word, candidates[i], 3) == 0)
                return candidates[i];
    }
    return NULL;
}
