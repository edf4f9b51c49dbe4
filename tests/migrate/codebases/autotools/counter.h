#ifndef COUNTER_H
#define COUNTER_H
typedef struct counter {
    long value;
} counter;
void counter_inc(counter *c);
void counter_reset(counter *c);
#endif
