/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registrar (RFC 3261 §10.3). Bindings live in memory in the sip child and
 * are mirrored to the store by the parent (SL_CP_REG_PUT/DEL), where
 * `shieldlockctl registrations` reads them. A binding remembers the
 * connection it was registered over: requests to the phone go back over it
 * (RFC 3261 §18.2.2, the RFC 5626 idea without its outbound tokens); when
 * that TCP/TLS connection closes the binding is removed, and the phone
 * registers again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sipd.h"

/* Bindings per address of record (each is one Contact in the 200, and the
 * parser takes at most SL_SIP_MAX_CONTACT of them). */
#define MAX_BINDINGS_PER_AOR 10

static void to_reg(const struct binding *b, struct sl_registration *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->user, sizeof(r->user), "%s", b->user);
	snprintf(r->contact, sizeof(r->contact), "%s", b->contact);
	snprintf(r->device, sizeof(r->device), "%s", b->device);
	snprintf(r->transport, sizeof(r->transport), "%s",
		 b->proto == SL_TP_TLS ? "tls" : b->proto == SL_TP_TCP ? "tcp" : "udp");
	sl_tp_addr_str(&b->src, r->source, sizeof(r->source));
	snprintf(r->user_agent, sizeof(r->user_agent), "%s", b->user_agent);
	r->registered = b->registered;
	r->expires = b->expires;
}

static void drop(struct sipd *s, struct binding **pp, const char *why)
{
	struct binding *b = *pp;
	struct sl_registration r;
	to_reg(b, &r);
	sipd_to_parent(s, SL_CP_REG_DEL, &r, sizeof(r));
	log_info("registration of '%s' at %s removed: %s", b->user, b->contact, why);
	*pp = b->next;
	free(b);
}

const struct binding *sipd_binding_for(struct sipd *s, const char *user, size_t n)
{
	const struct binding *best = NULL;
	for (const struct binding *b = s->bindings; b; b = b->next)
		if (strlen(b->user) == n && !memcmp(b->user, user, n) &&
		    (!best || b->registered > best->registered))
			best = b;	/* the most recent registration */
	return best;
}

void sipd_bindings_expire(struct sipd *s, int64_t now)
{
	for (struct binding **pp = &s->bindings; *pp;) {
		if ((*pp)->expires <= now)
			drop(s, pp, "expired");
		else
			pp = &(*pp)->next;
	}
}

void sipd_bindings_conn_closed(struct sipd *s, uint64_t conn_id)
{
	for (struct binding **pp = &s->bindings; *pp;) {
		if ((*pp)->conn_id == conn_id && (*pp)->proto != SL_TP_UDP)
			drop(s, pp, "its connection closed");
		else
			pp = &(*pp)->next;
	}
}

void sipd_bindings_free(struct sipd *s)
{
	while (s->bindings) {
		struct binding *b = s->bindings;
		s->bindings = b->next;
		free(b);
	}
}

static void header_value(const struct sl_sip_msg *m, const char *name, char *out, size_t len)
{
	out[0] = '\0';
	for (unsigned i = 0; i < m->nhdr; i++)
		if (sl_sip_str_ieq(m->hdr[i].name, name)) {
			snprintf(out, len, "%.*s", (int)m->hdr[i].value.n, m->hdr[i].value.p);
			return;
		}
}

void sipd_register(struct sipd *s, struct sl_txn *st, const struct sl_sip_msg *m,
		   const struct sl_tp_peer *peer)
{
	char tag[24], extra[MAX_BINDINGS_PER_AOR * 300];
	sl_sip_new_tag(tag);
	const struct dir_user *du = NULL;
	if (sipd_authenticate(s, st, m, peer, &du) != AUTHN_OK)
		return;
	/* §10.3 step 6: the authenticated user may change only its own AOR */
	if (!sl_sip_str_eqz(m->to.uri.user, du->u.name)) {
		log_notice("user '%s' tried to register '%.*s': refused", du->u.name,
			   (int)m->to.uri.user.n, m->to.uri.user.p);
		sipd_respond(s, st, 403, "Not Your Address Of Record", tag, NULL, NULL, NULL, 0);
		return;
	}
	int mode;
	const char *device, *why = "";
	int code = sipd_check_device(s, du->u.name, peer, &mode, &device, &why);
	if (code) {
		char a[80];
		sl_tp_addr_str(&peer->remote, a, sizeof(a));
		log_notice("REGISTER of '%s' from %s over %s refused: %s", du->u.name, a,
			   sl_tp_proto_name(peer->proto), why);
		sipd_respond(s, st, code, "Security Policy Violation", tag, NULL, NULL, NULL, 0);
		return;
	}
	int64_t now = sipd_now_s();
	if (m->contact_star) {	/* §10.3 step 6: "*" only with Expires: 0 */
		if (m->expires != 0 || m->ncontact) {
			sipd_respond(s, st, 400, "Contact * Needs Expires 0", tag, NULL, NULL, NULL, 0);
			return;
		}
		for (struct binding **pp = &s->bindings; *pp;) {
			if (!strcmp((*pp)->user, du->u.name))
				drop(s, pp, "unregistered (*)");
			else
				pp = &(*pp)->next;
		}
		sipd_respond(s, st, 200, NULL, tag, NULL, NULL, NULL, 0);
		return;
	}
	/* Check every contact's expiry first: 423 changes nothing (§10.3 step 7). */
	for (unsigned i = 0; i < m->ncontact; i++) {
		int64_t e = m->contact[i].expires >= 0 ? m->contact[i].expires :
			    m->expires >= 0 ? m->expires : s->conf.reg_default_expires;
		if (e > 0 && e < s->conf.reg_min_expires) {
			snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", s->conf.reg_min_expires);
			sipd_respond(s, st, 423, NULL, tag, extra, NULL, NULL, 0);
			return;
		}
	}
	/* a bounded number of bindings per AOR: a phone cannot grow us without limit */
	unsigned have = 0, adding = 0;
	for (struct binding *b = s->bindings; b; b = b->next)
		if (!strcmp(b->user, du->u.name))
			have++;
	for (unsigned i = 0; i < m->ncontact; i++) {
		char uri[256];
		snprintf(uri, sizeof(uri), "%.*s", (int)m->contact[i].uri.raw.n, m->contact[i].uri.raw.p);
		bool known = false;
		for (struct binding *b = s->bindings; b && !known; b = b->next)
			known = !strcmp(b->user, du->u.name) && !strcmp(b->contact, uri);
		if (!known)
			adding++;
	}
	if (have + adding > MAX_BINDINGS_PER_AOR) {
		log_notice("REGISTER of '%s' refused: %u bindings would exceed the limit of %u",
			   du->u.name, have + adding, MAX_BINDINGS_PER_AOR);
		sipd_respond(s, st, 403, "Too Many Bindings", tag, NULL, NULL, NULL, 0);
		return;
	}
	char ua[128];
	header_value(m, "User-Agent", ua, sizeof(ua));
	for (unsigned i = 0; i < m->ncontact; i++) {
		const struct sl_sip_addr *c = &m->contact[i];
		int64_t e = c->expires >= 0 ? c->expires :
			    m->expires >= 0 ? m->expires : s->conf.reg_default_expires;
		if (e > s->conf.reg_max_expires)
			e = s->conf.reg_max_expires;
		char uri[256];
		snprintf(uri, sizeof(uri), "%.*s", (int)c->uri.raw.n, c->uri.raw.p);
		struct binding **pp = &s->bindings;
		for (; *pp; pp = &(*pp)->next)
			if (!strcmp((*pp)->user, du->u.name) && !strcmp((*pp)->contact, uri))
				break;
		if (e == 0) {
			if (*pp)
				drop(s, pp, "unregistered");
			continue;
		}
		struct binding *b = *pp;
		bool fresh = !b;
		if (!b) {
			b = calloc(1, sizeof(*b));
			if (!b) {
				sipd_respond(s, st, 500, "Out Of Memory", tag, NULL, NULL, NULL, 0);
				return;
			}
			b->next = s->bindings;
			s->bindings = b;
			snprintf(b->user, sizeof(b->user), "%s", du->u.name);
			snprintf(b->contact, sizeof(b->contact), "%s", uri);
			b->registered = now;
		}
		snprintf(b->user_agent, sizeof(b->user_agent), "%s", ua);
		snprintf(b->device, sizeof(b->device), "%s", device ? device : "");
		b->mode = mode;
		b->proto = peer->proto;
		b->conn_id = peer->conn_id;
		b->src = peer->remote;
		b->srclen = peer->remote_len;
		b->tls_verified = peer->cert_verified;
		sipd_host_of(&peer->local, b->local_host, sizeof(b->local_host));
		b->expires = now + e;
		struct sl_registration r;
		to_reg(b, &r);
		sipd_to_parent(s, SL_CP_REG_PUT, &r, sizeof(r));
		if (fresh)
			log_info("registered '%s' at %s over %s (device %s, %s), expires in %lld s",
				 b->user, b->contact, sl_tp_proto_name(b->proto),
				 device ? device : "-", sl_sec_mode_name(mode), (long long)e);
	}
	/* 200 lists every current binding of the AOR (§10.3 step 8) */
	size_t off = 0;
	extra[0] = '\0';
	for (struct binding *b = s->bindings; b; b = b->next) {
		if (strcmp(b->user, du->u.name))
			continue;
		int n = snprintf(extra + off, sizeof(extra) - off, "Contact: <%s>;expires=%lld\r\n",
				 b->contact, (long long)(b->expires - now));
		if (n < 0 || (size_t)n >= sizeof(extra) - off) {
			extra[off] = '\0';	/* never a partial header */
			break;
		}
		off += (size_t)n;
	}
	sipd_respond(s, st, 200, NULL, tag, extra, NULL, NULL, 0);
}
