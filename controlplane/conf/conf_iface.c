/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [media] interface lines:
 *   interface = NAME port=N address=IP subnet=CIDR mac=MAC next_hop_mac=MAC rtp_ports=MIN-MAX
 * and the lookup of the interface that serves a peer address.
 */
#include <stdio.h>
#include <string.h>

#include "conf_int.h"

enum { IF_PORT, IF_ADDRESS, IF_SUBNET, IF_MAC, IF_NEXT_HOP_MAC, IF_RTP_PORTS, IF__COUNT };

static const char *const sub_names[IF__COUNT] = {
	"port", "address", "subnet", "mac", "next_hop_mac", "rtp_ports",
};

static bool valid_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return n > 0 && n < SL_CONF_NAME_MAX;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "aa:bb:cc:dd:ee:ff": six two-digit hex bytes; unicast, not all zero. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -1;
	}
	if (*s)
		return -1;
	if (mac[0] & 1)
		return -2;	/* group (multicast/broadcast) bit set */
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -2;
	return 0;
}

/* Bits beyond prefix_len must be zero: "10.1.2.0/24", not "10.1.2.3/24". */
static bool host_bits_zero(const uint8_t *a, unsigned bytes, unsigned prefix)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bit0 = i * 8;
		uint8_t mask;

		if (bit0 + 8 <= prefix)
			continue;
		mask = bit0 >= prefix ? 0xff : (uint8_t)(0xffu >> (prefix - bit0));
		if (a[i] & mask)
			return false;
	}
	return true;
}

static int parse_subnet(struct conf_parse *p, const char *name, const char *v,
			struct sl_conf_iface *f)
{
	char addr[64];
	const char *slash = strchr(v, '/');
	unsigned long long plen;
	size_t n;
	int ver;

	if (!slash)
		return conf_bad(p, "interface '%s': subnet=%s has no prefix length; write ADDRESS/LEN",
				name, v);
	n = (size_t)(slash - v);
	if (n >= sizeof(addr))
		return conf_bad(p, "interface '%s': subnet=%s is not an address/length", name, v);
	memcpy(addr, v, n);
	addr[n] = '\0';
	ver = conf_parse_ip(addr, f->subnet);
	if (!ver)
		return conf_bad(p, "interface '%s': subnet=%s: '%s' is not an IP address", name, v,
				addr);
	if (conf_parse_uint(slash + 1, &plen) != 0 || plen > (ver == 4 ? 32u : 128u))
		return conf_bad(p, "interface '%s': subnet=%s: prefix length must be 0..%u", name, v,
				ver == 4 ? 32u : 128u);
	if (!host_bits_zero(f->subnet, ver == 4 ? 4 : 16, (unsigned)plen))
		return conf_bad(p, "interface '%s': subnet=%s has host bits set; write the network address",
				name, v);
	if (ver != f->ip_version)
		return conf_bad(p, "interface '%s': subnet=%s is IPv%d but address is IPv%d; they must be the same version",
				name, v, ver, f->ip_version);
	f->prefix_len = (uint8_t)plen;
	return 0;
}

static int parse_ports(struct conf_parse *p, const char *name, const char *v,
		       struct sl_conf_iface *f)
{
	const char *dash = strchr(v, '-');
	char lo[16];
	unsigned long long a, b;

	if (!dash || (size_t)(dash - v) >= sizeof(lo))
		goto bad;
	memcpy(lo, v, (size_t)(dash - v));
	lo[dash - v] = '\0';
	if (conf_parse_uint(lo, &a) != 0 || conf_parse_uint(dash + 1, &b) != 0)
		goto bad;
	/* RFC 3550 §11: RTP on an even port, RTCP on the next odd one, so the
	 * range is whole pairs: MIN even, MAX odd. */
	if (a < 1024 || b > 65535 || a >= b || (a & 1) || !(b & 1))
		goto bad;
	f->port_min = (uint16_t)a;
	f->port_max = (uint16_t)b;
	return 0;
bad:
	return conf_bad(p, "interface '%s': rtp_ports=%s is not MIN-MAX with MIN even, MAX odd (RTP/RTCP pairs), 1024 <= MIN < MAX <= 65535",
			name, v);
}

static int parse_sub(struct conf_parse *p, const char *name, int which, const char *v,
		     struct sl_conf_iface *f)
{
	unsigned long long n;
	int rc;

	switch (which) {
	case IF_PORT:
		if (conf_parse_uint(v, &n) != 0 || n >= CONF_DP_PORTS)
			return conf_bad(p, "interface '%s': port=%s is not a data-plane port id 0..%d",
					name, v, CONF_DP_PORTS - 1);
		f->dp_port = (uint16_t)n;
		return 0;
	case IF_ADDRESS:
		rc = conf_parse_ip(v, f->address);
		if (!rc)
			return conf_bad(p, "interface '%s': address=%s is not an IPv4 or IPv6 address",
					name, v);
		if (strlen(v) >= sizeof(f->text))
			return conf_bad(p, "interface '%s': address=%s is too long", name, v);
		f->ip_version = (uint8_t)rc;
		strcpy(f->text, v);
		return 0;
	case IF_SUBNET:
		return parse_subnet(p, name, v, f);
	case IF_MAC:
	case IF_NEXT_HOP_MAC:
		rc = parse_mac(v, which == IF_MAC ? f->mac : f->next_hop_mac);
		if (rc == -1)
			return conf_bad(p, "interface '%s': %s=%s is not a MAC address (aa:bb:cc:dd:ee:ff)",
					name, sub_names[which], v);
		if (rc < 0)
			return conf_bad(p, "interface '%s': %s=%s is not a unicast MAC address",
					name, sub_names[which], v);
		return 0;
	case IF_RTP_PORTS:
		return parse_ports(p, name, v, f);
	}
	return -1;
}

static int check_against_others(struct conf_parse *p, const struct sl_conf_iface *f)
{
	const struct sl_conf *c = p->c;

	for (unsigned i = 0; i < c->n_iface; i++) {
		const struct sl_conf_iface *o = &c->iface[i];

		if (strcmp(o->name, f->name) == 0)
			return conf_bad(p, "interface '%s' is already defined (line %u)", f->name,
					p->iface_line[i]);
		if (o->ip_version == f->ip_version && o->prefix_len == f->prefix_len &&
		    memcmp(o->subnet, f->subnet, 16) == 0)
			return conf_bad(p, "interface '%s': its subnet is already served by interface '%s' (line %u)",
					f->name, o->name, p->iface_line[i]);
	}
	return 0;
}

int conf_set_iface(struct conf_parse *p, const char *v)
{
	char copy[CONF_LINE_MAX + 1];
	struct sl_conf_iface f;
	unsigned seen = 0;
	char *save = NULL, *tok;

	memset(&f, 0, sizeof(f));
	snprintf(copy, sizeof(copy), "%s", v);
	tok = strtok_r(copy, " \t", &save);
	if (!tok || strchr(tok, '='))
		return conf_bad(p, "starts with the interface name: NAME port=N address=IP subnet=CIDR mac=MAC next_hop_mac=MAC rtp_ports=MIN-MAX");
	if (!valid_name(tok))
		return conf_bad(p, "'%s' is not an interface name (1..%d letters, digits, '_', '-')",
				tok, SL_CONF_NAME_MAX - 1);
	strcpy(f.name, tok);
	if (p->c->n_iface == SL_CONF_MAX_IFACES)
		return conf_bad(p, "more than %d interfaces", SL_CONF_MAX_IFACES);

	/* address first: subnet is checked against its version. */
	char *subs[IF__COUNT] = { NULL };

	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		int which = -1;

		if (!eq)
			return conf_bad(p, "interface '%s': '%s' is not key=value", f.name, tok);
		*eq = '\0';
		for (int i = 0; i < IF__COUNT; i++)
			if (strcmp(tok, sub_names[i]) == 0)
				which = i;
		if (which < 0)
			return conf_bad(p, "interface '%s': unknown setting '%s' (port, address, subnet, mac, next_hop_mac, rtp_ports)",
					f.name, tok);
		if (seen & (1u << which))
			return conf_bad(p, "interface '%s': %s= given twice", f.name, tok);
		seen |= 1u << which;
		subs[which] = eq + 1;
	}
	for (int i = 0; i < IF__COUNT; i++)
		if (!(seen & (1u << i)))
			return conf_bad(p, "interface '%s': missing %s= (all of port, address, subnet, mac, next_hop_mac, rtp_ports are required)",
					f.name, sub_names[i]);
	static const int order[IF__COUNT] = {
		IF_PORT, IF_ADDRESS, IF_SUBNET, IF_MAC, IF_NEXT_HOP_MAC, IF_RTP_PORTS,
	};
	for (int i = 0; i < IF__COUNT; i++)
		if (parse_sub(p, f.name, order[i], subs[order[i]], &f) < 0)
			return -1;
	if (check_against_others(p, &f) < 0)
		return -1;
	p->iface_line[p->c->n_iface] = p->line;
	p->c->iface[p->c->n_iface++] = f;
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		if ((a[full] & mask) != (net[full] & mask))
			return false;
	}
	return true;
}

/* Longest-prefix match; the first interface wins a tie. */
const struct sl_conf_iface *sl_conf_iface_for(const struct sl_conf *c, int ip_version,
					      const uint8_t *addr)
{
	const struct sl_conf_iface *best = NULL;

	if (!c || !addr || (ip_version != 4 && ip_version != 6))
		return NULL;
	for (unsigned i = 0; i < c->n_iface && i < SL_CONF_MAX_IFACES; i++) {
		const struct sl_conf_iface *f = &c->iface[i];

		if (f->ip_version != ip_version || !prefix_match(addr, f->subnet, f->prefix_len))
			continue;
		if (!best || f->prefix_len > best->prefix_len)
			best = f;
	}
	return best;
}
