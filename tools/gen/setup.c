/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario setup: one shieldlock-dp flow per stream through the control
 * socket (dataplane/ctl/dp_client.h), and the same flows as text
 * (dataplane/ctl/flowspec.h syntax) for scripts that program the data
 * plane themselves.
 *
 * The flow of stream i matches what the generator sends (in-port = the dp
 * port facing the generator's TX, the phone-side addresses of the plan in
 * streams.c), leaves on the dp port facing the generator's RX, and is
 * rewritten to the trunk-side addresses and to Ethernet addresses that the
 * generator's RX port accepts. Leg A's key protects what the generator
 * sends, leg B's what it receives.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "base64.h"
#include "dp_client.h"
#include "flowspec.h"
#include "gen.h"

static struct sl_dp_client *client;

static const uint8_t scenario_action[GEN_SC__COUNT] = {
	[GEN_SC_RTP_RTP] = SL_DP_ACT_FORWARD,
	[GEN_SC_RTP_SRTP] = SL_DP_ACT_PROTECT,
	[GEN_SC_SRTP_RTP] = SL_DP_ACT_UNPROTECT,
	[GEN_SC_SRTP_SRTP] = SL_DP_ACT_REKEY,
};

static void port_mac(const struct sl_dp_status *st, uint16_t port, uint8_t mac[6], bool *found)
{
	for (unsigned i = 0; i < st->nports && i < SL_DP_MAX_PORTS; i++)
		if (st->port[i].port_id == port) {
			memcpy(mac, st->port[i].mac, 6);
			*found = true;
			return;
		}
}

/* Connects, checks the dp's ports exist and learns their MACs. */
int gen_setup_connect(struct gen *g)
{
	struct sl_dp_status *st;
	char msg[256];
	bool in = false, out = false;
	int rc;

	client = sl_dp_client_connect(g->o.dp_socket, "shieldlock-gen", msg, sizeof(msg));
	if (!client) {
		fprintf(stderr, "shieldlock-gen: --dp-socket %s: %s (is shieldlock-dp running "
			"with --ctl-socket %s?)\n", g->o.dp_socket, msg, g->o.dp_socket);
		return -ECONNREFUSED;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	rc = sl_dp_status_get(client, st, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "shieldlock-gen: data plane status: %s\n", msg);
		free(st);
		return rc;
	}
	port_mac(st, g->o.dp_in_port, g->dp_in_mac, &in);
	port_mac(st, g->o.dp_out_port, g->dp_out_mac, &out);
	fprintf(stderr, "shieldlock-gen: data plane %s, engine %s, %u port(s), %u worker(s)\n",
		st->version, st->engine, st->nports, st->nworkers);
	free(st);
	if (!in || !out) {
		fprintf(stderr, "shieldlock-gen: --dp-%s-port %u: the data plane has no such port\n",
			!in ? "in" : "out", !in ? g->o.dp_in_port : g->o.dp_out_port);
		return -ENODEV;
	}
	g->have_dp_macs = true;
	return 0;
}

static void set_addr(uint8_t dst[16], uint32_t be)
{
	memset(dst, 0, 16);
	memcpy(dst, &be, 4);
}

static void set_crypto(struct gen *g, struct sl_dp_srtp *c, const struct sl_srtp_master_key *k,
		       uint32_t ssrc)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(g->suite);

	c->suite = (uint8_t)g->suite;
	c->nkeys = 1;
	c->flags = SL_DP_SRTP_SSRC_SET;
	c->ssrc = ssrc;
	memcpy(c->keys[0].key, k->key, si->key_len);
	memcpy(c->keys[0].salt, k->salt, si->salt_len);
}

static void flow_spec(struct gen *g, uint32_t i, struct sl_dp_flow_spec *s)
{
	const struct gen_addr *t = &g->tx_addr[i], *r = &g->rx_addr[i];
	uint32_t ssrc = g->ssrc_base + i;

	memset(s, 0, sizeof(*s));
	s->cookie = i;
	s->match.in_port = g->o.dp_in_port;
	s->match.ip_version = 4;
	s->match.sport = t->sport;
	s->match.dport = t->dport;
	set_addr(s->match.src, t->src);
	set_addr(s->match.dst, t->dst);
	s->action = scenario_action[g->o.scenario];
	s->out_port = g->o.dp_out_port;
	s->worker = 0xffff;
	s->rewrite.flags = SL_DP_RW_IP | SL_DP_RW_ETH;
	s->rewrite.sport = r->sport;
	s->rewrite.dport = r->dport;
	set_addr(s->rewrite.src, r->src);
	set_addr(s->rewrite.dst, r->dst);
	memcpy(s->rewrite.eth_src, g->dp_out_mac, 6);
	memcpy(s->rewrite.eth_dst, g->rx_mac, 6);
	if (g->tx_srtp)
		set_crypto(g, &s->in, &g->key_a[i], ssrc);
	if (g->rx_srtp)
		set_crypto(g, &s->out, &g->key_b[i], ssrc);
}

static void progress(uint32_t done, uint32_t n, const char *what)
{
	if (n >= 10000 && (done % 10000 == 0 || done == n))
		fprintf(stderr, "shieldlock-gen: %s %u/%u flows\n", what, done, n);
}

int gen_setup_flows(struct gen *g)
{
	struct sl_dp_flow_spec s;
	char msg[256];
	int rc;

	g->flow_ids = calloc(g->n, sizeof(*g->flow_ids));
	if (!g->flow_ids)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->stop) {
			fprintf(stderr, "shieldlock-gen: interrupted while adding flows\n");
			return -EINTR;
		}
		flow_spec(g, i, &s);
		rc = sl_dp_flow_add(client, &s, &g->flow_ids[i], msg, sizeof(msg));
		sl_flowspec_wipe(&s);
		sl_wipe(&s, sizeof(s));
		if (rc) {
			fprintf(stderr, "shieldlock-gen: adding the flow of stream %u failed: %s%s\n",
				i, msg, rc == -SL_DP_E_EXISTS ? " (flows of an earlier run left "
				"behind? delete them with shieldlockctl dp flow del)" : "");
			return rc;
		}
		g->nflows = i + 1;
		progress(i + 1, g->n, "added");
	}
	return 0;
}

int gen_setup_stats(struct gen *g, struct sl_dp_stats *out)
{
	char msg[256];
	int rc;

	(void)g;
	if (!client)
		return -ENOTCONN;
	rc = sl_dp_stats_get(client, out, msg, sizeof(msg));
	if (rc)
		fprintf(stderr, "shieldlock-gen: data plane counters: %s\n", msg);
	return rc;
}

void gen_setup_teardown(struct gen *g)
{
	char msg[256];
	uint32_t failed = 0;

	if (client && !g->o.keep_flows && !g->o.setup_only) {
		for (uint32_t i = 0; i < g->nflows; i++) {
			if (sl_dp_flow_del(client, g->flow_ids[i], msg, sizeof(msg)) && !failed++)
				fprintf(stderr, "shieldlock-gen: deleting flow %" PRIu64 ": %s\n",
					g->flow_ids[i], msg);
			progress(i + 1, g->nflows, "deleted");
		}
		if (failed)
			fprintf(stderr, "shieldlock-gen: %u flow(s) could not be deleted\n", failed);
	}
	if (client)
		sl_dp_client_close(client);
	client = NULL;
	free(g->flow_ids);
	g->flow_ids = NULL;
}

/* ---- flows as text ---------------------------------------------------- */

static void put_addr(FILE *f, const char *kw, uint32_t be, uint16_t port)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &be, buf, sizeof(buf));
	fprintf(f, " %s %s:%u", kw, buf, port);
}

static void put_mac(FILE *f, const char *kw, const uint8_t *m)
{
	fprintf(f, " %s %02x:%02x:%02x:%02x:%02x:%02x", kw, m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int put_crypto(FILE *f, const char *kw, struct gen *g, const struct sl_srtp_master_key *k)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(g->suite);
	uint8_t ks[SL_SRTP_MAX_KEY_LEN + SL_SRTP_MAX_SALT_LEN];
	char b64[SL_BASE64_ENC_LEN(sizeof(ks)) + 1];
	int rc;

	memcpy(ks, k->key, si->key_len);
	memcpy(ks + si->key_len, k->salt, si->salt_len);
	rc = sl_base64_encode(ks, si->key_len + si->salt_len, b64, sizeof(b64));
	if (rc >= 0)
		fprintf(f, " %s \"%s inline:%s\"", kw, si->name, b64);
	sl_wipe(ks, sizeof(ks));
	sl_wipe(b64, sizeof(b64));
	return rc < 0 ? rc : 0;
}

static int flow_line(FILE *f, struct gen *g, uint32_t i)
{
	const struct gen_addr *t = &g->tx_addr[i], *r = &g->rx_addr[i];
	uint32_t ssrc = g->ssrc_base + i;

	fprintf(f, "in-port %u", g->o.dp_in_port);
	put_addr(f, "src", t->src, t->sport);
	put_addr(f, "dst", t->dst, t->dport);
	fprintf(f, " action %s out-port %u",
		sl_flowspec_action_name(scenario_action[g->o.scenario]), g->o.dp_out_port);
	put_addr(f, "rewrite-src", r->src, r->sport);
	put_addr(f, "rewrite-dst", r->dst, r->dport);
	/* Without the control socket the dp's MAC is unknown: no Ethernet rewrite. */
	if (g->have_dp_macs) {
		put_mac(f, "eth-src", g->dp_out_mac);
		put_mac(f, "eth-dst", g->rx_mac);
	}
	if (g->tx_srtp && (put_crypto(f, "in-crypto", g, &g->key_a[i]) ||
			   fprintf(f, " in-ssrc 0x%08x", ssrc) < 0))
		return -EIO;
	if (g->rx_srtp && (put_crypto(f, "out-crypto", g, &g->key_b[i]) ||
			   fprintf(f, " out-ssrc 0x%08x", ssrc) < 0))
		return -EIO;
	fprintf(f, " cookie %u\n", i);
	return 0;
}

/* Writes every stream's flow, keys included: created with mode 0600. */
int gen_flows_write(struct gen *g, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;
	int rc = 0;

	if (fd < 0 || fchmod(fd, 0600) < 0) {
		fprintf(stderr, "shieldlock-gen: --flows-out %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "# shieldlock-gen %s, %u streams; contains SRTP keys: keep private\n",
		gen_scenario_name(g->o.scenario), g->n);
	for (uint32_t i = 0; i < g->n && rc == 0; i++)
		rc = flow_line(f, g, i);
	if (fclose(f) != 0 || rc) {
		fprintf(stderr, "shieldlock-gen: --flows-out %s: write failed\n", path);
		return -EIO;
	}
	return 0;
}
