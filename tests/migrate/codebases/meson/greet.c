#include "greet.h"

const char *greet_hello(void)
{
    return "hello";
}

const char *greet_bye(void)
{
    return "bye";
}
