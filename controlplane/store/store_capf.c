/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CAPF enrolment settings and results per device (spec §1.8, §1.10, §7.1),
 * and the sealing of reversible secrets (CAPF authentication strings and
 * the users' provisioning secrets) shared with store_user.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "store_int.h"

#define CAPF_AAD_MAX (32 + SL_STORE_NAME_MAX)

/* ---- names ---- */

static const char *const op_names[] = { "none", "install", "fetch", "delete" };
static const char *const auth_names[] = { "null", "password", "lsc", "mic", "lsc-or-mic" };
static const char *const key_names[] = { "rsa", "ec" };
static const char *const curves[] = { "P-256", "P-384", "P-521" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *sl_capf_op_name(enum sl_capf_op op)
{
	return (unsigned)op < NELEM(op_names) ? op_names[op] : "unknown";
}

const char *sl_capf_auth_name(enum sl_capf_auth a)
{
	return (unsigned)a < NELEM(auth_names) ? auth_names[a] : "unknown";
}

const char *sl_capf_key_name(enum sl_capf_key k)
{
	return (unsigned)k < NELEM(key_names) ? key_names[k] : "unknown";
}

int sl_capf_op_parse(const char *s, enum sl_capf_op *op)
{
	int i = name_index(op_names, NELEM(op_names), s);

	if (i < 0)
		return -EINVAL;
	*op = (enum sl_capf_op)i;
	return 0;
}

int sl_capf_auth_parse(const char *s, enum sl_capf_auth *a)
{
	int i = name_index(auth_names, NELEM(auth_names), s);

	if (i < 0)
		return -EINVAL;
	*a = (enum sl_capf_auth)i;
	return 0;
}

/* spec §7.1: 1 = password, 2 = null string, 3 = LSC falling back to MIC,
 * 4 = MIC. The phone has no "LSC only" mode: it is told 3 and the server
 * accepts only certificates issued by our LSC CA (docs/shieldlockctl-capf.md). */
int sl_capf_auth_mode(enum sl_capf_auth a)
{
	switch (a) {
	case SL_CAPF_AUTH_PASSWORD: return 1;
	case SL_CAPF_AUTH_NULL: return 2;
	case SL_CAPF_AUTH_LSC:
	case SL_CAPF_AUTH_LSC_OR_MIC: return 3;
	case SL_CAPF_AUTH_MIC: return 4;
	default: return 2;
	}
}

int sl_capf_key_parse(const char *s, struct sl_capf_keyspec *k)
{
	struct sl_capf_keyspec out;

	if (!s || !k)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	if (!strncmp(s, "rsa:", 4)) {
		static const char *const sizes[] = { "1024", "2048", "3072", "4096" };
		int i = name_index(sizes, NELEM(sizes), s + 4);

		if (i < 0)
			return -EINVAL;
		out.type = SL_CAPF_KEY_RSA;
		out.size = 1024u * (unsigned)(i + 1);
	} else if (!strncmp(s, "ec:", 3)) {
		int i = name_index(curves, NELEM(curves), s + 3);

		if (i < 0)
			return -EINVAL;
		out.type = SL_CAPF_KEY_EC;
		snprintf(out.curve, sizeof(out.curve), "%s", curves[i]);
	} else {
		return -EINVAL;
	}
	*k = out;
	return 0;
}

void sl_capf_key_format(const struct sl_capf_keyspec *k, char *buf, size_t n)
{
	if (k->type == SL_CAPF_KEY_EC)
		snprintf(buf, n, "ec:%s", k->curve);
	else
		snprintf(buf, n, "rsa:%u", k->size);
}

static int check_key(const char *device, const struct sl_capf_keyspec *k, char *err, size_t errlen)
{
	if (k->type == SL_CAPF_KEY_RSA && (k->size == 1024 || k->size == 2048 ||
					   k->size == 3072 || k->size == 4096) && !k->curve[0])
		return 0;
	if (k->type == SL_CAPF_KEY_EC && k->size == 0 &&
	    name_index(curves, NELEM(curves), k->curve) >= 0)
		return 0;
	st_err(err, errlen, "device \"%s\": the CAPF key must be rsa:1024, rsa:2048, rsa:3072, "
	       "rsa:4096, ec:P-256, ec:P-384 or ec:P-521", device);
	return -EINVAL;
}

/* ---- sealed secrets ---- */

size_t st_aad_secret(uint8_t *buf, size_t cap, const char *label, const char *name)
{
	int n = snprintf((char *)buf, cap, "shieldlock-%s", label);
	size_t off, nl = strlen(name);

	if (n < 0 || (size_t)n + 1 + nl > cap)
		return 0;
	off = (size_t)n + 1;		/* keeps the NUL after the label */
	memcpy(buf + off, name, nl);
	return off + nl;
}

int st_seal_secret(const struct sl_store *st, const uint8_t *aad, size_t aadlen,
		   const char *secret, size_t len, struct st_secret *out)
{
	uint8_t pt[ST_SECRET_SEALED_MAX];
	size_t n;
	int r;

	if (len > SL_STORE_SECRET_MAX || !aadlen)
		return -EINVAL;
	n = (2 + len + ST_SECRET_BLOCK - 1) / ST_SECRET_BLOCK * ST_SECRET_BLOCK;
	memset(pt, 0, n);
	pt[0] = (uint8_t)(len >> 8);
	pt[1] = (uint8_t)len;
	memcpy(pt + 2, secret, len);
	r = st_seal(st->key, aad, aadlen, pt, n, out->nonce, out->ct, out->tag);
	OPENSSL_cleanse(pt, sizeof(pt));
	out->len = n;
	return r ? -EIO : 0;
}

int st_unseal_secret(const struct sl_store *st, sqlite3_stmt *s, int col,
		     const uint8_t *aad, size_t aadlen, char *out, size_t cap, size_t *len)
{
	uint8_t pt[ST_SECRET_SEALED_MAX];
	const void *nonce = sqlite3_column_blob(s, col);
	const void *ct = sqlite3_column_blob(s, col + 1);
	const void *tag = sqlite3_column_blob(s, col + 2);
	int ctlen = sqlite3_column_bytes(s, col + 1);
	size_t n;
	int r = 0;

	if (!aadlen || !nonce || !ct || !tag || sqlite3_column_bytes(s, col) != ST_NONCE_LEN ||
	    sqlite3_column_bytes(s, col + 2) != ST_TAG_LEN || ctlen < ST_SECRET_BLOCK ||
	    ctlen > ST_SECRET_SEALED_MAX || ctlen % ST_SECRET_BLOCK ||
	    st_unseal(st->key, aad, aadlen, nonce, ct, (size_t)ctlen, tag, pt))
		return -EIO;
	n = (size_t)pt[0] << 8 | pt[1];
	if (n > (size_t)ctlen - 2 || n > SL_STORE_SECRET_MAX)
		r = -EIO;
	else if (n >= cap)
		r = -ENOSPC;
	if (!r) {
		memcpy(out, pt + 2, n);
		out[n] = '\0';
		*len = n;
	} else if (cap) {
		OPENSSL_cleanse(out, cap);
	}
	OPENSSL_cleanse(pt, sizeof(pt));
	return r;
}

/* ---- rows ---- */

#define CAPF_COLS "SELECT d.name, c.device IS NOT NULL, c.operation, c.auth, " \
	"c.password_nonce IS NOT NULL, c.key_type, c.key_size, c.curve, c.deadline, " \
	"c.last_result, c.last_time, c.cert_kind, c.serial, c.not_before, c.not_after " \
	"FROM devices d LEFT JOIN capf c ON c.device = d.name "

static void capf_defaults(struct sl_capf *c)
{
	c->set.op = SL_CAPF_OP_NONE;
	c->set.auth = SL_CAPF_AUTH_NULL;
	c->set.key.type = SL_CAPF_KEY_RSA;
	c->set.key.size = 2048;
}

static void row_capf(sqlite3_stmt *s, void *out)
{
	struct sl_capf *c = out;
	char t[16];

	memset(c, 0, sizeof(*c));
	capf_defaults(c);
	st_col_text(c->device, sizeof(c->device), s, 0);
	c->configured = sqlite3_column_int(s, 1) != 0;
	if (!c->configured)
		return;
	/* The schema's CHECKs keep these to known values. */
	st_col_text(t, sizeof(t), s, 2);
	sl_capf_op_parse(t, &c->set.op);
	st_col_text(t, sizeof(t), s, 3);
	sl_capf_auth_parse(t, &c->set.auth);
	c->has_password = sqlite3_column_int(s, 4) != 0;
	st_col_text(t, sizeof(t), s, 5);
	c->set.key.type = strcmp(t, "ec") ? SL_CAPF_KEY_RSA : SL_CAPF_KEY_EC;
	c->set.key.size = (unsigned)sqlite3_column_int(s, 6);
	st_col_text(c->set.key.curve, sizeof(c->set.key.curve), s, 7);
	c->set.deadline = sqlite3_column_int64(s, 8);
	st_col_text(c->last_result, sizeof(c->last_result), s, 9);
	c->last_time = sqlite3_column_int64(s, 10);
	st_col_text(c->cert_kind, sizeof(c->cert_kind), s, 11);
	st_col_text(c->serial, sizeof(c->serial), s, 12);
	c->not_before = sqlite3_column_int64(s, 13);
	c->not_after = sqlite3_column_int64(s, 14);
}

static int need_device(struct sl_store *st, const char *device, char *err, size_t errlen)
{
	return st_need(st, "SELECT 1 FROM devices WHERE name = ?1", device, err, errlen,
		       "device \"%s\" does not exist; add it first", device);
}

int sl_store_capf_get(struct sl_store *st, const char *device, struct sl_capf *c,
		      char *err, size_t errlen)
{
	int r;

	if (!st || !c) {
		st_err(err, errlen, "sl_store_capf_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_row1(st, CAPF_COLS "WHERE d.name = ?1", device, row_capf, c,
		    "reading the device's CAPF settings", err, errlen);
	return st_required(r, err, errlen, "device \"%s\" does not exist", device);
}

struct capf_walk {
	int (*cb)(const struct sl_capf *, void *);
	void *arg;
};

static int capf_row(sqlite3_stmt *s, void *ctx)
{
	const struct capf_walk *w = ctx;
	struct sl_capf c;

	row_capf(s, &c);
	return w->cb(&c, w->arg);
}

int sl_store_capf_list(struct sl_store *st, int (*cb)(const struct sl_capf *, void *),
		       void *arg, char *err, size_t errlen)
{
	struct capf_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_capf_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, CAPF_COLS "ORDER BY d.name", &s, err, errlen);
	return r ? r : st_walk(st, s, capf_row, &w, "listing CAPF settings", err, errlen);
}

/* ---- settings ---- */

static int check_capf_password(const char *device, const char *pw, char *err, size_t errlen)
{
	size_t n = strnlen(pw, SL_CAPF_PASSWORD_MAX + 1);

	/* Never echo the password, not even part of it. */
	if (n < SL_CAPF_PASSWORD_MIN || n > SL_CAPF_PASSWORD_MAX) {
		st_err(err, errlen, "device \"%s\": the CAPF password must be %d to %d characters "
		       "(spec: the phone's authentication string)", device, SL_CAPF_PASSWORD_MIN,
		       SL_CAPF_PASSWORD_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)pw[i];

		if (ch < 0x20 || ch > 0x7e) {
			st_err(err, errlen, "device \"%s\": the CAPF password has a character other "
			       "than printable ASCII at position %zu (phones enter it on a keypad)",
			       device, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_settings(const char *device, const struct sl_capf_settings *s,
			  const char *password, char *err, size_t errlen)
{
	if ((unsigned)s->op >= NELEM(op_names)) {
		st_err(err, errlen, "device \"%s\": CAPF operation %d is not none, install, fetch "
		       "or delete", device, (int)s->op);
		return -EINVAL;
	}
	if ((unsigned)s->auth >= NELEM(auth_names)) {
		st_err(err, errlen, "device \"%s\": CAPF authentication %d is not password, null, "
		       "lsc, mic or lsc-or-mic", device, (int)s->auth);
		return -EINVAL;
	}
	if (s->deadline < 0) {
		st_err(err, errlen, "device \"%s\": the CAPF deadline is negative; give 0 for none "
		       "or a Unix time", device);
		return -EINVAL;
	}
	if (password && s->auth != SL_CAPF_AUTH_PASSWORD) {
		st_err(err, errlen, "device \"%s\": a CAPF password was given but the "
		       "authentication is %s; use auth password or give no password", device,
		       sl_capf_auth_name(s->auth));
		return -EINVAL;
	}
	if (password) {
		int r = check_capf_password(device, password, err, errlen);

		if (r)
			return r;
	}
	return check_key(device, &s->key, err, errlen);
}

int sl_store_capf_put(struct sl_store *st, const char *device, const struct sl_capf_settings *set,
		      const char *password, char *err, size_t errlen)
{
	uint8_t aad[CAPF_AAD_MAX];
	struct st_secret b;
	struct sl_capf cur;
	sqlite3_stmt *s;
	int r;

	if (!st || !set) {
		st_err(err, errlen, "sl_store_capf_put: missing store or settings");
		return -EINVAL;
	}
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = check_settings(device, set, password, err, errlen);
	if (!r)
		r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = need_device(st, device, err, errlen);
	if (!r)
		r = sl_store_capf_get(st, device, &cur, err, errlen);
	if (r)
		goto out;
	if (set->auth == SL_CAPF_AUTH_PASSWORD && !password &&
	    !(cur.set.auth == SL_CAPF_AUTH_PASSWORD && cur.has_password)) {
		st_err(err, errlen, "device \"%s\": CAPF authentication by password needs a "
		       "password (%d to %d characters)", device, SL_CAPF_PASSWORD_MIN,
		       SL_CAPF_PASSWORD_MAX);
		r = -EINVAL;
		goto out;
	}
	if (password && st_seal_secret(st, aad, st_aad_secret(aad, sizeof(aad), "capf-password", device),
				       password, strlen(password), &b)) {
		st_err(err, errlen, "device \"%s\": encrypting the CAPF password failed (OpenSSL)",
		       device);
		r = -EIO;
		goto out;
	}
	/* A NULL password keeps the stored one while auth stays password and
	 * drops it otherwise (the schema requires both). An UPDATE, not an
	 * upsert: SQLite checks the CHECKs on the row an upsert would insert. */
	r = st_prepare(st, cur.configured ?
		       "UPDATE capf SET operation = ?2, auth = ?3, "
		       "password_nonce = CASE WHEN ?3 <> 'password' THEN NULL "
		       " ELSE coalesce(?4, password_nonce) END, "
		       "password_ciphertext = CASE WHEN ?3 <> 'password' THEN NULL "
		       " ELSE coalesce(?5, password_ciphertext) END, "
		       "password_tag = CASE WHEN ?3 <> 'password' THEN NULL "
		       " ELSE coalesce(?6, password_tag) END, "
		       "key_type = ?7, key_size = ?8, curve = ?9, deadline = ?10 WHERE device = ?1" :
		       "INSERT INTO capf (device, operation, auth, password_nonce, "
		       "password_ciphertext, password_tag, key_type, key_size, curve, deadline) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, device);
	st_bind_text(s, 2, sl_capf_op_name(set->op));
	st_bind_text(s, 3, sl_capf_auth_name(set->auth));
	if (password) {
		sqlite3_bind_blob(s, 4, b.nonce, ST_NONCE_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 5, b.ct, (int)b.len, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 6, b.tag, ST_TAG_LEN, SQLITE_TRANSIENT);
	}
	st_bind_text(s, 7, sl_capf_key_name(set->key.type));
	sqlite3_bind_int(s, 8, (int)set->key.size);
	st_bind_text(s, 9, set->key.curve);
	sqlite3_bind_int64(s, 10, set->deadline);
	r = st_step_done(st, s, "writing the device's CAPF settings", err, errlen);
out:
	return st_end(st, r, err, errlen);
}

int sl_store_capf_clear(struct sl_store *st, const char *device, char *err, size_t errlen)
{
	int r;

	if (!st) {
		st_err(err, errlen, "sl_store_capf_clear: missing store");
		return -EINVAL;
	}
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = need_device(st, device, err, errlen);
	if (!r)
		r = st_exec(st, "UPDATE capf SET operation = 'none', deadline = 0 WHERE device = ?1",
			    device, NULL, NULL, "clearing the device's CAPF operation", err, errlen);
	return st_end(st, r, err, errlen);
}

struct pem_out {
	char *pem;
	size_t cap;
	int len;
};

static void row_pem(sqlite3_stmt *s, void *out)
{
	const unsigned char *t = sqlite3_column_text(s, 0);
	int n = t ? sqlite3_column_bytes(s, 0) : 0;
	struct pem_out *o = out;

	o->len = n;
	if ((size_t)n < o->cap) {
		if (n)
			memcpy(o->pem, t, (size_t)n);
		o->pem[n] = '\0';
	}
}

int sl_store_capf_cert_get(struct sl_store *st, const char *device, char *pem, size_t cap,
			   char *err, size_t errlen)
{
	struct pem_out o = { pem, cap, 0 };
	int r;

	if (!st || !pem || !cap) {
		st_err(err, errlen, "sl_store_capf_cert_get: missing store or buffer");
		return -EINVAL;
	}
	pem[0] = '\0';
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = need_device(st, device, err, errlen);
	if (!r)
		r = st_row1(st, "SELECT certificate FROM capf WHERE device = ?1", device, row_pem, &o,
			    "reading the device's certificate", err, errlen);
	if (r < 0)
		return r;
	if ((size_t)o.len >= cap) {
		pem[0] = '\0';
		st_err(err, errlen, "device \"%s\": the certificate (%d bytes) does not fit a %zu-byte "
		       "buffer", device, o.len, cap);
		return -ENOSPC;
	}
	return 0;
}

/* ---- the CAPF server's side ---- */

int sl_store_capf_check_password(struct sl_store *st, const char *device, const char *given,
				 size_t given_len, bool *match, char *err, size_t errlen)
{
	/* Fixed-size buffers: the comparison reads the same bytes whatever the lengths. */
	uint8_t want[SL_CAPF_PASSWORD_MAX + 1], got[SL_CAPF_PASSWORD_MAX + 1];
	char stored[ST_SECRET_BLOCK];
	uint8_t aad[CAPF_AAD_MAX];
	size_t slen = 0, aadlen;
	sqlite3_stmt *s;
	char auth[16];
	int r, rc;

	if (!st || !match || (!given && given_len)) {
		st_err(err, errlen, "sl_store_capf_check_password: missing store, result or password");
		return -EINVAL;
	}
	*match = false;
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "SELECT auth, password_nonce, password_ciphertext, password_tag "
		       "FROM capf WHERE device = ?1", &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, device);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		r = need_device(st, device, err, errlen);
		if (!r) {
			st_err(err, errlen, "device \"%s\" has no CAPF settings (no password)", device);
			r = -ENOENT;
		}
		return r;
	}
	if (rc != SQLITE_ROW) {
		r = st_sqlerr(st, rc, "reading the CAPF password", err, errlen);
		sqlite3_finalize(s);
		return r;
	}
	st_col_text(auth, sizeof(auth), s, 0);
	if (strcmp(auth, "password")) {
		sqlite3_finalize(s);
		st_err(err, errlen, "device \"%s\" authenticates to CAPF by %s, not by password",
		       device, auth);
		return -EINVAL;
	}
	aadlen = st_aad_secret(aad, sizeof(aad), "capf-password", device);
	r = st_unseal_secret(st, s, 1, aad, aadlen, stored, sizeof(stored), &slen);
	sqlite3_finalize(s);
	if (r || slen > SL_CAPF_PASSWORD_MAX) {
		OPENSSL_cleanse(stored, sizeof(stored));
		st_err(err, errlen, "the CAPF password of device \"%s\" does not decrypt: wrong master "
		       "key or a modified store; set it again (shieldlockctl capf set %s --auth "
		       "password)", device, device);
		return -EIO;
	}
	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	memcpy(want, stored, slen);
	if (given_len)
		memcpy(got, given, given_len < sizeof(got) ? given_len : sizeof(got));
	/* Lengths are compared as well; a longer given never matches (the
	 * buffers hold at most 15 bytes of a stored password plus a zero). */
	*match = (CRYPTO_memcmp(want, got, sizeof(want)) == 0) & (given_len == slen);
	OPENSSL_cleanse(stored, sizeof(stored));
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	return 0;
}

/* The certificate's facts as the row keeps them. */
struct cert_facts {
	char pem[SL_CAPF_PEM_MAX];
	char serial[44];
	int64_t not_before, not_after;
};

static int asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* spec §0 and §1.10: lowercase hex of the minimal unsigned bytes ("00" for 0). */
static int serial_hex(const X509 *x, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char bytes[20];
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	int n;

	if (!bn)
		return -1;
	n = BN_num_bytes(bn);
	if (n > (int)sizeof(bytes) || (size_t)(2 * (n ? n : 1)) >= cap) {
		BN_free(bn);
		return -1;
	}
	BN_bn2bin(bn, bytes);	/* the magnitude, big-endian */
	BN_free(bn);
	if (n == 0) {
		snprintf(out, cap, "00");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

/* Exactly one certificate in PEM (text around it, as PEM allows, is ignored). */
static int read_cert(const char *device, const char *pem, struct cert_facts *f,
		     char *err, size_t errlen)
{
	size_t len = strnlen(pem, SL_CAPF_PEM_MAX);
	BIO *in = NULL, *out = NULL;
	X509 *x = NULL;
	BUF_MEM *bm = NULL;
	const char *why = NULL, *p;
	int r = -EINVAL, nbegin = 0;

	if (len >= SL_CAPF_PEM_MAX) {
		st_err(err, errlen, "device \"%s\": the certificate is longer than %d bytes of PEM",
		       device, SL_CAPF_PEM_MAX - 1);
		return -EINVAL;
	}
	for (p = pem; (p = strstr(p, "-----BEGIN")); p++)
		nbegin++;
	in = BIO_new_mem_buf(pem, (int)len);
	if (in)
		x = PEM_read_bio_X509(in, NULL, NULL, NULL);
	if (!x) {
		why = "is not a PEM X.509 certificate";
		goto out;
	}
	if (nbegin != 1) {
		why = "holds more than one PEM block (give the device's own certificate only)";
		goto out;
	}
	if (serial_hex(x, f->serial, sizeof(f->serial))) {
		why = "has a serial number longer than 20 bytes (RFC 5280 §4.1.2.2)";
		goto out;
	}
	if (asn1_time_unix(X509_get0_notBefore(x), &f->not_before) ||
	    asn1_time_unix(X509_get0_notAfter(x), &f->not_after)) {
		why = "has an unreadable validity period";
		goto out;
	}
	/* Store it re-encoded: the canonical PEM of the DER we parsed. */
	out = BIO_new(BIO_s_mem());
	if (!out || PEM_write_bio_X509(out, x) != 1 || BIO_get_mem_ptr(out, &bm) != 1 || !bm ||
	    bm->length >= sizeof(f->pem)) {
		st_err(err, errlen, "device \"%s\": encoding the certificate failed (OpenSSL)", device);
		r = -EIO;
		goto out;
	}
	memcpy(f->pem, bm->data, bm->length);
	f->pem[bm->length] = '\0';
	r = 0;
out:
	if (why)
		st_err(err, errlen, "device \"%s\": the certificate %s", device, why);
	ERR_clear_error();
	X509_free(x);
	BIO_free(in);
	BIO_free(out);
	return r;
}

static int check_outcome(const char *device, const struct sl_capf_outcome *o, const char **kind,
			 char *err, size_t errlen)
{
	int r;

	if ((unsigned)o->op >= NELEM(op_names)) {
		st_err(err, errlen, "device \"%s\": CAPF operation %d is not none, install, fetch "
		       "or delete", device, (int)o->op);
		return -EINVAL;
	}
	r = st_check_text("CAPF result", o->result, SL_CAPF_RESULT_MAX, 1, err, errlen);
	if (r)
		return r;
	if (o->success && (o->op == SL_CAPF_OP_INSTALL || o->op == SL_CAPF_OP_FETCH) &&
	    !o->cert_pem) {
		st_err(err, errlen, "device \"%s\": a successful %s needs the certificate", device,
		       sl_capf_op_name(o->op));
		return -EINVAL;
	}
	if (o->cert_pem && (!o->success || o->op == SL_CAPF_OP_DELETE)) {
		st_err(err, errlen, "device \"%s\": a certificate comes only with a successful "
		       "install, fetch or authentication", device);
		return -EINVAL;
	}
	*kind = o->cert_kind ? o->cert_kind : "lsc";
	if (strcmp(*kind, "lsc") && strcmp(*kind, "mic")) {
		st_err(err, errlen, "device \"%s\": certificate kind must be lsc or mic", device);
		return -EINVAL;
	}
	if (o->time < 0) {
		st_err(err, errlen, "device \"%s\": the CAPF result time is negative", device);
		return -EINVAL;
	}
	return 0;
}

int sl_store_capf_record(struct sl_store *st, const char *device,
			 const struct sl_capf_outcome *o, char *err, size_t errlen)
{
	struct cert_facts f;		/* 16 KiB on the stack */
	const char *kind = "lsc";
	sqlite3_stmt *s;
	int r, cert_mode;

	if (!st || !o) {
		st_err(err, errlen, "sl_store_capf_record: missing store or outcome");
		return -EINVAL;
	}
	r = st_check_name("device name", device, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = check_outcome(device, o, &kind, err, errlen);
	memset(&f, 0, sizeof(f));
	if (!r && o->cert_pem)
		r = read_cert(device, o->cert_pem, &f, err, errlen);
	if (!r)
		r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = need_device(st, device, err, errlen);
	if (!r)
		r = st_exec(st, "INSERT INTO capf (device) VALUES (?1) ON CONFLICT (device) DO NOTHING",
			    device, NULL, NULL, "creating the device's CAPF row", err, errlen);
	if (!r)
		r = st_prepare(st, "UPDATE capf SET last_result = ?2, last_time = ?3, "
			       "certificate = CASE ?4 WHEN 1 THEN ?5 WHEN 2 THEN '' ELSE certificate END, "
			       "serial = CASE ?4 WHEN 1 THEN ?6 WHEN 2 THEN '' ELSE serial END, "
			       "not_before = CASE ?4 WHEN 1 THEN ?7 WHEN 2 THEN 0 ELSE not_before END, "
			       "not_after = CASE ?4 WHEN 1 THEN ?8 WHEN 2 THEN 0 ELSE not_after END, "
			       "cert_kind = CASE ?4 WHEN 1 THEN ?9 WHEN 2 THEN '' ELSE cert_kind END, "
			       /* spec §1.8 step 6; both read the old operation */
			       "deadline = CASE WHEN ?10 AND operation = ?11 THEN 0 ELSE deadline END, "
			       "operation = CASE WHEN ?10 AND operation = ?11 THEN 'none' ELSE operation END "
			       "WHERE device = ?1", &s, err, errlen);
	if (r)
		goto out;
	cert_mode = !o->success ? 0 : o->cert_pem ? 1 : o->op == SL_CAPF_OP_DELETE ? 2 : 0;
	st_bind_text(s, 1, device);
	st_bind_text(s, 2, o->result);
	sqlite3_bind_int64(s, 3, o->time ? o->time : (int64_t)time(NULL));
	sqlite3_bind_int(s, 4, cert_mode);
	st_bind_text(s, 5, f.pem);
	st_bind_text(s, 6, f.serial);
	sqlite3_bind_int64(s, 7, f.not_before);
	sqlite3_bind_int64(s, 8, f.not_after);
	st_bind_text(s, 9, kind);
	sqlite3_bind_int(s, 10, o->success && o->op != SL_CAPF_OP_NONE);
	st_bind_text(s, 11, sl_capf_op_name(o->op));
	r = st_step_done(st, s, "recording the CAPF result", err, errlen);
out:
	return st_end(st, r, err, errlen);
}

int sl_store_capf_expire(struct sl_store *st, int64_t now, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	if (!st) {
		st_err(err, errlen, "sl_store_capf_expire: missing store");
		return -EINVAL;
	}
	r = st_prepare(st, "UPDATE capf SET operation = 'none', deadline = 0, last_result = ?2, "
		       "last_time = ?1 WHERE operation <> 'none' AND deadline <> 0 AND deadline < ?1",
		       &s, err, errlen);
	if (r)
		return r;
	sqlite3_bind_int64(s, 1, now);
	st_bind_text(s, 2, SL_CAPF_R_EXPIRED);
	r = st_step_done(st, s, "expiring CAPF operations", err, errlen);
	return r ? r : sqlite3_changes(st->db);
}
