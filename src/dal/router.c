/*
 * The schema-free part of the generated migration router: phase, counters, log lines, the repair
 * journal and the entity comparison. See ddb/dal/router.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "ddb/dal/router.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dal/dal_internal.h"
#include "dal/entity_internal.h"

/* A log line longer than this is cut: keys are small, and messages are one line of 512. */
#define LINE_MAX_BYTES 2048

/* Re-reads of both sides before a difference counts as a mismatch (ddb_router_check). */
#define RECHECKS 3
/* A journal larger than this is not loaded in one go (replay it more often). */
#define JOURNAL_MAX_BYTES (256L * 1024 * 1024)

struct ddb_router {
    char *name;
    char *journal_path;  /* NULL: no journal */
    int journal_fd;      /* -1 when none */
    int lock_fd;         /* "<journal>.lock": shared by the processes that use the journal */
    uint64_t intent_tag; /* random per router: intent ids of processes sharing a journal differ */
    _Atomic uint64_t intent_seq;
    ddb_event_fn on_event;
    void *event_ctx;
    ddb_router_log_fn log;
    void *log_ctx;
    _Atomic int phase;
    int compare_percent; /* 0..100 */
    ddb_router_sampling sample_by;
    bool fail_on_mismatch;
    int secondary_timeout_ms; /* 0: none */
    ddb_router_failure_policy on_failure[3];
    bool keep_relational;
    ddb_router_phase_source source; /* read NULL: none */
    pthread_mutex_t source_lock;    /* one read of the source at a time */
    double source_read_at;          /* ddb_router_now_ms of the last read (under source_lock) */
    size_t n_rules;
    ddb_router_field_rule *rules; /* copies, their strings too */
    char **rule_names;            /* those strings: entity, field of each rule (owned) */
    _Atomic uint64_t sample_seq;  /* phase 3 reads seen, for the sampling */
    pthread_mutex_t lock;         /* stats and the journal file */
    pthread_mutex_t switch_lock;  /* one phase switch (and its preparation) at a time */
    ddb_router_stats stats;
};

static const char *const side_names[2] = {"relational", "dynamodb"};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int open_journal(ddb_router *r, ddb_error *err)
{
    r->journal_fd = open(r->journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (r->journal_fd < 0)
        return ddb_error_set(err, DDB_ERR_CONFIG, "repair journal %s: %s", r->journal_path,
                             strerror(errno));
    return 0;
}

/* The journal file's identity (device and inode), 0 when it does not exist. */
static unsigned long long journal_id(const ddb_router *r)
{
    struct stat st;
    if (stat(r->journal_path, &st) != 0)
        return 0;
    return (unsigned long long)st.st_ino ^ ((unsigned long long)st.st_dev << 48);
}

/* The lock file beside the journal, which a rewrite never replaces. */
static int open_lock(ddb_router *r, ddb_error *err)
{
    size_t n = strlen(r->journal_path) + sizeof ".lock";
    char *path = malloc(n);
    if (!path)
        return ddb_dal__nomem(err, "journal lock");
    snprintf(path, n, "%s.lock", r->journal_path);
    r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (r->lock_fd < 0) {
        int rc =
            ddb_error_set(err, DDB_ERR_CONFIG, "repair journal lock %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    free(path);
    return 0;
}

/* Reopens the journal when another process's consume replaced the file (called under the
 * lock). */
static int follow_journal(ddb_router *r, ddb_error *err)
{
    struct stat on_disk, open_one;
    if (r->journal_fd >= 0 && stat(r->journal_path, &on_disk) == 0 &&
        fstat(r->journal_fd, &open_one) == 0 && on_disk.st_ino == open_one.st_ino &&
        on_disk.st_dev == open_one.st_dev)
        return 0;
    if (r->journal_fd >= 0)
        close(r->journal_fd);
    return open_journal(r, err);
}

/*
 * Appends text (whole lines) with one write(2), fsync'd when durable, under the shared lock.
 * Called with r->lock held.
 */
static int append_text(ddb_router *r, const char *text, size_t n, bool durable, ddb_error *err)
{
    int rc;
    if (flock(r->lock_fd, LOCK_SH) != 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "repair journal %s: lock failed: %s",
                             r->journal_path, strerror(errno));
    rc = follow_journal(r, err);
    /* One write for the whole text, so that lines of concurrent callers never interleave. */
    if (rc == 0 &&
        (write(r->journal_fd, text, n) != (ssize_t)n || (durable && fsync(r->journal_fd) != 0)))
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "repair journal %s: write failed: %s",
                           r->journal_path, strerror(errno));
    flock(r->lock_fd, LOCK_UN);
    return rc;
}

static const char *const action_names[] = {
    [DDB_ROUTER_IGNORE] = "IGNORE",
    [DDB_ROUTER_TRIM] = "TRIM",
    [DDB_ROUTER_CASEFOLD] = "CASEFOLD",
    [DDB_ROUTER_ROUND_TIME] = "ROUND_TIME",
    [DDB_ROUTER_NUMBER_SCALE] = "NUMBER_SCALE",
    [DDB_ROUTER_EQUAL_FN] = "EQUAL_FN",
};

/* What version 3 added, without the model: the model's names are ddb_route_init's to check. */
static int check_v3(const ddb_router_config *cfg, ddb_error *err)
{
    if (cfg->sample_by != DDB_ROUTER_SAMPLE_CALL && cfg->sample_by != DDB_ROUTER_SAMPLE_KEY)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router sample_by %d is not CALL or KEY",
                             (int)cfg->sample_by);
    if (cfg->secondary_timeout_ms < 0)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router secondary_timeout_ms %d is negative",
                             cfg->secondary_timeout_ms);
    for (int i = 0; i < 3; i++)
        if (cfg->on_secondary_failure[i] < DDB_ROUTER_ON_FAILURE_JOURNAL ||
            cfg->on_secondary_failure[i] > DDB_ROUTER_ON_FAILURE_STOP)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router on_secondary_failure[%d] (phase %d) %d is not JOURNAL, "
                                 "FAIL or STOP",
                                 i, i + 2, (int)cfg->on_secondary_failure[i]);
    if (cfg->n_field_rules && !cfg->field_rules)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                             "router field_rules is NULL with n_field_rules %zu",
                             cfg->n_field_rules);
    for (size_t i = 0; i < cfg->n_field_rules; i++) {
        const ddb_router_field_rule *f = &cfg->field_rules[i];
        const char *entity = f->entity ? f->entity : "*", *field = f->field ? f->field : "?";
        if (!f->field || !f->field[0])
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.?): no field name", i, entity);
        if (f->action < DDB_ROUTER_IGNORE || f->action > DDB_ROUTER_EQUAL_FN)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): action %d is not one of "
                                 "IGNORE..EQUAL_FN",
                                 i, entity, field, (int)f->action);
        if (f->action == DDB_ROUTER_EQUAL_FN && !f->equal)
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): EQUAL_FN without equal", i, entity,
                                 field);
        if ((f->action == DDB_ROUTER_ROUND_TIME && (f->scale < 0 || f->scale > 9)) ||
            (f->action == DDB_ROUTER_NUMBER_SCALE && (f->scale < 0 || f->scale > 38)))
            return ddb_error_set(err, DDB_ERR_INVALID_ARG,
                                 "router field rule %zu (%s.%s): %s scale %d is not 0..%d", i,
                                 entity, field, action_names[f->action], f->scale,
                                 f->action == DDB_ROUTER_ROUND_TIME ? 9 : 38);
    }
    return 0;
}

static void free_rules(ddb_router *r)
{
    for (size_t i = 0; i < 2 * r->n_rules; i++)
        free(r->rule_names[i]);
    free(r->rule_names);
    free(r->rules);
    r->rules = NULL;
    r->rule_names = NULL;
    r->n_rules = 0;
}

/* The router keeps its own copy: a caller's rules may live on its stack. */
static int copy_rules(ddb_router *r, const ddb_router_field_rule *rules, size_t n)
{
    if (!n)
        return 0;
    r->rules = calloc(n, sizeof *r->rules);
    r->rule_names = calloc(2 * n, sizeof *r->rule_names);
    if (!r->rules || !r->rule_names) {
        free_rules(r);
        return DDB_ERR_NOMEM;
    }
    r->n_rules = n;
    for (size_t i = 0; i < n; i++) {
        char **entity = &r->rule_names[2 * i], **field = &r->rule_names[2 * i + 1];
        r->rules[i] = rules[i];
        if ((rules[i].entity && !(*entity = dup_str(rules[i].entity))) ||
            !(*field = dup_str(rules[i].field))) {
            free_rules(r);
            return DDB_ERR_NOMEM;
        }
        r->rules[i].entity = *entity;
        r->rules[i].field = *field;
    }
    return 0;
}

static void send_event(ddb_router *r, const char *operation, const char *entity, double ms, int rc);

/* A phase read from the source that differs from the router's: adopted, logged and counted. */
static void follow_phase(ddb_router *r, int phase)
{
    int old = atomic_exchange(&r->phase, phase);
    if (old == phase)
        return;
    pthread_mutex_lock(&r->lock);
    r->stats.phase = phase;
    r->stats.phase_switches++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "phase %d -> %d (shared)", old, phase);
    send_event(r, "router.phase", NULL, 0, 0);
}

/* Reads the source (under source_lock): the phase, or 0 after a failure (logged, counted). */
static int read_source(ddb_router *r, ddb_error *err)
{
    ddb_error local = DDB_ERROR_INIT;
    int phase = 0;
    int rc = r->source.read(r->source.ctx, &phase, err ? err : &local);
    r->source_read_at = ddb_router_now_ms();
    pthread_mutex_lock(&r->lock);
    r->stats.phase_reads++;
    if (rc == 0 && (phase < 0 || phase > 5))
        rc = ddb_error_set(err ? err : &local, DDB_ERR_PROTOCOL,
                           "phase source holds phase %d, not 1..5", phase);
    if (rc != 0)
        r->stats.phase_read_failures++;
    pthread_mutex_unlock(&r->lock);
    if (rc != 0) {
        ddb_router_logf(r, "phase source read failed: %s: %s", ddb_error_code_name(rc),
                        err ? err->message : local.message);
        phase = rc;
    }
    ddb_error_clear(&local);
    return phase;
}

/* At ddb_router_new: a stored phase wins over the config's; none stored: the config's is. */
static int adopt_source(ddb_router *r, ddb_error *err)
{
    int phase = read_source(r, err);
    if (phase < 0)
        return phase;
    if (phase == 0) {
        int rc = r->source.store(r->source.ctx, atomic_load(&r->phase), err);
        if (rc == 0)
            ddb_router_logf(r, "phase %d stored in the phase source", atomic_load(&r->phase));
        return rc;
    }
    if (phase != atomic_load(&r->phase)) {
        ddb_router_logf(r, "phase %d from the phase source (configured: %d)", phase,
                        atomic_load(&r->phase));
        atomic_store(&r->phase, phase);
        r->stats.phase = phase;
    }
    return 0;
}

int ddb_router_poll_phase(ddb_router *r)
{
    int phase;
    if (!r->source.read)
        return ddb_router_phase(r);
    /* one reader at a time; the others route with the phase as it is meanwhile */
    if (pthread_mutex_trylock(&r->source_lock) != 0)
        return ddb_router_phase(r);
    if (ddb_router_now_ms() - r->source_read_at >= (double)r->source.interval_ms &&
        (phase = read_source(r, NULL)) > 0)
        follow_phase(r, phase);
    pthread_mutex_unlock(&r->source_lock);
    return ddb_router_phase(r);
}

bool ddb_router__keeps_relational(const ddb_router *r)
{
    return r->keep_relational;
}

int ddb_router_new(ddb_router **out, const ddb_router_config *cfg, ddb_error *err)
{
    ddb_router *r;
    int rc;
    int percent;
    if (!out || !cfg || cfg->version < 1 || cfg->version > DDB_ROUTER_CONFIG_VERSION)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router config: version must be 1..%d",
                             DDB_ROUTER_CONFIG_VERSION);
    if (cfg->phase < 1 || cfg->phase > 5)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router phase %d is not 1..5", cfg->phase);
    /* version 1 had no compare_percent: it compared every read */
    percent = cfg->version >= 2 ? cfg->compare_percent : 100;
    if (percent < 0 || percent > 100)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router compare_percent %d is not 0..100",
                             percent);
    if (cfg->version >= 3 && (rc = check_v3(cfg, err)) != 0)
        return rc;
    if (cfg->version >= 4 && cfg->phase_source.read &&
        (!cfg->phase_source.store || cfg->phase_source.interval_ms < 0))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router phase_source: %s",
                             cfg->phase_source.store ? "interval_ms is negative"
                                                     : "read without store");
    r = calloc(1, sizeof *r);
    if (!r)
        return ddb_dal__nomem(err, "router");
    r->journal_fd = -1;
    r->lock_fd = -1;
    if (getrandom(&r->intent_tag, sizeof r->intent_tag, 0) != (ssize_t)sizeof r->intent_tag)
        r->intent_tag = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
    if (cfg->version >= 3) {
        r->sample_by = cfg->sample_by;
        r->fail_on_mismatch = cfg->fail_on_mismatch;
        r->secondary_timeout_ms = cfg->secondary_timeout_ms;
        memcpy(r->on_failure, cfg->on_secondary_failure, sizeof r->on_failure);
        if (copy_rules(r, cfg->field_rules, cfg->n_field_rules) != 0) {
            free(r);
            return ddb_dal__nomem(err, "router field rules");
        }
    }
    r->name = dup_str(cfg->name ? cfg->name : "router");
    r->journal_path = cfg->journal_path ? dup_str(cfg->journal_path) : NULL;
    if (!r->name || (cfg->journal_path && !r->journal_path)) {
        free_rules(r);
        free(r->name);
        free(r->journal_path);
        free(r);
        return ddb_dal__nomem(err, "router");
    }
    if (r->journal_path && ((rc = open_lock(r, err)) != 0 || (rc = open_journal(r, err)) != 0)) {
        if (r->lock_fd >= 0)
            close(r->lock_fd);
        free_rules(r);
        free(r->name);
        free(r->journal_path);
        free(r);
        return rc;
    }
    r->on_event = cfg->on_event;
    r->event_ctx = cfg->event_ctx;
    r->log = cfg->log;
    r->log_ctx = cfg->log_ctx;
    if (cfg->version >= 4) {
        r->keep_relational = cfg->keep_relational;
        r->source = cfg->phase_source;
        if (r->source.read && r->source.interval_ms == 0)
            r->source.interval_ms = 1000;
    }
    atomic_init(&r->phase, cfg->phase);
    r->compare_percent = percent;
    atomic_init(&r->sample_seq, 0);
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->switch_lock, NULL);
    pthread_mutex_init(&r->source_lock, NULL);
    r->stats.phase = cfg->phase;
    if (r->source.read && (rc = adopt_source(r, err)) != 0) {
        ddb_router_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void ddb_router_free(ddb_router *r)
{
    if (!r)
        return;
    if (r->journal_fd >= 0)
        close(r->journal_fd);
    if (r->lock_fd >= 0)
        close(r->lock_fd);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->switch_lock);
    pthread_mutex_destroy(&r->source_lock);
    free_rules(r);
    free(r->name);
    free(r->journal_path);
    free(r);
}

int ddb_router_phase(const ddb_router *r)
{
    return atomic_load(&((ddb_router *)r)->phase);
}

static void emit_line(ddb_router *r, const char *text)
{
    char line[LINE_MAX_BYTES + 160];
    snprintf(line, sizeof line, "%s: %s", r->name, text);
    if (r->log)
        r->log(r->log_ctx, line);
    else
        fprintf(stderr, "%s\n", line);
}

void ddb_router_logf(ddb_router *r, const char *fmt, ...)
{
    char text[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* one line: a message from a backend could hold a line break */
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    emit_line(r, text);
}

static void send_event(ddb_router *r, const char *operation, const char *entity, double ms, int rc)
{
    ddb_event ev;
    if (!r->on_event)
        return;
    memset(&ev, 0, sizeof ev);
    ev.operation = operation;
    ev.table_name = entity;
    ev.latency_ms = ms;
    ev.attempts = 1;
    ev.error_code = rc;
    ev.aws_error_type = "";
    ev.request_id = "";
    r->on_event(r->event_ctx, &ev);
}

void ddb_router_lock_switch(ddb_router *r)
{
    pthread_mutex_lock(&r->switch_lock);
}

void ddb_router_unlock_switch(ddb_router *r)
{
    pthread_mutex_unlock(&r->switch_lock);
}

int ddb_router_set_phase(ddb_router *r, int phase, ddb_error *err)
{
    int old, rc;
    if (!r || phase < 1 || phase > 5)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router phase %d is not 1..5", phase);
    if (r->source.read) {
        /* stored first: a router that fails to store must not route alone in the new phase */
        pthread_mutex_lock(&r->source_lock);
        rc = r->source.store(r->source.ctx, phase, err);
        if (rc == 0)
            r->source_read_at = ddb_router_now_ms();
        pthread_mutex_unlock(&r->source_lock);
        if (rc != 0) {
            ddb_router_logf(r, "phase %d -> %d refused: the phase source: %s: %s",
                            ddb_router_phase(r), phase, ddb_error_code_name(rc),
                            err ? err->message : "");
            return rc;
        }
    }
    old = atomic_exchange(&r->phase, phase);
    pthread_mutex_lock(&r->lock);
    r->stats.phase = phase;
    r->stats.phase_switches++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "phase %d -> %d", old, phase);
    send_event(r, "router.phase", NULL, 0, 0);
    return 0;
}

void ddb_router_stats_get(ddb_router *r, ddb_router_stats *out)
{
    pthread_mutex_lock(&r->lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->lock);
}

double ddb_router_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void ddb_router_record(ddb_router *r, ddb_router_side side, bool write, const char *entity,
                       double latency_ms, int rc)
{
    char op[48];
    pthread_mutex_lock(&r->lock);
    if (write)
        r->stats.writes[side]++;
    else
        r->stats.reads[side]++;
    r->stats.latency_ms[side] += latency_ms;
    pthread_mutex_unlock(&r->lock);
    snprintf(op, sizeof op, "router.%s.%s", side_names[side], write ? "write" : "read");
    send_event(r, op, entity, latency_ms, rc);
}

/* The key as JSON for a log line, into buf; "?" when there is none or it cannot be written. */
static void key_text(char *buf, size_t cap, const ddb_value *key)
{
    char *json = NULL;
    if (key && ddb_item_to_json(&json, key, NULL) == 0) {
        snprintf(buf, cap, "%s", json);
        free(json);
    } else {
        snprintf(buf, cap, "?");
    }
}

/* A mismatch, logged and counted; described in *report too when it holds no error yet. */
static void mismatch(ddb_router *r, const char *entity, const ddb_value *key, const char *fields,
                     ddb_error *report)
{
    char k[512];
    key_text(k, sizeof k, key);
    pthread_mutex_lock(&r->lock);
    r->stats.mismatches++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "mismatch %s key=%s fields=%s", entity, k, fields ? fields : "?");
    send_event(r, "router.mismatch", entity, 0, 0);
    if (report && report->code == 0)
        ddb_error_set(report, DDB_ERR_MISMATCH, "mismatch %s key=%s fields=%s", entity, k,
                      fields ? fields : "?");
}

void ddb_router_mismatch(ddb_router *r, const char *entity, const ddb_value *key,
                         const char *fields)
{
    mismatch(r, entity, key, fields, NULL);
}

static void failed(ddb_router *r, ddb_router_side source, const char *entity, const char *op,
                   const ddb_value *key, int rc, const ddb_error *err)
{
    char k[512];
    ddb_error jerr = DDB_ERROR_INIT;
    int jrc;
    if (key)
        key_text(k, sizeof k, key);
    else
        snprintf(k, sizeof k, "resync");
    pthread_mutex_lock(&r->lock);
    r->stats.secondary_failures++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "%s failed: %s.%s key=%s: %s: %s",
                    source == DDB_ROUTER_DYNAMODB ? "relational mirror" : "secondary write", entity,
                    op, k, ddb_error_code_name(rc),
                    err && err->message[0] ? err->message : ddb_strerror(rc));
    send_event(r, "router.secondary_failure", entity, 0, rc);
    if (!r->journal_path)
        return;
    jrc = ddb_router_journal_append_from(r, source, entity, key, &jerr);
    if (jrc != 0)
        ddb_router_logf(r, "journal append failed for %s key=%s: %s", entity, k, jerr.message);
    else
        send_event(r, "router.journal", entity, 0, 0);
    ddb_error_clear(&jerr);
}

void ddb_router_secondary_failed(ddb_router *r, const char *entity, const char *op,
                                 const ddb_value *key, int rc, const ddb_error *err)
{
    failed(r, DDB_ROUTER_RELATIONAL, entity, op, key, rc, err);
}

void ddb_router_relational_failed(ddb_router *r, const char *entity, const char *op,
                                  const ddb_value *key, int rc, const ddb_error *err)
{
    failed(r, DDB_ROUTER_DYNAMODB, entity, op, key, rc, err);
}

/* ---- keys ------------------------------------------------------------------------------------ */

#define FIELD_AT(obj, off, T) ((T *)((char *)(obj) + (off)))
#define CFIELD_AT(obj, off, T) ((const T *)((const char *)(obj) + (off)))

static bool scalar_has_value(const ddb_field_desc *f, const void *obj)
{
    if (f->has_offset != DDB_ENTITY_NO_OFFSET && !*CFIELD_AT(obj, f->has_offset, bool))
        return false;
    switch (f->kind) {
    case DDB_FIELD_STRING:
        return *CFIELD_AT(obj, f->offset, char *) != NULL;
    case DDB_FIELD_DECIMAL:
        return CFIELD_AT(obj, f->offset, ddb_decimal)->text != NULL;
    case DDB_FIELD_UUID:
        return *CFIELD_AT(obj, f->offset, char) != '\0';
    case DDB_FIELD_VALUE:
        return false; /* never a key field */
    default:
        return true;
    }
}

static int scalar_value(ddb_value **out, const ddb_field_desc *f, const void *obj, ddb_error *err)
{
    const void *p = CFIELD_AT(obj, f->offset, char);
    switch (f->kind) {
    case DDB_FIELD_STRING:
        return ddb_value_new_s(out, *(char *const *)p, err);
    case DDB_FIELD_INT64:
        return ddb_value_new_n_i64(out, *(const int64_t *)p, err);
    case DDB_FIELD_DECIMAL:
        return ddb_value_new_n(out, ((const ddb_decimal *)p)->text, err);
    case DDB_FIELD_BOOL:
        return ddb_value_new_bool(out, *(const bool *)p, err);
    case DDB_FIELD_UUID:
        return ddb_value_new_s(out, (const char *)p, err);
    default:
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s is not a scalar field", f->name);
    }
}

int ddb_router_key_item(ddb_value **out, const ddb_entity_desc *d, const void *obj, ddb_error *err)
{
    ddb_value *item = NULL;
    int rc;
    if (!out || !d || !obj)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router key: NULL argument");
    if ((rc = ddb_value_new_m(&item, err)) != 0)
        return rc;
    for (size_t k = 0; k < d->n_primary && k < d->n_keys; k++) {
        const ddb_key_desc *key = &d->keys[k];
        for (size_t p = 0; p < key->n_parts; p++) {
            const ddb_field_desc *f;
            ddb_value *v = NULL;
            if (key->parts[p].field < 0)
                continue;
            f = &d->fields[key->parts[p].field];
            if (ddb_value_m_get(item, f->name))
                continue; /* a field used twice in the key */
            if (f->is_list || !scalar_has_value(f, obj)) {
                rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "%s.%s: key field has no value",
                                   d->name, f->name);
                goto fail;
            }
            if ((rc = scalar_value(&v, f, obj, err)) != 0 ||
                (rc = ddb_value_m_set_take(item, f->name, v, err)) != 0)
                goto fail;
        }
    }
    *out = item;
    return 0;
fail:
    ddb_value_free(item);
    return rc;
}

int ddb_router_key_fill(void *obj, const ddb_entity_desc *d, const ddb_value *key, ddb_error *err)
{
    if (!obj || !d || ddb_value_type(key) != DDB_TYPE_M)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router key: not a map");
    for (size_t i = 0; i < ddb_value_count(key); i++) {
        const char *name = NULL;
        const ddb_value *v = ddb_value_m_at(key, i, &name);
        const ddb_field_desc *f = NULL;
        void *p;
        int rc = 0;
        for (size_t j = 0; j < d->n_fields && !f; j++)
            if (strcmp(d->fields[j].name, name) == 0 && !d->fields[j].is_list)
                f = &d->fields[j];
        if (!f)
            return ddb_error_set(err, DDB_ERR_PROTOCOL, "journal key: %s.%s is not a scalar field",
                                 d->name, name);
        p = FIELD_AT(obj, f->offset, char);
        switch (f->kind) {
        case DDB_FIELD_STRING:
        case DDB_FIELD_UUID: {
            const char *s = ddb_value_s(v, NULL);
            if (!s)
                goto wrong_type;
            if (f->kind == DDB_FIELD_UUID) {
                if (!ddb_uuid_valid(s))
                    goto wrong_type;
                memcpy(p, s, 37);
            } else {
                char *copy = dup_str(s);
                if (!copy)
                    return ddb_dal__nomem(err, "journal key");
                free(*(char **)p);
                *(char **)p = copy;
            }
            break;
        }
        case DDB_FIELD_INT64:
            if (ddb_value_type(v) != DDB_TYPE_N || ddb_value_n_i64(v, (int64_t *)p, NULL) != 0)
                goto wrong_type;
            break;
        case DDB_FIELD_DECIMAL:
            if (ddb_value_type(v) != DDB_TYPE_N)
                goto wrong_type;
            rc = ddb_decimal_set((ddb_decimal *)p, ddb_value_n(v), err);
            if (rc)
                return rc;
            break;
        case DDB_FIELD_BOOL:
            if (ddb_value_type(v) != DDB_TYPE_BOOL)
                goto wrong_type;
            *(bool *)p = ddb_value_bool(v);
            break;
        default:
            goto wrong_type;
        }
        if (f->has_offset != DDB_ENTITY_NO_OFFSET)
            *FIELD_AT(obj, f->has_offset, bool) = true;
        continue;
    wrong_type:
        return ddb_error_set(err, DDB_ERR_PROTOCOL, "journal key: %s.%s has the wrong type (%s)",
                             d->name, name, ddb_type_name(ddb_value_type(v)));
    }
    return 0;
}

void ddb_router_write_failed(ddb_router *r, const ddb_entity_desc *d, const char *op,
                             const void *obj, int rc, const ddb_error *err)
{
    ddb_value *key = NULL;
    if (obj)
        ddb_router_key_item(&key, d, obj, NULL);
    ddb_router_secondary_failed(r, d->name, op, key, rc, err);
    ddb_value_free(key);
}

int ddb_router_compare(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                       const void *dynamodb, const void *key_obj)
{
    ddb_value *key = NULL;
    char *fields = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc = 0;
    if (!relational && !dynamodb)
        return 0;
    if (!key_obj)
        key_obj = relational ? relational : dynamodb;
    ddb_router_key_item(&key, d, key_obj, NULL);
    if (!relational || !dynamodb) {
        ddb_router_mismatch(r, d->name, key,
                            relational ? "<absent from dynamodb>" : "<absent from relational>");
        rc = 1;
    } else if ((rc = ddb_router_diff_rules(&fields, NULL, d, relational, dynamodb, r->rules,
                                           r->n_rules, &err)) != 0) {
        ddb_router_logf(r, "cannot compare %s: %s", d->name, err.message);
    } else if (fields) {
        ddb_router_mismatch(r, d->name, key, fields);
        rc = 1;
    }
    free(fields);
    ddb_value_free(key);
    ddb_error_clear(&err);
    return rc;
}

bool ddb_router_sample(ddb_router *r)
{
    uint64_t n;
    if (r->compare_percent >= 100) {
        pthread_mutex_lock(&r->lock);
        r->stats.compared_reads++;
        pthread_mutex_unlock(&r->lock);
        return true;
    }
    if (r->compare_percent <= 0)
        return false;
    /* read n is compared when n*p mod 100 < p: exactly p of every 100 consecutive reads, spread
       evenly (p 10: reads 0, 10, 20...; p 30: 0, 4, 7, 10...) and the same on every run */
    n = atomic_fetch_add(&r->sample_seq, 1);
    if ((n % 100) * (uint64_t)r->compare_percent % 100 >= (uint64_t)r->compare_percent)
        return false;
    pthread_mutex_lock(&r->lock);
    r->stats.compared_reads++;
    pthread_mutex_unlock(&r->lock);
    return true;
}

void ddb_router_count_compared(ddb_router *r)
{
    pthread_mutex_lock(&r->lock);
    r->stats.compared_reads++;
    pthread_mutex_unlock(&r->lock);
}

int ddb_router_key_bucket(const ddb_entity_desc *d, const void *obj)
{
    ddb_value *key = NULL;
    char *json = NULL;
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 */
    if (!d || !obj || ddb_router_key_item(&key, d, obj, NULL) != 0)
        return -1;
    if (ddb_item_to_json(&json, key, NULL) != 0) {
        ddb_value_free(key);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    free(json);
    ddb_value_free(key);
    /* FNV's low bits mix poorly (the last byte's low bits pass straight through): the high half */
    return (int)((h >> 32) % 100);
}

void ddb_router_settings(const ddb_router *r, ddb_router_config *out)
{
    memset(out, 0, sizeof *out);
    out->version = DDB_ROUTER_CONFIG_VERSION;
    out->name = r->name;
    out->phase = ddb_router_phase(r);
    out->journal_path = r->journal_path;
    out->on_event = r->on_event;
    out->event_ctx = r->event_ctx;
    out->log = r->log;
    out->log_ctx = r->log_ctx;
    out->compare_percent = r->compare_percent;
    out->n_field_rules = r->n_rules;
    out->field_rules = r->rules;
    out->sample_by = r->sample_by;
    out->fail_on_mismatch = r->fail_on_mismatch;
    out->secondary_timeout_ms = r->secondary_timeout_ms;
    memcpy(out->on_secondary_failure, r->on_failure, sizeof out->on_secondary_failure);
    out->keep_relational = r->keep_relational;
    out->phase_source = r->source;
}

bool ddb_router_fall_back(ddb_router *r, int from, const char *why)
{
    int expected = from;
    if (from < 2 || from > 5 || !atomic_compare_exchange_strong(&r->phase, &expected, from - 1))
        return false;
    pthread_mutex_lock(&r->lock);
    r->stats.phase = from - 1;
    r->stats.phase_switches++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "phase %d -> %d: stopped: %s", from, from - 1, why ? why : "?");
    send_event(r, "router.phase", NULL, 0, 0);
    if (r->source.read) {
        /* stored too, or the next read of the source would undo the stop in this process */
        ddb_error err = DDB_ERROR_INIT;
        int rc;
        pthread_mutex_lock(&r->source_lock);
        rc = r->source.store(r->source.ctx, from - 1, &err);
        if (rc == 0)
            r->source_read_at = ddb_router_now_ms();
        pthread_mutex_unlock(&r->source_lock);
        if (rc != 0)
            ddb_router_logf(r, "phase %d could not be stored in the phase source: %s: %s", from - 1,
                            ddb_error_code_name(rc), err.message);
        ddb_error_clear(&err);
    }
    return true;
}

bool ddb_router_secondary_time(ddb_router *r, const char *entity, const char *op, double ms)
{
    if (r->secondary_timeout_ms <= 0 || ms <= (double)r->secondary_timeout_ms)
        return false;
    pthread_mutex_lock(&r->lock);
    r->stats.slow_secondaries++;
    pthread_mutex_unlock(&r->lock);
    ddb_router_logf(r, "slow secondary: %s.%s took %.0f ms (limit %d ms)", entity, op, ms,
                    r->secondary_timeout_ms);
    send_event(r, "router.slow_secondary", entity, ms, 0);
    return true;
}

/* A zeroed entity of d, as __INIT makes it; NULL when out of memory. */
static void *fresh_entity(const ddb_entity_desc *d)
{
    return calloc(1, d->size ? d->size : 1);
}

static void drop_entity(const ddb_entity_desc *d, void *obj)
{
    if (obj) {
        ddb_entity_free(d, obj);
        free(obj);
    }
}

/*
 * The difference between a and b (either may be NULL: not found) as a field list for the log:
 * *fields NULL when equal. Returns 0 or the conversion's error.
 */
static int difference(char **fields, const ddb_router *r, const ddb_entity_desc *d, const void *a,
                      const void *b, ddb_error *err)
{
    const char *absent = NULL;
    *fields = NULL;
    if (!a && !b)
        return 0;
    if (!a || !b)
        absent = a ? "<absent from dynamodb>" : "<absent from relational>";
    if (absent) {
        size_t n = strlen(absent) + 1;
        if (!(*fields = malloc(n)))
            return ddb_dal__nomem(err, "router diff");
        memcpy(*fields, absent, n);
        return 0;
    }
    return ddb_router_diff_rules(fields, NULL, d, a, b, r->rules, r->n_rules, err);
}

/* Reads key's entity from side into a fresh entity (*out NULL when not found). */
static int read_again(void **out, const ddb_entity_desc *d, ddb_router_side side, const void *key,
                      ddb_router_get_fn get, void *ctx, ddb_error *err)
{
    void *obj = fresh_entity(d);
    bool found = false;
    int rc;
    *out = NULL;
    if (!obj)
        return ddb_dal__nomem(err, "router re-read");
    rc = get(ctx, side, obj, &found, key, err);
    if (rc != 0 || !found) {
        drop_entity(d, obj);
        return rc;
    }
    *out = obj;
    return 0;
}

/* Both sides hold the entity and DynamoDB's version is below the relational one: the second
 * write of a dual write has not landed yet. */
static bool dynamodb_behind(const ddb_entity_desc *d, const void *rel, const void *dyn)
{
    return rel && dyn && ddb_entity__version_in(d, dyn) < ddb_entity__version_in(d, rel);
}

int ddb_router_check(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                     const void *dynamodb, const void *key_obj, ddb_router_get_fn get,
                     void *get_ctx)
{
    return ddb_router_verify(r, d, relational, dynamodb, key_obj, get, get_ctx, NULL);
}

int ddb_router_verify(ddb_router *r, const ddb_entity_desc *d, const void *relational,
                      const void *dynamodb, const void *key_obj, ddb_router_get_fn get,
                      void *get_ctx, ddb_error *report)
{
    ddb_value *key = NULL;
    char *fields = NULL, *again = NULL;
    void *rel2 = NULL, *dyn2 = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int rc;
    if (!r || !d || !get)
        return DDB_ERR_INVALID_ARG;
    if (!key_obj)
        key_obj = relational ? relational : dynamodb;
    if ((rc = difference(&fields, r, d, relational, dynamodb, &err)) != 0 || !fields)
        goto done;
    /* Differs: read both again, relational first like the writes, before calling it a mismatch.
       A write in flight between the two first reads has reached both sides by then. A hot item
       (stock under concurrent checkouts) can be caught between two writes again: while the
       re-read still shows DynamoDB one version behind, it is read again a little later, up to
       RECHECKS times; a real difference (equal versions, or DynamoDB ahead) is reported at once. */
    for (int attempt = 0; attempt < RECHECKS; attempt++) {
        if (attempt) {
            struct timespec pause = {0, 1000000L << (2 * attempt)}; /* 4 ms, 16 ms */
            if (!dynamodb_behind(d, rel2, dyn2))
                break;
            nanosleep(&pause, NULL);
        }
        drop_entity(d, rel2);
        drop_entity(d, dyn2);
        rel2 = dyn2 = NULL;
        free(again);
        again = NULL;
        if ((rc = read_again(&rel2, d, DDB_ROUTER_RELATIONAL, key_obj, get, get_ctx, &err)) != 0 ||
            (rc = read_again(&dyn2, d, DDB_ROUTER_DYNAMODB, key_obj, get, get_ctx, &err)) != 0 ||
            (rc = difference(&again, r, d, rel2, dyn2, &err)) != 0 || !again)
            break;
    }
    if (rc == 0) {
        if (!again) {
            pthread_mutex_lock(&r->lock);
            r->stats.rechecked++;
            pthread_mutex_unlock(&r->lock);
            send_event(r, "router.rechecked", d->name, 0, 0);
            goto done; /* rc 0: equal after all */
        }
        free(fields);
        fields = again; /* what differs now */
        again = NULL;
    } else {
        ddb_router_logf(r, "re-read of %s failed: %s: %s; reporting the first difference", d->name,
                        ddb_error_code_name(rc), err.message);
    }
    ddb_router_key_item(&key, d, key_obj, NULL);
    mismatch(r, d->name, key, fields, report);
    rc = 1;
done:
    if (rc < 0 && !fields)
        ddb_router_logf(r, "cannot compare %s: %s", d->name, err.message);
    free(fields);
    free(again);
    drop_entity(d, rel2);
    drop_entity(d, dyn2);
    ddb_value_free(key);
    ddb_error_clear(&err);
    return rc;
}

int ddb_router_check_page(ddb_router *r, const ddb_entity_desc *d, const void *const *rel,
                          size_t n_rel, const void *const *dyn, size_t n_dyn, ddb_router_get_fn get,
                          void *get_ctx)
{
    return ddb_router_verify_page(r, d, rel, n_rel, dyn, n_dyn, get, get_ctx, NULL);
}

int ddb_router_verify_page(ddb_router *r, const ddb_entity_desc *d, const void *const *rel,
                           size_t n_rel, const void *const *dyn, size_t n_dyn,
                           ddb_router_get_fn get, void *get_ctx, ddb_error *report)
{
    ddb_value **dyn_keys = NULL;
    ddb_error err = DDB_ERROR_INIT;
    int mismatches = 0, rc = 0;
    if (!r || !d || !get || (n_rel && !rel) || (n_dyn && !dyn))
        return DDB_ERR_INVALID_ARG;
    if (n_rel == 0)
        return 0;
    if (n_dyn && !(dyn_keys = calloc(n_dyn, sizeof *dyn_keys))) {
        ddb_router_logf(r, "cannot compare a page of %s: out of memory", d->name);
        return DDB_ERR_NOMEM;
    }
    /* an entity without a complete key on DynamoDB's side matches nothing (left NULL) */
    for (size_t j = 0; j < n_dyn; j++)
        ddb_router_key_item(&dyn_keys[j], d, dyn[j], NULL);
    for (size_t i = 0; i < n_rel; i++) {
        ddb_value *key = NULL;
        const void *match = NULL;
        void *fetched = NULL;
        int one;
        if (ddb_router_key_item(&key, d, rel[i], &err) != 0) {
            ddb_router_logf(r, "cannot compare %s: %s", d->name, err.message);
            ddb_error_clear(&err);
            continue;
        }
        /* pages are small (a query page is at most 1 MB): a linear search is enough */
        for (size_t j = 0; j < n_dyn && !match; j++)
            if (dyn_keys[j] && ddb_value_equal(key, dyn_keys[j]))
                match = dyn[j];
        ddb_value_free(key);
        if (!match) {
            /* not on DynamoDB's page (another order, another page break, or absent): by key */
            rc = read_again(&fetched, d, DDB_ROUTER_DYNAMODB, rel[i], get, get_ctx, &err);
            if (rc != 0) {
                ddb_router_logf(r, "dual read of %s failed on dynamodb: %s: %s", d->name,
                                ddb_error_code_name(rc), err.message);
                ddb_error_clear(&err);
                continue;
            }
            match = fetched;
        }
        one = ddb_router_verify(r, d, rel[i], match, rel[i], get, get_ctx, report);
        mismatches += one == 1;
        drop_entity(d, fetched);
    }
    for (size_t j = 0; j < n_dyn; j++)
        ddb_value_free(dyn_keys[j]);
    free(dyn_keys);
    ddb_error_clear(&err);
    return mismatches;
}

/* ---- comparison ------------------------------------------------------------------------------ */

/* Absent, NULL and an empty list all mean "no value": a relational row cannot tell them apart. */
static bool no_value(const ddb_value *v)
{
    ddb_type t = ddb_value_type(v);
    return t == 0 || t == DDB_TYPE_NULL || (t == DDB_TYPE_L && ddb_value_count(v) == 0);
}

static bool same_value(const ddb_value *a, const ddb_value *b)
{
    if (no_value(a) || no_value(b))
        return no_value(a) && no_value(b);
    return ddb_value_equal(a, b);
}

/* Appends name to the comma-separated list in *buf (grown as needed). */
static int add_name(char **buf, size_t *len, const char *name)
{
    size_t n = strlen(name), need = *len + (*len ? 1 : 0) + n + 1;
    char *b = realloc(*buf, need);
    if (!b)
        return -1;
    if (*len)
        b[(*len)++] = ',';
    memcpy(b + *len, name, n + 1);
    *len += n;
    *buf = b;
    return 0;
}

/* ---- field rules: cleaners ---- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool trim_equal(const char *a, size_t na, const char *b, size_t nb)
{
    while (na && is_space((unsigned char)*a))
        a++, na--;
    while (na && is_space((unsigned char)a[na - 1]))
        na--;
    while (nb && is_space((unsigned char)*b))
        b++, nb--;
    while (nb && is_space((unsigned char)b[nb - 1]))
        nb--;
    return na == nb && memcmp(a, b, na) == 0;
}

static bool casefold_equal(const char *a, size_t na, const char *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Reads n digits at *p as a number; false when they are not all digits. */
static bool digits(const char **p, const char *end, int n, long long *out)
{
    long long v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, long long m, long long d)
{
    long long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * An ISO-8601 date and time, YYYY-MM-DD(T| )hh:mm:ss[.f...](Z|+hh:mm|-hh:mm|+hhmm|none), as UTC
 * seconds since 1970 and nanoseconds (digits past the ninth are dropped). false: not one.
 */
static bool parse_time(const char *s, size_t n, long long *sec, long long *nsec)
{
    const char *p = s, *end = s + n;
    long long y, mo, d, h, mi, se, frac = 0, off = 0;
    int nfrac = 0;
    if (!digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !digits(&p, end, 2, &mo) ||
        p >= end || *p++ != '-' || !digits(&p, end, 2, &d) || p >= end ||
        (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!digits(&p, end, 2, &h) || p >= end || *p++ != ':' || !digits(&p, end, 2, &mi) ||
        p >= end || *p++ != ':' || !digits(&p, end, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    if (p < end && (*p == '.' || *p == ',')) {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return false;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (nfrac < 9) {
                frac = frac * 10 + (*p - '0');
                nfrac++;
            }
        for (; nfrac < 9; nfrac++)
            frac *= 10;
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        long long oh, om;
        if (!digits(&p, end, 2, &oh))
            return false;
        if (p < end && *p == ':')
            p++;
        if (!digits(&p, end, 2, &om) || oh > 23 || om > 59)
            return false;
        off = sign * (oh * 3600 + om * 60);
    }
    if (p != end)
        return false;
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nsec = frac;
    return true;
}

static bool time_equal(const char *a, size_t na, const char *b, size_t nb, int scale)
{
    long long sa, fa, sb, fb, unit = 1, diff;
    if (!parse_time(a, na, &sa, &fa) || !parse_time(b, nb, &sb, &fb))
        return na == nb && memcmp(a, b, na) == 0;
    for (int i = scale; i < 9; i++)
        unit *= 10;
    if (sa - sb > 1 || sb - sa > 1)
        return false;
    diff = (sa - sb) * 1000000000LL + (fa - fb);
    return (diff < 0 ? -diff : diff) < unit;
}

/* A valid number rounded half away from zero to scale places, canonical (ddb_number_canonical);
 * NULL when it is not a number or out of memory. */
static char *number_round(const char *num, int scale)
{
    char *canon = NULL, *out = NULL, digs[48], buf[80];
    const char *p;
    size_t nd = 0;
    long long exp10 = 0, dot = -1, k;
    bool neg;
    if (ddb_number_canonical(&canon, num, NULL) != 0)
        return NULL;
    /* the canonical form: [-]digits[.digits][E(+|-)x], at most 38 significant digits */
    p = canon;
    neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'E'; p++) {
        if (*p == '.') {
            dot = (long long)nd;
            continue;
        }
        if (nd < sizeof digs - 2)
            digs[nd++] = *p;
    }
    if (*p == 'E')
        exp10 = strtoll(p + 1, NULL, 10);
    free(canon);
    /* value = digs * 10^exp10 */
    exp10 -= dot >= 0 ? (long long)nd - dot : 0;
    k = -(long long)scale - exp10; /* digits to drop from the right */
    if (k > 0) {
        bool up;
        if (k > (long long)nd) {
            nd = 0;
            up = false;
        } else {
            up = digs[nd - (size_t)k] >= '5';
            nd -= (size_t)k;
        }
        exp10 = -(long long)scale;
        if (up) {
            size_t i = nd;
            while (i > 0 && digs[i - 1] == '9')
                digs[--i] = '0';
            if (i == 0) {
                memmove(digs + 1, digs, nd);
                digs[0] = '1';
                nd++;
            } else {
                digs[i - 1]++;
            }
        }
        if (nd == 0)
            digs[nd++] = '0';
    }
    digs[nd] = '\0';
    snprintf(buf, sizeof buf, "%s%sE%lld", neg ? "-" : "", digs, exp10);
    if (ddb_number_canonical(&out, buf, NULL) != 0)
        return NULL;
    return out;
}

static bool number_equal(const char *a, const char *b, int scale)
{
    char *ra = number_round(a, scale), *rb = number_round(b, scale);
    bool eq = ra && rb ? strcmp(ra, rb) == 0 : false;
    free(ra);
    free(rb);
    return eq;
}

/* a and b under a cleaner: scalars cleaned, lists element by element, sets in any order. */
static bool clean_equal(const ddb_router_field_rule *rule, const ddb_value *a, const ddb_value *b)
{
    ddb_type ta = ddb_value_type(a), tb = ddb_value_type(b);
    if (no_value(a) || no_value(b) || ta != tb)
        return same_value(a, b);
    if (ta == DDB_TYPE_S && rule->action != DDB_ROUTER_NUMBER_SCALE) {
        size_t na, nb;
        const char *sa = ddb_value_s(a, &na), *sb = ddb_value_s(b, &nb);
        if (rule->action == DDB_ROUTER_TRIM)
            return trim_equal(sa, na, sb, nb);
        if (rule->action == DDB_ROUTER_CASEFOLD)
            return casefold_equal(sa, na, sb, nb);
        return time_equal(sa, na, sb, nb, rule->scale);
    }
    if (ta == DDB_TYPE_N && rule->action == DDB_ROUTER_NUMBER_SCALE)
        return number_equal(ddb_value_n(a), ddb_value_n(b), rule->scale);
    if (ta == DDB_TYPE_L) {
        if (ddb_value_count(a) != ddb_value_count(b))
            return false;
        for (size_t i = 0; i < ddb_value_count(a); i++)
            if (!clean_equal(rule, ddb_value_l_at(a, i), ddb_value_l_at(b, i)))
                return false;
        return true;
    }
    return same_value(a, b);
}

static const ddb_router_field_rule *rule_for(const ddb_router_field_rule *rules, size_t n,
                                             const char *entity, const char *field)
{
    for (size_t i = 0; i < n; i++)
        if (rules[i].field && strcmp(rules[i].field, field) == 0 &&
            (!rules[i].entity || strcmp(rules[i].entity, entity) == 0) &&
            rules[i].action >= DDB_ROUTER_IGNORE && rules[i].action <= DDB_ROUTER_EQUAL_FN)
            return &rules[i];
    return NULL;
}

static bool field_equal(const ddb_router_field_rule *rules, size_t n_rules,
                        const ddb_entity_desc *d, const char *field, const ddb_value *a,
                        const ddb_value *b)
{
    const ddb_router_field_rule *rule = rule_for(rules, n_rules, d->name, field);
    if (!rule)
        return same_value(a, b);
    if (rule->action == DDB_ROUTER_IGNORE)
        return true;
    if (rule->action == DDB_ROUTER_EQUAL_FN)
        return rule->equal(rule->equal_ctx, d->name, field, a, b);
    return clean_equal(rule, a, b);
}

int ddb_router_diff(char **fields_out, size_t *n_out, const ddb_entity_desc *d, const void *a,
                    const void *b, ddb_error *err)
{
    return ddb_router_diff_rules(fields_out, n_out, d, a, b, NULL, 0, err);
}

int ddb_router_diff_rules(char **fields_out, size_t *n_out, const ddb_entity_desc *d, const void *a,
                          const void *b, const ddb_router_field_rule *rules, size_t n_rules,
                          ddb_error *err)
{
    ddb_value *ia = NULL, *ib = NULL;
    char *names = NULL;
    size_t len = 0, n = 0;
    int rc;
    if (!fields_out || !d || !a || !b || (n_rules && !rules))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "router diff: NULL argument");
    if ((rc = ddb_entity_to_item(&ia, d, a, err)) != 0 ||
        (rc = ddb_entity_to_item(&ib, d, b, err)) != 0)
        goto done;
    for (size_t i = 0; i < d->n_fields; i++) {
        const char *name = d->fields[i].name;
        if (field_equal(rules, n_rules, d, name, ddb_value_m_get(ia, name),
                        ddb_value_m_get(ib, name)))
            continue;
        n++;
        if (add_name(&names, &len, name) != 0) {
            rc = ddb_dal__nomem(err, "router diff");
            goto done;
        }
    }
    if (d->version_attribute && d->version_offset != DDB_ENTITY_NO_OFFSET &&
        !ddb_value_m_get(ia, d->version_attribute) && /* not a field of its own */
        *CFIELD_AT(a, d->version_offset, int64_t) != *CFIELD_AT(b, d->version_offset, int64_t)) {
        const ddb_router_field_rule *rule = rule_for(rules, n_rules, d->name, d->version_attribute);
        if (!rule || rule->action != DDB_ROUTER_IGNORE) {
            n++;
            if (add_name(&names, &len, d->version_attribute) != 0) {
                rc = ddb_dal__nomem(err, "router diff");
                goto done;
            }
        }
    }
    *fields_out = names;
    names = NULL;
    if (n_out)
        *n_out = n;
done:
    free(names);
    ddb_value_free(ia);
    ddb_value_free(ib);
    return rc;
}

/* ---- the repair journal ------------------------------------------------------------------------ */

int ddb_router_journal_append(ddb_router *r, const char *kind, const ddb_value *key, ddb_error *err)
{
    return ddb_router_journal_append_from(r, DDB_ROUTER_RELATIONAL, kind, key, err);
}

/* The member a line of an entry whose replay copies from DynamoDB carries. */
static const char *from_member(ddb_router_side source)
{
    return source == DDB_ROUTER_DYNAMODB ? ",\"from\":\"dynamodb\"" : "";
}

int ddb_router_journal_append_from(ddb_router *r, ddb_router_side source, const char *kind,
                                   const ddb_value *key, ddb_error *err)
{
    json_t *kind_json;
    char *kind_text, *key_text_json = NULL, *line;
    size_t n;
    int rc = 0;
    if (!r || !kind)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "journal append: NULL argument");
    if (!r->journal_path)
        return ddb_error_set(err, DDB_ERR_CONFIG, "router has no repair journal");
    if (key && (rc = ddb_item_to_json(&key_text_json, key, err)) != 0)
        return rc;
    kind_json = json_string(kind);
    kind_text = kind_json ? json_dumps(kind_json, JSON_ENCODE_ANY) : NULL;
    json_decref(kind_json);
    if (!kind_text) {
        free(key_text_json);
        return ddb_dal__nomem(err, "journal line");
    }
    n = strlen(kind_text) + (key_text_json ? strlen(key_text_json) : 0) +
        strlen(from_member(source)) + 32;
    line = malloc(n);
    if (!line) {
        free(kind_text);
        free(key_text_json);
        return ddb_dal__nomem(err, "journal line");
    }
    if (key_text_json)
        n = (size_t)snprintf(line, n, "{\"kind\":%s,\"key\":%s%s}\n", kind_text, key_text_json,
                             from_member(source));
    else
        n = (size_t)snprintf(line, n, "{\"kind\":%s,\"resync\":true%s}\n", kind_text,
                             from_member(source));
    free(kind_text);
    free(key_text_json);

    pthread_mutex_lock(&r->lock);
    rc = append_text(r, line, n, true, err);
    if (rc == 0)
        r->stats.journal_entries++;
    pthread_mutex_unlock(&r->lock);
    free(line);
    return rc;
}

/* "kind":<kind>,"key":<key> or "kind":<kind>,"resync":true, as JSON members; malloc'd. */
static int entry_members(char **out, const char *kind, const ddb_value *key, ddb_router_side source,
                         ddb_error *err)
{
    json_t *kind_json = json_string(kind);
    char *kind_text = kind_json ? json_dumps(kind_json, JSON_ENCODE_ANY) : NULL, *key_json = NULL;
    size_t n;
    int rc = 0;
    json_decref(kind_json);
    *out = NULL;
    if (!kind_text)
        return ddb_dal__nomem(err, "journal line");
    if (key && (rc = ddb_item_to_json(&key_json, key, err)) != 0) {
        free(kind_text);
        return rc;
    }
    n = strlen(kind_text) + (key_json ? strlen(key_json) : 0) + strlen(from_member(source)) + 32;
    if ((*out = malloc(n)) == NULL)
        rc = ddb_dal__nomem(err, "journal line");
    else if (key_json)
        snprintf(*out, n, "\"kind\":%s,\"key\":%s%s", kind_text, key_json, from_member(source));
    else
        snprintf(*out, n, "\"kind\":%s,\"resync\":true%s", kind_text, from_member(source));
    free(kind_text);
    free(key_json);
    return rc;
}

int ddb_router_intent(ddb_router *r, const ddb_router_intent_entry *entries, size_t n, uint64_t *id,
                      ddb_error *err)
{
    return ddb_router_intent_from(r, DDB_ROUTER_RELATIONAL, entries, n, id, err);
}

int ddb_router_intent_from(ddb_router *r, ddb_router_side source,
                           const ddb_router_intent_entry *entries, size_t n, uint64_t *id,
                           ddb_error *err)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    uint64_t this_id;
    int rc = 0;
    if (!r || !id || (n && !entries))
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "journal intent: NULL argument");
    *id = 0;
    if (!r->journal_path || n == 0)
        return 0;
    this_id = r->intent_tag + atomic_fetch_add(&r->intent_seq, 1) + 1;
    if (this_id == 0) /* 0 means "none" */
        this_id = 1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *members = NULL;
        size_t need;
        if (!entries[i].kind) {
            rc =
                ddb_error_set(err, DDB_ERR_INVALID_ARG, "journal intent: entry %zu has no kind", i);
            break;
        }
        if ((rc = entry_members(&members, entries[i].kind, entries[i].key, source, err)) != 0)
            break;
        need = len + strlen(members) + 48;
        if (need > cap) {
            char *nt = realloc(text, need * 2);
            if (!nt) {
                free(members);
                rc = ddb_dal__nomem(err, "journal intent");
                break;
            }
            text = nt;
            cap = need * 2;
        }
        len += (size_t)snprintf(text + len, cap - len, "{%s,\"intent\":\"%016llx\"}\n", members,
                                (unsigned long long)this_id);
        free(members);
    }
    if (rc == 0) {
        pthread_mutex_lock(&r->lock);
        rc = append_text(r, text, len, true, err);
        if (rc == 0)
            r->stats.intents++;
        pthread_mutex_unlock(&r->lock);
    }
    free(text);
    if (rc == 0)
        *id = this_id;
    return rc;
}

static int read_journal(char **data, size_t *len, ddb_router *r, ddb_error *err);
static bool has_id(const uint64_t *ids, size_t n, uint64_t id);
static int grow(void **p, size_t *cap, size_t n, size_t each, ddb_error *err);

/* A journal line's intent or done id (0: neither), read without building an entry. */
static void line_ids(const char *line, size_t len, uint64_t *intent, uint64_t *done)
{
    json_t *root = json_loadb(line, len, 0, NULL);
    const char *text;
    *intent = *done = 0;
    if (!root)
        return;
    if ((text = json_string_value(json_object_get(root, "intent"))) != NULL)
        *intent = strtoull(text, NULL, 16);
    if ((text = json_string_value(json_object_get(root, "done"))) != NULL)
        *done = strtoull(text, NULL, 16);
    json_decref(root);
}

/* Replaces the journal with data[0..len) through "<path>.tmp" (under the exclusive lock). */
static int replace_journal(ddb_router *r, const char *data, size_t len, ddb_error *err)
{
    size_t n = strlen(r->journal_path) + sizeof ".tmp";
    char *tmp = malloc(n);
    int fd, rc = 0;
    if (!tmp)
        return ddb_dal__nomem(err, "journal");
    snprintf(tmp, n, "%s.tmp", r->journal_path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
        rename(tmp, r->journal_path) != 0) {
        rc = ddb_error_set(err, DDB_ERR_INVALID_ARG, "repair journal %s: rewrite failed: %s",
                           r->journal_path, strerror(errno));
        unlink(tmp);
    }
    if (fd >= 0)
        close(fd);
    free(tmp);
    if (rc == 0) {
        /* the old descriptor points at the replaced file */
        if (r->journal_fd >= 0)
            close(r->journal_fd);
        rc = open_journal(r, err);
    }
    return rc;
}

/*
 * Every dual write leaves an intent and its done line: once the journal passes COMPACT_BYTES,
 * closed intents and their done lines are dropped (entries and open intents are kept), so a
 * long phase 2 does not grow it without bound. Called with r->lock held.
 */
#define COMPACT_BYTES (1L << 20)

static void compact_journal(ddb_router *r)
{
    struct stat st;
    char *data = NULL, *kept = NULL;
    uint64_t *dones = NULL;
    size_t len = 0, n_dones = 0, dones_cap = 0, out = 0;
    ddb_error err = DDB_ERROR_INIT;
    if (fstat(r->journal_fd, &st) != 0 || st.st_size < COMPACT_BYTES)
        return;
    flock(r->lock_fd, LOCK_EX);
    if (read_journal(&data, &len, r, &err) != 0 || !(kept = malloc(len + 1)))
        goto done;
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(data + pos, '\n', len - pos);
        uint64_t intent, done;
        if (!nl)
            break;
        line_ids(data + pos, (size_t)(nl - data - pos), &intent, &done);
        if (done && grow((void **)&dones, &dones_cap, n_dones, sizeof *dones, &err) == 0)
            dones[n_dones++] = done;
        pos = (size_t)(nl - data) + 1;
    }
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - data - pos) + 1 : len - pos;
        uint64_t intent, done;
        line_ids(data + pos, nl ? n - 1 : n, &intent, &done);
        /* a torn last line is kept as it is: its writer may still finish it */
        if (!nl || (!done && !(intent && has_id(dones, n_dones, intent)))) {
            memcpy(kept + out, data + pos, n);
            out += n;
        }
        pos += n;
    }
    if (replace_journal(r, kept, out, &err) != 0)
        ddb_router_logf(r, "repair journal: compaction failed: %s", err.message);
done:
    flock(r->lock_fd, LOCK_UN);
    free(data);
    free(kept);
    free(dones);
    ddb_error_clear(&err);
}

void ddb_router_intent_done(ddb_router *r, uint64_t id)
{
    char line[48];
    ddb_error err = DDB_ERROR_INIT;
    int n, rc;
    if (!r || id == 0 || !r->journal_path)
        return;
    n = snprintf(line, sizeof line, "{\"done\":\"%016llx\"}\n", (unsigned long long)id);
    pthread_mutex_lock(&r->lock);
    rc = append_text(r, line, (size_t)n, false, &err);
    if (rc == 0)
        compact_journal(r);
    pthread_mutex_unlock(&r->lock);
    /* the intent stays open: a replay copies that entity once more, which is harmless */
    if (rc != 0)
        ddb_router_logf(r, "repair journal: intent %016llx not closed: %s", (unsigned long long)id,
                        err.message);
    ddb_error_clear(&err);
}

/* The whole journal file, read under r->lock; *data malloc'd (NUL-terminated). */
static int read_journal(char **data, size_t *len, ddb_router *r, ddb_error *err)
{
    FILE *f = fopen(r->journal_path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) {
        if (errno == ENOENT) {
            *data = calloc(1, 1);
            *len = 0;
            return *data ? 0 : ddb_dal__nomem(err, "journal");
        }
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "repair journal %s: %s", r->journal_path,
                             strerror(errno));
    }
    for (;;) {
        size_t got;
        if (n + 65536 + 1 > cap) {
            char *nb;
            if (cap > (size_t)JOURNAL_MAX_BYTES) {
                fclose(f);
                free(buf);
                return ddb_error_set(err, DDB_ERR_LIMIT,
                                     "repair journal %s exceeds %ld bytes; replay it in parts",
                                     r->journal_path, JOURNAL_MAX_BYTES);
            }
            cap = cap ? cap * 2 : (size_t)65536 * 2;
            nb = realloc(buf, cap);
            if (!nb) {
                fclose(f);
                free(buf);
                return ddb_dal__nomem(err, "journal");
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* An intent id as written ("%016llx"); false when text is not one. */
static bool parse_id(const json_t *v, uint64_t *id)
{
    const char *text = json_string_value(v);
    char *end = NULL;
    if (!text || strlen(text) != 16)
        return false;
    errno = 0;
    *id = strtoull(text, &end, 16);
    return errno == 0 && end && *end == '\0' && *id != 0;
}

/*
 * One line: an entry (with *intent its intent id, 0 when none), or a done line (*done its id;
 * e->kind stays NULL).
 */
static int parse_line(ddb_router_journal_entry *e, uint64_t *intent, uint64_t *done,
                      const char *line, size_t len, size_t lineno, ddb_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, 0, &jerr), *kind, *key, *resync, *from, *v;
    int rc = 0;
    memset(e, 0, sizeof *e);
    *intent = *done = 0;
    if (!root || !json_is_object(root))
        goto bad;
    if ((v = json_object_get(root, "done")) != NULL) {
        if (!parse_id(v, done) || json_object_size(root) != 1)
            goto bad;
        goto done;
    }
    if ((v = json_object_get(root, "intent")) != NULL && !parse_id(v, intent))
        goto bad;
    kind = json_object_get(root, "kind");
    key = json_object_get(root, "key");
    resync = json_object_get(root, "resync");
    from = json_object_get(root, "from");
    if (!json_is_string(kind) || (key && !json_is_object(key)) || (!key && !json_is_true(resync)))
        goto bad;
    if (from && (!json_is_string(from) || (strcmp(json_string_value(from), "dynamodb") != 0 &&
                                           strcmp(json_string_value(from), "relational") != 0)))
        goto bad;
    e->source = from && strcmp(json_string_value(from), "dynamodb") == 0 ? DDB_ROUTER_DYNAMODB
                                                                         : DDB_ROUTER_RELATIONAL;
    e->kind = dup_str(json_string_value(kind));
    if (!e->kind) {
        rc = ddb_dal__nomem(err, "journal");
        goto done;
    }
    if (key) {
        char *text = json_dumps(key, JSON_COMPACT);
        if (!text) {
            rc = ddb_dal__nomem(err, "journal");
            goto done;
        }
        ddb_error kerr = DDB_ERROR_INIT;
        rc = ddb_item_from_json(&e->key, text, strlen(text), &kerr);
        free(text);
        if (rc)
            rc = ddb_error_set(err, DDB_ERR_PROTOCOL, "repair journal line %zu: bad key: %s",
                               lineno, kerr.message);
        ddb_error_clear(&kerr);
    }
    goto done;
bad:
    rc = ddb_error_set(err, DDB_ERR_PROTOCOL,
                       "repair journal line %zu: expected {\"kind\":...,\"key\":{...}}, "
                       "{\"kind\":...,\"resync\":true} (either with an \"intent\" id and "
                       "\"from\":\"dynamodb\"|\"relational\") or {\"done\":<intent id>}",
                       lineno);
done:
    json_decref(root);
    if (rc) {
        free(e->kind);
        e->kind = NULL;
        ddb_value_free(e->key);
        e->key = NULL;
    }
    return rc;
}

/* Whether id is among ids[0..n). */
static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Grows *p (of *cap elements of size each) to hold one more than n. */
static int grow(void **p, size_t *cap, size_t n, size_t each, ddb_error *err)
{
    void *np;
    size_t ncap;
    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 16;
    if ((np = realloc(*p, ncap * each)) == NULL)
        return ddb_dal__nomem(err, "journal");
    *p = np;
    *cap = ncap;
    return 0;
}

int ddb_router_journal_load(ddb_router_journal *out, ddb_router *r, ddb_error *err)
{
    ddb_router_journal j = {0, NULL, 0, 0};
    uint64_t *intents = NULL, *dones = NULL;
    char *data = NULL;
    size_t len = 0, pos = 0, lineno = 0, cap = 0, intents_cap = 0, n_dones = 0, dones_cap = 0;
    size_t kept = 0;
    int rc;
    if (!out || !r)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "journal load: NULL argument");
    if (!r->journal_path)
        return ddb_error_set(err, DDB_ERR_CONFIG, "router has no repair journal");
    pthread_mutex_lock(&r->lock);
    flock(r->lock_fd, LOCK_SH);
    rc = read_journal(&data, &len, r, err);
    j.file_id = journal_id(r);
    flock(r->lock_fd, LOCK_UN);
    pthread_mutex_unlock(&r->lock);
    if (rc)
        return rc;
    while (pos < len) {
        char *nl = memchr(data + pos, '\n', len - pos);
        size_t n;
        uint64_t intent, done;
        if (!nl)
            break; /* a torn last line: its writer has not finished (or crashed) */
        n = (size_t)(nl - (data + pos));
        lineno++;
        if (n > 0) {
            if ((rc = grow((void **)&j.entries, &cap, j.n, sizeof *j.entries, err)) != 0 ||
                (rc = grow((void **)&intents, &intents_cap, j.n, sizeof *intents, err)) != 0 ||
                (rc = grow((void **)&dones, &dones_cap, n_dones, sizeof *dones, err)) != 0)
                goto fail;
            if ((rc = parse_line(&j.entries[j.n], &intent, &done, data + pos, n, lineno, err)) != 0)
                goto fail;
            if (done)
                dones[n_dones++] = done;
            else
                intents[j.n++] = intent;
        }
        pos += n + 1;
    }
    /* an intent whose done line came is void: its call completed both writes */
    for (size_t i = 0; i < j.n; i++) {
        if (intents[i] && has_id(dones, n_dones, intents[i])) {
            free(j.entries[i].kind);
            ddb_value_free(j.entries[i].key);
            continue;
        }
        j.entries[kept++] = j.entries[i];
    }
    j.n = kept;
    j.end = (long long)pos;
    free(data);
    free(intents);
    free(dones);
    *out = j;
    return 0;
fail:
    free(data);
    free(intents);
    free(dones);
    ddb_router_journal_clear(&j);
    return rc;
}

int ddb_router_journal_consume(ddb_router *r, const ddb_router_journal *j, ddb_error *err)
{
    char *data = NULL;
    size_t len = 0, keep_from;
    int rc;
    if (!r || !j)
        return ddb_error_set(err, DDB_ERR_INVALID_ARG, "journal consume: NULL argument");
    if (!r->journal_path)
        return ddb_error_set(err, DDB_ERR_CONFIG, "router has no repair journal");
    if (j->end <= 0)
        return 0; /* nothing was loaded, nothing to remove */
    pthread_mutex_lock(&r->lock);
    /* no other process appends while the file is rewritten */
    flock(r->lock_fd, LOCK_EX);
    rc = read_journal(&data, &len, r, err);
    /* the file only grows between load and consume, unless a compaction rewrote it: then
       what was loaded is no longer a prefix, and everything is kept for the next replay */
    keep_from = (size_t)j->end <= len ? (size_t)j->end : len;
    if (rc == 0 && journal_id(r) != j->file_id)
        ddb_router_logf(r, "repair journal %s was rewritten since it was loaded: kept whole",
                        r->journal_path);
    else if (rc == 0)
        rc = replace_journal(r, data + keep_from, len - keep_from, err);
    flock(r->lock_fd, LOCK_UN);
    pthread_mutex_unlock(&r->lock);
    free(data);
    return rc;
}

void ddb_router_journal_clear(ddb_router_journal *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        free(j->entries[i].kind);
        ddb_value_free(j->entries[i].key);
    }
    free(j->entries);
    j->n = 0;
    j->entries = NULL;
    j->end = 0;
}
