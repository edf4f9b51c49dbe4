/*
 * shop: the command line of the example shop. The backend comes from the environment (backend.h).
 *
 * Exit status: 0 success, 1 the operation failed (message on stderr), 2 usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "shop_app.h"

static const char usage_text[] =
    "usage: shop <command> [arguments]\n"
    "\n"
    "users\n"
    "  register USERNAME EMAIL FULL_NAME       create an account; prints its ID\n"
    "  profile USER_ID [--email E] [--name N]  show or change a profile\n"
    "  become-seller USER_ID\n"
    "categories\n"
    "  add-category NAME [PARENT_ID]           prints the new ID\n"
    "  children CATEGORY_ID                    the sub-categories\n"
    "  path CATEGORY_ID                        root > ... > category\n"
    "products\n"
    "  add-product SELLER_ID CATEGORY_ID NAME PRICE_CENTS INVENTORY [DESCRIPTION]\n"
    "  update-product SELLER_ID PRODUCT_ID [--name N] [--price CENTS]\n"
    "  restock SELLER_ID PRODUCT_ID QUANTITY\n"
    "  browse CATEGORY_ID [--limit N] [--cursor C]\n"
    "  seller-products SELLER_ID [--limit N] [--cursor C]\n"
    "cart and orders\n"
    "  cart-add USER_ID PRODUCT_ID [QUANTITY]\n"
    "  cart-set USER_ID PRODUCT_ID QUANTITY    0 removes the line\n"
    "  cart-remove USER_ID PRODUCT_ID\n"
    "  cart USER_ID                            the cart with totals\n"
    "  checkout USER_ID                        prints the order ID\n"
    "  orders USER_ID [--limit N] [--cursor C] newest first\n"
    "  orders-by-status STATUS [--limit N] [--cursor C]\n"
    "  order ORDER_ID                          an order and its lines\n"
    "  cancel USER_ID ORDER_ID                 puts the stock back\n"
    "  complete ORDER_ID\n"
    "batch\n"
    "  shell                                   read commands from stdin, one per line, in one\n"
    "                                          process (so set-phase switches the running "
    "router);\n"
    "                                          exit 1 if any failed\n"
    "migration (SHOP_BACKEND=migrate)\n"
    "  set-phase N                             switch the router (logged)\n"
    "  replay-journal                          repair DynamoDB from the journal\n"
    "  backfill [--checkpoint FILE] [--items-per-second N] [--in-flight N] [--page-rows N]\n"
    "           [--progress]                   copy every relational entity into DynamoDB;\n"
    "                                          FILE is resumed from when it exists\n"
    "  compare [--max-rows N] [--segments N] [--in-flight N] [--progress]\n"
    "                                          compare both sides; exit 1 on a difference\n"
    "\n"
    "environment: SHOP_BACKEND=sqlite|mysql|dynamodb|migrate, SHOP_MIGRATION_PHASE=1..5,\n"
    "SHOP_SQLITE_PATH, SHOP_MYSQL_URL or SHOP_MYSQL_SOCKET/SHOP_MYSQL_DB, "
    "AWS_ENDPOINT_URL_DYNAMODB,\n"
    "SHOP_TABLE_PREFIX, SHOP_JOURNAL_PATH\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shop: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nrun 'shop help' for the commands\n");
    va_end(ap);
    return 2;
}

/* A decimal int64, or a usage error naming the argument. */
static bool parse_id(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static void money(char *buf, size_t cap, int64_t cents)
{
    snprintf(buf, cap, "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "",
             (cents < 0 ? -cents : cents) / 100, (cents < 0 ? -cents : cents) % 100);
}

typedef struct args {
    int argc;
    char **argv;
} args;

/* --name VALUE options after the positional arguments. */
static const char *opt(const args *a, const char *name)
{
    for (int i = 0; i + 1 < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0)
            return a->argv[i + 1];
    return NULL;
}

static int positional(const args *a)
{
    int n = 0;
    while (n < a->argc && strncmp(a->argv[n], "--", 2) != 0)
        n++;
    return n;
}

static bool flag(const args *a, const char *name)
{
    for (int i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0)
            return true;
    return false;
}

/* A whole number option in [0, max]; 0 when absent. -1 (after saying why) when malformed. */
static double number_opt(const args *a, const char *name, double max)
{
    const char *v = opt(a, name);
    char *end = NULL;
    double n;
    if (!v)
        return 0;
    n = strtod(v, &end);
    if (end == v || *end || n < 0 || n > max || n != (double)(long long)n) {
        usage_error("%s: '%s' is not a whole number from 0 to %.0f", name, v, max);
        return -1;
    }
    return n;
}

/* The bulk paths' options from the command line; false (after saying why) when malformed. */
static bool bulk_options(const args *a, ddb_route_bulk_options *o)
{
    double ips = number_opt(a, "--items-per-second", 1e9);
    double in_flight = ips < 0 ? -1 : number_opt(a, "--in-flight", 1024);
    double rows = in_flight < 0 ? -1 : number_opt(a, "--page-rows", 1000000);
    double max_rows = rows < 0 ? -1 : number_opt(a, "--max-rows", 1e9);
    double segments = max_rows < 0 ? -1 : number_opt(a, "--segments", 1000000);
    if (segments < 0)
        return false;
    o->checkpoint_path = opt(a, "--checkpoint");
    o->items_per_second = ips;
    o->max_in_flight = (size_t)in_flight;
    o->page_rows = (int)rows;
    o->max_rows = (size_t)max_rows;
    o->segments = (int)segments;
    o->progress = flag(a, "--progress");
    return true;
}

static shop__page_request page_of(const args *a)
{
    shop__page_request p = {opt(a, "--cursor"), 20, 0};
    const char *limit = opt(a, "--limit");
    if (limit)
        p.limit = atoi(limit);
    return p;
}

static void print_product(const shop__product *p)
{
    char price[32];
    money(price, sizeof(price), p->price_cents);
    printf("%" PRId64 "\t%s\t%s\tstock %" PRId64 "\tseller %" PRId64 "\tcategory %" PRId64 "\n",
           p->product_id, p->name, price, p->inventory, p->seller_id, p->category_id);
}

static void print_order(const shop__order *o)
{
    char total[32];
    money(total, sizeof(total), o->total_cents);
    printf("%" PRId64 "\tuser %" PRId64 "\t%s\t%s\t%" PRId64 " items\t%s\n", o->order_id,
           o->user_id, o->status, total, o->item_count, o->created_at);
}

static void print_cursor(const char *cursor)
{
    if (cursor)
        printf("next page: --cursor %s\n", cursor);
}

static int run(shop_backend *b, const char *cmd, const args *a, ddb_error *err);

/* Runs one command and reports its failure; returns the exit status it would have. */
static int run_reported(shop_backend *b, const char *cmd, const args *a)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = run(b, cmd, a, &err);
    if (rc < 0) {
        fprintf(stderr, "shop %s: %s (%s)\n", cmd, err.message[0] ? err.message : ddb_strerror(rc),
                ddb_error_code_name(rc));
        rc = 1;
    }
    ddb_error_clear(&err);
    return rc;
}

/* Splits a line into words; "double quotes" group words. Returns the count (at most cap). */
static int split_words(char *line, char **words, int cap)
{
    int n = 0;
    char *p = line;
    while (*p && n < cap) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p || *p == '#')
            break;
        char *out = p;
        words[n++] = out;
        bool quoted = false;
        while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))) {
            if (*p == '"')
                quoted = !quoted;
            else
                *out++ = *p;
            p++;
        }
        if (*p)
            p++;
        *out = '\0';
    }
    return n;
}

/* shell: every line of stdin is a command, run in this one process. */
static int shell(shop_backend *b)
{
    char line[4096];
    int status = 0;
    while (fgets(line, sizeof(line), stdin)) {
        char *words[32];
        int n = split_words(line, words, 32);
        if (n == 0)
            continue;
        args a = {n - 1, words + 1};
        if (run_reported(b, words[0], &a) != 0)
            status = 1;
        fflush(stdout);
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    static const char *const commands[] = {"register",
                                           "profile",
                                           "become-seller",
                                           "add-category",
                                           "children",
                                           "path",
                                           "add-product",
                                           "update-product",
                                           "restock",
                                           "browse",
                                           "seller-products",
                                           "cart-add",
                                           "cart-set",
                                           "cart-remove",
                                           "cart",
                                           "checkout",
                                           "orders",
                                           "orders-by-status",
                                           "order",
                                           "cancel",
                                           "complete",
                                           "set-phase",
                                           "replay-journal",
                                           "backfill",
                                           "compare",
                                           "shell"};
    bool known = false;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        known |= strcmp(cmd, commands[i]) == 0;
    if (!known) /* before opening anything: a typo must not create a database */
        return usage_error("unknown command '%s'", cmd);
    args a = {argc - 2, argv + 2};
    shop_backend *b = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (shop_backend_open(&b, &err) != 0) {
        fprintf(stderr, "shop: cannot open the backend: %s (%s)\n", err.message,
                ddb_error_code_name(err.code));
        ddb_error_clear(&err);
        return 1;
    }
    int rc = strcmp(cmd, "shell") == 0 ? shell(b) : run_reported(b, cmd, &a);
    shop_backend_close(b);
    return rc;
}

#define NEED(n, what)                                                                              \
    do {                                                                                           \
        if (positional(a) < (n))                                                                   \
            return usage_error("%s", "usage: shop " what);                                         \
    } while (0)
#define ID(i, var, name)                                                                           \
    int64_t var;                                                                                   \
    if (!parse_id(a->argv[i], &var))                                                               \
    return usage_error("%s is not a number", name)

static int run(shop_backend *b, const char *cmd, const args *a, ddb_error *err)
{
    shop__repo *r = shop_backend_repo(b);
    int rc = 0;
    if (strcmp(cmd, "register") == 0) {
        NEED(3, "register USERNAME EMAIL FULL_NAME");
        shop__user u = SHOP__USER__INIT;
        if (!(rc = shop_register(r, &u, a->argv[0], a->argv[1], a->argv[2], err)))
            printf("%" PRId64 "\n", u.user_id);
        shop__user__free(&u);
    } else if (strcmp(cmd, "profile") == 0) {
        NEED(1, "profile USER_ID [--email E] [--name N]");
        ID(0, id, "USER_ID");
        const char *email = opt(a, "--email"), *name = opt(a, "--name");
        if ((email || name) && (rc = shop_update_profile(r, id, email, name, err)))
            return rc;
        shop__user u = SHOP__USER__INIT;
        bool found = false;
        if (!(rc = r->user__get_user(r, &u, &found, id, err))) {
            if (!found) {
                shop__user__free(&u);
                fprintf(stderr, "shop profile: no user with user_id %" PRId64 "\n", id);
                return 1;
            }
            printf("%" PRId64 "\t%s\t%s\t%s\t%s\n", u.user_id, u.username, u.email, u.full_name,
                   u.is_seller ? "seller" : "customer");
        }
        shop__user__free(&u);
    } else if (strcmp(cmd, "become-seller") == 0) {
        NEED(1, "become-seller USER_ID");
        ID(0, id, "USER_ID");
        rc = shop_become_seller(r, id, err);
    } else if (strcmp(cmd, "add-category") == 0) {
        NEED(1, "add-category NAME [PARENT_ID]");
        int64_t parent = 0;
        if (positional(a) > 1 && !parse_id(a->argv[1], &parent))
            return usage_error("%s", "PARENT_ID is not a number");
        shop__category c = SHOP__CATEGORY__INIT;
        if (!(rc = shop_add_category(r, &c, a->argv[0], parent, err)))
            printf("%" PRId64 "\n", c.category_id);
        shop__category__free(&c);
    } else if (strcmp(cmd, "children") == 0) {
        NEED(1, "children CATEGORY_ID");
        ID(0, id, "CATEGORY_ID");
        shop__category__page p = {0, NULL, NULL};
        shop__page_request req = page_of(a);
        if (!(rc = shop_category_children(r, &p, id, &req, err))) {
            for (size_t i = 0; i < p.n_items; i++)
                printf("%" PRId64 "\t%s\n", p.items[i].category_id, p.items[i].name);
            print_cursor(p.cursor);
        }
        shop__category__page_free(&p);
    } else if (strcmp(cmd, "path") == 0) {
        NEED(1, "path CATEGORY_ID");
        ID(0, id, "CATEGORY_ID");
        shop__category *path = NULL;
        size_t n = 0;
        if (!(rc = shop_category_path(r, &path, &n, id, err))) {
            for (size_t i = 0; i < n; i++)
                printf("%s%s", i ? " > " : "", path[i].name);
            printf("\n");
        }
        shop_category_path_free(path, n);
    } else if (strcmp(cmd, "add-product") == 0) {
        NEED(5, "add-product SELLER_ID CATEGORY_ID NAME PRICE_CENTS INVENTORY [DESCRIPTION]");
        ID(0, seller, "SELLER_ID");
        ID(1, category, "CATEGORY_ID");
        ID(3, price, "PRICE_CENTS");
        ID(4, stock, "INVENTORY");
        shop__product p = SHOP__PRODUCT__INIT;
        if (!(rc = shop_add_product(r, &p, seller, category, a->argv[2],
                                    positional(a) > 5 ? a->argv[5] : NULL, price, stock, err)))
            printf("%" PRId64 "\n", p.product_id);
        shop__product__free(&p);
    } else if (strcmp(cmd, "update-product") == 0) {
        NEED(2, "update-product SELLER_ID PRODUCT_ID [--name N] [--price CENTS]");
        ID(0, seller, "SELLER_ID");
        ID(1, product, "PRODUCT_ID");
        int64_t price = -1;
        if (opt(a, "--price") && !parse_id(opt(a, "--price"), &price))
            return usage_error("%s", "--price is not a number of cents");
        rc = shop_update_product(r, seller, product, opt(a, "--name"), price, err);
    } else if (strcmp(cmd, "restock") == 0) {
        NEED(3, "restock SELLER_ID PRODUCT_ID QUANTITY");
        ID(0, seller, "SELLER_ID");
        ID(1, product, "PRODUCT_ID");
        ID(2, qty, "QUANTITY");
        rc = shop_restock(r, seller, product, qty, err);
    } else if (strcmp(cmd, "browse") == 0 || strcmp(cmd, "seller-products") == 0) {
        NEED(1, "browse CATEGORY_ID | seller-products SELLER_ID");
        ID(0, id, "the ID");
        shop__product__page p = {0, NULL, NULL};
        shop__page_request req = page_of(a);
        rc = cmd[0] == 'b' ? shop_browse_category(r, &p, id, &req, err)
                           : shop_browse_seller(r, &p, id, &req, err);
        if (!rc) {
            for (size_t i = 0; i < p.n_items; i++)
                print_product(&p.items[i]);
            print_cursor(p.cursor);
        }
        shop__product__page_free(&p);
    } else if (strcmp(cmd, "cart-add") == 0 || strcmp(cmd, "cart-set") == 0) {
        NEED(2, "cart-add USER_ID PRODUCT_ID [QUANTITY] | cart-set USER_ID PRODUCT_ID QUANTITY");
        ID(0, user, "USER_ID");
        ID(1, product, "PRODUCT_ID");
        int64_t qty = 1;
        if (positional(a) > 2 && !parse_id(a->argv[2], &qty))
            return usage_error("%s", "QUANTITY is not a number");
        rc = strcmp(cmd, "cart-add") == 0 ? shop_cart_add(r, user, product, qty, err)
                                          : shop_cart_set_quantity(r, user, product, qty, err);
    } else if (strcmp(cmd, "cart-remove") == 0) {
        NEED(2, "cart-remove USER_ID PRODUCT_ID");
        ID(0, user, "USER_ID");
        ID(1, product, "PRODUCT_ID");
        rc = shop_cart_remove(r, user, product, err);
    } else if (strcmp(cmd, "cart") == 0) {
        NEED(1, "cart USER_ID");
        ID(0, user, "USER_ID");
        shop_cart cart = {0, NULL, 0, 0};
        if (!(rc = shop_cart_view(r, &cart, user, err))) {
            char unit[32], line[32], total[32];
            for (size_t i = 0; i < cart.n_lines; i++) {
                const shop_cart_line *l = &cart.lines[i];
                money(unit, sizeof(unit), l->product.price_cents);
                money(line, sizeof(line), l->line_cents);
                printf("%" PRId64 "\t%s\t%" PRId64 " x %s\t%s\n", l->product.product_id,
                       l->product.name, l->item.quantity, unit, line);
            }
            money(total, sizeof(total), cart.total_cents);
            printf("total\t%" PRId64 " items\t%s\n", cart.n_units, total);
        }
        shop_cart_free(&cart);
    } else if (strcmp(cmd, "checkout") == 0) {
        NEED(1, "checkout USER_ID");
        ID(0, user, "USER_ID");
        shop__order o = SHOP__ORDER__INIT;
        if (!(rc = shop_checkout(r, &o, user, err)))
            print_order(&o);
        shop__order__free(&o);
    } else if (strcmp(cmd, "orders") == 0 || strcmp(cmd, "orders-by-status") == 0) {
        NEED(1, "orders USER_ID | orders-by-status STATUS");
        shop__order__page p = {0, NULL, NULL};
        shop__page_request req = page_of(a);
        if (strcmp(cmd, "orders") == 0) {
            ID(0, user, "USER_ID");
            rc = shop_order_history(r, &p, user, &req, err);
        } else {
            rc = shop_orders_by_status(r, &p, a->argv[0], &req, err);
        }
        if (!rc) {
            for (size_t i = 0; i < p.n_items; i++)
                print_order(&p.items[i]);
            print_cursor(p.cursor);
        }
        shop__order__page_free(&p);
    } else if (strcmp(cmd, "order") == 0) {
        NEED(1, "order ORDER_ID");
        ID(0, id, "ORDER_ID");
        shop__order o = SHOP__ORDER__INIT;
        bool found = false;
        if ((rc = r->order__get_order(r, &o, &found, id, err)))
            return rc;
        if (!found) {
            fprintf(stderr, "shop order: no order with order_id %" PRId64 "\n", id);
            return 1;
        }
        print_order(&o);
        shop__order__free(&o);
        shop__order_item *items = NULL;
        size_t n = 0;
        if (!(rc = shop_order_items(r, &items, &n, id, err))) {
            char unit[32];
            for (size_t i = 0; i < n; i++) {
                money(unit, sizeof(unit), items[i].unit_price_cents);
                printf("  %" PRId64 "\t%s\t%" PRId64 " x %s\n", items[i].product_id,
                       items[i].product_name, items[i].quantity, unit);
            }
        }
        shop_order_items_free(items, n);
    } else if (strcmp(cmd, "cancel") == 0) {
        NEED(2, "cancel USER_ID ORDER_ID");
        ID(0, user, "USER_ID");
        ID(1, order, "ORDER_ID");
        rc = shop_cancel_order(r, user, order, err);
    } else if (strcmp(cmd, "complete") == 0) {
        NEED(1, "complete ORDER_ID");
        ID(0, order, "ORDER_ID");
        rc = shop_complete_order(r, order, err);
    } else if (strcmp(cmd, "set-phase") == 0) {
        NEED(1, "set-phase N");
        ID(0, phase, "N");
        if (!(rc = shop_backend_set_phase(b, (int)phase, err)))
            printf("%s\n", shop_backend_describe(b));
    } else if (strcmp(cmd, "replay-journal") == 0) {
        size_t n = 0;
        if (!(rc = shop_backend_replay(b, &n, err)))
            printf("replayed %zu journal entries\n", n);
    } else if (strcmp(cmd, "backfill") == 0) {
        ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
        ddb_route_bulk_stats st;
        if (!bulk_options(a, &o))
            return 2;
        if (!(rc = shop_backend_backfill_with(b, &o, &st, err)))
            printf("backfill: %llu rows, %llu items in %.1f s (%.0f items/s)\n",
                   (unsigned long long)st.rows, (unsigned long long)st.items, st.seconds,
                   st.seconds > 0 ? (double)st.items / st.seconds : 0);
    } else if (strcmp(cmd, "compare") == 0) {
        ddb_route_bulk_options o = DDB_ROUTE_BULK_OPTIONS_INIT;
        size_t n = 0;
        if (!bulk_options(a, &o))
            return 2;
        if (!(rc = shop_backend_compare_with(b, &o, &n, NULL, err))) {
            printf("%zu differences\n", n);
            rc = n ? 1 : 0;
        }
    } else {
        return usage_error("unknown command '%s'", cmd);
    }
    return rc;
}
