/* SPDX-License-Identifier: BSD-3-Clause */
/* The log: line format, levels, escaping, the journald prefix, sl_fatal. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "test_conf.h"

static int pfd[2];

/* stderr into a pipe (each test runs in its own process under Check). */
static void capture(void)
{
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(fcntl(pfd[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(dup2(pfd[1], STDERR_FILENO), STDERR_FILENO);
}

static const char *captured(void)
{
	static char out[8192];
	ssize_t n = read(pfd[0], out, sizeof(out) - 1);

	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void assert_matches(const char *text, const char *re)
{
	regex_t rx;

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&rx, text, 0, NULL, 0) == 0, "'%s' does not match %s", text, re);
	regfree(&rx);
}

START_TEST(format_and_levels)
{
	unsetenv("JOURNAL_STREAM");
	capture();
	sl_log_init("sip", SL_LOG_NOTICE);
	ck_assert_int_eq(sl_log_get_level(), SL_LOG_NOTICE);
	errno = ENOENT;
	log_warn("listening on %s:%d", "10.0.0.1", 5061);
	ck_assert_int_eq(errno, ENOENT);	/* logging keeps errno */
	log_info("not shown");
	log_debug("not shown");
	assert_matches(captured(),
		       "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
		       "WARN sip: listening on 10\\.0\\.0\\.1:5061\n$");
	sl_log_set_level(SL_LOG_DEBUG);
	sl_log_set_proc("ca");
	log_debug("now %d", 1);
	assert_matches(captured(), "Z DEBUG ca: now 1\n$");
}
END_TEST

/* A CR/LF from the network cannot start a forged line. */
START_TEST(escaping)
{
	unsetenv("JOURNAL_STREAM");
	capture();
	sl_log_init("sip", SL_LOG_INFO);
	log_err("From: %s", "evil\r\n2026-01-01T00:00:00.000Z ERR sip: forged\x7f");
	const char *out = captured();

	ck_assert_ptr_nonnull(strstr(out, "ERR sip: From: evil\\x0d\\x0a2026-01-01T00:00:00.000Z ERR sip: forged\\x7f\n"));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(long_message)
{
	char big[5000];

	unsetenv("JOURNAL_STREAM");
	capture();
	sl_log_init("sip", SL_LOG_INFO);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	const char *out = captured();
	size_t n = strlen(out);

	ck_assert_uint_lt(n, 2200);
	ck_assert_str_eq(out + n - 5, "a...\n");
}
END_TEST

/* Under systemd the journal stream gets a syslog priority and no timestamp. */
START_TEST(journal)
{
	struct stat st;
	char js[64];

	capture();
	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	sl_log_init("shieldlockd", SL_LOG_INFO);
	log_err("store: %s", "locked");
	log_notice("started");
	ck_assert_str_eq(captured(), "<3>ERR shieldlockd: store: locked\n<5>NOTICE shieldlockd: started\n");
	/* Another stream (e.g. redirected to a file) gets timestamps again. */
	setenv("JOURNAL_STREAM", "1:1", 1);
	sl_log_init("shieldlockd", SL_LOG_INFO);
	log_err("x");
	assert_matches(captured(), "^[0-9-]+T[0-9:.]+Z ERR shieldlockd: x\n$");
}
END_TEST

START_TEST(fatal)
{
	unsetenv("JOURNAL_STREAM");
	sl_log_init("sip", SL_LOG_ERR);
	sl_fatal("unknown message type %u", 99u);
}
END_TEST

TCase *tcase_log(void)
{
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, format_and_levels);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, long_message);
	tcase_add_test(tc, journal);
	tcase_add_exit_test(tc, fatal, 1);
	return tc;
}
