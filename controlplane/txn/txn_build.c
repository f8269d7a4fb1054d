/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message building: responses (RFC 3261 §8.2.6), the ACK of a non-2xx final
 * (§17.1.1.3), CANCEL (§9.1), reason phrases (§21) and random tokens
 * (branch §8.1.1.7, tag §19.3, Call-ID §8.1.1.4) from OpenSSL's RAND_bytes.
 *
 * Header values are copied from the parsed request as they were received
 * (unfolded, compact names expanded to the long form).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "txn.h"

/* ---- bounded writer ---- */

struct wr {
	char *p;
	size_t cap, n;
	bool over;
};

static void put(struct wr *w, const char *s, size_t n)
{
	if (w->over || n >= w->cap - w->n) {	/* keep room for the NUL */
		w->over = true;
		return;
	}
	memcpy(w->p + w->n, s, n);
	w->n += n;
	w->p[w->n] = '\0';
}

static void puts_(struct wr *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putstr(struct wr *w, struct sl_sip_str s)
{
	put(w, s.p, s.n);
}

static void putf(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct wr *w, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		w->over = true;
		return;
	}
	put(w, tmp, (size_t)n);
}

/* "Name: value\r\n" */
static void hdr(struct wr *w, const char *name, struct sl_sip_str v)
{
	puts_(w, name);
	put(w, ": ", 2);
	putstr(w, v);
	put(w, "\r\n", 2);
}

static int finish(const struct wr *w)
{
	if (w->over || w->n > (size_t)INT32_MAX)
		return -ENOSPC;
	return (int)w->n;
}

static const struct sl_sip_header *first(const struct sl_sip_msg *m, enum sl_sip_hdr id)
{
	unsigned int pos = 0;

	return sl_sip_header_next(m, id, &pos);
}

/* Every field of kind id, in order, one line each. */
static void all(struct wr *w, const struct sl_sip_msg *m, enum sl_sip_hdr id, const char *name)
{
	for (unsigned int i = 0; i < m->nhdr; i++)
		if (m->hdr[i].id == id)
			hdr(w, name, m->hdr[i].value);
}

/* The top Via value alone (a field may hold several, §7.3.1). */
static struct sl_sip_str top_via(const struct sl_sip_msg *m)
{
	const struct sl_sip_via *v = &m->via[0];
	struct sl_sip_str s = { v->proto.p, (size_t)(v->params.p + v->params.n - v->proto.p) };

	return s;
}

static bool has_crlf(const char *s, size_t n)
{
	return memchr(s, '\r', n) != NULL || memchr(s, '\n', n) != NULL;
}

/* token characters (§25.1), for tags */
static bool is_token(const char *s)
{
	static const char extra[] = "-.!%*_+`'~";

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return false;
	return true;
}

/* ---- responses ---- */

int sl_sip_build_response(char *out, size_t cap, const struct sl_sip_msg *req, int code,
			  const char *reason, const char *to_tag, const char *extra,
			  const char *body_type, const char *body, size_t body_len)
{
	const struct sl_sip_header *from, *to, *callid, *cseq;
	struct wr w = { out, cap, 0, false };
	size_t xlen = extra != NULL ? strlen(extra) : 0;

	if (out == NULL || cap == 0 || req == NULL || !req->is_request || code < 100 || code > 699)
		return -EINVAL;
	if (reason == NULL)
		reason = sl_sip_reason(code);
	if (has_crlf(reason, strlen(reason)) || (to_tag != NULL && !is_token(to_tag)))
		return -EINVAL;
	/* extra: complete lines, no blank line (it would end the header) */
	if (xlen > 0 && (xlen < 2 || strcmp(extra + xlen - 2, "\r\n") != 0 ||
			 strstr(extra, "\r\n\r\n") != NULL || extra[0] == '\r'))
		return -EINVAL;
	if (body_len > 0 && (body == NULL || body_type == NULL || has_crlf(body_type, strlen(body_type))))
		return -EINVAL;
	from = first(req, SL_SIP_H_FROM);
	to = first(req, SL_SIP_H_TO);
	callid = first(req, SL_SIP_H_CALL_ID);
	cseq = first(req, SL_SIP_H_CSEQ);
	if (from == NULL || to == NULL || callid == NULL || cseq == NULL || req->nvia == 0)
		return -EINVAL;

	putf(&w, "SIP/2.0 %d ", code);
	puts_(&w, reason);
	put(&w, "\r\n", 2);
	all(&w, req, SL_SIP_H_VIA, "Via");	/* §8.2.6.2: all Vias, same order */
	hdr(&w, "From", from->value);
	puts_(&w, "To: ");
	putstr(&w, to->value);
	/* §8.2.6.2: a tag unless the request had one, and none on 100 */
	if (!req->to.has_tag && to_tag != NULL && code != 100) {
		put(&w, ";tag=", 5);
		puts_(&w, to_tag);
	}
	put(&w, "\r\n", 2);
	hdr(&w, "Call-ID", callid->value);
	hdr(&w, "CSeq", cseq->value);
	put(&w, extra != NULL ? extra : "", xlen);
	if (body_len > 0) {
		puts_(&w, "Content-Type: ");
		puts_(&w, body_type);
		put(&w, "\r\n", 2);
	}
	putf(&w, "Content-Length: %zu\r\n\r\n", body_len);
	if (body_len > 0)
		put(&w, body, body_len);
	return finish(&w);
}

/* ---- ACK and CANCEL ---- */

/* The shared part of §17.1.1.3 and §9.1: Request-URI, top Via, Route, From,
 * To, Call-ID, CSeq number with the new method. */
static int build_in_txn(char *out, size_t cap, const struct sl_sip_msg *invite,
			const char *method, struct sl_sip_str to)
{
	const struct sl_sip_header *from, *callid;
	struct wr w = { out, cap, 0, false };

	from = first(invite, SL_SIP_H_FROM);
	callid = first(invite, SL_SIP_H_CALL_ID);
	if (from == NULL || callid == NULL || invite->nvia == 0)
		return -EINVAL;
	puts_(&w, method);
	put(&w, " ", 1);
	putstr(&w, invite->ruri.raw);
	put(&w, " SIP/2.0\r\n", 10);
	hdr(&w, "Via", top_via(invite));
	all(&w, invite, SL_SIP_H_ROUTE, "Route");
	puts_(&w, "Max-Forwards: 70\r\n");
	hdr(&w, "From", from->value);
	hdr(&w, "To", to);
	hdr(&w, "Call-ID", callid->value);
	putf(&w, "CSeq: %u %s\r\n", (unsigned)invite->cseq, method);
	puts_(&w, "Content-Length: 0\r\n\r\n");
	return finish(&w);
}

static bool is_invite(const struct sl_sip_msg *m)
{
	return m != NULL && m->is_request && sl_sip_str_ieq(m->method, "INVITE");
}

int sl_sip_build_ack_non2xx(char *out, size_t cap, const struct sl_sip_msg *invite,
			    const struct sl_sip_msg *resp)
{
	const struct sl_sip_header *to;

	if (out == NULL || cap == 0 || !is_invite(invite) || resp == NULL || resp->is_request ||
	    resp->status < 300)
		return -EINVAL;
	to = first(resp, SL_SIP_H_TO);	/* with the tag the UAS added */
	if (to == NULL)
		return -EINVAL;
	return build_in_txn(out, cap, invite, "ACK", to->value);
}

int sl_sip_build_cancel(char *out, size_t cap, const struct sl_sip_msg *invite)
{
	const struct sl_sip_header *to;

	if (out == NULL || cap == 0 || !is_invite(invite))
		return -EINVAL;
	to = first(invite, SL_SIP_H_TO);
	if (to == NULL)
		return -EINVAL;
	return build_in_txn(out, cap, invite, "CANCEL", to->value);
}

/* ---- reason phrases (RFC 3261 §21 and the extensions we meet) ---- */

struct reason {
	int code;
	const char *text;
};

static const struct reason reasons[] = {
	{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
	{ 182, "Queued" }, { 183, "Session Progress" }, { 199, "Early Dialog Terminated" },
	{ 200, "OK" }, { 202, "Accepted" }, { 204, "No Notification" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" }, { 305, "Use Proxy" }, { 380, "Alternative Service" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" }, { 410, "Gone" }, { 412, "Conditional Request Failed" },
	{ 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
	{ 417, "Unknown Resource-Priority" }, { 420, "Bad Extension" },
	{ 421, "Extension Required" }, { 422, "Session Interval Too Small" },
	{ 423, "Interval Too Brief" }, { 428, "Use Identity Header" },
	{ 429, "Provide Referrer Identity" }, { 430, "Flow Failed" },
	{ 433, "Anonymity Disallowed" }, { 436, "Bad Identity-Info" },
	{ 437, "Unsupported Certificate" }, { 438, "Invalid Identity Header" },
	{ 439, "First Hop Lacks Outbound Support" }, { 440, "Max-Breadth Exceeded" },
	{ 469, "Bad Info Package" }, { 470, "Consent Needed" },
	{ 480, "Temporarily Unavailable" }, { 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" }, { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
	{ 485, "Ambiguous" }, { 486, "Busy Here" }, { 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" }, { 489, "Bad Event" }, { 491, "Request Pending" },
	{ 493, "Undecipherable" }, { 494, "Security Agreement Required" },
	{ 500, "Server Internal Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Server Time-out" },
	{ 505, "Version Not Supported" }, { 513, "Message Too Large" },
	{ 555, "Push Notification Service Not Supported" }, { 580, "Precondition Failure" },
	{ 600, "Busy Everywhere" }, { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" }, { 607, "Unwanted" }, { 608, "Rejected" },
};

const char *sl_sip_reason(int code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return "Unknown";
}

/* ---- random tokens ---- */

/* 64 token characters (§25.1): 6 random bits each. */
static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";

static void rand_chars(char *out, size_t n)
{
	unsigned char b[48];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1) {
		/* unique branches, tags and Call-IDs are what keeps dialogs and
		 * transactions apart; without a working RNG we cannot go on */
		fprintf(stderr, "shieldlockd: RAND_bytes failed: the OpenSSL random "
				"generator is not seeded; check /dev/urandom and the "
				"OpenSSL configuration\n");
		abort();
	}
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[b[i] & 63];
	out[n] = '\0';
}

void sl_sip_new_branch(char out[32])
{
	memcpy(out, "z9hG4bK", 7);	/* §8.1.1.7 magic cookie */
	rand_chars(out + 7, 22);	/* 132 bits */
}

void sl_sip_new_tag(char out[24])
{
	rand_chars(out, 20);		/* 120 bits (§19.3: at least 32) */
}

/* word characters (§25.1) that a host string may use in a Call-ID */
static bool host_ok(const char *h)
{
	static const char extra[] = "-.!%*_+`'~()<>:\\\"/[]?{}";

	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || strchr(extra, *h) != NULL))
			return false;
	return true;
}

void sl_sip_new_callid(char out[48], const char *host)
{
	size_t hl = host != NULL ? strlen(host) : 0;

	/* §8.1.1.4: random part, "@host" when it fits (48 = 20 + 1 + 26 + NUL) */
	if (hl == 0 || hl > 26 || !host_ok(host)) {
		rand_chars(out, 32);
		return;
	}
	rand_chars(out, 20);
	out[20] = '@';
	memcpy(out + 21, host, hl + 1);
}
