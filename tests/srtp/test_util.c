/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "test_util.h"

struct sl_engine *tu_engine;
const char *tu_engine_name;

void tu_rand(uint8_t *b, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 0x9e3779b9u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)(x >> 3);
	}
}

void tu_policy(struct sl_srtp_policy *p, enum sl_srtp_suite suite, enum sl_srtp_dir dir,
	       unsigned nkeys, unsigned mki_len, uint32_t seed)
{
	memset(p, 0, sizeof(*p));
	p->suite = suite;
	p->dir = dir;
	p->nkeys = (uint8_t)nkeys;
	p->mki_len = (uint8_t)mki_len;
	for (unsigned i = 0; i < nkeys; i++) {
		tu_rand(p->keys[i].key, sizeof(p->keys[i].key), seed * 31 + i);
		tu_rand(p->keys[i].salt, sizeof(p->keys[i].salt), seed * 37 + i + 1000);
		for (unsigned j = 0; j < mki_len; j++)
			p->keys[i].mki[j] = (uint8_t)(0xA0 + 16 * j + i);
	}
}

struct sl_srtp_stream *tu_stream(const struct sl_srtp_policy *p)
{
	char msg[200] = "";
	int err = 1;
	struct sl_srtp_stream *s = sl_srtp_stream_create(tu_engine, p, &err, msg, sizeof(msg));

	ck_assert_msg(s != NULL, "stream_create(suite %d) on %s: %d %s", (int)p->suite,
		      tu_engine_name, err, msg);
	ck_assert_int_eq(err, 0);
	return s;
}

void tu_pair_policy(const struct sl_srtp_policy *base, struct sl_srtp_stream **out,
		    struct sl_srtp_stream **in)
{
	struct sl_srtp_policy p = *base;

	p.dir = SL_SRTP_OUTBOUND;
	*out = tu_stream(&p);
	p.dir = SL_SRTP_INBOUND;
	*in = tu_stream(&p);
	sl_srtp_policy_wipe(&p);
}

void tu_pair(enum sl_srtp_suite suite, unsigned nkeys, unsigned mki_len, uint32_t seed,
	     struct sl_srtp_stream **out, struct sl_srtp_stream **in)
{
	struct sl_srtp_policy p;

	tu_policy(&p, suite, SL_SRTP_OUTBOUND, nkeys, mki_len, seed);
	tu_pair_policy(&p, out, in);
}

void tu_free(struct sl_srtp_stream *s)
{
	sl_srtp_stream_free(tu_engine, s);
}

size_t tu_rtp(uint8_t *b, unsigned cc, enum tu_ext ext, size_t payload, unsigned pad,
	      uint16_t seq, uint32_t ssrc)
{
	size_t n = 12;

	b[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | (pad ? 0x20 : 0) | cc);
	b[1] = 0x60 | 0x80;                 /* marker, PT 96 */
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = 0x12; b[5] = 0x34; b[6] = 0x56; b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(ssrc >> 24); b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8); b[11] = (uint8_t)ssrc;
	for (unsigned i = 0; i < cc; i++, n += 4)
		memset(b + n, 0xC0 + i, 4);
	switch (ext) {
	case TU_EXT_NONE:
		break;
	case TU_EXT_ONE_BYTE:                /* RFC 8285 §4.2: id 1 len 2, id 2 len 1, pad */
		memcpy(b + n, "\xBE\xDE\x00\x02" "\x11\xAA\xBB\xCC" "\x20\xDD\x00\x00", 12);
		n += 12;
		break;
	case TU_EXT_TWO_BYTE:                /* RFC 8285 §4.3: 0x100 + appbits, id 5 len 3 */
		memcpy(b + n, "\x10\x00\x00\x02" "\x05\x03\x01\x02" "\x03\x00\x00\x00", 12);
		n += 12;
		break;
	case TU_EXT_OTHER:                   /* RFC 3550 §5.3.1 generic, 0 words */
		memcpy(b + n, "\xAB\xCD\x00\x00", 4);
		n += 4;
		break;
	}
	tu_rand(b + n, payload, (uint32_t)payload + seq);
	n += payload;
	if (pad) {
		memset(b + n, 0, pad - 1);
		n += pad;
		b[n - 1] = (uint8_t)pad;
	}
	return n;
}

size_t tu_rtcp(uint8_t *b, uint32_t ssrc, unsigned nrr)
{
	size_t n = 0, srlen = 28 + 24 * nrr;

	/* RFC 3550 §6.4.1 SR */
	b[0] = (uint8_t)(0x80 | nrr);
	b[1] = 200;
	b[2] = (uint8_t)((srlen / 4 - 1) >> 8);
	b[3] = (uint8_t)(srlen / 4 - 1);
	b[4] = (uint8_t)(ssrc >> 24); b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8); b[7] = (uint8_t)ssrc;
	tu_rand(b + 8, srlen - 8, ssrc + nrr);
	n = srlen;
	/* RFC 3550 §6.5 SDES with one CNAME chunk: ssrc, 1, 5, "alice", 0 (12 bytes) */
	memcpy(b + n, "\x81\xCA\x00\x03", 4);
	b[n + 4] = (uint8_t)(ssrc >> 24); b[n + 5] = (uint8_t)(ssrc >> 16);
	b[n + 6] = (uint8_t)(ssrc >> 8); b[n + 7] = (uint8_t)ssrc;
	memcpy(b + n + 8, "\x01\x05" "alice" "\x00", 8);
	n += 16;
	return n;
}

bool tu_suite_encrypts(enum sl_srtp_suite s)
{
	return sl_srtp_suite_info(s)->cipher != SL_CIPHER_NULL;
}
