/*
 * The migration's state: .ddbkit/migration.json, the one record ddbkit writes, and MIGRATION.md
 * rendered from it (docs/design/migrate-state.md says why two files).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migrate/migrate_internal.h"

struct ddbmig_state {
    char *root;      /* the codebase, resolved */
    json_t *doc;     /* the document */
    json_t *current; /* the inputs' hashes now, by ddbmig__hash_inputs */
};

static const char *const input_name[] = {"model", "sources", "tests", "build"};
#define N_INPUTS (sizeof(input_name) / sizeof(input_name[0]))

static void now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const ddbmig_step_def *find_def(const char *name)
{
    size_t n;
    const ddbmig_step_def *d = ddbmig_steps(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            return &d[i];
    return NULL;
}

/* The model's path as recorded: relative when it lies inside the codebase, so the record moves
 * with a copy or a clone of the repository. */
static const char *recorded_model_path(const char *root, const char *model_real)
{
    size_t n = strlen(root);
    if (strncmp(model_real, root, n) == 0 && model_real[n] == '/')
        return model_real + n + 1;
    return model_real;
}

/* The recorded model's path resolved against the codebase, in a new string. */
static char *resolve_model(const ddbmig_state *s)
{
    const char *p = json_string_value(json_object_get(json_object_get(s->doc, "model"), "path"));
    if (!p)
        return NULL;
    return p[0] == '/' ? strdup(p) : ddbmig__path(s->root, p);
}

/* Checks a loaded document's shape and adds the steps a newer ddbkit knows and it lacks. */
static int check_doc(json_t *doc, const char *path, ddbmig_error *err)
{
    size_t n, i;
    const ddbmig_step_def *defs = ddbmig_steps(&n);
    json_t *steps = json_object_get(doc, "steps"), *step;
    json_t *format = json_object_get(doc, "format");
    if (!json_is_object(doc))
        return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: the document is not a JSON object", path);
    if (!json_is_integer(format) || json_integer_value(format) != DDBMIG_STATE_FORMAT)
        return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: $.format is not %d", path,
                           DDBMIG_STATE_FORMAT);
    if (!json_is_string(json_object_get(json_object_get(doc, "model"), "path")))
        return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: $.model.path is not a string", path);
    if (!json_is_array(steps))
        return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: $.steps is not an array", path);
    json_array_foreach(steps, i, step) {
        const char *name = json_string_value(json_object_get(step, "name"));
        const char *status = json_string_value(json_object_get(step, "status"));
        if (!name || !find_def(name))
            return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: $.steps[%zu].name is not a step", path,
                               i);
        if (!status || (strcmp(status, "pending") != 0 && strcmp(status, "done") != 0 &&
                        strcmp(status, "stale") != 0))
            return DDBMIG_FAIL(err, DDBMIG_ERR_STATE,
                               "%s: $.steps[%zu].status is not pending, done or stale", path, i);
        if (strcmp(status, "pending") == 0)
            continue;
        if (!json_is_object(json_object_get(step, "inputs")))
            return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s: $.steps[%zu].inputs is missing", path,
                               i);
        if (!json_is_string(json_object_get(step, "done_at")) ||
            !json_is_string(json_object_get(step, "commit")))
            return DDBMIG_FAIL(err, DDBMIG_ERR_STATE,
                               "%s: $.steps[%zu] is %s without a done_at and a commit", path, i,
                               status);
    }
    for (i = 0; i < n; i++)
        if (!ddbmig__find_step(doc, defs[i].name) &&
            json_array_append_new(
                steps, json_pack("{s:s, s:s}", "name", defs[i].name, "status", "pending")) != 0)
            return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    return 0;
}

static int load_doc(json_t **out, const char *root, ddbmig_error *err)
{
    char *path = ddbmig__path(root, DDBMIG_STATE_FILE);
    json_error_t je;
    json_t *doc = NULL;
    int rc = 0;
    if (!path)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NO_STATE,
                         "%s has no migration state (%s); run ddbkit migrate init first", root,
                         DDBMIG_STATE_FILE);
        goto done;
    }
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        goto done;
    }
    rc = check_doc(doc, path, err);
    if (rc)
        goto done;
    *out = doc;
    doc = NULL;
done:
    json_decref(doc);
    free(path);
    return rc;
}

static json_t *new_doc(const char *model_rec, const char *model_sha)
{
    size_t n;
    const ddbmig_step_def *defs = ddbmig_steps(&n);
    char now[32];
    json_t *steps = json_array(), *doc;
    now_utc(now);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(steps,
                              json_pack("{s:s, s:s}", "name", defs[i].name, "status", "pending"));
    doc = json_pack(
        "{s:i, s:s, s:{s:s, s:s}, s:s, s:s, s:o}", "format", DDBMIG_STATE_FORMAT, "written_by",
        "ddbkit migrate: do not edit; MIGRATION.md is rendered from this file", "model", "path",
        model_rec, "sha256", model_sha, "created", now, "updated", now, "steps", steps);
    return doc;
}

static unsigned input_bit(size_t i)
{
    return 1u << i; /* input_name follows the order of DDBMIG_IN_* */
}

/* Marks each done or stale step stale when an input it recorded has changed since, and done
 * again when all match. */
static int refresh(ddbmig_state *s, ddbmig_error *err)
{
    char *model = resolve_model(s);
    json_t *cur = NULL, *step;
    size_t i;
    int rc;
    if (!model)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    /* An unreadable model leaves "model" out of the hashes: what recorded it turns stale. */
    rc = ddbmig__hash_inputs(&cur, s->root, access(model, R_OK) == 0 ? model : NULL, err);
    free(model);
    if (rc)
        return rc;
    json_decref(s->current);
    s->current = cur;
    json_array_foreach(json_object_get(s->doc, "steps"), i, step) {
        const char *status = json_string_value(json_object_get(step, "status"));
        json_t *inputs = json_object_get(step, "inputs"), *changed;
        if (strcmp(status, "pending") == 0)
            continue;
        changed = json_array();
        for (size_t k = 0; k < N_INPUTS; k++) {
            const char *was = json_string_value(json_object_get(inputs, input_name[k]));
            const char *now =
                json_string_value(json_object_get(json_object_get(cur, input_name[k]), "sha256"));
            if (was && (!now || strcmp(was, now) != 0))
                json_array_append_new(changed, json_string(input_name[k]));
        }
        if (json_array_size(changed) > 0) {
            json_object_set_new(step, "status", json_string("stale"));
            json_object_set_new(step, "stale_inputs", changed);
        } else {
            json_object_set_new(step, "status", json_string("done"));
            json_object_del(step, "stale_inputs");
            json_decref(changed);
        }
    }
    return 0;
}

static int resolve_codebase(char **out, const char *codebase, ddbmig_error *err)
{
    struct stat st;
    char *real;
    if (stat(codebase, &st) != 0)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--codebase %s: %s", codebase, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--codebase %s is not a folder", codebase);
    real = realpath(codebase, NULL);
    if (!real)
        return DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--codebase %s: %s", codebase, strerror(errno));
    *out = real;
    return 0;
}

int ddbmig_state_open(ddbmig_state **out, const char *codebase, ddbmig_error *err)
{
    ddbmig_state *s = calloc(1, sizeof(*s));
    int rc;
    if (!s)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    rc = resolve_codebase(&s->root, codebase, err);
    if (!rc)
        rc = load_doc(&s->doc, s->root, err);
    if (!rc)
        rc = refresh(s, err);
    if (rc) {
        ddbmig_state_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int ddbmig_init(ddbmig_state **out, const char *codebase, const char *model, bool force,
                ddbmig_error *err)
{
    ddbmig_state *s = calloc(1, sizeof(*s));
    char *model_real = NULL, *dir = NULL, *was = NULL, *was_real = NULL, sha[65];
    struct stat st;
    int rc;
    if (!s)
        return DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    rc = resolve_codebase(&s->root, codebase, err);
    if (rc)
        goto done;
    if (stat(model, &st) != 0) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--model %s: %s", model, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--model %s is not a file", model);
        goto done;
    }
    model_real = realpath(model, NULL);
    if (!model_real) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_IO, "--model %s: %s", model, strerror(errno));
        goto done;
    }
    rc = ddbmig__sha256_file(sha, model_real, err);
    if (rc)
        goto done;
    dir = ddbmig__path(s->root, DDBMIG_DIR);
    if (!dir) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = ddbmig__mkdir(dir, err);
    if (rc)
        goto done;
    rc = load_doc(&s->doc, s->root, err);
    if (rc == DDBMIG_ERR_NO_STATE) {
        s->doc = new_doc(recorded_model_path(s->root, model_real), sha);
        rc = s->doc ? 0 : DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        was = resolve_model(s);
        if (!was) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
            goto done;
        }
        was_real = realpath(was, NULL);
        if (strcmp(was_real ? was_real : was, model_real) != 0) {
            if (!force) {
                rc = DDBMIG_FAIL(err, DDBMIG_ERR_MODEL,
                                 "the migration of %s is recorded for the model %s, not %s; "
                                 "give --force to switch models",
                                 s->root, was, model_real);
                goto done;
            }
            json_object_set_new(json_object_get(s->doc, "model"), "path",
                                json_string(recorded_model_path(s->root, model_real)));
        }
        json_object_set_new(json_object_get(s->doc, "model"), "sha256", json_string(sha));
    }
    if (rc)
        goto done;
    rc = refresh(s, err);
    if (!rc)
        rc = ddbmig_state_save(s, err);
    if (rc)
        goto done;
    *out = s;
    s = NULL;
done:
    free(was_real);
    free(was);
    free(dir);
    free(model_real);
    ddbmig_state_free(s);
    return rc;
}

/* The codebase's commit: HEAD when the codebase is itself the top of a git work tree (not a
 * folder inside someone else's repository), else "none". */
static json_t *commit_of(const ddbmig_state *s)
{
    const char *argv[] = {"git", "rev-parse", "--show-toplevel", "HEAD", NULL};
    char *log = ddbmig__path(s->root, DDBMIG_DIR "/logs/git.log"), *text = NULL;
    char *logs = ddbmig__path(s->root, DDBMIG_DIR "/logs");
    char *top_real = NULL, *nl;
    json_t *commit = NULL;
    int status = -1;
    if (!log || !logs || !ddbmig__have_tool("git") || ddbmig__mkdir(logs, NULL) != 0 ||
        ddbmig__run(&status, argv, s->root, log, 30, NULL) != 0 || status != 0 ||
        ddbmig__read_file(&text, NULL, log, NULL) != 0)
        goto done;
    nl = strchr(text, '\n');
    if (!nl)
        goto done;
    *nl = '\0';
    top_real = realpath(text, NULL);
    if (top_real && strcmp(top_real, s->root) == 0 && strlen(nl + 1) >= 40)
        commit = json_stringn(nl + 1, 40);
done:
    free(top_real);
    free(text);
    free(logs);
    free(log);
    return commit ? commit : json_string("none");
}

int ddbmig_state_mark_done(ddbmig_state *s, const char *name, json_t *figures, ddbmig_error *err)
{
    const ddbmig_step_def *def = find_def(name);
    json_t *step = ddbmig__find_step(s->doc, name), *inputs;
    char now[32];
    if (!def || !step) {
        json_decref(figures);
        return DDBMIG_FAIL(err, DDBMIG_ERR_STATE, "no step named '%s'", name);
    }
    inputs = json_object();
    for (size_t k = 0; k < N_INPUTS; k++) {
        const char *sha;
        if (!(def->inputs & input_bit(k)))
            continue;
        sha = json_string_value(
            json_object_get(json_object_get(s->current, input_name[k]), "sha256"));
        json_object_set_new(inputs, input_name[k], sha ? json_string(sha) : json_null());
    }
    now_utc(now);
    json_object_clear(step);
    json_object_set_new(step, "name", json_string(name));
    json_object_set_new(step, "status", json_string("done"));
    json_object_set_new(step, "done_at", json_string(now));
    json_object_set_new(step, "commit", commit_of(s));
    json_object_set_new(step, "figures", figures);
    json_object_set_new(step, "inputs", inputs);
    return 0;
}

/* Removes what a killed write left behind: "<name>.tmp.XXXXXX" beside the file. */
static void sweep_tmp(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = strlen(name);
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, name, n) == 0 && strncmp(de->d_name + n, ".tmp.", 5) == 0 &&
            strlen(de->d_name + n) == 11) {
            char *p = ddbmig__path(dir, de->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    }
    closedir(d);
}

int ddbmig_state_save(ddbmig_state *s, ddbmig_error *err)
{
    char *state_path = ddbmig__path(s->root, DDBMIG_STATE_FILE);
    char *report_path = ddbmig__path(s->root, DDBMIG_REPORT_FILE);
    char *dir = ddbmig__path(s->root, DDBMIG_DIR);
    char *text = NULL, *md = NULL, now[32];
    int rc = 0;
    if (!state_path || !report_path || !dir) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    now_utc(now);
    json_object_set_new(s->doc, "updated", json_string(now));
    text = json_dumps(s->doc, JSON_INDENT(2));
    if (!text) {
        rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = ddbmig__render(&md, s->doc, err);
    if (rc)
        goto done;
    sweep_tmp(dir, "migration.json");
    sweep_tmp(s->root, DDBMIG_REPORT_FILE);
    /* The JSON first: it is the record; a kill before the second rename leaves a MIGRATION.md
     * that the next run renders again. */
    {
        size_t len = strlen(text);
        char *with_nl = realloc(text, len + 2);
        if (!with_nl) {
            rc = DDBMIG_FAIL(err, DDBMIG_ERR_NOMEM, "out of memory");
            goto done;
        }
        text = with_nl;
        memcpy(text + len, "\n", 2);
    }
    rc = ddbmig__write_atomic(state_path, text, strlen(text), err);
    if (!rc)
        rc = ddbmig__write_atomic(report_path, md, strlen(md), err);
done:
    free(md);
    free(text);
    free(dir);
    free(report_path);
    free(state_path);
    return rc;
}

const json_t *ddbmig_state_json(const ddbmig_state *s)
{
    return s->doc;
}

void ddbmig_state_free(ddbmig_state *s)
{
    if (!s)
        return;
    json_decref(s->current);
    json_decref(s->doc);
    free(s->root);
    free(s);
}
