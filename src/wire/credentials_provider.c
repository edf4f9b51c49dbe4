/*
 * Credential providers: the cache with early refresh and single flight, the callback source, the
 * public constructors and the default chain. It sits above the sources (credentials.c,
 * credentials_sources.c), which never call back into it.
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

typedef struct callback_source {
    ddb_creds__source base;
    ddb_credentials_fn fn;
    void *ctx;
    void (*ctx_free)(void *ctx);
} callback_source;

static int callback_fetch(ddb_creds__source *s, ddb_credentials *out, ddb_error *err)
{
    callback_source *cb = (callback_source *)s;
    int rc = cb->fn(cb->ctx, out, err);
    if (rc > 0)
        rc = DDB_ERR_CREDENTIALS;
    if (rc == 0 && (!out->access_key_id || !out->secret_access_key)) {
        ddb_credentials_clear(out);
        return ddb_error__set(err, DDB_ERR_CREDENTIALS,
                              "the credentials callback returned success without credentials");
    }
    if (rc == 0) {
        char names[3][128];
        snprintf(names[0], sizeof(names[0]), "the access key id from credentials callback \"%s\"",
                 s->kind);
        snprintf(names[1], sizeof(names[1]),
                 "the secret access key from credentials callback \"%s\"", s->kind);
        snprintf(names[2], sizeof(names[2]), "the session token from credentials callback \"%s\"",
                 s->kind);
        rc = ddb_creds__check_values(out->access_key_id, names[0], out->secret_access_key, names[1],
                                     out->session_token, names[2], DDB_ERR_CREDENTIALS, err);
        if (rc)
            ddb_credentials_clear(out);
        return rc;
    }
    if (rc && err && err->code == 0)
        ddb_error__set(err, rc, "the credentials callback failed: %s", ddb_strerror(rc));
    return rc;
}

static void callback_destroy(ddb_creds__source *s)
{
    callback_source *cb = (callback_source *)s;
    if (cb->ctx_free)
        cb->ctx_free(cb->ctx);
    free(cb);
}

/* ---- the provider: cache, early refresh, single flight -------------------------------------- */

struct ddb_credentials_provider {
    char name[64];
    ddb_creds__source *src;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool refreshing;          /* one thread is fetching, outside the lock */
    unsigned long generation; /* refreshes completed */
    unsigned long fetches;
    int waiting; /* threads blocked until another thread's refresh ends */
    bool have;
    ddb_credentials cached;
    int64_t refresh_at;   /* start refreshing from this time */
    int64_t next_attempt; /* after a failure: the next try, while the cached ones still work */
    int last_rc;          /* the last refresh's result, for threads that waited on it */
    ddb_error last_err;   /* its detail (never holds owned pointers) */
    int64_t (*clock)(void *ctx);
    void *clock_ctx;
    ddb_log_fn log;
    void *log_ctx;
    ddb_log_level log_level;
};

static int64_t wall_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static void plog(const ddb_credentials_provider *p, ddb_log_level level, const char *fmt, ...)
    DDB_PRINTF(3, 4);
static void plog(const ddb_credentials_provider *p, ddb_log_level level, const char *fmt, ...)
{
    if (!p->log || level > p->log_level)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    p->log(p->log_ctx, level, line, NULL);
}

int ddb_credentials__provider_new(ddb_credentials_provider **out, const char *name,
                                  ddb_creds__source *src, ddb_log_fn log, void *log_ctx,
                                  ddb_log_level log_level, ddb_error *err)
{
    ddb_credentials_provider *p = calloc(1, sizeof(*p));
    if (!p) {
        ddb_creds__source_free(src);
        return ddb_error__nomem(err, "credentials provider");
    }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        ddb_creds__source_free(src);
        return ddb_error__set(err, DDB_ERR_NOMEM, "pthread_mutex_init failed");
    }
    if (pthread_cond_init(&p->cond, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        ddb_creds__source_free(src);
        return ddb_error__set(err, DDB_ERR_NOMEM, "pthread_cond_init failed");
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->src = src;
    p->clock = wall_clock;
    p->log = log;
    p->log_ctx = log_ctx;
    p->log_level = log_level ? log_level : DDB_LOG_WARN;
    *out = p;
    return 0;
}

void ddb_credentials_provider_free(ddb_credentials_provider *p)
{
    if (!p)
        return;
    ddb_creds__source_free(p->src);
    ddb_credentials_clear(&p->cached);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

const char *ddb_credentials_provider_name(const ddb_credentials_provider *p)
{
    return p ? p->name : "";
}

void ddb_credentials__set_clock(ddb_credentials_provider *p, int64_t (*now)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&p->lock);
    p->clock = now ? now : wall_clock;
    p->clock_ctx = now ? ctx : NULL;
    pthread_mutex_unlock(&p->lock);
}

unsigned long ddb_credentials__fetch_count(ddb_credentials_provider *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned long n = p->fetches;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int ddb_credentials__waiting(ddb_credentials_provider *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->waiting;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* Callers hold the lock. */
static bool usable(const ddb_credentials_provider *p, int64_t now)
{
    return p->have &&
           (p->cached.expiration == 0 || now < p->cached.expiration - DDB_CREDS__EXPIRY_MARGIN_S);
}

static bool fresh(const ddb_credentials_provider *p, int64_t now)
{
    return usable(p, now) && (p->cached.expiration == 0 || now < p->refresh_at);
}

static int copy_cached(ddb_credentials *out, const ddb_credentials_provider *p, ddb_error *err)
{
    ddb_credentials copy = DDB_CREDENTIALS_INIT;
    int rc = ddb_credentials_set(&copy, p->cached.access_key_id, p->cached.secret_access_key,
                                 p->cached.session_token, p->cached.expiration, err);
    if (rc)
        return rc;
    copy.source = p->cached.source;
    ddb_credentials_clear(out);
    *out = copy;
    return 0;
}

/* Copy an error's scalar detail (ours never own pointers). */
static void copy_error(ddb_error *dst, const ddb_error *src)
{
    if (!dst)
        return;
    ddb_error_clear(dst);
    dst->code = src->code;
    memcpy(dst->aws_type, src->aws_type, sizeof(dst->aws_type));
    memcpy(dst->message, src->message, sizeof(dst->message));
    dst->http_status = src->http_status;
    memcpy(dst->request_id, src->request_id, sizeof(dst->request_id));
    dst->retryable = src->retryable;
    dst->throttling = src->throttling;
}

/* Run one fetch (the caller set p->refreshing and dropped the lock); retake the lock. */
static int refresh(ddb_credentials_provider *p, ddb_credentials *got, ddb_error *ferr)
{
    int rc = p->src->fetch(p->src, got, ferr);
    pthread_mutex_lock(&p->lock);
    int64_t now = p->clock(p->clock_ctx);
    if (rc == 0 && got->expiration != 0 && got->expiration <= now) {
        char when[32];
        ddb_creds__format_time(got->expiration, when, sizeof(when));
        rc = ddb_error__set(ferr, DDB_ERR_CREDENTIALS,
                            "credentials from %s expired at %s, before they were received",
                            p->src->kind, when);
        ddb_credentials_clear(got);
    }
    if (rc > 0) /* a source must not return a positive value here; never treat it as success */
        rc = ddb_error__set(ferr, DDB_ERR_CREDENTIALS, "credentials from %s are not configured",
                            p->src->kind);
    p->fetches++;
    p->generation++;
    p->refreshing = false;
    if (rc == 0) {
        got->source = p->src->kind;
        ddb_credentials_clear(&p->cached);
        p->cached = *got;
        *got = (ddb_credentials)DDB_CREDENTIALS_INIT;
        p->have = true;
        p->last_rc = 0;
        p->next_attempt = 0;
        if (p->cached.expiration) {
            int64_t lifetime = p->cached.expiration - now;
            int64_t ahead = lifetime / 2 < DDB_CREDS__REFRESH_AHEAD_S ? lifetime / 2
                                                                      : DDB_CREDS__REFRESH_AHEAD_S;
            p->refresh_at = p->cached.expiration - ahead;
        }
    } else {
        if (ferr->code == 0)
            ddb_error__set(ferr, rc, "credentials from %s: %s", p->src->kind, ddb_strerror(rc));
        p->last_rc = rc;
        copy_error(&p->last_err, ferr);
        p->next_attempt = now + DDB_CREDS__RETRY_AFTER_FAILURE_S;
    }
    pthread_cond_broadcast(&p->cond);
    return rc;
}

int ddb_credentials_provider_get(ddb_credentials *out, ddb_credentials_provider *p, ddb_error *err)
{
    if (!out || !p)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "credentials provider: NULL argument");
    int rc = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        int64_t now = p->clock(p->clock_ctx);
        if (fresh(p, now)) {
            rc = copy_cached(out, p, err);
            break;
        }
        if (p->refreshing) {
            if (usable(p, now)) { /* someone is refreshing early: the current ones still work */
                rc = copy_cached(out, p, err);
                break;
            }
            unsigned long gen = p->generation;
            p->waiting++;
            while (p->refreshing && p->generation == gen)
                pthread_cond_wait(&p->cond, &p->lock);
            p->waiting--;
            /* The refresh this thread waited for failed: share its result, do not start another. */
            if (p->generation != gen && p->last_rc != 0 && !usable(p, p->clock(p->clock_ctx))) {
                rc = p->last_rc;
                copy_error(err, &p->last_err);
                break;
            }
            continue;
        }
        if (usable(p, now) && now < p->next_attempt) {
            rc = copy_cached(out, p, err);
            break;
        }

        /* This thread refreshes; the others wait for it or use what is cached. */
        p->refreshing = true;
        bool had = usable(p, now);
        pthread_mutex_unlock(&p->lock);
        ddb_credentials got = DDB_CREDENTIALS_INIT;
        ddb_error ferr = DDB_ERROR_INIT;
        rc = refresh(p, &got, &ferr); /* returns with the lock held */
        int64_t after = p->clock(p->clock_ctx);
        int64_t expiration = p->cached.expiration;
        if (rc == 0 || usable(p, after)) {
            int failed = rc;
            rc = copy_cached(out, p, err);
            pthread_mutex_unlock(&p->lock);
            char when[48] = "do not expire", stamp[32];
            if (expiration) {
                ddb_creds__format_time(expiration, stamp, sizeof(stamp));
                snprintf(when, sizeof(when), "expire at %s", stamp);
            }
            if (failed)
                plog(p, DDB_LOG_WARN,
                     "credentials: refresh from %s failed (%s); keeping the current credentials, "
                     "valid for %lld more s",
                     p->src->kind, ferr.message,
                     (long long)(expiration - DDB_CREDS__EXPIRY_MARGIN_S - after));
            else
                plog(p, DDB_LOG_INFO, "credentials: %s from %s; they %s",
                     had ? "refreshed" : "fetched", p->src->kind, when);
            return rc;
        }
        pthread_mutex_unlock(&p->lock);
        plog(p, DDB_LOG_WARN, "credentials: %s", ferr.message);
        copy_error(err, &ferr);
        return rc;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* ---- public constructors -------------------------------------------------------------------- */

int ddb_credentials_provider_new_static(ddb_credentials_provider **out, const char *access_key_id,
                                        const char *secret_access_key, const char *session_token,
                                        ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    ddb_creds__source *src = NULL;
    int rc = ddb_creds__static_new(&src, "static", access_key_id, secret_access_key, session_token,
                                   0, err);
    if (rc)
        return rc;
    return ddb_credentials__provider_new(out, "static", src, NULL, NULL, 0, err);
}

int ddb_credentials_provider_new_callback(ddb_credentials_provider **out, const char *name,
                                          ddb_credentials_fn fetch, void *ctx,
                                          void (*ctx_free)(void *ctx), ddb_error *err)
{
    int rc;
    if (!out || !fetch || !name || !*name || strlen(name) > 63) {
        rc = ddb_error__set(err, DDB_ERR_INVALID_ARG,
                            "callback provider: out, fetch and a name of 1 to 63 bytes are "
                            "required");
        if (ctx_free)
            ctx_free(ctx);
        return rc;
    }
    callback_source *cb = calloc(1, sizeof(*cb) + strlen(name) + 1);
    if (!cb) {
        if (ctx_free)
            ctx_free(ctx);
        return ddb_error__nomem(err, "credentials callback");
    }
    char *kind = (char *)(cb + 1);
    memcpy(kind, name, strlen(name) + 1);
    cb->base = (ddb_creds__source){kind, callback_fetch, callback_destroy};
    cb->fn = fetch;
    cb->ctx = ctx;
    cb->ctx_free = ctx_free;
    return ddb_credentials__provider_new(out, kind, &cb->base, NULL, NULL, 0, err);
}

typedef int (*source_ctor)(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                           size_t why_cap, ddb_error *err);

/* One source as a provider of its own: "not configured" is an error here. */
static int new_single(ddb_credentials_provider **out, const ddb_credentials_options *opts,
                      const char *name, source_ctor ctor, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    static const ddb_credentials_options defaults = DDB_CREDENTIALS_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > DDB_CREDENTIALS_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_credentials_options.version %u is not supported", opts->version);
    ddb_config__files *files = NULL;
    ddb_creds__source *src = NULL;
    ddb_creds__settings s;
    char region[64], why[256] = "";
    int rc = ddb_config__load(&files, err);
    if (rc)
        return rc;
    if ((rc = ddb_creds__settings_init(&s, opts, files, region, sizeof(region), err)) != 0)
        goto done;
    rc = ctor(&src, &s, why, sizeof(why), err);
    if (rc == DDB_CREDS__NOT_CONFIGURED) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS, "no %s credentials: %s", name, why);
        goto done;
    }
    if (rc)
        goto done;
    rc = ddb_credentials__provider_new(out, name, src, opts->log, opts->log_ctx, opts->log_level,
                                       err);
done:
    ddb_config__free(files);
    return rc;
}

int ddb_credentials_provider_new_environment(ddb_credentials_provider **out,
                                             const ddb_credentials_options *opts, ddb_error *err)
{
    return new_single(out, opts, "environment", ddb_creds__environment_new, err);
}

int ddb_credentials_provider_new_profile(ddb_credentials_provider **out,
                                         const ddb_credentials_options *opts, ddb_error *err)
{
    return new_single(out, opts, "profile", ddb_creds__profile_new, err);
}

int ddb_credentials_provider_new_web_identity(ddb_credentials_provider **out,
                                              const ddb_credentials_options *opts, ddb_error *err)
{
    return new_single(out, opts, "web_identity", ddb_creds__web_identity_new, err);
}

int ddb_credentials_provider_new_container(ddb_credentials_provider **out,
                                           const ddb_credentials_options *opts, ddb_error *err)
{
    return new_single(out, opts, "container", ddb_creds__container_new, err);
}

int ddb_credentials_provider_new_imds(ddb_credentials_provider **out,
                                      const ddb_credentials_options *opts, ddb_error *err)
{
    return new_single(out, opts, "imds", ddb_creds__imds_new, err);
}

/* ---- the default chain ---------------------------------------------------------------------- */

int ddb_credentials__new_default(ddb_credentials_provider **out,
                                 const ddb_credentials_options *opts,
                                 const ddb_config__files *files, ddb_error *err)
{
    static const struct {
        const char *name;
        source_ctor ctor;
    } chain[] = {
        {"environment", ddb_creds__environment_new},   {"profile", ddb_creds__profile_new},
        {"web identity", ddb_creds__web_identity_new}, {"container", ddb_creds__container_new},
        {"instance metadata", ddb_creds__imds_new},
    };
    static const ddb_credentials_options defaults = DDB_CREDENTIALS_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    ddb_creds__settings s;
    char region[64];
    int rc = ddb_creds__settings_init(&s, opts, files, region, sizeof(region), err);
    if (rc)
        return rc;
    const char *profile = s.profile;
    bool named = (opts->profile && *opts->profile) || ddb_config__env("AWS_PROFILE");
    if (named && !ddb_config__has_profile(files, profile))
        return ddb_error__set(err, DDB_ERR_CONFIG, "profile \"%s\" is not in %s or %s", profile,
                              ddb_config__config_path(files), ddb_config__credentials_path(files));

    /* What each skipped source lacked, for the message when none is configured. */
    char skipped[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
        ddb_creds__source *src = NULL;
        char why[160] = "";
        rc = chain[i].ctor(&src, &s, why, sizeof(why), err);
        if (rc < 0)
            return rc; /* configured but invalid: report it, never fall through */
        if (rc == 0) {
            rc = ddb_credentials__provider_new(out, "default chain", src, opts->log, opts->log_ctx,
                                               opts->log_level, err);
            if (rc == 0)
                plog(*out, DDB_LOG_DEBUG, "credentials: the default chain uses %s%s%s",
                     chain[i].name, used ? "; skipped: " : "", skipped);
            return rc;
        }
        int w = snprintf(skipped + used, sizeof(skipped) - used, "%s%s (%s)", used ? ", " : "",
                         chain[i].name, why);
        if (w > 0)
            used = used + (size_t)w < sizeof(skipped) ? used + (size_t)w : sizeof(skipped) - 1;
    }
    return ddb_error__set(err, DDB_ERR_CREDENTIALS, "no AWS credentials configured: %s", skipped);
}

int ddb_credentials_provider_new_default(ddb_credentials_provider **out,
                                         const ddb_credentials_options *opts, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    if (opts && (opts->version < 1 || opts->version > DDB_CREDENTIALS_OPTIONS_VERSION))
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_credentials_options.version %u is not supported", opts->version);
    ddb_config__files *files = NULL;
    int rc = ddb_config__load(&files, err);
    if (rc == 0)
        rc = ddb_credentials__new_default(out, opts, files, err);
    ddb_config__free(files);
    return rc;
}
