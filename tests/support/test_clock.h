/*
 * A clock for a client under test (ddb_client__set_clock), so that a test counts and controls the
 * waits a client takes on its own instead of timing them with the wall clock:
 *
 * - TEST_CLOCK_MANUAL: time stands still until the test calls test_clock_advance; a sleep the
 *   client asks for is recorded and moves the clock forward by exactly that much, at once.
 * - TEST_CLOCK_RECORDING: the real monotonic clock and a real sleep, every sleep recorded. For
 *   tests that also look at real gaps (the proxy's), where only lower bounds are safe to assert.
 *
 * Thread safety: all functions may be called from any thread.
 */
#ifndef DDB_TEST_CLOCK_H
#define DDB_TEST_CLOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "ddb/wire/client.h"

#define TEST_CLOCK_MAX_SLEEPS 256

typedef enum test_clock_mode {
    TEST_CLOCK_MANUAL = 1,
    TEST_CLOCK_RECORDING,
} test_clock_mode;

typedef struct test_clock {
    pthread_mutex_t lock;
    test_clock_mode mode;
    double now_ms;                        /* TEST_CLOCK_MANUAL: the current time */
    double sleeps[TEST_CLOCK_MAX_SLEEPS]; /* every sleep asked for since the last reset */
    int n_sleeps;
    double slept_ms; /* their sum */
} test_clock;

/* Initialise k (a manual clock starts at 1000000 ms) and make it c's clock. */
void test_clock_attach(test_clock *k, test_clock_mode mode, ddb_client *c);

/* Forget the sleeps recorded so far. */
void test_clock_reset(test_clock *k);

/* Manual clocks: move time forward by ms. */
void test_clock_advance(test_clock *k, double ms);

/* The clock's time now (for a manual clock: what the client sees). */
double test_clock_now(test_clock *k);

/* Copies, under the lock: the number of sleeps, their sum, and sleep i (-1 if there is none). */
int test_clock_sleeps(test_clock *k);
double test_clock_slept(test_clock *k);
double test_clock_sleep_at(test_clock *k, int i);

void test_clock_destroy(test_clock *k);

#endif
