/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server transactions: RFC 3261 §17.2.1 (INVITE, figure 7 as amended by
 * RFC 6026 §7.1 and §8.x: the Accepted state) and §17.2.2 (non-INVITE,
 * figure 8), matched per §17.2.3.
 *
 * The transaction does not send 100 Trying by itself: the TU answers every
 * INVITE at once (100 or a final), so the 200 ms rule of §17.2.1 is the TU's.
 * A 2xx to an INVITE is retransmitted here (over UDP: T1, doubling up to T2,
 * §13.3.1.4) until the ACK arrives or timer L (64*T1, RFC 6026 §8.7).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "txn_int.h"

static bool is_server(const struct sl_txn *t)
{
	return t->kind == SL_TXN_SERVER_INVITE || t->kind == SL_TXN_SERVER_NONINVITE;
}

/* §17.2.3: branch, sent-by (host and port) and method; ACK matches INVITE. */
static struct sl_txn *match(struct sl_txl *l, const struct sl_sip_msg *m, bool as_invite)
{
	const struct sl_sip_via *v = &m->via[0];

	for (struct sl_txn *t = txn_bucket(l, v->branch); t != NULL; t = t->hnext) {
		if (!is_server(t) || !sl_sip_str_eq(t->branch, v->branch))
			continue;
		if (t->k_port != v->port || t->k_host.n != v->host.n ||
		    strncasecmp(t->k_host.p, v->host.p, v->host.n) != 0)
			continue;
		if (as_invite ? t->kind == SL_TXN_SERVER_INVITE : sl_sip_str_eq(t->method, m->method))
			return t;
	}
	return NULL;
}

static bool usable(const struct sl_sip_msg *m)
{
	return m->is_request && m->nvia > 0 && m->via[0].rfc3261_branch;
}

struct sl_txn *sl_txl_find_server(struct sl_txl *l, const struct sl_sip_msg *req)
{
	if (req == NULL || !usable(req))
		return NULL;
	return match(l, req, sl_sip_str_ieq(req->method, "ACK"));
}

struct sl_txn *sl_txl_match_cancel(struct sl_txl *l, const struct sl_sip_msg *cancel,
				   const struct sl_tp_peer *peer)
{
	(void)peer;	/* §9.2 matches on the message alone */
	if (cancel == NULL || !usable(cancel))
		return NULL;
	return match(l, cancel, true);
}

/* §17.2.4: a transport error is reported to the TU and ends the transaction. */
static void server_fail(struct sl_txn *t, const char *why)
{
	struct sl_txl *l = t->l;

	if (l->ops.on_server_error != NULL)
		l->ops.on_server_error(l->ops.arg, t, why);
	txn_terminate(t);
}

static void resend(struct sl_txn *t)
{
	if (t->out != NULL && txn_send(t, t->out, t->outlen) < 0)
		server_fail(t, "transport error resending the response (§17.2.4); "
			       "the peer is unreachable on its connection or address");
}

/* A retransmission of the request (§17.2.1, §17.2.2). */
static void retransmitted(struct sl_txn *t)
{
	switch (t->state) {
	case TS_PROCEEDING:	/* last provisional, if any */
	case TS_COMPLETED:	/* the final */
		resend(t);
		break;
	default:		/* Trying, Confirmed, Accepted: absorbed */
		break;
	}
}

/* The ACK of a 2xx reached an Accepted transaction (RFC 6026 §8.7). */
static void accepted_acked(struct sl_txn *t)
{
	t->acked = true;
	if (txn_reliable(t)) {
		txn_terminate(t);
		return;
	}
	/* stop retransmitting; keep absorbing INVITE retransmissions until L */
	txn_set_timers(t, 0, t->end, t->end_at);
}

/* An ACK with the INVITE's branch: the ACK of our non-2xx (§17.2.1). */
static void branch_ack(struct sl_txn *t, const struct sl_sip_msg *m, const struct sl_tp_peer *peer,
		       uint64_t now)
{
	struct sl_txl *l = t->l;

	switch (t->state) {
	case TS_COMPLETED:
		t->state = TS_CONFIRMED;
		if (txn_reliable(t))
			txn_terminate(t);	/* timer I = 0 */
		else
			txn_set_timers(t, 0, TE_I, now + l->cfg.t4_ms);
		break;
	case TS_ACCEPTED:
		/* a peer that reused the INVITE branch for the 2xx ACK */
		accepted_acked(t);
		if (l->ops.on_ack != NULL)
			l->ops.on_ack(l->ops.arg, m, peer);
		break;
	default:		/* Confirmed: absorbed; Proceeding: no final yet */
		break;
	}
}

static bool tag_eq(const struct sl_sip_addr *a, const char *tag)
{
	size_t n = strlen(tag);

	return a->has_tag && a->tag.n == n && memcmp(a->tag.p, tag, n) == 0;
}

/* The ACK of a 2xx is its own transaction: match it to the dialog. */
static void dialog_ack(struct sl_txl *l, const struct sl_sip_msg *m)
{
	for (struct sl_txn *t = txn_dlg_bucket(l, m->call_id); t != NULL; t = t->dnext) {
		if (t->state != TS_ACCEPTED || t->acked || !sl_sip_str_eq(t->k_callid, m->call_id) ||
		    t->k_cseq != m->cseq || !t->k_has_fromtag || !m->from.has_tag ||
		    !sl_sip_str_eq(t->k_fromtag, m->from.tag) || !tag_eq(&m->to, t->to_tag))
			continue;
		accepted_acked(t);
		return;
	}
}

static void new_request(struct sl_txl *l, const struct sl_sip_msg *m, const char *raw,
			size_t rawlen, const struct sl_tp_peer *peer)
{
	bool invite = sl_sip_str_ieq(m->method, "INVITE");
	struct sl_txn *t;

	/* bounded: beyond max_txns the request gets no transaction and no
	 * answer; the TU answers 503 statelessly beforehand (docs). */
	if (l->count >= l->cfg.max_txns)
		return;
	if (m->length > 0 && m->length < rawlen)
		rawlen = m->length;
	t = txn_alloc(l, invite ? SL_TXN_SERVER_INVITE : SL_TXN_SERVER_NONINVITE, raw, rawlen);
	if (t == NULL)
		return;
	t->peer = *peer;
	t->dest.proto = peer->proto;
	t->dest.conn_id = peer->proto == SL_TP_UDP ? 0 : peer->conn_id;
	t->dest.addr = peer->remote;
	t->dest.addrlen = peer->remote_len;
	t->state = invite ? TS_PROCEEDING : TS_TRYING;
	txn_link(t);
	if (l->ops.on_request != NULL)
		l->ops.on_request(l->ops.arg, t, t->msg, &t->peer);
}

void txn_server_input(struct sl_txl *l, const struct sl_sip_msg *m, const char *raw,
		      size_t rawlen, const struct sl_tp_peer *peer, uint64_t now)
{
	bool ack = sl_sip_str_ieq(m->method, "ACK");
	struct sl_txn *t;

	if (!usable(m)) {
		/* RFC 2543 peers (no magic cookie) are refused by the owner
		 * before this point; an ACK from one can only be a 2xx ACK. */
		if (ack && m->nvia > 0) {
			dialog_ack(l, m);
			if (l->ops.on_ack != NULL)
				l->ops.on_ack(l->ops.arg, m, peer);
		}
		return;
	}
	t = match(l, m, ack);
	if (t != NULL) {
		if (ack)
			branch_ack(t, m, peer, now);
		else
			retransmitted(t);
		return;
	}
	if (ack) {
		dialog_ack(l, m);
		if (l->ops.on_ack != NULL)
			l->ops.on_ack(l->ops.arg, m, peer);
		return;
	}
	if (raw == NULL)
		return;
	new_request(l, m, raw, rawlen, peer);
}

/* Copies the To tag of a 2xx (matched against the ACK's To tag). */
static int keep_to_tag(struct sl_txn *t, const struct sl_sip_msg *r)
{
	if (!r->to.has_tag) {
		t->to_tag[0] = '\0';
		return 0;
	}
	if (r->to.tag.n >= sizeof(t->to_tag))
		return -EINVAL;
	memcpy(t->to_tag, r->to.tag.p, r->to.tag.n);
	t->to_tag[r->to.tag.n] = '\0';
	return 0;
}

/* State change after a response was sent (§17.2.1, §17.2.2, RFC 6026). */
static void sent(struct sl_txn *t, int code, uint64_t now)
{
	struct sl_txl *l = t->l;
	uint64_t t1 = l->cfg.t1_ms;
	bool rel = txn_reliable(t);

	t->last_status = code;
	if (code < 200) {
		if (t->state == TS_TRYING)
			t->state = TS_PROCEEDING;
		return;
	}
	t->status = code;
	if (t->kind == SL_TXN_SERVER_NONINVITE) {
		t->state = TS_COMPLETED;
		if (rel)
			txn_terminate(t);		/* timer J = 0 */
		else
			txn_set_timers(t, 0, TE_J, now + 64 * t1);
		return;
	}
	t->retx_ms = l->cfg.t1_ms;
	t->state = code < 300 ? TS_ACCEPTED : TS_COMPLETED;
	/* 2xx: retransmitted until ACK, timer L; non-2xx: timer G, timer H */
	txn_set_timers(t, rel ? 0 : now + t1, code < 300 ? TE_L : TE_H, now + 64 * t1);
}

int sl_txn_respond(struct sl_txn *st, const char *buf, size_t len, uint64_t now_ms)
{
	struct sl_txl *l;
	const struct sl_sip_msg *r;
	int code, rc;

	if (st == NULL || buf == NULL || !is_server(st))
		return -EINVAL;
	if (st->state != TS_TRYING && st->state != TS_PROCEEDING)
		return -EINVAL;		/* a final was sent already */
	l = st->l;
	r = txn_parse_scratch(l, buf, len);
	/* a response to this request: same CSeq (§8.2.6.2), sane status */
	if (r == NULL || r->is_request || r->status < 100 || r->status > 699 ||
	    r->cseq != st->k_cseq || !sl_sip_str_eq(r->cseq_method, st->method))
		return -EINVAL;
	code = r->status;
	if (st->kind == SL_TXN_SERVER_INVITE && code >= 200 && code < 300 &&
	    keep_to_tag(st, r) < 0)
		return -EINVAL;
	rc = txn_keep_out(st, buf, len);
	if (rc < 0)
		return rc;
	txn_enter(l);
	rc = txn_send(st, buf, len);
	if (rc < 0)
		server_fail(st, "transport error sending the response (§17.2.4); "
				"the peer is unreachable on its connection or address");
	else
		sent(st, code, now_ms);
	if (code >= 200)
		txn_shrink(st);	/* matching keeps working on the copied keys */
	txn_leave(l);
	return rc;
}

void txn_server_timer(struct sl_txn *t, uint64_t now, bool retx)
{
	struct sl_txl *l = t->l;

	if (retx) {
		/* timer G (non-2xx) and the 2xx retransmission: double up to T2 */
		resend(t);
		if (t->state == TS_TERMINATED)
			return;
		t->retx_ms = t->retx_ms * 2 < l->cfg.t2_ms ? t->retx_ms * 2 : l->cfg.t2_ms;
		txn_set_timers(t, now + t->retx_ms, t->end, t->end_at);
		return;
	}
	switch (t->end) {
	case TE_H:
		server_fail(t, "no ACK for the non-2xx final response before timer H "
			       "(64*T1, §17.2.1); the peer is gone or cannot reach us");
		return;
	case TE_L:
		if (!t->acked) {
			server_fail(t, "no ACK for the 2xx before timer L (64*T1, RFC 6026); "
				       "end the dialog with BYE (§13.3.1.4)");
			return;
		}
		break;
	default:	/* I, J: the wait for retransmissions is over */
		break;
	}
	txn_terminate(t);
}
