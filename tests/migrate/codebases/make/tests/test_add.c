#include "str.h"

int main(void)
{
    return str_count("banana", 'a') == 3 ? 0 : 1;
}
