/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The provisioning tree (docs/provisioning.md), built by the parent from the
 * store and the certificates, signed by the ca process:
 *
 *   CTLFile.tlv, ITLFile.tlv      SAST1, SAST2, CCM (node), TFTP, CAPF records
 *                                 (spec §3), signed by the SAST signer
 *   SEP<MAC>.cnf.xml              per phone device (spec §7), when the cluster
 *                                 is non-secure or the phone has no trust list yet
 *   SEP<MAC>.cnf.xml.sgn          the same, signed with the TFTP key (spec §4)
 *   SEP<MAC>.cnf.xml.enc.sgn      encrypted configuration (spec §5) plus the
 *                                 signed stub in .cnf.xml.sgn, when the profile
 *                                 asks for it and the phone has an RSA LSC
 *   CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv  per-phone copies (FILENAME CTLFile.tlv /
 *                                 ITLFile.tlv, spec §7.2): the same bytes as
 *                                 the common lists, so no signature per phone
 *
 * Signatures carry a timestamp, so a rebuild re-signs only what changed: the
 * file in the tree is parsed and compared with what would be signed (signer
 * serial, hash, FILENAME, version, and the original bytes or the records'
 * certificates and roles); when equal it stays as it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ca_int.h"
#include "cnf.h"
#include "conf.h"
#include "log.h"
#include "provd_int.h"
#include "sgn.h"
#include "store.h"

#define TREE_FILE_MAX	(4u << 20)

int pd_sign_digest(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		   uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	struct pd_signer *s = arg;
	struct sl_cp_sign_req r;
	char *reply = NULL;
	size_t rlen = 0;
	int rc;

	if (dlen > sizeof(r.digest)) {
		snprintf(err, errlen, "digest of %zu bytes is too long", dlen);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.key = s->key;
	r.hash = (uint32_t)hash;
	r.dlen = (uint32_t)dlen;
	memcpy(r.digest, digest, dlen);
	rc = ca_request(s->pd->ctx.ca_fd, SL_CP_CA_SIGN_DIGEST, &r, sizeof(r),
			SL_CP_CA_SIGNATURE, &reply, &rlen, err, errlen);
	if (rc < 0)
		return -1;
	if (rlen > *siglen) {
		snprintf(err, errlen, "signature of %zu bytes does not fit", rlen);
		free(reply);
		return -1;
	}
	memcpy(sig, reply, rlen);
	*siglen = rlen;
	free(reply);
	return 0;
}

X509 *pd_read_cert(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		snprintf(err, errlen, "%s holds no PEM certificate", path);
	ERR_clear_error();
	return x;
}

static uint8_t *read_tree_file(const char *dir, const char *name, size_t *len)
{
	char path[SL_CONF_PATH_MAX + SL_TREE_NAME_MAX + 2];
	struct stat st;
	uint8_t *buf;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > TREE_FILE_MAX || !(buf = malloc((size_t)st.st_size))) {
		close(fd);
		return NULL;
	}
	r = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (r != st.st_size) {
		free(buf);
		return NULL;
	}
	*len = (size_t)r;
	return buf;
}

/* The old file's header names this signer, hash and FILENAME. */
static bool same_header(const struct sl_sgn_header *h, const struct sl_sgn_signer *s,
			const char *filename)
{
	uint8_t serial[SL_SGN_MAX_SERIAL];
	char e[8];
	int n = sl_sgn_serial_bytes(s->cert, serial, sizeof(serial), e, sizeof(e));
	int hash = s->hash ? (int)s->hash : SL_HASH_SHA1;

	return n > 0 && (size_t)n == h->serial_len && !memcmp(serial, h->serial, h->serial_len) &&
	       h->hash == hash && h->filename && !strcmp(h->filename, filename) &&
	       h->signature_len == (size_t)EVP_PKEY_get_size(X509_get0_pubkey(s->cert));
}

/* An old .sgn with the same signer, name and original bytes. */
static bool same_sgn(const uint8_t *old, size_t olen, const struct sl_sgn_signer *s,
		     const char *filename, const uint8_t *data, size_t len)
{
	struct sl_sgn_header h;
	char e[8];

	return sl_sgn_header_parse(old, olen, &h, e, sizeof(e)) == 0 && h.version[0] == 1 &&
	       h.version[1] == 0 && !h.has_encryption && same_header(&h, s, filename) &&
	       h.body_len == len && !memcmp(old + h.header_length, data, len);
}

/* An old .tlv with the same signer, version and records (certificate, role). */
static bool same_tlv(const uint8_t *old, size_t olen, const struct sl_sgn_signer *s,
		     const char *filename, unsigned signer_minor, const struct sl_tlv_entry *e,
		     size_t n)
{
	struct sl_tlv_record r[8];
	struct sl_sgn_header h;
	size_t got = 0;
	char err[8];

	if (n > 8 || sl_tlv_parse(old, olen, &h, r, 8, &got, err, sizeof(err)) < 0 || got != n ||
	    !h.has_signer_version || h.signer_version[0] != 1 ||
	    h.signer_version[1] != signer_minor || !same_header(&h, s, filename))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int dl = i2d_X509(e[i].cert, &der);
		bool eq = dl > 0 && r[i].role == (int)e[i].role && r[i].cert &&
			  r[i].cert_len == (size_t)dl && !memcmp(r[i].cert, der, (size_t)dl);

		OPENSSL_free(der);
		if (!eq)
			return false;
	}
	return true;
}

struct build {
	struct sl_provd *pd;
	const struct sl_conf *conf;
	struct sl_tree *tree;
	uint32_t now;
	bool secure;
	struct pd_signer sast_arg, tftp_arg;
	struct sl_sgn_signer sast, tftp;
	unsigned signed_new, reused, devices, skipped, operator_files;
	bool last_reused;		/* the last put_signed kept the old file */
	/* CTLFile.tlv / ITLFile.tlv as put this build: the per-phone copies
	 * (FILENAME CTLFile.tlv / ITLFile.tlv, same records) are these bytes */
	uint8_t *list[2];
	size_t list_len[2];
	/* names build_device put (pd_build_device: the rest of the phone's
	 * possible files are removed) */
	char put[SL_CNF_MAX_FILES][sizeof(((struct sl_cnf_file *)0)->name)];
	unsigned nput;
	char *err;
	size_t errlen;
};

/* Builds a signed file unless the one in the tree already says the same. */
typedef int (*build_fn)(struct build *b, const struct sl_sgn_signer *s, void *arg,
			uint8_t **out, size_t *outlen, char *err, size_t errlen);
typedef bool (*same_fn)(struct build *b, const struct sl_sgn_signer *s, void *arg,
			const uint8_t *old, size_t olen);

static int put_signed(struct build *b, const char *name, const struct sl_sgn_signer *s,
		      build_fn fn, same_fn same, void *arg)
{
	uint8_t *old = NULL, *out = NULL;
	size_t olen = 0, outlen = 0;
	int rc;

	old = read_tree_file(b->conf->prov_dir, name, &olen);
	if (old && same(b, s, arg, old, olen)) {
		rc = sl_tree_put(b->tree, name, old, olen, b->err, b->errlen);
		b->reused++;
		b->last_reused = true;
	} else {
		b->last_reused = false;
		rc = fn(b, s, arg, &out, &outlen, b->err, b->errlen);
		if (rc == 0) {
			rc = sl_tree_put(b->tree, name, out, outlen, b->err, b->errlen);
			b->signed_new++;
		}
	}
	free(old);
	free(out);
	return rc < 0 ? -1 : 0;
}

/* ---- trust lists ---- */

struct tlv_arg {
	enum sl_tlv_kind kind;
	struct sl_tlv_entry e[8];
	size_t n;
};

static int build_tlv(struct build *b, const struct sl_sgn_signer *s, void *arg, uint8_t **out,
		     size_t *outlen, char *err, size_t errlen)
{
	struct tlv_arg *t = arg;

	return sl_tlv_build(s, t->kind, b->conf->signer_version & 0xff, b->now, t->e, t->n, out,
			    outlen, err, errlen);
}

static bool same_tlv_arg(struct build *b, const struct sl_sgn_signer *s, void *arg,
			 const uint8_t *old, size_t olen)
{
	struct tlv_arg *t = arg;

	return same_tlv(old, olen, s, t->kind == SL_TLV_CTL ? "CTLFile.tlv" : "ITLFile.tlv",
			b->conf->signer_version & 0xff, t->e, t->n);
}

static void tlv_entries(struct build *b, struct tlv_arg *t)
{
	struct sl_provd *pd = b->pd;

	t->n = 0;
	t->e[t->n++] = (struct sl_tlv_entry){ pd->cert[SL_KEY_SAST1], SL_ROLE_SAST };
	if (pd->cert[SL_KEY_SAST2])
		t->e[t->n++] = (struct sl_tlv_entry){ pd->cert[SL_KEY_SAST2], SL_ROLE_SAST };
	t->e[t->n++] = (struct sl_tlv_entry){ pd->node, SL_ROLE_CCM };
	t->e[t->n++] = (struct sl_tlv_entry){ pd->cert[SL_KEY_TFTP], SL_ROLE_TFTP };
	t->e[t->n++] = (struct sl_tlv_entry){ pd->cert[SL_KEY_CAPF], SL_ROLE_CAPF };
}

/* ---- configuration files ---- */

struct sgn_arg {
	const char *filename;		/* FILENAME in the header */
	const uint8_t *data;
	size_t len;
};

static int build_sgn(struct build *b, const struct sl_sgn_signer *s, void *arg, uint8_t **out,
		     size_t *outlen, char *err, size_t errlen)
{
	struct sgn_arg *a = arg;

	return sl_sgn_build(s, a->filename, b->now, a->data, a->len, out, outlen, err, errlen);
}

static bool same_sgn_arg(struct build *b, const struct sl_sgn_signer *s, void *arg,
			 const uint8_t *old, size_t olen)
{
	struct sgn_arg *a = arg;
	(void)b;

	return same_sgn(old, olen, s, a->filename, a->data, a->len);
}

static void warn_cb(void *arg, enum sl_cnf_warning code, const char *msg)
{
	(void)arg;
	(void)code;
	log_warn("provisioning: %s", msg);
}

/* The .enc.sgn is reused when the plaintext hash, signer and name match and
 * the stub (which names the phone certificate by hash) did not change. */
static int put_enc(struct build *b, const char *name, const char *filename, EVP_PKEY *phone,
		   const uint8_t *plain, size_t len, bool stub_same)
{
	uint8_t *old = NULL, *out = NULL;
	size_t olen = 0, outlen = 0;
	struct sl_sgn_header h;
	char e[8];
	int rc;

	old = stub_same ? read_tree_file(b->conf->prov_dir, name, &olen) : NULL;
	if (old && sl_sgn_header_parse(old, olen, &h, e, sizeof(e)) == 0 && h.enc_hash &&
	    h.filename && !strcmp(h.filename, filename) && h.hash == (int)b->tftp.hash) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		uint8_t serial[SL_SGN_MAX_SERIAL];
		int sn = sl_sgn_serial_bytes(b->tftp.cert, serial, sizeof(serial), e, sizeof(e));

		if (EVP_Digest(plain, len, md, &mdlen,
			       b->tftp.hash == SL_HASH_SHA512 ? EVP_sha512() : EVP_sha1(),
			       NULL) == 1 && mdlen == h.enc_hash_len &&
		    !memcmp(md, h.enc_hash, mdlen) && sn > 0 && (size_t)sn == h.serial_len &&
		    !memcmp(serial, h.serial, h.serial_len)) {
			rc = sl_tree_put(b->tree, name, old, olen, b->err, b->errlen);
			b->reused++;
			free(old);
			return rc;
		}
	}
	free(old);
	rc = sl_encsgn_build(&b->tftp, filename, b->now, phone, plain, len, &out, &outlen, b->err,
			     b->errlen);
	if (rc == 0) {
		rc = sl_tree_put(b->tree, name, out, outlen, b->err, b->errlen);
		b->signed_new++;
	}
	free(out);
	return rc;
}

static int build_device(struct build *b, const struct sl_device *d)
{
	struct sl_store *st = b->pd->ctx.store;
	const struct sl_conf *c = b->conf;
	struct sl_profile prof;
	struct sl_user user;
	struct sl_capf capf;
	struct sl_cnf_device dev;
	struct sl_cnf_buf xml = { 0 }, stub = { 0 };
	struct sl_cnf_file files[SL_CNF_MAX_FILES];
	char mac[13], e[256], secret[SL_STORE_SECRET_MAX + 1];
	char *pem = NULL;
	size_t slen = 0;
	X509 *phone = NULL;
	bool has_secret = false, rsa = false;
	unsigned flags = 0;
	int nfiles, rc = -1;

	if (sl_cnf_device_mac(d->name, mac, e, sizeof(e)) < 0) {
		b->skipped++;		/* not a SEP<MAC> phone: nothing to provision */
		return 0;
	}
	if (sl_store_profile_get(st, d->profile, &prof, e, sizeof(e)) < 0 ||
	    sl_store_user_get(st, d->user, &user, e, sizeof(e)) < 0 ||
	    sl_store_capf_get(st, d->name, &capf, e, sizeof(e)) < 0) {
		log_warn("provisioning: %s skipped: %s", d->name, e);
		b->skipped++;
		return 0;
	}
	if (sl_store_user_secret_get(st, d->user, secret, sizeof(secret), &slen, e,
				     sizeof(e)) == 0)
		has_secret = true;
	pem = malloc(SL_CAPF_PEM_MAX);
	if (pem && sl_store_capf_cert_get(st, d->name, pem, SL_CAPF_PEM_MAX, e, sizeof(e)) == 0 &&
	    pem[0]) {
		BIO *bio = BIO_new_mem_buf(pem, -1);

		phone = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		ERR_clear_error();
		rsa = phone && EVP_PKEY_is_a(X509_get0_pubkey(phone), "RSA");
	}
	free(pem);

	memset(&dev, 0, sizeof(dev));
	dev.name = d->name;
	dev.description = d->description;
	if (!b->secure || prof.mode == SL_SEC_NONSECURE) {
		dev.mode = SL_CNF_MODE_NONSECURE;
		dev.transport = SL_CNF_TRANSPORT_TCP;
	} else {
		dev.mode = prof.mode == SL_SEC_ENCRYPTED ? SL_CNF_MODE_ENCRYPTED :
			   SL_CNF_MODE_AUTHENTICATED;
		dev.transport = SL_CNF_TRANSPORT_TLS;
	}
	dev.tls_resumption_timer = 3600;
	dev.cm[0].host = c->call_manager;
	dev.cm[0].sip_port = c->n_listen_tcp ? c->listen_tcp[0].port : 5060;
	dev.cm[0].secured_sip_port = c->n_listen_tls ? c->listen_tls[0].port : 5061;
	dev.n_cm = 1;
	if (capf.configured)
		dev.capf_auth_mode = (enum sl_cnf_capf_auth)sl_capf_auth_mode(capf.set.auth);
	if (c->prov_capf.port) {
		dev.capf[0].host = c->call_manager;
		dev.capf[0].port = c->prov_capf.port;
		dev.n_capf = 1;
	}
	dev.lines[0].label = user.display[0] ? user.display : user.name;
	dev.lines[0].name = user.name;
	dev.lines[0].display_name = user.display[0] ? user.display : user.name;
	dev.lines[0].auth_name = user.name;
	dev.lines[0].auth_password = has_secret ? secret : NULL;
	dev.lines[0].contact = user.name;
	dev.n_lines = 1;

	if (b->secure)
		flags |= SL_CNF_F_SIGNED | SL_CNF_F_CTL | SL_CNF_F_ITL;
	if (b->secure && prof.encrypt_config)
		flags |= SL_CNF_F_ENCRYPT;
	if (rsa)
		flags |= SL_CNF_F_RSA_CERT;
	sl_cnf_warnings(&dev, b->secure && prof.encrypt_config, rsa, warn_cb, NULL);
	nfiles = sl_cnf_files(d->name, flags, files, e, sizeof(e));
	if (nfiles < 0 || sl_cnf_build(&dev, &xml, e, sizeof(e)) < 0) {
		log_warn("provisioning: %s skipped: %s", d->name, e);
		b->skipped++;
		rc = 0;
		goto out;
	}
	for (int i = 0; i < nfiles; i++) {
		const struct sl_cnf_file *f = &files[i];
		struct sgn_arg sa = { .filename = f->header_name };
		struct tlv_arg ta;

		switch (f->kind) {
		case SL_CNF_FILE_CNF:
			if (sl_tree_put(b->tree, f->name, xml.data, xml.len, b->err, b->errlen) < 0)
				goto out;
			break;
		case SL_CNF_FILE_CNF_SGN:
			sa.data = xml.data;
			sa.len = xml.len;
			if (put_signed(b, f->name, &b->tftp, build_sgn, same_sgn_arg, &sa) < 0)
				goto out;
			break;
		case SL_CNF_FILE_STUB_SGN: {
			unsigned char *der = NULL;
			int dl = i2d_X509(phone, &der);

			if (dl <= 0 || sl_cnf_build_stub(&dev, der, (size_t)dl, &stub, b->err,
							 b->errlen) < 0) {
				OPENSSL_free(der);
				goto out;
			}
			OPENSSL_free(der);
			sa.data = stub.data;
			sa.len = stub.len;
			if (put_signed(b, f->name, &b->tftp, build_sgn, same_sgn_arg, &sa) < 0)
				goto out;
			break;
		}
		case SL_CNF_FILE_ENC_SGN: {
			/* the stub comes first in files[]; an unchanged stub means
			 * the same phone certificate */
			bool stub_same = b->last_reused;

			if (put_enc(b, f->name, f->header_name, X509_get0_pubkey(phone), xml.data,
				    xml.len, stub_same) < 0)
				goto out;
			break;
		}
		case SL_CNF_FILE_CTL:
		case SL_CNF_FILE_ITL: {
			int k = f->kind == SL_CNF_FILE_CTL ? 0 : 1;

			if (b->list[k]) {
				/* the same file under the per-phone name: no new signature */
				if (sl_tree_put(b->tree, f->name, b->list[k], b->list_len[k], b->err,
						b->errlen) < 0)
					goto out;
				break;
			}
			ta.kind = k == 0 ? SL_TLV_CTL : SL_TLV_ITL;
			tlv_entries(b, &ta);
			if (put_signed(b, f->name, &b->sast, build_tlv, same_tlv_arg, &ta) < 0)
				goto out;
			break;
		}
		}
		if (b->nput < SL_CNF_MAX_FILES)
			snprintf(b->put[b->nput++], sizeof(b->put[0]), "%s", f->name);
	}
	b->devices++;
	rc = 0;
out:
	if (rc < 0)
		log_err("provisioning: %s: %s", d->name, b->err);
	OPENSSL_cleanse(secret, sizeof(secret));
	sl_cnf_buf_free(&xml);
	sl_cnf_buf_free(&stub);
	X509_free(phone);
	return rc;
}

/* ---- operator files ---- */

#define OPERATOR_FILE_MAX	(64u << 20)
#define OPERATOR_DEPTH		8

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* Files shieldlockd generates, signed ones, and firmware that comes signed
 * by its maker (spec §7.2: .loads, .sbn) are not signed again. */
static bool skip_name(const char *rel, const char *base)
{
	return base[0] == '.' || ends_with(base, ".sgn") || ends_with(base, ".tlv") ||
	       ends_with(base, ".loads") || ends_with(base, ".sbn") || ends_with(base, ".sha512") ||
	       (!strncmp(rel, "SEP", 3) && strstr(rel, ".cnf.xml"));
}

static int walk(struct build *b, const char *rel, unsigned depth)
{
	char path[SL_CONF_PATH_MAX + SL_TREE_NAME_MAX + 2];
	DIR *dir;
	struct dirent *e;
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", b->conf->prov_dir, rel[0] ? "/" : "", rel);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		char sub[SL_TREE_NAME_MAX + 1], name[SL_TREE_NAME_MAX + 8], e2[8];
		struct stat st;
		uint8_t *data;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
		    (int)sizeof(sub) || sl_tree_name_check(sub, e2, sizeof(e2)) < 0)
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < OPERATOR_DEPTH)
				rc = walk(b, sub, depth + 1);
			continue;
		}
		/* only what the servers would serve: regular, readable by others */
		if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH) || skip_name(sub, e->d_name))
			continue;
		if ((uint64_t)st.st_size > OPERATOR_FILE_MAX) {
			log_warn("provisioning: %s is larger than %u MiB; not signed", sub,
				 OPERATOR_FILE_MAX >> 20);
			continue;
		}
		snprintf(name, sizeof(name), "%s.sgn", sub);
		if (sl_tree_name_check(name, e2, sizeof(e2)) < 0)
			continue;
		data = read_tree_file(b->conf->prov_dir, sub, &len);
		if (!data) {
			if (st.st_size == 0)
				continue;
			log_warn("provisioning: cannot read %s; not signed", sub);
			continue;
		}
		{
			/* FILENAME keeps the path the phone asks for (spec §2.1) */
			struct sgn_arg sa = { .filename = name, .data = data, .len = len };

			if (put_signed(b, name, &b->tftp, build_sgn, same_sgn_arg, &sa) < 0)
				rc = -1;
			else
				b->operator_files++;
		}
		free(data);
	}
	closedir(dir);
	return rc;
}

struct dev_list {
	struct sl_device *d;
	size_t n, cap;
};

static int collect(const struct sl_device *d, void *arg)
{
	struct dev_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sl_device *nd = realloc(l->d, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		l->d = nd;
		l->cap = cap;
	}
	l->d[l->n++] = *d;
	return 0;
}

/* Signers, mode and the tree for one build; in secure mode also the common
 * trust lists as they are in the tree (NULL when missing). */
static int build_init(struct build *b, struct sl_provd *pd, char *err, size_t errlen)
{
	const struct sl_conf *c = pd->ctx.conf;

	memset(b, 0, sizeof(*b));
	if (!pd->keys_ok) {
		snprintf(err, errlen, "the provisioning keys are not loaded");
		return -1;
	}
	b->pd = pd;
	b->conf = c;
	b->now = (uint32_t)time(NULL);
	b->secure = c->cluster_mode == SL_CLUSTER_MIXED;
	b->err = err;
	b->errlen = errlen;
	b->sast_arg = (struct pd_signer){ pd, c->sast_signer == 2 ? SL_KEY_SAST2 : SL_KEY_SAST1 };
	b->tftp_arg = (struct pd_signer){ pd, SL_KEY_TFTP };
	b->sast = (struct sl_sgn_signer){ pd->cert[b->sast_arg.key], pd_sign_digest, &b->sast_arg,
					  (enum sl_hash)c->file_hash };
	b->tftp = (struct sl_sgn_signer){ pd->cert[SL_KEY_TFTP], pd_sign_digest, &b->tftp_arg,
					  (enum sl_hash)c->file_hash };
	return sl_tree_open(&b->tree, c->prov_dir, err, errlen) < 0 ? -1 : 0;
}

static void read_lists(struct build *b)
{
	b->list[0] = read_tree_file(b->conf->prov_dir, "CTLFile.tlv", &b->list_len[0]);
	b->list[1] = read_tree_file(b->conf->prov_dir, "ITLFile.tlv", &b->list_len[1]);
}

static void build_fini(struct build *b)
{
	free(b->list[0]);
	free(b->list[1]);
	sl_tree_close(b->tree);
}

int pd_build(struct sl_provd *pd, char *summary, size_t cap, char *err, size_t errlen)
{
	const struct sl_conf *c = pd->ctx.conf;
	struct build b;
	struct dev_list l = { 0 };
	struct sl_tree_stats ts = { 0 };
	struct tlv_arg ta;
	int rc = -1;

	if (build_init(&b, pd, err, errlen) < 0) {
		build_fini(&b);
		return -1;
	}
	sl_tree_begin(b.tree);
	if (b.secure) {
		ta.kind = SL_TLV_CTL;
		tlv_entries(&b, &ta);
		if (put_signed(&b, "CTLFile.tlv", &b.sast, build_tlv, same_tlv_arg, &ta) < 0)
			goto out;
		ta.kind = SL_TLV_ITL;
		if (put_signed(&b, "ITLFile.tlv", &b.sast, build_tlv, same_tlv_arg, &ta) < 0)
			goto out;
		read_lists(&b);
	}
	if (sl_store_device_list(pd->ctx.store, collect, &l, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		b.nput = 0;
		if (build_device(&b, &l.d[i]) < 0)
			goto out;
	}
	/* spec §4: in secure mode every other file a phone downloads (ring
	 * tones, dial plans, locales the operator put in the tree) is offered
	 * signed as well */
	if (b.secure && walk(&b, "", 0) < 0)
		goto out;
	if (sl_tree_end(b.tree, &ts, err, errlen) < 0)
		goto out;
	{
		char line[512];

		snprintf(line, sizeof(line), "provisioning tree %s: %u phones (%u other devices), "
			 "%u operator files signed, %u files written, %u unchanged, %u removed; "
			 "%u signatures made, %u reused", c->prov_dir, b.devices, b.skipped,
			 b.operator_files, ts.written, ts.unchanged, ts.removed, b.signed_new,
			 b.reused);
		log_info("%s", line);
		if (summary && cap)
			snprintf(summary, cap, "%s", line);
	}
	rc = 0;
out:
	free(l.d);
	build_fini(&b);
	return rc;
}

/*
 * One device changed (added, changed, deleted, its CAPF settings or
 * certificate, its user's password): only its own files are rebuilt, the
 * others stay as they are. Its files depend on nothing but the device, its
 * profile, user and certificate, and the common trust lists, which a device
 * change does not touch. Whatever the phone had before and no longer gets
 * (say .cnf.xml.sgn turned into the stub of an encrypted configuration, or
 * every file once the device is deleted) is removed.
 */
int pd_build_device(struct sl_provd *pd, const char *name, char *err, size_t errlen)
{
	static const unsigned variants[] = {
		0,
		SL_CNF_F_SIGNED | SL_CNF_F_CTL | SL_CNF_F_ITL,
		SL_CNF_F_SIGNED | SL_CNF_F_CTL | SL_CNF_F_ITL | SL_CNF_F_ENCRYPT | SL_CNF_F_RSA_CERT,
	};
	struct sl_cnf_file files[SL_CNF_MAX_FILES];
	struct build b;
	struct sl_device d;
	char mac[13], e[256];
	unsigned removed = 0;
	int rc = -1, found;

	if (sl_cnf_device_mac(name, mac, e, sizeof(e)) < 0)
		return 0;	/* not a SEP<MAC> phone: it has no files */
	if (build_init(&b, pd, err, errlen) < 0) {
		build_fini(&b);
		return -1;
	}
	if (b.secure) {
		read_lists(&b);
		if (!b.list[0] || !b.list[1]) {
			/* no common lists yet: only a whole build makes them */
			build_fini(&b);
			return pd_build(pd, NULL, 0, err, errlen);
		}
	}
	found = sl_store_device_get(pd->ctx.store, name, &d, e, sizeof(e));
	if (found < 0 && found != -ENOENT) {
		snprintf(err, errlen, "device %s: %s", name, e);
		goto out;
	}
	if (found == 0 && build_device(&b, &d) < 0)
		goto out;
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		int n = sl_cnf_files(name, variants[v], files, e, sizeof(e));

		for (int i = 0; i < n; i++) {
			bool kept = false;
			int r;

			for (unsigned k = 0; k < b.nput; k++)
				kept = kept || !strcmp(b.put[k], files[i].name);
			if (kept)
				continue;
			r = sl_tree_del(b.tree, files[i].name, e, sizeof(e));
			if (r == 0)
				removed++;
			else if (r != -ENOENT) {	/* -ENOENT: not ours, or not there */
				snprintf(err, errlen, "%s", e);
				goto out;
			}
		}
	}
	log_info("provisioning tree %s: %s %s: %u files put, %u removed; %u signatures made, "
		 "%u reused", b.conf->prov_dir, found == 0 ? "device" : "deleted device", name,
		 b.nput, removed, b.signed_new, b.reused);
	rc = 0;
out:
	build_fini(&b);
	return rc;
}
