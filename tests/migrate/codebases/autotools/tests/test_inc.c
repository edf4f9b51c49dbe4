#include "counter.h"

int main(void)
{
    counter c = {41};
    counter_inc(&c);
    return c.value == 42 ? 0 : 1;
}
