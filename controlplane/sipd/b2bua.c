/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The B2BUA (RFC 3261 §12-§15; RFC 7092's definition of a B2BUA): each call
 * is two independent dialogs. Leg A is the caller's dialog, in which the
 * appliance is the UAS; leg B is the dialog the appliance creates toward the
 * callee (a registered phone or a trunk), in which it is the UAC. Nothing of
 * one leg's dialog (Call-ID, tags, CSeq, Via, Contact) leaks into the other;
 * SDP is rewritten so that media flows through the data plane, with fresh
 * SRTP keys per leg and direction (media.c).
 *
 * Offer/answer: only the initial offer in the INVITE is supported (an INVITE
 * without SDP gets 488 "Offer Required", documented in docs/calls.md); the
 * first audio stream is anchored, any other m= line is rejected (port 0) on
 * both legs (RFC 3264 §6). Provisional answers are relayed without SDP (no
 * early media).
 *
 * Security status (the seed's shield and lock): a leg is "encrypted" when its
 * signalling is TLS with a verified client certificate and its media is SRTP,
 * "authenticated" with such TLS but RTP, "non-secure" otherwise; the call's
 * status is the lowest of its legs. It is logged when it changes, shown by
 * `shieldlockctl calls`, and sent to the phones in the
 * X-Shieldlock-Security header (docs/calls.md) of the INVITE to the callee,
 * of the 200 OK to the caller, and of re-INVITEs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "sipd.h"

#define MSG_MAX 16384

static const char *sec_hdr_value(int sec)
{
	return sec == SL_SEC_ENCRYPTED ? "encrypted" :
	       sec == SL_SEC_AUTHENTICATED ? "authenticated" : "non-secure";
}

static const char *sec_text(int sec)
{
	return sec == SL_SEC_ENCRYPTED ? "encrypted (lock)" :
	       sec == SL_SEC_AUTHENTICATED ? "authenticated (shield)" : "non-secure";
}

static struct call *call_new(struct sipd *s)
{
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	uint8_t r[6];
	RAND_bytes(r, sizeof(r));
	snprintf(c->id, sizeof(c->id), "%llu-%02x%02x%02x%02x%02x%02x",
		 (unsigned long long)++s->ncalls_total, r[0], r[1], r[2], r[3], r[4], r[5]);
	c->started = sipd_now_s();
	c->next = s->calls;
	s->calls = c;
	return c;
}

static void leg_wipe(struct leg *l)
{
	OPENSSL_cleanse(&l->m.ours, sizeof(l->m.ours));
	OPENSSL_cleanse(&l->m.theirs, sizeof(l->m.theirs));
	OPENSSL_cleanse(l->m.offered, sizeof(l->m.offered));
	if (l->inv_raw) {
		OPENSSL_cleanse(l->inv_raw, l->inv_rawlen);
		free(l->inv_raw);
		l->inv_raw = NULL;
	}
}

/* In-dialog requests find their leg by Call-ID (then tags) in a hash table
 * instead of walking every call. */
#define DLG_BUCKETS 4096u
static struct leg *dlg_tab[DLG_BUCKETS];

static unsigned dlg_slot(const char *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h & (DLG_BUCKETS - 1);
}

static void dlg_insert(struct call *c, struct leg *l)
{
	unsigned k = dlg_slot(l->call_id, strlen(l->call_id));
	l->call = c;
	l->hnext = dlg_tab[k];
	dlg_tab[k] = l;
	l->hashed = true;
}

static void dlg_remove(struct leg *l)
{
	if (!l->hashed)
		return;
	for (struct leg **pp = &dlg_tab[dlg_slot(l->call_id, strlen(l->call_id))]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == l) {
			*pp = l->hnext;
			break;
		}
	l->hashed = false;
}

/* Ties a new transaction to the call (and keeps the call alive for it). */
static void txn_bind(struct sl_txn *t, struct call *c)
{
	if (sl_txn_user(t) == c)
		return;
	sl_txn_set_user(t, c);
	c->ntxn++;
}

static void call_free(struct sipd *s, struct call *c)
{
	for (struct call **pp = &s->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	dlg_remove(&c->leg[0]);
	dlg_remove(&c->leg[1]);
	leg_wipe(&c->leg[0]);
	leg_wipe(&c->leg[1]);
	media_free_port(s, &c->leg[0].m);
	media_free_port(s, &c->leg[1].m);
	free(c);
}

static int leg_security(const struct leg *l)
{
	if (!l->tls)
		return SL_SEC_NONSECURE;
	if (l->sec < SL_SEC_AUTHENTICATED)
		return SL_SEC_NONSECURE;
	return l->m.srtp ? SL_SEC_ENCRYPTED : SL_SEC_AUTHENTICATED;
}

static void update_security(struct call *c)
{
	int a = leg_security(&c->leg[0]), b = leg_security(&c->leg[1]);
	int sec = a < b ? a : b;
	if (sec != c->security || c->state == CALL_RINGING)
		log_notice("call %s: security status %s (leg %s: %s, leg %s: %s)", c->id,
			   sec_text(sec), c->leg[0].peer_name, sec_text(a),
			   c->leg[1].peer_name, sec_text(b));
	c->security = sec;
}

/* Keeps the last counters the data plane gave, so ended calls show them.
 * Reports read them at most once a second (each read is one request per
 * flow); the final one at hang-up always does. */
static void refresh_counters(struct sipd *s, struct call *c, bool force)
{
	struct sl_call tmp;
	uint64_t total, now = sipd_now_ms();
	if (!c->flows_installed || (!force && now - c->counters_ms < 1000))
		return;
	c->counters_ms = now;
	memset(&tmp, 0, sizeof(tmp));
	if (media_counters(s, c, &tmp, &total) == 0) {
		c->cnt[0] = tmp.leg[0];
		c->cnt[1] = tmp.leg[1];
	}
}

void sipd_call_report(struct sipd *s, struct call *c)
{
	struct sl_call r;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", c->id);
	snprintf(r.state, sizeof(r.state), "%s",
		 c->state == CALL_ACTIVE ? "active" : c->state == CALL_ENDED ||
		 c->state == CALL_ENDING ? "ended" : "ringing");
	r.security = c->security;
	r.started = c->started;
	r.answered = c->answered;
	r.ended = c->state >= CALL_ENDING ? sipd_now_s() : 0;
	snprintf(r.end_reason, sizeof(r.end_reason), "%s", c->end_reason);
	for (int l = 0; l < 2; l++) {
		const struct leg *lg = &c->leg[l];
		snprintf(r.leg[l].peer, sizeof(r.leg[l].peer), "%s", lg->peer_name);
		const struct sl_srtp_suite_info *si = sl_srtp_suite_info((enum sl_srtp_suite)lg->m.suite);
		snprintf(r.leg[l].suite, sizeof(r.leg[l].suite), "%s",
			 lg->m.srtp && si ? si->name : "RTP");
		r.leg[l].security = leg_security(lg);
		if (lg->m.remote.ip_version)
			snprintf(r.leg[l].media_remote, sizeof(r.leg[l].media_remote), "%.40s:%u",
				 lg->m.remote.text, lg->m.remote_port);
		if (lg->m.ifc)
			snprintf(r.leg[l].media_local, sizeof(r.leg[l].media_local), "%.40s:%u",
				 lg->m.ifc->text, lg->m.local_port);
	}
	refresh_counters(s, c, false);
	for (int l = 0; l < 2; l++) {
		r.leg[l].pkts_in = c->cnt[l].pkts_in;
		r.leg[l].pkts_out = c->cnt[l].pkts_out;
		r.leg[l].auth_fail = c->cnt[l].auth_fail;
		r.leg[l].replay_drop = c->cnt[l].replay_drop;
	}
	sipd_to_parent(s, SL_CP_CALL_PUT, &r, sizeof(r));
}

/* ---- building requests on a leg ---- */

static void via_host_port(struct sipd *s, enum sl_tp_proto p, const char *lh, char *out,
			  size_t len)
{
	uint16_t port = p == SL_TP_TLS ? (s->conf.n_listen_tls ? s->conf.listen_tls[0].port : 5061)
		      : p == SL_TP_TCP ? (s->conf.n_listen_tcp ? s->conf.listen_tcp[0].port : 5060)
		      : (s->conf.n_listen_udp ? s->conf.listen_udp[0].port : 5060);
	snprintf(out, len, "%s:%u", lh && lh[0] ? lh : s->via_host, port);
}

/* A request within (or creating) the leg's dialog. cseq 0 = next local CSeq. */
static int build_request(struct sipd *s, struct leg *l, const char *method, uint32_t cseq,
			 const char *extra, const char *body, size_t blen, char *out, size_t cap)
{
	char branch[32], hp[160], contact[256], totag[80];
	sl_sip_new_branch(branch);
	via_host_port(s, l->dest.proto, l->local_host, hp, sizeof(hp));
	sipd_contact(s, l->dest.proto, l->local_host, contact, sizeof(contact));
	if (!cseq)
		cseq = ++l->local_cseq;
	totag[0] = '\0';
	if (l->remote_tag[0])
		snprintf(totag, sizeof(totag), ";tag=%s", l->remote_tag);
	int n = snprintf(out, cap,
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/%s %s;branch=%s;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <%s>;tag=%s\r\n"
		"To: <%s>%s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u %s\r\n"
		"Contact: %s\r\n"
		"User-Agent: shieldlockd/0.1\r\n"
		"%s"
		"%s"
		"Content-Length: %zu\r\n\r\n",
		method, l->remote_target, sipd_via_proto(l->dest.proto), hp, branch,
		l->local_uri, l->local_tag, l->remote_uri, totag, l->call_id, cseq, method,
		contact, extra ? extra : "", body ? "Content-Type: application/sdp\r\n" : "",
		body ? blen : 0);
	if (n < 0 || (size_t)n + blen >= cap)
		return -ENOSPC;
	if (body) {
		memcpy(out + n, body, blen);
		n += (int)blen;
	}
	out[n] = '\0';
	return n;
}

static struct sl_txn *send_request(struct sipd *s, struct call *c, struct leg *l,
				   const char *method, const char *extra, const char *body,
				   size_t blen, bool keep_raw)
{
	char *buf = malloc(MSG_MAX);
	if (!buf)
		return NULL;
	int n = build_request(s, l, method, 0, extra, body, blen, buf, MSG_MAX);
	struct sl_txn *t = NULL;
	if (n > 0) {
		t = sl_txl_request(s->txl, &l->dest, buf, (size_t)n, sipd_now_ms());
		if (t)
			txn_bind(t, c);
		else
			log_warn("call %s: cannot send %s to %s", c->id, method, l->peer_name);
	}
	if (t && keep_raw) {
		if (l->inv_raw) {
			OPENSSL_cleanse(l->inv_raw, l->inv_rawlen);
			free(l->inv_raw);
		}
		l->inv_raw = buf;
		l->inv_rawlen = (size_t)n;
		return t;
	}
	OPENSSL_cleanse(buf, MSG_MAX);	/* may hold SDES keys */
	free(buf);
	return t;
}

/* ACK for a 2xx (RFC 3261 §13.2.2.4): its own transaction-less request. */
static void send_ack(struct sipd *s, struct leg *l, uint32_t cseq)
{
	char buf[4096], err[128];
	int n = build_request(s, l, "ACK", cseq, NULL, NULL, 0, buf, sizeof(buf));
	if (n > 0 && sl_tp_send(s->tp, l->dest.proto, l->dest.conn_id, &l->dest.addr,
				l->dest.addrlen, buf, (size_t)n, NULL, err, sizeof(err)) < 0)
		log_warn("ACK to %s not sent: %s", l->peer_name, err);
}

/* ---- SDP ---- */

/* Copies the first audio stream of src into dst with our address, port,
 * proto and keys; other streams rejected with port 0. */
static void sdp_rewrite(struct sipd *s, struct leg *l, const struct sl_sdp *src, struct sl_sdp *dst,
			const struct sl_sdes_crypto *keys, unsigned nkeys, bool mux, int audio_idx)
{
	(void)s;
	*dst = *src;
	snprintf(dst->o_user, sizeof(dst->o_user), "shieldlock");
	if (!l->m.sdp_sess_id) {
		RAND_bytes((uint8_t *)&l->m.sdp_sess_id, sizeof(l->m.sdp_sess_id));
		l->m.sdp_sess_id &= 0x7fffffffffffull;
	}
	dst->o_sess_id = l->m.sdp_sess_id;
	dst->o_sess_version = ++l->m.sdp_version;
	snprintf(dst->s_name, sizeof(dst->s_name), "shieldlock");
	dst->o_addr.ip_version = l->m.ifc->ip_version;
	memcpy(dst->o_addr.bytes, l->m.ifc->address, 16);
	snprintf(dst->o_addr.text, sizeof(dst->o_addr.text), "%.*s",
		 (int)sizeof(dst->o_addr.text) - 1, l->m.ifc->text);
	dst->conn = dst->o_addr;
	for (unsigned i = 0; i < dst->nm; i++) {
		struct sl_sdp_media *m = &dst->m[i];
		OPENSSL_cleanse(m->crypto, sizeof(m->crypto));
		m->ncrypto = 0;
		m->crypto_bad = 0;
		m->conn = dst->o_addr;
		if ((int)i != audio_idx) {
			m->port = 0;
			continue;
		}
		m->port = l->m.local_port;
		snprintf(m->proto, sizeof(m->proto), "%s", l->m.srtp ? "RTP/SAVP" : "RTP/AVP");
		for (unsigned k = 0; k < nkeys && k < SL_SDP_MAX_CRYPTO; k++)
			m->crypto[m->ncrypto++] = keys[k];
		m->rtcp_mux = mux;
	}
}

static int first_audio(const struct sl_sdp *sdp)
{
	for (unsigned i = 0; i < sdp->nm; i++)
		if (!strcmp(sdp->m[i].type, "audio") && sdp->m[i].port)
			return (int)i;
	return -1;
}

static bool has_crypto_text(const struct sl_sip_str body)
{
	return body.n && memmem(body.p, body.n, "a=crypto:", 9) != NULL;
}

/* ---- ending calls ---- */

/* Media ports go back to the pool as soon as the flows are gone, not when
 * the call's last transaction ends (up to 64*T1 later). */
static void release_ports(struct sipd *s, struct call *c)
{
	media_free_port(s, &c->leg[0].m);
	media_free_port(s, &c->leg[1].m);
}

static void end_call(struct sipd *s, struct call *c, const char *reason, int bye_mask)
{
	if (c->state == CALL_ENDED)
		return;
	snprintf(c->end_reason, sizeof(c->end_reason), "%.*s", (int)sizeof(c->end_reason) - 1, reason);
	for (int l = 0; l < 2; l++)
		if ((bye_mask & (1 << l)) && c->leg[l].confirmed)
			send_request(s, c, &c->leg[l], "BYE", NULL, NULL, 0, false);
	refresh_counters(s, c, true);
	media_remove(s, c);
	c->state = CALL_ENDING;
	log_info("call %s ended: %s", c->id, reason);
	sipd_call_report(s, c);
	release_ports(s, c);
	c->state = CALL_ENDED;
	/* transactions still pointing at the call are cleared in sipd_txn_freed;
	 * the call is freed by the next tick once none does */
}

static void fail_leg_a_extra(struct sipd *s, struct call *c, int code, const char *reason,
			     const char *extra)
{
	if (c->leg[LEG_A].inv && !sl_txn_status(c->leg[LEG_A].inv))
		sipd_respond(s, c->leg[LEG_A].inv, code, reason, c->leg[LEG_A].local_tag, extra,
			     NULL, NULL, 0);
}

static void fail_leg_a(struct sipd *s, struct call *c, int code, const char *reason)
{
	if (c->leg[LEG_A].inv && !sl_txn_status(c->leg[LEG_A].inv))
		sipd_respond(s, c->leg[LEG_A].inv, code, reason, c->leg[LEG_A].local_tag, NULL,
			     NULL, NULL, 0);
}

/* ---- initial INVITE ---- */

static void refuse(struct sipd *s, struct sl_txn *st, int code, const char *reason,
		   const char *logfmt, const char *a1)
{
	char tag[24];
	sl_sip_new_tag(tag);
	if (logfmt)
		log_notice(logfmt, a1);
	sipd_respond(s, st, code, reason, tag, NULL, NULL, NULL, 0);
}

void sipd_invite(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		 const struct sl_tp_peer *peer)
{
	const struct dir_user *du = NULL;
	char err[256];
	if (sipd_authenticate(s, st, m, peer, &du) != AUTHN_OK)
		return;
	int mode_a;
	const char *dev_a, *why = "";
	int code = sipd_check_device(s, du->u.name, peer, &mode_a, &dev_a, &why);
	if (code) {
		refuse(s, st, code, "Security Policy Violation", "INVITE refused: %s", why);
		return;
	}
	/* RFC 4568 §8.3: SDES keys only inside TLS-protected signalling */
	if (peer->proto != SL_TP_TLS && has_crypto_text(m->body)) {
		char a[80];
		sl_tp_addr_str(&peer->remote, a, sizeof(a));
		log_warn("SECURITY: INVITE from '%s' (%s over %s) carries SRTP keys in clear; "
			 "refused with 488 (keys must only travel over TLS)", du->u.name, a,
			 sl_tp_proto_name(peer->proto));
		refuse(s, st, 488, "SRTP Keys Over Unencrypted Transport", NULL, NULL);
		return;
	}
	if (!m->body.n || !sl_sip_str_ieq(m->ctype, "application") ||
	    !sl_sip_str_ieq(m->csubtype, "sdp")) {
		refuse(s, st, 488, "Offer Required", NULL, NULL);
		return;
	}
	struct sl_sdp *offer = calloc(2, sizeof(*offer));
	if (!offer) {
		refuse(s, st, 500, NULL, NULL, NULL);
		return;
	}
	struct sl_sdp *out = offer + 1;
	if (sl_sdp_parse(m->body.p, m->body.n, offer, err, sizeof(err)) < 0) {
		log_notice("INVITE from '%s': bad SDP: %s", du->u.name, err);
		refuse(s, st, 400, "Bad SDP", NULL, NULL);
		goto done;
	}
	int ai = first_audio(offer);
	if (ai < 0) {
		refuse(s, st, 488, "No Audio Stream", NULL, NULL);
		goto done;
	}
	const struct sl_sdp_media *om = &offer->m[ai];

	/* leg A: the caller's media */
	bool a_srtp = sl_sdp_media_is_srtp(om);
	int a_pick = -1;
	if (a_srtp) {
		a_pick = sl_sdp_pick_crypto(om, s->conf.srtp_suites, s->conf.n_srtp_suites);
		if (a_pick < 0) {
			refuse(s, st, 488, "No Acceptable SRTP Suite",
			       "INVITE from '%s': no offered SRTP suite is acceptable", du->u.name);
			goto done;
		}
	} else if (mode_a == SL_SEC_ENCRYPTED) {
		refuse(s, st, 488, "Encrypted Device Must Use SRTP",
		       "INVITE from '%s' refused: encrypted-mode device offered plain RTP",
		       du->u.name);
		goto done;
	} else if (!s->conf.allow_rtp_fallback) {
		refuse(s, st, 488, "SRTP Required", "INVITE from '%s': RTP refused by policy",
		       du->u.name);
		goto done;
	}

	/* routing: registered user by user part, else trunk by prefix (§16.5 spirit) */
	char tuser[64];
	long tn = sl_sip_unescape(m->ruri.user, tuser, sizeof(tuser) - 1);
	if (tn <= 0) {
		refuse(s, st, 404, "Not Found", NULL, NULL);
		goto done;
	}
	tuser[tn] = '\0';
	const struct binding *bnd = sipd_binding_for(s, tuser, (size_t)tn);
	const struct sl_trunk *trunk = bnd ? NULL : dir_trunk_for(&s->dir, tuser, (size_t)tn);
	if (!bnd && !trunk) {
		bool known = dir_user(&s->dir, tuser, (size_t)tn) != NULL;
		refuse(s, st, known ? 480 : 404, known ? "Temporarily Unavailable" : "Not Found",
		       NULL, NULL);
		goto done;
	}

	if (!media_available(s)) {
		refuse(s, st, 503, "Media Plane Unavailable", NULL, NULL);
		goto done;
	}
	struct call *c = call_new(s);
	if (!c) {
		refuse(s, st, 500, NULL, NULL, NULL);
		goto done;
	}
	struct leg *A = &c->leg[LEG_A], *B = &c->leg[LEG_B];
	/* leg A dialog (we are the UAS: §12.1.1) */
	snprintf(A->call_id, sizeof(A->call_id), "%.*s", (int)m->call_id.n, m->call_id.p);
	snprintf(A->remote_tag, sizeof(A->remote_tag), "%.*s", (int)m->from.tag.n, m->from.tag.p);
	sl_sip_new_tag(A->local_tag);
	snprintf(A->remote_uri, sizeof(A->remote_uri), "%.*s", (int)m->from.uri.raw.n,
		 m->from.uri.raw.p);
	snprintf(A->local_uri, sizeof(A->local_uri), "%.*s", (int)m->to.uri.raw.n, m->to.uri.raw.p);
	if (m->ncontact)
		snprintf(A->remote_target, sizeof(A->remote_target), "%.*s",
			 (int)m->contact[0].uri.raw.n, m->contact[0].uri.raw.p);
	else
		snprintf(A->remote_target, sizeof(A->remote_target), "%s", A->remote_uri);
	A->remote_cseq = m->cseq;
	A->inv_cseq = m->cseq;
	dlg_insert(c, A);
	A->local_cseq = 1;
	sipd_dest_from_peer(&A->dest, peer);
	sipd_host_of(&peer->local, A->local_host, sizeof(A->local_host));
	snprintf(A->peer_name, sizeof(A->peer_name), "%s", du->u.name);
	A->tls = peer->proto == SL_TP_TLS && peer->cert_verified;
	A->sec = mode_a;
	A->inv = st;
	txn_bind(st, c);
	A->m.srtp = a_srtp;
	if (a_srtp) {
		A->m.suite = om->crypto[a_pick].suite;
		A->m.theirs = om->crypto[a_pick];
		A->m.have_theirs = true;
	}
	A->m.remote = om->conn;
	A->m.remote_port = om->port;
	A->m.rtcp_mux = om->rtcp_mux;
	int prc = media_alloc_port(s, &A->m, &om->conn);
	if (prc == -ENOENT) {
		/* no media interface serves that address: the offer is unusable */
		log_warn("call %s: no media interface for %s", c->id, om->conn.text);
		fail_leg_a(s, c, 488, "Media Address Not Reachable");
		end_call(s, c, "no media interface (caller side)", 0);
		goto done;
	} else if (prc < 0) {
		log_warn("call %s: every media port of interface %s is in use", c->id,
			 A->m.ifc ? A->m.ifc->name : "?");
		fail_leg_a_extra(s, c, 503, "No Media Port", "Retry-After: 5\r\n");
		end_call(s, c, "no media port (caller side)", 0);
		goto done;
	}

	/* leg B dialog (we are the UAC: §12.1.2) */
	snprintf(B->call_id, sizeof(B->call_id), "%.*s", 0, "");
	sl_sip_new_callid(B->call_id, s->via_host);
	sl_sip_new_tag(B->local_tag);
	dlg_insert(c, B);
	snprintf(B->local_uri, sizeof(B->local_uri), "sip:%s@%s", du->u.name, s->conf.domain);
	snprintf(B->remote_uri, sizeof(B->remote_uri), "sip:%s@%s", tuser, s->conf.domain);
	B->local_cseq = 0;
	struct sl_sdp_addr b_sig;
	memset(&b_sig, 0, sizeof(b_sig));
	if (bnd) {
		snprintf(B->remote_target, sizeof(B->remote_target), "%s", bnd->contact);
		B->dest.proto = bnd->proto;
		B->dest.conn_id = bnd->conn_id;
		B->dest.addr = bnd->src;
		B->dest.addrlen = bnd->srclen;
		memcpy(B->local_host, bnd->local_host, sizeof(B->local_host));
		snprintf(B->peer_name, sizeof(B->peer_name), "%s", bnd->user);
		B->tls = bnd->proto == SL_TP_TLS && bnd->tls_verified;
		B->sec = bnd->mode;
	} else {
		char host[160];
		snprintf(host, sizeof(host), "%s", trunk->host);
		const char *tp = trunk->transport[0] ? trunk->transport : "tls";
		B->dest.proto = !strcmp(tp, "udp") ? SL_TP_UDP : !strcmp(tp, "tcp") ? SL_TP_TCP : SL_TP_TLS;
		int port = trunk->port ? trunk->port : B->dest.proto == SL_TP_TLS ? 5061 : 5060;
		if (sipd_addr_from_host(host, strlen(host), port, &B->dest.addr, &B->dest.addrlen) < 0) {
			log_err("trunk %s: host '%s' is not a numeric address", trunk->name, host);
			fail_leg_a(s, c, 503, "Trunk Misconfigured");
			end_call(s, c, "trunk host not numeric", 0);
			goto done;
		}
		snprintf(B->remote_target, sizeof(B->remote_target), "sip:%s@%s:%d;transport=%s",
			 tuser, host, port, tp);
		snprintf(B->remote_uri, sizeof(B->remote_uri), "sip:%s@%s", tuser, host);
		snprintf(B->peer_name, sizeof(B->peer_name), "trunk:%.*s",
			 (int)sizeof(B->peer_name) - 7, trunk->name);
		B->trunk = true;
		B->tls = B->dest.proto == SL_TP_TLS;	/* the server certificate is verified */
		B->sec = B->tls ? SL_SEC_AUTHENTICATED : SL_SEC_NONSECURE;
	}
	const struct sockaddr_storage *bs = &B->dest.addr;
	if (bs->ss_family == AF_INET) {
		b_sig.ip_version = 4;
		memcpy(b_sig.bytes, &((const struct sockaddr_in *)bs)->sin_addr, 4);
	} else {
		b_sig.ip_version = 6;
		memcpy(b_sig.bytes, &((const struct sockaddr_in6 *)bs)->sin6_addr, 16);
	}
	/* keys only over TLS: a leg reached without TLS gets RTP, if allowed */
	B->m.srtp = B->dest.proto == SL_TP_TLS;
	if (!B->m.srtp && (B->sec == SL_SEC_ENCRYPTED || !s->conf.allow_rtp_fallback)) {
		fail_leg_a(s, c, 488, "Callee Cannot Receive SRTP");
		end_call(s, c, "callee leg would be unencrypted", 0);
		goto done;
	}
	if (media_alloc_port(s, &B->m, &b_sig) < 0) {
		log_warn("call %s: no media interface or free port toward %s", c->id, B->peer_name);
		fail_leg_a_extra(s, c, 503, "No Media Port", "Retry-After: 5\r\n");
		end_call(s, c, "no media port (callee side)", 0);
		goto done;
	}
	if (B->m.srtp) {
		for (unsigned i = 0; i < s->conf.n_srtp_suites; i++)
			if (media_new_key(&B->m.offered[B->m.noffered], s->conf.srtp_suites[i],
					  B->m.noffered + 1) == 0)
				B->m.noffered++;
	}
	sdp_rewrite(s, B, offer, out, B->m.offered, B->m.noffered, om->rtcp_mux, ai);
	char *body = malloc(SL_SDP_MAX_BODY);
	int blen = body ? sl_sdp_build(out, body, SL_SDP_MAX_BODY) : -ENOMEM;
	if (blen < 0) {
		free(body);
		fail_leg_a(s, c, 500, "SDP Too Large");
		end_call(s, c, "cannot build SDP", 0);
		goto done;
	}
	update_security(c);
	/* a provisional status for the callee; the final one follows in re-INVITEs */
	char extra[256];
	int sec_b = leg_security(A) < leg_security(B) ? leg_security(A) : leg_security(B);
	snprintf(extra, sizeof(extra), "X-Shieldlock-Security: %s\r\n", sec_hdr_value(sec_b));
	sipd_respond(s, st, 100, NULL, NULL, NULL, NULL, NULL, 0);
	c->state = CALL_RINGING;
	c->deadline_ms = sipd_now_ms() + (uint64_t)s->conf.invite_timeout_s * 1000;
	B->inv = send_request(s, c, B, "INVITE", extra, body, (size_t)blen, true);
	OPENSSL_cleanse(body, SL_SDP_MAX_BODY);
	free(body);
	if (!B->inv) {
		fail_leg_a(s, c, 503, "Callee Unreachable");
		end_call(s, c, "INVITE to callee not sent", 0);
		goto done;
	}
	B->inv_cseq = B->local_cseq;
	log_info("call %s: %s -> %s (%s, %s)", c->id, A->peer_name, B->peer_name,
		 A->m.srtp ? "SRTP" : "RTP", B->m.srtp ? "SRTP" : "RTP");
	sipd_call_report(s, c);
done:
	sl_sdp_wipe(offer);
	sl_sdp_wipe(out);
	OPENSSL_cleanse(offer, 2 * sizeof(*offer));
	free(offer);
}

/* ---- re-INVITE relay (hold/resume, new keys: RFC 3261 §14, RFC 4568 §7.1.4) ---- */

static void reinvite_done(struct call *c)
{
	c->reinv_st = NULL;
	for (int l = 0; l < 2; l++) {
		OPENSSL_cleanse(c->leg[l].m.offered, sizeof(c->leg[l].m.offered));
		c->leg[l].m.noffered = 0;
		OPENSSL_cleanse(&c->leg[l].m.theirs, sizeof(c->leg[l].m.theirs));
		OPENSSL_cleanse(&c->leg[l].m.ours, sizeof(c->leg[l].m.ours));
	}
}

static void reinvite(struct sipd *s, struct call *c, int side, struct sl_txn *st,
		     const struct sl_sip_msg *m, const struct sl_tp_peer *peer)
{
	struct leg *me = &c->leg[side], *other = &c->leg[1 - side];
	char err[256];
	if (c->state != CALL_ACTIVE || c->reinv_st) {
		/* §14.2: one offer at a time */
		sipd_respond(s, st, 491, NULL, me->local_tag, NULL, NULL, NULL, 0);
		return;
	}
	if (peer->proto != SL_TP_TLS && has_crypto_text(m->body)) {
		log_warn("SECURITY: re-INVITE from %s carries SRTP keys in clear: refused",
			 me->peer_name);
		sipd_respond(s, st, 488, "SRTP Keys Over Unencrypted Transport", me->local_tag,
			     NULL, NULL, NULL, 0);
		return;
	}
	struct sl_sdp *offer = calloc(2, sizeof(*offer));
	if (!offer) {
		sipd_respond(s, st, 500, NULL, me->local_tag, NULL, NULL, NULL, 0);
		return;
	}
	struct sl_sdp *out = offer + 1;
	char *body = NULL;
	int ai;
	if (!m->body.n || sl_sdp_parse(m->body.p, m->body.n, offer, err, sizeof(err)) < 0 ||
	    (ai = first_audio(offer)) < 0) {
		sipd_respond(s, st, 488, m->body.n ? "Bad SDP" : "Offer Required", me->local_tag,
			     NULL, NULL, NULL, 0);
		goto done;
	}
	const struct sl_sdp_media *om = &offer->m[ai];
	if (sl_sdp_media_is_srtp(om) != me->m.srtp) {
		sipd_respond(s, st, 488, "Cannot Change Media Protection", me->local_tag, NULL,
			     NULL, NULL, 0);
		goto done;
	}
	if (me->m.srtp) {
		int pick = sl_sdp_pick_crypto(om, s->conf.srtp_suites, s->conf.n_srtp_suites);
		if (pick < 0) {
			sipd_respond(s, st, 488, "No Acceptable SRTP Suite", me->local_tag, NULL,
				     NULL, NULL, 0);
			goto done;
		}
		me->m.theirs = om->crypto[pick];	/* wiped by reinvite_done either way */
		c->reinv_suite = om->crypto[pick].suite;
	} else {
		c->reinv_suite = me->m.suite;
	}
	/* staged: the leg moves only when the other side accepts (RFC 3264 §8) */
	c->reinv_remote = om->conn;
	c->reinv_port = om->port;
	other->m.noffered = 0;
	if (other->m.srtp && media_new_key(&other->m.offered[0], other->m.suite, 1) == 0)
		other->m.noffered = 1;
	sdp_rewrite(s, other, offer, out, other->m.offered, other->m.noffered,
		    other->m.rtcp_mux, ai);
	body = malloc(SL_SDP_MAX_BODY);
	int blen = body ? sl_sdp_build(out, body, SL_SDP_MAX_BODY) : -ENOMEM;
	if (blen < 0) {
		sipd_respond(s, st, 500, NULL, me->local_tag, NULL, NULL, NULL, 0);
		reinvite_done(c);
		goto done;
	}
	char extra[128];
	snprintf(extra, sizeof(extra), "X-Shieldlock-Security: %s\r\n", sec_hdr_value(c->security));
	sipd_respond(s, st, 100, NULL, NULL, NULL, NULL, NULL, 0);
	other->reinv = send_request(s, c, other, "INVITE", extra, body, (size_t)blen, false);
	if (!other->reinv) {
		sipd_respond(s, st, 503, NULL, me->local_tag, NULL, NULL, NULL, 0);
		reinvite_done(c);
		goto done;
	}
	c->reinv_st = st;
	txn_bind(st, c);
	c->reinv_from = side;
	c->reinv_ai = ai;
	c->reinv_cseq = other->local_cseq;
	log_info("call %s: re-INVITE from %s relayed (%s)", c->id, me->peer_name,
		 sl_sdp_dir_name(om->dir));
done:
	if (body) {
		OPENSSL_cleanse(body, SL_SDP_MAX_BODY);
		free(body);
	}
	sl_sdp_wipe(offer);
	sl_sdp_wipe(out);
	free(offer);
}

static void reinvite_response(struct sipd *s, struct call *c, struct sl_txn *ct,
			      const struct sl_sip_msg *r)
{
	int side = c->reinv_from;
	struct leg *me = &c->leg[side], *other = &c->leg[1 - side];
	char err[256];
	if (ct != other->reinv || r->status < 200)
		return;
	if (r->status >= 300) {
		if (c->reinv_st)
			sipd_respond(s, c->reinv_st, r->status, NULL, me->local_tag, NULL, NULL,
				     NULL, 0);
		reinvite_done(c);
		sipd_call_report(s, c);	/* the view says at once that nothing moved */
		return;
	}
	send_ack(s, other, c->reinv_cseq);
	if (!c->reinv_st)
		return;	/* already answered (2xx retransmission) */
	struct sl_sdp *ans = calloc(2, sizeof(*ans));
	char *body = malloc(SL_SDP_MAX_BODY);
	if (!ans || !body)
		goto fail;
	struct sl_sdp *out = ans + 1;
	int ai = c->reinv_ai;
	if (!r->body.n || sl_sdp_parse(r->body.p, r->body.n, ans, err, sizeof(err)) < 0 ||
	    (unsigned)ai >= ans->nm) {
		log_notice("call %s: re-INVITE answer from %s unusable", c->id, other->peer_name);
		goto fail;
	}
	const struct sl_sdp_media *bm = &ans->m[ai];
	if (other->m.srtp) {
		if (!sl_sdp_media_is_srtp(bm) || bm->ncrypto != 1 || !other->m.noffered ||
		    bm->crypto[0].tag != other->m.offered[0].tag)
			goto fail;
		other->m.ours = other->m.offered[0];
		other->m.theirs = bm->crypto[0];
	}
	if (bm->port) {
		other->m.remote = bm->conn;
		other->m.remote_port = bm->port;
	}
	/* the offer was accepted: the offerer's leg takes what it asked for */
	me->m.remote = c->reinv_remote;
	me->m.remote_port = c->reinv_port;
	me->m.suite = c->reinv_suite;
	unsigned nk = 0;
	if (me->m.srtp) {
		if (media_new_key(&me->m.ours, me->m.suite, me->m.theirs.tag) < 0)
			goto fail;
		nk = 1;
	}
	sdp_rewrite(s, me, ans, out, &me->m.ours, nk, me->m.rtcp_mux, ai);
	int blen = sl_sdp_build(out, body, SL_SDP_MAX_BODY);
	if (blen < 0)
		goto fail;
	if (media_install(s, c) < 0) {
		/* the other leg already took the new session: the legs cannot be put
		 * back in step, so the call ends (RFC 3261 §14.2 leaves no better way) */
		sipd_respond(s, c->reinv_st, 500, "Media Update Failed", me->local_tag, NULL, NULL,
			     NULL, 0);
		reinvite_done(c);
		end_call(s, c, "media update failed", (1 << LEG_A) | (1 << LEG_B));
		goto done;
	}
	char extra[512], contact[256];
	sipd_contact(s, me->dest.proto, me->local_host, contact, sizeof(contact));
	snprintf(extra, sizeof(extra), "Contact: %s\r\nX-Shieldlock-Security: %s\r\n", contact,
		 sec_hdr_value(c->security));
	sipd_respond(s, c->reinv_st, 200, NULL, me->local_tag, extra, "application/sdp", body,
		     (size_t)blen);
	log_info("call %s: re-INVITE done (%s), media updated with new keys", c->id,
		 sl_sdp_dir_name(bm->dir));
	reinvite_done(c);
	sipd_call_report(s, c);	/* operators see the new media address at once */
	goto done;
fail:
	/* The other side took the new session in its 2xx (ACKed above) and we
	 * cannot follow it: §13.2.2.4 says ACK, then BYE. Keeping the call would
	 * leave its media failing authentication in the data plane. */
	log_notice("call %s: the answer of %s to the re-INVITE cannot be used (no matching "
		   "a=crypto, bad SDP or no memory): ending the call (RFC 3261 §13.2.2.4)",
		   c->id, other->peer_name);
	if (c->reinv_st)
		sipd_respond(s, c->reinv_st, 488, "Re-INVITE Failed", me->local_tag, NULL, NULL,
			     NULL, 0);
	reinvite_done(c);
	end_call(s, c, "re-INVITE answer unusable", (1 << LEG_A) | (1 << LEG_B));
done:
	if (body) {
		OPENSSL_cleanse(body, SL_SDP_MAX_BODY);
		free(body);
	}
	if (ans) {
		sl_sdp_wipe(ans);
		sl_sdp_wipe(ans + 1);
		free(ans);
	}
}

static void reinvite_failed(struct sipd *s, struct call *c, int code)
{
	struct leg *me = &c->leg[c->reinv_from];
	if (c->reinv_st)
		sipd_respond(s, c->reinv_st, code, NULL, me->local_tag, NULL, NULL, NULL, 0);
	reinvite_done(c);
}

/* ---- responses from leg B ---- */

/* A call lives as long as a transaction points at it (c->ntxn), so the
 * transaction's user pointer is always a live call or NULL. */
static struct call *call_of_txn(struct sipd *s, struct sl_txn *t)
{
	(void)s;
	return sl_txn_user(t);
}

/* The answer from B arrived: take its key, give A our answer, install flows. */
static void answered(struct sipd *s, struct call *c, const struct sl_sip_msg *r)
{
	struct leg *A = &c->leg[LEG_A], *B = &c->leg[LEG_B];
	char err[256];
	struct sl_sdp *ans = calloc(2, sizeof(*ans));
	if (!ans) {
		fail_leg_a(s, c, 500, NULL);
		end_call(s, c, "out of memory", 1 << LEG_B);
		return;
	}
	struct sl_sdp *out = ans + 1;
	char *body = NULL;
	if (!r->body.n || sl_sdp_parse(r->body.p, r->body.n, ans, err, sizeof(err)) < 0) {
		log_notice("call %s: answer from %s has no usable SDP: %s", c->id, B->peer_name,
			   r->body.n ? err : "no body");
		fail_leg_a(s, c, 488, "Callee Sent No Usable SDP");
		end_call(s, c, "bad answer SDP", 1 << LEG_B);
		goto done;
	}
	int ai = first_audio(ans);
	if (ai < 0) {
		fail_leg_a(s, c, 488, "Callee Rejected Audio");
		end_call(s, c, "callee rejected audio", 1 << LEG_B);
		goto done;
	}
	const struct sl_sdp_media *bm = &ans->m[ai];
	if (B->m.srtp && !sl_sdp_media_is_srtp(bm) && B->sec == SL_SEC_NONSECURE &&
	    s->conf.allow_rtp_fallback) {
		/* a non-secure phone that cannot do SRTP answered our SAVP offer
		 * with RTP/AVP: policy allows RTP for it, so its leg falls back */
		log_notice("call %s: %s answered RTP: its leg falls back to RTP (non-secure "
			   "device, allow_rtp_fallback = yes)", c->id, B->peer_name);
		B->m.srtp = false;
		OPENSSL_cleanse(B->m.offered, sizeof(B->m.offered));
		B->m.noffered = 0;
	}
	if (B->m.srtp) {
		/* RFC 4568 §7.1.3: the answer names the offered tag it accepted */
		int tag_idx = -1;
		if (sl_sdp_media_is_srtp(bm) && bm->ncrypto == 1)
			for (unsigned i = 0; i < B->m.noffered; i++)
				if (B->m.offered[i].tag == bm->crypto[0].tag &&
				    B->m.offered[i].suite == bm->crypto[0].suite)
					tag_idx = (int)i;
		if (tag_idx < 0) {
			log_notice("call %s: %s answered without an offered SRTP suite", c->id,
				   B->peer_name);
			fail_leg_a(s, c, 488, "Callee Refused SRTP");
			end_call(s, c, "callee refused SRTP", 1 << LEG_B);
			goto done;
		}
		B->m.ours = B->m.offered[tag_idx];
		B->m.suite = B->m.ours.suite;
		B->m.theirs = bm->crypto[0];
		B->m.have_theirs = true;
		OPENSSL_cleanse(B->m.offered, sizeof(B->m.offered));
		B->m.noffered = 0;
	} else if (sl_sdp_media_is_srtp(bm)) {
		fail_leg_a(s, c, 488, "Callee Answered SRTP To RTP");
		end_call(s, c, "callee answered SRTP to an RTP offer", 1 << LEG_B);
		goto done;
	}
	B->m.remote = bm->conn;
	B->m.remote_port = bm->port;
	B->m.rtcp_mux = bm->rtcp_mux;
	bool mux = A->m.rtcp_mux && B->m.rtcp_mux;
	A->m.rtcp_mux = B->m.rtcp_mux = mux;
	unsigned nk = 0;
	if (A->m.srtp) {
		if (media_new_key(&A->m.ours, A->m.suite, A->m.theirs.tag) < 0) {
			fail_leg_a(s, c, 500, "No Randomness");
			end_call(s, c, "key generation failed", 1 << LEG_B);
			goto done;
		}
		nk = 1;
	}
	sdp_rewrite(s, A, ans, out, &A->m.ours, nk, mux, ai);
	body = malloc(SL_SDP_MAX_BODY);
	int blen = body ? sl_sdp_build(out, body, SL_SDP_MAX_BODY) : -ENOMEM;
	if (blen < 0 || media_install(s, c) < 0) {
		fail_leg_a(s, c, 500, "Media Setup Failed");
		end_call(s, c, "media setup failed", 1 << LEG_B);
		goto done;
	}
	update_security(c);
	char extra[512], contact[256];
	sipd_contact(s, A->dest.proto, A->local_host, contact, sizeof(contact));
	snprintf(extra, sizeof(extra), "Contact: %s\r\nX-Shieldlock-Security: %s\r\n", contact,
		 sec_hdr_value(c->security));
	sipd_respond(s, A->inv, 200, NULL, A->local_tag, extra, "application/sdp", body,
		     (size_t)blen);
	A->confirmed = true;	/* the dialog exists; the ACK confirms it (§13.3.1.4) */
	c->state = CALL_ACTIVE;
	c->answered = sipd_now_s();
	c->last_media_ms = sipd_now_ms();
	log_notice("call %s answered: %s [%s] <-> %s [%s], %s", c->id, A->peer_name,
		   A->m.srtp ? sl_srtp_suite_info((enum sl_srtp_suite)A->m.suite)->name : "RTP",
		   B->peer_name,
		   B->m.srtp ? sl_srtp_suite_info((enum sl_srtp_suite)B->m.suite)->name : "RTP",
		   sec_text(c->security));
	sipd_call_report(s, c);
	/* a re-INVITE tells the callee the final status if it differs */
done:
	if (body) {
		OPENSSL_cleanse(body, SL_SDP_MAX_BODY);
		free(body);
	}
	sl_sdp_wipe(ans);
	sl_sdp_wipe(out);
	free(ans);
}

static void send_cancel(struct sipd *s, struct call *c)
{
	struct leg *B = &c->leg[LEG_B];
	if (!B->inv_raw)
		return;
	struct sl_sip_msg *inv = malloc(sizeof(*inv));
	struct sl_sip_result res;
	char *buf = malloc(MSG_MAX);
	if (inv && buf && sl_sip_parse(B->inv_raw, B->inv_rawlen, inv, &res) == SL_SIP_OK) {
		int n = sl_sip_build_cancel(buf, MSG_MAX, inv);
		if (n > 0) {
			struct sl_txn *t = sl_txl_request(s->txl, &B->dest, buf, (size_t)n,
							  sipd_now_ms());
			if (t)
				txn_bind(t, c);
		}
	}
	free(inv);
	free(buf);
}

/* Trunk challenges (RFC 3261 §22.2): answer once with the stored credentials,
 * re-sending the INVITE with the same dialog identifiers and body and the
 * next CSeq (§8.1.3.5). */
static bool answer_trunk_challenge(struct sipd *s, struct call *c, const struct sl_sip_msg *r)
{
	struct leg *B = &c->leg[LEG_B];
	if (!B->trunk || B->auth_tried || !B->inv_raw || c->state != CALL_RINGING)
		return false;
	B->auth_tried = true;
	struct sl_sip_msg *inv = malloc(sizeof(*inv));
	char *raw = B->inv_raw;
	size_t rawlen = B->inv_rawlen;
	struct sl_sip_result res;
	bool ok = false;
	if (!inv || sl_sip_parse(raw, rawlen, inv, &res) != SL_SIP_OK)
		goto out;
	char auth[2048], extra[2300];
	const char *trunk = B->peer_name + 6;	/* "trunk:NAME" */
	int n = sipd_uac_authorization(s, trunk, r, "INVITE", B->remote_target, auth,
				       sizeof(auth));
	if (n <= 0)
		goto out;
	snprintf(extra, sizeof(extra), "%sX-Shieldlock-Security: %s\r\n", auth,
		 sec_hdr_value(c->security));
	B->inv_raw = NULL;	/* send_request stores the new INVITE */
	B->inv = send_request(s, c, B, "INVITE", extra, inv->body.p, inv->body.n, true);
	if (B->inv) {
		B->inv_cseq = B->local_cseq;
		log_info("call %s: answered the %d challenge of %s", c->id, r->status, B->peer_name);
		ok = true;
	} else {
		B->inv_raw = raw;	/* keep the old one for cleanup */
		raw = NULL;
	}
out:
	if (raw && raw != B->inv_raw) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	free(inv);
	return ok;
}

/* A trunk may challenge our BYE too (RFC 3261 §22.2 applies to any
 * request): answer once, or the call would stay up (and billed) there. */
static void bye_answered(struct sipd *s, struct call *c, const struct sl_sip_msg *r)
{
	log_debug("call %s: BYE answered %d", c->id, r->status);
	if (r->status != 401 && r->status != 407)
		return;
	for (int l = 0; l < 2; l++) {
		struct leg *lg = &c->leg[l];
		if (!lg->trunk || lg->bye_auth_tried || !sl_sip_str_eqz(r->call_id, lg->call_id))
			continue;
		lg->bye_auth_tried = true;
		char auth[2048];
		int n = sipd_uac_authorization(s, lg->peer_name + 6, r, "BYE", lg->remote_target,
					       auth, sizeof(auth));
		if (n > 0 && send_request(s, c, lg, "BYE", auth, NULL, 0, false))
			log_info("call %s: answered the %d challenge of %s to our BYE", c->id,
				 r->status, lg->peer_name);
		else
			log_warn("call %s: %s challenged our BYE and it cannot be answered: the "
				 "call may stay up at the trunk", c->id, lg->peer_name);
	}
}

void sipd_client_response(struct sipd *s, struct sl_txn *ct, const struct sl_sip_msg *r)
{
	struct call *c = call_of_txn(s, ct);
	if (!c)
		return;
	struct leg *A = &c->leg[LEG_A], *B = &c->leg[LEG_B];
	bool is_inv = sl_sip_str_ieq(r->cseq_method, "INVITE");
	if (!is_inv) {
		if (sl_sip_str_ieq(r->cseq_method, "BYE") && r->status >= 200)
			bye_answered(s, c, r);
		return;
	}
	if (ct == A->reinv || ct == B->reinv) {
		reinvite_response(s, c, ct, r);
		return;
	}
	if (ct != B->inv)
		return;
	if (r->status < 200) {
		c->got_provisional = true;
		if (c->cancel_pending) {
			c->cancel_pending = false;
			send_cancel(s, c);
			return;
		}
		if (r->status > 100 && A->inv && !sl_txn_status(A->inv)) {
			char contact[256], extra[300];
			sipd_contact(s, A->dest.proto, A->local_host, contact, sizeof(contact));
			snprintf(extra, sizeof(extra), "Contact: %s\r\n", contact);
			sipd_respond(s, A->inv, r->status == 183 ? 180 : r->status, NULL,
				     A->local_tag, extra, NULL, NULL, 0);
		}
		return;
	}
	if (r->status < 300) {
		/* §12.1.2: the dialog's remote tag and target come from the 2xx */
		snprintf(B->remote_tag, sizeof(B->remote_tag), "%.*s", (int)r->to.tag.n, r->to.tag.p);
		if (r->ncontact)
			snprintf(B->remote_target, sizeof(B->remote_target), "%.*s",
				 (int)r->contact[0].uri.raw.n, r->contact[0].uri.raw.p);
		bool first = !B->confirmed;
		B->confirmed = true;
		send_ack(s, B, B->inv_cseq);
		if (!first)
			return;	/* a retransmitted 2xx: ACKed again */
		if (c->state != CALL_RINGING) {
			end_call(s, c, c->end_reason[0] ? c->end_reason : "cancelled", 1 << LEG_B);
			return;
		}
		answered(s, c, r);
		return;
	}
	if ((r->status == 401 || r->status == 407) && answer_trunk_challenge(s, c, r))
		return;
	/* a final error from the callee goes back to the caller (§16.7 spirit) */
	char reason[64];
	snprintf(reason, sizeof(reason), "%.*s", (int)r->reason.n, r->reason.p);
	int code = r->status == 401 || r->status == 407 ? 503 : r->status;
	if (c->state == CALL_RINGING)
		fail_leg_a(s, c, code, code == r->status ? reason : "Callee Requires Authentication");
	char why[96];
	snprintf(why, sizeof(why), "callee answered %d %s", r->status, reason);
	end_call(s, c, c->end_reason[0] ? c->end_reason : why, 0);
}

void sipd_client_error(struct sipd *s, struct sl_txn *ct, int code)
{
	struct call *c = call_of_txn(s, ct);
	if (!c)
		return;
	if (ct == c->leg[LEG_B].inv && c->state == CALL_RINGING) {
		fail_leg_a(s, c, code, code == 408 ? "Callee Did Not Answer" : "Callee Unreachable");
		end_call(s, c, code == 408 ? "callee timeout" : "callee unreachable", 0);
	} else if (ct == c->leg[LEG_A].reinv || ct == c->leg[LEG_B].reinv) {
		reinvite_failed(s, c, code);
	}
}

void sipd_txn_freed(struct sipd *s, struct sl_txn *t)
{
	(void)s;
	struct call *c = sl_txn_user(t);
	if (!c)
		return;	/* not a call's transaction (REGISTER, OPTIONS, ...) */
	c->ntxn--;
	for (int l = 0; l < 2; l++) {
		if (c->leg[l].inv == t)
			c->leg[l].inv = NULL;
		if (c->leg[l].reinv == t)
			c->leg[l].reinv = NULL;
	}
	if (c->reinv_st == t)
		c->reinv_st = NULL;
}

/* ---- CANCEL, ACK, in-dialog requests ---- */

void sipd_cancel(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		 const struct sl_tp_peer *peer)
{
	struct sl_txn *inv = sl_txl_match_cancel(s->txl, m, peer);
	struct call *c = inv ? call_of_txn(s, inv) : NULL;
	char tag[24];
	sl_sip_new_tag(tag);
	if (!c || c->leg[LEG_A].inv != inv) {
		/* §9.2: no matching transaction */
		sipd_respond(s, st, 481, NULL, tag, NULL, NULL, NULL, 0);
		return;
	}
	sipd_respond(s, st, 200, NULL, c->leg[LEG_A].local_tag, NULL, NULL, NULL, 0);
	if (c->state != CALL_RINGING)
		return;
	fail_leg_a(s, c, 487, NULL);
	snprintf(c->end_reason, sizeof(c->end_reason), "cancelled by caller");
	c->state = CALL_ENDING;
	/* §9.1: CANCEL only after a provisional response */
	if (c->got_provisional)
		send_cancel(s, c);
	else
		c->cancel_pending = true;
	log_info("call %s cancelled by %s", c->id, c->leg[LEG_A].peer_name);
	media_remove(s, c);
	sipd_call_report(s, c);
	release_ports(s, c);
}

static struct call *find_dialog(struct sipd *s, const struct sl_sip_msg *m, int *side)
{
	(void)s;
	for (struct leg *lg = dlg_tab[dlg_slot(m->call_id.p, m->call_id.n)]; lg; lg = lg->hnext) {
		/* a peer without From tags (RFC 2543) has an empty remote tag */
		if (sl_sip_str_eqz(m->call_id, lg->call_id) &&
		    sl_sip_str_eqz(m->to.tag, lg->local_tag) &&
		    sl_sip_str_eqz(m->from.tag, lg->remote_tag)) {
			*side = (int)(lg - lg->call->leg);
			return lg->call;
		}
	}
	return NULL;
}

void sipd_ack(struct sipd *s, const struct sl_sip_msg *m, const struct sl_tp_peer *peer)
{
	(void)peer;
	int side;
	struct call *c = find_dialog(s, m, &side);
	if (c)
		log_debug("call %s: ACK from leg %c", c->id, side ? 'B' : 'A');
}

bool sipd_in_dialog(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		    const struct sl_tp_peer *peer)
{
	int side;
	struct call *c = find_dialog(s, m, &side);
	if (!c || c->state == CALL_ENDED)
		return false;
	struct leg *me = &c->leg[side], *other = &c->leg[1 - side];
	/* §12.2.2: CSeq must grow */
	if (m->cseq <= me->remote_cseq && !sl_sip_str_ieq(m->method, "ACK")) {
		sipd_respond(s, st, 500, "CSeq Out Of Order", me->local_tag, NULL, NULL, NULL, 0);
		return true;
	}
	me->remote_cseq = m->cseq;
	(void)peer;
	if (sl_sip_str_ieq(m->method, "BYE")) {
		sipd_respond(s, st, 200, NULL, me->local_tag, NULL, NULL, NULL, 0);
		me->confirmed = false;
		char why[96];
		snprintf(why, sizeof(why), "hang-up by %s", me->peer_name);
		end_call(s, c, why, 1 << (1 - side));
		return true;
	}
	if (sl_sip_str_ieq(m->method, "INVITE")) {
		(void)other;
		/* re-INVITE: hold/resume or new keys; relayed with fresh keys of ours */
		reinvite(s, c, side, st, m, peer);
		return true;
	}
	if (sl_sip_str_ieq(m->method, "OPTIONS")) {
		sipd_respond(s, st, 200, NULL, me->local_tag,
			     "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n", NULL, NULL, 0);
		return true;
	}
	sipd_respond(s, st, 501, NULL, me->local_tag,
		     "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n", NULL, NULL, 0);
	return true;
}

/* ---- periodic work ---- */

void sipd_calls_tick(struct sipd *s, uint64_t now_ms)
{
	for (struct call *c = s->calls, *next; c; c = next) {
		next = c->next;
		if (c->state == CALL_RINGING && now_ms > c->deadline_ms) {
			fail_leg_a(s, c, 408, "Callee Did Not Answer In Time");
			snprintf(c->end_reason, sizeof(c->end_reason), "no answer in %u s",
				 s->conf.invite_timeout_s);
			c->state = CALL_ENDING;
			if (c->got_provisional)
				send_cancel(s, c);
			else
				c->cancel_pending = true;
			media_remove(s, c);
			sipd_call_report(s, c);
			release_ports(s, c);
			c->deadline_ms = now_ms + 32000;	/* wait for the 487 */
			continue;
		}
		if (c->state == CALL_ENDING && now_ms > c->deadline_ms + 32000)
			c->state = CALL_ENDED;
		if (c->state == CALL_ENDED && c->ntxn == 0)
			call_free(s, c);
	}
}

void sipd_calls_media_check(struct sipd *s)
{
	uint64_t now = sipd_now_ms();
	for (struct call *c = s->calls, *next; c; c = next) {
		next = c->next;
		if (c->state != CALL_ACTIVE)
			continue;
		uint64_t total;
		if (media_counters(s, c, NULL, &total) == 0 && total != c->last_pkts) {
			c->last_pkts = total;
			c->last_media_ms = now;
		}
		if (s->conf.inactivity_timeout_s &&
		    now - c->last_media_ms > (uint64_t)s->conf.inactivity_timeout_s * 1000) {
			char why[64];
			snprintf(why, sizeof(why), "no media for %u s", s->conf.inactivity_timeout_s);
			log_notice("call %s: %s: ending it", c->id, why);
			end_call(s, c, why, (1 << LEG_A) | (1 << LEG_B));
			continue;
		}
		sipd_call_report(s, c);
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

void sipd_calls_conn_opened(struct sipd *s, const struct sl_txn_dest *d, uint64_t conn_id)
{
	for (struct call *c = s->calls; c; c = c->next) {
		struct leg *B = &c->leg[LEG_B];
		if (B->trunk && !B->dest.conn_id && B->dest.proto == d->proto &&
		    same_addr(&B->dest.addr, &d->addr))
			B->dest.conn_id = conn_id;
	}
}

void sipd_calls_conn_closed(struct sipd *s, uint64_t conn_id, const char *why)
{
	for (struct call *c = s->calls; c; c = c->next) {
		struct leg *B = &c->leg[LEG_B];
		if (B->dest.conn_id != conn_id || c->state != CALL_RINGING)
			continue;
		if (B->trunk) {
			/* a trunk that fails TLS verification is a security event */
			log_warn("call %s: connection to %s failed: %s", c->id, B->peer_name, why);
			B->dest.conn_id = 0;	/* a later call opens a new one */
		} else {
			log_info("call %s: %s's connection closed: %s", c->id, B->peer_name, why);
		}
		fail_leg_a(s, c, 503, "Callee Unreachable");
		end_call(s, c, "callee connection failed", 0);
	}
	for (struct call *c = s->calls; c; c = c->next)
		for (int l = 0; l < 2; l++)
			if (c->leg[l].dest.conn_id == conn_id && c->leg[l].trunk)
				c->leg[l].dest.conn_id = 0;
}

void sipd_calls_free(struct sipd *s)
{
	while (s->calls) {
		struct call *c = s->calls;
		media_remove(s, c);
		call_free(s, c);
	}
}
