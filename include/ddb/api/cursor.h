/*
 * ddb/api/cursor.h - opaque, versioned, URL-safe pagination cursors for a LastEvaluatedKey.
 *
 * Thread safety: all functions are thread-safe; they share no state.
 *
 * A cursor is "c1.<payload>.<tag>": payload is the key's wire JSON (ddb_item_to_json) in
 * base64url without padding, tag the first 16 bytes of HMAC-SHA256 over the version, the context
 * and the JSON, also base64url. It only uses [A-Za-z0-9._-], so it can go into a URL as is.
 *
 * The payload is readable (base64 is not encryption): a cursor reveals the key of the last item
 * of the page. The tag makes it tamper-evident:
 *   - with key NULL a fixed built-in secret is used. That catches corruption and casual editing,
 *     but anyone can compute the tag, so it does not stop forgery;
 *   - a server that hands cursors to untrusted clients must pass its own secret key (at least 16
 *     random bytes, kept server-side), so a client can neither forge a start key nor edit one.
 * The context (e.g. "orders.by_customer:c-42") is covered by the tag too, so a cursor issued for
 * one query is rejected by another: pass the same context to encode and decode.
 */
#ifndef DDB_CURSOR_H
#define DDB_CURSOR_H

#include <stddef.h>

#include "ddb/core/error.h"
#include "ddb/core/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest cursor produced or accepted. Covers a GSI key of binary attributes with room left. */
#define DDB_CURSOR_MAX_LEN 16384
/* Shortest caller-supplied secret accepted. */
#define DDB_CURSOR_MIN_KEY_BYTES 16
/*
 * Most attributes a LastEvaluatedKey may have: a table's two plus a GSI's (up to four partition
 * and four sort key attributes with multi-attribute keys).
 */
#define DDB_CURSOR_MAX_KEY_ATTRIBUTES 10

/* The secret for the tag. The bytes are borrowed for the duration of a call. */
typedef struct ddb_cursor_key {
    const void *bytes;
    size_t len; /* at least DDB_CURSOR_MIN_KEY_BYTES */
} ddb_cursor_key;

/*
 * Encode a LastEvaluatedKey as a cursor.
 *   out                 receives the cursor, NUL-terminated; the caller frees it with free()
 *   last_evaluated_key  an M of 1 to DDB_CURSOR_MAX_KEY_ATTRIBUTES attributes of type S, N or B
 *                       (borrowed)
 *   context             binds the cursor to one query; NULL is the same as ""
 *   key                 the secret; NULL selects the built-in one (see above)
 * Returns 0; DDB_ERR_INVALID_ARG for a missing or unsuitable key value or a short secret;
 * DDB_ERR_LIMIT when the cursor would exceed DDB_CURSOR_MAX_LEN; DDB_ERR_NOMEM.
 */
DDB_API int ddb_cursor_encode(char **out, const ddb_value *last_evaluated_key, const char *context,
                              const ddb_cursor_key *key, ddb_error *err);

/*
 * Decode and verify a cursor made by ddb_cursor_encode with the same context and key.
 *   out      receives the key as an M value, ready for ExclusiveStartKey; the caller frees it
 *            with ddb_value_free
 *   cursor   untrusted text, NUL-terminated (borrowed)
 * Returns 0; DDB_ERR_CURSOR for anything wrong with the cursor (empty, too long, unknown
 * version, characters outside the alphabet, truncated, failed integrity check, malformed key),
 * with a message saying which; DDB_ERR_INVALID_ARG for a NULL cursor or a short secret;
 * DDB_ERR_NOMEM.
 */
DDB_API int ddb_cursor_decode(ddb_value **out, const char *cursor, const char *context,
                              const ddb_cursor_key *key, ddb_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DDB_CURSOR_H */
