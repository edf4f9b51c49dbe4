/*
 * ddb/wire/credentials.h - where a client's AWS credentials come from.
 *
 * A ddb_credentials_provider produces credentials and caches them: it fetches them on the first
 * request, keeps them until shortly before they expire, and refreshes them early (five minutes
 * ahead, or halfway through a shorter lifetime). When many threads need a refresh at once, one
 * of them fetches and the others wait for its result; while credentials are still valid, the
 * others keep using them instead of waiting. A failed refresh keeps the old credentials until
 * they expire. docs/configuration.md lists every setting each provider reads.
 *
 * Provider settings (environment variables, profile files) are read when the provider is
 * created; token files and credential_process run at each refresh.
 *
 * Secrets (secret keys, session tokens, authorization tokens) never appear in logs, traces or
 * error messages, and the library scrubs its copies before freeing them.
 *
 * Thread safety: a provider may be shared by any number of threads and clients;
 * ddb_credentials_provider_free must not race with its use. A ddb_credentials value belongs to
 * one thread at a time.
 */
#ifndef DDB_CREDENTIALS_H
#define DDB_CREDENTIALS_H

#include <stdint.h>

#include "ddb/core/error.h"
#include "ddb/wire/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One set of AWS credentials. Every string is owned; release with ddb_credentials_clear. */
typedef struct ddb_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when there is none */
    int64_t expiration;  /* seconds since the epoch (UTC); 0 when they do not expire */
    /* Which provider produced them: "static", "environment", "profile", "credential_process",
     * "assume_role", "web_identity", "container", "imds" or the callback provider's name.
     * Borrowed from the provider; valid while it lives. */
    const char *source;
} ddb_credentials;

/* clang-format off */
#define DDB_CREDENTIALS_INIT {NULL, NULL, NULL, 0, NULL}
/* clang-format on */

/*
 * Set creds to copies of the given values, scrubbing what it held before. session_token may be
 * NULL or ""; expiration is seconds since the epoch, 0 for none. This is how a callback provider
 * hands back what it fetched. On failure creds is untouched.
 * Returns 0, DDB_ERR_INVALID_ARG (a missing key or secret) or DDB_ERR_NOMEM.
 */
DDB_API int ddb_credentials_set(ddb_credentials *creds, const char *access_key_id,
                                const char *secret_access_key, const char *session_token,
                                int64_t expiration, ddb_error *err);

/* Scrub and free what creds holds, and reset it to DDB_CREDENTIALS_INIT. NULL-safe. */
DDB_API void ddb_credentials_clear(ddb_credentials *creds);

/* ddb_credentials_provider is declared in ddb/wire/client.h, whose options take one. */

#define DDB_CREDENTIALS_OPTIONS_VERSION 1

/*
 * Options for the providers that read configuration. Start from DDB_CREDENTIALS_OPTIONS_INIT;
 * NULL or 0 means the default. Fields are only ever appended.
 */
typedef struct ddb_credentials_options {
    unsigned int version;
    const char *profile;      /* default: AWS_PROFILE, else "default" */
    const char *region;       /* for STS; default: AWS_REGION, AWS_DEFAULT_REGION, the profile's
                                   region, else us-east-1 */
    long connect_timeout_ms;  /* STS connections; default 3100 */
    long sts_timeout_ms;      /* one STS request in all; default 10000 */
    long metadata_timeout_ms; /* one container or instance-metadata request; default
                                   AWS_METADATA_SERVICE_TIMEOUT (seconds), else 1000 */
    int metadata_attempts;    /* default AWS_METADATA_SERVICE_NUM_ATTEMPTS, else 1 */
    long process_timeout_ms;  /* credential_process; default 60000 */
    ddb_log_fn log;           /* where the providers report fetches and failures; may be NULL */
    void *log_ctx;
    ddb_log_level log_level; /* default DDB_LOG_WARN when log is set */
} ddb_credentials_options;

/* clang-format off */
#define DDB_CREDENTIALS_OPTIONS_INIT {.version = DDB_CREDENTIALS_OPTIONS_VERSION}
/* clang-format on */

/*
 * The default chain, the AWS SDKs' order; the first source that is configured is used:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *   2. the profile in the shared files: role_arn (with source_profile or credential_source,
 *      through STS AssumeRole), web_identity_token_file, credential_process, or static keys;
 *   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, through STS
 *      AssumeRoleWithWebIdentity;
 *   4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI;
 *   5. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true.
 * A source that is configured but fails reports its error; the chain does not fall through to a
 * later one. Nothing is fetched here: the first request fetches.
 *
 * opts may be NULL. The caller frees *out with ddb_credentials_provider_free.
 * Returns 0; DDB_ERR_CONFIG for invalid settings (a malformed profile file, a missing named
 * profile, a role without a source, a container URL to a host that is not allowed);
 * DDB_ERR_CREDENTIALS when no source is configured at all; DDB_ERR_NOMEM.
 */
DDB_API int ddb_credentials_provider_new_default(ddb_credentials_provider **out,
                                                 const ddb_credentials_options *opts,
                                                 ddb_error *err);

/*
 * Fixed credentials. session_token may be NULL. The values are copied.
 * Returns 0, DDB_ERR_INVALID_ARG (a missing key or secret) or DDB_ERR_NOMEM.
 */
DDB_API int ddb_credentials_provider_new_static(ddb_credentials_provider **out,
                                                const char *access_key_id,
                                                const char *secret_access_key,
                                                const char *session_token, ddb_error *err);

/*
 * One source of the default chain on its own. Each returns DDB_ERR_CREDENTIALS when its source
 * is not configured (the message names what to set), DDB_ERR_CONFIG for invalid settings, or
 * DDB_ERR_NOMEM. opts may be NULL.
 *   _environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
 *                 AWS_CREDENTIAL_EXPIRATION, as they are now;
 *   _profile:     the profile's credentials (static keys, credential_process, role_arn, or
 *                 web_identity_token_file);
 *   _web_identity: AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME;
 *   _container:   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2) or
 *                 AWS_CONTAINER_CREDENTIALS_FULL_URI (over http only to a loopback address,
 *                 169.254.170.2, 169.254.170.23 or fd00:ec2::23), with the token from
 *                 AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *   _imds:        EC2 instance metadata, IMDSv2 only (a session token is PUT first, TTL 21600 s);
 *                 AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE,
 *                 AWS_EC2_METADATA_DISABLED.
 */
DDB_API int ddb_credentials_provider_new_environment(ddb_credentials_provider **out,
                                                     const ddb_credentials_options *opts,
                                                     ddb_error *err);
DDB_API int ddb_credentials_provider_new_profile(ddb_credentials_provider **out,
                                                 const ddb_credentials_options *opts,
                                                 ddb_error *err);
DDB_API int ddb_credentials_provider_new_web_identity(ddb_credentials_provider **out,
                                                      const ddb_credentials_options *opts,
                                                      ddb_error *err);
DDB_API int ddb_credentials_provider_new_container(ddb_credentials_provider **out,
                                                   const ddb_credentials_options *opts,
                                                   ddb_error *err);
DDB_API int ddb_credentials_provider_new_imds(ddb_credentials_provider **out,
                                              const ddb_credentials_options *opts, ddb_error *err);

/*
 * A custom source. fetch fills *out with ddb_credentials_set and returns 0, or returns a negative
 * ddb_error_code and fills err (whose message must hold no secret). It is called from whichever
 * thread needs a refresh, never from two threads at once, and not again until the credentials it
 * returned come within the refresh window of their expiration (never, when expiration is 0). It
 * must not call ddb_credentials_provider_get on its own provider, which would wait for itself.
 *
 * name (copied; at most 63 bytes) becomes ddb_credentials.source and appears in log lines.
 * ctx is passed to fetch; ctx_free (may be NULL) is called with it when the provider is freed,
 * and also when this function fails. Returns 0, DDB_ERR_INVALID_ARG or DDB_ERR_NOMEM.
 */
typedef int (*ddb_credentials_fn)(void *ctx, ddb_credentials *out, ddb_error *err);
DDB_API int ddb_credentials_provider_new_callback(ddb_credentials_provider **out, const char *name,
                                                  ddb_credentials_fn fetch, void *ctx,
                                                  void (*ctx_free)(void *ctx), ddb_error *err);

/*
 * Current credentials, from the cache or freshly fetched. On success *out (which should start as
 * DDB_CREDENTIALS_INIT; what it held is cleared) receives copies the caller releases with
 * ddb_credentials_clear. On failure *out is untouched. Returns 0 or the source's error, usually
 * DDB_ERR_CREDENTIALS (retryable when the failure was a network error or timeout).
 */
DDB_API int ddb_credentials_provider_get(ddb_credentials *out, ddb_credentials_provider *provider,
                                         ddb_error *err);

/* The provider's kind: "default chain", "static", "environment", ... Borrowed; never NULL. */
DDB_API const char *ddb_credentials_provider_name(const ddb_credentials_provider *provider);

/* Free a provider and scrub the credentials it cached. NULL-safe. */
DDB_API void ddb_credentials_provider_free(ddb_credentials_provider *provider);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CREDENTIALS_H */
