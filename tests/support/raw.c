#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/harness.h"
#include "support/raw.h"

/* Responses are small (errors, or a few items); keep the first part. */
#define RAW_RESPONSE_CAP (1024 * 1024)

typedef struct sink {
    char *data;
    size_t len;
} sink;

static size_t on_data(char *ptr, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t total = size * n, room = RAW_RESPONSE_CAP - s->len;
    size_t take = total < room ? total : room;
    memcpy(s->data + s->len, ptr, take);
    s->len += take;
    return total;
}

long raw_call(const char *operation, const json_t *request, raw_result *r)
{
    memset(r, 0, sizeof(*r));
    char *body = json_dumps(request, JSON_COMPACT);
    sink s = {malloc(RAW_RESPONSE_CAP + 1), 0};
    CURL *h = curl_easy_init();
    if (!body || !s.data || !h) {
        fprintf(stderr, "raw_call: out of memory\n");
        exit(1);
    }
    char url[300], target[128];
    /* DynamoDB Local itself: this request is unsigned on purpose, and the SigV4 proxy in front of
     * the server (harness_endpoint) would refuse it. */
    snprintf(url, sizeof(url), "%s/", harness_raw_endpoint());
    snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", operation);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
    headers = curl_slist_append(headers, target);
    headers = curl_slist_append(headers,
                                "Authorization: AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20200101/"
                                "us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        fprintf(stderr, "raw_call %s: %s\n", operation, curl_easy_strerror(cc));
        exit(1);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    s.data[s.len] = '\0';
    json_t *doc = json_loadb(s.data, s.len, 0, NULL);
    const char *type = json_string_value(json_object_get(doc, "__type"));
    const char *msg = json_string_value(json_object_get(doc, "Message"));
    if (!msg)
        msg = json_string_value(json_object_get(doc, "message"));
    if (type) {
        const char *hash = strrchr(type, '#');
        snprintf(r->type, sizeof(r->type), "%s", hash ? hash + 1 : type);
    }
    snprintf(r->message, sizeof(r->message), "%s", msg ? msg : "");
    json_decref(doc);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    free(s.data);
    free(body);
    return r->status;
}
