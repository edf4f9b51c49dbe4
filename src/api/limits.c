/*
 * DynamoDB's limits, checked before sending: item size by DynamoDB's formula, key sizes, nesting,
 * names, expressions, and the counts and sizes of batches and transactions.
 *
 * Every figure here was checked against DynamoDB Local 1.25.1 at its boundary: the value at the
 * limit is accepted and one byte (or one element) more is rejected with a ValidationException.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/limits_internal.h"
#include "core/error_internal.h"
#include "core/value_json.h"
#include "ddb/api/limits.h"

/* How much of a name or an attribute name a message shows. */
#define SHOWN 64

/* ---- numbers ------------------------------------------------------------------------------- */

static long floor_half(long x)
{
    return x >= 0 ? x / 2 : -((-x + 1) / 2);
}

/*
 * DynamoDB stores a number as an exponent byte and base-100 digits (pairs of decimal digits
 * aligned on the decimal point), with one more byte for a negative number. Leading and trailing
 * zero pairs are not stored; zero is the exponent byte alone.
 */
size_t ddb_limits__number_size(const char *num, size_t len)
{
    size_t i = 0;
    bool neg = false;
    if (!num)
        return 0;
    if (i < len && (num[i] == '-' || num[i] == '+'))
        neg = num[i++] == '-';
    long n_digits = 0, int_digits = -1, first_nz = -1, last_nz = -1;
    for (; i < len; i++) {
        char ch = num[i];
        if (ch >= '0' && ch <= '9') {
            if (ch != '0') {
                if (first_nz < 0)
                    first_nz = n_digits;
                last_nz = n_digits;
            }
            n_digits++;
        } else if (ch == '.' && int_digits < 0) {
            int_digits = n_digits;
        } else {
            break;
        }
    }
    if (n_digits == 0)
        return len + 1; /* not a number: the service rejects it; count its text */
    if (int_digits < 0)
        int_digits = n_digits;
    long exp = 0;
    if (i < len && (num[i] == 'e' || num[i] == 'E')) {
        i++;
        bool exp_neg = false;
        if (i < len && (num[i] == '-' || num[i] == '+'))
            exp_neg = num[i++] == '-';
        size_t exp_digits = 0;
        for (; i < len && num[i] >= '0' && num[i] <= '9'; i++, exp_digits++)
            if (exp < 100000) /* far outside DynamoDB's range; only guards the arithmetic */
                exp = exp * 10 + (num[i] - '0');
        if (exp_digits == 0)
            return len + 1;
        if (exp_neg)
            exp = -exp;
    }
    if (i != len)
        return len + 1;
    if (first_nz < 0)
        return 1;                                /* zero, whatever its sign or form */
    long high = int_digits - 1 - first_nz + exp; /* the power of ten of each digit */
    long low = int_digits - 1 - last_nz + exp;
    size_t pairs = (size_t)(floor_half(high) - floor_half(low) + 1);
    return 1 + pairs + (neg ? 1 : 0);
}

/* ---- sizes of ddb_value -------------------------------------------------------------------- */

static size_t value_size(const ddb_value *v)
{
    size_t len = 0, total = 0, n;
    switch (ddb_value_type(v)) {
    case DDB_TYPE_S:
        (void)ddb_value_s(v, &len);
        return len;
    case DDB_TYPE_B:
        (void)ddb_value_b(v, &len);
        return len;
    case DDB_TYPE_N: {
        const char *num = ddb_value_n(v);
        return ddb_limits__number_size(num, num ? strlen(num) : 0);
    }
    case DDB_TYPE_BOOL:
    case DDB_TYPE_NULL:
        return 1;
    case DDB_TYPE_SS:
    case DDB_TYPE_BS:
        n = ddb_value_count(v);
        for (size_t i = 0; i < n; i++)
            total += ddb_value__set_member(v, i).len;
        return total;
    case DDB_TYPE_NS:
        n = ddb_value_count(v);
        for (size_t i = 0; i < n; i++) {
            ddb_blob m = ddb_value__set_member(v, i);
            total += ddb_limits__number_size(m.data, m.len);
        }
        return total;
    case DDB_TYPE_L:
        n = ddb_value_count(v);
        total = 3;
        for (size_t i = 0; i < n; i++)
            total += 1 + value_size(ddb_value_l_at(v, i));
        return total;
    case DDB_TYPE_M:
        n = ddb_value_count(v);
        total = 3;
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            const ddb_value *m = ddb_value_m_at(v, i, &name);
            total += 1 + (name ? strlen(name) : 0) + value_size(m);
        }
        return total;
    }
    return 0;
}

int ddb_value_size(size_t *out, const ddb_value *v, ddb_error *err)
{
    if (!out || !v)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_value_size: out and v are required");
    *out = value_size(v);
    return 0;
}

/* Sum over attributes of name + value; *largest gets the index of the largest attribute. */
static size_t item_size(const ddb_value *item, size_t *largest, size_t *largest_size)
{
    size_t total = 0, n = ddb_value_count(item);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        const ddb_value *v = ddb_value_m_at(item, i, &name);
        size_t s = (name ? strlen(name) : 0) + value_size(v);
        total += s;
        if (largest && (i == 0 || s > *largest_size)) {
            *largest = i;
            *largest_size = s;
        }
    }
    return total;
}

int ddb_item_size(size_t *out, const ddb_value *item, ddb_error *err)
{
    if (!out || !item)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_item_size: out and item are required");
    if (ddb_value_type(item) != DDB_TYPE_M)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_item_size: item is %s, not M",
                              ddb_type_name(ddb_value_type(item)));
    *out = item_size(item, NULL, NULL);
    return 0;
}

/*
 * Messages give the exact depth up to this many levels, and "at least" beyond: the walk stops
 * there, so a pathological value cannot exhaust the stack.
 */
#define DEPTH_COUNTED 1000

/* M and L levels in v (a scalar or set is 0), counted no further than stop. */
static int value_depth(const ddb_value *v, int stop)
{
    ddb_type t = ddb_value_type(v);
    if (t != DDB_TYPE_M && t != DDB_TYPE_L)
        return 0;
    int deepest = 0;
    size_t n = ddb_value_count(v);
    for (size_t i = 0; i < n && deepest < stop - 1; i++) {
        const ddb_value *m = t == DDB_TYPE_M ? ddb_value_m_at(v, i, NULL) : ddb_value_l_at(v, i);
        int d = value_depth(m, stop - 1);
        if (d > deepest)
            deepest = d;
    }
    return 1 + deepest;
}

static void show(char *buf, size_t size, const char *s)
{
    ddb_value__excerpt(buf, size, s ? s : "", s ? strlen(s) : 0);
}

int ddb_limits_check_item(const ddb_value *item, ddb_error *err)
{
    char name_buf[SHOWN];
    if (!item)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_limits_check_item: item is NULL");
    if (ddb_value_type(item) != DDB_TYPE_M)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_limits_check_item: item is %s, not M",
                              ddb_type_name(ddb_value_type(item)));
    size_t largest = 0, largest_size = 0;
    size_t size = item_size(item, &largest, &largest_size);
    if (size > DDB_LIMIT_ITEM_SIZE) {
        const char *name = NULL;
        (void)ddb_value_m_at(item, largest, &name);
        show(name_buf, sizeof(name_buf), name);
        return ddb_error__set(
            err, DDB_ERR_LIMIT,
            "item size %zu bytes exceeds %d (largest attribute \"%s\": %zu bytes)", size,
            DDB_LIMIT_ITEM_SIZE, name_buf, largest_size);
    }
    size_t n = ddb_value_count(item);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        const ddb_value *v = ddb_value_m_at(item, i, &name);
        int depth = 1 + value_depth(v, DEPTH_COUNTED);
        if (depth > DDB_LIMIT_NESTING_DEPTH) {
            show(name_buf, sizeof(name_buf), name);
            return ddb_error__set(err, DDB_ERR_LIMIT,
                                  "attribute \"%s\" nesting depth %s%d exceeds %d (the item is "
                                  "level 1; each map or list adds one)",
                                  name_buf, depth > DEPTH_COUNTED ? "at least " : "", depth,
                                  DDB_LIMIT_NESTING_DEPTH);
        }
    }
    return 0;
}

static int check_key_attr(const ddb_value *key, const char *name, bool sort, ddb_error *err)
{
    char name_buf[SHOWN];
    const char *role = sort ? "sort key" : "partition key";
    size_t limit = sort ? DDB_LIMIT_SORT_KEY_SIZE : DDB_LIMIT_PARTITION_KEY_SIZE;
    const ddb_value *v = ddb_value_m_get(key, name);
    show(name_buf, sizeof(name_buf), name);
    if (!v)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s \"%s\" is missing from the key", role,
                              name_buf);
    ddb_type t = ddb_value_type(v);
    if (t != DDB_TYPE_S && t != DDB_TYPE_N && t != DDB_TYPE_B)
        return ddb_error__set(err, DDB_ERR_LIMIT,
                              "%s \"%s\" has type %s; key attributes are S, N "
                              "or B",
                              role, name_buf, ddb_type_name(t));
    size_t size = value_size(v);
    if (size == 0)
        return ddb_error__set(err, DDB_ERR_LIMIT,
                              "%s \"%s\" is an empty %s; key values must not "
                              "be empty",
                              role, name_buf, t == DDB_TYPE_S ? "string" : "binary");
    if (size > limit)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s \"%s\" size %zu bytes exceeds %zu", role,
                              name_buf, size, limit);
    return 0;
}

int ddb_limits_check_key(const ddb_value *key, const char *partition_key_name,
                         const char *sort_key_name, ddb_error *err)
{
    if (!key || !partition_key_name)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_limits_check_key: key and partition_key_name are required");
    if (ddb_value_type(key) != DDB_TYPE_M)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_limits_check_key: key is %s, not M",
                              ddb_type_name(ddb_value_type(key)));
    int rc = check_key_attr(key, partition_key_name, false, err);
    if (rc == 0 && sort_key_name)
        rc = check_key_attr(key, sort_key_name, true, err);
    return rc;
}

/* ---- names and expressions ----------------------------------------------------------------- */

static bool name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

static int check_name(const char *what, const char *name, size_t len, const char *whole,
                      ddb_error *err)
{
    char buf[SHOWN];
    show(buf, sizeof(buf), whole);
    if (len < DDB_LIMIT_NAME_MIN || len > DDB_LIMIT_NAME_MAX)
        return ddb_error__set(err, DDB_ERR_LIMIT,
                              "%s \"%s\" is %zu characters; it must be %d to %d", what, buf, len,
                              DDB_LIMIT_NAME_MIN, DDB_LIMIT_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!name_char(c)) {
            char shown[8];
            if (c > 0x20 && c < 0x7f)
                snprintf(shown, sizeof(shown), "'%c'", c);
            else
                snprintf(shown, sizeof(shown), "0x%02x", c);
            return ddb_error__set(err, DDB_ERR_LIMIT,
                                  "%s \"%s\" has %s at offset %zu; only a-z, A-Z, 0-9, '_', '-' "
                                  "and '.' are allowed",
                                  what, buf, shown, i + (size_t)(name - whole));
        }
    }
    return 0;
}

int ddb_limits_check_table_name(const char *name, ddb_error *err)
{
    if (!name)
        return ddb_error__set(err, DDB_ERR_LIMIT, "table name is missing");
    size_t len = strlen(name);
    if (strncmp(name, "arn:", 4) == 0) {
        char buf[SHOWN];
        const char *t = strstr(name, ":table/");
        show(buf, sizeof(buf), name);
        if (len > DDB_LIMIT_TABLE_ARN_MAX)
            return ddb_error__set(err, DDB_ERR_LIMIT,
                                  "table ARN \"%s\" is %zu characters; the "
                                  "limit is %d",
                                  buf, len, DDB_LIMIT_TABLE_ARN_MAX);
        if (!t)
            return ddb_error__set(err, DDB_ERR_LIMIT, "table ARN \"%s\" has no \":table/<name>\"",
                                  buf);
        const char *table = t + 7;
        return check_name("table name", table, strlen(table), name, err);
    }
    return check_name("table name", name, len, name, err);
}

int ddb_limits_check_index_name(const char *name, ddb_error *err)
{
    if (!name)
        return ddb_error__set(err, DDB_ERR_LIMIT, "index name is missing");
    return check_name("index name", name, strlen(name), name, err);
}

int ddb_limits_check_expression(const char *what, const char *expression, ddb_error *err)
{
    if (!expression)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s is NULL", what ? what : "expression");
    size_t len = strlen(expression);
    if (len > DDB_LIMIT_EXPRESSION_SIZE)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s size %zu bytes exceeds %d",
                              what ? what : "expression", len, DDB_LIMIT_EXPRESSION_SIZE);
    return 0;
}

/* ---- sizes on wire JSON -------------------------------------------------------------------- */

static size_t base64_decoded_len(const json_t *s)
{
    size_t len = json_string_length(s);
    const char *t = json_string_value(s);
    if (!t)
        return 0;
    if (len % 4 != 0)
        return len * 3 / 4; /* unpadded or malformed: near enough, the service rejects it */
    size_t pad = 0;
    if (len >= 1 && t[len - 1] == '=')
        pad++;
    if (len >= 2 && t[len - 2] == '=')
        pad++;
    return len / 4 * 3 - pad;
}

size_t ddb_limits__json_wire_size(const json_t *j)
{
    return j ? json_dumpb(j, NULL, 0, JSON_COMPACT) : 0;
}

/* The one member of an AttributeValue object: its type name and value. */
static const char *av_type(const json_t *av, json_t **member)
{
    const char *type = NULL;
    json_t *m = NULL;
    if (json_is_object(av) && json_object_size(av) == 1) {
        void *it = json_object_iter((json_t *)av);
        type = json_object_iter_key(it);
        m = json_object_iter_value(it);
    }
    *member = m;
    return type;
}

size_t ddb_limits__json_value_size(const json_t *av)
{
    json_t *m;
    const char *type = av_type(av, &m);
    size_t total = 0, i;
    json_t *e;
    const char *name;
    if (!type)
        return ddb_limits__json_wire_size(av);
    if (strcmp(type, "S") == 0)
        return json_string_length(m);
    if (strcmp(type, "B") == 0)
        return base64_decoded_len(m);
    if (strcmp(type, "N") == 0)
        return json_is_string(m)
                   ? ddb_limits__number_size(json_string_value(m), json_string_length(m))
                   : ddb_limits__json_wire_size(m);
    if (strcmp(type, "BOOL") == 0 || strcmp(type, "NULL") == 0)
        return 1;
    if (strcmp(type, "SS") == 0) {
        json_array_foreach(m, i, e)
            total += json_string_length(e);
        return total;
    }
    if (strcmp(type, "BS") == 0) {
        json_array_foreach(m, i, e)
            total += base64_decoded_len(e);
        return total;
    }
    if (strcmp(type, "NS") == 0) {
        json_array_foreach(m, i, e) {
            total += ddb_limits__number_size(json_string_value(e), json_string_length(e));
        }
        return total;
    }
    if (strcmp(type, "L") == 0) {
        total = 3;
        json_array_foreach(m, i, e)
            total += 1 + ddb_limits__json_value_size(e);
        return total;
    }
    if (strcmp(type, "M") == 0) {
        total = 3;
        json_object_foreach(m, name, e)
            total += 1 + strlen(name) + ddb_limits__json_value_size(e);
        return total;
    }
    return ddb_limits__json_wire_size(av);
}

size_t ddb_limits__json_item_size(const json_t *item)
{
    size_t total = 0;
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)item, name, v)
        total += strlen(name) + ddb_limits__json_value_size(v);
    return total;
}

static int json_depth(const json_t *av, int stop)
{
    json_t *m, *e;
    const char *type = av_type(av, &m), *name;
    size_t i;
    int deepest = 0;
    if (!type || (strcmp(type, "M") != 0 && strcmp(type, "L") != 0) || stop <= 0)
        return 0;
    if (json_is_array(m)) {
        json_array_foreach(m, i, e) {
            int d = json_depth(e, stop - 1);
            if (d > deepest)
                deepest = d;
            if (deepest >= stop - 1)
                break;
        }
    } else {
        json_object_foreach(m, name, e) {
            int d = json_depth(e, stop - 1);
            if (d > deepest)
                deepest = d;
            if (deepest >= stop - 1)
                break;
        }
    }
    return 1 + deepest;
}

/* Prefix a message set by a check with where it applies. */
static int at(ddb_error *err, int rc, const char *where)
{
    if (rc && err && where && *where) {
        char msg[sizeof(err->message)];
        size_t cap = sizeof(err->message) - 1, len = strlen(where), mlen = strlen(err->message);
        memcpy(msg, err->message, mlen + 1);
        len = len < cap ? len : cap;
        memcpy(err->message, where, len);
        for (const char *p = ": "; *p && len < cap; p++)
            err->message[len++] = *p;
        mlen = mlen < cap - len ? mlen : cap - len;
        memcpy(err->message + len, msg, mlen);
        err->message[len + mlen] = '\0';
    }
    return rc;
}

int ddb_limits__check_json_item(const json_t *item, const char *where, ddb_error *err)
{
    char buf[SHOWN];
    const char *name, *largest_name = "";
    json_t *v;
    size_t total = 0, largest = 0;
    int rc;
    if (!json_is_object(item))
        return 0; /* the codec or the service reports the shape */
    json_object_foreach((json_t *)item, name, v) {
        size_t s = strlen(name) + ddb_limits__json_value_size(v);
        total += s;
        if (s > largest || !*largest_name) {
            largest = s;
            largest_name = name;
        }
    }
    if (total > DDB_LIMIT_ITEM_SIZE) {
        show(buf, sizeof(buf), largest_name);
        rc = ddb_error__set(err, DDB_ERR_LIMIT,
                            "item size %zu bytes exceeds %d (largest attribute \"%s\": %zu bytes)",
                            total, DDB_LIMIT_ITEM_SIZE, buf, largest);
        return at(err, rc, where);
    }
    json_object_foreach((json_t *)item, name, v) {
        int depth = 1 + json_depth(v, DEPTH_COUNTED);
        if (depth > DDB_LIMIT_NESTING_DEPTH) {
            show(buf, sizeof(buf), name);
            rc = ddb_error__set(err, DDB_ERR_LIMIT,
                                "attribute \"%s\" nesting depth %s%d exceeds %d (the item is level "
                                "1; each map or list adds one)",
                                buf, depth > DEPTH_COUNTED ? "at least " : "", depth,
                                DDB_LIMIT_NESTING_DEPTH);
            return at(err, rc, where);
        }
    }
    return 0;
}

int ddb_limits__check_json_key(const json_t *key, const char *where, ddb_error *err)
{
    char buf[SHOWN], buf2[SHOWN];
    const char *name, *names[2] = {NULL, NULL};
    json_t *v, *m;
    size_t sizes[2] = {0, 0}, n = 0;
    int rc;
    if (!json_is_object(key))
        return 0;
    json_object_foreach((json_t *)key, name, v) {
        const char *type = av_type(v, &m);
        show(buf, sizeof(buf), name);
        if (!type || (strcmp(type, "S") != 0 && strcmp(type, "N") != 0 && strcmp(type, "B") != 0)) {
            rc = ddb_error__set(err, DDB_ERR_LIMIT,
                                "key attribute \"%s\" has type %s; key attributes are S, N or B",
                                buf, type ? type : "(none)");
            return at(err, rc, where);
        }
        size_t size = ddb_limits__json_value_size(v);
        if (size == 0) {
            rc = ddb_error__set(err, DDB_ERR_LIMIT,
                                "key attribute \"%s\" is an empty %s; key values must not be empty",
                                buf, strcmp(type, "S") == 0 ? "string" : "binary");
            return at(err, rc, where);
        }
        if (size > DDB_LIMIT_PARTITION_KEY_SIZE) {
            rc =
                ddb_error__set(err, DDB_ERR_LIMIT, "key attribute \"%s\" size %zu bytes exceeds %d",
                               buf, size, DDB_LIMIT_PARTITION_KEY_SIZE);
            return at(err, rc, where);
        }
        if (n < 2) {
            names[n] = name;
            sizes[n] = size;
        }
        n++;
    }
    /* Two attributes: one is the sort key, so the smaller must fit the sort-key limit. */
    if (n == 2 && sizes[0] > DDB_LIMIT_SORT_KEY_SIZE && sizes[1] > DDB_LIMIT_SORT_KEY_SIZE) {
        show(buf, sizeof(buf), names[0]);
        show(buf2, sizeof(buf2), names[1]);
        rc = ddb_error__set(err, DDB_ERR_LIMIT,
                            "sort key size exceeds %d: key attributes \"%s\" (%zu bytes) and "
                            "\"%s\" (%zu bytes) are both larger, and one of them is the sort key",
                            DDB_LIMIT_SORT_KEY_SIZE, buf, sizes[0], buf2, sizes[1]);
        return at(err, rc, where);
    }
    return 0;
}

/* ---- requests ------------------------------------------------------------------------------ */

static const char *const expression_members[] = {
    "ConditionExpression", "UpdateExpression",     "KeyConditionExpression",
    "FilterExpression",    "ProjectionExpression",
};

/* Expressions, TableName, IndexName and Key of one object (a request or a transaction action). */
static int check_common(const json_t *obj, const char *where, bool key, ddb_error *err)
{
    char path[600];
    int rc = 0;
    for (size_t i = 0; i < sizeof(expression_members) / sizeof(*expression_members); i++) {
        const json_t *e = json_object_get(obj, expression_members[i]);
        if (json_is_string(e) && json_string_length(e) > DDB_LIMIT_EXPRESSION_SIZE) {
            rc = ddb_error__set(err, DDB_ERR_LIMIT, "%s size %zu bytes exceeds %d",
                                expression_members[i], json_string_length(e),
                                DDB_LIMIT_EXPRESSION_SIZE);
            return at(err, rc, where);
        }
    }
    const json_t *t = json_object_get(obj, "TableName");
    if (json_is_string(t) && (rc = ddb_limits_check_table_name(json_string_value(t), err)))
        return at(err, rc, where);
    const json_t *ix = json_object_get(obj, "IndexName");
    if (json_is_string(ix) && (rc = ddb_limits_check_index_name(json_string_value(ix), err)))
        return at(err, rc, where);
    if (key) {
        /* "GetItem Key" at the top level, "... TransactItems[2].Delete.Key" inside. */
        snprintf(path, sizeof(path), "%s%sKey", where, strpbrk(where, " .[") ? "." : " ");
        rc = ddb_limits__check_json_key(json_object_get(obj, "Key"), path, err);
    }
    return rc;
}

static const char *const write_actions[] = {"Put", "Update", "Delete", "ConditionCheck"};

int ddb_limits__check_transact_action(const json_t *action, const char *where, ddb_error *err)
{
    char path[600];
    const char *kind;
    json_t *body;
    int rc = 0;
    where = where ? where : "";
    json_object_foreach((json_t *)action, kind, body) {
        if (!json_is_object(body))
            continue;
        snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", kind);
        bool is_put = strcmp(kind, "Put") == 0;
        if ((rc = check_common(body, path, !is_put, err)))
            return rc;
        if (is_put) {
            snprintf(path, sizeof(path), "%s%sPut.Item", where, *where ? "." : "");
            if ((rc = ddb_limits__check_json_item(json_object_get(body, "Item"), path, err)))
                return rc;
        }
    }
    return 0;
}

size_t ddb_limits__transact_action_size(const json_t *action)
{
    size_t total = 0;
    for (size_t k = 0; k < sizeof(write_actions) / sizeof(*write_actions); k++) {
        const json_t *body = json_object_get(action, write_actions[k]);
        const char *name;
        json_t *v;
        if (!json_is_object(body))
            continue;
        if (k == 0)
            total += ddb_limits__json_item_size(json_object_get(body, "Item"));
        else
            total += ddb_limits__json_item_size(json_object_get(body, "Key"));
        total += json_string_length(json_object_get(body, "ConditionExpression"));
        total += json_string_length(json_object_get(body, "UpdateExpression"));
        json_object_foreach(json_object_get(body, "ExpressionAttributeValues"), name, v) {
            total += ddb_limits__json_value_size(v);
        }
        json_object_foreach(json_object_get(body, "ExpressionAttributeNames"), name, v) {
            total += json_string_length(v);
        }
    }
    return total;
}

static int check_count(const char *op, const char *what, size_t n, size_t limit, ddb_error *err)
{
    if (n > limit)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s %s count %zu exceeds %zu", op, what, n,
                              limit);
    return 0;
}

static int check_body_size(const char *op, const json_t *request, ddb_error *err)
{
    size_t size = ddb_limits__json_wire_size(request);
    if (size > DDB_LIMIT_REQUEST_SIZE)
        return ddb_error__set(err, DDB_ERR_LIMIT, "%s request size %zu bytes exceeds %d", op, size,
                              DDB_LIMIT_REQUEST_SIZE);
    return 0;
}

static int check_batch_write(const json_t *req, ddb_error *err)
{
    char path[600], where[700];
    const char *table;
    json_t *list, *wr;
    size_t i, n = 0;
    int rc;
    json_object_foreach(json_object_get(req, "RequestItems"), table, list) {
        n += json_array_size(list);
    }
    if ((rc = check_count("BatchWriteItem", "write request", n, DDB_LIMIT_BATCH_WRITE_ITEMS, err)))
        return rc;
    json_object_foreach(json_object_get(req, "RequestItems"), table, list) {
        char shown[SHOWN];
        show(shown, sizeof(shown), table);
        snprintf(path, sizeof(path), "BatchWriteItem RequestItems[\"%s\"]", shown);
        if ((rc = ddb_limits_check_table_name(table, err)))
            return at(err, rc, path);
        json_array_foreach(list, i, wr) {
            const json_t *put = json_object_get(wr, "PutRequest");
            const json_t *del = json_object_get(wr, "DeleteRequest");
            if (put) {
                snprintf(where, sizeof(where), "%s[%zu].PutRequest.Item", path, i);
                rc = ddb_limits__check_json_item(json_object_get(put, "Item"), where, err);
            } else if (del) {
                snprintf(where, sizeof(where), "%s[%zu].DeleteRequest.Key", path, i);
                rc = ddb_limits__check_json_key(json_object_get(del, "Key"), where, err);
            }
            if (rc)
                return rc;
        }
    }
    return check_body_size("BatchWriteItem", req, err);
}

static int check_batch_get(const json_t *req, ddb_error *err)
{
    char path[600], where[700];
    const char *table;
    json_t *ka, *key;
    size_t i, n = 0;
    int rc;
    json_object_foreach(json_object_get(req, "RequestItems"), table, ka) {
        n += json_array_size(json_object_get(ka, "Keys"));
    }
    if ((rc = check_count("BatchGetItem", "key", n, DDB_LIMIT_BATCH_GET_KEYS, err)))
        return rc;
    json_object_foreach(json_object_get(req, "RequestItems"), table, ka) {
        char shown[SHOWN];
        show(shown, sizeof(shown), table);
        snprintf(path, sizeof(path), "BatchGetItem RequestItems[\"%s\"]", shown);
        if ((rc = ddb_limits_check_table_name(table, err)))
            return at(err, rc, path);
        if ((rc = check_common(ka, path, false, err)))
            return rc;
        json_array_foreach(json_object_get(ka, "Keys"), i, key) {
            snprintf(where, sizeof(where), "%s.Keys[%zu]", path, i);
            if ((rc = ddb_limits__check_json_key(key, where, err)))
                return rc;
        }
    }
    return check_body_size("BatchGetItem", req, err);
}

static int check_transact(const char *op, const json_t *req, bool write, ddb_error *err)
{
    char path[64];
    const json_t *items = json_object_get(req, "TransactItems");
    json_t *action;
    size_t i, payload = 0;
    int rc;
    if ((rc =
             check_count(op, "action", json_array_size(items), DDB_LIMIT_TRANSACTION_ACTIONS, err)))
        return rc;
    json_array_foreach(items, i, action) {
        snprintf(path, sizeof(path), "%s TransactItems[%zu]", op, i);
        if ((rc = ddb_limits__check_transact_action(action, path, err)))
            return rc;
        if (write)
            payload += ddb_limits__transact_action_size(action);
    }
    if (payload > DDB_LIMIT_TRANSACTION_SIZE)
        return ddb_error__set(err, DDB_ERR_LIMIT,
                              "%s payload size %zu bytes exceeds %d (item sizes, keys, expressions "
                              "and their values, over all actions)",
                              op, payload, DDB_LIMIT_TRANSACTION_SIZE);
    return check_body_size(op, req, err);
}

static int check_index_list(const char *op, const json_t *list, const char *member, ddb_error *err)
{
    char path[128];
    json_t *e;
    size_t i;
    int rc;
    json_array_foreach(list, i, e) {
        const json_t *ix = json_object_get(e, "IndexName");
        snprintf(path, sizeof(path), "%s %s[%zu].IndexName", op, member, i);
        if (json_is_string(ix) && (rc = ddb_limits_check_index_name(json_string_value(ix), err)))
            return at(err, rc, path);
    }
    return 0;
}

static int check_update_table(const json_t *req, ddb_error *err)
{
    char path[128];
    json_t *u;
    size_t i;
    int rc;
    json_array_foreach(json_object_get(req, "GlobalSecondaryIndexUpdates"), i, u) {
        const char *kind;
        json_t *body;
        json_object_foreach(u, kind, body) {
            const json_t *ix = json_object_get(body, "IndexName");
            snprintf(path, sizeof(path), "UpdateTable GlobalSecondaryIndexUpdates[%zu].%.20s", i,
                     kind);
            if (json_is_string(ix) &&
                (rc = ddb_limits_check_index_name(json_string_value(ix), err)))
                return at(err, rc, path);
        }
    }
    return 0;
}

int ddb_limits__check_request(const char *operation, const json_t *request, ddb_error *err)
{
    int rc;
    if (!operation || !json_is_object(request))
        return 0;
    bool has_key = strcmp(operation, "GetItem") == 0 || strcmp(operation, "UpdateItem") == 0 ||
                   strcmp(operation, "DeleteItem") == 0;
    if ((rc = check_common(request, operation, has_key, err)))
        return rc;
    if (strcmp(operation, "PutItem") == 0)
        return ddb_limits__check_json_item(json_object_get(request, "Item"), "PutItem Item", err);
    if (strcmp(operation, "BatchWriteItem") == 0)
        return check_batch_write(request, err);
    if (strcmp(operation, "BatchGetItem") == 0)
        return check_batch_get(request, err);
    if (strcmp(operation, "TransactWriteItems") == 0)
        return check_transact(operation, request, true, err);
    if (strcmp(operation, "TransactGetItems") == 0)
        return check_transact(operation, request, false, err);
    if (strcmp(operation, "CreateTable") == 0) {
        rc = check_index_list(operation, json_object_get(request, "GlobalSecondaryIndexes"),
                              "GlobalSecondaryIndexes", err);
        if (rc == 0)
            rc = check_index_list(operation, json_object_get(request, "LocalSecondaryIndexes"),
                                  "LocalSecondaryIndexes", err);
        return rc;
    }
    if (strcmp(operation, "UpdateTable") == 0)
        return check_update_table(request, err);
    return 0;
}
