/*
 * `ddbkit cost` (cost.h; docs/design/cost.md): what each access pattern consumes per request,
 * from the stored item the data-access layer writes (its fields, keys, GSI keys and version,
 * sized from the usage data's sample or from the field types), times its rate, priced
 * on-demand and provisioned, rolled up per GSI and table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost/cost.h"
#include "cost/units.h"
#include "emit/emit.h"

#define ERR DDBGEN_SEV_ERROR

/* Sizes assumed for a field without a sample value (docs/design/cost.md). */
#define DEFAULT_STRING_BYTES 16
#define DEFAULT_ARRAY_ITEMS 2
/* Items a Query or Scan request returns, without better knowledge. */
#define ITEMS_PER_QUERY 1
/* The sentinel attribute of include/ddb/dal/entity.h (DDB_STORE_SENTINEL_ATTR). */
#define SENTINEL_ATTR "ddb_unique_of"
/* The counter item of src/dal/ids.c: key "name", the last ID in "last_id". */
#define COUNTER_KEY "name"
#define COUNTER_VALUE "last_id"

/* Units per second at peak, on a table or one of its GSIs. */
typedef struct load {
    double read, write;
} load;

typedef struct table_cost {
    const char *name;
    const ddbgen_table *t; /* NULL: the ID counter table */
    load base;
    load *gsi;
    double storage_bytes;       /* with the item counts given */
    double storage_per_million; /* bytes of a million items of each entity */
} table_cost;

typedef struct entity_cost {
    const ddbgen_entity *e;
    json_t *item; /* the stored item as estimated */
    size_t size, key_size;
    size_t *gsi_size;    /* per GSI of the table: projected size; 0 when the item is not in it */
    json_t *access_item; /* the usage data's access_pattern_data as stored, or NULL */
    size_t *access_gsi_size; /* its projected sizes */
    size_t *sentinel_size;
    json_t *sentinels;        /* the unique-value sentinel items, one per unique set */
    json_t *updated_item;     /* the item after the repository's update (size_update) */
    double update_units;      /* its write units on the table */
    double *update_gsi_units; /* and on each GSI */
    size_t counter_size;
} entity_cost;

typedef struct cost {
    const ddbgen_model *m;
    const ddbgen_cost_options *o;
    ddbgen_diags *diags;
    size_t n_tables;
    table_cost *tables;
    size_t n_entities;
    entity_cost *entities;
    json_t *patterns, *notes;
    json_t *rps_used; /* keys of o->rps that matched a pattern */
    int status;
} cost;

static void nomem(cost *C)
{
    if (!C->status)
        C->status = DDBGEN_ERR_NOMEM;
}

static void add_new(cost *C, json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        nomem(C);
}

static void push(cost *C, json_t *a, json_t *v)
{
    if (!v || json_array_append_new(a, v) != 0)
        nomem(C);
}

static table_cost *table_of(cost *C, const char *name)
{
    for (size_t i = 0; name && i < C->n_tables; i++)
        if (strcmp(C->tables[i].name, name) == 0)
            return &C->tables[i];
    return NULL;
}

static entity_cost *entity_of(cost *C, const char *name)
{
    for (size_t i = 0; name && i < C->n_entities; i++)
        if (strcmp(C->entities[i].e->name, name) == 0)
            return &C->entities[i];
    return NULL;
}

/* ---- the stored item ------------------------------------------------------------------------ */

static json_t *default_value(ddbgen_type type, ddbgen_type item_type)
{
    static const char filler[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    json_t *a;
    switch (type) {
    case DDBGEN_TYPE_STRING:
        return json_stringn(filler, DEFAULT_STRING_BYTES);
    case DDBGEN_TYPE_UUID:
        return json_string("00000000-0000-0000-0000-000000000000");
    case DDBGEN_TYPE_INTEGER:
        return json_integer(12345678);
    case DDBGEN_TYPE_DECIMAL:
        return json_real(1234.56);
    case DDBGEN_TYPE_BOOLEAN:
        return json_true();
    case DDBGEN_TYPE_ARRAY:
        a = json_array();
        for (int i = 0; a && i < DEFAULT_ARRAY_ITEMS; i++)
            json_array_append_new(a, default_value(item_type, DDBGEN_TYPE_UNKNOWN));
        return a;
    case DDBGEN_TYPE_OBJECT:
        return json_object();
    default:
        return json_string("");
    }
}

/* A field's value in a key: the text the runtime writes ("{n:05d}" pads integers). */
static void key_text(ddbgen_buf *b, const json_t *v, const char *format)
{
    char digits[64];
    if (json_is_string(v)) {
        ddbgen_buf_puts(b, json_string_value(v));
    } else if (json_is_integer(v)) {
        size_t n = format ? strspn(format, "0123456789") : 0;
        int width = n && n < 4 && strcmp(format + n, "d") == 0 ? (int)strtol(format, NULL, 10) : 0;
        long long x = (long long)json_integer_value(v);
        if (format && format[0] == '0')
            snprintf(digits, sizeof digits, "%0*lld", width, x);
        else
            snprintf(digits, sizeof digits, "%*lld", width, x);
        ddbgen_buf_puts(b, digits);
    } else if (json_is_real(v)) {
        snprintf(digits, sizeof digits, "%.15g", json_real_value(v));
        ddbgen_buf_puts(b, digits);
    } else if (json_is_boolean(v)) {
        ddbgen_buf_puts(b, json_is_true(v) ? "true" : "false");
    }
}

/* The key template over the item's fields, or NULL when a placeholder has no value (the item is
 * then not in a sparse index). */
static json_t *render(const ddbgen_template *t, const json_t *fields)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    json_t *out = NULL;
    const char *only;
    /* "{n}" of a number is a number key (N), as the table layout types it */
    if (ddbgen_template_single_field(t, &only) && json_is_number(json_object_get(fields, only)))
        return json_deep_copy(json_object_get(fields, only));
    for (size_t i = 0; i < t->n_parts; i++) {
        const ddbgen_template_part *p = &t->parts[i];
        if (!p->is_field) {
            ddbgen_buf_puts(&b, p->text);
            continue;
        }
        const json_t *v = json_object_get(fields, p->text);
        if (!v || json_typeof(v) == JSON_NULL) {
            ddbgen_buf_free(&b);
            return NULL;
        }
        key_text(&b, v, p->format);
    }
    out = json_string(ddbgen_buf_str(&b) ? ddbgen_buf_str(&b) : "");
    ddbgen_buf_free(&b);
    return out;
}

static bool set_key(json_t *item, const char *attr, const ddbgen_template *t, const json_t *fields)
{
    json_t *v = render(t, fields);
    if (!v)
        return false;
    json_object_set_new(item, attr, v);
    return true;
}

static bool projected(const ddbgen_gsi *g, const char *attr)
{
    for (size_t i = 0; i < g->n_included; i++)
        if (strcmp(g->included[i], attr) == 0)
            return true;
    return false;
}

static bool is_key_of(const ddbgen_table *t, const ddbgen_gsi *g, const char *attr)
{
    if (strcmp(attr, t->partition_key) == 0 || (t->sort_key && strcmp(attr, t->sort_key) == 0))
        return true;
    for (size_t i = 0; i < g->n_pk; i++)
        if (strcmp(attr, g->pk[i]) == 0)
            return true;
    for (size_t i = 0; i < g->n_sk; i++)
        if (strcmp(attr, g->sk[i]) == 0)
            return true;
    return false;
}

/* The size of the item's copy in GSI g: keys, plus what the projection carries. */
static size_t gsi_size(const ddbgen_table *t, const ddbgen_gsi *g, const json_t *item)
{
    size_t total = 0;
    const char *key;
    json_t *v;
    if (g->projection == DDBGEN_PROJ_ALL)
        return ddbgen_units_item_size(item);
    json_object_foreach((json_t *)item, key, v) {
        if (is_key_of(t, g, key) || (g->projection == DDBGEN_PROJ_INCLUDE && projected(g, key)))
            total += strlen(key) + ddbgen_units_json_size(v);
    }
    return total;
}

/*
 * The item the layer stores for the field values of `sample` (NULL: every field at its type's
 * default): fields, computed fields, key and GSI key attributes, version. in_gsi[g] tells whether
 * it is in GSI g (a sparse index leaves out an item whose key fields have no value); *fields_out
 * gets the field values and *key_out the primary key. NULL when out of memory.
 */
static json_t *stored_item(const ddbgen_model *m, const ddbgen_entity *e, const json_t *sample,
                           long long version_value, bool *in_gsi, json_t **fields_out,
                           json_t **key_out)
{
    const ddbgen_table *t = e->table;
    json_t *fields = json_object(), *item = json_object(), *key = json_object();
    const char *version =
        e->ext.version_attribute ? e->ext.version_attribute : m->version_attribute;
    if (!fields || !item || !key) {
        json_decref(fields);
        json_decref(item);
        json_decref(key);
        return NULL;
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        json_t *v = sample ? json_object_get(sample, f->name) : NULL;
        if (v && json_typeof(v) != JSON_NULL)
            json_object_set(fields, f->name, v);
        else if (!sample)
            json_object_set_new(fields, f->name, default_value(f->type, f->item_type));
    }
    /* computed fields take their template's value, as the runtime writes them */
    for (size_t i = 0; i < e->n_fields; i++) {
        const ddbgen_field *f = &e->fields[i];
        json_t *v = f->computed.path ? render(&f->computed, fields) : NULL;
        if (v)
            json_object_set_new(fields, f->name, v);
    }
    json_object_update(item, fields);
    set_key(item, t->partition_key, &e->pk.items[0], fields);
    if (t->sort_key && e->sk.present && e->sk.n)
        set_key(item, t->sort_key, &e->sk.items[0], fields);
    json_object_set(key, t->partition_key, json_object_get(item, t->partition_key));
    if (t->sort_key && json_object_get(item, t->sort_key))
        json_object_set(key, t->sort_key, json_object_get(item, t->sort_key));
    for (size_t k = 0; k < e->n_gsi_mappings; k++) {
        const ddbgen_gsi_mapping *gm = &e->gsi_mappings[k];
        int g = ddbgen_table_gsi_index(t, gm->name);
        json_t *keys = json_object();
        bool ok = g >= 0 && keys;
        for (size_t i = 0; ok && i < gm->pk.n && i < t->gsis[g].n_pk; i++)
            ok = set_key(keys, t->gsis[g].pk[i], &gm->pk.items[i], fields);
        for (size_t i = 0; ok && i < gm->sk.n && i < t->gsis[g].n_sk; i++)
            ok = set_key(keys, t->gsis[g].sk[i], &gm->sk.items[i], fields);
        if (ok) /* all of the index's key attributes, or none */
            json_object_update(item, keys);
        if (g >= 0)
            in_gsi[g] = ok;
        json_decref(keys);
    }
    if (version)
        json_object_set_new(item, version, json_integer(version_value));
    *fields_out = fields;
    *key_out = key;
    return item;
}

/* Whether field feeds a key attribute of the table or of a GSI (a template placeholder). */
static bool feeds_a_key(const ddbgen_entity *e, const char *field)
{
    const ddbgen_key_template *kts[2] = {&e->pk, &e->sk};
    for (size_t k = 0; k <= e->n_gsi_mappings; k++) {
        if (k < e->n_gsi_mappings) {
            kts[0] = &e->gsi_mappings[k].pk;
            kts[1] = &e->gsi_mappings[k].sk;
        } else {
            kts[0] = &e->pk;
            kts[1] = &e->sk;
        }
        for (int w = 0; w < 2; w++)
            for (size_t i = 0; i < kts[w]->n; i++)
                for (size_t p = 0; p < kts[w]->items[i].n_parts; p++)
                    if (kts[w]->items[i].parts[p].is_field &&
                        strcmp(kts[w]->items[i].parts[p].text, field) == 0)
                        return true;
    }
    return false;
}

/* A different value of the same size, as far as the type allows. */
static json_t *changed_value(const json_t *v)
{
    if (json_is_string(v)) {
        char *s = strdup(json_string_value(v));
        size_t n = strlen(s ? s : "");
        json_t *out;
        if (!s)
            return NULL;
        if (n)
            s[n - 1] = s[n - 1] == 'y' ? 'z' : 'y';
        out = json_string(n ? s : "y");
        free(s);
        return out;
    }
    if (json_is_integer(v))
        return json_integer(json_integer_value(v) + 1);
    if (json_is_real(v))
        return json_real(json_real_value(v) + 1);
    if (json_is_boolean(v))
        return json_boolean(!json_is_true(v));
    return json_deep_copy(v);
}

/* The attributes of item that GSI g projects (its keys included). */
static json_t *projection_of(const ddbgen_table *t, const ddbgen_gsi *g, const json_t *item)
{
    json_t *out = json_object(), *v;
    const char *key;
    json_object_foreach((json_t *)item, key, v) {
        if (g->projection == DDBGEN_PROJ_ALL || is_key_of(t, g, key) ||
            (g->projection == DDBGEN_PROJ_INCLUDE && projected(g, key)))
            json_object_set(out, key, v);
    }
    return out;
}

/*
 * The repository's versioned update: the whole item written again with the usage data's
 * update_data applied (without it, every field that feeds no key changed) and the version moved.
 * DynamoDB's rules (Developer Guide, "Provisioned throughput considerations for GSIs"): the
 * table pays for the larger of the two items; a GSI whose key changes pays a delete and a put, one
 * whose projected attributes change one write, one that sees no change nothing.
 */
static void size_update(cost *C, entity_cost *ec, const json_t *fields)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    const ddbgen_usage_entity *ue = C->o->usage ? ddbgen_usage_find(C->o->usage, e->name) : NULL;
    json_t *after = json_deep_copy(fields), *af = NULL, *ak = NULL, *v;
    const char *key;
    bool *in_after = calloc(t->n_gsis + 1, sizeof(bool));
    ec->update_gsi_units = calloc(t->n_gsis + 1, sizeof(double));
    if (!after || !in_after || !ec->update_gsi_units) {
        nomem(C);
        goto done;
    }
    if (ue && ue->update_data) {
        json_object_update(after, ue->update_data);
    } else {
        json_object_foreach((json_t *)fields, key, v) {
            if (!feeds_a_key(e, key))
                json_object_set_new(after, key, changed_value(v));
        }
    }
    ec->updated_item = stored_item(C->m, e, after, 2, in_after, &af, &ak);
    if (!ec->updated_item) {
        nomem(C);
        goto done;
    }
    ec->update_units = ddbgen_units_write(ec->size > ddbgen_units_item_size(ec->updated_item)
                                              ? ec->size
                                              : ddbgen_units_item_size(ec->updated_item),
                                          false);
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddbgen_gsi *gs = &t->gsis[g];
        json_t *pb = projection_of(t, gs, ec->item), *pa = projection_of(t, gs, ec->updated_item);
        size_t before = ec->gsi_size[g];
        size_t now = in_after[g] ? gsi_size(t, gs, ec->updated_item) : 0;
        bool same_key = before && now;
        for (size_t i = 0; same_key && i < gs->n_pk; i++)
            same_key = json_equal(json_object_get(ec->item, gs->pk[i]),
                                  json_object_get(ec->updated_item, gs->pk[i]));
        for (size_t i = 0; same_key && i < gs->n_sk; i++)
            same_key = json_equal(json_object_get(ec->item, gs->sk[i]),
                                  json_object_get(ec->updated_item, gs->sk[i]));
        if (same_key)
            ec->update_gsi_units[g] =
                json_equal(pb, pa) ? 0 : ddbgen_units_write(before > now ? before : now, false);
        else
            ec->update_gsi_units[g] = (before ? ddbgen_units_write(before, false) : 0) +
                                      (now ? ddbgen_units_write(now, false) : 0);
        json_decref(pb);
        json_decref(pa);
    }
done:
    free(in_after);
    json_decref(after);
    json_decref(af);
    json_decref(ak);
}

static void size_entity(cost *C, entity_cost *ec)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    const ddbgen_usage_entity *ue = C->o->usage ? ddbgen_usage_find(C->o->usage, e->name) : NULL;
    json_t *fields = NULL, *item = NULL, *key = NULL;
    bool *in_gsi = calloc(t->n_gsis + 1, sizeof(bool));
    ec->gsi_size = calloc(t->n_gsis + 1, sizeof(*ec->gsi_size));
    ec->access_gsi_size = calloc(t->n_gsis + 1, sizeof(*ec->access_gsi_size));
    ec->sentinel_size = calloc(e->ext.n_unique + 1, sizeof(*ec->sentinel_size));
    if (!in_gsi || !ec->gsi_size || !ec->access_gsi_size || !ec->sentinel_size ||
        !(item = stored_item(C->m, e, ue ? ue->sample_data : NULL, 1, in_gsi, &fields, &key))) {
        nomem(C);
        goto done;
    }
    for (size_t g = 0; g < t->n_gsis; g++)
        ec->gsi_size[g] = in_gsi[g] ? gsi_size(t, &t->gsis[g], item) : 0;
    ec->size = ddbgen_units_item_size(item);
    ec->key_size = ddbgen_units_item_size(key);
    /* A read of a sparse index the sample is not in reads items like the usage data's
     * access_pattern_data, when that one is in it. */
    if (ue && ue->access_pattern_data) {
        json_t *af = NULL, *ak = NULL;
        memset(in_gsi, 0, (t->n_gsis + 1) * sizeof(bool));
        ec->access_item = stored_item(C->m, e, ue->access_pattern_data, 1, in_gsi, &af, &ak);
        if (!ec->access_item) {
            nomem(C);
            goto done;
        }
        for (size_t g = 0; g < t->n_gsis; g++)
            ec->access_gsi_size[g] = in_gsi[g] ? gsi_size(t, &t->gsis[g], ec->access_item) : 0;
        json_decref(af);
        json_decref(ak);
    }
    /* A sentinel (src/dal/store.c): every primary key attribute holds
     * "UNIQUE#<Entity>#<set>#<values>", and SENTINEL_ATTR the owner's key as a map. */
    if (!(ec->sentinels = json_array())) {
        nomem(C);
        goto done;
    }
    for (size_t u = 0; u < e->ext.n_unique; u++) {
        ddbgen_buf text = DDBGEN_BUF_INIT;
        const ddbgen_unique *un = &e->ext.unique[u];
        json_t *s = json_object();
        ddbgen_buf_printf(&text, "UNIQUE#%s#", e->name);
        for (size_t i = 0; i < un->n_fields; i++)
            ddbgen_buf_printf(&text, "%s%s", i ? "+" : "", un->fields[i]);
        ddbgen_buf_putc(&text, '#');
        for (size_t i = 0; i < un->n_fields; i++) {
            if (i)
                ddbgen_buf_putc(&text, '#');
            key_text(&text, json_object_get(fields, un->fields[i]), NULL);
        }
        if (!s || !ddbgen_buf_str(&text)) {
            json_decref(s);
            ddbgen_buf_free(&text);
            nomem(C);
            goto done;
        }
        json_object_set_new(s, t->partition_key, json_string(ddbgen_buf_str(&text)));
        if (t->sort_key)
            json_object_set_new(s, t->sort_key, json_string(ddbgen_buf_str(&text)));
        json_object_set(s, SENTINEL_ATTR, key);
        ec->sentinel_size[u] = ddbgen_units_item_size(s);
        json_array_append_new(ec->sentinels, s);
        ddbgen_buf_free(&text);
    }
    /* the counter item: {"name": "<counter>", "last_id": N} */
    ec->counter_size = strlen(COUNTER_KEY) + strlen(e->name) + 8 + strlen(COUNTER_VALUE) +
                       ddbgen_units_number_size("12345678", 8);
    ec->item = item;
    item = NULL;
    size_update(C, ec, fields);
done:
    free(in_gsi);
    json_decref(fields);
    json_decref(item);
    json_decref(key);
}

/* ---- rates ----------------------------------------------------------------------------------- */

/* The rate of a pattern: --rps by name or id, else x-ddbkit.rps; *source says which. */
static double rate(cost *C, const char *name, bool has_id, long long id, bool has_rps,
                   double model_rps, const char **source)
{
    char idtext[32];
    json_t *v = NULL;
    if (C->o->rps && name && (v = json_object_get(C->o->rps, name)) != NULL) {
        json_object_set_new(C->rps_used, name, json_true());
    } else if (C->o->rps && has_id) {
        snprintf(idtext, sizeof idtext, "%lld", id);
        if ((v = json_object_get(C->o->rps, idtext)) != NULL)
            json_object_set_new(C->rps_used, idtext, json_true());
    }
    if (v) {
        *source = "file";
        return json_number_value(v);
    }
    *source = has_rps ? "model" : "none";
    return has_rps ? model_rps : 0;
}

/* ---- what one request consumes -------------------------------------------------------------- */

typedef struct request {
    cost *C;
    double rps;
    double read, write; /* units per request, all targets */
    json_t *targets;    /* [{"table", "index"?, "read_units", "write_units"}] */
} request;

static void consume(request *r, const char *table, int gsi, double read, double write)
{
    table_cost *tc = table_of(r->C, table);
    json_t *o;
    if (!tc || (read == 0 && write == 0))
        return;
    load *l = gsi >= 0 ? &tc->gsi[gsi] : &tc->base;
    l->read += r->rps * read;
    l->write += r->rps * write;
    r->read += read;
    r->write += write;
    o = json_pack("{s:s}", "table", table);
    if (o && gsi >= 0)
        add_new(r->C, o, "index", json_string(tc->t->gsis[gsi].name));
    if (o) {
        add_new(r->C, o, "read_units", json_real(read));
        add_new(r->C, o, "write_units", json_real(write));
    }
    push(r->C, r->targets, o);
}

static bool is_param(const ddbgen_access_pattern *ap, const char *field)
{
    for (size_t i = 0; i < ap->n_params; i++)
        if (strcmp(ap->params[i].name, field) == 0)
            return true;
    return false;
}

static bool template_uses(const ddbgen_key_template *kt, const ddbgen_access_pattern *ap)
{
    for (size_t i = 0; i < kt->n; i++)
        for (size_t p = 0; p < kt->items[i].n_parts; p++)
            if (kt->items[i].parts[p].is_field && is_param(ap, kt->items[i].parts[p].text))
                return true;
    return false;
}

static bool changes_unique(const ddbgen_entity *e, const ddbgen_access_pattern *ap)
{
    for (size_t u = 0; u < e->ext.n_unique; u++)
        for (size_t i = 0; i < e->ext.unique[u].n_fields; i++)
            if (is_param(ap, e->ext.unique[u].fields[i]))
                return true;
    return false;
}

/* Writing a whole item: the table, one write per GSI it is in, sentinels, ID counters. */
static void write_item(request *r, const entity_cost *ec, bool tx, bool create, bool remove)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    bool sentinels = e->ext.n_unique > 0;
    tx = tx || sentinels || (create && e->ext.sequence_path && e->ext.sequence_gapless);
    consume(r, t->name, -1, 0, ddbgen_units_write(ec->size, tx));
    for (size_t g = 0; g < t->n_gsis; g++)
        if (ec->gsi_size[g])
            consume(r, t->name, (int)g, 0, ddbgen_units_write(ec->gsi_size[g], false));
    for (size_t u = 0; sentinels && u < e->ext.n_unique; u++)
        consume(r, t->name, -1, 0, ddbgen_units_write(ec->sentinel_size[u], true));
    if (remove && sentinels) /* the GetItem of the stored unique values first */
        consume(r, t->name, -1, ddbgen_units_read(ec->size, DDBGEN_READ_STRONG), 0);
    if (create && e->ext.id_strategy == DDBGEN_ID_COUNTER) {
        long long block = e->ext.has_block_size && e->ext.block_size > 0 ? e->ext.block_size : 1;
        consume(r, r->C->m->counter_table, -1, 0,
                ddbgen_units_write(ec->counter_size, false) / (double)block);
    }
    if (create && e->ext.sequence_path) {
        entity_cost *parent = entity_of(r->C, e->ext.sequence_parent);
        if (parent)
            consume(r, parent->e->table->name, -1, 0,
                    ddbgen_units_write(parent->size, e->ext.sequence_gapless));
    }
}

static void update_item(request *r, const entity_cost *ec, const ddbgen_access_pattern *ap)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    if (changes_unique(e, ap)) {
        /* read, then one transaction moving the sentinels (docs/generated-code.md) */
        consume(r, t->name, -1, ddbgen_units_read(ec->size, DDBGEN_READ_STRONG), 0);
        write_item(r, ec, true, false, false);
        for (size_t u = 0; u < e->ext.n_unique; u++) /* the old sentinels' deletes */
            consume(r, t->name, -1, 0, ddbgen_units_write(ec->sentinel_size[u], true));
        return;
    }
    consume(r, t->name, -1, 0, ddbgen_units_write(ec->size, false));
    for (size_t k = 0; k < e->n_gsi_mappings; k++) {
        const ddbgen_gsi_mapping *gm = &e->gsi_mappings[k];
        int g = ddbgen_table_gsi_index(t, gm->name);
        double w;
        if (g < 0 || !ec->gsi_size[g])
            continue;
        w = ddbgen_units_write(ec->gsi_size[g], false);
        if (template_uses(&gm->pk, ap) || template_uses(&gm->sk, ap))
            consume(r, t->name, g, 0, 2 * w); /* the old entry's delete and the new one's put */
        else if (t->gsis[g].projection != DDBGEN_PROJ_KEYS_ONLY)
            consume(r, t->name, g, 0, w);
    }
}

static const char *op_name(ddbgen_operation op)
{
    static const char *const names[] = {
        [DDBGEN_OP_GET_ITEM] = "GetItem",
        [DDBGEN_OP_PUT_ITEM] = "PutItem",
        [DDBGEN_OP_DELETE_ITEM] = "DeleteItem",
        [DDBGEN_OP_QUERY] = "Query",
        [DDBGEN_OP_SCAN] = "Scan",
        [DDBGEN_OP_UPDATE_ITEM] = "UpdateItem",
        [DDBGEN_OP_BATCH_GET_ITEM] = "BatchGetItem",
        [DDBGEN_OP_BATCH_WRITE_ITEM] = "BatchWriteItem",
    };
    return op > 0 && (size_t)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static json_t *pattern_json(cost *C, request *r, const char *entity, const char *name, bool has_id,
                            long long id, const char *op, const char *source, size_t item_bytes)
{
    const ddbgen_prices *p = C->o->prices;
    double month = r->rps * DDBGEN_SECONDS_PER_MONTH / 1e6 *
                   (r->read * p->read_per_million + r->write * p->write_per_million);
    json_t *o = json_pack("{s:s, s:s}", "entity", entity ? entity : "", "name", name);
    if (!o) {
        nomem(C);
        return NULL;
    }
    if (has_id)
        add_new(C, o, "id", json_integer(id));
    add_new(C, o, "operation", json_string(op));
    add_new(C, o, "item_bytes", json_integer((json_int_t)item_bytes));
    add_new(C, o, "read_units", json_real(r->read));
    add_new(C, o, "write_units", json_real(r->write));
    add_new(C, o, "rps", json_real(r->rps));
    add_new(C, o, "rps_source", json_string(source));
    add_new(C, o, "on_demand_month", json_real(month));
    add_new(C, o, "targets", json_incref(r->targets));
    if (strcmp(source, "none") == 0)
        add_new(C, o, "note",
                json_string("no rate: add x-ddbkit.rps to the pattern or give it with --rps"));
    return o;
}

static void access_pattern(cost *C, entity_cost *ec, const ddbgen_access_pattern *ap)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    const char *source;
    request r = {C, 0, 0, 0, json_array()};
    int g = ddbgen_table_gsi_index(t, ap->index_name);
    ddbgen_read_mode mode = ap->has_consistent_read && ap->consistent_read && g < 0
                                ? DDBGEN_READ_STRONG
                                : DDBGEN_READ_EVENTUAL;
    size_t bytes = g >= 0 ? ec->gsi_size[g] : ec->size;
    if (!r.targets) {
        nomem(C);
        return;
    }
    r.rps = rate(C, ap->name, ap->has_pattern_id, ap->pattern_id, ap->has_rps, ap->rps, &source);
    switch (ap->operation) {
    case DDBGEN_OP_GET_ITEM:
    case DDBGEN_OP_BATCH_GET_ITEM:
        consume(&r, t->name, -1, ddbgen_units_read(ec->size, mode), 0);
        break;
    case DDBGEN_OP_QUERY:
    case DDBGEN_OP_SCAN:
        if (g >= 0 && !bytes) /* a sparse index the sample is not in */
            bytes = ec->access_gsi_size[g] ? ec->access_gsi_size[g] : ec->key_size;
        consume(&r, t->name, g, ddbgen_units_read(bytes * ITEMS_PER_QUERY, mode), 0);
        break;
    case DDBGEN_OP_PUT_ITEM:
        write_item(&r, ec, false, true, false);
        break;
    case DDBGEN_OP_BATCH_WRITE_ITEM:
        consume(&r, t->name, -1, 0, ddbgen_units_write(ec->size, false));
        for (size_t k = 0; k < t->n_gsis; k++)
            if (ec->gsi_size[k])
                consume(&r, t->name, (int)k, 0, ddbgen_units_write(ec->gsi_size[k], false));
        break;
    case DDBGEN_OP_UPDATE_ITEM:
        update_item(&r, ec, ap);
        break;
    case DDBGEN_OP_DELETE_ITEM:
        write_item(&r, ec, false, false, true);
        break;
    default:
        break;
    }
    push(C, C->patterns,
         pattern_json(C, &r, e->name, ap->name, ap->has_pattern_id, ap->pattern_id,
                      op_name(ap->operation), source, bytes));
    json_decref(r.targets);
}

/* The repository's create, update and delete (docs/generated-code.md), listed when --rps
 * names them "<Entity>.create", "<Entity>.update" or "<Entity>.delete". */
static void repository_member(cost *C, entity_cost *ec, const char *member)
{
    const ddbgen_entity *e = ec->e;
    const ddbgen_table *t = e->table;
    char name[256];
    const char *source, *op = "PutItem";
    request r = {C, 0, 0, 0, NULL};
    snprintf(name, sizeof name, "%s.%s", e->name, member);
    if (!C->o->rps || !json_object_get(C->o->rps, name))
        return;
    if (!(r.targets = json_array())) {
        nomem(C);
        return;
    }
    r.rps = rate(C, name, false, 0, false, 0, &source);
    if (strcmp(member, "create") == 0) {
        write_item(&r, ec, false, true, false);
        if (e->ext.n_unique || (e->ext.sequence_path && e->ext.sequence_gapless))
            op = "TransactWriteItems";
    } else if (strcmp(member, "update") == 0) {
        /* the versioned update: one conditional PutItem of the whole item (size_update) */
        consume(&r, t->name, -1, 0, ec->update_units);
        for (size_t g = 0; g < t->n_gsis; g++)
            consume(&r, t->name, (int)g, 0, ec->update_gsi_units[g]);
    } else {
        write_item(&r, ec, false, false, true);
        op = e->ext.n_unique ? "TransactWriteItems" : "DeleteItem";
    }
    push(C, C->patterns, pattern_json(C, &r, e->name, member, false, 0, op, source, ec->size));
    json_decref(r.targets);
}

static void tx_pattern(cost *C, const ddbgen_tx_pattern *tx)
{
    const char *source;
    request r = {C, 0, 0, 0, json_array()};
    size_t bytes = 0;
    bool get = tx->operation == DDBGEN_TX_GET;
    if (!r.targets) {
        nomem(C);
        return;
    }
    r.rps = rate(C, tx->name, tx->has_pattern_id, tx->pattern_id, false, 0, &source);
    for (size_t k = 0; k < tx->n_entities; k++) {
        const ddbgen_tx_entity *te = &tx->entities[k];
        entity_cost *ec = entity_of(C, te->entity);
        if (!ec)
            continue;
        bytes += ec->size;
        if (get || te->action == DDBGEN_ACT_GET) {
            consume(&r, te->table, -1, ddbgen_units_read(ec->size, DDBGEN_READ_TRANSACTIONAL), 0);
            continue;
        }
        /* Put, Update, Delete and ConditionCheck: a transactional write of the item's size */
        consume(&r, te->table, -1, 0, ddbgen_units_write(ec->size, true));
        if (te->action == DDBGEN_ACT_CONDITION_CHECK)
            continue;
        for (size_t g = 0; g < ec->e->table->n_gsis; g++)
            if (ec->gsi_size[g])
                consume(&r, te->table, (int)g, 0, ddbgen_units_write(ec->gsi_size[g], false));
    }
    push(C, C->patterns,
         pattern_json(C, &r, NULL, tx->name, tx->has_pattern_id, tx->pattern_id,
                      get ? "TransactGetItems" : "TransactWriteItems", source, bytes));
    json_decref(r.targets);
}

/* ---- roll-ups -------------------------------------------------------------------------------- */

static json_t *load_json(cost *C, const char *table, const char *index, const load *l,
                         double storage_bytes, double *od, double *prov)
{
    const ddbgen_prices *p = C->o->prices;
    long long rcu = ddbgen_units_capacity(l->read), wcu = ddbgen_units_capacity(l->write);
    double on_demand = DDBGEN_SECONDS_PER_MONTH / 1e6 *
                       (l->read * p->read_per_million + l->write * p->write_per_million);
    double provisioned =
        DDBGEN_HOURS_PER_MONTH * ((double)rcu * p->rcu_hour + (double)wcu * p->wcu_hour);
    json_t *o = json_pack("{s:s}", "table", table);
    if (!o) {
        nomem(C);
        return NULL;
    }
    if (index)
        add_new(C, o, "index", json_string(index));
    add_new(C, o, "read_units_per_second", json_real(l->read));
    add_new(C, o, "write_units_per_second", json_real(l->write));
    add_new(C, o, "rcu", json_integer(rcu));
    add_new(C, o, "wcu", json_integer(wcu));
    add_new(C, o, "on_demand_month", json_real(on_demand));
    add_new(C, o, "provisioned_month", json_real(provisioned));
    if (storage_bytes >= 0) {
        add_new(C, o, "storage_bytes", json_real(storage_bytes));
        add_new(C, o, "storage_month", json_real(storage_bytes / 1e9 * p->gb_month));
    }
    *od += on_demand;
    *prov += provisioned;
    return o;
}

static void storage(cost *C)
{
    for (size_t i = 0; i < C->n_entities; i++) {
        entity_cost *ec = &C->entities[i];
        table_cost *tc = table_of(C, ec->e->table->name);
        json_t *n = C->o->items ? json_object_get(C->o->items, ec->e->name) : NULL;
        double per_item = (double)ddbgen_units_storage_bytes(ec->size);
        for (size_t g = 0; g < ec->e->table->n_gsis; g++)
            if (ec->gsi_size[g])
                per_item += (double)ddbgen_units_storage_bytes(ec->gsi_size[g]);
        for (size_t u = 0; u < ec->e->ext.n_unique; u++)
            per_item += (double)ddbgen_units_storage_bytes(ec->sentinel_size[u]);
        if (!tc)
            continue;
        tc->storage_per_million += per_item * 1e6;
        if (n)
            tc->storage_bytes += per_item * json_number_value(n);
    }
}

static void check_keys(cost *C, const json_t *o, const char *what, const char *path, bool rps)
{
    const char *key, *saved = C->diags->prefix;
    json_t *v;
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%s:", path ? path : what);
    C->diags->prefix = prefix;
    if (!json_is_object(o)) {
        ddbgen_diag_add(C->diags, ERR, "$",
                        rps ? "write {\"pattern name or id\": requests per second, ...}"
                            : "write {\"Entity\": item count, ...}",
                        "must be a JSON object");
        C->status = DDBGEN_ERR_INVALID;
        C->diags->prefix = saved;
        return;
    }
    json_object_foreach((json_t *)o, key, v) {
        ddbgen_buf p = DDBGEN_BUF_INIT;
        ddbgen_buf_puts(&p, "$");
        ddbgen_path_append_key(&p, key);
        bool bad = true;
        if (!json_is_number(v) || json_number_value(v) < 0)
            ddbgen_diag_add(C->diags, ERR, ddbgen_buf_str(&p), NULL, "%s must be a number >= 0",
                            rps ? "the rate" : "the item count");
        else if (rps && !json_object_get(C->rps_used, key))
            ddbgen_diag_add(C->diags, ERR, ddbgen_buf_str(&p),
                            "use an access pattern's name or pattern_id, or "
                            "<Entity>.create, .update or .delete",
                            "'%s' names no access pattern of the model", key);
        else if (!rps && !entity_of(C, key))
            ddbgen_diag_add(C->diags, ERR, ddbgen_buf_str(&p), "use an entity's name",
                            "'%s' names no entity of the model", key);
        else
            bad = false;
        if (bad)
            C->status = DDBGEN_ERR_INVALID;
        ddbgen_buf_free(&p);
    }
    C->diags->prefix = saved;
}

static json_t *report(cost *C)
{
    const ddbgen_prices *p = C->o->prices;
    json_t *root, *gsis = json_array(), *tables = json_array(), *prices;
    double od = 0, prov = 0, stor = 0, stor_million = 0;
    root = json_pack("{s:s}", "model", C->m->ns);
    prices = json_pack("{s:s, s:s, s:s}", "file", p->path ? p->path : "", "date", p->date, "source",
                       p->source);
    if (!root || !prices || !gsis || !tables) {
        json_decref(root);
        json_decref(prices);
        json_decref(gsis);
        json_decref(tables);
        nomem(C);
        return NULL;
    }
    add_new(C, root, "prices", prices);
    /* the stored items as sized: what a reader checks the figures against */
    json_t *items = json_object();
    for (size_t i = 0; items && i < C->n_entities; i++) {
        const entity_cost *ec = &C->entities[i];
        json_t *gb = json_object(), *entry;
        for (size_t g = 0; gb && g < ec->e->table->n_gsis; g++)
            if (ec->gsi_size[g])
                json_object_set_new(gb, ec->e->table->gsis[g].name,
                                    json_integer((json_int_t)ec->gsi_size[g]));
        entry = json_pack("{s:s, s:I, s:O, s:o, s:O}", "table", ec->e->table->name, "bytes",
                          (json_int_t)ec->size, "item", ec->item, "gsi_bytes", gb, "sentinels",
                          ec->sentinels);
        if (entry && ec->access_item)
            json_object_set(entry, "access_item", ec->access_item);
        if (entry && ec->updated_item)
            json_object_set(entry, "updated_item", ec->updated_item);
        add_new(C, items, ec->e->name, entry);
    }
    add_new(C, root, "items", items);
    add_new(C, root, "patterns", json_incref(C->patterns));
    for (size_t i = 0; i < C->n_tables; i++) {
        table_cost *tc = &C->tables[i];
        double t_od = 0, t_prov = 0;
        json_t *tj = load_json(C, tc->name, NULL, &tc->base, C->o->items ? tc->storage_bytes : -1,
                               &t_od, &t_prov);
        for (size_t g = 0; tc->t && g < tc->t->n_gsis; g++)
            push(C, gsis,
                 load_json(C, tc->name, tc->t->gsis[g].name, &tc->gsi[g], -1, &t_od, &t_prov));
        if (tj) {
            /* the table's roll-up includes its GSIs: DynamoDB bills them with the table */
            add_new(C, tj, "on_demand_month", json_real(t_od));
            add_new(C, tj, "provisioned_month", json_real(t_prov));
            add_new(C, tj, "storage_bytes_per_million_items", json_real(tc->storage_per_million));
        }
        push(C, tables, tj);
        od += t_od;
        prov += t_prov;
        stor += tc->storage_bytes;
        stor_million += tc->storage_per_million;
    }
    add_new(C, root, "gsis", gsis);
    add_new(C, root, "tables", tables);
    json_t *total = json_object();
    if (total) {
        add_new(C, total, "on_demand_month", json_real(od));
        add_new(C, total, "provisioned_month", json_real(prov));
        if (C->o->items)
            add_new(C, total, "storage_month", json_real(stor / 1e9 * p->gb_month));
        add_new(C, total, "storage_month_per_million_items",
                json_real(stor_million / 1e9 * p->gb_month));
    }
    add_new(C, root, "total", total);
    add_new(C, root, "notes", json_incref(C->notes));
    return root;
}

int ddbgen_cost_estimate(json_t **out, const ddbgen_model *m, const ddbgen_cost_options *o,
                         ddbgen_diags *diags)
{
    cost C = {m, o, diags, 0, NULL, 0, NULL, NULL, NULL, NULL, 0};
    json_t *root = NULL;
    bool counter;
    size_t n_ent = 0, k = 0;
    if (!out || !m || !o || !o->prices || !diags)
        return DDBGEN_ERR_ARG;
    counter = ddbgen_model_uses_counter(m);
    C.n_tables = m->n_tables + (counter ? 1 : 0);
    C.tables = calloc(C.n_tables + 1, sizeof(*C.tables));
    for (size_t i = 0; i < m->n_tables; i++)
        n_ent += m->tables[i].n_entities;
    C.entities = calloc(n_ent + 1, sizeof(*C.entities));
    C.patterns = json_array();
    C.notes = json_array();
    C.rps_used = json_object();
    if (!C.tables || !C.entities || !C.patterns || !C.notes || !C.rps_used)
        nomem(&C);
    for (size_t i = 0; !C.status && i < m->n_tables; i++) {
        C.tables[i].t = &m->tables[i];
        C.tables[i].name = m->tables[i].name;
        C.tables[i].gsi = calloc(m->tables[i].n_gsis + 1, sizeof(load));
        if (!C.tables[i].gsi)
            nomem(&C);
        for (size_t e = 0; e < m->tables[i].n_entities; e++)
            C.entities[k++].e = &m->tables[i].entities[e];
    }
    C.n_entities = k;
    if (counter && C.tables)
        C.tables[m->n_tables].name = m->counter_table;
    for (size_t i = 0; !C.status && i < C.n_entities; i++)
        size_entity(&C, &C.entities[i]);
    for (size_t i = 0; !C.status && i < C.n_entities; i++)
        for (size_t p = 0; p < C.entities[i].e->n_patterns; p++)
            access_pattern(&C, &C.entities[i], &C.entities[i].e->patterns[p]);
    for (size_t i = 0; !C.status && i < C.n_entities; i++) {
        repository_member(&C, &C.entities[i], "create");
        repository_member(&C, &C.entities[i], "update");
        repository_member(&C, &C.entities[i], "delete");
    }
    for (size_t i = 0; !C.status && i < m->n_tx_patterns; i++)
        tx_pattern(&C, &m->tx_patterns[i]);
    if (!C.status && o->rps)
        check_keys(&C, o->rps, "--rps", o->rps_path, true);
    if (!C.status && o->items)
        check_keys(&C, o->items, "--items", o->items_path, false);
    if (!C.status) {
        storage(&C);
        push(&C, C.notes,
             json_sprintf("item sizes from %s; a Query or Scan is priced for %d item per "
                          "request; GSI reads are eventually consistent",
                          o->usage ? "the usage data's sample_data"
                                   : "the field types (string 16 bytes, integer 8 digits)",
                          ITEMS_PER_QUERY));
        push(&C, C.notes,
             json_sprintf("provisioned: capacity for the peak rate at %.0f%% utilisation, at "
                          "least 1 unit, as ddbkit infra sizes it; %.0f hours a month",
                          DDBGEN_TARGET_UTILIZATION, DDBGEN_HOURS_PER_MONTH));
        if (!o->items)
            push(&C, C.notes,
                 json_string("storage: per million items of each entity (give counts with "
                             "--items FILE)"));
        root = report(&C);
    }
    for (size_t i = 0; C.tables && i < C.n_tables; i++)
        free(C.tables[i].gsi);
    for (size_t i = 0; C.entities && i < C.n_entities; i++) {
        json_decref(C.entities[i].item);
        json_decref(C.entities[i].sentinels);
        json_decref(C.entities[i].access_item);
        json_decref(C.entities[i].updated_item);
        free(C.entities[i].update_gsi_units);
        free(C.entities[i].access_gsi_size);
        free(C.entities[i].gsi_size);
        free(C.entities[i].sentinel_size);
    }
    free(C.tables);
    free(C.entities);
    json_decref(C.patterns);
    json_decref(C.notes);
    json_decref(C.rps_used);
    if (C.status) {
        json_decref(root);
        return C.status;
    }
    *out = root;
    return 0;
}

/* ---- text ------------------------------------------------------------------------------------ */

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void ddbgen_cost_format_text(ddbgen_buf *out, const json_t *report)
{
    const json_t *prices = json_object_get(report, "prices"), *v, *total;
    size_t i;
    ddbgen_buf_printf(out, "Cost of %s, USD a month (prices of %s: %s)\n\n", str(report, "model"),
                      str(prices, "date"), str(prices, "file"));
    ddbgen_buf_printf(out, "%-28s %-18s %6s %8s %8s %9s %12s\n", "access pattern", "operation",
                      "bytes", "RU/req", "WU/req", "rps", "on-demand");
    json_array_foreach(json_object_get(report, "patterns"), i, v) {
        char name[64];
        snprintf(name, sizeof name, "%s%s%s", str(v, "entity"), *str(v, "entity") ? "." : "",
                 str(v, "name"));
        ddbgen_buf_printf(out, "%-28s %-18s %6.0f %8.2f %8.2f %9.2f %12.2f%s\n", name,
                          str(v, "operation"), num(v, "item_bytes"), num(v, "read_units"),
                          num(v, "write_units"), num(v, "rps"), num(v, "on_demand_month"),
                          strcmp(str(v, "rps_source"), "none") == 0 ? "  (no rate)" : "");
    }
    ddbgen_buf_printf(out, "\n%-28s %10s %10s %6s %6s %12s %12s\n", "table / GSI", "RU/s", "WU/s",
                      "RCU", "WCU", "on-demand", "provisioned");
    json_array_foreach(json_object_get(report, "tables"), i, v) {
        size_t k;
        const json_t *g;
        ddbgen_buf_printf(out, "%-28s %10.2f %10.2f %6.0f %6.0f %12.2f %12.2f\n", str(v, "table"),
                          num(v, "read_units_per_second"), num(v, "write_units_per_second"),
                          num(v, "rcu"), num(v, "wcu"), num(v, "on_demand_month"),
                          num(v, "provisioned_month"));
        json_array_foreach(json_object_get(report, "gsis"), k, g) {
            char name[64];
            if (strcmp(str(g, "table"), str(v, "table")) != 0)
                continue;
            snprintf(name, sizeof name, "  %s", str(g, "index"));
            ddbgen_buf_printf(out, "%-28s %10.2f %10.2f %6.0f %6.0f %12.2f %12.2f\n", name,
                              num(g, "read_units_per_second"), num(g, "write_units_per_second"),
                              num(g, "rcu"), num(g, "wcu"), num(g, "on_demand_month"),
                              num(g, "provisioned_month"));
        }
    }
    total = json_object_get(report, "total");
    ddbgen_buf_printf(out, "\nTotal: on-demand %.2f, provisioned %.2f USD a month",
                      num(total, "on_demand_month"), num(total, "provisioned_month"));
    if (json_object_get(total, "storage_month"))
        ddbgen_buf_printf(out, "; storage %.2f", num(total, "storage_month"));
    else
        ddbgen_buf_printf(out, "; storage %.4f per million items of each entity",
                          num(total, "storage_month_per_million_items"));
    ddbgen_buf_putc(out, '\n');
    json_array_foreach(json_object_get(report, "notes"), i, v)
        ddbgen_buf_printf(out, "note: %s\n", json_string_value(v));
}
