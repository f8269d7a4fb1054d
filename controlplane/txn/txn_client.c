/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions: RFC 3261 §17.1.1 (INVITE, figure 5 with RFC 6026
 * §7.2's Accepted state) and §17.1.2 (non-INVITE, figure 6), responses
 * matched per §17.1.3 (top Via branch + CSeq method).
 *
 * A non-2xx final to an INVITE is ACKed here (§17.1.1.3); the ACK of a 2xx
 * is the TU's (§13.2.2.4), which sees every 2xx retransmission until timer M.
 * An INVITE in Proceeding ends with 408 when no provisional or final came
 * for 3 minutes (timer C of §16.6; the TU normally CANCELs long before).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

enum {
	TIMER_D_UDP_MS = 32000,		/* §17.1.1.2: at least 32 s */
	TIMER_C_MS = 180000,		/* §16.6 step 11: more than 3 min */
};

static bool is_client(const struct sl_txn *t)
{
	return t->kind == SL_TXN_CLIENT_INVITE || t->kind == SL_TXN_CLIENT_NONINVITE;
}

struct sl_txn *sl_txl_request(struct sl_txl *l, const struct sl_txn_dest *d,
			      const char *buf, size_t len, uint64_t now_ms)
{
	struct sl_txn *t;
	uint64_t t1 = l->cfg.t1_ms;
	bool invite;

	if (d == NULL || buf == NULL)
		return NULL;
	t = txn_alloc(l, SL_TXN_CLIENT_NONINVITE, buf, len);
	if (t == NULL)
		return NULL;
	/* an ACK is no transaction (§17.1: the TU sends a 2xx ACK itself) */
	if (!t->msg->via[0].rfc3261_branch || sl_sip_str_ieq(t->method, "ACK")) {
		txn_destroy(t);
		return NULL;
	}
	invite = sl_sip_str_ieq(t->method, "INVITE");
	if (invite)
		t->kind = SL_TXN_CLIENT_INVITE;
	t->dest = *d;
	if (txn_send(t, t->req, t->reqlen) < 0) {
		txn_destroy(t);		/* never existed for the TU: no on_free */
		return NULL;
	}
	txn_enter(l);
	txn_link(t);
	t->state = invite ? TS_CALLING : TS_TRYING;
	t->retx_ms = l->cfg.t1_ms;
	/* timer A / E (unreliable only), timer B / F (all transports) */
	txn_set_timers(t, txn_reliable(t) ? 0 : now_ms + t1, invite ? TE_B : TE_F, now_ms + 64 * t1);
	txn_leave(l);
	return t;
}

static void client_fail(struct sl_txn *t, int code)
{
	struct sl_txl *l = t->l;

	if (l->ops.on_client_error != NULL)
		l->ops.on_client_error(l->ops.arg, t, code);
	txn_terminate(t);
}

static struct sl_txn *match(struct sl_txl *l, const struct sl_sip_msg *m)
{
	struct sl_sip_str b = m->via[0].branch;

	for (struct sl_txn *t = txn_bucket(l, b); t != NULL; t = t->hnext)
		if (is_client(t) && sl_sip_str_eq(t->branch, b) &&
		    sl_sip_str_eq(t->method, m->cseq_method))
			return t;
	return NULL;
}

static void deliver(struct sl_txn *t, const struct sl_sip_msg *m, const struct sl_tp_peer *peer)
{
	struct sl_txl *l = t->l;

	t->last_status = m->status;
	if (m->status >= 200)
		t->status = m->status;
	if (l->ops.on_response != NULL)
		l->ops.on_response(l->ops.arg, t, m, peer);
}

/* §17.1.1.3: ACK a non-2xx final; kept for the retransmissions of it. */
static int send_ack(struct sl_txn *t, const struct sl_sip_msg *resp)
{
	size_t cap = t->reqlen + resp->length + 256;
	char *buf = malloc(cap);
	int n;

	if (buf == NULL)
		return -ENOMEM;
	n = sl_sip_build_ack_non2xx(buf, cap, t->msg, resp);
	if (n < 0) {
		free(buf);
		return n;
	}
	free(t->out);
	t->out = buf;
	t->outlen = (size_t)n;
	return txn_send(t, t->out, t->outlen);
}

static void invite_response(struct sl_txn *t, const struct sl_sip_msg *m,
			    const struct sl_tp_peer *peer, uint64_t now)
{
	struct sl_txl *l = t->l;
	int code = m->status;

	switch (t->state) {
	case TS_CALLING:
	case TS_PROCEEDING:
		if (code < 200) {
			/* no A, no B any more; a Timer C-like bound (§16.6),
			 * restarted by every provisional, so a peer that rings
			 * and vanishes cannot keep the transaction forever */
			t->state = TS_PROCEEDING;
			txn_set_timers(t, 0, TE_C, now + TIMER_C_MS);
			deliver(t, m, peer);
		} else if (code < 300) {
			t->state = TS_ACCEPTED;		/* RFC 6026 §7.2: timer M */
			txn_set_timers(t, 0, TE_M, now + 64 * (uint64_t)l->cfg.t1_ms);
			deliver(t, m, peer);
		} else {
			t->state = TS_COMPLETED;
			(void)send_ack(t, m);	/* a lost ACK is repaired by the retransmission */
			if (txn_reliable(t))
				txn_terminate(t);	/* timer D = 0 */
			else
				txn_set_timers(t, 0, TE_D, now + TIMER_D_UDP_MS);
			deliver(t, m, peer);
		}
		break;
	case TS_ACCEPTED:
		if (code >= 200 && code < 300)
			deliver(t, m, peer);	/* 2xx retransmission: the TU ACKs again */
		break;
	case TS_COMPLETED:
		if (code >= 300 && t->out != NULL)
			(void)txn_send(t, t->out, t->outlen);	/* absorbed, re-ACKed */
		break;
	default:
		break;
	}
}

static void noninvite_response(struct sl_txn *t, const struct sl_sip_msg *m,
			       const struct sl_tp_peer *peer, uint64_t now)
{
	struct sl_txl *l = t->l;

	if (t->state != TS_TRYING && t->state != TS_PROCEEDING)
		return;		/* Completed: absorbed */
	if (m->status < 200) {
		t->state = TS_PROCEEDING;
		deliver(t, m, peer);
		return;
	}
	t->state = TS_COMPLETED;
	if (txn_reliable(t))
		txn_terminate(t);		/* timer K = 0 */
	else
		txn_set_timers(t, 0, TE_K, now + l->cfg.t4_ms);
	deliver(t, m, peer);
}

void txn_client_input(struct sl_txl *l, const struct sl_sip_msg *m,
		      const struct sl_tp_peer *peer, uint64_t now)
{
	struct sl_txn *t = NULL;

	if (m->nvia > 0 && m->via[0].has_branch && m->status >= 100 && m->status <= 699)
		t = match(l, m);
	if (t == NULL) {
		if (l->ops.on_stray_response != NULL)
			l->ops.on_stray_response(l->ops.arg, m, peer);
		return;
	}
	if (t->kind == SL_TXN_CLIENT_INVITE)
		invite_response(t, m, peer, now);
	else
		noninvite_response(t, m, peer, now);
	if (t->status >= 200 && t->msg != NULL)
		txn_shrink(t);	/* the ACK of a non-2xx is built and kept in t->out */
}

void txn_client_timer(struct sl_txn *t, uint64_t now, bool retx)
{
	struct sl_txl *l = t->l;

	if (retx) {
		if (txn_send(t, t->req, t->reqlen) < 0) {
			client_fail(t, 503);	/* §8.1.3.1: transport error */
			return;
		}
		if (t->kind == SL_TXN_CLIENT_INVITE)
			t->retx_ms *= 2;	/* timer A doubles (§17.1.1.2) */
		else if (t->state == TS_PROCEEDING)
			t->retx_ms = l->cfg.t2_ms;	/* §17.1.2.2 */
		else
			t->retx_ms = t->retx_ms * 2 < l->cfg.t2_ms ? t->retx_ms * 2 : l->cfg.t2_ms;
		txn_set_timers(t, now + t->retx_ms, t->end, t->end_at);
		return;
	}
	switch (t->end) {
	case TE_B:
	case TE_C:
	case TE_F:
		client_fail(t, 408);	/* §8.1.3.1: timeout */
		return;
	default:			/* D, K, M */
		txn_terminate(t);
		return;
	}
}
