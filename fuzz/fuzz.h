/*
 * Shared helpers of the fuzz targets. Each target is a libFuzzer entry point,
 * LLVMFuzzerTestOneInput, built two ways: linked with libFuzzer (clang, make fuzz) and linked with
 * replay_main.c (any compiler), which CTest uses to run the seed corpus in every build.
 *
 * A target aborts when the code under test breaks a promise it makes: a failure that leaves an
 * out-parameter set, a success that does not round-trip, an error without a message. Crashes,
 * leaks and undefined behaviour are the sanitizers' to report.
 */
#ifndef DDB_FUZZ_H
#define DDB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/*
 * A private copy of the input with no slack after it (so ASan sees any read past `size`), or with
 * a NUL after it when the API takes a C string. Returns NULL only when out of memory.
 */
static inline char *fuzz_copy(const uint8_t *data, size_t size, int nul_terminate)
{
    size_t n = size + (nul_terminate ? 1 : 0);
    char *p = malloc(n ? n : 1);
    if (!p)
        return NULL;
    if (size)
        memcpy(p, data, size);
    if (nul_terminate)
        p[size] = '\0';
    return p;
}

/* A failed call must say why: code set, a one-line message, bounded strings. */
static inline void fuzz_check_error(const ddb_error *err, int rc)
{
    FUZZ_CHECK(rc < 0);
    FUZZ_CHECK(err->code == rc);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
    FUZZ_CHECK(memchr(err->aws_type, '\0', sizeof(err->aws_type)) != NULL);
    FUZZ_CHECK(memchr(err->request_id, '\0', sizeof(err->request_id)) != NULL);
    FUZZ_CHECK(err->message[0] != '\0');
}

#endif
