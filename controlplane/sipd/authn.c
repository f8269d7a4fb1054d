/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest authentication of requests (RFC 3261 §22, RFC 7616, RFC 8760) and
 * the device security-mode checks.
 *
 * The appliance is the registrar and the UAS of every call leg (it is a
 * B2BUA, not a proxy), so it challenges with 401 + WWW-Authenticate
 * (RFC 3261 §22.1, §22.2); 407 would be the answer of a proxy
 * (docs/digest.md explains the choice). ACK and CANCEL are never challenged
 * (§22.1), nor are keepalives (OPTIONS and CRLF pings).
 *
 * Failures are counted per source address and per user name; past the
 * threshold the key is blocked for the penalty time (403, logged once when
 * the block starts): brute force and toll fraud. An unknown user gets the
 * same answer as a wrong password, so names cannot be enumerated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "sipd.h"

int sipd_auth_init(struct sipd *s, char *err, size_t errlen)
{
	uint8_t key[32];
	if (RAND_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "no randomness for the nonce key");
		return -1;
	}
	s->nonce_key = sl_digest_nonce_key_new(key, sizeof(key), s->conf.nonce_lifetime_min,
					       err, errlen);
	OPENSSL_cleanse(key, sizeof(key));
	if (!s->nonce_key)
		return -1;
	s->nctab = sl_digest_nctab_new(65536, err, errlen);
	if (!s->nctab)
		return -1;
	struct sl_ratelimit_cfg rc = {
		.threshold = s->conf.auth_fail_threshold,
		.window_s = s->conf.auth_fail_window_s,
		.penalty_s = s->conf.auth_fail_penalty_s,
		.capacity = 65536,
	};
	s->rl_src = sl_ratelimit_new(&rc, err, errlen);
	s->rl_user = sl_ratelimit_new(&rc, err, errlen);
	return s->rl_src && s->rl_user ? 0 : -1;
}

void sipd_auth_fini(struct sipd *s)
{
	sl_digest_nonce_key_free(s->nonce_key);
	sl_digest_nctab_free(s->nctab);
	sl_ratelimit_free(s->rl_src);
	sl_ratelimit_free(s->rl_user);
	s->nonce_key = NULL;
	s->nctab = NULL;
	s->rl_src = s->rl_user = NULL;
}

static void src_key(const struct sl_tp_peer *peer, char *out, size_t len)
{
	char a[80];
	sl_tp_addr_str(&peer->remote, a, sizeof(a));
	/* the address without the port: one attacker, many source ports */
	char *colon = strrchr(a, ':');
	if (colon && a[0] != '[')
		*colon = '\0';
	else if (a[0] == '[' && (colon = strstr(a, "]:")))
		colon[1] = '\0';
	snprintf(out, len, "%s", a);
}

static void challenge(struct sipd *s, struct sl_txn *st, bool stale)
{
	char extra[1024], nonce[SL_DIGEST_NONCE_LEN + 1], err[128];
	size_t off = 0;
	enum sl_digest_alg algs[2];
	size_t na = sl_digest_challenge_algs(s->conf.digest_algs, algs);
	if (sl_digest_nonce_make(s->nonce_key, s->conf.realm, (uint64_t)sipd_now_s(), nonce) < 0) {
		sipd_respond(s, st, 500, "No Nonce", NULL, NULL, NULL, NULL, 0);
		return;
	}
	for (size_t i = 0; i < na; i++) {
		int n = snprintf(extra + off, sizeof(extra) - off, "WWW-Authenticate: ");
		off += (size_t)n;
		n = sl_digest_challenge_format(extra + off, sizeof(extra) - off, algs[i],
					       s->conf.realm, nonce, NULL, stale, err, sizeof(err));
		if (n < 0) {
			log_err("challenge: %s", err);
			sipd_respond(s, st, 500, NULL, NULL, NULL, NULL, NULL, 0);
			return;
		}
		off += (size_t)n;
		n = snprintf(extra + off, sizeof(extra) - off, "\r\n");
		off += (size_t)n;
	}
	char tag[24];
	sl_sip_new_tag(tag);
	sipd_respond(s, st, 401, NULL, tag, extra, NULL, NULL, 0);
}

static void refuse(struct sipd *s, struct sl_txn *st, int code, const char *reason)
{
	char tag[24];
	sl_sip_new_tag(tag);
	sipd_respond(s, st, code, reason, tag, NULL, NULL, NULL, 0);
}

/* Counts one failure for source and user; logs when a block starts. */
static void failed(struct sipd *s, const char *src, const char *user, const char *why)
{
	uint64_t now = (uint64_t)sipd_now_s();
	log_notice("authentication failed for user '%s' from %s: %s", user, src, why);
	if (sl_ratelimit_fail(s->rl_src, src, now) == 1)
		log_warn("blocking source %s for %u s after %u authentication failures",
			 src, s->conf.auth_fail_penalty_s, s->conf.auth_fail_threshold);
	if (user[0] && sl_ratelimit_fail(s->rl_user, user, now) == 1)
		log_warn("blocking user '%s' for %u s after %u authentication failures "
			 "(possible brute force or toll fraud)",
			 user, s->conf.auth_fail_penalty_s, s->conf.auth_fail_threshold);
}

enum authn_result sipd_authenticate(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
				    const struct sl_tp_peer *peer, const struct dir_user **user)
{
	char src[80], err[200];
	uint64_t now = (uint64_t)sipd_now_s();
	src_key(peer, src, sizeof(src));
	if (sl_ratelimit_blocked(s->rl_src, src, now, NULL)) {
		refuse(s, st, 403, "Too Many Failed Attempts");
		return AUTHN_REJECTED;
	}
	/* the Authorization value for our realm (RFC 3261 §22.4) */
	struct sl_digest_creds c;
	bool found = false;
	unsigned pos = 0;
	const struct sl_sip_header *h;
	while ((h = sl_sip_header_next(m, SL_SIP_H_AUTHORIZATION, &pos))) {
		if (sl_digest_parse_creds(h->value.p, h->value.n, &c, err, sizeof(err)) < 0) {
			log_notice("bad Authorization from %s: %s", src, err);
			refuse(s, st, 400, "Bad Authorization Header");
			return AUTHN_REJECTED;
		}
		if (strcmp(c.realm, s->conf.realm) == 0) {
			found = true;
			break;
		}
	}
	if (!found) {
		challenge(s, st, false);
		return AUTHN_CHALLENGED;
	}
	if (sl_ratelimit_blocked(s->rl_user, c.username, now, NULL)) {
		log_notice("request for blocked user '%s' from %s refused", c.username, src);
		refuse(s, st, 403, "Too Many Failed Attempts");
		return AUTHN_REJECTED;
	}
	const struct dir_user *du = dir_user(&s->dir, c.username, strlen(c.username));
	if (!du || !du->u.enabled || c.alg > SL_DIGEST_SHA256 || !du->have[c.alg]) {
		failed(s, src, c.username, !du ? "unknown user" : !du->u.enabled ?
		       "user disabled" : "no credentials for that algorithm");
		challenge(s, st, false);
		return AUTHN_CHALLENGED;
	}
	char method[32], ruri[SL_DIGEST_MAX_URI + 1];
	snprintf(method, sizeof(method), "%.*s", (int)m->method.n, m->method.p);
	snprintf(ruri, sizeof(ruri), "%.*s", (int)m->ruri.raw.n, m->ruri.raw.p);
	struct sl_digest_request r = {
		.method = method, .request_uri = ruri, .realm = s->conf.realm,
		.alg = c.alg, .ha1 = du->ha1[c.alg], .now = now,
	};
	enum sl_digest_status ds = sl_digest_verify(&c, &r, s->nonce_key, s->nctab, err,
						    sizeof(err));
	switch (ds) {
	case SL_DIGEST_OK:
		sl_ratelimit_success(s->rl_user, c.username);
		*user = du;
		return AUTHN_OK;
	case SL_DIGEST_STALE:
		log_info("stale nonce from user '%s' (%s): challenging with stale=true",
			 c.username, src);
		challenge(s, st, true);
		return AUTHN_CHALLENGED;
	case SL_DIGEST_REPLAY:
		failed(s, src, c.username, "nonce-count replayed");
		challenge(s, st, false);
		return AUTHN_CHALLENGED;
	default:
		failed(s, src, c.username, err[0] ? err : sl_digest_status_name(ds));
		challenge(s, st, false);
		return AUTHN_CHALLENGED;
	}
}

static bool ident_match(const struct sl_tp_peer *p, const char *ident)
{
	if (strcmp(p->cert_subject_cn, ident) == 0)
		return true;
	size_t pos = 0, il = strlen(ident);
	const char *l = p->cert_sans;
	while (l[pos]) {
		size_t e = pos;
		while (l[e] && l[e] != ',')
			e++;
		size_t b = pos;
		while (b < e && l[b] == ' ')
			b++;
		const char *t = l + b;
		size_t tl = e - b;
		if (tl > 4 && (!strncmp(t, "DNS:", 4) || !strncmp(t, "URI:", 4))) {
			t += 4;
			tl -= 4;
		}
		if (tl == il && memcmp(t, ident, il) == 0)
			return true;
		pos = l[e] ? e + 1 : e;
	}
	return false;
}

/*
 * Device security modes (the seed's rules): in a cluster in non-secure mode
 * every device is treated as non-secure. Otherwise the device's profile
 * decides; authenticated and encrypted devices must connect over TLS with a
 * client certificate that verified against the trust store and whose subject
 * CN or a SAN equals the device's certificate identity.
 */
int sipd_check_device(struct sipd *s, const char *user, const struct sl_tp_peer *peer,
		      int *mode, const char **device, const char **why)
{
	*device = NULL;
	*mode = SL_SEC_NONSECURE;
	const struct dir_device *d = NULL;
	if (peer->proto == SL_TP_TLS && peer->cert_verified)
		for (unsigned i = 0; i < s->dir.ndevices && !d; i++)
			if (!strcmp(s->dir.devices[i].user, user) &&
			    ident_match(peer, s->dir.devices[i].cert_identity))
				d = &s->dir.devices[i];
	if (!d)
		d = dir_device_for(&s->dir, user, NULL);
	if (!d) {
		if (s->conf.cluster_mode != SL_CLUSTER_NONSECURE) {
			*why = "no device is configured for this user and auto-registration "
			       "is refused while secure mode is on";
			return 403;
		}
		if (!s->conf.auto_registration) {
			*why = "no device is configured for this user (auto-registration is off)";
			return 403;
		}
		return 0;
	}
	*device = d->name;
	if (s->conf.cluster_mode == SL_CLUSTER_NONSECURE)
		return 0;	/* device modes ignored */
	*mode = d->mode;
	if (d->mode == SL_SEC_NONSECURE)
		return 0;
	if (peer->proto != SL_TP_TLS) {
		*why = "the device's security profile requires TLS signalling";
		return 403;
	}
	if (!peer->cert_present || !peer->cert_verified) {
		*why = peer->cert_present ? "the client certificate did not verify against the trust store"
					  : "the device's security profile requires a client certificate";
		return 403;
	}
	if (!ident_match(peer, d->cert_identity)) {
		*why = "the client certificate's subject/SAN does not match the device";
		return 403;
	}
	return 0;
}
