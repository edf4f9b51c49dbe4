/*
 * What every emitter shares: C text helpers (string literals, comments, banners), field kinds,
 * key collection and the output files. Nothing here calls an emitter.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_internal.h"
#include "model/usage.h"
#include "plan/plan.h"
#include "validate/validate.h"

/* A malloc'd "a" "sep" "b", or NULL. */
char *emit_join2(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

bool ddbgen_namespace_ok(const char *ns)
{
    size_t n;
    if (!ns || !(ns[0] >= 'a' && ns[0] <= 'z'))
        return false;
    for (const char *p = ns; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    n = strlen(ns);
    return strstr(ns, "__") == NULL && ns[n - 1] != '_' && !ddbgen_is_c_keyword(ns);
}

void emit_upper(ddbgen_buf *b, const char *s)
{
    for (; *s; s++)
        ddbgen_buf_putc(b, (char)toupper((unsigned char)*s));
}

/* A C string literal for s (escaped; no line breaks in the literal). */
void emit_c_string(ddbgen_buf *b, const char *s)
{
    ddbgen_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ddbgen_buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            ddbgen_buf_puts(b, "\\n");
        else if (*p < 0x20 || *p >= 0x7f)
            ddbgen_buf_printf(b, "\\%03o", *p);
        else
            ddbgen_buf_putc(b, (char)*p);
    }
    ddbgen_buf_putc(b, '"');
}

/* Text for a comment: no comment terminator, one line. */
void emit_comment_text(ddbgen_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (p[0] == '*' && p[1] == '/') {
            ddbgen_buf_puts(b, "* /");
            p++;
        } else if (*p == '\n' || *p == '\r') {
            ddbgen_buf_putc(b, ' ');
        } else {
            ddbgen_buf_putc(b, *p);
        }
    }
}

void emit_banner(ddbgen_buf *b, const char *title)
{
    size_t n = strlen(title);
    ddbgen_buf_printf(b, "\n/* ==== %s ", title);
    for (size_t i = n + 9; i < 96; i++)
        ddbgen_buf_putc(b, '=');
    ddbgen_buf_puts(b, " */\n");
}

/* ---- field types ----------------------------------------------------------------------------- */

const char *emit_kind_name(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
        return "DDB_FIELD_STRING";
    case DDBGEN_TYPE_INTEGER:
        return "DDB_FIELD_INT64";
    case DDBGEN_TYPE_DECIMAL:
        return "DDB_FIELD_DECIMAL";
    case DDBGEN_TYPE_BOOLEAN:
        return "DDB_FIELD_BOOL";
    case DDBGEN_TYPE_UUID:
        return "DDB_FIELD_UUID";
    default:
        return "DDB_FIELD_VALUE";
    }
}

const char *emit_list_elem_type(ddbgen_type t)
{
    switch (t) {
    case DDBGEN_TYPE_STRING:
    case DDBGEN_TYPE_UUID:
        return "char *";
    case DDBGEN_TYPE_INTEGER:
        return "int64_t ";
    case DDBGEN_TYPE_DECIMAL:
        return "ddb_decimal ";
    case DDBGEN_TYPE_BOOLEAN:
        return "bool ";
    default:
        return "ddb_value *";
    }
}

/* Optional scalars with no "no value" state of their own get a has_ flag. */
bool emit_needs_has(const ddbgen_field *f)
{
    if (f->required || f->type == DDBGEN_TYPE_ARRAY)
        return false;
    return f->type == DDBGEN_TYPE_INTEGER || f->type == DDBGEN_TYPE_BOOLEAN ||
           f->type == DDBGEN_TYPE_UUID;
}

void emit_field_member(emitter *E, const ddbgen_entity *e, const ddbgen_field *f)
{
    ddbgen_buf *h = E->h;
    ddbgen_buf_printf(h, "    /* \"%s\": %s", f->name, f->type_raw ? f->type_raw : "?");
    if (f->type == DDBGEN_TYPE_ARRAY)
        ddbgen_buf_printf(h, " of %s", f->item_type_raw ? f->item_type_raw : "any");
    if (f->computed.path) {
        /* One source of truth: the computed template. */
        ddbgen_buf_puts(h, ", computed \"");
        emit_comment_text(h, f->computed.raw);
        ddbgen_buf_puts(h, "\":\n       create and update write the template's value, reads "
                           "give it back; never a\n       second source of truth */\n");
    } else if (ddbgen_field_is_derived(e, f)) {
        /* One source of truth: the key template. */
        ddbgen_buf_puts(h, ", derived: the key template writes it, reads give it back; set it "
                           "only\n       to address an item by its whole key */\n");
    } else {
        ddbgen_buf_printf(h, ", %s */\n", f->required ? "required" : "optional");
    }
    if (f->type == DDBGEN_TYPE_ARRAY) {
        ddbgen_buf_printf(h, "    size_t n_%s;\n    %s*%s;\n", f->c_name,
                          emit_list_elem_type(f->item_type), f->c_name);
        return;
    }
    if (emit_needs_has(f))
        ddbgen_buf_printf(h, "    bool has_%s;\n", f->c_name);
    switch (f->type) {
    case DDBGEN_TYPE_STRING:
        ddbgen_buf_printf(h, "    char *%s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_INTEGER:
        ddbgen_buf_printf(h, "    int64_t %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_DECIMAL:
        ddbgen_buf_printf(h, "    ddb_decimal %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_BOOLEAN:
        ddbgen_buf_printf(h, "    bool %s;\n", f->c_name);
        break;
    case DDBGEN_TYPE_UUID:
        ddbgen_buf_printf(h, "    char %s[37];\n", f->c_name);
        break;
    default:
        ddbgen_buf_printf(h, "    ddb_value *%s;\n", f->c_name);
        break;
    }
}

/* ---- keys ------------------------------------------------------------------------------------ */

int emit_field_index(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The key attributes of an entity: primary first, then each GSI mapping's. */
size_t emit_collect_keys(const ddbgen_entity *e, key_ref *out, size_t cap, size_t *n_primary)
{
    size_t n = 0;
    const ddbgen_table *t = e->table;
    if (e->pk.present && e->pk.n >= 1 && n < cap)
        out[n++] = (key_ref){t->partition_key, NULL, &e->pk.items[0]};
    if (t->sort_key && e->sk.present && e->sk.n >= 1 && n < cap)
        out[n++] = (key_ref){t->sort_key, NULL, &e->sk.items[0]};
    *n_primary = n;
    for (size_t i = 0; i < e->n_gsi_mappings; i++) {
        const ddbgen_gsi_mapping *gm = &e->gsi_mappings[i];
        const ddbgen_gsi *g = ddbgen_table_find_gsi(t, gm->name);
        if (!g)
            continue;
        for (size_t k = 0; gm->pk.present && k < gm->pk.n && k < g->n_pk && n < cap; k++)
            out[n++] = (key_ref){g->pk[k], g->name, &gm->pk.items[k]};
        for (size_t k = 0; gm->sk.present && k < gm->sk.n && k < g->n_sk && n < cap; k++)
            out[n++] = (key_ref){g->sk[k], g->name, &gm->sk.items[k]};
    }
    return n;
}

/* ---- files ----------------------------------------------------------------------------------- */

void emit_file_banner(emitter *E, ddbgen_buf *b, const char *suffix)
{
    ddbgen_buf_printf(b, "/*\n * %s%s - generated by `ddbkit generate` from ", E->ns, suffix);
    emit_comment_text(b, E->model_name);
    ddbgen_buf_puts(b, ".\n * DO NOT EDIT: change the model and generate again.\n */\n");
}

ddbgen_buf *emit_add_file(emitter *E, const char *name)
{
    char *copy;
    if (E->n_extra == EMIT_MAX_EXTRA) {
        E->status = DDBGEN_ERR_NOMEM;
        return NULL;
    }
    copy = emit_join2(name, "", "");
    if (!copy) {
        E->status = DDBGEN_ERR_NOMEM;
        return NULL;
    }
    E->extra_name[E->n_extra] = copy;
    E->extra[E->n_extra] = (ddbgen_buf)DDBGEN_BUF_INIT;
    return &E->extra[E->n_extra++];
}
