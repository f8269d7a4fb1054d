/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-connection CAPF state machine (spec §1.8). See capf_session.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "capf_session.h"
#include "log.h"

#define KEYGEN_TIMEOUT_DEFAULT	120000
#define STEP_TIMEOUT_DEFAULT	30000
#define MAX_IN_PROGRESS_DEFAULT	64

enum state {
	ST_INIT = 0,
	ST_AUTH,	/* waiting for AUTH_RESPONSE */
	ST_LOOKUP,	/* waiting for the backend's lookup answer */
	ST_KEYGEN,	/* waiting for KEY_GENERATE_RESPONSE (17 tolerated) */
	ST_ISSUE,	/* waiting for the backend's LSC */
	ST_STORE,	/* waiting for STORE_CERTIFICATE_RESPONSE */
	ST_FETCH,	/* waiting for FETCH_CERTIFICATE_RESPONSE */
	ST_DELETE,	/* waiting for DELETE_CERTIFICATE_RESPONSE */
	ST_DONE,
};

static const char *const state_names[] = {
	"start", "AUTH_RESPONSE", "device lookup", "KEY_GENERATE_RESPONSE", "LSC issuing",
	"STORE_CERTIFICATE_RESPONSE", "FETCH_CERTIFICATE_RESPONSE",
	"DELETE_CERTIFICATE_RESPONSE", "end",
};

struct capf_session {
	struct capf_session_cfg cfg;
	uint32_t id;
	const struct capf_backend_ops *ops;
	void *bctx;
	struct capf_session_io io;

	enum state st;
	bool pending;		/* lookup() or issue() not answered yet */
	bool in_process;	/* inside process(): done callbacks must not recurse */
	bool found;		/* lookup answered FOUND: result() is due */
	bool result_sent;
	uint64_t deadline;
	unsigned n_in_progress;

	char device[CAPF_DEVICE_MAX];
	enum capf_cert_auth cert_auth;
	enum capf_op op;
	enum capf_auth_mode mode;
	struct capf_keyparams key;
	uint8_t *lsc;
	size_t lsc_len;

	struct capf_outcome out;
	size_t in_len;
	uint8_t in[2 * CAPF_MSG_MAX];	/* received, not yet handled */
	uint8_t cur[CAPF_MSG_MAX];	/* the message being handled */
	uint8_t obuf[CAPF_MSG_MAX];	/* the message being sent */
};

const char *capf_fail_str(enum capf_fail f)
{
	static const char *const n[CAPF_F__COUNT] = {
		"ok", "malformed message", "unexpected command", "session ID mismatch",
		"bad or missing VERSION", "missing DEVICE_NAME", "unknown device",
		"authentication failed", "backend error", "missing PUBLIC_KEY",
		"key not as requested", "LSC issuing failed", "phone refused",
		"timeout", "connection closed",
	};

	return (unsigned)f < CAPF_F__COUNT ? n[f] : "?";
}

const char *capf_op_str(enum capf_op op)
{
	switch (op) {
	case CAPF_OP_NONE: return "none";
	case CAPF_OP_INSTALL: return "install";
	case CAPF_OP_FETCH: return "fetch";
	case CAPF_OP_DELETE: return "delete";
	}
	return "?";
}

const char *capf_auth_mode_str(enum capf_auth_mode m)
{
	switch (m) {
	case CAPF_AUTH_NONE: return "no password";
	case CAPF_AUTH_PASSWORD: return "password";
	case CAPF_AUTH_CERT: return "certificate";
	case CAPF_AUTH_LSC: return "lsc";
	case CAPF_AUTH_MIC: return "mic";
	}
	return "?";
}

static uint64_t now_ms(const struct capf_session *s)
{
	struct timespec ts;

	if (s->io.now_ms != NULL)
		return s->io.now_ms(s->io.arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void enter(struct capf_session *s, enum state st)
{
	unsigned ms = st == ST_KEYGEN ? s->cfg.keygen_timeout_ms : s->cfg.step_timeout_ms;

	s->st = st;
	s->deadline = now_ms(s) + ms;
}

static void send_msg(struct capf_session *s, uint8_t cmd, const struct capf_build *b)
{
	long n = capf_msg_build(s->obuf, sizeof(s->obuf), cmd, s->id, b);

	if (n > 0)
		s->io.send(s->io.arg, s->obuf, (size_t)n);
}

static void report_result(struct capf_session *s, enum capf_fail f, uint8_t phone_reason,
			  const uint8_t *der, size_t der_len)
{
	struct capf_result r = {
		.session_id = s->id, .device = s->device, .op = s->op, .outcome = f,
		.phone_reason = phone_reason, .der = der, .der_len = der_len,
	};

	if (!s->found || s->result_sent)
		return;
	s->result_sent = true;
	if (s->ops->result != NULL)
		s->ops->result(s->bctx, &r);
}

static void cancel_pending(struct capf_session *s)
{
	if (s->pending) {
		s->pending = false;
		if (s->ops->cancel != NULL)
			s->ops->cancel(s->bctx, s);
	}
}

static void finish(struct capf_session *s, enum capf_fail f, int reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Ends the session: END_SESSION(reason) unless reason < 0, then finished(). */
static void finish(struct capf_session *s, enum capf_fail f, int reason, const char *fmt, ...)
{
	struct capf_build b;
	va_list ap;

	if (s->st == ST_DONE)
		return;
	if (reason >= 0) {
		capf_build_init(&b);
		b.reason = reason;
		send_msg(s, CAPF_END_SESSION, &b);
	}
	cancel_pending(s);
	s->st = ST_DONE;
	s->deadline = 0;
	report_result(s, f, 0xff, NULL, 0);
	s->out.session_id = s->id;
	snprintf(s->out.device, sizeof(s->out.device), "%s", s->device);
	s->out.op = s->op;
	s->out.fail = f;
	s->out.reason_sent = reason;
	va_start(ap, fmt);
	vsnprintf(s->out.detail, sizeof(s->out.detail), fmt, ap);
	va_end(ap);
	if (s->io.finished != NULL)
		s->io.finished(s->io.arg, &s->out);
}

struct capf_session *capf_session_new(const struct capf_session_cfg *cfg, uint32_t session_id,
				      const struct capf_backend_ops *ops, void *backend_ctx,
				      const struct capf_session_io *io)
{
	struct capf_session *s;

	if (ops == NULL || ops->lookup == NULL || ops->issue == NULL || io == NULL ||
	    io->send == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	if (s->cfg.keygen_timeout_ms == 0)
		s->cfg.keygen_timeout_ms = KEYGEN_TIMEOUT_DEFAULT;
	if (s->cfg.step_timeout_ms == 0)
		s->cfg.step_timeout_ms = STEP_TIMEOUT_DEFAULT;
	if (s->cfg.max_in_progress == 0)
		s->cfg.max_in_progress = MAX_IN_PROGRESS_DEFAULT;
	s->id = session_id;
	s->ops = ops;
	s->bctx = backend_ctx;
	s->io = *io;
	s->out.reason_sent = -1;
	return s;
}

void capf_session_free(struct capf_session *s)
{
	if (s == NULL)
		return;
	if (s->st != ST_DONE) {
		cancel_pending(s);
		report_result(s, CAPF_F_CLOSED, 0xff, NULL, 0);
	}
	free(s->lsc);
	/* the buffers may hold a PASSWORD element */
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

uint32_t capf_session_id(const struct capf_session *s)
{
	return s->id;
}

bool capf_session_finished(const struct capf_session *s)
{
	return s->st == ST_DONE;
}

uint64_t capf_session_deadline(const struct capf_session *s)
{
	return s->st == ST_DONE ? 0 : s->deadline;
}

void capf_session_start(struct capf_session *s)
{
	struct capf_build b;

	if (s->st != ST_INIT)
		return;
	/* spec §1.8 step 2: VERSION=3 and AUTH_TYPE=0 (CUCM sends only VERSION) */
	capf_build_init(&b);
	b.version = CAPF_VERSION;
	if (!s->cfg.omit_auth_type)
		b.auth_type = CAPF_AT_NONE;
	send_msg(s, CAPF_AUTH_REQUEST, &b);
	enter(s, ST_AUTH);
}

void capf_session_tick(struct capf_session *s)
{
	if (s->st == ST_DONE || s->st == ST_INIT || now_ms(s) < s->deadline)
		return;
	finish(s, CAPF_F_TIMEOUT, CAPF_REASON_INVALID_ELEMENT, "no %s within %u ms",
	       state_names[s->st],
	       s->st == ST_KEYGEN ? s->cfg.keygen_timeout_ms : s->cfg.step_timeout_ms);
}

void capf_session_abort(struct capf_session *s, const char *why)
{
	finish(s, CAPF_F_CLOSED, -1, "%s while waiting for %s", why, state_names[s->st]);
}

static bool printable(const char *d)
{
	for (; *d; d++)
		if ((unsigned char)*d < 0x20 || *d == 0x7f)
			return false;
	return true;
}

/* spec §1.8 steps 3 and 4 (the session's part). */
static void on_auth_response(struct capf_session *s, const struct capf_msg *m)
{
	struct capf_lookup_req req = { 0 };
	struct capf_auth_result ar;
	char err[160] = "";
	const char *dev, *pw = NULL;
	uint8_t v;

	if (capf_el_u8(m, CAPF_EL_VERSION, &v) != 0 || v > CAPF_VERSION) {
		finish(s, CAPF_F_NO_VERSION, CAPF_REASON_INVALID_ELEMENT,
		       "AUTH_RESPONSE without VERSION <= 3");
		return;
	}
	dev = capf_el_cstr(m, CAPF_EL_DEVICE_NAME);
	if (dev == NULL || dev[0] == 0 || !printable(dev)) {
		finish(s, CAPF_F_NO_DEVICE, CAPF_REASON_INVALID_ELEMENT,
		       "AUTH_RESPONSE without a usable DEVICE_NAME");
		return;
	}
	snprintf(s->device, sizeof(s->device), "%s", dev);
	if (m->el[CAPF_EL_PASSWORD].present) {
		pw = capf_el_cstr(m, CAPF_EL_PASSWORD);
		if (pw == NULL) {
			finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT,
			       "PASSWORD is not a C-string");
			return;
		}
	}
	capf_auth_device(&s->cfg.auth, s->device, s->id, m, &ar, err, sizeof(err));
	s->cert_auth = ar.cert;
	if (ar.cert == CAPF_CA_FAILED)
		log_info("capf: session %u device %s: certificate refused: %s", s->id,
			 s->device, err);
	req.device = s->device;
	req.password = pw;
	req.cert_der = ar.cert_der;
	req.cert_der_len = ar.cert_der_len;
	req.cert_auth = ar.cert;
	req.sudi_present = ar.sudi_present;
	req.sudi_ok = ar.sudi_ok;
	req.version = v;
	enter(s, ST_LOOKUP);
	s->pending = true;
	s->ops->lookup(s->bctx, s, &req);
}

static bool cert_mode_ok(enum capf_auth_mode mode, enum capf_cert_auth a)
{
	switch (mode) {
	case CAPF_AUTH_NONE:
	case CAPF_AUTH_PASSWORD:
		return true;
	case CAPF_AUTH_CERT:
		return a == CAPF_CA_LSC || a == CAPF_CA_MIC;
	case CAPF_AUTH_LSC:
		return a == CAPF_CA_LSC;
	case CAPF_AUTH_MIC:
		return a == CAPF_CA_MIC;
	}
	return false;
}

static void process(struct capf_session *s);

static void dispatch(struct capf_session *s)
{
	struct capf_build b;
	char err[160];

	capf_build_init(&b);
	switch (s->op) {
	case CAPF_OP_NONE:
		finish(s, CAPF_F_OK, CAPF_REASON_NO_ACTION, "nothing scheduled");
		return;
	case CAPF_OP_INSTALL:
		if (capf_keyparams_check(&s->key, err, sizeof(err)) != 0) {
			finish(s, CAPF_F_BACKEND, CAPF_REASON_INVALID_ELEMENT,
			       "backend gave a bad key: %s", err);
			return;
		}
		/* spec §1.11: RSA sends KEY_SIZE + KEY_TYPE=0, EC KEY_TYPE=1 + CURVE */
		if (s->key.type == CAPF_KEY_RSA) {
			b.key_size = (int)s->key.rsa_bits;
			b.key_type = CAPF_KEY_RSA;
		} else {
			b.key_type = CAPF_KEY_EC;
			b.curve = (int)s->key.curve;
		}
		send_msg(s, CAPF_KEY_GENERATE_REQUEST, &b);
		enter(s, ST_KEYGEN);
		return;
	case CAPF_OP_FETCH:
		send_msg(s, CAPF_FETCH_CERTIFICATE_REQUEST, &b);
		enter(s, ST_FETCH);
		return;
	case CAPF_OP_DELETE:
		send_msg(s, CAPF_DELETE_CERTIFICATE_REQUEST, &b);
		enter(s, ST_DELETE);
		return;
	}
	finish(s, CAPF_F_BACKEND, CAPF_REASON_INVALID_ELEMENT, "backend gave operation %d",
	       (int)s->op);
}

void capf_session_lookup_done(struct capf_session *s, const struct capf_lookup_answer *a)
{
	if (s->st != ST_LOOKUP || !s->pending)
		return;		/* late or stray answer */
	s->pending = false;
	switch (a->status) {
	case CAPF_LOOKUP_FOUND:
		break;
	case CAPF_LOOKUP_UNKNOWN_DEVICE:
		finish(s, CAPF_F_UNKNOWN_DEVICE, CAPF_REASON_UNKNOWN_DEVICE, "not in the database");
		return;
	case CAPF_LOOKUP_AUTH_FAILED:
		finish(s, CAPF_F_AUTH, CAPF_REASON_INVALID_ELEMENT, "password refused");
		return;
	default:
		finish(s, CAPF_F_BACKEND, CAPF_REASON_INVALID_ELEMENT, "device lookup failed");
		return;
	}
	s->found = true;
	s->op = a->op;
	s->mode = a->mode;
	s->key = a->key;
	if (!cert_mode_ok(a->mode, s->cert_auth)) {
		finish(s, CAPF_F_AUTH, CAPF_REASON_INVALID_ELEMENT,
		       "authentication mode %s needs a valid certificate; phone gave: %s",
		       capf_auth_mode_str(a->mode), capf_cert_auth_str(s->cert_auth));
		return;
	}
	dispatch(s);
	if (!s->in_process)
		process(s);
}

void capf_session_issue_done(struct capf_session *s, int status, const uint8_t *der,
			     size_t der_len)
{
	struct capf_build b;

	if (s->st != ST_ISSUE || !s->pending)
		return;
	s->pending = false;
	if (status != 0 || der == NULL || der_len == 0 || der_len > CAPF_MSG_MAX) {
		finish(s, CAPF_F_ISSUE, CAPF_REASON_INVALID_ELEMENT, "the LSC could not be issued");
		return;
	}
	s->lsc = malloc(der_len);
	if (s->lsc == NULL) {
		finish(s, CAPF_F_ISSUE, CAPF_REASON_INVALID_ELEMENT, "out of memory");
		return;
	}
	memcpy(s->lsc, der, der_len);
	s->lsc_len = der_len;
	capf_build_init(&b);
	b.cert_type = CAPF_CERT_LSC;
	b.cert = s->lsc;
	b.cert_len = s->lsc_len;
	if (capf_msg_build(s->obuf, sizeof(s->obuf), CAPF_STORE_CERTIFICATE_REQUEST, s->id,
			   &b) < 0) {
		finish(s, CAPF_F_ISSUE, CAPF_REASON_INVALID_ELEMENT, "the LSC is too large");
		return;
	}
	send_msg(s, CAPF_STORE_CERTIFICATE_REQUEST, &b);
	enter(s, ST_STORE);
	if (!s->in_process)
		process(s);
}

static void on_keygen_response(struct capf_session *s, const struct capf_msg *m)
{
	const struct capf_el *pk = &m->el[CAPF_EL_PUBLIC_KEY];
	char err[160];

	if (!pk->present) {
		finish(s, CAPF_F_NO_PUBLIC_KEY, CAPF_REASON_INVALID_ELEMENT,
		       "KEY_GENERATE_RESPONSE without PUBLIC_KEY (key generation failed?)");
		return;
	}
	if (capf_lsc_check_spki(pk->v, pk->len, &s->key, err, sizeof(err)) != 0) {
		finish(s, CAPF_F_BAD_KEY, CAPF_REASON_INVALID_ELEMENT, "%s", err);
		return;
	}
	enter(s, ST_ISSUE);
	s->pending = true;
	s->ops->issue(s->bctx, s, s->device, pk->v, pk->len, &s->key);
}

static uint8_t reason_of(const struct capf_msg *m)
{
	uint8_t r;

	return capf_el_u8(m, CAPF_EL_REASON, &r) == 0 ? r : 0xff;
}

static void on_fetch_response(struct capf_session *s, const struct capf_msg *m)
{
	const struct capf_el *ce = &m->el[CAPF_EL_CERTIFICATE];
	uint8_t r = reason_of(m);
	struct capf_cert_el c;
	const unsigned char *p;
	X509 *x;

	if (r != CAPF_REASON_UPDATE_CERTIFICATE) {
		report_result(s, CAPF_F_PHONE_REFUSED, r, NULL, 0);
		finish(s, CAPF_F_PHONE_REFUSED, CAPF_REASON_NO_ACTION,
		       "phone has no certificate to fetch (reason %u)", r);
		return;
	}
	if (!ce->present || capf_cert_unwrap(ce->v, ce->len, &c) != 0) {
		finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT,
		       "FETCH_CERTIFICATE_RESPONSE without CERTIFICATE");
		return;
	}
	p = c.der;
	x = d2i_X509(NULL, &p, (long)c.der_len);
	ERR_clear_error();
	if (x == NULL || p != c.der + c.der_len) {
		X509_free(x);
		finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT,
		       "fetched certificate is not one DER X.509 certificate");
		return;
	}
	X509_free(x);
	report_result(s, CAPF_F_OK, r, c.der, c.der_len);
	/* spec §1.8: a fetch ends with END_SESSION(0) */
	finish(s, CAPF_F_OK, CAPF_REASON_NO_ACTION, "certificate fetched");
}

/* STORE and DELETE responses: END_SESSION(1) whatever the phone says (spec §1.8). */
static void on_ok_response(struct capf_session *s, const struct capf_msg *m, const char *what)
{
	uint8_t r = reason_of(m);

	if (r == CAPF_REASON_UPDATE_CERTIFICATE) {
		report_result(s, CAPF_F_OK, r, s->st == ST_STORE ? s->lsc : NULL,
			      s->st == ST_STORE ? s->lsc_len : 0);
		finish(s, CAPF_F_OK, CAPF_REASON_UPDATE_CERTIFICATE, "%s", what);
		return;
	}
	report_result(s, CAPF_F_PHONE_REFUSED, r, NULL, 0);
	finish(s, CAPF_F_PHONE_REFUSED, CAPF_REASON_UPDATE_CERTIFICATE,
	       "phone answered reason %u; nothing stored", r);
}

static const uint8_t expected_cmd[] = {
	[ST_AUTH] = CAPF_AUTH_RESPONSE,
	[ST_KEYGEN] = CAPF_KEY_GENERATE_RESPONSE,
	[ST_STORE] = CAPF_STORE_CERTIFICATE_RESPONSE,
	[ST_FETCH] = CAPF_FETCH_CERTIFICATE_RESPONSE,
	[ST_DELETE] = CAPF_DELETE_CERTIFICATE_RESPONSE,
};

static void handle(struct capf_session *s, size_t len)
{
	struct capf_msg m;
	int rc = capf_msg_parse(s->cur, len, &m);

	if (rc != 0) {
		finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT, "%s %s (tag %u)",
		       capf_cmd_name(m.hdr.cmd), capf_perr_str(rc), m.bad_tag);
		return;
	}
	if (m.hdr.session != s->id) {
		finish(s, CAPF_F_SESSION_ID, CAPF_REASON_INVALID_ELEMENT,
		       "phone used session ID %u", m.hdr.session);
		return;
	}
	if (m.n_unknown > 0)
		log_info("capf: session %u: %s: skipped %u unknown element(s), first tag %u",
			 s->id, capf_cmd_name(m.hdr.cmd), m.n_unknown, m.unknown[0]);
	if (m.hdr.cmd == CAPF_REQUEST_IN_PROGRESS && s->st != ST_AUTH) {
		if (++s->n_in_progress > s->cfg.max_in_progress)
			finish(s, CAPF_F_UNEXPECTED, CAPF_REASON_INVALID_ELEMENT,
			       "more than %u REQUEST_IN_PROGRESS", s->cfg.max_in_progress);
		return;		/* spec §1.8: loop while 17 arrives */
	}
	if (s->st >= sizeof(expected_cmd) || expected_cmd[s->st] == 0 ||
	    m.hdr.cmd != expected_cmd[s->st]) {
		finish(s, CAPF_F_UNEXPECTED, CAPF_REASON_INVALID_ELEMENT,
		       "%s (%u) while waiting for %s", capf_cmd_name(m.hdr.cmd), m.hdr.cmd,
		       state_names[s->st]);
		return;
	}
	switch (s->st) {
	case ST_AUTH: on_auth_response(s, &m); break;
	case ST_KEYGEN: on_keygen_response(s, &m); break;
	case ST_STORE: on_ok_response(s, &m, "LSC installed"); break;
	case ST_FETCH: on_fetch_response(s, &m); break;
	case ST_DELETE: on_ok_response(s, &m, "LSC deleted"); break;
	default: break;
	}
}

/* Handles every complete buffered message while no backend answer is due. */
static void process(struct capf_session *s)
{
	struct capf_hdr h;
	size_t total;
	int rc;

	s->in_process = true;
	while (s->st != ST_DONE && !s->pending && s->in_len >= CAPF_HDR_LEN) {
		rc = capf_hdr_parse(s->in, s->in_len, &h);
		if (rc != 0) {
			finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT, "%s",
			       capf_perr_str(rc));
			break;
		}
		total = CAPF_HDR_LEN + (size_t)h.body_len;
		if (s->in_len < total)
			break;
		memcpy(s->cur, s->in, total);
		memmove(s->in, s->in + total, s->in_len - total);
		s->in_len -= total;
		handle(s, total);
	}
	s->in_process = false;
}

void capf_session_input(struct capf_session *s, const uint8_t *data, size_t len)
{
	while (len > 0 && s->st != ST_DONE) {
		size_t n = sizeof(s->in) - s->in_len;

		if (s->st == ST_INIT) {
			finish(s, CAPF_F_UNEXPECTED, CAPF_REASON_INVALID_ELEMENT,
			       "phone spoke before AUTH_REQUEST");
			return;
		}
		if (n == 0) {
			finish(s, CAPF_F_MALFORMED, CAPF_REASON_INVALID_ELEMENT,
			       "phone sent more than %zu bytes ahead while waiting for %s",
			       sizeof(s->in), state_names[s->st]);
			return;
		}
		if (n > len)
			n = len;
		memcpy(s->in + s->in_len, data, n);
		s->in_len += n;
		data += n;
		len -= n;
		if (!s->in_process)
			process(s);
	}
}
