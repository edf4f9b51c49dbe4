/*
 * A stand-in for libFuzzer's main, for compilers without it: runs LLVMFuzzerTestOneInput once per
 * file. CTest uses it to put the seed corpus (and every crash reproducer added to it) through
 * each target in the ordinary builds, sanitized and under valgrind included.
 *
 *   replay_<target> FILE|DIR...     a DIR is read one level deep, in name order
 *
 * Exits 0 when every input ran, 1 when an input could not be read or none were found; a broken
 * invariant aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* libFuzzer's default -max_len is 4096; seeds stay well under this. */
#define REPLAY_MAX_BYTES (1024L * 1024L)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *input = NULL;
    size_t n = 0;
    int rc = -1;

    if (!f || fstat(fileno(f), &st) != 0 || st.st_size > REPLAY_MAX_BYTES) {
        fprintf(stderr, "replay: cannot read %s%s\n", path, f ? " (over 1 MiB?)" : "");
        goto done;
    }
    n = (size_t)st.st_size;
    /* Exactly n bytes, so a read past the input is caught as it is under libFuzzer. */
    input = malloc(n ? n : 1);
    if (!input || fread(input, 1, n, f) != n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto done;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(input, n);
    rc = 0;
done:
    free(input);
    if (f)
        fclose(f);
    return rc;
}

static int skip(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int run_dir(const char *dir, size_t *count)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, skip, alphasort);
    int rc = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + 1 + strlen(names[i]->d_name) + 1;
        char *path = malloc(len);
        struct stat st;
        if (path) {
            snprintf(path, len, "%s/%s", dir, names[i]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(path) != 0)
                    rc = -1;
                else
                    (*count)++;
            }
        } else {
            rc = -1;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;
    struct stat st;

    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count) != 0)
                rc = -1;
        } else if (run_file(argv[i]) != 0) {
            rc = -1;
        } else {
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "usage: %s FILE|DIR...: no inputs found\n", argv[0]);
        return 1;
    }
    fprintf(stderr, "replay: %zu input(s) ran\n", count);
    return rc == 0 ? 0 : 1;
}
