#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "error_internal.h"
#include "retry.h"

int ddb_retry__policy_init(ddb_retry__policy *p, int max_attempts, ddb_error *err)
{
    if (max_attempts <= 0) {
        const char *env = getenv("AWS_MAX_ATTEMPTS");
        if (env && *env) {
            char *end = NULL;
            long v = strtol(env, &end, 10);
            if (!end || *end || v < 1 || v > 100)
                return ddb_error__set(err, DDB_ERR_CONFIG,
                                      "AWS_MAX_ATTEMPTS=\"%s\" must be a whole number from 1 to 100",
                                      env);
            max_attempts = (int)v;
        } else {
            max_attempts = 4;
        }
    }
    p->max_attempts = max_attempts;
    p->tokens = DDB_RETRY_QUOTA_MAX;
    pthread_mutex_init(&p->lock, NULL);
    return 0;
}

void ddb_retry__policy_destroy(ddb_retry__policy *p)
{
    pthread_mutex_destroy(&p->lock);
}

int ddb_retry__acquire(ddb_retry__policy *p, bool throttling)
{
    int cost = throttling ? DDB_RETRY_COST_THROTTLING : DDB_RETRY_COST_TRANSIENT;
    int taken = -1;
    pthread_mutex_lock(&p->lock);
    if (p->tokens >= cost) {
        p->tokens -= cost;
        taken = cost;
    }
    pthread_mutex_unlock(&p->lock);
    return taken;
}

void ddb_retry__on_success(ddb_retry__policy *p, int cost_taken)
{
    pthread_mutex_lock(&p->lock);
    p->tokens += cost_taken > 0 ? cost_taken : DDB_RETRY_SUCCESS_REFILL;
    if (p->tokens > DDB_RETRY_QUOTA_MAX)
        p->tokens = DDB_RETRY_QUOTA_MAX;
    pthread_mutex_unlock(&p->lock);
}

/* A uniform double in [0, 1). OpenSSL's generator is thread-safe, unlike rand(). */
static double random_unit(void)
{
    uint32_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        return 0.5;
    return (double)r / 4294967296.0;
}

double ddb_retry__delay_ms(int retry, bool throttling, const char *retry_after)
{
    double base = throttling ? DDB_RETRY_BASE_THROTTLING_MS : DDB_RETRY_BASE_TRANSIENT_MS;
    double ceiling = base * pow(2.0, retry < 0 ? 0 : (retry > 30 ? 30 : retry));
    if (ceiling > DDB_RETRY_MAX_DELAY_MS)
        ceiling = DDB_RETRY_MAX_DELAY_MS;
    double delay = random_unit() * ceiling;
    if (retry_after && *retry_after) {
        char *end = NULL;
        double asked = strtod(retry_after, &end);
        if (end && *end == '\0' && asked >= 0 && asked <= delay + 5000.0)
            delay = asked;
    }
    return delay;
}
