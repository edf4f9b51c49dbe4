/*
 * Credentials values and the simplest sources (static, environment): what every source builds
 * on. The sources that talk to files, processes and endpoints are in credentials_sources.c; the
 * provider that caches and chains them is in credentials_provider.c, above both.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error_internal.h"
#include "wire/credentials_internal.h"
#include "wire/http.h"

/* ---- credentials values --------------------------------------------------------------------- */

void ddb_creds__scrub_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void ddb_credentials_clear(ddb_credentials *creds)
{
    if (!creds)
        return;
    ddb_creds__scrub_free(creds->access_key_id);
    ddb_creds__scrub_free(creds->secret_access_key);
    ddb_creds__scrub_free(creds->session_token);
    *creds = (ddb_credentials)DDB_CREDENTIALS_INIT;
}

int ddb_creds__check_values(const char *access_key_id, const char *akid_name,
                            const char *secret_access_key, const char *secret_name,
                            const char *session_token, const char *token_name, int code,
                            ddb_error *err)
{
    /* HTAB too: HTTP would carry it, but no credential has one, and SigV4 canonicalisation
     * of a header value with one is not the same in every implementation. */
    const char *values[] = {access_key_id, secret_access_key, session_token};
    const char *names[] = {akid_name, secret_name, token_name};
    for (size_t i = 0; i < 3; i++) {
        if (!values[i])
            continue;
        int rc = ddb_http__check_value(values[i], strlen(values[i]), false, names[i], code, err);
        if (rc)
            return rc;
    }
    return 0;
}

int ddb_credentials_set(ddb_credentials *creds, const char *access_key_id,
                        const char *secret_access_key, const char *session_token,
                        int64_t expiration, ddb_error *err)
{
    if (!creds)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "credentials must not be NULL");
    if (!access_key_id || !*access_key_id)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "access key id is missing or empty");
    if (!secret_access_key || !*secret_access_key)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "secret access key is missing or empty");
    if (expiration < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "expiration %lld is negative",
                              (long long)expiration);
    int rc = ddb_creds__check_values(access_key_id, "the access key id", secret_access_key,
                                     "the secret access key", session_token, "the session token",
                                     DDB_ERR_INVALID_ARG, err);
    if (rc)
        return rc;
    ddb_credentials next = {
        .access_key_id = strdup(access_key_id),
        .secret_access_key = strdup(secret_access_key),
        .session_token = session_token && *session_token ? strdup(session_token) : NULL,
        .expiration = expiration,
        .source = creds->source,
    };
    if (!next.access_key_id || !next.secret_access_key ||
        (session_token && *session_token && !next.session_token)) {
        ddb_credentials_clear(&next);
        return ddb_error__nomem(err, "credentials");
    }
    ddb_credentials_clear(creds);
    *creds = next;
    return 0;
}

/* ---- expiration times (RFC 3339) ----------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int ddb_creds__parse_time(const char *t, int64_t *out)
{
    int year, mon, day, hour, min, sec;
    if (!t || strlen(t) < 19 || !digits(t, 4, &year) || t[4] != '-' || !digits(t + 5, 2, &mon) ||
        t[7] != '-' || !digits(t + 8, 2, &day) || (t[10] != 'T' && t[10] != 't') ||
        !digits(t + 11, 2, &hour) || t[13] != ':' || !digits(t + 14, 2, &min) || t[16] != ':' ||
        !digits(t + 17, 2, &sec))
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return -1;
    const char *p = t + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out = days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 +
           sec - offset;
    return 0;
}

void ddb_creds__format_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "@%lld", (long long)t);
}

/* ---- sources -------------------------------------------------------------------------------- */

void ddb_creds__source_free(ddb_creds__source *s)
{
    if (s)
        s->destroy(s);
}

typedef struct static_source {
    ddb_creds__source base;
    ddb_credentials creds;
} static_source;

static int static_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    const ddb_credentials *c = &((static_source *)s)->creds;
    return ddb_credentials_set(out, c->access_key_id, c->secret_access_key, c->session_token,
                               c->expiration, err);
}

static void static_destroy(ddb_creds__source *s)
{
    ddb_credentials_clear(&((static_source *)s)->creds);
    free(s);
}

int ddb_creds__static_new(ddb_creds__source **out, const char *kind, const char *access_key_id,
                          const char *secret_access_key, const char *session_token,
                          int64_t expiration, ddb_error *err)
{
    static_source *s = calloc(1, sizeof(*s));
    if (!s)
        return ddb_error__nomem(err, "credentials source");
    s->base = (ddb_creds__source){kind, static_fetch, static_destroy};
    int rc = ddb_credentials_set(&s->creds, access_key_id, secret_access_key, session_token,
                                 expiration, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static void set_why(char *why, size_t cap, const char *text)
{
    if (why && cap)
        snprintf(why, cap, "%s", text);
}

int ddb_creds__environment_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                               size_t why_cap, ddb_error *err)
{
    (void)s;
    const char *akid = ddb_config__env("AWS_ACCESS_KEY_ID");
    const char *secret = ddb_config__env("AWS_SECRET_ACCESS_KEY");
    if (!akid && !secret) {
        set_why(why, why_cap, "AWS_ACCESS_KEY_ID is not set");
        return DDB_CREDS__NOT_CONFIGURED;
    }
    if (!akid || !secret)
        return ddb_error__set(err, DDB_ERR_CREDENTIALS, "%s is set but %s is not",
                              akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                              akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    int64_t expiration = 0;
    const char *exp = ddb_config__env("AWS_CREDENTIAL_EXPIRATION");
    if (exp && ddb_creds__parse_time(exp, &expiration) != 0)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "AWS_CREDENTIAL_EXPIRATION=\"%.40s\" is not an ISO 8601 time", exp);
    const char *token = ddb_config__env("AWS_SESSION_TOKEN");
    int rc = ddb_creds__check_values(akid, "AWS_ACCESS_KEY_ID", secret, "AWS_SECRET_ACCESS_KEY",
                                     token, "AWS_SESSION_TOKEN", DDB_ERR_CREDENTIALS, err);
    if (rc)
        return rc;
    return ddb_creds__static_new(out, "environment", akid, secret, token, expiration, err);
}
