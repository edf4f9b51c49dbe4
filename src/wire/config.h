/*
 * Internal: the AWS shared configuration files (~/.aws/config, ~/.aws/credentials) and the
 * resolution of the client's settings from options, environment and profile, in the AWS SDKs'
 * order. docs/configuration.md is the user-facing description of the same rules.
 *
 * Thread safety: a loaded ddb_config__files is immutable and may be read by any thread. The
 * functions that read the environment (getenv) must not race with setenv.
 */
#ifndef DDB_CONFIG_H
#define DDB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error_internal.h"
#include "ddb/core/error.h"
#include "ddb/wire/client.h"

/* A configuration or credentials file larger than this is rejected, not parsed. */
#define DDB_CONFIG__MAX_FILE ((size_t)1024 * 1024)

typedef enum ddb_config__file_kind {
    DDB_CONFIG__CONFIG = 1,  /* [default], [profile x], [services x]; other sections ignored */
    DDB_CONFIG__CREDENTIALS, /* [x] names profile x */
} ddb_config__file_kind;

/* The parsed contents of both files. */
typedef struct ddb_config__files ddb_config__files;

/* An empty set of files (no profiles). Returns 0 or DDB_ERR_NOMEM. */
int ddb_config__new(ddb_config__files **out, ddb_error *err);

/*
 * Parse the text of one file into files. `origin` names the file in error messages (a path).
 * Sub-properties (an empty value followed by indented "key = value" lines) are stored as
 * "parent.key". Returns 0, DDB_ERR_CONFIG for a malformed line (the message names the origin and
 * line number, never the line's text, which may hold a secret) or DDB_ERR_NOMEM.
 */
int ddb_config__parse(ddb_config__files *files, ddb_config__file_kind kind, const char *text,
                      size_t len, const char *origin, ddb_error *err);

/*
 * Load both files: AWS_CONFIG_FILE (default ~/.aws/config) and AWS_SHARED_CREDENTIALS_FILE
 * (default ~/.aws/credentials); "~/" expands to $HOME. A missing file is not an error.
 * Returns 0, DDB_ERR_CONFIG (unreadable, too large or malformed) or DDB_ERR_NOMEM.
 */
int ddb_config__load(ddb_config__files **out, ddb_error *err);

void ddb_config__free(ddb_config__files *files); /* NULL-safe */

/* The paths that were loaded (for messages); never NULL, "" when unknown. Borrowed. */
const char *ddb_config__config_path(const ddb_config__files *files);
const char *ddb_config__credentials_path(const ddb_config__files *files);

/* Whether a profile of that name exists in either file. */
bool ddb_config__has_profile(const ddb_config__files *files, const char *profile);

/*
 * A profile's property (key compared case-insensitively; "parent.key" for a sub-property), with
 * the credentials file taking precedence over the config file, and [profile default] over
 * [default]. Returns NULL when unset. Borrowed from files.
 */
const char *ddb_config__get(const ddb_config__files *files, const char *profile, const char *key);

/* A property of a [services name] section ("dynamodb.endpoint_url"). NULL when unset. */
const char *ddb_config__services_get(const ddb_config__files *files, const char *services,
                                     const char *key);

/* The profile to use: the given name if set, else AWS_PROFILE if non-empty, else "default". */
const char *ddb_config__profile_name(const char *option);

/* getenv, with "" treated as unset. */
const char *ddb_config__env(const char *name);

/*
 * A boolean setting from the environment, then the profile: "true" or "false" (any case).
 * *out is left unchanged when neither is set. Returns 0 or DDB_ERR_CONFIG naming the source.
 */
int ddb_config__bool(bool *out, const ddb_config__files *files, const char *profile,
                     const char *env_name, const char *profile_key, ddb_error *err);

/* Whether env and profile endpoint settings are ignored (option, env, profile). */
int ddb_config__ignore_endpoints(bool *out, const ddb_config__files *files, const char *profile,
                                 bool option, ddb_error *err);

/*
 * A configured endpoint URL for a service, steps 2-5 of the SDKs' order:
 * AWS_ENDPOINT_URL_<ENV_ID>, AWS_ENDPOINT_URL, the profile's services section
 * (<service_key>.endpoint_url), the profile's endpoint_url. *url is NULL when none is set
 * (borrowed from the environment or files); source receives where it came from
 * ("AWS_ENDPOINT_URL_DYNAMODB", "endpoint_url of profile \"dev\"", ...).
 */
void ddb_config__service_endpoint(const char **url, char *source, size_t source_cap,
                                  const ddb_config__files *files, const char *profile,
                                  const char *env_id, const char *service_key);

/*
 * The AWS endpoint for a service in a region, following the partition rules:
 * https://<service>[-fips].<region>.<dnsSuffix or dualStackDnsSuffix>. Returns a new string in
 * *out, or DDB_ERR_CONFIG (invalid region, dual-stack unsupported) or DDB_ERR_NOMEM.
 */
int ddb_config__aws_endpoint(char **out, const char *service, const char *region, bool fips,
                             bool dualstack, ddb_error *err);

/* A region is 1-63 characters of [a-z0-9-]; anything else never reaches a host name. */
bool ddb_config__region_valid(const char *region);

/* The client's settings, resolved. */
typedef struct ddb_config__client {
    char *profile; /* the profile used */
    char *region;
    const char *region_source; /* "client option", "AWS_REGION", ... (static text) */
    char *endpoint;            /* full URL, as configured or built */
    char *endpoint_source;     /* where the endpoint came from */
    bool use_fips;
    bool use_dualstack;
    int profile_max_attempts; /* the profile's max_attempts; 0 when unset */
    char *profile_retry_mode; /* the profile's retry_mode; NULL when unset */
} ddb_config__client;

/*
 * Resolve region, endpoint, FIPS/dual-stack and the profile's retry settings for a client.
 *   region:   option > AWS_REGION > AWS_DEFAULT_REGION > profile region
 *   endpoint: option > (unless ignored) AWS_ENDPOINT_URL_DYNAMODB > AWS_ENDPOINT_URL >
 *             services section dynamodb.endpoint_url > profile endpoint_url >
 *             https://dynamodb.<region>.amazonaws.com (with the FIPS/dual-stack variants)
 * A profile named by the option or AWS_PROFILE must exist. On failure *out is untouched.
 * Returns 0, DDB_ERR_CONFIG (the message says how to fix it) or DDB_ERR_NOMEM.
 */
int ddb_config__resolve_client(ddb_config__client *out, const ddb_config__files *files,
                               const ddb_client_options *opts, ddb_error *err);

void ddb_config__client_clear(ddb_config__client *c); /* NULL-safe */

/* A new string from a printf format (caller frees); NULL when out of memory. */
char *ddb_config__format(const char *fmt, ...) DDB_PRINTF(1, 2);

#endif
