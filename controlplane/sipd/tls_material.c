/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sip process's TLS material travels from the parent (ARCHITECTURE.md
 * §4): the parent reads the node certificate chain, its key and the trust
 * store and sends them in one SL_CP_SIP_RELOAD_TLS message, so the process
 * that parses network input can run as an unprivileged user that cannot
 * read the key file, and a SIGHUP or a trust store change still reloads it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cpmsg.h"
#include "log.h"
#include "sipd.h"
#include "trust.h"

/* Reads a whole file (at most max bytes). */
static int slurp(const char *path, size_t max, char **out, size_t *outlen, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	/* unbuffered: no copy of the key is left in a stdio buffer we cannot wipe */
	setvbuf(f, NULL, _IONBF, 0);
	buf = malloc(max + 1);
	if (buf != NULL)
		n = fread(buf, 1, max + 1, f);
	if (buf == NULL || ferror(f) || n > max) {
		if (buf == NULL)
			snprintf(err, errlen, "out of memory reading %s", path);
		else if (ferror(f))
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s is larger than the %zu bytes the sip process takes",
				 path, max);
		if (buf != NULL)
			OPENSSL_cleanse(buf, max + 1);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = buf;
	*outlen = n;
	return 0;
}

int sipd_tls_material(const struct sl_conf *conf, uint8_t **body, size_t *bodylen, char *err,
		      size_t errlen)
{
	const size_t cap = SL_CP_MAX_BODY;
	struct sl_cp_tls h = { 0 };
	struct sl_trust_entry *ents = NULL;
	size_t nents = 0, off;
	char *cert = NULL, *key = NULL;
	size_t certlen = 0, keylen = 0;
	uint8_t *b = NULL;
	char terr[256];

	if (slurp(conf->tls_cert, cap, &cert, &certlen, err, errlen) < 0 ||
	    slurp(conf->tls_key, cap, &key, &keylen, err, errlen) < 0)
		goto fail;
	if (conf->trust_store[0] &&
	    sl_trust_list(conf->trust_store, &ents, &nents, terr, sizeof(terr)) < 0) {
		snprintf(err, errlen, "trust store %s: %s", conf->trust_store, terr);
		goto fail;
	}
	b = malloc(cap);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	off = sizeof(h);
	if (certlen + keylen > cap - off) {
		snprintf(err, errlen, "the certificate %s and key %s are larger than the %zu "
			 "bytes the sip process takes", conf->tls_cert, conf->tls_key, cap);
		goto fail;
	}
	memcpy(b + off, cert, certlen);
	off += certlen;
	memcpy(b + off, key, keylen);
	off += keylen;
	h.cert_len = (uint32_t)certlen;
	h.key_len = (uint32_t)keylen;
	for (size_t i = 0; i < nents; i++) {
		uint8_t *der = NULL;
		char *pem = NULL;
		size_t derlen = 0, pemlen = 0;

		if (ents[i].problem[0] ||
		    sl_trust_read_der(conf->trust_store, ents[i].file, &der, &derlen, terr,
				      sizeof(terr)) < 0 ||
		    sl_trust_der_to_pem(der, derlen, &pem, &pemlen) < 0) {
			log_warn("trust store %s/%s skipped: %s", conf->trust_store, ents[i].file,
				 ents[i].problem[0] ? ents[i].problem : terr);
			h.nskipped++;
			free(der);
			continue;
		}
		free(der);
		if (pemlen > cap - off) {
			free(pem);
			snprintf(err, errlen, "the trust store %s holds more than the %zu bytes the "
				 "sip process takes (%u certificates fit); remove certificates no "
				 "device or trunk needs with 'shieldlockctl cert delete'",
				 conf->trust_store, cap, h.ntrust);
			goto fail;
		}
		memcpy(b + off, pem, pemlen);
		off += pemlen;
		h.trust_len += (uint32_t)pemlen;
		h.ntrust++;
		free(pem);
	}
	memcpy(b, &h, sizeof(h));
	free(ents);
	OPENSSL_cleanse(key, keylen);
	free(key);
	free(cert);
	*body = b;
	*bodylen = off;
	return 0;
fail:
	free(ents);
	if (key != NULL)
		OPENSSL_cleanse(key, keylen);
	free(key);
	free(cert);
	if (b != NULL)
		OPENSSL_cleanse(b, cap);
	free(b);
	return -1;
}

int sipd_tls_unpack(const uint8_t *body, size_t len, struct sl_tp_tls_cfg *tc, unsigned *ntrust,
		    char *err, size_t errlen)
{
	struct sl_cp_tls h;

	if (len < sizeof(h)) {
		snprintf(err, errlen, "TLS material message too short");
		return -1;
	}
	memcpy(&h, body, sizeof(h));
	if ((uint64_t)h.cert_len + h.key_len + h.trust_len != len - sizeof(h) ||
	    h.cert_len == 0 || h.key_len == 0) {
		snprintf(err, errlen, "TLS material message with inconsistent lengths");
		return -1;
	}
	tc->cert_pem = (const char *)body + sizeof(h);
	tc->cert_pem_len = h.cert_len;
	tc->key_pem = tc->cert_pem + h.cert_len;
	tc->key_pem_len = h.key_len;
	tc->trust_pem = tc->key_pem + h.key_len;	/* may be empty: no anchor yet */
	tc->trust_pem_len = h.trust_len;
	*ntrust = h.ntrust;
	return 0;
}
