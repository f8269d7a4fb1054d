/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_streams.h"

/* Fixed public test key material: bytes 0x00, 0x01, ... */
static void fill_key(struct sl_srtp_master_key *k, const struct sl_srtp_suite_info *si, uint8_t first)
{
	for (unsigned i = 0; i < si->key_len; i++)
		k->key[i] = (uint8_t)(first + i);
	for (unsigned i = 0; i < si->salt_len; i++)
		k->salt[i] = (uint8_t)(first + si->key_len + i);
}

static void make_policy(struct sl_srtp_policy *p, unsigned idx, enum sl_srtp_dir dir)
{
	enum sl_srtp_suite suite = idx < SL_SUITE__COUNT ? (enum sl_srtp_suite)idx
							 : SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(suite);

	memset(p, 0, sizeof(*p));
	p->suite = suite;
	p->dir = dir;
	p->ssrc = FUZZ_SSRC;
	p->ssrc_set = true;
	p->nkeys = 1;
	fill_key(&p->keys[0], si, 0);
	if (idx >= SL_SUITE__COUNT) {            /* RFC 3711 §3.1: MKI */
		p->nkeys = 2;
		p->mki_len = 2;
		p->keys[0].mki[1] = 1;
		fill_key(&p->keys[1], si, 0x40);
		p->keys[1].mki[1] = 2;
	}
}

void fuzz_streams_init(struct fuzz_streams *f, enum sl_srtp_dir dir)
{
	int err = 0;

	f->engine = sl_engine_open(FUZZ_ENGINE, NULL, &err);
	if (!f->engine) {
		fprintf(stderr, "fuzz: engine %s: %d\n", FUZZ_ENGINE, err);
		exit(1);
	}
	for (unsigned i = 0; i < FUZZ_NSTREAMS; i++) {
		struct sl_srtp_policy p;
		char msg[200] = "";

		make_policy(&p, i, dir);
		f->s[i] = sl_srtp_stream_create(f->engine, &p, &err, msg, sizeof(msg));
		sl_srtp_policy_wipe(&p);
		if (!f->s[i]) {
			fprintf(stderr, "fuzz: stream %u: %s\n", i, msg);
			exit(1);
		}
	}
}

void fuzz_streams_fini(struct fuzz_streams *f)
{
	for (unsigned i = 0; i < FUZZ_NSTREAMS; i++)
		sl_srtp_stream_free(f->engine, f->s[i]);
	sl_engine_close(f->engine);
}
