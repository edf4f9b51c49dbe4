#include <ctype.h>

#include "shout.h"

void shout_upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

int shout_is_loud(const char *s)
{
    for (; *s; s++)
        if (islower((unsigned char)*s))
            return 0;
    return 1;
}
