/* The AWS shared configuration files and the resolution of the client's settings. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "wire/config.h"

char *ddb_config__format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- storage -------------------------------------------------------------------------------- */

typedef struct prop {
    char *key; /* as written; "parent.key" for a sub-property */
    char *value;
} prop;

typedef enum section_kind { SECTION_PROFILE = 1, SECTION_SERVICES } section_kind;

typedef struct section {
    section_kind kind;
    ddb_config__file_kind origin;
    bool legacy_default; /* [default] in the config file, which [profile default] overrides */
    char *name;
    prop *props;
    size_t n_props, cap_props;
} section;

struct ddb_config__files {
    section *sections;
    size_t n_sections, cap_sections;
    char *config_path;
    char *credentials_path;
};

static void section_clear(section *s)
{
    for (size_t i = 0; i < s->n_props; i++) {
        free(s->props[i].key);
        free(s->props[i].value);
    }
    free(s->props);
    free(s->name);
}

int ddb_config__new(ddb_config__files **out, ddb_error *err)
{
    ddb_config__files *f = calloc(1, sizeof(*f));
    if (!f) {
        ddb_error__nomem(err, "configuration");
        return DDB_ERR_NOMEM;
    }
    *out = f;
    return 0;
}

void ddb_config__free(ddb_config__files *files)
{
    if (!files)
        return;
    for (size_t i = 0; i < files->n_sections; i++)
        section_clear(&files->sections[i]);
    free(files->sections);
    free(files->config_path);
    free(files->credentials_path);
    free(files);
}

const char *ddb_config__config_path(const ddb_config__files *files)
{
    return files && files->config_path ? files->config_path : "";
}

const char *ddb_config__credentials_path(const ddb_config__files *files)
{
    return files && files->credentials_path ? files->credentials_path : "";
}

/* Append a section; returns its index, or -1 when out of memory. */
static long add_section(ddb_config__files *f, section_kind kind, ddb_config__file_kind origin,
                        bool legacy_default, const char *name, size_t name_len)
{
    if (f->n_sections == f->cap_sections) {
        size_t cap = f->cap_sections ? f->cap_sections * 2 : 8;
        section *grown = realloc(f->sections, cap * sizeof(*grown));
        if (!grown)
            return -1;
        f->sections = grown;
        f->cap_sections = cap;
    }
    char *copy = strndup(name, name_len);
    if (!copy)
        return -1;
    f->sections[f->n_sections] =
        (section){.kind = kind, .origin = origin, .legacy_default = legacy_default, .name = copy};
    return (long)f->n_sections++;
}

/* Set key to value in a section, replacing an earlier value (the later line wins). Returns the
 * property's index, or -1 when out of memory. */
static long set_prop(section *s, const char *key, size_t key_len, const char *value,
                     size_t value_len)
{
    char *v = strndup(value, value_len);
    if (!v)
        return -1;
    for (size_t i = 0; i < s->n_props; i++) {
        if (strlen(s->props[i].key) == key_len && strncasecmp(s->props[i].key, key, key_len) == 0) {
            free(s->props[i].value);
            s->props[i].value = v;
            return (long)i;
        }
    }
    if (s->n_props == s->cap_props) {
        size_t cap = s->cap_props ? s->cap_props * 2 : 8;
        prop *grown = realloc(s->props, cap * sizeof(*grown));
        if (!grown) {
            free(v);
            return -1;
        }
        s->props = grown;
        s->cap_props = cap;
    }
    char *k = strndup(key, key_len);
    if (!k) {
        free(v);
        return -1;
    }
    s->props[s->n_props] = (prop){k, v};
    return (long)s->n_props++;
}

/* ---- parsing -------------------------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim [*start, *end) of blanks on both sides. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && is_blank(**start))
        (*start)++;
    while (*end > *start && (is_blank((*end)[-1]) || (*end)[-1] == '\r'))
        (*end)--;
}

/* A value's inline comment starts at '#' or ';' preceded by whitespace; cut it off. */
static const char *cut_comment(const char *start, const char *end)
{
    for (const char *p = start + 1; p < end; p++)
        if ((*p == '#' || *p == ';') && is_blank(p[-1]))
            return p;
    return end;
}

typedef struct parse_state {
    ddb_config__files *files;
    ddb_config__file_kind kind;
    const char *origin;
    size_t line;
    long section;     /* index into files->sections; -1 before the first or in an ignored one */
    bool any_section; /* a section header (even an ignored one) has been seen */
    long prop;        /* the last property of the section, for continuations; -1 if none */
    bool parent;      /* that property had an empty value: indented lines are sub-properties */
} parse_state;

static int syntax_error(parse_state *st, const char *what, ddb_error *err)
{
    /* The line's text is never quoted: it may hold a secret key. */
    return ddb_error__set(err, DDB_ERR_CONFIG, "%s line %zu: %s", st->origin, st->line, what);
}

static int parse_section(parse_state *st, const char *start, const char *end, ddb_error *err)
{
    const char *close = memchr(start, ']', (size_t)(end - start));
    if (!close)
        return syntax_error(st, "section header has no closing ']'", err);
    const char *rest = close + 1, *rest_end = end;
    trim(&rest, &rest_end);
    if (rest < rest_end && *rest != '#' && *rest != ';')
        return syntax_error(st, "unexpected text after the section header", err);
    const char *name = start + 1, *name_end = close;
    trim(&name, &name_end);
    size_t len = (size_t)(name_end - name);
    st->section = -1;
    st->prop = -1;
    st->any_section = true;

    section_kind kind = SECTION_PROFILE;
    bool legacy = false;
    if (st->kind == DDB_CONFIG__CREDENTIALS) {
        /* Credentials file sections are profile names as written. */
    } else if (len == 7 && strncmp(name, "default", 7) == 0) {
        legacy = true;
    } else if (len > 7 && strncmp(name, "profile", 7) == 0 && is_blank(name[7])) {
        name += 8;
        trim(&name, &name_end);
    } else if (len > 8 && strncmp(name, "services", 8) == 0 && is_blank(name[8])) {
        kind = SECTION_SERVICES;
        name += 9;
        trim(&name, &name_end);
    } else {
        return 0; /* [sso-session x], [plugins], a bare name: not ours, ignored like the SDKs */
    }
    if (name == name_end)
        return 0; /* "[profile]" names nothing; the SDKs ignore it too */
    long idx = add_section(st->files, kind, st->kind, legacy, name, (size_t)(name_end - name));
    if (idx < 0)
        return ddb_error__nomem(err, "configuration section");
    st->section = idx;
    return 0;
}

static int parse_property(parse_state *st, const char *start, const char *end, bool sub,
                          ddb_error *err)
{
    const char *eq = memchr(start, '=', (size_t)(end - start));
    if (!eq)
        return syntax_error(st,
                            sub ? "expected an indented \"key = value\" sub-property"
                                : "expected \"key = value\" or a [section] header",
                            err);
    const char *key = start, *key_end = eq;
    trim(&key, &key_end);
    if (key == key_end)
        return syntax_error(st, "property has no name before '='", err);
    const char *value = eq + 1, *value_end = end;
    trim(&value, &value_end);
    if (value < value_end)
        value_end = cut_comment(value, value_end);
    trim(&value, &value_end);
    if (!sub && !st->any_section)
        return syntax_error(st, "property before any [section] header", err);
    if (st->section < 0)
        return 0; /* inside an ignored section */
    section *s = &st->files->sections[st->section];
    if (sub) {
        const char *parent = s->props[st->prop].key;
        size_t plen = strlen(parent), klen = (size_t)(key_end - key);
        if (plen + klen + 2 > 512)
            return syntax_error(st, "sub-property name is too long", err);
        char full[512];
        memcpy(full, parent, plen);
        full[plen] = '.';
        memcpy(full + plen + 1, key, klen);
        if (set_prop(s, full, plen + 1 + klen, value, (size_t)(value_end - value)) < 0)
            return ddb_error__nomem(err, "configuration property");
        return 0;
    }
    long idx = set_prop(s, key, (size_t)(key_end - key), value, (size_t)(value_end - value));
    if (idx < 0)
        return ddb_error__nomem(err, "configuration property");
    st->prop = idx;
    st->parent = value == value_end;
    return 0;
}

/* An indented line: a sub-property after an empty value, else more of the previous value. */
static int parse_continuation(parse_state *st, const char *start, const char *end, ddb_error *err)
{
    if (st->section < 0) {
        if (!st->any_section)
            return syntax_error(st, "indented line before any [section] header", err);
        return 0; /* continuation inside an ignored section */
    }
    if (st->prop < 0)
        return syntax_error(st, "indented line does not continue a property", err);
    if (st->parent)
        return parse_property(st, start, end, true, err);
    prop *p = &st->files->sections[st->section].props[st->prop];
    const char *text = start, *text_end = end;
    trim(&text, &text_end);
    size_t old = strlen(p->value), add = (size_t)(text_end - text);
    char *grown = realloc(p->value, old + add + 2);
    if (!grown)
        return ddb_error__nomem(err, "configuration value");
    grown[old] = '\n';
    memcpy(grown + old + 1, text, add);
    grown[old + 1 + add] = '\0';
    p->value = grown;
    return 0;
}

int ddb_config__parse(ddb_config__files *files, ddb_config__file_kind kind, const char *text,
                      size_t len, const char *origin, ddb_error *err)
{
    if (!files || (!text && len) || !origin)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "configuration parse: NULL argument");
    if (len > DDB_CONFIG__MAX_FILE)
        return ddb_error__set(err, DDB_ERR_CONFIG, "%s is %zu bytes, more than the %zu allowed",
                              origin, len, DDB_CONFIG__MAX_FILE);
    parse_state st = {.files = files, .kind = kind, .origin = origin, .section = -1, .prop = -1};
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        st.line++;
        if (memchr(p, '\0', (size_t)(line_end - p)))
            return syntax_error(&st, "line contains a NUL byte", err);
        const char *t = p, *t_end = line_end;
        trim(&t, &t_end);
        int rc = 0;
        if (t == t_end || *t == '#' || *t == ';')
            rc = 0; /* blank or comment */
        else if (is_blank(*p))
            rc = parse_continuation(&st, p, line_end, err);
        else if (*p == '[')
            rc = parse_section(&st, t, t_end, err);
        else
            rc = parse_property(&st, p, line_end, false, err);
        if (rc)
            return rc;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* ---- loading -------------------------------------------------------------------------------- */

/* The path of a file: the variable's value ("~/" expanded) or ~/.aws/<name>. NULL when neither
 * can be formed (no HOME); *nomem tells an allocation failure apart. */
static char *file_path(const char *env_name, const char *default_name, bool *nomem)
{
    const char *set = ddb_config__env(env_name);
    const char *home = getenv("HOME");
    char *path = NULL;
    *nomem = false;
    if (set && strncmp(set, "~/", 2) != 0)
        path = strdup(set);
    else if (!home || !*home)
        return NULL;
    else if (set)
        path = ddb_config__format("%s/%s", home, set + 2);
    else
        path = ddb_config__format("%s/.aws/%s", home, default_name);
    if (!path)
        *nomem = true;
    return path;
}

/* Read a whole file of at most DDB_CONFIG__MAX_FILE bytes. A missing file gives *text NULL. */
static int read_file(char **text, size_t *len, const char *path, ddb_error *err)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return ddb_error__set(err, DDB_ERR_CONFIG, "cannot open %s: %s", path, strerror(errno));
    }
    int rc = 0;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG, "%s is a directory, not a file", path);
        goto done;
    }
    for (;;) {
        if (n == cap) {
            if (cap > DDB_CONFIG__MAX_FILE) {
                rc = ddb_error__set(err, DDB_ERR_CONFIG, "%s is larger than %zu bytes", path,
                                    DDB_CONFIG__MAX_FILE);
                goto done;
            }
            size_t grown_cap = cap ? cap * 2 : 4096;
            char *grown = realloc(buf, grown_cap + 1);
            if (!grown) {
                rc = ddb_error__nomem(err, "configuration file");
                goto done;
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = ddb_error__set(err, DDB_ERR_CONFIG, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > DDB_CONFIG__MAX_FILE) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG, "%s is larger than %zu bytes", path,
                            DDB_CONFIG__MAX_FILE);
        goto done;
    }
    if (!buf && !(buf = malloc(1))) {
        rc = ddb_error__nomem(err, "configuration file");
        goto done;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
done:
    if (buf) {
        explicit_bzero(buf, cap);
        free(buf);
    }
    close(fd);
    return rc;
}

static int load_one(ddb_config__files *f, ddb_config__file_kind kind, const char *env_name,
                    const char *default_name, char **path_out, ddb_error *err)
{
    bool nomem = false;
    char *path = file_path(env_name, default_name, &nomem);
    if (!path)
        return nomem ? ddb_error__nomem(err, "configuration path") : 0;
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(&text, &len, path, err);
    if (rc == 0 && text)
        rc = ddb_config__parse(f, kind, text, len, path, err);
    if (text) {
        explicit_bzero(text, len); /* the credentials file holds secret keys */
        free(text);
    }
    *path_out = path;
    return rc;
}

int ddb_config__load(ddb_config__files **out, ddb_error *err)
{
    if (!out)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "out must not be NULL");
    ddb_config__files *f = NULL;
    int rc = ddb_config__new(&f, err);
    if (rc)
        return rc;
    if ((rc = load_one(f, DDB_CONFIG__CONFIG, "AWS_CONFIG_FILE", "config", &f->config_path, err)) !=
        0)
        goto done;
    if ((rc = load_one(f, DDB_CONFIG__CREDENTIALS, "AWS_SHARED_CREDENTIALS_FILE", "credentials",
                       &f->credentials_path, err)) != 0)
        goto done;
    *out = f;
    f = NULL;
done:
    ddb_config__free(f);
    return rc;
}

/* ---- lookup --------------------------------------------------------------------------------- */

static const char *section_get(const section *s, const char *key)
{
    for (size_t i = 0; i < s->n_props; i++)
        if (strcasecmp(s->props[i].key, key) == 0)
            return s->props[i].value;
    return NULL;
}

/* With both [default] and [profile default] in the config file, the SDKs use the latter only. */
static bool skip_legacy_default(const ddb_config__files *f, const char *profile)
{
    if (strcmp(profile, "default") != 0)
        return false;
    for (size_t i = 0; i < f->n_sections; i++) {
        const section *s = &f->sections[i];
        if (s->kind == SECTION_PROFILE && s->origin == DDB_CONFIG__CONFIG && !s->legacy_default &&
            strcmp(s->name, "default") == 0)
            return true;
    }
    return false;
}

bool ddb_config__has_profile(const ddb_config__files *files, const char *profile)
{
    if (!files || !profile)
        return false;
    for (size_t i = 0; i < files->n_sections; i++)
        if (files->sections[i].kind == SECTION_PROFILE &&
            strcmp(files->sections[i].name, profile) == 0)
            return true;
    return false;
}

const char *ddb_config__get(const ddb_config__files *files, const char *profile, const char *key)
{
    if (!files || !profile || !key)
        return NULL;
    bool skip_legacy = skip_legacy_default(files, profile);
    /* Credentials file first, then the config file; within one, the later section wins. */
    for (int pass = 0; pass < 2; pass++) {
        ddb_config__file_kind origin = pass == 0 ? DDB_CONFIG__CREDENTIALS : DDB_CONFIG__CONFIG;
        for (size_t i = files->n_sections; i-- > 0;) {
            const section *s = &files->sections[i];
            if (s->kind != SECTION_PROFILE || s->origin != origin || strcmp(s->name, profile) != 0)
                continue;
            if (skip_legacy && s->legacy_default)
                continue;
            const char *v = section_get(s, key);
            if (v)
                return v;
        }
    }
    return NULL;
}

const char *ddb_config__services_get(const ddb_config__files *files, const char *services,
                                     const char *key)
{
    if (!files || !services || !key)
        return NULL;
    for (size_t i = files->n_sections; i-- > 0;) {
        const section *s = &files->sections[i];
        if (s->kind == SECTION_SERVICES && strcmp(s->name, services) == 0) {
            const char *v = section_get(s, key);
            if (v)
                return v;
        }
    }
    return NULL;
}

/* ---- settings ------------------------------------------------------------------------------- */

const char *ddb_config__env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *ddb_config__profile_name(const char *option)
{
    if (option && *option)
        return option;
    const char *env = ddb_config__env("AWS_PROFILE");
    return env ? env : "default";
}

static int parse_bool(bool *out, const char *v)
{
    if (strcasecmp(v, "true") == 0)
        *out = true;
    else if (strcasecmp(v, "false") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

int ddb_config__bool(bool *out, const ddb_config__files *files, const char *profile,
                     const char *env_name, const char *profile_key, ddb_error *err)
{
    const char *v = env_name ? ddb_config__env(env_name) : NULL;
    if (v) {
        if (parse_bool(out, v) != 0)
            return ddb_error__set(err, DDB_ERR_CONFIG, "%s=\"%.40s\" must be true or false",
                                  env_name, v);
        return 0;
    }
    v = profile_key ? ddb_config__get(files, profile, profile_key) : NULL;
    if (v && parse_bool(out, v) != 0)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "%s = \"%.40s\" in profile \"%s\" must be true or false", profile_key,
                              v, profile);
    return 0;
}

int ddb_config__ignore_endpoints(bool *out, const ddb_config__files *files, const char *profile,
                                 bool option, ddb_error *err)
{
    bool ignore = false;
    int rc = ddb_config__bool(&ignore, files, profile, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                              "ignore_configured_endpoint_urls", err);
    if (rc)
        return rc;
    *out = option || ignore;
    return 0;
}

void ddb_config__service_endpoint(const char **url, char *source, size_t source_cap,
                                  const ddb_config__files *files, const char *profile,
                                  const char *env_id, const char *service_key)
{
    char name[96];
    snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", env_id);
    const char *v = ddb_config__env(name);
    if (v) {
        snprintf(source, source_cap, "%s", name);
        *url = v;
        return;
    }
    if ((v = ddb_config__env("AWS_ENDPOINT_URL")) != NULL) {
        snprintf(source, source_cap, "AWS_ENDPOINT_URL");
        *url = v;
        return;
    }
    const char *services = ddb_config__get(files, profile, "services");
    if (services) {
        char key[96];
        snprintf(key, sizeof(key), "%s.endpoint_url", service_key);
        if ((v = ddb_config__services_get(files, services, key)) != NULL && *v) {
            snprintf(source, source_cap, "%s in [services %s] of profile \"%s\"", key, services,
                     profile);
            *url = v;
            return;
        }
    }
    if ((v = ddb_config__get(files, profile, "endpoint_url")) != NULL && *v) {
        snprintf(source, source_cap, "endpoint_url of profile \"%s\"", profile);
        *url = v;
        return;
    }
    *url = NULL;
    if (source_cap)
        source[0] = '\0';
}

bool ddb_config__region_valid(const char *region)
{
    size_t n = region ? strlen(region) : 0;
    if (n == 0 || n > 63 || region[0] == '-' || region[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = region[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return false;
    }
    return true;
}

/* The partitions, from the SDKs' partitions.json: region prefix, DNS suffix, dual-stack suffix. */
typedef struct partition {
    const char *name;
    const char *prefix;
    const char *dns;
    const char *dualstack; /* NULL: no dual-stack endpoints */
} partition;

static const partition partitions[] = {
    {"aws-cn", "cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
    {"aws-us-gov", "us-gov-", "amazonaws.com", "api.aws"},
    {"aws-iso-b", "us-isob-", "sc2s.sgov.gov", NULL},
    {"aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", NULL},
    {"aws-iso-f", "us-isof-", "csp.hci.ic.gov", NULL},
    {"aws-iso", "us-iso-", "c2s.ic.gov", NULL},
};
static const partition aws_partition = {"aws", "", "amazonaws.com", "api.aws"};

int ddb_config__aws_endpoint(char **out, const char *service, const char *region, bool fips,
                             bool dualstack, ddb_error *err)
{
    if (!ddb_config__region_valid(region))
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "region \"%.64s\" is not a valid AWS region name", region);
    const partition *p = &aws_partition;
    for (size_t i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++)
        if (strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)) == 0) {
            p = &partitions[i];
            break;
        }
    if (dualstack && !p->dualstack)
        return ddb_error__set(err, DDB_ERR_CONFIG,
                              "dual-stack endpoints are not available in partition %s (region %s)",
                              p->name, region);
    const char *suffix = dualstack ? p->dualstack : p->dns;
    /* In GovCloud the plain regional endpoint is the FIPS one (the endpoint rules say so). */
    bool fips_host = fips && !(strcmp(p->name, "aws-us-gov") == 0 && !dualstack);
    char *url =
        ddb_config__format("https://%s%s.%s.%s", service, fips_host ? "-fips" : "", region, suffix);
    if (!url)
        return ddb_error__nomem(err, "endpoint");
    *out = url;
    return 0;
}

void ddb_config__client_clear(ddb_config__client *c)
{
    if (!c)
        return;
    free(c->profile);
    free(c->region);
    free(c->endpoint);
    free(c->endpoint_source);
    free(c->profile_retry_mode);
    memset(c, 0, sizeof(*c));
}

int ddb_config__resolve_client(ddb_config__client *out, const ddb_config__files *files,
                               const ddb_client_options *opts, ddb_error *err)
{
    if (!out || !opts)
        return ddb_error__set(err, DDB_ERR_INVALID_ARG, "configuration: NULL argument");
    ddb_config__client r = {0};
    int rc = 0;
    const char *profile = ddb_config__profile_name(opts->profile);
    bool named = (opts->profile && *opts->profile) || ddb_config__env("AWS_PROFILE");
    if (named && !ddb_config__has_profile(files, profile)) {
        rc = ddb_error__set(
            err, DDB_ERR_CONFIG, "profile \"%s\" (from %s) is not in %s or %s", profile,
            opts->profile && *opts->profile ? "the client option profile" : "AWS_PROFILE",
            *ddb_config__config_path(files) ? ddb_config__config_path(files) : "the config file",
            *ddb_config__credentials_path(files) ? ddb_config__credentials_path(files)
                                                 : "the credentials file");
        goto done;
    }

    const char *region = NULL;
    if (opts->region && *opts->region) {
        region = opts->region;
        r.region_source = "the client option region";
    } else if ((region = ddb_config__env("AWS_REGION")) != NULL) {
        r.region_source = "AWS_REGION";
    } else if ((region = ddb_config__env("AWS_DEFAULT_REGION")) != NULL) {
        r.region_source = "AWS_DEFAULT_REGION";
    } else if ((region = ddb_config__get(files, profile, "region")) != NULL && *region) {
        r.region_source = "the profile's region";
    } else {
        rc = ddb_error__set(err, DDB_ERR_CONFIG,
                            "no AWS region configured: set the client option region, the "
                            "AWS_REGION environment variable, or region = <name> in profile "
                            "\"%s\" of %s",
                            profile,
                            *ddb_config__config_path(files) ? ddb_config__config_path(files)
                                                            : "~/.aws/config");
        goto done;
    }
    if (!ddb_config__region_valid(region)) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG,
                            "region \"%.64s\" from %s is not a valid AWS region name", region,
                            r.region_source);
        goto done;
    }

    r.use_fips = opts->use_fips_endpoint;
    if (!r.use_fips && (rc = ddb_config__bool(&r.use_fips, files, profile, "AWS_USE_FIPS_ENDPOINT",
                                              "use_fips_endpoint", err)) != 0)
        goto done;
    r.use_dualstack = opts->use_dualstack_endpoint;
    if (!r.use_dualstack &&
        (rc = ddb_config__bool(&r.use_dualstack, files, profile, "AWS_USE_DUALSTACK_ENDPOINT",
                               "use_dualstack_endpoint", err)) != 0)
        goto done;

    char source[256] = "";
    const char *endpoint = NULL;
    if (opts->endpoint && *opts->endpoint) {
        endpoint = opts->endpoint;
        snprintf(source, sizeof(source), "the client option endpoint");
    } else {
        bool ignore = false;
        if ((rc = ddb_config__ignore_endpoints(&ignore, files, profile,
                                               opts->ignore_configured_endpoint_urls, err)) != 0)
            goto done;
        if (!ignore)
            ddb_config__service_endpoint(&endpoint, source, sizeof(source), files, profile,
                                         "DYNAMODB", "dynamodb");
    }
    if (endpoint && (r.use_fips || r.use_dualstack)) {
        rc = ddb_error__set(err, DDB_ERR_CONFIG,
                            "%s endpoints cannot be combined with the endpoint from %s",
                            r.use_fips ? "FIPS" : "dual-stack", source);
        goto done;
    }
    if (endpoint) {
        r.endpoint = strdup(endpoint);
    } else {
        if ((rc = ddb_config__aws_endpoint(&r.endpoint, "dynamodb", region, r.use_fips,
                                           r.use_dualstack, err)) != 0)
            goto done;
        snprintf(source, sizeof(source), "the AWS endpoint for the region");
    }
    r.endpoint_source = strdup(source);
    r.profile = strdup(profile);
    r.region = strdup(region);
    if (!r.endpoint || !r.endpoint_source || !r.profile || !r.region) {
        rc = ddb_error__nomem(err, "client configuration");
        goto done;
    }

    const char *max = ddb_config__get(files, profile, "max_attempts");
    if (max && *max) {
        char *end = NULL;
        errno = 0;
        long v = strtol(max, &end, 10);
        if (errno || !end || *end || end == max || v < 1 || v > INT_MAX) {
            rc = ddb_error__set(err, DDB_ERR_CONFIG,
                                "max_attempts = \"%.40s\" in profile \"%s\" must be a whole "
                                "number of at least 1",
                                max, profile);
            goto done;
        }
        r.profile_max_attempts = (int)v;
    }
    const char *mode = ddb_config__get(files, profile, "retry_mode");
    if (mode && *mode && !(r.profile_retry_mode = strdup(mode))) {
        rc = ddb_error__nomem(err, "client configuration");
        goto done;
    }
    *out = r;
    memset(&r, 0, sizeof(r));
done:
    ddb_config__client_clear(&r);
    return rc;
}
