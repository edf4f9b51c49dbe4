/*
 * The shop's business operations. They talk to storage only through the generated repository
 * interface (`shop__repo`, shop.h), so the same code runs over SQLite, MariaDB, DynamoDB and the
 * migration router. (The generated header is shop.h, hence this file's name.)
 *
 * Money is integer cents everywhere. Every function returns 0 or a negative ddb_error_code and
 * fills err (may be NULL) with a one-line message naming the field or the limit:
 *   DDB_ERR_INVALID_ARG       bad input (empty name, quantity <= 0, unknown product, ...)
 *   DDB_ERR_UNIQUE_TAKEN      the username or email belongs to another user (err->field)
 *   DDB_ERR_CONDITION_FAILED  a business rule: not enough stock, not a seller, order not
 *                             cancellable
 *   DDB_ERR_STALE_VERSION     someone changed the record meanwhile; read again and retry
 * Entities returned through out-parameters belong to the caller (shop__<entity>__free, or the
 * page's __page_free).
 *
 * Thread safety: the functions keep no state of their own; they are as thread-safe as the
 * repository (all of shop's repositories are).
 */
#ifndef SHOP_APP_H
#define SHOP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shop.h"

#define SHOP_ORDER_PENDING "pending"
#define SHOP_ORDER_COMPLETED "completed"
#define SHOP_ORDER_CANCELLED "cancelled"

/* A checkout writes 3 actions per cart line in one transaction of at most 100. */
#define SHOP_CART_MAX_LINES 33

/* ---- users ---- */

/* Registers a user (not a seller). *out receives the stored user with its ID. */
int shop_register(shop__repo *r, shop__user *out, const char *username, const char *email,
                  const char *full_name, ddb_error *err);
/* Changes the profile; NULL leaves a value as it is. */
int shop_update_profile(shop__repo *r, int64_t user_id, const char *email, const char *full_name,
                        ddb_error *err);
int shop_become_seller(shop__repo *r, int64_t user_id, ddb_error *err);

/* ---- categories ---- */

/* parent_id 0: a root category. */
int shop_add_category(shop__repo *r, shop__category *out, const char *name, int64_t parent_id,
                      ddb_error *err);
int shop_category_children(shop__repo *r, shop__category__page *out, int64_t parent_id,
                           const shop__page_request *page, ddb_error *err);
/* The categories from the root down to category_id: *path (n_path entries) is the caller's,
   freed with shop_category_path_free. */
int shop_category_path(shop__repo *r, shop__category **path, size_t *n_path, int64_t category_id,
                       ddb_error *err);
void shop_category_path_free(shop__category *path, size_t n_path);

/* ---- products (sellers) ---- */

int shop_add_product(shop__repo *r, shop__product *out, int64_t seller_id, int64_t category_id,
                     const char *name, const char *description, int64_t price_cents,
                     int64_t inventory, ddb_error *err);
/* Changes name and/or price (NULL / negative: unchanged) of the seller's own product. */
int shop_update_product(shop__repo *r, int64_t seller_id, int64_t product_id, const char *name,
                        int64_t price_cents, ddb_error *err);
/* Adds quantity (> 0) to the inventory, atomically (concurrent checkouts keep counting). */
int shop_restock(shop__repo *r, int64_t seller_id, int64_t product_id, int64_t quantity,
                 ddb_error *err);
int shop_browse_category(shop__repo *r, shop__product__page *out, int64_t category_id,
                         const shop__page_request *page, ddb_error *err);
int shop_browse_seller(shop__repo *r, shop__product__page *out, int64_t seller_id,
                       const shop__page_request *page, ddb_error *err);

/* ---- cart ---- */

/* Adds quantity (> 0) of a product, on top of what the cart holds. */
int shop_cart_add(shop__repo *r, int64_t user_id, int64_t product_id, int64_t quantity,
                  ddb_error *err);
/* Sets the quantity of a line; 0 removes it. */
int shop_cart_set_quantity(shop__repo *r, int64_t user_id, int64_t product_id, int64_t quantity,
                           ddb_error *err);
int shop_cart_remove(shop__repo *r, int64_t user_id, int64_t product_id, ddb_error *err);

typedef struct shop_cart_line {
    shop__cart_item item;
    shop__product product; /* as it is now: current price and stock */
    int64_t line_cents;    /* quantity * price */
} shop_cart_line;

typedef struct shop_cart {
    size_t n_lines;
    shop_cart_line *lines; /* by product ID */
    int64_t total_cents;
    int64_t n_units;
} shop_cart;

int shop_cart_view(shop__repo *r, shop_cart *out, int64_t user_id, ddb_error *err);
void shop_cart_free(shop_cart *cart); /* NULL-safe; resets to empty */

/* ---- orders ---- */

/*
 * Turns the cart into a pending order: the order and its lines are written, each product's
 * inventory goes down by the quantity only if enough remains, and the cart is emptied, all in one
 * transaction. Not enough stock: DDB_ERR_CONDITION_FAILED naming the product, and nothing changes.
 */
int shop_checkout(shop__repo *r, shop__order *out, int64_t user_id, ddb_error *err);
/* The user's orders, newest first. */
int shop_order_history(shop__repo *r, shop__order__page *out, int64_t user_id,
                       const shop__page_request *page, ddb_error *err);
int shop_orders_by_status(shop__repo *r, shop__order__page *out, const char *status,
                          const shop__page_request *page, ddb_error *err);
/* Every line of an order (all pages): *items is the caller's (shop_order_items_free). */
int shop_order_items(shop__repo *r, shop__order_item **items, size_t *n_items, int64_t order_id,
                     ddb_error *err);
void shop_order_items_free(shop__order_item *items, size_t n_items);
/* Cancels a pending order of the user and puts its quantities back in stock, atomically. */
int shop_cancel_order(shop__repo *r, int64_t user_id, int64_t order_id, ddb_error *err);
/* Marks a pending order completed (shipped and paid). */
int shop_complete_order(shop__repo *r, int64_t order_id, ddb_error *err);

#endif
