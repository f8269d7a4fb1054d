/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interop peer for shieldlock-srtp: encrypts or decrypts the RTP/RTCP of a
 * capture with libsrtp2 (the independent implementation), framing packets
 * with the same pcap_walk code so outputs can be compared byte for byte.
 *
 *   libsrtp_pcap encrypt|decrypt SUITE HEXKEY ROC MKI IN.pcap OUT.pcap
 *
 * HEXKEY is master key || master salt in hex; MKI is "-" or "VALUE:LEN".
 * Exit 0 if every RTP/RTCP packet was processed, 1 if some failed, 2 on error.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "pcap_walk.h"

#define MAX_FRAME (262144 + 64)

struct peer {
	bool decrypt, use_mki;
	uint32_t roc;
	srtp_policy_t policy;
	srtp_master_key_t mk, *mks[1];
	uint8_t key[64], mki[4];
	srtp_t session;
	uint32_t seen[4096];
	size_t nseen;
	unsigned long processed, failed;
	bool rewritten;
	uint8_t buf[MAX_FRAME];
};

/* RFC 4568 / RFC 6188 / RFC 7714 suites as libsrtp2 names them. */
static int set_suite(srtp_policy_t *p, const char *s)
{
	if (!strcmp(s, "AES_CM_128_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	} else if (!strcmp(s, "AES_CM_128_HMAC_SHA1_32")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	} else if (!strcmp(s, "AES_256_CM_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
	} else if (!strcmp(s, "AES_256_CM_HMAC_SHA1_32")) {
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
	} else if (!strcmp(s, "AEAD_AES_128_GCM")) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else if (!strcmp(s, "AEAD_AES_256_GCM")) {
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
	} else if (!strcmp(s, "NULL_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&p->rtcp);
	} else {
		return -1;
	}
	return 0;
}

static int parse_hex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h);

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static int setup(struct peer *t, char **argv)
{
	unsigned long v, l;

	t->decrypt = !strcmp(argv[1], "decrypt");
	if (set_suite(&t->policy, argv[2]) < 0 || parse_hex(argv[3], t->key, sizeof(t->key)) < 0)
		return -1;
	t->roc = (uint32_t)strtoul(argv[4], NULL, 0);
	t->policy.key = t->key;
	if (strcmp(argv[5], "-") != 0) {
		if (sscanf(argv[5], "%lu:%lu", &v, &l) != 2 || l < 1 || l > 4)
			return -1;
		for (unsigned b = 0; b < l; b++)
			t->mki[b] = (uint8_t)(v >> (8 * (l - 1 - b)));
		t->mk.key = t->key;
		t->mk.mki_id = t->mki;
		t->mk.mki_size = (unsigned)l;
		t->mks[0] = &t->mk;
		t->policy.keys = t->mks;
		t->policy.num_master_keys = 1;
		t->policy.key = NULL;
		t->use_mki = true;
	}
	t->policy.window_size = 128;
	return srtp_create(&t->session, NULL) == srtp_err_status_ok ? 0 : -1;
}

/* One stream per SSRC, added on first sight, like shieldlock-srtp. */
static int ensure_stream(struct peer *t, uint32_t ssrc)
{
	for (size_t i = 0; i < t->nseen; i++)
		if (t->seen[i] == ssrc)
			return 0;
	if (t->nseen == sizeof(t->seen) / sizeof(t->seen[0]))
		return -1;
	t->policy.ssrc.type = ssrc_specific;
	t->policy.ssrc.value = ssrc;
	if (srtp_add_stream(t->session, &t->policy) != srtp_err_status_ok)
		return -1;
	if (t->roc && srtp_set_stream_roc(t->session, ssrc, t->roc) != srtp_err_status_ok)
		return -1;
	t->seen[t->nseen++] = ssrc;
	return 0;
}

/* RFC 5761 §4: payload type 64..95 after masking the marker is RTCP. */
static bool is_rtcp(const uint8_t *p)
{
	return p[1] >= 192 && p[1] <= 223;
}

static srtp_err_status_t run_op(struct peer *t, bool rtcp, uint8_t *p, int *len)
{
	if (t->decrypt)
		return rtcp ? srtp_unprotect_rtcp_mki(t->session, p, len, t->use_mki)
			    : srtp_unprotect_mki(t->session, p, len, t->use_mki);
	return rtcp ? srtp_protect_rtcp_mki(t->session, p, len, t->use_mki, 0)
		    : srtp_protect_mki(t->session, p, len, t->use_mki, 0);
}

/* Returns the frame length to write, 0 to drop. */
static size_t handle(struct peer *t, int dlt, const struct pcap_pkthdr *h, const uint8_t *data)
{
	struct pw_udp u;
	uint8_t *p;
	bool rtcp;
	int len;

	memcpy(t->buf, data, h->caplen);
	if (pw_find_udp(dlt, t->buf, h->caplen, h->len, &u) != PW_UDP)
		return h->caplen;
	p = t->buf + u.payload_off;
	if (u.payload_len < 8 || (p[0] >> 6) != 2)
		return h->caplen;
	rtcp = is_rtcp(p);
	if (!rtcp && u.payload_len < 12)
		return h->caplen;
	len = (int)u.payload_len;
	uint32_t ssrc;
	/* the payload sits at any offset in the frame: no aligned load */
	memcpy(&ssrc, p + (rtcp ? 4 : 8), sizeof(ssrc));
	if (ensure_stream(t, ntohl(ssrc)) < 0 ||
	    run_op(t, rtcp, p, &len) != srtp_err_status_ok) {
		t->failed++;
		return 0;
	}
	t->processed++;
	t->rewritten = true;
	return pw_set_payload_len(t->buf, &u, (size_t)len);
}

int main(int argc, char **argv)
{
	static struct peer t;
	char err[512];
	pcap_t *in, *oh;
	pcap_dumper_t *out;
	struct pcap_pkthdr *h;
	const u_char *data;

	if (argc != 8 || srtp_init() != srtp_err_status_ok || setup(&t, argv) < 0) {
		fprintf(stderr, "usage: libsrtp_pcap encrypt|decrypt SUITE HEXKEY ROC MKI|- IN OUT\n");
		return 2;
	}
	if (pw_open(argv[6], argv[7], &in, &oh, &out, err, sizeof(err)) < 0) {
		fprintf(stderr, "libsrtp_pcap: %s\n", err);
		return 2;
	}
	while (pcap_next_ex(in, &h, &data) == 1) {
		struct pcap_pkthdr o = *h;
		size_t n;

		t.rewritten = false;
		n = h->caplen <= MAX_FRAME - 64 ? handle(&t, pcap_datalink(in), h, data) : h->caplen;
		if (n == 0)
			continue;
		if (t.rewritten) {
			o.caplen = o.len = (bpf_u_int32)n;
			pcap_dump((u_char *)out, &o, t.buf);
		} else {
			pcap_dump((u_char *)out, h, data);
		}
	}
	pcap_dump_close(out);
	pcap_close(oh);
	pcap_close(in);
	srtp_dealloc(t.session);
	fprintf(stderr, "libsrtp_pcap %s: %lu processed, %lu failed\n", argv[1], t.processed, t.failed);
	return t.failed ? 1 : 0;
}
