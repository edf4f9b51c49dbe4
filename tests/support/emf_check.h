/*
 * The CloudWatch Embedded Metric Format rules, checked on one log line: what the unit and the
 * DynamoDB Local tests of ddb/wire/ops.h's EMF writer both assert.
 */
#ifndef DDB_TEST_EMF_CHECK_H
#define DDB_TEST_EMF_CHECK_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parse `line` and check it against the EMF specification: a JSON object whose `_aws` member is
 * an object with a numeric `Timestamp` and a `CloudWatchMetrics` array of directives; each
 * directive has a `Namespace` (1-255 characters), `Dimensions` (an array of dimension sets, each
 * an array of 1-30 names, each a string member of the root) and `Metrics` (1-100 definitions of
 * a `Name` of 1-255 characters, unique, and an optional `Unit` from CloudWatch's list, each name a
 * numeric member of the root, or an array of at most 100 numbers). Returns the parsed root (the
 * caller decrefs it), or NULL after writing why into why[cap].
 */
json_t *emf_check_line(const char *line, char *why, size_t cap);

#endif
