#define _GNU_SOURCE /* unshare, CLONE_NEWNET */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/testenv.h"

static const char *const aws_settings[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
};

void testenv_clean(void)
{
    for (size_t i = 0; i < sizeof(aws_settings) / sizeof(aws_settings[0]); i++)
        unsetenv(aws_settings[i]);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

char *testenv_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[1024];
    snprintf(tmpl, sizeof(tmpl), "%s/ddbkit-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "testenv: mkdtemp %s: %s\n", tmpl, strerror(errno));
        exit(1);
    }
    return strdup(tmpl);
}

char *testenv_write(const char *dir, const char *rel, const char *content, int mode)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "testenv: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    chmod(path, (mode_t)mode);
    return strdup(path);
}

void testenv_rmtree(const char *dir)
{
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            struct stat sb;
            if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
                testenv_rmtree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static bool write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok;
}

static void isolation_unavailable(const char *why)
{
    const char *ci = getenv("CI");
    bool in_ci = ci && strcmp(ci, "true") == 0;
    fprintf(stderr,
            "\n*** %s: cannot isolate this test in a network namespace (%s); it would send "
            "packets toward the real AWS endpoints, so it does not run%s ***\n\n",
            in_ci ? "FAIL" : "SKIP", why, in_ci ? " (CI=true: failing instead of skipping)" : "");
    exit(in_ci ? 1 : 77);
}

void testenv_isolate_network(void)
{
    char why[256];
    if (unshare(CLONE_NEWNET) != 0) {
        int first = errno;
        uid_t uid = getuid();
        gid_t gid = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
            snprintf(why, sizeof(why), "unshare(CLONE_NEWNET): %s; with CLONE_NEWUSER: %s",
                     strerror(first), strerror(errno));
            isolation_unavailable(why);
        }
        char map[64];
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
        bool ok =
            write_file("/proc/self/setgroups", "deny") && write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
        if (!ok || !write_file("/proc/self/gid_map", map)) {
            snprintf(why, sizeof(why), "cannot map the user into the new namespace: %s",
                     strerror(errno));
            isolation_unavailable(why);
        }
    }
    /* A new namespace's loopback is down; the test's own listeners need it up. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)) {
        snprintf(why, sizeof(why), "cannot bring up lo: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        isolation_unavailable(why);
    }
    close(fd);
    /* Prove it: nothing but lo may be left to send through. */
    struct if_nameindex *ifs = if_nameindex();
    for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
        if (strcmp(i->if_name, "lo") != 0) {
            fprintf(stderr, "testenv: interface %s is visible inside the new namespace\n",
                    i->if_name);
            exit(1);
        }
    }
    if_freenameindex(ifs);
    fprintf(stderr, "testenv: in a network namespace of its own (only lo): nothing leaves the "
                    "machine\n");
}
