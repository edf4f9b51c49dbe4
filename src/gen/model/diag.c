/*
 * The diagnostics list (see diag.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model/diag.h"

void ddbgen_diags_free(ddbgen_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].path);
        free(d->items[i].message);
        free(d->items[i].hint);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
    d->n_errors = d->n_warnings = d->dropped = 0;
    d->nomem = false;
}

/* A copy with each newline, carriage return and tab turned into a space. */
static char *one_line(const char *s)
{
    char *c = strdup(s ? s : "");
    if (!c)
        return NULL;
    for (char *p = c; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return c;
}

int ddbgen_diag_vadd(ddbgen_diags *d, ddbgen_severity sev, const char *path, const char *hint,
                     const char *fmt, va_list ap)
{
    ddbgen_buf msg = DDBGEN_BUF_INIT, full_path = DDBGEN_BUF_INIT;
    ddbgen_diag item = {sev, NULL, NULL, NULL};
    int rc = DDBGEN_ERR_NOMEM;

    if (!d)
        return DDBGEN_ERR_ARG;
    if (d->n >= DDBGEN_DIAGS_MAX) {
        d->dropped++;
        return 0;
    }
    msg.max = (size_t)64 * 1024;
    ddbgen_buf_vprintf(&msg, fmt, ap);
    if (d->prefix)
        ddbgen_buf_puts(&full_path, d->prefix);
    ddbgen_buf_puts(&full_path, path && *path ? path : "$");
    if (!ddbgen_buf_str(&msg) || !ddbgen_buf_str(&full_path))
        goto done;
    item.path = one_line(ddbgen_buf_str(&full_path));
    item.message = one_line(ddbgen_buf_str(&msg));
    item.hint = hint ? one_line(hint) : NULL;
    if (!item.path || !item.message || (hint && !item.hint))
        goto done;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        ddbgen_diag *items = realloc(d->items, cap * sizeof(*items));
        if (!items)
            goto done;
        d->items = items;
        d->cap = cap;
    }
    d->items[d->n++] = item;
    if (sev == DDBGEN_SEV_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
    item.path = item.message = item.hint = NULL;
    rc = 0;
done:
    if (rc)
        d->nomem = true;
    free(item.path);
    free(item.message);
    free(item.hint);
    ddbgen_buf_free(&msg);
    ddbgen_buf_free(&full_path);
    return rc;
}

int ddbgen_diag_add(ddbgen_diags *d, ddbgen_severity sev, const char *path, const char *hint,
                    const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = ddbgen_diag_vadd(d, sev, path, hint, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- ordering -------------------------------------------------------------------------------- */

/* The order of what can follow a common prefix: the end, ".", "[", then anything else. */
static int step_rank(char c)
{
    return c == '\0' ? 0 : c == '.' ? 1 : c == '[' ? 2 : 3;
}

int ddbgen_path_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea, *eb;
            size_t la, lb;
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            for (ea = a; isdigit((unsigned char)*ea); ea++)
                ;
            for (eb = b; isdigit((unsigned char)*eb); eb++)
                ;
            la = (size_t)(ea - a);
            lb = (size_t)(eb - b);
            if (la != lb)
                return la < lb ? -1 : 1;
            for (; a < ea; a++, b++)
                if (*a != *b)
                    return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            continue;
        }
        if (*a != *b) {
            /* A path sorts right before its children: "x" < "x.y" < "x[0]" < "xy". */
            int ra = step_rank(*a), rb = step_rank(*b);
            if (ra != rb)
                return ra < rb ? -1 : 1;
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        }
        a++;
        b++;
    }
    if (*a == *b)
        return 0;
    return *a ? 1 : -1;
}

static int diag_cmp(const void *pa, const void *pb)
{
    const ddbgen_diag *a = pa, *b = pb;
    int c;
    if (a->severity != b->severity)
        return a->severity < b->severity ? -1 : 1;
    c = ddbgen_path_cmp(a->path, b->path);
    if (c)
        return c;
    c = strcmp(a->message, b->message);
    if (c)
        return c;
    return strcmp(a->hint ? a->hint : "", b->hint ? b->hint : "");
}

void ddbgen_diags_sort(ddbgen_diags *d)
{
    size_t w = 0;
    if (!d || d->n == 0)
        return;
    qsort(d->items, d->n, sizeof(d->items[0]), diag_cmp);
    for (size_t r = 0; r < d->n; r++) {
        if (w > 0 && d->items[w - 1].severity == d->items[r].severity &&
            strcmp(d->items[w - 1].path, d->items[r].path) == 0 &&
            strcmp(d->items[w - 1].message, d->items[r].message) == 0) {
            if (d->items[r].severity == DDBGEN_SEV_ERROR)
                d->n_errors--;
            else
                d->n_warnings--;
            free(d->items[r].path);
            free(d->items[r].message);
            free(d->items[r].hint);
            continue;
        }
        d->items[w++] = d->items[r];
    }
    d->n = w;
}

/* ---- output ---------------------------------------------------------------------------------- */

void ddbgen_diags_format_text(const ddbgen_diags *d, ddbgen_buf *out)
{
    ddbgen_diags_format_text_upto(d, DDBGEN_SEV_WARNING, out);
}

void ddbgen_diags_format_text_upto(const ddbgen_diags *d, ddbgen_severity upto, ddbgen_buf *out)
{
    for (size_t i = 0; d && i < d->n; i++) {
        const ddbgen_diag *g = &d->items[i];
        if (g->severity > upto)
            continue;
        ddbgen_buf_printf(out, "%s: %s: %s", g->severity == DDBGEN_SEV_ERROR ? "error" : "warning",
                          g->path, g->message);
        if (g->hint && *g->hint)
            ddbgen_buf_printf(out, "; %s", g->hint);
        ddbgen_buf_putc(out, '\n');
    }
    if (d && d->dropped)
        ddbgen_buf_printf(out, "error: $: %zu more diagnostics were not kept\n", d->dropped);
    if (d && d->nomem)
        ddbgen_buf_puts(out, "error: $: out of memory; some diagnostics are missing\n");
}

void ddbgen_diags_format_json(const ddbgen_diags *d, ddbgen_buf *out)
{
    size_t n_err = d ? d->n_errors + d->dropped + (d->nomem ? 1 : 0) : 0;
    ddbgen_buf_printf(out, "{\"valid\": %s, \"errors\": %zu, \"warnings\": %zu, \"diagnostics\": [",
                      n_err ? "false" : "true", n_err, d ? d->n_warnings : 0);
    for (size_t i = 0; d && i < d->n; i++) {
        const ddbgen_diag *g = &d->items[i];
        ddbgen_buf_puts(out, i ? ",\n  " : "\n  ");
        ddbgen_buf_printf(out, "{\"severity\": \"%s\", \"path\": ",
                          g->severity == DDBGEN_SEV_ERROR ? "error" : "warning");
        ddbgen_buf_put_json_string(out, g->path);
        ddbgen_buf_puts(out, ", \"message\": ");
        ddbgen_buf_put_json_string(out, g->message);
        ddbgen_buf_puts(out, ", \"hint\": ");
        if (g->hint)
            ddbgen_buf_put_json_string(out, g->hint);
        else
            ddbgen_buf_puts(out, "null");
        ddbgen_buf_putc(out, '}');
    }
    ddbgen_buf_puts(out, d && d->n ? "\n]}\n" : "]}\n");
}

/* Names that print bare in a path: identifiers, hyphens allowed ("x-ddbkit"). */
static bool path_key_plain(const char *key)
{
    if (!key || !(isalpha((unsigned char)*key) || *key == '_'))
        return false;
    for (const char *p = key + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
            return false;
    return true;
}

void ddbgen_path_append_key(ddbgen_buf *b, const char *key)
{
    if (path_key_plain(key)) {
        if (b->len > 0)
            ddbgen_buf_putc(b, '.');
        ddbgen_buf_puts(b, key);
    } else {
        ddbgen_buf_putc(b, '[');
        ddbgen_buf_put_json_string(b, key);
        ddbgen_buf_putc(b, ']');
    }
}
