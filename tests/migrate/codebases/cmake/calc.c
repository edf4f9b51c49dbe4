#include "calc.h"

int calc_add(int a, int b)
{
    return a + b;
}

int calc_sub(int a, int b)
{
    return a - b;
}

int calc_mul(int a, int b)
{
    return a * b;
}
