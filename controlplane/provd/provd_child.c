/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The prov child of shieldlockd (provd.h): CAPF, TFTP and HTTP for phones.
 *
 * Start, as root: bind the three ports, create and enter the provisioning
 * tree (chroot), become [provisioning] user. From then on it holds nothing
 * an attacker could use beyond the files it serves: no private key (CAPF's
 * TLS key operations are done by the ca process), no store, no master key
 * (it is forked before the parent loads one). Single-threaded on libevent.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "capf_server.h"
#include "cpmsg.h"
#include "keys.h"
#include "log.h"
#include "prov.h"
#include "prov_http.h"
#include "provd.h"
#include "tftp.h"

#define MAX_PENDING	256
#define MAX_MIC		SL_CONF_MAX_MIC_CA

struct pending {
	uint32_t id;
	struct capf_session *s;
};

struct child {
	struct event_base *base;
	struct sl_conf conf;
	int parent_fd, ca_fd;
	int tree_fd;
	int tftp_sock, http_sock, capf_sock;
	struct sl_tftp_server *tftp;
	struct sl_prov_http *http;
	struct capf_server *capf;
	SSL_CTX *capf_ctx;
	EVP_PKEY *capf_key;		/* proxy: operations go to the ca process */
	X509 *capf_cert;
	X509 *issuer;			/* the CA that issues LSCs */
	X509 *mic[MAX_MIC];
	size_t n_mic;
	char anchors_fp[2048];		/* to tell whether the anchors changed */
	struct pending pend[MAX_PENDING];
	struct event *parent_ev, *ev_term, *ev_int;
	uint8_t *buf;
	bool ready_sent;
	int status;
};

/* ---- the CAPF key proxy: private operations in the ca process ---- */

static int ca_priv(struct child *c, uint32_t kind, const uint8_t *in, size_t inlen,
		   uint8_t *out, size_t *outlen)
{
	uint8_t msg[sizeof(struct sl_cp_priv_op) + 1024];
	struct sl_cp_priv_op op = { .kind = kind, .len = (uint32_t)inlen };
	unsigned type;
	size_t len;
	int rc;

	if (inlen > sizeof(msg) - sizeof(op))
		return -1;
	memcpy(msg, &op, sizeof(op));
	memcpy(msg + sizeof(op), in, inlen);
	rc = sl_cp_send(c->ca_fd, SL_CP_CA_PRIV_OP, msg, sizeof(op) + inlen);
	OPENSSL_cleanse(msg, sizeof(msg));
	if (rc < 0) {
		log_err("CAPF key: cannot reach the ca process: %s", strerror(-rc));
		return -1;
	}
	/* Blocking: the ca process answers at once; TLS waits for it anyway. */
	rc = sl_cp_recv(c->ca_fd, &type, c->buf, SL_CP_MAX_BODY, &len);
	if (rc <= 0) {
		log_err("CAPF key: no answer from the ca process: %s",
			rc == 0 ? "it closed the channel" : strerror(-rc));
		return -1;
	}
	if (type == SL_CP_ERROR) {
		log_err("CAPF key: the ca process refused: %.*s", (int)len, (char *)c->buf);
		return -1;
	}
	if (type != SL_CP_CA_PRIV_RESULT)
		sl_fatal("unexpected %s from the ca process", sl_cp_type_name(type));
	if (len > *outlen) {
		OPENSSL_cleanse(c->buf, len);
		return -1;
	}
	memcpy(out, c->buf, len);
	*outlen = len;
	OPENSSL_cleanse(c->buf, len);
	return 0;
}

static int proxy_rsa(void *arg, enum sl_rsa_op op, enum sl_rsa_pad pad, const uint8_t *in,
		     size_t inlen, uint8_t *out, size_t *outlen)
{
	uint32_t kind;

	if (op == SL_RSA_SIGN)
		kind = pad == SL_RSA_PAD_NONE ? SL_PRIV_RSA_SIGN_RAW : SL_PRIV_RSA_SIGN_PKCS1;
	else if (pad == SL_RSA_PAD_PKCS1)
		kind = SL_PRIV_RSA_DECRYPT_PKCS1;
	else
		return -1;	/* raw decryption is never needed by TLS */
	return ca_priv(arg, kind, in, inlen, out, outlen);
}

static int proxy_ecdsa(void *arg, const uint8_t *digest, size_t dlen, uint8_t *sig,
		       size_t *siglen)
{
	return ca_priv(arg, SL_PRIV_ECDSA, digest, dlen, sig, siglen);
}

static const struct sl_keyproxy_ops capf_proxy_ops = {
	.rsa_private = proxy_rsa,
	.ecdsa_sign = proxy_ecdsa,
	.free = NULL,
};

/* ---- CAPF backend: questions to the parent ---- */

static void send_parent(struct child *c, unsigned type, const void *body, size_t len)
{
	int rc = sl_cp_send(c->parent_fd, type, body, len);

	if (rc < 0)
		sl_fatal("cannot send %s to the parent: %s", sl_cp_type_name(type), strerror(-rc));
}

static struct pending *pend_find(struct child *c, uint32_t id)
{
	for (size_t i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].s && c->pend[i].id == id)
			return &c->pend[i];
	return NULL;
}

static bool pend_add(struct child *c, struct capf_session *s)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (!c->pend[i].s) {
			c->pend[i].s = s;
			c->pend[i].id = capf_session_id(s);
			return true;
		}
	}
	return false;
}

static void be_lookup(void *ctx, struct capf_session *s, const struct capf_lookup_req *req)
{
	struct child *c = ctx;
	struct sl_cp_capf_lookup m;

	memset(&m, 0, sizeof(m));
	m.session = capf_session_id(s);
	snprintf(m.device, sizeof(m.device), "%s", req->device);
	if (req->password) {
		size_t n = strlen(req->password);

		m.has_password = 1;
		if (n >= sizeof(m.password))
			m.password_too_long = 1;
		else
			memcpy(m.password, req->password, n);
	}
	m.cert_auth = (uint32_t)req->cert_auth;
	m.sudi_present = req->sudi_present;
	m.sudi_ok = req->sudi_ok;
	m.version = req->version;
	if (!pend_add(c, s)) {
		struct capf_lookup_answer a = { .status = CAPF_LOOKUP_ERROR };

		OPENSSL_cleanse(&m, sizeof(m));
		capf_session_lookup_done(s, &a);
		return;
	}
	send_parent(c, SL_CP_CAPF_LOOKUP, &m, sizeof(m));
	OPENSSL_cleanse(&m, sizeof(m));
}

static void be_issue(void *ctx, struct capf_session *s, const char *device, const uint8_t *spki,
		     size_t spki_len, const struct capf_keyparams *kp)
{
	struct child *c = ctx;
	struct sl_cp_capf_issue m;
	uint8_t *msg;
	(void)kp;	/* the session checked the key against what was asked */

	memset(&m, 0, sizeof(m));
	m.session = capf_session_id(s);
	snprintf(m.device, sizeof(m.device), "%s", device);
	m.spki_len = (uint32_t)spki_len;
	msg = malloc(sizeof(m) + spki_len);
	if (!msg || sizeof(m) + spki_len > SL_CP_MAX_BODY || !pend_add(c, s)) {
		free(msg);
		capf_session_issue_done(s, -1, NULL, 0);
		return;
	}
	memcpy(msg, &m, sizeof(m));
	memcpy(msg + sizeof(m), spki, spki_len);
	send_parent(c, SL_CP_CAPF_ISSUE, msg, sizeof(m) + spki_len);
	free(msg);
}

static void be_result(void *ctx, const struct capf_result *res)
{
	struct child *c = ctx;
	struct sl_cp_capf_result m;
	uint8_t *msg;
	size_t der_len = res->der ? res->der_len : 0;

	memset(&m, 0, sizeof(m));
	m.session = res->session_id;
	snprintf(m.device, sizeof(m.device), "%s", res->device ? res->device : "");
	m.op = (uint32_t)res->op;
	m.outcome = (uint32_t)res->outcome;
	m.phone_reason = res->phone_reason;
	snprintf(m.detail, sizeof(m.detail), "%s", capf_fail_str(res->outcome));
	if (sizeof(m) + der_len > SL_CP_MAX_BODY)
		der_len = 0;
	m.der_len = (uint32_t)der_len;
	msg = malloc(sizeof(m) + der_len);
	if (!msg)
		sl_fatal("out of memory for a CAPF result");
	memcpy(msg, &m, sizeof(m));
	if (der_len)
		memcpy(msg + sizeof(m), res->der, der_len);
	send_parent(c, SL_CP_CAPF_RESULT, msg, sizeof(m) + der_len);
	free(msg);
}

static void be_cancel(void *ctx, struct capf_session *s)
{
	struct child *c = ctx;

	for (size_t i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].s == s)
			c->pend[i].s = NULL;
}

static const struct capf_backend_ops backend = {
	.lookup = be_lookup,
	.issue = be_issue,
	.result = be_result,
	.cancel = be_cancel,
};

/* ---- certificates from the parent ---- */

static void free_anchors(struct child *c)
{
	X509_free(c->issuer);
	c->issuer = NULL;
	for (size_t i = 0; i < c->n_mic; i++)
		X509_free(c->mic[i]);
	c->n_mic = 0;
}

static int start_capf(struct child *c)
{
	struct capf_server_cfg cfg;
	char err[512];
	int fd;

	if (c->capf_sock < 0)
		return 0;
	fd = dup(c->capf_sock);
	if (fd < 0) {
		log_err("CAPF: cannot duplicate the listening socket: %s", strerror(errno));
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.base = c->base;
	cfg.ssl_ctx = c->capf_ctx;
	cfg.listen_fd = fd;
	cfg.session.auth.lsc_issuer = c->issuer;
	cfg.session.auth.mfg_ca = c->mic;
	cfg.session.auth.n_mfg_ca = c->n_mic;
	cfg.session.keygen_timeout_ms = c->conf.capf_timeout_s * 1000u;
	cfg.ops = &backend;
	cfg.backend_ctx = c;
	c->capf = capf_server_new(&cfg, err, sizeof(err));
	if (!c->capf) {
		close(fd);
		log_err("CAPF: %s", err);
		return -1;
	}
	log_notice("CAPF listening on %s:%u (TLS%s)", c->conf.prov_capf.host,
		   c->conf.prov_capf.port, c->conf.capf_tls10 ? " 1.0 and up" : " 1.2 and up");
	return 0;
}

/* PEM text: CAPF certificate, LSC issuer, then manufacturer CAs. */
static void on_certs(struct child *c, const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *capf = NULL, *issuer = NULL, *mic[MAX_MIC] = { 0 };
	size_t n_mic = 0;
	EVP_PKEY *key = NULL;
	SSL_CTX *ctx = NULL;
	char err[512];
	bool anchors_changed;
	char fp[sizeof(c->anchors_fp)];

	if (!b || !(capf = PEM_read_bio_X509(b, NULL, NULL, NULL)) ||
	    !(issuer = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		log_err("CAPF: the parent sent unreadable certificates; CAPF stays %s",
			c->capf ? "on the old ones" : "off");
		goto out;
	}
	for (;;) {
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

		if (!x)
			break;
		if (n_mic == MAX_MIC) {
			X509_free(x);
			break;
		}
		mic[n_mic++] = x;
	}
	ERR_clear_error();
	key = sl_keyproxy_new(X509_get0_pubkey(capf), &capf_proxy_ops, c, err, sizeof(err));
	if (!key) {
		log_err("CAPF: %s", err);
		goto out;
	}
	/* Fingerprint of the anchors: a change needs a new server. */
	{
		unsigned char md[32];
		unsigned int mdlen;
		size_t n = 0;

		fp[0] = '\0';
		for (size_t i = 0; i <= n_mic && n + 66 < sizeof(fp); i++) {
			X509 *x = i == 0 ? issuer : mic[i - 1];

			if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1)
				continue;
			for (unsigned k = 0; k < mdlen; k++)
				n += (size_t)snprintf(fp + n, sizeof(fp) - n, "%02x", md[k]);
			fp[n++] = ',';
			fp[n] = '\0';
		}
	}
	anchors_changed = strcmp(fp, c->anchors_fp) != 0;
	if (c->capf && !anchors_changed) {
		/* Same server; new identity for the next handshakes. */
		if (SSL_CTX_use_certificate(c->capf_ctx, capf) != 1 ||
		    SSL_CTX_use_PrivateKey(c->capf_ctx, key) != 1) {
			log_err("CAPF: cannot switch to the new certificate; keeping the old one");
			goto out;
		}
		EVP_PKEY_free(c->capf_key);
		X509_free(c->capf_cert);
		c->capf_key = key;
		c->capf_cert = capf;
		key = NULL;
		capf = NULL;
		log_notice("CAPF certificate reloaded");
		goto out;
	}
	ctx = capf_tls_ctx_new_pkey(capf, NULL, key, c->conf.capf_tls10, err, sizeof(err));
	if (!ctx) {
		log_err("CAPF: %s", err);
		goto out;
	}
	if (c->capf) {
		capf_server_free(c->capf);
		c->capf = NULL;
	}
	SSL_CTX_free(c->capf_ctx);
	EVP_PKEY_free(c->capf_key);
	X509_free(c->capf_cert);
	free_anchors(c);
	c->capf_ctx = ctx;
	c->capf_key = key;
	c->capf_cert = capf;
	c->issuer = issuer;
	memcpy(c->mic, mic, sizeof(mic));
	c->n_mic = n_mic;
	snprintf(c->anchors_fp, sizeof(c->anchors_fp), "%s", fp);
	ctx = NULL;
	key = NULL;
	capf = issuer = NULL;
	n_mic = 0;
	if (start_capf(c) < 0)
		log_err("CAPF is off until the next reload");
out:
	for (size_t i = 0; i < n_mic; i++)
		X509_free(mic[i]);
	X509_free(capf);
	X509_free(issuer);
	EVP_PKEY_free(key);
	SSL_CTX_free(ctx);
	BIO_free(b);
	if (!c->ready_sent) {
		send_parent(c, SL_CP_PROV_READY, NULL, 0);
		c->ready_sent = true;
	}
}

static void on_query(struct child *c, const struct sl_cp_query *q)
{
	char text[2048];
	uint8_t msg[sizeof(struct sl_cp_query_reply) + sizeof(text)];
	struct sl_cp_query_reply r = { .id = q->id, .status = 0 };
	struct sl_tftp_counters t = { 0 };
	struct sl_prov_http_counters h = { 0 };
	struct capf_counters k = { 0 };
	int n;

	if (c->tftp)
		sl_tftp_server_counters(c->tftp, &t);
	if (c->http)
		sl_prov_http_counters(c->http, &h);
	if (c->capf)
		capf_server_counters(c->capf, &k);
	n = snprintf(text, sizeof(text),
		     "tftp %s requests=%llu completed=%llu active=%llu timeouts=%llu bytes=%llu\n"
		     "http %s requests=%llu ok=%llu not_found=%llu bad_request=%llu forbidden=%llu bytes=%llu\n"
		     "capf %s sessions=%llu active=%llu installs=%llu fetches=%llu deletes=%llu "
		     "no_action=%llu tls_failed=%llu refused_busy=%llu\n",
		     c->tftp ? "on" : "off", (unsigned long long)t.requests,
		     (unsigned long long)t.completed, (unsigned long long)t.active,
		     (unsigned long long)t.timeouts, (unsigned long long)t.bytes_sent,
		     c->http ? "on" : "off", (unsigned long long)h.requests,
		     (unsigned long long)h.ok, (unsigned long long)h.not_found,
		     (unsigned long long)h.bad_request, (unsigned long long)h.forbidden,
		     (unsigned long long)h.bytes_sent,
		     c->capf ? "on" : "off", (unsigned long long)k.sessions,
		     (unsigned long long)k.active, (unsigned long long)k.installs,
		     (unsigned long long)k.fetches, (unsigned long long)k.deletes,
		     (unsigned long long)k.nones, (unsigned long long)k.tls_failed,
		     (unsigned long long)k.refused_busy);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	memcpy(msg, &r, sizeof(r));
	memcpy(msg + sizeof(r), text, (size_t)n);
	send_parent(c, SL_CP_PROV_QUERY_REPLY, msg, sizeof(r) + (size_t)n);
}

static void on_parent(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	unsigned type;
	size_t len;
	(void)what;
	int rc = sl_cp_recv((int)fd, &type, c->buf, SL_CP_MAX_BODY, &len);

	if (rc == 0) {
		event_base_loopbreak(c->base);	/* the parent closed: exit */
		return;
	}
	if (rc == -EPROTO)
		sl_fatal("malformed or unknown message from the parent");
	if (rc < 0) {
		log_err("cannot read from the parent: %s", strerror(-rc));
		c->status = 1;
		event_base_loopbreak(c->base);
		return;
	}
	switch (type) {
	case SL_CP_PROV_CERTS:
		on_certs(c, (const char *)c->buf, len);
		break;
	case SL_CP_PROV_CONF: {
		struct sl_conf nc;

		memcpy(&nc, c->buf, sizeof(nc));
		/* Ports, tree and user need a restart; the rest applies now. */
		sl_log_set_level(nc.log_level);
		c->conf.capf_timeout_s = nc.capf_timeout_s;
		break;
	}
	case SL_CP_PROV_CAPF_ANSWER: {
		struct sl_cp_capf_answer m;
		struct capf_lookup_answer a;
		struct pending *p;

		memcpy(&m, c->buf, sizeof(m));
		p = pend_find(c, m.session);
		if (!p)
			break;	/* the session ended meanwhile */
		memset(&a, 0, sizeof(a));
		a.status = (enum capf_lookup_status)m.status;
		a.mode = (enum capf_auth_mode)m.mode;
		a.op = (enum capf_op)m.op;
		a.key.type = (enum capf_key_type)m.key_type;
		a.key.rsa_bits = m.rsa_bits;
		a.key.curve = (enum capf_curve)m.curve;
		struct capf_session *s = p->s;

		p->s = NULL;
		capf_session_lookup_done(s, &a);
		break;
	}
	case SL_CP_PROV_CAPF_ISSUED: {
		struct sl_cp_capf_issued m;
		struct pending *p;

		memcpy(&m, c->buf, sizeof(m));
		if (m.der_len != len - sizeof(m))
			sl_fatal("PROV_CAPF_ISSUED with a bad length");
		p = pend_find(c, m.session);
		if (!p)
			break;
		struct capf_session *s = p->s;

		p->s = NULL;
		if (m.status < 0)
			log_warn("CAPF session %u: the LSC was not issued: %.*s", m.session,
				 (int)sizeof(m.error), m.error);
		capf_session_issue_done(s, m.status < 0 ? -1 : 0, c->buf + sizeof(m), m.der_len);
		break;
	}
	case SL_CP_PROV_QUERY: {
		struct sl_cp_query q;

		memcpy(&q, c->buf, sizeof(q));
		on_query(c, &q);
		break;
	}
	default:
		sl_fatal("unexpected message %s (%u) from the parent", sl_cp_type_name(type), type);
	}
	OPENSSL_cleanse(c->buf, len);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct child *c = arg;
	(void)sig;
	(void)what;
	event_base_loopbreak(c->base);
}

/* ---- start: sockets, chroot, user ---- */

static int bind_socket(const struct sl_conf_sockaddr *a, int type, const char *what)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a->host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		if (inet_pton(AF_INET6, a->host, &s6->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		if (inet_pton(AF_INET, a->host, &s4->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int e = errno;

		log_err("cannot bind %s to %s:%u: %s (is another server using the port? "
			"change [provisioning] listen_%s or set it to off)", what, a->host,
			a->port, strerror(e), what);
		close(fd);
		return -e;
	}
	return fd;
}

static int mkdirs(const char *path)
{
	char tmp[SL_CONF_PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int enter_tree(struct child *c)
{
	struct passwd *pw = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	int rc;

	if (c->conf.prov_user[0]) {
		pw = getpwnam(c->conf.prov_user);
		if (!pw) {
			log_err("[provisioning] user %s does not exist; create it or name another "
				"unprivileged user", c->conf.prov_user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	umask(022);
	if ((rc = mkdirs(c->conf.prov_dir)) < 0 || chmod(c->conf.prov_dir, 0755) < 0) {
		log_err("cannot create the provisioning tree %s: %s", c->conf.prov_dir,
			strerror(rc < 0 ? -rc : errno));
		return -1;
	}
	/* OpenSSL loads its configuration and providers before the chroot. */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	if (geteuid() == 0) {
		if (chroot(c->conf.prov_dir) < 0 || chdir("/") < 0) {
			log_err("cannot enter the provisioning tree %s: %s", c->conf.prov_dir,
				strerror(errno));
			return -1;
		}
		if (pw) {
			if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
			    setresuid(uid, uid, uid) < 0) {
				log_err("cannot become %s: %s", c->conf.prov_user, strerror(errno));
				return -1;
			}
			if (setuid(0) == 0) {
				log_err("still able to become root after dropping to %s; stopping",
					c->conf.prov_user);
				return -1;
			}
		} else {
			log_warn("[provisioning] user is empty: the prov process stays root "
				 "(inside its chroot)");
		}
	} else {
		/* Tests run unprivileged: no chroot, serve the tree by path. */
		if (chdir(c->conf.prov_dir) < 0) {
			log_err("cannot enter %s: %s", c->conf.prov_dir, strerror(errno));
			return -1;
		}
		log_info("not root: serving %s without chroot or user change",
			 c->conf.prov_dir);
	}
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	c->tree_fd = sl_prov_open_tree(".");
	if (c->tree_fd < 0) {
		log_err("cannot open the provisioning tree: %s", strerror(-c->tree_fd));
		return -1;
	}
	return 0;
}

static int start_servers(struct child *c)
{
	int rc;

	if (c->tftp_sock >= 0) {
		struct sl_tftp_config t;

		sl_tftp_config_defaults(&t);
		t.dirfd = c->tree_fd;
		t.fd = c->tftp_sock;
		rc = sl_tftp_server_new(c->base, &t, &c->tftp);
		if (rc < 0) {
			log_err("cannot start TFTP: %s", strerror(-rc));
			return -1;
		}
		c->tftp_sock = -1;	/* the server owns it */
		log_notice("TFTP listening on %s:%u (read-only)", c->conf.prov_tftp.host,
			   c->conf.prov_tftp.port);
	}
	if (c->http_sock >= 0) {
		struct sl_prov_http_config h;

		sl_prov_http_config_defaults(&h);
		h.dirfd = c->tree_fd;
		h.fd = c->http_sock;
		rc = sl_prov_http_new(c->base, &h, &c->http);
		if (rc < 0) {
			log_err("cannot start HTTP: %s", strerror(-rc));
			return -1;
		}
		c->http_sock = -1;
		log_notice("HTTP listening on %s:%u (read-only)", c->conf.prov_http.host,
			   c->conf.prov_http.port);
	}
	return 0;
}

int sl_provd_child_main(const struct sl_conf *conf, int parent_fd, int ca_fd)
{
	static struct child C;
	struct child *c = &C;
	struct rlimit no_core = { 0, 0 };

	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->parent_fd = parent_fd;
	c->ca_fd = ca_fd;
	c->tftp_sock = c->http_sock = c->capf_sock = -1;
	c->tree_fd = -1;
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* the parent sends what changed */

	c->buf = malloc(SL_CP_MAX_BODY);
	if (!c->buf)
		sl_fatal("out of memory");
	if (conf->prov_tftp.port &&
	    (c->tftp_sock = bind_socket(&conf->prov_tftp, SOCK_DGRAM, "tftp")) < 0)
		return 1;
	if (conf->prov_http.port &&
	    (c->http_sock = bind_socket(&conf->prov_http, SOCK_STREAM, "http")) < 0)
		return 1;
	if (conf->prov_capf.port &&
	    (c->capf_sock = bind_socket(&conf->prov_capf, SOCK_STREAM, "capf")) < 0)
		return 1;
	if (enter_tree(c) < 0)
		return 1;
	c->base = event_base_new();
	if (!c->base)
		sl_fatal("cannot create the event loop");
	if (start_servers(c) < 0)
		return 1;
	c->parent_ev = event_new(c->base, parent_fd, EV_READ | EV_PERSIST, on_parent, c);
	c->ev_term = evsignal_new(c->base, SIGTERM, on_signal, c);
	c->ev_int = evsignal_new(c->base, SIGINT, on_signal, c);
	if (!c->parent_ev || event_add(c->parent_ev, NULL) < 0 || !c->ev_term ||
	    event_add(c->ev_term, NULL) < 0 || !c->ev_int || event_add(c->ev_int, NULL) < 0)
		sl_fatal("cannot watch the parent's channel");

	event_base_dispatch(c->base);

	if (c->capf)
		capf_server_free(c->capf);
	if (c->tftp)
		sl_tftp_server_free(c->tftp);
	if (c->http)
		sl_prov_http_free(c->http);
	SSL_CTX_free(c->capf_ctx);
	EVP_PKEY_free(c->capf_key);
	X509_free(c->capf_cert);
	free_anchors(c);
	if (c->capf_sock >= 0)
		close(c->capf_sock);
	event_free(c->parent_ev);
	event_free(c->ev_term);
	event_free(c->ev_int);
	event_base_free(c->base);
	free(c->buf);
	return c->status;
}
