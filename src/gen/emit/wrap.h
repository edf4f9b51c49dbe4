/*
 * The last pass over every generated .c and .h: no line over the house limit where a break is
 * possible, so that the emitters print without measuring. Not a public interface.
 *
 * Code breaks after a comma, after && or ||, or after an open bracket, at the outermost bracket
 * that fits; its continuation aligns one column after that bracket (clang-format's
 * AlignAfterOpenBracket), or is indented when the bracket is far right. A string literal that
 * starts a line and does not fit is split into adjacent literals. A comment breaks between words
 * and keeps its prefix. Preprocessor lines and macro continuations are left as they are, and so
 * is a line with nowhere to break (one long word).
 */
#ifndef DDBGEN_EMIT_WRAP_H
#define DDBGEN_EMIT_WRAP_H

#include <stddef.h>

#include "model/util.h"

/* Rewrites b with its long lines wrapped at `limit` columns. Returns 0, or -1 out of memory. */
int emit_wrap_c(ddbgen_buf *b, size_t limit);

#endif /* DDBGEN_EMIT_WRAP_H */
