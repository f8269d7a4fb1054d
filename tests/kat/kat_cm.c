/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-CM keystream checks as engine AES-CTR jobs (sl_sess_init +
 * sl_engine_run_burst), shared by the RFC 3711 B.2 and RFC 6188 §7.1
 * vectors, which use the same counter layout: a zero SSRC and index, so the
 * first counter block is the (already shifted) session salt
 * F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000, and a 65282-block segment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kat_cm.h"

static void cm_job(struct sl_crypto_job *j, struct sl_sess *s, uint8_t *buf,
		   uint32_t len, const uint8_t offset[16], uint16_t counter_low)
{
	memset(j, 0, sizeof(*j));
	j->sess = s;
	j->data = buf;
	j->cipher_off = 0;
	j->cipher_len = len;
	j->auth_off = 0;
	j->auth_len = 0;
	j->digest = j->scratch;  /* no tag for a cipher-only session */
	j->op = SL_JOB_PROTECT;
	j->status = SL_JOB_PENDING;
	memcpy(j->iv, offset, 16);
	j->iv[14] = (uint8_t)(counter_low >> 8);
	j->iv[15] = (uint8_t)counter_low;
}

/* Expected keystream for blocks first..first+n-1 (all must be printed). */
static bool expected(const struct kat_cm_vector *v, uint16_t first, unsigned n, uint8_t *out)
{
	for (unsigned b = 0; b < n; b++) {
		bool found = false;

		for (size_t i = 0; i < v->nblocks; i++) {
			if (v->blocks[i].counter_low == (uint16_t)(first + b)) {
				kat_hex(v->blocks[i].keystream, out + 16 * b, 16);
				found = true;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

/* Three short jobs in one burst: blocks 0-2, blocks FEFF-FF01 (a carry out
 * of the low counter octet), and a 40-octet job ending inside a block. */
static void short_jobs(struct kat *k, const struct kat_cm_vector *v, struct sl_sess *s,
		       const uint8_t offset[16])
{
	static uint8_t buf[3][48];
	struct sl_crypto_job jobs[3], *jp[3] = { &jobs[0], &jobs[1], &jobs[2] };
	uint8_t exp[48];
	uint16_t ok;

	memset(buf, 0, sizeof(buf));
	cm_job(&jobs[0], s, buf[0], 48, offset, 0x0000);
	cm_job(&jobs[1], s, buf[1], 48, offset, 0xFEFF);
	cm_job(&jobs[2], s, buf[2], 40, offset, 0x0000);
	ok = sl_engine_run_burst(k->e, jp, 3);
	if (ok != 3) {
		kat_fail(k, v->name, "burst of 3 AES-CTR jobs: %u completed OK (statuses %u %u %u)",
			 ok, jobs[0].status, jobs[1].status, jobs[2].status);
		return;
	}
	if (expected(v, 0x0000, 3, exp)) {
		kat_expect_bytes(k, v->name, "keystream blocks 0000-0002", buf[0], 48, exp, 48);
		kat_expect_bytes(k, v->name, "40-octet job (partial last block)", buf[2], 40, exp, 40);
	}
	if (expected(v, 0xFEFF, 3, exp))
		kat_expect_bytes(k, v->name, "keystream blocks FEFF-FF01", buf[1], 48, exp, 48);
}

/* The whole segment as one job. No SRTP packet is that long, so an engine
 * that refuses the job (status ERROR) is reported as a skip; a wrong
 * keystream is a failure. */
static void full_segment(struct kat *k, const struct kat_cm_vector *v, struct sl_sess *s,
			 const uint8_t offset[16])
{
	const uint32_t len = KAT_CM_SEGMENT_BLOCKS * 16u;
	struct sl_crypto_job job, *jp = &job;
	uint8_t *buf = calloc(1, len);

	if (!buf) {
		kat_fail(k, v->name, "out of memory");
		return;
	}
	cm_job(&job, s, buf, len, offset, 0x0000);
	if (sl_engine_run_burst(k->e, &jp, 1) != 1) {
		if (job.status == SL_JOB_ERROR)
			kat_skip(k, v->name, "full 1044512-octet segment: engine refuses a job this long");
		else
			kat_fail(k, v->name, "full segment job: status %u", job.status);
		free(buf);
		return;
	}
	for (size_t i = 0; i < v->nblocks; i++) {
		uint8_t exp[16];
		char what[64];

		kat_hex(v->blocks[i].keystream, exp, 16);
		snprintf(what, sizeof(what), "full segment, block %04X", v->blocks[i].counter_low);
		kat_expect_bytes(k, v->name, what, buf + 16u * v->blocks[i].counter_low, 16, exp, 16);
	}
	free(buf);
}

void kat_cm_run(struct kat *k, const struct kat_cm_vector *v)
{
	uint8_t key[32], offset[16];
	size_t key_len = kat_hex(v->session_key, key, sizeof(key));
	struct sl_sess_params p = {
		.cipher = SL_CIPHER_AES_CTR,
		.cipher_key_len = (uint8_t)key_len,
		.auth = SL_AUTH_NULL,
		.tag_len = 0,
		.cipher_key = key,
	};
	struct sl_sess *s;
	int rc;

	kat_hex(v->offset, offset, sizeof(offset));
	s = kat_sess_new(k, &p, &rc);
	if (!s) {
		kat_fail(k, v->name, "AES-CTR-%zu session refused by the engine (%d)", key_len * 8, rc);
		return;
	}
	short_jobs(k, v, s, offset);
	full_segment(k, v, s, offset);
	kat_sess_free(k, s);
}
