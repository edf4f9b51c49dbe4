/*
 * Internal to core: the representation of a ddb_value, shared by value.c (building, reading,
 * comparing) and value_free.c (releasing). Releasing sits apart, below the error helpers, because
 * a ddb_error owns values (the item of a failed condition) and must free them when it is reset.
 */
#ifndef DDB_VALUE_INTERNAL_H
#define DDB_VALUE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/core/value.h"

/* Bytes with a NUL after them, so S, N and names can be handed out as C strings. */
typedef struct vbytes {
    char *data;
    size_t len;
} vbytes;

typedef struct vmap_entry {
    char *name;
    ddb_value *value;
} vmap_entry;

/*
 * Maps keep entries in insertion order. Past MAP_INDEX_MIN members an open-addressing index
 * (slot = entry position + 1, 0 = empty) keeps lookups O(1), so building a large map is not
 * quadratic. The index is only an accelerator: when it cannot be allocated it is dropped and
 * lookups scan.
 */
#define MAP_INDEX_MIN 16

typedef struct vmap {
    vmap_entry *entries;
    size_t n, cap;
    size_t *index;
    size_t index_cap; /* a power of two, at least twice n */
} vmap;

typedef struct vlist {
    ddb_value **items;
    size_t n, cap;
} vlist;

/*
 * Set members as given, plus the comparison key of each (the canonical form for NS; the member
 * itself otherwise) and the member order sorted by key, which makes duplicate detection and
 * order-insensitive equality O(n log n) and O(n).
 */
typedef struct vset {
    vbytes *members;
    char **canon; /* NS only */
    size_t *order;
    size_t n;
} vset;

struct ddb_value {
    ddb_type type;
    union {
        vbytes str; /* S, B */
        struct {
            char *text;
            char *canon; /* in text's allocation, after its NUL */
        } num;
        bool boolean;
        vmap m;
        vlist l;
        vset set;
    } u;
};

/* Free a set's members and reset it to empty. */
void ddb_value__set_clear(vset *s);

#endif
