/*
 * Internal: credential sources and the pieces the providers are built from.
 *
 * credentials.c holds the provider (cache, refresh, single flight), the public constructors and
 * the default chain; credentials_sources.c holds the sources: profile, credential_process, STS
 * (AssumeRole, AssumeRoleWithWebIdentity), container and instance metadata, with their HTTP.
 *
 * Thread safety: a source's fetch is only ever called by one thread at a time (the provider's
 * single flight guarantees it), so sources keep state without locks.
 */
#ifndef DDB_CREDENTIALS_INTERNAL_H
#define DDB_CREDENTIALS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddb/wire/credentials.h"
#include "wire/config.h"

/* Refresh this long before expiration (or halfway through a shorter lifetime). */
#define DDB_CREDS__REFRESH_AHEAD_S 300
/* Credentials this close to expiration are no longer handed out. */
#define DDB_CREDS__EXPIRY_MARGIN_S 10
/* After a failed refresh, while the old credentials still work, wait this long to try again. */
#define DDB_CREDS__RETRY_AFTER_FAILURE_S 10
/* Any response from STS, a container endpoint or IMDS, and credential_process output. */
#define DDB_CREDS__MAX_RESPONSE ((size_t)64 * 1024)
/* A web identity or container authorization token file. */
#define DDB_CREDS__MAX_TOKEN_FILE ((size_t)64 * 1024)
/* Roles assumed through source_profile, one after another. */
#define DDB_CREDS__MAX_ROLE_CHAIN 8

/* Returned (positive) by a source constructor whose source is not configured. */
#define DDB_CREDS__NOT_CONFIGURED 1

typedef struct ddb_creds__source ddb_creds__source;
struct ddb_creds__source {
    const char *kind; /* static text; becomes ddb_credentials.source */
    /* Fill out (DDB_CREDENTIALS_INIT on entry). Returns 0 or a ddb_error_code, with err filled
     * and never holding a secret. */
    int (*fetch)(ddb_creds__source *s, ddb_credentials *out, ddb_error *err);
    void (*destroy)(ddb_creds__source *s);
};

void ddb_creds__source_free(ddb_creds__source *s); /* NULL-safe */

/* Resolved settings for building sources; everything is borrowed for the constructor's call. */
typedef struct ddb_creds__settings {
    const ddb_config__files *files;
    const char *profile;
    const char *region;   /* for STS; valid */
    bool region_explicit; /* from the options or the environment, not a fallback */
    long connect_timeout_ms;
    long sts_timeout_ms;
    long metadata_timeout_ms;
    int metadata_attempts;
    long process_timeout_ms;
} ddb_creds__settings;

/*
 * Resolve the settings from options, environment and files. region_buf receives the region.
 * Returns 0 or DDB_ERR_CONFIG (a bad timeout or attempts value, an invalid region).
 */
int ddb_creds__settings_init(ddb_creds__settings *s, const ddb_credentials_options *opts,
                             const ddb_config__files *files, char *region_buf, size_t region_cap,
                             ddb_error *err);

/*
 * The source constructors. Each returns 0 with *out set, DDB_CREDS__NOT_CONFIGURED with `why`
 * saying what is missing (for messages; may be NULL), or a negative ddb_error_code.
 */
int ddb_creds__static_new(ddb_creds__source **out, const char *kind, const char *access_key_id,
                          const char *secret_access_key, const char *session_token,
                          int64_t expiration, ddb_error *err);
int ddb_creds__environment_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                               size_t why_cap, ddb_error *err);
int ddb_creds__profile_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                           size_t why_cap, ddb_error *err);
int ddb_creds__web_identity_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                                size_t why_cap, ddb_error *err);
int ddb_creds__container_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                             size_t why_cap, ddb_error *err);
int ddb_creds__imds_new(ddb_creds__source **out, const ddb_creds__settings *s, char *why,
                        size_t why_cap, ddb_error *err);

/*
 * A provider over a source it takes (freed on failure too). name is copied. Logging goes to
 * log/log_ctx at or above log_level (0: DDB_LOG_WARN). Returns 0 or DDB_ERR_NOMEM.
 */
int ddb_credentials__provider_new(ddb_credentials_provider **out, const char *name,
                                  ddb_creds__source *src, ddb_log_fn log, void *log_ctx,
                                  ddb_log_level log_level, ddb_error *err);

/* The default chain over already-loaded files (the client loads them once for everything). */
int ddb_credentials__new_default(ddb_credentials_provider **out,
                                 const ddb_credentials_options *opts,
                                 const ddb_config__files *files, ddb_error *err);

/* Tests: replace the clock (seconds since the epoch); NULL restores time(). */
void ddb_credentials__set_clock(ddb_credentials_provider *p, int64_t (*now)(void *ctx), void *ctx);
/* Tests: how many times the provider has called its source. */
unsigned long ddb_credentials__fetch_count(ddb_credentials_provider *p);
/* Tests: how many threads are blocked waiting for another thread's refresh to end. */
int ddb_credentials__waiting(ddb_credentials_provider *p);

/* ---- helpers shared by the sources, exposed for the unit tests ------------------------------ */

/* RFC 3339 / ISO 8601 UTC time ("2026-01-02T03:04:05Z", fraction and offset allowed) to
 * seconds since the epoch. Returns 0 or -1. */
int ddb_creds__parse_time(const char *text, int64_t *out);

/* Format seconds since the epoch as "2026-01-02T03:04:05Z". */
void ddb_creds__format_time(int64_t t, char *buf, size_t cap);

/*
 * The decoded text of the first <name>...</name> element within doc[0, len), searched only
 * inside the first <within>...</within> element when within is not NULL. Entities (&amp; &lt;
 * &gt; &quot; &apos; &#N; &#xN;) are decoded. *out is a new string, or NULL when absent.
 * Returns 0, DDB_ERR_PROTOCOL (malformed entity, CDATA, unterminated element) or DDB_ERR_NOMEM.
 */
int ddb_creds__xml_text(char **out, const char *doc, size_t len, const char *within,
                        const char *name, ddb_error *err);

/*
 * Parse an STS response (AssumeRole or AssumeRoleWithWebIdentity) of HTTP status `status`.
 * Success fills out; an error document gives DDB_ERR_CREDENTIALS with err->aws_type set to its
 * Code and the message naming `action`, Code and Message.
 */
int ddb_creds__sts_parse(ddb_credentials *out, long status, const char *body, size_t len,
                         const char *action, ddb_error *err);

/*
 * Parse credentials JSON: the container/IMDS shape (AccessKeyId, SecretAccessKey, Token,
 * Expiration) or, with process true, credential_process output (Version 1, SessionToken).
 * `what` names the source in errors. Values never appear in messages.
 */
int ddb_creds__parse_json(ddb_credentials *out, const char *body, size_t len, bool process,
                          const char *what, ddb_error *err);

/* Whether AWS_CONTAINER_CREDENTIALS_FULL_URI may use this URL (https, or http to loopback or the
 * ECS/EKS addresses). host receives the host for messages. */
bool ddb_creds__container_url_allowed(const char *url, char *host, size_t host_cap);

/*
 * Check credential values before they are used: none may hold a control character (CR, LF, NUL,
 * HTAB, DEL, ...), because the access key id and the session token go into HTTP headers. Each
 * *_name says where the value came from ("AWS_SESSION_TOKEN", "aws_session_token in profile
 * \"dev\""); a message names it, the byte's kind and offset, never the value. NULL values pass.
 * Returns 0 or `code` (DDB_ERR_CREDENTIALS, DDB_ERR_CONFIG or DDB_ERR_INVALID_ARG).
 */
int ddb_creds__check_values(const char *access_key_id, const char *akid_name,
                            const char *secret_access_key, const char *secret_name,
                            const char *session_token, const char *token_name, int code,
                            ddb_error *err);

/* Scrub then free a string. NULL-safe. */
void ddb_creds__scrub_free(char *s);

#endif
