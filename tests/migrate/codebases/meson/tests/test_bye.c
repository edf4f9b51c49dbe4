#include <string.h>

#include "../greet.h"

int main(void)
{
    return strcmp(greet_bye(), "bye") == 0 ? 0 : 1;
}
