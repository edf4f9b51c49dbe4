/*
 * The migration router's bulk paths (ddb/dal/route.h; docs/design/bulk-paths.md): backfill with
 * BatchWriteItem, many requests in flight, and compare_all as a hash join of a parallel Scan
 * with the relational side. Writes the router makes while a backfill runs are noted here and
 * checked again after it, so a batch never leaves an item older than its row.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"
#include "dal/route_internal.h"
#include "ddb/api/parallel.h"

#define DEFAULT_IN_FLIGHT 32
#define DEFAULT_PAGE_ROWS 2000
#define DEFAULT_MAX_ROWS 500000
#define DEFAULT_SEGMENTS 16
/* passes of re-mirroring the rows written meanwhile before they go to the journal instead */
#define REMIRROR_PASSES 64
/* notes kept before a type is resynced as a whole instead */
#define MAX_NOTES 1000000
#define CHECKPOINT_LINE 8192

/* ---- notes of routed writes while a backfill runs -------------------------------------------- */

typedef struct note {
    int kind;
    ddb_value *key;  /* NULL: the whole type */
    uint64_t intent; /* a write under way: its call's intent record; 0 in notes */
} note;

typedef struct note_list {
    size_t n, cap;
    note *v;
} note_list;

struct ddb_route_bulk {
    pthread_mutex_t lock;
    int running;      /* backfills running */
    note_list notes;  /* writes made while a backfill runs */
    note_list moving; /* writes under way that began while none ran */
    /* per kind (index kind - 1): a note that could not be kept (memory, the cap) stands as a
       note of its whole type */
    bool *whole;
};

int ddb_route__bulk_new(ddb_route *r, ddb_error *err)
{
    struct ddb_route_bulk *b = calloc(1, sizeof *b);
    bool *whole = calloc(r->model->n_entities + 1, sizeof *whole);
    if (!b || !whole) {
        free(b);
        free(whole);
        return ddb_dal__nomem(err, "router bulk notes");
    }
    pthread_mutex_init(&b->lock, NULL);
    b->whole = whole;
    r->bulk = b;
    return 0;
}

static void notes_free(note *notes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ddb_value_free(notes[i].key);
    free(notes);
}

void ddb_route__bulk_free(ddb_route *r)
{
    if (!r->bulk)
        return;
    notes_free(r->bulk->notes.v, r->bulk->notes.n);
    notes_free(r->bulk->moving.v, r->bulk->moving.n);
    free(r->bulk->whole);
    pthread_mutex_destroy(&r->bulk->lock);
    free(r->bulk);
    r->bulk = NULL;
}

static int kind_named(const ddb_route *r, const char *name)
{
    for (size_t k = 0; k < r->model->n_entities; k++)
        if (strcmp(r->model->entities[k].desc->name, name) == 0)
            return (int)k + 1;
    return 0;
}

/* Appends nt to l, which takes its key; one that cannot be kept marks its whole type. */
static void keep(struct ddb_route_bulk *b, note_list *l, note nt)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        note *more = l->cap < MAX_NOTES ? realloc(l->v, cap * sizeof *more) : NULL;
        if (!more) {
            b->whole[nt.kind - 1] = true;
            ddb_value_free(nt.key);
            return;
        }
        l->v = more;
        l->cap = cap;
    }
    l->v[l->n++] = nt;
}

void ddb_route__bulk_note(ddb_route *r, uint64_t intent, const ddb_router_intent_entry *entries,
                          size_t n)
{
    struct ddb_route_bulk *b = r->bulk;
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < n; i++) {
        int kind = kind_named(r, entries[i].kind);
        const ddb_route_entity *e = kind ? &r->model->entities[kind - 1] : NULL;
        ddb_value *copy = NULL;
        /* A create whose key the relational side assigns: the backfill reads it once it is
           committed and writes the same version 1 the create writes; any later change is an
           update, noted by its key. */
        if (!e || (!entries[i].key && e->seeds_ids))
            continue;
        if (entries[i].key && ddb_value_copy(&copy, entries[i].key, NULL) != 0) {
            b->whole[kind - 1] = true;
            continue;
        }
        if (b->running)
            keep(b, &b->notes, (note){kind, copy, 0});
        else
            keep(b, &b->moving, (note){kind, copy, intent});
    }
    pthread_mutex_unlock(&b->lock);
}

void ddb_route__bulk_done(ddb_route *r, uint64_t intent)
{
    struct ddb_route_bulk *b = r ? r->bulk : NULL;
    size_t kept = 0;
    if (!b || !intent)
        return;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->moving.n; i++)
        if (b->moving.v[i].intent == intent)
            ddb_value_free(b->moving.v[i].key);
        else
            b->moving.v[kept++] = b->moving.v[i];
    b->moving.n = kept;
    pthread_mutex_unlock(&b->lock);
}

/*
 * A backfill starts (delta 1) or ends (-1). At the start, the writes under way become notes: one
 * may have read nothing yet on the relational side when the backfill reads its row, and land on
 * DynamoDB before the batch with the older row does.
 */
static void set_running(ddb_route *r, int delta)
{
    struct ddb_route_bulk *b = r->bulk;
    if (!b)
        return;
    pthread_mutex_lock(&b->lock);
    b->running += delta;
    if (delta > 0) {
        for (size_t i = 0; i < b->moving.n; i++)
            keep(b, &b->notes, (note){b->moving.v[i].kind, b->moving.v[i].key, 0});
        b->moving.n = 0;
    }
    pthread_mutex_unlock(&b->lock);
}

/* Takes the notes made so far; the types noted whole are added to types (index kind - 1). */
static note *take_notes(ddb_route *r, size_t *n, bool *types)
{
    note *notes = NULL;
    *n = 0;
    if (!r->bulk)
        return NULL;
    pthread_mutex_lock(&r->bulk->lock);
    notes = r->bulk->notes.v;
    *n = r->bulk->notes.n;
    r->bulk->notes = (note_list){0, 0, NULL};
    for (size_t k = 0; k < r->model->n_entities; k++) {
        types[k] = types[k] || r->bulk->whole[k];
        r->bulk->whole[k] = false;
    }
    pthread_mutex_unlock(&r->bulk->lock);
    return notes;
}

/* ---- small helpers ---------------------------------------------------------------------------- */

static double now_s(void)
{
    return ddb_router_now_ms() / 1000.0;
}

static void sleep_s(double s)
{
    struct timespec ts;
    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One keyset page of e's relational rows after cursor, into page. */
static int list_rel(ddb_route *r, int kind, void *page, const char *cursor, int rows,
                    ddb_error *err)
{
    ddb_route_args a = {.out = page, .cursor = cursor, .limit = rows};
    return r->model->storage(r->rel, kind, DDB_ROUTE_OP_LIST, &a, err);
}

typedef struct progress {
    bool on;
    const char *what, *entity;
    double t0, last;
    int64_t total; /* an estimate (the highest ID); 0: unknown */
} progress;

static void progress_show(progress *p, uint64_t rows, bool last)
{
    double t = now_s(), rate;
    if (!p->on || (!last && t - p->last < 1.0))
        return;
    p->last = t;
    rate = t > p->t0 ? (double)rows / (t - p->t0) : 0;
    fprintf(stderr, "\r%s %s: %llu rows, %.0f rows/s", p->what, p->entity, (unsigned long long)rows,
            rate);
    if (p->total > 0 && rate > 0 && (uint64_t)p->total > rows)
        fprintf(stderr, ", ETA %.0f s", (double)((uint64_t)p->total - rows) / rate);
    fputs(last ? "\n" : "   ", stderr);
    fflush(stderr);
}

static void progress_start(progress *p, const ddb_route *r, int kind, const char *what, bool wanted)
{
    memset(p, 0, sizeof *p);
    p->on = wanted && isatty(2);
    p->what = what;
    p->entity = r->model->entities[kind - 1].desc->name;
    p->t0 = p->last = now_s();
    /* the highest ID is an estimate of the rows when IDs are allocated */
    if (p->on && r->model->entities[kind - 1].seeds_ids && r->model->max_id &&
        r->model->max_id(r->rel, kind, &p->total, NULL) != 0)
        p->total = 0;
}

static int check_options(ddb_route_bulk_options *o, const ddb_route_bulk_options *given,
                         ddb_error *err)
{
    ddb_route_bulk_options d = DDB_ROUTE_BULK_OPTIONS_INIT;
    *o = given ? *given : d;
    if (o->version != DDB_ROUTE_BULK_OPTIONS_VERSION)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router bulk options: version %u, not %d",
                             o->version, DDB_ROUTE_BULK_OPTIONS_VERSION);
    if (o->items_per_second < 0 || o->page_rows < 0 || o->segments < 0 ||
        o->max_in_flight > DDB_PARALLEL_MAX_IN_FLIGHT)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "router bulk options: items_per_second %g, page_rows %d, segments %d "
                             "and max_in_flight %zu must be >= 0 (max_in_flight <= %d)",
                             o->items_per_second, o->page_rows, o->segments, o->max_in_flight,
                             DDB_PARALLEL_MAX_IN_FLIGHT);
    if (!o->max_in_flight)
        o->max_in_flight = DEFAULT_IN_FLIGHT;
    if (!o->page_rows)
        o->page_rows = DEFAULT_PAGE_ROWS;
    if (!o->max_rows)
        o->max_rows = DEFAULT_MAX_ROWS;
    if (!o->segments)
        o->segments = DEFAULT_SEGMENTS;
    return 0;
}

/* Whether the DynamoDB side gives the bulk paths its client and tables (a repository that
 * wraps the generated one, as a test's may, does not: the paths then go row by row). */
static bool bulk_ok(ddb_route *r)
{
    ddb_route_bulk_target t;
    if (!r->model->bulk_target)
        return false;
    for (size_t k = 0; k < r->model->n_entities; k++)
        if (r->model->bulk_target(r->ddb, (int)k + 1, &t, NULL) != 0)
            return false;
    return true;
}

/* ---- the checkpoint ---------------------------------------------------------------------------- */

/*
 * One line per entity type begun: "<entity>\t<cursor>" (the relational cursor after the last
 * page written; "-" when none yet) or "<entity>\t+" (done). Rewritten whole through a
 * temporary file and rename, so a crash leaves the old or the new one.
 */
typedef struct checkpoint {
    const char *path;
    size_t n;
    char **entity, **cursor; /* cursor NULL: done */
} checkpoint;

static void checkpoint_free(checkpoint *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->entity[i]);
        free(c->cursor[i]);
    }
    free(c->entity);
    free(c->cursor);
    c->n = 0;
    c->entity = c->cursor = NULL;
}

static int checkpoint_set(checkpoint *c, const char *entity, const char *cursor, bool done,
                          ddb_error *err)
{
    size_t i = 0;
    char *cur = NULL;
    while (i < c->n && strcmp(c->entity[i], entity) != 0)
        i++;
    if (!done && !(cur = strdup(cursor ? cursor : "-")))
        return ddb_dal__nomem(err, "backfill checkpoint");
    if (i == c->n) {
        char **e = realloc(c->entity, (c->n + 1) * sizeof *e);
        char **k = e ? realloc(c->cursor, (c->n + 1) * sizeof *k) : NULL;
        if (e)
            c->entity = e;
        if (k)
            c->cursor = k;
        if (!e || !k || !(c->entity[i] = strdup(entity))) {
            free(cur);
            return ddb_dal__nomem(err, "backfill checkpoint");
        }
        c->cursor[i] = NULL;
        c->n++;
    }
    free(c->cursor[i]);
    c->cursor[i] = cur;
    return 0;
}

/* Whether entity is done (*done) or where it resumes (*cursor, borrowed; NULL: the start). */
static void checkpoint_get(const checkpoint *c, const char *entity, bool *done, const char **cursor)
{
    *done = false;
    *cursor = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entity[i], entity) == 0) {
            *done = c->cursor[i] == NULL;
            *cursor = c->cursor[i] && strcmp(c->cursor[i], "-") != 0 ? c->cursor[i] : NULL;
        }
}

static int checkpoint_load(checkpoint *c, ddb_error *err)
{
    char line[CHECKPOINT_LINE];
    size_t number = 0;
    int rc = 0;
    FILE *f = fopen(c->path, "r");
    if (!f)
        return errno == ENOENT ? 0
                               : ddb_error_set(err, DDB_ERR_CONFIG, "backfill checkpoint %s: %s",
                                               c->path, strerror(errno));
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        char *tab = strchr(line, '\t');
        number++;
        if (!len || line[len - 1] != '\n' || !tab || tab == line) {
            rc = ddb_error_set(err, DDB_ERR_PROTOCOL,
                               "backfill checkpoint %s line %zu: not \"<entity>\\t<cursor>\" "
                               "(at most %d bytes)",
                               c->path, number, CHECKPOINT_LINE - 1);
            break;
        }
        line[len - 1] = '\0';
        *tab = '\0';
        rc = checkpoint_set(c, line, tab + 1, strcmp(tab + 1, "+") == 0, err);
    }
    fclose(f);
    return rc;
}

static int checkpoint_save(const checkpoint *c, ddb_error *err)
{
    char tmp[4096];
    FILE *f;
    int ok;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", c->path) >= sizeof tmp)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "backfill checkpoint path over %zu bytes",
                             sizeof tmp - 5);
    if (!(f = fopen(tmp, "w")))
        return ddb_error_set(err, DDB_ERR_CONFIG, "backfill checkpoint %s: %s", tmp,
                             strerror(errno));
    ok = 1;
    for (size_t i = 0; ok && i < c->n; i++)
        ok = fprintf(f, "%s\t%s\n", c->entity[i], c->cursor[i] ? c->cursor[i] : "+") > 0;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, c->path) != 0) {
        int e = errno;
        remove(tmp);
        return ddb_error_set(err, DDB_ERR_CONFIG, "backfill checkpoint %s: %s", c->path,
                             strerror(e));
    }
    return 0;
}

/* ---- backfill ---------------------------------------------------------------------------------- */

typedef struct writer {
    ddb_route_bulk_target t;
    const ddb_route_bulk_options *o;
    ddb_route_bulk_stats *stats;
    double t0;         /* the budget's start */
    uint64_t budgeted; /* items written since t0 */
    double rate;       /* the budget in force (items/s); 0: none */
} writer;

/* Waits until n more items fit the budget. */
static void pace(writer *w, size_t n)
{
    double due;
    if (w->rate <= 0)
        return;
    due = w->t0 + (double)(w->budgeted + n) / w->rate;
    sleep_s(due - now_s());
    w->budgeted += n;
}

/*
 * Writes the items of a page. Throttling past the batch writer's own resends halves the
 * budget (the rate measured so far, when there was none) and sends the page again after a
 * pause; puts of the same rows are idempotent.
 */
static int write_items(writer *w, ddb_value **items, size_t n, ddb_error *err)
{
    ddb_write_request *reqs = calloc(n ? n : 1, sizeof *reqs);
    ddb_put_request *puts = calloc(n ? n : 1, sizeof *puts);
    int rc = 0, attempt = 0;
    if (!reqs || !puts) {
        free(reqs);
        free(puts);
        return ddb_dal__nomem(err, "backfill requests");
    }
    for (size_t i = 0; i < n; i++) {
        puts[i].item = items[i];
        reqs[i].put_request = &puts[i];
    }
    for (;;) {
        double t = now_s();
        pace(w, n);
        rc = ddb_parallel_batch_write(w->t.client, w->t.table, reqs, n, w->o->max_in_flight, err);
        if (rc != DDB_ERR_THROTTLED || ++attempt > 8)
            break;
        w->stats->throttled++;
        /* with nothing written yet there is no rate to halve: 1000 items/s is a start */
        if (w->rate <= 0)
            w->rate = t > w->t0 && w->stats->items ? (double)w->stats->items / (t - w->t0) : 1000;
        w->rate = w->rate / 2 > 1 ? w->rate / 2 : 1;
        w->t0 = now_s();
        w->budgeted = 0;
        sleep_s(0.1 * (1 << attempt));
    }
    if (rc == 0)
        w->stats->items += n;
    free(reqs);
    free(puts);
    return rc;
}

/* The page's entities as items (with their sentinels), written. */
static int write_page(writer *w, const ddb_route_entity *e, const char *rows, size_t n,
                      ddb_error *err)
{
    size_t per = 1 + w->t.store->n_unique, used = 0;
    ddb_value **items = calloc(n ? n * per : 1, sizeof *items);
    int rc = 0;
    if (!items)
        return ddb_dal__nomem(err, "backfill items");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t got = 0;
        rc = ddb_store__mirror_items(items + used, per, &got, w->t.store, rows + i * e->desc->size,
                                     err);
        used += got;
    }
    if (rc == 0)
        rc = write_items(w, items, used, err);
    for (size_t i = 0; i < used; i++)
        ddb_value_free(items[i]);
    free(items);
    return rc;
}

static int backfill_entity(ddb_route *r, int kind, writer *w, checkpoint *cp, ddb_error *err)
{
    const ddb_route_entity *e = &r->model->entities[kind - 1];
    const char *resume = NULL;
    char *cursor = NULL;
    void *page;
    bool done = false;
    uint64_t rows = 0;
    progress p;
    int rc;
    if (cp->path) {
        checkpoint_get(cp, e->desc->name, &done, &resume);
        if (done)
            return 0;
        if (resume && !(cursor = strdup(resume)))
            return ddb_dal__nomem(err, "backfill cursor");
    }
    rc = r->model->bulk_target(r->ddb, kind, &w->t, err);
    if (rc != 0) {
        free(cursor);
        return rc;
    }
    if (!(page = calloc(1, e->page.size ? e->page.size : 1))) {
        free(cursor);
        return ddb_dal__nomem(err, "backfill page");
    }
    progress_start(&p, r, kind, "backfill", w->o->progress);
    do {
        rc = list_rel(r, kind, page, cursor, w->o->page_rows, err);
        free(cursor);
        cursor = NULL;
        if (rc == 0) {
            size_t n = ddb_route__page_count(page, &e->page);
            rc = write_page(w, e, ddb_route__page_items(page, &e->page), n, err);
            rows += n;
            w->stats->rows += n;
        }
        if (rc == 0)
            cursor = ddb_route__take_cursor(page, &e->page);
        /* every row up to the cursor is written: a resumed run starts after it */
        if (rc == 0 && cp->path && cursor &&
            (rc = checkpoint_set(cp, e->desc->name, cursor, false, err)) == 0)
            rc = checkpoint_save(cp, err);
        ddb_route__page_clear(e, page);
        progress_show(&p, rows, false);
    } while (rc == 0 && cursor);
    progress_show(&p, rows, true);
    if (rc == 0 && cp->path && (rc = checkpoint_set(cp, e->desc->name, NULL, true, err)) == 0)
        rc = checkpoint_save(cp, err);
    free(cursor);
    free(page);
    return rc;
}

/*
 * The relational entity of key stored in DynamoDB unless DynamoDB's is as new (removed there
 * when the row is gone); *repaired: DynamoDB's was older and is now the row's.
 */
static int remirror(bool *repaired, ddb_route *r, int kind, const ddb_value *key_item,
                    ddb_error *err)
{
    const ddb_entity_desc *d = r->model->entities[kind - 1].desc;
    void *key = calloc(1, d->size ? d->size : 1), *rel = calloc(1, d->size ? d->size : 1);
    ddb_route_bulk_target t;
    bool found = false;
    int rc = key && rel ? ddb_router_key_fill(key, d, key_item, err)
                        : ddb_dal__nomem(err, "backfill re-mirror");
    *repaired = false;
    if (rc == 0) {
        ddb_route_args a = {.out = rel, .found = &found, .key = key};
        rc = r->model->storage(r->rel, kind, DDB_ROUTE_OP_GET, &a, err);
    }
    if (rc == 0)
        rc = r->model->bulk_target(r->ddb, kind, &t, err);
    if (rc == 0)
        rc = ddb_store__mirror_newer(found ? repaired : NULL, t.client, t.store, t.table,
                                     found ? rel : NULL, key, err);
    if (key)
        ddb_entity_free(d, key);
    if (rel)
        ddb_entity_free(d, rel);
    free(key);
    free(rel);
    return rc;
}

/* A key (NULL: the whole type) the backfill leaves to ddb_route_replay. */
static int journal_note(ddb_route *r, int kind, const ddb_value *key, ddb_error *err)
{
    const char *name = r->model->entities[kind - 1].desc->name;
    ddb_router_config cfg;
    int rc;
    ddb_router_settings(r->state, &cfg);
    if (!cfg.journal_path)
        return ddb_error_set(err, DDB_ERR_CONFIG,
                             "backfill: %s was written %s while it ran and the router has no "
                             "journal to repair it",
                             name, key ? "without a pause" : "by a key it lacks");
    rc = ddb_router_journal_append(r->state, name, key, err);
    if (rc == 0)
        ddb_router_logf(r->state, "backfill: journaled %s%s written meanwhile", name,
                        key ? "" : " (a resync)");
    return rc;
}

/* A noted key, once, with its JSON to tell it from the others. */
typedef struct noted {
    int kind;
    char *json;
    ddb_value *key;
} noted;

static int noted_cmp(const void *pa, const void *pb)
{
    const noted *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->json, b->json);
}

/* Adds the notes taken to the set (sorted, each key once); whole-type notes to *types. */
static int merge_notes(noted **set, size_t *n, bool *types, note *notes, size_t n_notes,
                       ddb_error *err)
{
    noted *more = realloc(*set, (*n + n_notes + 1) * sizeof *more);
    size_t kept = 0;
    if (!more)
        return ddb_dal__nomem(err, "backfill notes");
    *set = more;
    for (size_t i = 0; i < n_notes; i++) {
        char *json = NULL;
        if (!notes[i].key) {
            types[notes[i].kind - 1] = true;
            continue;
        }
        if (ddb_item_to_json(&json, notes[i].key, err) != 0)
            return DDB_ERR_NOMEM;
        more[(*n)++] = (noted){notes[i].kind, json, notes[i].key};
        notes[i].key = NULL; /* moved */
    }
    qsort(more, *n, sizeof *more, noted_cmp);
    for (size_t i = 0; i < *n; i++) {
        if (kept && noted_cmp(&more[kept - 1], &more[i]) == 0) {
            free(more[i].json);
            ddb_value_free(more[i].key);
            continue;
        }
        more[kept++] = more[i];
    }
    *n = kept;
    return 0;
}

/*
 * The rows routed writes touched since the backfill started, stored again where the batch left
 * DynamoDB's older than the row (it may have written an older version after the router wrote
 * a newer one). These writes are conditional on the version, so once the batches are done
 * nothing makes an item older again; every key noted is checked again in each pass (a repair
 * that races a routed write can leave DynamoDB's behind the row), and a pass that repairs
 * nothing ends it. Keys still being repaired after REMIRROR_PASSES, and the writes of a whole
 * type (keys not known), go to the journal for ddb_route_replay.
 */
static int remirror_noted(ddb_route *r, ddb_route_bulk_stats *stats, ddb_error *err)
{
    noted *set = NULL;
    size_t n = 0;
    bool *types = calloc(r->model->n_entities + 1, sizeof *types);
    bool *moving = NULL;
    int rc = types ? 0 : ddb_dal__nomem(err, "backfill notes");
    for (int pass = 0; rc == 0; pass++) {
        size_t n_notes, repairs = 0;
        note *notes = take_notes(r, &n_notes, types);
        rc = merge_notes(&set, &n, types, notes, n_notes, err);
        notes_free(notes, n_notes);
        free(moving);
        moving = rc == 0 ? calloc(n + 1, sizeof *moving) : NULL;
        if (rc == 0 && !moving)
            rc = ddb_dal__nomem(err, "backfill notes");
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = remirror(&moving[i], r, set[i].kind, set[i].key, err);
            stats->remirrored++;
            repairs += moving[i];
        }
        stats->repaired += repairs;
        if (rc != 0 || repairs == 0)
            break;
        if (pass + 1 == REMIRROR_PASSES) {
            /* writes that never pause: what still moved goes to the journal */
            for (size_t i = 0; rc == 0 && i < n; i++)
                if (moving[i])
                    rc = journal_note(r, set[i].kind, set[i].key, err);
            break;
        }
    }
    for (size_t k = 0; rc == 0 && types && k < r->model->n_entities; k++)
        if (types[k])
            rc = journal_note(r, (int)k + 1, NULL, err);
    for (size_t i = 0; i < n; i++) {
        free(set[i].json);
        ddb_value_free(set[i].key);
    }
    free(set);
    free(moving);
    free(types);
    return rc;
}

int ddb_route__backfill_bulk(ddb_route *r, const ddb_route_bulk_options *opts,
                             ddb_route_bulk_stats *stats, ddb_error *err)
{
    ddb_route_bulk_options o;
    ddb_route_bulk_stats local = {0, 0, 0, 0, 0, 0};
    checkpoint cp = {NULL, 0, NULL, NULL};
    writer w;
    int rc;
    if (!r || !r->state || !r->model)
        return DDB_ERR_INVALID_ARG;
    if ((rc = check_options(&o, opts, err)) != 0)
        return rc;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    memset(&w, 0, sizeof w);
    w.o = &o;
    w.stats = stats;
    w.rate = o.items_per_second;
    w.t0 = now_s();
    if (!bulk_ok(r))
        return DDB_ROUTE__SERIAL;
    cp.path = o.checkpoint_path;
    if (cp.path && (rc = checkpoint_load(&cp, err)) != 0) {
        checkpoint_free(&cp); /* the lines before the bad one */
        return rc;
    }
    /* before the first row is read: a write from now on may race a batch */
    set_running(r, 1);
    for (size_t k = 0; rc == 0 && k < r->model->n_entities; k++)
        rc = backfill_entity(r, (int)k + 1, &w, &cp, err);
    if (rc == 0)
        rc = remirror_noted(r, stats, err);
    set_running(r, -1);
    if (rc == 0 && cp.path && remove(cp.path) != 0 && errno != ENOENT)
        rc = ddb_error_set(err, DDB_ERR_CONFIG, "backfill checkpoint %s: %s", cp.path,
                           strerror(errno));
    checkpoint_free(&cp);
    stats->seconds = now_s() - w.t0;
    if (rc == 0)
        ddb_router_logf(r->state,
                        "backfill: %llu rows, %llu items in %.1f s; %llu checks of rows written "
                        "meanwhile, %llu repaired",
                        (unsigned long long)stats->rows, (unsigned long long)stats->items,
                        stats->seconds, (unsigned long long)stats->remirrored,
                        (unsigned long long)stats->repaired);
    return rc;
}

/* ---- compare_all: a hash join --------------------------------------------------------------- */

/* One relational row held: its key's JSON, hash, and the entity (moved out of its page). */
typedef struct row {
    char *key;
    uint64_t hash;
    bool seen;
    void *obj;
} row;

typedef struct join {
    ddb_route *r;
    const ddb_route_entity *e;
    ddb_route_bulk_target t;
    uint64_t parts, part; /* the rows of this partition: hash % parts == part */
    row *rows;
    size_t n, cap;
    size_t *slots; /* open addressing: index + 1 into rows; 0: empty */
    size_t n_slots;
    size_t differences;
    ddb_route_bulk_stats *stats;
    int rc;
    ddb_error *err;
} join;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The JSON of obj's key, as ddb_router_key_item gives it. */
static int key_json(char **out, const ddb_entity_desc *d, const void *obj, ddb_error *err)
{
    ddb_value *key = NULL;
    int rc = ddb_router_key_item(&key, d, obj, err);
    if (rc == 0)
        rc = ddb_item_to_json(out, key, err);
    ddb_value_free(key);
    return rc;
}

static void rows_clear(join *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->rows[i].key);
        ddb_entity_free(j->e->desc, j->rows[i].obj);
        free(j->rows[i].obj);
    }
    j->n = 0;
    free(j->slots);
    j->slots = NULL;
    j->n_slots = 0;
}

static int rehash(join *j, ddb_error *err)
{
    size_t want = 64;
    while (want < j->n * 2 + 2)
        want *= 2;
    free(j->slots);
    j->n_slots = 0;
    if (!(j->slots = calloc(want, sizeof *j->slots)))
        return ddb_dal__nomem(err, "compare_all hash table");
    j->n_slots = want;
    for (size_t i = 0; i < j->n; i++) {
        size_t s = (size_t)(j->rows[i].hash & (want - 1));
        while (j->slots[s])
            s = (s + 1) & (want - 1);
        j->slots[s] = i + 1;
    }
    return 0;
}

static row *find(const join *j, const char *key, uint64_t hash)
{
    size_t s;
    if (!j->n_slots)
        return NULL;
    for (s = (size_t)(hash & (j->n_slots - 1)); j->slots[s]; s = (s + 1) & (j->n_slots - 1)) {
        row *w = &j->rows[j->slots[s] - 1];
        if (w->hash == hash && strcmp(w->key, key) == 0)
            return w;
    }
    return NULL;
}

/* Keeps the rows of the partition only (after parts grew). */
static void keep_partition(join *j)
{
    size_t kept = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (j->rows[i].hash % j->parts == j->part) {
            j->rows[kept++] = j->rows[i];
            continue;
        }
        free(j->rows[i].key);
        ddb_entity_free(j->e->desc, j->rows[i].obj);
        free(j->rows[i].obj);
    }
    j->n = kept;
}

/*
 * Holds the relational rows of the partition. In the first partition a side larger than
 * max_rows doubles the partitions, so at most max_rows rows are held at once.
 */
static int load_rows(join *j, const ddb_route_bulk_options *o, ddb_error *err)
{
    const ddb_entity_desc *d = j->e->desc;
    int kind = (int)(j->e - j->r->model->entities) + 1;
    void *page = calloc(1, j->e->page.size ? j->e->page.size : 1);
    char *cursor = NULL;
    int rc = 0;
    if (!page)
        return ddb_dal__nomem(err, "compare_all page");
    do {
        char *items;
        size_t n;
        rc = list_rel(j->r, kind, page, cursor, o->page_rows, err);
        free(cursor);
        cursor = NULL;
        if (rc != 0)
            break;
        items = ddb_route__page_items(page, &j->e->page);
        n = ddb_route__page_count(page, &j->e->page);
        j->stats->rows += j->part == 0 ? n : 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            char *obj = items + i * d->size, *key = NULL;
            uint64_t h;
            if ((rc = key_json(&key, d, obj, err)) != 0)
                break;
            h = fnv1a(key);
            if (h % j->parts != j->part) {
                free(key);
                continue;
            }
            if (j->n == j->cap) {
                size_t cap = j->cap ? j->cap * 2 : 1024;
                row *more = realloc(j->rows, cap * sizeof *more);
                if (!more) {
                    free(key);
                    rc = ddb_dal__nomem(err, "compare_all rows");
                    break;
                }
                j->rows = more;
                j->cap = cap;
            }
            j->rows[j->n] = (row){key, h, false, malloc(d->size ? d->size : 1)};
            if (!j->rows[j->n].obj) {
                free(key);
                rc = ddb_dal__nomem(err, "compare_all row");
                break;
            }
            /* moved out of the page: the page's slot no longer owns its members */
            memcpy(j->rows[j->n].obj, obj, d->size);
            memset(obj, 0, d->size);
            j->n++;
            while (j->part == 0 && j->n > o->max_rows && j->parts < ((uint64_t)1 << 20)) {
                j->parts *= 2;
                keep_partition(j);
            }
        }
        if (rc == 0)
            cursor = ddb_route__take_cursor(page, &j->e->page);
        ddb_route__page_clear(j->e, page);
    } while (rc == 0 && cursor);
    free(cursor);
    free(page);
    return rc == 0 ? rehash(j, err) : rc;
}

/* One Scan page: each item of the entity matched with its row. */
/* One scanned item matched with its row, when it is an entity of j's type (dyn: scratch). */
static void match_item(join *j, const ddb_value *item, void *dyn)
{
    const ddb_entity_desc *d = j->e->desc;
    char *key = NULL;
    if (!ddb_store__is_entity(j->t.store, item))
        return;
    if (j->part == 0)
        j->stats->items++;
    if ((j->rc = ddb_entity__from_stored(dyn, d, item, j->err)) != 0)
        return;
    if ((j->rc = key_json(&key, d, dyn, j->err)) == 0) {
        uint64_t h = fnv1a(key);
        if (h % j->parts == j->part) {
            row *w = find(j, key, h);
            if (w)
                w->seen = true;
            j->differences += ddb_router_compare(j->r->state, d, w ? w->obj : NULL, dyn, NULL) == 1;
        }
    }
    free(key);
    ddb_entity_free(d, dyn);
}

/* The rows of j the Scan did not meet: absent from DynamoDB. */
static void unseen_rows(join *j)
{
    for (size_t i = 0; i < j->n; i++)
        if (!j->rows[i].seen)
            j->differences +=
                ddb_router_compare(j->r->state, j->e->desc, j->rows[i].obj, NULL, NULL) == 1;
}

/* The joins of the entity types one Scan serves. */
typedef struct join_group {
    join *joins;
    size_t n;
    size_t scratch; /* the largest entity's size */
} join_group;

static int on_scan_page(void *ctx, int64_t segment, const ddb_scan_output *out)
{
    join_group *g = ctx;
    void *dyn = calloc(1, g->scratch ? g->scratch : 1);
    int rc = 0;
    (void)segment;
    if (!dyn)
        return g->joins[0].rc = ddb_dal__nomem(g->joins[0].err, "compare_all item");
    for (size_t i = 0; rc == 0 && i < out->n_items; i++)
        for (size_t k = 0; rc == 0 && k < g->n; k++) {
            match_item(&g->joins[k], out->items[i], dyn);
            rc = g->joins[k].rc;
        }
    free(dyn);
    return rc;
}

/*
 * The entity types of one table compared with one parallel Scan, when their rows fit max_rows
 * together; returns 1 (nothing compared) when they do not.
 */
static int compare_table(ddb_route *r, const int *kinds, size_t n, const ddb_route_bulk_options *o,
                         ddb_route_bulk_stats *stats, size_t *differences, ddb_error *err)
{
    ddb_route_bulk_options all = *o;
    join_group g = {calloc(n ? n : 1, sizeof(join)), n, 0};
    size_t held = 0;
    int rc = g.joins ? 0 : ddb_dal__nomem(err, "compare_all joins");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        join *j = &g.joins[k];
        j->r = r;
        j->e = &r->model->entities[kinds[k] - 1];
        j->parts = 1;
        j->stats = stats;
        j->err = err;
        if (j->e->desc->size > g.scratch)
            g.scratch = j->e->desc->size;
        rc = r->model->bulk_target(r->ddb, kinds[k], &j->t, err);
        /* what is left of the bound: a type past it splits into partitions, so no one Scan */
        all.max_rows = held < o->max_rows ? o->max_rows - held : 1;
        if (rc == 0)
            rc = load_rows(j, &all, err);
        held += j->n;
        if (rc == 0 && (j->parts > 1 || held > o->max_rows))
            rc = 1;
    }
    if (rc == 0) {
        ddb_scan_input in = {0};
        in.table_name = g.joins[0].t.table;
        in.has_consistent_read = true;
        in.consistent_read = true;
        rc = ddb_parallel_scan(g.joins[0].t.client, &in, o->segments, o->max_in_flight,
                               on_scan_page, &g, err);
        for (size_t k = 0; rc == 0 && k < n; k++) {
            unseen_rows(&g.joins[k]);
            *differences += g.joins[k].differences;
        }
    }
    for (size_t k = 0; g.joins && k < n; k++) {
        if (g.joins[k].e)
            rows_clear(&g.joins[k]);
        free(g.joins[k].rows);
    }
    free(g.joins);
    return rc;
}

static int compare_entity(ddb_route *r, int kind, const ddb_route_bulk_options *o,
                          ddb_route_bulk_stats *stats, size_t *differences, ddb_error *err)
{
    join j;
    progress p;
    int rc;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.e = &r->model->entities[kind - 1];
    j.parts = 1;
    j.stats = stats;
    j.err = err;
    if ((rc = r->model->bulk_target(r->ddb, kind, &j.t, err)) != 0)
        return rc;
    progress_start(&p, r, kind, "compare_all", o->progress);
    for (j.part = 0; rc == 0 && j.part < j.parts; j.part++) {
        ddb_scan_input in = {0};
        in.table_name = j.t.table;
        in.has_consistent_read = true;
        in.consistent_read = true;
        rc = load_rows(&j, o, err);
        if (rc == 0)
            rc = ddb_parallel_scan(j.t.client, &in, o->segments, o->max_in_flight, on_scan_page,
                                   &(join_group){&j, 1, j.e->desc->size}, err);
        if (rc == 0)
            rc = j.rc;
        /* the rows DynamoDB lacks */
        if (rc == 0)
            unseen_rows(&j);
        rows_clear(&j);
        progress_show(&p, stats->rows, j.part + 1 == j.parts);
    }
    rows_clear(&j);
    free(j.rows);
    *differences += j.differences;
    return rc;
}

/*
 * Each table scanned once for all of its entity types when their rows fit max_rows together
 * (a shared table is read once, not once per type); one Scan per type and partition otherwise.
 */
static int compare_tables(ddb_route *r, const ddb_route_bulk_options *o,
                          ddb_route_bulk_stats *stats, size_t *diffs, ddb_error *err)
{
    size_t n = r->model->n_entities;
    bool *done = calloc(n + 1, sizeof *done);
    int *kinds = calloc(n + 1, sizeof *kinds);
    int rc = done && kinds ? 0 : ddb_dal__nomem(err, "compare_all tables");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        ddb_route_bulk_target t, u;
        size_t m = 0;
        uint64_t rows = stats->rows, items = stats->items;
        if (done[k])
            continue;
        rc = r->model->bulk_target(r->ddb, (int)k + 1, &t, err);
        for (size_t j = k; rc == 0 && j < n; j++)
            if (!done[j] && (rc = r->model->bulk_target(r->ddb, (int)j + 1, &u, err)) == 0 &&
                strcmp(t.table, u.table) == 0) {
                kinds[m++] = (int)j + 1;
                done[j] = true;
            }
        if (rc == 0)
            rc = compare_table(r, kinds, m, o, stats, diffs, err);
        if (rc == 1) {
            /* too many rows for one pass: each type in partitions of its own */
            stats->rows = rows;
            stats->items = items;
            rc = 0;
            for (size_t i = 0; rc == 0 && i < m; i++)
                rc = compare_entity(r, kinds[i], o, stats, diffs, err);
        }
    }
    free(done);
    free(kinds);
    return rc;
}

int ddb_route__compare_all_bulk(ddb_route *r, const ddb_route_bulk_options *opts,
                                size_t *differences, ddb_route_bulk_stats *stats, ddb_error *err)
{
    ddb_route_bulk_options o;
    ddb_route_bulk_stats local = {0, 0, 0, 0, 0, 0};
    size_t diffs = 0;
    double t0 = now_s();
    int rc;
    if (!r || !r->state || !r->model)
        return DDB_ERR_INVALID_ARG;
    if ((rc = check_options(&o, opts, err)) != 0)
        return rc;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!bulk_ok(r))
        return DDB_ROUTE__SERIAL;
    rc = compare_tables(r, &o, stats, &diffs, err);
    stats->seconds = now_s() - t0;
    if (rc == 0) {
        ddb_router_logf(r->state, "compare_all: %zu differences", diffs);
        if (differences)
            *differences = diffs;
    }
    return rc;
}
