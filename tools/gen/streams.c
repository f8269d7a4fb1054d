/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streams: address plan, keys, SRTP contexts, packet templates and the
 * payload pattern the receiver checks.
 *
 * Address plan (IPv4; docs/shieldlock-gen.md), stream i, j = i % 20000,
 * h = i / 20000:
 *   phone side, generator TX -> dp:  10.77.1.(2+h):(10000+2j) -> 10.77.1.1:(20000+2j)
 *   trunk side, dp -> generator RX:  10.77.2.1:(20000+2j) -> 10.77.2.(2+h):(10000+2j)
 * Even ports leave the odd ones to RTCP (RFC 3550 §11). Every stream differs
 * in its source address or port, so each is one flow. The receiver finds
 * the stream by SSRC (ssrc_base + i) and checks the addresses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/rand.h>

#include "gen.h"

#define PLAN_PER_HOST 20000u

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random bytes: reproducible from --seed, else from OpenSSL's CSPRNG. */
static int random_bytes(struct gen *g, uint64_t *state, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!g->o.seeded)
		return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
	while (len) {
		uint64_t v = splitmix64(state);
		size_t k = len < 8 ? len : 8;

		memcpy(p, &v, k);
		p += k;
		len -= k;
	}
	return 0;
}

static void plan_addresses(struct gen *g, uint32_t i)
{
	uint32_t j = i % PLAN_PER_HOST, h = i / PLAN_PER_HOST;
	struct gen_addr *t = &g->tx_addr[i], *r = &g->rx_addr[i];

	t->src = htonl(0x0a4d0102u + h);       /* 10.77.1.(2+h) */
	t->dst = htonl(0x0a4d0101u);           /* 10.77.1.1 */
	t->sport = (uint16_t)(10000 + 2 * j);
	t->dport = (uint16_t)(20000 + 2 * j);
	if (g->o.loopback) {
		*r = *t;
		return;
	}
	r->src = htonl(0x0a4d0201u);           /* 10.77.2.1 */
	r->dst = htonl(0x0a4d0202u + h);       /* 10.77.2.(2+h) */
	r->sport = (uint16_t)(20000 + 2 * j);
	r->dport = (uint16_t)(10000 + 2 * j);
}

static int make_stream(struct gen *g, struct sl_engine *e, enum sl_srtp_dir dir,
		       const struct sl_srtp_master_key *key, uint32_t ssrc, uint32_t roc,
		       struct sl_srtp_stream **out)
{
	struct sl_srtp_policy p;
	char msg[160];
	int err = 0;

	memset(&p, 0, sizeof(p));
	p.suite = g->suite;
	p.dir = dir;
	p.nkeys = 1;
	p.keys[0] = *key;
	p.ssrc = ssrc;
	p.ssrc_set = true;
	p.roc = roc;
	*out = sl_srtp_stream_create(e, &p, &err, msg, sizeof(msg));
	sl_srtp_policy_wipe(&p);
	if (!*out) {
		fprintf(stderr, "shieldlock-gen: cannot create an SRTP context (%s): %s\n",
			sl_srtp_strerror(err), msg);
		return -EINVAL;
	}
	return 0;
}

static int make_keys(struct gen *g, uint64_t *rng)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(g->suite);

	g->key_a = calloc(g->n, sizeof(*g->key_a));
	g->key_b = calloc(g->n, sizeof(*g->key_b));
	if (!g->key_a || !g->key_b)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->n; i++) {
		if (random_bytes(g, rng, g->key_a[i].key, si->key_len) ||
		    random_bytes(g, rng, g->key_a[i].salt, si->salt_len) ||
		    random_bytes(g, rng, g->key_b[i].key, si->key_len) ||
		    random_bytes(g, rng, g->key_b[i].salt, si->salt_len)) {
			fprintf(stderr, "shieldlock-gen: no random bytes for keys (OpenSSL RAND_bytes)\n");
			return -EIO;
		}
	}
	return 0;
}

static int make_contexts(struct gen *g)
{
	for (uint32_t i = 0; i < g->n; i++) {
		uint32_t ssrc = g->ssrc_base + i;

		if (g->tx_srtp && make_stream(g, g->tx_engine, SL_SRTP_OUTBOUND, &g->key_a[i],
					      ssrc, g->tx[i].roc0, &g->tx[i].srtp))
			return -EINVAL;
		/* Loopback: what comes back is what was sent, under leg A's key. */
		if (g->rx_srtp && make_stream(g, g->rx_engine, SL_SRTP_INBOUND,
					      g->o.loopback ? &g->key_a[i] : &g->key_b[i],
					      ssrc, g->tx[i].roc0, &g->rx[i].srtp))
			return -EINVAL;
	}
	return 0;
}

int gen_streams_init(struct gen *g)
{
	uint64_t rng = g->o.seed;
	uint32_t v;
	int rc;

	g->tx_addr = calloc(g->n, sizeof(*g->tx_addr));
	g->rx_addr = calloc(g->n, sizeof(*g->rx_addr));
	g->tx = calloc(g->n, sizeof(*g->tx));
	g->rx = calloc(g->n, sizeof(*g->rx));
	g->ring = calloc((size_t)g->n * g->o.lat_ring, sizeof(*g->ring));
	if (!g->tx_addr || !g->rx_addr || !g->tx || !g->rx || !g->ring) {
		fprintf(stderr, "shieldlock-gen: out of memory for %u streams\n", g->n);
		return -ENOMEM;
	}
	g->ring_mask = g->o.lat_ring - 1;
	if (random_bytes(g, &rng, &g->ssrc_base, sizeof(g->ssrc_base)))
		return -EIO;
	for (uint32_t i = 0; i < g->n; i++) {
		plan_addresses(g, i);
		if (random_bytes(g, &rng, &v, sizeof(v)))
			return -EIO;
		/* RFC 3550 §5.1: random initial sequence number and timestamp. */
		if (random_bytes(g, &rng, &g->tx[i].ts0, sizeof(g->tx[i].ts0)))
			return -EIO;
		/*
		 * --first-packet F continues the streams of an earlier run with
		 * the same seed: its packet F is our packet 0, with the index
		 * (ROC, SEQ) the data plane's contexts expect next.
		 */
		g->tx[i].seq0 = (uint16_t)(v + g->o.first_packet);
		g->tx[i].roc0 = (uint32_t)(((v & 0xffff) + g->o.first_packet) >> 16);
		g->tx[i].ts0 += (uint32_t)(g->o.first_packet * g->samples_per_pkt);
	}
	rc = make_keys(g, &rng);
	if (rc)
		return rc;
	return make_contexts(g);
}

void gen_keys_wipe(struct gen *g)
{
	if (g->key_a) {
		sl_wipe(g->key_a, (size_t)g->n * sizeof(*g->key_a));
		free(g->key_a);
		g->key_a = NULL;
	}
	if (g->key_b) {
		sl_wipe(g->key_b, (size_t)g->n * sizeof(*g->key_b));
		free(g->key_b);
		g->key_b = NULL;
	}
}

void gen_streams_free(struct gen *g)
{
	gen_keys_wipe(g);
	for (uint32_t i = 0; g->tx && i < g->n; i++)
		if (g->tx[i].srtp)
			sl_srtp_stream_free(g->tx_engine, g->tx[i].srtp);
	for (uint32_t i = 0; g->rx && i < g->n; i++)
		if (g->rx[i].srtp)
			sl_srtp_stream_free(g->rx_engine, g->rx[i].srtp);
	free(g->tx);
	free(g->rx);
	free(g->tx_addr);
	free(g->rx_addr);
	free(g->ring);
	g->tx = NULL;
	g->rx = NULL;
}

/*
 * The payload of packet n of the stream with this SSRC: 64-bit words from a
 * per-packet value, so a receiver can tell a packet that decrypted to the
 * wrong plaintext (or was mixed up with another stream's) from a good one.
 */
static inline uint64_t payload_word(uint32_t ssrc, uint32_t n, uint32_t w)
{
	uint64_t x = ((uint64_t)ssrc << 32 | n) * 0x9e3779b97f4a7c15ull;

	return x ^ ((uint64_t)w * 0xbf58476d1ce4e5b9ull);
}

void gen_payload_fill(uint8_t *p, uint32_t len, uint32_t ssrc, uint32_t n)
{
	uint32_t w = 0;

	for (; len >= 8; len -= 8, p += 8, w++) {
		uint64_t x = payload_word(ssrc, n, w);

		memcpy(p, &x, 8);
	}
	if (len) {
		uint64_t x = payload_word(ssrc, n, w);

		memcpy(p, &x, len);
	}
}

bool gen_payload_check(const uint8_t *p, uint32_t len, uint32_t ssrc, uint32_t n)
{
	uint32_t w = 0;
	uint64_t diff = 0;

	for (; len >= 8; len -= 8, p += 8, w++) {
		uint64_t x = payload_word(ssrc, n, w), y;

		memcpy(&y, p, 8);
		diff |= x ^ y;
	}
	if (len) {
		uint64_t x = payload_word(ssrc, n, w), y = 0;

		memcpy(&y, p, len);
		memset((uint8_t *)&x + len, 0, 8 - len);
		diff |= x ^ y;
	}
	return diff == 0;
}
