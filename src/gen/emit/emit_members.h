/*
 * The access-pattern members of the generated repository as emit_repo.c generates them, for the
 * emitters that wrap them (the router): one emit_member per member that is generated, in
 * interface order (each entity's patterns, then the cross-table transactions). Include it from
 * emit_internal.h. Not a public interface.
 */
#ifndef DDBGEN_EMIT_MEMBERS_H
#define DDBGEN_EMIT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* What a member does, by the shape of its parameters. */
typedef enum emit_member_kind {
    EMIT_MEMBER_GET,         /* (out, found, args): GetItem, Query single_entity */
    EMIT_MEMBER_PAGE,        /* (out, args, page): Query/Scan entity_list */
    EMIT_MEMBER_BATCH_GET,   /* (out, keys, n_keys): BatchGetItem (out may be a mixed page) */
    EMIT_MEMBER_MIXED,       /* (out, args, page): Query/Scan mixed_data */
    EMIT_MEMBER_TX_GET,      /* (out, args): TransactGet */
    EMIT_MEMBER_UPDATE,      /* (out, found, args): UpdateItem single_entity, DeleteItem
                                single_entity (a write by key that returns the entity) */
    EMIT_MEMBER_PUT_OBJ,     /* (item, args): PutItem of an entity */
    EMIT_MEMBER_PUT_SCALAR,  /* (out, args): PutItem from scalars */
    EMIT_MEMBER_BATCH_WRITE, /* (items, n_items): BatchWriteItem */
    EMIT_MEMBER_FLAG,        /* (done or found, args): UpdateItem/DeleteItem success_flag or void,
                                and GetItem/Query/Scan success_flag (bool *found) */
    EMIT_MEMBER_TX_WRITE,    /* (args): TransactWrite */
} emit_member_kind;

#define EMIT_MEMBER_MAX_ENTITIES 100

typedef struct emit_member {
    emit_member_kind kind;
    const char *name;            /* the member: "<entity>__<pattern>", or the transaction's */
    const char *decl;            /* its parameter list, "(<ns>__repo *repo, ..., ddb_error *err)" */
    const char *args;            /* ", a, b": the arguments after the leading outputs (and
                                     before a page request), "" when none */
    const char *item;            /* PUT_OBJ: the entity parameter's name; else NULL */
    const ddbgen_entity *entity; /* NULL for transactions */
    bool partial;                /* the index does not project every field */
    bool exists;                 /* FLAG: a read (GetItem/Query/Scan success_flag): *done says
                                     whether a matching item exists */
    bool mixed;                  /* BATCH_GET: out is a <ns>__mixed_page (items of this
                                     entity's kind), not a page of the entity */
    size_t n_entity_params;      /* TX_WRITE/TX_GET: the entity parameters */
    struct {
        const char *name;
        const ddbgen_entity *entity;
    } entity_params[EMIT_MEMBER_MAX_ENTITIES];
    size_t n_keyless; /* TX_WRITE: entities keyed by scalar parameters (no entity to journal) */
    const ddbgen_entity *keyless[EMIT_MEMBER_MAX_ENTITIES];
} emit_member;

struct emitter;

/* Calls fn for every generated access-pattern member of the model, in interface order. The
 * member's strings live until fn returns. */
void emit_repo_pattern_members(struct emitter *E,
                               void (*fn)(struct emitter *E, const emit_member *m, void *ctx),
                               void *ctx);

/* The body ("{" to "}") of the DynamoDB implementation of e's access pattern ap, into out: the
 * relational implementation rewrites its runtime calls (emit_sql.c). */
void emit_repo_pattern_body(struct emitter *E, const ddbgen_entity *e,
                            const ddbgen_access_pattern *ap, ddbgen_buf *out);

/* The functions of the DynamoDB implementation of the transaction patterns, into out. */
void emit_repo_tx_impls(struct emitter *E, ddbgen_buf *out);

#endif
