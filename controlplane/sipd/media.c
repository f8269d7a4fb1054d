/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key manager and media anchoring.
 *
 * Keys: every leg gets a fresh master key and salt from OpenSSL's CSPRNG for
 * the direction the appliance protects (RFC 4568 §6.1 inline keys); the key
 * the peer protects with comes from its SDP. Both are handed to the data
 * plane (one flow per direction and leg) and then wiped: the sip child keeps
 * no media key after a flow is installed. A re-offer therefore always
 * carries a new key of ours (RFC 4568 §7.1.4 allows it), and the flows are
 * updated with FLOW_MOD.
 *
 * Flows (docs/flows.md): for a call A <-> B anchored on interfaces IA, IB:
 *   A -> appliance(IA:pa) : rewrite to IB:pb -> B, action by the legs' modes
 *   B -> appliance(IB:pb) : rewrite to IA:pa -> A
 * srtp-rekey between two SRTP legs; srtp-unprotect / srtp-protect when one
 * leg is RTP; forward when both are. Without rtcp-mux on both legs, a second
 * pair of flows carries RTCP on the odd ports (RFC 3550 §11).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "sipd.h"

static bool dp_connect(struct sipd *s)
{
	char msg[256];
	if (s->dp)
		return true;
	if (!s->conf.dp_socket[0])
		return false;
	uint64_t now = sipd_now_ms();
	if (s->dp_retry_ms && now < s->dp_retry_ms)
		return false;
	s->dp = sl_dp_client_connect(s->conf.dp_socket, "shieldlockd", msg, sizeof(msg));
	if (!s->dp) {
		log_warn("data plane at %s not reachable (%s); calls are refused with 503 "
			 "until it is (retrying every 5 s)", s->conf.dp_socket, msg);
		s->dp_retry_ms = now + 5000;
		return false;
	}
	s->dp_retry_ms = 0;
	log_notice("connected to the data plane at %s (%s)", s->conf.dp_socket,
		   sl_dp_client_peer_name(s->dp));
	return true;
}

static void dp_lost(struct sipd *s, const char *why)
{
	log_err("data plane connection lost: %s", why);
	sl_dp_client_close(s->dp);
	s->dp = NULL;
}

int media_init(struct sipd *s)
{
	for (unsigned i = 0; i < s->conf.n_iface; i++) {
		const struct sl_conf_iface *f = &s->conf.iface[i];
		size_t n = ((size_t)f->port_max - f->port_min + 1) / 2;	/* RTP/RTCP pairs */
		s->port_used[i] = calloc(n, 1);
		if (!s->port_used[i])
			return -1;
	}
	s->port_next = calloc(SL_CONF_MAX_IFACES, sizeof(uint16_t));
	if (!s->port_next)
		return -1;
	dp_connect(s);
	return 0;
}

void media_fini(struct sipd *s)
{
	for (unsigned i = 0; i < SL_CONF_MAX_IFACES; i++) {
		free(s->port_used[i]);
		s->port_used[i] = NULL;
	}
	free(s->port_next);
	s->port_next = NULL;
	if (s->dp)
		sl_dp_client_close(s->dp);
	s->dp = NULL;
}

bool media_available(struct sipd *s)
{
	return dp_connect(s);
}

int media_alloc_port(struct sipd *s, struct leg_media *lm, const struct sl_sdp_addr *peer)
{
	lm->ifc = sl_conf_iface_for(&s->conf, peer->ip_version, peer->bytes);
	if (!lm->ifc)
		return -ENOENT;
	unsigned i = (unsigned)(lm->ifc - s->conf.iface);
	size_t n = ((size_t)lm->ifc->port_max - lm->ifc->port_min + 1) / 2;
	for (size_t k = 0; k < n; k++) {
		size_t slot = (s->port_next[i] + k) % n;
		if (!s->port_used[i][slot]) {
			s->port_used[i][slot] = 1;
			s->port_next[i] = (uint16_t)((slot + 1) % n);
			lm->local_port = (uint16_t)(lm->ifc->port_min + 2 * slot);
			return 0;
		}
	}
	return -ENOSPC;
}

void media_free_port(struct sipd *s, struct leg_media *lm)
{
	if (!lm->ifc || !lm->local_port)
		return;
	unsigned i = (unsigned)(lm->ifc - s->conf.iface);
	s->port_used[i][(lm->local_port - lm->ifc->port_min) / 2] = 0;
	lm->local_port = 0;
}

int media_new_key(struct sl_sdes_crypto *c, int suite, uint32_t tag)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info((enum sl_srtp_suite)suite);
	if (!si)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = (enum sl_srtp_suite)suite;
	c->nkeys = 1;
	c->keys[0].key_salt_len = (uint8_t)(si->key_len + si->salt_len);
	if (RAND_priv_bytes(c->keys[0].key_salt, c->keys[0].key_salt_len) != 1)
		return -EIO;
	return 0;
}

static void to_dp_srtp(const struct sl_sdes_crypto *c, struct sl_dp_srtp *d, unsigned window)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(c->suite);
	memset(d, 0, sizeof(*d));
	d->suite = (uint8_t)c->suite;
	d->nkeys = 1;
	d->replay_window = (uint16_t)window;
	memcpy(d->keys[0].key, c->keys[0].key_salt, si->key_len);
	memcpy(d->keys[0].salt, c->keys[0].key_salt + si->key_len, si->salt_len);
	if (c->keys[0].has_lifetime)
		d->keys[0].lifetime = c->keys[0].lifetime;
	if (c->unencrypted_srtp)
		d->flags |= SL_DP_SRTP_UNENCRYPTED_SRTP;
	if (c->unencrypted_srtcp)
		d->flags |= SL_DP_SRTP_UNENCRYPTED_SRTCP;
	if (c->unauthenticated_srtp)
		d->flags |= SL_DP_SRTP_UNAUTHENTICATED;
}

static uint64_t cookie_of(const char *id)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 1099511628211ull;
	return h;
}

/* One direction: packets from leg `in` to leg `out`; rtcp selects the odd ports. */
static void build_flow(struct sipd *s, const struct call *c, const struct leg_media *in,
		       const struct leg_media *out, bool rtcp, struct sl_dp_flow_spec *f)
{
	memset(f, 0, sizeof(*f));
	f->cookie = cookie_of(c->id);
	f->worker = 0xffff;
	f->match.in_port = in->ifc->dp_port;
	f->match.ip_version = (uint8_t)in->remote.ip_version;
	f->match.sport = (uint16_t)(in->remote_port + (rtcp ? 1 : 0));
	f->match.dport = (uint16_t)(in->local_port + (rtcp ? 1 : 0));
	memcpy(f->match.src, in->remote.bytes, 16);
	memcpy(f->match.dst, in->ifc->address, 16);
	f->out_port = out->ifc->dp_port;
	f->rewrite.flags = SL_DP_RW_IP | SL_DP_RW_ETH;
	f->rewrite.sport = (uint16_t)(out->local_port + (rtcp ? 1 : 0));
	f->rewrite.dport = (uint16_t)(out->remote_port + (rtcp ? 1 : 0));
	memcpy(f->rewrite.src, out->ifc->address, 16);
	memcpy(f->rewrite.dst, out->remote.bytes, 16);
	memcpy(f->rewrite.eth_src, out->ifc->mac, 6);
	memcpy(f->rewrite.eth_dst, out->ifc->next_hop_mac, 6);
	if (in->srtp && out->srtp)
		f->action = SL_DP_ACT_REKEY;
	else if (in->srtp)
		f->action = SL_DP_ACT_UNPROTECT;
	else if (out->srtp)
		f->action = SL_DP_ACT_PROTECT;
	else
		f->action = SL_DP_ACT_FORWARD;
	if (in->srtp)
		to_dp_srtp(&in->theirs, &f->in, s->conf.replay_window);
	if (out->srtp)
		to_dp_srtp(&out->ours, &f->out, s->conf.replay_window);
}

static int put_flow(struct sipd *s, struct sl_dp_flow_spec *f, uint64_t *id)
{
	char msg[256];
	int rc;
	if (*id) {
		f->id = *id;
		rc = sl_dp_flow_mod(s->dp, f, msg, sizeof(msg));
	} else {
		rc = sl_dp_flow_add(s->dp, f, id, msg, sizeof(msg));
	}
	OPENSSL_cleanse(f, sizeof(*f));
	if (rc < 0) {
		log_err("data plane refused a flow: %s", msg);
		if (rc == -SL_DP_E_FRAMING)
			dp_lost(s, msg);
	}
	return rc;
}

int media_install(struct sipd *s, struct call *c)
{
	if (!dp_connect(s))
		return -1;
	struct leg_media *a = &c->leg[LEG_A].m, *b = &c->leg[LEG_B].m;
	bool mux = a->rtcp_mux && b->rtcp_mux;
	struct sl_dp_flow_spec f;
	int rc = 0;
	char msg[256];
	/* FLOW_MOD keeps a flow's match: a peer that moved its media (re-INVITE
	 * with a new address or port) gets its input flows replaced instead */
	for (int l = 0; l < 2; l++) {
		struct leg_media *lm = &c->leg[l].m;
		if (!lm->flow_rtp || (lm->inst_port == lm->remote_port &&
				      lm->inst_remote.ip_version == lm->remote.ip_version &&
				      !memcmp(lm->inst_remote.bytes, lm->remote.bytes, 16)))
			continue;
		uint64_t *ids[2] = { &lm->flow_rtp, &lm->flow_rtcp };
		for (int k = 0; k < 2; k++) {
			if (*ids[k] && sl_dp_flow_del(s->dp, *ids[k], msg, sizeof(msg)) < 0)
				log_warn("call %s: replacing flow %llu: %s", c->id,
					 (unsigned long long)*ids[k], msg);
			*ids[k] = 0;
		}
		log_info("call %s: leg %c media moved to %s:%u", c->id, l ? 'B' : 'A',
			 lm->remote.text, lm->remote_port);
	}
	build_flow(s, c, a, b, false, &f);
	rc |= put_flow(s, &f, &a->flow_rtp);
	build_flow(s, c, b, a, false, &f);
	rc |= put_flow(s, &f, &b->flow_rtp);
	if (!mux) {
		build_flow(s, c, a, b, true, &f);
		rc |= put_flow(s, &f, &a->flow_rtcp);
		build_flow(s, c, b, a, true, &f);
		rc |= put_flow(s, &f, &b->flow_rtcp);
	}
	/* the data plane has the keys now (or refused them): wipe ours */
	OPENSSL_cleanse(&a->ours, sizeof(a->ours));
	OPENSSL_cleanse(&a->theirs, sizeof(a->theirs));
	OPENSSL_cleanse(&b->ours, sizeof(b->ours));
	OPENSSL_cleanse(&b->theirs, sizeof(b->theirs));
	a->have_theirs = b->have_theirs = false;
	if (rc) {
		media_remove(s, c);
		return -1;
	}
	c->flows_installed = true;
	c->counters_ms = sipd_now_ms();	/* nothing to count yet */
	a->inst_remote = a->remote;
	a->inst_port = a->remote_port;
	b->inst_remote = b->remote;
	b->inst_port = b->remote_port;
	log_info("call %s: media anchored: %s %s:%u <-> %s:%u %s (%s%s)", c->id,
		 a->ifc->name, a->remote.text, a->remote_port, b->remote.text, b->remote_port,
		 b->ifc->name, a->srtp && b->srtp ? "srtp-rekey" : a->srtp || b->srtp ?
		 "srtp-protect/unprotect" : "forward", mux ? ", rtcp-mux" : "");
	return 0;
}

void media_remove(struct sipd *s, struct call *c)
{
	char msg[256];
	for (int l = 0; l < 2; l++) {
		uint64_t *ids[2] = { &c->leg[l].m.flow_rtp, &c->leg[l].m.flow_rtcp };
		for (int k = 0; k < 2; k++) {
			if (!*ids[k])
				continue;
			if (s->dp && sl_dp_flow_del(s->dp, *ids[k], msg, sizeof(msg)) < 0)
				log_warn("call %s: removing flow %llu: %s", c->id,
					 (unsigned long long)*ids[k], msg);
			*ids[k] = 0;
		}
	}
	c->flows_installed = false;
}

int media_counters(struct sipd *s, struct call *c, struct sl_call *rep, uint64_t *total)
{
	if (!s->dp || !c->flows_installed)
		return -1;
	char msg[256];
	*total = 0;
	for (int l = 0; l < 2; l++) {
		uint64_t ids[2] = { c->leg[l].m.flow_rtp, c->leg[l].m.flow_rtcp };
		for (int k = 0; k < 2; k++) {
			if (!ids[k])
				continue;
			struct sl_dp_flow_info fi;
			int rc = sl_dp_flow_get(s->dp, ids[k], &fi, msg, sizeof(msg));
			if (rc < 0) {
				if (rc == -SL_DP_E_FRAMING)
					dp_lost(s, msg);
				return -1;
			}
			if (rep) {
				/* flow input is leg l: packets in from l, out toward the other leg */
				rep->leg[l].pkts_in += fi.c.pkts_in;
				rep->leg[1 - l].pkts_out += fi.c.pkts_out;
				rep->leg[l].auth_fail += fi.c.auth_fail;
				rep->leg[l].replay_drop += fi.c.replay;
			}
			*total += fi.c.pkts_in;
		}
	}
	return 0;
}
