/*
 * The emitters' printer: named variables in emitted text (see printer.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/printer.h"

void emit_printer_init(emit_printer *p, char delim)
{
    memset(p, 0, sizeof *p);
    p->delim = delim;
}

void emit_printer_fini(emit_printer *p)
{
    for (size_t i = 0; i < p->n_vars; i++)
        free(p->values[i]);
    p->n_vars = 0;
}

static size_t slot(const emit_printer *p, const char *name, size_t n)
{
    for (size_t i = 0; i < p->n_vars; i++)
        if (strlen(p->names[i]) == n && strncmp(p->names[i], name, n) == 0)
            return i;
    return SIZE_MAX;
}

void emit_set(emit_printer *p, const char *name, const char *value)
{
    size_t n = strlen(name), i = slot(p, name, n);
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) {
        p->failed = true;
        return;
    }
    if (i == SIZE_MAX) {
        if (!copy)
            return;
        if (p->n_vars == EMIT_MAX_VARS || n >= sizeof p->names[0]) {
            p->failed = true;
            free(copy);
            return;
        }
        i = p->n_vars++;
        memcpy(p->names[i], name, n + 1);
    } else {
        free(p->values[i]);
    }
    p->values[i] = copy;
}

void emit_setf(emit_printer *p, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        p->failed = true;
        return;
    }
    emit_set(p, name, buf);
}

void emit_print(const emit_printer *p, ddbgen_buf *out, const char *text)
{
    while (*text) {
        const char *at = strchr(text, p->delim), *end;
        size_t i = SIZE_MAX;
        if (!at) {
            ddbgen_buf_puts(out, text);
            return;
        }
        ddbgen_buf_putn(out, text, (size_t)(at - text));
        end = strchr(at + 1, p->delim);
        if (end)
            i = slot(p, at + 1, (size_t)(end - at - 1));
        if (i != SIZE_MAX && p->values[i]) {
            ddbgen_buf_puts(out, p->values[i]);
            text = end + 1;
        } else {
            ddbgen_buf_putc(out, p->delim);
            text = at + 1;
        }
    }
}
