/* Internal: the waits of the batch and transaction helpers between their own resends. */
#ifndef DDB_BACKOFF_H
#define DDB_BACKOFF_H

/*
 * Exponential backoff with full jitter: a random time in [0, min(cap_ms, base_ms * 2^round)),
 * for round 1, 2, ... (the wait before the round-th resend).
 */
double ddb_backoff__delay_ms(int round, double base_ms, double cap_ms);

/* Sleep for ms milliseconds (nothing when ms <= 0), resuming after signals. */
void ddb_backoff__sleep_ms(double ms);

#endif
