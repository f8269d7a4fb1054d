/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPF codec (spec §1.2–§1.6). See capf_msg.h. */
#include <string.h>

#include "capf_msg.h"

/* Per-element length limits. min > max marks an unknown tag (skipped). */
struct el_limit {
	uint16_t min, max;
};

static const struct el_limit limits[CAPF_TAG_MAX + 1] = {
	[0] = { 1, 0 },
	[CAPF_EL_REASON] = { 1, 1 },
	[CAPF_EL_REASON_INFO] = { 0, 1024 },
	[CAPF_EL_CERTIFICATE_TYPE] = { 1, 1 },
	[CAPF_EL_CERTIFICATE] = { CAPF_CERT_PREFIX_LEN + 1, 8192 },
	[CAPF_EL_CERTIFICATE_ID] = { 0, 1024 },
	[CAPF_EL_SIGNED_DATA] = { 1, 1024 },		/* RSA-4096: 512 bytes */
	[CAPF_EL_VERSION] = { 1, 1 },
	[CAPF_EL_AUTH_TYPE] = { 1, 1 },
	[CAPF_EL_PUBLIC_KEY] = { 1, 2048 },		/* RSA-4096 SPKI: 550 */
	[CAPF_EL_KEY_SIZE] = { 2, 2 },
	[CAPF_EL_PASSWORD] = { 1, 256 },
	[CAPF_EL_RETRY_DELAY] = { 0, 1024 },
	[CAPF_EL_DEVICE_NAME] = { 2, 128 },
	[14] = { 1, 0 },
	[15] = { 1, 0 },
	[CAPF_EL_SUDI_DATA] = { 9, 12288 },
	[CAPF_EL_KEY_TYPE] = { 1, 1 },
	[CAPF_EL_CURVE] = { 1, 1 },
	[CAPF_EL_DIGEST_TYPE] = { 0, 1024 },
	[CAPF_EL_SHA2_SIGNED_DATA] = { 4, 1027 },
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

const char *capf_perr_str(int err)
{
	switch (err) {
	case 0: return "ok";
	case CAPF_E_SHORT: return "message truncated";
	case CAPF_E_PROTO: return "protocol ID is not 0x55";
	case CAPF_E_SIZE: return "message larger than 16384 bytes";
	case CAPF_E_TRUNC: return "element runs past the message body";
	case CAPF_E_DUP: return "element repeated";
	case CAPF_E_ELEN: return "element length outside its limits";
	case CAPF_E_TRAIL: return "bytes after the message";
	case CAPF_E_VALUE: return "element value malformed";
	default: return "unknown error";
	}
}

int capf_hdr_parse(const uint8_t *buf, size_t len, struct capf_hdr *h)
{
	if (len < CAPF_HDR_LEN)
		return CAPF_E_SHORT;
	h->proto = buf[0];
	h->cmd = buf[1];
	h->session = get32(buf + 2);
	h->body_len = get16(buf + 6);
	if (h->proto != CAPF_PROTOCOL_ID)
		return CAPF_E_PROTO;
	if (h->body_len > CAPF_BODY_MAX)
		return CAPF_E_SIZE;
	return 0;
}

int capf_msg_parse(const uint8_t *buf, size_t len, struct capf_msg *m)
{
	uint8_t seen[32] = { 0 };	/* bitmap of tags 0..255 */
	const uint8_t *p, *end;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = capf_hdr_parse(buf, len, &m->hdr);
	if (rc != 0)
		return rc;
	if (len < CAPF_HDR_LEN + (size_t)m->hdr.body_len)
		return CAPF_E_SHORT;
	if (len > CAPF_HDR_LEN + (size_t)m->hdr.body_len)
		return CAPF_E_TRAIL;
	p = buf + CAPF_HDR_LEN;
	end = p + m->hdr.body_len;
	while (p < end) {
		uint8_t tag;
		uint16_t elen;

		if (end - p < 3) {
			m->bad_tag = p[0];
			return CAPF_E_TRUNC;
		}
		tag = p[0];
		elen = get16(p + 1);
		m->bad_tag = tag;
		if ((size_t)(end - p - 3) < elen)
			return CAPF_E_TRUNC;
		if (seen[tag >> 3] & (1u << (tag & 7)))
			return CAPF_E_DUP;	/* duplicates refused, known or not */
		seen[tag >> 3] |= (uint8_t)(1u << (tag & 7));
		if (tag > CAPF_TAG_MAX || limits[tag].min > limits[tag].max) {
			/* spec §1.4: a tolerant server skips unknown tags and logs them */
			if (m->n_unknown < CAPF_UNKNOWN_REPORT)
				m->unknown[m->n_unknown] = tag;
			m->n_unknown++;
		} else {
			if (elen < limits[tag].min || elen > limits[tag].max)
				return CAPF_E_ELEN;
			m->el[tag].v = p + 3;
			m->el[tag].len = elen;
			m->el[tag].present = true;
		}
		p += 3 + (size_t)elen;
	}
	m->bad_tag = 0;
	return 0;
}

int capf_el_u8(const struct capf_msg *m, enum capf_tag t, uint8_t *out)
{
	if ((unsigned)t > CAPF_TAG_MAX || !m->el[t].present || m->el[t].len != 1)
		return CAPF_E_VALUE;
	*out = m->el[t].v[0];
	return 0;
}

int capf_el_u16(const struct capf_msg *m, enum capf_tag t, uint16_t *out)
{
	if ((unsigned)t > CAPF_TAG_MAX || !m->el[t].present || m->el[t].len != 2)
		return CAPF_E_VALUE;
	*out = get16(m->el[t].v);
	return 0;
}

const char *capf_el_cstr(const struct capf_msg *m, enum capf_tag t)
{
	const struct capf_el *e;

	if ((unsigned)t > CAPF_TAG_MAX)
		return NULL;
	e = &m->el[t];
	if (!e->present || e->len == 0 || e->v[e->len - 1] != 0)
		return NULL;
	if (memchr(e->v, 0, e->len) != e->v + e->len - 1)
		return NULL;	/* an embedded NUL would hide the rest */
	return (const char *)e->v;
}

int capf_cert_unwrap(const uint8_t *v, size_t len, struct capf_cert_el *out)
{
	memset(out, 0, sizeof(*out));
	if (len <= CAPF_CERT_PREFIX_LEN)
		return CAPF_E_VALUE;
	out->der = v + CAPF_CERT_PREFIX_LEN;
	out->der_len = len - CAPF_CERT_PREFIX_LEN;
	out->type = v[4];
	out->prefix_ok = v[0] == 0x01 && v[3] == 0x00 &&
			 (size_t)get16(v + 1) == out->der_len + 2;
	return 0;
}

int capf_sha2sig_parse(const uint8_t *v, size_t len, const uint8_t **sig, size_t *sig_len)
{
	if (len < 4 || v[0] != 3)	/* spec §1.6: hashAlg must be 3 (SHA-512) */
		return CAPF_E_VALUE;
	if ((size_t)get16(v + 1) != len - 3)
		return CAPF_E_VALUE;
	*sig = v + 3;
	*sig_len = len - 3;
	return 0;
}

static int sudi_rec(const uint8_t **p, const uint8_t *end, uint8_t *x,
		    const uint8_t **val, size_t *vlen)
{
	uint16_t l;

	if (end - *p < 3)
		return CAPF_E_VALUE;
	*x = (*p)[0];
	l = get16(*p + 1);
	if ((size_t)(end - *p - 3) < l || l == 0)
		return CAPF_E_VALUE;
	*val = *p + 3;
	*vlen = l;
	*p += 3 + (size_t)l;
	return 0;
}

int capf_sudi_parse(const uint8_t *v, size_t len, struct capf_sudi *out)
{
	const uint8_t *p = v, *end = v + len;
	uint8_t x;

	memset(out, 0, sizeof(*out));
	if (sudi_rec(&p, end, &x, &out->cert, &out->cert_len) != 0 ||
	    sudi_rec(&p, end, &x, &out->sig1, &out->sig1_len) != 0 ||
	    sudi_rec(&p, end, &x, &out->sig512, &out->sig512_len) != 0)
		return CAPF_E_VALUE;
	if (x != 3 || p != end)
		return CAPF_E_VALUE;
	return 0;
}

/* ---- building ---- */

static void put(struct capf_w *w, const void *v, size_t len)
{
	if (w->failed)
		return;
	if (len > w->cap - w->len || w->len + len > CAPF_MSG_MAX) {
		w->failed = true;
		return;
	}
	if (len > 0)
		memcpy(w->buf + w->len, v, len);
	w->len += len;
}

static void put_tl(struct capf_w *w, uint8_t tag, size_t len)
{
	uint8_t h[3] = { tag, (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xffff)
		w->failed = true;
	put(w, h, sizeof(h));
}

void capf_w_init(struct capf_w *w, uint8_t *buf, size_t cap, uint8_t cmd, uint32_t session)
{
	uint8_t h[CAPF_HDR_LEN] = {
		CAPF_PROTOCOL_ID, cmd, (uint8_t)(session >> 24), (uint8_t)(session >> 16),
		(uint8_t)(session >> 8), (uint8_t)session, 0, 0,
	};

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = false;
	put(w, h, sizeof(h));
}

void capf_w_bytes(struct capf_w *w, uint8_t tag, const void *v, size_t len)
{
	put_tl(w, tag, len);
	put(w, v, len);
}

void capf_w_u8(struct capf_w *w, uint8_t tag, uint8_t v)
{
	capf_w_bytes(w, tag, &v, 1);
}

void capf_w_u16(struct capf_w *w, uint8_t tag, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	capf_w_bytes(w, tag, b, 2);
}

void capf_w_cstr(struct capf_w *w, uint8_t tag, const char *s)
{
	capf_w_bytes(w, tag, s, strlen(s) + 1);
}

void capf_w_cert(struct capf_w *w, uint8_t type, const uint8_t *der, size_t len)
{
	uint8_t pre[CAPF_CERT_PREFIX_LEN] = {
		0x01, (uint8_t)((len + 2) >> 8), (uint8_t)(len + 2), 0x00, type,
	};

	if (len + 2 > 0xffff)
		w->failed = true;
	put_tl(w, CAPF_EL_CERTIFICATE, len + CAPF_CERT_PREFIX_LEN);
	put(w, pre, sizeof(pre));
	put(w, der, len);
}

void capf_w_sha2sig(struct capf_w *w, const uint8_t *sig, size_t len)
{
	uint8_t pre[3] = { 3, (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xffff)
		w->failed = true;
	put_tl(w, CAPF_EL_SHA2_SIGNED_DATA, len + 3);
	put(w, pre, sizeof(pre));
	put(w, sig, len);
}

static void put_rec(struct capf_w *w, uint8_t x, const uint8_t *v, size_t len)
{
	uint8_t pre[3] = { x, (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xffff)
		w->failed = true;
	put(w, pre, sizeof(pre));
	put(w, v, len);
}

void capf_w_sudi(struct capf_w *w, const struct capf_sudi *s)
{
	put_tl(w, CAPF_EL_SUDI_DATA, 9 + s->cert_len + s->sig1_len + s->sig512_len);
	put_rec(w, 0, s->cert, s->cert_len);
	put_rec(w, 1, s->sig1, s->sig1_len);
	put_rec(w, 3, s->sig512, s->sig512_len);
}

long capf_w_finish(struct capf_w *w)
{
	size_t body;

	if (w->failed || w->len < CAPF_HDR_LEN)
		return -1;
	body = w->len - CAPF_HDR_LEN;
	w->buf[6] = (uint8_t)(body >> 8);
	w->buf[7] = (uint8_t)body;
	return (long)w->len;
}

void capf_build_init(struct capf_build *b)
{
	memset(b, 0, sizeof(*b));
	b->reason = b->cert_type = b->version = b->auth_type = -1;
	b->key_size = b->key_type = b->curve = -1;
}

long capf_msg_build(uint8_t *buf, size_t cap, uint8_t cmd, uint32_t session,
		    const struct capf_build *b)
{
	struct capf_w w;

	capf_w_init(&w, buf, cap, cmd, session);
	if (b->reason >= 0)
		capf_w_u8(&w, CAPF_EL_REASON, (uint8_t)b->reason);
	if (b->cert_type >= 0)
		capf_w_u8(&w, CAPF_EL_CERTIFICATE_TYPE, (uint8_t)b->cert_type);
	if (b->cert != NULL)
		capf_w_cert(&w, b->cert_type >= 0 ? (uint8_t)b->cert_type : CAPF_CERT_LSC,
			    b->cert, b->cert_len);
	if (b->version >= 0)
		capf_w_u8(&w, CAPF_EL_VERSION, (uint8_t)b->version);
	if (b->auth_type >= 0)
		capf_w_u8(&w, CAPF_EL_AUTH_TYPE, (uint8_t)b->auth_type);
	if (b->key_size >= 0)
		capf_w_u16(&w, CAPF_EL_KEY_SIZE, (uint16_t)b->key_size);
	if (b->key_type >= 0)
		capf_w_u8(&w, CAPF_EL_KEY_TYPE, (uint8_t)b->key_type);
	if (b->curve >= 0)
		capf_w_u8(&w, CAPF_EL_CURVE, (uint8_t)b->curve);
	return capf_w_finish(&w);
}

const char *capf_cmd_name(unsigned cmd)
{
	static const char *const names[] = {
		"0", "AUTH_REQUEST", "AUTH_RESPONSE", "KEY_GENERATE_REQUEST",
		"KEY_GENERATE_RESPONSE", "ENCRYPT_RESPONSE", "ENCRYPT_REQUEST",
		"DECRYPT_REQUEST", "DECRYPT_RESPONSE", "STORE_CERTIFICATE_REQUEST",
		"STORE_CERTIFICATE_RESPONSE", "FETCH_CERTIFICATE_REQUEST",
		"FETCH_CERTIFICATE_RESPONSE", "DELETE_CERTIFICATE_REQUEST",
		"DELETE_CERTIFICATE_RESPONSE", "END_SESSION", "RETRY_LATER",
		"REQUEST_IN_PROGRESS", "STATUS_REQUEST", "STATUS_RESPONSE",
		"ABORT_REQUEST", "ABORT_RESPONSE", "SIGN_CERTIFICATE_REQUEST",
		"SIGN_CERTIFICATE_RESPONSE",
	};

	return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "unknown command";
}
