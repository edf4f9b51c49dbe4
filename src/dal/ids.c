/*
 * IDs for generated create (include/ddb/dal/entity.h): random UUIDs and ULIDs, and counters in the
 * counter table, reserved in blocks so that most IDs cost no request.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "ddb/api/api.h"
#include "ddb/api/expr.h"
#include "ddb/api/table.h"
#include "ddb/dal/entity.h"

#define COUNTER_KEY "name"
#define COUNTER_VALUE "last_id"

int ddb_uuid_v4(char out[37], ddb_error *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t k = 0;
    if (!out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "uuid: NULL output");
    if (RAND_bytes(b, (int)sizeof b) != 1)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "uuid: no random bytes from OpenSSL");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = '\0';
    return 0;
}

int ddb_ulid_new(char out[27], ddb_error *err)
{
    static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char b[16];
    struct timespec ts;
    uint64_t ms;
    if (!out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ulid: NULL output");
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ulid: no clock");
    ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (8 * (5 - i)));
    if (RAND_bytes(b + 6, 10) != 1)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "ulid: no random bytes from OpenSSL");
    /* 128 bits as 26 base32 digits, most significant first: the first digit holds 3 bits. */
    for (int d = 25; d >= 0; d--) {
        unsigned bit = (unsigned)(25 - d) * 5u, v = 0;
        for (unsigned j = 0; j < 5; j++) {
            unsigned pos = bit + j; /* counted from the least significant bit */
            if (pos < 128 && (b[15 - pos / 8] >> (pos % 8)) & 1u)
                v |= 1u << j;
        }
        out[d] = crockford[v];
    }
    out[26] = '\0';
    return 0;
}

/*
 * The blocks are plain data inside generated repositories, which have no place to destroy a
 * mutex; so they are guarded by a fixed set of static mutexes, picked by the block's address.
 * Blocks that share a mutex only wait for each other's (rare) refills.
 */
#define N_LOCKS 16
static pthread_mutex_t block_locks[N_LOCKS] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER,
};

static pthread_mutex_t *lock_of(const ddb_id_block *block)
{
    uintptr_t a = (uintptr_t)block;
    return &block_locks[(a >> 4) % N_LOCKS];
}

int ddb_id_counter_create_table(ddb_client *c, const char *table, long timeout_ms, ddb_error *err)
{
    static const char *const attrs[] = {COUNTER_KEY};
    static const char *const types[] = {"S"};
    ddb_table_desc t = {
        DDB_ENTITY_ABI_VERSION, NULL, 1, attrs, types, COUNTER_KEY, NULL, 0, NULL, NULL};
    if (!c || !table)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "counter table: bad argument");
    t.name = table;
    return ddb_entity_create_table(c, &t, table, timeout_ms, err);
}

static int counter_key(ddb_value **out, const char *name, ddb_error *err)
{
    ddb_value *key = NULL;
    int rc = ddb_value_new_m(&key, err);
    if (rc == 0)
        rc = ddb_value_m_set_s(key, COUNTER_KEY, name, err);
    if (rc < 0) {
        ddb_value_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

/* One UpdateItem of a counter: ADD add (cond NULL), or SET to floor under a condition. */
static int counter_update(int64_t *out, ddb_client *c, const char *table, const char *name,
                          int64_t add, bool seed, int64_t floor, ddb_error *err)
{
    ddb_update_item_output *o = NULL;
    ddb_value *key = NULL;
    ddb_expr *e = NULL;
    ddb_expr_result *x = NULL;
    const ddb_value *v;
    int rc = counter_key(&key, name, err);
    if (rc < 0)
        return rc;
    rc = ddb_expr_new(&e, err);
    if (rc < 0)
        goto done;
    ddb_expr_set_literal_names(e, true);
    if (seed) {
        rc = ddb_expr_update_set_take(e, COUNTER_VALUE, ddb_expr_val_i64(e, floor));
        if (rc == 0)
            rc = ddb_expr_set_condition(e,
                                        ddb_cond_or(e, ddb_cond_not_exists(e, COUNTER_VALUE),
                                                    ddb_cond_cmp_take(e, COUNTER_VALUE, DDB_CMP_LT,
                                                                      ddb_expr_val_i64(e, floor))));
    } else {
        rc = ddb_expr_update_add_take(e, COUNTER_VALUE, ddb_expr_val_i64(e, add));
    }
    rc = ddb_entity__build(&x, e, rc, "counter", err);
    if (rc < 0)
        goto done;
    rc = ddb_entity__update_item(&o, c, table, key, x, "UPDATED_NEW", err);
    if (rc == DDB_ERR_CONDITION_FAILED && seed) {
        ddb_error_clear(err); /* already at or above floor */
        rc = 0;
        goto done;
    }
    if (rc < 0)
        goto done;
    v = o->attributes ? ddb_value_m_get(o->attributes, COUNTER_VALUE) : NULL;
    if (!v || ddb_value_n_i64(v, out, NULL) < 0)
        rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "counter %s: UpdateItem returned no %s", name,
                           COUNTER_VALUE);
done:
    ddb_update_item_output_free(o);
    ddb_expr_result_free(x);
    ddb_expr_free(e);
    ddb_value_free(key);
    return rc;
}

int ddb_id_counter_next(int64_t *out, ddb_client *c, const char *table, const char *name,
                        ddb_id_block *block, int64_t block_size, int64_t start, ddb_error *err)
{
    pthread_mutex_t *lock;
    int rc = 0;
    if (!out || !c || !table || !name || !block)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "counter: bad argument");
    if (block_size < 1 || block_size > 1000000)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "counter %s: block size %lld is outside 1..1000000", name,
                             (long long)block_size);
    lock = lock_of(block);
    pthread_mutex_lock(lock);
    if (!block->ready || block->next > block->last) {
        int64_t last = 0, dummy = 0;
        /* One request per block, made under the lock: other threads wait for it rather than
         * reserving blocks of their own. */
        rc = counter_update(&last, c, table, name, block_size, false, 0, err);
        if (rc == 0 && last - block_size + 1 < start) {
            rc = counter_update(&dummy, c, table, name, 0, true, start - 1, err);
            if (rc == 0)
                rc = counter_update(&last, c, table, name, block_size, false, 0, err);
        }
        if (rc == 0) {
            block->next = last - block_size + 1;
            block->last = last;
            block->ready = true;
        }
    }
    if (rc == 0)
        *out = block->next++;
    pthread_mutex_unlock(lock);
    return rc;
}

int ddb_id_counter_current(int64_t *out, ddb_client *c, const char *table, const char *name,
                           ddb_error *err)
{
    ddb_get_item_input in = {0};
    ddb_get_item_output *o = NULL;
    ddb_value *key = NULL;
    const ddb_value *v;
    int64_t n = 0;
    int rc;
    if (!out || !c || !table || !name)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "counter: bad argument");
    rc = counter_key(&key, name, err);
    if (rc < 0)
        return rc;
    in.table_name = table;
    in.key = key;
    in.has_consistent_read = true;
    in.consistent_read = true;
    rc = ddb_get_item(&o, c, &in, err);
    if (rc == 0) {
        v = o->item ? ddb_value_m_get(o->item, COUNTER_VALUE) : NULL;
        if (v && ddb_value_n_i64(v, &n, NULL) < 0)
            rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "counter %s: %s is not an integer", name,
                               COUNTER_VALUE);
        if (rc == 0)
            *out = n;
    }
    ddb_get_item_output_free(o);
    ddb_value_free(key);
    return rc;
}

int ddb_id_counter_seed(ddb_client *c, const char *table, const char *name, ddb_id_block *block,
                        int64_t floor, ddb_error *err)
{
    int64_t dummy = 0;
    int rc;
    if (!c || !table || !name)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "counter: bad argument");
    rc = counter_update(&dummy, c, table, name, 0, true, floor, err);
    if (rc == 0 && block) {
        pthread_mutex_t *lock = lock_of(block);
        pthread_mutex_lock(lock);
        if (block->ready && block->next <= floor)
            block->ready = false; /* the IDs it holds are no longer above floor */
        pthread_mutex_unlock(lock);
    }
    return rc;
}
