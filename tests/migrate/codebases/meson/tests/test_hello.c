#include <string.h>

#include "../greet.h"

int main(void)
{
    return strcmp(greet_hello(), "hello") == 0 ? 0 : 1;
}
