/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parent side of provisioning (provd.h): the prov child's questions about
 * CAPF sessions, the provisioning keys in the ca process, and rebuilds of
 * the tree.
 *
 * The prov child parses network input, so the parent trusts it no more than
 * it must: an LSC is issued only for a session the parent itself answered
 * "install" for, for that session's device, once; results are accepted
 * only for sessions it answered; the LSC stored after an install is the one
 * the ca process issued, not bytes the child sends back; a fetched
 * certificate is stored only when our CA issued it for that device.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca_int.h"
#include "capf_session.h"
#include "cpmsg.h"
#include "log.h"
#include "provd_int.h"
#include "store.h"

static void send_child(struct sl_provd *pd, unsigned type, const void *body, size_t len)
{
	int rc = sl_cp_send(pd->ctx.prov_fd, type, body, len);

	if (rc < 0)
		log_err("cannot send %s to the prov process: %s", sl_cp_type_name(type),
			strerror(-rc));
}

static struct pd_session *sess_find(struct sl_provd *pd, uint32_t id)
{
	for (size_t i = 0; i < PD_MAX_SESSIONS; i++)
		if (pd->sess[i].used && pd->sess[i].id == id)
			return &pd->sess[i];
	return NULL;
}

static void sess_drop(struct pd_session *s)
{
	free(s->issued);
	memset(s, 0, sizeof(*s));
}

static struct pd_session *sess_add(struct sl_provd *pd, uint32_t id, const char *device,
				   uint32_t op)
{
	struct pd_session *s = sess_find(pd, id);

	if (!s) {
		for (size_t i = 0; i < PD_MAX_SESSIONS && !s; i++)
			if (!pd->sess[i].used)
				s = &pd->sess[i];
	}
	if (!s) {
		/* Sessions whose result never came (child restarted): oldest go. */
		s = &pd->sess[id % PD_MAX_SESSIONS];
	}
	sess_drop(s);
	s->used = true;
	s->id = id;
	s->op = op;
	snprintf(s->device, sizeof(s->device), "%s", device);
	return s;
}

static void record(struct sl_provd *pd, const char *device, enum sl_capf_op op, bool ok,
		   const char *result, const char *pem, const char *kind)
{
	struct sl_capf_outcome o = { .op = op, .success = ok, .result = result,
				     .cert_pem = pem, .cert_kind = kind };
	char err[256];

	if (sl_store_capf_record(pd->ctx.store, device, &o, err, sizeof(err)) < 0)
		log_warn("CAPF %s: cannot record '%s': %s", device, result, err);
}

static enum capf_auth_mode session_mode(enum sl_capf_auth a)
{
	switch (a) {
	case SL_CAPF_AUTH_PASSWORD: return CAPF_AUTH_PASSWORD;
	case SL_CAPF_AUTH_LSC: return CAPF_AUTH_LSC;
	case SL_CAPF_AUTH_MIC: return CAPF_AUTH_MIC;
	case SL_CAPF_AUTH_LSC_OR_MIC: return CAPF_AUTH_CERT;
	case SL_CAPF_AUTH_NULL:
	default: return CAPF_AUTH_NONE;
	}
}

static void on_lookup(struct sl_provd *pd, struct sl_cp_capf_lookup *m)
{
	struct sl_cp_capf_answer a = { .session = m->session, .status = CAPF_LOOKUP_ERROR };
	struct sl_capf c;
	char err[256];
	int rc;

	m->device[sizeof(m->device) - 1] = '\0';
	m->password[sizeof(m->password) - 1] = '\0';
	(void)sl_store_capf_expire(pd->ctx.store, (int64_t)time(NULL), err, sizeof(err));
	rc = sl_store_capf_get(pd->ctx.store, m->device, &c, err, sizeof(err));
	if (rc == -ENOENT || rc == -EINVAL) {	/* -EINVAL: not even a device name */
		a.status = CAPF_LOOKUP_UNKNOWN_DEVICE;
		log_notice("CAPF session %u: unknown device '%s' (add it with shieldlockctl "
			   "device add)", m->session, m->device);
		goto answer;
	}
	if (rc < 0) {
		log_err("CAPF session %u: store: %s", m->session, err);
		goto answer;
	}
	if (c.set.auth == SL_CAPF_AUTH_PASSWORD) {
		bool match = false;

		if (!m->has_password || m->password_too_long || !c.has_password ||
		    sl_store_capf_check_password(pd->ctx.store, m->device, m->password,
						 strlen(m->password), &match, err,
						 sizeof(err)) < 0 || !match) {
			a.status = CAPF_LOOKUP_AUTH_FAILED;
			log_notice("CAPF session %u: %s gave %s", m->session, m->device,
				   !m->has_password ? "no authentication string" :
				   !c.has_password ? "a string, but none is stored (shieldlockctl "
				   "capf set --auth password)" : "a wrong authentication string");
			record(pd, m->device, c.set.op, false, SL_CAPF_R_AUTH_FAILED, NULL, NULL);
			goto answer;
		}
	}
	a.status = CAPF_LOOKUP_FOUND;
	a.mode = session_mode(c.set.auth);
	a.op = (uint32_t)c.set.op;	/* same numbering as enum capf_op */
	if (c.set.key.type == SL_CAPF_KEY_EC) {
		a.key_type = CAPF_KEY_EC;
		a.curve = !strcmp(c.set.key.curve, "P-384") ? CAPF_CURVE_P384 :
			  !strcmp(c.set.key.curve, "P-521") ? CAPF_CURVE_P521 : CAPF_CURVE_P256;
	} else {
		a.key_type = CAPF_KEY_RSA;
		a.rsa_bits = c.set.key.size ? c.set.key.size : 2048;
	}
	sess_add(pd, m->session, m->device, a.op);
answer:
	OPENSSL_cleanse(m->password, sizeof(m->password));
	send_child(pd, SL_CP_PROV_CAPF_ANSWER, &a, sizeof(a));
}

static void issued_reply(struct sl_provd *pd, uint32_t session, int status, const char *error,
			 const uint8_t *der, size_t der_len)
{
	struct sl_cp_capf_issued m;
	uint8_t *msg = malloc(sizeof(m) + der_len);

	memset(&m, 0, sizeof(m));
	m.session = session;
	m.status = status;
	snprintf(m.error, sizeof(m.error), "%s", error ? error : "");
	m.der_len = (uint32_t)der_len;
	if (!msg) {
		log_err("out of memory answering CAPF session %u", session);
		return;
	}
	memcpy(msg, &m, sizeof(m));
	if (der_len)
		memcpy(msg + sizeof(m), der, der_len);
	send_child(pd, SL_CP_PROV_CAPF_ISSUED, msg, sizeof(m) + der_len);
	free(msg);
}

static void on_issue(struct sl_provd *pd, const uint8_t *body, size_t len)
{
	struct sl_cp_capf_issue m;
	struct sl_cp_lsc_req r;
	struct pd_session *s;
	char err[512], *reply = NULL;
	size_t rlen = 0;
	uint8_t *req;
	X509 *x = NULL;
	BIO *bio;
	unsigned char *der = NULL;
	int dl;

	memcpy(&m, body, sizeof(m));
	m.device[sizeof(m.device) - 1] = '\0';
	if (m.spki_len != len - sizeof(m) || m.spki_len == 0) {
		log_err("prov process: CAPF_ISSUE with a bad length; ignored");
		return;
	}
	s = sess_find(pd, m.session);
	if (!s || s->op != CAPF_OP_INSTALL || strcmp(s->device, m.device) || s->issued) {
		log_err("prov process asked for an LSC for '%s' in session %u, which was not "
			"scheduled for an install there; refused", m.device, m.session);
		issued_reply(pd, m.session, -1, "not scheduled", NULL, 0);
		return;
	}
	memset(&r, 0, sizeof(r));
	if (strlen(m.device) >= sizeof(r.device)) {
		issued_reply(pd, m.session, -1, "device name too long", NULL, 0);
		return;
	}
	memcpy(r.device, m.device, strlen(m.device) + 1);
	r.days = pd->ctx.conf->lsc_days;
	r.spki_len = m.spki_len;
	req = malloc(sizeof(r) + m.spki_len);
	if (!req) {
		issued_reply(pd, m.session, -1, "out of memory", NULL, 0);
		return;
	}
	memcpy(req, &r, sizeof(r));
	memcpy(req + sizeof(r), body + sizeof(m), m.spki_len);
	if (ca_request(pd->ctx.ca_fd, SL_CP_CA_ISSUE_LSC, req, sizeof(r) + m.spki_len,
		       SL_CP_CA_CERT, &reply, &rlen, err, sizeof(err)) < 0) {
		free(req);
		log_warn("CAPF %s: the LSC was not issued: %s", m.device, err);
		record(pd, m.device, SL_CAPF_OP_INSTALL, false, SL_CAPF_R_KEYGEN_FAILED, NULL, NULL);
		issued_reply(pd, m.session, -1, err, NULL, 0);
		return;
	}
	free(req);
	bio = BIO_new_mem_buf(reply, (int)rlen);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(reply);
	dl = x ? i2d_X509(x, &der) : -1;
	X509_free(x);
	if (dl <= 0) {
		issued_reply(pd, m.session, -1, "cannot encode the LSC", NULL, 0);
		return;
	}
	s->issued = malloc((size_t)dl);
	if (s->issued) {
		memcpy(s->issued, der, (size_t)dl);
		s->issued_len = (size_t)dl;
	}
	issued_reply(pd, m.session, 0, NULL, der, (size_t)dl);
	OPENSSL_free(der);
}

static char *der_to_pem(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)len);
	BIO *b;
	char *pem = NULL, *p;
	long n;

	if (!x || q != der + len) {
		X509_free(x);
		return NULL;
	}
	b = BIO_new(BIO_s_mem());
	if (b && PEM_write_bio_X509(b, x) == 1 && (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (pem = malloc((size_t)n + 1))) {
		memcpy(pem, p, (size_t)n);
		pem[n] = '\0';
	}
	BIO_free(b);
	if (out && pem)
		*out = x;
	else
		X509_free(x);
	return pem;
}

static const char *fail_result(uint32_t outcome, uint32_t op)
{
	switch (outcome) {
	case CAPF_F_AUTH: return SL_CAPF_R_AUTH_FAILED;
	case CAPF_F_NO_PUBLIC_KEY:
	case CAPF_F_BAD_KEY:
	case CAPF_F_ISSUE: return SL_CAPF_R_KEYGEN_FAILED;
	case CAPF_F_PHONE_REFUSED: return op == CAPF_OP_FETCH ? SL_CAPF_R_NO_CERT :
				   "refused by the phone";
	case CAPF_F_TIMEOUT: return "timed out";
	case CAPF_F_CLOSED: return "connection closed";
	default: return SL_CAPF_R_PROTOCOL;
	}
}

/* A fetched certificate counts only if our CA issued it to that device. */
static bool ours(struct sl_provd *pd, X509 *x, const char *device)
{
	char cn[SL_CP_CAPF_NAME];

	if (!pd->ca || X509_verify(x, X509_get0_pubkey(pd->ca)) != 1 ||
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
				      sizeof(cn)) <= 0) {
		ERR_clear_error();
		return false;
	}
	return strcmp(cn, device) == 0;
}

static void on_result(struct sl_provd *pd, const uint8_t *body, size_t len)
{
	struct sl_cp_capf_result m;
	struct pd_session *s;
	const uint8_t *der;
	char *pem = NULL;
	X509 *x = NULL;
	bool changed = false;

	memcpy(&m, body, sizeof(m));
	m.device[sizeof(m.device) - 1] = '\0';
	m.detail[sizeof(m.detail) - 1] = '\0';
	if (m.der_len != len - sizeof(m)) {
		log_err("prov process: CAPF_RESULT with a bad length; ignored");
		return;
	}
	der = body + sizeof(m);
	s = sess_find(pd, m.session);
	if (!s || strcmp(s->device, m.device) || s->op != m.op) {
		log_err("prov process reported a result for session %u (%s) that the parent "
			"did not answer; ignored", m.session, m.device);
		return;
	}
	if (m.outcome != CAPF_F_OK) {
		record(pd, s->device, (enum sl_capf_op)s->op, false,
		       fail_result(m.outcome, s->op), NULL, NULL);
		log_notice("CAPF %s: %s failed: %s", s->device, capf_op_str(s->op), m.detail);
		sess_drop(s);
		return;
	}
	switch (s->op) {
	case CAPF_OP_INSTALL:
		pem = s->issued ? der_to_pem(s->issued, s->issued_len, NULL) : NULL;
		if (!pem) {
			log_err("CAPF %s: install reported without an issued LSC", s->device);
			break;
		}
		record(pd, s->device, SL_CAPF_OP_INSTALL, true, SL_CAPF_R_INSTALLED, pem, "lsc");
		log_notice("CAPF %s: LSC installed", s->device);
		changed = true;
		break;
	case CAPF_OP_FETCH:
		pem = m.der_len ? der_to_pem(der, m.der_len, &x) : NULL;
		if (!pem || !ours(pd, x, s->device)) {
			record(pd, s->device, SL_CAPF_OP_FETCH, false,
			       "fetched certificate not issued by this CA", NULL, NULL);
			log_warn("CAPF %s: the phone returned a certificate this CA did not issue "
				 "to it; not stored", s->device);
			break;
		}
		record(pd, s->device, SL_CAPF_OP_FETCH, true, SL_CAPF_R_FETCHED, pem, "lsc");
		log_notice("CAPF %s: LSC fetched", s->device);
		changed = true;
		break;
	case CAPF_OP_DELETE:
		record(pd, s->device, SL_CAPF_OP_DELETE, true, SL_CAPF_R_DELETED, NULL, NULL);
		log_notice("CAPF %s: LSC deleted", s->device);
		changed = true;
		break;
	default:
		record(pd, s->device, SL_CAPF_OP_NONE, true, SL_CAPF_R_NO_ACTION, NULL, NULL);
		break;
	}
	free(pem);
	X509_free(x);
	sess_drop(s);
	if (changed) {
		char err[512];

		/* the device certificate decides its encrypted configuration */
		if (sl_provd_device_changed(pd, m.device, err, sizeof(err)) < 0)
			log_err("provisioning rebuild: %s", err);
	}
}

/* A counters query waiting for its answer (sl_provd_status). */
struct query_wait {
	uint32_t id;
	char *out;
	size_t cap;
	bool done;
};

/* Reads and handles one message of the prov channel. false: it closed. */
static bool handle_one(struct sl_provd *pd, int fd, struct query_wait *q)
{
	unsigned type;
	size_t len;
	int rc = sl_cp_recv(fd, &type, pd->buf, SL_CP_MAX_BODY, &len);

	if (rc == 0 || (rc < 0 && rc != -EPROTO)) {
		event_del(pd->ev);
		if (pd->ctx.on_closed)
			pd->ctx.on_closed(pd->ctx.arg);
		return false;
	}
	if (rc == -EPROTO)
		sl_fatal("malformed or unknown message from the prov process");
	switch (type) {
	case SL_CP_PROV_READY:
		log_info("the prov process is ready");
		break;
	case SL_CP_CAPF_LOOKUP:
		on_lookup(pd, (struct sl_cp_capf_lookup *)(void *)pd->buf);
		break;
	case SL_CP_CAPF_ISSUE:
		on_issue(pd, pd->buf, len);
		break;
	case SL_CP_CAPF_RESULT:
		on_result(pd, pd->buf, len);
		break;
	case SL_CP_PROV_QUERY_REPLY: {
		struct sl_cp_query_reply r;
		size_t n = len - sizeof(r);

		memcpy(&r, pd->buf, sizeof(r));
		if (q && r.id == q->id && q->cap) {	/* else a late answer: dropped */
			if (n >= q->cap)
				n = q->cap - 1;
			memcpy(q->out, pd->buf + sizeof(r), n);
			q->out[n] = '\0';
			q->done = true;
		}
		break;
	}
	default:
		sl_fatal("unexpected message %s (%u) from the prov process",
			 sl_cp_type_name(type), type);
	}
	OPENSSL_cleanse(pd->buf, len);
	return true;
}

static void on_child(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	handle_one(arg, (int)fd, NULL);
}

int sl_provd_status(struct sl_provd *pd, char *out, size_t cap, char *err, size_t errlen)
{
	struct sl_cp_query m = { .id = ++pd->query_id, .what = 1 };
	struct query_wait q = { .id = m.id, .out = out, .cap = cap };
	struct timespec end, now;

	if (pd->ctx.prov_fd < 0 || !pd->ev || !event_pending(pd->ev, EV_READ, NULL)) {
		snprintf(err, errlen, "the prov process is not running");
		return -1;
	}
	if (sl_cp_send(pd->ctx.prov_fd, SL_CP_PROV_QUERY, &m, sizeof(m)) < 0) {
		snprintf(err, errlen, "cannot reach the prov process");
		return -1;
	}
	/* The answer comes in order with anything else the child sends; those
	 * messages are handled here as the event loop would. */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 2;
	while (!q.done) {
		struct pollfd p = { .fd = pd->ctx.prov_fd, .events = POLLIN };
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || poll(&p, 1, (int)ms) <= 0) {
			snprintf(err, errlen, "the prov process did not answer within 2 s");
			return -1;
		}
		if (!handle_one(pd, pd->ctx.prov_fd, &q)) {
			snprintf(err, errlen, "the prov process closed its channel");
			return -1;
		}
	}
	return 0;
}

struct sl_provd *sl_provd_new(const struct sl_provd_ctx *ctx, char *err, size_t errlen)
{
	struct sl_provd *pd = calloc(1, sizeof(*pd));

	if (!pd || !(pd->buf = malloc(SL_CP_MAX_BODY + 1))) {
		free(pd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pd->ctx = *ctx;
	if (ctx->prov_fd >= 0) {
		pd->ev = event_new(ctx->base, ctx->prov_fd, EV_READ | EV_PERSIST, on_child, pd);
		if (!pd->ev || event_add(pd->ev, NULL) < 0) {
			snprintf(err, errlen, "cannot watch the prov channel");
			sl_provd_free(pd);
			return NULL;
		}
	}
	return pd;
}

static void free_certs(struct sl_provd *pd)
{
	for (unsigned i = 0; i < SL_KEY__COUNT; i++) {
		X509_free(pd->cert[i]);
		pd->cert[i] = NULL;
	}
	X509_free(pd->node);
	X509_free(pd->ca);
	pd->node = pd->ca = NULL;
}

void sl_provd_free(struct sl_provd *pd)
{
	if (!pd)
		return;
	if (pd->ev)
		event_free(pd->ev);
	for (size_t i = 0; i < PD_MAX_SESSIONS; i++)
		sess_drop(&pd->sess[i]);
	free_certs(pd);
	free(pd->buf);
	free(pd);
}

static int append_pem(char **buf, size_t *len, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *nb;
	long n;

	if (!b || PEM_write_bio_X509(b, x) != 1 || (n = BIO_get_mem_data(b, &p)) <= 0 ||
	    !(nb = realloc(*buf, *len + (size_t)n + 1))) {
		BIO_free(b);
		return -1;
	}
	memcpy(nb + *len, p, (size_t)n);
	*len += (size_t)n;
	nb[*len] = '\0';
	*buf = nb;
	BIO_free(b);
	return 0;
}

/* CAPF certificate, LSC issuer, manufacturer CAs: what the prov child needs. */
static int send_certs(struct sl_provd *pd, char *err, size_t errlen)
{
	const struct sl_conf *c = pd->ctx.conf;
	char *pem = NULL;
	size_t len = 0;
	int rc = -1;

	if (pd->ctx.prov_fd < 0)
		return 0;
	if (append_pem(&pem, &len, pd->cert[SL_KEY_CAPF]) < 0 ||
	    append_pem(&pem, &len, pd->ca) < 0)
		goto out;
	for (unsigned i = 0; i < c->n_mic_ca; i++) {
		X509 *x = pd_read_cert(c->mic_ca[i], err, errlen);

		if (!x) {
			log_err("[provisioning] mic_ca: %s; CAPF will not accept MICs from it", err);
			continue;
		}
		if (append_pem(&pem, &len, x) < 0) {
			X509_free(x);
			goto out;
		}
		X509_free(x);
	}
	send_child(pd, SL_CP_PROV_CERTS, pem, len);
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "cannot encode the certificates for the prov process");
	free(pem);
	return rc;
}

static int load_certs(struct sl_provd *pd, char *err, size_t errlen)
{
	const struct sl_conf *c = pd->ctx.conf;
	const char *paths[SL_KEY__COUNT] = { c->cert_sast1, c->cert_sast2, c->cert_tftp,
					     c->cert_capf };
	const char *refs[SL_KEY__COUNT] = { c->key_sast1, c->key_sast2, c->key_tftp,
					    c->key_capf };

	free_certs(pd);
	for (unsigned i = 0; i < SL_KEY__COUNT; i++) {
		if (!strcmp(refs[i], "off"))
			continue;
		if (!(pd->cert[i] = pd_read_cert(paths[i], err, errlen)))
			return -1;
	}
	if (!(pd->node = pd_read_cert(c->tls_cert, err, errlen)) ||
	    !(pd->ca = pd_read_cert(pd->ctx.ca_cert_path, err, errlen)))
		return -1;
	return 0;
}

static int keys_request(struct sl_provd *pd, unsigned type, const void *body, size_t len,
			char *err, size_t errlen)
{
	char *reply = NULL;
	size_t rlen = 0;

	if (ca_request(pd->ctx.ca_fd, type, body, len, SL_CP_CA_KEYS_READY, &reply, &rlen, err,
		       errlen) < 0)
		return -1;
	for (char *line = strtok(reply, "\n"); line; line = strtok(NULL, "\n"))
		log_info("provisioning key %s", line);
	free(reply);
	return 0;
}

int sl_provd_reload(struct sl_provd *pd, char *err, size_t errlen)
{
	const struct sl_conf *c = pd->ctx.conf;
	struct sl_cp_ca_keys k;

	memset(&k, 0, sizeof(k));
	snprintf(k.node_name, sizeof(k.node_name), "%s", c->node_name);
	snprintf(k.ref[SL_KEY_SAST1], sizeof(k.ref[0]), "%s", c->key_sast1);
	snprintf(k.ref[SL_KEY_SAST2], sizeof(k.ref[0]), "%s", c->key_sast2);
	snprintf(k.ref[SL_KEY_TFTP], sizeof(k.ref[0]), "%s", c->key_tftp);
	snprintf(k.ref[SL_KEY_CAPF], sizeof(k.ref[0]), "%s", c->key_capf);
	snprintf(k.cert[SL_KEY_SAST1], sizeof(k.cert[0]), "%s", c->cert_sast1);
	snprintf(k.cert[SL_KEY_SAST2], sizeof(k.cert[0]), "%s", c->cert_sast2);
	snprintf(k.cert[SL_KEY_TFTP], sizeof(k.cert[0]), "%s", c->cert_tftp);
	snprintf(k.cert[SL_KEY_CAPF], sizeof(k.cert[0]), "%s", c->cert_capf);
	pd->keys_ok = false;
	if (keys_request(pd, SL_CP_CA_KEYS, &k, sizeof(k), err, errlen) < 0)
		return -1;
	if (load_certs(pd, err, errlen) < 0)
		return -1;
	pd->keys_ok = true;
	if (send_certs(pd, err, errlen) < 0)
		return -1;
	return pd_build(pd, NULL, 0, err, errlen);
}

int sl_provd_rebuild(struct sl_provd *pd, char *err, size_t errlen)
{
	return pd_build(pd, NULL, 0, err, errlen);
}

int sl_provd_build(struct sl_provd *pd, char *summary, size_t cap, char *err, size_t errlen)
{
	return pd_build(pd, summary, cap, err, errlen);
}

int sl_provd_device_changed(struct sl_provd *pd, const char *device, char *err, size_t errlen)
{
	return pd_build_device(pd, device, err, errlen);
}

int sl_provd_sign_tftp(struct sl_provd *pd, int hash, const uint8_t *digest, size_t dlen,
		       uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	struct pd_signer s = { pd, SL_KEY_TFTP };

	if (!pd->keys_ok) {
		snprintf(err, errlen, "the provisioning keys are not loaded");
		return -1;
	}
	return pd_sign_digest(&s, (enum sl_hash)hash, digest, dlen, sig, siglen, err, errlen);
}

int sl_provd_regenerate(struct sl_provd *pd, const char *name, char *err, size_t errlen)
{
	static const char *const names[SL_KEY__COUNT] = { "sast1", "sast2", "tftp", "capf" };
	struct sl_cp_regen r = { .key = SL_KEY__COUNT };

	for (unsigned i = 0; i < SL_KEY__COUNT; i++)
		if (!strcmp(name, names[i]))
			r.key = i;
	if (r.key == SL_KEY__COUNT) {
		snprintf(err, errlen, "'%s' cannot be regenerated here (sast1, sast2, tftp, capf)",
			 name);
		return -1;
	}
	/* spec §3.3: phones take a new trust list only if a SAST certificate
	 * of the list they hold signed it. A new key for the active signer
	 * would lock every phone out: roll over to the other SAST first. */
	if ((r.key == SL_KEY_SAST1 || r.key == SL_KEY_SAST2) &&
	    pd->ctx.conf->sast_signer == r.key + 1) {
		snprintf(err, errlen, "%s signs the trust lists ([keys] sast_signer = %u); phones "
			 "would refuse lists signed by a new key. Set sast_signer = %u, reload "
			 "(SIGHUP), then regenerate %s (docs/provisioning.md, \"Rotating a SAST "
			 "token\")", name, pd->ctx.conf->sast_signer, r.key == SL_KEY_SAST1 ? 2u : 1u,
			 name);
		return -1;
	}
	if (keys_request(pd, SL_CP_CA_REGEN, &r, sizeof(r), err, errlen) < 0)
		return -1;
	return sl_provd_reload(pd, err, errlen);
}
