#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/value_json.h"
#include "wire/aws_error.h"

void ddb_aws_error__short_type(char *out, size_t cap, const char *raw)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    if (!raw)
        return;
    const char *start = strrchr(raw, '#');
    start = start ? start + 1 : raw;
    while (*start == ' ')
        start++;
    size_t len = strcspn(start, ":");
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\r' || start[len - 1] == '\n'))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

/*
 * The throttling codes the AWS SDKs share (botocore's and the Java SDK's lists), which include
 * DynamoDB's own: ProvisionedThroughputExceededException, ThrottlingException,
 * RequestLimitExceeded, TransactionInProgressException and LimitExceededException.
 */
static const char *const throttling_types[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* Transient service-side failures that a retry may get past. */
static const char *const transient_types[] = {
    "RequestTimeout",  "RequestTimeoutException", "InternalServerError",
    "InternalFailure", "ServiceUnavailable",      "ServiceUnavailableException",
};

/*
 * Errors that sending the same request again cannot fix, whatever HTTP status came with them:
 * the request itself, its condition, its target or its credentials are wrong.
 */
static const char *const never_retried_types[] = {
    "ConditionalCheckFailedException",
    "ValidationException",
    "SerializationException",
    "ResourceNotFoundException",
    "ResourceInUseException",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "TransactionCanceledException",
    "IdempotentParameterMismatchException",
};

#define N_OF(list) (sizeof(list) / sizeof(*(list)))

static bool in_list(const char *type, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(type, list[i]) == 0)
            return true;
    return false;
}

static bool never_retried(const char *type)
{
    return type && in_list(type, never_retried_types, N_OF(never_retried_types));
}

bool ddb_aws_error__is_throttling(const char *type)
{
    return type && in_list(type, throttling_types, N_OF(throttling_types));
}

bool ddb_aws_error__is_throttling_response(const char *type, long http_status)
{
    if (never_retried(type))
        return false;
    return ddb_aws_error__is_throttling(type) || http_status == 429;
}

bool ddb_aws_error__is_retryable(const char *type, long http_status)
{
    if (never_retried(type))
        return false;
    if (ddb_aws_error__is_throttling_response(type, http_status))
        return true;
    if (type && in_list(type, transient_types, N_OF(transient_types)))
        return true;
    return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

int ddb_aws_error__code(const char *type, long http_status)
{
    static const struct {
        const char *type;
        int code;
    } map[] = {
        {"ConditionalCheckFailedException", DDB_ERR_CONDITION_FAILED},
        {"TransactionCanceledException", DDB_ERR_TRANSACTION_CANCELED},
        {"ResourceNotFoundException", DDB_ERR_RESOURCE_NOT_FOUND},
        {"ResourceInUseException", DDB_ERR_RESOURCE_IN_USE},
        {"ValidationException", DDB_ERR_VALIDATION},
        {"SerializationException", DDB_ERR_VALIDATION},
        {"AccessDeniedException", DDB_ERR_AUTH},
        {"UnrecognizedClientException", DDB_ERR_AUTH},
        {"InvalidSignatureException", DDB_ERR_AUTH},
        {"MissingAuthenticationTokenException", DDB_ERR_AUTH},
        {"IncompleteSignatureException", DDB_ERR_AUTH},
        {"ExpiredTokenException", DDB_ERR_AUTH},
        {"InvalidClientTokenId", DDB_ERR_AUTH},
        {"SignatureDoesNotMatch", DDB_ERR_AUTH},
    };
    if (type && *type) {
        for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
            if (strcmp(type, map[i].type) == 0)
                return map[i].code;
        if (ddb_aws_error__is_throttling(type))
            return DDB_ERR_THROTTLED;
    }
    if (http_status == 429 && !never_retried(type))
        return DDB_ERR_THROTTLED;
    if (http_status == 403)
        return DDB_ERR_AUTH;
    return DDB_ERR_SERVICE;
}

/* CancellationReasons: [{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":..,"Item":{..}}] */
static int decode_cancellation_reasons(ddb_error *err, const json_t *reasons)
{
    size_t n = json_array_size(reasons);
    if (n == 0)
        return 0;
    /* A transaction has at most 100 actions; a longer list is not worth trusting in full. */
    if (n > 100)
        n = 100;
    ddb_cancellation_reason *list = calloc(n, sizeof(*list));
    if (!list)
        return DDB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(reasons, i);
        const char *code = json_string_value(json_object_get(r, "Code"));
        const char *message = json_string_value(json_object_get(r, "Message"));
        const json_t *item = json_object_get(r, "Item");
        list[i].code = strdup(code ? code : "None");
        list[i].message = message ? strdup(message) : NULL;
        if (!list[i].code || (message && !list[i].message)) {
            for (size_t j = 0; j <= i; j++) {
                free(list[j].code);
                free(list[j].message);
                ddb_value_free(list[j].item);
            }
            free(list);
            return DDB_ERR_NOMEM;
        }
        if (json_is_object(item)) {
            ddb_error scratch = DDB_ERROR_INIT;
            (void)ddb_json__to_item(&list[i].item, item, "CancellationReasons.Item", &scratch);
            ddb_error_clear(&scratch);
        }
    }
    err->cancellation_reasons = list;
    err->n_cancellation_reasons = n;
    return 0;
}

int ddb_aws_error__from_response(ddb_error *err, long http_status, const char *header_type,
                                 const char *request_id, const char *body, size_t body_len)
{
    char type[128] = "";
    json_t *doc = NULL;
    if (body && body_len > 0)
        doc = json_loadb(body, body_len, JSON_ALLOW_NUL, NULL);
    const char *raw_type = json_string_value(json_object_get(doc, "__type"));
    ddb_aws_error__short_type(type, sizeof(type), raw_type ? raw_type : header_type);

    const char *message = json_string_value(json_object_get(doc, "message"));
    if (!message)
        message = json_string_value(json_object_get(doc, "Message"));

    /* Service text goes into a one-line message: bounded, with control characters replaced. */
    char excerpt[240];
    int code = ddb_aws_error__code(type, http_status);
    if (type[0]) {
        if (message)
            ddb_value__excerpt(excerpt, sizeof(excerpt), message, strlen(message));
        ddb_error__set(err, code, "%s (HTTP %ld): %s", type, http_status,
                       message ? excerpt : "no message");
    } else {
        if (body && body_len)
            ddb_value__excerpt(excerpt, sizeof(excerpt), body, body_len);
        ddb_error__set(err, code, "HTTP %ld with no error type: %s", http_status,
                       body && body_len ? excerpt : "empty body");
    }
    if (err) {
        ddb_error__set_aws_type(err, type);
        err->http_status = http_status;
        if (request_id)
            snprintf(err->request_id, sizeof(err->request_id), "%s", request_id);
        err->throttling = ddb_aws_error__is_throttling_response(type, http_status);
        err->retryable = ddb_aws_error__is_retryable(type, http_status);
        const json_t *item = json_object_get(doc, "Item");
        if (json_is_object(item)) {
            ddb_error scratch = DDB_ERROR_INIT;
            (void)ddb_json__to_item(&err->item, item, "ConditionalCheckFailedException.Item",
                                    &scratch);
            ddb_error_clear(&scratch);
        }
        const json_t *reasons = json_object_get(doc, "CancellationReasons");
        if (json_is_array(reasons))
            (void)decode_cancellation_reasons(err, reasons);
    }
    json_decref(doc);
    return code;
}
