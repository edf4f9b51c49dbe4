#include <string.h>

#include "shout.h"

int main(void)
{
    char s[] = "hey";
    shout_upper(s);
    return strcmp(s, "HEY") == 0 ? 0 : 1;
}
