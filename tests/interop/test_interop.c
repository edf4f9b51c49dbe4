/*
 * Interop: items written by ddbkit read back equal through boto3 and the AWS CLI, and items
 * written by boto3 read back equal through ddbkit. All ten types, nested containers, edge-case
 * numbers and binary with every byte value.
 *
 * The peer is tests/interop/boto3_peer.py, run with Debian's /usr/bin/python3 (python3-boto3).
 * It holds its own expected values as Python values, written independently of the C ones here,
 * so that neither side checks itself. Its exit status says 0 equal, 1 different (with one
 * "MISMATCH item.path: ..." line per difference), 2 could not run.
 *
 * DynamoDB Local keeps one database per access key id and region: every peer gets the access key
 * of harness_client() and us-east-1, or it would see none of our tables.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/harness.h"
#include "test.h"

/* Must match harness_client() and boto3_peer.py (see above). */
#define PEER_ACCESS_KEY_ID "AKIDLOCALTEST"
#define PEER_SECRET_ACCESS_KEY "local-test-secret"
#define PEER_REGION "us-east-1"
#define PYTHON "/usr/bin/python3"

/* ---- building values: each builder aborts on failure, so expectations read like data ------- */

static void die(const char *what, const ddb_error *err)
{
    fprintf(stderr, "test_interop: building %s failed: %s\n", what, err->message);
    abort();
}

static ddb_value *S(const char *s)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_s(&v, s, &err))
        die("S", &err);
    return v;
}

static ddb_value *S_len(const char *s, size_t len)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_s_len(&v, s, len, &err))
        die("S", &err);
    return v;
}

static ddb_value *N(const char *num)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_n(&v, num, &err))
        die(num, &err);
    return v;
}

static ddb_value *N_i64(int64_t n)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_n_i64(&v, n, &err))
        die("N from int64", &err);
    return v;
}

static ddb_value *N_u64(uint64_t n)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_n_u64(&v, n, &err))
        die("N from uint64", &err);
    return v;
}

static ddb_value *B(const void *data, size_t len)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_b(&v, data, len, &err))
        die("B", &err);
    return v;
}

static ddb_value *BOOL(bool b)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_bool(&v, b, &err))
        die("BOOL", &err);
    return v;
}

static ddb_value *NUL(void)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_null(&v, &err))
        die("NULL", &err);
    return v;
}

static ddb_value *EMPTY_M(void)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_m(&v, &err))
        die("M", &err);
    return v;
}

static ddb_value *EMPTY_L(void)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_l(&v, &err))
        die("L", &err);
    return v;
}

/* m_build("name", value, "name", value, ..., NULL): a map that owns the values. */
static ddb_value *m_build(const char *name, ...)
{
    ddb_value *m = EMPTY_M();
    ddb_error err = DDB_ERROR_INIT;
    va_list ap;
    va_start(ap, name);
    for (; name; name = va_arg(ap, const char *)) {
        if (ddb_value_m_set_take(m, name, va_arg(ap, ddb_value *), &err))
            die(name, &err);
    }
    va_end(ap);
    return m;
}
#define M(...) m_build(__VA_ARGS__, (const char *)NULL)

static ddb_value *l_build(ddb_value *first, ...)
{
    ddb_value *l = EMPTY_L();
    ddb_error err = DDB_ERROR_INIT;
    va_list ap;
    va_start(ap, first);
    for (ddb_value *v = first; v; v = va_arg(ap, ddb_value *)) {
        if (ddb_value_l_append_take(l, v, &err))
            die("list element", &err);
    }
    va_end(ap);
    return l;
}
#define L(...) l_build(__VA_ARGS__, (ddb_value *)NULL)

/* String and number sets: strs_build(is_ns, "a", "b", ..., NULL). is_ns is an int: va_start
 * after a bool parameter is undefined behaviour (the bool is promoted). */
static ddb_value *strs_build(int is_ns, ...)
{
    const char *members[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, is_ns);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL && n < 16;)
        members[n++] = s;
    va_end(ap);
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if ((is_ns ? ddb_value_new_ns : ddb_value_new_ss)(&v, members, n, &err))
        die(is_ns ? "NS" : "SS", &err);
    return v;
}
#define SS(...) strs_build(false, __VA_ARGS__, (const char *)NULL)
#define NS(...) strs_build(true, __VA_ARGS__, (const char *)NULL)

static ddb_value *BS(const ddb_blob *members, size_t n)
{
    ddb_value *v = NULL;
    ddb_error err = DDB_ERROR_INIT;
    if (ddb_value_new_bs(&v, members, n, &err))
        die("BS", &err);
    return v;
}

static unsigned char all_bytes[256], all_bytes_reversed[256];

static void init_bytes(void)
{
    for (int i = 0; i < 256; i++) {
        all_bytes[i] = (unsigned char)i;
        all_bytes_reversed[i] = (unsigned char)(255 - i);
    }
}

/* 130 zeros after the point would be unreadable inline. */
static char tiny_plain[200], max_plain[200];

static void init_plain_numbers(void)
{
    /* "0." + 129 zeros + "1" is 1e-130; 38 nines + 88 zeros is 9.99...9E+125. */
    strcpy(tiny_plain, "0.");
    memset(tiny_plain + 2, '0', 129);
    strcpy(tiny_plain + 131, "1");
    memset(max_plain, '9', 38);
    memset(max_plain + 38, '0', 88);
    max_plain[126] = '\0';
}

/*
 * The expected items are laid out one attribute per line, like the Python ones in the peer, so
 * that the two can be read side by side; clang-format would pack them into paragraphs.
 */
/* clang-format off */

/* ---- the items ddbkit writes (boto3_peer.py holds its own Python copy) --------------------- */

static ddb_value *ddbkit_types_item(void)
{
    const ddb_blob bs[] = {{"\x00", 1}, {"\xff\xfe", 2}, {"abc", 3}, {all_bytes, 256}};
    return M("pk", S("ddbkit#types"),
             /* UTF-8 of 2, 3 and 4 bytes, and characters JSON must escape. */
             "s", S("h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x8e\x89 \"q\" \\ \n\t\x01 /"),
             "s_empty", S(""),
             "n", N("42"),
             "b", B(all_bytes, 256),
             "b_empty", B("", 0),
             "bool_true", BOOL(true),
             "bool_false", BOOL(false),
             "null", NUL(),
             "m", M("a", S("x"), "n", N("1")),
             "l", L(S("x"), N("2"), BOOL(true), NUL()),
             "ss", SS("a", "b", "\xc3\xbc"),
             "ns", NS("1", "2.5", "-3"),
             "bs", BS(bs, 4));
}

static ddb_value *ddbkit_nested_item(void)
{
    return M("pk", S("ddbkit#nested"),
             "profile", M("name", S("Ada"),
                          "tags", SS("x", "y"),
                          "address", M("lines", L(S("1 Main St"), S("Apt 2")),
                                       "geo", M("lat", N("51.5074"), "lon", N("-0.1278")))),
             "matrix", L(L(N("1"), N("2")),
                         L(N("3"), L(S("deep"), M("k", L(BOOL(true), NUL(), B("\x00\xff", 2)))))),
             "list_of_maps", L(M("id", N("1"), "ok", BOOL(true)),
                               M("id", N("2"), "ok", BOOL(false), "ns", NS("1", "2"))),
             "empty_m", EMPTY_M(),
             "empty_l", EMPTY_L(),
             "level1", M("level2", M("level3", M("level4", M("level5", S("bottom"))))));
}

static ddb_value *ddbkit_numbers_item(void)
{
    return M("pk", S("ddbkit#numbers"),
             "zero", N("0"),
             "neg_zero", N("-0.0"),
             "tiny", N("1e-130"),
             "neg_tiny", N("-1E-130"),
             "digits38", N("12345678901234567890123456789012345678"),
             "max", N("9.9999999999999999999999999999999999999E+125"),
             "neg_max", N("-9.9999999999999999999999999999999999999E+125"),
             "trailing", N("1.500"),
             "hundred", N("100"),
             "neg", N("-42"),
             "neg_frac", N("-0.000001"),
             "exp", N("1.5E+3"),
             "i64_max", N_i64(INT64_MAX),
             "i64_min", N_i64(INT64_MIN),
             "u64_max", N_u64(UINT64_MAX),
             "ns_forms", NS("1.500", "1E+2", "-7"));
}

/* ---- the items boto3 writes, as ddbkit must read them (boto3_peer.py writes its own) -------- */

static ddb_value *boto3_types_item(void)
{
    const ddb_blob bs[] = {{"\x00\x01", 2}, {"\xff", 1}, {all_bytes, 256}};
    return M("pk", S("boto3#types"),
             "s", S("boto3 \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x8d "
                    "\"q\" \\ \n\t\x7f /"),
             "s_empty", S(""),
             "n", N("3.14159"),
             "n_int", N("7"),
             "b", B(all_bytes_reversed, 256),
             "b_empty", B("", 0),
             "bool_true", BOOL(true),
             "bool_false", BOOL(false),
             "null", NUL(),
             "m", M("k", S("v"), "n", N("-1")),
             "l", L(S("a"), N("1"), BOOL(false), NUL(), B("\x01", 1)),
             "ss", SS("x", "y", "\xc3\xbc"),
             "ns", NS("1E-130", "-2.5", "100"),
             "bs", BS(bs, 3));
}

static ddb_value *boto3_nested_item(void)
{
    return M("pk", S("boto3#nested"),
             "order", M("id", S("o-1"),
                        "lines", L(M("sku", S("A"), "qty", N("2"), "price", N("9.99")),
                                   M("sku", S("B"), "qty", N("1"), "price", N("0.5"),
                                     "attrs", M("colours", SS("red", "blue"),
                                                "sizes", NS("38", "40")))),
                        "shipping", M("address", M("city", S("Z\xc3\xbcrich"), "zip", S("8001")),
                                      "express", BOOL(true))),
             "grid", L(L(L(N("1")), EMPTY_L()), L(EMPTY_M()), L(NUL(), L(B("\x7f", 1), S("x")))),
             "a", M("b", M("c", M("d", M("e", M("f", N("6")))))));
}

static ddb_value *boto3_numbers_item(void)
{
    return M("pk", S("boto3#numbers"),
             "tiny", N("1E-130"),
             "neg_tiny", N("-1E-130"),
             "neg_zero", N("0"),
             "zero_frac", N("0"),
             "digits38", N("12345678901234567890123456789012345678"),
             "max", N("9.9999999999999999999999999999999999999E+125"),
             "neg_max", N("-9.9999999999999999999999999999999999999E+125"),
             "trailing", N("1.5"),
             "hundred", N("100"),
             "neg", N("-42"),
             "frac", N("0.1"),
             "big_int", N("12345678901234567890"));
}

/* clang-format on */

/* ---- comparing, with the path of each difference ------------------------------------------ */

static char *json_of(const ddb_value *v)
{
    char *json = NULL;
    if (!v)
        return strdup("(absent)");
    if (ddb_value_to_json(&json, v, NULL) != 0)
        return strdup("(unprintable)");
    return json;
}

static void report(const char *path, const char *what, const ddb_value *got, const ddb_value *want)
{
    char *g = json_of(got), *w = json_of(want);
    fprintf(stderr, "MISMATCH %s: %s\n    got      %.300s%s\n    expected %.300s%s\n", path, what,
            g ? g : "?", g && strlen(g) > 300 ? "..." : "", w ? w : "?",
            w && strlen(w) > 300 ? "..." : "");
    free(g);
    free(w);
}

/* Number of differences between got and want, each printed with its path. */
static int diff_values(const char *path, const ddb_value *got, const ddb_value *want)
{
    if (got && want && ddb_value_equal(got, want))
        return 0;
    if (!got || !want) {
        report(path, got ? "unexpected" : "missing", got, want);
        return 1;
    }
    ddb_type gt = ddb_value_type(got), wt = ddb_value_type(want);
    char sub[512];
    int n = 0;
    if (gt == DDB_TYPE_M && wt == DDB_TYPE_M) {
        const char *name;
        for (size_t i = 0; i < ddb_value_count(want); i++) {
            const ddb_value *w = ddb_value_m_at(want, i, &name);
            snprintf(sub, sizeof(sub), "%s.%s", path, name);
            n += diff_values(sub, ddb_value_m_get(got, name), w);
        }
        for (size_t i = 0; i < ddb_value_count(got); i++) {
            const ddb_value *g = ddb_value_m_at(got, i, &name);
            if (!ddb_value_m_get(want, name)) {
                snprintf(sub, sizeof(sub), "%s.%s", path, name);
                n += diff_values(sub, g, NULL);
            }
        }
        if (n == 0) /* ddb_value_equal disagrees with a member-wise walk: say so */
            report(path, "maps differ, though every member compares equal", got, want);
        return n ? n : 1;
    }
    if (gt == DDB_TYPE_L && wt == DDB_TYPE_L && ddb_value_count(got) == ddb_value_count(want)) {
        for (size_t i = 0; i < ddb_value_count(want); i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            n += diff_values(sub, ddb_value_l_at(got, i), ddb_value_l_at(want, i));
        }
        if (n == 0)
            report(path, "lists differ, though every element compares equal", got, want);
        return n ? n : 1;
    }
    char what[64];
    if (gt != wt)
        snprintf(what, sizeof(what), "type %s, expected %s", ddb_type_name(gt), ddb_type_name(wt));
    else
        snprintf(what, sizeof(what), "%s values differ", ddb_type_name(gt));
    report(path, what, got, want);
    return 1;
}

/* ---- running peers ------------------------------------------------------------------------ */

/*
 * A private folder with empty AWS config and credentials files, used as HOME too, so that no
 * setting of this machine reaches a peer.
 */
typedef struct peer_env {
    char dir[64];
    char *vars[24];
    size_t n;
} peer_env;

static void env_add(peer_env *e, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *var = malloc(len);
    if (!var || e->n + 1 >= sizeof(e->vars) / sizeof(e->vars[0]))
        abort();
    snprintf(var, len, "%s=%s", name, value);
    e->vars[e->n++] = var;
    e->vars[e->n] = NULL;
}

static bool touch(const char *dir, const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Remove the private folder and whatever a peer left in it. */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char child[1024];
            snprintf(child, sizeof(child), "%s/%s", path, ent->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static bool peer_env_init(peer_env *e)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->dir, sizeof(e->dir), "/tmp/ddbkit-interop-XXXXXX");
    if (!mkdtemp(e->dir)) {
        fprintf(stderr, "test_interop: cannot create %s: %s\n", e->dir, strerror(errno));
        e->dir[0] = '\0';
        return false;
    }
    if (!touch(e->dir, "config") || !touch(e->dir, "credentials")) {
        fprintf(stderr, "test_interop: cannot prepare %s: %s\n", e->dir, strerror(errno));
        remove_tree(e->dir);
        e->dir[0] = '\0';
        return false;
    }
    char path[128];
    const char *inherited_path = getenv("PATH");
    env_add(e, "PATH", inherited_path ? inherited_path : "/usr/bin:/bin");
    env_add(e, "HOME", e->dir);
    snprintf(path, sizeof(path), "%s/config", e->dir);
    env_add(e, "AWS_CONFIG_FILE", path);
    snprintf(path, sizeof(path), "%s/credentials", e->dir);
    env_add(e, "AWS_SHARED_CREDENTIALS_FILE", path);
    env_add(e, "AWS_ACCESS_KEY_ID", PEER_ACCESS_KEY_ID);
    env_add(e, "AWS_SECRET_ACCESS_KEY", PEER_SECRET_ACCESS_KEY);
    env_add(e, "AWS_REGION", PEER_REGION);
    env_add(e, "AWS_DEFAULT_REGION", PEER_REGION);
    env_add(e, "AWS_EC2_METADATA_DISABLED", "true");
    env_add(e, "AWS_PAGER", "");
    env_add(e, "LC_ALL", "C.UTF-8");
    env_add(e, "PYTHONIOENCODING", "utf-8");
    env_add(e, "PYTHONDONTWRITEBYTECODE", "1");
    return true;
}

static void peer_env_free(peer_env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->vars[i]);
    if (e->dir[0])
        remove_tree(e->dir);
}

/*
 * Run argv with the peer environment; its stderr goes to ours. When out is not NULL, stdout is
 * captured into *out (caller frees), else it goes to our stderr too, so that CTest shows it.
 * Returns the exit status, or -1 when the program could not be run.
 */
static int run(const char *const *argv, const peer_env *e, char **out)
{
    int fds[2] = {-1, -1};
    if (out && pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(out ? fds[1] : STDERR_FILENO, STDOUT_FILENO);
        if (out) {
            close(fds[0]);
            close(fds[1]);
        }
        execve(argv[0], (char *const *)argv, (char *const *)e->vars);
        fprintf(stderr, "test_interop: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    char *buf = NULL;
    size_t len = 0;
    if (out) {
        close(fds[1]);
        char chunk[4096];
        ssize_t r;
        while ((r = read(fds[0], chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR)) {
            if (r < 0)
                continue;
            char *grown = realloc(buf, len + (size_t)r + 1);
            if (!grown)
                abort();
            buf = grown;
            memcpy(buf + len, chunk, (size_t)r);
            len += (size_t)r;
            buf[len] = '\0';
        }
        close(fds[0]);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (out)
        *out = buf ? buf : strdup("");
    else
        free(buf);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fprintf(stderr, "test_interop: %s ended by signal %d\n", argv[0],
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

static const char *peer_script(void)
{
    static char path[1024];
    const char *src = getenv("DDB_SOURCE_DIR");
    if (!src || !*src) {
        fprintf(stderr, "test_interop: DDB_SOURCE_DIR is not set; run this test through ctest\n");
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/tests/interop/boto3_peer.py", src);
    return path;
}

/* Run boto3_peer.py <command> against table; returns its exit status. */
static int run_peer(const char *table, const char *command)
{
    peer_env e;
    if (!peer_env_init(&e))
        return -1;
    /* -I: isolated mode, so no PYTHONPATH or user site-packages change what boto3 is. */
    const char *argv[] = {PYTHON,    "-I",  peer_script(), "--endpoint", harness_endpoint(),
                          "--table", table, command,       NULL};
    int status = run(argv, &e, NULL);
    peer_env_free(&e);
    if (status != 0)
        fprintf(stderr,
                "test_interop: boto3_peer.py %s exited with %d (1: values differ, see "
                "MISMATCH lines; 2: the peer could not run)\n",
                command, status);
    return status;
}

/* ---- ddbkit calls ------------------------------------------------------------------------- */

static int put(ddb_client *c, const char *table, const ddb_value *item)
{
    ddb_put_item_input in = {.table_name = table, .item = item};
    ddb_put_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_put_item(&out, c, &in, &err);
    if (rc)
        fprintf(stderr, "PutItem %s: %s: %s\n", ddb_value_s(ddb_value_m_get(item, "pk"), NULL),
                ddb_error_code_name(rc), err.message);
    ddb_put_item_output_free(out);
    ddb_error_clear(&err);
    return rc;
}

/* The item with partition key pk, or NULL (the reason printed). Caller frees. */
static ddb_value *get(ddb_client *c, const char *table, const char *pk)
{
    ddb_value *key = M("pk", S(pk)), *item = NULL;
    ddb_get_item_input in = {
        .table_name = table, .key = key, .has_consistent_read = true, .consistent_read = true};
    ddb_get_item_output *out = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_get_item(&out, c, &in, &err);
    if (rc)
        fprintf(stderr, "GetItem %s: %s: %s\n", pk, ddb_error_code_name(rc), err.message);
    else if (!out->item)
        fprintf(stderr, "GetItem %s: no such item\n", pk);
    else {
        item = out->item;
        out->item = NULL;
    }
    ddb_get_item_output_free(out);
    ddb_error_clear(&err);
    ddb_value_free(key);
    return item;
}

static const char *n_of(const ddb_value *item, const char *name)
{
    return ddb_value_n(ddb_value_m_get(item, name));
}

/* A fresh table for one case; NULL (and a message) if it cannot be made. */
static char *fresh_table(ddb_client *c)
{
    char *table = harness_table_name("interop");
    if (harness_create_table(c, table, "pk", "S", NULL, NULL) != 0) {
        free(table);
        return NULL;
    }
    return table;
}

/* ---- cases -------------------------------------------------------------------------------- */

TEST(ddbkit_writes_boto3_reads)
{
    init_bytes();
    ddb_client *c = harness_client(NULL);
    char *table = fresh_table(c);
    REQUIRE(table);
    ddb_value *items[] = {ddbkit_types_item(), ddbkit_nested_item(), ddbkit_numbers_item()};
    for (size_t i = 0; i < 3; i++)
        CHECK_INT(put(c, table, items[i]), 0);
    /*
     * The peer compares with its own Python values, numbers as Decimal by value, and checks the
     * wire forms DynamoDB normalized ("1.500" -> "1.5", "-0.0" -> "0", exponents spelled out).
     */
    CHECK_INT(run_peer(table, "verify"), 0);
    for (size_t i = 0; i < 3; i++)
        ddb_value_free(items[i]);
    CHECK_INT(harness_delete_table(c, table), 0);
    free(table);
    ddb_client_free(c);
}

TEST(boto3_writes_ddbkit_reads)
{
    init_bytes();
    init_plain_numbers();
    ddb_client *c = harness_client(NULL);
    char *table = fresh_table(c);
    REQUIRE(table);
    REQUIRE(run_peer(table, "write") == 0);

    struct {
        const char *pk;
        ddb_value *want;
    } cases[] = {
        {"boto3#types", boto3_types_item()},
        {"boto3#nested", boto3_nested_item()},
        {"boto3#numbers", boto3_numbers_item()},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ddb_value *got = get(c, table, cases[i].pk);
        CHECK(got != NULL);
        /* ddb_value_equal: numbers by value, maps and sets in any order. */
        if (got)
            CHECK_INT(diff_values(cases[i].pk, got, cases[i].want), 0);
        if (got && strcmp(cases[i].pk, "boto3#numbers") == 0) {
            /*
             * The exact strings: DynamoDB stores numbers normalized and returns them in plain
             * notation, so what boto3 sent as 1E-130, -0, 0.000, 1.500, 1E+2 and -42.0 comes
             * back as below; 38 digits and big integers come back as sent.
             */
            CHECK_STR(n_of(got, "tiny"), tiny_plain);
            CHECK(n_of(got, "neg_tiny") && strcmp(n_of(got, "neg_tiny") + 1, tiny_plain) == 0);
            CHECK_STR(n_of(got, "neg_zero"), "0");
            CHECK_STR(n_of(got, "zero_frac"), "0");
            CHECK_STR(n_of(got, "max"), max_plain);
            CHECK(n_of(got, "neg_max") && strcmp(n_of(got, "neg_max") + 1, max_plain) == 0);
            CHECK_STR(n_of(got, "trailing"), "1.5");
            CHECK_STR(n_of(got, "hundred"), "100");
            CHECK_STR(n_of(got, "neg"), "-42");
            CHECK_STR(n_of(got, "digits38"), "12345678901234567890123456789012345678");
            CHECK_STR(n_of(got, "big_int"), "12345678901234567890");
        }
        ddb_value_free(got);
        ddb_value_free(cases[i].want);
    }
    CHECK_INT(harness_delete_table(c, table), 0);
    free(table);
    ddb_client_free(c);
}

/* The AWS CLI v2 (Debian's awscli, /usr/bin/aws) or, failing that, aws on PATH. */
static bool find_aws_cli(char *path, size_t cap)
{
    if (access("/usr/bin/aws", X_OK) == 0) {
        snprintf(path, cap, "/usr/bin/aws");
        return true;
    }
    const char *dirs = getenv("PATH");
    while (dirs && *dirs) {
        size_t len = strcspn(dirs, ":");
        snprintf(path, cap, "%.*s/aws", (int)len, dirs);
        if (len > 0 && access(path, X_OK) == 0)
            return true;
        dirs += len + (dirs[len] == ':');
    }
    return false;
}

/* `aws dynamodb get-item ... --output json`, its "Item" as a ddb_value; NULL on failure. */
static ddb_value *aws_cli_get(const char *aws, const char *table, const char *pk)
{
    peer_env e;
    if (!peer_env_init(&e))
        return NULL;
    char key[256];
    snprintf(key, sizeof(key), "{\"pk\":{\"S\":\"%s\"}}", pk);
    const char *argv[] = {aws,
                          "dynamodb",
                          "get-item",
                          "--endpoint-url",
                          harness_endpoint(),
                          "--region",
                          PEER_REGION,
                          "--table-name",
                          table,
                          "--key",
                          key,
                          "--consistent-read",
                          "--output",
                          "json",
                          "--no-cli-pager",
                          NULL};
    char *out = NULL;
    ddb_value *item = NULL;
    json_t *doc = NULL;
    char *item_json = NULL;
    int status = run(argv, &e, &out);
    peer_env_free(&e);
    if (status != 0) {
        fprintf(stderr, "aws dynamodb get-item %s exited with %d; output:\n%s\n", pk, status,
                out ? out : "");
        goto done;
    }
    json_error_t jerr;
    doc = json_loads(out, JSON_ALLOW_NUL, &jerr);
    json_t *j = json_object_get(doc, "Item");
    if (!json_is_object(j)) {
        fprintf(stderr, "aws dynamodb get-item %s: no \"Item\" object in its output (%s):\n%s\n",
                pk, doc ? "no such member" : jerr.text, out);
        goto done;
    }
    item_json = json_dumps(j, JSON_COMPACT);
    ddb_error err = DDB_ERROR_INIT;
    if (!item_json || ddb_item_from_json(&item, item_json, strlen(item_json), &err) != 0)
        fprintf(stderr, "aws dynamodb get-item %s: ddb_item_from_json: %s\n", pk, err.message);
    ddb_error_clear(&err);
done:
    free(item_json);
    json_decref(doc);
    free(out);
    return item;
}

TEST(aws_cli_reads_what_ddbkit_reads)
{
    init_bytes();
    char aws[1024];
    /* Bootstrap installs awscli: its absence is a broken environment, not a reason to skip. */
    if (!find_aws_cli(aws, sizeof(aws))) {
        fprintf(stderr,
                "no AWS CLI: neither /usr/bin/aws nor aws on PATH; run scripts/bootstrap\n");
        CHECK(!"AWS CLI available");
        return;
    }
    ddb_client *c = harness_client(NULL);
    char *table = fresh_table(c);
    REQUIRE(table);
    ddb_value *items[] = {ddbkit_types_item(), ddbkit_nested_item(), ddbkit_numbers_item()};
    for (size_t i = 0; i < 3; i++) {
        const char *pk = ddb_value_s(ddb_value_m_get(items[i], "pk"), NULL);
        CHECK_INT(put(c, table, items[i]), 0);
        ddb_value *mine = get(c, table, pk), *theirs = aws_cli_get(aws, table, pk);
        CHECK(mine != NULL);
        CHECK(theirs != NULL);
        if (mine && theirs) {
            char path[64];
            /* The CLI's JSON and ddbkit's reading of the same item: the same wire form. */
            snprintf(path, sizeof(path), "cli:%s", pk);
            CHECK_INT(diff_values(path, theirs, mine), 0);
            /* And both equal what ddbkit wrote, numbers by value. */
            snprintf(path, sizeof(path), "written:%s", pk);
            CHECK_INT(diff_values(path, theirs, items[i]), 0);
            /* Both read the same wire bytes, so top-level numbers match as strings too. */
            const char *name;
            for (size_t j = 0; j < ddb_value_count(mine); j++) {
                const ddb_value *v = ddb_value_m_at(mine, j, &name);
                if (ddb_value_type(v) == DDB_TYPE_N)
                    CHECK_STR(n_of(theirs, name), ddb_value_n(v));
            }
        }
        ddb_value_free(mine);
        ddb_value_free(theirs);
        ddb_value_free(items[i]);
    }
    CHECK_INT(harness_delete_table(c, table), 0);
    free(table);
    ddb_client_free(c);
}

/*
 * U+0000 inside strings is legal in DynamoDB and JSON ("\u0000"); a JSON parser must be told to
 * accept it. Kept apart so that a failure here does not hide the results of the cases above.
 */
TEST(strings_with_nul)
{
    ddb_client *c = harness_client(NULL);
    char *table = fresh_table(c);
    REQUIRE(table);
    /* Only S: set members are C strings in this API, so they cannot hold a NUL. */
    ddb_value *mine = M("pk", S("ddbkit#nul"), "s", S_len("a\0b", 3));
    CHECK_INT(put(c, table, mine), 0);
    CHECK_INT(run_peer(table, "verify-nul"), 0);

    REQUIRE(run_peer(table, "write-nul") == 0);
    ddb_value *got = get(c, table, "boto3#nul");
    CHECK(got != NULL);
    if (got) {
        size_t len = 0;
        const char *s = ddb_value_s(ddb_value_m_get(got, "s"), &len);
        CHECK(s && len == 3 && memcmp(s, "c\0d", 3) == 0);
    }
    ddb_value_free(got);
    ddb_value_free(mine);
    CHECK_INT(harness_delete_table(c, table), 0);
    free(table);
    ddb_client_free(c);
}

TEST_MAIN(CASE(ddbkit_writes_boto3_reads), CASE(boto3_writes_ddbkit_reads),
          CASE(aws_cli_reads_what_ddbkit_reads), CASE(strings_with_nul))
