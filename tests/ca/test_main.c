/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the ca process and the first-start material (suite 'unit'). */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ca.h"
#include "log.h"
#include "test_ca.h"

void test_tmpdir(char *dir, size_t cap)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, cap, "%s/sl-ca-test-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void test_rmrf(const char *dir)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void test_path(char *out, size_t cap, const char *dir, const char *rel)
{
	ck_assert_int_lt(snprintf(out, cap, "%s/%s", dir, rel), (int)cap);
}

void test_conf(struct sl_conf *c, const char *dir)
{
	sl_conf_defaults(c);
	test_path(c->state_dir, sizeof(c->state_dir), dir, "state");
	snprintf(c->node_name, sizeof(c->node_name), "%s", TEST_NODE);
	snprintf(c->advertised_host, sizeof(c->advertised_host), "%s", TEST_ADDR);
	test_path(c->tls_cert, sizeof(c->tls_cert), c->state_dir, "certs/node.pem");
	test_path(c->tls_key, sizeof(c->tls_key), c->state_dir, "private/node.key");
	test_path(c->trust_store, sizeof(c->trust_store), c->state_dir, "trust");
}

int test_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int test_start(const struct sl_conf *c, uint8_t key[32], char *fp, char *err,
	       size_t errlen)
{
	pid_t pid;
	int fd, rc;

	pid = sl_ca_spawn(&fd, NULL, err, errlen);
	ck_assert_msg(pid > 0, "sl_ca_spawn: %s", err);
	rc = sl_firststart(c, fd, key, fp, SL_CA_FP_LEN, err, errlen);
	close(fd);
	ck_assert_int_eq(test_wait(pid), 0);
	return rc;
}

int test_run(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "popen %s", cmd);
	while (n + 1 < cap) {
		size_t r = fread(out + n, 1, cap - 1 - n, p);

		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

unsigned test_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return ~0u;
	return st.st_mode & 07777;
}

int main(void)
{
	Suite *s = suite_create("ca");
	SRunner *sr;
	int failed;

	sl_log_init("test", SL_LOG_NOTICE);
	suite_add_tcase(s, tcase_firststart());
	suite_add_tcase(s, tcase_child());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
