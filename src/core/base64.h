/* Internal: base64 (standard, for Binary values on the wire) and base64url (for cursors). */
#ifndef DDB_BASE64_H
#define DDB_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/error.h"

/*
 * Encode len bytes. url_safe selects the URL alphabet ('-', '_') without padding; otherwise the
 * standard alphabet with padding. *out is NUL-terminated; the caller frees it with free().
 */
int ddb_base64__encode(char **out, const void *data, size_t len, bool url_safe, ddb_error *err);

/*
 * Decode, rejecting any character outside the chosen alphabet and bad padding
 * (DDB_ERR_INVALID_ARG). *out (caller frees) receives the bytes, *out_len their count. The buffer
 * is allocated even for empty input and has a NUL byte after the data.
 */
int ddb_base64__decode(unsigned char **out, size_t *out_len, const char *text, size_t len,
                       bool url_safe, ddb_error *err);

#endif
