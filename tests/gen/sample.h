/*
 * Sample entities for the generated-code tests: a value for every field, made from the entity's
 * descriptor (ddb/dal/entity.h), so one helper serves every model.
 */
#ifndef GEN_SAMPLE_H
#define GEN_SAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb/dal/entity.h"

/* A value for every field of an entity, varied by seed. */
static inline void make_sample(void *obj, const ddb_entity_desc *d, int seed)
{
    for (size_t i = 0; i < d->n_fields; i++) {
        const ddb_field_desc *f = &d->fields[i];
        char *p = (char *)obj + f->offset;
        char text[96];
        size_t n = f->is_list ? 2 : 1;
        char *items;
        snprintf(text, sizeof text, "%s-%d", f->name, seed);
        if (f->has_offset != DDB_ENTITY_NO_OFFSET)
            *(bool *)((char *)obj + f->has_offset) = true;
        if (f->is_list) {
            size_t sz = f->kind == DDB_FIELD_INT64     ? sizeof(int64_t)
                        : f->kind == DDB_FIELD_DECIMAL ? sizeof(ddb_decimal)
                        : f->kind == DDB_FIELD_BOOL    ? sizeof(bool)
                                                       : sizeof(void *);
            items = calloc(n, sz);
            *(void **)p = items;
            *(size_t *)((char *)obj + f->count_offset) = n;
        } else {
            items = p;
        }
        for (size_t j = 0; j < n; j++) {
            switch (f->kind) {
            case DDB_FIELD_STRING:
                ((char **)items)[j] = strdup(text);
                break;
            case DDB_FIELD_INT64:
                ((int64_t *)items)[j] = 1000 + seed;
                break;
            case DDB_FIELD_DECIMAL:
                ddb_decimal_set(&((ddb_decimal *)items)[j], seed ? "12.50" : "0.10", NULL);
                break;
            case DDB_FIELD_BOOL:
                ((bool *)items)[j] = seed % 2 == 1;
                break;
            case DDB_FIELD_UUID:
                snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", seed);
                if (f->is_list)
                    ((char **)items)[j] = strdup(text);
                else
                    memcpy(items, text, 37);
                break;
            case DDB_FIELD_VALUE:
                ddb_value_new_m(&((ddb_value **)items)[j], NULL);
                ddb_value_m_set_s(((ddb_value **)items)[j], "k", text, NULL);
                break;
            }
        }
    }
}

static inline void *new_obj(const ddb_entity_desc *d, int seed)
{
    void *obj = calloc(1, d->size);
    make_sample(obj, d, seed);
    return obj;
}

static inline void free_obj(const ddb_entity_desc *d, void *obj)
{
    ddb_entity_free(d, obj);
    free(obj);
}

#endif
