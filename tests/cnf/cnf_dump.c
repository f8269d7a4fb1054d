/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper for test_cnf_xml.py: writes the XML documents built from a
 * few fixed device records into OUTDIR, so that Python's own XML parser can
 * check them. Usage: cnf_dump OUTDIR PHONE-CERT.der
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnf.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(65536);

	if (!f || !b)
		exit(2);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	return b;
}

static void dump(const char *dir, const char *name, const struct sl_cnf_buf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		fprintf(stderr, "cnf_dump: cannot write %s\n", path);
		exit(2);
	}
}

static void build(const char *dir, const char *name, const struct sl_cnf_device *d)
{
	struct sl_cnf_buf b = { 0 };
	char err[512];

	if (sl_cnf_build(d, &b, err, sizeof(err))) {
		fprintf(stderr, "cnf_dump: %s: %s\n", name, err);
		exit(1);
	}
	dump(dir, name, &b);
	sl_cnf_buf_free(&b);
}

static void base(struct sl_cnf_device *d)
{
	memset(d, 0, sizeof(*d));
	d->name = "SEP001122AABBCC";
	d->mode = SL_CNF_MODE_AUTHENTICATED;
	d->transport = SL_CNF_TRANSPORT_TLS;
	d->tls_resumption_timer = 3600;
	d->cm[0] = (struct sl_cnf_callmanager){ "pbx.example.net", 5060, 5061 };
	d->n_cm = 1;
	d->capf_auth_mode = SL_CNF_CAPF_AUTH_LSC_MIC;
	d->capf[0] = (struct sl_cnf_server){ "capf.example.net", 0 };
	d->n_capf = 1;
	d->lines[0] = (struct sl_cnf_line){ .label = "Alice", .name = "1001",
		.auth_password = "s3cret" };
	d->n_lines = 1;
	d->load_information = "SIP75.9-4-2SR3-1S";
}

int main(int argc, char **argv)
{
	static char labels[SL_CNF_MAX_LINES][16];
	struct sl_cnf_buf b = { 0 };
	struct sl_cnf_device d;
	char err[512];
	size_t len;
	uint8_t *der;
	unsigned i;

	if (argc != 3) {
		fprintf(stderr, "usage: cnf_dump OUTDIR PHONE-CERT.der\n");
		return 2;
	}
	base(&d);
	build(argv[1], "base.cnf.xml", &d);

	/* Every character XML escapes, and non-ASCII UTF-8. */
	d.lines[0].label = "R&D <lab>";
	d.lines[0].display_name = "O'Neil \"Bob\" & co";
	d.lines[0].auth_password = "p&<>\"'w]]>";
	d.lines[0].contact = "\xc3\x85sa \xe2\x82\xac \xf0\x9f\x93\x9e";
	d.load_information = "<load & go>";
	d.network_locale = "New_Zealand";
	d.user_locale = "English_United_States";
	build(argv[1], "escape.cnf.xml", &d);

	/* Non-secure, no TVS, no CAPF, no password. */
	base(&d);
	d.mode = SL_CNF_MODE_NONSECURE;
	d.transport = SL_CNF_TRANSPORT_TCP;
	d.capf_auth_mode = SL_CNF_CAPF_AUTH_NONE;
	d.n_capf = 0;
	d.lines[0].auth_password = NULL;
	d.load_information = NULL;
	build(argv[1], "minimal.cnf.xml", &d);

	/* Everything at its maximum. */
	base(&d);
	d.mode = SL_CNF_MODE_ENCRYPTED;
	for (i = 0; i < SL_CNF_MAX_CM; i++)
		d.cm[i] = (struct sl_cnf_callmanager){ "pbx.example.net",
			(uint16_t)(5060 + i), (uint16_t)(5061 + i) };
	d.n_cm = SL_CNF_MAX_CM;
	for (i = 0; i < SL_CNF_MAX_CAPF; i++)
		d.capf[i] = (struct sl_cnf_server){ "capf.example.net", 0 };
	d.n_capf = SL_CNF_MAX_CAPF;
	for (i = 0; i < SL_CNF_MAX_TVS; i++)
		d.tvs[i] = (struct sl_cnf_server){ "tvs.example.net", 0 };
	d.n_tvs = SL_CNF_MAX_TVS;
	for (i = 0; i < SL_CNF_MAX_LINES; i++) {
		snprintf(labels[i], sizeof(labels[i]), "%u", 2000 + i);
		d.lines[i] = (struct sl_cnf_line){ .label = labels[i], .name = labels[i] };
	}
	d.n_lines = SL_CNF_MAX_LINES;
	build(argv[1], "max.cnf.xml", &d);

	/* The stub of the escaping device, for the given certificate. */
	base(&d);
	d.load_information = "<load & go>";
	d.ip_address_mode = 2;
	der = slurp(argv[2], &len);
	if (sl_cnf_build_stub(&d, der, len, &b, err, sizeof(err))) {
		fprintf(stderr, "cnf_dump: stub: %s\n", err);
		return 1;
	}
	dump(argv[1], "stub.xml", &b);
	sl_cnf_buf_free(&b);
	free(der);
	return 0;
}
