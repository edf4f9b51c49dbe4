/*
 * Capacity units and item sizes (units.h; docs/design/cost.md).
 */
#include "cost/units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ddbgen_units_read(size_t bytes, ddbgen_read_mode mode)
{
    double units = bytes ? ceil((double)bytes / DDBGEN_READ_UNIT_BYTES) : 1.0;
    switch (mode) {
    case DDBGEN_READ_EVENTUAL:
        return units / 2;
    case DDBGEN_READ_TRANSACTIONAL:
        return units * 2;
    case DDBGEN_READ_STRONG:
        break;
    }
    return units;
}

double ddbgen_units_write(size_t bytes, bool transactional)
{
    double units = bytes ? ceil((double)bytes / DDBGEN_WRITE_UNIT_BYTES) : 1.0;
    return transactional ? units * 2 : units;
}

long long ddbgen_units_capacity(double units)
{
    double c = ceil(units * 100.0 / DDBGEN_TARGET_UTILIZATION);
    return c < 1 ? 1 : (long long)c;
}

size_t ddbgen_units_storage_bytes(size_t bytes)
{
    return bytes + DDBGEN_STORAGE_OVERHEAD_BYTES;
}

static long floor_half(long x)
{
    return x >= 0 ? x / 2 : -((-x + 1) / 2);
}

/* The runtime's rule (src/api/limits.c): 1 byte, plus one per base-100 digit pair of the
 * significant digits aligned on the decimal point, plus one when negative; zero is 1 byte. */
size_t ddbgen_units_number_size(const char *num, size_t len)
{
    size_t i = 0, n_digits = 0;
    long first_nz = -1, last_nz = -1, int_digits = -1, exp = 0;
    bool neg = false, seen_point = false;
    if (!num || !len)
        return len + 1;
    if (num[i] == '-' || num[i] == '+')
        neg = num[i++] == '-';
    for (; i < len; i++) {
        if (num[i] == '.' && !seen_point) {
            seen_point = true;
            int_digits = (long)n_digits;
            continue;
        }
        if (num[i] < '0' || num[i] > '9')
            break;
        if (num[i] != '0') {
            if (first_nz < 0)
                first_nz = (long)n_digits;
            last_nz = (long)n_digits;
        }
        n_digits++;
    }
    if (n_digits == 0)
        return len + 1;
    if (int_digits < 0)
        int_digits = (long)n_digits;
    if (i < len && (num[i] == 'e' || num[i] == 'E')) {
        bool exp_neg = false;
        size_t exp_digits = 0;
        i++;
        if (i < len && (num[i] == '-' || num[i] == '+'))
            exp_neg = num[i++] == '-';
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
        return 1;
    long high = int_digits - 1 - first_nz + exp, low = int_digits - 1 - last_nz + exp;
    return 1 + (size_t)(floor_half(high) - floor_half(low) + 1) + (neg ? 1 : 0);
}

size_t ddbgen_units_json_size(const json_t *v)
{
    size_t total = 3, i;
    const char *key;
    json_t *m;
    char num[64];
    int n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v);
    case JSON_INTEGER:
        n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return ddbgen_units_number_size(num, (size_t)n);
    case JSON_REAL:
        /* the shortest text that reads back as the same double, as a writer would send it */
        for (int prec = 15;; prec++) {
            n = snprintf(num, sizeof num, "%.*g", prec, json_real_value(v));
            if (prec == 17 || strtod(num, NULL) == json_real_value(v))
                return ddbgen_units_number_size(num, (size_t)n);
        }
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        return 1;
    case JSON_ARRAY:
        json_array_foreach(v, i, m)
            total += 1 + ddbgen_units_json_size(m);
        return total;
    case JSON_OBJECT:
        json_object_foreach((json_t *)v, key, m)
            total += 1 + strlen(key) + ddbgen_units_json_size(m);
        return total;
    }
    return 0;
}

size_t ddbgen_units_item_size(const json_t *item)
{
    size_t total = 0;
    const char *key;
    json_t *m;
    json_object_foreach((json_t *)item, key, m)
        total += strlen(key) + ddbgen_units_json_size(m);
    return total;
}
