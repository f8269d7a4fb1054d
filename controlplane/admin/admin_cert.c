/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl cert show: the node's TLS certificate, as phones and trunks
 * see it, with the fingerprints an operator compares out of band.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "admin_int.h"

struct cert_info {
	char subject[512], issuer[512], serial[128];
	char not_before[32], not_after[32];
	int64_t nb, na;
	char sha1[3 * 20], sha256[3 * 32];
	char key[64];
	char san[512];
	bool self_signed;
};

/* RFC 2253 form, the one openssl x509 -nameopt RFC2253 prints. */
static void name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long k;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		k = BIO_get_mem_data(b, &p);
		snprintf(buf, len, "%.*s", (int)(k < 0 ? 0 : k), p);
	}
	BIO_free(b);
}

static int64_t asn1_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(buf, len, "?");
		return 0;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return (int64_t)timegm(&tm);
}

static int fingerprint(const X509 *x, const EVP_MD *md, char *buf, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	size_t used = 0;

	if (!X509_digest(x, md, d, &n))
		return -1;
	for (unsigned i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%02X", i ? ":" : "", d[i]);
	return 0;
}

static void san_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	buf[0] = '\0';
	if (!gens)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char v[256] = "";
		const char *kind = NULL;
		int k;

		if (g->type == GEN_DNS || g->type == GEN_URI || g->type == GEN_EMAIL) {
			const ASN1_IA5STRING *s = g->d.ia5;

			kind = g->type == GEN_DNS ? "DNS" : g->type == GEN_URI ? "URI" : "email";
			snprintf(v, sizeof(v), "%.*s", s->length, (const char *)s->data);
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.ip;

			kind = "IP";
			if (s->length == 4 || s->length == 16)
				inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, v, sizeof(v));
		}
		if (!kind)
			continue;
		k = snprintf(buf + used, len - used, "%s%s:%s", used ? ", " : "", kind, v);
		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
	}
	GENERAL_NAMES_free(gens);
}

static int load(struct adm *a, const char *path, struct cert_info *ci, unsigned *chain)
{
	FILE *f = fopen(path, "r");
	X509 *x, *more;
	EVP_PKEY *pk;
	BIGNUM *bn;
	char *hex;

	if (!f)
		return adm_fail(a, errno == ENOENT ? SL_ADMIN_E_NOTFOUND : SL_ADMIN_E_INTERNAL,
				"cannot open the node certificate %s: %s (shieldlockd creates it at first "
				"start; see [sip] tls_cert)", path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (!x) {
		fclose(f);
		ERR_clear_error();
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s holds no PEM certificate", path);
	}
	*chain = 1;
	while ((more = PEM_read_X509(f, NULL, NULL, NULL))) {
		(*chain)++;
		X509_free(more);
	}
	ERR_clear_error();
	fclose(f);
	name_text(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
	name_text(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
	ci->nb = asn1_time(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
	ci->na = asn1_time(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(ci->serial, sizeof(ci->serial), "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	if (fingerprint(x, EVP_sha1(), ci->sha1, sizeof(ci->sha1)) ||
	    fingerprint(x, EVP_sha256(), ci->sha256, sizeof(ci->sha256))) {
		X509_free(x);
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot compute the fingerprints of %s", path);
	}
	pk = X509_get0_pubkey(x);
	if (pk)
		snprintf(ci->key, sizeof(ci->key), "%s %d bits", EVP_PKEY_get0_type_name(pk),
			 EVP_PKEY_get_bits(pk));
	else
		snprintf(ci->key, sizeof(ci->key), "?");
	san_text(x, ci->san, sizeof(ci->san));
	ci->self_signed = X509_check_issued(x, x) == X509_V_OK;
	X509_free(x);
	return 0;
}

static const char *validity(const struct cert_info *ci, int64_t now)
{
	if (now < ci->nb)
		return "not yet valid";
	if (now > ci->na)
		return "expired";
	return "valid";
}

static int cert_show(struct adm *a, int argc, char **argv)
{
	const char *path = a->ctx->node_cert_path;
	struct cert_info ci;
	int64_t now = (int64_t)time(NULL);
	unsigned chain = 0;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)))
		return rc;
	if (!path || !*path)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "no node certificate is configured ([sip] tls_cert)");
	memset(&ci, 0, sizeof(ci));
	if ((rc = load(a, path, &ci, &chain)))
		return rc;
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "file", path);
		jw_str(&w, "subject", ci.subject);
		jw_str(&w, "issuer", ci.issuer);
		jw_bool(&w, "self_signed", ci.self_signed);
		jw_str(&w, "serial", ci.serial);
		jw_str(&w, "not_before", ci.not_before);
		jw_str(&w, "not_after", ci.not_after);
		jw_str(&w, "validity", validity(&ci, now));
		jw_int(&w, "days_left", (ci.na - now) / 86400);
		jw_str(&w, "key", ci.key);
		jw_str(&w, "subject_alt_names", ci.san);
		jw_str(&w, "sha1", ci.sha1);
		jw_str(&w, "sha256", ci.sha256);
		jw_uint(&w, "chain_length", chain);
		jw_end_obj(&w);
		return 0;
	}
	adm_kv(a, "file", "%s", path);
	adm_kv(a, "subject", "%s", ci.subject);
	adm_kv(a, "issuer", "%s%s", ci.issuer, ci.self_signed ? " (self-signed)" : "");
	adm_kv(a, "serial", "%s", ci.serial);
	adm_kv(a, "not before", "%s UTC", ci.not_before);
	adm_kv(a, "not after", "%s UTC", ci.not_after);
	if (now > ci.na || now < ci.nb)
		adm_kv(a, "validity", "%s", validity(&ci, now));
	else
		adm_kv(a, "validity", "valid, %lld days left", (long long)((ci.na - now) / 86400));
	adm_kv(a, "key", "%s", ci.key);
	if (ci.san[0])
		adm_kv(a, "alt names", "%s", ci.san);
	adm_kv(a, "SHA-1", "%s", ci.sha1);
	adm_kv(a, "SHA-256", "%s", ci.sha256);
	if (chain > 1)
		adm_kv(a, "chain", "%u certificates in the file (the node's first)", chain);
	return 0;
}

static const struct adm_sub cert_subs[] = {
	{ "show", "cert show", cert_show },
	{ NULL, NULL, NULL },
};

int adm_cert(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "cert", cert_subs, argc - 1, argv + 1);
}
