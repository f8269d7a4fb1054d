/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verification of parsed credentials against a request (RFC 3261 §22.4,
 * RFC 7616 §3.4). Cheap checks first, then the nonce MAC, then the response
 * in constant time; only a request that authenticated may touch the
 * nonce-count table (check, authenticate, then record), so nobody without
 * the password can fill or shift it.
 */
#include <string.h>

#include "digest.h"
#include "digest_int.h"
#include "engine.h"

static enum sl_digest_status say(enum sl_digest_status st, char *err,
				 size_t errlen, const char *msg)
{
	sl_digest_fail(err, errlen, "%s", msg);
	return st;
}

static enum sl_digest_status check_nonce(const struct sl_digest_creds *c,
					 const struct sl_digest_request *r,
					 const struct sl_digest_nonce_key *k,
					 uint64_t *issued, char *err,
					 size_t errlen)
{
	switch (sl_digest_nonce_check(k, c->nonce, r->realm, r->now, issued)) {
	case SL_NONCE_OK:
		return SL_DIGEST_OK;
	case SL_NONCE_STALE:
		return say(SL_DIGEST_STALE, err, errlen,
			"the nonce has expired; send a new challenge with stale=true");
	default:
		return say(SL_DIGEST_BAD_NONCE, err, errlen,
			"the nonce was not issued by this server for this realm (or was altered)");
	}
}

static enum sl_digest_status check_response(const struct sl_digest_creds *c,
					    const struct sl_digest_request *r,
					    char *err, size_t errlen)
{
	char expect[SL_DIGEST_MAX_HEX + 1];
	size_t hexlen = 2 * sl_digest_alg_len(r->alg);
	int same;

	if (strlen(c->response) != hexlen)
		return say(SL_DIGEST_BAD_RESPONSE, err, errlen,
			"the response length does not match the algorithm");
	if (sl_digest_response(r->alg, r->ha1, r->method, c->uri, c->nonce,
			       c->nc, c->cnonce, expect) < 0)
		return say(SL_DIGEST_ERROR, err, errlen,
			"the crypto library failed to compute the response");
	same = sl_ct_memcmp(expect, c->response, hexlen) == 0;
	sl_wipe(expect, sizeof(expect));
	if (!same)
		return say(SL_DIGEST_BAD_RESPONSE, err, errlen,
			"the response does not match: wrong password or credentials for another request");
	return SL_DIGEST_OK;
}

enum sl_digest_status sl_digest_verify(const struct sl_digest_creds *c,
				       const struct sl_digest_request *r,
				       const struct sl_digest_nonce_key *k,
				       struct sl_digest_nctab *nct,
				       char *err, size_t errlen)
{
	enum sl_digest_status st;
	uint64_t issued = 0;

	if (!c || !r || !r->method || !r->request_uri || !r->realm || !r->ha1 ||
	    !k || !nct)
		return say(SL_DIGEST_ERROR, err, errlen,
			"digest verify: missing argument (credentials, request, HA1, nonce key or nc table)");
	if (strcmp(c->realm, r->realm) != 0)
		return say(SL_DIGEST_BAD_REALM, err, errlen,
			"the realm in the credentials is not the realm this server challenged with");
	if (c->alg == SL_DIGEST_ALG_UNSUPPORTED)
		return say(SL_DIGEST_UNSUPPORTED_ALGORITHM, err, errlen,
			"unsupported digest algorithm; use SHA-256 or MD5");
	if (c->alg != r->alg || !sl_digest_alg_len(r->alg))
		return say(SL_DIGEST_ERROR, err, errlen,
			"digest verify: the stored HA1 is for another algorithm than the credentials");
	/* RFC 3261 §22.4: the uri must be the Request-URI (compared exactly). */
	if (strcmp(c->uri, r->request_uri) != 0)
		return say(SL_DIGEST_BAD_URI, err, errlen,
			"the uri parameter differs from the Request-URI");
	st = check_nonce(c, r, k, &issued, err, errlen);
	if (st != SL_DIGEST_OK)
		return st;
	st = check_response(c, r, err, errlen);
	if (st != SL_DIGEST_OK)
		return st;
	switch (sl_digest_nctab_update(nct, c->nonce, issued, c->nc)) {
	case SL_NC_OK:
		break;
	case SL_NC_STALE:
		return say(SL_DIGEST_STALE, err, errlen,
			"the nonce is no longer tracked (nonce-count table full); send a new challenge with stale=true");
	default:
		return say(SL_DIGEST_REPLAY, err, errlen,
			"the nonce-count was already used with this nonce (replay)");
	}
	if (err && errlen)
		err[0] = '\0';
	return SL_DIGEST_OK;
}
