/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shieldlock crypto engine interface.
 *
 * The protocol layer (dataplane/srtp, later ESP) never calls a crypto library
 * directly: it fills crypto jobs and hands them to an engine in bursts. An
 * engine is one `const struct sl_engine_ops` table plus an instance (one per
 * worker: it owns its IPsec-MB manager or its cryptodev queue pair).
 *
 * A job describes one packet:
 *
 *   data ─┬─ auth_off ─────────── auth_off+auth_len ─┐
 *         │        cipher_off ── cipher_off+cipher_len│
 *         └───────────────────────────────────────────┘
 *
 * SL_JOB_PROTECT: encrypt [cipher_off, +cipher_len) in place, then compute the
 *   tag (HMAC over [auth_off, +auth_len), or the AEAD tag over aad + ciphertext)
 *   and write sess->tag_len bytes to job->digest.
 * SL_JOB_VERIFY: compute the tag over the same ranges, compare it in constant
 *   time with the tag_len bytes at job->digest; on mismatch the status is
 *   SL_JOB_AUTH_FAILED and the cipher range is left untouched where the
 *   engine can guarantee it (all engines here do: they verify before
 *   decrypting); on match decrypt in place.
 *
 * Encrypt-then-MAC covers SRTP/SRTCP (RFC 3711 §3.3, §3.4) and ESP with
 * AES-CBC + HMAC-SHA1-96 (RFC 4303); the AEAD form covers RFC 7714 and
 * RFC 4106. For AEAD the ranges are: cipher range = plaintext/ciphertext,
 * aad/aad_len = associated data (may point into data or into job->scratch),
 * digest = where the 16-byte (or shorter) tag lives.
 *
 * Engines with asynchronous completion (cryptodev, FPGA) return jobs from
 * dequeue_burst in any order; callers match them by job->cookie/user data.
 */
#ifndef SL_HW_ENGINE_H
#define SL_HW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sl_cipher_algo {
	SL_CIPHER_NULL = 0,
	SL_CIPHER_AES_CTR,   /* AES-CTR / AES-ICM, 16-byte counter block in iv */
	SL_CIPHER_AES_GCM,   /* AEAD; iv holds the 12-byte nonce */
	SL_CIPHER_AES_CBC,   /* reserved for ESP (RFC 3602); no engine offers it yet */
	SL_CIPHER__COUNT
};

enum sl_auth_algo {
	SL_AUTH_NULL = 0,
	SL_AUTH_HMAC_SHA1,   /* RFC 2104 / RFC 2202; tag truncated to tag_len */
	SL_AUTH_AEAD,        /* tag produced by the AEAD cipher */
	SL_AUTH__COUNT
};

enum sl_job_op {
	SL_JOB_PROTECT = 0,  /* encrypt, then generate tag */
	SL_JOB_VERIFY  = 1,  /* verify tag, then decrypt */
};

enum sl_job_status {
	SL_JOB_OK = 0,
	SL_JOB_AUTH_FAILED,
	SL_JOB_ERROR,        /* engine could not process the job: drop it */
	SL_JOB_PENDING,      /* not yet completed (internal) */
};

/* Capability bits (sl_engine_ops.caps). */
enum {
	SL_CAP_AES_CTR_128  = 1u << 0,
	SL_CAP_AES_CTR_256  = 1u << 1,
	SL_CAP_AES_GCM_128  = 1u << 2,
	SL_CAP_AES_GCM_256  = 1u << 3,
	SL_CAP_HMAC_SHA1    = 1u << 4,
	SL_CAP_NULL_CIPHER  = 1u << 5,
	SL_CAP_AES_CBC      = 1u << 6,
};

#define SL_MAX_KEY_LEN       32
#define SL_MAX_AUTH_KEY_LEN  20
#define SL_MAX_TAG_LEN       16
#define SL_JOB_SCRATCH_LEN   48

/* Everything an engine needs to create a session (a keyed transform). */
struct sl_sess_params {
	enum sl_cipher_algo cipher;
	uint8_t cipher_key_len;          /* 16 or 32 (0 for NULL) */
	uint8_t auth_key_len;            /* HMAC key length (20 for SRTP) */
	enum sl_auth_algo auth;
	uint8_t tag_len;                 /* 4, 10, 12 for HMAC-SHA1; 8, 12 or 16 for GCM */
	const uint8_t *cipher_key;
	const uint8_t *auth_key;
};

/*
 * Engine-private session memory, allocated by the caller with
 * ops->sess_size(params) bytes aligned to SL_SESS_ALIGN, so a protocol
 * context can hold its sessions inline (one allocation per stream).
 * The first bytes are common so callers can read the shape back.
 */
#define SL_SESS_ALIGN 64
struct sl_sess {
	uint8_t cipher;                  /* enum sl_cipher_algo */
	uint8_t auth;                    /* enum sl_auth_algo */
	uint8_t key_len;
	uint8_t tag_len;
	uint8_t engine_id;               /* guards against mixing engines */
	uint8_t pad[3];
	/* engine-private data follows, aligned by the engine inside its size */
};

struct sl_crypto_job {
	struct sl_sess *sess;
	uint8_t *data;
	uint32_t cipher_off, cipher_len;
	uint32_t auth_off, auth_len;     /* HMAC only; ignored for AEAD */
	uint8_t *digest;                 /* tag: written (PROTECT) or checked (VERIFY) */
	const uint8_t *aad;              /* AEAD only */
	uint16_t aad_len;
	uint8_t op;                      /* enum sl_job_op */
	uint8_t status;                  /* enum sl_job_status, set by the engine */
	uint8_t iv[16];                  /* CTR counter block or GCM nonce (12 bytes) */
	void *cookie;                    /* caller's, returned untouched */
	uint32_t user;                   /* caller's, returned untouched */
	/* caller scratch: saved tags, discontiguous AAD (SRTCP AEAD) */
	uint8_t scratch[SL_JOB_SCRATCH_LEN];
};

struct sl_engine;

struct sl_engine_ops {
	const char *name;
	uint32_t caps;
	size_t priv_size;                /* bytes of engine->priv */
	/* args: backend specific (cryptodev: device name); may be NULL */
	int (*init)(struct sl_engine *e, const char *args);
	void (*fini)(struct sl_engine *e);
	size_t (*sess_size)(const struct sl_engine *e, const struct sl_sess_params *p);
	int (*sess_init)(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p);
	/* wipes key material and releases anything sess_init acquired */
	void (*sess_clear)(struct sl_engine *e, struct sl_sess *s);
	/*
	 * Returns the number of jobs accepted (from the front of jobs[]). Sets
	 * each accepted job's status to SL_JOB_PENDING; completion sets the
	 * final status (OK / AUTH_FAILED / ERROR) before dequeue_burst returns
	 * the job. Callers may stamp SL_JOB_PENDING themselves beforehand
	 * (sl_engine_run_burst fails jobs still PENDING when an engine stalls).
	 */
	uint16_t (*enqueue_burst)(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n);
	/* returns up to n completed jobs, each with status set */
	uint16_t (*dequeue_burst)(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n);
	/*
	 * Known-answer self-test run by sl_engine_open before the engine is
	 * used: 0, or -errno with the failing vector's name in *failed. Every
	 * engine runs the shared vectors (sl_engine_selftest, hw/kat.c); an
	 * engine with extra vectors of its own wraps it.
	 */
	int (*selftest)(struct sl_engine *e, const char **failed);
};

struct sl_engine {
	const struct sl_engine_ops *ops;
	uint8_t id;                      /* index in the registry, stamped into sessions */
	uint64_t jobs_ok, jobs_auth_failed, jobs_error;
	void *priv;
};

/* Registry: "ipsec-mb", "cryptodev", "openssl". NULL if unknown. */
const struct sl_engine_ops *sl_engine_find(const char *name);
/* Names of all compiled-in engines, NULL-terminated. */
const char *const *sl_engine_names(void);

/*
 * Opens an engine: allocates it, calls ops->init, runs the known-answer
 * self-test (hw/kat.c) and refuses (returns NULL, *err set to a negative
 * errno, message on stderr) if any vector fails.
 */
struct sl_engine *sl_engine_open(const char *name, const char *args, int *err);
/* The same for an ops table that is not in the registry (tests, out-of-tree engines). */
struct sl_engine *sl_engine_open_ops(const struct sl_engine_ops *ops, const char *args, int *err);
void sl_engine_close(struct sl_engine *e);

/* Runs the known-answer vectors against an already initialised engine.
 * Returns 0, or -EBADMSG naming the failing vector through *failed. */
int sl_engine_selftest(struct sl_engine *e, const char **failed);

/* Session helpers that check the params against the engine's caps. */
size_t sl_sess_size(const struct sl_engine *e, const struct sl_sess_params *p);
int sl_sess_init(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p);
void sl_sess_clear(struct sl_engine *e, struct sl_sess *s);

/*
 * Synchronous convenience: enqueue all n jobs and poll until every one has
 * completed. Returns the number of jobs with status SL_JOB_OK.
 */
uint16_t sl_engine_run_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n);

/* Constant-time comparison; 0 when equal. */
int sl_ct_memcmp(const void *a, const void *b, size_t n);
/* Wipe that the compiler may not elide. */
void sl_wipe(void *p, size_t n);

extern const struct sl_engine_ops sl_engine_openssl_ops;
extern const struct sl_engine_ops sl_engine_ipsecmb_ops;
extern const struct sl_engine_ops sl_engine_cryptodev_ops;

#ifdef __cplusplus
}
#endif
#endif
