/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ca child: one dispatch loop over the parent's socket and, when
 * provisioning is on, the prov process's socket. From the parent it accepts
 * SL_CP_CA_INIT, SL_CP_CA_SIGN_CSR and the provisioning requests
 * (SL_CP_CA_KEYS, _SIGN_DIGEST, _ISSUE_LSC, _REGEN); from prov only
 * SL_CP_CA_PRIV_OP with the CAPF key. Any other type, a malformed message
 * or a failed send is fatal (ARCHITECTURE.md §4). A refused request is not
 * fatal: the parent gets SL_CP_ERROR with the reason and may try again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "ca.h"
#include "ca_int.h"
#include "capf_lsc.h"
#include "cpmsg.h"
#include "log.h"

#define CA_SIG_MAX	1024	/* RSA 8192 / ECDSA P-521 DER fit */
#define CA_TEXT_MAX	2048

static void reply(int fd, unsigned type, const void *body, size_t len)
{
	int rc = sl_cp_send(fd, type, body, len);

	if (rc < 0)
		sl_fatal("cannot send %s to the parent: %s", sl_cp_type_name(type),
			 strerror(-rc));
}

static void reply_error(int fd, const char *msg)
{
	log_warn("%s", msg);
	reply(fd, SL_CP_ERROR, msg, strlen(msg));
}

static void handle_init(int fd, struct ca_state *st, const void *body, size_t len)
{
	struct sl_cp_ca_init in;
	char err[1024], *pem;
	size_t pemlen;

	if (len != sizeof(in))
		sl_fatal("SL_CP_CA_INIT body of %zu bytes, expected %zu", len,
			 sizeof(in));
	memcpy(&in, body, sizeof(in));
	if (!memchr(in.node_name, '\0', sizeof(in.node_name)) ||
	    !memchr(in.ca_dir, '\0', sizeof(in.ca_dir)) ||
	    !memchr(in.key_ref, '\0', sizeof(in.key_ref)))
		sl_fatal("SL_CP_CA_INIT with an unterminated string");
	if (ca_init(st, in.node_name, in.ca_dir, in.key_ref, err, sizeof(err)) < 0) {
		reply_error(fd, err);
		return;
	}
	pem = ca_cert_to_pem(st->cert, &pemlen);
	if (!pem) {
		snprintf(err, sizeof(err), "cannot encode the CA certificate: %s",
			 ca_ssl_error());
		reply_error(fd, err);
		return;
	}
	reply(fd, SL_CP_CA_READY, pem, pemlen);
	free(pem);
}

static void handle_sign(int fd, struct ca_state *st, const void *body, size_t len)
{
	char err[1024], *pem;
	size_t pemlen;
	X509 *x;

	x = ca_sign_csr(st, body, len, err, sizeof(err));
	if (!x) {
		reply_error(fd, err);
		return;
	}
	pem = ca_cert_to_pem(x, &pemlen);
	X509_free(x);
	if (!pem) {
		snprintf(err, sizeof(err), "cannot encode the issued certificate: %s",
			 ca_ssl_error());
		reply_error(fd, err);
		return;
	}
	reply(fd, SL_CP_CA_CERT, pem, pemlen);
	free(pem);
}

struct ca_loop {
	struct event_base *base;
	struct ca_state st;
	struct ca_prov prov;
	struct event *prov_ev;
	char *buf;
	int status;
};

static void handle_keys(int fd, struct ca_loop *cl, const void *body, unsigned type)
{
	char err[1024], text[CA_TEXT_MAX];
	int rc;

	if (type == SL_CP_CA_KEYS) {
		struct sl_cp_ca_keys in;

		memcpy(&in, body, sizeof(in));
		rc = ca_prov_keys(&cl->prov, &in, text, sizeof(text), err, sizeof(err));
	} else {
		struct sl_cp_regen in;

		memcpy(&in, body, sizeof(in));
		rc = ca_prov_regen(&cl->prov, in.key, text, sizeof(text), err, sizeof(err));
	}
	if (rc < 0)
		reply_error(fd, err);
	else
		reply(fd, SL_CP_CA_KEYS_READY, text, strlen(text));
}

static void handle_sign_digest(int fd, struct ca_loop *cl, const void *body)
{
	struct sl_cp_sign_req in;
	uint8_t sig[CA_SIG_MAX];
	size_t siglen = sizeof(sig);
	char err[1024];

	memcpy(&in, body, sizeof(in));
	if (ca_prov_sign(&cl->prov, &in, sig, &siglen, err, sizeof(err)) < 0)
		reply_error(fd, err);
	else
		reply(fd, SL_CP_CA_SIGNATURE, sig, siglen);
	OPENSSL_cleanse(&in, sizeof(in));
}

/* spec §1.9: the LSC of a phone, issued by the CA (docs/capf.md). */
static void handle_issue_lsc(int fd, struct ca_loop *cl, const uint8_t *body, size_t len)
{
	struct sl_cp_lsc_req in;
	struct capf_lsc_req r = { 0 };
	uint8_t *der = NULL;
	size_t der_len = 0;
	char err[1024], *pem;
	size_t pemlen;
	X509 *x;
	const unsigned char *q;

	memcpy(&in, body, sizeof(in));
	if (!memchr(in.device, '\0', sizeof(in.device)) ||
	    in.spki_len != len - sizeof(in))
		sl_fatal("SL_CP_CA_ISSUE_LSC with a bad device name or length");
	if (!cl->st.key || !cl->st.cert) {
		reply_error(fd, "the CA is not loaded");
		return;
	}
	r.device = in.device;
	r.spki = body + sizeof(in);
	r.spki_len = in.spki_len;
	r.days = in.days;
	r.issuer = cl->st.cert;
	r.issuer_key = cl->st.key;
	if (capf_lsc_issue(&r, &der, &der_len, err, sizeof(err)) < 0) {
		reply_error(fd, err);
		return;
	}
	q = der;
	x = d2i_X509(NULL, &q, (long)der_len);
	OPENSSL_free(der);
	pem = x ? ca_cert_to_pem(x, &pemlen) : NULL;
	X509_free(x);
	if (!pem) {
		snprintf(err, sizeof(err), "cannot encode the LSC: %s", ca_ssl_error());
		reply_error(fd, err);
		return;
	}
	log_notice("issued an LSC for %s", in.device);
	reply(fd, SL_CP_CA_CERT, pem, pemlen);
	free(pem);
}

/* The prov process's channel: CAPF TLS private-key operations only. */
static void on_prov(evutil_socket_t fd, short what, void *arg)
{
	struct ca_loop *cl = arg;
	struct sl_cp_priv_op op;
	uint8_t out[CA_SIG_MAX];
	size_t outlen = sizeof(out), len;
	char err[512];
	unsigned type;
	(void)what;
	int rc = sl_cp_recv(fd, &type, cl->buf, SL_CP_MAX_BODY, &len);

	if (rc == 0 || (rc < 0 && rc != -EPROTO)) {
		/* The prov process went away; the parent restarts or stops it. */
		event_del(cl->prov_ev);
		return;
	}
	if (rc == -EPROTO || type != SL_CP_CA_PRIV_OP)
		sl_fatal("unexpected message %s from the prov process", sl_cp_type_name(type));
	memcpy(&op, cl->buf, sizeof(op));
	if (op.len != len - sizeof(op))
		sl_fatal("CA_PRIV_OP with a bad length from the prov process");
	if (ca_prov_priv(&cl->prov, &op, (const uint8_t *)cl->buf + sizeof(op), out, &outlen,
			 err, sizeof(err)) < 0)
		reply_error((int)fd, err);
	else
		reply((int)fd, SL_CP_CA_PRIV_RESULT, out, outlen);
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(cl->buf, len);
}

/* One message from the parent per readable event (SOCK_SEQPACKET). */
static void on_parent(evutil_socket_t fd, short what, void *arg)
{
	struct ca_loop *cl = arg;
	unsigned type;
	size_t len;
	(void)what;
	int rc = sl_cp_recv(fd, &type, cl->buf, SL_CP_MAX_BODY, &len);
	if (rc == 0) {
		event_base_loopbreak(cl->base);	/* the parent closed: orderly exit */
		return;
	}
	if (rc == -EPROTO)
		sl_fatal("malformed or unknown message from the parent");
	if (rc < 0) {
		log_err("cannot read from the parent: %s", strerror(-rc));
		cl->status = 1;
		event_base_loopbreak(cl->base);
		return;
	}
	switch (type) {
	case SL_CP_CA_INIT:
		handle_init(fd, &cl->st, cl->buf, len);
		break;
	case SL_CP_CA_SIGN_CSR:
		handle_sign(fd, &cl->st, cl->buf, len);
		break;
	case SL_CP_CA_KEYS:
	case SL_CP_CA_REGEN:
		handle_keys(fd, cl, cl->buf, type);
		break;
	case SL_CP_CA_SIGN_DIGEST:
		handle_sign_digest(fd, cl, cl->buf);
		break;
	case SL_CP_CA_ISSUE_LSC:
		handle_issue_lsc(fd, cl, (const uint8_t *)cl->buf, len);
		break;
	default:
		sl_fatal("unexpected message %s (%u) from the parent", sl_cp_type_name(type), type);
	}
}

/* Single-threaded on libevent, like the sip child. prov_fd < 0: no prov channel. */
int sl_ca_main(int fd, int prov_fd)
{
	struct ca_loop cl = { 0 };
	cl.buf = malloc(SL_CP_MAX_BODY);
	cl.base = event_base_new();
	if (!cl.buf || !cl.base)
		sl_fatal("out of memory for the ca process");
	struct event *ev = event_new(cl.base, fd, EV_READ | EV_PERSIST, on_parent, &cl);
	if (!ev || event_add(ev, NULL) < 0)
		sl_fatal("cannot watch the parent's channel");
	if (prov_fd >= 0) {
		cl.prov_ev = event_new(cl.base, prov_fd, EV_READ | EV_PERSIST, on_prov, &cl);
		if (!cl.prov_ev || event_add(cl.prov_ev, NULL) < 0)
			sl_fatal("cannot watch the prov process's channel");
	}
	event_base_dispatch(cl.base);
	if (cl.prov_ev)
		event_free(cl.prov_ev);
	ca_prov_clear(&cl.prov);
	event_free(ev);
	event_base_free(cl.base);
	ca_state_clear(&cl.st);
	OPENSSL_cleanse(cl.buf, SL_CP_MAX_BODY);
	free(cl.buf);
	return cl.status;
}
