/*
 * Credential providers: each source (environment, profile files, credential_process, STS
 * AssumeRole and AssumeRoleWithWebIdentity, container endpoint, IMDSv2), the default chain's
 * order, and the cache (early refresh, single flight, keeping old credentials when a refresh
 * fails). Endpoints are loopback http_fixture servers; 169.254.x.x is never contacted.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "ddb/ddb.h"
#include "support/http_fixture.h"
#include "support/testenv.h"
#include "test.h"
#include "wire/credentials_internal.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY"
#define TOKEN "IQoJb3JpZ2luX2VjSESSIONTOKEN/never+logged=="

static char *iso_in(int64_t seconds)
{
    char *buf = malloc(32);
    ddb_creds__format_time((int64_t)time(NULL) + seconds, buf, 32);
    return buf;
}

/* Container / IMDS credentials JSON expiring `seconds` from now. */
static char *creds_json(const char *akid, int64_t seconds)
{
    char *exp = iso_in(seconds);
    char *json = malloc(512);
    snprintf(json, 512,
             "{\"Code\":\"Success\",\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"" SECRET
             "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"%s\"}",
             akid, exp);
    free(exp);
    return json;
}

static char *sts_xml(const char *action, const char *akid, int64_t seconds)
{
    char *exp = iso_in(seconds);
    char *xml = malloc(1024);
    snprintf(xml, 1024,
             "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
             "  <%sResult>\n"
             "    <Credentials>\n"
             "      <AccessKeyId>%s</AccessKeyId>\n"
             "      <SecretAccessKey>" SECRET "</SecretAccessKey>\n"
             "      <SessionToken>" TOKEN "</SessionToken>\n"
             "      <Expiration>%s</Expiration>\n"
             "    </Credentials>\n"
             "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>"
             "</AssumedRoleUser>\n"
             "  </%sResult>\n"
             "  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
             "</%sResponse>\n",
             action, action, akid, exp, action, action);
    free(exp);
    return xml;
}

static int get(ddb_credentials *out, ddb_credentials_provider *p, ddb_error *err)
{
    ddb_credentials_clear(out);
    return ddb_credentials_provider_get(out, p, err);
}

/* ---- static, environment, callback ---------------------------------------------------------- */

TEST(static_provider)
{
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_static(&p, "AKIDSTATIC", SECRET, TOKEN, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDSTATIC");
    CHECK_STR(c.secret_access_key, SECRET);
    CHECK_STR(c.session_token, TOKEN);
    CHECK_INT(c.expiration, 0);
    CHECK_STR(c.source, "static");
    CHECK_STR(ddb_credentials_provider_name(p), "static");
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    ddb_credentials_provider *sentinel = (ddb_credentials_provider *)&c;
    p = sentinel;
    CHECK_INT(ddb_credentials_provider_new_static(&p, "AKID", "", NULL, &err), DDB_ERR_INVALID_ARG);
    CHECK(p == sentinel);
    CHECK_INT(ddb_credentials_provider_new_static(&p, NULL, "s", NULL, &err), DDB_ERR_INVALID_ARG);
    ddb_credentials_provider_free(NULL);
    ddb_credentials_clear(NULL);
}

TEST(environment_provider)
{
    testenv_clean();
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_provider_new_environment(&p, NULL, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "AWS_ACCESS_KEY_ID");

    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    CHECK_INT(ddb_credentials_provider_new_environment(&p, NULL, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "AWS_SECRET_ACCESS_KEY is not");

    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05Z", 1);
    REQUIRE(ddb_credentials_provider_new_environment(&p, NULL, &err) == 0);
    /* The environment is read when the provider is made. */
    unsetenv("AWS_ACCESS_KEY_ID");
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDENV");
    CHECK_STR(c.session_token, TOKEN);
    CHECK_STR(c.source, "environment");
    int64_t want = 0;
    REQUIRE(ddb_creds__parse_time("2099-01-02T03:04:05Z", &want) == 0);
    CHECK_INT(c.expiration, want);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    testenv_clean();
}

typedef struct counter {
    pthread_mutex_t lock;
    int calls;
    int fail_after;    /* calls beyond this many fail */
    int await_waiters; /* the first call returns only once this many threads wait for it */
    int64_t expiration;
    ddb_credentials_provider *p; /* for await_waiters */
} counter;

static int counting_fetch(void *ctx, ddb_credentials *out, ddb_error *err)
{
    counter *k = ctx;
    pthread_mutex_lock(&k->lock);
    int n = ++k->calls;
    pthread_mutex_unlock(&k->lock);
    /* Every other thread must be waiting on this refresh when it ends, however the machine
     * schedules them; the 60 s limit is a hang guard. */
    for (int polls = 0; n == 1 && k->await_waiters > 0 && polls < 60000; polls++) {
        if (ddb_credentials__waiting(k->p) >= k->await_waiters)
            break;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    if (k->fail_after >= 0 && n > k->fail_after)
        return ddb_error__set(err, DDB_ERR_CREDENTIALS, "vault unreachable (call %d)", n);
    char akid[32];
    snprintf(akid, sizeof(akid), "AKIDCALL%d", n);
    return ddb_credentials_set(out, akid, SECRET, TOKEN, k->expiration, err);
}

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

TEST(callback_provider_and_client_option)
{
    testenv_clean();
    counter k = {PTHREAD_MUTEX_INITIALIZER, 0, -1, 0, 0, NULL};
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "vault", counting_fetch, &k, NULL, &err) ==
            0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.source, "vault");
    CHECK_STR(c.access_key_id, "AKIDCALL1");
    REQUIRE(get(&c, p, &err) == 0); /* no expiration: cached for good */
    CHECK_INT(k.calls, 1);
    ddb_credentials_clear(&c);

    /* A client borrows it; setting static keys as well is a contradiction. */
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.region = "us-east-1";
    opts.credentials_provider = p;
    ddb_client *client = NULL;
    REQUIRE(ddb_client_new(&client, &opts, &err) == 0);
    ddb_client_free(client);
    opts.access_key_id = "AKID";
    opts.secret_access_key = "s";
    CHECK_INT(ddb_client_new(&client, &opts, &err), DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "not both");
    ddb_credentials_provider_free(p);

    CHECK_INT(ddb_credentials_provider_new_callback(&p, "", counting_fetch, &k, NULL, &err),
              DDB_ERR_INVALID_ARG);
    CHECK_INT(ddb_credentials_provider_new_callback(&p, "x", NULL, &k, NULL, &err),
              DDB_ERR_INVALID_ARG);
}

/* ---- the cache ------------------------------------------------------------------------------ */

TEST(refresh_starts_early)
{
    fake_now = 1700000000;
    counter k = {PTHREAD_MUTEX_INITIALIZER, 0, -1, 0, 1700000000 + 3600, NULL};
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "vault", counting_fetch, &k, NULL, &err) ==
            0);
    ddb_credentials__set_clock(p, fake_clock, NULL);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 1);
    fake_now = k.expiration - DDB_CREDS__REFRESH_AHEAD_S - 1; /* still fresh */
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 1);
    CHECK_STR(c.access_key_id, "AKIDCALL1");
    k.expiration += 3600;
    fake_now += 2; /* inside the refresh window, long before expiry */
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 2);
    CHECK_STR(c.access_key_id, "AKIDCALL2");
    CHECK_INT(c.expiration, k.expiration);

    /* A short lifetime refreshes halfway through, not on every request. */
    fake_now = c.expiration - 100; /* due */
    k.expiration = fake_now + 120;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 3);
    fake_now += 59;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 3);
    fake_now += 2;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 4);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
}

TEST(failed_refresh_keeps_valid_credentials_until_they_expire)
{
    fake_now = 1800000000;
    counter k = {PTHREAD_MUTEX_INITIALIZER, 0, 1, 0, 1800000000 + 1000, NULL};
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "vault", counting_fetch, &k, NULL, &err) ==
            0);
    ddb_credentials__set_clock(p, fake_clock, NULL);
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(k.calls, 1);

    fake_now = k.expiration - 200; /* refresh due; it fails; the old ones still work */
    CHECK_INT(get(&c, p, &err), 0);
    CHECK_INT(k.calls, 2);
    CHECK_STR(c.access_key_id, "AKIDCALL1");
    CHECK_INT(get(&c, p, &err), 0); /* no new attempt right away */
    CHECK_INT(k.calls, 2);
    fake_now += DDB_CREDS__RETRY_AFTER_FAILURE_S; /* then it tries again */
    CHECK_INT(get(&c, p, &err), 0);
    CHECK_INT(k.calls, 3);
    CHECK_STR(c.access_key_id, "AKIDCALL1");

    fake_now = k.expiration - DDB_CREDS__EXPIRY_MARGIN_S; /* expired: the error comes through */
    CHECK_INT(ddb_credentials_provider_get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_STR(c.access_key_id, "AKIDCALL1"); /* untouched on failure */
    CHECK_CONTAINS(err.message, "vault unreachable");
    CHECK_INT(k.calls, 4);

    k.fail_after = -1; /* the source recovers */
    k.expiration = fake_now + 3600;
    CHECK_INT(get(&c, p, &err), 0);
    CHECK_STR(c.access_key_id, "AKIDCALL5");
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
}

typedef struct getter {
    ddb_credentials_provider *p;
    pthread_barrier_t *start;
    int rc;
    char akid[32];
    char message[512];
} getter;

static void *get_thread(void *arg)
{
    getter *g = arg;
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    ddb_error err = DDB_ERROR_INIT;
    pthread_barrier_wait(g->start);
    g->rc = ddb_credentials_provider_get(&c, g->p, &err);
    if (g->rc == 0)
        snprintf(g->akid, sizeof(g->akid), "%s", c.access_key_id);
    snprintf(g->message, sizeof(g->message), "%s", err.message);
    ddb_credentials_clear(&c);
    return NULL;
}

#define N_THREADS 16

static void run_getters(ddb_credentials_provider *p, getter *g)
{
    pthread_t t[N_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, N_THREADS);
    for (int i = 0; i < N_THREADS; i++) {
        g[i] = (getter){.p = p, .start = &start};
        pthread_create(&t[i], NULL, get_thread, &g[i]);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
}

TEST(many_threads_one_refresh)
{
    counter k = {PTHREAD_MUTEX_INITIALIZER, 0, -1, N_THREADS - 1, (int64_t)time(NULL) + 3600, NULL};
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "slow", counting_fetch, &k, NULL, &err) == 0);
    k.p = p;
    getter g[N_THREADS];
    run_getters(p, g);
    CHECK_INT(k.calls, 1);
    CHECK_INT(ddb_credentials__fetch_count(p), 1);
    for (int i = 0; i < N_THREADS; i++) {
        CHECK_INT(g[i].rc, 0);
        CHECK_STR(g[i].akid, "AKIDCALL1");
    }

    /* In the refresh window: still one refresh; the others keep the current credentials. */
    fake_now = k.expiration - 100;
    ddb_credentials__set_clock(p, fake_clock, NULL);
    k.expiration += 3600;
    run_getters(p, g);
    CHECK_INT(k.calls, 2);
    for (int i = 0; i < N_THREADS; i++)
        CHECK_INT(g[i].rc, 0);
    ddb_credentials_provider_free(p);
}

TEST(many_threads_share_one_failure)
{
    counter k = {PTHREAD_MUTEX_INITIALIZER, 0, 0, N_THREADS - 1, 0, NULL};
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_callback(&p, "down", counting_fetch, &k, NULL, &err) == 0);
    k.p = p;
    getter g[N_THREADS];
    run_getters(p, g);
    CHECK_INT(k.calls, 1);
    for (int i = 0; i < N_THREADS; i++) {
        CHECK_INT(g[i].rc, DDB_ERR_CREDENTIALS);
        CHECK_CONTAINS(g[i].message, "vault unreachable (call 1)");
    }
    ddb_credentials_provider_free(p);
}

/* ---- profile files -------------------------------------------------------------------------- */

typedef struct home {
    char *dir;
    char *config;
    char *credentials;
} home;

static home home_with(const char *config, const char *credentials)
{
    home h = {testenv_tmpdir(), NULL, NULL};
    h.config = testenv_write(h.dir, ".aws/config", config ? config : "", 0600);
    h.credentials = testenv_write(h.dir, ".aws/credentials", credentials ? credentials : "", 0600);
    setenv("HOME", h.dir, 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    return h;
}

static void home_free(home *h)
{
    testenv_rmtree(h->dir);
    free(h->dir);
    free(h->config);
    free(h->credentials);
}

TEST(profile_static_keys_with_session_token)
{
    testenv_clean();
    home h = home_with("[profile dev]\nregion = eu-west-1\n",
                       "[default]\naws_access_key_id = AKIDDEFAULT\n"
                       "aws_secret_access_key = other\n"
                       "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = " SECRET "\n"
                       "aws_session_token = " TOKEN "\n");
    ddb_credentials_options opts = DDB_CREDENTIALS_OPTIONS_INIT;
    opts.profile = "dev";
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_profile(&p, &opts, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDDEV");
    CHECK_STR(c.secret_access_key, SECRET);
    CHECK_STR(c.session_token, TOKEN);
    CHECK_STR(c.source, "profile");
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    setenv("AWS_PROFILE", "dev", 1); /* the same through AWS_PROFILE and the default chain */
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDDEV");
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    /* A key without its secret is a configuration error, named. */
    home_free(&h);
    h = home_with(NULL, "[dev]\naws_access_key_id = AKIDDEV\n");
    CHECK_INT(ddb_credentials_provider_new_default(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "no aws_secret_access_key");
    home_free(&h);
    testenv_clean();
}

TEST(credential_process_version_1_with_expiration)
{
    testenv_clean();
    char *dir = testenv_tmpdir();
    char *exp = iso_in(7200);
    char script[1024];
    snprintf(script, sizeof(script),
             "#!/bin/sh\n"
             "cat <<EOF\n"
             "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"" SECRET
             "\",\n \"SessionToken\": \"" TOKEN "\", \"Expiration\": \"%s\"}\n"
             "EOF\n",
             exp);
    char *path = testenv_write(dir, "creds.sh", script, 0700);
    char config[1200];
    snprintf(config, sizeof(config), "[default]\ncredential_process = %s --flag 'quoted arg'\n",
             path);
    home h = home_with(config, NULL);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDPROCESS");
    CHECK_STR(c.secret_access_key, SECRET);
    CHECK_STR(c.session_token, TOKEN);
    CHECK_STR(c.source, "credential_process");
    int64_t want = 0;
    REQUIRE(ddb_creds__parse_time(exp, &want) == 0);
    CHECK_INT(c.expiration, want);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    home_free(&h);
    testenv_rmtree(dir);
    free(path);
    free(exp);
    free(dir);
    testenv_clean();
}

/* The error a credential_process command gives; never its output. */
static void check_process_error(const char *command, long timeout_ms, const char *expected)
{
    char config[1024];
    snprintf(config, sizeof(config), "[default]\ncredential_process = %s\n", command);
    home h = home_with(config, NULL);
    ddb_credentials_options opts = DDB_CREDENTIALS_OPTIONS_INIT;
    opts.process_timeout_ms = timeout_ms;
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, &opts, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "credential_process of profile \"default\"");
    CHECK_CONTAINS(err.message, expected);
    CHECK(strstr(err.message, SECRET) == NULL);
    CHECK(strstr(err.message, "AKIDLEAK") == NULL);
    CHECK(c.access_key_id == NULL);
    ddb_credentials_provider_free(p);
    home_free(&h);
}

TEST(credential_process_failures)
{
    testenv_clean();
    check_process_error("exit 3", 0, "exited with status 3");
    check_process_error("echo '{\"Version\": 2, \"AccessKeyId\": \"AKIDLEAK\"}'", 0,
                        "only Version 1 is supported");
    check_process_error("echo 'AKIDLEAK " SECRET " not json'", 0, "invalid JSON (line 1");
    check_process_error("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\"}'", 0,
                        "no SecretAccessKey");
    check_process_error("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\", "
                        "\"SecretAccessKey\": \"" SECRET "\", \"Expiration\": \"tomorrow\"}'",
                        0, "not an ISO 8601 time");
    check_process_error("sleep 5", 300, "did not finish within 300 ms");
    check_process_error("head -c 70000 /dev/zero | tr '\\0' x", 0, "wrote more than");
    check_process_error("kill -9 $$", 0, "killed by signal 9");
    testenv_clean();
}

/* ---- STS: AssumeRole and web identity ------------------------------------------------------- */

TEST(assume_role_through_source_profile)
{
    testenv_clean();
    http_fixture *sts = http_fixture_start();
    REQUIRE(sts != NULL);
    char *xml1 = sts_xml("AssumeRole", "AKIDROLE1", 3600);
    char *xml2 = sts_xml("AssumeRole", "AKIDROLE2", 3600);
    http_fixture_add(sts, "POST", "/", 200, "text/xml", xml1);
    http_fixture_add(sts, "POST", "/", 200, "text/xml", xml2);
    setenv("AWS_ENDPOINT_URL_STS", http_fixture_url(sts), 1);
    home h =
        home_with("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/App\n"
                  "source_profile = middle\nrole_session_name = app-session\n"
                  "external_id = ext&id\nduration_seconds = 1800\nregion = eu-west-1\n"
                  "[profile middle]\nrole_arn = arn:aws:iam::123456789012:role/Middle\n"
                  "source_profile = base\n",
                  "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = " SECRET "\n");
    ddb_credentials_options opts = DDB_CREDENTIALS_OPTIONS_INIT;
    opts.profile = "app";
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, &opts, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDROLE2");
    CHECK_STR(c.secret_access_key, SECRET);
    CHECK_STR(c.session_token, TOKEN);
    CHECK_STR(c.source, "assume_role");
    CHECK(c.expiration > (int64_t)time(NULL) + 3000);
    REQUIRE(http_fixture_request_count(sts) == 2);

    /* First the middle role, signed with the base profile's static keys. */
    http_fixture_request r = {0};
    char hv[512];
    REQUIRE(http_fixture_get_request(sts, 0, &r) == 0);
    CHECK_STR(r.method, "POST");
    CHECK_CONTAINS(r.body, "Action=AssumeRole");
    CHECK_CONTAINS(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FMiddle");
    CHECK_CONTAINS(r.body, "RoleSessionName=ddbkit-");
    CHECK_CONTAINS(r.body, "Version=2011-06-15");
    CHECK_CONTAINS(http_fixture_header(&r, "Authorization", hv, sizeof(hv)),
                   "AWS4-HMAC-SHA256 Credential=AKIDBASE/");
    CHECK_CONTAINS(hv, "/eu-west-1/sts/aws4_request");
    CHECK(http_fixture_header(&r, "X-Amz-Security-Token", hv, sizeof(hv)) == NULL);
    CHECK_CONTAINS(http_fixture_header(&r, "Content-Type", hv, sizeof(hv)),
                   "application/x-www-form-urlencoded");
    http_fixture_request_clear(&r);

    /* Then the app role, signed with the middle role's temporary credentials. */
    REQUIRE(http_fixture_get_request(sts, 1, &r) == 0);
    CHECK_CONTAINS(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FApp");
    CHECK_CONTAINS(r.body, "RoleSessionName=app-session");
    CHECK_CONTAINS(r.body, "ExternalId=ext%26id");
    CHECK_CONTAINS(r.body, "DurationSeconds=1800");
    CHECK_CONTAINS(http_fixture_header(&r, "Authorization", hv, sizeof(hv)),
                   "Credential=AKIDROLE1/");
    CHECK_STR(http_fixture_header(&r, "X-Amz-Security-Token", hv, sizeof(hv)), TOKEN);
    http_fixture_request_clear(&r);

    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    http_fixture_stop(sts);
    home_free(&h);
    free(xml1);
    free(xml2);
    testenv_clean();
}

TEST(assume_role_error_is_reported_with_code_and_role)
{
    testenv_clean();
    http_fixture *sts = http_fixture_start();
    REQUIRE(sts != NULL);
    http_fixture_add(sts, "POST", "/", 403, "text/xml",
                     "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                     "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
                     "<Message>User: arn:aws:iam::1:user/u is not authorized to perform: "
                     "sts:AssumeRole &amp; more</Message></Error>"
                     "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>");
    setenv("AWS_ENDPOINT_URL", http_fixture_url(sts), 1); /* the global variable reaches STS too */
    home h =
        home_with("[default]\nrole_arn = arn:aws:iam::1:role/Denied\nsource_profile = base\n",
                  "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = " SECRET "\n");
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_STR(err.aws_type, "AccessDenied");
    CHECK_INT(err.http_status, 403);
    CHECK_STR(err.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    CHECK(!err.retryable);
    CHECK_CONTAINS(err.message, "STS AssumeRole failed: AccessDenied: User: arn:aws:iam::1:user/u");
    CHECK_CONTAINS(err.message, "sts:AssumeRole & more (HTTP 403)");
    CHECK_CONTAINS(err.message, "role arn:aws:iam::1:role/Denied");
    CHECK(strstr(err.message, SECRET) == NULL);
    ddb_credentials_provider_free(p);
    http_fixture_stop(sts);
    home_free(&h);
    testenv_clean();
}

TEST(role_configuration_errors)
{
    testenv_clean();
    static const struct {
        const char *config;
        const char *expected;
    } cases[] = {
        {"[default]\nrole_arn = arn:r\n", "neither source_profile nor credential_source"},
        {"[default]\nrole_arn = arn:r\nsource_profile = a\ncredential_source = Environment\n",
         "both source_profile and credential_source"},
        {"[default]\nrole_arn = arn:r\nsource_profile = ghost\n",
         "source_profile \"ghost\" of profile \"default\" does not exist"},
        {"[default]\nrole_arn = arn:r\nsource_profile = a\n[profile a]\nrole_arn = arn:a\n"
         "source_profile = b\n[profile b]\nrole_arn = arn:b\nsource_profile = a\n",
         "source_profile loop"},
        {"[default]\nrole_arn = arn:r\nsource_profile = empty\n[profile empty]\nregion = x\n",
         "source_profile \"empty\" of profile \"default\" has no credentials"},
        {"[default]\nrole_arn = arn:r\ncredential_source = Mars\n", "must be Environment"},
        {"[default]\nrole_arn = arn:r\ncredential_source = Environment\n",
         "credential_source = Environment in profile \"default\" is not available"},
        {"[default]\nrole_arn = arn:r\nsource_profile = default\n", "has aws_secret_access_key"},
        {"[default]\nrole_arn = arn:r\nsource_profile = b\nmfa_serial = arn:mfa\n"
         "[profile b]\naws_access_key_id = a\naws_secret_access_key = b\n",
         "mfa_serial"},
        {"[default]\nrole_arn = arn:r\nsource_profile = b\nduration_seconds = 60\n"
         "[profile b]\naws_access_key_id = a\naws_secret_access_key = b\n",
         "duration_seconds"},
        {"[default]\nweb_identity_token_file = /t\n", "no role_arn"},
        {"[default]\nsso_session = corp\n", "IAM Identity Center"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        home h = home_with(cases[i].config, NULL);
        ddb_credentials_provider *p = NULL;
        ddb_error err = DDB_ERROR_INIT;
        CHECK_INT(ddb_credentials_provider_new_default(&p, NULL, &err), DDB_ERR_CONFIG);
        CHECK_CONTAINS(err.message, cases[i].expected);
        home_free(&h);
    }
    testenv_clean();
}

TEST(source_profile_static_keys_beat_its_role)
{
    testenv_clean();
    http_fixture *sts = http_fixture_start();
    REQUIRE(sts != NULL);
    char *xml = sts_xml("AssumeRole", "AKIDROLE", 3600);
    http_fixture_add(sts, "POST", "/", 200, "text/xml", xml);
    setenv("AWS_ENDPOINT_URL_STS", http_fixture_url(sts), 1);
    home h = home_with("[default]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                       "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n"
                       "aws_access_key_id = AKIDB\naws_secret_access_key = sb\n",
                       NULL);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(http_fixture_request_count(sts), 1);
    http_fixture_request r = {0};
    char hv[512];
    REQUIRE(http_fixture_get_request(sts, 0, &r) == 0);
    CHECK_CONTAINS(http_fixture_header(&r, "Authorization", hv, sizeof(hv)), "Credential=AKIDB/");
    http_fixture_request_clear(&r);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    http_fixture_stop(sts);
    home_free(&h);
    free(xml);
    testenv_clean();
}

TEST(web_identity_from_environment)
{
    testenv_clean();
    http_fixture *sts = http_fixture_start();
    REQUIRE(sts != NULL);
    char *xml = sts_xml("AssumeRoleWithWebIdentity", "AKIDWEB", 3600);
    http_fixture_add(sts, "POST", "/", 200, "text/xml", xml);
    char *dir = testenv_tmpdir();
    char *token_file = testenv_write(dir, "token", "eyJhbGciOiJSUzI1NiJ9.jwt+body/x=\n", 0600);
    setenv("AWS_ENDPOINT_URL_STS", http_fixture_url(sts), 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token_file, 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_provider_new_web_identity(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "AWS_ROLE_ARN is not");
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Web", 1);
    setenv("AWS_ROLE_SESSION_NAME", "pod-1", 1);
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDWEB");
    CHECK_STR(c.source, "web_identity");
    http_fixture_request r = {0};
    char hv[256];
    REQUIRE(http_fixture_get_request(sts, 0, &r) == 0);
    CHECK_CONTAINS(r.body, "Action=AssumeRoleWithWebIdentity");
    CHECK_CONTAINS(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FWeb");
    CHECK_CONTAINS(r.body, "RoleSessionName=pod-1");
    CHECK_CONTAINS(r.body, "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.jwt%2Bbody%2Fx%3D");
    CHECK(http_fixture_header(&r, "Authorization", hv, sizeof(hv)) == NULL); /* unsigned */
    http_fixture_request_clear(&r);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    /* The token file is read at every refresh; a missing one is a clear error. */
    unlink(token_file);
    REQUIRE(ddb_credentials_provider_new_web_identity(&p, NULL, &err) == 0);
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "web identity token file");
    ddb_credentials_provider_free(p);

    http_fixture_stop(sts);
    testenv_rmtree(dir);
    free(token_file);
    free(dir);
    free(xml);
    testenv_clean();
}

/* ---- container ------------------------------------------------------------------------------ */

TEST(container_full_uri_with_token_file)
{
    testenv_clean();
    http_fixture *ecs = http_fixture_start();
    REQUIRE(ecs != NULL);
    char *json = creds_json("AKIDECS", 3600);
    http_fixture_add(ecs, "GET", "/v2/credentials/abc", 200, "application/json", json);
    char url[128];
    snprintf(url, sizeof(url), "%s/v2/credentials/abc", http_fixture_url(ecs));
    char *dir = testenv_tmpdir();
    char *token_file = testenv_write(dir, "token", "token-from-file\n", 0600);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-from-env", 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDECS");
    CHECK_STR(c.session_token, TOKEN);
    CHECK_STR(c.source, "container");
    http_fixture_request r = {0};
    char hv[256];
    REQUIRE(http_fixture_get_request(ecs, 0, &r) == 0);
    CHECK_STR(r.method, "GET");
    CHECK_STR(r.path, "/v2/credentials/abc");
    CHECK_STR(http_fixture_header(&r, "Authorization", hv, sizeof(hv)), "token-from-file");
    http_fixture_request_clear(&r);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    /* Without the file, the variable's token. */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    REQUIRE(ddb_credentials_provider_new_container(&p, NULL, &err) == 0);
    REQUIRE(get(&c, p, &err) == 0);
    REQUIRE(http_fixture_get_request(ecs, 1, &r) == 0);
    CHECK_STR(http_fixture_header(&r, "Authorization", hv, sizeof(hv)), "token-from-env");
    http_fixture_request_clear(&r);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);

    /* A token that would end the header early is refused when the source is made, naming the
     * variable and the byte, not the value; nothing is sent. */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "bad\r\nX-Injected: 1", 1);
    p = NULL;
    CHECK_INT(ddb_credentials_provider_new_container(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK(p == NULL);
    CHECK_CONTAINS(err.message, "AWS_CONTAINER_AUTHORIZATION_TOKEN holds CR (0x0d) at byte 3");
    CHECK(strstr(err.message, "Injected") == NULL);
    CHECK(strstr(err.message, "bad") == NULL);
    CHECK_INT(http_fixture_request_count(ecs), 2);

    http_fixture_stop(ecs);
    testenv_rmtree(dir);
    free(token_file);
    free(dir);
    free(json);
    testenv_clean();
}

TEST(container_errors_name_the_host_not_the_path)
{
    testenv_clean();
    http_fixture *ecs = http_fixture_start();
    REQUIRE(ecs != NULL);
    http_fixture_add(ecs, "GET", "/secret-guid", 500, "text/plain", "boom");
    char url[128];
    snprintf(url, sizeof(url), "%s/secret-guid", http_fixture_url(ecs));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    ddb_credentials_options opts = DDB_CREDENTIALS_OPTIONS_INIT;
    opts.metadata_attempts = 2;
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_credentials_provider_new_container(&p, &opts, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, http_fixture_url(ecs));
    CHECK_CONTAINS(err.message, "HTTP 500");
    CHECK(strstr(err.message, "secret-guid") == NULL);
    CHECK(err.retryable);
    CHECK_INT(http_fixture_request_count(ecs), 2); /* metadata_attempts */
    ddb_credentials_provider_free(p);
    http_fixture_stop(ecs);
    testenv_clean();
}

TEST(container_full_uri_host_rules)
{
    char host[128];
    CHECK(ddb_creds__container_url_allowed("http://127.0.0.1:8080/creds", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://127.1.2.3/creds", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://localhost/creds", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://[::1]:9/creds", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://169.254.170.2/v2/x", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://169.254.170.23/v1/x", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("http://[fd00:ec2::23]/v1/x", host, sizeof(host)));
    CHECK(ddb_creds__container_url_allowed("https://creds.example.com/x", host, sizeof(host)));
    CHECK(!ddb_creds__container_url_allowed("http://creds.example.com/x", host, sizeof(host)));
    CHECK_STR(host, "creds.example.com");
    CHECK(!ddb_creds__container_url_allowed("http://169.254.169.254/x", host, sizeof(host)));
    CHECK(!ddb_creds__container_url_allowed("http://10.0.0.1/x", host, sizeof(host)));
    CHECK(!ddb_creds__container_url_allowed("http://127.0.0.1@evil.example/x", host, sizeof(host)));
    CHECK(!ddb_creds__container_url_allowed("ftp://127.0.0.1/x", host, sizeof(host)));
    CHECK(!ddb_creds__container_url_allowed("not a url", host, sizeof(host)));

    testenv_clean();
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/creds", 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_provider_new_default(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "\"evil.example\" is not allowed");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "no-slash", 1);
    CHECK_INT(ddb_credentials_provider_new_default(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "must start with '/'");
    testenv_clean();
}

/* ---- instance metadata ---------------------------------------------------------------------- */

static http_fixture *imds_fixture(const char *akid)
{
    http_fixture *fx = http_fixture_start();
    if (!fx)
        return NULL;
    char *json = creds_json(akid, 3600);
    http_fixture_add(fx, "PUT", "/latest/api/token", 200, "text/plain", "IMDSSESSIONTOKEN");
    http_fixture_add(fx, "GET", "/latest/meta-data/iam/security-credentials/", 200, "text/plain",
                     "my-role\n");
    http_fixture_add(fx, "GET", "/latest/meta-data/iam/security-credentials/my-role", 200,
                     "application/json", json);
    free(json);
    return fx;
}

TEST(imds_v2_token_then_role_then_credentials)
{
    testenv_clean();
    http_fixture *imds = imds_fixture("AKIDIMDS");
    REQUIRE(imds != NULL);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", http_fixture_url(imds), 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    /* Disabled: not even the explicit provider may be made. */
    CHECK_INT(ddb_credentials_provider_new_imds(&p, NULL, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_EC2_METADATA_DISABLED");

    REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_STR(c.access_key_id, "AKIDIMDS");
    CHECK_STR(c.source, "imds");
    REQUIRE(http_fixture_request_count(imds) == 3);
    http_fixture_request r = {0};
    char hv[128];
    REQUIRE(http_fixture_get_request(imds, 0, &r) == 0);
    CHECK_STR(r.method, "PUT");
    CHECK_STR(r.path, "/latest/api/token");
    CHECK_STR(http_fixture_header(&r, "X-aws-ec2-metadata-token-ttl-seconds", hv, sizeof(hv)),
              "21600");
    http_fixture_request_clear(&r);
    for (size_t i = 1; i < 3; i++) {
        REQUIRE(http_fixture_get_request(imds, i, &r) == 0);
        CHECK_STR(r.method, "GET");
        CHECK_STR(http_fixture_header(&r, "X-aws-ec2-metadata-token", hv, sizeof(hv)),
                  "IMDSSESSIONTOKEN");
        http_fixture_request_clear(&r);
    }

    /* A refresh reuses the session token: two more GETs, no PUT. */
    fake_now = c.expiration - 60;
    ddb_credentials__set_clock(p, fake_clock, NULL);
    REQUIRE(get(&c, p, &err) == 0);
    CHECK_INT(http_fixture_request_count(imds), 5);
    REQUIRE(http_fixture_get_request(imds, 3, &r) == 0);
    CHECK_STR(r.method, "GET");
    http_fixture_request_clear(&r);
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    http_fixture_stop(imds);
    testenv_clean();
}

TEST(imds_without_a_role_or_token)
{
    testenv_clean();
    unsetenv("AWS_EC2_METADATA_DISABLED");
    http_fixture *imds = http_fixture_start();
    REQUIRE(imds != NULL);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", http_fixture_url(imds), 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    REQUIRE(ddb_credentials_provider_new_imds(&p, NULL, &err) == 0);
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS); /* 404 on the token PUT */
    CHECK_CONTAINS(err.message, "session token request was refused: HTTP 404");
    ddb_credentials_provider_free(p);

    http_fixture_add(imds, "PUT", "/latest/api/token", 200, "text/plain", "T");
    REQUIRE(ddb_credentials_provider_new_imds(&p, NULL, &err) == 0);
    CHECK_INT(get(&c, p, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "no IAM role is attached");
    ddb_credentials_provider_free(p);
    http_fixture_stop(imds);

    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    CHECK_INT(ddb_credentials_provider_new_imds(&p, NULL, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "IPv4 or IPv6");
    testenv_clean();
}

/* ---- the default chain ---------------------------------------------------------------------- */

TEST(default_chain_order)
{
    testenv_clean();
    unsetenv("AWS_EC2_METADATA_DISABLED");
    http_fixture *imds = imds_fixture("AKIDIMDS");
    http_fixture *ecs = http_fixture_start();
    http_fixture *sts = http_fixture_start();
    REQUIRE(imds && ecs && sts);
    char *ecs_json = creds_json("AKIDECS", 3600);
    char *web_xml = sts_xml("AssumeRoleWithWebIdentity", "AKIDWEB", 3600);
    http_fixture_add(ecs, "GET", "/creds", 200, "application/json", ecs_json);
    http_fixture_add(sts, "POST", "/", 200, "text/xml", web_xml);
    char ecs_url[128];
    snprintf(ecs_url, sizeof(ecs_url), "%s/creds", http_fixture_url(ecs));
    home h = home_with(NULL, "[default]\naws_access_key_id = AKIDPROFILE\n"
                             "aws_secret_access_key = sp\n");
    char *token_file = testenv_write(h.dir, "token", "jwt", 0600);

    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "se", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token_file, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/W", 1);
    setenv("AWS_ENDPOINT_URL_STS", http_fixture_url(sts), 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs_url, 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", http_fixture_url(imds), 1);

    static const struct {
        const char *akid;
        const char *source;
    } steps[] = {{"AKIDENV", "environment"},
                 {"AKIDPROFILE", "profile"},
                 {"AKIDWEB", "web_identity"},
                 {"AKIDECS", "container"},
                 {"AKIDIMDS", "imds"}};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        ddb_credentials_provider *p = NULL;
        ddb_error err = DDB_ERROR_INIT;
        ddb_credentials c = DDB_CREDENTIALS_INIT;
        REQUIRE(ddb_credentials_provider_new_default(&p, NULL, &err) == 0);
        CHECK_STR(ddb_credentials_provider_name(p), "default chain");
        REQUIRE(get(&c, p, &err) == 0);
        CHECK_STR(c.access_key_id, steps[i].akid);
        CHECK_STR(c.source, steps[i].source);
        ddb_credentials_clear(&c);
        ddb_credentials_provider_free(p);
        /* Remove this step's source for the next round. */
        if (i == 0) {
            unsetenv("AWS_ACCESS_KEY_ID");
            unsetenv("AWS_SECRET_ACCESS_KEY");
        } else if (i == 1) {
            setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
        } else if (i == 2) {
            unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
        } else if (i == 3) {
            unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        }
    }
    /* Each later source was untouched while an earlier one was in use. */
    CHECK_INT(http_fixture_request_count(sts), 1);
    CHECK_INT(http_fixture_request_count(ecs), 1);
    CHECK_INT(http_fixture_request_count(imds), 3);

    /* With nothing configured and IMDS off, the error says what was looked at. */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ddb_credentials_provider *p = NULL;
    ddb_error err = DDB_ERROR_INIT;
    CHECK_INT(ddb_credentials_provider_new_default(&p, NULL, &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "no AWS credentials configured");
    CHECK_CONTAINS(err.message, "AWS_ACCESS_KEY_ID is not set");
    CHECK_CONTAINS(err.message, "AWS_EC2_METADATA_DISABLED=true");
    ddb_client_options opts = DDB_CLIENT_OPTIONS_INIT;
    opts.region = "us-east-1";
    ddb_client *client = NULL;
    CHECK_INT(ddb_client_new(&client, &opts, &err), DDB_ERR_CREDENTIALS);

    http_fixture_stop(imds);
    http_fixture_stop(ecs);
    http_fixture_stop(sts);
    home_free(&h);
    free(token_file);
    free(ecs_json);
    free(web_xml);
    testenv_clean();
}

/* ---- parsers -------------------------------------------------------------------------------- */

TEST(xml_extraction)
{
    ddb_error err = DDB_ERROR_INIT;
    char *v = NULL;
    const char *doc = "<R><Credentials><AccessKeyId>A&amp;B&#65;&#x42;&lt;&gt;&quot;&apos;"
                      "&#x20AC;</AccessKeyId></Credentials><AccessKeyId>outside</AccessKeyId>"
                      "<Empty></Empty></R>";
    REQUIRE(ddb_creds__xml_text(&v, doc, strlen(doc), "Credentials", "AccessKeyId", &err) == 0);
    CHECK_STR(v, "A&BAB<>\"'\xE2\x82\xAC");
    free(v);
    REQUIRE(ddb_creds__xml_text(&v, doc, strlen(doc), NULL, "Empty", &err) == 0);
    CHECK_STR(v, "");
    free(v);
    REQUIRE(ddb_creds__xml_text(&v, doc, strlen(doc), "Credentials", "Missing", &err) == 0);
    CHECK(v == NULL);
    REQUIRE(ddb_creds__xml_text(&v, doc, strlen(doc), "Nowhere", "AccessKeyId", &err) == 0);
    CHECK(v == NULL);

    static const char *const bad[] = {
        "<X>a &bogus; b</X>",   "<X>a &#0; b</X>", "<X>&#xD800;</X>", "<X>a & b</X>",
        "<X><![CDATA[x]]></X>", "<X><Y>n</Y></X>", "<X>unterminated", "<X>&#x110000;</X>",
        "<X>&#;</X>",           "<X>&amp</X>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(ddb_creds__xml_text(&v, bad[i], strlen(bad[i]), NULL, "X", &err),
                  DDB_ERR_PROTOCOL);
    }
    /* Bounded: an element cut off by the length is not read past it. */
    const char *cut = "<X>abc</X>";
    CHECK_INT(ddb_creds__xml_text(&v, cut, 7, NULL, "X", &err), DDB_ERR_PROTOCOL);

    ddb_credentials c = DDB_CREDENTIALS_INIT;
    const char *partial = "<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                          "</Credentials></AssumeRoleResult>";
    CHECK_INT(ddb_creds__sts_parse(&c, 200, partial, strlen(partial), "AssumeRole", &err),
              DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "no Credentials/SecretAccessKey");
    CHECK_INT(ddb_creds__sts_parse(&c, 503, "<html>", 6, "AssumeRole", &err), DDB_ERR_CREDENTIALS);
    CHECK_CONTAINS(err.message, "HTTP 503");
    CHECK(err.retryable);
    const char *throttled = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate\n"
                            "exceeded</Message></Error></ErrorResponse>";
    CHECK_INT(ddb_creds__sts_parse(&c, 400, throttled, strlen(throttled), "AssumeRole", &err),
              DDB_ERR_CREDENTIALS);
    CHECK(err.throttling && err.retryable);
    CHECK_CONTAINS(err.message, "Rate exceeded");
}

TEST(time_parsing)
{
    int64_t t = 0;
    REQUIRE(ddb_creds__parse_time("1970-01-01T00:00:00Z", &t) == 0);
    CHECK_INT(t, 0);
    REQUIRE(ddb_creds__parse_time("2011-07-15T23:28:33.359Z", &t) == 0);
    CHECK_INT(t, 1310772513);
    REQUIRE(ddb_creds__parse_time("2011-07-16T01:28:33+02:00", &t) == 0);
    CHECK_INT(t, 1310772513);
    REQUIRE(ddb_creds__parse_time("2024-02-29T12:00:00-05:30", &t) == 0);
    CHECK_INT(t, 1709227800);
    static const char *const bad[] = {"",
                                      "2011-07-15",
                                      "2011-07-15T23:28:33",
                                      "2011-13-15T23:28:33Z",
                                      "2011-07-15T23:28:33Zjunk",
                                      "2011-07-15 23:28:33Z",
                                      "2011-07-15T23:28:33.Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(ddb_creds__parse_time(bad[i], &t), -1);
    char buf[32];
    ddb_creds__format_time(1310772513, buf, sizeof(buf));
    CHECK_STR(buf, "2011-07-15T23:28:33Z");
}

TEST_MAIN(CASE(static_provider), CASE(environment_provider),
          CASE(callback_provider_and_client_option), CASE(refresh_starts_early),
          CASE(failed_refresh_keeps_valid_credentials_until_they_expire),
          CASE(many_threads_one_refresh), CASE(many_threads_share_one_failure),
          CASE(profile_static_keys_with_session_token),
          CASE(credential_process_version_1_with_expiration), CASE(credential_process_failures),
          CASE(assume_role_through_source_profile),
          CASE(assume_role_error_is_reported_with_code_and_role), CASE(role_configuration_errors),
          CASE(source_profile_static_keys_beat_its_role), CASE(web_identity_from_environment),
          CASE(container_full_uri_with_token_file),
          CASE(container_errors_name_the_host_not_the_path), CASE(container_full_uri_host_rules),
          CASE(imds_v2_token_then_role_then_credentials), CASE(imds_without_a_role_or_token),
          CASE(default_chain_order), CASE(xml_extraction), CASE(time_parsing))
