/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Administration interface tests: a temporary store per test, commands run
 * through sl_admin_exec (and, in test_server.c, over the socket).
 */
#ifndef TEST_ADMIN_H
#define TEST_ADMIN_H

#include <check.h>
#include <stdbool.h>

#include "admin.h"
#include "conf.h"
#include "store.h"

struct fx {
	char dir[64];
	char db[128];
	struct sl_store *st;
	struct sl_conf conf;
	struct sl_admin_ctx ctx;
	int changed;			/* dir_changed calls */
	struct sl_admin_out out;	/* output of the last cmd() */
};

extern struct fx fx;

void fx_setup(void);
void fx_teardown(void);

/*
 * Runs a command line (words split on spaces; 'single quotes' group words)
 * through sl_admin_exec; the output is in fx.out.buf. Returns the status.
 */
int cmd(bool json, const char *line);
/* Asserts status 0 and returns the output. */
#define OK(line) ({ int st_ = cmd(false, line); \
	ck_assert_msg(st_ == 0, "'%s': status %d: %s", line, st_, fx.out.buf); fx.out.buf; })
#define OKJ(line) ({ int st_ = cmd(true, line); \
	ck_assert_msg(st_ == 0, "'%s': status %d: %s", line, st_, fx.out.buf); \
	ck_assert_msg(json_valid(fx.out.buf), "'%s': invalid JSON: %s", line, fx.out.buf); fx.out.buf; })
/* Asserts the status and that the message contains text. */
#define FAILS(line, status, text) do { int st_ = cmd(false, line); \
	ck_assert_msg(st_ == (status), "'%s': status %d, want %d: %s", line, st_, status, fx.out.buf); \
	ck_assert_msg(strstr(fx.out.buf, text), "'%s': message '%s' lacks '%s'", line, fx.out.buf, text); \
	} while (0)

/* Strict RFC 8259 syntax check of one document (plus trailing whitespace). */
bool json_valid(const char *s);

TCase *tc_user(void);
TCase *tc_device(void);
TCase *tc_trunk(void);
TCase *tc_status(void);
TCase *tc_misc(void);
TCase *tc_server(void);
TCase *tc_capf(void);

#endif
