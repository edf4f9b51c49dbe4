#ifndef STR_H
#define STR_H
#include <stddef.h>
size_t str_count(const char *s, char c);
void str_reverse(char *s);
#endif
