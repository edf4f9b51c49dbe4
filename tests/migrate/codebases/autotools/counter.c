#include "counter.h"

void counter_inc(counter *c)
{
    c->value++;
}

void counter_reset(counter *c)
{
    c->value = 0;
}
