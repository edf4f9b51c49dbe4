/* Internal: when and how long to wait before sending a request again. */
#ifndef DDB_RETRY_H
#define DDB_RETRY_H

#include <pthread.h>
#include <stdbool.h>

#include "ddb/error.h"

/* The AWS SDKs' standard retry quota: a client may only keep retrying while it mostly succeeds. */
#define DDB_RETRY_QUOTA_MAX 500
#define DDB_RETRY_COST_TRANSIENT 14
#define DDB_RETRY_COST_THROTTLING 5
#define DDB_RETRY_SUCCESS_REFILL 1

/* DynamoDB's base delays and the cap on any single delay. */
#define DDB_RETRY_BASE_TRANSIENT_MS 25.0
#define DDB_RETRY_BASE_THROTTLING_MS 1000.0
#define DDB_RETRY_MAX_DELAY_MS 20000.0

typedef struct ddb_retry__policy {
    int max_attempts;
    pthread_mutex_t lock;
    int tokens;
} ddb_retry__policy;

/* max_attempts <= 0 takes AWS_MAX_ATTEMPTS or else 4. */
int ddb_retry__policy_init(ddb_retry__policy *p, int max_attempts, ddb_error *err);
void ddb_retry__policy_destroy(ddb_retry__policy *p);

/*
 * Take the quota's cost for one retry. Returns the cost taken (to refund on success), or -1 when
 * the quota cannot pay for it, in which case the caller stops retrying.
 */
int ddb_retry__acquire(ddb_retry__policy *p, bool throttling);

/* After a successful attempt: refund what its retries took, or refill a little after a first try. */
void ddb_retry__on_success(ddb_retry__policy *p, int cost_taken);

/*
 * The delay before retry number `retry` (0 for the first retry): random(0,1) * min(20 s,
 * base * 2^retry). A server's x-amz-retry-after (milliseconds, may be NULL) is honoured when it
 * lies within the computed delay plus 5 s.
 */
double ddb_retry__delay_ms(int retry, bool throttling, const char *retry_after);

#endif
