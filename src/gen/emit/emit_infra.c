/*
 * `ddbkit infra`: a CloudFormation template for a model (docs/design/infra.md). The tables are the
 * generated CreateTable JSON (ddbgen_table_create_json) with the production settings added, so
 * that DynamoDB Local and AWS get the same keys and indexes; then AWS's recommended alarms, a
 * dashboard and a least-privilege IAM policy derived from what each access pattern calls.
 *
 * The template is built as a jansson tree in a fixed order and printed as JSON or YAML; the
 * output is the same for the same model and options.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost/units.h"
#include "emit/emit_internal.h"
#include "validate/validate.h"

/* The IAM actions a data-access layer can need, in the order the policy lists them. */
enum {
    ACT_GET,
    ACT_BATCH_GET,
    ACT_QUERY,
    ACT_SCAN,
    ACT_PUT,
    ACT_UPDATE,
    ACT_DELETE,
    ACT_BATCH_WRITE,
    ACT_CONDITION_CHECK, /* the ConditionCheck of a TransactWriteItems */
    N_ACTIONS
};
static const char *const action_names[N_ACTIONS] = {
    "GetItem",        "BatchGetItem",       "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
    "BatchWriteItem", "ConditionCheckItem",
};

/* The operations the per-operation latency alarms watch (the metric's Operation dimension). */
enum {
    OP_GET,
    OP_PUT,
    OP_UPDATE,
    OP_DELETE,
    OP_QUERY,
    OP_SCAN,
    OP_BATCH_GET,
    OP_BATCH_WRITE,
    OP_TRANSACT_WRITE,
    OP_TRANSACT_GET,
    N_OPS
};
static const char *const op_names[N_OPS] = {
    "GetItem", "PutItem",      "UpdateItem",     "DeleteItem",         "Query",
    "Scan",    "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
};

/* Provisioned mode: auto-scaling keeps consumption at this share of the capacity. */
#define TARGET_UTILIZATION DDBGEN_TARGET_UTILIZATION
/* CloudFormation's limit on the resources of one template. */
#define MAX_RESOURCES 500

/* What the data-access layer does to one table: actions on it and on each GSI, and the load. */
typedef struct usage {
    const char *name;      /* the table's name */
    const char *logical;   /* its resource's logical ID */
    const ddbgen_table *t; /* NULL: the ID counter table */
    unsigned actions;      /* 1 << ACT_* on the table */
    unsigned ops;          /* 1 << OP_* */
    unsigned *gsi_actions;
    double read_units, write_units; /* per second at peak, from x-ddbkit.rps */
    double *gsi_read_units;
    const char *missing_rps; /* provisioned: the first pattern of the table without rps */
    size_t n_patterns;
} usage;

typedef struct infra {
    const ddbgen_model *m;
    const ddbgen_infra_options *o;
    ddbgen_diags *diags;
    size_t n_usage;
    usage *u;
    json_t *resources, *used_ids;
    int status;
} infra;

static void nomem(infra *I)
{
    if (I->status == 0)
        I->status = DDBGEN_ERR_NOMEM;
}

/* Adds v (a new reference) under key of o; a NULL v is a lost allocation. */
static void set(infra *I, json_t *o, const char *key, json_t *v)
{
    if (!v || !o || json_object_set_new(o, key, v) != 0)
        nomem(I);
}

static void push(infra *I, json_t *a, json_t *v)
{
    if (!v || !a || json_array_append_new(a, v) != 0)
        nomem(I);
}

static json_t *ref(const char *name)
{
    return json_pack("{s:s}", "Ref", name);
}

/* {"Fn::Sub": text}: CloudFormation fills ${AWS::Region} and the like in at deploy time. */
static json_t *subf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *subf(const char *fmt, ...)
{
    ddbgen_buf b = DDBGEN_BUF_INIT;
    va_list ap;
    json_t *v;
    va_start(ap, fmt);
    ddbgen_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    v = ddbgen_buf_str(&b) ? json_pack("{s:s}", "Fn::Sub", ddbgen_buf_str(&b)) : NULL;
    ddbgen_buf_free(&b);
    return v;
}

/* Letters and digits of the names, each word capitalised ("order_items" -> "OrderItems"). */
static void pascal(char id[256], const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3] = {a, b, c};
    for (int p = 0; p < 3; p++) {
        bool up = true;
        for (const char *s = parts[p]; s && *s && n < 200; s++) {
            unsigned char ch = (unsigned char)*s;
            bool alnum =
                (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
            if (!alnum) {
                up = true;
                continue;
            }
            id[n++] = (char)(up && ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
            up = false;
        }
    }
    id[n] = '\0';
}

/*
 * A logical ID (alphanumeric, at most 255 characters) from names, unique in the template: a
 * clash gets a number. The result lives as long as the template.
 */
static const char *logical_id(infra *I, const char *a, const char *b, const char *c)
{
    char id[256];
    size_t n;
    pascal(id, a, b, c);
    n = strlen(id);
    for (int k = 2; json_object_get(I->used_ids, id); k++)
        snprintf(id + n, sizeof(id) - n, "%d", k);
    set(I, I->used_ids, id, json_true());
    /* jansson keeps a key where it was stored until the object is freed */
    return I->status ? "X" : json_object_iter_key(json_object_iter_at(I->used_ids, id));
}

/* ---- what each table is used for ------------------------------------------------------------- */

static usage *usage_of_table(infra *I, const char *name)
{
    for (size_t i = 0; name && i < I->n_usage; i++)
        if (strcmp(I->u[i].name, name) == 0)
            return &I->u[i];
    return NULL;
}

/* The read units of one request: 1 strongly consistent, 0.5 eventually (items up to 4 KB). */
static double read_units(const ddbgen_access_pattern *ap, bool index)
{
    return !index && ap->has_consistent_read && ap->consistent_read ? 1.0 : 0.5;
}

static void add_pattern(usage *u, const ddbgen_access_pattern *ap)
{
    int g = ddbgen_table_gsi_index(u->t, ap->index_name);
    double rps = ap->has_rps ? ap->rps : 0;
    u->n_patterns++;
    if (!ap->has_rps && !u->missing_rps)
        u->missing_rps = ap->path;
    switch (ap->operation) {
    case DDBGEN_OP_GET_ITEM:
        u->actions |= 1u << ACT_GET, u->ops |= 1u << OP_GET;
        u->read_units += rps * read_units(ap, false);
        break;
    case DDBGEN_OP_BATCH_GET_ITEM:
        u->actions |= 1u << ACT_BATCH_GET, u->ops |= 1u << OP_BATCH_GET;
        u->read_units += rps * read_units(ap, false);
        break;
    case DDBGEN_OP_QUERY:
    case DDBGEN_OP_SCAN: {
        int act = ap->operation == DDBGEN_OP_QUERY ? ACT_QUERY : ACT_SCAN;
        u->ops |= 1u << (ap->operation == DDBGEN_OP_QUERY ? OP_QUERY : OP_SCAN);
        if (g >= 0) {
            u->gsi_actions[g] |= 1u << act;
            u->gsi_read_units[g] += rps * read_units(ap, true);
        } else {
            u->actions |= 1u << act;
            u->read_units += rps * read_units(ap, false);
        }
        break;
    }
    case DDBGEN_OP_PUT_ITEM:
        u->actions |= 1u << ACT_PUT, u->ops |= 1u << OP_PUT;
        u->write_units += rps;
        break;
    case DDBGEN_OP_UPDATE_ITEM:
        u->actions |= 1u << ACT_UPDATE, u->ops |= 1u << OP_UPDATE;
        u->write_units += rps;
        break;
    case DDBGEN_OP_DELETE_ITEM:
        u->actions |= 1u << ACT_DELETE, u->ops |= 1u << OP_DELETE;
        u->write_units += rps;
        break;
    case DDBGEN_OP_BATCH_WRITE_ITEM:
        u->actions |= 1u << ACT_BATCH_WRITE, u->ops |= 1u << OP_BATCH_WRITE;
        u->write_units += rps;
        break;
    default: /* a valid model has no other operation */
        break;
    }
}

static void analyse(infra *I)
{
    const ddbgen_model *m = I->m;
    bool counter = ddbgen_model_uses_counter(m);
    I->n_usage = m->n_tables + (counter ? 1 : 0);
    I->u = calloc(I->n_usage ? I->n_usage : 1, sizeof(*I->u));
    if (!I->u) {
        nomem(I);
        return;
    }
    for (size_t i = 0; i < m->n_tables; i++) {
        usage *u = &I->u[i];
        u->t = &m->tables[i];
        u->name = u->t->name;
        u->gsi_actions = calloc(u->t->n_gsis + 1, sizeof(*u->gsi_actions));
        u->gsi_read_units = calloc(u->t->n_gsis + 1, sizeof(*u->gsi_read_units));
        if (!u->gsi_actions || !u->gsi_read_units)
            nomem(I);
    }
    if (counter)
        I->u[m->n_tables].name = m->counter_table;
    if (I->status)
        return;
    for (size_t i = 0; i < m->n_tables; i++) {
        usage *u = &I->u[i];
        for (size_t k = 0; k < u->t->n_entities; k++) {
            const ddbgen_entity *e = &u->t->entities[k];
            /* the repository's create, get, update and delete: conditional writes on the
             * item and, in the same transaction, on its unique-value sentinels */
            u->actions |= 1u << ACT_GET | 1u << ACT_PUT | 1u << ACT_UPDATE | 1u << ACT_DELETE;
            u->ops |= 1u << OP_GET | 1u << OP_PUT | 1u << OP_UPDATE | 1u << OP_DELETE;
            if (e->ext.n_unique)
                u->ops |= 1u << OP_TRANSACT_WRITE;
            if (e->ext.sequence_path) {
                /* the parent's counter, in a transaction when gapless */
                const ddbgen_entity *p = ddbgen_model_find_entity(m, e->ext.sequence_parent);
                usage *pu = p ? usage_of_table(I, p->table->name) : NULL;
                if (pu) {
                    pu->actions |= 1u << ACT_UPDATE;
                    pu->ops |= 1u << OP_UPDATE;
                }
                if (e->ext.sequence_gapless)
                    u->ops |= 1u << OP_TRANSACT_WRITE;
            }
            if (counter && (e->ext.id_strategy == DDBGEN_ID_COUNTER ||
                            e->ext.id_strategy == DDBGEN_ID_SOURCE)) {
                /* ids.c: blocks of IDs, and the router's seeding, are UpdateItem ADD; only
                 * ddb_store_max_id reads it (GetItem), a migration tool's call, not the app's */
                usage *cu = &I->u[m->n_tables];
                cu->actions |= 1u << ACT_UPDATE;
                cu->ops |= 1u << OP_UPDATE;
            }
            for (size_t p = 0; p < e->n_patterns; p++)
                add_pattern(u, &e->patterns[p]);
        }
    }
    for (size_t i = 0; i < m->n_tx_patterns; i++) {
        const ddbgen_tx_pattern *tx = &m->tx_patterns[i];
        for (size_t k = 0; k < tx->n_entities; k++) {
            const ddbgen_tx_entity *te = &tx->entities[k];
            usage *u = usage_of_table(I, te->table);
            static const int act_of[] = {
                [DDBGEN_ACT_PUT] = ACT_PUT,
                [DDBGEN_ACT_UPDATE] = ACT_UPDATE,
                [DDBGEN_ACT_DELETE] = ACT_DELETE,
                [DDBGEN_ACT_CONDITION_CHECK] = ACT_CONDITION_CHECK,
                [DDBGEN_ACT_GET] = ACT_GET,
            };
            if (!u || te->action == DDBGEN_ACT_UNKNOWN)
                continue;
            u->actions |= 1u << act_of[te->action];
            u->ops |= 1u << (tx->operation == DDBGEN_TX_GET ? OP_TRANSACT_GET : OP_TRANSACT_WRITE);
        }
    }
}

/* ---- the tables ------------------------------------------------------------------------------ */

/* Capacity units for a peak load: the load at TARGET_UTILIZATION, at least 1 (shared with
 * ddbkit cost). */
static long long capacity(double units)
{
    return ddbgen_units_capacity(units);
}

static json_t *throughput(long long rcu, long long wcu)
{
    return json_pack("{s:I, s:I}", "ReadCapacityUnits", (json_int_t)rcu, "WriteCapacityUnits",
                     (json_int_t)wcu);
}

/* Auto-scaling of one dimension of a table or GSI: its target and target-tracking policy. */
static void autoscale(infra *I, const usage *u, const char *gsi, bool read, long long cap)
{
    const char *what = read ? "Read" : "Write";
    char tid[256], dim[80], rid_name[32], pid_name[32];
    const char *target_id, *policy_id;
    json_t *target, *policy;
    pascal(tid, u->logical, gsi ? "Gsi" : NULL, gsi);
    snprintf(rid_name, sizeof rid_name, "%sScalableTarget", what);
    snprintf(pid_name, sizeof pid_name, "%sScalingPolicy", what);
    target_id = logical_id(I, tid, rid_name, NULL);
    policy_id = logical_id(I, tid, pid_name, NULL);
    snprintf(dim, sizeof dim, "dynamodb:%s:%sCapacityUnits", gsi ? "index" : "table", what);
    target = json_pack("{s:s, s:[s], s:{}}", "Type", "AWS::ApplicationAutoScaling::ScalableTarget",
                       "DependsOn", u->logical, "Properties");
    if (!target) {
        nomem(I);
        return;
    }
    {
        json_t *p = json_object_get(target, "Properties");
        /* half the peak's capacity when idle, four times it for a peak the model did not see */
        set(I, p, "MinCapacity", json_integer(cap > 1 ? (cap + 1) / 2 : 1));
        set(I, p, "MaxCapacity", json_integer(cap * 4));
        set(I, p, "ResourceId",
            gsi ? subf("table/%s/index/%s", u->name, gsi) : subf("table/%s", u->name));
        set(I, p, "ScalableDimension", json_string(dim));
        set(I, p, "ServiceNamespace", json_string("dynamodb"));
    }
    set(I, I->resources, target_id, target);
    policy = json_pack(
        "{s:s, s:{s:o, s:s, s:o, s:{s:f, s:{s:s}}}}", "Type",
        "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties", "PolicyName",
        subf("${AWS::StackName}-%s-%s", policy_id, what), "PolicyType", "TargetTrackingScaling",
        "ScalingTargetId", ref(target_id), "TargetTrackingScalingPolicyConfiguration",
        "TargetValue", TARGET_UTILIZATION, "PredefinedMetricSpecification", "PredefinedMetricType",
        read ? "DynamoDBReadCapacityUtilization" : "DynamoDBWriteCapacityUtilization");
    set(I, I->resources, policy_id, policy);
}

/* The counter table, as ddb_id_counter_create_table creates it (ddb/dal/entity.h). */
static json_t *counter_table_json(const char *name)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:s}", "TableName", name,
                     "AttributeDefinitions", "AttributeName", "name", "AttributeType", "S",
                     "KeySchema", "AttributeName", "name", "KeyType", "HASH", "BillingMode",
                     "PAY_PER_REQUEST");
}

static void emit_table(infra *I, usage *u, const char *depends_on)
{
    json_t *props = NULL, *res;
    bool provisioned = I->o->provisioned && u->t;
    if (u->t) {
        ddbgen_buf b = DDBGEN_BUF_INIT;
        json_error_t jerr;
        ddbgen_table_create_json(&b, u->t);
        /* the generated CreateTable JSON itself: one source for DynamoDB Local and AWS */
        props = ddbgen_buf_str(&b) ? json_loads(ddbgen_buf_str(&b), JSON_DECODE_ANY, &jerr) : NULL;
        ddbgen_buf_free(&b);
    } else {
        props = counter_table_json(u->name);
    }
    if (!props) {
        nomem(I);
        return;
    }
    if (provisioned) {
        json_t *gsis = json_object_get(props, "GlobalSecondaryIndexes");
        long long rcu = capacity(u->read_units), wcu = capacity(u->write_units);
        set(I, props, "BillingMode", json_string("PROVISIONED"));
        set(I, props, "ProvisionedThroughput", throughput(rcu, wcu));
        /* every write to the table is a write to each GSI that holds the item */
        for (size_t g = 0; g < json_array_size(gsis); g++)
            set(I, json_array_get(gsis, g), "ProvisionedThroughput",
                throughput(capacity(u->gsi_read_units[g]), wcu));
    }
    if (u->t) {
        ddbgen_table_layout L;
        ddbgen_table_layout_of(&L, u->t);
        if (L.ttl_attribute)
            set(I, props, "TimeToLiveSpecification",
                json_pack("{s:s, s:b}", "AttributeName", L.ttl_attribute, "Enabled", 1));
    }
    set(I, props, "PointInTimeRecoverySpecification",
        json_pack("{s:b}", "PointInTimeRecoveryEnabled", 1));
    set(I, props, "DeletionProtectionEnabled", json_true());
    set(I, props, "SSESpecification", json_pack("{s:b}", "SSEEnabled", 1));
    res = json_pack("{s:s}", "Type", "AWS::DynamoDB::Table");
    /* CloudFormation creates tables in parallel, and DynamoDB limits how many tables with
     * indexes can be in CREATING at once: one after the other */
    if (res && depends_on)
        set(I, res, "DependsOn", json_pack("[s]", depends_on));
    if (res) {
        set(I, res, "DeletionPolicy", json_string("Retain"));
        set(I, res, "UpdateReplacePolicy", json_string("Retain"));
    }
    set(I, res, "Properties", props);
    set(I, I->resources, u->logical, res);
    if (provisioned && I->status == 0) {
        long long wcu = capacity(u->write_units);
        autoscale(I, u, NULL, true, capacity(u->read_units));
        autoscale(I, u, NULL, false, wcu);
        for (size_t g = 0; g < u->t->n_gsis; g++) {
            autoscale(I, u, u->t->gsis[g].name, true, capacity(u->gsi_read_units[g]));
            autoscale(I, u, u->t->gsis[g].name, false, wcu);
        }
    }
}

/* ---- alarms ---------------------------------------------------------------------------------- */

/* One recommended alarm (see the table in docs/design/infra.md for the source of each value). */
typedef struct alarm_spec {
    const char *metric;
    const char *statistic;
    int period, points;          /* seconds; datapoints to alarm = evaluation periods */
    const char *threshold_param; /* NULL: fixed_threshold */
    double fixed_threshold;
    const char *about;
} alarm_spec;

static const alarm_spec read_throttles = {
    "ReadThrottleEvents", "Sum", 60, 5, "ThrottleEventsThreshold", 0, "read requests throttled"};
static const alarm_spec write_throttles = {
    "WriteThrottleEvents", "Sum", 60, 5, "ThrottleEventsThreshold", 0, "write requests throttled"};
static const alarm_spec system_errors = {"SystemErrors",
                                         "Sum",
                                         60,
                                         15,
                                         "SystemErrorsThreshold",
                                         0,
                                         "requests failed with a DynamoDB server error"};
static const alarm_spec latency = {
    "SuccessfulRequestLatency", "Average", 60, 10, "LatencyThresholdMs", 0,
    "average latency is high"};
static const alarm_spec user_errors = {"UserErrors",
                                       "Sum",
                                       60,
                                       10,
                                       "UserErrorsThreshold",
                                       0,
                                       "requests rejected as client errors (HTTP 400)"};
static const alarm_spec account_read = {
    "AccountProvisionedReadCapacityUtilization",          "Maximum", 300, 2, NULL, 80,
    "the account's provisioned read capacity is 80% used"};
static const alarm_spec account_write = {
    "AccountProvisionedWriteCapacityUtilization",          "Maximum", 300, 2, NULL, 80,
    "the account's provisioned write capacity is 80% used"};

/* dims: "Name", value (a JSON value, stolen) pairs, n of them. */
static void alarm(infra *I, const alarm_spec *a, const char *id, const char *label, size_t n,
                  const char **dim_names, json_t **dim_values)
{
    json_t *dims = json_array(), *p;
    json_t *res = json_pack("{s:s, s:{}}", "Type", "AWS::CloudWatch::Alarm", "Properties");
    p = res ? json_object_get(res, "Properties") : NULL;
    for (size_t i = 0; i < n; i++)
        push(I, dims, json_pack("{s:s, s:o}", "Name", dim_names[i], "Value", dim_values[i]));
    if (!p || !dims) {
        json_decref(dims);
        json_decref(res);
        nomem(I);
        return;
    }
    set(I, p, "AlarmName", subf("${AWS::StackName}-%s", id));
    set(I, p, "AlarmDescription", json_sprintf("%s: %s", label, a->about));
    set(I, p, "Namespace", json_string("AWS/DynamoDB"));
    set(I, p, "MetricName", json_string(a->metric));
    if (n)
        set(I, p, "Dimensions", dims);
    else
        json_decref(dims);
    set(I, p, "Statistic", json_string(a->statistic));
    set(I, p, "Period", json_integer(a->period));
    set(I, p, "EvaluationPeriods", json_integer(a->points));
    set(I, p, "DatapointsToAlarm", json_integer(a->points));
    set(I, p, "Threshold",
        a->threshold_param ? ref(a->threshold_param)
                           : json_integer((json_int_t)a->fixed_threshold));
    set(I, p, "ComparisonOperator", json_string("GreaterThanThreshold"));
    /* DynamoDB publishes these only when something happens: no data is no throttle, no error */
    set(I, p, "TreatMissingData", json_string("notBreaching"));
    set(I, p, "AlarmActions", json_pack("[o]", ref("AlarmTopicArn")));
    set(I, I->resources, id, res);
}

static void table_alarms(infra *I, const usage *u)
{
    const char *names[3] = {"TableName", "GlobalSecondaryIndexName", "Operation"};
    json_t *values[3];
    const alarm_spec *per_table[] = {&read_throttles, &write_throttles, &system_errors};
    for (size_t k = 0; k < 3; k++) {
        values[0] = ref(u->logical);
        alarm(I, per_table[k], logical_id(I, u->logical, per_table[k]->metric, "Alarm"), u->name, 1,
              names, values);
    }
    for (size_t g = 0; u->t && g < u->t->n_gsis; g++) {
        const char *gsi = u->t->gsis[g].name;
        char label[600];
        snprintf(label, sizeof label, "%s index %s", u->name, gsi);
        for (size_t k = 0; k < 2; k++) {
            char what[64];
            snprintf(what, sizeof what, "Gsi %s %s Alarm", gsi, per_table[k]->metric);
            values[0] = ref(u->logical);
            values[1] = json_string(gsi);
            alarm(I, per_table[k], logical_id(I, u->logical, what, NULL), label, 2, names, values);
        }
    }
    for (int op = 0; op < N_OPS; op++) {
        const char *op_dims[2] = {"TableName", "Operation"};
        char label[600];
        if (!(u->ops & 1u << op))
            continue;
        snprintf(label, sizeof label, "%s %s", u->name, op_names[op]);
        values[0] = ref(u->logical);
        values[1] = json_string(op_names[op]);
        alarm(I, &latency, logical_id(I, u->logical, op_names[op], "LatencyAlarm"), label, 2,
              op_dims, values);
    }
}

/* ---- dashboard ------------------------------------------------------------------------------- */

/* One metric line of a widget: ["AWS/DynamoDB", metric, dim, value, ...]. */
static json_t *metric_line(const char *metric, const char *table, const char *dim2,
                           const char *val2, const char *stat)
{
    json_t *l = json_pack("[s, s, s, s]", "AWS/DynamoDB", metric, "TableName", table);
    if (l && dim2) {
        json_array_append_new(l, json_string(dim2));
        json_array_append_new(l, json_string(val2));
    }
    if (l)
        json_array_append_new(l, json_pack("{s:s}", "stat", stat));
    return l;
}

static json_t *widget(const char *title, json_t *metrics, int x, int y)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:{s:s, s:o, s:s, s:i, s:b}}", "type", "metric",
                     "x", x, "y", y, "width", 8, "height", 6, "properties", "title", title,
                     "metrics", metrics, "region", "${AWS::Region}", "period", 60, "stacked", 0);
}

static void dashboard(infra *I)
{
    json_t *widgets = json_array(), *body;
    char *text;
    for (size_t i = 0; i < I->n_usage; i++) {
        const usage *u = &I->u[i];
        json_t *cap = json_array(), *thr = json_array(), *lat = json_array(), *err = json_array();
        char title[600];
        int y = (int)i * 6;
        push(I, cap, metric_line("ConsumedReadCapacityUnits", u->name, NULL, NULL, "Sum"));
        push(I, cap, metric_line("ConsumedWriteCapacityUnits", u->name, NULL, NULL, "Sum"));
        push(I, thr, metric_line("ReadThrottleEvents", u->name, NULL, NULL, "Sum"));
        push(I, thr, metric_line("WriteThrottleEvents", u->name, NULL, NULL, "Sum"));
        for (size_t g = 0; u->t && g < u->t->n_gsis; g++) {
            const char *gsi = u->t->gsis[g].name;
            push(
                I, thr,
                metric_line("ReadThrottleEvents", u->name, "GlobalSecondaryIndexName", gsi, "Sum"));
            push(I, thr,
                 metric_line("WriteThrottleEvents", u->name, "GlobalSecondaryIndexName", gsi,
                             "Sum"));
        }
        for (int op = 0; op < N_OPS; op++)
            if (u->ops & 1u << op) {
                push(I, lat,
                     metric_line("SuccessfulRequestLatency", u->name, "Operation", op_names[op],
                                 "Average"));
                push(I, err,
                     metric_line("SystemErrors", u->name, "Operation", op_names[op], "Sum"));
            }
        push(I, err, metric_line("ConditionalCheckFailedRequests", u->name, NULL, NULL, "Sum"));
        snprintf(title, sizeof title, "%s: consumed capacity", u->name);
        push(I, widgets, widget(title, cap, 0, y * 2));
        snprintf(title, sizeof title, "%s: throttled events", u->name);
        push(I, widgets, widget(title, thr, 8, y * 2));
        snprintf(title, sizeof title, "%s: latency (ms)", u->name);
        push(I, widgets, widget(title, lat, 16, y * 2));
        snprintf(title, sizeof title, "%s: errors and failed conditions", u->name);
        push(I, widgets, widget(title, err, 0, y * 2 + 6));
    }
    body = json_pack("{s:o}", "widgets", widgets);
    text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (!text) {
        nomem(I);
        return;
    }
    /* the body is a string; Fn::Sub fills in ${AWS::Region}, and table names hold no '$' */
    set(I, I->resources, "Dashboard",
        json_pack("{s:s, s:{s:o, s:o}}", "Type", "AWS::CloudWatch::Dashboard", "Properties",
                  "DashboardName", subf("${AWS::StackName}-dynamodb"), "DashboardBody",
                  json_pack("{s:s}", "Fn::Sub", text)));
    free(text);
}

/* ---- the IAM policy -------------------------------------------------------------------------- */

static json_t *arn(const char *table, const char *index)
{
    return index ? subf("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/%s"
                        "/index/%s",
                        table, index)
                 : subf("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/%s",
                        table);
}

static void statement(infra *I, json_t *stmts, const char *sid, unsigned actions, json_t *res)
{
    json_t *a = json_array();
    for (int k = 0; k < N_ACTIONS; k++)
        if (actions & 1u << k)
            push(I, a, json_sprintf("dynamodb:%s", action_names[k]));
    push(I, stmts,
         json_pack("{s:s, s:s, s:o, s:[o]}", "Sid", sid, "Effect", "Allow", "Action", a, "Resource",
                   res));
}

static void iam_policy(infra *I)
{
    json_t *stmts = json_array();
    for (size_t i = 0; i < I->n_usage; i++) {
        const usage *u = &I->u[i];
        if (u->actions)
            statement(I, stmts, u->logical, u->actions, arn(u->name, NULL));
        for (size_t g = 0; u->t && g < u->t->n_gsis; g++) {
            char sid[256];
            if (!u->gsi_actions[g])
                continue;
            pascal(sid, u->logical, "Gsi", u->t->gsis[g].name);
            statement(I, stmts, sid, u->gsi_actions[g], arn(u->name, u->t->gsis[g].name));
        }
    }
    set(I, I->resources, "DataAccessPolicy",
        json_pack("{s:s, s:{s:s, s:{s:s, s:o}}}", "Type", "AWS::IAM::ManagedPolicy", "Properties",
                  "Description",
                  "What the generated data-access layer calls: each access pattern's actions on "
                  "the tables and indexes it uses (ddbkit infra)",
                  "PolicyDocument", "Version", "2012-10-17", "Statement", stmts));
}

/* ---- the template ---------------------------------------------------------------------------- */

static json_t *number_param(const char *about, int dflt)
{
    return json_pack("{s:s, s:i, s:i, s:s}", "Type", "Number", "Default", dflt, "MinValue", 0,
                     "Description", about);
}

static json_t *parameters(void)
{
    json_t *p = json_object();
    if (!p)
        return NULL;
    json_object_set_new(p, "AlarmTopicArn",
                        json_pack("{s:s, s:s}", "Type", "String", "Description",
                                  "the ARN of the SNS topic that every alarm notifies"));
    json_object_set_new(p, "ThrottleEventsThreshold",
                        number_param("throttled events per minute, for 5 minutes in a row, "
                                     "that raise a table's or index's throttle alarm",
                                     0));
    json_object_set_new(p, "SystemErrorsThreshold",
                        number_param("server errors per minute, for 15 minutes in a row, "
                                     "that raise a table's SystemErrors alarm",
                                     0));
    json_object_set_new(p, "UserErrorsThreshold",
                        number_param("client errors (HTTP 400) per minute in the account and "
                                     "region, for 10 minutes in a row, that raise UserErrors",
                                     0));
    json_object_set_new(p, "LatencyThresholdMs",
                        number_param("average latency of an operation, in milliseconds, for "
                                     "10 minutes in a row, that raises its latency alarm",
                                     50));
    return p;
}

static void build(infra *I, json_t *root)
{
    const char *src = I->m->source_name ? I->m->source_name : I->m->ns;
    const char *prev = NULL;
    const char *names[1] = {NULL};
    set(I, root, "AWSTemplateFormatVersion", json_string("2010-09-09"));
    set(I, root, "Description",
        json_sprintf("DynamoDB tables, recommended alarms, dashboard and least-privilege IAM "
                     "policy of model %s (generated by ddbkit infra; do not edit)",
                     strrchr(src, '/') ? strrchr(src, '/') + 1 : src));
    set(I, root, "Parameters", parameters());
    set(I, root, "Resources", I->resources = json_object());
    if (I->status)
        return;
    json_incref(I->resources);
    for (size_t i = 0; i < I->n_usage; i++)
        I->u[i].logical = logical_id(I, I->u[i].t ? "Table" : "CounterTable",
                                     I->u[i].t ? I->u[i].name : NULL, NULL);
    for (size_t i = 0; i < I->n_usage && I->status == 0; i++) {
        emit_table(I, &I->u[i], prev);
        prev = I->u[i].logical;
    }
    for (size_t i = 0; i < I->n_usage && I->status == 0; i++)
        table_alarms(I, &I->u[i]);
    alarm(I, &user_errors, "UserErrorsAlarm", "account and region", 0, names, NULL);
    if (I->o->provisioned) {
        alarm(I, &account_read, "AccountReadCapacityAlarm", "account and region", 0, names, NULL);
        alarm(I, &account_write, "AccountWriteCapacityAlarm", "account and region", 0, names, NULL);
    }
    dashboard(I);
    iam_policy(I);
    set(I, root, "Outputs",
        json_pack("{s:{s:s, s:o}, s:{s:s, s:o}}", "DataAccessPolicyArn", "Description",
                  "attach this managed policy to the application's role", "Value",
                  ref("DataAccessPolicy"), "DashboardName", "Description",
                  "the CloudWatch dashboard of the tables", "Value", ref("Dashboard")));
    json_decref(I->resources);
}

/* Provisioned capacity comes from x-ddbkit.rps: every pattern must say its rate. */
static int check_provisioned(infra *I)
{
    int rc = 0;
    for (size_t i = 0; i < I->n_usage; i++) {
        const usage *u = &I->u[i];
        if (!u->t)
            continue;
        if (u->missing_rps) {
            ddbgen_diag_add(I->diags, DDBGEN_SEV_ERROR, u->missing_rps,
                            "add \"x-ddbkit\": {\"rps\": N} with the peak requests per second, "
                            "or use --billing on-demand",
                            "--billing provisioned derives capacity from every access pattern's "
                            "x-ddbkit.rps, and this pattern of table %s has none",
                            u->name);
            rc = DDBGEN_ERR_INVALID;
        } else if (u->n_patterns == 0) {
            ddbgen_diag_add(I->diags, DDBGEN_SEV_ERROR, u->t->path,
                            "give one of its entities an access pattern with x-ddbkit.rps, or "
                            "use --billing on-demand",
                            "--billing provisioned derives capacity from the access patterns' "
                            "x-ddbkit.rps, and table %s has no access pattern",
                            u->name);
            rc = DDBGEN_ERR_INVALID;
        }
    }
    return rc;
}

/* ---- YAML ------------------------------------------------------------------------------------ */

static void yaml_scalar(ddbgen_buf *b, const json_t *v)
{
    if (!v) {
        ddbgen_buf_puts(b, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        /* a JSON string is a YAML double-quoted scalar: no type guessing, no special chars */
        ddbgen_buf_put_json_string(b, json_string_value(v));
        break;
    case JSON_INTEGER:
        ddbgen_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        ddbgen_buf_printf(b, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE:
        ddbgen_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        ddbgen_buf_puts(b, "false");
        break;
    case JSON_OBJECT:
        ddbgen_buf_puts(b, "{}");
        break;
    case JSON_ARRAY:
        ddbgen_buf_puts(b, "[]");
        break;
    default:
        ddbgen_buf_puts(b, "null");
        break;
    }
}

static bool yaml_plain_key(const char *k)
{
    if (!*k)
        return false;
    for (const char *s = k; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (*s == ':' && s[1] == ':') || (*s == ':' && s > k && s[-1] == ':')))
            return false;
    return true;
}

static bool yaml_block(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v)) || (json_is_array(v) && json_array_size(v));
}

static void yaml_value(ddbgen_buf *b, const json_t *v, int indent, bool in_seq);

/* The members of an object; the first one's line is already indented when in_seq. */
static void yaml_object(ddbgen_buf *b, const json_t *o, int indent, bool in_seq)
{
    bool first = true;
    for (void *it = json_object_iter((json_t *)o); it;
         it = json_object_iter_next((json_t *)o, it)) {
        const char *k = json_object_iter_key(it);
        const json_t *v = json_object_iter_value(it);
        if (!(first && in_seq))
            ddbgen_buf_printf(b, "%*s", indent, "");
        first = false;
        if (yaml_plain_key(k))
            ddbgen_buf_puts(b, k);
        else
            ddbgen_buf_put_json_string(b, k);
        ddbgen_buf_putc(b, ':');
        if (yaml_block(v)) {
            ddbgen_buf_putc(b, '\n');
            yaml_value(b, v, json_is_array(v) ? indent : indent + 2, false);
        } else {
            ddbgen_buf_putc(b, ' ');
            yaml_scalar(b, v);
            ddbgen_buf_putc(b, '\n');
        }
    }
}

static void yaml_value(ddbgen_buf *b, const json_t *v, int indent, bool in_seq)
{
    if (json_is_object(v) && json_object_size(v)) {
        yaml_object(b, v, indent, in_seq);
    } else if (json_is_array(v) && json_array_size(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *e = json_array_get(v, i);
            ddbgen_buf_printf(b, "%*s- ", indent, "");
            if (json_is_object(e) && json_object_size(e)) {
                yaml_object(b, e, indent + 2, true);
            } else if (json_is_array(e) && json_array_size(e)) {
                ddbgen_buf_putc(b, '\n');
                yaml_value(b, e, indent + 2, false);
            } else {
                yaml_scalar(b, e);
                ddbgen_buf_putc(b, '\n');
            }
        }
    } else {
        ddbgen_buf_printf(b, "%*s", indent, "");
        yaml_scalar(b, v);
        ddbgen_buf_putc(b, '\n');
    }
}

/* ---- entry points ---------------------------------------------------------------------------- */

int ddbgen_infra_template(ddbgen_buf *out, const ddbgen_model *m, const ddbgen_infra_options *o,
                          ddbgen_diags *diags)
{
    infra I = {m, o, diags, 0, NULL, NULL, NULL, 0};
    json_t *root = json_object();
    ddbgen_buf text = DDBGEN_BUF_INIT;
    size_t n_res;
    if (!m || !o || !out || !diags)
        return DDBGEN_ERR_ARG;
    I.used_ids = json_object();
    if (!root || !I.used_ids)
        nomem(&I);
    if (I.status == 0)
        analyse(&I);
    if (I.status == 0 && o->provisioned)
        I.status = check_provisioned(&I);
    if (I.status == 0)
        build(&I, root);
    n_res = json_object_size(json_object_get(root, "Resources"));
    if (I.status == 0 && n_res > MAX_RESOURCES) {
        ddbgen_diag_add(diags, DDBGEN_SEV_ERROR, "$",
                        "split the model's tables over several templates",
                        "the template would have %zu resources; CloudFormation allows %d", n_res,
                        MAX_RESOURCES);
        I.status = DDBGEN_ERR_INVALID;
    }
    if (I.status == 0) {
        if (o->format == DDBGEN_INFRA_YAML) {
            yaml_value(&text, root, 0, false);
        } else {
            char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (s) {
                ddbgen_buf_puts(&text, s);
                ddbgen_buf_putc(&text, '\n');
            } else {
                nomem(&I);
            }
            free(s);
        }
        if (I.status == 0 && !ddbgen_buf_str(&text))
            nomem(&I);
    }
    if (I.status == 0) {
        ddbgen_buf_free(out);
        *out = text;
    } else {
        ddbgen_buf_free(&text);
    }
    for (size_t i = 0; i < I.n_usage; i++) {
        free(I.u[i].gsi_actions);
        free(I.u[i].gsi_read_units);
    }
    free(I.u);
    json_decref(root);
    json_decref(I.used_ids);
    return I.status;
}

int ddbgen_infra_files(const char *model_path, const char *out_dir, const ddbgen_infra_options *o,
                       ddbgen_diags *diags, char **written)
{
    ddbgen_model *m = NULL;
    ddbgen_buf text = DDBGEN_BUF_INIT;
    char *name = NULL;
    int rc;
    if (!model_path || !out_dir || !o || !diags)
        return DDBGEN_ERR_ARG;
    rc = ddbgen_model_load_file(&m, model_path, diags);
    if (rc == 0)
        rc = ddbgen_model_validate(m, diags);
    if (rc == DDBGEN_ERR_JSON)
        rc = DDBGEN_ERR_INVALID;
    if (rc == 0 && (diags->n_errors || diags->dropped || diags->nomem))
        rc = DDBGEN_ERR_INVALID;
    if (rc == 0)
        rc = ddbgen_infra_template(&text, m, o, diags);
    if (rc == 0) {
        name = emit_join2(m->ns, ".template.", o->format == DDBGEN_INFRA_YAML ? "yaml" : "json");
        rc = name ? emit_make_output_dir(out_dir, diags) : DDBGEN_ERR_NOMEM;
    }
    if (rc == 0)
        rc = emit_write_file(out_dir, name, &text, diags);
    if (rc == 0 && written)
        *written = emit_join2(out_dir, "/", name);
    ddbgen_diags_sort(diags);
    free(name);
    ddbgen_buf_free(&text);
    ddbgen_model_free(m);
    return rc;
}
