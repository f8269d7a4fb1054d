/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness of the signed-file parsers: the common header, .tlv
 * records, signature verification with a fixed TEST-ONLY certificate, the
 * CTL update rule against the golden CTL, .sgn stripping and .enc.sgn
 * decryption with the TEST-ONLY phone key. Whatever parses must hold its
 * invariants (every pointer inside the input, the signature TLV inside the
 * header); nothing forged may verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "sgn.h"

#define CHECK(c)								\
	do {									\
		if (!(c)) {							\
			fprintf(stderr, "fuzz_sgn.c:%d: check failed: %s\n", __LINE__, #c); \
			abort();						\
		}								\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *tftp_cert;
static EVP_PKEY *phone_key;
static uint8_t *prev_ctl, *golden_itl;
static size_t prev_len, itl_len;

static void *load(const char *dir, const char *name, int what, size_t *len)
{
	char path[4096];
	void *r = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fuzz_sgn: cannot open %s\n", path);
		abort();
	}
	if (what == 0) {
		r = PEM_read_X509(fp, NULL, NULL, NULL);
	} else if (what == 1) {
		r = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	} else {
		fseek(fp, 0, SEEK_END);
		*len = (size_t)ftell(fp);
		fseek(fp, 0, SEEK_SET);
		r = malloc(*len);
		if (r && fread(r, 1, *len, fp) != *len)
			abort();
	}
	fclose(fp);
	CHECK(r != NULL);
	return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tftp_cert = load(SGN_FIXTURES, "tftp-test.pem", 0, NULL);
	phone_key = load(SGN_FIXTURES, "phone-test.key", 1, NULL);
	prev_ctl = load(SGN_GOLDEN, "CTLFile.tlv", 2, &prev_len);
	golden_itl = load(SGN_GOLDEN, "ITLFile.tlv", 2, &itl_len);
	return 0;
}

static bool inside(const void *p, size_t n, const uint8_t *data, size_t size)
{
	const uint8_t *b = p;

	return b >= data && n <= size && (size_t)(b - data) <= size - n;
}

static void check_header(const struct sl_sgn_header *h, const uint8_t *data, size_t size)
{
	CHECK(h->header_length >= 10 && h->header_length <= size);
	CHECK(h->body_len == size - h->header_length);
	if (h->signature) {
		CHECK(inside(h->signature, h->signature_len, data, h->header_length));
		CHECK(h->sig_tlv_offset + h->sig_tlv_len <= h->header_length);
		CHECK(data[h->sig_tlv_offset] == SL_SGN_SIGNATURE);
	}
	if (h->signer_name)
		CHECK(inside(h->signer_name, strlen(h->signer_name) + 1, data, h->header_length));
	if (h->filename)
		CHECK(inside(h->filename, strlen(h->filename) + 1, data, h->header_length));
	if (h->serial)
		CHECK(inside(h->serial, h->serial_len, data, h->header_length));
	if (h->iv)
		CHECK(inside(h->iv, 16, data, h->header_length));
	if (h->key)
		CHECK(inside(h->key, h->key_len, data, h->header_length));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_sgn_header h;
	struct sl_tlv_record r[16];
	const uint8_t *body;
	size_t n, blen, plen;
	uint8_t *plain;
	char err[256];

	if (sl_sgn_header_parse(data, size, &h, err, sizeof(err)) != 0)
		return 0;
	check_header(&h, data, size);
	CHECK(sl_sgn_strip(data, size, &body, &blen, err, sizeof(err)) == 0);
	CHECK(body == data + h.header_length && blen == h.body_len);
	if (sl_tlv_parse(data, size, &h, r, 16, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			CHECK(r[i].offset >= h.header_length && r[i].length >= 5);
			CHECK(r[i].offset + r[i].length <= size);
			if (r[i].cert)
				CHECK(inside(r[i].cert, r[i].cert_len, data + r[i].offset, r[i].length));
			if (r[i].subject_name)
				CHECK(inside(r[i].subject_name, strlen(r[i].subject_name) + 1,
					     data + r[i].offset, r[i].length));
		}
		/* An update accepted against the golden CTL must be signed by
		 * SAST-A or SAST-B; libFuzzer cannot forge RSA and the
		 * signature covers every byte but itself, so it can only be
		 * one of the golden trust lists unchanged. */
		if (sl_tlv_verify_update(data, size, prev_ctl, prev_len, err, sizeof(err)) == 0)
			CHECK((size == prev_len && !memcmp(data, prev_ctl, size)) ||
			      (size == itl_len && !memcmp(data, golden_itl, size)));
		(void)sl_tlv_verify(data, size, err, sizeof(err));
	}
	(void)sl_sgn_verify_cert(data, size, tftp_cert, err, sizeof(err));
	if (h.has_encryption &&
	    sl_encsgn_decrypt(data, size, phone_key, &plain, &plen, err, sizeof(err)) == 0) {
		CHECK(plen < h.body_len && plen + 16 >= h.body_len);
		sl_sgn_free_secret(plain, plen);
	}
	return 0;
}
