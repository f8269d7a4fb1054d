/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow text syntax (flowspec.h, docs/flows.md): tokens to a
 * struct sl_dp_flow_spec. No global state; every rejection names the token
 * and says what was expected. Key material is never echoed in a message
 * and every buffer that held it is wiped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "flowspec.h"
#include "sdes.h"

#define CRYPTO_LINE_MAX 4096   /* longest a=crypto value accepted from @FILE */
#define LINE_WORDS_MAX  128    /* words on one flows file line */

/* Which tokens were seen: duplicates are errors, some are required. */
enum {
	T_IN_PORT = 1u << 0, T_SRC = 1u << 1, T_DST = 1u << 2, T_ACTION = 1u << 3,
	T_OUT_PORT = 1u << 4, T_RW_SRC = 1u << 5, T_RW_DST = 1u << 6,
	T_ETH_SRC = 1u << 7, T_ETH_DST = 1u << 8, T_IN_CRYPTO = 1u << 9,
	T_OUT_CRYPTO = 1u << 10, T_IN_ROC = 1u << 11, T_OUT_ROC = 1u << 12,
	T_IN_SSRC = 1u << 13, T_OUT_SSRC = 1u << 14, T_WINDOW = 1u << 15,
	T_LATCH = 1u << 16, T_PEER = 1u << 17, T_WORKER = 1u << 18,
	T_COOKIE = 1u << 19, T_ID = 1u << 20, T_OUT_KEY = 1u << 21,
};

struct parse_state {
	struct sl_dp_flow_spec *spec;
	uint32_t seen;
	uint8_t src_ver, dst_ver, rws_ver, rwd_ver;   /* 0 = not given / any */
	uint32_t in_roc, out_roc, in_ssrc, out_ssrc;
	uint16_t window;
	uint8_t out_key;
	char *msg;
	size_t msglen;
};

__attribute__((format(printf, 3, 4)))
static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A value for an error message: at most 48 printable characters. */
static const char *show(const char *s, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i < 48 && i + 4 < cap; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* ---- numbers and addresses ---------------------------------------------- */

/* Decimal, or hex with 0x when hex_ok; the whole string; <= max. */
static int parse_u64(const char *s, bool hex_ok, uint64_t max, uint64_t *out)
{
	int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (hex_ok && (p[0] == '0') && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -1;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return -1;
		if (d > max || v > (max - d) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + d;
	}
	*out = v;
	return 0;
}

/*
 * "a.b.c.d:port" or "[v6]:port" into addr (16 bytes, IPv4 in the first 4)
 * and port. Returns the IP version or 0.
 */
static int parse_addr_port(const char *s, uint8_t addr[16], uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hl;
	uint64_t p;
	int ver;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return 0;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
		ver = 6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return 0;
		hl = (size_t)(colon - s);
		ver = 4;
	}
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(ver == 4 ? AF_INET : AF_INET6, host, addr) != 1)
		return 0;
	if (parse_u64(colon + 1, false, 65535, &p) < 0 || p == 0)
		return 0;
	*port = (uint16_t)p;
	return ver;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3 + 2] != ':' && i < 5)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

const char *sl_flowspec_addr_str(uint8_t ipver, const uint8_t *addr, uint16_t port,
				 char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (ipver == 6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
	return buf;
}

/* ---- crypto attributes --------------------------------------------------- */

/* Reads the first line of path that is neither blank nor a '#' comment. */
static int read_crypto_file(const char *tok, const char *path, char *out, size_t cap,
			    char *msg, size_t msglen)
{
	char iobuf[BUFSIZ];   /* our own stdio buffer, so it can be wiped */
	FILE *f = fopen(path, "re");
	int rc = -1;

	struct stat sb;

	if (!f)
		return fail(msg, msglen, "%s: cannot open key file '%s': %s", tok, path, strerror(errno));
	/* A device or pipe (/dev/zero, /dev/stdin) could make us read forever. */
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return fail(msg, msglen, "%s: key file '%s' is not a regular file", tok, path);
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (fgets(out, (int)cap, f)) {
		size_t n = strlen(out);
		char *p = out;

		if (n == cap - 1 && out[n - 1] != '\n' && !feof(f)) {
			rc = -2;
			break;
		}
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
				 out[n - 1] == '\t'))
			out[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		memmove(out, p, strlen(p) + 1);
		rc = 0;
		break;
	}
	if (rc == -2)
		fail(msg, msglen, "%s: a line of key file '%s' is longer than %zu bytes", tok, path, cap - 2);
	else if (rc < 0 && ferror(f))
		fail(msg, msglen, "%s: cannot read key file '%s': %s", tok, path, strerror(errno));
	else if (rc < 0)
		fail(msg, msglen, "%s: key file '%s' holds no crypto attribute (only blank or # lines)",
		     tok, path);
	fclose(f);
	sl_wipe(iobuf, sizeof(iobuf));
	if (rc < 0) {
		sl_wipe(out, cap);
		return -1;
	}
	return 0;
}

/*
 * The attribute without its tag ("SUITE inline:..."), or a whole
 * "a=crypto:1 SUITE ..." / "1 SUITE ..." as copied from an SDP body.
 */
static bool has_tag(const char *s)
{
	if (!strncmp(s, "a=crypto:", 9) || !strncmp(s, "crypto:", 7))
		return true;
	return s[0] >= '0' && s[0] <= '9';
}

static void policy_to_dp(const struct sl_srtp_policy *p, struct sl_dp_srtp *d)
{
	d->suite = (uint8_t)p->suite;
	d->nkeys = p->nkeys;
	d->mki_len = p->mki_len;
	d->replay_window = p->replay_window;
	if (p->unencrypted_srtp)
		d->flags |= SL_DP_SRTP_UNENCRYPTED_SRTP;
	if (p->unencrypted_srtcp)
		d->flags |= SL_DP_SRTP_UNENCRYPTED_SRTCP;
	if (p->unauthenticated_srtp)
		d->flags |= SL_DP_SRTP_UNAUTHENTICATED;
	for (unsigned i = 0; i < p->nkeys; i++) {
		memcpy(d->keys[i].key, p->keys[i].key, sizeof(d->keys[i].key));
		memcpy(d->keys[i].salt, p->keys[i].salt, sizeof(d->keys[i].salt));
		memcpy(d->keys[i].mki, p->keys[i].mki, sizeof(d->keys[i].mki));
		d->keys[i].lifetime = p->keys[i].lifetime;
	}
}

static int parse_crypto(const char *tok, const char *val, enum sl_srtp_dir dir,
			struct sl_dp_srtp *d, char *msg, size_t msglen)
{
	char *line = malloc(CRYPTO_LINE_MAX + 8);
	struct sl_sdes_crypto *c = malloc(sizeof(*c));
	struct sl_srtp_policy *p = malloc(sizeof(*p));
	char err[256] = "";
	const char *src = val;
	int rc = -1;

	if (!line || !c || !p) {
		fail(msg, msglen, "%s: out of memory", tok);
		goto out;
	}
	if (val[0] == '@') {
		if (val[1] == '\0') {
			fail(msg, msglen, "%s: '@' must be followed by a file name (@FILE)", tok);
			goto out;
		}
		if (read_crypto_file(tok, val + 1, line, CRYPTO_LINE_MAX, msg, msglen) < 0)
			goto out;
		src = line;
	}
	if (!has_tag(src)) {
		/* sl_sdes_parse wants the RFC 4568 tag: any tag will do here. */
		size_t n = strlen(src);

		if (n + 3 > CRYPTO_LINE_MAX) {
			fail(msg, msglen, "%s: crypto attribute longer than %d bytes", tok, CRYPTO_LINE_MAX);
			goto out;
		}
		memmove(line + 2, src, n + 1);    /* src may be line itself (@FILE) */
		line[0] = '1';
		line[1] = ' ';
		src = line;
	}
	if (sl_sdes_parse(src, strlen(src), c, err, sizeof(err)) < 0 ||
	    sl_sdes_to_policy(c, dir, p, err, sizeof(err)) < 0) {
		fail(msg, msglen, "%s: %s (expected \"SUITE inline:BASE64[|LIFETIME][|MKI:LEN][;inline:...] [PARAMS]\" or @FILE)",
		     tok, err);
		goto out;
	}
	policy_to_dp(p, d);
	rc = 0;
out:
	if (line)
		sl_wipe(line, CRYPTO_LINE_MAX + 8);
	if (c)
		sl_sdes_wipe(c);
	if (p)
		sl_srtp_policy_wipe(p);
	free(line);
	free(c);
	free(p);
	return rc;
}

/* ---- tokens --------------------------------------------------------------- */

static const char *const action_names[SL_DP_ACT__COUNT] = {
	[SL_DP_ACT_DROP] = "drop",
	[SL_DP_ACT_FORWARD] = "forward",
	[SL_DP_ACT_PROTECT] = "srtp-protect",
	[SL_DP_ACT_UNPROTECT] = "srtp-unprotect",
	[SL_DP_ACT_REKEY] = "srtp-rekey",
};

const char *sl_flowspec_action_name(unsigned action)
{
	return action < SL_DP_ACT__COUNT ? action_names[action] : "?";
}

static int tok_port(struct parse_state *st, const char *tok, const char *v, uint16_t *out)
{
	uint64_t n;
	char b[64];

	if (parse_u64(v, false, 65534, &n) < 0)
		return fail(st->msg, st->msglen, "%s: '%s' is not a port id (0..65534)",
			    tok, show(v, b, sizeof(b)));
	*out = (uint16_t)n;
	return 0;
}

static int tok_addr(struct parse_state *st, const char *tok, const char *v, uint8_t addr[16],
		    uint16_t *port, uint8_t *ver)
{
	char b[64];
	int rc = parse_addr_port(v, addr, port);

	if (rc == 0)
		return fail(st->msg, st->msglen,
			    "%s: '%s' is not an IPv4/IPv6 address with :port (a.b.c.d:PORT or [v6]:PORT, port 1..65535)",
			    tok, show(v, b, sizeof(b)));
	*ver = (uint8_t)rc;
	return 0;
}

static int tok_action(struct parse_state *st, const char *v)
{
	char b[64];

	for (unsigned a = 0; a < SL_DP_ACT__COUNT; a++)
		if (!strcmp(v, action_names[a])) {
			st->spec->action = (uint8_t)a;
			return 0;
		}
	return fail(st->msg, st->msglen,
		    "action: '%s' is not an action (forward, srtp-protect, srtp-unprotect, srtp-rekey, drop)",
		    show(v, b, sizeof(b)));
}

static int tok_number(struct parse_state *st, const char *tok, const char *v, bool hex,
		      uint64_t max, const char *what, uint64_t *out)
{
	char b[64];

	if (parse_u64(v, hex, max, out) < 0)
		return fail(st->msg, st->msglen, "%s: '%s' is not %s", tok, show(v, b, sizeof(b)), what);
	return 0;
}

static int tok_window(struct parse_state *st, const char *v)
{
	uint64_t n;

	if (tok_number(st, "replay-window", v, false, SL_SRTP_MAX_WINDOW,
		       "a replay window (a power of 2 from 64 to 32768)", &n) < 0)
		return -1;
	if (n < 64 || (n & (n - 1)))
		return fail(st->msg, st->msglen,
			    "replay-window: %llu is not a power of 2 from 64 to 32768",
			    (unsigned long long)n);
	st->window = (uint16_t)n;
	return 0;
}

/* Tokens with a value. Returns 0, or -1 with the message set. */
static int tok_value(struct parse_state *st, unsigned bit, const char *tok, const char *v)
{
	struct sl_dp_flow_spec *s = st->spec;
	uint64_t n;
	int rc = 0;

	switch (bit) {
	case T_IN_PORT:
		return tok_port(st, tok, v, &s->match.in_port);
	case T_OUT_PORT:
		return tok_port(st, tok, v, &s->out_port);
	case T_SRC:
		if (!strcmp(v, "any")) {
			s->match.flags |= SL_DP_MATCH_ANY_SRC;
			return 0;
		}
		return tok_addr(st, tok, v, s->match.src, &s->match.sport, &st->src_ver);
	case T_DST:
		return tok_addr(st, tok, v, s->match.dst, &s->match.dport, &st->dst_ver);
	case T_RW_SRC:
		return tok_addr(st, tok, v, s->rewrite.src, &s->rewrite.sport, &st->rws_ver);
	case T_RW_DST:
		return tok_addr(st, tok, v, s->rewrite.dst, &s->rewrite.dport, &st->rwd_ver);
	case T_ETH_SRC:
	case T_ETH_DST:
		if (parse_mac(v, bit == T_ETH_SRC ? s->rewrite.eth_src : s->rewrite.eth_dst) < 0) {
			char b[64];

			return fail(st->msg, st->msglen, "%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
				    tok, show(v, b, sizeof(b)));
		}
		return 0;
	case T_ACTION:
		return tok_action(st, v);
	case T_IN_CRYPTO:
		return parse_crypto(tok, v, SL_SRTP_INBOUND, &s->in, st->msg, st->msglen);
	case T_OUT_CRYPTO:
		return parse_crypto(tok, v, SL_SRTP_OUTBOUND, &s->out, st->msg, st->msglen);
	case T_IN_ROC:
	case T_OUT_ROC:
		rc = tok_number(st, tok, v, false, UINT32_MAX, "a rollover counter (0..4294967295)", &n);
		if (rc == 0)
			*(bit == T_IN_ROC ? &st->in_roc : &st->out_roc) = (uint32_t)n;
		return rc;
	case T_IN_SSRC:
	case T_OUT_SSRC:
		rc = tok_number(st, tok, v, true, UINT32_MAX, "an SSRC (decimal or 0x hex, 32 bits)", &n);
		if (rc == 0)
			*(bit == T_IN_SSRC ? &st->in_ssrc : &st->out_ssrc) = (uint32_t)n;
		return rc;
	case T_WINDOW:
		return tok_window(st, v);
	case T_OUT_KEY:
		rc = tok_number(st, tok, v, false, SL_DP_MAX_KEYS, "a key number (1..8, in out-crypto order)", &n);
		if (rc == 0 && n == 0)
			return fail(st->msg, st->msglen, "%s: keys are numbered from 1 (in out-crypto order)", tok);
		if (rc == 0)
			st->out_key = (uint8_t)(n - 1);
		return rc;
	case T_PEER:
		return tok_number(st, tok, v, false, UINT64_MAX, "a flow id", &s->peer_id);
	case T_COOKIE:
		return tok_number(st, tok, v, true, UINT64_MAX, "a 64-bit number (decimal or 0x hex)",
				  &s->cookie);
	case T_ID:
		return tok_number(st, tok, v, false, UINT64_MAX, "a flow id", &s->id);
	case T_WORKER:
		rc = tok_number(st, tok, v, false, SL_DP_MAX_WORKERS - 1, "a worker index (0..31)", &n);
		if (rc == 0)
			s->worker = (uint16_t)n;
		return rc;
	}
	return fail(st->msg, st->msglen, "%s: internal error", tok);
}

static const struct {
	const char *name;
	unsigned bit;
	bool has_value;
} tokens[] = {
	{ "in-port", T_IN_PORT, true },      { "src", T_SRC, true },
	{ "dst", T_DST, true },              { "action", T_ACTION, true },
	{ "out-port", T_OUT_PORT, true },    { "rewrite-src", T_RW_SRC, true },
	{ "rewrite-dst", T_RW_DST, true },   { "eth-src", T_ETH_SRC, true },
	{ "eth-dst", T_ETH_DST, true },      { "in-crypto", T_IN_CRYPTO, true },
	{ "out-crypto", T_OUT_CRYPTO, true }, { "in-roc", T_IN_ROC, true },
	{ "out-roc", T_OUT_ROC, true },      { "in-ssrc", T_IN_SSRC, true },
	{ "out-ssrc", T_OUT_SSRC, true },    { "replay-window", T_WINDOW, true },
	{ "out-active-key", T_OUT_KEY, true }, { "latch", T_LATCH, false },
	{ "peer", T_PEER, true },            { "worker", T_WORKER, true },
	{ "cookie", T_COOKIE, true },        { "id", T_ID, true },
};

static const char *tok_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (tokens[i].bit == bit)
			return tokens[i].name;
	return "?";
}

/* ---- consistency checks after all tokens ------------------------------------ */

static int check_required(struct parse_state *st)
{
	static const unsigned req[] = { T_IN_PORT, T_SRC, T_DST, T_ACTION };

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!(st->seen & req[i]))
			return fail(st->msg, st->msglen, "%s is missing (required: in-port, src, dst, action%s)",
				    tok_name(req[i]),
				    st->spec->action == SL_DP_ACT_DROP && (st->seen & T_ACTION) ? "" : ", out-port");
	if (st->spec->action != SL_DP_ACT_DROP && !(st->seen & T_OUT_PORT))
		return fail(st->msg, st->msglen, "out-port is missing (action %s sends packets out of a port)",
			    action_names[st->spec->action]);
	return 0;
}

/* The match has one IP version; the rewrite keeps it (no NAT64 here). */
static int check_versions(struct parse_state *st)
{
	struct sl_dp_flow_spec *s = st->spec;
	uint8_t ver = st->dst_ver;

	if (st->src_ver && st->src_ver != ver)
		return fail(st->msg, st->msglen, "src: IPv%u address but dst is IPv%u (a flow matches one IP version)",
			    st->src_ver, ver);
	s->match.ip_version = ver;
	if (!(st->seen & T_RW_SRC) != !(st->seen & T_RW_DST))
		return fail(st->msg, st->msglen, "%s is missing: rewrite-src and rewrite-dst go together (anchoring rewrites both)",
			    (st->seen & T_RW_SRC) ? "rewrite-dst" : "rewrite-src");
	if (st->seen & T_RW_SRC) {
		if (st->rws_ver != ver)
			return fail(st->msg, st->msglen, "rewrite-src: IPv%u address but the flow matches IPv%u (the data plane does not translate between IPv4 and IPv6)",
				    st->rws_ver, ver);
		if (st->rwd_ver != ver)
			return fail(st->msg, st->msglen, "rewrite-dst: IPv%u address but the flow matches IPv%u (the data plane does not translate between IPv4 and IPv6)",
				    st->rwd_ver, ver);
		s->rewrite.flags |= SL_DP_RW_IP;
	}
	if (!(st->seen & T_ETH_SRC) != !(st->seen & T_ETH_DST))
		return fail(st->msg, st->msglen, "%s is missing: eth-src and eth-dst go together",
			    (st->seen & T_ETH_SRC) ? "eth-dst" : "eth-src");
	if (st->seen & T_ETH_SRC)
		s->rewrite.flags |= SL_DP_RW_ETH;
	return 0;
}

/* Which crypto an action takes: bit 0 = in, bit 1 = out. */
static unsigned action_crypto(unsigned action)
{
	switch (action) {
	case SL_DP_ACT_PROTECT:   return 2;
	case SL_DP_ACT_UNPROTECT: return 1;
	case SL_DP_ACT_REKEY:     return 3;
	default:                  return 0;
	}
}

static int check_dir(struct parse_state *st, bool used, unsigned crypto_bit, unsigned roc_bit,
		     unsigned ssrc_bit)
{
	const char *an = action_names[st->spec->action];
	const unsigned bits[] = { crypto_bit, roc_bit, ssrc_bit };

	if (used && !(st->seen & crypto_bit))
		return fail(st->msg, st->msglen, "%s is missing (action %s needs it)", tok_name(crypto_bit), an);
	for (size_t i = 0; !used && i < 3; i++)
		if (st->seen & bits[i])
			return fail(st->msg, st->msglen, "%s: not used by action %s (%s)", tok_name(bits[i]), an,
				    st->spec->action == SL_DP_ACT_PROTECT ? "it takes out-crypto" :
				    st->spec->action == SL_DP_ACT_UNPROTECT ? "it takes in-crypto" :
				    "it takes no keys");
	return 0;
}

static int check_crypto(struct parse_state *st)
{
	struct sl_dp_flow_spec *s = st->spec;
	unsigned need = action_crypto(s->action);

	if (check_dir(st, need & 1, T_IN_CRYPTO, T_IN_ROC, T_IN_SSRC) < 0 ||
	    check_dir(st, need & 2, T_OUT_CRYPTO, T_OUT_ROC, T_OUT_SSRC) < 0)
		return -1;
	if ((st->seen & T_WINDOW) && !(need & 1))
		return fail(st->msg, st->msglen, "replay-window: not used by action %s (only srtp-unprotect and srtp-rekey check replays)",
			    action_names[s->action]);
	if ((st->seen & T_OUT_KEY) && !(need & 2))
		return fail(st->msg, st->msglen, "out-active-key: not used by action %s (it takes no out-crypto)",
			    action_names[s->action]);
	if (need & 1) {
		s->in.roc = st->in_roc;
		s->in.ssrc = st->in_ssrc;
		if (st->seen & T_IN_SSRC)
			s->in.flags |= SL_DP_SRTP_SSRC_SET;
		if (st->seen & T_WINDOW)
			s->in.replay_window = st->window;
	}
	if (need & 2) {
		s->out.roc = st->out_roc;
		s->out.ssrc = st->out_ssrc;
		if (st->seen & T_OUT_SSRC)
			s->out.flags |= SL_DP_SRTP_SSRC_SET;
		if (st->out_key >= s->out.nkeys)
			return fail(st->msg, st->msglen, "out-active-key: %u, but out-crypto has %u key%s",
				    st->out_key + 1u, s->out.nkeys, s->out.nkeys == 1 ? "" : "s");
		s->out.active_key = st->out_key;
	}
	return 0;
}

static int check_spec(struct parse_state *st)
{
	struct sl_dp_flow_spec *s = st->spec;

	if (check_required(st) < 0 || check_versions(st) < 0 || check_crypto(st) < 0)
		return -1;
	if (s->action == SL_DP_ACT_DROP && (st->seen & (T_OUT_PORT | T_RW_SRC | T_ETH_SRC)))
		return fail(st->msg, st->msglen, "%s: not used by action drop (nothing is sent)",
			    (st->seen & T_OUT_PORT) ? "out-port" : (st->seen & T_RW_SRC) ? "rewrite-src" : "eth-src");
	if (st->seen & T_LATCH)
		s->flags |= SL_DP_FLOW_LATCH;
	return 0;
}

static int parse_tokens(struct parse_state *st, int argc, char *const *argv)
{
	for (int i = 0; i < argc; i++) {
		const char *t = argv[i];
		size_t k;
		char b[64];

		for (k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++)
			if (!strcmp(t, tokens[k].name))
				break;
		if (k == sizeof(tokens) / sizeof(tokens[0]))
			return fail(st->msg, st->msglen,
				    "'%s' is not a flow keyword (in-port, src, dst, action, out-port, rewrite-src, rewrite-dst, eth-src, eth-dst, in-crypto, out-crypto, in-roc, out-roc, in-ssrc, out-ssrc, replay-window, out-active-key, latch, peer, worker, cookie, id)",
				    show(t, b, sizeof(b)));
		if (st->seen & tokens[k].bit)
			return fail(st->msg, st->msglen, "%s: given twice", t);
		st->seen |= tokens[k].bit;
		if (!tokens[k].has_value)
			continue;
		if (i + 1 >= argc)
			return fail(st->msg, st->msglen, "%s: value missing at the end of the flow", t);
		if (tok_value(st, tokens[k].bit, t, argv[++i]) < 0)
			return -1;
	}
	return 0;
}

int sl_flowspec_parse(int argc, char *const *argv, struct sl_dp_flow_spec *spec,
		      char *msg, size_t msglen)
{
	struct parse_state st = { .spec = spec, .msg = msg, .msglen = msglen };

	if (!spec || (argc > 0 && !argv))
		return fail(msg, msglen, "invalid argument");
	memset(spec, 0, sizeof(*spec));
	spec->worker = 0xffff;
	if (argc == 0)
		return fail(msg, msglen, "empty flow (expected in-port N src A:P dst A:P action ACTION out-port N ...)");
	if (parse_tokens(&st, argc, argv) < 0 || check_spec(&st) < 0) {
		sl_flowspec_wipe(spec);
		return -1;
	}
	return 0;
}

void sl_flowspec_wipe(struct sl_dp_flow_spec *spec)
{
	if (!spec)
		return;
	sl_wipe(&spec->in, sizeof(spec->in));
	sl_wipe(&spec->out, sizeof(spec->out));
}

/* ---- flows file lines --------------------------------------------------------- */

/*
 * Splits a line into words in place (buf is a copy of the line): blanks
 * separate, '...' is literal, "..." allows \" and \\, '#' at the start of a
 * word ends the line.
 */
static int split_words(char *buf, char **words, int max, char *msg, size_t msglen)
{
	char *r = buf, *w = buf;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (*r == '\0' || *r == '#')
			return n;
		if (n == max)
			return fail(msg, msglen, "more than %d words on one line", max);
		words[n++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\r' && *r != '\n'))) {
			if (!quote && (*r == '\'' || *r == '"')) {
				quote = *r++;
			} else if (quote && *r == quote) {
				quote = 0;
				r++;
			} else if (quote == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (quote)
			return fail(msg, msglen, "unterminated %c quote", quote);
		/* w <= r always: terminating in place cannot clobber unread input. */
		if (*r)
			r++;
		*w++ = '\0';
	}
}

int sl_flowspec_parse_line(const char *line, struct sl_dp_flow_spec *spec,
			   char *msg, size_t msglen)
{
	size_t len;
	char *buf;
	char **words;
	int n, rc;

	if (!line || !spec)
		return fail(msg, msglen, "invalid argument");
	len = strlen(line);
	buf = malloc(len + 1);
	words = malloc(sizeof(*words) * LINE_WORDS_MAX);
	if (!buf || !words) {
		free(buf);
		free(words);
		return fail(msg, msglen, "out of memory");
	}
	memcpy(buf, line, len + 1);
	n = split_words(buf, words, LINE_WORDS_MAX, msg, msglen);
	if (n < 0)
		rc = -1;
	else if (n == 0)
		rc = 0;
	else
		rc = sl_flowspec_parse(n, words, spec, msg, msglen) < 0 ? -1 : 1;
	sl_wipe(buf, len + 1);
	free(buf);
	free(words);
	return rc;
}
