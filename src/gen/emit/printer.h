/*
 * The emitters' printer: text with named variables, in the style of protoc's Printer. A
 * variable is its name between two delimiters ("@ns@__@e@" with '@'); set it with emit_set.
 * A delimiter that does not open a variable that is set is written as it is, so text that
 * holds the delimiter (an e-mail address in a comment) needs no escaping. Lines are not
 * measured here: every generated C file is wrapped at the house limit afterwards (wrap.h).
 * Not a public interface.
 */
#ifndef DDBGEN_EMIT_PRINTER_H
#define DDBGEN_EMIT_PRINTER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/util.h"

#define EMIT_MAX_VARS 16

typedef struct emit_printer {
    char delim;
    size_t n_vars;
    char names[EMIT_MAX_VARS][16];
    char *values[EMIT_MAX_VARS]; /* owned copies */
    bool failed;                 /* out of memory or of variables: the output is incomplete */
} emit_printer;

void emit_printer_init(emit_printer *p, char delim);
void emit_printer_fini(emit_printer *p);

/* Sets (a copy of) value for name, or unsets it with NULL. */
void emit_set(emit_printer *p, const char *name, const char *value);
/* As emit_set, with the value formatted. */
void emit_setf(emit_printer *p, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends text to out with every set variable replaced by its value. */
void emit_print(const emit_printer *p, ddbgen_buf *out, const char *text);

#endif /* DDBGEN_EMIT_PRINTER_H */
