/*
 * The generated request encoders and response decoders (src/api/api.c), through the internal
 * entry points of api_codec.h: exact JSON for fully populated inputs, required members and invalid
 * inputs named by path, realistic responses decoded field by field, wrong types named by path.
 * Run under valgrind or ASan, every case is also a leak check.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_codec.h"
#include "ddb/api/api.h"
#include "ddb/core/value.h"
#include "test.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* JSON literals are written with single quotes for readability; none of them contains one. */
static json_t *parse(const char *text)
{
    char *dq = strdup(text);
    json_error_t je;
    json_t *j;

    if (!dq)
        return NULL;
    for (char *p = dq; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(dq, 0, &je);
    if (!j)
        fprintf(stderr, "test JSON does not parse: %s at column %d: %s\n", je.text, je.column, dq);
    free(dq);
    return j;
}

/* An item (a map value) from its wire form, single-quoted. The caller frees it. */
static ddb_value *item(const char *text)
{
    json_t *j = parse(text);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;

    if (s && ddb_item_from_json(&v, s, strlen(s), &err) != 0)
        fprintf(stderr, "item %s: %s\n", s, err.message);
    ddb_error_clear(&err);
    free(s);
    json_decref(j);
    return v;
}

static ddb_value *str_value(const char *s)
{
    ddb_value *v = NULL;
    ddb_value_new_s(&v, s, NULL);
    return v;
}

static ddb_value *num_value(const char *n)
{
    ddb_value *v = NULL;
    ddb_value_new_n(&v, n, NULL);
    return v;
}

static void dump_pair(const char *what, const json_t *got, const json_t *want)
{
    char *g = got ? json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    char *w = want ? json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    fprintf(stderr, "%s:\n  got:  %s\n  want: %s\n", what, g ? g : "(none)", w ? w : "(none)");
    free(g);
    free(w);
}

/* Encode and compare with the expected JSON (single-quoted). */
static bool encodes_to(const char *op, const void *in, const char *expected)
{
    json_t *got = NULL, *want = parse(expected);
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_api__encode(op, in, &got, &err);
    bool ok = rc == 0 && want && json_equal(got, want);

    if (rc != 0)
        fprintf(stderr, "encode %s failed: %s: %s\n", op, ddb_error_code_name(rc), err.message);
    else if (!ok)
        dump_pair(op, got, want);
    json_decref(got);
    json_decref(want);
    ddb_error_clear(&err);
    return ok;
}

/* Encoding fails with `code`, a message containing `fragment`, and leaves *out untouched. */
static bool encode_fails(const char *op, const void *in, int code, const char *fragment)
{
    static json_t sentinel_storage;
    json_t *out = &sentinel_storage;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_api__encode(op, in, &out, &err);
    bool ok =
        rc == code && err.code == code && strstr(err.message, fragment) && out == &sentinel_storage;

    if (!ok)
        fprintf(stderr, "encode %s: rc %s, message \"%s\"; expected %s with \"%s\"\n", op,
                ddb_error_code_name(rc), err.message, ddb_error_code_name(code), fragment);
    if (rc == 0 && out != &sentinel_storage)
        json_decref(out);
    ddb_error_clear(&err);
    return ok;
}

/* Decode a (single-quoted) response; NULL on failure, which is reported. */
static void *decode(const char *op, const char *response)
{
    json_t *j = parse(response);
    void *out = NULL;
    ddb_error err = DDB_ERROR_INIT;

    if (j && ddb_api__decode(op, j, &out, &err) != 0)
        fprintf(stderr, "decode %s failed: %s\n", op, err.message);
    json_decref(j);
    ddb_error_clear(&err);
    return out;
}

static bool decode_fails(const char *op, const char *response, int code, const char *fragment)
{
    static int sentinel;
    json_t *j = parse(response);
    void *out = &sentinel;
    ddb_error err = DDB_ERROR_INIT;
    int rc = j ? ddb_api__decode(op, j, &out, &err) : -999;
    bool ok = rc == code && strstr(err.message, fragment) && out == &sentinel;

    if (!ok)
        fprintf(stderr, "decode %s: rc %s, message \"%s\"; expected %s with \"%s\"\n", op,
                ddb_error_code_name(rc), err.message, ddb_error_code_name(code), fragment);
    json_decref(j);
    ddb_error_clear(&err);
    return ok;
}

/* The wire form of a value, for comparing decoded items (single-quoted expected form). */
static bool item_is(const ddb_value *v, const char *expected)
{
    char *s = NULL;
    json_t *got, *want = parse(expected);
    bool ok;

    if (!v || ddb_item_to_json(&s, v, NULL) != 0) {
        json_decref(want);
        fprintf(stderr, "item_is: no item\n");
        return false;
    }
    got = json_loads(s, 0, NULL);
    ok = got && want && json_equal(got, want);
    if (!ok)
        dump_pair("item", got, want);
    json_decref(got);
    json_decref(want);
    free(s);
    return ok;
}

/* ---- encoding ------------------------------------------------------------------------------ */

TEST(encode_put_item_all_members)
{
    ddb_value *it = item("{'pk':{'S':'USER#1'},'n':{'N':'42'},'tags':{'SS':['a','b']},"
                         "'m':{'M':{'x':{'BOOL':true},'z':{'NULL':true}}},'l':{'L':[{'S':'q'}]}}");
    ddb_value *vals = item("{':v':{'N':'1'},':s':{'S':'new'}}");
    ddb_value *old = str_value("old");
    ddb_value *range[] = {num_value("1"), num_value("9")};
    const ddb_value *range_in[] = {range[0], range[1]}; /* the request's read-only view */
    ddb_expected_attribute_map_entry expected[] = {
        {.key = "state", .value = {.value = old, .has_exists = true, .exists = true}},
        {.key = "n",
         .value = {.comparison_operator = DDB_COMPARISON_OPERATOR_BETWEEN,
                   .n_attribute_value_list = 2,
                   .attribute_value_list = range_in}},
    };
    ddb_string_map_entry names[] = {{"#s", "state"}, {"#n", "n"}};
    ddb_put_item_input in = {
        .table_name = "Users",
        .item = it,
        .n_expected = 2,
        .expected = expected,
        .return_values = DDB_RETURN_VALUE_ALL_OLD,
        .return_consumed_capacity = DDB_RETURN_CONSUMED_CAPACITY_TOTAL,
        .return_item_collection_metrics = DDB_RETURN_ITEM_COLLECTION_METRICS_SIZE,
        .conditional_operator = DDB_CONDITIONAL_OPERATOR_AND,
        .condition_expression = "attribute_not_exists(pk) OR #n < :v",
        .n_expression_attribute_names = 2,
        .expression_attribute_names = names,
        .expression_attribute_values = vals,
        .return_values_on_condition_check_failure =
            DDB_RETURN_VALUES_ON_CONDITION_CHECK_FAILURE_ALL_OLD,
    };
    REQUIRE(it && vals && old && range[0] && range[1]);

    CHECK(encodes_to("PutItem", &in,
                     "{'TableName':'Users',"
                     " 'Item':{'pk':{'S':'USER#1'},'n':{'N':'42'},'tags':{'SS':['a','b']},"
                     "         'm':{'M':{'x':{'BOOL':true},'z':{'NULL':true}}},"
                     "         'l':{'L':[{'S':'q'}]}},"
                     " 'Expected':{'state':{'Value':{'S':'old'},'Exists':true},"
                     "             'n':{'ComparisonOperator':'BETWEEN',"
                     "                  'AttributeValueList':[{'N':'1'},{'N':'9'}]}},"
                     " 'ReturnValues':'ALL_OLD','ReturnConsumedCapacity':'TOTAL',"
                     " 'ReturnItemCollectionMetrics':'SIZE','ConditionalOperator':'AND',"
                     " 'ConditionExpression':'attribute_not_exists(pk) OR #n < :v',"
                     " 'ExpressionAttributeNames':{'#s':'state','#n':'n'},"
                     " 'ExpressionAttributeValues':{':v':{'N':'1'},':s':{'S':'new'}},"
                     " 'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}"));

    ddb_value_free(it);
    ddb_value_free(vals);
    ddb_value_free(old);
    ddb_value_free(range[0]);
    ddb_value_free(range[1]);
}

TEST(encode_query_all_members)
{
    ddb_value *start = item("{'pk':{'S':'C#1'},'sk':{'S':'O#0007'}}");
    ddb_value *vals = item("{':pk':{'S':'C#1'},':sk':{'S':'O#'},':t':{'N':'100'}}");
    ddb_value *eq[] = {str_value("C#1")};
    ddb_value *gt[] = {num_value("5")};
    const ddb_value *eq_in[] = {eq[0]}, *gt_in[] = {gt[0]};
    const char *attrs[] = {"pk", "sk", "total"};
    ddb_key_conditions_entry key_conditions[] = {
        {.key = "pk",
         .value = {.comparison_operator = DDB_COMPARISON_OPERATOR_EQ,
                   .n_attribute_value_list = 1,
                   .attribute_value_list = eq_in}},
    };
    ddb_filter_condition_map_entry filter[] = {
        {.key = "total",
         .value = {.comparison_operator = DDB_COMPARISON_OPERATOR_GT,
                   .n_attribute_value_list = 1,
                   .attribute_value_list = gt_in}},
        {.key = "gone", .value = {.comparison_operator = DDB_COMPARISON_OPERATOR_NULL}},
    };
    ddb_string_map_entry names[] = {{"#t", "total"}};
    ddb_query_input in = {
        .table_name = "Orders",
        .index_name = "gsi1",
        .select = DDB_SELECT_SPECIFIC_ATTRIBUTES,
        .n_attributes_to_get = 3,
        .attributes_to_get = attrs,
        .has_limit = true,
        .limit = 25,
        .has_consistent_read = true,
        .consistent_read = false,
        .n_key_conditions = 1,
        .key_conditions = key_conditions,
        .n_query_filter = 2,
        .query_filter = filter,
        .conditional_operator = DDB_CONDITIONAL_OPERATOR_OR,
        .has_scan_index_forward = true,
        .scan_index_forward = false,
        .exclusive_start_key = start,
        .return_consumed_capacity = DDB_RETURN_CONSUMED_CAPACITY_INDEXES,
        .projection_expression = "pk, sk, #t",
        .filter_expression = "#t > :t",
        .key_condition_expression = "pk = :pk AND begins_with(sk, :sk)",
        .n_expression_attribute_names = 1,
        .expression_attribute_names = names,
        .expression_attribute_values = vals,
    };
    REQUIRE(start && vals && eq[0] && gt[0]);

    /* Booleans that are set are sent even when false; has_x is what counts. */
    CHECK(encodes_to("Query", &in,
                     "{'TableName':'Orders','IndexName':'gsi1','Select':'SPECIFIC_ATTRIBUTES',"
                     " 'AttributesToGet':['pk','sk','total'],'Limit':25,'ConsistentRead':false,"
                     " 'KeyConditions':{'pk':{'ComparisonOperator':'EQ',"
                     "                        'AttributeValueList':[{'S':'C#1'}]}},"
                     " 'QueryFilter':{'total':{'ComparisonOperator':'GT',"
                     "                         'AttributeValueList':[{'N':'5'}]},"
                     "                'gone':{'ComparisonOperator':'NULL'}},"
                     " 'ConditionalOperator':'OR','ScanIndexForward':false,"
                     " 'ExclusiveStartKey':{'pk':{'S':'C#1'},'sk':{'S':'O#0007'}},"
                     " 'ReturnConsumedCapacity':'INDEXES','ProjectionExpression':'pk, sk, #t',"
                     " 'FilterExpression':'#t > :t',"
                     " 'KeyConditionExpression':'pk = :pk AND begins_with(sk, :sk)',"
                     " 'ExpressionAttributeNames':{'#t':'total'},"
                     " 'ExpressionAttributeValues':{':pk':{'S':'C#1'},':sk':{'S':'O#'},"
                     "                              ':t':{'N':'100'}}}"));

    ddb_value_free(start);
    ddb_value_free(vals);
    ddb_value_free(eq[0]);
    ddb_value_free(gt[0]);
}

TEST(encode_create_table_all_members)
{
    ddb_attribute_definition defs[] = {
        {.attribute_name = "pk", .attribute_type = DDB_SCALAR_ATTRIBUTE_TYPE_S},
        {.attribute_name = "sk", .attribute_type = DDB_SCALAR_ATTRIBUTE_TYPE_S},
        {.attribute_name = "gsi1pk", .attribute_type = DDB_SCALAR_ATTRIBUTE_TYPE_N},
        {.attribute_name = "lsi1sk", .attribute_type = DDB_SCALAR_ATTRIBUTE_TYPE_B},
    };
    ddb_key_schema_element table_key[] = {
        {.attribute_name = "pk", .key_type = DDB_KEY_TYPE_HASH},
        {.attribute_name = "sk", .key_type = DDB_KEY_TYPE_RANGE},
    };
    ddb_key_schema_element lsi_key[] = {
        {.attribute_name = "pk", .key_type = DDB_KEY_TYPE_HASH},
        {.attribute_name = "lsi1sk", .key_type = DDB_KEY_TYPE_RANGE},
    };
    ddb_key_schema_element gsi_key[] = {
        {.attribute_name = "gsi1pk", .key_type = DDB_KEY_TYPE_HASH},
    };
    const char *included[] = {"total", "status"};
    ddb_projection include = {.projection_type = DDB_PROJECTION_TYPE_INCLUDE,
                              .n_non_key_attributes = 2,
                              .non_key_attributes = included};
    ddb_projection keys_only = {.projection_type = DDB_PROJECTION_TYPE_KEYS_ONLY};
    ddb_projection all = {.projection_type = DDB_PROJECTION_TYPE_ALL};
    ddb_local_secondary_index lsis[] = {
        {.index_name = "lsi1", .n_key_schema = 2, .key_schema = lsi_key, .projection = &include},
    };
    ddb_provisioned_throughput gsi_pt = {.has_read_capacity_units = true,
                                         .read_capacity_units = 3,
                                         .has_write_capacity_units = true,
                                         .write_capacity_units = 4};
    ddb_on_demand_throughput gsi_od = {.has_max_read_request_units = true,
                                       .max_read_request_units = 100};
    ddb_warm_throughput gsi_warm = {.has_read_units_per_second = true,
                                    .read_units_per_second = 12000,
                                    .has_write_units_per_second = true,
                                    .write_units_per_second = 4000};
    ddb_global_secondary_index gsis[] = {
        {.index_name = "gsi1",
         .n_key_schema = 1,
         .key_schema = gsi_key,
         .projection = &keys_only,
         .provisioned_throughput = &gsi_pt,
         .on_demand_throughput = &gsi_od,
         .warm_throughput = &gsi_warm},
        {.index_name = "gsi2", .n_key_schema = 1, .key_schema = gsi_key, .projection = &all},
    };
    ddb_provisioned_throughput pt = {.has_read_capacity_units = true,
                                     .read_capacity_units = 5,
                                     .has_write_capacity_units = true,
                                     .write_capacity_units = 6};
    ddb_stream_specification stream = {.has_stream_enabled = true,
                                       .stream_enabled = true,
                                       .stream_view_type = DDB_STREAM_VIEW_TYPE_NEW_AND_OLD_IMAGES};
    ddb_sse_specification sse = {.has_enabled = true,
                                 .enabled = true,
                                 .sse_type = DDB_SSE_TYPE_KMS,
                                 .kms_master_key_id = "alias/orders"};
    ddb_tag tags[] = {{.key = "team", .value = "shop"}, {.key = "env", .value = "test"}};
    ddb_create_table_input in = {
        .n_attribute_definitions = 4,
        .attribute_definitions = defs,
        .table_name = "Orders",
        .n_key_schema = 2,
        .key_schema = table_key,
        .n_local_secondary_indexes = 1,
        .local_secondary_indexes = lsis,
        .n_global_secondary_indexes = 2,
        .global_secondary_indexes = gsis,
        .billing_mode = DDB_BILLING_MODE_PROVISIONED,
        .provisioned_throughput = &pt,
        .stream_specification = &stream,
        .sse_specification = &sse,
        .n_tags = 2,
        .tags = tags,
        .table_class = DDB_TABLE_CLASS_STANDARD_INFREQUENT_ACCESS,
        .has_deletion_protection_enabled = true,
        .deletion_protection_enabled = true,
        .resource_policy = "{}",
    };

    CHECK(encodes_to("CreateTable", &in,
                     "{'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
                     "                         {'AttributeName':'sk','AttributeType':'S'},"
                     "                         {'AttributeName':'gsi1pk','AttributeType':'N'},"
                     "                         {'AttributeName':'lsi1sk','AttributeType':'B'}],"
                     " 'TableName':'Orders',"
                     " 'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
                     "              {'AttributeName':'sk','KeyType':'RANGE'}],"
                     " 'LocalSecondaryIndexes':[{'IndexName':'lsi1',"
                     "   'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
                     "                {'AttributeName':'lsi1sk','KeyType':'RANGE'}],"
                     "   'Projection':{'ProjectionType':'INCLUDE',"
                     "                 'NonKeyAttributes':['total','status']}}],"
                     " 'GlobalSecondaryIndexes':["
                     "   {'IndexName':'gsi1',"
                     "    'KeySchema':[{'AttributeName':'gsi1pk','KeyType':'HASH'}],"
                     "    'Projection':{'ProjectionType':'KEYS_ONLY'},"
                     "    'ProvisionedThroughput':{'ReadCapacityUnits':3,'WriteCapacityUnits':4},"
                     "    'OnDemandThroughput':{'MaxReadRequestUnits':100},"
                     "    'WarmThroughput':{'ReadUnitsPerSecond':12000,"
                     "                      'WriteUnitsPerSecond':4000}},"
                     "   {'IndexName':'gsi2',"
                     "    'KeySchema':[{'AttributeName':'gsi1pk','KeyType':'HASH'}],"
                     "    'Projection':{'ProjectionType':'ALL'}}],"
                     " 'BillingMode':'PROVISIONED',"
                     " 'ProvisionedThroughput':{'ReadCapacityUnits':5,'WriteCapacityUnits':6},"
                     " 'StreamSpecification':{'StreamEnabled':true,"
                     "                        'StreamViewType':'NEW_AND_OLD_IMAGES'},"
                     " 'SSESpecification':{'Enabled':true,'SSEType':'KMS',"
                     "                     'KMSMasterKeyId':'alias/orders'},"
                     " 'Tags':[{'Key':'team','Value':'shop'},{'Key':'env','Value':'test'}],"
                     " 'TableClass':'STANDARD_INFREQUENT_ACCESS',"
                     " 'DeletionProtectionEnabled':true,'ResourcePolicy':'{}'}"));
}

TEST(encode_transact_write_items_all_actions)
{
    ddb_value *key = item("{'pk':{'S':'A'}}");
    ddb_value *put_item = item("{'pk':{'S':'B'},'v':{'N':'1'}}");
    ddb_value *vals = item("{':one':{'N':'1'}}");
    ddb_string_map_entry names[] = {{"#v", "v"}};
    ddb_condition_check check = {.key = key,
                                 .table_name = "T1",
                                 .condition_expression = "attribute_exists(pk)",
                                 .return_values_on_condition_check_failure =
                                     DDB_RETURN_VALUES_ON_CONDITION_CHECK_FAILURE_ALL_OLD};
    ddb_put put = {
        .item = put_item, .table_name = "T2", .condition_expression = "attribute_not_exists(pk)"};
    ddb_delete del = {.key = key, .table_name = "T3"};
    ddb_update update = {.key = key,
                         .update_expression = "SET #v = #v + :one",
                         .table_name = "T4",
                         .n_expression_attribute_names = 1,
                         .expression_attribute_names = names,
                         .expression_attribute_values = vals};
    ddb_transact_write_item items[] = {
        {.condition_check = &check}, {.put = &put}, {.delete_ = &del}, {.update = &update}};
    ddb_transact_write_items_input in = {
        .n_transact_items = 4,
        .transact_items = items,
        .return_consumed_capacity = DDB_RETURN_CONSUMED_CAPACITY_TOTAL,
        .return_item_collection_metrics = DDB_RETURN_ITEM_COLLECTION_METRICS_NONE,
        .client_request_token = "token-1",
    };
    REQUIRE(key && put_item && vals);

    CHECK(encodes_to("TransactWriteItems", &in,
                     "{'TransactItems':["
                     "  {'ConditionCheck':{'Key':{'pk':{'S':'A'}},'TableName':'T1',"
                     "     'ConditionExpression':'attribute_exists(pk)',"
                     "     'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}},"
                     "  {'Put':{'Item':{'pk':{'S':'B'},'v':{'N':'1'}},'TableName':'T2',"
                     "     'ConditionExpression':'attribute_not_exists(pk)'}},"
                     "  {'Delete':{'Key':{'pk':{'S':'A'}},'TableName':'T3'}},"
                     "  {'Update':{'Key':{'pk':{'S':'A'}},'UpdateExpression':'SET #v = #v + :one',"
                     "     'TableName':'T4','ExpressionAttributeNames':{'#v':'v'},"
                     "     'ExpressionAttributeValues':{':one':{'N':'1'}}}}],"
                     " 'ReturnConsumedCapacity':'TOTAL','ReturnItemCollectionMetrics':'NONE',"
                     " 'ClientRequestToken':'token-1'}"));

    ddb_value_free(key);
    ddb_value_free(put_item);
    ddb_value_free(vals);
}

TEST(encode_idempotency_token_generated_when_unset)
{
    ddb_value *key = item("{'pk':{'S':'A'}}");
    ddb_delete del = {.key = key, .table_name = "T"};
    ddb_transact_write_item items[] = {{.delete_ = &del}};
    ddb_transact_write_items_input in = {.n_transact_items = 1, .transact_items = items};
    json_t *a = NULL, *b = NULL;
    const char *ta, *tb;
    REQUIRE(key);

    REQUIRE(ddb_api__encode("TransactWriteItems", &in, &a, NULL) == 0);
    REQUIRE(ddb_api__encode("TransactWriteItems", &in, &b, NULL) == 0);
    ta = json_string_value(json_object_get(a, "ClientRequestToken"));
    tb = json_string_value(json_object_get(b, "ClientRequestToken"));
    CHECK(ta && strlen(ta) == 36 && ta[8] == '-' && ta[14] == '4' && ta[23] == '-');
    CHECK(ta && strchr("89ab", ta[19]) != NULL);
    CHECK(ta && tb && strcmp(ta, tb) != 0); /* a new token per call */
    json_decref(a);
    json_decref(b);
    ddb_value_free(key);
}

TEST(encode_omits_unset_members)
{
    ddb_value *key = item("{'pk':{'S':'k'}}");
    ddb_get_item_input in = {.table_name = "T", .key = key, .consistent_read = true};
    REQUIRE(key);

    /* consistent_read without has_consistent_read is not sent; nor are empty lists. */
    CHECK(encodes_to("GetItem", &in, "{'TableName':'T','Key':{'pk':{'S':'k'}}}"));
    ddb_value_free(key);
}

TEST(encode_list_tables_null_input_is_empty)
{
    ddb_list_tables_input in = {.exclusive_start_table_name = "B", .has_limit = true, .limit = 3};

    CHECK(encodes_to("ListTables", NULL, "{}"));
    CHECK(encodes_to("ListTables", &in, "{'ExclusiveStartTableName':'B','Limit':3}"));
}

TEST(encode_batch_write_item)
{
    ddb_value *a = item("{'pk':{'S':'a'}}");
    ddb_value *b = item("{'pk':{'S':'b'},'x':{'BS':['AAE=']}}");
    ddb_write_request orders[] = {
        {.put_request = &(ddb_put_request){.item = b}},
        {.delete_request = &(ddb_delete_request){.key = a}},
    };
    ddb_write_request users[] = {{.delete_request = &(ddb_delete_request){.key = a}}};
    ddb_batch_write_item_request_map_entry req[] = {
        {.key = "Orders", .n_value = 2, .value = orders},
        {.key = "Users", .n_value = 1, .value = users},
    };
    ddb_batch_write_item_input in = {.n_request_items = 2, .request_items = req};
    REQUIRE(a && b);

    CHECK(encodes_to("BatchWriteItem", &in,
                     "{'RequestItems':{"
                     "  'Orders':[{'PutRequest':{'Item':{'pk':{'S':'b'},'x':{'BS':['AAE=']}}}},"
                     "            {'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}],"
                     "  'Users':[{'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}]}}"));
    ddb_value_free(a);
    ddb_value_free(b);
}

TEST(encode_missing_required_names_path)
{
    ddb_value *key = item("{'pk':{'S':'A'}}");
    ddb_value *it = item("{'pk':{'S':'B'}}");
    ddb_put_item_input put = {.table_name = "T"};
    ddb_put good_put = {.item = it, .table_name = "T"};
    ddb_put bad_put = {.item = it};
    ddb_transact_write_item items[] = {
        {.put = &good_put}, {.put = &good_put}, {.put = &good_put}, {.put = &bad_put}};
    ddb_transact_write_items_input tx = {
        .n_transact_items = 4, .transact_items = items, .client_request_token = "t"};
    ddb_write_request writes[] = {{.put_request = &(ddb_put_request){.item = it}},
                                  {.put_request = &(ddb_put_request){.item = NULL}}};
    ddb_batch_write_item_request_map_entry req[] = {
        {.key = "orders", .n_value = 2, .value = writes}};
    ddb_batch_write_item_input batch = {.n_request_items = 1, .request_items = req};
    ddb_provisioned_throughput pt = {
        .has_read_capacity_units = true, .read_capacity_units = 1, .write_capacity_units = 1};
    ddb_create_table_input create = {.table_name = "T", .provisioned_throughput = &pt};
    ddb_update_time_to_live_input ttl = {.table_name = "T"};
    ddb_transact_write_items_input empty = {0};
    REQUIRE(key && it);

    CHECK(encode_fails("PutItem", &put, DDB_ERR_INVALID_ARG, "PutItemInput.Item is required"));
    CHECK(encode_fails("TransactWriteItems", &tx, DDB_ERR_INVALID_ARG,
                       "TransactWriteItemsInput.TransactItems[3].Put.TableName is required"));
    CHECK(encode_fails("BatchWriteItem", &batch, DDB_ERR_INVALID_ARG,
                       "BatchWriteItemInput.RequestItems[\"orders\"][1].PutRequest.Item is "
                       "required"));
    /* A required scalar counts as set only with its has_ flag. */
    CHECK(encode_fails("CreateTable", &create, DDB_ERR_INVALID_ARG,
                       "CreateTableInput.ProvisionedThroughput.WriteCapacityUnits is required"));
    CHECK(encode_fails("UpdateTimeToLive", &ttl, DDB_ERR_INVALID_ARG,
                       "UpdateTimeToLiveInput.TimeToLiveSpecification is required"));
    CHECK(encode_fails("TransactWriteItems", &empty, DDB_ERR_INVALID_ARG,
                       "TransactWriteItemsInput.TransactItems is required"));
    CHECK(encode_fails("GetItem", NULL, DDB_ERR_INVALID_ARG, "GetItemInput is required"));
    ddb_value_free(key);
    ddb_value_free(it);
}

TEST(encode_invalid_inputs_name_path)
{
    ddb_value *s = str_value("not a map");
    ddb_value *key = item("{'pk':{'S':'A'}}");
    const char *attrs[] = {"a", NULL};
    ddb_get_item_input not_map = {.table_name = "T", .key = s};
    ddb_get_item_input null_elem = {
        .table_name = "T", .key = key, .n_attributes_to_get = 2, .attributes_to_get = attrs};
    ddb_get_item_input null_array = {.table_name = "T", .key = key, .n_attributes_to_get = 2};
    ddb_get_item_input bad_utf8 = {.table_name = "T\xc3(", .key = key};
    ddb_string_map_entry dup[] = {{"#a", "a"}, {"#a", "b"}};
    ddb_get_item_input dup_names = {.table_name = "T",
                                    .key = key,
                                    .n_expression_attribute_names = 2,
                                    .expression_attribute_names = dup};
    ddb_string_map_entry null_value[] = {{"#a", NULL}};
    ddb_get_item_input null_name = {.table_name = "T",
                                    .key = key,
                                    .n_expression_attribute_names = 1,
                                    .expression_attribute_names = null_value};
    REQUIRE(s && key);

    CHECK(encode_fails("GetItem", &not_map, DDB_ERR_INVALID_ARG,
                       "GetItemInput.Key: expected a map (M) value, not S"));
    CHECK(encode_fails("GetItem", &null_elem, DDB_ERR_INVALID_ARG,
                       "GetItemInput.AttributesToGet[1] is NULL"));
    CHECK(encode_fails("GetItem", &null_array, DDB_ERR_INVALID_ARG,
                       "GetItemInput.AttributesToGet: 2 elements but the array is NULL"));
    CHECK(encode_fails("GetItem", &bad_utf8, DDB_ERR_INVALID_ARG,
                       "GetItemInput.TableName: not valid UTF-8"));
    CHECK(encode_fails("GetItem", &dup_names, DDB_ERR_INVALID_ARG,
                       "GetItemInput.ExpressionAttributeNames: duplicate key \"#a\""));
    CHECK(encode_fails("GetItem", &null_name, DDB_ERR_INVALID_ARG,
                       "GetItemInput.ExpressionAttributeNames[\"#a\"] is NULL"));
    CHECK(encode_fails("NoSuchOperation", &not_map, DDB_ERR_INVALID_ARG,
                       "unknown operation \"NoSuchOperation\""));
    ddb_value_free(s);
    ddb_value_free(key);
}

/* ---- decoding ------------------------------------------------------------------------------ */

static const char *const describe_table_response =
    "{'Table':{"
    " 'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
    "                         {'AttributeName':'gsi1pk','AttributeType':'S'}],"
    " 'TableName':'Orders',"
    " 'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
    "              {'AttributeName':'sk','KeyType':'RANGE'}],"
    " 'TableStatus':'ACTIVE','CreationDateTime':1716200000.125,"
    " 'ProvisionedThroughput':{'LastIncreaseDateTime':0,'LastDecreaseDateTime':1716200100.5,"
    "   'NumberOfDecreasesToday':0,'ReadCapacityUnits':5,'WriteCapacityUnits':6},"
    " 'TableSizeBytes':123456,'ItemCount':9007199254740993,"
    " 'TableArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Orders',"
    " 'TableId':'4b1e0a4c-0000-4000-8000-000000000000',"
    " 'BillingModeSummary':{'BillingMode':'PROVISIONED',"
    "   'LastUpdateToPayPerRequestDateTime':1716200000},"
    " 'LocalSecondaryIndexes':[{'IndexName':'lsi1',"
    "   'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
    "                {'AttributeName':'d','KeyType':'RANGE'}],"
    "   'Projection':{'ProjectionType':'KEYS_ONLY'},'IndexSizeBytes':0,'ItemCount':0,"
    "   'IndexArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/index/lsi1'}],"
    " 'GlobalSecondaryIndexes':["
    "   {'IndexName':'gsi1','KeySchema':[{'AttributeName':'gsi1pk','KeyType':'HASH'}],"
    "    'Projection':{'ProjectionType':'INCLUDE','NonKeyAttributes':['total','status']},"
    "    'IndexStatus':'ACTIVE','Backfilling':false,"
    "    'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':2},"
    "    'IndexSizeBytes':10,'ItemCount':3,"
    "    'IndexArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/index/gsi1'},"
    "   {'IndexName':'gsi2','KeySchema':[{'AttributeName':'gsi1pk','KeyType':'HASH'}],"
    "    'Projection':{'ProjectionType':'ALL'},'IndexStatus':'CREATING','Backfilling':true,"
    "    'OnDemandThroughput':{'MaxReadRequestUnits':-1,'MaxWriteRequestUnits':-1},"
    "    'WarmThroughput':{'ReadUnitsPerSecond':12000,'WriteUnitsPerSecond':4000,"
    "                      'Status':'UPDATING'}}],"
    " 'StreamSpecification':{'StreamEnabled':true,'StreamViewType':'NEW_AND_OLD_IMAGES'},"
    " 'LatestStreamLabel':'2024-05-20T10:13:20.125',"
    " 'LatestStreamArn':'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/stream/x',"
    " 'SSEDescription':{'Status':'ENABLED','SSEType':'KMS','KMSMasterKeyArn':'arn:aws:kms:k'},"
    " 'TableClassSummary':{'TableClass':'STANDARD'},"
    " 'DeletionProtectionEnabled':false,"
    " 'SomeMemberFromTheFuture':{'x':[1,2,{'y':null}]}}}";

TEST(decode_describe_table)
{
    ddb_describe_table_output *out = decode("DescribeTable", describe_table_response);
    const ddb_table_description *t;
    const ddb_global_secondary_index_description *g;
    REQUIRE(out && out->table);
    t = out->table;

    CHECK_STR(t->table_name, "Orders");
    CHECK_STR(t->table_status, DDB_TABLE_STATUS_ACTIVE);
    CHECK(t->has_creation_date_time && t->creation_date_time == 1716200000.125);
    CHECK(t->has_item_count && t->item_count == INT64_C(9007199254740993));
    CHECK(t->has_table_size_bytes && t->table_size_bytes == 123456);
    CHECK_INT(t->n_attribute_definitions, 2);
    CHECK_STR(t->attribute_definitions[1].attribute_name, "gsi1pk");
    CHECK_INT(t->n_key_schema, 2);
    CHECK_STR(t->key_schema[1].key_type, DDB_KEY_TYPE_RANGE);
    REQUIRE(t->provisioned_throughput);
    CHECK(t->provisioned_throughput->has_last_decrease_date_time &&
          t->provisioned_throughput->last_decrease_date_time == 1716200100.5);
    CHECK(t->provisioned_throughput->has_last_increase_date_time &&
          t->provisioned_throughput->last_increase_date_time == 0);
    CHECK(t->provisioned_throughput->has_number_of_decreases_today);
    CHECK_INT(t->provisioned_throughput->write_capacity_units, 6);
    REQUIRE(t->billing_mode_summary);
    CHECK_STR(t->billing_mode_summary->billing_mode, "PROVISIONED");
    CHECK(t->billing_mode_summary->last_update_to_pay_per_request_date_time == 1716200000.0);

    CHECK_INT(t->n_local_secondary_indexes, 1);
    CHECK_STR(t->local_secondary_indexes[0].index_name, "lsi1");
    CHECK(t->local_secondary_indexes[0].has_item_count);
    CHECK_INT(t->local_secondary_indexes[0].item_count, 0);

    REQUIRE(t->n_global_secondary_indexes == 2);
    g = &t->global_secondary_indexes[0];
    CHECK_STR(g->index_name, "gsi1");
    CHECK_STR(g->index_status, "ACTIVE");
    CHECK(g->has_backfilling && !g->backfilling);
    REQUIRE(g->projection);
    CHECK_STR(g->projection->projection_type, DDB_PROJECTION_TYPE_INCLUDE);
    CHECK_INT(g->projection->n_non_key_attributes, 2);
    CHECK_STR(g->projection->non_key_attributes[1], "status");
    REQUIRE(g->provisioned_throughput);
    CHECK_INT(g->provisioned_throughput->read_capacity_units, 1);
    CHECK(!g->provisioned_throughput->has_number_of_decreases_today);
    CHECK(g->has_item_count && g->item_count == 3);
    CHECK(g->on_demand_throughput == NULL && g->warm_throughput == NULL);
    g = &t->global_secondary_indexes[1];
    CHECK(g->has_backfilling && g->backfilling);
    REQUIRE(g->on_demand_throughput && g->warm_throughput);
    CHECK_INT(g->on_demand_throughput->max_write_request_units, -1);
    CHECK_INT(g->warm_throughput->read_units_per_second, 12000);
    CHECK_STR(g->warm_throughput->status, "UPDATING");
    CHECK(!g->has_item_count && g->provisioned_throughput == NULL);

    REQUIRE(t->stream_specification);
    CHECK(t->stream_specification->has_stream_enabled && t->stream_specification->stream_enabled);
    CHECK_STR(t->latest_stream_label, "2024-05-20T10:13:20.125");
    REQUIRE(t->sse_description);
    CHECK_STR(t->sse_description->sse_type, DDB_SSE_TYPE_KMS);
    CHECK_STR(t->sse_description->kms_master_key_arn, "arn:aws:kms:k");
    REQUIRE(t->table_class_summary);
    CHECK_STR(t->table_class_summary->table_class, "STANDARD");
    CHECK(t->has_deletion_protection_enabled && !t->deletion_protection_enabled);
    CHECK(t->restore_summary == NULL && t->archival_summary == NULL && t->n_replicas == 0);
    ddb_describe_table_output_free(out);
}

TEST(decode_query)
{
    ddb_query_output *out = decode(
        "Query", "{'Items':[{'pk':{'S':'C#1'},'sk':{'S':'O#1'},'total':{'N':'12.50'}},"
                 "          {'pk':{'S':'C#1'},'sk':{'S':'O#2'},'tags':{'SS':['x']}}],"
                 " 'Count':2,'ScannedCount':5,"
                 " 'LastEvaluatedKey':{'pk':{'S':'C#1'},'sk':{'S':'O#2'}},"
                 " 'ConsumedCapacity':{'TableName':'Orders','CapacityUnits':1.5,"
                 "   'Table':{'CapacityUnits':0.5,'ReadCapacityUnits':0.5},"
                 "   'GlobalSecondaryIndexes':{'gsi1':{'CapacityUnits':1,'ReadCapacityUnits':1},"
                 "                             'gsi2':{'CapacityUnits':0}},"
                 "   'LocalSecondaryIndexes':{}}}");
    const ddb_consumed_capacity *cc;
    REQUIRE(out);

    CHECK(out->has_count && out->count == 2);
    CHECK(out->has_scanned_count && out->scanned_count == 5);
    REQUIRE(out->n_items == 2);
    CHECK(item_is(out->items[0], "{'pk':{'S':'C#1'},'sk':{'S':'O#1'},'total':{'N':'12.50'}}"));
    CHECK(item_is(out->items[1], "{'pk':{'S':'C#1'},'sk':{'S':'O#2'},'tags':{'SS':['x']}}"));
    CHECK(item_is(out->last_evaluated_key, "{'pk':{'S':'C#1'},'sk':{'S':'O#2'}}"));
    REQUIRE(out->consumed_capacity);
    cc = out->consumed_capacity;
    CHECK_STR(cc->table_name, "Orders");
    CHECK(cc->has_capacity_units && cc->capacity_units == 1.5);
    CHECK(!cc->has_read_capacity_units);
    REQUIRE(cc->table);
    CHECK(cc->table->has_capacity_units && cc->table->capacity_units == 0.5);
    CHECK(cc->table->has_read_capacity_units && !cc->table->has_write_capacity_units);
    REQUIRE(cc->n_global_secondary_indexes == 2);
    CHECK_STR(cc->global_secondary_indexes[0].key, "gsi1");
    CHECK(cc->global_secondary_indexes[0].value.capacity_units == 1.0);
    CHECK_STR(cc->global_secondary_indexes[1].key, "gsi2");
    CHECK(cc->global_secondary_indexes[1].value.has_capacity_units);
    CHECK(!cc->global_secondary_indexes[1].value.has_read_capacity_units);
    CHECK_INT(cc->n_local_secondary_indexes, 0);
    ddb_query_output_free(out);
}

TEST(decode_batch_get_item_and_resend_unprocessed_keys)
{
    static const char *const unprocessed =
        "{'Orders':{'Keys':[{'pk':{'S':'3'}},{'pk':{'S':'4'}}],"
        "           'ProjectionExpression':'pk, #t','ExpressionAttributeNames':{'#t':'total'},"
        "           'ConsistentRead':true}}";
    char response[1024];
    ddb_batch_get_item_output *out;
    json_t *want, *sent = NULL;
    REQUIRE(snprintf(response, sizeof(response),
                     "{'Responses':{'Orders':[{'pk':{'S':'1'}},{'pk':{'S':'2'}}],'Users':[]},"
                     " 'UnprocessedKeys':%s,"
                     " 'ConsumedCapacity':[{'TableName':'Orders','CapacityUnits':1},"
                     "                     {'TableName':'Users','CapacityUnits':0.5}]}",
                     unprocessed) < (int)sizeof(response));
    out = decode("BatchGetItem", response);
    REQUIRE(out);

    REQUIRE(out->n_responses == 2);
    CHECK_STR(out->responses[0].key, "Orders");
    REQUIRE(out->responses[0].n_value == 2);
    CHECK(item_is(out->responses[0].value[1], "{'pk':{'S':'2'}}"));
    CHECK_STR(out->responses[1].key, "Users");
    CHECK_INT(out->responses[1].n_value, 0);
    REQUIRE(out->n_unprocessed_keys == 1);
    CHECK_STR(out->unprocessed_keys[0].key, "Orders");
    CHECK_INT(out->unprocessed_keys[0].value.n_keys, 2);
    CHECK(out->unprocessed_keys[0].value.has_consistent_read);
    CHECK_INT(out->n_consumed_capacity, 2);
    CHECK(out->consumed_capacity[1].capacity_units == 0.5);

    /* UnprocessedKeys has the type of RequestItems: it can be sent again as is. */
    {
        ddb_batch_get_item_input again = {.n_request_items = out->n_unprocessed_keys,
                                          .request_items = out->unprocessed_keys};
        REQUIRE(ddb_api__encode("BatchGetItem", &again, &sent, NULL) == 0);
        want = parse(unprocessed);
        CHECK(json_equal(json_object_get(sent, "RequestItems"), want));
        json_decref(want);
        json_decref(sent);
    }
    ddb_batch_get_item_output_free(out);
}

TEST(decode_batch_write_item)
{
    ddb_batch_write_item_output *out = decode(
        "BatchWriteItem",
        "{'UnprocessedItems':{'Orders':[{'PutRequest':{'Item':{'pk':{'S':'1'},'n':{'N':'2'}}}},"
        "                               {'DeleteRequest':{'Key':{'pk':{'S':'9'}}}}]},"
        " 'ItemCollectionMetrics':{'Orders':[{'ItemCollectionKey':{'pk':{'S':'1'}},"
        "                                     'SizeEstimateRangeGB':[0.0,1]}]},"
        " 'ConsumedCapacity':[{'TableName':'Orders','CapacityUnits':2,'WriteCapacityUnits':2}]}");
    const ddb_batch_write_item_request_map_entry *u;
    const ddb_item_collection_metrics *m;
    REQUIRE(out);

    REQUIRE(out->n_unprocessed_items == 1);
    u = &out->unprocessed_items[0];
    CHECK_STR(u->key, "Orders");
    REQUIRE(u->n_value == 2);
    REQUIRE(u->value[0].put_request && !u->value[0].delete_request);
    CHECK(item_is(u->value[0].put_request->item, "{'pk':{'S':'1'},'n':{'N':'2'}}"));
    REQUIRE(u->value[1].delete_request && !u->value[1].put_request);
    CHECK(item_is(u->value[1].delete_request->key, "{'pk':{'S':'9'}}"));
    REQUIRE(out->n_item_collection_metrics == 1);
    CHECK_STR(out->item_collection_metrics[0].key, "Orders");
    REQUIRE(out->item_collection_metrics[0].n_value == 1);
    m = &out->item_collection_metrics[0].value[0];
    CHECK(item_is(m->item_collection_key, "{'pk':{'S':'1'}}"));
    REQUIRE(m->n_size_estimate_range_gb == 2);
    CHECK(m->size_estimate_range_gb[0] == 0.0 && m->size_estimate_range_gb[1] == 1.0);
    REQUIRE(out->n_consumed_capacity == 1);
    CHECK(out->consumed_capacity[0].has_write_capacity_units);
    ddb_batch_write_item_output_free(out);
}

TEST(decode_transact_get_items)
{
    ddb_transact_get_items_output *out = decode(
        "TransactGetItems",
        "{'Responses':[{'Item':{'pk':{'S':'a'},'m':{'M':{'l':{'L':[{'N':'1'},{'NULL':true}]}}}}},"
        "              {}],"
        " 'ConsumedCapacity':[{'TableName':'T','CapacityUnits':4,'ReadCapacityUnits':4}]}");
    REQUIRE(out);

    REQUIRE(out->n_responses == 2);
    CHECK(item_is(out->responses[0].item,
                  "{'pk':{'S':'a'},'m':{'M':{'l':{'L':[{'N':'1'},{'NULL':true}]}}}}"));
    CHECK(out->responses[1].item == NULL); /* not found */
    REQUIRE(out->n_consumed_capacity == 1);
    CHECK(out->consumed_capacity[0].read_capacity_units == 4.0);
    ddb_transact_get_items_output_free(out);
}

TEST(decode_small_outputs)
{
    ddb_put_item_output *put = decode("PutItem", "{}");
    ddb_get_item_output *get = decode("GetItem", "{'Item':null,'ConsumedCapacity':null}");
    ddb_list_tables_output *list =
        decode("ListTables", "{'TableNames':['A','B'],'LastEvaluatedTableName':'B'}");
    ddb_describe_time_to_live_output *ttl = decode(
        "DescribeTimeToLive",
        "{'TimeToLiveDescription':{'TimeToLiveStatus':'ENABLED','AttributeName':'expires'}}");
    ddb_update_time_to_live_output *uttl =
        decode("UpdateTimeToLive",
               "{'TimeToLiveSpecification':{'Enabled':true,'AttributeName':'expires'}}");
    ddb_delete_item_output *del =
        decode("DeleteItem", "{'Attributes':{'pk':{'S':'x'}},"
                             " 'ItemCollectionMetrics':{'ItemCollectionKey':{'pk':{'S':'x'}},"
                             "                          'SizeEstimateRangeGB':[1.5,2.5]}}");

    REQUIRE(put && get && list && ttl && uttl && del);
    CHECK(put->attributes == NULL && put->consumed_capacity == NULL);
    CHECK(get->item == NULL && get->consumed_capacity == NULL); /* null means absent */
    REQUIRE(list->n_table_names == 2);
    CHECK_STR(list->table_names[1], "B");
    CHECK_STR(list->last_evaluated_table_name, "B");
    REQUIRE(ttl->time_to_live_description);
    CHECK_STR(ttl->time_to_live_description->time_to_live_status, DDB_TIME_TO_LIVE_STATUS_ENABLED);
    REQUIRE(uttl->time_to_live_specification);
    CHECK(uttl->time_to_live_specification->enabled);
    CHECK(item_is(del->attributes, "{'pk':{'S':'x'}}"));
    REQUIRE(del->item_collection_metrics);
    CHECK_INT(del->item_collection_metrics->n_size_estimate_range_gb, 2);
    ddb_put_item_output_free(put);
    ddb_get_item_output_free(get);
    ddb_list_tables_output_free(list);
    ddb_describe_time_to_live_output_free(ttl);
    ddb_update_time_to_live_output_free(uttl);
    ddb_delete_item_output_free(del);
    ddb_put_item_output_free(NULL); /* NULL-safe */
}

TEST(decode_integers)
{
    ddb_describe_table_output *out =
        decode("DescribeTable", "{'Table':{'ItemCount':3.0,'TableSizeBytes':-0.0}}");
    REQUIRE(out && out->table);

    /* A real with an integral value is accepted for an integer member. */
    CHECK(out->table->has_item_count && out->table->item_count == 3);
    CHECK(out->table->has_table_size_bytes && out->table->table_size_bytes == 0);
    ddb_describe_table_output_free(out);

    CHECK(decode_fails("DescribeTable", "{'Table':{'ItemCount':1.5}}", DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table.ItemCount: expected an integer"));
    CHECK(decode_fails("DescribeTable", "{'Table':{'ItemCount':1e300}}", DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table.ItemCount: expected an integer"));
}

TEST(decode_wrong_types_name_path)
{
    CHECK(decode_fails("DescribeTable", "{'Table':{'TableName':'T','ItemCount':'5'}}",
                       DDB_ERR_PROTOCOL, "DescribeTableOutput.Table.ItemCount: expected a number"));
    CHECK(decode_fails("DescribeTable", "{'Table':[]}", DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table: expected an object"));
    CHECK(decode_fails("DescribeTable",
                       "{'Table':{'TableName':'T','GlobalSecondaryIndexes':"
                       "[{'IndexName':'a'},{'IndexName':7}]}}",
                       DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table.GlobalSecondaryIndexes[1].IndexName: "
                       "expected a string"));
    CHECK(decode_fails("DescribeTable", "{'Table':{'DeletionProtectionEnabled':'yes'}}",
                       DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table.DeletionProtectionEnabled: expected a boolean"));
    CHECK(decode_fails("DescribeTable", "{'Table':{'KeySchema':{}}}", DDB_ERR_PROTOCOL,
                       "DescribeTableOutput.Table.KeySchema: expected an array"));
    CHECK(decode_fails("Query", "{'Items':[],'Count':'2'}", DDB_ERR_PROTOCOL,
                       "QueryOutput.Count: expected a number"));
    CHECK(decode_fails("Query",
                       "{'ConsumedCapacity':{'GlobalSecondaryIndexes':"
                       "{'gsi1':{'CapacityUnits':1},'gsi2':{'CapacityUnits':true}}}}",
                       DDB_ERR_PROTOCOL,
                       "QueryOutput.ConsumedCapacity.GlobalSecondaryIndexes[\"gsi2\"]."
                       "CapacityUnits: expected a number"));
    CHECK(decode_fails("BatchWriteItem", "{'UnprocessedItems':{'T':{}}}", DDB_ERR_PROTOCOL,
                       "BatchWriteItemOutput.UnprocessedItems[\"T\"]: expected an array"));
    CHECK(decode_fails("ListTables", "{'TableNames':['a',1]}", DDB_ERR_PROTOCOL,
                       "ListTablesOutput.TableNames[1]: expected a string"));
    CHECK(decode_fails("GetItem", "[]", DDB_ERR_PROTOCOL, "GetItemOutput: expected an object"));
    CHECK(decode_fails("Nope", "{}", DDB_ERR_INVALID_ARG, "unknown operation \"Nope\""));
}

TEST(decode_malformed_attribute_values_name_path)
{
    /* value_json.c reports what is wrong inside the value; the path it names is ours. */
    CHECK(decode_fails("Query", "{'Items':[{'pk':{'S':'a'}},{'pk':{'S':1}}],'Count':2}",
                       DDB_ERR_PROTOCOL, "QueryOutput.Items[1]"));
    CHECK(decode_fails("BatchGetItem", "{'Responses':{'T':[{'pk':{'S':'1'}},{'pk':7}]}}",
                       DDB_ERR_PROTOCOL, "BatchGetItemOutput.Responses[\"T\"][1]"));
    CHECK(decode_fails("GetItem", "{'Item':'nope'}", DDB_ERR_PROTOCOL, "GetItemOutput.Item"));
}

TEST(operation_functions_check_arguments)
{
    static ddb_list_tables_output sentinel;
    ddb_list_tables_output *out = &sentinel;
    ddb_error err = DDB_ERROR_INIT;

    /* Argument errors are reported before anything is sent, and *out stays untouched. */
    CHECK_INT(ddb_list_tables(&out, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "ListTables: client is NULL");
    CHECK(out == &sentinel);
    CHECK_INT(ddb_get_item(NULL, NULL, NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "GetItem: out is NULL");
    ddb_error_clear(&err);
}

TEST_MAIN(CASE(encode_put_item_all_members), CASE(encode_query_all_members),
          CASE(encode_create_table_all_members), CASE(encode_transact_write_items_all_actions),
          CASE(encode_idempotency_token_generated_when_unset), CASE(encode_omits_unset_members),
          CASE(encode_list_tables_null_input_is_empty), CASE(encode_batch_write_item),
          CASE(encode_missing_required_names_path), CASE(encode_invalid_inputs_name_path),
          CASE(decode_describe_table), CASE(decode_query),
          CASE(decode_batch_get_item_and_resend_unprocessed_keys), CASE(decode_batch_write_item),
          CASE(decode_transact_get_items), CASE(decode_small_outputs), CASE(decode_integers),
          CASE(decode_wrong_types_name_path), CASE(decode_malformed_attribute_values_name_path),
          CASE(operation_functions_check_arguments))
