/*
 * The migration router's policy (ddb/dal/route.h): one state machine that every generated
 * wrapper drives, and the repair loops over the model's entity types.
 */
#include "ddb/dal/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "dal/route_internal.h"

/* ---- the model's data ------------------------------------------------------------------------ */

static const ddb_route_entity *entity_of(const ddb_route *r, int kind)
{
    if (kind < 1 || (size_t)kind > r->model->n_entities)
        return NULL;
    return &r->model->entities[kind - 1];
}

/* The <ns>__kind of an entry of the model's entity table. */
static int kind_of(const ddb_route *r, const ddb_route_entity *e)
{
    return (int)(e - r->model->entities) + 1;
}

/* The <ns>__kind of a mixed item; its size is the compiler's choice for the enum. */
static int item_kind(const ddb_route_model *m, const char *item)
{
    unsigned char bytes[sizeof(long long)] = {0};
    size_t n = m->item_kind_size < sizeof bytes ? m->item_kind_size : sizeof bytes;
    memcpy(bytes, item + m->item_kind, n);
    if (n == sizeof(int)) {
        int k;
        memcpy(&k, bytes, sizeof k);
        return k;
    }
    if (n == sizeof(short)) {
        short k;
        memcpy(&k, bytes, sizeof k);
        return k;
    }
    if (n == 1)
        return (signed char)bytes[0];
    {
        long long k;
        memcpy(&k, bytes, sizeof k);
        return (int)k;
    }
}

static void mixed_page_clear(const ddb_route *r, void *page)
{
    const ddb_route_model *m = r->model;
    size_t n = ddb_route__page_count(page, &m->mixed_page);
    char *items = ddb_route__page_items(page, &m->mixed_page);
    for (size_t i = 0; items && i < n; i++) {
        char *item = items + i * m->item_size;
        const ddb_route_entity *e = entity_of(r, item_kind(m, item));
        if (e)
            ddb_entity_free(e->desc, item + m->item_as);
    }
    free(items);
    free(ddb_route__take_cursor(page, &m->mixed_page));
    memset(page, 0, m->mixed_page.size);
}

/* ---- phase 3: re-reads and comparison -------------------------------------------------------- */

typedef struct side_reader {
    ddb_route *r;
    const ddb_route_entity *e;
} side_reader;

/* ddb_router_get_fn over one entity type's get, timed and counted. */
static int read_side(void *ctx, ddb_router_side side, void *out,
                     bool *found, // NOLINT(readability-non-const-parameter): the callback's type
                     const void *key, ddb_error *err)
{
    const side_reader *s = ctx;
    void *repo = side == DDB_ROUTER_RELATIONAL ? s->r->rel : s->r->ddb;
    double t0 = ddb_router_now_ms();
    ddb_route_args a = {.out = out, .found = found, .key = key};
    int rc = s->r->model->storage(repo, kind_of(s->r, s->e), DDB_ROUTE_OP_GET, &a, err);
    double ms = ddb_router_now_ms() - t0;
    ddb_router_record(s->r->state, side, false, s->e->desc->name, ms, rc);
    if (side == DDB_ROUTER_DYNAMODB)
        ddb_router_secondary_time(s->r->state, s->e->desc->name, "get", ms);
    return rc;
}

/* Whether sample_by KEY compares obj (an entity of d): unknown keys are compared. */
static bool key_picked(const ddb_router_config *cfg, const ddb_entity_desc *d, const void *obj)
{
    int bucket = ddb_router_key_bucket(d, obj);
    return bucket < 0 || bucket < cfg->compare_percent;
}

/*
 * p[0..n_rel), entities of e from the relational side, against p[n_rel..n_rel+n_dyn) from
 * DynamoDB's; with sample_by KEY only the relational entities whose key is picked. The first
 * mismatch is described in report (may be NULL).
 */
static void check_entities(ddb_route *r, const ddb_route_entity *e, const void **p, size_t n_rel,
                           size_t n_dyn, ddb_error *report)
{
    side_reader reader = {r, e};
    ddb_router_config cfg;
    ddb_router_settings(r->state, &cfg);
    if (cfg.sample_by == DDB_ROUTER_SAMPLE_KEY) {
        size_t kept = 0;
        for (size_t i = 0; i < n_rel; i++)
            if (key_picked(&cfg, e->desc, p[i]))
                p[kept++] = p[i];
        memmove(p + kept, p + n_rel, n_dyn * sizeof *p);
        n_rel = kept;
    }
    if (n_rel)
        ddb_router_verify_page(r->state, e->desc, p, n_rel, p + n_rel, n_dyn, read_side, &reader,
                               report);
}

/* The relational page against DynamoDB's (NULL: none; every entity is then read by key). */
static void check_page(ddb_route *r, const ddb_route_entity *e, const void *rel, const void *dyn,
                       ddb_error *report)
{
    size_t n_rel = ddb_route__page_count(rel, &e->page),
           n_dyn = dyn ? ddb_route__page_count(dyn, &e->page) : 0;
    const char *ri = ddb_route__page_items(rel, &e->page),
               *di = dyn ? ddb_route__page_items(dyn, &e->page) : NULL;
    const void **p = malloc((n_rel + n_dyn + 1) * sizeof *p);
    if (!p) {
        ddb_router_logf(r->state, "cannot compare a page of %s: out of memory", e->desc->name);
        return;
    }
    for (size_t i = 0; i < n_rel; i++)
        p[i] = ri + i * e->desc->size;
    for (size_t i = 0; i < n_dyn; i++)
        p[n_rel + i] = di + i * e->desc->size;
    check_entities(r, e, p, n_rel, n_dyn, report);
    free(p);
}

/* A mixed page: each entity type's entities as a page of their own. */
static void check_mixed_page(ddb_route *r, const void *rel, const void *dyn, ddb_error *report)
{
    const ddb_route_model *m = r->model;
    size_t n_rel_all = ddb_route__page_count(rel, &m->mixed_page);
    size_t n_dyn_all = dyn ? ddb_route__page_count(dyn, &m->mixed_page) : 0;
    const char *ri = ddb_route__page_items(rel, &m->mixed_page);
    const char *di = dyn ? ddb_route__page_items(dyn, &m->mixed_page) : NULL;
    const void **p = malloc((n_rel_all + n_dyn_all + 1) * sizeof *p);
    if (!p) {
        ddb_router_logf(r->state, "cannot compare a mixed page: out of memory");
        return;
    }
    for (size_t k = 1; k <= m->n_entities; k++) {
        size_t n_rel = 0, n_dyn = 0;
        for (size_t i = 0; i < n_rel_all; i++)
            if ((size_t)item_kind(m, ri + i * m->item_size) == k)
                p[n_rel++] = ri + i * m->item_size + m->item_as;
        for (size_t i = 0; i < n_dyn_all; i++)
            if ((size_t)item_kind(m, di + i * m->item_size) == k)
                p[n_rel + n_dyn++] = di + i * m->item_size + m->item_as;
        check_entities(r, &m->entities[k - 1], p, n_rel, n_dyn, report);
    }
    free(p);
}

/* ---- one routed call ------------------------------------------------------------------------- */

static bool is_read(const ddb_route_member *m)
{
    return m->kind == DDB_ROUTE_READ || m->kind == DDB_ROUTE_GET || m->kind == DDB_ROUTE_PAGE;
}

static bool is_write(const ddb_route_member *m)
{
    return m->kind == DDB_ROUTE_MODEL ? (m->flags & DDB_ROUTE_F_WRITE) != 0 : !is_read(m);
}

static const char *entity_name(const ddb_route_call *c)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    return e ? e->desc->name : "model";
}

ddb_route_call ddb_route_start(ddb_route *r, const ddb_route_member *m, void *out, bool *found,
                               const void *arg, ddb_error *err)
{
    ddb_route_call c;
    memset(&c, 0, sizeof c);
    c.route = r;
    c.member = m;
    c.caller_out = out;
    c.caller_found = found;
    c.caller_err = err;
    c.arg = arg;
    /* the shared phase, re-read when its interval has passed; the call keeps it throughout */
    c.phase = ddb_router_poll_phase(r->state);
    return c;
}

/* The primary side for the phase: reads move to DynamoDB in phase 4, writes in phase 5. */
static ddb_router_side primary_side(const ddb_route_call *c)
{
    if (c->member->kind == DDB_ROUTE_MODEL || !is_read(c->member))
        return c->phase == 5 ? DDB_ROUTER_DYNAMODB : DDB_ROUTER_RELATIONAL;
    return c->phase >= 4 ? DDB_ROUTER_DYNAMODB : DDB_ROUTER_RELATIONAL;
}

/* Phase 5 with keep_relational: a write whose entities are then mirrored to the relational side. */
static bool reverse(const ddb_route_call *c)
{
    return c->phase == 5 && c->member->kind != DDB_ROUTE_MODEL && is_write(c->member) &&
           ddb_router__keeps_relational(c->route->state);
}

/* The versions DynamoDB's write must start from: those the relational call started from. */
static int save_versions(ddb_route_call *c)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    if (c->member->kind == DDB_ROUTE_UPDATE && e && ddb_entity__version_of(e->desc, c->updated))
        c->version_before = *ddb_entity__version_of(e->desc, c->updated);
    if (c->member->kind != DDB_ROUTE_MANY || !c->n_objects)
        return 0;
    c->versions = calloc(2 * c->n_objects, sizeof *c->versions);
    if (!c->versions)
        return ddb_dal__nomem(c->caller_err, "router versions");
    for (size_t i = 0; i < c->n_objects; i++) {
        const ddb_route_object *o = &c->objects[i];
        if (o->versioned && ddb_entity__version_of(o->desc, o->obj))
            c->versions[i] = *ddb_entity__version_of(o->desc, o->obj);
    }
    return 0;
}

/* Between the two writes: DynamoDB gets the versions from before, the caller those from after. */
static void swap_versions(ddb_route_call *c)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    if (c->member->kind == DDB_ROUTE_UPDATE && e && ddb_entity__version_of(e->desc, c->updated)) {
        int64_t *v = ddb_entity__version_of(e->desc, c->updated), after = *v;
        *v = c->version_before;
        c->version_before = after;
    }
    for (size_t i = 0; c->versions && i < c->n_objects; i++) {
        const ddb_route_object *o = &c->objects[i];
        int64_t *v = o->versioned ? ddb_entity__version_of(o->desc, o->obj) : NULL;
        if (v) {
            int64_t after = *v;
            *v = c->versions[i];
            c->versions[c->n_objects + i] = after;
        }
    }
}

static void restore_versions(ddb_route_call *c)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    if (c->member->kind == DDB_ROUTE_UPDATE && e && ddb_entity__version_of(e->desc, c->updated))
        *ddb_entity__version_of(e->desc, c->updated) = c->version_before;
    for (size_t i = 0; c->versions && i < c->n_objects; i++) {
        const ddb_route_object *o = &c->objects[i];
        int64_t *v = o->versioned ? ddb_entity__version_of(o->desc, o->obj) : NULL;
        if (v)
            *v = c->versions[c->n_objects + i];
    }
}

/* One intent entry per entity the write touches: its key, or a resync of its type. */
static void add_intent(ddb_router_intent_entry *e, ddb_value **key, const ddb_entity_desc *d,
                       const void *obj)
{
    e->kind = d->name;
    e->key = NULL;
    *key = NULL;
    /* a key the relational side assigns (an ID), or one in the parameters, is not known yet */
    if (obj && ddb_router_key_item(key, d, obj, NULL) == 0)
        e->key = *key;
}

/*
 * Before the primary write of a dual write: an fsync'd intent naming what it changes, so that a
 * process killed between the two writes leaves a journal entry (ddb_router_intent).
 */
static int write_intent(ddb_route_call *c, ddb_router_side source)
{
    const ddb_route_member *m = c->member;
    const ddb_route_entity *e = entity_of(c->route, m->entity);
    size_t n = m->kind == DDB_ROUTE_ITEMS  ? c->n_items
               : m->kind == DDB_ROUTE_MANY ? c->n_objects
                                           : 1;
    ddb_router_intent_entry *entries = calloc(n ? n : 1, sizeof *entries);
    ddb_value **keys = calloc(n ? n : 1, sizeof *keys);
    size_t used = 0;
    int rc;
    if (!entries || !keys) {
        free(entries);
        free(keys);
        return ddb_dal__nomem(c->caller_err, "router intent");
    }
    for (size_t i = 0; i < n; i++) {
        if (m->kind == DDB_ROUTE_MANY) {
            if (c->objects[i].desc)
                add_intent(&entries[used], &keys[used], c->objects[i].desc, c->objects[i].obj);
            else
                continue;
        } else if (m->kind == DDB_ROUTE_ITEMS) {
            add_intent(&entries[used], &keys[used], e->desc,
                       (const char *)c->arg + i * e->desc->size);
        } else {
            /* a create's key is the primary's to assign when the entity's IDs are allocated:
               the intent is then a resync of the type */
            bool keyed = (m->kind == DDB_ROUTE_WRITE || m->kind == DDB_ROUTE_UPDATE) &&
                         !(m->flags & DDB_ROUTE_F_SECONDARY) &&
                         !((m->flags & DDB_ROUTE_F_CREATE) && e->seeds_ids);
            add_intent(&entries[used], &keys[used], e->desc, keyed ? c->arg : NULL);
        }
        used++;
    }
    rc = ddb_router_intent_from(c->route->state, source, entries, used, &c->intent, c->caller_err);
    if (rc == 0)
        ddb_route__bulk_note(c->route, c->intent, entries, used);
    for (size_t i = 0; i < used; i++)
        ddb_value_free(keys[i]);
    free(entries);
    free(keys);
    return rc;
}

static void *primary(ddb_route_call *c)
{
    ddb_router_side side = primary_side(c);
    int rc = save_versions(c);
    if (rc == 0 && side == DDB_ROUTER_RELATIONAL && c->phase >= 2 && is_write(c->member) &&
        c->member->kind != DDB_ROUTE_MODEL)
        rc = write_intent(c, DDB_ROUTER_RELATIONAL);
    else if (rc == 0 && reverse(c))
        rc = write_intent(c, DDB_ROUTER_DYNAMODB);
    if (rc != 0) {
        c->result = rc;
        c->step = 3;
        return NULL;
    }
    c->out = c->caller_out;
    c->found = c->caller_found;
    c->err = c->caller_err;
    /* a flag's two answers are compared: the relational one is kept until then */
    if (c->member->kind == DDB_ROUTE_FLAG && side == DDB_ROUTER_RELATIONAL)
        c->found = &c->done_rel;
    c->t0 = ddb_router_now_ms();
    return side == DDB_ROUTER_RELATIONAL ? c->route->rel : c->route->ddb;
}

/*
 * sample_by KEY for a read: 1 when an entity it returned (or its key) is picked, 0 when none is,
 * -1 when no key is known (a get by parameters that found nothing).
 */
static int keyed_sample(ddb_route_call *c, const ddb_router_config *cfg)
{
    const ddb_route_model *m = c->route->model;
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    int known = -1;
    if (c->member->kind == DDB_ROUTE_GET) {
        const void *obj = c->arg                                ? c->arg
                          : c->caller_found && *c->caller_found ? c->caller_out
                                                                : NULL;
        int bucket = obj && e ? ddb_router_key_bucket(e->desc, obj) : -1;
        return bucket < 0 ? -1 : bucket < cfg->compare_percent;
    }
    if (c->member->flags & DDB_ROUTE_F_MIXED) {
        size_t n = ddb_route__page_count(c->caller_out, &m->mixed_page);
        const char *items = ddb_route__page_items(c->caller_out, &m->mixed_page);
        for (size_t i = 0; items && i < n; i++) {
            const char *item = items + i * m->item_size;
            const ddb_route_entity *ie = entity_of(c->route, item_kind(m, item));
            int bucket = ie ? ddb_router_key_bucket(ie->desc, item + m->item_as) : -1;
            if (bucket < 0 || bucket < cfg->compare_percent)
                return 1;
            known = 0;
        }
        return n ? known : 0;
    }
    if (e) {
        size_t n = ddb_route__page_count(c->caller_out, &e->page);
        const char *items = ddb_route__page_items(c->caller_out, &e->page);
        for (size_t i = 0; items && i < n; i++)
            if (key_picked(cfg, e->desc, items + i * e->desc->size))
                return 1;
    }
    return 0; /* an empty page has nothing of the relational side's to compare */
}

/* Phase 3: whether this read is compared (ddb_router_config.sample_by). */
static bool sampled(ddb_route_call *c)
{
    ddb_router_config cfg;
    int picked;
    ddb_router_settings(c->route->state, &cfg);
    if (cfg.sample_by != DDB_ROUTER_SAMPLE_KEY || cfg.compare_percent >= 100)
        return ddb_router_sample(c->route->state);
    if ((picked = keyed_sample(c, &cfg)) < 0)
        return ddb_router_sample(c->route->state);
    if (picked)
        ddb_router_count_compared(c->route->state);
    return picked != 0;
}

static bool wants_secondary(ddb_route_call *c)
{
    const ddb_route_member *m = c->member;
    if (c->rc != 0 || primary_side(c) != DDB_ROUTER_RELATIONAL || m->kind == DDB_ROUTE_MODEL ||
        m->kind == DDB_ROUTE_READ)
        return false;
    if (is_read(m))
        return c->phase == 3 && !(m->flags & DDB_ROUTE_F_PARTIAL) && sampled(c);
    if (c->phase == 1)
        return false;
    /* nothing was updated: nothing to repeat */
    return m->kind != DDB_ROUTE_UPDATE_FOUND || !c->caller_found || *c->caller_found;
}

/* A zeroed buffer for DynamoDB's answer: an entity, or a page (of the entity or mixed). */
static void *other_buffer(ddb_route_call *c, const ddb_route_entity *e)
{
    size_t size = e ? e->desc->size : 1;
    if (c->member->kind == DDB_ROUTE_PAGE)
        size = c->member->flags & DDB_ROUTE_F_MIXED ? c->route->model->mixed_page.size
               : e                                  ? e->page.size
                                                    : 1;
    return calloc(1, size ? size : 1);
}

static void free_other(ddb_route_call *c)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    if (!c->other)
        return;
    if (c->member->kind != DDB_ROUTE_PAGE)
        ddb_entity_free(e->desc, c->other);
    else if (c->member->flags & DDB_ROUTE_F_MIXED)
        mixed_page_clear(c->route, c->other);
    else
        ddb_route__page_clear(e, c->other);
    free(c->other);
    c->other = NULL;
}

/* The policy for a failed DynamoDB call after the relational one, in this call's phase. */
static ddb_router_failure_policy failure_policy(const ddb_route_call *c)
{
    ddb_router_config cfg;
    if (c->phase < 2 || c->phase > 4)
        return DDB_ROUTER_ON_FAILURE_JOURNAL;
    ddb_router_settings(c->route->state, &cfg);
    return cfg.on_secondary_failure[c->phase - 2];
}

/* After DynamoDB's call failed (logged, and a write journaled): FAIL and STOP. */
static void secondary_policy(ddb_route_call *c, int rc)
{
    ddb_router_failure_policy policy = failure_policy(c);
    const char *what = c->serr.message[0] ? c->serr.message : ddb_strerror(rc);
    if (policy == DDB_ROUTER_ON_FAILURE_FAIL) {
        ddb_error *err = c->caller_err;
        c->result = ddb_error_set(err, rc, "dynamodb %s.%s failed after the relational %s: %s",
                                  entity_name(c), c->member->name,
                                  is_write(c->member) ? "write (which stands)" : "read", what);
        if (err) {
            memcpy(err->aws_type, c->serr.aws_type, sizeof err->aws_type);
            memcpy(err->request_id, c->serr.request_id, sizeof err->request_id);
            err->http_status = c->serr.http_status;
            err->retryable = c->serr.retryable;
            err->throttling = c->serr.throttling;
        }
    } else if (policy == DDB_ROUTER_ON_FAILURE_STOP) {
        char why[640];
        snprintf(why, sizeof why, "dynamodb %s.%s failed: %s: %s", entity_name(c), c->member->name,
                 ddb_error_code_name(rc), what);
        ddb_router_fall_back(c->route->state, c->phase, why);
    }
}

/* The error of DynamoDB's write that after_secondary_write reported (0: none). */
static int secondary_write_error(const ddb_route_call *c, int rc)
{
    const ddb_route_member *m = c->member;
    switch (m->kind) {
    case DDB_ROUTE_WRITE:
    case DDB_ROUTE_UPDATE:
        return (m->flags & DDB_ROUTE_F_ABSENT_OK) && rc == DDB_ERR_ITEM_NOT_FOUND ? 0 : rc;
    case DDB_ROUTE_UPDATE_FOUND:
        return rc ? rc : c->other_found ? 0 : DDB_ERR_ITEM_NOT_FOUND;
    case DDB_ROUTE_FLAG:
        return rc ? rc : c->done_ddb != c->done_rel ? DDB_ERR_ITEM_NOT_FOUND : 0;
    case DDB_ROUTE_ITEMS:
    case DDB_ROUTE_MANY:
        return rc;
    default:
        return 0;
    }
}

static void compare_reads(ddb_route_call *c, int rc)
{
    const ddb_route_entity *e = entity_of(c->route, c->member->entity);
    ddb_error mismatch = DDB_ERROR_INIT;
    ddb_router_config cfg;
    ddb_error *report;
    if (rc != 0) {
        ddb_router_logf(c->route->state, "dual read of %s.%s failed on dynamodb: %s: %s",
                        entity_name(c), c->member->name, ddb_error_code_name(rc), c->serr.message);
        secondary_policy(c, rc);
        return;
    }
    ddb_router_settings(c->route->state, &cfg);
    report = cfg.fail_on_mismatch ? &mismatch : NULL;
    if (c->member->kind == DDB_ROUTE_GET) {
        side_reader reader = {c->route, e};
        bool found = c->caller_found && *c->caller_found;
        ddb_router_verify(c->route->state, e->desc, found ? c->caller_out : NULL,
                          c->other_found ? c->other : NULL, c->arg, read_side, &reader, report);
    } else if (c->member->flags & DDB_ROUTE_F_MIXED) {
        check_mixed_page(c->route, c->caller_out, c->other, report);
    } else {
        check_page(c->route, e, c->caller_out, c->other, report);
    }
    /* the output stays filled: the caller frees it as after a success */
    if (mismatch.code != 0 && c->result == 0)
        c->result = ddb_error_set(c->caller_err, DDB_ERR_MISMATCH, "%s", mismatch.message);
    ddb_error_clear(&mismatch);
}

/* Sets up DynamoDB's call after the relational one; NULL when there is none to make. */
static void *secondary(ddb_route_call *c)
{
    const ddb_route_member *m = c->member;
    const ddb_route_entity *e = entity_of(c->route, m->entity);
    c->err = &c->serr;
    c->secondary = true;
    c->found = m->kind == DDB_ROUTE_FLAG ? &c->done_ddb : c->caller_found;
    if (m->kind == DDB_ROUTE_PAGE && (m->flags & DDB_ROUTE_F_PAGED) && c->arg) {
        /* a cursor is the relational side's: DynamoDB's entities are read by key instead */
        const char *cursor;
        memcpy(&cursor, (const char *)c->arg + c->route->model->request_cursor, sizeof cursor);
        if (cursor) {
            compare_reads(c, 0);
            return NULL;
        }
    }
    if (m->kind == DDB_ROUTE_GET || m->kind == DDB_ROUTE_PAGE ||
        m->kind == DDB_ROUTE_UPDATE_FOUND) {
        if (!(c->other = other_buffer(c, e))) {
            ddb_router_logf(c->route->state, "cannot route %s.%s on dynamodb: out of memory",
                            entity_name(c), m->name);
            return NULL;
        }
        c->out = c->other;
        c->found = m->kind == DDB_ROUTE_PAGE ? NULL : &c->other_found;
    }
    swap_versions(c);
    c->t0 = ddb_router_now_ms();
    return c->route->ddb;
}

/* After DynamoDB's write: its failure is logged, counted and journaled. */
static void after_secondary_write(ddb_route_call *c, int rc)
{
    const ddb_route_member *m = c->member;
    const ddb_route_entity *e = entity_of(c->route, m->entity);
    ddb_router *state = c->route->state;
    switch (m->kind) {
    case DDB_ROUTE_WRITE:
    case DDB_ROUTE_UPDATE:
        if (rc != 0 && !((m->flags & DDB_ROUTE_F_ABSENT_OK) && rc == DDB_ERR_ITEM_NOT_FOUND))
            ddb_router_write_failed(state, e->desc, m->name, c->arg, rc, &c->serr);
        break;
    case DDB_ROUTE_UPDATE_FOUND:
        if (rc != 0 || !c->other_found)
            ddb_router_write_failed(state, e->desc, m->name, c->caller_out,
                                    rc ? rc : DDB_ERR_ITEM_NOT_FOUND, rc ? &c->serr : NULL);
        break;
    case DDB_ROUTE_FLAG:
        /* the key is in the parameters, not an entity: a resync of the type repairs it */
        if (rc != 0 || c->done_ddb != c->done_rel)
            ddb_router_secondary_failed(state, e->desc->name, m->name, NULL,
                                        rc ? rc : DDB_ERR_ITEM_NOT_FOUND, rc ? &c->serr : NULL);
        break;
    case DDB_ROUTE_ITEMS:
        for (size_t i = 0; rc != 0 && i < c->n_items; i++)
            ddb_router_write_failed(state, e->desc, m->name,
                                    (const char *)c->arg + i * e->desc->size, rc, &c->serr);
        break;
    case DDB_ROUTE_MANY:
        for (size_t i = 0; rc != 0 && i < c->n_objects; i++)
            if (c->objects[i].desc)
                ddb_router_write_failed(state, c->objects[i].desc, m->name, c->objects[i].obj, rc,
                                        &c->serr);
        break;
    default:
        break;
    }
    restore_versions(c);
}

/* The entity type of desc in the model; NULL when it is not one of the model's. */
static const ddb_route_entity *entity_by_desc(const ddb_route *r, const ddb_entity_desc *d)
{
    for (size_t i = 0; d && i < r->model->n_entities; i++)
        if (r->model->entities[i].desc == d)
            return &r->model->entities[i];
    return NULL;
}

/*
 * A phase 5 write whose key the router does not know (a write by key parameters): the type is
 * journaled for a resync from DynamoDB, which the next replay (or the way back) applies. Not a
 * failure; without a journal it is one, as the relational side then falls behind.
 */
static void defer_resync(ddb_route_call *c, const ddb_route_entity *e)
{
    ddb_error err = DDB_ERROR_INIT;
    int rc = ddb_router_journal_append_from(c->route->state, DDB_ROUTER_DYNAMODB, e->desc->name,
                                            NULL, &err);
    if (rc == 0)
        ddb_router_logf(c->route->state,
                        "relational mirror deferred: %s.%s: key unknown, resync journaled",
                        e->desc->name, c->member->name);
    else
        ddb_router_relational_failed(c->route->state, e->desc->name, c->member->name, NULL, rc,
                                     &err);
    ddb_error_clear(&err);
}

/*
 * Phase 5 with keep_relational, after DynamoDB's write: the entity obj of e read back from
 * DynamoDB and mirrored to the relational side (removed there when DynamoDB has none). A
 * failure is logged, counted and journaled "from":"dynamodb" (a resync when obj's key is not
 * known), and DynamoDB's result stands.
 */
static void mirror_back(ddb_route_call *c, const ddb_route_entity *e, const void *obj)
{
    ddb_route *r = c->route;
    const char *op = c->member->name;
    ddb_value *key = NULL;
    ddb_error err = DDB_ERROR_INIT;
    void *got = NULL;
    bool found = false;
    double t0;
    int rc;
    if (!obj || ddb_router_key_item(&key, e->desc, obj, NULL) != 0) {
        defer_resync(c, e);
        return;
    }
    if (!(got = calloc(1, e->desc->size ? e->desc->size : 1))) {
        rc = ddb_dal__nomem(&err, "router mirror");
    } else {
        ddb_route_args a = {.out = got, .found = &found, .key = obj};
        t0 = ddb_router_now_ms();
        rc = r->model->storage(r->ddb, kind_of(r, e), DDB_ROUTE_OP_GET, &a, &err);
        ddb_router_record(r->state, DDB_ROUTER_DYNAMODB, false, e->desc->name,
                          ddb_router_now_ms() - t0, rc);
    }
    if (rc == 0) {
        ddb_route_args a = {.value = found ? got : NULL, .key = obj};
        t0 = ddb_router_now_ms();
        rc = r->model->storage(r->rel, kind_of(r, e), DDB_ROUTE_OP_MIRROR, &a, &err);
        ddb_router_record(r->state, DDB_ROUTER_RELATIONAL, true, e->desc->name,
                          ddb_router_now_ms() - t0, rc);
    }
    if (rc != 0)
        ddb_router_relational_failed(r->state, e->desc->name, op, key, rc, &err);
    if (got) {
        ddb_entity_free(e->desc, got);
        free(got);
    }
    ddb_value_free(key);
    ddb_error_clear(&err);
}

/* Every entity the phase 5 write touched, mirrored back (see mirror_back). */
static void mirror_written(ddb_route_call *c)
{
    const ddb_route_member *m = c->member;
    const ddb_route_entity *e = entity_of(c->route, m->entity);
    switch (m->kind) {
    case DDB_ROUTE_WRITE:
    case DDB_ROUTE_UPDATE:
        mirror_back(c, e, c->arg);
        break;
    case DDB_ROUTE_UPDATE_FOUND:
        if (c->caller_found && *c->caller_found)
            mirror_back(c, e, c->caller_out);
        break;
    case DDB_ROUTE_FLAG:
        /* the key is in the parameters: the next replay resyncs the type */
        if (c->caller_found && *c->caller_found)
            defer_resync(c, e);
        break;
    case DDB_ROUTE_ITEMS:
        for (size_t i = 0; i < c->n_items; i++)
            mirror_back(c, e, (const char *)c->arg + i * e->desc->size);
        break;
    case DDB_ROUTE_MANY:
        for (size_t i = 0; i < c->n_objects; i++) {
            const ddb_route_entity *oe = entity_by_desc(c->route, c->objects[i].desc);
            if (oe)
                mirror_back(c, oe, c->objects[i].obj);
        }
        break;
    default:
        break;
    }
}

void *ddb_route_next(ddb_route_call *c)
{
    void *side;
    switch (c->step++) {
    case 0:
        return primary(c);
    case 1:
        ddb_router_record(c->route->state, primary_side(c), is_write(c->member), entity_name(c),
                          ddb_router_now_ms() - c->t0, c->rc);
        c->result = c->rc;
        if (c->member->kind == DDB_ROUTE_FLAG && c->found == &c->done_rel && c->rc == 0 &&
            c->caller_found)
            *c->caller_found = c->done_rel;
        if (reverse(c)) {
            if (c->rc == 0)
                mirror_written(c);
            /* as below: an unknown outcome keeps the intent open for the next replay */
            if (c->rc != DDB_ERR_NETWORK && c->rc != DDB_ERR_TIMEOUT)
                ddb_router_intent_done(c->route->state, c->intent);
            c->step = 3;
            return NULL;
        }
        if (!wants_secondary(c)) {
            /* Nothing was written to the relational side, or nothing follows. A lost connection
               or a timeout leaves it unknown whether the relational write committed: the intent
               stays open, and the next replay copies whatever the relational side holds. */
            if (c->rc != DDB_ERR_NETWORK && c->rc != DDB_ERR_TIMEOUT)
                ddb_router_intent_done(c->route->state, c->intent);
            c->step = 3;
            return NULL;
        }
        if (!(side = secondary(c))) {
            c->step = 3;
            return NULL;
        }
        c->rc = 0;
        return side;
    case 2: {
        double ms = ddb_router_now_ms() - c->t0;
        int failed;
        ddb_router_record(c->route->state, DDB_ROUTER_DYNAMODB, is_write(c->member), entity_name(c),
                          ms, c->rc);
        ddb_router_secondary_time(c->route->state, entity_name(c), c->member->name, ms);
        if (is_read(c->member)) {
            compare_reads(c, c->rc);
            return NULL;
        }
        failed = secondary_write_error(c, c->rc);
        after_secondary_write(c, c->rc);
        /* a failure has its own journal line by now */
        ddb_router_intent_done(c->route->state, c->intent);
        if (failed)
            secondary_policy(c, failed);
        return NULL;
    }
    default:
        return NULL;
    }
}

int ddb_route_end(ddb_route_call *c)
{
    ddb_route__bulk_done(c->route, c->intent);
    free_other(c);
    free(c->versions);
    c->versions = NULL;
    ddb_error_clear(&c->serr);
    return c->result;
}

/* How each storage member is routed; the entity is the call's. */
static const ddb_route_member storage_members[] = {
    [DDB_ROUTE_OP_CREATE] = {"create", DDB_ROUTE_WRITE, 0, DDB_ROUTE_F_CREATE},
    [DDB_ROUTE_OP_GET] = {"get", DDB_ROUTE_GET, 0, 0},
    [DDB_ROUTE_OP_UPDATE] = {"update", DDB_ROUTE_UPDATE, 0, 0},
    /* already absent on DynamoDB (delete_missing "not_found") is what was wanted */
    [DDB_ROUTE_OP_DELETE] = {"delete", DDB_ROUTE_WRITE, 0, DDB_ROUTE_F_ABSENT_OK},
    [DDB_ROUTE_OP_LIST] = {"list", DDB_ROUTE_PAGE, 0, DDB_ROUTE_F_PAGED},
    [DDB_ROUTE_OP_MIRROR] = {"mirror", DDB_ROUTE_WRITE, 0, 0},
};

int ddb_route_storage(ddb_route *r, int kind, ddb_route_op op, const ddb_route_args *a,
                      ddb_error *err)
{
    ddb_route_member m;
    ddb_route_call c;
    const void *arg;
    if (!r || !a || !entity_of(r, kind) || op < DDB_ROUTE_OP_CREATE || op > DDB_ROUTE_OP_MIRROR)
        return DDB_ERR_INVALID_ARG;
    m = storage_members[op];
    m.entity = kind;
    arg = op == DDB_ROUTE_OP_CREATE || op == DDB_ROUTE_OP_UPDATE ? a->obj
          : op == DDB_ROUTE_OP_LIST                              ? a->request
                                                                 : a->key;
    c = ddb_route_start(r, &m, a->out, a->found, arg, err);
    if (op == DDB_ROUTE_OP_UPDATE)
        c.updated = a->obj;
    for (void *side; (side = ddb_route_next(&c)) != NULL;) {
        ddb_route_args on_side = *a;
        on_side.out = c.out;
        on_side.found = c.found;
        c.rc = r->model->storage(side, kind, op, &on_side, c.err);
    }
    return ddb_route_end(&c);
}

/* ---- the router ------------------------------------------------------------------------------ */

/* Before phase 5: DynamoDB's ID counters continue above the highest relational ID. */
static int seed_ids(ddb_route *r, ddb_error *err)
{
    for (size_t i = 0; i < r->model->n_entities; i++) {
        const ddb_route_entity *e = &r->model->entities[i];
        int64_t max = 0;
        int rc;
        if (!e->seeds_ids)
            continue;
        rc = r->model->max_id(r->rel, (int)i + 1, &max, err);
        if (rc == DDB_ERR_INVALID_ARG) {
            /* not an integer ID: nothing to continue */
            ddb_router_logf(r->state, "%s IDs are not integers: not seeded", e->desc->name);
            continue;
        }
        if (rc == 0)
            rc = r->model->seed_id(r->ddb, (int)i + 1, max, err);
        if (rc != 0) {
            ddb_router_logf(r->state, "phase 5 refused: seeding %s IDs: %s", e->desc->name,
                            ddb_error_code_name(rc));
            return rc;
        }
        ddb_router_logf(r->state, "%s IDs continue above %lld", e->desc->name, (long long)max);
    }
    return 0;
}

static const char *kind_name(ddb_field_kind k)
{
    switch (k) {
    case DDB_FIELD_STRING:
        return "string";
    case DDB_FIELD_INT64:
        return "integer";
    case DDB_FIELD_DECIMAL:
        return "decimal";
    case DDB_FIELD_BOOL:
        return "boolean";
    case DDB_FIELD_UUID:
        return "uuid";
    default:
        return "value";
    }
}

/* Whether rule's cleaner applies to a field of kind k ("" when it does, else what it needs). */
static const char *rule_needs(ddb_router_field_action a, ddb_field_kind k)
{
    bool text = k == DDB_FIELD_STRING || k == DDB_FIELD_UUID || k == DDB_FIELD_VALUE;
    bool number = k == DDB_FIELD_INT64 || k == DDB_FIELD_DECIMAL || k == DDB_FIELD_VALUE;
    if ((a == DDB_ROUTER_TRIM || a == DDB_ROUTER_CASEFOLD || a == DDB_ROUTER_ROUND_TIME) && !text)
        return "a string field";
    if (a == DDB_ROUTER_NUMBER_SCALE && !number)
        return "a number field";
    return "";
}

static const char *const action_names[] = {
    [DDB_ROUTER_IGNORE] = "IGNORE",
    [DDB_ROUTER_TRIM] = "TRIM",
    [DDB_ROUTER_CASEFOLD] = "CASEFOLD",
    [DDB_ROUTER_ROUND_TIME] = "ROUND_TIME",
    [DDB_ROUTER_NUMBER_SCALE] = "NUMBER_SCALE",
    [DDB_ROUTER_EQUAL_FN] = "EQUAL_FN",
};

/*
 * Rule i against entity d: 1 when d has the field and the rule fits it, 0 when d has no such
 * field, or DDB_ERR_INVALID_ARG naming the rule.
 */
static int rule_fits(const ddb_router_field_rule *f, size_t i, const ddb_entity_desc *d,
                     ddb_error *err)
{
    const char *entity = f->entity ? f->entity : "*";
    for (size_t j = 0; j < d->n_fields; j++) {
        const char *needs;
        if (strcmp(d->fields[j].name, f->field) != 0)
            continue;
        needs = rule_needs(f->action, d->fields[j].kind);
        if (needs[0])
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): %s needs %s; %s.%s is a %s", i,
                                 entity, f->field, action_names[f->action], needs, d->name,
                                 f->field, kind_name(d->fields[j].kind));
        return 1;
    }
    if (d->version_attribute && strcmp(d->version_attribute, f->field) == 0) {
        if (f->action != DDB_ROUTER_IGNORE)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): the version attribute can only "
                                 "be ignored, not %s",
                                 i, entity, f->field, action_names[f->action]);
        return 1;
    }
    return 0;
}

/* The rules' entity and field names against the model (the router state has no schema). */
static int check_rules(const ddb_route_model *m, const ddb_router_config *cfg, ddb_error *err)
{
    for (size_t i = 0; cfg->version >= 3 && i < cfg->n_field_rules; i++) {
        const ddb_router_field_rule *f = &cfg->field_rules[i];
        size_t having = 0;
        bool entity_known = !f->entity;
        for (size_t k = 0; k < m->n_entities; k++) {
            const ddb_entity_desc *d = m->entities[k].desc;
            int fits;
            if (f->entity && strcmp(f->entity, d->name) != 0)
                continue;
            entity_known = true;
            if ((fits = rule_fits(f, i, d, err)) < 0)
                return fits;
            having += (size_t)fits;
        }
        if (!entity_known)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): the model has no entity %s", i,
                                 f->entity, f->field, f->entity);
        if (!having && f->entity)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): %s has no field %s", i, f->entity,
                                 f->field, f->entity, f->field);
        if (!having)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (*.%s): no entity of the model has a "
                                 "field %s",
                                 i, f->field, f->field);
    }
    return 0;
}

int ddb_route_init(ddb_route *r, const ddb_route_model *m, void *rel, void *ddb,
                   const ddb_router_config *cfg, ddb_error *err)
{
    ddb_router_config c;
    int rc;
    if (!r || !m || !rel || !ddb || !cfg)
        return DDB_ERR_INVALID_ARG;
    memset(r, 0, sizeof *r);
    c = *cfg;
    c.name = m->name;
    if ((rc = ddb_router_new(&r->state, &c, err)) != 0)
        return rc;
    /* after ddb_router_new, which checked what needs no model (a rule's field is set) */
    if ((rc = check_rules(m, &c, err)) != 0) {
        ddb_router_free(r->state);
        r->state = NULL;
        return rc;
    }
    r->rel = rel;
    r->ddb = ddb;
    r->model = m;
    if ((rc = ddb_route__bulk_new(r, err)) != 0) {
        ddb_route_fini(r);
        return rc;
    }
    if (ddb_router_phase(r->state) == 5 && (rc = seed_ids(r, err)) != 0) {
        ddb_route_fini(r);
        return rc;
    }
    return 0;
}

void ddb_route_fini(ddb_route *r)
{
    if (!r)
        return;
    ddb_router_free(r->state);
    ddb_route__bulk_free(r);
    memset(r, 0, sizeof *r);
}

/*
 * Before leaving phase 5: the relational side's IDs continue above every ID DynamoDB handed out.
 * An insert with an explicit ID moves SQLite's AUTOINCREMENT and MariaDB's AUTO_INCREMENT on
 * by itself, but not a PostgreSQL sequence; and DynamoDB's counter may be ahead of its items.
 */
static int seed_relational_ids(ddb_route *r, ddb_error *err)
{
    for (size_t i = 0; i < r->model->n_entities; i++) {
        const ddb_route_entity *e = &r->model->entities[i];
        int64_t max = 0;
        int rc;
        if (!e->seeds_ids)
            continue;
        rc = r->model->max_id(r->ddb, (int)i + 1, &max, err);
        if (rc == DDB_ERR_INVALID_ARG) {
            ddb_router_logf(r->state, "%s IDs are not integers: not seeded", e->desc->name);
            continue;
        }
        if (rc == 0)
            rc = r->model->seed_id(r->rel, (int)i + 1, max, err);
        if (rc != 0) {
            ddb_router_logf(r->state, "leaving phase 5 refused: seeding relational %s IDs: %s",
                            e->desc->name, ddb_error_code_name(rc));
            return rc;
        }
        ddb_router_logf(r->state, "relational %s IDs continue above %lld", e->desc->name,
                        (long long)max);
    }
    return 0;
}

int ddb_route_set_phase(ddb_route *r, int phase, ddb_error *err)
{
    int rc = 0;
    if (!r || !r->state)
        return DDB_ERR_INVALID_ARG;
    ddb_router_lock_switch(r->state);
    /* the shared phase as it is now: another process may have switched it */
    ddb_router_poll_phase(r->state);
    if (phase == 5 && ddb_router_phase(r->state) != 5)
        rc = seed_ids(r, err);
    /* the way back: what phase 5 failed to mirror is copied over before the relational side
       takes writes again, and its IDs move above DynamoDB's */
    if (rc == 0 && phase >= 1 && phase < 5 && ddb_router_phase(r->state) == 5 &&
        ddb_router__keeps_relational(r->state)) {
        size_t replayed = 0;
        if ((rc = ddb_route_replay(r, &replayed, err)) != 0)
            ddb_router_logf(r->state, "leaving phase 5 refused: the replay failed: %s",
                            ddb_error_code_name(rc));
        if (rc == 0)
            rc = seed_relational_ids(r, err);
    }
    if (rc == 0)
        rc = ddb_router_set_phase(r->state, phase, err);
    ddb_router_unlock_switch(r->state);
    return rc;
}

/* ---- repair: replay, backfill, compare_all --------------------------------------------------- */

#define REPAIR_PAGE 100

static int get(ddb_route *r, void *side, const ddb_route_entity *e, void *out,
               bool *found, // NOLINT(readability-non-const-parameter): the member writes it
               const void *key, ddb_error *err)
{
    ddb_route_args a = {.out = out, .found = found, .key = key};
    return r->model->storage(side, kind_of(r, e), DDB_ROUTE_OP_GET, &a, err);
}

/* Which way a copy goes: the entities read on one side are written on the other. */
typedef struct direction {
    void *from;
    void *to;
} direction;

static direction towards_dynamodb(const ddb_route *r)
{
    return (direction){r->rel, r->ddb};
}

static direction towards_relational(const ddb_route *r)
{
    return (direction){r->ddb, r->rel};
}

/* The entity of key on side to made equal to value (NULL: removed). */
static int mirror(ddb_route *r, void *to, const ddb_route_entity *e, const void *value,
                  const void *key, ddb_error *err)
{
    ddb_route_args a = {.value = value, .key = key};
    return r->model->storage(to, kind_of(r, e), DDB_ROUTE_OP_MIRROR, &a, err);
}

/* Calls fn on every page of e's entities on one side, in the side's order. */
typedef int (*page_fn)(ddb_route *r, const ddb_route_entity *e, const char *items, size_t n,
                       void *ctx, ddb_error *err);

static int each_page(ddb_route *r, const ddb_route_entity *e, void *side, page_fn fn, void *ctx,
                     ddb_error *err)
{
    char *cursor = NULL;
    void *page = calloc(1, e->page.size ? e->page.size : 1);
    int rc = 0;
    if (!page)
        return ddb_dal__nomem(err, "router page");
    do {
        ddb_route_args a = {.out = page, .cursor = cursor, .limit = REPAIR_PAGE};
        rc = r->model->storage(side, kind_of(r, e), DDB_ROUTE_OP_LIST, &a, err);
        free(cursor);
        cursor = NULL;
        if (rc == 0)
            rc = fn(r, e, ddb_route__page_items(page, &e->page),
                    ddb_route__page_count(page, &e->page), ctx, err);
        if (rc == 0) {
            /* the cursor outlives the page it came from */
            cursor = ddb_route__take_cursor(page, &e->page);
        }
        ddb_route__page_clear(e, page);
    } while (rc == 0 && cursor);
    free(cursor);
    free(page);
    return rc;
}

/* Copies a page read on the direction's source (ctx) to its destination. */
static int mirror_page(ddb_route *r, const ddb_route_entity *e, const char *items, size_t n,
                       void *ctx, ddb_error *err)
{
    const direction *d = ctx;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = mirror(r, d->to, e, items + i * e->desc->size, items + i * e->desc->size, err);
    return rc;
}

/* Removes the entities of a page read on the destination (ctx) that the source lacks. */
static int remove_extras(ddb_route *r, const ddb_route_entity *e, const char *items, size_t n,
                         void *ctx, ddb_error *err)
{
    const direction *d = ctx;
    int rc = 0;
    void *source = calloc(1, e->desc->size ? e->desc->size : 1);
    if (!source)
        return ddb_dal__nomem(err, "router sync");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *copy = items + i * e->desc->size;
        bool found = false;
        rc = get(r, d->from, e, source, &found, copy, err);
        if (rc == 0 && !found)
            rc = mirror(r, d->to, e, NULL, copy, err);
        ddb_entity_free(e->desc, source);
    }
    free(source);
    return rc;
}

/* The destination's entities of e made equal to the source's (and nothing more, with extras). */
static int sync_entity(ddb_route *r, const ddb_route_entity *e, direction d, bool extras,
                       ddb_error *err)
{
    int rc = each_page(r, e, d.from, mirror_page, &d, err);
    if (rc == 0 && extras)
        rc = each_page(r, e, d.to, remove_extras, &d, err);
    return rc;
}

/* One journal entry: its key's entity copied from the source to the destination (key NULL:
 * all of e's entities). */
static int replay_one(ddb_route *r, const ddb_route_entity *e, direction d,
                      const ddb_value *key_item, ddb_error *err)
{
    size_t size = e->desc->size ? e->desc->size : 1;
    void *key, *source;
    bool found = false;
    int rc;
    if (!key_item)
        return sync_entity(r, e, d, true, err);
    key = calloc(1, size);
    source = calloc(1, size);
    if (!key || !source)
        rc = ddb_dal__nomem(err, "router replay");
    else
        rc = ddb_router_key_fill(key, e->desc, key_item, err);
    if (rc == 0)
        rc = get(r, d.from, e, source, &found, key, err);
    if (rc == 0)
        rc = mirror(r, d.to, e, found ? source : NULL, key, err);
    if (key)
        ddb_entity_free(e->desc, key);
    if (source)
        ddb_entity_free(e->desc, source);
    free(key);
    free(source);
    return rc;
}

int ddb_route_replay(ddb_route *r, size_t *replayed, ddb_error *err)
{
    ddb_router_journal j = {0, NULL, 0, 0};
    int rc;
    if (!r || !r->state)
        return DDB_ERR_INVALID_ARG;
    rc = ddb_router_journal_load(&j, r->state, err);
    for (size_t i = 0; rc == 0 && i < j.n; i++) {
        const ddb_route_entity *e = NULL;
        for (size_t k = 0; k < r->model->n_entities && !e; k++)
            if (strcmp(j.entries[i].kind, r->model->entities[k].desc->name) == 0)
                e = &r->model->entities[k];
        if (!e)
            rc = DDB_ERR_PROTOCOL;
        else
            rc = replay_one(r, e,
                            j.entries[i].source == DDB_ROUTER_DYNAMODB ? towards_relational(r)
                                                                       : towards_dynamodb(r),
                            j.entries[i].key, err);
        if (rc != 0)
            ddb_router_logf(r->state, "replay of journal entry %zu (%s) failed: %s", i + 1,
                            j.entries[i].kind, e ? ddb_error_code_name(rc) : "unknown entity type");
    }
    /* the journal shrinks only when all of it went through: a rerun is harmless */
    if (rc == 0)
        rc = ddb_router_journal_consume(r->state, &j, err);
    if (rc == 0) {
        ddb_router_logf(r->state, "replayed %zu journal entries", j.n);
        if (replayed)
            *replayed = j.n;
    }
    ddb_router_journal_clear(&j);
    return rc;
}

static int backfill_serial(ddb_route *r, ddb_error *err)
{
    int rc = 0;
    if (!r || !r->state)
        return DDB_ERR_INVALID_ARG;
    for (size_t i = 0; rc == 0 && i < r->model->n_entities; i++)
        rc = sync_entity(r, &r->model->entities[i], towards_dynamodb(r), false, err);
    return rc;
}

typedef struct compare_ctx {
    bool from_relational; /* the page is the relational side's */
    size_t differences;
} compare_ctx;

static int compare_page(ddb_route *r, const ddb_route_entity *e, const char *items, size_t n,
                        void *ctx_, ddb_error *err)
{
    compare_ctx *ctx = ctx_;
    void *other = ctx->from_relational ? r->ddb : r->rel;
    void *got = calloc(1, e->desc->size ? e->desc->size : 1);
    int rc = 0;
    if (!got)
        return ddb_dal__nomem(err, "router compare");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *obj = items + i * e->desc->size;
        bool found = false;
        rc = get(r, other, e, got, &found, obj, err);
        /* the relational side's against DynamoDB's, then DynamoDB's missing on the left */
        if (rc == 0 && ctx->from_relational)
            ctx->differences +=
                ddb_router_compare(r->state, e->desc, obj, found ? got : NULL, NULL) == 1;
        else if (rc == 0 && !found)
            ctx->differences += ddb_router_compare(r->state, e->desc, NULL, obj, NULL) == 1;
        ddb_entity_free(e->desc, got);
    }
    free(got);
    return rc;
}

static int compare_all_serial(ddb_route *r, size_t *differences, ddb_error *err)
{
    compare_ctx ctx = {true, 0};
    int rc = 0;
    if (!r || !r->state)
        return DDB_ERR_INVALID_ARG;
    for (size_t i = 0; rc == 0 && i < r->model->n_entities; i++) {
        const ddb_route_entity *e = &r->model->entities[i];
        ctx.from_relational = true;
        rc = each_page(r, e, r->rel, compare_page, &ctx, err);
        ctx.from_relational = false;
        if (rc == 0)
            rc = each_page(r, e, r->ddb, compare_page, &ctx, err);
    }
    if (rc == 0) {
        ddb_router_logf(r->state, "compare_all: %zu differences", ctx.differences);
        if (differences)
            *differences = ctx.differences;
    }
    return rc;
}

int ddb_route_backfill_with(ddb_route *r, const ddb_route_bulk_options *opts,
                            ddb_route_bulk_stats *stats, ddb_error *err)
{
    double t0 = ddb_router_now_ms();
    int rc = ddb_route__backfill_bulk(r, opts, stats, err);
    if (rc != DDB_ROUTE__SERIAL)
        return rc;
    rc = backfill_serial(r, err);
    if (stats)
        stats->seconds = (ddb_router_now_ms() - t0) / 1000.0;
    return rc;
}

int ddb_route_backfill(ddb_route *r, ddb_error *err)
{
    return ddb_route_backfill_with(r, NULL, NULL, err);
}

int ddb_route_compare_all_with(ddb_route *r, const ddb_route_bulk_options *opts,
                               size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err)
{
    double t0 = ddb_router_now_ms();
    int rc = ddb_route__compare_all_bulk(r, opts, differences, stats, err);
    if (rc != DDB_ROUTE__SERIAL)
        return rc;
    rc = compare_all_serial(r, differences, err);
    if (stats)
        stats->seconds = (ddb_router_now_ms() - t0) / 1000.0;
    return rc;
}

int ddb_route_compare_all(ddb_route *r, size_t *differences, ddb_error *err)
{
    return ddb_route_compare_all_with(r, NULL, differences, NULL, err);
}
