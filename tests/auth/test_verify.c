/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The combined verification: a client side built from the same primitives
 * (checked against the RFC vectors in test_vectors.c) formats an
 * Authorization value, the server side parses and verifies it.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "test_auth.h"

#define T0 1800000000ull
#define REALM "shieldlock.example"
#define PASSWORD "Tr0ub4dor&3-horse"
#define RURI "sip:shieldlock.example"

static const uint8_t key[32] = "master-derived-nonce-key-32bytes";

struct fixture {
	struct sl_digest_nonce_key *k;
	struct sl_digest_nctab *nct;
	uint8_t ha1[SL_DIGEST_MAX_HASH];
	char ha1_hex[SL_DIGEST_MAX_HEX + 1];
	char nonce[SL_DIGEST_NONCE_LEN + 1];
	struct sl_digest_request req;
	char err[512];
};

static void setup(struct fixture *f, enum sl_digest_alg alg)
{
	memset(f, 0, sizeof(*f));
	f->k = sl_digest_nonce_key_new(key, sizeof(key), 5, f->err,
				       sizeof(f->err));
	f->nct = sl_digest_nctab_new(64, f->err, sizeof(f->err));
	ck_assert(f->k && f->nct);
	ck_assert_int_eq(sl_digest_ha1(alg, "alice", REALM, PASSWORD, f->ha1,
				       f->err, sizeof(f->err)), 0);
	test_hex(f->ha1, sl_digest_alg_len(alg), f->ha1_hex);
	ck_assert_int_eq(sl_digest_nonce_make(f->k, REALM, T0, f->nonce), 0);
	f->req.method = "REGISTER";
	f->req.request_uri = RURI;
	f->req.realm = REALM;
	f->req.alg = alg;
	f->req.ha1 = f->ha1;
	f->req.now = T0 + 10;
}

static void teardown(struct fixture *f)
{
	sl_digest_nonce_key_free(f->k);
	sl_digest_nctab_free(f->nct);
}

/* Client: credentials for (password, realm, uri, nonce, nc), parsed back. */
static void client(struct fixture *f, struct sl_digest_creds *c,
		   enum sl_digest_alg alg, const char *pw, const char *realm,
		   const char *uri, const char *nonce, uint32_t nc)
{
	uint8_t ha1[SL_DIGEST_MAX_HASH];
	char resp[SL_DIGEST_MAX_HEX + 1], hdr[1024], err[256];
	enum sl_digest_alg h = alg == SL_DIGEST_ALG_UNSUPPORTED ?
			       SL_DIGEST_MD5 : alg;

	ck_assert_int_eq(sl_digest_ha1(h, "alice", realm, pw, ha1, err,
				       sizeof(err)), 0);
	ck_assert_int_eq(sl_digest_response(h, ha1, f->req.method, uri, nonce,
					    nc, "0a4f113b", resp), 0);
	snprintf(hdr, sizeof(hdr),
		 "Digest username=\"alice\", realm=\"%s\", nonce=\"%s\", "
		 "uri=\"%s\", response=\"%s\", algorithm=%s, cnonce=\"0a4f113b\", "
		 "qop=auth, nc=%08x", realm, nonce, uri, resp,
		 alg == SL_DIGEST_ALG_UNSUPPORTED ? "SHA-512-256" :
		 sl_digest_alg_name(alg), nc);
	ck_assert_msg(sl_digest_parse_creds(hdr, strlen(hdr), c, err,
					    sizeof(err)) == 0, "%s", err);
}

static enum sl_digest_status verify(struct fixture *f,
				    const struct sl_digest_creds *c)
{
	enum sl_digest_status st;

	f->err[0] = '\0';
	st = sl_digest_verify(c, &f->req, f->k, f->nct, f->err, sizeof(f->err));
	/* Whatever happened, no secret is in the message. */
	ck_assert_ptr_null(strstr(f->err, PASSWORD));
	ck_assert_ptr_null(strstr(f->err, f->ha1_hex));
	ck_assert_ptr_null(strstr(f->err, c->response));
	if (st != SL_DIGEST_OK)
		ck_assert_msg(strlen(f->err) > 10, "no message for %s",
			      sl_digest_status_name(st));
	return st;
}

static void run_ok_replay(enum sl_digest_alg alg)
{
	struct fixture f;
	struct sl_digest_creds c;

	setup(&f, alg);
	client(&f, &c, alg, PASSWORD, REALM, RURI, f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_OK);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_REPLAY);
	ck_assert_ptr_nonnull(strstr(f.err, "replay"));
	client(&f, &c, alg, PASSWORD, REALM, RURI, f.nonce, 2);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_OK);
	teardown(&f);
}

START_TEST(verify_md5)
{
	run_ok_replay(SL_DIGEST_MD5);
}
END_TEST

START_TEST(verify_sha256)
{
	run_ok_replay(SL_DIGEST_SHA256);
}
END_TEST

START_TEST(verify_failures)
{
	struct fixture f;
	struct sl_digest_creds c;
	char bad[SL_DIGEST_NONCE_LEN + 1], other[SL_DIGEST_NONCE_LEN + 1];

	setup(&f, SL_DIGEST_SHA256);
	/* Wrong password; the nc is not consumed by a failed attempt. */
	client(&f, &c, SL_DIGEST_SHA256, "guess", REALM, RURI, f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_BAD_RESPONSE);
	ck_assert_uint_eq(sl_digest_nctab_count(f.nct), 0);
	/* Expired nonce: STALE (new challenge with stale=true). */
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, REALM, RURI, f.nonce, 1);
	f.req.now = T0 + 300;
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_STALE);
	ck_assert_ptr_nonnull(strstr(f.err, "stale=true"));
	f.req.now = T0 + 10;
	/* Tampered nonce. */
	strcpy(bad, f.nonce);
	bad[3] = bad[3] == 'x' ? 'y' : 'x';
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, REALM, RURI, bad, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_BAD_NONCE);
	/* A nonce issued for another realm, used with our realm. */
	ck_assert_int_eq(sl_digest_nonce_make(f.k, "other.example", T0, other), 0);
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, REALM, RURI, other, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_BAD_NONCE);
	/* Wrong realm in the credentials. */
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, "other.example", RURI,
	       f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_BAD_REALM);
	/* uri is not the Request-URI. */
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, REALM, "sip:evil.example",
	       f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_BAD_URI);
	/* Algorithm we do not implement. */
	client(&f, &c, SL_DIGEST_ALG_UNSUPPORTED, PASSWORD, REALM, RURI,
	       f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_UNSUPPORTED_ALGORITHM);
	/* MD5 credentials against a SHA-256 HA1: refused, not crashed. */
	client(&f, &c, SL_DIGEST_MD5, PASSWORD, REALM, RURI, f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_ERROR);
	/* After all that, the right answer with nc=1 still works once. */
	client(&f, &c, SL_DIGEST_SHA256, PASSWORD, REALM, RURI, f.nonce, 1);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_OK);
	ck_assert_int_eq(verify(&f, &c), SL_DIGEST_REPLAY);
	ck_assert_int_eq(sl_digest_verify(NULL, &f.req, f.k, f.nct, f.err,
					  sizeof(f.err)), SL_DIGEST_ERROR);
	teardown(&f);
}
END_TEST

START_TEST(ha1_errors_have_no_secret)
{
	uint8_t ha1[32];
	char err[512];

	ck_assert_int_lt(sl_digest_ha1(SL_DIGEST_ALG_UNSUPPORTED, "alice",
				       REALM, PASSWORD, ha1, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(err, PASSWORD));
	ck_assert_int_lt(sl_digest_ha1(SL_DIGEST_MD5, "al:ice", REALM,
				       PASSWORD, ha1, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(err, PASSWORD));
}
END_TEST

TCase *tcase_verify(void)
{
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, verify_md5);
	tcase_add_test(tc, verify_sha256);
	tcase_add_test(tc, verify_failures);
	tcase_add_test(tc, ha1_errors_have_no_secret);
	return tc;
}
