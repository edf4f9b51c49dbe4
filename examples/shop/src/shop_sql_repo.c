/*
 * The shop's relational repository (see shop_sql_repo.h).
 *
 * The six entities map to six tables, column for column. Rather than six copies of the same
 * INSERT/SELECT/UPDATE code, each entity is described once (entity_map: table, columns with their
 * C offsets, which columns form the DynamoDB primary key) and the CRUD, list, mirror and
 * transaction code walks that description. The access patterns are plain SQL queries with keyset
 * pagination, in the same order as the DynamoDB sort keys, so that every backend pages alike.
 *
 * The primary key of an entity in the generated interface is its DynamoDB key (for a cart line,
 * user and product), not always the SQL id; the WHERE clauses use those key columns, which the
 * schema backs with a PRIMARY KEY or a UNIQUE constraint.
 */
#include "shop_sql_repo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shop_sql_schema.h"

/* ---- errors --------------------------------------------------------------------------------- */

/* ---- entity descriptions -------------------------------------------------------------------- */

typedef enum col_type {
    COL_INT,      /* int64_t, NOT NULL */
    COL_OPT_INT,  /* bool has_x; int64_t x; NULL when !has_x */
    COL_TEXT,     /* char *, NOT NULL */
    COL_OPT_TEXT, /* char *, NULL when NULL */
    COL_BOOL      /* bool, stored 0/1 */
} col_type;

typedef struct col {
    const char *column; /* SQL column */
    const char *field;  /* model field name (transact ADD names fields) */
    col_type type;
    size_t off;
    size_t has_off; /* COL_OPT_INT only */
} col;

#define MAX_COLS 10
#define MAX_KEY 2

typedef struct entity_map {
    int kind; /* shop__kind */
    const char *entity;
    const char *table;
    size_t size;
    size_t version_off;
    const col *cols; /* cols[0] is the id column ("id") */
    size_t n_cols;
    int key[MAX_KEY]; /* indexes into cols: the DynamoDB primary key fields */
    size_t n_key;
    void (*free)(void *);
    const ddb_entity_desc *desc; /* the generated descriptor: its flags are the model's */
} entity_map;

#define C(col_, field_, type_, T, member)                                                          \
    {                                                                                              \
        col_, field_, type_, offsetof(T, member), 0                                                \
    }
#define C_OPT(col_, field_, T, member)                                                             \
    {                                                                                              \
        col_, field_, COL_OPT_INT, offsetof(T, member), offsetof(T, has_##member)                  \
    }

static const col user_cols[] = {
    C("id", "user_id", COL_INT, shop__user, user_id),
    C("username", "username", COL_TEXT, shop__user, username),
    C("email", "email", COL_TEXT, shop__user, email),
    C("full_name", "full_name", COL_TEXT, shop__user, full_name),
    C("is_seller", "is_seller", COL_BOOL, shop__user, is_seller),
    C("created_at", "created_at", COL_TEXT, shop__user, created_at),
};
static const col category_cols[] = {
    C("id", "category_id", COL_INT, shop__category, category_id),
    C_OPT("parent_id", "parent_id", shop__category, parent_id),
    C("name", "name", COL_TEXT, shop__category, name),
};
static const col product_cols[] = {
    C("id", "product_id", COL_INT, shop__product, product_id),
    C("seller_id", "seller_id", COL_INT, shop__product, seller_id),
    C("category_id", "category_id", COL_INT, shop__product, category_id),
    C("name", "name", COL_TEXT, shop__product, name),
    C("description", "description", COL_OPT_TEXT, shop__product, description),
    C("price_cents", "price_cents", COL_INT, shop__product, price_cents),
    C("inventory", "inventory", COL_INT, shop__product, inventory),
    C("created_at", "created_at", COL_TEXT, shop__product, created_at),
};
static const col cart_item_cols[] = {
    C("id", "cart_item_id", COL_INT, shop__cart_item, cart_item_id),
    C("user_id", "user_id", COL_INT, shop__cart_item, user_id),
    C("product_id", "product_id", COL_INT, shop__cart_item, product_id),
    C("quantity", "quantity", COL_INT, shop__cart_item, quantity),
    C("added_at", "added_at", COL_TEXT, shop__cart_item, added_at),
};
static const col order_cols[] = {
    C("id", "order_id", COL_INT, shop__order, order_id),
    C("user_id", "user_id", COL_INT, shop__order, user_id),
    C("status", "status", COL_TEXT, shop__order, status),
    C("total_cents", "total_cents", COL_INT, shop__order, total_cents),
    C("item_count", "item_count", COL_INT, shop__order, item_count),
    C("created_at", "created_at", COL_TEXT, shop__order, created_at),
    C("recency_key", "recency_key", COL_TEXT, shop__order, recency_key),
};
static const col order_item_cols[] = {
    C("id", "order_item_id", COL_INT, shop__order_item, order_item_id),
    C("order_id", "order_id", COL_INT, shop__order_item, order_id),
    C("product_id", "product_id", COL_INT, shop__order_item, product_id),
    C("product_name", "product_name", COL_TEXT, shop__order_item, product_name),
    C("unit_price_cents", "unit_price_cents", COL_INT, shop__order_item, unit_price_cents),
    C("quantity", "quantity", COL_INT, shop__order_item, quantity),
};

static void free_user(void *p)
{
    shop__user__free(p);
}
static void free_category(void *p)
{
    shop__category__free(p);
}
static void free_product(void *p)
{
    shop__product__free(p);
}
static void free_cart_item(void *p)
{
    shop__cart_item__free(p);
}
static void free_order(void *p)
{
    shop__order__free(p);
}
static void free_order_item(void *p)
{
    shop__order_item__free(p);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAP(kind_, name_, table_, T, cols_, free_, ...)                                            \
    {                                                                                              \
        kind_, name_, table_, sizeof(T), offsetof(T, ddb_version), cols_, N(cols_), {__VA_ARGS__}, \
            N(((int[]){__VA_ARGS__})), free_, &T##__desc                                           \
    }

static const entity_map maps[] = {
    MAP(SHOP__KIND_USER, "User", "users", shop__user, user_cols, free_user, 0),
    MAP(SHOP__KIND_CATEGORY, "Category", "categories", shop__category, category_cols, free_category,
        0),
    MAP(SHOP__KIND_PRODUCT, "Product", "products", shop__product, product_cols, free_product, 0),
    /* A cart line is keyed by (user, product) in DynamoDB; the UNIQUE constraint matches it. */
    MAP(SHOP__KIND_CART_ITEM, "CartItem", "cart_items", shop__cart_item, cart_item_cols,
        free_cart_item, 1, 2),
    MAP(SHOP__KIND_ORDER, "Order", "orders", shop__order, order_cols, free_order, 0),
    MAP(SHOP__KIND_ORDER_ITEM, "OrderItem", "order_items", shop__order_item, order_item_cols,
        free_order_item, 1, 0),
};

static const entity_map *map_of(int kind)
{
    for (size_t i = 0; i < N(maps); i++)
        if (maps[i].kind == kind)
            return &maps[i];
    return NULL;
}

#define M_USER (&maps[0])
#define M_CATEGORY (&maps[1])
#define M_PRODUCT (&maps[2])
#define M_CART_ITEM (&maps[3])
#define M_ORDER (&maps[4])
#define M_ORDER_ITEM (&maps[5])

/* ---- field access --------------------------------------------------------------------------- */

static int64_t *int_at(const col *c, const void *obj)
{
    return (int64_t *)((char *)(uintptr_t)obj + c->off);
}
static char **text_at(const col *c, const void *obj)
{
    return (char **)((char *)(uintptr_t)obj + c->off);
}
static bool *bool_at(const void *obj, size_t off)
{
    return (bool *)((char *)(uintptr_t)obj + off);
}
static int64_t *version_at(const entity_map *m, const void *obj)
{
    return (int64_t *)((char *)(uintptr_t)obj + m->version_off);
}

static ddb_sql_param param_of(const col *c, const void *obj)
{
    switch (c->type) {
    case COL_INT:
        return DDB_SQL_P_INT(*int_at(c, obj));
    case COL_OPT_INT:
        return *bool_at(obj, c->has_off) ? DDB_SQL_P_INT(*int_at(c, obj)) : DDB_SQL_P_NULL;
    case COL_BOOL:
        return DDB_SQL_P_INT(*bool_at(obj, c->off) ? 1 : 0);
    case COL_TEXT:
    case COL_OPT_TEXT:
        return *text_at(c, obj) ? DDB_SQL_P_TEXT(*text_at(c, obj)) : DDB_SQL_P_NULL;
    }
    return DDB_SQL_P_NULL;
}

/* A required text column without a value: the same rule as the DynamoDB conversion. */
static int check_required(const entity_map *m, const void *obj, ddb_error *err)
{
    for (size_t i = 0; i < m->n_cols; i++) {
        const col *c = &m->cols[i];
        if (c->type == COL_TEXT && !*text_at(c, obj))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s is required and has no value",
                                 m->entity, c->field);
    }
    return 0;
}

/* "id, username, ..., version" */
static void select_list(char *buf, size_t cap, const entity_map *m)
{
    size_t len = 0;
    for (size_t i = 0; i < m->n_cols; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s, ", m->cols[i].column);
    snprintf(buf + len, cap - len, "version");
}

/* " AND k1 = ? AND k2 = ?" appended; params appended to p. */
static size_t key_where(char *buf, size_t cap, const entity_map *m, const void *obj,
                        ddb_sql_param *p, size_t np)
{
    size_t len = strlen(buf);
    for (size_t i = 0; i < m->n_key; i++) {
        const col *c = &m->cols[m->key[i]];
        len += (size_t)snprintf(buf + len, cap - len, "%s%s = ?", i ? " AND " : "", c->column);
        p[np++] = param_of(c, obj);
    }
    return np;
}

/* "User user_id=3" / "CartItem user_id=1 product_id=2", for messages. */
static void key_text(char *buf, size_t cap, const entity_map *m, const void *obj)
{
    size_t len = (size_t)snprintf(buf, cap, "%s", m->entity);
    for (size_t i = 0; i < m->n_key && len < cap; i++) {
        const col *c = &m->cols[m->key[i]];
        len += (size_t)snprintf(buf + len, cap - len, " %s=%" PRId64, c->field, *int_at(c, obj));
    }
}

/* Fills obj (fresh) from the current row, whose columns are select_list's. */
static int row_to_obj(const entity_map *m, ddb_sql_rows *r, void *obj, ddb_error *err)
{
    memset(obj, 0, m->size);
    for (size_t i = 0; i < m->n_cols; i++) {
        const col *c = &m->cols[i];
        int ci = (int)i;
        switch (c->type) {
        case COL_INT:
            *int_at(c, obj) = ddb_sql_int(r, ci);
            break;
        case COL_OPT_INT:
            *bool_at(obj, c->has_off) = !ddb_sql_is_null(r, ci);
            *int_at(c, obj) = ddb_sql_is_null(r, ci) ? 0 : ddb_sql_int(r, ci);
            break;
        case COL_BOOL:
            *bool_at(obj, c->off) = ddb_sql_int(r, ci) != 0;
            break;
        case COL_TEXT:
        case COL_OPT_TEXT: {
            const char *s = ddb_sql_text(r, ci);
            if (s && !(*text_at(c, obj) = strdup(s))) {
                m->free(obj);
                return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory reading %s.%s", m->entity,
                                     c->field);
            }
            break;
        }
        }
    }
    *version_at(m, obj) = ddb_sql_int(r, (int)m->n_cols);
    return 0;
}

/*
 * A constraint violation from the database, reworded to name the entity's field (the message of
 * the DynamoDB implementation names the unique field too). Unique constraints are named
 * <table>_<field>_unique and SQLite says "UNIQUE constraint failed: users.email".
 */
static int reword_conflict(const entity_map *m, const void *obj, ddb_error *err)
{
    if (!err || err->code != DDB_ERR_CONDITION_FAILED)
        return err ? err->code : DDB_ERR_CONDITION_FAILED;
    char db_msg[sizeof(err->message)];
    snprintf(db_msg, sizeof(db_msg), "%s", err->message);
    for (size_t i = 1; i < m->n_cols; i++) {
        const col *c = &m->cols[i];
        char dotted[80], named[80];
        snprintf(dotted, sizeof(dotted), "%s.%s", m->table, c->column);
        snprintf(named, sizeof(named), "%s_%s_unique", m->table, c->column);
        if (c->type == COL_TEXT && (strstr(db_msg, dotted) || strstr(db_msg, named))) {
            const char *v = *text_at(c, obj);
            int rc = ddb_error_set(err, DDB_ERR_UNIQUE_TAKEN,
                                   "%s.%s '%s' is already taken (unique field %s)", m->entity,
                                   c->field, v ? v : "", c->field);
            ddb_error_set_field(err, c->field);
            return rc;
        }
    }
    char key[160];
    key_text(key, sizeof(key), m, obj);
    if (strstr(db_msg, "PRIMARY") || strstr(db_msg, ".id") || strstr(db_msg, "_unique"))
        return ddb_error_set(err, DDB_ERR_ITEM_EXISTS, "%s already exists", key);
    return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "%s: %s", key, db_msg);
}

/* ---- the repository ------------------------------------------------------------------------- */

/* Room for any entity struct, aligned like one: a scratch copy that failures leave behind. */
typedef union obj_buf {
    max_align_t align;
    char bytes[256];
} obj_buf;
#define FITS(T) _Static_assert(sizeof(T) <= sizeof(obj_buf), #T " does not fit obj_buf")
FITS(shop__user);
FITS(shop__category);
FITS(shop__product);
FITS(shop__cart_item);
FITS(shop__order);
FITS(shop__order_item);

typedef struct sql_repo {
    shop__repo base; /* first: a shop__repo * is a sql_repo * */
    ddb_sql *db;
    bool owns_db;
} sql_repo;

static ddb_sql *db_of(shop__repo *r)
{
    return ((sql_repo *)r)->db;
}

/* INSERT; a zero ID lets the database assign it (AUTO_INCREMENT), any other is kept. */
static int insert_obj(ddb_sql_conn *c, const entity_map *m, void *obj, int64_t version,
                      ddb_error *err)
{
    if (check_required(m, obj, err))
        return err ? err->code : DDB_ERR_INVALID_ARG;
    int64_t *id = int_at(&m->cols[0], obj);
    char sql[512], vals[128];
    ddb_sql_param p[MAX_COLS + 1];
    size_t np = 0, len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", m->table);
    size_t vlen = 0;
    for (size_t i = *id ? 0 : 1; i < m->n_cols; i++) {
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s, ", m->cols[i].column);
        vlen += (size_t)snprintf(vals + vlen, sizeof(vals) - vlen, "?, ");
        p[np++] = param_of(&m->cols[i], obj);
    }
    snprintf(sql + len, sizeof(sql) - len, "version) VALUES (%s?)", vals);
    p[np++] = DDB_SQL_P_INT(version);
    int64_t last = 0;
    int rc = ddb_sql_exec(c, sql, p, np, &last, NULL, err);
    if (rc)
        return rc == DDB_ERR_CONDITION_FAILED ? reword_conflict(m, obj, err) : rc;
    if (!*id)
        *id = last;
    *version_at(m, obj) = version;
    return 0;
}

/* The stored version of obj's key: 0 when there is no such row. */
static int stored_version(ddb_sql_conn *c, const entity_map *m, const void *obj, int64_t *out,
                          ddb_error *err)
{
    char sql[256];
    ddb_sql_param p[MAX_KEY];
    snprintf(sql, sizeof(sql), "SELECT version FROM %s WHERE ", m->table);
    size_t np = key_where(sql, sizeof(sql), m, obj, p, 0);
    ddb_sql_rows *rows = NULL;
    int rc = ddb_sql_query(c, sql, p, np, &rows, err);
    if (rc)
        return rc;
    rc = ddb_sql_next(rows);
    *out = rc == 1 ? ddb_sql_int(rows, 0) : 0;
    ddb_sql_rows_free(rows);
    return rc < 0
               ? ddb_error_set(err, DDB_ERR_SERVICE, "reading the version of %s failed", m->entity)
               : 0;
}

/* The failure of a version-checked write that matched no row: stale, or missing. */
static int explain_no_match(ddb_sql_conn *c, const entity_map *m, const void *obj, int64_t expected,
                            ddb_error *err)
{
    int64_t v = 0;
    int rc = stored_version(c, m, obj, &v, err);
    if (rc)
        return rc;
    char key[160];
    key_text(key, sizeof(key), m, obj);
    if (v == 0)
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s does not exist", key);
    return ddb_error_set(err, DDB_ERR_STALE_VERSION,
                         "%s: stored version %" PRId64 ", expected %" PRId64, key, v, expected);
}

/*
 * UPDATE every non-key column from obj where the key matches and (check_version) the version is
 * obj's; the version becomes new_version (0: the stored one + 1). *matched: whether a row was
 * changed.
 */
static int update_row(ddb_sql_conn *c, const entity_map *m, const void *obj, bool check_version,
                      int64_t new_version, bool *matched, ddb_error *err)
{
    if (check_required(m, obj, err))
        return err ? err->code : DDB_ERR_INVALID_ARG;
    char sql[768];
    ddb_sql_param p[2 * MAX_COLS + 2];
    size_t np = 0, len = (size_t)snprintf(sql, sizeof(sql), "UPDATE %s SET ", m->table);
    for (size_t i = 1; i < m->n_cols; i++) {
        bool is_key = false;
        for (size_t k = 0; k < m->n_key; k++)
            is_key |= m->key[k] == (int)i;
        if (is_key)
            continue;
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s = ?, ", m->cols[i].column);
        p[np++] = param_of(&m->cols[i], obj);
    }
    if (new_version == 0) {
        snprintf(sql + len, sizeof(sql) - len, "version = version + 1 WHERE ");
    } else {
        snprintf(sql + len, sizeof(sql) - len, "version = ? WHERE ");
        p[np++] = DDB_SQL_P_INT(new_version);
    }
    np = key_where(sql, sizeof(sql), m, obj, p, np);
    if (check_version) {
        len = strlen(sql);
        snprintf(sql + len, sizeof(sql) - len, " AND version = ?");
        p[np++] = DDB_SQL_P_INT(*version_at(m, obj));
    }
    int64_t changed = 0;
    int rc = ddb_sql_exec(c, sql, p, np, NULL, &changed, err);
    if (rc)
        return rc == DDB_ERR_CONDITION_FAILED ? reword_conflict(m, obj, err) : rc;
    *matched = changed > 0;
    return 0;
}

typedef struct blind_ctx {
    const entity_map *m;
    void *obj;
} blind_ctx;

/* The update without a version (ddb_version 0): the stored version + 1, read back. */
static int update_blind(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    blind_ctx *x = ctx;
    bool matched = false;
    int64_t v = 0;
    int rc = update_row(c, x->m, x->obj, false, 0, &matched, err);
    if (rc)
        return rc;
    if (!matched) {
        char key[160];
        key_text(key, sizeof(key), x->m, x->obj);
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s does not exist", key);
    }
    if ((rc = stored_version(c, x->m, x->obj, &v, err)))
        return rc;
    *version_at(x->m, x->obj) = v;
    return 0;
}

static int update_obj(ddb_sql_conn *c, const entity_map *m, void *obj, ddb_error *err)
{
    int64_t expected = *version_at(m, obj);
    bool matched = false;
    int rc;
    if (expected == 0) {
        blind_ctx x = {m, obj};
        /* In a transaction of its own (unless in one already): the version read is ours. */
        return ddb_sql_in_transaction(c) ? update_blind(c, &x, err)
                                         : ddb_sql_transact(c, update_blind, &x, err);
    }
    rc = update_row(c, m, obj, true, expected + 1, &matched, err);
    if (rc)
        return rc;
    if (!matched)
        return explain_no_match(c, m, obj, expected, err);
    *version_at(m, obj) = expected + 1;
    return 0;
}

static int delete_obj(ddb_sql_conn *c, const entity_map *m, const void *obj, bool must_exist,
                      ddb_error *err)
{
    char sql[256];
    ddb_sql_param p[MAX_KEY + 1];
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ", m->table);
    size_t np = key_where(sql, sizeof(sql), m, obj, p, 0);
    int64_t expected = *version_at(m, obj);
    if (expected) {
        size_t len = strlen(sql);
        snprintf(sql + len, sizeof(sql) - len, " AND version = ?");
        p[np++] = DDB_SQL_P_INT(expected);
    }
    int64_t changed = 0;
    int rc = ddb_sql_exec(c, sql, p, np, NULL, &changed, err);
    if (rc)
        return rc;
    if (changed == 0 && expected) {
        int64_t v = 0;
        if ((rc = stored_version(c, m, obj, &v, err)))
            return rc;
        if (v != 0 || must_exist)
            return explain_no_match(c, m, obj, expected, err);
    } else if (changed == 0 && must_exist) {
        char key[160];
        key_text(key, sizeof(key), m, obj);
        return ddb_error_set(err, DDB_ERR_ITEM_NOT_FOUND, "%s does not exist", key);
    }
    return 0;
}

static int get_obj(ddb_sql_conn *c, const entity_map *m, void *out, bool *found, const void *key,
                   ddb_error *err)
{
    char cols[256], sql[512];
    ddb_sql_param p[MAX_KEY];
    select_list(cols, sizeof(cols), m);
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE ", cols, m->table);
    size_t np = key_where(sql, sizeof(sql), m, key, p, 0);
    ddb_sql_rows *rows = NULL;
    int rc = ddb_sql_query(c, sql, p, np, &rows, err);
    if (rc)
        return rc;
    rc = ddb_sql_next(rows);
    if (rc < 0) {
        ddb_sql_rows_free(rows);
        return ddb_error_set(err, DDB_ERR_SERVICE, "reading %s failed", m->entity);
    }
    if (rc == 1) {
        obj_buf tmp;
        if ((rc = row_to_obj(m, rows, tmp.bytes, err))) {
            ddb_sql_rows_free(rows);
            return rc;
        }
        memcpy(out, tmp.bytes, m->size);
        *found = true;
    } else {
        memset(out, 0, m->size);
        *found = false;
    }
    ddb_sql_rows_free(rows);
    return 0;
}

/* ---- generic members through a connection --------------------------------------------------- */

typedef int (*conn_fn)(ddb_sql_conn *c, void *ctx, ddb_error *err);

static int with_conn(shop__repo *r, conn_fn fn, void *ctx, ddb_error *err)
{
    ddb_sql_conn *c = NULL;
    int rc = ddb_sql_acquire(db_of(r), &c, err);
    if (rc)
        return rc;
    rc = fn(c, ctx, err);
    ddb_sql_release(c);
    return rc;
}

typedef struct crud_ctx {
    const entity_map *m;
    void *obj;
    const void *key;
    bool *found;
} crud_ctx;

static int do_create(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crud_ctx *x = ctx;
    return insert_obj(c, x->m, x->obj, 1, err);
}
static int do_get(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crud_ctx *x = ctx;
    return get_obj(c, x->m, x->obj, x->found, x->key, err);
}
static int do_update(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crud_ctx *x = ctx;
    return update_obj(c, x->m, x->obj, err);
}
/* x-ddbkit.delete_missing "not_found": deleting a missing row is DDB_ERR_ITEM_NOT_FOUND. */
static bool delete_must_exist(const entity_map *m)
{
    return (m->desc->flags & DDB_ENTITY_F_DELETE_MISSING_NOT_FOUND) != 0;
}

static int do_delete(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crud_ctx *x = ctx;
    return delete_obj(c, x->m, x->key, delete_must_exist(x->m), err);
}

static int crud(shop__repo *r, conn_fn fn, const entity_map *m, void *obj, bool *found,
                const void *key, ddb_error *err)
{
    if (!r || (!obj && !key))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s: repository and entity are required",
                             m->entity);
    crud_ctx x = {m, obj, key, found};
    return with_conn(r, fn, &x, err);
}

/* ---- pages ---------------------------------------------------------------------------------- */

/*
 * Keyset pagination: a query orders by (sort column, id) and the cursor holds the last row's
 * values, "c1:<id>:<sort value in hex>", so inserts before the cursor never shift the next page
 * (an OFFSET would). The cursor is bound to nothing else; a malformed one is DDB_ERR_CURSOR.
 */
#define PAGE_MAX 1000

typedef struct page_cursor {
    bool set;
    int64_t id;
    char sort[256];
} page_cursor;

static int parse_cursor(page_cursor *out, const char *s, ddb_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!s)
        return 0;
    const char *p = s;
    if (strncmp(p, "c1:", 3) != 0)
        return ddb_error_set(err, DDB_ERR_CURSOR,
                             "cursor '%.40s' is not a cursor of this repository", s);
    p += 3;
    char *end = NULL;
    errno = 0;
    long long id = strtoll(p, &end, 10);
    if (errno || end == p || *end != ':')
        return ddb_error_set(err, DDB_ERR_CURSOR, "cursor '%.40s' has no row id", s);
    p = end + 1;
    size_t n = strlen(p);
    if (n % 2 || n / 2 >= sizeof(out->sort))
        return ddb_error_set(err, DDB_ERR_CURSOR, "cursor '%.40s' has a malformed sort value", s);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(p + 2 * i, "%2x", &v) != 1)
            return ddb_error_set(err, DDB_ERR_CURSOR, "cursor '%.40s' has a malformed sort value",
                                 s);
        out->sort[i] = (char)v;
    }
    out->set = true;
    out->id = id;
    return 0;
}

static char *make_cursor(int64_t id, const char *sort)
{
    size_t n = sort ? strlen(sort) : 0;
    char *s = malloc(32 + 2 * n);
    if (!s)
        return NULL;
    int len = snprintf(s, 32, "c1:%" PRId64 ":", id);
    for (size_t i = 0; i < n; i++)
        snprintf(s + len + 2 * i, 3, "%02x", (unsigned char)sort[i]);
    return s;
}

/* The generated page structs all have this layout. */
typedef struct any_page {
    size_t n_items;
    void *items;
    char *cursor;
} any_page;

/*
 * One page of `SELECT <cols> FROM <table> WHERE <where> ORDER BY <sort>, id`. where has n_p
 * parameters; sort_col is NULL (order by id alone) or a column of the select list.
 */
typedef struct page_query {
    const entity_map *m;
    const char *where; /* may be NULL */
    const ddb_sql_param *p;
    size_t n_p;
    const char *sort_col; /* NULL: id */
    int sort_index;       /* its index in m->cols */
    const char *cursor;
    int limit;
    int offset; /* rows to skip (OFFSET); never with cursor */
    any_page *out;
} page_query;

static int run_page(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    page_query *q = ctx;
    const entity_map *m = q->m;
    page_cursor cur;
    int rc = parse_cursor(&cur, q->cursor, err);
    if (rc)
        return rc;
    size_t limit = q->limit > 0 && q->limit < PAGE_MAX ? (size_t)q->limit : PAGE_MAX;
    char cols[256], sql[1024];
    ddb_sql_param p[8];
    size_t np = 0;
    select_list(cols, sizeof(cols), m);
    size_t len =
        (size_t)snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE 1 = 1", cols, m->table);
    if (q->where) {
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND %s", q->where);
        for (size_t i = 0; i < q->n_p; i++)
            p[np++] = q->p[i];
    }
    if (cur.set) {
        if (q->sort_col) {
            len +=
                (size_t)snprintf(sql + len, sizeof(sql) - len,
                                 " AND (%s > ? OR (%s = ? AND id > ?))", q->sort_col, q->sort_col);
            if (m->cols[q->sort_index].type == COL_TEXT) {
                p[np++] = DDB_SQL_P_TEXT(cur.sort);
                p[np++] = DDB_SQL_P_TEXT(cur.sort);
            } else {
                p[np++] = DDB_SQL_P_INT(strtoll(cur.sort, NULL, 10));
                p[np++] = DDB_SQL_P_INT(strtoll(cur.sort, NULL, 10));
            }
        } else {
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND id > ?");
        }
        p[np++] = DDB_SQL_P_INT(cur.id);
    }
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, " ORDER BY %s%sid LIMIT %zu",
                            q->sort_col ? q->sort_col : "", q->sort_col ? ", " : "", limit + 1);
    if (q->offset > 0)
        snprintf(sql + len, sizeof(sql) - len, " OFFSET %d", q->offset);
    ddb_sql_rows *rows = NULL;
    if ((rc = ddb_sql_query(c, sql, p, np, &rows, err)))
        return rc;
    char *items = calloc(limit + 1, m->size);
    size_t n = 0;
    bool more = false;
    if (!items) {
        ddb_sql_rows_free(rows);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a page of %s", m->entity);
    }
    while ((rc = ddb_sql_next(rows)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        if ((rc = row_to_obj(m, rows, items + n * m->size, err)))
            break;
        n++;
    }
    ddb_sql_rows_free(rows);
    char *cursor = NULL;
    if (rc >= 0 && more && n > 0) {
        const void *last = items + (n - 1) * m->size;
        char sortbuf[32];
        const char *sort = NULL;
        if (q->sort_col) {
            const col *sc = &m->cols[q->sort_index];
            if (sc->type == COL_TEXT) {
                sort = *text_at(sc, last);
            } else {
                snprintf(sortbuf, sizeof(sortbuf), "%" PRId64, *int_at(sc, last));
                sort = sortbuf;
            }
        }
        if (!(cursor = make_cursor(*int_at(&m->cols[0], last), sort)))
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a cursor");
    }
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            m->free(items + i * m->size);
        free(items);
        free(cursor);
        return rc == -1
                   ? ddb_error_set(err, DDB_ERR_SERVICE, "reading a page of %s failed", m->entity)
                   : rc;
    }
    q->out->n_items = n;
    q->out->items = items;
    q->out->cursor = cursor;
    return 0;
}

static int sort_index(const entity_map *m, const char *column)
{
    for (size_t i = 0; i < m->n_cols; i++)
        if (column && strcmp(m->cols[i].column, column) == 0)
            return (int)i;
    return 0;
}

static int page_of(shop__repo *r, void *out, const entity_map *m, const char *where,
                   const ddb_sql_param *p, size_t n_p, const char *sort_col,
                   const shop__page_request *page, ddb_error *err)
{
    if (!r || !out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "%s page: repository and output are required", m->entity);
    page_query q = {m,
                    where,
                    p,
                    n_p,
                    sort_col,
                    sort_index(m, sort_col),
                    page ? page->cursor : NULL,
                    page ? page->limit : 0,
                    page ? page->offset : 0,
                    out};
    any_page fresh = {0, NULL, NULL};
    /* The same contract, and messages, as the DynamoDB implementation's. */
    if (q.offset < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "page.offset %d is negative", q.offset);
    if (q.offset > 0 && q.cursor)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "page.offset %d with page.cursor: give one or the other", q.offset);
    *(any_page *)out = fresh;
    return with_conn(r, run_page, &q, err);
}

/* ---- per-entity members --------------------------------------------------------------------- */

#define ENTITY_MEMBERS(name, T, M)                                                                 \
    static int name##__create(shop__repo *r, T *obj, ddb_error *err)                               \
    {                                                                                              \
        return crud(r, do_create, M, obj, NULL, NULL, err);                                        \
    }                                                                                              \
    static int name##__get(shop__repo *r, T *out, bool *found, const T *key, ddb_error *err)       \
    {                                                                                              \
        bool f = false;                                                                            \
        if (!out)                                                                                  \
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s get: out is required",              \
                                 (M)->entity);                                                     \
        return crud(r, do_get, M, out, found ? found : &f, key, err);                              \
    }                                                                                              \
    static int name##__update(shop__repo *r, T *obj, ddb_error *err)                               \
    {                                                                                              \
        return crud(r, do_update, M, obj, NULL, NULL, err);                                        \
    }                                                                                              \
    static int name##__delete(shop__repo *r, const T *obj, ddb_error *err)                         \
    {                                                                                              \
        return crud(r, do_delete, M, NULL, NULL, obj, err);                                        \
    }

ENTITY_MEMBERS(user, shop__user, M_USER)
ENTITY_MEMBERS(category, shop__category, M_CATEGORY)
ENTITY_MEMBERS(product, shop__product, M_PRODUCT)
ENTITY_MEMBERS(cart_item, shop__cart_item, M_CART_ITEM)
ENTITY_MEMBERS(order, shop__order, M_ORDER)
ENTITY_MEMBERS(order_item, shop__order_item, M_ORDER_ITEM)

/* ---- access patterns ------------------------------------------------------------------------ */

static int user__get_user(shop__repo *r, shop__user *out, bool *found, int64_t user_id,
                          ddb_error *err)
{
    shop__user key = SHOP__USER__INIT;
    key.user_id = user_id;
    return user__get(r, out, found, &key, err);
}

static int category__get_category(shop__repo *r, shop__category *out, bool *found,
                                  int64_t category_id, ddb_error *err)
{
    shop__category key = SHOP__CATEGORY__INIT;
    key.category_id = category_id;
    return category__get(r, out, found, &key, err);
}

/* GSI ByCategory sorts children by "CHILD#{name}": by name, byte order (BINARY collation). */
static int category__category_children(shop__repo *r, shop__category__page *out, int64_t parent_id,
                                       const shop__page_request *page, ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(parent_id)};
    return page_of(r, out, M_CATEGORY, "parent_id = ?", p, 1, "name", page, err);
}

static int product__get_product(shop__repo *r, shop__product *out, bool *found, int64_t product_id,
                                ddb_error *err)
{
    shop__product key = SHOP__PRODUCT__INIT;
    key.product_id = product_id;
    return product__get(r, out, found, &key, err);
}

static int product__products_by_category(shop__repo *r, shop__product__page *out,
                                         int64_t category_id, const shop__page_request *page,
                                         ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(category_id)};
    return page_of(r, out, M_PRODUCT, "category_id = ?", p, 1, NULL, page, err);
}

static int product__products_by_seller(shop__repo *r, shop__product__page *out, int64_t seller_id,
                                       const shop__page_request *page, ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(seller_id)};
    return page_of(r, out, M_PRODUCT, "seller_id = ?", p, 1, NULL, page, err);
}

/* Sort key "CART#{product_id:012d}": by product. */
static int cart_item__cart_items(shop__repo *r, shop__cart_item__page *out, int64_t user_id,
                                 const shop__page_request *page, ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(user_id)};
    return page_of(r, out, M_CART_ITEM, "user_id = ?", p, 1, "product_id", page, err);
}

static int order__get_order(shop__repo *r, shop__order *out, bool *found, int64_t order_id,
                            ddb_error *err)
{
    shop__order key = SHOP__ORDER__INIT;
    key.order_id = order_id;
    return order__get(r, out, found, &key, err);
}

/* GSIs ByUser and ByStatus sort by "ORDER#{recency_key}", an inverted timestamp: newest first. */
static int order__orders_of_user(shop__repo *r, shop__order__page *out, int64_t user_id,
                                 const shop__page_request *page, ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(user_id)};
    return page_of(r, out, M_ORDER, "user_id = ?", p, 1, "recency_key", page, err);
}

static int order__orders_by_status(shop__repo *r, shop__order__page *out, const char *status,
                                   const shop__page_request *page, ddb_error *err)
{
    if (!status)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "orders_by_status: status is required");
    ddb_sql_param p[] = {DDB_SQL_P_TEXT(status)};
    return page_of(r, out, M_ORDER, "status = ?", p, 1, "recency_key", page, err);
}

static int order_item__order_items(shop__repo *r, shop__order_item__page *out, int64_t order_id,
                                   const shop__page_request *page, ddb_error *err)
{
    ddb_sql_param p[] = {DDB_SQL_P_INT(order_id)};
    return page_of(r, out, M_ORDER_ITEM, "order_id = ?", p, 1, NULL, page, err);
}

/* ---- list, mirror ---------------------------------------------------------------------------- */

#define LIST_MEMBER(name, T, M)                                                                    \
    static int name##__list(shop__repo *r, T##__page *out, const shop__page_request *page,         \
                            ddb_error *err)                                                        \
    {                                                                                              \
        return page_of(r, out, M, NULL, NULL, 0, NULL, page, err);                                 \
    }
LIST_MEMBER(user, shop__user, M_USER)
LIST_MEMBER(category, shop__category, M_CATEGORY)
LIST_MEMBER(product, shop__product, M_PRODUCT)
LIST_MEMBER(cart_item, shop__cart_item, M_CART_ITEM)
LIST_MEMBER(order, shop__order, M_ORDER)
LIST_MEMBER(order_item, shop__order_item, M_ORDER_ITEM)

/* Make the row of key equal to obj (NULL: absent), whatever is stored, version included. */
static int do_mirror(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crud_ctx *x = ctx;
    if (!x->obj) { /* unconditional: whatever version is stored goes */
        obj_buf key;
        memcpy(key.bytes, x->key, x->m->size);
        *version_at(x->m, key.bytes) = 0;
        return delete_obj(c, x->m, key.bytes, false, err);
    }
    bool matched = false;
    int rc = update_row(c, x->m, x->obj, false, *version_at(x->m, x->obj), &matched, err);
    if (rc || matched)
        return rc;
    /* insert_obj sets the version it writes; obj is the caller's const input here. */
    obj_buf tmp;
    memcpy(tmp.bytes, x->obj, x->m->size);
    return insert_obj(c, x->m, tmp.bytes, *version_at(x->m, x->obj), err);
}

static int mirror_run(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    return ddb_sql_transact(c, do_mirror, ctx, err);
}

#define MIRROR_MEMBER(name, T, M)                                                                  \
    static int name##__mirror(shop__repo *r, const T *obj, const T *key, ddb_error *err)           \
    {                                                                                              \
        if (!r || !key)                                                                            \
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s mirror: key is required",           \
                                 (M)->entity);                                                     \
        crud_ctx x = {M, (void *)(uintptr_t)obj, key, NULL};                                       \
        return with_conn(r, mirror_run, &x, err);                                                  \
    }
MIRROR_MEMBER(user, shop__user, M_USER)
MIRROR_MEMBER(category, shop__category, M_CATEGORY)
MIRROR_MEMBER(product, shop__product, M_PRODUCT)
MIRROR_MEMBER(cart_item, shop__cart_item, M_CART_ITEM)
MIRROR_MEMBER(order, shop__order, M_ORDER)
MIRROR_MEMBER(order_item, shop__order_item, M_ORDER_ITEM)

/* ---- transact ------------------------------------------------------------------------------- */

#define MAX_OPS 100

typedef struct txn_ctx {
    shop__write *ops;
    size_t n;
    int64_t ids[MAX_OPS];      /* the IDs assigned to CREATE ops (applied after the commit) */
    int64_t versions[MAX_OPS]; /* the versions written */
} txn_ctx;

static int cancelled(ddb_error *err, size_t n, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int cancelled(ddb_error *err, size_t n, size_t i, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char full[480];
    snprintf(full, sizeof(full), "transaction cancelled: action %zu: %s", i, msg);
    return ddb_error_set_cancelled(err, n, i, full);
}

/* ADD: field += delta where the key matches and field + delta >= min_result. */
static int txn_add(ddb_sql_conn *c, const entity_map *m, const shop__write *w, size_t i, size_t n,
                   ddb_error *err)
{
    const col *fc = NULL;
    for (size_t k = 1; k < m->n_cols; k++)
        if (w->field && strcmp(m->cols[k].field, w->field) == 0 && m->cols[k].type == COL_INT)
            fc = &m->cols[k];
    for (size_t k = 0; fc && k < m->n_key; k++)
        if (&m->cols[m->key[k]] == fc)
            fc = NULL;
    if (!fc)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "transact action %zu: '%s' is not an integer non-key field of %s", i,
                             w->field ? w->field : "(null)", m->entity);
    char sql[384];
    ddb_sql_param p[6];
    size_t np = 0;
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = %s + ?, version = version + 1 WHERE ", m->table,
             fc->column, fc->column);
    p[np++] = DDB_SQL_P_INT(w->delta);
    np = key_where(sql, sizeof(sql), m, w->obj, p, np);
    if (w->min_result != INT64_MIN) {
        size_t len = strlen(sql);
        snprintf(sql + len, sizeof(sql) - len, " AND %s + ? >= ?", fc->column);
        p[np++] = DDB_SQL_P_INT(w->delta);
        p[np++] = DDB_SQL_P_INT(w->min_result);
    }
    int64_t changed = 0;
    int rc = ddb_sql_exec(c, sql, p, np, NULL, &changed, err);
    char key[160];
    key_text(key, sizeof(key), m, w->obj);
    if (rc == DDB_ERR_CONDITION_FAILED || (!rc && changed == 0))
        return cancelled(err, n, i,
                         "%s: %s %+" PRId64 " would fall below %" PRId64
                         " (or the item does not exist)",
                         key, w->field, w->delta, w->min_result);
    return rc;
}

static int txn_run(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    txn_ctx *t = ctx;
    for (size_t i = 0; i < t->n; i++) {
        shop__write *w = &t->ops[i];
        const entity_map *m = map_of((int)w->kind);
        int rc = 0;
        obj_buf buf;
        char *tmp = buf.bytes;
        memcpy(tmp, w->obj, m->size);
        switch (w->op) {
        case SHOP__WRITE_CREATE:
            rc = insert_obj(c, m, tmp, 1, err);
            t->ids[i] = *int_at(&m->cols[0], tmp);
            t->versions[i] = 1;
            break;
        case SHOP__WRITE_UPDATE: {
            bool matched = false;
            int64_t v = *version_at(m, tmp);
            rc = update_row(c, m, tmp, true, v + 1, &matched, err);
            if (!rc && !matched)
                rc = explain_no_match(c, m, tmp, v, err);
            t->versions[i] = v + 1;
            break;
        }
        case SHOP__WRITE_DELETE:
            /* Like DynamoDB's condition on the version: a versioned delete of a missing row fails
               (a checkout must not succeed when its cart line was consumed meanwhile). */
            rc = delete_obj(c, m, tmp, *version_at(m, tmp) != 0 || delete_must_exist(m), err);
            break;
        case SHOP__WRITE_ADD:
            rc = txn_add(c, m, w, i, t->n, err);
            if (rc == DDB_ERR_TRANSACTION_CANCELED || rc == DDB_ERR_INVALID_ARG)
                return rc;
            break;
        }
        /* Constraint failures and version conflicts cancel the transaction at this action. */
        if (rc == DDB_ERR_CONDITION_FAILED || rc == DDB_ERR_STALE_VERSION ||
            rc == DDB_ERR_UNIQUE_TAKEN || rc == DDB_ERR_ITEM_EXISTS ||
            rc == DDB_ERR_ITEM_NOT_FOUND) {
            char why[sizeof(err->message)];
            snprintf(why, sizeof(why), "%s", err ? err->message : "condition failed");
            return cancelled(err, t->n, i, "%s", why);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int txn_conn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    return ddb_sql_transact(c, txn_run, ctx, err);
}

static int sql_transact(shop__repo *r, shop__write *ops, size_t n_ops, ddb_error *err)
{
    if (!r || (!ops && n_ops))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact: repository and ops are required");
    if (n_ops > MAX_OPS)
        return ddb_error_set(err, DDB_ERR_LIMIT, "transaction has %zu actions; the limit is %d",
                             n_ops, MAX_OPS);
    for (size_t i = 0; i < n_ops; i++) {
        if (!ops[i].obj || !map_of((int)ops[i].kind))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "transact action %zu: no entity or unknown kind %d", i,
                                 (int)ops[i].kind);
        if (ops[i].op < SHOP__WRITE_CREATE || ops[i].op > SHOP__WRITE_ADD)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "transact action %zu: unknown op %d", i,
                                 (int)ops[i].op);
    }
    if (n_ops == 0)
        return 0;
    txn_ctx *t = calloc(1, sizeof(*t));
    if (!t)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a transaction");
    t->ops = ops;
    t->n = n_ops;
    int rc = with_conn(r, txn_conn, t, err);
    if (rc == 0) {
        for (size_t i = 0; i < n_ops; i++) {
            const entity_map *m = map_of((int)ops[i].kind);
            if (ops[i].op == SHOP__WRITE_CREATE) {
                *int_at(&m->cols[0], ops[i].obj) = t->ids[i];
                *version_at(m, ops[i].obj) = t->versions[i];
            } else if (ops[i].op == SHOP__WRITE_UPDATE) {
                *version_at(m, ops[i].obj) = t->versions[i];
            }
        }
    }
    free(t);
    return rc;
}

/* ---- IDs ------------------------------------------------------------------------------------ */

typedef struct id_ctx {
    const entity_map *m;
    int64_t value;
} id_ctx;

static int query_int(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                     int64_t *out, ddb_error *err)
{
    ddb_sql_rows *rows = NULL;
    int rc = ddb_sql_query(c, sql, p, n, &rows, err);
    if (rc)
        return rc;
    *out = 0;
    if ((rc = ddb_sql_next(rows)) == 1 && !ddb_sql_is_null(rows, 0))
        *out = ddb_sql_int(rows, 0);
    ddb_sql_rows_free(rows);
    return rc < 0 ? ddb_error_set(err, DDB_ERR_SERVICE, "query failed: %s", sql) : 0;
}

/* The highest ID in use or already handed out (SQLite's sqlite_sequence, MariaDB's counter). */
static int do_max_id(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    id_ctx *x = ctx;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT MAX(id) FROM %s", x->m->table);
    int64_t max = 0, seq = 0;
    int rc = query_int(c, sql, NULL, 0, &max, err);
    if (rc)
        return rc;
    ddb_sql_param p[] = {DDB_SQL_P_TEXT(x->m->table)};
    if (ddb_sql_conn_dialect(c) == DDB_SQL_SQLITE)
        rc = query_int(c, "SELECT seq FROM sqlite_sequence WHERE name = ?", p, 1, &seq, err);
    else if ((rc = query_int(c,
                             "SELECT AUTO_INCREMENT FROM information_schema.TABLES "
                             "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                             p, 1, &seq, err)) == 0 &&
             seq > 0)
        seq--;
    x->value = max > seq ? max : seq;
    return rc;
}

static int do_seed_id(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    id_ctx *x = ctx;
    id_ctx cur = {x->m, 0};
    int rc = do_max_id(c, &cur, err);
    if (rc || cur.value >= x->value)
        return rc;
    if (ddb_sql_conn_dialect(c) == DDB_SQL_SQLITE) {
        ddb_sql_param p[] = {DDB_SQL_P_INT(x->value), DDB_SQL_P_TEXT(x->m->table)};
        int64_t changed = 0;
        rc = ddb_sql_exec(c, "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", p, 2, NULL,
                          &changed, err);
        if (!rc && changed == 0)
            rc = ddb_sql_exec(c, "INSERT INTO sqlite_sequence (seq, name) VALUES (?, ?)", p, 2,
                              NULL, NULL, err);
        return rc;
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "ALTER TABLE %s AUTO_INCREMENT = %" PRId64, x->m->table,
             x->value + 1);
    return ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, err);
}

static int sql_max_id(shop__repo *r, shop__kind kind, int64_t *out, ddb_error *err)
{
    const entity_map *m = map_of((int)kind);
    if (!r || !m || !out)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "max_id: unknown entity kind %d", (int)kind);
    id_ctx x = {m, 0};
    int rc = with_conn(r, do_max_id, &x, err);
    if (!rc)
        *out = x.value;
    return rc;
}

static int sql_seed_id(shop__repo *r, shop__kind kind, int64_t floor, ddb_error *err)
{
    const entity_map *m = map_of((int)kind);
    if (!r || !m)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "seed_id: unknown entity kind %d",
                             (int)kind);
    id_ctx x = {m, floor};
    return with_conn(r, do_seed_id, &x, err);
}

/* ---- construction --------------------------------------------------------------------------- */

static void sql_free(shop__repo *r)
{
    sql_repo *s = (sql_repo *)r;
    if (!s)
        return;
    if (s->owns_db)
        ddb_sql_close(s->db);
    free(s);
}

int shop_sql_apply_schema(ddb_sql *db, ddb_error *err)
{
    if (!db)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "apply schema: no database");
    ddb_sql_conn *c = NULL;
    int rc = ddb_sql_acquire(db, &c, err);
    if (rc)
        return rc;
    rc = ddb_sql_exec_script(c,
                             ddb_sql_conn_dialect(c) == DDB_SQL_SQLITE ? shop_sql_schema_sqlite
                                                                       : shop_sql_schema_mariadb,
                             err);
    ddb_sql_release(c);
    return rc;
}

#define ASSIGN_ENTITY(name)                                                                        \
    do {                                                                                           \
        s->base.name##__create = name##__create;                                                   \
        s->base.name##__get = name##__get;                                                         \
        s->base.name##__update = name##__update;                                                   \
        s->base.name##__delete = name##__delete;                                                   \
        ASSIGN_STORE(name);                                                                        \
    } while (0)

#define ASSIGN_STORE(name)                                                                         \
    do {                                                                                           \
        s->base.name##__list = name##__list;                                                       \
        s->base.name##__mirror = name##__mirror;                                                   \
    } while (0)

int shop_sql_repo_new(shop__repo **out, ddb_sql *db, bool take_db, ddb_error *err)
{
    if (!out || !db)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "shop_sql_repo_new: out and db are required");
    sql_repo *s = calloc(1, sizeof(*s));
    if (!s)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for the SQL repository");
    s->db = db;
    s->owns_db = take_db;
    s->base.version = SHOP__REPO_VERSION;
    ASSIGN_ENTITY(user);
    s->base.user__get_user = user__get_user;
    ASSIGN_ENTITY(category);
    s->base.category__get_category = category__get_category;
    s->base.category__category_children = category__category_children;
    ASSIGN_ENTITY(product);
    s->base.product__get_product = product__get_product;
    s->base.product__products_by_category = product__products_by_category;
    s->base.product__products_by_seller = product__products_by_seller;
    ASSIGN_ENTITY(cart_item);
    s->base.cart_item__cart_items = cart_item__cart_items;
    ASSIGN_ENTITY(order);
    s->base.order__get_order = order__get_order;
    s->base.order__orders_of_user = order__orders_of_user;
    s->base.order__orders_by_status = order__orders_by_status;
    ASSIGN_ENTITY(order_item);
    s->base.order_item__order_items = order_item__order_items;
    s->base.transact = sql_transact;
    s->base.max_id = sql_max_id;
    s->base.seed_id = sql_seed_id;
    s->base.free = sql_free;
    *out = &s->base;
    return 0;
}
