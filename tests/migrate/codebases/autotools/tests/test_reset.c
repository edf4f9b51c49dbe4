#include "counter.h"

int main(void)
{
    counter c = {7};
    counter_reset(&c);
    return c.value == 0 ? 0 : 1;
}
