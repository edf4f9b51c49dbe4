/*
 * `ddbkit tables create|drop|describe MODEL [--prefix P]`: the DynamoDB tables of a model, as the
 * generated code defines them. The tables come from the generator's layout
 * (ddbgen_table_layout_of, the same plan behind the generated ddb_table_desc and CreateTable
 * JSON); creating, waiting and deleting are the runtime's (ddb_entity_create_table,
 * ddb_id_counter_create_table, ddb_table_wait_deleted).
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddb/dal.h"
#include "emit/emit.h"
#include "validate/validate.h"

const cli_option cli_tables_options[] = {
    {"--prefix", NULL, "P",
     "put P before every table name, as the generated code's\n"
     "table_prefix does (a test run's unique prefix)"},
    {"--json", NULL, NULL, "describe: print one JSON document instead of text"},
    {"--wait", NULL, "SECONDS",
     "create, drop: how long to wait for each table to be ACTIVE or gone\n"
     "(default 60)"},
    {NULL, NULL, NULL, NULL},
};
enum { OPT_PREFIX, OPT_JSON, OPT_WAIT };

/* DynamoDB's rule for table names: 3 to 255 of a-z A-Z 0-9 _ - . */
#define TABLE_NAME_MAX 255

typedef enum action { CREATE, DROP, DESCRIBE } action;
static const char *const action_names[] = {"create", "drop", "describe"};

/* The counter table's key, as ddb_id_counter_create_table defines it (ddb/dal/entity.h). */
static const char *const counter_attrs[] = {"name"};
static const char *const counter_types[] = {"S"};

/* One table to act on. */
typedef struct target {
    char name[TABLE_NAME_MAX + 1]; /* prefixed: what DynamoDB sees */
    const char *model_name;        /* the model's name for it */
    bool counter;                  /* the ID counter table */
    ddbgen_table_layout layout;
    ddb_gsi_desc *gsis;
    ddb_table_desc desc;
} target;

typedef struct run {
    const char *cmd; /* "tables create", for messages */
    action act;
    long wait_ms;
    bool json;
    ddb_client *client;
    size_t n_targets;
    target *targets;
} run;

/* The table and the AWS error (its type unless the message has it already). */
static int fail(const run *r, const target *t, const ddb_error *err, int rc)
{
    const char *msg = err->message[0] ? err->message : ddb_strerror(rc);
    bool type = err->aws_type[0] && !strstr(msg, err->aws_type);
    fprintf(stderr, "ddbkit %s: table '%s': %s (%s%s%s)\n", r->cmd, t->name, msg,
            ddb_error_code_name(rc), type ? ", " : "", type ? err->aws_type : "");
    return CLI_EXIT_FAILED;
}

/* ---- the tables of the model ------------------------------------------------------------- */

static bool name_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

/* t->name = prefix + base, checked against DynamoDB's rule before anything is sent. */
static bool set_name(const run *r, target *t, const char *prefix, const char *base)
{
    size_t np = strlen(prefix), nb = strlen(base);
    if (np + nb > TABLE_NAME_MAX) {
        fprintf(stderr,
                "ddbkit %s: table '%s' with --prefix of %zu characters would be named with %zu "
                "characters; DynamoDB allows at most %d\n",
                r->cmd, base, np, np + nb, TABLE_NAME_MAX);
        return false;
    }
    memcpy(t->name, prefix, np);
    memcpy(t->name + np, base, nb + 1);
    for (size_t i = 0; t->name[i]; i++)
        if (!name_char_ok(t->name[i])) {
            fprintf(stderr,
                    "ddbkit %s: table name '%s' (--prefix '%s' + '%s') has '%c' at offset %zu; "
                    "DynamoDB allows only a-z, A-Z, 0-9, '_', '-' and '.'\n",
                    r->cmd, t->name, prefix, base, t->name[i], i);
            return false;
        }
    if (np + nb < 3) {
        fprintf(stderr, "ddbkit %s: table name '%s' is shorter than DynamoDB's 3 characters\n",
                r->cmd, t->name);
        return false;
    }
    return true;
}

/* The targets: every table in model order, then the counter table when an entity needs it. */
static int plan_targets(run *r, const ddbgen_model *m, const char *prefix)
{
    size_t n = m->n_tables + (ddbgen_model_uses_counter(m) ? 1 : 0);
    r->targets = calloc(n ? n : 1, sizeof(*r->targets));
    if (!r->targets) {
        fprintf(stderr, "ddbkit %s: out of memory\n", r->cmd);
        return CLI_EXIT_USAGE;
    }
    r->n_targets = n;
    for (size_t i = 0; i < m->n_tables; i++) {
        const ddbgen_table *mt = &m->tables[i];
        target *t = &r->targets[i];
        if (!set_name(r, t, prefix, mt->name))
            return CLI_EXIT_USAGE;
        t->model_name = mt->name;
        ddbgen_table_layout_of(&t->layout, mt);
        t->gsis = calloc(mt->n_gsis ? mt->n_gsis : 1, sizeof(*t->gsis));
        if (!t->gsis) {
            fprintf(stderr, "ddbkit %s: out of memory\n", r->cmd);
            return CLI_EXIT_USAGE;
        }
        for (size_t g = 0; g < mt->n_gsis; g++) {
            const ddbgen_gsi *gi = &mt->gsis[g];
            bool include = gi->projection == DDBGEN_PROJ_INCLUDE;
            t->gsis[g] = (ddb_gsi_desc){gi->name,
                                        gi->n_pk,
                                        gi->n_sk,
                                        gi->pk,
                                        gi->n_sk ? gi->sk : NULL,
                                        ddbgen_projection_name(gi->projection),
                                        include ? gi->n_included : 0,
                                        include ? gi->included : NULL};
        }
        t->desc =
            (ddb_table_desc){DDB_ENTITY_ABI_VERSION, t->name,         t->layout.n_attributes,
                             t->layout.attributes,   t->layout.types, mt->partition_key,
                             mt->sort_key,           mt->n_gsis,      mt->n_gsis ? t->gsis : NULL,
                             t->layout.ttl_attribute};
    }
    if (n > m->n_tables) {
        target *t = &r->targets[m->n_tables];
        if (!set_name(r, t, prefix, m->counter_table))
            return CLI_EXIT_USAGE;
        t->model_name = m->counter_table;
        t->counter = true;
        t->desc = (ddb_table_desc){DDB_ENTITY_ABI_VERSION, t->name, 1, counter_attrs, counter_types,
                                   counter_attrs[0],       NULL,    0, NULL,          NULL};
    }
    return CLI_EXIT_OK;
}

/* ---- comparing an existing table with the model ------------------------------------------ */

static const char *defined_type(const ddb_table_description *d, const char *attr)
{
    for (size_t i = 0; i < d->n_attribute_definitions; i++)
        if (strcmp(d->attribute_definitions[i].attribute_name, attr) == 0)
            return d->attribute_definitions[i].attribute_type;
    return "?";
}

static const char *wanted_type(const ddb_table_desc *t, const char *attr)
{
    for (size_t i = 0; i < t->n_attributes; i++)
        if (strcmp(t->attributes[i], attr) == 0)
            return t->attribute_types[i];
    return "?";
}

/* "pk (S) HASH, sk (N) RANGE" of a described key schema. */
static void put_keys(char *buf, size_t cap, const ddb_table_description *d,
                     const ddb_key_schema_element *k, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s%s (%s) %s", i ? ", " : "", k[i].attribute_name,
                         defined_type(d, k[i].attribute_name), k[i].key_type);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* The same for the model's key: n_pk HASH attributes, then n_sk RANGE ones. */
static void put_wanted_keys(char *buf, size_t cap, const ddb_table_desc *t, const char *const *pk,
                            size_t n_pk, const char *const *sk, size_t n_sk)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n_pk + n_sk && len < cap; i++) {
        const char *a = i < n_pk ? pk[i] : sk[i - n_pk];
        int w = snprintf(buf + len, cap - len, "%s%s (%s) %s", i ? ", " : "", a, wanted_type(t, a),
                         i < n_pk ? "HASH" : "RANGE");
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* Whether a described key (with its attribute types) is the model's. */
static bool same_keys(const ddb_table_description *d, const ddb_key_schema_element *k, size_t n,
                      const ddb_table_desc *t, const char *const *pk, size_t n_pk,
                      const char *const *sk, size_t n_sk)
{
    if (n != n_pk + n_sk)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *a = i < n_pk ? pk[i] : sk[i - n_pk];
        if (strcmp(k[i].attribute_name, a) != 0 ||
            strcmp(k[i].key_type, i < n_pk ? "HASH" : "RANGE") != 0 ||
            strcmp(defined_type(d, a), wanted_type(t, a)) != 0)
            return false;
    }
    return true;
}

/* Empty when the existing table d has the keys and GSIs of t; else what differs, one line. */
static void compare(char *why, size_t cap, const ddb_table_description *d, const ddb_table_desc *t)
{
    char have[512], want[512];
    const char *pk[1] = {t->pk}, *sk[1] = {t->sk};
    why[0] = '\0';
    if (!same_keys(d, d->key_schema, d->n_key_schema, t, pk, 1, sk, t->sk ? 1 : 0)) {
        put_keys(have, sizeof(have), d, d->key_schema, d->n_key_schema);
        put_wanted_keys(want, sizeof(want), t, pk, 1, sk, t->sk ? 1 : 0);
        snprintf(why, cap, "its key is %s; the model's is %s", have, want);
        return;
    }
    for (size_t g = 0; g < t->n_gsis; g++) {
        const ddb_gsi_desc *w = &t->gsis[g];
        const ddb_global_secondary_index_description *x = NULL;
        const char *proj;
        for (size_t i = 0; i < d->n_global_secondary_indexes && !x; i++)
            if (strcmp(d->global_secondary_indexes[i].index_name, w->name) == 0)
                x = &d->global_secondary_indexes[i];
        if (!x) {
            snprintf(why, cap, "it has no GSI '%s', which the model defines", w->name);
            return;
        }
        if (!same_keys(d, x->key_schema, x->n_key_schema, t, w->pk, w->n_pk, w->sk, w->n_sk)) {
            put_keys(have, sizeof(have), d, x->key_schema, x->n_key_schema);
            put_wanted_keys(want, sizeof(want), t, w->pk, w->n_pk, w->sk, w->n_sk);
            snprintf(why, cap, "its GSI '%s' key is %s; the model's is %s", w->name, have, want);
            return;
        }
        proj =
            x->projection && x->projection->projection_type ? x->projection->projection_type : "?";
        if (strcmp(proj, w->projection) != 0) {
            snprintf(why, cap, "its GSI '%s' projects %s; the model's projects %s", w->name, proj,
                     w->projection);
            return;
        }
    }
}

/* ---- the three actions ------------------------------------------------------------------- */

static int create_one(const run *r, const target *t)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_describe_table_output *out = NULL;
    ddb_describe_table_input in = {t->name};
    char why[1200];
    int rc, status = CLI_EXIT_OK;

    for (int attempt = 0;; attempt++) {
        rc = t->counter ? ddb_id_counter_create_table(r->client, t->name, r->wait_ms, &err)
                        : ddb_entity_create_table(r->client, &t->desc, t->name, r->wait_ms, &err);
        if (rc == 0) {
            printf("created  %s\n", t->name);
            goto done;
        }
        if (rc != DDB_ERR_RESOURCE_IN_USE) {
            status = fail(r, t, &err, rc);
            goto done;
        }
        /* It exists, or is being created or deleted: fine when it is the model's table. */
        rc = ddb_table_wait_active(r->client, t->name, r->wait_ms, &err);
        /* A table that was being deleted is gone now: create it, once. */
        if (rc != DDB_ERR_RESOURCE_NOT_FOUND || attempt == 1)
            break;
    }
    if (rc == 0)
        rc = ddb_describe_table(&out, r->client, &in, &err);
    if (rc != 0) {
        status = fail(r, t, &err, rc);
        goto done;
    }
    compare(why, sizeof(why), out->table, &t->desc);
    if (why[0]) {
        fprintf(stderr,
                "ddbkit %s: table '%s' exists with another schema: %s (drop it, or use another "
                "--prefix)\n",
                r->cmd, t->name, why);
        status = CLI_EXIT_FAILED;
        goto done;
    }
    printf("exists   %s\n", t->name);
done:
    ddb_describe_table_output_free(out);
    ddb_error_clear(&err);
    return status;
}

static int drop_one(const run *r, const target *t)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_delete_table_output *out = NULL;
    ddb_delete_table_input in = {t->name};
    int rc = ddb_delete_table(&out, r->client, &in, &err), status = CLI_EXIT_OK;
    ddb_delete_table_output_free(out);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        printf("absent   %s\n", t->name);
    } else {
        if (rc == 0)
            rc = ddb_table_wait_deleted(r->client, t->name, r->wait_ms, &err);
        if (rc == 0)
            printf("dropped  %s\n", t->name);
        else
            status = fail(r, t, &err, rc);
    }
    ddb_error_clear(&err);
    return status;
}

/* A key schema as JSON: [{"attribute", "type", "key"}]. */
static json_t *json_keys(const ddb_table_description *d, const ddb_key_schema_element *k, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "attribute", k[i].attribute_name,
                                           "type", defined_type(d, k[i].attribute_name), "key",
                                           k[i].key_type));
    return a;
}

static json_t *json_table(const target *t, const ddb_table_description *d)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", t->name, "model_table", t->model_name, "role",
                          t->counter ? "id_counters" : "table");
    json_t *gsis;
    if (!o)
        return NULL;
    if (!d) {
        json_object_set_new(o, "status", json_string("absent"));
        return o;
    }
    json_object_set_new(o, "status", json_string(d->table_status ? d->table_status : "?"));
    json_object_set_new(o, "item_count",
                        d->has_item_count ? json_integer(d->item_count) : json_null());
    json_object_set_new(o, "key_schema", json_keys(d, d->key_schema, d->n_key_schema));
    gsis = json_array();
    for (size_t g = 0; gsis && g < d->n_global_secondary_indexes; g++) {
        const ddb_global_secondary_index_description *x = &d->global_secondary_indexes[g];
        json_t *gi = json_pack(
            "{s:s, s:s, s:s}", "name", x->index_name, "status",
            x->index_status ? x->index_status : "?", "projection",
            x->projection && x->projection->projection_type ? x->projection->projection_type : "?");
        if (gi)
            json_object_set_new(gi, "key_schema", json_keys(d, x->key_schema, x->n_key_schema));
        json_array_append_new(gsis, gi);
    }
    json_object_set_new(o, "gsis", gsis);
    return o;
}

static void print_table(const target *t, const ddb_table_description *d)
{
    char keys[512];
    if (!d) {
        printf("%s: absent\n", t->name);
        return;
    }
    printf("%s: %s", t->name, d->table_status ? d->table_status : "?");
    if (d->has_item_count)
        printf(", %lld item%s", (long long)d->item_count, d->item_count == 1 ? "" : "s");
    printf("%s\n", t->counter ? " (ID counters)" : "");
    put_keys(keys, sizeof(keys), d, d->key_schema, d->n_key_schema);
    printf("  key  %s\n", keys);
    for (size_t g = 0; g < d->n_global_secondary_indexes; g++) {
        const ddb_global_secondary_index_description *x = &d->global_secondary_indexes[g];
        put_keys(keys, sizeof(keys), d, x->key_schema, x->n_key_schema);
        printf("  GSI  %s: %s; %s; %s\n", x->index_name, keys,
               x->projection && x->projection->projection_type ? x->projection->projection_type
                                                               : "?",
               x->index_status ? x->index_status : "?");
    }
}

static int describe_all(const run *r)
{
    json_t *doc = r->json ? json_pack("{s:[]}", "tables") : NULL;
    int status = CLI_EXIT_OK;
    for (size_t i = 0; i < r->n_targets; i++) {
        const target *t = &r->targets[i];
        ddb_error err = DDB_ERROR_INIT;
        ddb_describe_table_output *out = NULL;
        ddb_describe_table_input in = {t->name};
        int rc = ddb_describe_table(&out, r->client, &in, &err);
        if (rc != 0 && rc != DDB_ERR_RESOURCE_NOT_FOUND) {
            status = fail(r, t, &err, rc);
            ddb_error_clear(&err);
            break;
        }
        if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
            fprintf(stderr, "ddbkit %s: table '%s' does not exist\n", r->cmd, t->name);
            status = CLI_EXIT_FAILED;
        }
        if (doc)
            json_array_append_new(json_object_get(doc, "tables"),
                                  json_table(t, out ? out->table : NULL));
        else
            print_table(t, out ? out->table : NULL);
        ddb_describe_table_output_free(out);
        ddb_error_clear(&err);
    }
    if (doc) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        else
            status = CLI_EXIT_USAGE;
        free(s);
        json_decref(doc);
    }
    return status;
}

/* ---- the command ------------------------------------------------------------------------- */

static int load_model(ddbgen_model **out, const char *cmd, const char *path)
{
    ddbgen_diags diags = DDBGEN_DIAGS_INIT;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    ddbgen_model *m = NULL;
    int rc = ddbgen_model_load_file(&m, path, &diags);
    if (rc == 0)
        rc = ddbgen_model_validate(m, &diags);
    if (rc == DDBGEN_ERR_JSON || (rc == 0 && (diags.n_errors || diags.dropped || diags.nomem)))
        rc = DDBGEN_ERR_INVALID;
    if (rc != 0) {
        ddbgen_diags_sort(&diags);
        ddbgen_diags_format_text_upto(&diags, DDBGEN_SEV_ERROR, &text);
        if (ddbgen_buf_str(&text))
            fputs(ddbgen_buf_str(&text), stderr);
        if (rc == DDBGEN_ERR_INVALID)
            fprintf(stderr, "ddbkit %s: %s: the model has errors; nothing was sent\n", cmd, path);
        else
            fprintf(stderr, "ddbkit %s: %s: %s\n", cmd, path, ddbgen_strerror(rc));
        ddbgen_model_free(m);
        m = NULL;
    }
    ddbgen_buf_free(&text);
    ddbgen_diags_free(&diags);
    *out = m;
    return rc == 0 ? CLI_EXIT_OK : rc == DDBGEN_ERR_INVALID ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
}

static bool parse_wait(long *ms, const char *cmd, const char *s)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 86400) {
        fprintf(stderr, "ddbkit %s: --wait '%s' is not a number of seconds from 1 to 86400\n", cmd,
                s);
        return false;
    }
    *ms = v * 1000;
    return true;
}

int cli_tables(const cli_command *self, int argc, char **argv)
{
    run r = {0};
    cli_args a;
    char cmd[32];
    ddbgen_model *m = NULL;
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    int act, status, rc = cli_parse(&a, self, argc, argv);

    if (rc)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (a.n_positional < 2) {
        fprintf(stderr, "ddbkit tables: %s (see ddbkit tables --help)\n",
                a.n_positional ? "no model file given"
                               : "no action given (create, drop or "
                                 "describe)");
        return CLI_EXIT_USAGE;
    }
    for (act = 0; act < 3; act++)
        if (strcmp(a.positional[0], action_names[act]) == 0)
            break;
    if (act == 3) {
        fprintf(stderr, "ddbkit tables: unknown action '%s'; use create, drop or describe\n",
                a.positional[0]);
        return CLI_EXIT_USAGE;
    }
    r.act = (action)act;
    snprintf(cmd, sizeof(cmd), "tables %s", action_names[act]);
    r.cmd = cmd;
    r.json = a.value[OPT_JSON] != NULL;
    if (r.json && r.act != DESCRIBE) {
        fprintf(stderr, "ddbkit %s: --json is for describe only\n", cmd);
        return CLI_EXIT_USAGE;
    }
    if (a.value[OPT_WAIT] && r.act == DESCRIBE) {
        fprintf(stderr, "ddbkit %s: --wait is for create and drop\n", cmd);
        return CLI_EXIT_USAGE;
    }
    r.wait_ms = 60000;
    if (a.value[OPT_WAIT] && !parse_wait(&r.wait_ms, cmd, a.value[OPT_WAIT]))
        return CLI_EXIT_USAGE;

    status = load_model(&m, cmd, a.positional[1]);
    if (status == CLI_EXIT_OK)
        status = plan_targets(&r, m, a.value[OPT_PREFIX] ? a.value[OPT_PREFIX] : "");
    if (status != CLI_EXIT_OK)
        goto done;

    /* A dead endpoint is a quick, clear error: connect() gets 2 s, not the default 3.1 s, and
     * the retries (AWS_MAX_ATTEMPTS) stay the SDKs'. */
    opts.connect_timeout_ms = 2000;
    rc = ddb_client_new(&r.client, &opts, &err);
    if (rc != 0) {
        fprintf(stderr, "ddbkit %s: %s (%s)\n", cmd, err.message, ddb_error_code_name(rc));
        status = CLI_EXIT_FAILED;
        goto done;
    }
    if (r.act == DESCRIBE) {
        status = describe_all(&r);
    } else {
        for (size_t i = 0; i < r.n_targets && status == CLI_EXIT_OK; i++)
            status = r.act == CREATE ? create_one(&r, &r.targets[i]) : drop_one(&r, &r.targets[i]);
    }
done:
    ddb_client_free(r.client);
    ddb_error_clear(&err);
    for (size_t i = 0; i < r.n_targets; i++)
        free(r.targets[i].gsis);
    free(r.targets);
    ddbgen_model_free(m);
    return status;
}
