/* Client set-up: configuration, credentials and lifetime. The call path is in call.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_internal.h"
#include "error_internal.h"

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Split "scheme://host[:port][/path]" and keep host[:port] for the Host header. */
static int parse_endpoint(ddb_client *c, const char *endpoint, ddb_error *err)
{
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
    ddb_client *c = calloc(1, sizeof(*c));
    if (!c)
        return ddb_error__nomem(err, "client");

    const char *region = opts->region;
    if (!region)
        region = env_nonempty("AWS_REGION");
    if (!region)
        region = env_nonempty("AWS_DEFAULT_REGION");
    if (!region) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG,
                            "no AWS region configured: set AWS_REGION or the client option region");
        goto done;
    }
    c->region = strdup(region);

    const char *endpoint = opts->endpoint;
    if (!endpoint)
        endpoint = env_nonempty("AWS_ENDPOINT_URL_DYNAMODB");
    if (!endpoint)
        endpoint = env_nonempty("AWS_ENDPOINT_URL");
    char regional[256];
    if (!endpoint) {
        snprintf(regional, sizeof(regional), "https://dynamodb.%s.amazonaws.com", region);
        endpoint = regional;
    }
    if ((rc = parse_endpoint(c, endpoint, err)) != 0)
        goto done;

    const char *akid = opts->access_key_id, *secret = opts->secret_access_key;
    const char *token = opts->session_token;
    if (!akid && !secret) {
        akid = env_nonempty("AWS_ACCESS_KEY_ID");
        secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
        token = env_nonempty("AWS_SESSION_TOKEN");
    }
    if (!akid || !secret) {
        rc = ddb_error__set(err, DDB_ERR_CREDENTIALS,
                            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                            "or the client options access_key_id and secret_access_key");
        goto done;
    }
    c->access_key_id = strdup(akid);
    c->secret_access_key = strdup(secret);
    c->session_token = dup_or_null(token);
    if (!c->region || !c->access_key_id || !c->secret_access_key || (token && !c->session_token)) {
        rc = ddb_error__nomem(err, "client configuration");
        goto done;
    }

    c->log = opts->log;
    c->log_ctx = opts->log_ctx;
    c->log_level = opts->log_level ? opts->log_level : DDB_LOG_WARN;
    c->trace = opts->trace;
    c->trace_ctx = opts->trace_ctx;
    c->on_event = opts->on_event;
    c->event_ctx = opts->event_ctx;

    if ((rc = ddb_retry__policy_init(&c->retry, opts->max_attempts, err)) != 0)
        goto done;
    c->retry_ready = true;
    long connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 3100;
    long request_ms = opts->request_timeout_ms > 0 ? opts->request_timeout_ms : 30000;
    if ((rc = ddb_http__pool_new(&c->http, connect_ms, request_ms, err)) != 0)
        goto done;
    if ((rc = ddb_sigv4__cache_new(&c->sigv4, err)) != 0)
        goto done;

    *out = c;
    c = NULL;
done:
    ddb_client_free(c);
    return rc;
}

static void scrub_free(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
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
    free(c->access_key_id);
    scrub_free(c->secret_access_key);
    scrub_free(c->session_token);
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
