/* The transaction builder: actions checked as they are added, one token per write, retries. */
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_call.h"
#include "api/api_codec.h"
#include "api/limits_internal.h"
#include "api/txn_internal.h"
#include "core/error_internal.h"
#include "ddb/api/limits.h"
#include "ddb/api/txn.h"
#include "wire/backoff.h"
#include "wire/client_internal.h"

#define DEFAULT_MAX_ATTEMPTS 3
#define DEFAULT_BASE_DELAY_MS 50.0
#define DEFAULT_MAX_DELAY_MS 2000.0
#define TOKEN_MAX 36

typedef enum { MODE_EMPTY, MODE_WRITE, MODE_READ } txn_mode;

struct ddb_txn {
    txn_mode mode;
    json_t *actions; /* TransactItems, as sent */
    size_t payload;
    char token[TOKEN_MAX + 1];
    bool has_token;
    int attempts;
};

static const char *const action_kinds[] = {"Put", "Update", "Delete", "ConditionCheck", "Get"};

/* The kind ("Put") and body of an action. */
static const char *action_kind(const json_t *action, const json_t **body)
{
    for (size_t i = 0; i < sizeof(action_kinds) / sizeof(*action_kinds); i++) {
        const json_t *b = json_object_get(action, action_kinds[i]);
        if (b) {
            *body = b;
            return action_kinds[i];
        }
    }
    *body = NULL;
    return "?";
}

int ddb_txn_new(ddb_txn **out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_new: out is NULL");
    ddb_txn *t = calloc(1, sizeof(*t));
    if (!t || !(t->actions = json_array())) {
        free(t);
        return ddb_error__nomem(err, "a transaction");
    }
    *out = t;
    return 0;
}

void ddb_txn_free(ddb_txn *txn)
{
    if (!txn)
        return;
    json_decref(txn->actions);
    free(txn);
}

size_t ddb_txn_count(const ddb_txn *txn)
{
    return txn ? json_array_size(txn->actions) : 0;
}

size_t ddb_txn_payload_size(const ddb_txn *txn)
{
    return txn ? txn->payload : 0;
}

const char *ddb_txn_token(const ddb_txn *txn)
{
    return txn && txn->has_token ? txn->token : NULL;
}

int ddb_txn_attempts(const ddb_txn *txn)
{
    return txn ? txn->attempts : 0;
}

/* The encoder names the action "TransactItems[0]"; name it by its place in this transaction. */
static void renumber(ddb_error *err, size_t index)
{
    char *at = err ? strstr(err->message, "TransactItems[0]") : NULL;
    if (!at)
        return;
    char rest[sizeof(err->message)];
    snprintf(rest, sizeof(rest), "%s", at + strlen("TransactItems[0]"));
    size_t head = (size_t)(at - err->message);
    snprintf(at, sizeof(err->message) - head, "TransactItems[%zu]%s", index, rest);
}

/* Do two actions act on the same item? Known when both carry a Key, or one a Key and one an
 * Item (a Key names all the key attributes). Two Puts cannot be compared without the schema. */
static bool same_item(const json_t *a, const json_t *b)
{
    const json_t *ba, *bb;
    (void)action_kind(a, &ba);
    (void)action_kind(b, &bb);
    if (!json_equal(json_object_get(ba, "TableName"), json_object_get(bb, "TableName")))
        return false;
    const json_t *ka = json_object_get(ba, "Key"), *kb = json_object_get(bb, "Key");
    if (ka && kb)
        return json_equal(ka, kb);
    const json_t *key = ka ? ka : kb;
    const json_t *item = ka ? json_object_get(bb, "Item") : json_object_get(ba, "Item");
    if (!key || !item || json_object_size(key) == 0)
        return false;
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)key, name, v) {
        if (!json_equal(json_object_get(item, name), v))
            return false;
    }
    return true;
}

/* Check a new action against the transaction and append it. Takes ownership of action. */
static int append(ddb_txn *txn, json_t *action, txn_mode mode, ddb_error *err)
{
    size_t index = json_array_size(txn->actions);
    char where[48];
    const json_t *body;
    const char *kind = action_kind(action, &body);
    int rc;
    snprintf(where, sizeof(where), "TransactItems[%zu]", index);
    if (index >= DDB_LIMIT_TRANSACTION_ACTIONS) {
        rc = ddb_error__set(err, DDB_ERR_LIMIT, "transaction action count %zu exceeds %d",
                            index + 1, DDB_LIMIT_TRANSACTION_ACTIONS);
        goto done;
    }
    if ((rc = ddb_limits__check_transact_action(action, where, err)) != 0)
        goto done;
    for (size_t i = 0; i < index; i++) {
        const json_t *other = json_array_get(txn->actions, i);
        const json_t *other_body;
        if (same_item(other, action)) {
            rc = ddb_error__set(err, DDB_ERR_LIMIT,
                                "%s (%s) acts on the same item as TransactItems[%zu] (%s); a "
                                "transaction may act on an item once",
                                where, kind, i, action_kind(other, &other_body));
            goto done;
        }
    }
    size_t size = mode == MODE_WRITE ? ddb_limits__transact_action_size(action) : 0;
    if (txn->payload + size > DDB_LIMIT_TRANSACTION_SIZE) {
        rc = ddb_error__set(err, DDB_ERR_LIMIT,
                            "transaction payload size %zu bytes exceeds %d (%s adds %zu)",
                            txn->payload + size, DDB_LIMIT_TRANSACTION_SIZE, where, size);
        goto done;
    }
    if (json_array_append(txn->actions, action) != 0) {
        rc = ddb_error__nomem(err, "a transaction action");
        goto done;
    }
    txn->payload += size;
    txn->mode = mode;
done:
    json_decref(action);
    return rc;
}

/* Encode one action with the generated codec, as the only item of its operation's input. */
static int add_write(ddb_txn *txn, const char *fn, const ddb_transact_write_item *item,
                     ddb_error *err)
{
    json_t *req = NULL;
    if (!txn)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: transaction is NULL", fn);
    if (txn->mode == MODE_READ)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s: this transaction holds get actions; "
                              "TransactGetItems takes nothing else",
                              fn);
    ddb_transact_write_items_input in = {
        .n_transact_items = 1,
        .transact_items = item,
        .client_request_token = "unused", /* the codec would draw a random one */
    };
    int rc = ddb_api__encode("TransactWriteItems", &in, &req, err);
    if (rc) {
        renumber(err, json_array_size(txn->actions));
        return rc;
    }
    json_t *action = json_incref(json_array_get(json_object_get(req, "TransactItems"), 0));
    json_decref(req);
    if (!action)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "%s: the action encodes to nothing", fn);
    return append(txn, action, MODE_WRITE, err);
}

int ddb_txn_put(ddb_txn *txn, const ddb_put *put, ddb_error *err)
{
    if (!put)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_put: put is NULL");
    ddb_transact_write_item item = {.put = put};
    return add_write(txn, "ddb_txn_put", &item, err);
}

int ddb_txn_update(ddb_txn *txn, const ddb_update *update, ddb_error *err)
{
    if (!update)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_update: update is NULL");
    ddb_transact_write_item item = {.update = update};
    return add_write(txn, "ddb_txn_update", &item, err);
}

int ddb_txn_delete(ddb_txn *txn, const ddb_delete *del, ddb_error *err)
{
    if (!del)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_delete: del is NULL");
    ddb_transact_write_item item = {.delete_ = del};
    return add_write(txn, "ddb_txn_delete", &item, err);
}

int ddb_txn_condition_check(ddb_txn *txn, const ddb_condition_check *check, ddb_error *err)
{
    if (!check)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_condition_check: check is NULL");
    ddb_transact_write_item item = {.condition_check = check};
    return add_write(txn, "ddb_txn_condition_check", &item, err);
}

int ddb_txn_get(ddb_txn *txn, const ddb_get *get, ddb_error *err)
{
    json_t *req = NULL;
    if (!txn || !get)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_txn_get: transaction and get are "
                              "required");
    if (txn->mode == MODE_WRITE)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_txn_get: this transaction holds "
                              "write actions; TransactWriteItems takes no get");
    ddb_transact_get_item item = {.get = get};
    ddb_transact_get_items_input in = {.n_transact_items = 1, .transact_items = &item};
    int rc = ddb_api__encode("TransactGetItems", &in, &req, err);
    if (rc) {
        renumber(err, json_array_size(txn->actions));
        return rc;
    }
    json_t *action = json_incref(json_array_get(json_object_get(req, "TransactItems"), 0));
    json_decref(req);
    if (!action)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_txn_get: the action encodes to "
                              "nothing");
    return append(txn, action, MODE_READ, err);
}

/* ---- sending ------------------------------------------------------------------------------- */

bool ddb_txn__retryable_cancellation(const ddb_error *err)
{
    static const char *const contention[] = {"None", "TransactionConflict",
                                             "ProvisionedThroughputExceeded", "ThrottlingError"};
    if (!err || err->code != DDB_ERR_TRANSACTION_CANCELED || err->n_cancellation_reasons == 0)
        return false;
    for (size_t i = 0; i < err->n_cancellation_reasons; i++) {
        const char *code = err->cancellation_reasons[i].code;
        bool ok = false;
        for (size_t k = 0; code && k < sizeof(contention) / sizeof(*contention); k++)
            ok = ok || strcmp(code, contention[k]) == 0;
        if (!ok)
            return false;
    }
    return true;
}

/* A random (version 4) UUID, as the AWS SDKs send for ClientRequestToken. */
static int new_token(char out[TOKEN_MAX + 1], ddb_error *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t len = 0;
    if (RAND_bytes(b, (int)sizeof(b)) != 1)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "no random source for a ClientRequestToken; "
                              "give one in ddb_txn_options.client_request_token");
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[len++] = '-';
        out[len++] = hex[b[i] >> 4];
        out[len++] = hex[b[i] & 0x0F];
    }
    out[len] = '\0';
    return 0;
}

/* Rewrite a cancellation's message to name each action that failed, by index, kind and table. */
static void describe_cancellation(ddb_error *e, const ddb_txn *txn, const char *op, int attempts)
{
    char msg[sizeof(e->message)];
    size_t len = 0, named = 0;
    int w = snprintf(msg, sizeof(msg), "%s cancelled", op);
    len = w > 0 ? (size_t)w : 0;
    if (attempts > 1 && len < sizeof(msg)) {
        w = snprintf(msg + len, sizeof(msg) - len, " after %d attempts", attempts);
        len += w > 0 ? (size_t)w : 0;
    }
    for (size_t i = 0; i < e->n_cancellation_reasons && len < sizeof(msg); i++) {
        const ddb_cancellation_reason *r = &e->cancellation_reasons[i];
        if (r->code && strcmp(r->code, "None") == 0)
            continue;
        const json_t *body;
        const char *kind = action_kind(json_array_get(txn->actions, i), &body);
        const char *table = json_string_value(json_object_get(body, "TableName"));
        w = snprintf(msg + len, sizeof(msg) - len, "%s TransactItems[%zu] (%s on \"%.64s\"): %s",
                     named ? ";" : ":", i, kind, table ? table : "?", r->code ? r->code : "?");
        len += w > 0 ? (size_t)w : 0;
        if (r->message && len < sizeof(msg))
            w = snprintf(msg + len, sizeof(msg) - len, " (%.120s)", r->message);
        else
            w = 0;
        len += w > 0 ? (size_t)w : 0;
        named++;
    }
    if (named == 0 && len < sizeof(msg))
        snprintf(msg + len, sizeof(msg) - len, " with %zu reason(s), all None",
                 e->n_cancellation_reasons);
    memcpy(e->message, msg, sizeof(e->message));
    e->message[sizeof(e->message) - 1] = '\0';
}

static int read_options(const ddb_txn_options *opts, const char *fn, ddb_error *err)
{
    if (!opts)
        return 0;
    if (opts->version < 1 || opts->version > DDB_TXN_OPTIONS_VERSION)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s: ddb_txn_options.version %u is not supported (expected 1..%d)",
                              fn, opts->version, DDB_TXN_OPTIONS_VERSION);
    if (opts->max_attempts < 0 || opts->base_delay_ms < 0 || opts->max_delay_ms < 0)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "%s: ddb_txn_options max_attempts %d, base_delay_ms %g and "
                              "max_delay_ms %g must not be negative",
                              fn, opts->max_attempts, opts->base_delay_ms, opts->max_delay_ms);
    if (opts->client_request_token) {
        size_t len = strlen(opts->client_request_token);
        if (len < 1 || len > TOKEN_MAX)
            return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                                  "%s: client_request_token is %zu characters; it must be 1 to %d",
                                  fn, len, TOKEN_MAX);
    }
    return 0;
}

/* Send op with request, retrying contention-only cancellations. *response on success. */
static int send_txn(ddb_client *c, ddb_txn *txn, const char *op, const json_t *request,
                    const ddb_txn_options *opts, json_t **response, ddb_error *err)
{
    int max = opts && opts->max_attempts > 0 ? opts->max_attempts : DEFAULT_MAX_ATTEMPTS;
    double base = opts && opts->base_delay_ms > 0 ? opts->base_delay_ms : DEFAULT_BASE_DELAY_MS;
    double cap = opts && opts->max_delay_ms > 0 ? opts->max_delay_ms : DEFAULT_MAX_DELAY_MS;
    ddb_error e = DDB_ERROR_INIT;
    int rc;
    for (int attempt = 1;; attempt++) {
        ddb_error_clear(&e);
        txn->attempts = attempt;
        rc = ddb_api__call(c, op, NULL, request, response, &e);
        if (rc == 0)
            break;
        if (!ddb_txn__retryable_cancellation(&e) || attempt >= max) {
            if (rc == DDB_ERR_TRANSACTION_CANCELED)
                describe_cancellation(&e, txn, op, attempt);
            break;
        }
        ddb_backoff__sleep_ms(ddb_backoff__delay_ms(attempt, base, cap));
    }
    if (rc && err) {
        ddb_error_clear(err);
        *err = e;
    } else {
        ddb_error_clear(&e);
    }
    return rc;
}

static json_t *build_request(const ddb_txn *txn, const ddb_txn_options *opts, bool write)
{
    json_t *req = json_object();
    if (!req || json_object_set(req, "TransactItems", txn->actions) != 0)
        goto fail;
    if (write && json_object_set_new(req, "ClientRequestToken", json_string(txn->token)) != 0)
        goto fail;
    if (opts && opts->return_consumed_capacity &&
        json_object_set_new(req, "ReturnConsumedCapacity",
                            json_string(opts->return_consumed_capacity)) != 0)
        goto fail;
    if (write && opts && opts->return_item_collection_metrics &&
        json_object_set_new(req, "ReturnItemCollectionMetrics",
                            json_string(opts->return_item_collection_metrics)) != 0)
        goto fail;
    return req;
fail:
    json_decref(req);
    return NULL;
}

int ddb_txn_write(ddb_transact_write_items_output **out, ddb_client *c, ddb_txn *txn,
                  const ddb_txn_options *opts, ddb_error *err)
{
    json_t *req = NULL, *resp = NULL;
    void *o = NULL;
    int rc;
    if (!c || !txn)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_txn_write: client and transaction "
                              "are required");
    if (txn->mode != MODE_WRITE)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_write: the transaction has %s",
                              txn->mode == MODE_READ ? "get actions; use ddb_txn_read"
                                                     : "no actions");
    if ((rc = read_options(opts, "ddb_txn_write", err)) != 0)
        return rc;
    /* One token for every attempt of this call: a write the service already applied (its answer
     * lost, say) is then recognised instead of applied twice. */
    if (opts && opts->client_request_token)
        snprintf(txn->token, sizeof(txn->token), "%s", opts->client_request_token);
    else if ((rc = new_token(txn->token, err)) != 0)
        return rc;
    txn->has_token = true;
    txn->attempts = 0;
    if (!(req = build_request(txn, opts, true)))
        return ddb_error__nomem(err, "a TransactWriteItems request");
    rc = send_txn(c, txn, "TransactWriteItems", req, opts, &resp, err);
    if (rc == 0 && out)
        rc = ddb_api__decode("TransactWriteItems", resp, &o, err);
    if (rc == 0 && out)
        *out = o;
    json_decref(req);
    json_decref(resp);
    return rc;
}

int ddb_txn_read(ddb_transact_get_items_output **out, ddb_client *c, ddb_txn *txn,
                 const ddb_txn_options *opts, ddb_error *err)
{
    json_t *req = NULL, *resp = NULL;
    void *o = NULL;
    int rc;
    if (!out || !c || !txn)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG,
                              "ddb_txn_read: out, client and "
                              "transaction are required");
    if (txn->mode != MODE_READ)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "ddb_txn_read: the transaction has %s",
                              txn->mode == MODE_WRITE ? "write actions; use ddb_txn_write"
                                                      : "no actions");
    if ((rc = read_options(opts, "ddb_txn_read", err)) != 0)
        return rc;
    txn->attempts = 0;
    if (!(req = build_request(txn, opts, false)))
        return ddb_error__nomem(err, "a TransactGetItems request");
    rc = send_txn(c, txn, "TransactGetItems", req, opts, &resp, err);
    if (rc == 0)
        rc = ddb_api__decode("TransactGetItems", resp, &o, err);
    if (rc == 0)
        *out = o;
    json_decref(req);
    json_decref(resp);
    return rc;
}
