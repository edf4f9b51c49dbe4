/* One case per run: test_calc add|sub|mul. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "add") == 0)
        return calc_add(2, 3) == 5 ? 0 : 1;
    if (strcmp(c, "sub") == 0)
        return calc_sub(2, 3) == -1 ? 0 : 1;
    if (strcmp(c, "mul") == 0)
        return calc_mul(2, 3) == 6 ? 0 : 1;
    fprintf(stderr, "unknown case '%s'\n", c);
    return 2;
}
