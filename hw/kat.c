/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer self-test. sl_engine_open() runs it on every engine before
 * handing it out; an engine that fails one vector is refused.
 *
 * Each vector runs through the engine's own ops (sessions, then jobs through
 * enqueue_burst/dequeue_burst via sl_engine_run_burst) in up to three jobs:
 *   PROTECT on the input           -> expected output and tag,
 *   VERIFY on the expected output  -> the input back, SL_JOB_OK,
 *   VERIFY with the last tag byte's low bit flipped -> SL_JOB_AUTH_FAILED
 *                                     and the data left as it was.
 * First each vector alone, then all of them together in one mixed burst.
 * Vectors whose session parameters the engine's caps do not include are
 * skipped (a GCM-only device runs only the GCM vectors); an engine that can
 * run none of them fails.
 *
 * Job status protocol: we stamp SL_JOB_PENDING before enqueueing; engines
 * also set SL_JOB_PENDING when they accept a job and the final status
 * (SL_JOB_OK / SL_JOB_AUTH_FAILED / SL_JOB_ERROR) when it completes, which
 * is what sl_engine_run_burst relies on to fail stuck jobs closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct kat {
	const char *name;            /* names the source; returned on failure */
	enum sl_cipher_algo cipher;
	enum sl_auth_algo auth;
	uint8_t tag_len;
	const char *key, *auth_key;  /* hex */
	const char *iv;              /* hex: 16-byte counter block or 12-byte GCM nonce */
	const char *aad;             /* hex, GCM only */
	const char *in;              /* hex data before PROTECT (or text, see in_text) */
	const char *in_text;         /* ASCII data, used when in is NULL */
	const char *out;             /* hex data after PROTECT; NULL: same as input */
	const char *tag;             /* hex, at least tag_len bytes (truncated: leftmost) */
	uint32_t cipher_off;         /* the cipher range runs to the end of the data */
	uint32_t auth_off;           /* the HMAC range runs to the end of the data */
};

/* SP 800-38A Appendix F.5 plaintext and initial counter block. */
#define SP800_38A_PT \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define SP800_38A_CTR "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define SP800_38A_F51_CT \
	"874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" \
	"5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"

/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", App. B. */
#define GCM_K3    "feffe9928665731c6d6a8f9467308308"
#define GCM_IV3   "cafebabefacedbaddecaf888"
#define GCM_A4    "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_P4 \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_P3    GCM_P4 "1aafd255"
#define GCM_C4 \
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C3    GCM_C4 "473f5985"
#define GCM_C16 \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
#define GCM_C15   GCM_C16 "898015ad"

/* RFC 2202 §3 keys 6 and 7 are 80 bytes of 0xaa, longer than SHA-1's 64-byte
 * block, so HMAC first replaces them by their hash (RFC 2104 §2). Sessions
 * take at most SL_MAX_AUTH_KEY_LEN (20) bytes, so the vectors carry the hashed
 * key SHA-1(0xaa x 80) directly; the HMAC result is identical by definition.
 * (Test case 4's 25-byte key is shorter than a block and is not hashed by
 * HMAC, so it cannot be expressed in 20 bytes and is not used.) */
#define RFC2202_KEY67 "4ca0ef38f1794b28a8f8ee110ee79d48ce13be25"

static const struct kat kats[] = {
	{ .name = "SP 800-38A F.5.1 CTR-AES128.Encrypt",
	  .cipher = SL_CIPHER_AES_CTR, .auth = SL_AUTH_NULL,
	  .key = "2b7e151628aed2a6abf7158809cf4f3c", .iv = SP800_38A_CTR,
	  .in = SP800_38A_PT, .out = SP800_38A_F51_CT },
	{ .name = "SP 800-38A F.5.5 CTR-AES256.Encrypt",
	  .cipher = SL_CIPHER_AES_CTR, .auth = SL_AUTH_NULL,
	  .key = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	  .iv = SP800_38A_CTR, .in = SP800_38A_PT,
	  .out = "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
		 "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6" },
	/* RFC 2202 §3, NULL cipher + HMAC-SHA1, tags truncated (RFC 2104 §5) to
	 * the lengths SRTP uses: 96, 80 and 32 bits. */
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 1 (96-bit tag)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 12,
	  .auth_key = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", .in_text = "Hi There",
	  .tag = "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 2 (80-bit tag)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 10,
	  .auth_key = "4a656665", .in_text = "what do ya want for nothing?",
	  .tag = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 3 (32-bit tag)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 4,
	  .auth_key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  .in = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		"dddddddddddddddddddddddddddddddddddd",
	  .tag = "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 5 (digest-96)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 12,
	  .auth_key = "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
	  .in_text = "Test With Truncation", .tag = "4c1a03424b55e07fe7f27be1" },
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 6 (key pre-hashed per RFC 2104 §2)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 12,
	  .auth_key = RFC2202_KEY67,
	  .in_text = "Test Using Larger Than Block-Size Key - Hash Key First",
	  .tag = "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ .name = "RFC 2202 §3 HMAC-SHA1 test case 7 (key pre-hashed per RFC 2104 §2)",
	  .cipher = SL_CIPHER_NULL, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 10,
	  .auth_key = RFC2202_KEY67,
	  .in_text = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
	  .tag = "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
	/* Encrypt-then-MAC shaped like SRTP (RFC 3711 §3.3): a 12-byte clear
	 * header, the SP 800-38A F.5.1 blocks encrypted behind it, HMAC-SHA1-80
	 * over header || ciphertext. The tag was computed independently of this
	 * code (Python's hmac module over the F.5.1 ciphertext). */
	{ .name = "SP 800-38A F.5.1 ciphertext + HMAC-SHA1-80 (encrypt-then-MAC)",
	  .cipher = SL_CIPHER_AES_CTR, .auth = SL_AUTH_HMAC_SHA1, .tag_len = 10,
	  .key = "2b7e151628aed2a6abf7158809cf4f3c",
	  .auth_key = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", .iv = SP800_38A_CTR,
	  .in = "800f1234decafbadcafebabe" SP800_38A_PT,
	  .out = "800f1234decafbadcafebabe" SP800_38A_F51_CT,
	  .tag = "4b8c3d092d608364e2df845f190e5777a3920487", .cipher_off = 12 },
	/* GCM specification (McGrew-Viega), Appendix B, 96-bit IVs. */
	{ .name = "GCM spec test case 2 (AES-128)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = "00000000000000000000000000000000", .iv = "000000000000000000000000",
	  .in = "00000000000000000000000000000000",
	  .out = "0388dace60b6a392f328c2b971b2fe78",
	  .tag = "ab6e47d42cec13bdf53a67b21257bddf" },
	{ .name = "GCM spec test case 3 (AES-128)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = GCM_K3, .iv = GCM_IV3, .in = GCM_P3, .out = GCM_C3,
	  .tag = "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ .name = "GCM spec test case 4 (AES-128, AAD)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = GCM_K3, .iv = GCM_IV3, .aad = GCM_A4, .in = GCM_P4, .out = GCM_C4,
	  .tag = "5bc94fbc3221a5db94fae95ae7121a47" },
	/* Same, tag truncated to its leftmost 64 bits (SP 800-38D §5.2.1.2). */
	{ .name = "GCM spec test case 4 (AES-128, AAD, 64-bit tag)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 8,
	  .key = GCM_K3, .iv = GCM_IV3, .aad = GCM_A4, .in = GCM_P4, .out = GCM_C4,
	  .tag = "5bc94fbc3221a5db" },
	{ .name = "GCM spec test case 14 (AES-256)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = "0000000000000000000000000000000000000000000000000000000000000000",
	  .iv = "000000000000000000000000", .in = "00000000000000000000000000000000",
	  .out = "cea7403d4d606b6e074ec5d3baf39d18",
	  .tag = "d0d1c8a799996bf0265b98b5d48ab919" },
	{ .name = "GCM spec test case 15 (AES-256)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = GCM_K3 GCM_K3, .iv = GCM_IV3, .in = GCM_P3, .out = GCM_C15,
	  .tag = "b094dac5d93471bdec1a502270e3cc6c" },
	{ .name = "GCM spec test case 16 (AES-256, AAD)",
	  .cipher = SL_CIPHER_AES_GCM, .auth = SL_AUTH_AEAD, .tag_len = 16,
	  .key = GCM_K3 GCM_K3, .iv = GCM_IV3, .aad = GCM_A4, .in = GCM_P4, .out = GCM_C16,
	  .tag = "76fc6ece0f4e1768cddf8853bb2d551b" },
};
#define N_KATS (sizeof(kats) / sizeof(kats[0]))

enum { J_PROTECT, J_VERIFY, J_TAMPER, J_MAX };
static const char *const job_names[J_MAX] = { "protect", "verify", "verify with flipped tag bit" };

/* One vector, decoded, with its session and jobs. */
struct kat_case {
	const struct kat *v;
	struct sl_sess *sess;
	uint8_t *key, *auth_key, *iv, *aad, *in, *out, *tag;
	size_t key_len, auth_key_len, iv_len, aad_len, len;
	unsigned n_jobs;
	uint8_t *buf[J_MAX];
	uint8_t digest[J_MAX][SL_MAX_TAG_LEN];
	struct sl_crypto_job job[J_MAX];
};

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a lower-case hex string into a new buffer (at least 1 byte). */
static int unhex(const char *hex, uint8_t **out, size_t *len)
{
	size_t n = hex ? strlen(hex) / 2 : 0;
	uint8_t *b = calloc(n + 1, 1);

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return -EINVAL;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n;
	return 0;
}

/* Copies n bytes plus a terminating byte into a new buffer. */
static int dup_bytes(const void *src, size_t n, uint8_t **out)
{
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, src, n + 1);
	return 0;
}

static int decode(struct kat_case *c)
{
	const struct kat *v = c->v;
	size_t out_len = 0, tag_len = 0;
	int rc = unhex(v->key, &c->key, &c->key_len);

	if (rc == 0)
		rc = unhex(v->auth_key, &c->auth_key, &c->auth_key_len);
	if (rc == 0)
		rc = unhex(v->iv, &c->iv, &c->iv_len);
	if (rc == 0)
		rc = unhex(v->aad, &c->aad, &c->aad_len);
	if (rc == 0 && v->in)
		rc = unhex(v->in, &c->in, &c->len);
	else if (rc == 0) {
		c->len = strlen(v->in_text);
		rc = dup_bytes(v->in_text, c->len, &c->in);
	}
	if (rc == 0 && v->out)
		rc = unhex(v->out, &c->out, &out_len);
	else if (rc == 0) {
		out_len = c->len;
		rc = dup_bytes(c->in, c->len, &c->out);
	}
	if (rc == 0)
		rc = unhex(v->tag, &c->tag, &tag_len);
	if (rc == 0 && (out_len != c->len || c->iv_len > sizeof(c->job[0].iv) ||
			tag_len < v->tag_len || v->tag_len > SL_MAX_TAG_LEN))
		rc = -EINVAL;
	for (unsigned j = 0; rc == 0 && j < J_MAX; j++) {
		c->buf[j] = malloc(c->len + 1);
		if (!c->buf[j])
			rc = -ENOMEM;
	}
	return rc;
}

static void params_of(const struct kat_case *c, struct sl_sess_params *p)
{
	memset(p, 0, sizeof(*p));
	p->cipher = c->v->cipher;
	p->cipher_key_len = (uint8_t)c->key_len;
	p->cipher_key = c->key;
	p->auth = c->v->auth;
	p->auth_key_len = (uint8_t)c->auth_key_len;
	p->auth_key = c->auth_key;
	p->tag_len = c->v->tag_len;
}

/* Returns 1 if the engine cannot run the vector, 0 when ready, or -errno. */
static int prepare(struct sl_engine *e, struct kat_case *c)
{
	struct sl_sess_params p;
	size_t size;
	int rc = decode(c);

	if (rc < 0)
		return rc;
	params_of(c, &p);
	size = sl_sess_size(e, &p);
	if (size == 0)
		return 1;
	c->sess = aligned_alloc(SL_SESS_ALIGN, size);
	if (!c->sess)
		return -ENOMEM;
	memset(c->sess, 0, size);
	rc = sl_sess_init(e, c->sess, &p);
	if (rc < 0) {
		free(c->sess);
		c->sess = NULL;
		return rc;
	}
	c->n_jobs = c->v->auth == SL_AUTH_NULL ? J_TAMPER : J_MAX;
	return 0;
}

static void reset(struct kat_case *c, uint32_t index)
{
	const struct kat *v = c->v;

	for (unsigned j = 0; j < c->n_jobs; j++) {
		struct sl_crypto_job *job = &c->job[j];

		memcpy(c->buf[j], j == J_PROTECT ? c->in : c->out, c->len);
		memset(c->digest[j], 0, SL_MAX_TAG_LEN);
		if (j != J_PROTECT)
			memcpy(c->digest[j], c->tag, v->tag_len);
		if (j == J_TAMPER)
			c->digest[j][v->tag_len - 1] ^= 1;
		memset(job, 0, sizeof(*job));
		job->sess = c->sess;
		job->data = c->buf[j];
		if (v->cipher != SL_CIPHER_NULL) {
			job->cipher_off = v->cipher_off;
			job->cipher_len = (uint32_t)c->len - v->cipher_off;
		}
		if (v->auth == SL_AUTH_HMAC_SHA1) {
			job->auth_off = v->auth_off;
			job->auth_len = (uint32_t)c->len - v->auth_off;
		}
		job->digest = c->digest[j];
		job->aad = c->aad_len ? c->aad : NULL;
		job->aad_len = (uint16_t)c->aad_len;
		job->op = j == J_PROTECT ? SL_JOB_PROTECT : SL_JOB_VERIFY;
		job->status = SL_JOB_PENDING;
		memcpy(job->iv, c->iv, c->iv_len);
		job->cookie = c;
		job->user = index * J_MAX + j;
	}
}

static int check_job(const struct kat_case *c, unsigned j, uint32_t index)
{
	const struct sl_crypto_job *job = &c->job[j];
	const struct kat *v = c->v;
	const uint8_t *want = j == J_VERIFY ? c->in : c->out;
	uint8_t want_status = j == J_TAMPER ? SL_JOB_AUTH_FAILED : SL_JOB_OK;
	const char *what = NULL;

	if (job->status != want_status)
		what = "status";
	else if (memcmp(c->buf[j], want, c->len) != 0)
		what = "data";
	else if (j == J_PROTECT && v->auth != SL_AUTH_NULL &&
		 memcmp(c->digest[j], c->tag, v->tag_len) != 0)
		what = "tag";
	else if (job->cookie != c || job->user != index * J_MAX + j)
		what = "cookie/user";
	if (!what)
		return 0;
	fprintf(stderr, "kat: %s, %s: wrong %s (status %u, want %u)\n", v->name,
		job_names[j], what, job->status, want_status);
	return -EBADMSG;
}

static int run_one(struct sl_engine *e, struct kat_case *c, uint32_t index)
{
	struct sl_crypto_job *jobs[J_MAX];
	int rc = 0;

	reset(c, index);
	for (unsigned j = 0; j < c->n_jobs; j++)
		jobs[j] = &c->job[j];
	sl_engine_run_burst(e, jobs, (uint16_t)c->n_jobs);
	for (unsigned j = 0; j < c->n_jobs && rc == 0; j++)
		rc = check_job(c, j, index);
	return rc;
}

/* All prepared vectors in one burst: mixed sessions, ciphers and ops. */
static int run_mixed(struct sl_engine *e, struct kat_case *cases, const char **failed)
{
	struct sl_crypto_job *jobs[N_KATS * J_MAX];
	uint16_t n = 0;

	for (uint32_t i = 0; i < N_KATS; i++) {
		if (!cases[i].sess)
			continue;
		reset(&cases[i], i);
		for (unsigned j = 0; j < cases[i].n_jobs; j++)
			jobs[n++] = &cases[i].job[j];
	}
	sl_engine_run_burst(e, jobs, n);
	for (uint32_t i = 0; i < N_KATS; i++) {
		for (unsigned j = 0; cases[i].sess && j < cases[i].n_jobs; j++) {
			if (check_job(&cases[i], j, i) < 0) {
				*failed = cases[i].v->name;
				return -EBADMSG;
			}
		}
	}
	return 0;
}

static void release(struct sl_engine *e, struct kat_case *c)
{
	if (c->sess) {
		sl_sess_clear(e, c->sess);
		free(c->sess);
	}
	if (c->key)
		sl_wipe(c->key, c->key_len);
	if (c->auth_key)
		sl_wipe(c->auth_key, c->auth_key_len);
	free(c->key);
	free(c->auth_key);
	free(c->iv);
	free(c->aad);
	free(c->in);
	free(c->out);
	free(c->tag);
	for (unsigned j = 0; j < J_MAX; j++)
		free(c->buf[j]);
}

int sl_engine_selftest(struct sl_engine *e, const char **failed)
{
	struct kat_case *cases = calloc(N_KATS, sizeof(*cases));
	const char *dummy;
	unsigned ran = 0;
	int rc = 0;

	if (!failed)
		failed = &dummy;
	*failed = NULL;
	if (!cases)
		return -ENOMEM;
	for (uint32_t i = 0; i < N_KATS && rc == 0; i++) {
		cases[i].v = &kats[i];
		rc = prepare(e, &cases[i]);
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = run_one(e, &cases[i], i);
		if (rc < 0)
			*failed = kats[i].name;
		else
			ran++;
	}
	if (rc == 0 && ran == 0) {
		*failed = "(none: the engine's capabilities match no known-answer vector)";
		rc = -ENOTSUP;
	}
	if (rc == 0)
		rc = run_mixed(e, cases, failed);
	for (uint32_t i = 0; i < N_KATS; i++)
		if (cases[i].v)
			release(e, &cases[i]);
	free(cases);
	return rc < 0 && rc != -ENOMEM && rc != -ENOTSUP ? -EBADMSG : rc;
}
