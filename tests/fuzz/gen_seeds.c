/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpora of the SRTP harnesses:
 *   gen_seeds PROTECT_DIR UNPROTECT_DIR
 * PROTECT_DIR gets plaintext RTP/RTCP (selector byte + packet); UNPROTECT_DIR
 * gets the same packets protected with the harnesses' fixed keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_streams.h"

/* RTP (RFC 3550 §5.1) with CSRCs, an RFC 8285 one-byte extension, padding. */
static size_t make_rtp(uint8_t *p, unsigned variant)
{
	static const uint8_t base[12] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0x03, 0xe8, 0x12, 0x34, 0x56, 0x78 };
	size_t n = 12;

	memcpy(p, base, 12);
	p[3] = (uint8_t)(0x34 + variant);
	if (variant == 1) {                   /* 2 CSRCs */
		p[0] |= 2;
		memset(p + n, 0xcc, 8);
		n += 8;
	}
	if (variant == 2) {                   /* one-byte header extension */
		static const uint8_t ext[8] = { 0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00 };
		p[0] |= 0x10;
		memcpy(p + n, ext, 8);
		n += 8;
	}
	for (unsigned i = 0; i < 20 + variant * 7; i++)
		p[n++] = (uint8_t)i;
	if (variant == 3) {                   /* 4 bytes padding */
		p[0] |= 0x20;
		memset(p + n, 0, 3);
		p[n + 3] = 4;
		n += 4;
	}
	return n;
}

/* RTCP SR + SDES compound (RFC 3550 §6.4.1, §6.5). */
static size_t make_rtcp(uint8_t *p)
{
	static const uint8_t sr[28] = { 0x80, 200, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78,
					1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x10, 0, 0, 0, 0, 5, 0, 0, 1, 0 };
	static const uint8_t sdes[12] = { 0x81, 202, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 1, 1, 'a', 0 };

	memcpy(p, sr, sizeof(sr));
	memcpy(p + sizeof(sr), sdes, sizeof(sdes));
	return sizeof(sr) + sizeof(sdes);
}

static int write_seed(const char *dir, const char *name, unsigned sel, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%u", dir, name, sel);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fputc((int)sel, f);
	fwrite(p, 1, n, f);
	return fclose(f);
}

static int one(struct fuzz_streams *f, unsigned sel, const char *pdir, const char *udir,
	       const char *name, bool rtcp, uint8_t *p, size_t n)
{
	size_t len = n;
	int rc;

	if (write_seed(pdir, name, sel, p, n) < 0)
		return -1;
	if (rtcp)
		rc = sl_srtcp_protect(f->engine, f->s[sel], p, &len, 2048);
	else
		rc = sl_srtp_protect(f->engine, f->s[sel], p, &len, 2048);
	if (rc < 0) {
		fprintf(stderr, "gen_seeds: %s stream %u: %s\n", name, sel, sl_srtp_strerror(rc));
		return -1;
	}
	return write_seed(udir, name, sel, p, len);
}

int main(int argc, char **argv)
{
	struct fuzz_streams f;
	uint8_t p[2048];
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_seeds PROTECT_DIR UNPROTECT_DIR\n");
		return 2;
	}
	fuzz_streams_init(&f, SL_SRTP_OUTBOUND);
	for (unsigned sel = 0; sel < FUZZ_NSTREAMS && rc == 0; sel++) {
		char name[16];

		for (unsigned v = 0; v < 4 && rc == 0; v++) {
			if (sel > 0 && v > 1)
				continue;            /* keep the corpus small */
			snprintf(name, sizeof(name), "rtp%u", v);
			rc = one(&f, sel, argv[1], argv[2], name, false, p, make_rtp(p, v));
		}
		if (rc == 0)
			rc = one(&f, sel, argv[1], argv[2], "rtcp", true, p, make_rtcp(p));
	}
	fuzz_streams_fini(&f);
	return rc ? 1 : 0;
}
