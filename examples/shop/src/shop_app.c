/*
 * The shop's business operations (see shop_app.h). Storage goes through shop__repo only.
 */
#include "shop_app.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Replaces *slot with a copy of s; false when out of memory. */
static bool set_text(char **slot, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

/* "2026-11-25T00:49:15.123456Z" and the microseconds since the epoch. */
static void now_text(char *buf, size_t cap, int64_t *us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    /* callers pass 40 bytes or more; a shorter buffer gets a truncated (still terminated) text */
    if (snprintf(buf, cap, "%s.%06ldZ", base, (long)(ts.tv_nsec / 1000)) >= (int)cap)
        buf[cap - 1] = '\0';
    if (us)
        *us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The sort key of "newest first": DynamoDB Query pages ascend by sort key, so orders carry an
 * inverted timestamp (the usual DynamoDB idiom) that ascends as time goes back.
 */
static void recency_key(char *buf, size_t cap, int64_t us)
{
    snprintf(buf, cap, "%016" PRId64, (int64_t)9999999999999999LL - us);
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/* Short pause before retrying after a write conflict, growing and jittered. */
static void backoff(int attempt)
{
    long ms = (1L << (attempt < 6 ? attempt : 6)) + rand() % 7;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool retryable(const ddb_error *e, int rc)
{
    if (rc == DDB_ERR_THROTTLED)
        return true;
    if (rc == DDB_ERR_TRANSACTION_CANCELED && e) {
        bool conflict = false;
        for (size_t i = 0; i < e->n_cancellation_reasons; i++) {
            const char *code = e->cancellation_reasons[i].code;
            if (code && strcmp(code, "ConditionalCheckFailed") == 0)
                return false;
            if (code && strcmp(code, "TransactionConflict") == 0)
                conflict = true;
        }
        return conflict;
    }
    return false;
}

/* The index of the action whose condition failed, or -1. */
static long failed_action(const ddb_error *e)
{
    for (size_t i = 0; e && i < e->n_cancellation_reasons; i++) {
        const char *code = e->cancellation_reasons[i].code;
        if (code && strcmp(code, "ConditionalCheckFailed") == 0)
            return (long)i;
    }
    return -1;
}

#define ATTEMPTS 8

/* ---- users ---------------------------------------------------------------------------------- */

static int get_user(shop__repo *r, shop__user *out, int64_t user_id, ddb_error *err)
{
    bool found = false;
    int rc = r->user__get_user(r, out, &found, user_id, err);
    if (rc)
        return rc;
    if (!found)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "no user with user_id %" PRId64, user_id);
    return 0;
}

int shop_register(shop__repo *r, shop__user *out, const char *username, const char *email,
                  const char *full_name, ddb_error *err)
{
    if (blank(username))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "username is empty");
    if (!email || !strchr(email, '@') || strchr(email, ' '))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "email '%s' is not an email address",
                             email ? email : "");
    if (blank(full_name))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "full_name is empty");
    char now[40];
    now_text(now, sizeof(now), NULL);
    shop__user u = SHOP__USER__INIT;
    u.username = strdup(username);
    u.email = strdup(email);
    u.full_name = strdup(full_name);
    u.created_at = strdup(now);
    int rc;
    if (!u.username || !u.email || !u.full_name || !u.created_at)
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory registering '%s'", username);
    else
        rc = r->user__create(r, &u, err);
    if (rc || !out)
        shop__user__free(&u);
    else
        *out = u;
    return rc;
}

/* Read, change, write back; a concurrent change is retried on the fresh copy. */
int shop_update_profile(shop__repo *r, int64_t user_id, const char *email, const char *full_name,
                        ddb_error *err)
{
    if (email && (!strchr(email, '@') || strchr(email, ' ')))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "email '%s' is not an email address", email);
    if (full_name && blank(full_name))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "full_name is empty");
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__user u = SHOP__USER__INIT;
        if ((rc = get_user(r, &u, user_id, err)))
            return rc;
        if ((email && !set_text(&u.email, email)) ||
            (full_name && !set_text(&u.full_name, full_name)))
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory updating user %" PRId64, user_id);
        else
            rc = r->user__update(r, &u, err);
        shop__user__free(&u);
        if (rc != DDB_ERR_STALE_VERSION)
            return rc;
        backoff(attempt);
    }
    return rc;
}

int shop_become_seller(shop__repo *r, int64_t user_id, ddb_error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__user u = SHOP__USER__INIT;
        if ((rc = get_user(r, &u, user_id, err)))
            return rc;
        if (u.is_seller) {
            shop__user__free(&u);
            return 0;
        }
        u.is_seller = true;
        rc = r->user__update(r, &u, err);
        shop__user__free(&u);
        if (rc != DDB_ERR_STALE_VERSION)
            return rc;
        backoff(attempt);
    }
    return rc;
}

/* ---- categories ----------------------------------------------------------------------------- */

static int get_category(shop__repo *r, shop__category *out, int64_t id, ddb_error *err)
{
    bool found = false;
    int rc = r->category__get_category(r, out, &found, id, err);
    if (rc)
        return rc;
    if (!found)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "no category with category_id %" PRId64, id);
    return 0;
}

int shop_add_category(shop__repo *r, shop__category *out, const char *name, int64_t parent_id,
                      ddb_error *err)
{
    if (blank(name))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "category name is empty");
    if (parent_id) {
        shop__category parent = SHOP__CATEGORY__INIT;
        int rc = get_category(r, &parent, parent_id, err);
        shop__category__free(&parent);
        if (rc)
            return rc;
    }
    shop__category c = SHOP__CATEGORY__INIT;
    c.has_parent_id = parent_id != 0;
    c.parent_id = parent_id;
    c.name = strdup(name);
    int rc = c.name ? r->category__create(r, &c, err)
                    : ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for category '%s'", name);
    if (rc || !out)
        shop__category__free(&c);
    else
        *out = c;
    return rc;
}

int shop_category_children(shop__repo *r, shop__category__page *out, int64_t parent_id,
                           const shop__page_request *page, ddb_error *err)
{
    return r->category__category_children(r, out, parent_id, page, err);
}

void shop_category_path_free(shop__category *path, size_t n_path)
{
    for (size_t i = 0; path && i < n_path; i++)
        shop__category__free(&path[i]);
    free(path);
}

/* A category tree is shallow; deeper than this is a cycle in the data. */
#define MAX_CATEGORY_DEPTH 32

int shop_category_path(shop__repo *r, shop__category **path, size_t *n_path, int64_t category_id,
                       ddb_error *err)
{
    shop__category *up = calloc(MAX_CATEGORY_DEPTH, sizeof(*up));
    if (!up)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a category path");
    size_t n = 0;
    int64_t id = category_id;
    int rc = 0;
    while (!rc) {
        if (n == MAX_CATEGORY_DEPTH) {
            rc = ddb_error_set(err, DDB_ERR_LIMIT,
                               "category %" PRId64
                               " is more than %d levels deep (a parent_id cycle?)",
                               category_id, MAX_CATEGORY_DEPTH);
            break;
        }
        if ((rc = get_category(r, &up[n], id, err)))
            break;
        n++;
        if (!up[n - 1].has_parent_id)
            break;
        id = up[n - 1].parent_id;
    }
    if (rc) {
        shop_category_path_free(up, n);
        return rc;
    }
    for (size_t i = 0; i < n / 2; i++) { /* root first */
        shop__category t = up[i];
        up[i] = up[n - 1 - i];
        up[n - 1 - i] = t;
    }
    *path = up;
    *n_path = n;
    return 0;
}

/* ---- products ------------------------------------------------------------------------------- */

static int get_product(shop__repo *r, shop__product *out, int64_t id, ddb_error *err)
{
    bool found = false;
    int rc = r->product__get_product(r, out, &found, id, err);
    if (rc)
        return rc;
    if (!found)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "no product with product_id %" PRId64, id);
    return 0;
}

int shop_add_product(shop__repo *r, shop__product *out, int64_t seller_id, int64_t category_id,
                     const char *name, const char *description, int64_t price_cents,
                     int64_t inventory, ddb_error *err)
{
    if (blank(name))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "product name is empty");
    if (price_cents < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "price_cents %" PRId64 " is negative",
                             price_cents);
    if (inventory < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "inventory %" PRId64 " is negative",
                             inventory);
    shop__user seller = SHOP__USER__INIT;
    int rc = get_user(r, &seller, seller_id, err);
    bool is_seller = seller.is_seller;
    shop__user__free(&seller);
    if (rc)
        return rc;
    if (!is_seller)
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                             "user %" PRId64 " is not a seller; upgrade the account first",
                             seller_id);
    shop__category cat = SHOP__CATEGORY__INIT;
    rc = get_category(r, &cat, category_id, err);
    shop__category__free(&cat);
    if (rc)
        return rc;
    char now[40];
    now_text(now, sizeof(now), NULL);
    shop__product p = SHOP__PRODUCT__INIT;
    p.seller_id = seller_id;
    p.category_id = category_id;
    p.name = strdup(name);
    p.description = dup_or_null(description);
    p.price_cents = price_cents;
    p.inventory = inventory;
    p.created_at = strdup(now);
    if (!p.name || !p.created_at || (description && !p.description))
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for product '%s'", name);
    else
        rc = r->product__create(r, &p, err);
    if (rc || !out)
        shop__product__free(&p);
    else
        *out = p;
    return rc;
}

/* The seller's own product, or DDB_ERR_CONDITION_FAILED. */
static int own_product(shop__repo *r, shop__product *p, int64_t seller_id, int64_t product_id,
                       ddb_error *err)
{
    int rc = get_product(r, p, product_id, err);
    if (rc)
        return rc;
    if (p->seller_id != seller_id) {
        shop__product__free(p);
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                             "product %" PRId64 " belongs to seller %" PRId64 ", not %" PRId64,
                             product_id, p->seller_id, seller_id);
    }
    return 0;
}

int shop_update_product(shop__repo *r, int64_t seller_id, int64_t product_id, const char *name,
                        int64_t price_cents, ddb_error *err)
{
    if (name && blank(name))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "product name is empty");
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__product p = SHOP__PRODUCT__INIT;
        if ((rc = own_product(r, &p, seller_id, product_id, err)))
            return rc;
        if (name && !set_text(&p.name, name))
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory updating product %" PRId64,
                               product_id);
        else {
            if (price_cents >= 0)
                p.price_cents = price_cents;
            rc = r->product__update(r, &p, err);
        }
        shop__product__free(&p);
        if (rc != DDB_ERR_STALE_VERSION)
            return rc;
        backoff(attempt);
    }
    return rc;
}

/* One transaction with retries on write conflicts (DynamoDB's TransactionConflict, SQL busy). */
static int transact(shop__repo *r, shop__write *ops, size_t n, ddb_error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (!(rc = r->transact(r, ops, n, err)) || !retryable(err, rc))
            return rc;
        backoff(attempt);
    }
    return rc;
}

int shop_restock(shop__repo *r, int64_t seller_id, int64_t product_id, int64_t quantity,
                 ddb_error *err)
{
    if (quantity <= 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "restock quantity %" PRId64 " is not positive", quantity);
    shop__product p = SHOP__PRODUCT__INIT;
    int rc = own_product(r, &p, seller_id, product_id, err);
    if (rc)
        return rc;
    /* An atomic increment, not read-modify-write: checkouts may be decrementing meanwhile. */
    shop__write op = {SHOP__KIND_PRODUCT, SHOP__WRITE_ADD, &p, "inventory", quantity, INT64_MIN};
    rc = transact(r, &op, 1, err);
    shop__product__free(&p);
    return rc;
}

int shop_browse_category(shop__repo *r, shop__product__page *out, int64_t category_id,
                         const shop__page_request *page, ddb_error *err)
{
    return r->product__products_by_category(r, out, category_id, page, err);
}

int shop_browse_seller(shop__repo *r, shop__product__page *out, int64_t seller_id,
                       const shop__page_request *page, ddb_error *err)
{
    return r->product__products_by_seller(r, out, seller_id, page, err);
}

/* ---- cart ----------------------------------------------------------------------------------- */

static int get_cart_item(shop__repo *r, shop__cart_item *out, bool *found, int64_t user_id,
                         int64_t product_id, ddb_error *err)
{
    shop__cart_item key = SHOP__CART_ITEM__INIT;
    key.user_id = user_id;
    key.product_id = product_id;
    return r->cart_item__get(r, out, found, &key, err);
}

/* Sets (add false) or increases (add true) a cart line; quantity 0 with !add removes it. */
static int cart_change(shop__repo *r, int64_t user_id, int64_t product_id, int64_t quantity,
                       bool add, ddb_error *err)
{
    shop__user u = SHOP__USER__INIT;
    int rc = get_user(r, &u, user_id, err);
    shop__user__free(&u);
    if (rc)
        return rc;
    shop__product p = SHOP__PRODUCT__INIT;
    if ((rc = get_product(r, &p, product_id, err)))
        return rc;
    shop__product__free(&p);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__cart_item item = SHOP__CART_ITEM__INIT;
        bool found = false;
        if ((rc = get_cart_item(r, &item, &found, user_id, product_id, err)))
            return rc;
        int64_t want = add ? (found ? item.quantity : 0) + quantity : quantity;
        if (found && want == 0) {
            rc = r->cart_item__delete(r, &item, err);
        } else if (found) {
            item.quantity = want;
            rc = r->cart_item__update(r, &item, err);
        } else if (want == 0) {
            rc = 0;
        } else {
            char now[40];
            now_text(now, sizeof(now), NULL);
            item.user_id = user_id;
            item.product_id = product_id;
            item.quantity = want;
            item.added_at = strdup(now);
            rc = item.added_at ? r->cart_item__create(r, &item, err)
                               : ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a cart line");
            if (rc == DDB_ERR_ITEM_EXISTS) /* added meanwhile: add to that line */
                rc = DDB_ERR_STALE_VERSION;
        }
        shop__cart_item__free(&item);
        if (rc != DDB_ERR_STALE_VERSION)
            return rc;
        backoff(attempt);
    }
    return rc;
}

int shop_cart_add(shop__repo *r, int64_t user_id, int64_t product_id, int64_t quantity,
                  ddb_error *err)
{
    if (quantity <= 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "quantity %" PRId64 " is not positive",
                             quantity);
    return cart_change(r, user_id, product_id, quantity, true, err);
}

int shop_cart_set_quantity(shop__repo *r, int64_t user_id, int64_t product_id, int64_t quantity,
                           ddb_error *err)
{
    if (quantity < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "quantity %" PRId64 " is negative",
                             quantity);
    return cart_change(r, user_id, product_id, quantity, false, err);
}

int shop_cart_remove(shop__repo *r, int64_t user_id, int64_t product_id, ddb_error *err)
{
    return cart_change(r, user_id, product_id, 0, false, err);
}

void shop_cart_free(shop_cart *cart)
{
    if (!cart)
        return;
    for (size_t i = 0; i < cart->n_lines; i++) {
        shop__cart_item__free(&cart->lines[i].item);
        shop__product__free(&cart->lines[i].product);
    }
    free(cart->lines);
    memset(cart, 0, sizeof(*cart));
}

int shop_cart_view(shop__repo *r, shop_cart *out, int64_t user_id, ddb_error *err)
{
    shop_cart cart = {0, NULL, 0, 0};
    shop__page_request req = {NULL, 0, 0};
    char *cursor = NULL;
    int rc = 0;
    do {
        shop__cart_item__page page = {0, NULL, NULL};
        req.cursor = cursor;
        rc = r->cart_item__cart_items(r, &page, user_id, &req, err);
        free(cursor);
        cursor = NULL;
        if (rc)
            break;
        if (cart.n_lines + page.n_items > SHOP_CART_MAX_LINES * 2) {
            shop__cart_item__page_free(&page);
            rc = ddb_error_set(err, DDB_ERR_LIMIT,
                               "the cart of user %" PRId64 " has more than %d lines", user_id,
                               SHOP_CART_MAX_LINES * 2);
            break;
        }
        shop_cart_line *grown =
            realloc(cart.lines, (cart.n_lines + page.n_items + 1) * sizeof(*grown));
        if (!grown) {
            shop__cart_item__page_free(&page);
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a cart");
            break;
        }
        cart.lines = grown;
        for (size_t i = 0; i < page.n_items; i++) {
            shop_cart_line *line = &cart.lines[cart.n_lines++];
            memset(line, 0, sizeof(*line));
            line->item = page.items[i];
            memset(&page.items[i], 0, sizeof(page.items[i])); /* moved */
        }
        cursor = page.cursor;
        page.cursor = NULL;
        shop__cart_item__page_free(&page);
    } while (cursor);
    for (size_t i = 0; !rc && i < cart.n_lines; i++) {
        shop_cart_line *line = &cart.lines[i];
        if ((rc = get_product(r, &line->product, line->item.product_id, err)))
            break;
        line->line_cents = line->item.quantity * line->product.price_cents;
        cart.total_cents += line->line_cents;
        cart.n_units += line->item.quantity;
    }
    if (rc) {
        shop_cart_free(&cart);
        return rc;
    }
    *out = cart;
    return 0;
}

/* ---- orders --------------------------------------------------------------------------------- */

int shop_checkout(shop__repo *r, shop__order *out, int64_t user_id, ddb_error *err)
{
    shop_cart cart = {0, NULL, 0, 0};
    int rc = shop_cart_view(r, &cart, user_id, err);
    if (rc)
        return rc;
    if (cart.n_lines == 0) {
        shop_cart_free(&cart);
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "the cart of user %" PRId64 " is empty",
                             user_id);
    }
    if (cart.n_lines > SHOP_CART_MAX_LINES) {
        rc = ddb_error_set(err, DDB_ERR_LIMIT,
                           "the cart has %zu lines; a checkout takes at most %d (one transaction)",
                           cart.n_lines, SHOP_CART_MAX_LINES);
        shop_cart_free(&cart);
        return rc;
    }
    /* Fail fast on stock we can see; the transaction's condition is what guarantees it. */
    for (size_t i = 0; i < cart.n_lines; i++) {
        const shop_cart_line *l = &cart.lines[i];
        if (l->product.inventory < l->item.quantity) {
            rc = ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                               "not enough stock of product %" PRId64 " (%s): %" PRId64
                               " left, %" PRId64 " wanted",
                               l->product.product_id, l->product.name, l->product.inventory,
                               l->item.quantity);
            shop_cart_free(&cart);
            return rc;
        }
    }

    /*
     * The order first, to get its ID: the lines are keyed by it, and with source IDs the database
     * assigns it on insert. It stays pending; if the transaction fails it is deleted again.
     */
    char now[40], rk[24];
    int64_t us = 0;
    now_text(now, sizeof(now), &us);
    recency_key(rk, sizeof(rk), us);
    shop__order order = SHOP__ORDER__INIT;
    order.user_id = user_id;
    order.status = strdup(SHOP_ORDER_PENDING);
    order.total_cents = cart.total_cents;
    order.item_count = cart.n_units;
    order.created_at = strdup(now);
    order.recency_key = strdup(rk);
    if (!order.status || !order.created_at || !order.recency_key)
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for an order");
    else
        rc = r->order__create(r, &order, err);
    if (rc) {
        shop__order__free(&order);
        shop_cart_free(&cart);
        return rc;
    }

    size_t n = cart.n_lines;
    shop__order_item *items = calloc(n, sizeof(*items));
    shop__write *ops = calloc(3 * n, sizeof(*ops));
    if (!items || !ops) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for a checkout");
        goto undo;
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        for (size_t i = 0; i < n; i++) {
            shop_cart_line *l = &cart.lines[i];
            shop__order_item *it = &items[i];
            shop__order_item__free(it);
            it->order_id = order.order_id;
            it->product_id = l->product.product_id;
            it->product_name = strdup(l->product.name);
            it->unit_price_cents = l->product.price_cents;
            it->quantity = l->item.quantity;
            if (!it->product_name) {
                rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for an order line");
                goto undo;
            }
            ops[3 * i] = (shop__write){SHOP__KIND_ORDER_ITEM, SHOP__WRITE_CREATE, it, NULL, 0, 0};
            ops[3 * i + 1] = (shop__write){SHOP__KIND_PRODUCT, SHOP__WRITE_ADD,   &l->product,
                                           "inventory",        -l->item.quantity, 0};
            ops[3 * i + 2] =
                (shop__write){SHOP__KIND_CART_ITEM, SHOP__WRITE_DELETE, &l->item, NULL, 0, 0};
        }
        if (!(rc = r->transact(r, ops, 3 * n, err)) || !retryable(err, rc))
            break;
        backoff(attempt);
    }
    if (rc == DDB_ERR_TRANSACTION_CANCELED) {
        long at = failed_action(err);
        if (at >= 0 && at % 3 == 1) {
            const shop__product *p = &cart.lines[at / 3].product;
            rc = ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                               "not enough stock of product %" PRId64 " (%s) for %" PRId64,
                               p->product_id, p->name, cart.lines[at / 3].item.quantity);
        } else if (at >= 0 && at % 3 == 2) {
            rc = ddb_error_set(err, DDB_ERR_STALE_VERSION,
                               "the cart of user %" PRId64 " changed during checkout; try again",
                               user_id);
        }
    }
undo:
    if (rc) {
        /* Nothing of the transaction was written; take the pending order back too. */
        ddb_error e2 = DDB_ERROR_INIT;
        if (r->order__delete(r, &order, &e2) != 0)
            fprintf(stderr,
                    "shop: checkout failed and order %" PRId64 " could not be removed: %s\n",
                    order.order_id, e2.message);
        ddb_error_clear(&e2);
        shop__order__free(&order);
    } else if (out) {
        *out = order;
    } else {
        shop__order__free(&order);
    }
    for (size_t i = 0; items && i < n; i++)
        shop__order_item__free(&items[i]);
    free(items);
    free(ops);
    shop_cart_free(&cart);
    return rc;
}

int shop_order_history(shop__repo *r, shop__order__page *out, int64_t user_id,
                       const shop__page_request *page, ddb_error *err)
{
    return r->order__orders_of_user(r, out, user_id, page, err);
}

int shop_orders_by_status(shop__repo *r, shop__order__page *out, const char *status,
                          const shop__page_request *page, ddb_error *err)
{
    if (!status || (strcmp(status, SHOP_ORDER_PENDING) && strcmp(status, SHOP_ORDER_COMPLETED) &&
                    strcmp(status, SHOP_ORDER_CANCELLED)))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "status '%s' is not one of pending, completed, cancelled",
                             status ? status : "");
    return r->order__orders_by_status(r, out, status, page, err);
}

void shop_order_items_free(shop__order_item *items, size_t n_items)
{
    for (size_t i = 0; items && i < n_items; i++)
        shop__order_item__free(&items[i]);
    free(items);
}

int shop_order_items(shop__repo *r, shop__order_item **items, size_t *n_items, int64_t order_id,
                     ddb_error *err)
{
    shop__order_item *all = NULL;
    size_t n = 0;
    char *cursor = NULL;
    int rc = 0;
    do {
        shop__order_item__page page = {0, NULL, NULL};
        shop__page_request req = {cursor, 0, 0};
        rc = r->order_item__order_items(r, &page, order_id, &req, err);
        free(cursor);
        cursor = NULL;
        if (rc)
            break;
        shop__order_item *grown = realloc(all, (n + page.n_items + 1) * sizeof(*grown));
        if (!grown) {
            shop__order_item__page_free(&page);
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory for order lines");
            break;
        }
        all = grown;
        memcpy(all + n, page.items, page.n_items * sizeof(*all));
        n += page.n_items;
        free(page.items); /* the items moved into all */
        cursor = page.cursor;
    } while (cursor);
    if (rc) {
        shop_order_items_free(all, n);
        return rc;
    }
    *items = all;
    *n_items = n;
    return 0;
}

int shop_cancel_order(shop__repo *r, int64_t user_id, int64_t order_id, ddb_error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__order order = SHOP__ORDER__INIT;
        bool found = false;
        if ((rc = r->order__get_order(r, &order, &found, order_id, err)))
            return rc;
        if (!found || order.user_id != user_id) {
            shop__order__free(&order);
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "user %" PRId64 " has no order with order_id %" PRId64, user_id,
                                 order_id);
        }
        if (strcmp(order.status, SHOP_ORDER_PENDING) != 0) {
            rc = ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                               "order %" PRId64 " is %s; only pending orders can be cancelled",
                               order_id, order.status);
            shop__order__free(&order);
            return rc;
        }
        shop__order_item *items = NULL;
        size_t n = 0;
        if ((rc = shop_order_items(r, &items, &n, order_id, err))) {
            shop__order__free(&order);
            return rc;
        }
        shop__write *ops = calloc(n + 1, sizeof(*ops));
        shop__product *keys = calloc(n + 1, sizeof(*keys));
        if (!ops || !keys || !set_text(&order.status, SHOP_ORDER_CANCELLED)) {
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory cancelling order %" PRId64,
                               order_id);
        } else {
            ops[0] = (shop__write){SHOP__KIND_ORDER, SHOP__WRITE_UPDATE, &order, NULL, 0, 0};
            for (size_t i = 0; i < n; i++) {
                keys[i].product_id = items[i].product_id; /* ADD reads only the key */
                ops[i + 1] = (shop__write){SHOP__KIND_PRODUCT, SHOP__WRITE_ADD,   &keys[i],
                                           "inventory",        items[i].quantity, INT64_MIN};
            }
            rc = r->transact(r, ops, n + 1, err);
        }
        free(ops);
        free(keys);
        shop_order_items_free(items, n);
        shop__order__free(&order);
        /* A concurrent change of the order (version) or a conflict: read it again. */
        if (rc == DDB_ERR_TRANSACTION_CANCELED && failed_action(err) == 0)
            rc = DDB_ERR_STALE_VERSION;
        if (rc != DDB_ERR_STALE_VERSION && !retryable(err, rc))
            return rc;
        backoff(attempt);
    }
    return rc;
}

int shop_complete_order(shop__repo *r, int64_t order_id, ddb_error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        shop__order order = SHOP__ORDER__INIT;
        bool found = false;
        if ((rc = r->order__get_order(r, &order, &found, order_id, err)))
            return rc;
        if (!found)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "no order with order_id %" PRId64,
                                 order_id);
        if (strcmp(order.status, SHOP_ORDER_PENDING) != 0) {
            rc = ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                               "order %" PRId64 " is %s; only pending orders can be completed",
                               order_id, order.status);
            shop__order__free(&order);
            return rc;
        }
        rc = set_text(&order.status, SHOP_ORDER_COMPLETED)
                 ? r->order__update(r, &order, err)
                 : ddb_error_set(err, DDB_ERR_NOMEM, "out of memory completing order %" PRId64,
                                 order_id);
        shop__order__free(&order);
        if (rc != DDB_ERR_STALE_VERSION)
            return rc;
        backoff(attempt);
    }
    return rc;
}
