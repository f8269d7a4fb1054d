/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ca child: one dispatch loop over the parent's socket. It accepts
 * SL_CP_CA_INIT and SL_CP_CA_SIGN_CSR; any other type, a malformed message
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
#include "cpmsg.h"
#include "log.h"

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
	    !memchr(in.ca_dir, '\0', sizeof(in.ca_dir)))
		sl_fatal("SL_CP_CA_INIT with an unterminated string");
	if (ca_init(st, in.node_name, in.ca_dir, err, sizeof(err)) < 0) {
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
	char *buf;
	int status;
};

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
	default:
		sl_fatal("unexpected message %s (%u) from the parent", sl_cp_type_name(type), type);
	}
}

/* Single-threaded on libevent, like the sip child. */
int sl_ca_main(int fd)
{
	struct ca_loop cl = { 0 };
	cl.buf = malloc(SL_CP_MAX_BODY);
	cl.base = event_base_new();
	if (!cl.buf || !cl.base)
		sl_fatal("out of memory for the ca process");
	struct event *ev = event_new(cl.base, fd, EV_READ | EV_PERSIST, on_parent, &cl);
	if (!ev || event_add(ev, NULL) < 0)
		sl_fatal("cannot watch the parent's channel");
	event_base_dispatch(cl.base);
	event_free(ev);
	event_base_free(cl.base);
	ca_state_clear(&cl.st);
	OPENSSL_cleanse(cl.buf, SL_CP_MAX_BODY);
	free(cl.buf);
	return cl.status;
}
