/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the cnf unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_cnf.h"

void ref_device(struct sl_cnf_device *d)
{
	memset(d, 0, sizeof(*d));
	d->name = "SEP001122AABBCC";
	d->description = "Reception desk";
	d->mode = SL_CNF_MODE_ENCRYPTED;
	d->transport = SL_CNF_TRANSPORT_TLS;
	d->tls_resumption_timer = 3600;
	d->cm[0] = (struct sl_cnf_callmanager){ "pbx.example.net", 5060, 5061 };
	d->cm[1] = (struct sl_cnf_callmanager){ "192.0.2.10", 5070, 5071 };
	d->n_cm = 2;
	d->capf_auth_mode = SL_CNF_CAPF_AUTH_PASSWORD;
	d->capf[0] = (struct sl_cnf_server){ "capf.example.net", 0 };
	d->n_capf = 1;
	d->tvs[0] = (struct sl_cnf_server){ "tvs.example.net", 0 };
	d->n_tvs = 1;
	d->lines[0] = (struct sl_cnf_line){ .label = "Alice", .name = "1001",
		.display_name = "Alice Example", .auth_name = "1001",
		.auth_password = "s3cret", .contact = "1001" };
	d->lines[1] = (struct sl_cnf_line){ .label = "Support", .name = "1002" };
	d->n_lines = 2;
	d->load_information = "SIP75.9-4-2SR3-1S";
	d->user_locale = "English_United_States";
	d->network_locale = "United_States";
}

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = 0;
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *p;

	if (asprintf(&p, "%s/test_cnf.XXXXXX", base) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

int run(const char *cmd)
{
	int st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

void remove_tree(const char *dir)
{
	char *cmd;

	if (!dir || strncmp(dir, "/", 1) != 0 || !strstr(dir, "test_cnf."))
		return;	/* only ever our own mkdtemp directories */
	if (asprintf(&cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir) >= 0) {
		run(cmd);
		free(cmd);
	}
}
