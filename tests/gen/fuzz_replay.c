/*
 * A stand-in for libFuzzer's main: runs LLVMFuzzerTestOneInput once per file given (a directory
 * is read one level deep, in name order). Exits 0 when every input ran, 1 when one could not be
 * read or none was given; a bug aborts (under the sanitizers) or shows in valgrind.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_BYTES (4 * 1024 * 1024)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *input = NULL;
    size_t n;
    int rc = -1;

    if (!f || fstat(fileno(f), &st) != 0 || st.st_size > REPLAY_MAX_BYTES) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto done;
    }
    n = (size_t)st.st_size;
    /* Exactly n bytes, so that a read past the input is caught as under libFuzzer. */
    input = malloc(n ? n : 1);
    if (!input || fread(input, 1, n, f) != n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto done;
    }
    LLVMFuzzerTestOneInput(input, n);
    rc = 0;
done:
    free(input);
    if (f)
        fclose(f);
    return rc;
}

static int not_hidden(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct dirent **names = NULL;
            int n = scandir(argv[i], &names, not_hidden, alphasort);
            for (int k = 0; k < n; k++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                    failed |= run_file(path) != 0;
                    count++;
                }
                free(names[k]);
            }
            free(names);
        } else {
            failed |= run_file(argv[i]) != 0;
            count++;
        }
    }
    fprintf(stderr, "replay: %zu inputs\n", count);
    return failed || count == 0 ? 1 : 0;
}
