/*
 * The expression builder. Calls only record a tree (paths already split into segments, values
 * held); placeholders are assigned when ddb_expr_build walks the trees, so a condition that is
 * built but never used leaves no unused name or value behind (DynamoDB rejects those).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "ddb/api/expr.h"

#define MAX_LIST_INDEX 2147483647UL
/* Generated text is capped well above the 4 KB limit, so the error can give the real size. */
#define TEXT_CAP (1u << 20)

typedef struct seg {
    char *name; /* NULL for a list index */
    unsigned long index;
} seg;

typedef struct doc_path {
    char *text; /* as given, for messages */
    size_t n;
    seg *segs;
} doc_path;

enum operand_kind {
    OPD_VALUE = 1,
    OPD_PATH,
    OPD_SIZE,
    OPD_IF_NOT_EXISTS,
    OPD_LIST_APPEND,
    OPD_PLUS,
    OPD_MINUS
};

struct ddb_operand {
    const ddb_expr *owner;
    ddb_operand *next_alloc;
    enum operand_kind kind;
    doc_path p;         /* PATH, SIZE, IF_NOT_EXISTS */
    ddb_value *v;       /* VALUE */
    ddb_operand *a, *b; /* IF_NOT_EXISTS: a is the fallback; LIST_APPEND, PLUS, MINUS */
};

enum cond_kind {
    C_CMP = 1,
    C_BETWEEN,
    C_IN,
    C_EXISTS,
    C_NOT_EXISTS,
    C_TYPE,
    C_BEGINS_WITH,
    C_CONTAINS,
    C_AND,
    C_OR,
    C_NOT
};

struct ddb_cond {
    const ddb_expr *owner;
    ddb_cond *next_alloc;
    enum cond_kind kind;
    ddb_cmp op;
    ddb_operand *lhs;   /* the compared operand, or the function's path */
    ddb_operand **args; /* CMP: rhs; BETWEEN: lo, hi; IN: the list; functions: the value */
    size_t n_args;
    ddb_cond *a, *b; /* AND, OR, NOT (a only) */
};

enum action_kind { ACT_SET, ACT_REMOVE, ACT_ADD, ACT_DELETE };

typedef struct action {
    enum action_kind kind;
    doc_path p;
    ddb_operand *v; /* NULL for REMOVE */
} action;

struct ddb_expr {
    ddb_error error; /* the first failure; code 0 while there is none */
    bool literal;
    size_t n_parts;
    ddb_operand *operands; /* every operand made, for freeing */
    ddb_cond *conds;       /* every condition made, for freeing */
    ddb_cond *key, *filter, *condition;
    action *actions;
    size_t n_actions, cap_actions;
    doc_path *proj;
    size_t n_proj, cap_proj;
};

/* ---- errors -------------------------------------------------------------------------------- */

static void fail(ddb_expr *e, int code, const char *fmt, ...) DDB_PRINTF(3, 4);

static void fail(ddb_expr *e, int code, const char *fmt, ...)
{
    if (e->error.code != 0)
        return; /* the first error is the one worth reporting */
    e->error.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->error.message, sizeof(e->error.message), fmt, ap);
    va_end(ap);
}

static bool failed(const ddb_expr *e)
{
    return e->error.code != 0;
}

/*
 * A printable, bounded copy of user text for a one-line message. Returned by value so each use
 * needs no buffer: show(x).s lives until the end of the full expression (C11 6.2.4p8).
 */
typedef struct shown {
    char s[72];
} shown;

static shown show(const char *text)
{
    shown out;
    size_t n = strlen(text), max = 60;
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* do not split a UTF-8 sequence */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        out.s[i] = (char)((ch < 0x20 || ch == 0x7F) ? '?' : ch);
    }
    memcpy(out.s + n, cut ? "..." : "", cut ? 4 : 1);
    return out;
}

static const char *cmp_text(ddb_cmp op)
{
    switch (op) {
    case DDB_CMP_EQ:
        return "=";
    case DDB_CMP_NE:
        return "<>";
    case DDB_CMP_LT:
        return "<";
    case DDB_CMP_LE:
        return "<=";
    case DDB_CMP_GT:
        return ">";
    case DDB_CMP_GE:
        return ">=";
    }
    return NULL;
}

static const char *operand_kind_text(enum operand_kind k)
{
    switch (k) {
    case OPD_VALUE:
        return "a value";
    case OPD_PATH:
        return "a path";
    case OPD_SIZE:
        return "size()";
    case OPD_IF_NOT_EXISTS:
        return "if_not_exists()";
    case OPD_LIST_APPEND:
        return "list_append()";
    case OPD_PLUS:
        return "'+'";
    case OPD_MINUS:
        return "'-'";
    }
    return "?";
}

static bool is_sortable_type(ddb_type t)
{
    return t == DDB_TYPE_S || t == DDB_TYPE_N || t == DDB_TYPE_B;
}

static bool is_set_type(ddb_type t)
{
    return t == DDB_TYPE_SS || t == DDB_TYPE_NS || t == DDB_TYPE_BS;
}

/* ---- paths --------------------------------------------------------------------------------- */

static void path_clear(doc_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->segs[i].name);
    free(p->segs);
    free(p->text);
    memset(p, 0, sizeof(*p));
}

static bool check_name_len(ddb_expr *e, const char *text, size_t len)
{
    if (len > DDB_EXPR_MAX_NAME_BYTES) {
        fail(e, DDB_ERR_LIMIT, "attribute name in path '%s' is %zu bytes; the limit is %d",
             show(text).s, len, DDB_EXPR_MAX_NAME_BYTES);
        return false;
    }
    return true;
}

/*
 * Split text into segments: names separated by '.', each followed by any number of [index].
 * In literal mode the whole text is one name. Records the error and returns false on failure.
 */
static bool path_parse(ddb_expr *e, const char *text, doc_path *out)
{
    seg segs[DDB_EXPR_MAX_PATH_DEPTH];
    size_t n = 0;
    doc_path p = {0};

    if (!text) {
        fail(e, DDB_ERR_INVALID_ARG, "attribute path is NULL");
        return false;
    }
    if (!text[0]) {
        fail(e, DDB_ERR_INVALID_ARG, "attribute name is empty");
        return false;
    }
    if (e->literal) {
        size_t len = strlen(text);
        if (!check_name_len(e, text, len))
            return false;
        segs[n].name = strdup(text);
        segs[n++].index = 0;
        if (!segs[0].name)
            goto nomem;
        goto done;
    }

    for (size_t i = 0;;) {
        size_t start = i;
        while (text[i] && text[i] != '.' && text[i] != '[' && text[i] != ']')
            i++;
        if (i == start) {
            if (text[i] == ']')
                fail(e, DDB_ERR_INVALID_ARG, "unexpected ']' in path '%s'", show(text).s);
            else
                fail(e, DDB_ERR_INVALID_ARG, "empty attribute name in path '%s'", show(text).s);
            goto fail;
        }
        if (!check_name_len(e, text, i - start))
            goto fail;
        if (n == DDB_EXPR_MAX_PATH_DEPTH)
            goto too_deep;
        segs[n].index = 0;
        segs[n].name = strndup(text + start, i - start);
        if (!segs[n++].name)
            goto nomem;
        while (text[i] == '[') {
            unsigned long idx = 0;
            size_t digits = 0;
            for (i++; text[i] >= '0' && text[i] <= '9'; i++, digits++) {
                idx = idx * 10 + (unsigned long)(text[i] - '0');
                if (idx > MAX_LIST_INDEX) {
                    fail(e, DDB_ERR_LIMIT, "list index in path '%s' exceeds %lu", show(text).s,
                         MAX_LIST_INDEX);
                    goto fail;
                }
            }
            if (digits == 0 || text[i] != ']') {
                fail(e, DDB_ERR_INVALID_ARG, "malformed list index in path '%s'", show(text).s);
                goto fail;
            }
            i++;
            if (n == DDB_EXPR_MAX_PATH_DEPTH)
                goto too_deep;
            segs[n].name = NULL;
            segs[n++].index = idx;
        }
        if (text[i] == '\0')
            break;
        if (text[i] != '.') {
            fail(e, DDB_ERR_INVALID_ARG, "unexpected '%c' at offset %zu in path '%s'", text[i], i,
                 show(text).s);
            goto fail;
        }
        i++;
    }

done:
    p.text = strdup(text);
    p.segs = malloc(n * sizeof(*p.segs));
    if (!p.text || !p.segs) {
        free(p.text);
        free(p.segs);
        goto nomem;
    }
    memcpy(p.segs, segs, n * sizeof(*segs));
    p.n = n;
    *out = p;
    return true;

too_deep:
    fail(e, DDB_ERR_LIMIT, "path '%s' is nested deeper than %d levels", show(text).s,
         DDB_EXPR_MAX_PATH_DEPTH);
    goto fail;
nomem:
    fail(e, DDB_ERR_NOMEM, "out of memory allocating an attribute path");
fail:
    for (size_t i = 0; i < n; i++)
        free(segs[i].name);
    return false;
}

static bool seg_equal(const seg *a, const seg *b)
{
    if (!a->name || !b->name)
        return !a->name && !b->name && a->index == b->index;
    return strcmp(a->name, b->name) == 0;
}

/* Two paths overlap when one is a prefix of the other (or they are equal). */
static bool paths_overlap(const doc_path *a, const doc_path *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        if (!seg_equal(&a->segs[i], &b->segs[i]))
            return false;
    }
    return true;
}

/* ---- the builder --------------------------------------------------------------------------- */

int ddb_expr_new(ddb_expr **out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_expr_new: out is NULL");
    ddb_expr *e = calloc(1, sizeof(*e));
    if (!e)
        return ddb_error__nomem(err, "an expression builder");
    *out = e;
    return 0;
}

void ddb_expr_free(ddb_expr *e)
{
    if (!e)
        return;
    for (ddb_operand *o = e->operands, *next; o; o = next) {
        next = o->next_alloc;
        path_clear(&o->p);
        ddb_value_free(o->v);
        free(o);
    }
    for (ddb_cond *c = e->conds, *next; c; c = next) {
        next = c->next_alloc;
        free(c->args);
        free(c);
    }
    for (size_t i = 0; i < e->n_actions; i++)
        path_clear(&e->actions[i].p);
    free(e->actions);
    for (size_t i = 0; i < e->n_proj; i++)
        path_clear(&e->proj[i]);
    free(e->proj);
    ddb_error_clear(&e->error);
    free(e);
}

void ddb_expr_set_literal_names(ddb_expr *e, bool literal)
{
    if (e)
        e->literal = literal;
}

int ddb_expr_status(const ddb_expr *e, ddb_error *err)
{
    if (!e)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_expr is NULL");
    if (!failed(e))
        return 0;
    return ddb_error__set(err, e->error.code, "%s", e->error.message);
}

static bool take_part(ddb_expr *e)
{
    if (e->n_parts >= DDB_EXPR_MAX_PARTS) {
        fail(e, DDB_ERR_LIMIT, "expression builder reached its limit of %d parts",
             DDB_EXPR_MAX_PARTS);
        return false;
    }
    e->n_parts++;
    return true;
}

/* ---- values -------------------------------------------------------------------------------- */

static ddb_value *make_value(ddb_expr *e, int rc, ddb_value *v, const ddb_error *verr)
{
    if (rc != 0) {
        fail(e, rc, "%s", verr->message[0] ? verr->message : ddb_strerror(rc));
        return NULL;
    }
    return v;
}

ddb_value *ddb_expr_val_s(ddb_expr *e, const char *s)
{
    ddb_value *v = NULL;
    ddb_error verr = DDB_ERROR_INIT;
    if (!e || failed(e))
        return NULL;
    if (!s) {
        fail(e, DDB_ERR_INVALID_ARG, "string value is NULL");
        return NULL;
    }
    int rc = ddb_value_new_s(&v, s, &verr);
    return make_value(e, rc, v, &verr);
}

ddb_value *ddb_expr_val_n(ddb_expr *e, const char *num)
{
    ddb_value *v = NULL;
    ddb_error verr = DDB_ERROR_INIT;
    if (!e || failed(e))
        return NULL;
    if (!num) {
        fail(e, DDB_ERR_INVALID_ARG, "number value is NULL");
        return NULL;
    }
    int rc = ddb_value_new_n(&v, num, &verr);
    return make_value(e, rc, v, &verr);
}

ddb_value *ddb_expr_val_i64(ddb_expr *e, int64_t n)
{
    ddb_value *v = NULL;
    ddb_error verr = DDB_ERROR_INIT;
    if (!e || failed(e))
        return NULL;
    int rc = ddb_value_new_n_i64(&v, n, &verr);
    return make_value(e, rc, v, &verr);
}

ddb_value *ddb_expr_val_b(ddb_expr *e, const void *data, size_t len)
{
    ddb_value *v = NULL;
    ddb_error verr = DDB_ERROR_INIT;
    if (!e || failed(e))
        return NULL;
    int rc = ddb_value_new_b(&v, data, len, &verr);
    return make_value(e, rc, v, &verr);
}

ddb_value *ddb_expr_val_bool(ddb_expr *e, bool b)
{
    ddb_value *v = NULL;
    ddb_error verr = DDB_ERROR_INIT;
    if (!e || failed(e))
        return NULL;
    int rc = ddb_value_new_bool(&v, b, &verr);
    return make_value(e, rc, v, &verr);
}

/* ---- operands ------------------------------------------------------------------------------ */

static ddb_operand *new_operand(ddb_expr *e, enum operand_kind kind)
{
    if (!take_part(e))
        return NULL;
    ddb_operand *o = calloc(1, sizeof(*o));
    if (!o) {
        e->n_parts--;
        fail(e, DDB_ERR_NOMEM, "out of memory allocating an expression operand");
        return NULL;
    }
    o->owner = e;
    o->kind = kind;
    o->next_alloc = e->operands;
    e->operands = o;
    return o;
}

/* Wrap v in a value operand; `what` names its use in the message for a NULL value. */
static ddb_operand *value_operand(ddb_expr *e, ddb_value *v, const char *what, const char *path)
{
    if (failed(e)) {
        ddb_value_free(v);
        return NULL;
    }
    if (!v) {
        fail(e, DDB_ERR_INVALID_ARG, "%s value for '%s' is NULL", what,
             path ? show(path).s : "(null)");
        return NULL;
    }
    ddb_operand *o = new_operand(e, OPD_VALUE);
    if (!o) {
        ddb_value_free(v);
        return NULL;
    }
    o->v = v;
    return o;
}

static ddb_operand *path_operand(ddb_expr *e, enum operand_kind kind, const char *text)
{
    doc_path p;
    if (failed(e) || !path_parse(e, text, &p))
        return NULL;
    ddb_operand *o = new_operand(e, kind);
    if (!o) {
        path_clear(&p);
        return NULL;
    }
    o->p = p;
    return o;
}

/* Is o usable here? NULL without an earlier error, or a foreign operand, is recorded. */
static bool operand_ok(ddb_expr *e, const ddb_operand *o, const char *where)
{
    if (failed(e))
        return false;
    if (!o) {
        fail(e, DDB_ERR_INVALID_ARG, "%s: operand is NULL", where);
        return false;
    }
    if (o->owner != e) {
        fail(e, DDB_ERR_INVALID_ARG, "%s: operand belongs to another ddb_expr", where);
        return false;
    }
    return true;
}

/* The operands allowed inside list_append, as if_not_exists's fallback and beside + or -. */
static bool inner_update_operand_ok(ddb_expr *e, const ddb_operand *o, const char *where)
{
    if (!operand_ok(e, o, where))
        return false;
    if (o->kind != OPD_PATH && o->kind != OPD_VALUE && o->kind != OPD_IF_NOT_EXISTS) {
        fail(e, DDB_ERR_INVALID_ARG, "%s does not accept %s as an argument", where,
             operand_kind_text(o->kind));
        return false;
    }
    return true;
}

static bool value_type_ok(ddb_expr *e, const ddb_operand *o, ddb_type want, const char *where)
{
    if (o->kind != OPD_VALUE || ddb_value_type(o->v) == want)
        return true;
    fail(e, DDB_ERR_INVALID_ARG, "%s needs %s values; got %s", where, ddb_type_name(want),
         ddb_type_name(ddb_value_type(o->v)));
    return false;
}

ddb_operand *ddb_operand_path(ddb_expr *e, const char *path)
{
    return e ? path_operand(e, OPD_PATH, path) : NULL;
}

ddb_operand *ddb_operand_value_take(ddb_expr *e, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return NULL;
    }
    return value_operand(e, v, "operand", NULL);
}

ddb_operand *ddb_operand_size(ddb_expr *e, const char *path)
{
    return e ? path_operand(e, OPD_SIZE, path) : NULL;
}

ddb_operand *ddb_operand_if_not_exists(ddb_expr *e, const char *path, ddb_operand *fallback)
{
    if (!e || !inner_update_operand_ok(e, fallback, "if_not_exists()"))
        return NULL;
    ddb_operand *o = path_operand(e, OPD_IF_NOT_EXISTS, path);
    if (o)
        o->a = fallback;
    return o;
}

static ddb_operand *binary_operand(ddb_expr *e, enum operand_kind kind, ddb_operand *a,
                                   ddb_operand *b)
{
    const char *where = operand_kind_text(kind);
    ddb_type want = kind == OPD_LIST_APPEND ? DDB_TYPE_L : DDB_TYPE_N;
    if (!e || !inner_update_operand_ok(e, a, where) || !inner_update_operand_ok(e, b, where) ||
        !value_type_ok(e, a, want, where) || !value_type_ok(e, b, want, where))
        return NULL;
    ddb_operand *o = new_operand(e, kind);
    if (o) {
        o->a = a;
        o->b = b;
    }
    return o;
}

ddb_operand *ddb_operand_list_append(ddb_expr *e, ddb_operand *a, ddb_operand *b)
{
    return binary_operand(e, OPD_LIST_APPEND, a, b);
}

ddb_operand *ddb_operand_plus(ddb_expr *e, ddb_operand *a, ddb_operand *b)
{
    return binary_operand(e, OPD_PLUS, a, b);
}

ddb_operand *ddb_operand_minus(ddb_expr *e, ddb_operand *a, ddb_operand *b)
{
    return binary_operand(e, OPD_MINUS, a, b);
}

/* ---- conditions ---------------------------------------------------------------------------- */

static ddb_cond *new_cond(ddb_expr *e, enum cond_kind kind, size_t n_args)
{
    if (!take_part(e))
        return NULL;
    ddb_cond *c = calloc(1, sizeof(*c));
    ddb_operand **args = n_args ? calloc(n_args, sizeof(*args)) : NULL;
    if (!c || (n_args && !args)) {
        free(c);
        free(args);
        e->n_parts--;
        fail(e, DDB_ERR_NOMEM, "out of memory allocating a condition");
        return NULL;
    }
    c->owner = e;
    c->kind = kind;
    c->args = args;
    c->n_args = n_args;
    c->next_alloc = e->conds;
    e->conds = c;
    return c;
}

static bool cond_operand_ok(ddb_expr *e, const ddb_operand *o, const char *where)
{
    if (!operand_ok(e, o, where))
        return false;
    if (o->kind != OPD_VALUE && o->kind != OPD_PATH && o->kind != OPD_SIZE) {
        fail(e, DDB_ERR_INVALID_ARG, "%s is not allowed in a condition",
             operand_kind_text(o->kind));
        return false;
    }
    return true;
}

/* The text of the path an operand refers to, for messages. */
static const char *operand_path_text(const ddb_operand *o)
{
    return o && o->p.text ? o->p.text : "(value)";
}

ddb_cond *ddb_cond_compare(ddb_expr *e, ddb_operand *lhs, ddb_cmp op, ddb_operand *rhs)
{
    if (!e || failed(e))
        return NULL;
    const char *op_text = cmp_text(op);
    if (!op_text) {
        fail(e, DDB_ERR_INVALID_ARG, "unknown comparison operator %d", (int)op);
        return NULL;
    }
    if (!cond_operand_ok(e, lhs, op_text) || !cond_operand_ok(e, rhs, op_text))
        return NULL;
    const ddb_operand *sides[2] = {lhs, rhs};
    for (int i = 0; i < 2; i++) {
        const ddb_operand *v = sides[i], *other = sides[1 - i];
        if (v->kind != OPD_VALUE)
            continue;
        ddb_type t = ddb_value_type(v->v);
        if (other->kind == OPD_SIZE && t != DDB_TYPE_N) {
            fail(e, DDB_ERR_INVALID_ARG, "size('%s') compares with N values; got %s",
                 show(operand_path_text(other)).s, ddb_type_name(t));
            return NULL;
        }
        if (op != DDB_CMP_EQ && op != DDB_CMP_NE && !is_sortable_type(t)) {
            fail(e, DDB_ERR_INVALID_ARG, "'%s' on '%s' needs an S, N or B value; got %s", op_text,
                 show(operand_path_text(other)).s, ddb_type_name(t));
            return NULL;
        }
    }
    ddb_cond *c = new_cond(e, C_CMP, 1);
    if (c) {
        c->op = op;
        c->lhs = lhs;
        c->args[0] = rhs;
    }
    return c;
}

ddb_cond *ddb_cond_cmp_take(ddb_expr *e, const char *path, ddb_cmp op, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return NULL;
    }
    ddb_operand *rhs = value_operand(e, v, "comparison", path);
    ddb_operand *lhs = ddb_operand_path(e, path);
    return ddb_cond_compare(e, lhs, op, rhs);
}

ddb_cond *ddb_cond_eq_take(ddb_expr *e, const char *path, ddb_value *v)
{
    return ddb_cond_cmp_take(e, path, DDB_CMP_EQ, v);
}

ddb_cond *ddb_cond_size_cmp_take(ddb_expr *e, const char *path, ddb_cmp op, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return NULL;
    }
    ddb_operand *rhs = value_operand(e, v, "size()", path);
    ddb_operand *lhs = ddb_operand_size(e, path);
    return ddb_cond_compare(e, lhs, op, rhs);
}

ddb_cond *ddb_cond_between_take(ddb_expr *e, const char *path, ddb_value *lo, ddb_value *hi)
{
    if (!e) {
        ddb_value_free(lo);
        ddb_value_free(hi);
        return NULL;
    }
    ddb_operand *olo = value_operand(e, lo, "BETWEEN lower", path);
    ddb_operand *ohi = value_operand(e, hi, "BETWEEN upper", path);
    ddb_operand *lhs = ddb_operand_path(e, path);
    if (failed(e))
        return NULL;
    ddb_type tlo = ddb_value_type(lo), thi = ddb_value_type(hi);
    if (!is_sortable_type(tlo) || tlo != thi) {
        fail(e, DDB_ERR_INVALID_ARG,
             "BETWEEN on '%s' needs two S, two N or two B bounds; got %s and %s", show(path).s,
             ddb_type_name(tlo), ddb_type_name(thi));
        return NULL;
    }
    ddb_cond *c = new_cond(e, C_BETWEEN, 2);
    if (c) {
        c->lhs = lhs;
        c->args[0] = olo;
        c->args[1] = ohi;
    }
    return c;
}

ddb_cond *ddb_cond_in_take(ddb_expr *e, const char *path, ddb_value **values, size_t n)
{
    ddb_cond *c = NULL;
    if (!e || failed(e) || !values || n == 0 || n > DDB_EXPR_MAX_IN_OPERANDS) {
        if (e && !failed(e)) {
            if (!values || n == 0)
                fail(e, DDB_ERR_INVALID_ARG, "IN on '%s' needs at least one value",
                     path ? show(path).s : "(null)");
            else
                fail(e, DDB_ERR_LIMIT, "IN on '%s' has %zu operands; the limit is %d",
                     path ? show(path).s : "(null)", n, DDB_EXPR_MAX_IN_OPERANDS);
        }
        for (size_t i = 0; values && i < n; i++)
            ddb_value_free(values[i]);
        return NULL;
    }
    c = new_cond(e, C_IN, n);
    for (size_t i = 0; i < n; i++) {
        /* value_operand frees every value once anything has failed, c included. */
        ddb_operand *o = value_operand(e, values[i], "IN", path);
        if (c)
            c->args[i] = o;
    }
    ddb_operand *lhs = ddb_operand_path(e, path);
    if (failed(e))
        return NULL; /* c, if made, is freed with e */
    c->lhs = lhs;
    return c;
}

static ddb_cond *function_cond(ddb_expr *e, enum cond_kind kind, const char *path, ddb_operand *arg)
{
    ddb_operand *p = ddb_operand_path(e, path);
    if (failed(e))
        return NULL;
    ddb_cond *c = new_cond(e, kind, arg ? 1 : 0);
    if (c) {
        c->lhs = p;
        if (arg)
            c->args[0] = arg;
    }
    return c;
}

ddb_cond *ddb_cond_exists(ddb_expr *e, const char *path)
{
    return e ? function_cond(e, C_EXISTS, path, NULL) : NULL;
}

ddb_cond *ddb_cond_not_exists(ddb_expr *e, const char *path)
{
    return e ? function_cond(e, C_NOT_EXISTS, path, NULL) : NULL;
}

ddb_cond *ddb_cond_type(ddb_expr *e, const char *path, ddb_type type)
{
    if (!e || failed(e))
        return NULL;
    if (type < DDB_TYPE_S || type > DDB_TYPE_BS) {
        fail(e, DDB_ERR_INVALID_ARG, "attribute_type: unknown type %d", (int)type);
        return NULL;
    }
    ddb_operand *t = value_operand(e, ddb_expr_val_s(e, ddb_type_name(type)), "type", path);
    return function_cond(e, C_TYPE, path, t);
}

ddb_cond *ddb_cond_begins_with_take(ddb_expr *e, const char *path, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return NULL;
    }
    ddb_operand *o = value_operand(e, v, "begins_with()", path);
    if (o && ddb_value_type(v) != DDB_TYPE_S && ddb_value_type(v) != DDB_TYPE_B) {
        fail(e, DDB_ERR_INVALID_ARG, "begins_with() on '%s' needs an S or B value; got %s",
             show(path ? path : "(null)").s, ddb_type_name(ddb_value_type(v)));
        return NULL;
    }
    return function_cond(e, C_BEGINS_WITH, path, o);
}

ddb_cond *ddb_cond_contains_take(ddb_expr *e, const char *path, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return NULL;
    }
    ddb_operand *o = value_operand(e, v, "contains()", path);
    return function_cond(e, C_CONTAINS, path, o);
}

static bool cond_ok(ddb_expr *e, const ddb_cond *c, const char *where)
{
    if (c && c->owner != e) {
        fail(e, DDB_ERR_INVALID_ARG, "%s: condition belongs to another ddb_expr", where);
        return false;
    }
    return true;
}

static ddb_cond *logical(ddb_expr *e, enum cond_kind kind, ddb_cond *a, ddb_cond *b)
{
    const char *where = kind == C_AND ? "AND" : "OR";
    if (!e || failed(e) || !cond_ok(e, a, where) || !cond_ok(e, b, where))
        return NULL;
    if (!a || !b)
        return a ? a : b; /* NULL is "no condition" */
    ddb_cond *c = new_cond(e, kind, 0);
    if (c) {
        c->a = a;
        c->b = b;
    }
    return c;
}

ddb_cond *ddb_cond_and(ddb_expr *e, ddb_cond *a, ddb_cond *b)
{
    return logical(e, C_AND, a, b);
}

ddb_cond *ddb_cond_or(ddb_expr *e, ddb_cond *a, ddb_cond *b)
{
    return logical(e, C_OR, a, b);
}

ddb_cond *ddb_cond_not(ddb_expr *e, ddb_cond *a)
{
    if (!e || failed(e) || !cond_ok(e, a, "NOT"))
        return NULL;
    if (!a) {
        fail(e, DDB_ERR_INVALID_ARG, "NOT: condition is NULL");
        return NULL;
    }
    ddb_cond *c = new_cond(e, C_NOT, 0);
    if (c)
        c->a = a;
    return c;
}

/* ---- the request's expressions ------------------------------------------------------------- */

static int set_cond(ddb_expr *e, ddb_cond **slot, ddb_cond *c, const char *where)
{
    if (!e)
        return DDB_ERR_INVALID_ARG;
    if (failed(e))
        return e->error.code;
    if (!cond_ok(e, c, where))
        return e->error.code;
    *slot = c;
    return 0;
}

/* A key condition leaf: a top-level attribute against an S, N or B value. */
static bool key_leaf_ok(ddb_expr *e, const ddb_cond *c)
{
    bool kind_ok = (c->kind == C_CMP && c->op != DDB_CMP_NE) || c->kind == C_BETWEEN ||
                   c->kind == C_BEGINS_WITH;
    if (!kind_ok || c->lhs->kind != OPD_PATH) {
        fail(e, DDB_ERR_INVALID_ARG,
             "key condition allows only path =, <, <=, >, >=, BETWEEN "
             "or begins_with against a value");
        return false;
    }
    if (c->lhs->p.n != 1 || !c->lhs->p.segs[0].name) {
        fail(e, DDB_ERR_INVALID_ARG,
             "key condition path '%s' is not a top-level attribute (literal names take dots)",
             show(c->lhs->p.text).s);
        return false;
    }
    for (size_t i = 0; i < c->n_args; i++) {
        const ddb_operand *v = c->args[i];
        if (v->kind != OPD_VALUE || !is_sortable_type(ddb_value_type(v->v))) {
            fail(e, DDB_ERR_INVALID_ARG, "key condition on '%s' needs S, N or B values",
                 show(c->lhs->p.text).s);
            return false;
        }
    }
    return true;
}

static bool is_key_eq(const ddb_cond *c)
{
    return c->kind == C_CMP && c->op == DDB_CMP_EQ;
}

int ddb_expr_set_key_condition(ddb_expr *e, ddb_cond *c)
{
    if (!e)
        return DDB_ERR_INVALID_ARG;
    if (c && !failed(e) && cond_ok(e, c, "key condition")) {
        if (c->kind == C_AND) {
            if (!key_leaf_ok(e, c->a) || !key_leaf_ok(e, c->b))
                return e->error.code;
            if (!is_key_eq(c->a) && !is_key_eq(c->b)) {
                fail(e, DDB_ERR_INVALID_ARG, "key condition needs the partition key with =");
                return e->error.code;
            }
            if (strcmp(c->a->lhs->p.segs[0].name, c->b->lhs->p.segs[0].name) == 0) {
                fail(e, DDB_ERR_INVALID_ARG, "key condition names '%s' twice",
                     show(c->a->lhs->p.segs[0].name).s);
                return e->error.code;
            }
        } else if (c->kind == C_CMP || c->kind == C_BETWEEN || c->kind == C_BEGINS_WITH) {
            if (!key_leaf_ok(e, c))
                return e->error.code;
            if (!is_key_eq(c)) {
                fail(e, DDB_ERR_INVALID_ARG, "key condition needs the partition key with =");
                return e->error.code;
            }
        } else {
            fail(e, DDB_ERR_INVALID_ARG,
                 "key condition must be 'pk = :v' optionally AND one sort key condition");
            return e->error.code;
        }
    }
    return set_cond(e, &e->key, c, "key condition");
}

int ddb_expr_set_filter(ddb_expr *e, ddb_cond *c)
{
    return set_cond(e, e ? &e->filter : NULL, c, "filter");
}

int ddb_expr_set_condition(ddb_expr *e, ddb_cond *c)
{
    return set_cond(e, e ? &e->condition : NULL, c, "condition");
}

/* ---- update -------------------------------------------------------------------------------- */

static int add_action(ddb_expr *e, enum action_kind kind, const char *text, ddb_operand *v)
{
    doc_path p;
    if (failed(e) || !path_parse(e, text, &p))
        return e->error.code;
    for (size_t i = 0; i < e->n_actions; i++) {
        if (paths_overlap(&e->actions[i].p, &p)) {
            fail(e, DDB_ERR_INVALID_ARG, "update paths '%s' and '%s' overlap",
                 show(e->actions[i].p.text).s, show(p.text).s);
            goto fail;
        }
    }
    if (!take_part(e))
        goto fail;
    if (e->n_actions == e->cap_actions) {
        size_t cap = e->cap_actions ? e->cap_actions * 2 : 8;
        action *na = realloc(e->actions, cap * sizeof(*na));
        if (!na) {
            e->n_parts--;
            fail(e, DDB_ERR_NOMEM, "out of memory allocating an update action");
            goto fail;
        }
        e->actions = na;
        e->cap_actions = cap;
    }
    e->actions[e->n_actions++] = (action){.kind = kind, .p = p, .v = v};
    return 0;
fail:
    path_clear(&p);
    return e->error.code;
}

int ddb_expr_update_set(ddb_expr *e, const char *path, ddb_operand *value)
{
    if (!e)
        return DDB_ERR_INVALID_ARG;
    if (!operand_ok(e, value, "SET"))
        return e->error.code;
    if (value->kind == OPD_SIZE) {
        fail(e, DDB_ERR_INVALID_ARG, "SET does not accept size()");
        return e->error.code;
    }
    return add_action(e, ACT_SET, path, value);
}

int ddb_expr_update_set_take(ddb_expr *e, const char *path, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return DDB_ERR_INVALID_ARG;
    }
    return ddb_expr_update_set(e, path, value_operand(e, v, "SET", path));
}

int ddb_expr_update_remove(ddb_expr *e, const char *path)
{
    if (!e)
        return DDB_ERR_INVALID_ARG;
    return add_action(e, ACT_REMOVE, path, NULL);
}

int ddb_expr_update_add_take(ddb_expr *e, const char *path, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return DDB_ERR_INVALID_ARG;
    }
    ddb_operand *o = value_operand(e, v, "ADD", path);
    if (!o)
        return e->error.code;
    ddb_type t = ddb_value_type(v);
    if (t != DDB_TYPE_N && !is_set_type(t)) {
        fail(e, DDB_ERR_INVALID_ARG, "ADD on '%s' needs an N or a set value; got %s",
             show(path ? path : "(null)").s, ddb_type_name(t));
        return e->error.code;
    }
    return add_action(e, ACT_ADD, path, o);
}

int ddb_expr_update_delete_take(ddb_expr *e, const char *path, ddb_value *v)
{
    if (!e) {
        ddb_value_free(v);
        return DDB_ERR_INVALID_ARG;
    }
    ddb_operand *o = value_operand(e, v, "DELETE", path);
    if (!o)
        return e->error.code;
    if (!is_set_type(ddb_value_type(v))) {
        fail(e, DDB_ERR_INVALID_ARG, "DELETE on '%s' needs a set value; got %s",
             show(path ? path : "(null)").s, ddb_type_name(ddb_value_type(v)));
        return e->error.code;
    }
    return add_action(e, ACT_DELETE, path, o);
}

/* ---- projection ---------------------------------------------------------------------------- */

int ddb_expr_project(ddb_expr *e, const char *path)
{
    doc_path p;
    if (!e)
        return DDB_ERR_INVALID_ARG;
    if (failed(e) || !path_parse(e, path, &p))
        return e->error.code;
    for (size_t i = 0; i < e->n_proj; i++) {
        if (!paths_overlap(&e->proj[i], &p))
            continue;
        if (e->proj[i].n == p.n) {
            path_clear(&p); /* the same path again: nothing to add */
            return 0;
        }
        fail(e, DDB_ERR_INVALID_ARG, "projection paths '%s' and '%s' overlap",
             show(e->proj[i].text).s, show(p.text).s);
        goto fail;
    }
    if (!take_part(e))
        goto fail;
    if (e->n_proj == e->cap_proj) {
        size_t cap = e->cap_proj ? e->cap_proj * 2 : 8;
        doc_path *np = realloc(e->proj, cap * sizeof(*np));
        if (!np) {
            e->n_parts--;
            fail(e, DDB_ERR_NOMEM, "out of memory allocating a projection path");
            goto fail;
        }
        e->proj = np;
        e->cap_proj = cap;
    }
    e->proj[e->n_proj++] = p;
    return 0;
fail:
    path_clear(&p);
    return e->error.code;
}

/* ---- build --------------------------------------------------------------------------------- */

typedef struct text {
    char *p;
    size_t len, cap;
    bool oom, over;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->oom || t->over)
        return;
    if (t->len + n > TEXT_CAP) {
        t->over = true;
        return;
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *np = realloc(t->p, cap);
        if (!np) {
            t->oom = true;
            return;
        }
        t->p = np;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_num(text *t, const char *prefix, size_t n, const char *suffix)
{
    char buf[48];
    int len = snprintf(buf, sizeof(buf), "%s%zu%s", prefix, n, suffix);
    put(t, buf, (size_t)len);
}

/* Placeholder numbering for one build: names deduplicated through an open-addressing table. */
typedef struct build {
    const char **names; /* placeholder i -> attribute name (borrowed from the builder) */
    size_t n_names, cap_names;
    size_t *slots; /* index + 1, 0 when empty */
    size_t n_slots;
    ddb_value *values;
    size_t n_values;
    bool key_mode; /* key conditions keep the documented form: no parentheses */
    int rc;
    char msg[160];
} build;

static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

static void build_fail(build *bd, int rc, const char *what)
{
    if (bd->rc == 0) {
        bd->rc = rc;
        snprintf(bd->msg, sizeof(bd->msg), "out of memory allocating %s", what);
    }
}

static bool grow_slots(build *bd)
{
    size_t n = bd->n_slots ? bd->n_slots * 2 : 64;
    size_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < bd->n_names; i++) {
        size_t h = hash_name(bd->names[i]) & (n - 1);
        while (slots[h])
            h = (h + 1) & (n - 1);
        slots[h] = i + 1;
    }
    free(bd->slots);
    bd->slots = slots;
    bd->n_slots = n;
    return true;
}

static size_t name_placeholder(build *bd, const char *name)
{
    if ((bd->n_names + 1) * 2 > bd->n_slots && !grow_slots(bd)) {
        build_fail(bd, DDB_ERR_NOMEM, "the name table");
        return 0;
    }
    size_t mask = bd->n_slots - 1, h = hash_name(name) & mask;
    for (; bd->slots[h]; h = (h + 1) & mask) {
        if (strcmp(bd->names[bd->slots[h] - 1], name) == 0)
            return bd->slots[h] - 1;
    }
    if (bd->n_names == bd->cap_names) {
        size_t cap = bd->cap_names ? bd->cap_names * 2 : 16;
        const char **nn = realloc(bd->names, cap * sizeof(*nn));
        if (!nn) {
            build_fail(bd, DDB_ERR_NOMEM, "the name table");
            return 0;
        }
        bd->names = nn;
        bd->cap_names = cap;
    }
    bd->names[bd->n_names] = name;
    bd->slots[h] = ++bd->n_names;
    return bd->n_names - 1;
}

static void emit_path(build *bd, text *t, const doc_path *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->segs[i].name) {
            put_num(t, i ? ".#n" : "#n", name_placeholder(bd, p->segs[i].name), "");
        } else {
            char buf[32];
            int len = snprintf(buf, sizeof(buf), "[%lu]", p->segs[i].index);
            put(t, buf, (size_t)len);
        }
    }
}

static void emit_value(build *bd, text *t, const ddb_value *v)
{
    char key[32];
    ddb_value *copy = NULL;
    if (bd->rc)
        return;
    if (!bd->values && ddb_value_new_m(&bd->values, NULL) != 0) {
        build_fail(bd, DDB_ERR_NOMEM, "the values map");
        return;
    }
    snprintf(key, sizeof(key), ":v%zu", bd->n_values);
    if (ddb_value_copy(&copy, v, NULL) != 0 ||
        ddb_value_m_set_take(bd->values, key, copy, NULL) != 0) {
        build_fail(bd, DDB_ERR_NOMEM, "an expression attribute value");
        return;
    }
    bd->n_values++;
    puts_(t, key);
}

static void emit_operand(build *bd, text *t, const ddb_operand *o)
{
    switch (o->kind) {
    case OPD_VALUE:
        emit_value(bd, t, o->v);
        break;
    case OPD_PATH:
        emit_path(bd, t, &o->p);
        break;
    case OPD_SIZE:
        puts_(t, "size(");
        emit_path(bd, t, &o->p);
        puts_(t, ")");
        break;
    case OPD_IF_NOT_EXISTS:
        puts_(t, "if_not_exists(");
        emit_path(bd, t, &o->p);
        puts_(t, ", ");
        emit_operand(bd, t, o->a);
        puts_(t, ")");
        break;
    case OPD_LIST_APPEND:
        puts_(t, "list_append(");
        emit_operand(bd, t, o->a);
        puts_(t, ", ");
        emit_operand(bd, t, o->b);
        puts_(t, ")");
        break;
    case OPD_PLUS:
    case OPD_MINUS:
        emit_operand(bd, t, o->a);
        puts_(t, o->kind == OPD_PLUS ? " + " : " - ");
        emit_operand(bd, t, o->b);
        break;
    }
}

static bool is_function(const ddb_cond *c)
{
    return c->kind == C_EXISTS || c->kind == C_NOT_EXISTS || c->kind == C_TYPE ||
           c->kind == C_BEGINS_WITH || c->kind == C_CONTAINS;
}

static void emit_cond(build *bd, text *t, const ddb_cond *c);

static void emit_child(build *bd, text *t, const ddb_cond *child, bool parens)
{
    if (parens)
        puts_(t, "(");
    emit_cond(bd, t, child);
    if (parens)
        puts_(t, ")");
}

static void emit_cond(build *bd, text *t, const ddb_cond *c)
{
    static const char *const fn[] = {
        [C_EXISTS] = "attribute_exists(", [C_NOT_EXISTS] = "attribute_not_exists(",
        [C_TYPE] = "attribute_type(",     [C_BEGINS_WITH] = "begins_with(",
        [C_CONTAINS] = "contains(",
    };
    switch (c->kind) {
    case C_CMP:
        emit_operand(bd, t, c->lhs);
        puts_(t, " ");
        puts_(t, cmp_text(c->op));
        puts_(t, " ");
        emit_operand(bd, t, c->args[0]);
        break;
    case C_BETWEEN:
        emit_operand(bd, t, c->lhs);
        puts_(t, " BETWEEN ");
        emit_operand(bd, t, c->args[0]);
        puts_(t, " AND ");
        emit_operand(bd, t, c->args[1]);
        break;
    case C_IN:
        emit_operand(bd, t, c->lhs);
        puts_(t, " IN (");
        for (size_t i = 0; i < c->n_args; i++) {
            if (i)
                puts_(t, ", ");
            emit_operand(bd, t, c->args[i]);
        }
        puts_(t, ")");
        break;
    case C_EXISTS:
    case C_NOT_EXISTS:
    case C_TYPE:
    case C_BEGINS_WITH:
    case C_CONTAINS:
        puts_(t, fn[c->kind]);
        emit_operand(bd, t, c->lhs);
        if (c->n_args) {
            puts_(t, ", ");
            emit_operand(bd, t, c->args[0]);
        }
        puts_(t, ")");
        break;
    case C_AND:
    case C_OR: {
        /* Same-operator chains stay flat; a mixed AND/OR, or a BETWEEN (whose own AND reads
         * ambiguously), is parenthesised though precedence alone would not need it. */
        const ddb_cond *kids[2] = {c->a, c->b};
        for (int i = 0; i < 2; i++) {
            const ddb_cond *k = kids[i];
            bool parens = ((k->kind == C_AND || k->kind == C_OR) && k->kind != c->kind) ||
                          (k->kind == C_BETWEEN && !bd->key_mode);
            if (i)
                puts_(t, c->kind == C_AND ? " AND " : " OR ");
            emit_child(bd, t, k, parens);
        }
        break;
    }
    case C_NOT:
        puts_(t, "NOT ");
        emit_child(bd, t, c->a, !is_function(c->a));
        break;
    }
}

static void emit_update(build *bd, text *t, const ddb_expr *e)
{
    static const char *const clause[] = {"SET ", "REMOVE ", "ADD ", "DELETE "};
    for (int kind = ACT_SET; kind <= ACT_DELETE; kind++) {
        bool first = true;
        for (size_t i = 0; i < e->n_actions; i++) {
            const action *a = &e->actions[i];
            if ((int)a->kind != kind)
                continue;
            if (first && t->len)
                puts_(t, " ");
            puts_(t, first ? clause[kind] : ", ");
            first = false;
            emit_path(bd, t, &a->p);
            if (kind == ACT_SET)
                puts_(t, " = ");
            else if (kind != ACT_REMOVE)
                puts_(t, " ");
            if (a->v)
                emit_operand(bd, t, a->v);
        }
    }
}

static void emit_projection(build *bd, text *t, const ddb_expr *e)
{
    for (size_t i = 0; i < e->n_proj; i++) {
        if (i)
            puts_(t, ", ");
        emit_path(bd, t, &e->proj[i]);
    }
}

/* Check and hand over one finished expression string. */
static int finish_text(build *bd, text *t, const char *name, char **out, ddb_error *err)
{
    int rc = 0;
    if (bd->rc) {
        rc = ddb_error__set(err, bd->rc, "%s", bd->msg);
    } else if (t->oom) {
        rc = ddb_error__nomem(err, name);
    } else if (t->over) {
        rc = ddb_error__set(err, DDB_ERR_LIMIT, "%s exceeds %u bytes; the limit is %d", name,
                            TEXT_CAP, DDB_EXPR_MAX_EXPRESSION_BYTES);
    } else if (t->len > DDB_EXPR_MAX_EXPRESSION_BYTES) {
        rc = ddb_error__set(err, DDB_ERR_LIMIT, "%s is %zu bytes; the limit is %d", name, t->len,
                            DDB_EXPR_MAX_EXPRESSION_BYTES);
    }
    if (rc) {
        free(t->p);
    } else {
        *out = t->p;
    }
    memset(t, 0, sizeof(*t));
    return rc;
}

void ddb_expr_result_free(ddb_expr_result *r)
{
    if (!r)
        return;
    free(r->key_condition_expression);
    free(r->filter_expression);
    free(r->condition_expression);
    free(r->update_expression);
    free(r->projection_expression);
    free(r->expression_attribute_names); /* one block with its strings */
    ddb_value_free(r->expression_attribute_values);
    free(r);
}

int ddb_expr_build(ddb_expr_result **out, const ddb_expr *e, ddb_error *err)
{
    int rc = 0;
    build bd = {0};
    text t = {0};
    ddb_expr_result *r = NULL;

    if (!out || !e)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_expr_build: %s is NULL",
                              out ? "e" : "out");
    if (failed(e))
        return ddb_error__set(err, e->error.code, "%s", e->error.message);
    r = calloc(1, sizeof(*r));
    if (!r)
        return ddb_error__nomem(err, "an expression result");

    const struct {
        const ddb_cond *c;
        const char *name;
        char **out;
    } conds[] = {
        {e->key, "KeyConditionExpression", &r->key_condition_expression},
        {e->filter, "FilterExpression", &r->filter_expression},
        {e->condition, "ConditionExpression", &r->condition_expression},
    };
    for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
        if (!conds[i].c)
            continue;
        bd.key_mode = conds[i].c == e->key;
        emit_cond(&bd, &t, conds[i].c);
        if ((rc = finish_text(&bd, &t, conds[i].name, conds[i].out, err)) != 0)
            goto done;
    }
    bd.key_mode = false;
    if (e->n_actions) {
        emit_update(&bd, &t, e);
        if ((rc = finish_text(&bd, &t, "UpdateExpression", &r->update_expression, err)) != 0)
            goto done;
    }
    if (e->n_proj) {
        emit_projection(&bd, &t, e);
        if ((rc = finish_text(&bd, &t, "ProjectionExpression", &r->projection_expression, err)))
            goto done;
    }

    if (bd.n_names) {
        /*
         * The entries and their strings in one block: ddb_string_map_entry's strings are const
         * (it is an input type), so they are freed with the array rather than one by one.
         */
        size_t bytes = bd.n_names * sizeof(ddb_string_map_entry);
        char key[32];
        for (size_t i = 0; i < bd.n_names; i++)
            bytes += (size_t)snprintf(key, sizeof(key), "#n%zu", i) + 1 + strlen(bd.names[i]) + 1;
        void *block = malloc(bytes);
        if (!block) {
            rc = ddb_error__nomem(err, "expression attribute names");
            goto done;
        }
        ddb_string_map_entry *ents = block;
        char *p = block;
        p += bd.n_names * sizeof(*ents);
        for (size_t i = 0; i < bd.n_names; i++) {
            size_t klen = (size_t)snprintf(key, sizeof(key), "#n%zu", i) + 1;
            size_t vlen = strlen(bd.names[i]) + 1;
            memcpy(p, key, klen);
            ents[i].key = p;
            p += klen;
            memcpy(p, bd.names[i], vlen);
            ents[i].value = p;
            p += vlen;
        }
        r->expression_attribute_names = ents;
        r->n_expression_attribute_names = bd.n_names;
    }
    r->expression_attribute_values = bd.values;
    bd.values = NULL;
    *out = r;
    r = NULL;

done:
    ddb_expr_result_free(r);
    ddb_value_free(bd.values);
    free(bd.names);
    free(bd.slots);
    return rc;
}
