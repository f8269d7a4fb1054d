/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the administration commands and socket (suite 'unit').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_admin.h"

struct fx fx;

static const uint8_t master_key[SL_STORE_MASTER_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static void count_change(void *arg)
{
	(*(int *)arg)++;
}

void fx_setup(void)
{
	char err[512] = "";

	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/sladminXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.db, sizeof(fx.db), "%s/store.db", fx.dir);
	ck_assert_msg(sl_store_open(fx.db, master_key, &fx.st, err, sizeof(err)) == 0, "store: %s", err);
	sl_conf_defaults(&fx.conf);
	snprintf(fx.conf.realm, sizeof(fx.conf.realm), "lab.example");
	fx.conf.cluster_mode = SL_CLUSTER_MIXED;
	fx.ctx.store = fx.st;
	fx.ctx.conf = &fx.conf;
	fx.ctx.dir_changed = count_change;
	fx.ctx.arg = &fx.changed;
	sl_admin_out_init(&fx.out);
}

void fx_teardown(void)
{
	char path[192];

	sl_admin_out_free(&fx.out);
	if (fx.st)
		sl_store_close(fx.st);
	fx.st = NULL;
	for (const char *const *s = (const char *const[]){ "", "-wal", "-shm", "-journal", NULL }; *s; s++) {
		snprintf(path, sizeof(path), "%s%s", fx.db, *s);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/node.pem", fx.dir);
	unlink(path);
	rmdir(fx.dir);
}

int cmd(bool json, const char *line)
{
	char buf[2048], *argv[SL_ADMIN_ARGC_MAX + 1];
	int argc = 0;
	char *p = buf;

	ck_assert_uint_lt(strlen(line), sizeof(buf));
	memcpy(buf, line, strlen(line) + 1);
	while (*p && argc < SL_ADMIN_ARGC_MAX) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '\'') {
			argv[argc++] = ++p;
			while (*p && *p != '\'')
				p++;
		} else {
			argv[argc++] = p;
			while (*p && *p != ' ')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	sl_admin_out_reset(&fx.out);
	sl_admin_out_puts(&fx.out, "");	/* buf is never NULL */
	return sl_admin_exec(&fx.ctx, argc, argv, json, &fx.out);
}

int main(void)
{
	Suite *s = suite_create("admin");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc_user());
	suite_add_tcase(s, tc_device());
	suite_add_tcase(s, tc_trunk());
	suite_add_tcase(s, tc_status());
	suite_add_tcase(s, tc_misc());
	suite_add_tcase(s, tc_server());
	suite_add_tcase(s, tc_capf());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
