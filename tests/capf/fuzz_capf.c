/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for CAPF (tests/capf/corpus_capf): the codec on the
 * raw input, then a whole session fed the input as the phone's byte stream
 * with a fake backend that answers at once. Input byte 0 steers the
 * backend: bits 0-1 operation (none/install/fetch/delete), bit 2 auth mode
 * (password/none), bits 3-4 key (rsa:1024, ec:P-256, ec:P-384, rsa:2048),
 * bits 5-7 chunk size 2^n. Every message the server sends must parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capf_session.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sl_log_init("fuzz_capf", SL_LOG_ERR);	/* quiet: unknown tags etc. */
	return 0;
}

static uint8_t ctl;
static int sent;

static void f_lookup(void *ctx, struct capf_session *s, const struct capf_lookup_req *r)
{
	static const struct capf_keyparams keys[4] = {
		{ CAPF_KEY_RSA, 1024, 0 }, { CAPF_KEY_EC, 0, CAPF_CURVE_P256 },
		{ CAPF_KEY_EC, 0, CAPF_CURVE_P384 }, { CAPF_KEY_RSA, 2048, 0 },
	};
	struct capf_lookup_answer a = { 0 };

	(void)ctx;
	if (strlen(r->device) == 0)
		abort();	/* the session must not pass an empty name */
	a.status = CAPF_LOOKUP_FOUND;
	a.op = (enum capf_op)(ctl & 3);
	a.mode = (ctl & 4) ? CAPF_AUTH_NONE : CAPF_AUTH_PASSWORD;
	a.key = keys[(ctl >> 3) & 3];
	capf_session_lookup_done(s, &a);
}

static void f_issue(void *ctx, struct capf_session *s, const char *device, const uint8_t *spki,
		    size_t len, const struct capf_keyparams *kp)
{
	static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

	(void)ctx;
	(void)device;
	(void)spki;
	(void)len;
	(void)kp;
	capf_session_issue_done(s, 0, der, sizeof(der));
}

static void f_result(void *ctx, const struct capf_result *r)
{
	(void)ctx;
	if (r->outcome == CAPF_F_OK && r->op == CAPF_OP_FETCH && r->der == NULL)
		abort();
}

static void f_cancel(void *ctx, struct capf_session *s)
{
	(void)ctx;
	(void)s;
}

static const struct capf_backend_ops ops = { f_lookup, f_issue, f_result, f_cancel };

static void f_send(void *arg, const uint8_t *msg, size_t len)
{
	struct capf_msg m;

	(void)arg;
	if (len > CAPF_MSG_MAX || capf_msg_parse(msg, len, &m) != 0 || m.hdr.session != 1)
		abort();
	sent++;
}

static void f_finished(void *arg, const struct capf_outcome *o)
{
	(void)arg;
	(void)o;
}

static void codec(const uint8_t *data, size_t size)
{
	struct capf_msg m;
	struct capf_cert_el c;
	struct capf_sudi su;
	const uint8_t *sig;
	size_t sl;
	uint8_t u8;
	uint16_t u16;
	int t;

	if (capf_msg_parse(data, size, &m) != 0)
		return;
	for (t = 1; t <= CAPF_TAG_MAX; t++) {
		(void)capf_el_u8(&m, (enum capf_tag)t, &u8);
		(void)capf_el_u16(&m, (enum capf_tag)t, &u16);
		(void)capf_el_cstr(&m, (enum capf_tag)t);
	}
	if (m.el[CAPF_EL_CERTIFICATE].present)
		(void)capf_cert_unwrap(m.el[4].v, m.el[4].len, &c);
	if (m.el[CAPF_EL_SHA2_SIGNED_DATA].present)
		(void)capf_sha2sig_parse(m.el[20].v, m.el[20].len, &sig, &sl);
	if (m.el[CAPF_EL_SUDI_DATA].present)
		(void)capf_sudi_parse(m.el[16].v, m.el[16].len, &su);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capf_session_io io = { f_send, f_finished, NULL, NULL };
	struct capf_session_cfg cfg = { { 0 } };
	struct capf_session *s;
	size_t chunk, off = 0;

	codec(data, size);
	if (size < 1)
		return 0;
	ctl = data[0];
	chunk = (size_t)1 << (ctl >> 5);
	sent = 0;
	s = capf_session_new(&cfg, 1, &ops, NULL, &io);
	if (s == NULL)
		return 0;
	capf_session_start(s);
	data++;
	size--;
	while (off < size && !capf_session_finished(s)) {
		size_t n = size - off < chunk ? size - off : chunk;

		capf_session_input(s, data + off, n);
		off += n;
	}
	capf_session_abort(s, "end of input");
	if (!capf_session_finished(s) || sent < 1)
		abort();
	capf_session_free(s);
	return 0;
}
