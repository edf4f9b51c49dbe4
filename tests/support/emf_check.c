#include "support/emf_check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const units[] = {"Seconds",
                                    "Microseconds",
                                    "Milliseconds",
                                    "Bytes",
                                    "Kilobytes",
                                    "Megabytes",
                                    "Gigabytes",
                                    "Terabytes",
                                    "Bits",
                                    "Kilobits",
                                    "Megabits",
                                    "Gigabits",
                                    "Terabits",
                                    "Percent",
                                    "Count",
                                    "Bytes/Second",
                                    "Kilobytes/Second",
                                    "Megabytes/Second",
                                    "Gigabytes/Second",
                                    "Terabytes/Second",
                                    "Bits/Second",
                                    "Kilobits/Second",
                                    "Megabits/Second",
                                    "Gigabits/Second",
                                    "Terabits/Second",
                                    "Count/Second",
                                    "None"};

__attribute__((format(printf, 4, 5))) static json_t *fail(json_t *root, char *why, size_t cap,
                                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    json_decref(root);
    return NULL;
}

static bool known_unit(const char *u)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(u, units[i]) == 0)
            return true;
    return false;
}

json_t *emf_check_line(const char *line, char *why, size_t cap)
{
    json_error_t jerr;
    json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root))
        return fail(root, why, cap, "not a JSON object: %s", jerr.text);
    json_t *aws = json_object_get(root, "_aws");
    if (!json_is_object(aws))
        return fail(root, why, cap, "_aws is missing or not an object");
    if (!json_is_integer(json_object_get(aws, "Timestamp")))
        return fail(root, why, cap, "_aws.Timestamp is missing or not an integer");
    json_t *dirs = json_object_get(aws, "CloudWatchMetrics");
    if (!json_is_array(dirs) || json_array_size(dirs) == 0)
        return fail(root, why, cap, "_aws.CloudWatchMetrics is missing, empty or not an array");
    size_t i;
    json_t *d;
    json_array_foreach(dirs, i, d) {
        const char *ns = json_string_value(json_object_get(d, "Namespace"));
        if (!ns || strlen(ns) < 1 || strlen(ns) > 255)
            return fail(root, why, cap, "directive %zu: Namespace missing or not 1-255", i);
        json_t *dims = json_object_get(d, "Dimensions");
        if (!json_is_array(dims))
            return fail(root, why, cap, "directive %zu: Dimensions is not an array", i);
        size_t j;
        json_t *set;
        json_array_foreach(dims, j, set) {
            if (!json_is_array(set) || json_array_size(set) < 1 || json_array_size(set) > 30)
                return fail(root, why, cap, "directive %zu: dimension set %zu not 1-30 names", i,
                            j);
            size_t k;
            json_t *name;
            json_array_foreach(set, k, name) {
                const char *n = json_string_value(name);
                if (!n || !json_is_string(json_object_get(root, n)))
                    return fail(root, why, cap, "dimension \"%s\" is not a string member",
                                n ? n : "?");
            }
        }
        json_t *metrics = json_object_get(d, "Metrics");
        if (!json_is_array(metrics) || json_array_size(metrics) < 1 ||
            json_array_size(metrics) > 100)
            return fail(root, why, cap, "directive %zu: Metrics not an array of 1-100", i);
        json_t *def;
        json_array_foreach(metrics, j, def) {
            const char *n = json_string_value(json_object_get(def, "Name"));
            if (!n || strlen(n) < 1 || strlen(n) > 255)
                return fail(root, why, cap, "metric %zu: Name missing or not 1-255", j);
            for (size_t k = 0; k < j; k++)
                if (strcmp(n, json_string_value(
                                  json_object_get(json_array_get(metrics, k), "Name"))) == 0)
                    return fail(root, why, cap, "metric \"%s\" defined twice", n);
            json_t *unit = json_object_get(def, "Unit");
            if (unit && (!json_is_string(unit) || !known_unit(json_string_value(unit))))
                return fail(root, why, cap, "metric \"%s\": Unit is not a CloudWatch unit", n);
            json_t *v = json_object_get(root, n);
            if (json_is_array(v)) {
                if (json_array_size(v) > 100)
                    return fail(root, why, cap, "metric \"%s\" has over 100 values", n);
                size_t k;
                json_t *x;
                json_array_foreach(v, k, x)
                    if (!json_is_number(x))
                        return fail(root, why, cap, "metric \"%s\" value %zu is not a number", n,
                                    k);
            } else if (!json_is_number(v)) {
                return fail(root, why, cap, "metric \"%s\" is not a numeric member", n);
            }
        }
    }
    return root;
}
