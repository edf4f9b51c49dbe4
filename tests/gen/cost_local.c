/*
 * gen.cost.local.<model>: the estimate of `ddbkit cost` against what DynamoDB Local reports.
 *
 *   cost_local MODEL USAGE PRICES PREFIX      (USAGE "-": none, items from the field types)
 *
 * The tables must exist as `ddbkit tables create MODEL --prefix PREFIX` makes them
 * (run_cost_local.cmake). Each entity's item, as the estimate sized it, is created (with its
 * unique-value sentinels in one TransactWriteItems, as the store does), then each access pattern
 * runs once, then the repository's update (the whole item, as the versioned update writes it)
 * and delete, all with ReturnConsumedCapacity=INDEXES. A request's measured units are the
 * CapacityUnits of every table and index it touched; the estimate's units per request must be
 * within 10% of them. The ID counter's share of a create (a block's UpdateItem spread over the
 * block) is left out: creating here takes the sample's ID.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost/cost.h"
#include "cost/units.h"
#include "ddb/ddb.h"
#include "support/harness.h"
#include "validate/validate.h"

#define TOLERANCE 0.10

static const char *prefix;
static int failures, measured;

/* A plain JSON value as the wire's AttributeValue JSON (numbers as their text). */
static json_t *wire(const json_t *v)
{
    json_t *out, *m;
    const char *key;
    size_t i;
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_pack("{s:O}", "S", v);
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_pack("{s:s}", "N", num);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        return json_pack("{s:s}", "N", num);
    case JSON_TRUE:
    case JSON_FALSE:
        return json_pack("{s:b}", "BOOL", json_is_true(v));
    case JSON_NULL:
        return json_pack("{s:b}", "NULL", 1);
    case JSON_ARRAY:
        out = json_array();
        json_array_foreach(v, i, m)
            json_array_append_new(out, wire(m));
        return json_pack("{s:o}", "L", out);
    case JSON_OBJECT:
        out = json_object();
        json_object_foreach((json_t *)v, key, m)
            json_object_set_new(out, key, wire(m));
        return json_pack("{s:o}", "M", out);
    }
    return NULL;
}

static ddb_value *value_of(const json_t *item)
{
    json_t *w = wire(item);
    char *text = json_dumps(json_object_get(w, "M"), JSON_COMPACT);
    ddb_value *v = NULL;
    ddb_error err = {0};
    if (!text || ddb_item_from_json(&v, text, strlen(text), &err) != 0) {
        fprintf(stderr, "cost_local: cannot build an item: %s\n", err.message);
        exit(2);
    }
    free(text);
    json_decref(w);
    return v;
}

/* The key attributes of item (table or index keys). */
static ddb_value *key_of(const json_t *item, const ddbgen_table *t)
{
    json_t *k = json_object();
    json_object_set(k, t->partition_key, json_object_get(item, t->partition_key));
    if (t->sort_key)
        json_object_set(k, t->sort_key, json_object_get(item, t->sort_key));
    ddb_value *v = value_of(k);
    json_decref(k);
    return v;
}

static char *table_name(const char *t)
{
    size_t n = strlen(prefix) + strlen(t) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s", prefix, t);
    return s;
}

/* The units of one ConsumedCapacity: its total, else table plus indexes. */
static double units(const ddb_consumed_capacity *cc)
{
    double u = 0;
    if (!cc)
        return 0;
    if (cc->has_capacity_units)
        return cc->capacity_units;
    if (cc->table && cc->table->has_capacity_units)
        u += cc->table->capacity_units;
    for (size_t i = 0; i < cc->n_global_secondary_indexes; i++)
        u += cc->global_secondary_indexes[i].value.capacity_units;
    return u;
}

static void check(const char *what, double estimate, double got, int rc, const ddb_error *err)
{
    if (rc) {
        fprintf(stderr, "FAIL %-32s %s: %s\n", what, ddb_strerror(rc), err->message);
        failures++;
        return;
    }
    measured++;
    bool ok = fabs(estimate - got) <= TOLERANCE * got + 1e-9;
    printf("%-4s %-34s estimate %6.2f  DynamoDB Local %6.2f\n", ok ? "ok" : "FAIL", what, estimate,
           got);
    if (!ok)
        failures++;
}

/* A transaction: DynamoDB Local's figure must be its own rule's (local_tx_units); the AWS
 * estimate is shown beside it, checked against AWS's examples by gen.cost.* instead. */
static void check_tx(const char *what, double estimate, double local_rule, double got, int rc,
                     const ddb_error *err)
{
    if (rc) {
        fprintf(stderr, "FAIL %-32s %s: %s\n", what, ddb_strerror(rc), err->message);
        failures++;
        return;
    }
    measured++;
    bool ok = fabs(local_rule - got) <= TOLERANCE * got + 1e-9;
    printf("%-4s %-34s estimate %6.2f  DynamoDB Local %6.2f  (transaction: Local's rule %.2f)\n",
           ok ? "ok" : "FAIL", what, estimate, got, local_rule);
    if (!ok)
        failures++;
}

/* The estimate's units per request, without the ID counter table's amortised share. */
static double estimate_of(const json_t *row, const char *counter_table)
{
    double u = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(row, "targets"), i, t) {
        if (counter_table &&
            strcmp(json_string_value(json_object_get(t, "table")), counter_table) == 0)
            continue;
        u += json_number_value(json_object_get(t, "read_units")) +
             json_number_value(json_object_get(t, "write_units"));
    }
    return u;
}

/*
 * What DynamoDB Local (1.25.1) reports for a TransactWriteItems (docs/design/cost.md): per item, 4
 * units per KB on the table and on each GSI it is in (AWS: 2, and 1 on the GSIs), and items whose
 * per-item figures are equal count once (AWS: each item counts).
 */
static double local_tx_units(const json_t *entry)
{
    double seen[64][2], total = 0;
    size_t n_seen = 0, i;
    json_t *s, *gb = json_object_get(entry, "gsi_bytes"), *v;
    const char *g;
    for (i = 0; i <= json_array_size(json_object_get(entry, "sentinels")) && i < 64; i++) {
        double t, x = 0;
        if (i == 0) {
            t = ddbgen_units_write((size_t)json_integer_value(json_object_get(entry, "bytes")),
                                   false);
            json_object_foreach(gb, g, v)
                x += ddbgen_units_write((size_t)json_integer_value(v), false);
        } else {
            s = json_array_get(json_object_get(entry, "sentinels"), i - 1);
            t = ddbgen_units_write(ddbgen_units_item_size(s), false);
        }
        bool dup = false;
        for (size_t k = 0; k < n_seen; k++)
            dup |= seen[k][0] == t && seen[k][1] == x;
        if (dup)
            continue;
        seen[n_seen][0] = t;
        seen[n_seen][1] = x;
        n_seen++;
        total += 4 * (t + x);
    }
    return total;
}

static const json_t *row_of(const json_t *report, const char *entity, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "patterns"), i, r)
        if (strcmp(json_string_value(json_object_get(r, "entity")), entity) == 0 &&
            strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
            return r;
    return NULL;
}

/* Write (or delete) the item, with its sentinels in one transaction when it has any. */
static int write_item(ddb_client *c, const ddbgen_table *t, const char *table, const json_t *entry,
                      bool remove, double *got, ddb_error *err)
{
    json_t *item = json_object_get(entry, "item"), *sentinels = json_object_get(entry, "sentinels");
    size_t n = 1 + json_array_size(sentinels), i;
    ddb_value **values = calloc(n, sizeof(*values));
    ddb_put *puts = calloc(n, sizeof(*puts));
    ddb_delete *dels = calloc(n, sizeof(*dels));
    ddb_transact_write_item *tx = calloc(n, sizeof(*tx));
    const char *cap = DDB_RETURN_CONSUMED_CAPACITY_INDEXES;
    int rc;
    for (i = 0; i < n; i++) {
        const json_t *it = i ? json_array_get(sentinels, i - 1) : item;
        values[i] = remove ? key_of(it, t) : value_of(it);
    }
    *got = 0;
    if (n == 1 && !remove) {
        ddb_put_item_input in = {
            .table_name = table, .item = values[0], .return_consumed_capacity = cap};
        ddb_put_item_output *out = NULL;
        if ((rc = ddb_put_item(&out, c, &in, err)) == 0)
            *got = units(out->consumed_capacity);
        ddb_put_item_output_free(out);
    } else if (n == 1) {
        ddb_delete_item_input in = {
            .table_name = table, .key = values[0], .return_consumed_capacity = cap};
        ddb_delete_item_output *out = NULL;
        if ((rc = ddb_delete_item(&out, c, &in, err)) == 0)
            *got = units(out->consumed_capacity);
        ddb_delete_item_output_free(out);
    } else {
        ddb_transact_write_items_input in = {
            .n_transact_items = n, .transact_items = tx, .return_consumed_capacity = cap};
        ddb_transact_write_items_output *out = NULL;
        for (i = 0; i < n; i++) {
            if (remove) {
                dels[i].table_name = table;
                dels[i].key = values[i];
                tx[i].delete_ = &dels[i];
            } else {
                puts[i].table_name = table;
                puts[i].item = values[i];
                tx[i].put = &puts[i];
            }
        }
        rc = ddb_transact_write_items(&out, c, &in, err);
        for (i = 0; rc == 0 && i < out->n_consumed_capacity; i++)
            *got += units(&out->consumed_capacity[i]);
        ddb_transact_write_items_output_free(out);
    }
    for (i = 0; i < n; i++)
        ddb_value_free(values[i]);
    free(values);
    free(puts);
    free(dels);
    free(tx);
    return rc;
}

static int get_item(ddb_client *c, const ddbgen_table *t, const char *table, const json_t *item,
                    bool consistent, double *got, ddb_error *err)
{
    ddb_value *key = key_of(item, t);
    ddb_get_item_input in = {.table_name = table,
                             .key = key,
                             .has_consistent_read = true,
                             .consistent_read = consistent,
                             .return_consumed_capacity = DDB_RETURN_CONSUMED_CAPACITY_INDEXES};
    ddb_get_item_output *out = NULL;
    int rc = ddb_get_item(&out, c, &in, err);
    *got = rc == 0 ? units(out->consumed_capacity) : 0;
    if (rc == 0 && !out->item) {
        fprintf(stderr, "cost_local: %s: the item just written is not there\n", table);
        rc = DDB_ERR_INVALID_ARG;
    }
    ddb_get_item_output_free(out);
    ddb_value_free(key);
    return rc;
}

/* A Query on the partition of item in the table or GSI g, or a Scan. */
static int read_many(ddb_client *c, const ddbgen_table *t, int g, const char *table,
                     const json_t *item, const ddbgen_access_pattern *ap, double *got,
                     ddb_error *err)
{
    const char *cap = DDB_RETURN_CONSUMED_CAPACITY_INDEXES;
    bool consistent = g < 0 && ap->has_consistent_read && ap->consistent_read;
    const char *index = g >= 0 ? t->gsis[g].name : NULL;
    int rc;
    *got = 0;
    if (ap->operation == DDBGEN_OP_SCAN) {
        ddb_scan_input in = {.table_name = table,
                             .index_name = index,
                             .return_consumed_capacity = cap,
                             .has_consistent_read = true,
                             .consistent_read = consistent};
        ddb_scan_output *out = NULL;
        if ((rc = ddb_scan(&out, c, &in, err)) == 0)
            *got = units(out->consumed_capacity);
        ddb_scan_output_free(out);
        return rc;
    }
    size_t n_pk = g >= 0 ? t->gsis[g].n_pk : 1;
    const char *const *pk = g >= 0 ? t->gsis[g].pk : &t->partition_key;
    ddb_string_map_entry names[4];
    char cond[256] = "", nbuf[4][8], vbuf[4][8];
    json_t *vals = json_object();
    for (size_t i = 0; i < n_pk && i < 4; i++) {
        json_t *v = json_object_get(item, pk[i]);
        snprintf(nbuf[i], sizeof nbuf[i], "#k%zu", i);
        snprintf(vbuf[i], sizeof vbuf[i], ":k%zu", i);
        names[i].key = nbuf[i];
        names[i].value = pk[i];
        if (!v) {
            json_decref(vals);
            return DDB_ERR_INVALID_ARG;
        }
        json_object_set(vals, vbuf[i], v);
        snprintf(cond + strlen(cond), sizeof cond - strlen(cond), "%s%s = %s", i ? " AND " : "",
                 nbuf[i], vbuf[i]);
    }
    ddb_value *values = value_of(vals);
    ddb_query_input in = {.table_name = table,
                          .index_name = index,
                          .return_consumed_capacity = cap,
                          .key_condition_expression = cond,
                          .n_expression_attribute_names = n_pk,
                          .expression_attribute_names = names,
                          .expression_attribute_values = values,
                          .consistent_read = consistent};
    ddb_query_output *out = NULL;
    if ((rc = ddb_query(&out, c, &in, err)) == 0) {
        *got = units(out->consumed_capacity);
        if (out->n_items == 0) {
            fprintf(stderr, "cost_local: %s %s: the query finds no item\n", table,
                    index ? index : "");
            rc = DDB_ERR_INVALID_ARG;
        }
    }
    ddb_query_output_free(out);
    ddb_value_free(values);
    json_decref(vals);
    return rc;
}

static const ddbgen_entity *find_entity(const ddbgen_model *m, const char *name)
{
    return ddbgen_model_find_entity(m, name);
}

int main(int argc, char **argv)
{
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_model *m = NULL;
    ddbgen_usage *usage = NULL;
    ddbgen_prices prices = {0};
    json_t *report = NULL, *rps = json_object(), *items;
    ddbgen_cost_options o = {0};
    ddb_client *c;
    ddb_error err = {0};
    const char *name;
    json_t *entry;
    double got;
    int rc;

    if (argc != 5) {
        fprintf(stderr, "usage: cost_local MODEL USAGE PRICES PREFIX\n");
        return 2;
    }
    prefix = argv[4];
    if (ddbgen_model_load_file(&m, argv[1], &diags) || ddbgen_model_validate(m, &diags) ||
        (strcmp(argv[2], "-") != 0 && ddbgen_usage_load_file(&usage, argv[2], m, &diags)) ||
        ddbgen_prices_load_file(&prices, argv[3], &diags) || diags.n_errors) {
        ddbgen_buf text = DDBGEN_BUF_INIT;
        ddbgen_diags_format_text(&diags, &text);
        fprintf(stderr, "cost_local: %s", ddbgen_buf_str(&text));
        return 2;
    }
    /* one request of every pattern and repository member */
    for (size_t i = 0; i < m->n_tables; i++)
        for (size_t k = 0; k < m->tables[i].n_entities; k++) {
            const ddbgen_entity *e = &m->tables[i].entities[k];
            char key[256];
            for (size_t p = 0; p < e->n_patterns; p++)
                json_object_set_new(rps, e->patterns[p].name, json_integer(1));
            snprintf(key, sizeof key, "%s.create", e->name);
            json_object_set_new(rps, key, json_integer(1));
            snprintf(key, sizeof key, "%s.update", e->name);
            json_object_set_new(rps, key, json_integer(1));
            snprintf(key, sizeof key, "%s.delete", e->name);
            json_object_set_new(rps, key, json_integer(1));
        }
    o.prices = &prices;
    o.usage = usage;
    o.rps = rps;
    if ((rc = ddbgen_cost_estimate(&report, m, &o, &diags)) != 0) {
        fprintf(stderr, "cost_local: the estimate failed: %s\n", ddbgen_strerror(rc));
        return 2;
    }
    items = json_object_get(report, "items");
    c = harness_client(NULL);

    /* create every entity's item */
    json_object_foreach(items, name, entry) {
        const ddbgen_entity *e = find_entity(m, name);
        char *table = table_name(e->table->name), what[128];
        rc = write_item(c, e->table, table, entry, false, &got, &err);
        snprintf(what, sizeof what, "%s.create", name);
        if (json_array_size(json_object_get(entry, "sentinels")))
            check_tx(what, estimate_of(row_of(report, name, "create"), m->counter_table),
                     local_tx_units(entry), got, rc, &err);
        else
            check(what, estimate_of(row_of(report, name, "create"), m->counter_table), got, rc,
                  &err);
        free(table);
    }
    /* each access pattern once */
    json_object_foreach(items, name, entry) {
        const ddbgen_entity *e = find_entity(m, name);
        const ddbgen_table *t = e->table;
        char *table = table_name(t->name), what[128];
        for (size_t p = 0; p < e->n_patterns; p++) {
            const ddbgen_access_pattern *ap = &e->patterns[p];
            int g = -1;
            for (size_t k = 0; ap->index_name && k < t->n_gsis; k++)
                if (strcmp(t->gsis[k].name, ap->index_name) == 0)
                    g = (int)k;
            snprintf(what, sizeof what, "%s.%s", name, ap->name);
            switch (ap->operation) {
            case DDBGEN_OP_GET_ITEM:
            case DDBGEN_OP_BATCH_GET_ITEM: /* one key: a GetItem's units */
                rc = get_item(c, t, table, json_object_get(entry, "item"),
                              ap->has_consistent_read && ap->consistent_read, &got, &err);
                break;
            case DDBGEN_OP_QUERY:
            case DDBGEN_OP_SCAN: {
                const json_t *item = json_object_get(entry, "item");
                if (g >= 0 &&
                    !json_object_get(json_object_get(entry, "gsi_bytes"), t->gsis[g].name)) {
                    /* a sparse index the sample is not in: the access_pattern_data item is */
                    json_t *access = json_pack("{s:O, s:[]}", "item",
                                               json_object_get(entry, "access_item"), "sentinels");
                    double ignored;
                    item = json_object_get(entry, "access_item");
                    rc = item ? write_item(c, t, table, access, false, &ignored, &err)
                              : DDB_ERR_INVALID_ARG;
                    json_decref(access);
                    if (rc) {
                        check(what, 0, 0, rc, &err);
                        continue;
                    }
                }
                rc = read_many(c, t, g, table, item, ap, &got, &err);
                break;
            }
            default:
                printf("--   %-34s %s: not measured (its request depends on the pattern's "
                       "parameters)\n",
                       what, ap->operation_raw);
                continue;
            }
            check(what, estimate_of(row_of(report, name, ap->name), NULL), got, rc, &err);
        }
        free(table);
    }
    /* the versioned update writes the whole item; then the delete */
    json_object_foreach(items, name, entry) {
        const ddbgen_entity *e = find_entity(m, name);
        char *table = table_name(e->table->name), what[128];
        /* the update writes the item the estimate says it writes */
        json_t *plain =
            json_pack("{s:O, s:[]}", "item", json_object_get(entry, "updated_item"), "sentinels");
        rc = write_item(c, e->table, table, plain, false, &got, &err);
        snprintf(what, sizeof what, "%s.update", name);
        check(what, estimate_of(row_of(report, name, "update"), NULL), got, rc, &err);
        if (json_array_size(json_object_get(entry, "sentinels"))) {
            /* the delete reads the stored unique values first */
            double read = 0;
            rc = get_item(c, e->table, table, json_object_get(entry, "item"), true, &read, &err);
            if (rc == 0)
                rc = write_item(c, e->table, table, entry, true, &got, &err);
            got += read;
            snprintf(what, sizeof what, "%s.delete", name);
            check_tx(what, estimate_of(row_of(report, name, "delete"), NULL),
                     read + local_tx_units(entry), got, rc, &err);
        } else {
            rc = write_item(c, e->table, table, entry, true, &got, &err);
            snprintf(what, sizeof what, "%s.delete", name);
            check(what, estimate_of(row_of(report, name, "delete"), NULL), got, rc, &err);
        }
        json_decref(plain);
        free(table);
    }
    printf("%d requests measured, %d outside %.0f%%\n", measured, failures, TOLERANCE * 100);
    ddb_client_free(c);
    json_decref(report);
    json_decref(rps);
    ddbgen_prices_free(&prices);
    ddbgen_usage_free(usage);
    ddbgen_model_free(m);
    ddbgen_diags_free(&diags);
    return failures || !measured ? 1 : 0;
}
