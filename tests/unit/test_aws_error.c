/* Error responses: type parsing, classification, and what reaches the ddb_error. */
#include "core/checksum.h"
#include "ddb/core/value.h"
#include "test.h"
#include "wire/aws_error.h"

TEST(short_type_from_json_type)
{
    char out[128];
    ddb_aws_error__short_type(out, sizeof(out),
                              "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
    CHECK_STR(out, "ResourceNotFoundException");
    ddb_aws_error__short_type(out, sizeof(out), "ValidationException");
    CHECK_STR(out, "ValidationException");
}

TEST(short_type_from_header)
{
    char out[128];
    ddb_aws_error__short_type(out, sizeof(out),
                              "ThrottlingException:http://internal.amazon.com/coral/com.amazon/");
    CHECK_STR(out, "ThrottlingException");
    ddb_aws_error__short_type(out, sizeof(out), "aws.protocoltests#FooError:http://x/y");
    CHECK_STR(out, "FooError");
    ddb_aws_error__short_type(out, 4, "ValidationException");
    CHECK_STR(out, "Val");
    ddb_aws_error__short_type(out, sizeof(out), NULL);
    CHECK_STR(out, "");
}

TEST(classification)
{
    CHECK_INT(ddb_aws_error__code("ConditionalCheckFailedException", 400),
              DDB_ERR_CONDITION_FAILED);
    CHECK_INT(ddb_aws_error__code("TransactionCanceledException", 400),
              DDB_ERR_TRANSACTION_CANCELED);
    CHECK_INT(ddb_aws_error__code("ProvisionedThroughputExceededException", 400),
              DDB_ERR_THROTTLED);
    CHECK_INT(ddb_aws_error__code("UnrecognizedClientException", 400), DDB_ERR_AUTH);
    CHECK_INT(ddb_aws_error__code("SomethingNew", 400), DDB_ERR_SERVICE);
    CHECK_INT(ddb_aws_error__code("", 403), DDB_ERR_AUTH);
    CHECK(ddb_aws_error__is_throttling("ThrottlingException"));
    CHECK(ddb_aws_error__is_throttling("RequestLimitExceeded"));
    CHECK(!ddb_aws_error__is_throttling("ValidationException"));
    CHECK(ddb_aws_error__is_retryable("InternalServerError", 500));
    CHECK(ddb_aws_error__is_retryable("", 503));
    CHECK(!ddb_aws_error__is_retryable("ConditionalCheckFailedException", 400));
    CHECK(!ddb_aws_error__is_retryable("TransactionCanceledException", 400));
    CHECK(!ddb_aws_error__is_retryable("IdempotentParameterMismatchException", 400));
}

/* The retry classification, code by code, as the retry behaviour lists them. */
TEST(retry_classification_lists)
{
    static const char *const throttling[] = {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "LimitExceededException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    for (size_t i = 0; i < sizeof(throttling) / sizeof(*throttling); i++) {
        CHECK(ddb_aws_error__is_throttling(throttling[i]));
        CHECK(ddb_aws_error__is_throttling_response(throttling[i], 400));
        CHECK(ddb_aws_error__is_retryable(throttling[i], 400));
        CHECK_INT(ddb_aws_error__code(throttling[i], 400), DDB_ERR_THROTTLED);
    }
    static const char *const transient[] = {
        "InternalServerError", "RequestTimeout",     "RequestTimeoutException",
        "InternalFailure",     "ServiceUnavailable", "ServiceUnavailableException",
    };
    for (size_t i = 0; i < sizeof(transient) / sizeof(*transient); i++) {
        CHECK(ddb_aws_error__is_retryable(transient[i], 400));
        CHECK(!ddb_aws_error__is_throttling_response(transient[i], 500));
    }
    static const long statuses[] = {500, 502, 503, 504};
    for (size_t i = 0; i < 4; i++) {
        CHECK(ddb_aws_error__is_retryable("", statuses[i]));
        CHECK(ddb_aws_error__is_retryable(NULL, statuses[i]));
        CHECK(ddb_aws_error__is_retryable("SomethingNew", statuses[i]));
    }
    CHECK(!ddb_aws_error__is_retryable("", 501));
    CHECK(!ddb_aws_error__is_retryable("", 400));
    CHECK(!ddb_aws_error__is_retryable("SomethingNew", 400));
    /* 429 is throttling without a type too. */
    CHECK(ddb_aws_error__is_throttling_response("", 429));
    CHECK(ddb_aws_error__is_retryable(NULL, 429));
    CHECK_INT(ddb_aws_error__code("", 429), DDB_ERR_THROTTLED);

    /* Never retried, whatever status comes with them. */
    static const char *const never[] = {
        "ConditionalCheckFailedException", "ValidationException",
        "ResourceNotFoundException",       "AccessDeniedException",
        "InvalidSignatureException",       "SignatureDoesNotMatch",
        "IncompleteSignatureException",    "MissingAuthenticationTokenException",
        "UnrecognizedClientException",     "ExpiredTokenException",
        "TransactionCanceledException",    "IdempotentParameterMismatchException",
        "SerializationException",
    };
    for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++) {
        CHECK(!ddb_aws_error__is_retryable(never[i], 400));
        CHECK(!ddb_aws_error__is_retryable(never[i], 500));
        CHECK(!ddb_aws_error__is_retryable(never[i], 503));
        CHECK(!ddb_aws_error__is_throttling_response(never[i], 429));
    }
}

/* What reaches the ddb_error for the answers the retry tests' proxy makes up. */
TEST(retryable_responses_fill_the_flags)
{
    ddb_error err = DDB_ERROR_INIT;
    const char thr[] = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                       "\"message\":\"Rate of requests exceeds the allowed throughput.\"}";
    CHECK_INT(ddb_aws_error__from_response(&err, 400, NULL, "R1", thr, sizeof(thr) - 1),
              DDB_ERR_THROTTLED);
    CHECK(err.retryable && err.throttling);
    CHECK_STR(err.aws_type, "ThrottlingException");
    const char ise[] = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
                       "\"message\":\"Internal server error\"}";
    CHECK_INT(ddb_aws_error__from_response(&err, 500, NULL, "R2", ise, sizeof(ise) - 1),
              DDB_ERR_SERVICE);
    CHECK(err.retryable && !err.throttling);
    CHECK_INT(ddb_aws_error__from_response(&err, 429, NULL, NULL, "", 0), DDB_ERR_THROTTLED);
    CHECK(err.retryable && err.throttling);
    const char ccf[] = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "ConditionalCheckFailedException\",\"message\":\"The conditional request "
                       "failed\"}";
    CHECK_INT(ddb_aws_error__from_response(&err, 503, NULL, NULL, ccf, sizeof(ccf) - 1),
              DDB_ERR_CONDITION_FAILED);
    CHECK(!err.retryable && !err.throttling);
    ddb_error_clear(&err);
}

TEST(response_body_wins_over_header)
{
    const char body[] = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\","
                        "\"message\":\"One or more parameter values were invalid\"}";
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_aws_error__from_response(&err, 400, "ThrottlingException:x", "REQ123", body,
                                          sizeof(body) - 1);
    CHECK_INT(rc, DDB_ERR_VALIDATION);
    CHECK_INT(err.code, DDB_ERR_VALIDATION);
    CHECK_STR(err.aws_type, "ValidationException");
    CHECK_STR(err.request_id, "REQ123");
    CHECK_INT(err.http_status, 400);
    CHECK_CONTAINS(err.message, "One or more parameter values were invalid");
    CHECK(!err.retryable);
    ddb_error_clear(&err);
}

TEST(header_only_and_garbage_body)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc =
        ddb_aws_error__from_response(&err, 400, "ThrottlingException:http://x", NULL, "<html>", 6);
    CHECK_INT(rc, DDB_ERR_THROTTLED);
    CHECK(err.throttling);
    CHECK(err.retryable);
    ddb_error_clear(&err);
    rc = ddb_aws_error__from_response(&err, 502, NULL, NULL, "", 0);
    CHECK_INT(rc, DDB_ERR_SERVICE);
    CHECK(err.retryable);
    CHECK_CONTAINS(err.message, "HTTP 502");
    ddb_error_clear(&err);
}

TEST(cancellation_reasons_map_to_action_indexes)
{
    const char body[] =
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
        "\"Message\":\"Transaction cancelled\",\"CancellationReasons\":["
        "{\"Code\":\"None\"},{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional "
        "request "
        "failed\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"3\"}}},{\"Code\":\"None\"}]}";
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_aws_error__from_response(&err, 400, NULL, NULL, body, sizeof(body) - 1);
    CHECK_INT(rc, DDB_ERR_TRANSACTION_CANCELED);
    REQUIRE(err.n_cancellation_reasons == 3);
    CHECK_STR(err.cancellation_reasons[0].code, "None");
    CHECK_STR(err.cancellation_reasons[1].code, "ConditionalCheckFailed");
    CHECK_STR(err.cancellation_reasons[1].message, "The conditional request failed");
    REQUIRE(err.cancellation_reasons[1].item != NULL);
    CHECK_STR(ddb_value_n(ddb_value_m_get(err.cancellation_reasons[1].item, "n")), "3");
    CHECK(err.cancellation_reasons[0].item == NULL);
    ddb_error_clear(&err);
    CHECK(err.cancellation_reasons == NULL);
}

TEST(condition_failure_item)
{
    const char body[] = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                        "ConditionalCheckFailedException\",\"message\":\"The conditional request "
                        "failed\",\"Item\":{\"pk\":{\"S\":\"k1\"},\"v\":{\"N\":\"1\"}}}";
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_aws_error__from_response(&err, 400, NULL, NULL, body, sizeof(body) - 1),
              DDB_ERR_CONDITION_FAILED);
    REQUIRE(err.item != NULL);
    CHECK_STR(ddb_value_s(ddb_value_m_get(err.item, "pk"), NULL), "k1");
    ddb_error_clear(&err);
}

TEST(strerror_and_names)
{
    CHECK_STR(ddb_error_code_name(DDB_ERR_LIMIT), "DDB_ERR_LIMIT");
    CHECK_STR(ddb_strerror(DDB_ERR_CRC32), "response checksum mismatch");
    CHECK_STR(ddb_error_code_name(-9999), "DDB_ERR_UNKNOWN");
    CHECK_STR(ddb_strerror(0), "success");
    /* Codes are only appended: the retry path's fail-fast codes come after the older ones. */
    CHECK_INT(DDB_ERR_RETRY_QUOTA, -21);
    CHECK_INT(DDB_ERR_CIRCUIT_OPEN, -22);
    CHECK_STR(ddb_strerror(DDB_ERR_RETRY_QUOTA), "retry quota exhausted; not retrying");
    CHECK_STR(ddb_strerror(DDB_ERR_CIRCUIT_OPEN), "circuit breaker open; failing fast");
}

/* The CRC32 in X-Amz-Crc32: the standard check value, and a body DynamoDB Local really sent. */
TEST(crc32)
{
    CHECK_INT(ddb_checksum__crc32("123456789", 9), 0xCBF43926u);
    CHECK_INT(ddb_checksum__crc32("{\"TableNames\":[]}", 17), 1315925753u);
    CHECK_INT(ddb_checksum__crc32("", 0), 0);
}

/* A body that is not JSON lands in the message as one bounded line, read only up to its length. */
TEST(raw_body_is_one_bounded_line)
{
    char *body = malloc(600); /* exactly sized, no NUL: the parser must respect the length */
    REQUIRE(body != NULL);
    for (int i = 0; i < 600; i++)
        body[i] = (i % 50 == 49) ? '\n' : 'x';
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_aws_error__from_response(&err, 503, NULL, NULL, body, 600), DDB_ERR_SERVICE);
    CHECK(strchr(err.message, '\n') == NULL);
    CHECK(strlen(err.message) < 300);
    CHECK_CONTAINS(err.message, "HTTP 503");
    ddb_error_clear(&err);
    free(body);
}

TEST_MAIN(CASE(raw_body_is_one_bounded_line), CASE(short_type_from_json_type),
          CASE(short_type_from_header), CASE(classification), CASE(retry_classification_lists),
          CASE(retryable_responses_fill_the_flags), CASE(response_body_wins_over_header),
          CASE(header_only_and_garbage_body), CASE(cancellation_reasons_map_to_action_indexes),
          CASE(condition_failure_item), CASE(strerror_and_names), CASE(crc32))
