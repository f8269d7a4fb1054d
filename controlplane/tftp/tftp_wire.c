/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TFTP packet parsing, option negotiation and packet building (pure).
 * RFC 1350 (TFTP), RFC 2347 (options), RFC 2348 (blksize), RFC 2349
 * (timeout, tsize), RFC 764 (netascii).
 */
#include "tftp_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int refuse(struct sl_tftp_refusal *why, enum tftp_errcode code, const char *msg)
{
	why->code = code;
	why->msg = msg;
	return -EPROTO;
}

/* Decimal digits only, 1..20 of them, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		unsigned d;

		if (s[n] < '0' || s[n] > '9' || n >= 20)
			return false;
		d = (unsigned)(s[n] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

/* Next NUL-terminated field at *p; NULL when the packet has no NUL left. */
static const char *take_field(const uint8_t **p, const uint8_t *end, size_t *flen)
{
	const uint8_t *nul;
	const char *s = (const char *)*p;

	if (*p >= end)
		return NULL;
	nul = memchr(*p, 0, (size_t)(end - *p));
	if (nul == NULL)
		return NULL;
	*flen = (size_t)(nul - *p);
	*p = nul + 1;
	return s;
}

static bool all_nul(const uint8_t *p, const uint8_t *end)
{
	for (; p < end; p++)
		if (*p != 0)
			return false;
	return true;
}

static int known_option(struct sl_tftp_request *req, const char *name,
			const char *value, struct sl_tftp_refusal *why)
{
	uint64_t v;

	if (strcasecmp(name, "blksize") == 0) {
		/* RFC 2348: 8..65464 octets. */
		if (!parse_u64(value, &v) || v < TFTP_BLKSIZE_MIN || v > TFTP_BLKSIZE_MAX)
			return refuse(why, TFTP_EOPTNEG,
				      "option blksize must be a number from 8 to 65464");
		req->has_blksize = true;
		req->blksize = (unsigned)v;
	} else if (strcasecmp(name, "timeout") == 0) {
		/* RFC 2349: 1..255 seconds. */
		if (!parse_u64(value, &v) || v < TFTP_TIMEOUT_MIN || v > TFTP_TIMEOUT_MAX)
			return refuse(why, TFTP_EOPTNEG,
				      "option timeout must be a number from 1 to 255");
		req->has_timeout = true;
		req->timeout = (unsigned)v;
	} else if (strcasecmp(name, "tsize") == 0) {
		/* RFC 2349: the client sends 0 in an RRQ. */
		if (!parse_u64(value, &v))
			return refuse(why, TFTP_EOPTNEG, "option tsize must be a decimal number");
		req->has_tsize = true;
		req->tsize = v;
	}
	return 0;
}

static int parse_options(struct sl_tftp_request *req, const uint8_t *p,
			 const uint8_t *end, struct sl_tftp_refusal *why)
{
	while (p < end) {
		const char *name, *value;
		size_t nlen, vlen;
		unsigned i;
		int rc;

		if (all_nul(p, end))
			break;	/* padding some clients append */
		name = take_field(&p, end, &nlen);
		if (name == NULL)
			return refuse(why, TFTP_EOPTNEG, "malformed options: option name not NUL-terminated");
		if (nlen == 0)
			return refuse(why, TFTP_EOPTNEG, "malformed options: empty option name");
		value = take_field(&p, end, &vlen);
		if (value == NULL)
			return refuse(why, TFTP_EOPTNEG,
				      "malformed options: option value missing or not NUL-terminated");
		for (i = 0; i < req->nopts; i++)
			if (strcasecmp(req->opts[i].name, name) == 0)
				return refuse(why, TFTP_EOPTNEG, "malformed options: option given twice");
		if (req->nopts >= TFTP_MAX_OPTIONS)
			return refuse(why, TFTP_EOPTNEG, "malformed options: too many options");
		req->opts[req->nopts].name = name;
		req->opts[req->nopts].value = value;
		req->nopts++;
		rc = known_option(req, name, value, why);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int sl_tftp_parse_request(const uint8_t *pkt, size_t len,
			  struct sl_tftp_request *req, struct sl_tftp_refusal *why)
{
	const uint8_t *p, *end;
	const char *mode;
	size_t mlen;
	uint16_t op;

	memset(req, 0, sizeof(*req));
	if (pkt == NULL || len < 2)
		return refuse(why, TFTP_EBADOP, "packet too short for a TFTP request");
	op = get16(pkt);
	if (op == TFTP_ERROR)
		return -EAGAIN;
	if (op == TFTP_WRQ)
		return refuse(why, TFTP_EACCESS, "access violation: this server is read-only");
	if (op != TFTP_RRQ)
		return refuse(why, TFTP_EBADOP,
			      "illegal TFTP operation: only read requests are accepted on this port");
	if (len > TFTP_REQ_MAX)
		return refuse(why, TFTP_EBADOP, "request longer than 2048 bytes");
	req->opcode = TFTP_RRQ;
	p = pkt + 2;
	end = pkt + len;

	req->filename = take_field(&p, end, &req->filename_len);
	if (req->filename == NULL)
		return refuse(why, TFTP_EBADOP, "malformed request: file name not NUL-terminated");
	if (req->filename_len == 0)
		return refuse(why, TFTP_EBADOP, "malformed request: empty file name");
	mode = take_field(&p, end, &mlen);
	if (mode == NULL)
		return refuse(why, TFTP_EBADOP, "malformed request: mode missing or not NUL-terminated");
	if (strcasecmp(mode, "octet") == 0)
		req->mode = TFTP_MODE_OCTET;
	else if (strcasecmp(mode, "netascii") == 0)
		req->mode = TFTP_MODE_NETASCII;
	else
		return refuse(why, TFTP_EBADOP, "unknown transfer mode: use octet or netascii");

	return parse_options(req, p, end, why);
}

static void copy_printable(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = '\0';
}

int sl_tftp_parse_reply(const uint8_t *pkt, size_t len, struct sl_tftp_reply *out)
{
	uint16_t op;

	memset(out, 0, sizeof(*out));
	out->errmsg = out->errbuf;
	if (pkt == NULL || len < 4)
		return -EPROTO;
	op = get16(pkt);
	if (op == TFTP_ACK) {
		out->opcode = TFTP_ACK;
		out->block = get16(pkt + 2);
		return 0;
	}
	if (op == TFTP_ERROR) {
		const uint8_t *msg = pkt + 4;
		const uint8_t *nul = memchr(msg, 0, len - 4);
		size_t mlen = nul != NULL ? (size_t)(nul - msg) : len - 4;

		out->opcode = TFTP_ERROR;
		out->errcode = get16(pkt + 2);
		copy_printable(out->errbuf, sizeof(out->errbuf), msg, mlen);
		return 0;
	}
	return -EPROTO;
}

void sl_tftp_negotiate(const struct sl_tftp_request *req,
		       const struct sl_tftp_limits *lim, uint64_t file_size,
		       bool tsize_known, struct sl_tftp_negotiated *out)
{
	unsigned maxb = lim->max_blksize;

	if (maxb < TFTP_BLKSIZE_MIN)
		maxb = TFTP_BLKSIZE_MIN;
	if (maxb > TFTP_BLKSIZE_MAX)
		maxb = TFTP_BLKSIZE_MAX;
	memset(out, 0, sizeof(*out));
	out->blksize = TFTP_SEGSIZE;
	out->timeout = lim->default_timeout;
	if (out->timeout < TFTP_TIMEOUT_MIN || out->timeout > TFTP_TIMEOUT_MAX)
		out->timeout = TFTP_TIMEOUT_MIN;
	if (req->has_blksize) {
		/* RFC 2348: the answer must not exceed the request. */
		out->blksize = req->blksize < maxb ? req->blksize : maxb;
		out->ack_blksize = true;
	}
	if (req->has_timeout) {
		out->timeout = req->timeout;
		out->ack_timeout = true;
	}
	if (req->has_tsize && tsize_known) {
		out->tsize = file_size;
		out->ack_tsize = true;
	}
}

static size_t put_opt(uint8_t *buf, size_t cap, size_t off, const char *name,
		      unsigned long long v)
{
	char tmp[64];
	int n;

	if (off == 0)
		return 0;
	n = snprintf(tmp, sizeof(tmp), "%s%c%llu", name, '\0', v);
	if (n < 0 || (size_t)n + 1 > cap - off)
		return 0;
	memcpy(buf + off, tmp, (size_t)n + 1);
	return off + (size_t)n + 1;
}

size_t sl_tftp_build_oack(const struct sl_tftp_negotiated *n, uint8_t *buf, size_t cap)
{
	size_t off;

	if (cap < 2)
		return 0;
	put16(buf, TFTP_OACK);
	off = 2;
	if (n->ack_blksize)
		off = put_opt(buf, cap, off, "blksize", n->blksize);
	if (n->ack_timeout)
		off = put_opt(buf, cap, off, "timeout", n->timeout);
	if (n->ack_tsize)
		off = put_opt(buf, cap, off, "tsize", (unsigned long long)n->tsize);
	return off;
}

size_t sl_tftp_build_error(enum tftp_errcode code, const char *msg,
			   uint8_t *buf, size_t cap)
{
	size_t mlen = msg != NULL ? strlen(msg) : 0;

	if (cap < 5)
		return 0;
	if (mlen > cap - 5)
		mlen = cap - 5;
	put16(buf, TFTP_ERROR);
	put16(buf + 2, (uint16_t)code);
	if (mlen != 0)
		memcpy(buf + 4, msg, mlen);
	buf[4 + mlen] = 0;
	return 5 + mlen;
}

void sl_tftp_put_data_hdr(uint8_t *buf, uint16_t block)
{
	put16(buf, TFTP_DATA);
	put16(buf + 2, block);
}

size_t sl_tftp_netascii_fill(struct sl_tftp_netascii *st, const uint8_t *in,
			     size_t inlen, size_t *used, uint8_t *out, size_t outcap)
{
	size_t i = 0, o = 0;

	while (o < outcap) {
		uint8_t c;

		if (st->pending >= 0) {
			out[o++] = (uint8_t)st->pending;
			st->pending = -1;
			continue;
		}
		if (i >= inlen)
			break;
		c = in[i++];
		out[o++] = c == '\n' ? '\r' : c;
		if (c == '\n')
			st->pending = '\n';	/* LF -> CR LF */
		else if (c == '\r')
			st->pending = '\0';	/* CR -> CR NUL */
	}
	*used = i;
	return o;
}

const char *sl_tftp_errcode_name(unsigned code)
{
	static const char *const names[TFTP_ECODES] = {
		"undefined", "not-found", "access", "disk-full", "illegal-op",
		"unknown-tid", "exists", "no-user", "option-refused",
	};

	return code < TFTP_ECODES ? names[code] : "unknown";
}
