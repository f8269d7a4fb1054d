/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of digest (RFC 3261 §22.2, RFC 7616 §3.4): answering a
 * trunk's 401/407 challenge with the per-realm credentials from the store
 * (HA1 only: the trunk's password is never held by the sip process).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "log.h"
#include "sipd.h"

struct chal {
	char realm[128], nonce[160], opaque[160], algorithm[32];
	bool qop_auth, has_opaque;
};

/* Copies a parameter value (quoted or token) into out; false if too long. */
static bool take(const char *v, size_t n, char *out, size_t cap)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= cap || memchr(v, '\\', n))
		return false;	/* escapes are never needed in these values */
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/* Parses `Digest k=v, k="v, w", ...` (RFC 7616 §3.3). */
static bool parse_challenge(struct sl_sip_str val, struct chal *c)
{
	memset(c, 0, sizeof(*c));
	const char *p = val.p, *e = val.p + val.n;
	if (val.n < 7 || strncasecmp(p, "Digest", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return false;
	p += 7;
	while (p < e) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *k = p;
		while (p < e && *p != '=' && *p != ' ')
			p++;
		size_t kl = (size_t)(p - k);
		while (p < e && *p == ' ')
			p++;
		if (p >= e || *p != '=')
			return false;
		p++;
		while (p < e && *p == ' ')
			p++;
		const char *v = p;
		if (p < e && *p == '"') {
			p++;
			while (p < e && *p != '"')
				p++;
			if (p >= e)
				return false;
			p++;
		} else {
			while (p < e && *p != ',' && *p != ' ')
				p++;
		}
		size_t vl = (size_t)(p - v);
		char tmp[160];
		if (kl == 5 && !strncasecmp(k, "realm", 5)) {
			if (!take(v, vl, c->realm, sizeof(c->realm)))
				return false;
		} else if (kl == 5 && !strncasecmp(k, "nonce", 5)) {
			if (!take(v, vl, c->nonce, sizeof(c->nonce)))
				return false;
		} else if (kl == 6 && !strncasecmp(k, "opaque", 6)) {
			if (!take(v, vl, c->opaque, sizeof(c->opaque)))
				return false;
			c->has_opaque = true;
		} else if (kl == 9 && !strncasecmp(k, "algorithm", 9)) {
			if (!take(v, vl, c->algorithm, sizeof(c->algorithm)))
				return false;
		} else if (kl == 3 && !strncasecmp(k, "qop", 3)) {
			if (!take(v, vl, tmp, sizeof(tmp)))
				return false;
			/* qop-options is a list: "auth,auth-int" */
			char *save = NULL;
			for (char *t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
				if (!strcasecmp(t, "auth"))
					c->qop_auth = true;
		}
	}
	return c->realm[0] && c->nonce[0];
}

static int alg_of(const char *name)
{
	if (!name[0] || !strcasecmp(name, "MD5"))
		return SL_DIGEST_MD5;
	if (!strcasecmp(name, "SHA-256"))
		return SL_DIGEST_SHA256;
	return -1;
}

/*
 * Builds the Authorization (401) or Proxy-Authorization (407) header line
 * answering the strongest challenge in r we have credentials for.
 * Returns the length, 0 when nothing can be answered (logged), -ENOSPC.
 */
int sipd_uac_authorization(struct sipd *s, const char *trunk, const struct sl_sip_msg *r,
			   const char *method, const char *ruri, char *out, size_t cap)
{
	bool proxy = r->status == 407;
	enum sl_sip_hdr want = proxy ? SL_SIP_H_PROXY_AUTHENTICATE : SL_SIP_H_WWW_AUTHENTICATE;
	const struct sl_trunk_cred *best = NULL;
	struct chal bc, c;
	unsigned pos = 0;
	const struct sl_sip_header *h;
	while ((h = sl_sip_header_next(r, want, &pos))) {
		if (!parse_challenge(h->value, &c))
			continue;
		int alg = alg_of(c.algorithm);
		if (alg < 0 || !c.qop_auth)
			continue;	/* we answer qop=auth with MD5 or SHA-256 only */
		const struct sl_trunk_cred *tc = dir_trunk_cred(&s->dir, trunk, c.realm, alg);
		if (tc && (!best || alg > best->alg)) {
			best = tc;
			bc = c;
		}
	}
	if (!best) {
		log_notice("trunk %s challenged (%d) but no stored credentials match its "
			   "realm/algorithm (shieldlockctl trunk cred set %s --realm ...)",
			   trunk, r->status, trunk);
		return 0;
	}
	uint8_t rnd[12];
	char cnonce[25], resp[SL_DIGEST_MAX_HEX + 1];
	RAND_bytes(rnd, sizeof(rnd));
	for (int i = 0; i < 12; i++)
		snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	if (sl_digest_response((enum sl_digest_alg)best->alg, best->ha1, method, ruri, bc.nonce,
			       1, cnonce, resp) < 0)
		return 0;
	char op[200] = "";
	if (bc.has_opaque)
		snprintf(op, sizeof(op), ", opaque=\"%s\"", bc.opaque);
	int n = snprintf(out, cap,
		"%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
		"response=\"%s\", algorithm=%s, qop=auth, nc=00000001, cnonce=\"%s\"%s\r\n",
		proxy ? "Proxy-Authorization" : "Authorization", best->username, bc.realm,
		bc.nonce, ruri, resp, sl_digest_alg_name((enum sl_digest_alg)best->alg), cnonce, op);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}
