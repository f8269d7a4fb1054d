/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness of the SDP parser and builder. Whatever the parser
 * accepts must hold its invariants (bounded NUL-terminated fields, counts
 * within limits, every media with an address), must build, and the built
 * body must parse back to the same fields and build to the same text.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

/* Not CHECK(): release builds define NDEBUG and would drop every check. */
#define CHECK(c)								\
	do {									\
		if (!(c)) {							\
			fprintf(stderr, "fuzz_sdp.c:%d: check failed: %s\n", __LINE__, #c); \
			abort();						\
		}								\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_sdp a, b;
static char out1[SL_SDP_MAX_BODY + 1], out2[SL_SDP_MAX_BODY + 1];

static void check_invariants(const struct sl_sdp *s)
{
	CHECK(memchr(s->o_user, '\0', sizeof(s->o_user)));
	CHECK(memchr(s->s_name, '\0', sizeof(s->s_name)) && s->s_name[0]);
	CHECK(s->o_addr.ip_version == 4 || s->o_addr.ip_version == 6);
	CHECK(s->nm <= SL_SDP_MAX_MEDIA);
	for (unsigned i = 0; i < s->nm; i++) {
		const struct sl_sdp_media *m = &s->m[i];

		CHECK(m->conn.ip_version == 4 || m->conn.ip_version == 6);
		CHECK(memchr(m->type, '\0', sizeof(m->type)) && m->type[0]);
		CHECK(memchr(m->proto, '\0', sizeof(m->proto)) && m->proto[0]);
		CHECK(memchr(m->fmts, '\0', sizeof(m->fmts)) && m->fmts[0]);
		CHECK(m->ncrypto <= SL_SDP_MAX_CRYPTO);
		CHECK(m->attrs_len < sizeof(m->attrs) && m->attrs[m->attrs_len] == '\0');
		CHECK((unsigned)m->dir <= SL_SDP_INACTIVE);
	}
}

static void check_same(const struct sl_sdp *x, const struct sl_sdp *y)
{
	CHECK(strcmp(x->o_user, y->o_user) == 0);
	CHECK(x->o_sess_id == y->o_sess_id && x->o_sess_version == y->o_sess_version);
	CHECK(x->o_addr.ip_version == y->o_addr.ip_version);
	CHECK(strcmp(x->o_addr.text, y->o_addr.text) == 0);
	CHECK(strcmp(x->s_name, y->s_name) == 0);
	CHECK(x->nm == y->nm);
	for (unsigned i = 0; i < x->nm; i++) {
		const struct sl_sdp_media *m = &x->m[i], *n = &y->m[i];

		CHECK(strcmp(m->type, n->type) == 0 && m->port == n->port);
		CHECK(strcmp(m->proto, n->proto) == 0 && strcmp(m->fmts, n->fmts) == 0);
		CHECK(m->conn.ip_version == n->conn.ip_version);
		CHECK(memcmp(m->conn.bytes, n->conn.bytes, 16) == 0);
		CHECK(strcmp(m->conn.text, n->conn.text) == 0);
		CHECK(m->dir == n->dir && m->rtcp_mux == n->rtcp_mux);
		CHECK(m->ncrypto == n->ncrypto && n->crypto_bad == 0);
		CHECK(memcmp(m->crypto, n->crypto, sizeof(m->crypto)) == 0);
		CHECK(m->attrs_len == n->attrs_len);
		CHECK(memcmp(m->attrs, n->attrs, m->attrs_len) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int n1, n2, pick;
	static const int prefs[] = { 5, 4, 0, 1, 2, 3, 6 };

	if (sl_sdp_parse((const char *)data, size, &a, err, sizeof(err)) < 0) {
		CHECK(memchr(err, '\0', sizeof(err)) &&
		      (strncmp(err, "line ", 5) == 0 || strncmp(err, "SDP body: ", 10) == 0));
		return 0;
	}
	check_invariants(&a);
	for (unsigned i = 0; i < a.nm; i++) {
		pick = sl_sdp_pick_crypto(&a.m[i], prefs, 7);
		CHECK(pick >= -1 && pick < (int)a.m[i].ncrypto);
	}
	n1 = sl_sdp_build(&a, out1, sizeof(out1));
	/* Only a body at the size limit may fail to build (canonical text can be longer). */
	CHECK(n1 > 0 || n1 == -ENOSPC);
	if (n1 > 0) {
		CHECK(sl_sdp_parse(out1, (size_t)n1, &b, err, sizeof(err)) == 0);
		check_invariants(&b);
		check_same(&a, &b);
		n2 = sl_sdp_build(&b, out2, sizeof(out2));
		CHECK(n2 == n1 && memcmp(out1, out2, (size_t)n1) == 0);
	}
	sl_sdp_wipe(&a);
	sl_sdp_wipe(&b);
	return 0;
}
