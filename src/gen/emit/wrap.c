/*
 * The generated C's last pass: lines over the house limit are wrapped the way clang-format
 * would wrap them, so that no emitter has to measure what it prints. See wrap.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit/wrap.h"

#define FAR_RIGHT 60     /* an open bracket past this column: indent instead of aligning */
#define CONTINUATION 4   /* the indent of a continuation that does not align (.clang-format) */
#define LAST_RESORT 1000 /* the cost of breaking after an assignment's "=" */

static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

static void spaces(ddbgen_buf *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddbgen_buf_putc(out, ' ');
}

/* The offset just past the literal opened by the quote at s[i] (n when it does not close). */
static size_t literal_end(const char *s, size_t n, size_t i)
{
    char q = s[i];
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == q)
            return i + 1;
    }
    return n;
}

/* The offset just past the escape sequence or character at s[i] inside a string literal. */
static size_t char_end(const char *s, size_t n, size_t i)
{
    size_t j;
    if (s[i] != '\\' || i + 1 >= n)
        return i + 1;
    j = i + 2;
    if (s[i + 1] == 'x')
        while (j < n && strchr("0123456789abcdefABCDEF", s[j]) && s[j])
            j++;
    else if (s[i + 1] >= '0' && s[i + 1] <= '7')
        while (j < n && j < i + 4 && s[j] >= '0' && s[j] <= '7')
            j++;
    return j;
}

/*
 * A comment line over the limit, broken between words; each continuation keeps the line's
 * indent and its "* " (a block comment's body) or "// ", or lines up after its opening.
 */
static void wrap_comment(ddbgen_buf *out, const char *s, size_t n, size_t limit)
{
    size_t ind = indent_of(s, n), start = 0, col0 = 0;
    bool star = ind + 1 < n && s[ind] == '*' && s[ind + 1] == ' ';
    bool opens = ind + 2 < n && s[ind] == '/' && s[ind + 1] == '*' && s[ind + 2] == ' ';
    bool slashes = ind + 2 < n && s[ind] == '/' && s[ind + 1] == '/' && s[ind + 2] == ' ';
    const char *cont = star ? "* " : opens ? "   " : slashes ? "// " : "";
    size_t head = ind + strlen(cont); /* never break inside the first line's prefix */

    while (col0 + (n - start) > limit) {
        size_t cut = 0;
        for (size_t i = start == 0 ? head + 1 : start + 1; i < n && col0 + (i - start) <= limit;
             i++)
            if (s[i] == ' ')
                cut = i;
        if (cut == 0)
            break; /* one word longer than the line: left as it is */
        ddbgen_buf_putn(out, s + start, cut - start);
        ddbgen_buf_putc(out, '\n');
        spaces(out, ind);
        ddbgen_buf_puts(out, cont);
        start = cut + 1;
        col0 = head;
    }
    ddbgen_buf_putn(out, s + start, n - start);
}

/* Where a code line may break: s[end] ends this line (spaces after it dropped), depth its cost. */
typedef struct brk {
    size_t end;
    size_t opener; /* the innermost open bracket, or SIZE_MAX at depth 0 */
    unsigned cost; /* lower is better: outer brackets before inner ones */
} brk;

typedef struct code_line {
    const char *s;
    size_t n;
    brk *brks;
    size_t n_brks;
    size_t *align; /* per offset of an open bracket: the column its continuations align to */
} code_line;

/* Every break of a code line, with the open bracket it is inside. */
static void find_breaks(code_line *L)
{
    size_t stack[64], depth = 0;
    const char *s = L->s;
    for (size_t i = 0; i < L->n; i++) {
        char c = s[i];
        size_t opener = depth ? stack[depth - 1] : SIZE_MAX;
        if (c == '"' || c == '\'') {
            i = literal_end(s, L->n, i) - 1;
        } else if (c == '/' && i + 1 < L->n && (s[i + 1] == '*' || s[i + 1] == '/')) {
            return; /* a comment ends the breakable part */
        } else if (c == '(' || c == '[' || c == '{') {
            if (depth == sizeof stack / sizeof stack[0])
                return; /* nested deeper than any generated code: the breaks found so far */
            stack[depth++] = i;
            if (i + 1 < L->n && s[i + 1] != ')' && s[i + 1] != ']' && s[i + 1] != '}')
                L->brks[L->n_brks++] = (brk){i + 1, i, (unsigned)depth * 2 + 1};
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth)
                depth--;
        } else if (c == ',' && i + 1 < L->n && s[i + 1] == ' ') {
            /* at depth 0: the rest of an initializer or a declaration, continued in line */
            L->brks[L->n_brks++] = (brk){i + 1, opener, (unsigned)depth * 2};
        } else if (c == '=' && !depth && i > 0 && s[i - 1] == ' ' && i + 1 < L->n &&
                   s[i + 1] == ' ') {
            L->brks[L->n_brks++] = (brk){i + 1, opener, LAST_RESORT}; /* the value on its own */
        } else if ((c == '&' || c == '|') && i + 2 < L->n && s[i + 1] == c && s[i + 2] == ' ') {
            L->brks[L->n_brks++] = (brk){i + 2, opener, (unsigned)depth * 2};
            i++;
        }
    }
}

/* Whether the rest of the line from s[pos], at column col, fits or can break somewhere. */
static bool can_continue(const code_line *L, size_t pos, size_t col, size_t limit)
{
    if (col + (L->n - pos) <= limit)
        return true;
    for (size_t k = 0; k < L->n_brks; k++)
        if (L->brks[k].end > pos && col + (L->brks[k].end - pos) <= limit)
            return true;
    return false;
}

/*
 * A code line over the limit: breaks after a comma, after && or ||, or after an open bracket,
 * or after an assignment's "=", choosing among those that fit the outermost one (the last of
 * those). A continuation aligns one column after its open bracket; when that bracket is far
 * right, or aligning leaves the next piece no room, the line breaks right after the bracket and
 * continues indented by 4, as clang-format does. Outside any bracket a comma's continuation
 * keeps the line's own indent (the rest of an initializer or a declaration). A string literal that starts a line and is too
 * long for it is split into adjacent literals.
 */
static void wrap_code(ddbgen_buf *out, code_line *L, size_t limit)
{
    const char *s = L->s;
    size_t n = L->n, ind = indent_of(s, n), start = 0, col0 = 0;
    size_t open_lit = 0; /* this line starts inside a split literal that ends here */

    for (size_t i = 0; i < n; i++)
        L->align[i] = SIZE_MAX;
    while (col0 + (n - start) > limit) {
        const brk *best = NULL;
        if (open_lit && start >= open_lit)
            open_lit = 0;
        size_t next, indent, lit;
        for (size_t k = 0; k < L->n_brks; k++) {
            const brk *b = &L->brks[k];
            if (b->end <= start || col0 + (b->end - start) > limit)
                continue;
            if (!best || b->cost <= best->cost)
                best = b;
        }
        lit = start == 0 ? ind : start;
        if (!best && (open_lit || (lit < n && s[lit] == '"'))) {
            /* a literal first on its line: split it at a character boundary that fits */
            size_t first = open_lit ? start : lit + 1, cut = 0;
            size_t end = open_lit ? open_lit : literal_end(s, n, lit);
            for (size_t i = first; i < end - 1; i = char_end(s, n, i))
                if (col0 + (i - start) + 1 <= limit)
                    cut = i;
            if (cut <= first)
                break;
            ddbgen_buf_putn(out, s + start, cut - start);
            ddbgen_buf_puts(out, "\"\n");
            if (!open_lit)
                col0 += lit - start + 1; /* continuations line up with the literal */
            spaces(out, col0 - 1);
            ddbgen_buf_putc(out, '"');
            open_lit = end;
            start = cut;
            continue;
        }
        if (!best)
            break; /* nothing fits: left long */
        /* the open brackets on this piece get their columns */
        for (size_t i = start; i < best->end; i++)
            if ((s[i] == '(' || s[i] == '[' || s[i] == '{') && L->align[i] == SIZE_MAX) {
                size_t col = col0 + (i - start) + 1;
                L->align[i] = col <= FAR_RIGHT ? col : ind + CONTINUATION;
            }
        if (best->opener != SIZE_MAX && best->end == best->opener + 1)
            L->align[best->opener] = ind + CONTINUATION; /* broken right after it */
        if (best->opener != SIZE_MAX)
            indent = L->align[best->opener];
        else
            indent = s[best->end - 1] == ',' ? ind : ind + CONTINUATION;
        next = best->end;
        while (next < n && s[next] == ' ')
            next++;
        if (best->opener != SIZE_MAX && !can_continue(L, next, indent, limit)) {
            /* aligned, the next argument has no room: break right after the bracket instead,
               as clang-format does, or indent when the bracket is on an earlier line */
            size_t opener = best->opener;
            const brk *after_open = NULL;
            for (size_t k = 0; k < L->n_brks; k++)
                if (L->brks[k].end == opener + 1)
                    after_open = &L->brks[k];
            if (after_open && opener >= start && col0 + (opener + 1 - start) <= limit) {
                best = after_open;
                next = opener + 1;
            }
            L->align[opener] = ind + CONTINUATION;
            indent = L->align[opener];
        }
        ddbgen_buf_putn(out, s + start, best->end - start);
        ddbgen_buf_putc(out, '\n');
        spaces(out, indent);
        start = next;
        col0 = indent;
    }
    ddbgen_buf_putn(out, s + start, n - start);
}

int emit_wrap_c(ddbgen_buf *b, size_t limit)
{
    ddbgen_buf out = DDBGEN_BUF_INIT;
    const char *text = ddbgen_buf_str(b);
    bool in_comment = false, in_macro = false;
    code_line L = {0};

    if (!text)
        return -1;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        size_t ind = indent_of(p, n);
        bool directive = ind < n && p[ind] == '#';
        bool comment = in_comment || (ind + 1 < n && p[ind] == '/' && strchr("*/", p[ind + 1]));

        if (n <= limit || directive || in_macro) {
            ddbgen_buf_putn(&out, p, n);
        } else if (comment) {
            wrap_comment(&out, p, n, limit);
        } else {
            free(L.brks);
            free(L.align);
            L = (code_line){p, n, calloc(n, sizeof *L.brks), 0, calloc(n, sizeof *L.align)};
            if (!L.brks || !L.align) {
                out.failed = true;
                break;
            }
            find_breaks(&L);
            wrap_code(&out, &L, limit);
        }
        /* what the next line continues: a block comment, a macro */
        in_macro = n > 0 && p[n - 1] == '\\' && (directive || in_macro);
        for (size_t i = 0; i < n; i++) {
            if (!in_comment && (p[i] == '"' || p[i] == '\'')) {
                i = literal_end(p, n, i) - 1;
            } else if (!in_comment && p[i] == '/' && i + 1 < n && p[i + 1] == '*') {
                in_comment = true;
                i++;
            } else if (in_comment && p[i] == '*' && i + 1 < n && p[i + 1] == '/') {
                in_comment = false;
                i++;
            } else if (!in_comment && p[i] == '/' && i + 1 < n && p[i + 1] == '/') {
                break;
            }
        }
        if (eol)
            ddbgen_buf_putc(&out, '\n');
        p += n + (eol ? 1 : 0);
    }
    free(L.brks);
    free(L.align);
    if (out.failed || !ddbgen_buf_str(&out)) {
        ddbgen_buf_free(&out);
        return -1;
    }
    ddbgen_buf_free(b);
    *b = out;
    return 0;
}
