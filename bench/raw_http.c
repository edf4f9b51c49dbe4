/*
 * raw_http: a raw-HTTP reference for the benchmark. It is not a DynamoDB client and stands in
 * for none: it sends the same request bytes again and again with libcurl, over one keep-alive
 * connection, and only checks the status. What ddbkit adds on top of this (building and signing
 * each request, parsing each response) is what the comparison shows.
 *
 *   raw_http --endpoint URL --dir DIR [-n N] [--warmup W] [--only GetItem|PutItem]
 *
 * The bodies are the ones ddbkit sent (DIR/GetItem.request.json, DIR/PutItem.request.json, saved
 * by ddbkit_bench --setup-only). The headers are those ddbkit sends, built once, with an
 * Authorization header of the right shape but a fixed signature: DynamoDB Local does not verify
 * signatures, only reads the access key id (it keeps one database per key, so this must be the
 * key ddbkit_bench used).
 *
 * Output: "result client=raw_http op=GetItem n=... wall_s=... ops_per_s=... cpu_us_per_op=..."
 * per operation, CPU being getrusage(RUSAGE_SELF) user+sys over the measured loop.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_ACCESS_KEY_ID "AKIDBENCH"

typedef struct buffer {
    char *data;
    size_t len, cap;
} buffer;

/* Keep the response (a real client would need it); the buffer is reused across requests. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

typedef struct request {
    const char *op;
    char *body;
    size_t body_len;
    struct curl_slist *headers;
} request;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User and system CPU seconds of this process (all threads). */
static void cpu_now(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "raw_http: cannot open %s (run ddbkit_bench --setup-only first)\n", path);
        exit(1);
    }
    char *data = malloc(1 << 20);
    if (!data)
        abort();
    *len = fread(data, 1, (1 << 20) - 1, f);
    fclose(f);
    data[*len] = '\0';
    return data;
}

static void add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *next = curl_slist_append(*list, line);
    if (!next)
        abort();
    *list = next;
}

/* The header lines ddbkit sends, in its order, with a signature made up once. */
static struct curl_slist *headers_for(const char *host, const char *op)
{
    char line[512], date[32], day[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    struct curl_slist *list = NULL;
    snprintf(line, sizeof(line), "Host: %s", host);
    add_header(&list, line);
    add_header(&list, "Content-Type: application/x-amz-json-1.0");
    snprintf(line, sizeof(line), "X-Amz-Target: DynamoDB_20120810.%s", op);
    add_header(&list, line);
    snprintf(line, sizeof(line), "X-Amz-Date: %s", date);
    add_header(&list, line);
    snprintf(line, sizeof(line),
             "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/dynamodb/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%064d",
             BENCH_ACCESS_KEY_ID, day, 0);
    add_header(&list, line);
    add_header(&list, "Expect:");
    return list;
}

static void send_one(CURL *h, const request *r, buffer *resp)
{
    resp->len = 0;
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK || status != 200) {
        fprintf(stderr, "raw_http: %s: %s, HTTP %ld: %.300s\n", r->op, curl_easy_strerror(cc),
                status, resp->data ? resp->data : "");
        exit(1);
    }
}

static void measure(CURL *h, const request *r, buffer *resp, long n, long warmup)
{
    for (long i = 0; i < warmup; i++)
        send_one(h, r, resp);
    double u0, s0, u1, s1;
    cpu_now(&u0, &s0);
    double w0 = wall_now();
    for (long i = 0; i < n; i++)
        send_one(h, r, resp);
    double wall = wall_now() - w0;
    cpu_now(&u1, &s1);
    double per_op = 1e6 / (double)n;
    printf("result client=raw_http op=%s n=%ld wall_s=%.4f ops_per_s=%.1f cpu_us_per_op=%.2f "
           "user_us_per_op=%.2f sys_us_per_op=%.2f\n",
           r->op, n, wall, (double)n / wall, ((u1 - u0) + (s1 - s0)) * per_op, (u1 - u0) * per_op,
           (s1 - s0) * per_op);
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: raw_http --endpoint URL --dir DIR [-n N] [--warmup W] "
                    "[--only GetItem|PutItem]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *dir = NULL, *only = NULL;
    long n = 5000, warmup = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--endpoint") == 0)
            endpoint = argv[i + 1];
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            n = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
        else
            usage();
    }
    if (!endpoint || !dir || n <= 0 || warmup < 0 || argc % 2 == 0)
        usage();
    const char *host = strstr(endpoint, "://");
    host = host ? host + 3 : endpoint;
    char url[512];
    snprintf(url, sizeof(url), "%s/", endpoint);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    request get = {.op = "GetItem"}, put = {.op = "PutItem"};
    get.body = read_file(dir, "GetItem.request.json", &get.body_len);
    put.body = read_file(dir, "PutItem.request.json", &put.body_len);
    get.headers = headers_for(host, "GetItem");
    put.headers = headers_for(host, "PutItem");

    /* The options ddbkit's pooled handles use; one handle, so one kept-alive connection. */
    CURL *h = curl_easy_init();
    buffer resp = {0};
    if (!h)
        abort();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3100L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);

    if (!only || strcmp(only, "GetItem") == 0)
        measure(h, &get, &resp, n, warmup);
    if (!only || strcmp(only, "PutItem") == 0)
        measure(h, &put, &resp, n, warmup);

    curl_easy_cleanup(h);
    curl_slist_free_all(get.headers);
    curl_slist_free_all(put.headers);
    free(get.body);
    free(put.body);
    free(resp.data);
    curl_global_cleanup();
    return 0;
}
