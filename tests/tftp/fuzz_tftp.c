/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the TFTP request and reply parsers, option negotiation
 * and OACK building, the path rules and the netascii converter, all pure
 * (tftp_wire.c, prov.c's sl_prov_check_path). Invariants are asserted so a
 * wrong answer crashes, not only an out-of-bounds access.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prov.h"
#include "tftp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const uint8_t *data, size_t size, const struct sl_tftp_request *req)
{
	struct sl_tftp_limits lim;
	struct sl_tftp_negotiated n;
	uint8_t oack[256];
	char rel[SL_PROV_NAME_MAX + 1];
	const char *why;
	size_t len;
	unsigned i;

	if ((const uint8_t *)req->filename < data ||
	    (const uint8_t *)req->filename + req->filename_len >= data + size ||
	    req->filename[req->filename_len] != '\0' || req->filename_len == 0)
		abort();
	if (req->has_blksize && (req->blksize < TFTP_BLKSIZE_MIN || req->blksize > TFTP_BLKSIZE_MAX))
		abort();
	if (req->has_timeout && (req->timeout < 1 || req->timeout > 255))
		abort();
	if (req->nopts > TFTP_MAX_OPTIONS)
		abort();
	for (i = 0; i < req->nopts; i++)
		if (req->opts[i].name[0] == '\0')
			abort();

	/* limits from the packet's first bytes, so the fuzzer explores them */
	lim.max_blksize = size > 3 ? (unsigned)(data[2] << 8 | data[3]) : 1468;
	lim.default_timeout = size > 4 ? data[4] : 1;
	sl_tftp_negotiate(req, &lim, size * 1000003ull, size & 1, &n);
	if (n.blksize < TFTP_BLKSIZE_MIN || n.blksize > TFTP_BLKSIZE_MAX)
		abort();
	if (req->has_blksize && n.blksize > req->blksize)
		abort();	/* RFC 2348: never more than asked */
	if (n.timeout < 1 || n.timeout > 255)
		abort();
	len = sl_tftp_build_oack(&n, oack, sizeof(oack));
	if (sl_tftp_need_oack(&n) && (len < 2 || oack[len - 1] != 0))
		abort();

	if (sl_prov_check_path(req->filename, req->filename_len, rel, sizeof(rel), &why) ==
	    SL_PROV_OK) {
		if (strstr(rel, "..") != NULL || rel[0] == '/' || strchr(rel, '\\') != NULL)
			abort();
	}
}

static void check_netascii(const uint8_t *data, size_t size)
{
	struct sl_tftp_netascii st;
	uint8_t out[64];
	size_t off = 0, total = 0, expect = 0, bs, i;

	for (i = 0; i < size; i++)
		expect += (data[i] == '\n' || data[i] == '\r') ? 2 : 1;
	bs = size ? (size_t)(data[0] % 63) + 1 : 1;
	sl_tftp_netascii_init(&st);
	while (off < size || st.pending >= 0) {
		size_t used = 0, w = sl_tftp_netascii_fill(&st, data + off, size - off, &used,
							    out, bs);

		if (w == 0 || w > bs || used > size - off)
			abort();
		off += used;
		total += w;
	}
	if (total != expect)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_tftp_request req;
	struct sl_tftp_refusal why;
	struct sl_tftp_reply rep;
	uint8_t err[128];
	int rc;

	rc = sl_tftp_parse_request(data, size, &req, &why);
	if (rc == 0)
		check_request(data, size, &req);
	else if (rc != -EAGAIN) {
		if (why.code >= TFTP_ECODES || why.msg == NULL)
			abort();
		if (sl_tftp_build_error(why.code, why.msg, err, sizeof(err)) < 5)
			abort();
	}
	if (sl_tftp_parse_reply(data, size, &rep) == 0 &&
	    strlen(rep.errmsg) >= sizeof(rep.errbuf))
		abort();
	check_netascii(data, size);
	return 0;
}
