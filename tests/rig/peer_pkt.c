/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_peer packets: deterministic RTP/RTCP, libsrtp2 protect/unprotect and
 * the receiver's checks (see peer.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

#define RTCP_SR_LEN   28      /* RFC 3550 §6.4.1: header + sender info, no blocks */
#define RTCP_APP_HDR  12      /* RFC 3550 §6.7: header, SSRC, name */

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Payload byte i of packet (ssrc, seq): any change in transit shows. */
static uint8_t pay_byte(uint32_t ssrc, uint32_t seq, size_t i)
{
	uint32_t x = ssrc ^ (seq * 0x9e3779b1u) ^ ((uint32_t)i * 0x85ebca6bu);

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)x;
}

static void fill_payload(uint8_t *p, size_t n, uint32_t ssrc, uint32_t seq)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pay_byte(ssrc, seq, i);
}

static bool payload_ok(const uint8_t *p, size_t n, uint32_t ssrc, uint32_t seq)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pay_byte(ssrc, seq, i))
			return false;
	return true;
}

/* RFC 3550 §5.1 fixed header, timestamp advancing 160 per packet (20 ms G.711). */
static size_t build_rtp(const struct peer_opts *o, uint32_t seq, uint8_t *b)
{
	b[0] = 0x80;
	b[1] = o->pt & 0x7f;
	wr16(b + 2, seq & 0xffff);
	wr32(b + 4, 0x10000000u + seq * 160u);
	wr32(b + 8, o->ssrc);
	fill_payload(b + 12, o->payload_size, o->ssrc, seq & 0xffff);
	return 12 + o->payload_size;
}

/*
 * A compound RTCP packet: SR (RFC 3550 §6.4.1) whose packet count carries
 * the "sequence number", then an APP packet (§6.7, name "SLRG") carrying the
 * deterministic payload, rounded up to 32-bit words.
 */
static size_t build_rtcp(const struct peer_opts *o, uint32_t seq, uint8_t *b)
{
	size_t app = (o->payload_size + 3) & ~(size_t)3;

	b[0] = 0x80;
	b[1] = 200;
	wr16(b + 2, RTCP_SR_LEN / 4 - 1);
	wr32(b + 4, o->ssrc);
	wr32(b + 8, 0xe0000000u + seq);          /* NTP seconds */
	wr32(b + 12, seq * 0x01000193u);         /* NTP fraction */
	wr32(b + 16, 0x10000000u + seq * 160u);  /* RTP timestamp */
	wr32(b + 20, seq);                       /* sender's packet count */
	wr32(b + 24, seq * (uint32_t)o->payload_size);
	b += RTCP_SR_LEN;
	b[0] = 0x80;
	b[1] = 204;
	wr16(b + 2, (uint32_t)((RTCP_APP_HDR + app) / 4 - 1));
	wr32(b + 4, o->ssrc);
	memcpy(b + 8, "SLRG", 4);
	fill_payload(b + RTCP_APP_HDR, app, o->ssrc, seq);
	return RTCP_SR_LEN + RTCP_APP_HDR + app;
}

size_t peer_build(const struct peer_opts *o, unsigned idx, uint8_t *buf)
{
	uint32_t seq = o->seq + idx;

	return o->rtcp ? build_rtcp(o, seq, buf) : build_rtp(o, seq, buf);
}

bool peer_in_list(const unsigned *list, unsigned n, unsigned idx)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == idx)
			return true;
	return false;
}

/* RFC 4568 / 6188 / 7714 suite names mapped to libsrtp2's policies. */
static int set_suite(srtp_policy_t *p, const char *s)
{
	static const struct {
		const char *name;
		void (*rtp)(srtp_crypto_policy_t *);
		void (*rtcp)(srtp_crypto_policy_t *);
	} map[] = {
		/* libsrtp2's aes_cm_128_hmac_sha1_80 setter is a macro for the default */
		{ "AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default,
		  srtp_crypto_policy_set_rtcp_default },
		/* the _32 suites keep an 80-bit SRTCP tag (RFC 4568 §6.2.1) */
		{ "AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
		  srtp_crypto_policy_set_rtcp_default },
		{ "AES_256_CM_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
		  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
		{ "AES_256_CM_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
		  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
		{ "AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth,
		  srtp_crypto_policy_set_aes_gcm_128_16_auth },
		{ "AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth,
		  srtp_crypto_policy_set_aes_gcm_256_16_auth },
		{ "NULL_HMAC_SHA1_80", srtp_crypto_policy_set_null_cipher_hmac_sha1_80,
		  srtp_crypto_policy_set_null_cipher_hmac_sha1_80 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(s, map[i].name)) {
			map[i].rtp(&p->rtp);
			map[i].rtcp(&p->rtcp);
			return 0;
		}
	}
	return -1;
}

/* One libsrtp2 session for any SSRC; the caller checked the suite name. */
int peer_srtp_session(const struct peer_opts *o, bool inbound, srtp_t *s)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	if (set_suite(&p, o->suite) < 0)
		return -1;
	if (o->key_len != (int)(p.rtp.cipher_key_len)) {
		fprintf(stderr, "udp_peer: %s needs %d bytes of key||salt (%d hex digits), got %d\n",
			o->suite, p.rtp.cipher_key_len, 2 * p.rtp.cipher_key_len, o->key_len);
		return -1;
	}
	/* A non-zero initial ROC needs the stream itself, not an "any" template. */
	if (o->roc) {
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = o->ssrc;
	} else {
		p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	}
	p.key = (unsigned char *)o->key;
	p.window_size = 1024;
	p.allow_repeat_tx = 1;     /* --replay re-sends stored bytes; never re-protects */
	if (srtp_create(s, &p) != srtp_err_status_ok) {
		fprintf(stderr, "udp_peer: libsrtp2 refused the %s policy\n", o->suite);
		return -1;
	}
	if (o->roc && srtp_set_stream_roc(*s, o->ssrc, o->roc) != srtp_err_status_ok) {
		fprintf(stderr, "udp_peer: libsrtp2 refused ROC %u\n", o->roc);
		srtp_dealloc(*s);
		return -1;
	}
	return 0;
}

size_t peer_protect(const struct peer_opts *o, srtp_t s, unsigned idx, uint8_t *buf, size_t len)
{
	int n = (int)len;

	if (s) {
		srtp_err_status_t e = o->rtcp ? srtp_protect_rtcp(s, buf, &n)
					      : srtp_protect(s, buf, &n);
		if (e != srtp_err_status_ok) {
			fprintf(stderr, "udp_peer: libsrtp2 protect of packet %u failed (%d)\n", idx, e);
			return 0;
		}
	}
	/* Flip one bit of the last byte: the SRTP/SRTCP tag, or RTP payload. */
	if (peer_in_list(o->tamper, o->ntamper, idx))
		buf[n - 1] ^= 0x01;
	return (size_t)n;
}

int peer_result_init(struct peer_result *r)
{
	memset(r, 0, sizeof(*r));
	r->seqs = calloc(PEER_MAX_SEQS, sizeof(uint32_t));
	r->rtcp_seqs = calloc(PEER_MAX_SEQS, sizeof(uint32_t));
	return r->seqs && r->rtcp_seqs ? 0 : -1;
}

void peer_result_free(struct peer_result *r)
{
	free(r->seqs);
	free(r->rtcp_seqs);
}

static void note_ssrc(struct peer_result *r, uint32_t ssrc)
{
	for (unsigned i = 0; i < r->nssrcs; i++)
		if (r->ssrcs[i] == ssrc)
			return;
	if (r->nssrcs < PEER_MAX_SSRCS)
		r->ssrcs[r->nssrcs++] = ssrc;
}

/* RFC 5761 §4: second byte 192..223 (PT 64..95 with the marker) is RTCP. */
static bool is_rtcp(const uint8_t *p)
{
	return p[1] >= 192 && p[1] <= 223;
}

static void check_rtp(struct peer_result *r, const uint8_t *p, size_t len)
{
	size_t hl = 12 + 4u * (p[0] & 0x0f);
	uint32_t ssrc = rd32(p + 8);
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);

	if (p[0] & 0x10 && len >= hl + 4)     /* header extension */
		hl += 4 + 4u * (uint32_t)(p[hl + 2] << 8 | p[hl + 3]);
	if (len < hl) {
		r->malformed++;
		return;
	}
	r->rtp++;
	note_ssrc(r, ssrc);
	if (r->seen[seq / 8] & (1u << (seq % 8)))
		r->duplicates++;
	r->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	if (r->nseqs < PEER_MAX_SEQS)
		r->seqs[r->nseqs++] = seq;
	if (payload_ok(p + hl, len - hl, ssrc, seq))
		r->payload_ok++;
	else
		r->payload_mismatch++;
}

static void check_rtcp(struct peer_result *r, const uint8_t *p, size_t len)
{
	uint32_t ssrc, seq;
	size_t app;

	if (len < RTCP_SR_LEN + RTCP_APP_HDR || p[1] != 200 || p[RTCP_SR_LEN + 1] != 204) {
		r->malformed++;
		return;
	}
	r->rtcp++;
	ssrc = rd32(p + 4);
	seq = rd32(p + 20);
	note_ssrc(r, ssrc);
	if (r->nrtcp_seqs < PEER_MAX_SEQS)
		r->rtcp_seqs[r->nrtcp_seqs++] = seq;
	app = len - RTCP_SR_LEN - RTCP_APP_HDR;
	if (rd32(p + 8) == 0xe0000000u + seq && rd32(p + 12) == seq * 0x01000193u &&
	    !memcmp(p + RTCP_SR_LEN + 8, "SLRG", 4) &&
	    payload_ok(p + RTCP_SR_LEN + RTCP_APP_HDR, app, ssrc, seq))
		r->payload_ok++;
	else
		r->payload_mismatch++;
}

void peer_check(struct peer_result *r, srtp_t s, uint8_t *p, size_t len)
{
	int n = (int)len;
	bool rtcp;

	r->received++;
	if (len < 8 || (p[0] >> 6) != 2) {
		r->malformed++;
		return;
	}
	rtcp = is_rtcp(p);
	if (!rtcp && len < 12) {
		r->malformed++;
		return;
	}
	if (s) {
		srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(s, p, &n) : srtp_unprotect(s, p, &n);

		if (e == srtp_err_status_auth_fail) {
			r->auth_fail++;
			return;
		}
		if (e == srtp_err_status_replay_fail || e == srtp_err_status_replay_old) {
			r->replay_fail++;
			return;
		}
		if (e != srtp_err_status_ok) {
			r->other_fail++;
			return;
		}
		r->decrypted_ok++;
	}
	if (rtcp)
		check_rtcp(r, p, (size_t)n);
	else
		check_rtp(r, p, (size_t)n);
}

static void json_u32_list(FILE *f, const char *name, const uint32_t *v, unsigned n)
{
	fprintf(f, ",\"%s\":[", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", v[i]);
	fputc(']', f);
}

void peer_result_json(FILE *f, const struct peer_result *r)
{
	fprintf(f, "{\"received\":%lu,\"rtp\":%lu,\"rtcp\":%lu,\"decrypted_ok\":%lu,"
		"\"auth_fail\":%lu,\"replay_fail\":%lu,\"other_fail\":%lu,"
		"\"payload_ok\":%lu,\"payload_mismatch\":%lu,\"malformed\":%lu,"
		"\"duplicates\":%lu,\"frames\":%lu,\"other\":%lu,\"bad_ip_csum\":%lu,"
		"\"bad_udp_csum\":%lu,\"no_udp_csum\":%lu,\"src_mismatch\":%lu,"
		"\"eth_mismatch\":%lu,\"from\":\"%s\"",
		r->received, r->rtp, r->rtcp, r->decrypted_ok, r->auth_fail, r->replay_fail,
		r->other_fail, r->payload_ok, r->payload_mismatch, r->malformed, r->duplicates,
		r->frames, r->other, r->bad_ip_csum, r->bad_udp_csum, r->no_udp_csum,
		r->src_mismatch, r->eth_mismatch, r->from);
	json_u32_list(f, "ssrc", r->ssrcs, r->nssrcs);
	json_u32_list(f, "seqs", r->seqs, r->nseqs);
	json_u32_list(f, "rtcp_seqs", r->rtcp_seqs, r->nrtcp_seqs);
	fputs("}\n", f);
}

const char *peer_addr_str(const struct peer_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!a->ipv) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(a->ipv == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip));
	snprintf(buf, len, a->ipv == 4 ? "%s:%u" : "[%s]:%u", ip, a->port);
	return buf;
}
