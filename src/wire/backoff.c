#include <math.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <time.h>

#include "wire/backoff.h"

/* A uniform number in [0, 1). Jitter needs no cryptographic quality; RAND_bytes is at hand and
 * thread-safe. If it fails, the midpoint keeps the backoff growing. */
static double uniform01(void)
{
    uint32_t r;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        return 0.5;
    return (double)r / 4294967296.0;
}

double ddb_backoff__delay_ms(int round, double base_ms, double cap_ms)
{
    if (round < 1)
        round = 1;
    double ceiling = base_ms * pow(2.0, round < 60 ? round : 60);
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    return ceiling > 0 ? uniform01() * ceiling : 0;
}

void ddb_backoff__sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000.0), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}
