/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow specs from the control socket: field checks and SRTP stream setup.
 *
 * Every check names the field it refused (docs/dp-control.md, "FLOW_ADD"),
 * so shieldlockctl can show the operator what to fix. Streams are created
 * on the control thread's own engine instance (dp->ctl_engine), an instance
 * of the same engine type the workers use: sessions made by one instance
 * are usable by every instance of that type (hw/engine.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flowtab.h"

static const char *const action_names[SL_DP_ACT__COUNT] = {
	"drop", "forward", "srtp-protect", "srtp-unprotect", "srtp-rekey",
};

bool dp_flow_action_uses(uint8_t action, bool inbound)
{
	switch (action) {
	case SL_DP_ACT_PROTECT:   return !inbound;
	case SL_DP_ACT_UNPROTECT: return inbound;
	case SL_DP_ACT_REKEY:     return true;
	default:                  return false;
	}
}

int dp_fail(char *msg, size_t msglen, int code, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -code;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

static bool port_known(const struct dp *dp, uint16_t id)
{
	for (unsigned i = 0; i < dp->nports; i++)
		if (dp->port[i].id == id)
			return true;
	return false;
}

/* IPv4 addresses live in the first 4 bytes; the rest must be zero. */
static int check_addr(uint8_t ipver, const uint8_t a[16], const char *field,
		      char *msg, size_t msglen)
{
	if (ipver == 4 && !all_zero(a + 4, 12))
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s: IPv4 address with non-zero bytes 4..15 (IPv4 uses the first 4 bytes only)",
			    field);
	return 0;
}

static int check_match(const struct dp *dp, const struct sl_dp_flow_match *m,
		       char *msg, size_t msglen)
{
	int rc;

	if (!port_known(dp, m->in_port))
		return dp_fail(msg, msglen, SL_DP_E_PORT,
			    "match.in_port: %u names no port of this data plane (see STATUS for its ports)",
			    m->in_port);
	if (m->ip_version != 4 && m->ip_version != 6)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "match.ip_version: %u is neither 4 nor 6", m->ip_version);
	if (m->flags & ~SL_DP_MATCH_ANY_SRC)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "match.flags: unknown bits 0x%x (only any-src = 0x1 is defined)",
			    m->flags & ~SL_DP_MATCH_ANY_SRC);
	if (m->dport == 0)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "match.dport: 0 is not a UDP destination port");
	if ((rc = check_addr(m->ip_version, m->dst, "match.dst", msg, msglen)))
		return rc;
	if (!(m->flags & SL_DP_MATCH_ANY_SRC)) {
		if ((rc = check_addr(m->ip_version, m->src, "match.src", msg, msglen)))
			return rc;
	}
	return 0;
}

static int check_rewrite(const struct sl_dp_rewrite *rw, uint8_t ipver, char *msg, size_t msglen)
{
	int rc;

	if (rw->flags & ~(SL_DP_RW_IP | SL_DP_RW_ETH))
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "rewrite.flags: unknown bits 0x%x (ip = 0x1, eth = 0x2)",
			    rw->flags & ~(SL_DP_RW_IP | SL_DP_RW_ETH));
	if (!(rw->flags & SL_DP_RW_IP))
		return 0;
	/* The rewrite keeps the packet's IP version (dp_proto.h). */
	if ((rc = check_addr(ipver, rw->src, "rewrite.src", msg, msglen)) ||
	    (rc = check_addr(ipver, rw->dst, "rewrite.dst", msg, msglen)))
		return rc;
	if (rw->sport == 0 || rw->dport == 0)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "rewrite.%s: 0 is not a UDP port (an IP rewrite sets both ports)",
			    rw->sport == 0 ? "sport" : "dport");
	return 0;
}

static bool pow2(unsigned x)
{
	return x && !(x & (x - 1));
}

/* One direction's SRTP context; name is "in" or "out". */
static int check_srtp(const struct sl_dp_srtp *s, const char *name, char *msg, size_t msglen)
{
	const unsigned known = SL_DP_SRTP_SSRC_SET | SL_DP_SRTP_UNENCRYPTED_SRTP |
			       SL_DP_SRTP_UNENCRYPTED_SRTCP | SL_DP_SRTP_UNAUTHENTICATED;

	if (s->suite >= SL_SUITE__COUNT)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.suite: %u is no SRTP suite (0..%d, see dataplane/srtp/srtp.h)",
			    name, s->suite, SL_SUITE__COUNT - 1);
	if (s->nkeys < 1 || s->nkeys > SL_DP_MAX_KEYS)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.nkeys: %u, must be 1..%d master keys", name, s->nkeys, SL_DP_MAX_KEYS);
	if (s->mki_len > 4)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.mki_len: %u, must be 0 (no MKI) or 1..4 bytes", name, s->mki_len);
	if (s->nkeys > 1 && s->mki_len == 0)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.mki_len: %u master keys need an MKI to tell them apart (RFC 3711 §3.1)",
			    name, s->nkeys);
	if (s->active_key >= s->nkeys)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.active_key: %u, must be below nkeys (%u)", name, s->active_key, s->nkeys);
	if (s->replay_window != 0 &&
	    (!pow2(s->replay_window) || s->replay_window < 64 || s->replay_window > 32768))
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.replay_window: %u, must be 0 (the data plane's default) or a power of two 64..32768",
			    name, s->replay_window);
	if (s->flags & ~known)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "%s.flags: unknown bits 0x%x", name, s->flags & ~known);
	return 0;
}

int dp_flow_spec_check(const struct dp *dp, const struct sl_dp_flow_spec *spec,
		       char *msg, size_t msglen)
{
	const struct sl_dp_srtp *ctx[2] = { &spec->in, &spec->out };
	const char *name[2] = { "in", "out" };
	int rc;

	if (spec->action >= SL_DP_ACT__COUNT)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "action: %u is no action (0 drop, 1 forward, 2 srtp-protect, 3 srtp-unprotect, 4 srtp-rekey)",
			    spec->action);
	if (spec->flags & ~SL_DP_FLOW_LATCH)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "flags: unknown bits 0x%x (only latch = 0x1 is defined)",
			    spec->flags & ~SL_DP_FLOW_LATCH);
	if ((rc = check_match(dp, &spec->match, msg, msglen)))
		return rc;
	if (spec->action != SL_DP_ACT_DROP && !port_known(dp, spec->out_port))
		return dp_fail(msg, msglen, SL_DP_E_PORT,
			    "out_port: %u names no port of this data plane (see STATUS for its ports)",
			    spec->out_port);
	if (spec->worker != 0xffff && spec->worker >= dp->nworkers)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "worker: %u, this data plane has %u worker(s) (0..%u, or 0xffff to let it choose)",
			    spec->worker, dp->nworkers, dp->nworkers ? dp->nworkers - 1 : 0);
	if ((rc = check_rewrite(&spec->rewrite, spec->match.ip_version, msg, msglen)))
		return rc;
	for (int i = 0; i < 2; i++) {
		bool used = dp_flow_action_uses(spec->action, i == 0);

		if (!used) {
			/* Fail closed: keys the action would ignore are a
			 * caller's mistake (wrong action?), not something to drop. */
			if (!all_zero(ctx[i], sizeof(*ctx[i])))
				return dp_fail(msg, msglen, SL_DP_E_INVAL,
					    "%s: action %s takes no %s SRTP context; leave it all zero",
					    name[i], action_names[spec->action],
					    i == 0 ? "inbound" : "outbound");
			continue;
		}
		if ((rc = check_srtp(ctx[i], name[i], msg, msglen)))
			return rc;
	}
	return 0;
}

static void to_policy(const struct sl_dp_srtp *s, bool inbound, uint16_t default_window,
		      struct sl_srtp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->suite = s->suite;
	p->dir = inbound ? SL_SRTP_INBOUND : SL_SRTP_OUTBOUND;
	p->nkeys = s->nkeys;
	p->mki_len = s->mki_len;
	for (unsigned i = 0; i < s->nkeys && i < SL_SRTP_MAX_KEYS; i++) {
		memcpy(p->keys[i].key, s->keys[i].key, sizeof(p->keys[i].key));
		memcpy(p->keys[i].salt, s->keys[i].salt, sizeof(p->keys[i].salt));
		memcpy(p->keys[i].mki, s->keys[i].mki, sizeof(p->keys[i].mki));
		p->keys[i].lifetime = s->keys[i].lifetime;
	}
	p->ssrc = s->ssrc;
	p->ssrc_set = s->flags & SL_DP_SRTP_SSRC_SET;
	p->roc = s->roc;
	p->replay_window = s->replay_window ? s->replay_window : default_window;
	p->kdr = 0;
	p->unencrypted_srtp = s->flags & SL_DP_SRTP_UNENCRYPTED_SRTP;
	p->unencrypted_srtcp = s->flags & SL_DP_SRTP_UNENCRYPTED_SRTCP;
	p->unauthenticated_srtp = s->flags & SL_DP_SRTP_UNAUTHENTICATED;
}

int dp_flow_stream_create(struct dp *dp, const struct sl_dp_srtp *s, bool inbound,
			  struct sl_srtp_stream **out, char *msg, size_t msglen)
{
	struct sl_srtp_policy pol;
	char why[160] = "";
	int err = 0, rc = 0;

	to_policy(s, inbound, dp->cfg.replay_window, &pol);
	*out = sl_srtp_stream_create(dp->ctl_engine, &pol, &err, why, sizeof(why));
	sl_srtp_policy_wipe(&pol);
	if (!*out) {
		rc = err == -SL_SRTP_ERR_NOMEM ? SL_DP_E_NOMEM : SL_DP_E_CRYPTO;
		dp_fail(msg, msglen, rc, "%s: SRTP context refused: %s", inbound ? "in" : "out",
		     why[0] ? why : sl_srtp_strerror(err));
		return -rc;
	}
	/* The policy names the key used to protect; index 0 is the default. */
	if (!inbound && s->active_key &&
	    sl_srtp_stream_set_active_key(*out, s->active_key) != 0) {
		sl_srtp_stream_free(dp->ctl_engine, *out);
		*out = NULL;
		return dp_fail(msg, msglen, SL_DP_E_CRYPTO,
			    "out.active_key: %u refused by the SRTP core", s->active_key);
	}
	return 0;
}
