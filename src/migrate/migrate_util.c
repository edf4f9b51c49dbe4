/* Files, child processes and hashes for src/migrate/. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "migrate/migrate_internal.h"

const char *ddbmig_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define DDBMIG_CASE(name, value, text)                                                             \
    case value:                                                                                    \
        return text;
        DDBMIG_ERRORS(DDBMIG_CASE)
#undef DDBMIG_CASE
    default:
        return "unknown error";
    }
}

void ddbmig__set_error(ddbmig_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

char *ddbmig__path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    snprintf(p, a + b + 2, "%s/%s", dir, name);
    return p;
}

int ddbmig__read_file(char **out, size_t *len, const char *path, ddbmig_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!f)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (n + 4096 + 1 > cap) {
            char *grown;
            cap = cap ? cap * 2 : 8192;
            if (cap > DDBMIG_MAX_READ + 8192u)
                cap = DDBMIG_MAX_READ + 8192u;
            grown = realloc(buf, cap);
            if (!grown) {
                rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory reading %s", path);
                goto done;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > DDBMIG_MAX_READ) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_LIMIT, "%s is over %u bytes", path,
                             (unsigned)DDBMIG_MAX_READ);
            goto done;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
    if (len)
        *len = n;
done:
    free(buf);
    fclose(f);
    return rc;
}

int ddbmig__mkdir(const char *path, ddbmig_error *err)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot create the folder %s: %s", path,
                       strerror(errno == EEXIST ? ENOTDIR : errno));
}

/* The folder part of path, for fsync after a rename (a path without '/' is "."). */
static void sync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd;
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int ddbmig__write_atomic(const char *path, const char *data, size_t len, ddbmig_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
    const char *hook = getenv("DDBKIT_MIGRATE_TEST_KILL");
    int fd = -1, rc = 0;
    size_t off = 0;
    if (!tmp)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory writing %s", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    (void)fchmod(fd, 0644);
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot sync %s: %s", tmp, strerror(errno));
        goto done;
    }
    close(fd);
    fd = -1;
    /* The durability test kills the process here, between the complete temporary file and the
     * rename: the previous file must survive whole. */
    if (hook && strcmp(hook, "before-rename") == 0)
        raise(SIGKILL);
    if (rename(tmp, path) != 0) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                         strerror(errno));
        goto done;
    }
    sync_parent(path);
done:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int ddbmig__have_tool(const char *tool)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        if (n > 0 && snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, tool) < (int)sizeof(buf) &&
            access(buf, X_OK) == 0)
            return 1;
        path += n + (colon ? 1 : 0);
    }
    return 0;
}

/* In the child: never returns. Only async-signal-safe calls between fork and exec. */
static void child(const char *const *argv, const char *cwd, int log_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);
    static const char msg[] = "ddbkit migrate: cannot run the command\n";
    setpgid(0, 0);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
        _exit(127);
    if (chdir(cwd) != 0)
        _exit(127);
    execvp(argv[0], (char *const *)argv);
    (void)write(2, msg, sizeof(msg) - 1);
    _exit(127);
}

int ddbmig__run(int *status, const char *const *argv, const char *cwd, const char *log_path,
                int timeout_s, ddbmig_error *err)
{
    struct timespec tick = {0, 20000000L};
    long waited_ms = 0;
    int log_fd, ws = 0;
    pid_t pid;

    log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot create %s: %s", log_path, strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(log_fd);
        return DDBMIG_FAIL(err, DDBMIG_ERR_TOOL, "cannot start %s: %s", argv[0], strerror(errno));
    }
    if (pid == 0)
        child(argv, cwd, log_fd);
    close(log_fd);
    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return DDBMIG_FAIL(err, DDBMIG_ERR_TOOL, "lost %s: %s", argv[0], strerror(errno));
        if (waited_ms >= (long)timeout_s * 1000) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            (void)waitpid(pid, &ws, 0);
            return DDBMIG_FAIL(err, DDBMIG_ERR_TOOL, "%s did not finish within %d s (log: %s)",
                               argv[0], timeout_s, log_path);
        }
        nanosleep(&tick, NULL);
        waited_ms += 20;
    }
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return 0;
}

int ddbmig__sha256_file(char hex[65], const char *path, ddbmig_error *err)
{
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    FILE *f = NULL;
    int rc = 0;
    size_t n;
    if (!ctx)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory hashing %s", path);
    f = fopen(path, "rb");
    if (!f) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto crypto;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (EVP_DigestUpdate(ctx, buf, n) != 1)
            goto crypto;
    if (ferror(f)) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1)
        goto crypto;
    for (size_t i = 0; i < md_len && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    goto done;
crypto:
    rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "SHA-256 of %s failed", path);
done:
    if (f)
        fclose(f);
    EVP_MD_CTX_free(ctx);
    return rc;
}
