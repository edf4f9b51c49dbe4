#include "core/value_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/error_internal.h"
#include "core/json_fast.h"

/* DynamoDB's limit, counting an item (or the outermost M or L of a lone value) as level 1. */
#define MAX_DEPTH 32

/* ---- encoding ------------------------------------------------------------------------------ */

static int encode(json_t **out, const ddb_value *v, ddb_error *err);

/* A JSON string holding base64 of bytes. */
static int base64_string(json_t **out, const void *data, size_t len, ddb_error *err)
{
    char *text = NULL;
    int rc = ddb_base64__encode(&text, data, len, false, err);
    if (rc)
        return rc;
    *out = json_string(text);
    free(text);
    return *out ? 0 : ddb_error__nomem(err, "JSON string");
}

static int text_string(json_t **out, const char *data, size_t len, ddb_error *err)
{
    /* Builders validated UTF-8, so a NULL here is an allocation failure. */
    *out = json_stringn(data, len);
    return *out ? 0 : ddb_error__nomem(err, "JSON string");
}

static int encode_payload(json_t **out, const ddb_value *v, ddb_error *err)
{
    json_t *j = NULL;
    size_t len = 0;
    int rc = 0;
    switch (ddb_value_type(v)) {
    case DDB_TYPE_S: {
        const char *s = ddb_value_s(v, &len);
        if ((rc = text_string(&j, s, len, err)))
            return rc;
        break;
    }
    case DDB_TYPE_N:
        if (!(j = json_string(ddb_value_n(v))))
            return ddb_error__nomem(err, "JSON string");
        break;
    case DDB_TYPE_B: {
        const void *b = ddb_value_b(v, &len);
        if ((rc = base64_string(&j, b, len, err)))
            return rc;
        break;
    }
    case DDB_TYPE_BOOL:
        if (!(j = json_boolean(ddb_value_bool(v))))
            return ddb_error__nomem(err, "JSON boolean");
        break;
    case DDB_TYPE_NULL:
        if (!(j = json_true()))
            return ddb_error__nomem(err, "JSON boolean");
        break;
    case DDB_TYPE_M:
        return ddb_json__from_item(out, v, err);
    case DDB_TYPE_L:
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
        if (!(j = json_array()))
            return ddb_error__nomem(err, "JSON array");
        for (size_t i = 0; i < ddb_value_count(v); i++) {
            json_t *member = NULL;
            ddb_blob m = ddb_value__set_member(v, i);
            ddb_type t = ddb_value_type(v);
            if (t == DDB_TYPE_L)
                rc = encode(&member, ddb_value_l_at(v, i), err);
            else if (t == DDB_TYPE_BS)
                rc = base64_string(&member, m.data, m.len, err);
            else
                rc = text_string(&member, m.data, m.len, err);
            if (rc)
                goto done;
            if (json_array_append_new(j, member)) {
                rc = ddb_error__nomem(err, "JSON array");
                goto done;
            }
        }
        break;
    default:
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "cannot encode a value of type %d",
                              (int)ddb_value_type(v));
    }
    *out = j;
    j = NULL;
done:
    json_decref(j);
    return rc;
}

static int encode(json_t **out, const ddb_value *v, ddb_error *err)
{
    json_t *payload = NULL, *obj = NULL;
    int rc = encode_payload(&payload, v, err);
    if (rc)
        return rc;
    obj = json_object();
    if (!obj || json_object_set_new(obj, ddb_type_name(ddb_value_type(v)), payload)) {
        if (!obj)
            json_decref(payload); /* json_object_set_new releases it otherwise */
        json_decref(obj);
        return ddb_error__nomem(err, "JSON object");
    }
    *out = obj;
    return 0;
}

int ddb_json__from_value(json_t **out, const ddb_value *v, ddb_error *err)
{
    if (!out || !v)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", out ? "value" : "out");
    return encode(out, v, err);
}

int ddb_json__from_item(json_t **out, const ddb_value *map, ddb_error *err)
{
    if (!out || !map)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", out ? "item" : "out");
    if (ddb_value_type(map) != DDB_TYPE_M)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "an item must be an M value, not %s",
                              ddb_type_name(ddb_value_type(map)));
    json_t *obj = json_object();
    if (!obj)
        return ddb_error__nomem(err, "JSON object");
    int rc = 0;
    for (size_t i = 0; i < ddb_value_count(map); i++) {
        const char *name = NULL;
        const ddb_value *member = ddb_value_m_at(map, i, &name);
        json_t *j = NULL;
        if ((rc = encode(&j, member, err)))
            goto done;
        if (json_object_set_new(obj, name, j)) {
            rc = ddb_error__nomem(err, "JSON object");
            goto done;
        }
    }
    *out = obj;
    obj = NULL;
done:
    json_decref(obj);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------------ */

/*
 * The path of the member being decoded, for messages: "GetItemOutput.Item.address.M.zip",
 * ".L[2]" for list members. Decoding only records the steps (borrowed pointers into the JSON tree
 * and the caller's path); the text is built by fail(), so a value that decodes costs no
 * formatting. The text is at most PATH_CAP - 1 bytes; a longer path is cut and ends in "...".
 */
#define PATH_CAP 320
/* The caller's path, an attribute name, one step per M or L level below it, and a set index. */
#define MAX_STEPS (MAX_DEPTH + 4)

typedef enum step_kind { STEP_TEXT, STEP_NAME, STEP_INDEX } step_kind;

typedef struct path_step {
    step_kind kind;
    const char *text; /* TEXT: the whole step; NAME: the prefix (".", ".M."); INDEX: "L", "SS" */
    const char *name; /* NAME: the member name (not NUL-terminated) */
    size_t len;       /* NAME: its length */
    size_t index;     /* INDEX */
} path_step;

typedef struct decoder {
    path_step steps[MAX_STEPS];
    size_t n_steps;
    ddb_error *err;
} decoder;

/* Returns the mark that path_pop takes back to. */
static size_t path_push(decoder *d, path_step step)
{
    size_t saved = d->n_steps;
    /* Nesting is checked against MAX_DEPTH before a level is entered, so this always holds. */
    if (d->n_steps < MAX_STEPS)
        d->steps[d->n_steps++] = step;
    return saved;
}

static void path_pop(decoder *d, size_t saved)
{
    d->n_steps = saved;
}

static size_t push_name(decoder *d, const char *prefix, const char *name, size_t len)
{
    return path_push(d, (path_step){STEP_NAME, prefix, name, len, 0});
}

static size_t push_index(decoder *d, const char *key, size_t index)
{
    return path_push(d, (path_step){STEP_INDEX, key, NULL, 0, index});
}

static void append_step(char *path, size_t *len, const char *fmt, ...) DDB_PRINTF(3, 4);

/* Append to the path text; *len is the length it would have uncut. */
static void append_step(char *path, size_t *len, const char *fmt, ...)
{
    if (*len >= PATH_CAP - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path + *len, PATH_CAP - *len, fmt, ap);
    va_end(ap);
    *len += n > 0 ? (size_t)n : 0;
}

/* The path's text, cut to PATH_CAP - 1 bytes ending in "..." when longer. */
static void path_text(const decoder *d, char path[PATH_CAP])
{
    size_t len = 0;
    path[0] = '\0';
    for (size_t i = 0; i < d->n_steps; i++) {
        const path_step *s = &d->steps[i];
        if (s->kind == STEP_TEXT) {
            append_step(path, &len, "%s", s->text);
        } else if (s->kind == STEP_NAME) {
            char ex[68];
            ddb_value__excerpt(ex, sizeof(ex), s->name, s->len);
            append_step(path, &len, "%s%s", s->text, ex);
        } else {
            append_step(path, &len, ".%s[%zu]", s->text, s->index);
        }
    }
    if (len >= PATH_CAP - 1)
        memcpy(path + PATH_CAP - 4, "...", 4);
}

static int fail(decoder *d, const char *fmt, ...) DDB_PRINTF(2, 3);

/* Sets DDB_ERR_PROTOCOL with "<path>: <message>". */
static int fail(decoder *d, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char path[PATH_CAP];
    path_text(d, path);
    return ddb_error__set(d->err, DDB_ERR_PROTOCOL, "%s: %s", path, msg);
}

/* Reports a failure from a builder: out of memory as it is, the rest as protocol errors. */
static int fail_from(decoder *d, int rc, const ddb_error *sub, const char *prefix)
{
    if (rc == DDB_ERR_NOMEM)
        return ddb_error__set(d->err, rc, "%s", sub->message);
    return fail(d, "%s%s", prefix, sub->message);
}

static const char *json_kind(const json_t *j)
{
    if (!j)
        return "nothing";
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "an unknown JSON value";
}

static const ddb_type all_types[] = {DDB_TYPE_S,    DDB_TYPE_N, DDB_TYPE_B, DDB_TYPE_BOOL,
                                     DDB_TYPE_NULL, DDB_TYPE_M, DDB_TYPE_L, DDB_TYPE_SS,
                                     DDB_TYPE_NS,   DDB_TYPE_BS};

static ddb_type type_from_key(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
        const char *name = ddb_type_name(all_types[i]);
        /* key is NUL-terminated (jansson's), so key[0] can be read when len is 0 */
        if (name[0] == key[0] && strlen(name) == len && memcmp(name, key, len) == 0)
            return all_types[i];
    }
    return (ddb_type)0;
}

static int decode_value(decoder *d, const json_t *j, int level, ddb_value **out);

static int decode_string_payload(decoder *d, const char *key, const json_t *p)
{
    if (json_is_string(p))
        return 0;
    return fail(d, "\"%s\" must be a JSON string, not %s", key, json_kind(p));
}

static int decode_map(decoder *d, const json_t *p, int level, ddb_value **out)
{
    if (!json_is_object(p))
        return fail(d, "\"M\" must be a JSON object, not %s", json_kind(p));
    ddb_value *m = NULL;
    int rc = ddb_value_new_m(&m, d->err);
    if (rc)
        return rc;
    ddb_value__reserve(m, json_object_size(p));
    const char *name;
    size_t name_len;
    json_t *member;
    json_object_keylen_foreach((json_t *)p, name, name_len, member)
    {
        if (name_len == 0 || strlen(name) != name_len) {
            rc = fail(d, "\"M\" has a member name that is %s",
                      name_len ? "cut by a NUL byte" : "empty");
            goto done;
        }
        size_t saved = push_name(d, ".M.", name, name_len);
        ddb_value *v = NULL;
        rc = decode_value(d, member, level, &v);
        if (!rc) /* the names of one JSON object are distinct */
            rc = ddb_value__m_add_take(m, name, name_len, v, d->err);
        if (rc)
            goto done;
        path_pop(d, saved);
    }
    *out = m;
    m = NULL;
done:
    ddb_value_free(m);
    return rc;
}

static int decode_list(decoder *d, const json_t *p, int level, ddb_value **out)
{
    if (!json_is_array(p))
        return fail(d, "\"L\" must be a JSON array, not %s", json_kind(p));
    ddb_value *l = NULL;
    int rc = ddb_value_new_l(&l, d->err);
    if (rc)
        return rc;
    ddb_value__reserve(l, json_array_size(p));
    size_t i;
    json_t *member;
    json_array_foreach(p, i, member) {
        size_t saved = push_index(d, "L", i);
        ddb_value *v = NULL;
        rc = decode_value(d, member, level, &v);
        if (!rc)
            rc = ddb_value_l_append_take(l, v, d->err);
        if (rc)
            goto done;
        path_pop(d, saved);
    }
    *out = l;
    l = NULL;
done:
    ddb_value_free(l);
    return rc;
}

static int decode_set(decoder *d, ddb_type type, const json_t *p, ddb_value **out)
{
    const char *key = ddb_type_name(type);
    if (!json_is_array(p))
        return fail(d, "\"%s\" must be a JSON array, not %s", key, json_kind(p));
    size_t n = json_array_size(p);
    if (n == 0)
        return fail(d, "\"%s\" set is empty; a set needs at least one member", key);

    int rc = 0;
    ddb_blob *blobs = calloc(n, sizeof(*blobs));
    unsigned char **decoded = type == DDB_TYPE_BS ? calloc(n, sizeof(*decoded)) : NULL;
    if (!blobs || (type == DDB_TYPE_BS && !decoded)) {
        rc = ddb_error__nomem(d->err, "set members");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(p, i);
        if (!json_is_string(m)) {
            push_index(d, key, i);
            rc = fail(d, "set member must be a JSON string, not %s", json_kind(m));
            goto done;
        }
        blobs[i] = (ddb_blob){json_string_value(m), json_string_length(m)};
        if (type != DDB_TYPE_BS)
            continue;
        ddb_error sub = DDB_ERROR_INIT;
        size_t len = 0;
        rc = ddb_base64__decode(&decoded[i], &len, blobs[i].data, blobs[i].len, false, &sub);
        if (rc) {
            push_index(d, key, i);
            rc = fail_from(d, rc, &sub, "\"BS\" member: ");
            goto done;
        }
        blobs[i] = (ddb_blob){decoded[i], len};
    }
    ddb_error sub = DDB_ERROR_INIT;
    rc = ddb_value__new_set(out, type, blobs, n, &sub);
    if (rc)
        rc = fail_from(d, rc, &sub, "");
done:
    if (decoded)
        for (size_t i = 0; i < n; i++)
            free(decoded[i]);
    free(decoded);
    free(blobs);
    return rc;
}

static int decode_value(decoder *d, const json_t *j, int level, ddb_value **out)
{
    if (!j)
        return fail(d, "AttributeValue is missing");
    if (!json_is_object(j))
        return fail(d, "an AttributeValue must be a JSON object, not %s", json_kind(j));
    size_t n = json_object_size(j);
    if (n == 0)
        return fail(d, "AttributeValue has no type key");
    void *it = json_object_iter((json_t *)j);
    const char *key = json_object_iter_key(it);
    size_t key_len = json_object_iter_key_len(it);
    const json_t *p = json_object_iter_value(it);
    char ex[44]; /* excerpts are made only for a message */
    if (n > 1) {
        void *it2 = json_object_iter_next((json_t *)j, it);
        char ex2[44];
        ddb_value__excerpt(ex, sizeof(ex), key, key_len);
        ddb_value__excerpt(ex2, sizeof(ex2), json_object_iter_key(it2),
                           json_object_iter_key_len(it2));
        return fail(d,
                    "AttributeValue has %zu type keys (\"%s\", \"%s\"%s); exactly one is allowed",
                    n, ex, ex2, n > 2 ? ", ..." : "");
    }
    ddb_type type = type_from_key(key, key_len);
    ddb_error sub = DDB_ERROR_INIT;
    int rc = 0;
    switch (type) {
    case DDB_TYPE_S:
        if ((rc = decode_string_payload(d, key, p)))
            return rc;
        rc = ddb_value_new_s_len(out, json_string_value(p), json_string_length(p), &sub);
        return rc ? fail_from(d, rc, &sub, "\"S\" value: ") : 0;
    case DDB_TYPE_N: {
        if ((rc = decode_string_payload(d, key, p)))
            return rc;
        const char *num = json_string_value(p);
        if (strlen(num) != json_string_length(p)) {
            ddb_value__excerpt(ex, sizeof(ex), num, json_string_length(p));
            return fail(d, "\"N\" value \"%s\" is not a number: it contains a NUL byte", ex);
        }
        rc = ddb_value_new_n(out, num, &sub);
        return rc ? fail_from(d, rc, &sub, "\"N\" value ") : 0;
    }
    case DDB_TYPE_B: {
        if ((rc = decode_string_payload(d, key, p)))
            return rc;
        unsigned char *bytes = NULL;
        size_t len = 0;
        rc = ddb_base64__decode(&bytes, &len, json_string_value(p), json_string_length(p), false,
                                &sub);
        if (rc)
            return fail_from(d, rc, &sub, "\"B\" value: ");
        rc = ddb_value_new_b(out, bytes, len, d->err);
        free(bytes);
        return rc;
    }
    case DDB_TYPE_BOOL:
        if (!json_is_boolean(p))
            return fail(d, "\"BOOL\" must be true or false, not %s", json_kind(p));
        return ddb_value_new_bool(out, json_is_true(p), d->err);
    case DDB_TYPE_NULL:
        if (!json_is_true(p))
            return fail(d, "\"NULL\" must be true, not %s", json_kind(p));
        return ddb_value_new_null(out, d->err);
    case DDB_TYPE_M:
    case DDB_TYPE_L:
        if (level + 1 > MAX_DEPTH)
            return fail(d, "nesting depth exceeds %d levels", MAX_DEPTH);
        return type == DDB_TYPE_M ? decode_map(d, p, level + 1, out)
                                  : decode_list(d, p, level + 1, out);
    case DDB_TYPE_SS:
    case DDB_TYPE_NS:
    case DDB_TYPE_BS:
        return decode_set(d, type, p, out);
    }
    ddb_value__excerpt(ex, sizeof(ex), key, key_len);
    return fail(d, "unknown AttributeValue type \"%s\"", ex);
}

static void decoder_init(decoder *d, const char *path, const char *fallback, ddb_error *err)
{
    d->n_steps = 0;
    d->err = err;
    path_push(d, (path_step){STEP_TEXT, path && *path ? path : fallback, NULL, 0, 0});
}

int ddb_json__to_value(ddb_value **out, const json_t *j, const char *path, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    decoder d;
    decoder_init(&d, path, "value", err);
    return decode_value(&d, j, 0, out);
}

int ddb_json__to_item(ddb_value **out, const json_t *j, const char *path, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    decoder d;
    decoder_init(&d, path, "item", err);
    if (!j)
        return fail(&d, "item is missing");
    if (!json_is_object(j))
        return fail(&d, "an item must be a JSON object, not %s", json_kind(j));

    ddb_value *item = NULL;
    int rc = ddb_value_new_m(&item, err);
    if (rc)
        return rc;
    ddb_value__reserve(item, json_object_size(j));
    const char *name;
    size_t name_len;
    json_t *member;
    json_object_keylen_foreach((json_t *)j, name, name_len, member)
    {
        if (name_len == 0 || strlen(name) != name_len) {
            rc = fail(&d, "an attribute name is %s", name_len ? "cut by a NUL byte" : "empty");
            goto done;
        }
        size_t saved = push_name(&d, ".", name, name_len);
        ddb_value *v = NULL;
        rc = decode_value(&d, member, 1, &v);
        if (!rc) /* the names of one JSON object are distinct */
            rc = ddb_value__m_add_take(item, name, name_len, v, err);
        if (rc)
            goto done;
        path_pop(&d, saved);
    }
    *out = item;
    item = NULL;
done:
    ddb_value_free(item);
    return rc;
}

/* ---- public text forms --------------------------------------------------------------------- */

static int dump(char **out, json_t *j, ddb_error *err)
{
    char *text = ddb_json__dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return ddb_error__nomem(err, "JSON text");
    *out = text;
    return 0;
}

int ddb_value_to_json(char **out, const ddb_value *v, ddb_error *err)
{
    json_t *j = NULL;
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    int rc = ddb_json__from_value(&j, v, err);
    return rc ? rc : dump(out, j, err);
}

int ddb_item_to_json(char **out, const ddb_value *map, ddb_error *err)
{
    json_t *j = NULL;
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    int rc = ddb_json__from_item(&j, map, err);
    return rc ? rc : dump(out, j, err);
}

static int load(json_t **out, const char *json, size_t len, const char *what, ddb_error *err)
{
    if (!json)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s JSON text is NULL", what);
    json_error_t jerr;
    /* Duplicate keys would silently drop data; NUL is legal inside strings. */
    json_t *j = ddb_json__loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!j)
        return ddb_error__set(err, DDB_ERR_PROTOCOL, "%s: invalid JSON at line %d, column %d: %s",
                              what, jerr.line, jerr.column, jerr.text);
    *out = j;
    return 0;
}

int ddb_value_from_json(ddb_value **out, const char *json, size_t len, ddb_error *err)
{
    json_t *j = NULL;
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    int rc = load(&j, json, len, "value", err);
    if (rc)
        return rc;
    rc = ddb_json__to_value(out, j, "value", err);
    json_decref(j);
    return rc;
}

int ddb_item_from_json(ddb_value **out, const char *json, size_t len, ddb_error *err)
{
    json_t *j = NULL;
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out is NULL");
    int rc = load(&j, json, len, "item", err);
    if (rc)
        return rc;
    rc = ddb_json__to_item(out, j, "item", err);
    json_decref(j);
    return rc;
}
