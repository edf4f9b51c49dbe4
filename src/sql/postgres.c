/*
 * The PostgreSQL driver of ddb_sql, over libpq. docs/design/postgres.md explains the choices;
 * in short, so that the shop sees SQLite's and MariaDB's behaviour:
 *
 *  - `?` placeholders are rewritten to $1..$n outside literals, quoted identifiers and comments,
 *    and every statement goes through PQexecParams (the extended protocol: bound parameters, and
 *    a stray `;` cannot start a second statement).
 *  - Inside a transaction each statement runs under a savepoint, so a failed statement undoes
 *    itself and leaves the transaction usable, as on the other two (PostgreSQL would otherwise
 *    abort the whole transaction).
 *  - PostgreSQL has no LAST_INSERT_ID: an INSERT into a table with an identity (or serial) column
 *    gets "RETURNING <that column>" appended, and when the statement gave that column explicit
 *    values the sequence is moved past them, so the next generated id is max + 1 as with
 *    AUTO_INCREMENT instead of a later duplicate key.
 *  - Connections use client_encoding UTF8, TimeZone UTC, READ COMMITTED and a 10 s lock_timeout.
 */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_internal.h"

/* Per connection: which column of a table is its identity column (col == NULL: none). */
#define IDENT_CACHE 32
typedef struct ident {
    char *table; /* as written in the statement */
    char *col;
    char *seq; /* qualified, quoted: pg_get_serial_sequence's answer */
} ident;

typedef struct pg {
    PGconn *conn;
    ident idents[IDENT_CACHE];
    size_t next_victim;
} pg;

/* ---- lexing: literals, quoted identifiers, comments ---------------------------------------- */

static bool ident_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* If sql[i] opens a string literal, quoted identifier, comment or dollar-quoted string, the index
 * just past its end (the end of the text when it is not closed); otherwise i. */
static size_t skip_quoted(const char *sql, size_t i)
{
    char ch = sql[i];
    if (ch == '\'' || ch == '"') {
        /* E'...' takes backslash escapes; plain strings do not (standard_conforming_strings). */
        bool backslash = ch == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                         (i == 1 || !ident_char(sql[i - 2]));
        size_t j = i + 1;
        while (sql[j]) {
            if (backslash && sql[j] == '\\' && sql[j + 1]) {
                j += 2;
            } else if (sql[j] == ch) {
                if (sql[j + 1] != ch)
                    return j + 1;
                j += 2; /* a doubled quote stands for itself */
            } else {
                j++;
            }
        }
        return j;
    }
    if (ch == '-' && sql[i + 1] == '-') {
        size_t j = i + 2;
        while (sql[j] && sql[j] != '\n')
            j++;
        return j;
    }
    if (ch == '/' && sql[i + 1] == '*') {
        size_t j = i + 2;
        int depth = 1; /* PostgreSQL's block comments nest */
        while (sql[j] && depth > 0) {
            if (sql[j] == '/' && sql[j + 1] == '*') {
                depth++;
                j += 2;
            } else if (sql[j] == '*' && sql[j + 1] == '/') {
                depth--;
                j += 2;
            } else {
                j++;
            }
        }
        return j;
    }
    if (ch == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
        /* $tag$ ... $tag$ with an optional tag; $1 is a parameter, not a quote. */
        size_t t = i + 1;
        if (isdigit((unsigned char)sql[t]))
            return i;
        while (sql[t] && sql[t] != '$' && (isalnum((unsigned char)sql[t]) || sql[t] == '_'))
            t++;
        if (sql[t] != '$')
            return i;
        size_t tag_len = t - i + 1;
        const char *s = sql + t + 1;
        for (; *s; s++) {
            if (*s == '$' && strncmp(s, sql + i, tag_len) == 0)
                return (size_t)(s - sql) + tag_len;
        }
        return (size_t)(s - sql);
    }
    return i;
}

/* The statement with each `?` outside quotes replaced by $1, $2, ...; *count gets their number.
 * The caller frees it. */
static char *rewrite_placeholders(const char *sql, size_t *count)
{
    size_t len = strlen(sql), q = 0;
    for (size_t i = 0; i < len;) {
        size_t j = skip_quoted(sql, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (sql[i] == '?')
            q++;
        i++;
    }
    char *out = malloc(len + q * 20 + 1);
    if (!out)
        return NULL;
    size_t w = 0, k = 0;
    for (size_t i = 0; i < len;) {
        size_t j = skip_quoted(sql, i);
        if (j != i) {
            memcpy(out + w, sql + i, j - i);
            w += j - i;
            i = j;
            continue;
        }
        if (sql[i] == '?')
            w += (size_t)sprintf(out + w, "$%zu", ++k);
        else
            out[w++] = sql[i];
        i++;
    }
    out[w] = '\0';
    *count = q;
    return out;
}

/* Does the word occur in the statement outside quotes and comments? */
static bool has_word(const char *sql, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; sql[i];) {
        size_t j = skip_quoted(sql, i);
        if (j != i) {
            i = j;
            continue;
        }
        if ((i == 0 || !ident_char(sql[i - 1])) && strncasecmp(sql + i, word, n) == 0 &&
            !ident_char(sql[i + n]))
            return true;
        i++;
    }
    return false;
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Overwrite every occurrence of secret in msg with '*', so a password never leaves the driver. */
static void redact(char *msg, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n == 0)
        return;
    for (char *s = strstr(msg, secret); s; s = strstr(s + n, secret))
        memset(s, '*', n);
}

/* libpq's messages end in a newline and may span lines: one line, without the newline. */
static void one_line(char *msg)
{
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    for (char *s = msg; *s; s++)
        if (*s == '\n' || *s == '\t')
            *s = ' ';
}

/* The column list of a DETAIL such as "Key (a, b)=(1, 2) already exists.", as "t.a, t.b". */
static bool detail_columns(const char *detail, const char *table, char *out, size_t cap)
{
    const char *k = detail ? strstr(detail, "Key (") : NULL;
    const char *e = k ? strstr(k, ")=(") : NULL;
    if (!e)
        return false;
    k += 5;
    size_t len = 0;
    out[0] = '\0';
    while (k < e) {
        /* a column as PostgreSQL quotes it when it must ("a ""b"""), else up to the comma */
        char name[256];
        size_t n = 0;
        if (*k == '"') {
            for (k++; k < e && n + 1 < sizeof name; k++) {
                if (*k == '"' && k + 1 < e && k[1] == '"')
                    name[n++] = *k++;
                else if (*k == '"')
                    break;
                else
                    name[n++] = *k;
            }
            k++; /* the closing quote */
        } else {
            while (k < e && *k != ',' && n + 1 < sizeof name)
                name[n++] = *k++;
        }
        name[n] = '\0';
        int w = snprintf(out + len, cap - len, "%s%s.%s", len ? ", " : "", table, name);
        if (w < 0 || (size_t)w >= cap - len)
            return false;
        len += (size_t)w;
        while (k < e && (*k == ',' || *k == ' '))
            k++;
    }
    return len > 0;
}

static bool network_state(const char *st)
{
    return strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
           strcmp(st, "57P03") == 0;
}

/* Map a failed result (or a failure with no result) to a ddb_error, in sqldb.h's shapes. */
static int map_error(ddb_sql_conn *c, const PGresult *res, const char *sql, ddb_error *err)
{
    pg *h = c->h;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[400];
    snprintf(msg, sizeof(msg), "%s", primary ? primary : PQerrorMessage(h->conn));
    one_line(msg);
    redact(msg, c->db->password);
    if (PQstatus(h->conn) == CONNECTION_BAD || !st || network_state(st)) {
        c->broken = true;
        return ddb_error_set(err, DDB_ERR_NETWORK, "PostgreSQL connection lost%s%s: %s",
                             st ? " " : "", st ? st : "", msg);
    }
    const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    char cols[400];
    if (strcmp(st, "23505") == 0) { /* unique_violation */
        if (table && detail_columns(detail, table, cols, sizeof(cols)))
            return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "UNIQUE constraint failed: %s",
                                 cols);
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "UNIQUE constraint failed: key %s",
                             constraint ? constraint : msg);
    }
    if (strcmp(st, "23503") == 0) { /* foreign_key_violation */
        /* On INSERT/UPDATE of the referencing row the DETAIL's key is the foreign key's columns
         * ("Key (seller_id)=(77) is not present in table "users"."); on DELETE of a referenced
         * row it is the referenced key, still referenced from `table`. */
        if (table && detail && strstr(detail, "is not present") &&
            detail_columns(detail, table, cols, sizeof(cols)))
            return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "FOREIGN KEY constraint failed: %s",
                                 cols);
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED,
                             "FOREIGN KEY constraint failed: %s (constraint %s)",
                             table ? table : "?", constraint ? constraint : "?");
    }
    if (strcmp(st, "23514") == 0) /* check_violation */
        return ddb_error_set(err, DDB_ERR_CONDITION_FAILED, "CHECK constraint failed: %s",
                             constraint ? constraint : msg);
    if (strcmp(st, "23502") == 0) { /* not_null_violation */
        if (table && column)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG, "NOT NULL constraint failed: %s.%s",
                                 table, column);
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "NOT NULL constraint failed (%s)", msg);
    }
    if (strcmp(st, "40001") == 0)
        return ddb_sql__contention(err, "PostgreSQL serialization failure (%s)", msg);
    if (strcmp(st, "40P01") == 0)
        return ddb_sql__contention(err, "PostgreSQL deadlock (%s)", msg);
    if (strcmp(st, "55P03") == 0)
        return ddb_sql__contention(err, "PostgreSQL lock not available (%s)", msg);
    if (strncmp(st, "22", 2) == 0) /* data exceptions: too long, out of range, bad number */
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "PostgreSQL: %s", msg);
    if (strncmp(st, "28", 2) == 0 || strcmp(st, "42501") == 0)
        return ddb_error_set(err, DDB_ERR_AUTH, "PostgreSQL: %s", msg);
    if (strcmp(st, "53200") == 0)
        return ddb_error_set(err, DDB_ERR_NOMEM, "PostgreSQL: %s", msg);
    return ddb_error_set(err, DDB_ERR_SERVICE, "PostgreSQL error %s: %s (in: %.120s)", st, msg,
                         sql);
}

/* ---- URL and connections ------------------------------------------------------------------- */

static void url_decode_copy(char *out, const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[w++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[w++] = s[i];
        }
    }
    out[w] = '\0';
}

/* The password of a URL libpq could not parse, as written and decoded, so that libpq's message
 * (which may quote a piece of the URL) can be cleaned of it. Both are empty when there is none. */
static void url_password(const char *url, char *raw, char *decoded, size_t cap)
{
    raw[0] = decoded[0] = '\0';
    const char *a = strstr(url, "://");
    if (!a)
        return;
    a += 3;
    size_t alen = strcspn(a, "/?");
    const char *at = NULL;
    for (const char *s = a; s < a + alen; s++)
        if (*s == '@')
            at = s;
    const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
    const char *p = colon ? colon + 1 : NULL;
    size_t n = colon ? (size_t)(at - p) : 0;
    const char *q = strstr(url, "password=");
    if (!p && q) {
        p = q + 9;
        n = strcspn(p, "&");
    }
    if (!p || n == 0 || n >= cap)
        return;
    memcpy(raw, p, n);
    raw[n] = '\0';
    url_decode_copy(decoded, p, n);
}

int ddb_sql__postgres_parse_url(ddb_sql *db, const char *url, ddb_error *err)
{
    /* pool= is ours; every other parameter (host=, user=, sslmode=...) is libpq's. */
    size_t len = strlen(url);
    char *ci = malloc(len + 1);
    if (!ci)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
    const char *q = strchr(url, '?');
    size_t base = q ? (size_t)(q - url) : len;
    memcpy(ci, url, base);
    size_t w = base;
    for (const char *s = q ? q + 1 : NULL; s && *s;) {
        size_t n = strcspn(s, "&");
        if (n > 5 && strncmp(s, "pool=", 5) == 0) {
            char *end;
            long v = strtol(s + 5, &end, 10);
            if (end != s + n || v < 1 || v > DDB_SQL__MAX_POOL) {
                free(ci);
                return ddb_error_set(err, DDB_ERR_CONFIG,
                                     "ddb_sql URL: pool must be 1..%d, got '%.*s'",
                                     DDB_SQL__MAX_POOL, (int)(n - 5), s + 5);
            }
            db->max_conns = (size_t)v;
        } else if (n > 0) {
            char sep = w == base ? '?' : '&';
            ci[w++] = sep;
            memcpy(ci + w, s, n);
            w += n;
        }
        s = s[n] ? s + n + 1 : s + n;
    }
    ci[w] = '\0';
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(ci, &perr);
    if (!opts) {
        char msg[300], raw[256], decoded[256];
        snprintf(msg, sizeof(msg), "%s", perr ? perr : "out of memory");
        one_line(msg);
        url_password(url, raw, decoded, sizeof(raw));
        redact(msg, raw);
        redact(msg, decoded);
        PQfreemem(perr);
        free(ci);
        return ddb_error_set(err, DDB_ERR_CONFIG, "ddb_sql URL: invalid PostgreSQL URL: %s", msg);
    }
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val && *o->val &&
            !(db->password = strdup(o->val)))
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory parsing the ddb_sql URL");
        if (strcmp(o->keyword, "password") == 0 && o->val)
            memset(o->val, 0, strlen(o->val));
    }
    PQconninfoFree(opts);
    if (rc) {
        free(ci);
        return rc;
    }
    db->conninfo = ci;
    return 0;
}

/* Defaults the URL may override come before it; what sqldb.h promises comes after. */
static const char *const connect_keys[] = {"connect_timeout", "application_name", "dbname",
                                           "client_encoding", "options",          NULL};
static const char session_options[] =
    "-c TimeZone=UTC -c default_transaction_isolation=read\\ committed -c lock_timeout=10000";

/* Why a connection attempt failed, from libpq's text: it gives no SQLSTATE for it. */
static int connect_code(const char *msg)
{
    if (strstr(msg, "authentication failed") || strstr(msg, "no password supplied") ||
        (strstr(msg, "role \"") && strstr(msg, "does not exist")) ||
        strstr(msg, "no pg_hba.conf entry"))
        return DDB_ERR_AUTH;
    if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
        return DDB_ERR_CONFIG;
    return DDB_ERR_NETWORK;
}

static int pg_connect(ddb_sql *db, void **handle, ddb_error *err)
{
    const char *values[] = {"10", "ddbkit", db->conninfo, "UTF8", session_options, NULL};
    pg *h = calloc(1, sizeof(*h));
    if (!h)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening a PostgreSQL connection");
    h->conn = PQconnectdbParams(connect_keys, values, 1);
    if (!h->conn) {
        free(h);
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory opening a PostgreSQL connection");
    }
    if (PQstatus(h->conn) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(h->conn));
        one_line(msg);
        redact(msg, db->password);
        int code = connect_code(msg);
        const char *host = PQhost(h->conn);
        const char *name = PQdb(h->conn);
        /* libpq's text names the socket or host, the user and the database, never the
         * password; redact() is the second line of defence. */
        ddb_error_set(err, code, "cannot connect to PostgreSQL (%s %s, database %s): %s",
                      host && *host == '/' ? "socket directory" : "host",
                      host && *host ? host : "default", name ? name : "?", msg);
        PQfinish(h->conn);
        free(h);
        return code;
    }
    const char *enc = PQparameterStatus(h->conn, "server_encoding");
    if (!enc || strcmp(enc, "UTF8") != 0) {
        int code = ddb_error_set(err, DDB_ERR_CONFIG,
                                 "PostgreSQL database %s has encoding %s; ddb_sql needs UTF8",
                                 PQdb(h->conn), enc ? enc : "(unknown)");
        PQfinish(h->conn);
        free(h);
        return code;
    }
    *handle = h;
    return 0;
}

static void forget_idents(pg *h)
{
    for (size_t i = 0; i < IDENT_CACHE; i++) {
        free(h->idents[i].table);
        free(h->idents[i].col);
        free(h->idents[i].seq);
        memset(&h->idents[i], 0, sizeof(h->idents[i]));
    }
}

static void pg_disconnect(void *handle)
{
    pg *h = handle;
    if (!h)
        return;
    forget_idents(h);
    PQfinish(h->conn);
    free(h);
}

/* ---- INSERT and the identity column -------------------------------------------------------- */

static const char *skip_blank(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        size_t j = skip_quoted(s, 0);
        if (j == 0 || (s[0] != '-' && s[0] != '/'))
            return s;
        s += j;
    }
}

/* One (possibly schema-qualified, possibly quoted) name at s: its length, 0 when none. */
static size_t name_len(const char *s)
{
    size_t i = 0;
    for (;;) {
        if (s[i] == '"') {
            i = skip_quoted(s, i);
        } else {
            size_t start = i;
            while (ident_char(s[i]))
                i++;
            if (i == start)
                return 0;
        }
        if (s[i] != '.')
            return i;
        i++;
    }
}

/* Does a column name as written (quoted or not) name column col? */
static bool names_column(const char *w, size_t n, const char *col)
{
    if (n >= 2 && w[0] == '"') {
        size_t k = 0;
        for (size_t i = 1; i + 1 < n; i++, k++) {
            if (col[k] != w[i])
                return false;
            if (w[i] == '"')
                i++;
        }
        return col[k] == '\0';
    }
    return strlen(col) == n && strncasecmp(w, col, n) == 0;
}

/* For "INSERT INTO t [AS a] [(c1, c2)] ...": the table as written, and whether the statement
 * gives col a value of its own (col in the list, or no list and not DEFAULT VALUES). */
static bool insert_target(const char *sql, char *table, size_t cap, const char **after)
{
    const char *s = skip_blank(sql);
    if (!ddb_sql__starts_with_word(s, "INSERT"))
        return false;
    s = skip_blank(s + 6);
    if (!ddb_sql__starts_with_word(s, "INTO"))
        return false;
    s = skip_blank(s + 4);
    size_t n = name_len(s);
    if (n == 0 || n >= cap)
        return false;
    memcpy(table, s, n);
    table[n] = '\0';
    s = skip_blank(s + n);
    if (ddb_sql__starts_with_word(s, "AS")) {
        s = skip_blank(s + 2);
        s = skip_blank(s + name_len(s));
    }
    *after = s;
    return true;
}

static bool gives_column(const char *after, const char *col)
{
    if (*after != '(')
        return !ddb_sql__starts_with_word(after, "DEFAULT");
    const char *s = after + 1;
    for (;;) {
        s = skip_blank(s);
        size_t n = name_len(s);
        if (n == 0)
            return false;
        if (names_column(s, n, col))
            return true;
        s = skip_blank(s + n);
        if (*s != ',')
            return false;
        s++;
    }
}

/* The identity column of table and its sequence, from the cache or the catalog. Returns NULL
 * when it has none (or it cannot be told: the INSERT then simply reports no id). */
static const ident *identity_of(pg *h, const char *table)
{
    for (size_t i = 0; i < IDENT_CACHE; i++)
        if (h->idents[i].table && strcmp(h->idents[i].table, table) == 0)
            return h->idents[i].col ? &h->idents[i] : NULL;
    /* to_regclass gives NULL rather than an error for a missing table; the INSERT reports it. */
    static const char lookup[] =
        "SELECT a.attname, pg_get_serial_sequence(c.oid::regclass::text, a.attname) "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE c.oid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(c.oid::regclass::text, a.attname) IS NOT NULL "
        "ORDER BY a.attnum LIMIT 1";
    const char *v[] = {table};
    PGresult *res = PQexecParams(h->conn, lookup, 1, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return NULL;
    }
    size_t slot = h->next_victim;
    h->next_victim = (slot + 1) % IDENT_CACHE;
    ident *e = &h->idents[slot];
    free(e->table);
    free(e->col);
    free(e->seq);
    memset(e, 0, sizeof(*e));
    e->table = strdup(table);
    if (PQntuples(res) == 1) {
        e->col = strdup(PQgetvalue(res, 0, 0));
        e->seq = strdup(PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (!e->table || (e->col && !e->seq)) { /* out of memory: forget it, report no id */
        free(e->table);
        free(e->col);
        free(e->seq);
        memset(e, 0, sizeof(*e));
        return NULL;
    }
    return e->col ? e : NULL;
}

/* ---- statements ---------------------------------------------------------------------------- */

static bool txn_control(const char *sql)
{
    static const char *const words[] = {"BEGIN",    "START",     "COMMIT",  "END",
                                        "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (ddb_sql__starts_with_word(sql, words[i]))
            return true;
    return false;
}

static int simple(ddb_sql_conn *c, const char *sql, ddb_error *err)
{
    pg *h = c->h;
    PGresult *res = PQexec(h->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_error(c, res, sql, err);
    PQclear(res);
    return rc;
}

typedef struct run_opts {
    bool rewrite;       /* `?` -> $n (not for scripts, which take no parameters) */
    bool want_returned; /* an exec: may append RETURNING for the id */
} run_opts;

typedef struct run_out {
    PGresult *res;
    int64_t last_id;
} run_out;

/* Run one statement with its parameters. Inside a transaction it runs under a savepoint, rolled
 * back when it fails, so the transaction stays as it was before the statement. */
static int run(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n, run_opts o,
               run_out *out, ddb_error *err)
{
    pg *h = c->h;
    int rc = 0;
    char *text = NULL, *ints = NULL;
    const char **values = NULL;
    Oid *types = NULL;
    PGresult *res = NULL;
    size_t want = 0;
    bool savepoint = false, explicit_id = false;
    char table[256];
    const char *after = NULL;
    const ident *id = NULL;
    text = o.rewrite ? rewrite_placeholders(sql, &want) : strdup(sql);
    if (!text)
        return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory preparing a statement");
    if (want != n) {
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                           "ddb_sql: statement has %zu parameters, %zu given: %.80s", want, n, sql);
        goto done;
    }
    values = n ? calloc(n, sizeof(*values)) : NULL;
    types = n ? calloc(n, sizeof(*types)) : NULL;
    ints = n ? malloc(n * 24) : NULL;
    if (n && (!values || !types || !ints)) {
        rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory binding %zu parameters", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        switch (p[i].type) {
        case DDB_SQL_INT:
            snprintf(ints + i * 24, 24, "%lld", (long long)p[i].i);
            values[i] = ints + i * 24;
            types[i] = 20; /* int8: the full int64 range, whatever the context */
            break;
        case DDB_SQL_TEXT:
            values[i] = p[i].s; /* type left to the server (unknown), as for a literal */
            break;
        case DDB_SQL_NULL:
            break;
        default:
            rc = ddb_error_set(err, DDB_ERR_INVALID_ARG,
                               "ddb_sql: parameter %zu has unknown type %d", i + 1, (int)p[i].type);
            goto done;
        }
    }
    savepoint = c->in_txn && !txn_control(sql);
    if (savepoint && (rc = simple(c, "SAVEPOINT ddb_sql_stmt", err)) != 0)
        goto done;
    /* The id of an INSERT: RETURNING the identity column, unless the statement returns rows of
     * its own. */
    if (o.want_returned && insert_target(text, table, sizeof(table), &after) &&
        !has_word(text, "RETURNING") && (id = identity_of(h, table)) != NULL) {
        explicit_id = gives_column(after, id->col);
        char *quoted = PQescapeIdentifier(h->conn, id->col, strlen(id->col));
        size_t tl = strlen(text);
        while (tl > 0 && (isspace((unsigned char)text[tl - 1]) || text[tl - 1] == ';'))
            tl--;
        char *with = quoted ? malloc(tl + strlen(quoted) + 20) : NULL;
        if (!with) {
            PQfreemem(quoted);
            rc = ddb_error_set(err, DDB_ERR_NOMEM, "out of memory preparing a statement");
            goto fail_savepoint;
        }
        /* A newline first: the statement may end in a -- comment. */
        sprintf(with, "%.*s\nRETURNING %s", (int)tl, text, quoted);
        PQfreemem(quoted);
        free(text);
        text = with;
    }
    res = PQexecParams(h->conn, text, (int)n, types, values, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        rc = map_error(c, res, sql, err);
        goto fail_savepoint;
    }
    if (id) {
        int64_t max = 0;
        for (int r = 0; r < PQntuples(res); r++) {
            int64_t v = strtoll(PQgetvalue(res, r, 0), NULL, 10);
            out->last_id = v;
            if (r == 0 || v > max)
                max = v;
        }
        /* Ids given by the statement: move the sequence past them, as AUTO_INCREMENT does. */
        if (explicit_id && PQntuples(res) > 0 && max > 0) {
            char mv[24];
            snprintf(mv, sizeof(mv), "%lld", (long long)max);
            const char *sv[] = {id->seq, mv};
            PGresult *r2 =
                PQexecParams(h->conn,
                             "SELECT setval($1::regclass, $2::bigint) WHERE $2::bigint > "
                             "COALESCE(pg_sequence_last_value($1::regclass), 0)",
                             2, NULL, sv, NULL, NULL, 0);
            if (PQresultStatus(r2) != PGRES_TUPLES_OK)
                rc = map_error(c, r2, "SELECT setval(...)", err);
            PQclear(r2);
            if (rc)
                goto fail_savepoint;
        }
    }
    if (savepoint && (rc = simple(c, "RELEASE SAVEPOINT ddb_sql_stmt", err)) != 0)
        goto done;
    if (ddb_sql__starts_with_word(sql, "CREATE") || ddb_sql__starts_with_word(sql, "DROP") ||
        ddb_sql__starts_with_word(sql, "ALTER"))
        forget_idents(h); /* a table may have been made again with another identity column */
    out->res = res;
    res = NULL;
    goto done;
fail_savepoint:
    if (savepoint && !c->broken &&
        simple(c, "ROLLBACK TO SAVEPOINT ddb_sql_stmt; RELEASE SAVEPOINT ddb_sql_stmt", NULL) != 0)
        c->broken = true; /* the transaction is in an unknown state: never pool this one */
done:
    PQclear(res);
    free(text);
    free(values);
    free(types);
    free(ints);
    return rc;
}

static int pg_exec(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                   int64_t *last_id, int64_t *changed, ddb_error *err)
{
    run_out out = {0};
    int rc = run(c, sql, p, n, (run_opts){.rewrite = true, .want_returned = true}, &out, err);
    if (rc)
        return rc;
    const char *status = PQcmdStatus(out.res);
    /* COMMIT of a transaction that had failed answers ROLLBACK, without an error. */
    if (ddb_sql__starts_with_word(sql, "COMMIT") && strcmp(status, "ROLLBACK") == 0) {
        PQclear(out.res);
        return ddb_error_set(err, DDB_ERR_SERVICE,
                             "PostgreSQL rolled the transaction back at COMMIT: it had failed");
    }
    if (changed) {
        bool writes = ddb_sql__starts_with_word(status, "INSERT") ||
                      ddb_sql__starts_with_word(status, "UPDATE") ||
                      ddb_sql__starts_with_word(status, "DELETE") ||
                      ddb_sql__starts_with_word(status, "MERGE");
        *changed = writes ? strtoll(PQcmdTuples(out.res), NULL, 10) : 0;
    }
    if (last_id)
        *last_id = out.last_id;
    PQclear(out.res);
    return 0;
}

static int pg_query(ddb_sql_conn *c, const char *sql, const ddb_sql_param *p, size_t n,
                    ddb_sql_rows *rows, ddb_error *err)
{
    run_out out = {0};
    int rc = run(c, sql, p, n, (run_opts){.rewrite = true}, &out, err);
    if (rc)
        return rc;
    int ncols = PQnfields(out.res);
    rc = ddb_sql__rows_init(rows, ncols, err);
    for (int r = 0; rc == 0 && r < PQntuples(out.res); r++)
        for (int k = 0; rc == 0 && k < ncols; k++)
            rc = PQgetisnull(out.res, r, k)
                     ? ddb_sql__rows_add(rows, NULL, 0, err)
                     : ddb_sql__rows_add(rows, PQgetvalue(out.res, r, k),
                                         (size_t)PQgetlength(out.res, r, k), err);
    PQclear(out.res);
    return rc;
}

/* Only blanks and comments? */
static bool empty_statement(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = skip_quoted(s, i);
        if (j != i && (s[i] == '-' || s[i] == '/')) {
            i = j;
            continue;
        }
        if (!isspace((unsigned char)s[i]))
            return false;
        i++;
    }
    return true;
}

/* The statements are split here and run one by one, as on the other two: PQexec of the whole
 * text would run it as one transaction, undoing the statements before a failed one. */
static int pg_script(ddb_sql_conn *c, const char *sql, ddb_error *err)
{
    int index = 0, rc = 0;
    size_t start = 0;
    for (size_t i = 0;;) {
        size_t j = skip_quoted(sql, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (sql[i] != ';' && sql[i] != '\0') {
            i++;
            continue;
        }
        if (!empty_statement(sql + start, i - start)) {
            index++;
            char *one = malloc(i - start + 1);
            if (!one)
                return ddb_error_set(err, DDB_ERR_NOMEM, "out of memory running a script");
            memcpy(one, sql + start, i - start);
            one[i - start] = '\0';
            run_out out = {0};
            rc = run(c, one, NULL, 0, (run_opts){.want_returned = true}, &out, err);
            PQclear(out.res);
            free(one);
            if (rc)
                break;
        }
        if (sql[i] == '\0')
            break;
        start = ++i;
    }
    if (rc && err) {
        /* Prefix the statement's index; the tail of an over-long message is cut. */
        char prefix[48];
        int np = snprintf(prefix, sizeof(prefix), "statement %d of the script: ", index);
        size_t keep = sizeof(err->message) - 1 - (size_t)np;
        memmove(err->message + np, err->message, keep);
        err->message[sizeof(err->message) - 1] = '\0';
        memcpy(err->message, prefix, (size_t)np);
    }
    return rc;
}

const ddb_sql__driver ddb_sql__postgres_driver = {
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .query = pg_query,
    .script = pg_script,
    .begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED",
};
