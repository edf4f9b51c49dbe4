/*
 * Usage data loader and checks (see usage.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/usage.h"

#define ERR DDBGEN_SEV_ERROR
#define WARN DDBGEN_SEV_WARNING

static const char *const sections[] = {"sample_data", "access_pattern_data", "update_data",
                                       "filter_values"};

static const char *kind(const json_t *v)
{
    if (!v)
        return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static bool looks_like_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++) {
            char c = *s;
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return false;
        }
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

/* An integral double within the range where doubles hold every integer (|x| < 2^53). */
static bool integral(double x)
{
    return x > -9007199254740992.0 && x < 9007199254740992.0 && (double)(long long)x == x;
}

bool ddbgen_usage_value_fits(const json_t *value, ddbgen_type type, ddbgen_type item_type,
                             const char **problem)
{
    const char *why = NULL;
    switch (type) {
    case DDBGEN_TYPE_STRING:
        if (!json_is_string(value))
            why = "a string";
        break;
    case DDBGEN_TYPE_UUID:
        if (!json_is_string(value))
            why = "a UUID string";
        break;
    case DDBGEN_TYPE_INTEGER:
        if (!json_is_integer(value) && !(json_is_real(value) && integral(json_real_value(value))))
            why = "an integer";
        break;
    case DDBGEN_TYPE_DECIMAL:
        if (!json_is_number(value))
            why = "a number";
        break;
    case DDBGEN_TYPE_BOOLEAN:
        if (!json_is_boolean(value))
            why = "true or false";
        break;
    case DDBGEN_TYPE_OBJECT:
        if (!json_is_object(value))
            why = "an object";
        break;
    case DDBGEN_TYPE_ARRAY:
        if (!json_is_array(value)) {
            why = "an array";
        } else if (item_type != DDBGEN_TYPE_UNKNOWN) {
            for (size_t i = 0; i < json_array_size(value); i++) {
                if (!ddbgen_usage_value_fits(json_array_get(value, i), item_type,
                                             DDBGEN_TYPE_UNKNOWN, NULL)) {
                    why = "an array whose items fit item_type";
                    break;
                }
            }
        }
        break;
    default:
        break;
    }
    if (problem)
        *problem = why;
    return why == NULL;
}

typedef struct uctx {
    ddbgen_diags *d;
} uctx;

/* Path helpers: small fixed buffers are enough, the steps are names from the document. */
static void path_key(ddbgen_buf *b, const char *base, const char *key)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    ddbgen_buf_puts(b, base);
    ddbgen_path_append_key(b, key);
}

static void check_item(uctx *u, const ddbgen_entity *e, const char *section, json_t *data,
                       const char *path, bool complete)
{
    const char *key;
    json_t *val;
    ddbgen_buf fp = DDBGEN_BUF_INIT;

    json_object_foreach(data, key, val) {
        const ddbgen_field *f = ddbgen_entity_find_field(e, key);
        const char *problem = NULL;
        path_key(&fp, path, key);
        if (!f) {
            const char **names = calloc(e->n_fields ? e->n_fields : 1, sizeof(char *));
            size_t n = 0;
            ddbgen_buf hint = DDBGEN_BUF_INIT;
            const char *guess;
            for (size_t i = 0; names && i < e->n_fields; i++)
                if (e->fields[i].name)
                    names[n++] = e->fields[i].name;
            guess = names ? ddbgen_suggest(key, names, n) : NULL;
            if (guess)
                ddbgen_buf_printf(&hint, "did you mean '%s'? ", guess);
            ddbgen_buf_printf(&hint, "valid fields for %s: ", e->name);
            ddbgen_buf_join(&hint, names, n, ", ");
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&fp), ddbgen_buf_str(&hint),
                            "unknown field '%s' in %s.%s", key, e->name, section);
            ddbgen_buf_free(&hint);
            free(names);
            continue;
        }
        if (f->type == DDBGEN_TYPE_UNKNOWN)
            continue;
        if (json_is_null(val)) {
            if (f->required)
                ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&fp), "give it a value",
                                "field '%s' is required but its value is null", key);
            continue;
        }
        if (f->type == DDBGEN_TYPE_ARRAY && json_is_array(val) &&
            !ddbgen_usage_value_fits(val, f->type, f->item_type, NULL)) {
            size_t bad = 0;
            while (bad < json_array_size(val) &&
                   ddbgen_usage_value_fits(json_array_get(val, bad), f->item_type,
                                           DDBGEN_TYPE_UNKNOWN, NULL))
                bad++;
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&fp),
                            "make every item fit the field's item_type",
                            "field '%s' is an array of %s, but item %zu is %s", key,
                            ddbgen_type_name(f->item_type), bad, kind(json_array_get(val, bad)));
            continue;
        }
        if (!ddbgen_usage_value_fits(val, f->type, f->item_type, &problem)) {
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&fp), "give a value of the field's type",
                            "field '%s' has type %s, so its value must be %s, not %s", key,
                            ddbgen_type_name(f->type), problem, kind(val));
            continue;
        }
        if (f->type == DDBGEN_TYPE_UUID && !looks_like_uuid(json_string_value(val)))
            ddbgen_diag_add(u->d, WARN, ddbgen_buf_str(&fp), "use the 8-4-4-4-12 hexadecimal form",
                            "value of uuid field '%s' is not a UUID", key);
    }
    if (complete) {
        for (size_t i = 0; i < e->n_fields; i++) {
            const ddbgen_field *f = &e->fields[i];
            if (f->name && f->required && !json_object_get(data, f->name)) {
                path_key(&fp, path, f->name);
                ddbgen_diag_add(u->d, WARN, ddbgen_buf_str(&fp),
                                "add a value, or the generated tests make one up",
                                "%s of entity '%s' lacks required field '%s'", section, e->name,
                                f->name);
            }
        }
    }
    ddbgen_buf_free(&fp);
}

static const ddbgen_param *find_any_param(const ddbgen_entity *e, const char *name)
{
    for (size_t i = 0; i < e->n_patterns; i++) {
        const ddbgen_param *p =
            ddbgen_pattern_find_param(e->patterns[i].params, e->patterns[i].n_params, name);
        if (p)
            return p;
    }
    return NULL;
}

static void check_filter_values(uctx *u, const ddbgen_entity *e, json_t *data, const char *path)
{
    const char *key;
    json_t *val;
    ddbgen_buf fp = DDBGEN_BUF_INIT;
    json_object_foreach(data, key, val) {
        const ddbgen_param *p = find_any_param(e, key);
        const char *problem = NULL;
        path_key(&fp, path, key);
        if (!p) {
            ddbgen_diag_add(u->d, WARN, ddbgen_buf_str(&fp),
                            "name a parameter of one of the entity's access patterns",
                            "no access pattern of entity '%s' has a parameter '%s'", e->name, key);
            continue;
        }
        if (p->type == DDBGEN_TYPE_UNKNOWN || p->type == DDBGEN_TYPE_ENTITY || json_is_null(val))
            continue;
        if (!ddbgen_usage_value_fits(val, p->type, DDBGEN_TYPE_UNKNOWN, &problem))
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&fp), "give a value of the parameter's type",
                            "parameter '%s' has type %s, so its value must be %s, not %s", key,
                            ddbgen_type_name(p->type), problem, kind(val));
    }
    ddbgen_buf_free(&fp);
}

static void check_entity(uctx *u, ddbgen_usage_entity *ue, json_t *data, const char *path)
{
    const char *key;
    json_t *val;
    ddbgen_buf sp = DDBGEN_BUF_INIT;

    if (!json_is_object(data)) {
        ddbgen_diag_add(u->d, ERR, path, "change it to a JSON object",
                        "entity '%s' must be an object, not %s", ue->name, kind(data));
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        if (!json_object_get(data, sections[i])) {
            path_key(&sp, path, sections[i]);
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&sp), "add the section with field values",
                            "missing required '%s' section for entity '%s'", sections[i], ue->name);
        }
    }
    json_object_foreach(data, key, val) {
        size_t s;
        for (s = 0; s < 4; s++)
            if (strcmp(key, sections[s]) == 0)
                break;
        path_key(&sp, path, key);
        if (s == 4) {
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&sp),
                            "valid sections are: access_pattern_data, filter_values, "
                            "sample_data, update_data",
                            "unknown section '%s' in entity '%s'", key, ue->name);
            continue;
        }
        if (!json_is_object(val)) {
            ddbgen_diag_add(
                u->d, ERR, ddbgen_buf_str(&sp), "change it to a JSON object with field values",
                "section '%s' in entity '%s' must be an object, not %s", key, ue->name, kind(val));
            continue;
        }
        if (s == 0)
            ue->sample_data = val;
        else if (s == 1)
            ue->access_pattern_data = val;
        else if (s == 2)
            ue->update_data = val;
        else
            ue->filter_values = val;
        if (s == 0 && json_object_size(val) == 0)
            ddbgen_diag_add(u->d, ERR, ddbgen_buf_str(&sp),
                            "add sample field values for realistic tests",
                            "empty 'sample_data' section for entity '%s'", ue->name);
        if (!ue->entity)
            continue;
        if (s == 3)
            check_filter_values(u, ue->entity, val, ddbgen_buf_str(&sp));
        else
            check_item(u, ue->entity, key, val, ddbgen_buf_str(&sp), s < 2);
        if (s == 2) {
            /* An update cannot change the key: the generated update test would miss its item. */
            const char *fk;
            json_t *fv;
            json_object_foreach(val, fk, fv) {
                const ddbgen_entity *e = ue->entity;
                bool in_key = false;
                (void)fv;
                for (size_t k = 0; k < 2; k++) {
                    const ddbgen_key_template *kt = k ? &e->sk : &e->pk;
                    for (size_t t = 0; t < kt->n; t++)
                        for (size_t j = 0; kt->items[t].ok && j < kt->items[t].n_parts; j++)
                            if (kt->items[t].parts[j].is_field &&
                                strcmp(kt->items[t].parts[j].text, fk) == 0)
                                in_key = true;
                }
                if (in_key) {
                    ddbgen_buf fp = DDBGEN_BUF_INIT;
                    path_key(&fp, ddbgen_buf_str(&sp), fk);
                    ddbgen_diag_add(u->d, WARN, ddbgen_buf_str(&fp),
                                    "remove it from update_data: an update keeps the primary key",
                                    "update_data changes '%s', which is part of the primary key",
                                    fk);
                    ddbgen_buf_free(&fp);
                }
            }
        }
    }
    ddbgen_buf_free(&sp);
}

static int load_doc(ddbgen_usage **out, json_t *root, const ddbgen_model *m, ddbgen_diags *d)
{
    uctx u = {d};
    ddbgen_usage *us = calloc(1, sizeof(*us));
    json_t *ents;
    const char *key;
    json_t *val;
    size_t i = 0;

    if (!us) {
        json_decref(root);
        return DDBGEN_ERR_NOMEM;
    }
    us->root = root;
    if (!json_is_object(root)) {
        ddbgen_diag_add(d, ERR, "$", "make the document a JSON object {\"entities\": {...}}",
                        "usage data must be a JSON object, not %s", kind(root));
        goto done;
    }
    json_object_foreach(root, key, val) {
        (void)val;
        if (strcmp(key, "entities") != 0) {
            ddbgen_buf p = DDBGEN_BUF_INIT;
            ddbgen_path_append_key(&p, key);
            ddbgen_diag_add(d, ERR, ddbgen_buf_str(&p), "remove it; the only key is 'entities'",
                            "unknown top-level key '%s'", key);
            ddbgen_buf_free(&p);
        }
    }
    ents = json_object_get(root, "entities");
    if (!ents) {
        ddbgen_diag_add(d, ERR, "entities", "add an 'entities' object to the root",
                        "missing required 'entities' key");
        goto done;
    }
    if (!json_is_object(ents)) {
        ddbgen_diag_add(d, ERR, "entities", "change entities to a JSON object",
                        "entities must be an object, not %s", kind(ents));
        goto done;
    }
    if (json_object_size(ents) == 0)
        ddbgen_diag_add(d, ERR, "entities", "add the usage data of every entity",
                        "entities cannot be empty");
    us->entities =
        calloc(json_object_size(ents) ? json_object_size(ents) : 1, sizeof(*us->entities));
    if (!us->entities) {
        ddbgen_usage_free(us);
        return DDBGEN_ERR_NOMEM;
    }
    json_object_foreach(ents, key, val) {
        ddbgen_usage_entity *ue = &us->entities[i++];
        ddbgen_buf p = DDBGEN_BUF_INIT;
        ddbgen_buf_puts(&p, "entities");
        ddbgen_path_append_key(&p, key);
        ue->name = key;
        ue->entity = ddbgen_model_find_entity(m, key);
        if (!ue->entity)
            ddbgen_diag_add(d, ERR, ddbgen_buf_str(&p), "remove it, or add the entity to the model",
                            "unknown entity '%s' (not in the model)", key);
        check_entity(&u, ue, val, ddbgen_buf_str(&p) ? ddbgen_buf_str(&p) : "entities");
        ddbgen_buf_free(&p);
    }
    us->n_entities = i;
    /* Every entity of the model needs usage data. */
    for (size_t t = 0; m && t < m->n_tables; t++) {
        for (size_t e = 0; e < m->tables[t].n_entities; e++) {
            const char *name = m->tables[t].entities[e].name;
            ddbgen_buf p = DDBGEN_BUF_INIT;
            if (!name || json_object_get(ents, name))
                continue;
            ddbgen_buf_puts(&p, "entities");
            ddbgen_path_append_key(&p, name);
            ddbgen_diag_add(d, ERR, ddbgen_buf_str(&p),
                            "add {\"sample_data\": {...}, \"access_pattern_data\": {...}, "
                            "\"update_data\": {...}} for it",
                            "no usage data for entity '%s'", name);
            ddbgen_buf_free(&p);
        }
    }
done:
    *out = us;
    return 0;
}

static bool blank_input(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
            return false;
    return true;
}

int ddbgen_usage_load_buffer(ddbgen_usage **out, const char *data, size_t len,
                             const ddbgen_model *m, ddbgen_diags *diags)
{
    json_error_t jerr;
    json_t *root;
    const char *saved;
    int rc;

    if (!out || !diags || (!data && len))
        return DDBGEN_ERR_ARG;
    saved = diags->prefix;
    diags->prefix = "usage:";
    if (len > DDBGEN_MODEL_MAX_BYTES) {
        ddbgen_diag_add(diags, ERR, "$", "remove what the tests do not need",
                        "the usage data is %zu bytes, more than the %zu allowed", len,
                        DDBGEN_MODEL_MAX_BYTES);
        rc = DDBGEN_ERR_IO;
        goto done;
    }
    if (blank_input(data, len)) {
        ddbgen_diag_add(diags, ERR, "$", "write the usage data: {\"entities\": {...}}",
                        "the usage data file is empty");
        rc = DDBGEN_ERR_JSON;
        goto done;
    }
    root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        ddbgen_diag_add(diags, ERR, "$", "fix the JSON syntax",
                        "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                        jerr.column);
        rc = DDBGEN_ERR_JSON;
        goto done;
    }
    rc = load_doc(out, root, m, diags);
done:
    diags->prefix = saved;
    return rc;
}

int ddbgen_usage_load_file(ddbgen_usage **out, const char *path, const ddbgen_model *m,
                           ddbgen_diags *diags)
{
    FILE *f;
    char *data = NULL;
    size_t n = 0, cap = 0;
    int rc = DDBGEN_ERR_IO;
    const char *saved;

    if (!out || !path || !diags)
        return DDBGEN_ERR_ARG;
    f = fopen(path, "rb");
    if (!f) {
        saved = diags->prefix;
        diags->prefix = "usage:";
        ddbgen_diag_add(diags, ERR, "$", "check the path", "cannot open '%s': %s", path,
                        strerror(errno));
        diags->prefix = saved;
        return DDBGEN_ERR_IO;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            char *p;
            if (cap > DDBGEN_MODEL_MAX_BYTES)
                break; /* over the cap: load_buffer reports it */
            cap = cap ? cap * 2 : (size_t)64 * 1024;
            p = realloc(data, cap + 1);
            if (!p) {
                rc = DDBGEN_ERR_NOMEM;
                goto done;
            }
            data = p;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        saved = diags->prefix;
        diags->prefix = "usage:";
        ddbgen_diag_add(diags, ERR, "$", "check that it is a readable file", "cannot read '%s': %s",
                        path, strerror(errno));
        diags->prefix = saved;
        goto done;
    }
    rc = ddbgen_usage_load_buffer(out, data, n, m, diags);
done:
    free(data);
    fclose(f);
    return rc;
}

void ddbgen_usage_free(ddbgen_usage *u)
{
    if (!u)
        return;
    json_decref(u->root);
    free(u->entities);
    free(u);
}

const ddbgen_usage_entity *ddbgen_usage_find(const ddbgen_usage *u, const char *entity)
{
    for (size_t i = 0; u && entity && i < u->n_entities; i++)
        if (strcmp(u->entities[i].name, entity) == 0)
            return &u->entities[i];
    return NULL;
}
