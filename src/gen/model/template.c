/*
 * Key templates: "USER#{user_id}#ORDER#{order_id}" as literal parts and {field} placeholders.
 */
#include <ctype.h>
#include <string.h>

#include "model/model.h"

/* At most this many parts: a key value is at most 2048 bytes, so more would never fit. */
#define TEMPLATE_MAX_PARTS 1024

static bool name_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

int ddbgen_template_parse(ddbgen_template *out, ddbgen_arena *a, const char *raw,
                          const char **problem)
{
    const char *p, *why = NULL;
    size_t n = 0, i = 0;
    bool blank = true;
    ddbgen_template_part *parts = NULL;

    if (!out || !a || !raw)
        return DDBGEN_ERR_ARG;
    out->raw = raw;
    out->ok = false;
    out->n_parts = 0;
    out->parts = NULL;

    /* First pass: check the syntax and count the parts. */
    for (p = raw; *p; p++)
        if (!isspace((unsigned char)*p))
            blank = false;
    if (blank) {
        why = "is empty";
        goto fail;
    }
    for (p = raw; *p;) {
        if (*p == '}') {
            why = "has a '}' without a matching '{'";
            goto fail;
        }
        if (*p == '{') {
            const char *q = p + 1, *colon = NULL;
            for (; *q && *q != '}'; q++) {
                if (*q == '{') {
                    why = "has a '{' inside a placeholder (placeholders cannot nest)";
                    goto fail;
                }
                if (*q == ':' && !colon)
                    colon = q;
            }
            if (!*q) {
                why = "has a '{' that is never closed";
                goto fail;
            }
            {
                const char *name_end = colon ? colon : q;
                if (name_end == p + 1) {
                    why = colon ? "has a placeholder with no field name"
                                : "has an empty placeholder {}";
                    goto fail;
                }
                for (const char *c = p + 1; c < name_end; c++) {
                    if (!name_char((unsigned char)*c)) {
                        why = "has a placeholder whose name is not letters, digits and "
                              "underscores";
                        goto fail;
                    }
                }
                if (colon && colon + 1 == q) {
                    why = "has a placeholder with an empty format after ':'";
                    goto fail;
                }
            }
            n++;
            p = q + 1;
        } else {
            while (*p && *p != '{' && *p != '}')
                p++;
            n++;
        }
        if (n > TEMPLATE_MAX_PARTS) {
            why = "has too many parts";
            goto fail;
        }
    }

    parts = ddbgen_arena_calloc(a, n, sizeof(*parts));
    if (!parts)
        return DDBGEN_ERR_NOMEM;
    for (p = raw; *p;) {
        if (*p == '{') {
            const char *q = strchr(p, '}');
            const char *colon = memchr(p, ':', (size_t)(q - p));
            const char *name_end = colon ? colon : q;
            parts[i].is_field = true;
            parts[i].text = ddbgen_arena_strndup(a, p + 1, (size_t)(name_end - p - 1));
            if (colon)
                parts[i].format = ddbgen_arena_strndup(a, colon + 1, (size_t)(q - colon - 1));
            if (!parts[i].text || (colon && !parts[i].format))
                return DDBGEN_ERR_NOMEM;
            p = q + 1;
        } else {
            const char *q = p;
            while (*q && *q != '{')
                q++;
            parts[i].text = ddbgen_arena_strndup(a, p, (size_t)(q - p));
            if (!parts[i].text)
                return DDBGEN_ERR_NOMEM;
            p = q;
        }
        i++;
    }
    out->ok = true;
    out->n_parts = n;
    out->parts = parts;
    return 0;
fail:
    if (problem)
        *problem = why;
    return DDBGEN_ERR_INVALID;
}

bool ddbgen_template_single_field(const ddbgen_template *t, const char **field)
{
    if (!t || !t->ok || t->n_parts != 1 || !t->parts[0].is_field || t->parts[0].format)
        return false;
    if (field)
        *field = t->parts[0].text;
    return true;
}

bool ddbgen_template_is_constant(const ddbgen_template *t)
{
    if (!t || !t->ok)
        return false;
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].is_field)
            return false;
    return true;
}
