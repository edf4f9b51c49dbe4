/*
 * Test helpers for configuration and credentials: a clean AWS environment and temporary files.
 *
 * Thread safety: none; these change the process environment and are for a test's set-up only.
 */
#ifndef DDB_TEST_TESTENV_H
#define DDB_TEST_TESTENV_H

/*
 * Unset every AWS_* setting ddbkit reads, point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at
 * /dev/null, and set AWS_EC2_METADATA_DISABLED=true so no test can reach 169.254.169.254.
 */
void testenv_clean(void);

/* A new empty directory under $TMPDIR (or /tmp); exits the test on failure. Caller frees. */
char *testenv_tmpdir(void);

/* Write dir/rel (creating parent folders) with the given content and mode; returns the path
 * (caller frees); exits on failure. */
char *testenv_write(const char *dir, const char *rel, const char *content, int mode);

/* Remove a directory tree made by testenv_tmpdir. */
void testenv_rmtree(const char *dir);

/*
 * Move this process into a network namespace of its own, with only a loopback interface (brought
 * up), so that nothing it sends can leave the machine: a connection to any address but loopback,
 * DNS included, fails at once with a network error. For tests whose configuration points at the
 * real AWS endpoints. Call it first in the test case, before any thread is started. Tries
 * unshare(CLONE_NEWNET) (root), then a user namespace as well (unprivileged). When neither works
 * it prints a loud SKIP and exits 77 (registered as CTest's skip code), or under CI=true prints
 * FAIL and exits 1: in CI nothing may skip.
 */
void testenv_isolate_network(void);

#endif
