/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One batch of packets through both implementations:
 *   1. generate plaintext RTP (or compound RTCP) for the batch's flows;
 *   2. protect it with ours (burst or one-packet API) and with libsrtp2;
 *      the two protected packets must be identical, bit for bit;
 *   3. hand libsrtp2's packet to our unprotect and ours to libsrtp2's, each
 *      preceded sometimes by a copy with one bit flipped (must fail
 *      authentication in both, and must not disturb the replay state) and
 *      followed sometimes by a replayed copy (must be refused by both).
 */
#include <string.h>

#include "interop.h"

enum { IN_TAMPERED, IN_GENUINE, IN_REPLAY, IN__COUNT };

struct slot {
	struct flow *f;
	struct pkt plain, ours, peer;
	struct pkt in_ours[IN__COUNT], in_peer[IN__COUNT];
	bool has_ours[IN__COUNT], has_peer[IN__COUNT];
	int rc_ours[IN__COUNT];
	srtp_err_status_t rc_peer[IN__COUNT];
	int prot_ours;
	srtp_err_status_t prot_peer;
	enum region reg;
	size_t bit;
};

static struct slot slots[MAX_BATCH];

/* ---- the two implementations behind one interface ---------------------- */

static int ours_protect(struct run *run, struct flow *f, struct pkt *p)
{
	if (run->rtcp)
		return sl_srtcp_protect(run->e, f->tx, p->b, &p->len, PKT_CAP);
	return sl_srtp_protect(run->e, f->tx, p->b, &p->len, PKT_CAP);
}

static int ours_unprotect(struct run *run, struct flow *f, struct pkt *p)
{
	if (run->rtcp)
		return sl_srtcp_unprotect(run->e, f->rx, p->b, &p->len);
	return sl_srtp_unprotect(run->e, f->rx, p->b, &p->len);
}

static srtp_err_status_t peer_protect(struct run *run, struct flow *f, struct pkt *p)
{
	int len = (int)p->len;
	unsigned use_mki = f->mki_len > 0;
	srtp_err_status_t st;

	if (run->rtcp)
		st = srtp_protect_rtcp_mki(f->ptx, p->b, &len, use_mki, f->active);
	else
		st = srtp_protect_mki(f->ptx, p->b, &len, use_mki, f->active);
	p->len = (size_t)len;
	return st;
}

static srtp_err_status_t peer_unprotect(struct run *run, struct flow *f, struct pkt *p)
{
	int len = (int)p->len;
	unsigned use_mki = f->mki_len > 0;
	srtp_err_status_t st;

	if (run->rtcp)
		st = srtp_unprotect_rtcp_mki(f->prx, p->b, &len, use_mki);
	else
		st = srtp_unprotect_mki(f->prx, p->b, &len, use_mki);
	p->len = (size_t)len;
	return st;
}

static void layout(struct run *run, const struct flow *f, const struct pkt *plain,
		   struct layout *l)
{
	if (run->rtcp)
		layout_rtcp(f, plain, l);
	else
		layout_rtp(f, plain, l);
}

/* ---- SRTCP index alignment --------------------------------------------- */

static uint32_t srtcp_index(struct run *run, const struct flow *f, const struct pkt *plain,
			    const struct pkt *prot)
{
	struct layout l;
	const uint8_t *b;

	layout(run, f, plain, &l);
	if (l.start[REG_INDEX] + 4 > prot->len)
		return 0xffffffffu;
	b = prot->b + l.start[REG_INDEX];
	return ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) &
	       0x7fffffffu;
}

/*
 * RFC 3711 §3.3.2 starts the SRTCP index at 0; libsrtp2 sends 1 first.
 * Neither side can be told the index to use next (srtp.h has no setter),
 * so before comparing SRTCP output bit for bit, protect throw-away packets
 * on the side that is behind until both will use the same index.
 */
static void rtcp_align(struct run *run, struct flow *f)
{
	struct pkt plain, a, b;
	uint32_t io, ip;

	f->rtcp_aligned = true;
	gen_rtcp(run->r, f, &plain);
	a = plain;
	b = plain;
	if (ours_protect(run, f, &a) != 0 || peer_protect(run, f, &b) != srtp_err_status_ok) {
		report(run->st, f, "SRTCP index alignment", "a protect failed");
		run->st->other++;
		return;
	}
	io = f->rtcp_first_ours = srtcp_index(run, f, &plain, &a);
	ip = f->rtcp_first_peer = srtcp_index(run, f, &plain, &b);
	for (int i = 0; i < 16 && io != ip; i++) {
		a = plain;
		b = plain;
		if (io < ip && ours_protect(run, f, &a) == 0)
			io = srtcp_index(run, f, &plain, &a);
		else if (ip < io && peer_protect(run, f, &b) == srtp_err_status_ok)
			ip = srtcp_index(run, f, &plain, &b);
	}
	if (io != ip) {
		report(run->st, f, "SRTCP index alignment",
		       "first index ours %u, libsrtp2 %u: cannot align", f->rtcp_first_ours,
		       f->rtcp_first_peer);
		run->st->other++;
	}
}

/* ---- protect ------------------------------------------------------------ */

static void protect_ours(struct run *run, unsigned n)
{
	struct sl_srtp_pkt bp[MAX_BATCH];

	for (unsigned i = 0; i < n; i++)
		slots[i].ours = slots[i].plain;
	if (!run->burst) {
		for (unsigned i = 0; i < n; i++)
			slots[i].prot_ours = ours_protect(run, slots[i].f, &slots[i].ours);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		bp[i] = (struct sl_srtp_pkt){ .stream = slots[i].f->tx, .data = slots[i].ours.b,
					      .len = (uint32_t)slots[i].ours.len, .cap = PKT_CAP,
					      .status = 1 };
	if (run->rtcp)
		sl_srtcp_protect_burst(run->e, bp, (uint16_t)n);
	else
		sl_srtp_protect_burst(run->e, bp, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		slots[i].prot_ours = bp[i].status;
		slots[i].ours.len = bp[i].len;
	}
}

static void protect_both(struct run *run, unsigned n)
{
	struct stats *st = run->st;
	const char *what = run->rtcp ? "SRTCP protect" : "SRTP protect";

	protect_ours(run, n);
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &slots[i];

		s->peer = s->plain;
		s->prot_peer = peer_protect(run, s->f, &s->peer);
		if (s->prot_ours != 0) {
			st->protect_fail_ours++;
			report(st, s->f, what, "ours failed: %d (%s), plaintext %zu octets, header %zu",
			       s->prot_ours, sl_srtp_strerror(s->prot_ours), s->plain.len,
			       s->plain.hdr_len);
			report_pkt(st, "plaintext", s->plain.b, s->plain.len);
		}
		if (s->prot_peer != srtp_err_status_ok) {
			st->protect_fail_peer++;
			report(st, s->f, what, "libsrtp2 failed: status %d", s->prot_peer);
		}
		if (s->prot_ours != 0 || s->prot_peer != srtp_err_status_ok)
			continue;
		st->compared++;
		if (s->ours.len != s->peer.len || memcmp(s->ours.b, s->peer.b, s->ours.len)) {
			st->mismatch++;
			report(st, s->f, what, "output differs from libsrtp2 (%zu vs %zu octets)",
			       s->ours.len, s->peer.len);
			report_pkt(st, "plaintext", s->plain.b, s->plain.len);
			report_pkt(st, "ours", s->ours.b, s->ours.len);
			report_pkt(st, "libsrtp2", s->peer.b, s->peer.len);
		}
	}
}

/* ---- unprotect ---------------------------------------------------------- */

/* Our receiver gets libsrtp2's packets and libsrtp2's receiver gets ours. */
static void prepare_inputs(struct run *run, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		bool tam = rng_chance(run->r, 6), rep = rng_chance(run->r, 10);
		bool po = s->prot_peer == srtp_err_status_ok, oo = s->prot_ours == 0;
		struct layout l;

		memset(s->has_ours, 0, sizeof(s->has_ours));
		memset(s->has_peer, 0, sizeof(s->has_peer));
		s->in_ours[IN_GENUINE] = s->peer;
		s->in_peer[IN_GENUINE] = s->ours;
		s->has_ours[IN_GENUINE] = po;
		/* where libsrtp2 fails on its own SRTCP, it cannot judge ours */
		if (run->rtcp && s->f->peer_rtcp_rx_broken)
			oo = false;
		s->has_peer[IN_GENUINE] = oo;
		s->in_ours[IN_REPLAY] = s->peer;
		s->in_peer[IN_REPLAY] = s->ours;
		s->has_ours[IN_REPLAY] = po && rep;
		s->has_peer[IN_REPLAY] = oo && rep;
		if (!tam)
			continue;
		layout(run, s->f, &s->plain, &l);
		s->in_ours[IN_TAMPERED] = s->peer;
		s->in_peer[IN_TAMPERED] = s->ours;
		s->reg = tamper(run->r, &l, s->in_ours[IN_TAMPERED].b, &s->bit);
		s->in_peer[IN_TAMPERED].b[s->bit / 8] ^= (uint8_t)(0x80 >> (s->bit % 8));
		s->has_ours[IN_TAMPERED] = po;
		s->has_peer[IN_TAMPERED] = oo;
	}
}

static void unprotect_ours(struct run *run, unsigned n)
{
	struct sl_srtp_pkt bp[MAX_BATCH * IN__COUNT];
	struct pkt *src[MAX_BATCH * IN__COUNT];
	int *rc[MAX_BATCH * IN__COUNT];
	uint16_t m = 0;

	for (unsigned i = 0; i < n; i++) {
		for (int k = 0; k < IN__COUNT; k++) {
			struct slot *s = &slots[i];

			if (!s->has_ours[k])
				continue;
			if (!run->burst) {
				s->rc_ours[k] = ours_unprotect(run, s->f, &s->in_ours[k]);
				continue;
			}
			src[m] = &s->in_ours[k];
			rc[m] = &s->rc_ours[k];
			bp[m] = (struct sl_srtp_pkt){ .stream = s->f->rx, .data = src[m]->b,
						      .len = (uint32_t)src[m]->len, .cap = PKT_CAP,
						      .status = 1 };
			m++;
		}
	}
	if (!run->burst || m == 0)
		return;
	if (run->rtcp)
		sl_srtcp_unprotect_burst(run->e, bp, m);
	else
		sl_srtp_unprotect_burst(run->e, bp, m);
	for (uint16_t j = 0; j < m; j++) {
		*rc[j] = bp[j].status;
		src[j]->len = bp[j].len;
	}
}

static void unprotect_peer(struct run *run, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (int k = 0; k < IN__COUNT; k++)
			if (slots[i].has_peer[k])
				slots[i].rc_peer[k] = peer_unprotect(run, slots[i].f,
								     &slots[i].in_peer[k]);
}

/* ---- verdicts ----------------------------------------------------------- */

static bool same(const struct pkt *a, const struct pkt *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* What our unprotect must return for a packet with one bit flipped. 1 means
 * "any error" (header and E||index flips may be caught by a parser, the
 * SSRC check or the replay check before the tag is looked at). */
static int expect_ours(const struct slot *s, struct layout *l)
{
	switch (s->reg) {
	case REG_PAYLOAD:
	case REG_TAG:
		return -SL_SRTP_ERR_AUTH;
	case REG_MKI:
		return mki_known(s->f, s->in_ours[IN_TAMPERED].b + l->start[REG_MKI]) ?
		       -SL_SRTP_ERR_AUTH : -SL_SRTP_ERR_MKI;
	default:
		return 1;
	}
}

static void judge_tamper(struct run *run, struct slot *s)
{
	struct stats *st = run->st;
	struct layout l;
	int exp;

	layout(run, s->f, &s->plain, &l);
	exp = expect_ours(s, &l);
	st->tamper++;
	if (s->has_ours[IN_TAMPERED]) {
		int rc = s->rc_ours[IN_TAMPERED];

		if (rc == 0) {
			st->tamper_accepted++;
			report(st, s->f, "tamper", "ours ACCEPTED a packet with bit %zu (%s) flipped",
			       s->bit, region_names[s->reg]);
		} else if (exp != 1 && rc != exp) {
			st->tamper_wrong_code++;
			report(st, s->f, "tamper", "ours returned %d (%s) for a flipped %s bit, expected %s",
			       rc, sl_srtp_strerror(rc), region_names[s->reg], sl_srtp_strerror(exp));
		}
	}
	if (s->has_peer[IN_TAMPERED]) {
		srtp_err_status_t pr = s->rc_peer[IN_TAMPERED];
		bool ok_code = exp == 1 || pr == srtp_err_status_auth_fail ||
			       (s->reg == REG_MKI && pr == srtp_err_status_bad_mki);

		if (pr == srtp_err_status_ok) {
			st->tamper_accepted++;
			report(st, s->f, "tamper", "libsrtp2 accepted our packet with bit %zu (%s) flipped",
			       s->bit, region_names[s->reg]);
		} else if (!ok_code) {
			st->tamper_wrong_code++;
			report(st, s->f, "tamper", "libsrtp2 returned status %d for a flipped %s bit",
			       pr, region_names[s->reg]);
		}
	}
}

static void judge_replay(struct run *run, struct slot *s)
{
	struct stats *st = run->st;

	st->replay++;
	/* a replay is only meaningful after the genuine packet was accepted */
	if (s->has_ours[IN_REPLAY] && s->rc_ours[IN_GENUINE] == 0 &&
	    s->rc_ours[IN_REPLAY] != -SL_SRTP_ERR_REPLAY) {
		if (s->rc_ours[IN_REPLAY] == 0)
			st->replay_accepted++;
		else
			st->other++;
		report(st, s->f, "replay", "ours returned %d (%s) for a replayed packet, expected REPLAY",
		       s->rc_ours[IN_REPLAY], sl_srtp_strerror(s->rc_ours[IN_REPLAY]));
	}
	if (s->has_peer[IN_REPLAY] && s->rc_peer[IN_GENUINE] == srtp_err_status_ok &&
	    s->rc_peer[IN_REPLAY] != srtp_err_status_replay_fail) {
		if (s->rc_peer[IN_REPLAY] == srtp_err_status_ok)
			st->replay_accepted++;
		else
			st->other++;
		report(st, s->f, "replay", "libsrtp2 returned status %d for our replayed packet",
		       s->rc_peer[IN_REPLAY]);
	}
}

static void judge(struct run *run, unsigned n)
{
	struct stats *st = run->st;

	for (unsigned i = 0; i < n; i++) {
		struct slot *s = &slots[i];

		if (s->has_ours[IN_GENUINE] && (s->rc_ours[IN_GENUINE] != 0 ||
						 !same(&s->in_ours[IN_GENUINE], &s->plain))) {
			st->peer_to_ours_fail++;
			report(st, s->f, "libsrtp2 -> ours",
			       "unprotect returned %d (%s)%s; %s API, %s%s%s, key %u of %u, %s",
			       s->rc_ours[IN_GENUINE], sl_srtp_strerror(s->rc_ours[IN_GENUINE]),
			       s->rc_ours[IN_GENUINE] ? "" : " but the packet differs",
			       run->burst ? "burst" : "one-packet",
			       s->has_ours[IN_TAMPERED] ? "after a copy with a flipped " : "no tampered copy",
			       s->has_ours[IN_TAMPERED] ? region_names[s->reg] : "",
			       s->has_ours[IN_TAMPERED] ? " bit" : "", s->f->active, s->f->nkeys,
			       run->rtcp ? "SRTCP" : "SRTP");
			if (s->has_ours[IN_TAMPERED])
				report_pkt(st, "tampered copy", s->in_ours[IN_TAMPERED].b,
					   s->in_ours[IN_TAMPERED].len);
			report_pkt(st, "libsrtp2 packet", s->peer.b, s->peer.len);
		}
		if (s->has_peer[IN_GENUINE] && (s->rc_peer[IN_GENUINE] != srtp_err_status_ok ||
						 !same(&s->in_peer[IN_GENUINE], &s->plain))) {
			st->ours_to_peer_fail++;
			report(st, s->f, "ours -> libsrtp2", "libsrtp2 unprotect status %d%s",
			       s->rc_peer[IN_GENUINE],
			       s->rc_peer[IN_GENUINE] ? "" : " but the packet differs");
			report_pkt(st, "our packet", s->ours.b, s->ours.len);
		}
		if (s->has_ours[IN_TAMPERED] || s->has_peer[IN_TAMPERED])
			judge_tamper(run, s);
		if (s->has_ours[IN_REPLAY] || s->has_peer[IN_REPLAY])
			judge_replay(run, s);
	}
}

void run_batch(struct run *run, struct flow **flows, unsigned n)
{
	if (n > MAX_BATCH)
		n = MAX_BATCH;
	for (unsigned i = 0; i < n; i++) {
		if (run->rtcp && !flows[i]->rtcp_aligned)
			rtcp_align(run, flows[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		slots[i].f = flows[i];
		if (run->rtcp) {
			gen_rtcp(run->r, flows[i], &slots[i].plain);
			run->st->rtcp++;
		} else {
			gen_rtp(run->r, flows[i], &slots[i].plain);
			run->st->rtp++;
		}
	}
	protect_both(run, n);
	prepare_inputs(run, n);
	unprotect_ours(run, n);
	unprotect_peer(run, n);
	judge(run, n);
}
