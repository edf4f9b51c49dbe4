/*
 * Client set-up: configuration, credentials and lifetime. The call path is in call.c; how region,
 * endpoint and credentials are found is in config.c and credentials*.c (docs/configuration.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error_internal.h"
#include "wire/client_internal.h"
#include "wire/config.h"
#include "wire/credentials_internal.h"
#include "wire/http.h"

/* Split "scheme://host[:port][/path]" and keep host[:port] for the Host header. */
static int parse_endpoint(ddb_client *c, const char *endpoint, const char *source, ddb_error *err)
{
    /* Checked before it is quoted in any message below: a line break would split the message,
     * and the host goes into the Host header of every request. */
    char what[300];
    snprintf(what, sizeof(what), "the endpoint URL from %.260s", source ? source : "the options");
    int rc = ddb_http__check_value(endpoint, strlen(endpoint), false, what, DDB_ERR_CONFIG, err);
    if (rc)
        return rc;
    const char *sep = strstr(endpoint, "://");
    if (!sep || (strncasecmp(endpoint, "http", 4) != 0))
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "endpoint \"%s\" must start with http:// or https://", endpoint);
    size_t scheme_len = (size_t)(sep - endpoint);
    if (!(scheme_len == 4 || (scheme_len == 5 && (endpoint[4] == 's' || endpoint[4] == 'S'))))
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "endpoint \"%s\" must start with http:// or https://", endpoint);
    const char *host = sep + 3;
    size_t host_len = strcspn(host, "/?#");
    if (host_len == 0)
        return ddb_error__set(err, DDB_ERR_CONFIG, "endpoint \"%s\" has no host", endpoint);
    if (host[host_len] != '\0' && strcmp(host + host_len, "/") != 0)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "endpoint \"%s\" must not have a path, query or fragment", endpoint);
    c->host = strndup(host, host_len);
    c->endpoint = strndup(endpoint, (size_t)(host + host_len - endpoint));
    size_t url_len = strlen(c->endpoint ? c->endpoint : "") + 2;
    c->url = malloc(url_len);
    if (!c->host || !c->endpoint || !c->url)
        return ddb_error__nomem(err, "endpoint");
    snprintf(c->url, url_len, "%s/", c->endpoint);
    return 0;
}

/* The credentials the client signs with: a provider it was given, static keys, or the chain. */
static int setup_credentials(ddb_client *c, const ddb_client_options *opts,
                             const ddb_config__files *files, const ddb_config__client *cfg,
                             ddb_error *err)
{
    bool has_static = (opts->access_key_id && *opts->access_key_id) ||
                      (opts->secret_access_key && *opts->secret_access_key);
    if (opts->credentials_provider) {
        if (has_static)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "set either the client option credentials_provider or "
                                  "access_key_id and secret_access_key, not both");
        c->credentials = opts->credentials_provider;
        return 0;
    }
    int rc;
    if (has_static) {
        if (!opts->access_key_id || !*opts->access_key_id || !opts->secret_access_key ||
            !*opts->secret_access_key)
            return ddb_error__set(err, DDB_ERR_CREDENTIALS, "the client options set %s without %s",
                                  opts->access_key_id && *opts->access_key_id ? "access_key_id"
                                                                              : "secret_access_key",
                                  opts->access_key_id && *opts->access_key_id ? "secret_access_key"
                                                                              : "access_key_id");
        rc = ddb_creds__check_values(opts->access_key_id, "the client option access_key_id",
                                     opts->secret_access_key, "the client option secret_access_key",
                                     opts->session_token, "the client option session_token",
                                     DDB_ERR_CREDENTIALS, err);
        if (rc)
            return rc;
        rc = ddb_credentials_provider_new_static(&c->owned_credentials, opts->access_key_id,
                                                 opts->secret_access_key, opts->session_token, err);
    } else {
        ddb_credentials_options copts = DDB_CREDENTIALS_OPTIONS_INIT;
        copts.profile = opts->profile; /* resolved the same way; checked above */
        copts.region = cfg->region;
        copts.connect_timeout_ms = opts->connect_timeout_ms;
        copts.log = opts->log;
        copts.log_ctx = opts->log_ctx;
        copts.log_level = opts->log_level;
        rc = ddb_credentials__new_default(&c->owned_credentials, &copts, files, err);
    }
    c->credentials = c->owned_credentials;
    return rc;
}

int ddb_client_new(ddb_client **out, const ddb_client_options *opts, ddb_error *err)
{
    static const ddb_client_options defaults = DDB_CLIENT_OPTIONS_INIT;
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > DDB_CLIENT_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_client_options.version %u is not supported (expected 1..%d)",
                              opts->version, DDB_CLIENT_OPTIONS_VERSION);
    int rc = 0;
    ddb_config__files *files = NULL;
    ddb_config__client cfg = {0};
    ddb_client *c = calloc(1, sizeof(*c));
    if (!c)
        return ddb_error__nomem(err, "client");
    c->log = opts->log;
    c->log_ctx = opts->log_ctx;
    c->log_level = opts->log_level ? opts->log_level : DDB_LOG_WARN;
    c->trace = opts->trace;
    c->trace_ctx = opts->trace_ctx;
    c->on_event = opts->on_event;
    c->event_ctx = opts->event_ctx;
    if (opts->version >= 2) {
        c->on_span = opts->on_span;
        c->span_ctx = opts->span_ctx;
    }

    /* Options, then the environment, then the shared files (see docs/configuration.md). */
    if ((rc = ddb_config__load(&files, err)) != 0)
        goto done;
    if ((rc = ddb_config__resolve_client(&cfg, files, opts, err)) != 0)
        goto done;
    if (!(c->region = strdup(cfg.region))) {
        rc = ddb_error__nomem(err, "client configuration");
        goto done;
    }
    if ((rc = parse_endpoint(c, cfg.endpoint, cfg.endpoint_source, err)) != 0)
        goto done;
    if ((rc = setup_credentials(c, opts, files, &cfg, err)) != 0)
        goto done;
    if (c->log && c->log_level >= DDB_LOG_DEBUG) {
        char line[768];
        snprintf(line, sizeof(line),
                 "client: region %s (from %s), endpoint %s (from %s), profile \"%s\", "
                 "credentials: %s",
                 cfg.region, cfg.region_source, c->endpoint, cfg.endpoint_source, cfg.profile,
                 ddb_credentials_provider_name(c->credentials));
        c->log(c->log_ctx, DDB_LOG_DEBUG, line, NULL);
    }

    const ddb_retry__settings retry_options = {opts->max_attempts, opts->retry_mode};
    const ddb_retry__settings retry_profile = {cfg.profile_max_attempts, cfg.profile_retry_mode};
    if ((rc = ddb_retry__policy_init(&c->retry, &retry_options, &retry_profile, err)) != 0)
        goto done;
    c->retry_ready = true;
    if ((rc = ddb_retry__policy_set_breaker(&c->retry, opts->circuit_breaker_threshold,
                                            opts->circuit_breaker_cooldown_ms, err)) != 0)
        goto done;
    long connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 3100;
    long request_ms = opts->request_timeout_ms > 0 ? opts->request_timeout_ms : 30000;
    if ((rc = ddb_http__pool_new(&c->http, connect_ms, request_ms, err)) != 0)
        goto done;
    if ((rc = ddb_sigv4__cache_new(&c->sigv4, err)) != 0)
        goto done;

    *out = c;
    c = NULL;
done:
    ddb_config__client_clear(&cfg);
    ddb_config__free(files);
    ddb_client_free(c);
    return rc;
}

int ddb_client__credentials(ddb_credentials *out, ddb_client *c, ddb_error *err)
{
    int rc = ddb_credentials_provider_get(out, c->credentials, err);
    if (rc && err) {
        /* Nothing reached DynamoDB: the retry loop must neither spend its quota on this nor
         * count it for the circuit breaker. The message keeps the source's detail. */
        err->retryable = false;
        err->throttling = false;
        err->http_status = 0;
    }
    return rc;
}

void ddb_client_free(ddb_client *c)
{
    if (!c)
        return;
    ddb_http__pool_free(c->http);
    if (c->retry_ready)
        ddb_retry__policy_destroy(&c->retry);
    ddb_sigv4__cache_free(c->sigv4);
    free(c->region);
    free(c->endpoint);
    free(c->url);
    free(c->host);
    ddb_credentials_provider_free(c->owned_credentials);
    free(c);
}

const char *ddb_client_endpoint(const ddb_client *c)
{
    return c ? c->endpoint : NULL;
}

const char *ddb_client_region(const ddb_client *c)
{
    return c ? c->region : NULL;
}
