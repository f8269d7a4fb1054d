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

/* Reads a whole file into dst (room bytes), unbuffered: no copy of the key
 * is left in a stdio buffer we cannot wipe. */
static int read_into(const char *path, uint8_t *dst, size_t room, size_t *n, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	int bad, more;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IONBF, 0);
	*n = fread(dst, 1, room, f);
	bad = ferror(f);
	more = !bad && *n == room && fgetc(f) != EOF;
	if (bad)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	else if (more)
		snprintf(err, errlen, "%s does not fit the %d bytes the sip process takes with "
			 "the certificate, key and trust store together", path, SL_CP_MAX_BODY);
	fclose(f);
	return bad || more ? -1 : 0;
}

int sipd_tls_material(const struct sl_conf *conf, uint8_t **body, size_t *bodylen, char *err,
		      size_t errlen)
{
	const size_t cap = SL_CP_MAX_BODY;
	struct sl_cp_tls h = { 0 };
	struct sl_trust_entry *ents = NULL;
	size_t nents = 0, off = sizeof(h), certlen, keylen;
	uint8_t *b = malloc(cap);
	char terr[256];

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* straight into the message: the key has no other copy to wipe */
	if (read_into(conf->tls_cert, b + off, cap - off, &certlen, err, errlen) < 0)
		goto fail;
	off += certlen;
	if (read_into(conf->tls_key, b + off, cap - off, &keylen, err, errlen) < 0)
		goto fail;
	off += keylen;
	h.cert_len = (uint32_t)certlen;
	h.key_len = (uint32_t)keylen;
	if (conf->trust_store[0] &&
	    sl_trust_list(conf->trust_store, &ents, &nents, terr, sizeof(terr)) < 0) {
		snprintf(err, errlen, "trust store %s: %s", conf->trust_store, terr);
		goto fail;
	}
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
	*body = b;
	*bodylen = off;
	return 0;
fail:
	free(ents);
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
