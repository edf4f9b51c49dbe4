/*
 * ddb_sql against the real databases: SQLite in memory, SQLite in a file, and the MariaDB that the
 * `mariadb` CTest fixture runs. The backend comes from $DDB_SQL_TEST_BACKEND (sqlite_memory,
 * sqlite_file, mariadb); every case is one CTest entry per backend (examples/shop/tests/sqldb.cmake).
 * Cases named sqlite_memory_* or mariadb_* are about that backend alone.
 *
 * Each case gets a database of its own (a fresh file, a fresh in-memory database, or a fresh MariaDB
 * database named after the case), so cases can run in parallel.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ddb/sql/sqldb.h"
#include "test.h"

static const char *backend;
static char tmpdir[256];
static int n_opened; /* numbers the databases of this process, so no two cases share one */

/* The URL of the fixture's MariaDB ("mariadb://root@/shop?socket=..."), or NULL. */
static char *mariadb_url(void)
{
    const char *state = getenv("DDB_TEST_MARIADB_STATE");
    if (!state)
        return NULL;
    char path[512];
    snprintf(path, sizeof(path), "%s/url", state);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[512] = {0};
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    if (!ok)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line);
}

/* Replace the database of a mariadb URL: mariadb://root@/shop?socket=X -> .../<db>?socket=X */
static char *with_database(const char *url, const char *db)
{
    const char *slash = strchr(url + strlen("mariadb://"), '/');
    const char *q = strchr(url, '?');
    char *out = malloc(strlen(url) + strlen(db) + 2);
    if (!out || !slash)
        exit(1);
    sprintf(out, "%.*s/%s%s", (int)(slash - url), url, db, q ? q : "");
    return out;
}

/* A fresh database for the current case. The caller closes it. */
static ddb_sql *open_fresh(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *db = NULL;
    char url[700];
    if (strcmp(backend, "sqlite_memory") == 0) {
        snprintf(url, sizeof(url), "sqlite::memory:");
    } else if (strcmp(backend, "sqlite_file") == 0) {
        snprintf(url, sizeof(url), "sqlite:%s/db%d.db?pool=6", tmpdir, ++n_opened);
    } else {
        char *base = mariadb_url();
        if (!base) {
            fprintf(stderr, "no MariaDB: $DDB_TEST_MARIADB_STATE/url is missing\n");
            exit(1);
        }
        ddb_sql *admin;
        if (ddb_sql_open(&admin, base, &err) != 0) {
            fprintf(stderr, "cannot open %s: %s\n", base, err.message);
            exit(1);
        }
        ddb_sql_conn *c;
        char sql[200], dbname[100];
        if (ddb_sql_acquire(admin, &c, &err) != 0)
            exit(1);
        snprintf(dbname, sizeof(dbname), "ddb_sql_%ld_%d", (long)getpid(), ++n_opened);
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
        if (ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err) != 0)
            fprintf(stderr, "%s: %s\n", sql, err.message);
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
        if (ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err) != 0)
            fprintf(stderr, "%s: %s\n", sql, err.message);
        ddb_sql_release(c);
        ddb_sql_close(admin);
        char *u = with_database(base, dbname);
        snprintf(url, sizeof(url), "%s%spool=6", u, strchr(u, '?') ? "&" : "?");
        free(u);
        free(base);
    }
    if (ddb_sql_open(&db, url, &err) != 0) {
        fprintf(stderr, "ddb_sql_open(%s): %s\n", url, err.message);
        exit(1);
    }
    ddb_error_clear(&err);
    return db;
}

static bool mariadb(ddb_sql *db)
{
    return ddb_sql_dialect_of(db) == DDB_SQL_MARIADB;
}

/* The per-dialect spelling of an auto-increment key. */
static const char *autoid(ddb_sql *db)
{
    return mariadb(db) ? "BIGINT PRIMARY KEY AUTO_INCREMENT" : "INTEGER PRIMARY KEY AUTOINCREMENT";
}

static void must_exec(ddb_sql_conn *c, const char *sql)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_sql_exec(c, sql, NULL, 0, NULL, NULL, &err);
    if (rc != 0) {
        fprintf(stderr, "setup failed: %s: %s\n", sql, err.message);
        exit(1);
    }
}

/* users(id, username UNIQUE, email UNIQUE, bio NULL) and products with a CHECK and an FK. */
static void make_schema(ddb_sql *db, ddb_sql_conn *c)
{
    char sql[600];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE users (id %s, username VARCHAR(64) NOT NULL UNIQUE, "
             "email VARCHAR(128) NOT NULL UNIQUE, bio TEXT)",
             autoid(db));
    must_exec(c, sql);
    snprintf(sql, sizeof(sql),
             "CREATE TABLE products (id %s, seller_id BIGINT NOT NULL, name VARCHAR(100) NOT NULL, "
             "inventory BIGINT NOT NULL, "
             "CONSTRAINT inventory_not_negative CHECK (inventory >= 0), "
             "FOREIGN KEY (seller_id) REFERENCES users (id))",
             autoid(db));
    must_exec(c, sql);
}

static int64_t count(ddb_sql_conn *c, const char *sql)
{
    ddb_sql_rows *r = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_sql_query(c, sql, NULL, 0, &r, &err) != 0 || ddb_sql_next(r) != 1) {
        fprintf(stderr, "%s: %s\n", sql, err.message);
        ddb_sql_rows_free(r);
        return -1;
    }
    int64_t n = ddb_sql_int(r, 0);
    ddb_sql_rows_free(r);
    return n;
}

/* ---- cases --------------------------------------------------------------------------------- */

TEST(exec_and_query_with_params)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    ddb_sql_param p[] = {DDB_SQL_P_TEXT("alice"), DDB_SQL_P_TEXT("a@example.com"), DDB_SQL_P_NULL};
    int64_t id = 0, changed = 0;
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email, bio) VALUES (?, ?, ?)", p, 3,
                           &id, &changed, &err),
              0);
    CHECK_INT(id, 1);
    CHECK_INT(changed, 1);
    ddb_sql_param q[] = {DDB_SQL_P_TEXT("bob"), DDB_SQL_P_TEXT("b@example.com"),
                         DDB_SQL_P_TEXT("sells; things 'quoted' \"here\"")};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email, bio) VALUES (?, ?, ?)", q, 3,
                           &id, NULL, &err),
              0);
    CHECK_INT(id, 2);

    ddb_sql_rows *r = NULL;
    ddb_sql_param min_id = DDB_SQL_P_INT(1);
    REQUIRE(ddb_sql_query(c, "SELECT id, username, bio FROM users WHERE id >= ? ORDER BY id",
                          &min_id, 1, &r, &err) == 0);
    CHECK_INT(ddb_sql_columns(r), 3);
    CHECK_INT(ddb_sql_next(r), 1);
    CHECK_INT(ddb_sql_int(r, 0), 1);
    CHECK_STR(ddb_sql_text(r, 0), "1");
    CHECK_STR(ddb_sql_text(r, 1), "alice");
    CHECK(ddb_sql_is_null(r, 2));
    CHECK(ddb_sql_text(r, 2) == NULL);
    CHECK(ddb_sql_is_null(r, 7)); /* out of range reads as NULL */
    CHECK_INT(ddb_sql_next(r), 1);
    CHECK_INT(ddb_sql_int(r, 0), 2);
    CHECK_STR(ddb_sql_text(r, 2), "sells; things 'quoted' \"here\"");
    CHECK_INT(ddb_sql_next(r), 0);
    CHECK_INT(ddb_sql_next(r), 0);
    ddb_sql_rows_free(r);

    /* No rows at all. */
    ddb_sql_param none = DDB_SQL_P_TEXT("nobody");
    REQUIRE(ddb_sql_query(c, "SELECT id FROM users WHERE username = ?", &none, 1, &r, &err) == 0);
    CHECK_INT(ddb_sql_next(r), 0);
    ddb_sql_rows_free(r);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(integers_round_trip_at_the_limits)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    must_exec(c, "CREATE TABLE n (k BIGINT PRIMARY KEY, v BIGINT)");
    int64_t values[] = {INT64_MAX, INT64_MIN, 0, -1, 1234567890123LL};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        ddb_sql_param p[] = {DDB_SQL_P_INT(i), DDB_SQL_P_INT(values[i])};
        CHECK_INT(ddb_sql_exec(c, "INSERT INTO n (k, v) VALUES (?, ?)", p, 2, NULL, NULL, &err), 0);
    }
    ddb_sql_rows *r = NULL;
    REQUIRE(ddb_sql_query(c, "SELECT v FROM n ORDER BY k", NULL, 0, &r, &err) == 0);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        CHECK_INT(ddb_sql_next(r), 1);
        CHECK(ddb_sql_int(r, 0) == values[i]);
    }
    ddb_sql_rows_free(r);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(unicode_and_long_text_round_trip)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    const char *name =
        "J\xc3\xbcrgen \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x9b\x92"; /* Jürgen 世界 🛒 */
    size_t long_len = 20000;
    char *bio = malloc(long_len + 1);
    REQUIRE(bio != NULL);
    for (size_t i = 0; i < long_len; i++)
        bio[i] = (char)('a' + i % 26);
    bio[long_len] = '\0';
    ddb_sql_param p[] = {DDB_SQL_P_TEXT(name), DDB_SQL_P_TEXT("j@example.com"),
                         DDB_SQL_P_TEXT(bio)};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email, bio) VALUES (?, ?, ?)", p, 3,
                           NULL, NULL, &err),
              0);
    /* Text compares byte-wise in both dialects: a case variant is another value. */
    ddb_sql_param p2[] = {DDB_SQL_P_TEXT("j\xc3\xbcrgen \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x9b\x92"),
                          DDB_SQL_P_TEXT("J@example.com"), DDB_SQL_P_NULL};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email, bio) VALUES (?, ?, ?)", p2, 3,
                           NULL, NULL, &err),
              0);
    ddb_sql_rows *r = NULL;
    ddb_sql_param key = DDB_SQL_P_TEXT(name);
    REQUIRE(ddb_sql_query(c, "SELECT username, bio, LENGTH(bio) FROM users WHERE username = ?",
                          &key, 1, &r, &err) == 0);
    REQUIRE(ddb_sql_next(r) == 1);
    CHECK_STR(ddb_sql_text(r, 0), name);
    CHECK_STR(ddb_sql_text(r, 1), bio);
    CHECK_INT(ddb_sql_int(r, 2), (int64_t)long_len);
    CHECK_INT(ddb_sql_next(r), 0);
    ddb_sql_rows_free(r);
    free(bio);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(last_id_and_changed_count_matched_rows)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    int64_t id = -1, changed = -1;
    ddb_sql_param a[] = {DDB_SQL_P_TEXT("a"), DDB_SQL_P_TEXT("a@x")};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES (?, ?)", a, 2, &id,
                           &changed, &err),
              0);
    CHECK_INT(id, 1);
    /* An explicit id is reported too. */
    ddb_sql_param b[] = {DDB_SQL_P_INT(40), DDB_SQL_P_TEXT("b"), DDB_SQL_P_TEXT("b@x")};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (id, username, email) VALUES (?, ?, ?)", b, 3, &id,
                           NULL, &err),
              0);
    CHECK_INT(id, 40);
    ddb_sql_param d[] = {DDB_SQL_P_TEXT("d"), DDB_SQL_P_TEXT("d@x")};
    CHECK_INT(
        ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES (?, ?)", d, 2, &id, NULL, &err),
        0);
    CHECK_INT(id, 41);
    /* An UPDATE that leaves the value as it was still matched one row. */
    ddb_sql_param same[] = {DDB_SQL_P_TEXT("a@x"), DDB_SQL_P_INT(1)};
    CHECK_INT(
        ddb_sql_exec(c, "UPDATE users SET email = ? WHERE id = ?", same, 2, &id, &changed, &err),
        0);
    CHECK_INT(changed, 1);
    CHECK_INT(id, 0); /* not an insert */
    ddb_sql_param nobody = DDB_SQL_P_INT(999);
    CHECK_INT(ddb_sql_exec(c, "DELETE FROM users WHERE id = ?", &nobody, 1, NULL, &changed, &err),
              0);
    CHECK_INT(changed, 0);
    CHECK_INT(ddb_sql_exec(c, "UPDATE users SET bio = 'x'", NULL, 0, NULL, &changed, &err), 0);
    CHECK_INT(changed, 3);
    /* A statement that writes no rows reports 0, not the previous statement's count. */
    CHECK_INT(ddb_sql_exec(c, "CREATE TABLE other (x BIGINT)", NULL, 0, NULL, &changed, &err), 0);
    CHECK_INT(changed, 0);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(unique_violation_names_the_column)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    const char *ins = "INSERT INTO users (username, email) VALUES (?, ?)";
    ddb_sql_param a[] = {DDB_SQL_P_TEXT("alice"), DDB_SQL_P_TEXT("a@x")};
    CHECK_INT(ddb_sql_exec(c, ins, a, 2, NULL, NULL, &err), 0);
    ddb_sql_param same_name[] = {DDB_SQL_P_TEXT("alice"), DDB_SQL_P_TEXT("other@x")};
    CHECK_INT(ddb_sql_exec(c, ins, same_name, 2, NULL, NULL, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_INT(err.code, DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "UNIQUE constraint failed: users.username");
    ddb_sql_param same_email[] = {DDB_SQL_P_TEXT("alice2"), DDB_SQL_P_TEXT("a@x")};
    CHECK_INT(ddb_sql_exec(c, ins, same_email, 2, NULL, NULL, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "UNIQUE constraint failed: users.email");
    /* The primary key is a unique key too. */
    ddb_sql_param dup_id[] = {DDB_SQL_P_INT(1), DDB_SQL_P_TEXT("z"), DDB_SQL_P_TEXT("z@x")};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (id, username, email) VALUES (?, ?, ?)", dup_id, 3,
                           NULL, NULL, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "users.id");
    /* An UPDATE into a taken value, too. */
    ddb_sql_param b[] = {DDB_SQL_P_TEXT("bob"), DDB_SQL_P_TEXT("b@x")};
    CHECK_INT(ddb_sql_exec(c, ins, b, 2, NULL, NULL, &err), 0);
    CHECK_INT(ddb_sql_exec(c, "UPDATE users SET email = 'a@x' WHERE username = 'bob'", NULL, 0,
                           NULL, NULL, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "users.email");
    /* The connection is still usable and nothing was written. */
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 2);
    ddb_error_clear(&err);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(check_violation)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('s', 's@x')");
    must_exec(c, "INSERT INTO products (seller_id, name, inventory) VALUES (1, 'p', 1)");
    int64_t changed = -1;
    CHECK_INT(ddb_sql_exec(c, "UPDATE products SET inventory = inventory - 2 WHERE id = 1", NULL, 0,
                           NULL, &changed, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "CHECK constraint failed: inventory_not_negative");
    CHECK_INT(count(c, "SELECT inventory FROM products WHERE id = 1"), 1);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(foreign_key_violation)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    ddb_sql_param p[] = {DDB_SQL_P_INT(77), DDB_SQL_P_TEXT("orphan"), DDB_SQL_P_INT(1)};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO products (seller_id, name, inventory) VALUES (?, ?, ?)",
                           p, 3, NULL, NULL, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "FOREIGN KEY constraint failed");
    if (mariadb(db))
        CHECK_CONTAINS(err.message, "products.seller_id");
    /* Deleting a referenced row fails as well. */
    must_exec(c, "INSERT INTO users (username, email) VALUES ('s', 's@x')");
    must_exec(c, "INSERT INTO products (seller_id, name, inventory) VALUES (1, 'p', 1)");
    CHECK_INT(ddb_sql_exec(c, "DELETE FROM users WHERE id = 1", NULL, 0, NULL, NULL, &err),
              DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "FOREIGN KEY constraint failed");
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 1);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(not_null_violation_is_invalid_arg)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    ddb_sql_param p[] = {DDB_SQL_P_TEXT("x"), DDB_SQL_P_NULL};
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES (?, ?)", p, 2, NULL, NULL,
                           &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "NOT NULL constraint failed: users.email");
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(parameter_count_and_bad_sql_are_reported)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    ddb_sql_param one = DDB_SQL_P_TEXT("a");
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES (?, ?)", &one, 1, NULL,
                           NULL, &err),
              DDB_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.message, "statement has 2 parameters, 1 given");
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO nosuchtable VALUES (1)", NULL, 0, NULL, NULL, &err),
              DDB_ERR_SERVICE);
    CHECK_CONTAINS(err.message, "nosuchtable");
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(transactions_commit_and_roll_back)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    CHECK(!ddb_sql_in_transaction(c));
    REQUIRE(ddb_sql_begin(c, &err) == 0);
    CHECK(ddb_sql_in_transaction(c));
    CHECK_INT(ddb_sql_begin(c, &err), DDB_ERR_INVALID_ARG);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('gone', 'g@x')");
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 1);
    CHECK_INT(ddb_sql_rollback(c), 0);
    CHECK(!ddb_sql_in_transaction(c));
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 0);

    REQUIRE(ddb_sql_begin(c, &err) == 0);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('kept', 'k@x')");
    CHECK_INT(ddb_sql_commit(c, &err), 0);
    CHECK_INT(ddb_sql_commit(c, &err), DDB_ERR_INVALID_ARG);
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 1);

    /* A failed statement inside a transaction leaves the earlier ones in it; rollback drops all. */
    REQUIRE(ddb_sql_begin(c, &err) == 0);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('t1', 't1@x')");
    CHECK_INT(ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES ('kept', 'dup@x')", NULL,
                           0, NULL, NULL, &err),
              DDB_ERR_CONDITION_FAILED);
    ddb_sql_rollback(c);
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 1);

    /* Releasing a connection with an open transaction rolls it back. */
    REQUIRE(ddb_sql_begin(c, &err) == 0);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('abandoned', 'ab@x')");
    ddb_sql_release(c);
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    CHECK(!ddb_sql_in_transaction(c));
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users WHERE username = 'abandoned'"), 0);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

static int failing_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    (void)ctx;
    int rc = ddb_sql_exec(c, "INSERT INTO users (username, email) VALUES ('in_txn', 'it@x')", NULL,
                          0, NULL, NULL, err);
    if (rc)
        return rc;
    return ddb_sql_exec(c, "INSERT INTO products (seller_id, name, inventory) VALUES (999, 'p', 1)",
                        NULL, 0, NULL, NULL, err);
}

TEST(transact_rolls_back_on_failure)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    CHECK_INT(ddb_sql_transact(c, failing_txn, NULL, &err), DDB_ERR_CONDITION_FAILED);
    CHECK_CONTAINS(err.message, "FOREIGN KEY constraint failed");
    CHECK(!ddb_sql_in_transaction(c));
    CHECK_INT(count(c, "SELECT COUNT(*) FROM users"), 0);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

TEST(rows_outlive_the_connection)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('a', 'a@x'), ('b', 'b@x')");
    ddb_sql_rows *r = NULL;
    REQUIRE(ddb_sql_query(c, "SELECT username FROM users ORDER BY username", NULL, 0, &r, &err) ==
            0);
    /* Other statements may run while the rows are open... */
    must_exec(c, "DELETE FROM users");
    ddb_sql_release(c);
    /* ...and the rows are still there after the connection went back to the pool. */
    CHECK_INT(ddb_sql_next(r), 1);
    CHECK_STR(ddb_sql_text(r, 0), "a");
    CHECK_INT(ddb_sql_next(r), 1);
    CHECK_STR(ddb_sql_text(r, 0), "b");
    CHECK_INT(ddb_sql_next(r), 0);
    ddb_sql_rows_free(r);
    ddb_sql_close(db);
}

TEST(exec_script_runs_every_statement_and_names_the_failing_one)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    CHECK_INT(ddb_sql_exec_script(c,
                                  "CREATE TABLE a (x BIGINT);\n"
                                  "-- a comment; with a semicolon\n"
                                  "INSERT INTO a VALUES (1);\n"
                                  "INSERT INTO a VALUES (2);\n",
                                  &err),
              0);
    CHECK_INT(count(c, "SELECT SUM(x) FROM a"), 3);
    CHECK_INT(
        ddb_sql_exec_script(c, "INSERT INTO a VALUES (3); INSERT INTO missing VALUES (1);", &err),
        DDB_ERR_SERVICE);
    CHECK_CONTAINS(err.message, "statement 2 of the script");
    CHECK_CONTAINS(err.message, "missing");
    /* An ordinary exec refuses two statements: a stray `;` never runs a second one. */
    CHECK(ddb_sql_exec(c, "INSERT INTO a VALUES (4); DELETE FROM a", NULL, 0, NULL, NULL, &err) !=
          0);
    CHECK_INT(count(c, "SELECT COUNT(*) FROM a"), 3);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

/* ---- concurrency --------------------------------------------------------------------------- */

#define THREADS 6
#define ROUNDS 25

typedef struct worker {
    ddb_sql *db;
    int index;
    int failures;
    int wins;
    int sold_out;
} worker;

static int counter_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    worker *w = ctx;
    int rc = ddb_sql_exec(c, "UPDATE counters SET v = v + 1 WHERE k = 1", NULL, 0, NULL, NULL, err);
    if (rc)
        return rc;
    ddb_sql_param p = DDB_SQL_P_INT(w->index);
    return ddb_sql_exec(c, "INSERT INTO log (who) VALUES (?)", &p, 1, NULL, NULL, err);
}

static void *counter_worker(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        ddb_sql_conn *c;
        ddb_error err = DDB_ERROR_INIT;
        if (ddb_sql_acquire(w->db, &c, &err) != 0) {
            w->failures++;
            continue;
        }
        if (ddb_sql_transact(c, counter_txn, w, &err) != 0) {
            fprintf(stderr, "worker %d: %s\n", w->index, err.message);
            w->failures++;
        }
        ddb_error_clear(&err);
        ddb_sql_release(c);
    }
    return NULL;
}

TEST(concurrent_transactions_from_threads)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    char sql[200];
    must_exec(c, "CREATE TABLE counters (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    snprintf(sql, sizeof(sql), "CREATE TABLE log (id %s, who BIGINT NOT NULL)", autoid(db));
    must_exec(c, sql);
    must_exec(c, "INSERT INTO counters VALUES (1, 0)");
    ddb_sql_release(c);

    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.db = db, .index = i};
        REQUIRE(pthread_create(&t[i], NULL, counter_worker, &w[i]) == 0);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    CHECK_INT(failures, 0);
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    CHECK_INT(count(c, "SELECT v FROM counters WHERE k = 1"), THREADS * ROUNDS);
    CHECK_INT(count(c, "SELECT COUNT(*) FROM log"), THREADS * ROUNDS);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

/* The checkout shape: take the last item only if it is still there, and record the order. */
static int buy_last_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    worker *w = ctx;
    int64_t changed = 0;
    int rc = ddb_sql_exec(
        c, "UPDATE products SET inventory = inventory - 1 WHERE id = 1 AND inventory >= 1", NULL, 0,
        NULL, &changed, err);
    if (rc)
        return rc;
    if (changed == 0) {
        w->sold_out++;
        return DDB_ERR_CONDITION_FAILED;
    }
    ddb_sql_param p = DDB_SQL_P_INT(w->index);
    return ddb_sql_exec(c, "INSERT INTO log (who) VALUES (?)", &p, 1, NULL, NULL, err);
}

static void *buy_worker(void *arg)
{
    worker *w = arg;
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_sql_acquire(w->db, &c, &err) != 0) {
        w->failures++;
        return NULL;
    }
    int rc = ddb_sql_transact(c, buy_last_txn, w, &err);
    if (rc == 0)
        w->wins++;
    else if (rc != DDB_ERR_CONDITION_FAILED)
        w->failures++;
    ddb_error_clear(&err);
    ddb_sql_release(c);
    return NULL;
}

TEST(concurrent_buyers_of_the_last_item_exactly_one_wins)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    make_schema(db, c);
    char sql[200];
    snprintf(sql, sizeof(sql), "CREATE TABLE log (id %s, who BIGINT NOT NULL)", autoid(db));
    must_exec(c, sql);
    must_exec(c, "INSERT INTO users (username, email) VALUES ('s', 's@x')");
    must_exec(c, "INSERT INTO products (seller_id, name, inventory) VALUES (1, 'last one', 1)");
    ddb_sql_release(c);
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.db = db, .index = i};
        REQUIRE(pthread_create(&t[i], NULL, buy_worker, &w[i]) == 0);
    }
    int wins = 0, failures = 0, sold_out = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        wins += w[i].wins;
        failures += w[i].failures;
        sold_out += w[i].sold_out;
    }
    CHECK_INT(wins, 1);
    CHECK_INT(failures, 0);
    CHECK_INT(sold_out, THREADS - 1);
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    CHECK_INT(count(c, "SELECT inventory FROM products WHERE id = 1"), 0);
    CHECK_INT(count(c, "SELECT COUNT(*) FROM log"), 1);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

/* Two transactions that lock the same two rows in opposite order. MariaDB detects the deadlock
 * and rolls one back; ddb_sql_transact must run that one again so both commit. (SQLite's BEGIN
 * IMMEDIATE serialises them instead: the second waits at BEGIN.) On MariaDB a barrier makes the
 * deadlock certain, however the threads are scheduled: neither goes for its second row before
 * both hold their first. */
typedef struct crossing {
    ddb_sql *db;
    int first, second;
    int attempts;
    int rc;
    pthread_barrier_t *both_hold_first; /* NULL when the backend serialises (SQLite) */
} crossing;

static int crossing_txn(ddb_sql_conn *c, void *ctx, ddb_error *err)
{
    crossing *x = ctx;
    x->attempts++;
    ddb_sql_param a = DDB_SQL_P_INT(x->first), b = DDB_SQL_P_INT(x->second);
    int rc = ddb_sql_exec(c, "UPDATE counters SET v = v + 1 WHERE k = ?", &a, 1, NULL, NULL, err);
    if (rc)
        return rc;
    if (x->attempts == 1 && x->both_hold_first)
        pthread_barrier_wait(x->both_hold_first);
    return ddb_sql_exec(c, "UPDATE counters SET v = v + 10 WHERE k = ?", &b, 1, NULL, NULL, err);
}

static void *crossing_worker(void *arg)
{
    crossing *x = arg;
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    x->rc = ddb_sql_acquire(x->db, &c, &err);
    if (x->rc == 0) {
        x->rc = ddb_sql_transact(c, crossing_txn, x, &err);
        if (x->rc)
            fprintf(stderr, "crossing %d->%d: %s\n", x->first, x->second, err.message);
        ddb_sql_release(c);
    }
    ddb_error_clear(&err);
    return NULL;
}

TEST(opposite_lock_order_transactions_both_commit)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    must_exec(c, "CREATE TABLE counters (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    must_exec(c, "INSERT INTO counters VALUES (1, 0), (2, 0)");
    ddb_sql_release(c);
    pthread_barrier_t both_hold_first;
    pthread_barrier_init(&both_hold_first, NULL, 2);
    pthread_barrier_t *sync = mariadb(db) ? &both_hold_first : NULL;
    crossing x[2] = {{.db = db, .first = 1, .second = 2, .both_hold_first = sync},
                     {.db = db, .first = 2, .second = 1, .both_hold_first = sync}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        REQUIRE(pthread_create(&t[i], NULL, crossing_worker, &x[i]) == 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&both_hold_first);
    CHECK_INT(x[0].rc, 0);
    CHECK_INT(x[1].rc, 0);
    if (mariadb(db)) /* the deadlock happened and was retried */
        CHECK(x[0].attempts + x[1].attempts >= 3);
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    CHECK_INT(count(c, "SELECT v FROM counters WHERE k = 1"), 11);
    CHECK_INT(count(c, "SELECT v FROM counters WHERE k = 2"), 11);
    ddb_sql_release(c);
    ddb_sql_close(db);
}

/* ---- one backend only ---------------------------------------------------------------------- */

TEST(sqlite_memory_databases_are_private_and_shared_by_threads)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *a, *b;
    REQUIRE(ddb_sql_open(&a, "sqlite::memory:", &err) == 0);
    REQUIRE(ddb_sql_open(&b, "sqlite::memory:", &err) == 0);
    ddb_sql_conn *ca, *cb;
    REQUIRE(ddb_sql_acquire(a, &ca, &err) == 0);
    must_exec(ca, "CREATE TABLE only_in_a (x BIGINT)");
    ddb_sql_release(ca);
    REQUIRE(ddb_sql_acquire(b, &cb, &err) == 0);
    CHECK_INT(ddb_sql_exec(cb, "INSERT INTO only_in_a VALUES (1)", NULL, 0, NULL, NULL, &err),
              DDB_ERR_SERVICE);
    ddb_sql_release(cb);
    /* Every acquire of the same pool sees the same database. */
    REQUIRE(ddb_sql_acquire(a, &ca, &err) == 0);
    CHECK_INT(ddb_sql_exec(ca, "INSERT INTO only_in_a VALUES (1)", NULL, 0, NULL, NULL, &err), 0);
    ddb_sql_release(ca);
    ddb_sql_close(a);
    ddb_sql_close(b);
}

TEST(sqlite_bad_urls_are_config_errors)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *db = NULL;
    CHECK_INT(ddb_sql_open(&db, "postgres://x/y", &err), DDB_ERR_CONFIG);
    CHECK_INT(ddb_sql_open(&db, "sqlite:", &err), DDB_ERR_CONFIG);
    CHECK_INT(ddb_sql_open(&db, "sqlite::memory:?pool=0", &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "pool must be 1..64");
    CHECK_INT(ddb_sql_open(&db, "sqlite:/nonexistent-dir/x/y.db", &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "/nonexistent-dir/x/y.db");
    CHECK(db == NULL);
}

TEST(mariadb_errors_never_show_the_password)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *db = NULL;
    char *base = mariadb_url();
    REQUIRE(base != NULL);
    const char *q = strchr(base, '?');
    char url[700];
    /* A wrong password for root: refused, and the message does not echo it. */
    snprintf(url, sizeof(url), "mariadb://root:Sup3rSecretPw@/shop%s", q ? q : "");
    CHECK_INT(ddb_sql_open(&db, url, &err), DDB_ERR_AUTH);
    CHECK(strstr(err.message, "Sup3rSecretPw") == NULL);
    CHECK_CONTAINS(err.message, "root");
    /* A socket that is not there: a network error naming the socket. */
    snprintf(url, sizeof(url),
             "mariadb://root:Sup3rSecretPw@/shop?socket=/nonexistent/mysqld.sock");
    CHECK_INT(ddb_sql_open(&db, url, &err), DDB_ERR_NETWORK);
    CHECK_CONTAINS(err.message, "/nonexistent/mysqld.sock");
    CHECK(strstr(err.message, "Sup3rSecretPw") == NULL);
    /* An unknown database. */
    char *u = with_database(base, "no_such_database");
    CHECK_INT(ddb_sql_open(&db, u, &err), DDB_ERR_CONFIG);
    CHECK_CONTAINS(err.message, "no_such_database");
    free(u);
    CHECK_INT(ddb_sql_open(&db, "mariadb://root@/", &err), DDB_ERR_CONFIG);
    CHECK(db == NULL);
    free(base);
}

TEST(mariadb_lost_connection_is_network_and_not_pooled)
{
    ddb_sql *db = open_fresh();
    ddb_sql_conn *c, *killer;
    ddb_error err = DDB_ERROR_INIT;
    REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
    REQUIRE(ddb_sql_acquire(db, &killer, &err) == 0);
    ddb_sql_rows *r = NULL;
    REQUIRE(ddb_sql_query(c, "SELECT CONNECTION_ID()", NULL, 0, &r, &err) == 0);
    REQUIRE(ddb_sql_next(r) == 1);
    char kill[64];
    snprintf(kill, sizeof(kill), "KILL CONNECTION %lld", (long long)ddb_sql_int(r, 0));
    ddb_sql_rows_free(r);
    CHECK_INT(ddb_sql_exec(killer, kill, NULL, 0, NULL, NULL, &err), 0);
    ddb_sql_release(killer);
    CHECK_INT(ddb_sql_exec(c, "SELECT 1", NULL, 0, NULL, NULL, &err), DDB_ERR_NETWORK);
    ddb_sql_release(c);
    /* The pool hands out working connections afterwards. */
    for (int i = 0; i < 3; i++) {
        REQUIRE(ddb_sql_acquire(db, &c, &err) == 0);
        CHECK_INT(ddb_sql_exec(c, "SELECT 1", NULL, 0, NULL, NULL, &err), 0);
        ddb_sql_release(c);
    }
    ddb_sql_close(db);
}

/* ---- main: the backend comes from the environment ------------------------------------------ */

static const test_case cases[] = {
    CASE(exec_and_query_with_params),
    CASE(integers_round_trip_at_the_limits),
    CASE(unicode_and_long_text_round_trip),
    CASE(last_id_and_changed_count_matched_rows),
    CASE(unique_violation_names_the_column),
    CASE(check_violation),
    CASE(foreign_key_violation),
    CASE(not_null_violation_is_invalid_arg),
    CASE(parameter_count_and_bad_sql_are_reported),
    CASE(transactions_commit_and_roll_back),
    CASE(transact_rolls_back_on_failure),
    CASE(rows_outlive_the_connection),
    CASE(exec_script_runs_every_statement_and_names_the_failing_one),
    CASE(concurrent_transactions_from_threads),
    CASE(concurrent_buyers_of_the_last_item_exactly_one_wins),
    CASE(opposite_lock_order_transactions_both_commit),
    CASE(sqlite_memory_databases_are_private_and_shared_by_threads),
    CASE(sqlite_bad_urls_are_config_errors),
    CASE(mariadb_errors_never_show_the_password),
    CASE(mariadb_lost_connection_is_network_and_not_pooled),
};

/* Exit code CTest reads as "skipped" (SKIP_RETURN_CODE in sqldb.cmake). */
#define SKIPPED 77

int main(int argc, char **argv)
{
    backend = getenv("DDB_SQL_TEST_BACKEND");
    if (!backend)
        backend = "sqlite_memory";
    if (strcmp(backend, "sqlite_memory") != 0 && strcmp(backend, "sqlite_file") != 0 &&
        strcmp(backend, "mariadb") != 0) {
        fprintf(stderr, "DDB_SQL_TEST_BACKEND must be sqlite_memory, sqlite_file or mariadb\n");
        return 2;
    }
    if (strcmp(backend, "mariadb") == 0) {
        char *url = mariadb_url();
        if (!url) {
            const char *ci = getenv("CI");
            if (ci && strcmp(ci, "true") == 0) {
                fprintf(stderr, "MariaDB is required under CI=true: $DDB_TEST_MARIADB_STATE/url "
                                "is missing (did fixture.mariadb.start run?)\n");
                return 1;
            }
            fprintf(stderr, "SKIPPED: no MariaDB ($DDB_TEST_MARIADB_STATE/url missing); run "
                            "scripts/bootstrap to install it\n");
            return SKIPPED;
        }
        free(url);
    }
    /* Run alone, the program runs the cases that apply to its backend. */
    test_case mine[sizeof(cases) / sizeof(cases[0])];
    size_t n_mine = 0;
    bool memory = strcmp(backend, "sqlite_memory") == 0, maria = strcmp(backend, "mariadb") == 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *name = cases[i].name;
        if (strncmp(name, "sqlite_memory_", 14) == 0 && !memory)
            continue;
        if (strncmp(name, "sqlite_", 7) == 0 && maria)
            continue;
        if (strncmp(name, "mariadb_", 8) == 0 && !maria)
            continue;
        mine[n_mine++] = cases[i];
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s/ddb_sql-test-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = test_run(mine, n_mine, argc, argv);
    /* Remove the case's SQLite files (db, -wal, -shm) and the directory. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
