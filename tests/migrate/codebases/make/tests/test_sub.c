#include <string.h>

#include "str.h"

int main(void)
{
    char s[] = "abc";
    str_reverse(s);
    return strcmp(s, "cba") == 0 ? 0 : 1;
}
