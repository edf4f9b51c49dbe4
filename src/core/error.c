#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/core/value.h"
#define DDB_ERROR_DEFINING /* the functions, not the analyzer's view of them */
#include "core/error_internal.h"

void ddb_error_clear(ddb_error *err)
{
    if (!err)
        return;
    ddb_value_free(err->item);
    for (size_t i = 0; i < err->n_cancellation_reasons; i++) {
        free(err->cancellation_reasons[i].code);
        free(err->cancellation_reasons[i].message);
        ddb_value_free(err->cancellation_reasons[i].item);
    }
    free(err->cancellation_reasons);
    memset(err, 0, sizeof(*err));
}

const char *ddb_strerror(int code)
{
    switch (code) {
#define DDB_X_TEXT(name, value, text)                                                              \
    case value:                                                                                    \
        return text;
        DDB_ERROR_CODES(DDB_X_TEXT)
#undef DDB_X_TEXT
    default:
        return "unknown error";
    }
}

const char *ddb_error_code_name(int code)
{
    switch (code) {
#define DDB_X_NAME(name, value, text)                                                              \
    case value:                                                                                    \
        return #name;
        DDB_ERROR_CODES(DDB_X_NAME)
#undef DDB_X_NAME
    default:
        return "DDB_ERR_UNKNOWN";
    }
}

static int set_v(ddb_error *err, int code, const char *fmt, va_list ap) DDB_PRINTF(3, 0);

static int set_v(ddb_error *err, int code, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    ddb_error_clear(err);
    err->code = code;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return code;
}

int ddb_error_set(ddb_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = set_v(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void ddb_error_set_field(ddb_error *err, const char *field)
{
    if (err && field)
        snprintf(err->field, sizeof(err->field), "%s", field);
}

int ddb_error__set(ddb_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = set_v(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void ddb_error__set_aws_type(ddb_error *err, const char *type)
{
    if (!err || !type)
        return;
    snprintf(err->aws_type, sizeof(err->aws_type), "%s", type);
}

int ddb_error__nomem(ddb_error *err, const char *what)
{
    return ddb_error__set(err, DDB_ERR_NOMEM, "out of memory allocating %s", what);
}
