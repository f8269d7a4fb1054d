/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SL_TEST_STORE_H
#define SL_TEST_STORE_H

#include <check.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct tstore {
	char dir[256];
	char path[320];
	struct sl_store *st;
	char err[512];
};

extern struct tstore T;			/* per test (Check forks each test) */
extern const uint8_t test_key[SL_STORE_MASTER_KEY_LEN];
extern const uint8_t other_key[SL_STORE_MASTER_KEY_LEN];

void ts_mkdir(struct tstore *t);		/* temp dir + path, no store */
void ts_setup(void);			/* fixture: T with an open fresh store */
void ts_teardown(void);
void ts_rmdir(struct tstore *t);		/* closes, removes the files and dir */
void ts_reopen(struct tstore *t, const uint8_t *key);
/* Runs SQL on the store's file through a separate connection; returns the
 * number of rows changed. */
int ts_raw_exec(const char *path, const char *sql);
sqlite3 *ts_raw_open(const char *path);
void test_hex(const uint8_t *in, size_t len, char *out);
/* Adds a user with realm "sl.test" (fails the test on error). */
void ts_add_user(const char *name, const char *password);

TCase *tcase_schema(void);
TCase *tcase_profiles(void);
TCase *tcase_users(void);
TCase *tcase_devices(void);
TCase *tcase_trunks(void);
TCase *tcase_regs(void);
TCase *tcase_calls(void);
TCase *tcase_crypt(void);
TCase *tcase_capf(void);

#endif
