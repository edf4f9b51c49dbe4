#include "test_clock.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "wire/client_internal.h"

static double real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double clock_now(void *ctx)
{
    return test_clock_now(ctx);
}

static void clock_sleep(void *ctx, double ms)
{
    test_clock *k = ctx;
    pthread_mutex_lock(&k->lock);
    if (k->n_sleeps < TEST_CLOCK_MAX_SLEEPS)
        k->sleeps[k->n_sleeps] = ms;
    k->n_sleeps++;
    k->slept_ms += ms;
    test_clock_mode mode = k->mode;
    if (mode == TEST_CLOCK_MANUAL)
        k->now_ms += ms;
    pthread_mutex_unlock(&k->lock);
    if (mode == TEST_CLOCK_RECORDING) {
        struct timespec ts = {(time_t)(ms / 1000.0), (long)(fmod(ms, 1000.0) * 1e6)};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
}

void test_clock_attach(test_clock *k, test_clock_mode mode, ddb_client *c)
{
    memset(k, 0, sizeof(*k));
    pthread_mutex_init(&k->lock, NULL);
    k->mode = mode;
    k->now_ms = 1000000.0;
    ddb_client__clock hook = {.now_ms = clock_now, .sleep_ms = clock_sleep, .ctx = k};
    ddb_client__set_clock(c, &hook);
}

void test_clock_reset(test_clock *k)
{
    pthread_mutex_lock(&k->lock);
    k->n_sleeps = 0;
    k->slept_ms = 0;
    pthread_mutex_unlock(&k->lock);
}

void test_clock_advance(test_clock *k, double ms)
{
    pthread_mutex_lock(&k->lock);
    k->now_ms += ms;
    pthread_mutex_unlock(&k->lock);
}

double test_clock_now(test_clock *k)
{
    if (k->mode == TEST_CLOCK_RECORDING)
        return real_now_ms();
    pthread_mutex_lock(&k->lock);
    double now = k->now_ms;
    pthread_mutex_unlock(&k->lock);
    return now;
}

int test_clock_sleeps(test_clock *k)
{
    pthread_mutex_lock(&k->lock);
    int n = k->n_sleeps;
    pthread_mutex_unlock(&k->lock);
    return n;
}

double test_clock_slept(test_clock *k)
{
    pthread_mutex_lock(&k->lock);
    double ms = k->slept_ms;
    pthread_mutex_unlock(&k->lock);
    return ms;
}

double test_clock_sleep_at(test_clock *k, int i)
{
    pthread_mutex_lock(&k->lock);
    double ms = i >= 0 && i < k->n_sleeps && i < TEST_CLOCK_MAX_SLEEPS ? k->sleeps[i] : -1;
    pthread_mutex_unlock(&k->lock);
    return ms;
}

void test_clock_destroy(test_clock *k)
{
    pthread_mutex_destroy(&k->lock);
}
