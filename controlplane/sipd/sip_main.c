/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sip child's event loop: parent messages (configuration, directory
 * snapshots, TLS reloads), transports, the transaction layer and the
 * dispatch of requests to the registrar and the B2BUA.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "cpmsg.h"
#include "log.h"
#include "sipd.h"

/* Each transaction keeps a parsed request (~44 KB): 8192 is ~370 MB at worst. */
#define TXN_MAX 8192

static struct sl_sip_msg *g_msg;	/* parse buffer (the struct is ~30 KB) */

uint64_t sipd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t sipd_now_s(void)
{
	return (int64_t)time(NULL);
}

void sipd_to_parent(struct sipd *s, unsigned type, const void *body, size_t len)
{
	int rc = sl_cp_send(s->parent_fd, type, body, len);
	if (rc < 0)
		sl_fatal("lost the parent process (%s)", strerror(-rc));
}

/* ---- transaction layer glue ---- */

static int op_send(void *arg, const struct sl_txn_dest *d, const char *buf, size_t len)
{
	struct sipd *s = arg;
	char err[160];
	uint64_t nid = 0;
	int rc = sl_tp_send(s->tp, d->proto, d->conn_id, &d->addr, d->addrlen, buf, len, &nid,
			    err, sizeof(err));
	if (rc == 0 && nid && d->conn_id == 0)
		sipd_calls_conn_opened(s, d, nid);
	if (rc < 0)
		log_info("send failed: %s", err);
	if (sl_log_get_level() >= SL_LOG_DEBUG)
		log_debug("sent %zu bytes over %s: %.*s", len, sl_tp_proto_name(d->proto),
			  (int)(memchr(buf, '\r', len) ? (const char *)memchr(buf, '\r', len) - buf
						       : (long)len), buf);
	return rc;
}

static void op_request(void *arg, struct sl_txn *st, const struct sl_sip_msg *m,
		       const struct sl_tp_peer *peer)
{
	struct sipd *s = arg;
	bool to_tag = m->to.has_tag;
	if (sl_sip_str_ieq(m->method, "REGISTER")) {
		sipd_register(s, st, m, peer);
	} else if (sl_sip_str_ieq(m->method, "INVITE") && !to_tag) {
		sipd_invite(s, st, m, peer);
	} else if (sl_sip_str_ieq(m->method, "CANCEL")) {
		sipd_cancel(s, st, m, peer);
	} else if (to_tag) {
		if (!sipd_in_dialog(s, st, m, peer)) {
			char tag[24];
			sl_sip_new_tag(tag);
			/* §12.2.2: no such dialog */
			sipd_respond(s, st, 481, NULL, tag, NULL, NULL, NULL, 0);
		}
	} else if (sl_sip_str_ieq(m->method, "OPTIONS")) {
		/* keepalive / capability query: answered, never challenged */
		char tag[24];
		sl_sip_new_tag(tag);
		sipd_respond(s, st, 200, NULL, tag,
			     "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER\r\n"
			     "Accept: application/sdp\r\n", NULL, NULL, 0);
	} else if (sl_sip_str_ieq(m->method, "BYE")) {
		char tag[24];
		sl_sip_new_tag(tag);
		sipd_respond(s, st, 481, NULL, tag, NULL, NULL, NULL, 0);
	} else {
		char tag[24];
		sl_sip_new_tag(tag);
		sipd_respond(s, st, 405, NULL, tag,
			     "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER\r\n", NULL, NULL, 0);
	}
}

static void op_ack(void *arg, const struct sl_sip_msg *m, const struct sl_tp_peer *peer)
{
	sipd_ack(arg, m, peer);
}

static void op_response(void *arg, struct sl_txn *ct, const struct sl_sip_msg *r,
			const struct sl_tp_peer *peer)
{
	(void)peer;
	sipd_client_response(arg, ct, r);
}

static void op_stray(void *arg, const struct sl_sip_msg *r, const struct sl_tp_peer *peer)
{
	(void)arg;
	(void)peer;
	log_debug("stray response %d %.*s ignored", r->status, (int)r->cseq_method.n,
		  r->cseq_method.p);
}

static void op_client_error(void *arg, struct sl_txn *ct, int code)
{
	sipd_client_error(arg, ct, code);
}

static void op_server_error(void *arg, struct sl_txn *st, const char *why)
{
	(void)arg;
	(void)st;
	log_info("server transaction failed: %s", why);
}

static void op_free(void *arg, struct sl_txn *t)
{
	sipd_txn_freed(arg, t);
}

/* ---- transport glue ---- */

static const char *const accept_types[] = { "application/sdp" };

/*
 * RFC 3261 §18.2.1 and RFC 3581 §4: the server notes in the top Via where
 * the request really came from -- received=<source IP> when it differs from
 * the sent-by host (always, when rport is asked for) and rport=<source
 * port> when the client asked for it -- so responses reach phones behind
 * NAT and tell them their public address. Returns a rewritten copy (free
 * it) or NULL when nothing changes.
 */
static char *annotate_via(const struct sl_sip_msg *m, const char *raw, size_t len,
			  const struct sl_tp_peer *peer, size_t *outlen)
{
	if (!m->nvia)
		return NULL;
	const struct sl_sip_via *v = &m->via[0];
	char ip[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;
	if (peer->remote.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&peer->remote;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (peer->remote.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&peer->remote;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	} else {
		return NULL;
	}
	struct sl_sip_str host = v->host;
	if (host.n >= 2 && host.p[0] == '[') {
		host.p++;
		host.n -= 2;
	}
	bool need_rport = v->rport == 0;
	bool need_received = (need_rport || strlen(ip) != host.n ||
			      strncasecmp(ip, host.p, host.n) != 0) && !v->received.n;
	if (!need_rport && !need_received)
		return NULL;
	const char *eol = memmem(raw, len, "\r\n", 2);
	if (!eol)
		return NULL;
	size_t cap = len + 128;
	for (unsigned i = 0; i < m->nhdr; i++)
		cap += m->hdr[i].name.n + m->hdr[i].value.n + 4;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t n = (size_t)(eol - raw) + 2;
	memcpy(out, raw, n);
	bool done = false;
	for (unsigned i = 0; i < m->nhdr; i++) {
		const struct sl_sip_header *h = &m->hdr[i];
		n += (size_t)snprintf(out + n, cap - n, "%.*s: ", (int)h->name.n, h->name.p);
		if (h->id != SL_SIP_H_VIA || done) {
			n += (size_t)snprintf(out + n, cap - n, "%.*s\r\n", (int)h->value.n, h->value.p);
			continue;
		}
		done = true;
		/* the first Via value ends at the first comma outside quotes */
		size_t e = 0;
		bool q = false;
		for (; e < h->value.n; e++) {
			if (h->value.p[e] == '"')
				q = !q;
			else if (h->value.p[e] == ',' && !q)
				break;
		}
		const char *p = h->value.p;
		size_t k = 0;
		while (k < e) {
			/* copy, turning a valueless ";rport" into ";rport=PORT" */
			if (need_rport && p[k] == ';') {
				size_t j = k + 1;
				while (j < e && (p[j] == ' ' || p[j] == '\t'))
					j++;
				if (e - j >= 5 && !strncasecmp(p + j, "rport", 5) &&
				    (j + 5 == e || strchr("; \t", p[j + 5]))) {
					n += (size_t)snprintf(out + n, cap - n, ";rport=%u", port);
					k = j + 5;
					continue;
				}
			}
			out[n++] = p[k++];
		}
		while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
			n--;
		if (need_received)
			n += (size_t)snprintf(out + n, cap - n, ";received=%s", ip);
		n += (size_t)snprintf(out + n, cap - n, "%.*s\r\n", (int)(h->value.n - e),
				      h->value.p + e);
	}
	n += (size_t)snprintf(out + n, cap - n, "\r\n");
	if (m->body.n && n + m->body.n < cap) {
		memcpy(out + n, m->body.p, m->body.n);
		n += m->body.n;
	}
	*outlen = n;
	return out;
}

static void on_message(void *arg, const struct sl_tp_peer *peer, const char *buf, size_t len)
{
	struct sipd *s = arg;
	struct sl_sip_result res;
	char a[80];
	enum sl_sip_verdict v = sl_sip_parse(buf, len, g_msg, &res);
	if (v != SL_SIP_OK) {
		sl_tp_addr_str(&peer->remote, a, sizeof(a));
		if (v == SL_SIP_REPLY && g_msg->is_request) {
			log_info("bad request from %s over %s: %d %s", a,
				 sl_tp_proto_name(peer->proto), res.code, res.reason);
			sipd_respond_stateless(s, g_msg, peer, res.code, res.reason, NULL);
		} else {
			log_info("message from %s over %s dropped: %s", a,
				 sl_tp_proto_name(peer->proto), res.reason ? res.reason : "unparsable");
		}
		return;
	}
	char *annotated = NULL;
	if (g_msg->is_request && !sl_sip_str_ieq(g_msg->method, "ACK")) {
		size_t alen = 0;
		annotated = annotate_via(g_msg, buf, len, peer, &alen);
		if (annotated) {
			if (sl_sip_parse(annotated, alen, g_msg, &res) == SL_SIP_OK) {
				buf = annotated;
				len = alen;
			} else {	/* cannot happen; keep the original */
				sl_sip_parse(buf, len, g_msg, &res);
			}
		}
	}
	if (g_msg->is_request) {
		struct sl_sip_policy pol = {
			.role = SL_SIP_ROLE_UAS, .types = accept_types, .ntypes = 1,
		};
		struct sl_sip_str unsup = { 0 };
		enum sl_sip_verdict vv = sl_sip_validate(g_msg, &pol, &res, &unsup);
		if (vv == SL_SIP_DROP) {
			sl_tp_addr_str(&peer->remote, a, sizeof(a));
			log_info("request from %s over %s dropped: %s", a,
				 sl_tp_proto_name(peer->proto), res.reason ? res.reason : "invalid");
			free(annotated);
			return;
		}
		if (vv != SL_SIP_OK) {
			sl_tp_addr_str(&peer->remote, a, sizeof(a));
			log_info("request from %s over %s refused: %d %s", a,
				 sl_tp_proto_name(peer->proto), res.code, res.reason);
			char extra[300] = "";
			if (res.code == 420)
				snprintf(extra, sizeof(extra), "Unsupported: %.*s\r\n",
					 (int)unsup.n, unsup.p);
			if (res.code == 415)
				snprintf(extra, sizeof(extra), "Accept: application/sdp\r\n");
			if (!sl_sip_str_ieq(g_msg->method, "ACK"))
				sipd_respond_stateless(s, g_msg, peer, res.code, res.reason, extra);
			free(annotated);
			return;
		}
		if (!g_msg->nvia || !g_msg->via[0].rfc3261_branch) {
			/* RFC 2543 transaction matching is not supported (docs/transactions.md) */
			if (!sl_sip_str_ieq(g_msg->method, "ACK"))
				sipd_respond_stateless(s, g_msg, peer, 400,
						       "RFC 3261 Branch Required", NULL);
			free(annotated);
			return;
		}
	}
	if (sl_log_get_level() >= SL_LOG_DEBUG) {
		sl_tp_addr_str(&peer->remote, a, sizeof(a));
		const char *eol = memchr(buf, '\r', len);
		log_debug("received from %s over %s: %.*s", a, sl_tp_proto_name(peer->proto),
			  (int)(eol ? eol - buf : (long)len), buf);
	}
	if (g_msg->is_request && sl_txl_count(s->txl) >= TXN_MAX &&
	    !sl_sip_str_ieq(g_msg->method, "ACK") && !sl_txl_find_server(s->txl, g_msg)) {
		/* overload: no new transactions (RFC 3261 §21.5.4 with Retry-After) */
		log_warn("transaction table full (%u): 503 to a new request", TXN_MAX);
		sipd_respond_stateless(s, g_msg, peer, 503, "Overloaded", "Retry-After: 5\r\n");
		free(annotated);
		return;
	}
	sl_txl_input(s->txl, g_msg, buf, len, peer, sipd_now_ms());
	free(annotated);
}

static void on_close(void *arg, uint64_t conn_id, const char *why)
{
	struct sipd *s = arg;
	log_debug("connection %llu closed: %s", (unsigned long long)conn_id, why);
	sipd_bindings_conn_closed(s, conn_id);
	sipd_calls_conn_closed(s, conn_id, why);
}

/* ---- parent messages ---- */

/* Builds the TLS contexts from the material the parent read (struct
 * sl_cp_tls + PEMs): this process never opens the key or trust files. */
static void tls_load(struct sipd *s, const uint8_t *body, size_t len, bool fatal)
{
	char err[256];
	unsigned ntrust = 0;
	struct sl_tp_tls_cfg tc = {
		.cert_file = s->conf.tls_cert,
		.key_file = s->conf.tls_key,
		.trust_dir = s->conf.trust_store,
		.min_version = s->conf.tls_min_version == 0x0304 ? TLS1_3_VERSION : TLS1_2_VERSION,
		.ciphers = s->conf.tls_ciphers[0] ? s->conf.tls_ciphers : NULL,
		.ciphersuites = s->conf.tls_ciphersuites[0] ? s->conf.tls_ciphersuites : NULL,
		/* normally per device mode (authn.c); a fully secure site refuses
		 * clients without a verified certificate in the handshake */
		.require_client_cert = s->conf.tls_require_client_cert,
		.keylog_file = s->conf.tls_keylog[0] ? s->conf.tls_keylog : NULL,
	};
	if (sipd_tls_unpack(body, len, &tc, &ntrust, err, sizeof(err)) < 0 ||
	    sl_tp_set_tls(s->tp, &tc, err, sizeof(err)) < 0) {
		if (fatal)
			sl_fatal("TLS: %s", err);
		log_err("TLS reload failed, keeping the previous certificate: %s", err);
		return;
	}
	log_info("TLS certificate %s loaded, %u trust anchor(s) from %s", s->conf.tls_cert,
		 ntrust, s->conf.trust_store);
}

static void apply_conf(struct sipd *s, const struct sl_conf *nc)
{
	char err[256];
	bool nonce_changed = nc->nonce_lifetime_min != s->conf.nonce_lifetime_min;
	struct sl_conf old = s->conf;
	if (memcmp(old.listen_udp, nc->listen_udp, sizeof(old.listen_udp)) ||
	    memcmp(old.listen_tcp, nc->listen_tcp, sizeof(old.listen_tcp)) ||
	    memcmp(old.listen_tls, nc->listen_tls, sizeof(old.listen_tls)) ||
	    old.n_listen_udp != nc->n_listen_udp || old.n_listen_tcp != nc->n_listen_tcp ||
	    old.n_listen_tls != nc->n_listen_tls)
		log_warn("reload: listen addresses changed; they take effect at the next restart");
	if (memcmp(old.iface, nc->iface, sizeof(old.iface)) || old.n_iface != nc->n_iface)
		log_warn("reload: media interfaces changed; they take effect at the next restart");
	if (strcmp(old.dp_socket, nc->dp_socket))
		log_warn("reload: dp_socket changed; it takes effect at the next restart");
	s->conf = *nc;
	/* listeners, interfaces and the data plane socket need a restart */
	memcpy(s->conf.listen_udp, old.listen_udp, sizeof(old.listen_udp));
	memcpy(s->conf.listen_tcp, old.listen_tcp, sizeof(old.listen_tcp));
	memcpy(s->conf.listen_tls, old.listen_tls, sizeof(old.listen_tls));
	s->conf.n_listen_udp = old.n_listen_udp;
	s->conf.n_listen_tcp = old.n_listen_tcp;
	s->conf.n_listen_tls = old.n_listen_tls;
	memcpy(s->conf.iface, old.iface, sizeof(old.iface));
	s->conf.n_iface = old.n_iface;
	memcpy(s->conf.dp_socket, old.dp_socket, sizeof(old.dp_socket));
	sl_log_set_level(s->conf.log_level);
	if (nonce_changed) {
		/* a new key: outstanding nonces are re-challenged */
		sipd_auth_fini(s);
		if (sipd_auth_init(s, err, sizeof(err)) < 0)
			sl_fatal("digest: %s", err);
	}
	log_notice("configuration reloaded (registrations and calls kept)");
}

static void on_parent(evutil_socket_t fd, short what, void *arg)
{
	struct sipd *s = arg;
	static _Alignas(max_align_t) uint8_t buf[SL_CP_MAX_BODY];	/* records are cast */
	unsigned type;
	size_t len;
	(void)what;
	int rc = sl_cp_recv(fd, &type, buf, sizeof(buf), &len);
	if (rc == 0) {
		log_notice("parent closed the channel: exiting");
		event_base_loopbreak(s->base);
		return;
	}
	if (rc < 0)
		sl_fatal("bad message from the parent (%s): exiting", strerror(-rc));
	switch (type) {
	case SL_CP_SIP_CONF:
		apply_conf(s, (const struct sl_conf *)buf);
		break;
	case SL_CP_SIP_DIR_BEGIN:
		dir_free(&s->next);
		s->dir_receiving = true;
		break;
	/* 1..n records each (sl_cp_recv checked that len is a multiple) */
	case SL_CP_SIP_USER:
		for (size_t o = 0; o < len; o += sizeof(struct sl_user))
			dir_add_user(&s->next, (const struct sl_user *)(buf + o));
		break;
	case SL_CP_SIP_CRED:
		for (size_t o = 0; o < len; o += sizeof(struct sl_cred))
			dir_add_cred(&s->next, (const struct sl_cred *)(buf + o), s->conf.realm);
		break;
	case SL_CP_SIP_DEVICE:
		for (size_t o = 0; o < len; o += sizeof(struct sl_cp_device)) {
			const struct sl_cp_device *d = (const void *)(buf + o);

			dir_add_device(&s->next, d->name, d->user, d->cert_identity, d->mode);
		}
		break;
	case SL_CP_SIP_TRUNK:
		for (size_t o = 0; o < len; o += sizeof(struct sl_trunk))
			dir_add_trunk(&s->next, (const struct sl_trunk *)(buf + o));
		break;
	case SL_CP_SIP_TRUNK_CRED:
		for (size_t o = 0; o < len; o += sizeof(struct sl_trunk_cred))
			dir_add_trunk_cred(&s->next, (const struct sl_trunk_cred *)(buf + o));
		break;
	case SL_CP_SIP_DIR_END:
		if (!s->dir_receiving)
			sl_fatal("directory end without a beginning: exiting");
		dir_finish(&s->next);
		dir_free(&s->dir);
		s->dir = s->next;
		dir_init(&s->next);
		s->dir_receiving = false;
		log_info("directory: %u users, %u devices, %u trunks", s->dir.nusers,
			 s->dir.ndevices, s->dir.ntrunks);
		break;
	case SL_CP_SIP_RELOAD_TLS:
		if (s->conf.n_listen_tls)
			tls_load(s, buf, len, false);
		break;
	default:
		sl_fatal("unexpected message %s (%u) from the parent: exiting",
			 sl_cp_type_name(type), type);
	}
	OPENSSL_cleanse(buf, len);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sipd *s = arg;
	(void)fd;
	(void)what;
	uint64_t now = sipd_now_ms();
	sl_txl_tick(s->txl, now);
	/* call deadlines are second-scale: every 10th tick is enough */
	static unsigned n;
	if (++n % 10 == 0)
		sipd_calls_tick(s, now);
}

static void on_media(evutil_socket_t fd, short what, void *arg)
{
	struct sipd *s = arg;
	(void)fd;
	(void)what;
	sipd_bindings_expire(s, sipd_now_s());
	sipd_calls_media_check(s);
}

/*
 * The process that parses network input gives up root once its sockets are
 * bound and its TLS material is loaded ([general] user). It is not chrooted:
 * it resolves trunk host names and reconnects to the data plane's socket by
 * path (shieldlock-dp --ctl-user lets it in). Not dumpable, so no other
 * process of that user can read the TLS key out of it.
 */
static void drop_root(const struct sl_conf *conf)
{
	if (!conf->user[0]) {
		if (geteuid() == 0)
			log_warn("[general] user is not set: the sip process, which parses network "
				 "input, stays root; name an unprivileged user (docs/shieldlockd-config.md)");
		return;
	}
	if (geteuid() != 0) {
		log_info("not root: [general] user %s not applied (running as uid %u)", conf->user,
			 (unsigned)geteuid());
		return;
	}
	struct passwd *pw = getpwnam(conf->user);
	if (pw == NULL)
		sl_fatal("[general] user %s does not exist: exiting", conf->user);
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		sl_fatal("cannot become %s: %s: exiting", conf->user, strerror(errno));
	if (setuid(0) == 0 || seteuid(0) == 0)
		sl_fatal("still able to become root after dropping to %s: exiting", conf->user);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		sl_fatal("prctl: %s: exiting", strerror(errno));
	log_notice("running as %s (uid %u, gid %u), not dumpable", conf->user, (unsigned)uid,
		   (unsigned)gid);
}

static bool wildcard(const char *h)
{
	return !strcmp(h, "0.0.0.0") || !strcmp(h, "::") || !h[0];
}

int sipd_main(int parent_fd)
{
	static struct sipd S;
	static struct sl_conf initial;
	struct sipd *s = &S;
	const struct sl_conf *conf = &initial;
	char err[256];
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* the parent handles reloads */
	signal(SIGINT, SIG_IGN);	/* and terminal interrupts */
	/* The child was forked before the parent loaded any key; it learns its
	 * configuration (after first-start created the certificates) here. */
	for (;;) {
		unsigned type;
		size_t len;
		int rc = sl_cp_recv(parent_fd, &type, &initial, sizeof(initial), &len);
		if (rc == 0)
			return 0;
		if (rc < 0 || type != SL_CP_SIP_CONF)
			sl_fatal("expected the configuration from the parent, got %s: exiting",
				 rc < 0 ? strerror(-rc) : sl_cp_type_name(type));
		break;
	}
	sl_log_set_level(conf->log_level);
	s->conf = *conf;
	s->parent_fd = parent_fd;
	dir_init(&s->dir);
	dir_init(&s->next);
	g_msg = malloc(sizeof(*g_msg));
	s->base = event_base_new();
	if (!g_msg || !s->base)
		sl_fatal("out of memory");
	const char *vh = conf->advertised_host;
	if (!vh[0])
		vh = conf->n_listen_tls && !wildcard(conf->listen_tls[0].host) ?
		     conf->listen_tls[0].host : conf->node_name;
	size_t vhl = strnlen(vh, sizeof(s->via_host) - 1);
	memcpy(s->via_host, vh, vhl);
	s->via_host[vhl] = '\0';
	if (sipd_auth_init(s, err, sizeof(err)) < 0)
		sl_fatal("digest: %s", err);
	struct sl_tp_cfg tpc = {
		.max_connections = conf->max_connections,
		.idle_timeout_s = conf->reg_max_expires + 120,
		.max_message = SL_SIP_MAX_MSG,
	};
	struct sl_tp_callbacks cb = { .arg = s, .on_message = on_message, .on_close = on_close };
	s->tp = sl_tp_new(s->base, &tpc, &cb, err, sizeof(err));
	if (!s->tp)
		sl_fatal("transport: %s", err);
	/* the parent sends the TLS material right after the configuration */
	{
		unsigned type;
		size_t len;
		uint8_t *tb = malloc(SL_CP_MAX_BODY);
		if (tb == NULL)
			sl_fatal("out of memory");
		int rc = sl_cp_recv(parent_fd, &type, tb, SL_CP_MAX_BODY, &len);
		if (rc <= 0 || type != SL_CP_SIP_RELOAD_TLS)
			sl_fatal("expected the TLS material from the parent, got %s: exiting",
				 rc < 0 ? strerror(-rc) : rc == 0 ? "end of channel" :
				 sl_cp_type_name(type));
		if (conf->n_listen_tls)
			tls_load(s, tb, len, true);
		OPENSSL_cleanse(tb, len);
		free(tb);
	}
	struct { enum sl_tp_proto p; const struct sl_conf_sockaddr *a; unsigned n; } ls[] = {
		{ SL_TP_UDP, conf->listen_udp, conf->n_listen_udp },
		{ SL_TP_TCP, conf->listen_tcp, conf->n_listen_tcp },
		{ SL_TP_TLS, conf->listen_tls, conf->n_listen_tls },
	};
	for (unsigned k = 0; k < 3; k++)
		for (unsigned i = 0; i < ls[k].n; i++) {
			if (sl_tp_listen(s->tp, ls[k].p, ls[k].a[i].host, ls[k].a[i].port, err,
					 sizeof(err)) < 0)
				sl_fatal("listen %s %s:%u: %s", sl_tp_proto_name(ls[k].p),
					 ls[k].a[i].host, ls[k].a[i].port, err);
			log_notice("listening for SIP over %s on %s:%u", sl_tp_proto_name(ls[k].p),
				   ls[k].a[i].host, ls[k].a[i].port);
		}
	struct sl_txl_cfg tc = { .t1_ms = conf->timer_t1_ms, .max_txns = TXN_MAX };
	struct sl_txl_ops ops = {
		.arg = s, .send = op_send, .on_request = op_request, .on_ack = op_ack,
		.on_response = op_response, .on_stray_response = op_stray,
		.on_client_error = op_client_error, .on_server_error = op_server_error,
		.on_free = op_free,
	};
	drop_root(conf);
	s->txl = sl_txl_new(&tc, &ops);
	if (!s->txl || media_init(s) < 0)
		sl_fatal("out of memory");
	s->parent_ev = event_new(s->base, parent_fd, EV_READ | EV_PERSIST, on_parent, s);
	s->tick_ev = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	s->media_ev = event_new(s->base, -1, EV_PERSIST, on_media, s);
	struct timeval t50 = { 0, 50000 }, t5 = { 5, 0 };
	event_add(s->parent_ev, NULL);
	event_add(s->tick_ev, &t50);
	event_add(s->media_ev, &t5);
	sipd_to_parent(s, SL_CP_SIP_READY, NULL, 0);
	event_base_dispatch(s->base);

	sl_txl_free(s->txl);	/* first: its on_free callbacks still see the calls */
	sipd_calls_free(s);
	sipd_bindings_free(s);
	sl_tp_free(s->tp);
	media_fini(s);
	sipd_auth_fini(s);
	dir_free(&s->dir);
	dir_free(&s->next);
	event_free(s->parent_ev);
	event_free(s->tick_ev);
	event_free(s->media_ev);
	event_base_free(s->base);
	free(g_msg);
	return 0;
}
