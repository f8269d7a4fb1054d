/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration: defaults, the example file, files, paths, repeatable keys. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "srtp.h"
#include "test_conf.h"

static struct sl_conf c;
static char err[512];

START_TEST(defaults)
{
	char host[256] = "";

	sl_conf_defaults(&c);
	ck_assert_str_eq(c.state_dir, "/var/lib/shieldlock");
	ck_assert_int_eq(c.log_level, SL_LOG_INFO);
	ck_assert_int_eq(c.cluster_mode, SL_CLUSTER_MIXED);
	ck_assert(!c.auto_registration);
	gethostname(host, sizeof(host) - 1);
	if (strlen(host) < sizeof(c.node_name))
		ck_assert_str_eq(c.node_name, host);
	ck_assert_str_eq(c.user, "");
	ck_assert_str_eq(c.admin_socket, "/run/shieldlock/shieldlockd.sock");
	ck_assert_uint_eq(c.n_listen_udp, 1);
	ck_assert_str_eq(c.listen_udp[0].host, "0.0.0.0");
	ck_assert_uint_eq(c.listen_udp[0].port, 5060);
	ck_assert_uint_eq(c.n_listen_tcp, 1);
	ck_assert_uint_eq(c.listen_tcp[0].port, 5060);
	ck_assert_uint_eq(c.n_listen_tls, 1);
	ck_assert_uint_eq(c.listen_tls[0].port, 5061);
	ck_assert_uint_eq(c.nonce_lifetime_min, 5);
	ck_assert_uint_eq(c.digest_algs, SL_DIGEST_ALG_BIT(SL_DIGEST_SHA256) |
					 SL_DIGEST_ALG_BIT(SL_DIGEST_MD5));
	ck_assert_uint_eq(c.auth_fail_threshold, 5);
	ck_assert_uint_eq(c.auth_fail_window_s, 60);
	ck_assert_uint_eq(c.auth_fail_penalty_s, 300);
	ck_assert_uint_eq(c.reg_min_expires, 60);
	ck_assert_uint_eq(c.reg_max_expires, 3600);
	ck_assert_uint_eq(c.reg_default_expires, 600);
	ck_assert_uint_eq(c.max_connections, 10000);
	ck_assert_uint_eq(c.tls_min_version, 0x0303);
	ck_assert_ptr_nonnull(strstr(c.tls_ciphers, "ECDHE-ECDSA-AES256-GCM-SHA384"));
	ck_assert_str_eq(c.tls_ciphersuites,
			 "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
	ck_assert_str_eq(c.tls_keylog, "");
	ck_assert(!c.tls_require_client_cert);
	ck_assert_uint_eq(c.timer_t1_ms, 500);
	ck_assert_uint_eq(c.invite_timeout_s, 60);
	ck_assert_str_eq(c.dp_socket, "/run/shieldlock/dp.sock");
	ck_assert_uint_eq(c.n_srtp_suites, 4);
	ck_assert_int_eq(c.srtp_suites[0], SL_SUITE_AEAD_AES_256_GCM);
	ck_assert_int_eq(c.srtp_suites[1], SL_SUITE_AEAD_AES_128_GCM);
	ck_assert_int_eq(c.srtp_suites[2], SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert_int_eq(c.srtp_suites[3], SL_SUITE_AES_CM_128_HMAC_SHA1_32);
	ck_assert(c.allow_rtp_fallback);
	ck_assert_uint_eq(c.inactivity_timeout_s, 60);
	ck_assert_uint_eq(c.replay_window, 0);
	ck_assert_uint_eq(c.n_iface, 0);
	ck_assert_str_eq(sl_log_level_name(SL_LOG_NOTICE), "notice");
	ck_assert_str_eq(sl_log_level_name(SL_LOG_DEBUG), "debug");
}
END_TEST

/* Values derived at the end of a load from the defaults. */
START_TEST(defaults_resolved)
{
	ck_assert_int_eq(load(MIN_CONF, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(c.file, "t.conf");
	ck_assert_str_eq(c.dp_socket, "");
	ck_assert_str_eq(c.store_path, "/var/lib/shieldlock/shieldlock.db");
	ck_assert_str_eq(c.tls_cert, "/var/lib/shieldlock/certs/node.pem");
	ck_assert_str_eq(c.tls_key, "/var/lib/shieldlock/private/node.key");
	ck_assert_str_eq(c.trust_store, "/var/lib/shieldlock/trust");
	ck_assert_str_eq(c.domain, c.node_name);
	ck_assert_str_eq(c.realm, c.domain);
	ck_assert_str_eq(c.advertised_host, "");	/* only wildcard listeners */
	/* provisioning (issue 5): on, default ports, keys under state_dir */
	ck_assert(c.prov_enabled);
	ck_assert_str_eq(c.prov_dir, "/var/lib/shieldlock/tftp");
	ck_assert_uint_eq(c.prov_tftp.port, 69);
	ck_assert_uint_eq(c.prov_http.port, 6970);
	ck_assert_uint_eq(c.prov_capf.port, 3804);
	ck_assert_str_eq(c.prov_user, "nobody");
	ck_assert_str_eq(c.key_sast1, "/var/lib/shieldlock/private/sast1.key");
	ck_assert_str_eq(c.cert_sast2, "/var/lib/shieldlock/certs/sast2.pem");
	ck_assert_str_eq(c.key_capf, "/var/lib/shieldlock/private/capf.key");
	ck_assert_uint_eq(c.file_hash, 1);
	ck_assert_uint_eq(c.signer_version, 0x0101);
	ck_assert_uint_eq(c.lsc_days, 365);
	ck_assert_uint_eq(c.sast_signer, 1);
	ck_assert_str_eq(c.call_manager, c.node_name);	/* no advertised host */
	/* a token URI stays as written; off for the second SAST */
	ck_assert_msg(load("[keys]\nsast1 = pkcs11:token=SAST-A;object=sast?pin-value=1234\n"
			   "sast2 = off\n[provisioning]\nlisten_tftp = off\nfile_hash = sha512\n"
			   "signer_version = 1.0\nmic_ca = /m/a.pem, b.pem\n" MIN_CONF,
			   &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.key_sast1, "pkcs11:token=SAST-A;object=sast?pin-value=1234");
	ck_assert_str_eq(c.key_sast2, "off");
	ck_assert_uint_eq(c.prov_tftp.port, 0);
	ck_assert_uint_eq(c.file_hash, 3);
	ck_assert_uint_eq(c.signer_version, 0x0100);
	ck_assert_uint_eq(c.n_mic_ca, 2);
	ck_assert_str_eq(c.mic_ca[0], "/m/a.pem");
	ck_assert_str_eq(c.mic_ca[1], "/var/lib/shieldlock/b.pem");

	/* The other minimal file of docs/shieldlockd-config.md. */
	ck_assert_msg(load("[media]\ninterface = lan port=0 address=192.0.2.1 subnet=192.0.2.0/24 "
			   "mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-29999\n",
			   &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.dp_socket, "/run/shieldlock/dp.sock");
	ck_assert_uint_eq(c.n_iface, 1);

	/* state_dir "/" does not give "//". */
	ck_assert_msg(load("[general]\nstate_dir = /\n" MIN_CONF, &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(c.store_path, "/shieldlock.db");
}
END_TEST

START_TEST(example_file)
{
	const char *path = getenv("SL_CONF_EXAMPLE");
	uint8_t a[16];

	ck_assert_msg(path != NULL, "SL_CONF_EXAMPLE is not set (meson passes it)");
	ck_assert_msg(sl_conf_load(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.file, path);
	/* Everything else is commented out: the defaults. */
	ck_assert_int_eq(c.log_level, SL_LOG_INFO);
	ck_assert_uint_eq(c.nonce_lifetime_min, 5);
	ck_assert_uint_eq(c.n_srtp_suites, 4);
	ck_assert_str_eq(c.dp_socket, "/run/shieldlock/dp.sock");
	ck_assert_uint_eq(c.n_iface, 4);
	ck_assert_str_eq(c.iface[0].name, "phone");
	ck_assert_uint_eq(c.iface[0].dp_port, 0);
	ck_assert_uint_eq(c.iface[0].ip_version, 4);
	inet_pton(AF_INET, "10.77.1.1", a);
	ck_assert_mem_eq(c.iface[0].address, a, 4);
	inet_pton(AF_INET, "10.77.1.0", a);
	ck_assert_mem_eq(c.iface[0].subnet, a, 4);
	ck_assert_uint_eq(c.iface[0].prefix_len, 24);
	ck_assert_mem_eq(c.iface[0].mac, "\x02\x53\x4c\x00\x01\x01", 6);
	ck_assert_mem_eq(c.iface[0].next_hop_mac, "\x02\x53\x4c\x00\x01\x02", 6);
	ck_assert_uint_eq(c.iface[0].port_min, 20000);
	ck_assert_uint_eq(c.iface[0].port_max, 29999);
	ck_assert_str_eq(c.iface[0].text, "10.77.1.1");
	ck_assert_str_eq(c.iface[1].name, "trunk");
	ck_assert_uint_eq(c.iface[1].dp_port, 1);
	ck_assert_str_eq(c.iface[3].name, "trunk6");
	ck_assert_uint_eq(c.iface[3].ip_version, 6);
	ck_assert_uint_eq(c.iface[3].prefix_len, 64);
	ck_assert_str_eq(c.iface[3].text, "fd53:4c:2::1");

	/* Every commented key of the example, uncommented, must load too. */
	FILE *f = fopen(path, "r");
	char line[2048], text[32768] = "";
	size_t used = 0;
	unsigned uncommented = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		const char *l = line;

		size_t keylen = strncmp(l, "# ", 2) == 0 ?
				strspn(l + 2, "abcdefghijklmnopqrstuvwxyz0123456789_") : 0;

		/* "# key = value" lines; not the second listen_tls example. */
		if (keylen && strncmp(l + 2 + keylen, " = ", 3) == 0 && !strstr(l, "[::]")) {
			l += 2;
			uncommented++;
		}
		size_t n = strlen(l);

		ck_assert(used + n < sizeof(text));
		memcpy(text + used, l, n + 1);
		used += n;
	}
	fclose(f);
	ck_assert_uint_ge(uncommented, 35);
	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.domain, "pbx.example.com");
	ck_assert_str_eq(c.advertised_host, "192.0.2.10");
	ck_assert_str_eq(c.tls_cert, "/var/lib/shieldlock/certs/node.pem");
	ck_assert_str_eq(c.tls_keylog, "");
	ck_assert_uint_eq(c.n_srtp_suites, 4);
}
END_TEST

START_TEST(all_keys)
{
	static const char text[] =
		"# every key set to a non-default value\n"
		"[general]\n"
		"state_dir = /srv/sl/   # trailing slash dropped\n"
		"log_level = debug\n"
		"cluster_security_mode = non-secure\n"
		"auto_registration = on\n"
		"node_name = node-1.example.net\n"
		"user = \"shieldlock\"\n"
		"[store]\n"
		"path = db/sl.db\n"
		"[admin]\n"
		"socket = /run/x.sock\n"
		"[sip]\n"
		"listen_udp = off\n"
		"listen_tcp = 192.0.2.1:5070\n"
		"listen_tcp = [2001:db8::1]:5070\n"
		"listen_tls = [::]:5071\n"
		"domain = example.net\n"
		"realm = \"Shieldlock # realm\"\n"
		"nonce_lifetime = 1440\n"
		"digest_algorithms = md5\n"
		"auth_fail_threshold = 3\n"
		"auth_fail_window = 10\n"
		"auth_fail_penalty = 20\n"
		"registration_min_expires = 30\n"
		"registration_max_expires = 30\n"
		"registration_default_expires = 30\n"
		"max_connections = 7\n"
		"tls_min_version = 1.3\n"
		"tls_ciphers = ECDHE+AESGCM:!aNULL\n"
		"tls_ciphersuites = TLS_AES_128_GCM_SHA256\n"
		"tls_cert = /etc/sl/cert.pem\n"
		"tls_key = key.pem\n"
		"trust_store = /etc/sl/trust\n"
		"tls_keylog = /tmp/keylog\n"
		"tls_require_client_cert = yes\n"
		"timer_t1 = 100\n"
		"invite_timeout = 5\n"
		"[media]\n"
		"dp_socket = dp.sock\n"
		"srtp_suites = AES_256_CM_HMAC_SHA1_32 ,AES_CM_128_HMAC_SHA1_80\n"
		"allow_rtp_fallback = false\n"
		"inactivity_timeout = 0\n"
		"replay_window = 1024\n"
		"interface = a port=15 address=192.0.2.1 subnet=0.0.0.0/0 mac=aa:bb:cc:dd:ee:f0 next_hop_mac=00:00:5E:00:53:01 rtp_ports=1024-65535\n";

	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.state_dir, "/srv/sl");
	ck_assert_int_eq(c.log_level, SL_LOG_DEBUG);
	ck_assert_int_eq(c.cluster_mode, SL_CLUSTER_NONSECURE);
	ck_assert(c.auto_registration);
	ck_assert_str_eq(c.node_name, "node-1.example.net");
	ck_assert_str_eq(c.user, "shieldlock");
	ck_assert_str_eq(c.store_path, "/srv/sl/db/sl.db");
	ck_assert_str_eq(c.admin_socket, "/run/x.sock");
	ck_assert_uint_eq(c.n_listen_udp, 0);
	ck_assert_uint_eq(c.n_listen_tcp, 2);
	ck_assert_str_eq(c.listen_tcp[0].host, "192.0.2.1");
	ck_assert_uint_eq(c.listen_tcp[0].port, 5070);
	ck_assert_str_eq(c.listen_tcp[1].host, "2001:db8::1");
	ck_assert_uint_eq(c.n_listen_tls, 1);
	ck_assert_str_eq(c.listen_tls[0].host, "::");
	ck_assert_uint_eq(c.listen_tls[0].port, 5071);
	ck_assert_str_eq(c.domain, "example.net");
	ck_assert_str_eq(c.realm, "Shieldlock # realm");
	/* First non-wildcard listener: TLS has none, so TCP's first. */
	ck_assert_str_eq(c.advertised_host, "192.0.2.1");
	ck_assert_uint_eq(c.nonce_lifetime_min, 1440);
	ck_assert_uint_eq(c.digest_algs, SL_DIGEST_ALG_BIT(SL_DIGEST_MD5));
	ck_assert_uint_eq(c.auth_fail_threshold, 3);
	ck_assert_uint_eq(c.auth_fail_window_s, 10);
	ck_assert_uint_eq(c.auth_fail_penalty_s, 20);
	ck_assert_uint_eq(c.reg_min_expires, 30);
	ck_assert_uint_eq(c.reg_default_expires, 30);
	ck_assert_uint_eq(c.max_connections, 7);
	ck_assert_uint_eq(c.tls_min_version, 0x0304);
	ck_assert_str_eq(c.tls_ciphers, "ECDHE+AESGCM:!aNULL");
	ck_assert_str_eq(c.tls_ciphersuites, "TLS_AES_128_GCM_SHA256");
	ck_assert_str_eq(c.tls_cert, "/etc/sl/cert.pem");
	ck_assert_str_eq(c.tls_key, "/srv/sl/key.pem");
	ck_assert_str_eq(c.trust_store, "/etc/sl/trust");
	ck_assert_str_eq(c.tls_keylog, "/tmp/keylog");
	ck_assert(c.tls_require_client_cert);
	ck_assert_uint_eq(c.timer_t1_ms, 100);
	ck_assert_uint_eq(c.invite_timeout_s, 5);
	ck_assert_str_eq(c.dp_socket, "/srv/sl/dp.sock");
	ck_assert_uint_eq(c.n_srtp_suites, 2);
	ck_assert_int_eq(c.srtp_suites[0], SL_SUITE_AES_256_CM_HMAC_SHA1_32);
	ck_assert_int_eq(c.srtp_suites[1], SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert(!c.allow_rtp_fallback);
	ck_assert_uint_eq(c.inactivity_timeout_s, 0);
	ck_assert_uint_eq(c.replay_window, 1024);
	ck_assert_uint_eq(c.n_iface, 1);
	ck_assert_uint_eq(c.iface[0].dp_port, 15);
	ck_assert_uint_eq(c.iface[0].prefix_len, 0);
	ck_assert_mem_eq(c.iface[0].next_hop_mac, "\x00\x00\x5e\x00\x53\x01", 6);
	ck_assert_uint_eq(c.iface[0].port_min, 1024);
	ck_assert_uint_eq(c.iface[0].port_max, 65535);
}
END_TEST

START_TEST(advertised_v6)
{
	ck_assert_msg(load(MIN_CONF "[sip]\nlisten_tls = [2001:db8::5]:5061\n", &c, err,
			   sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.advertised_host, "[2001:db8::5]");
	ck_assert_msg(load(MIN_CONF "[sip]\nadvertised_host = 2001:db8::7\n", &c, err,
			   sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.advertised_host, "[2001:db8::7]");
	ck_assert_msg(load(MIN_CONF "[sip]\nadvertised_host = [2001:db8::8]\n", &c, err,
			   sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.advertised_host, "[2001:db8::8]");
	ck_assert_msg(load(MIN_CONF "[sip]\nadvertised_host = sip.example.com\n", &c, err,
			   sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.advertised_host, "sip.example.com");
}
END_TEST

START_TEST(syntax_variants)
{
	/* CRLF, tabs, comments after whitespace, '#' inside a bare value, blank lines. */
	static const char text[] =
		"\r\n  # comment\r\n[ general ]\t# trailing comment\r\n"
		"\tlog_level\t=\twarn\t# why\r\n"
		"[sip]\ntls_ciphers=A#B\r\n"
		"[media]\ndp_socket = off\n"
		"[general]\nuser =\n";

	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.log_level, SL_LOG_WARN);
	ck_assert_str_eq(c.user, "");
	ck_assert_str_eq(c.tls_ciphers, "A#B");	/* '#' not after whitespace */
	/* "a#b" is not a host name: '#' did not start a comment. */
	ck_assert_int_eq(load("[general]\nnode_name=a#b\n", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:2: [general] node_name: 'a#b' is not a host name (letters, digits, '-' and '.')");
}
END_TEST

START_TEST(line_length)
{
	char text[1200];

	/* Exactly 1024 bytes is fine, with or without CR. */
	memset(text, 0, sizeof(text));
	strcpy(text, MIN_CONF "#");
	memset(text + strlen(text), 'x', 1023);
	strcat(text, "\r\n");
	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	memset(text, 0, sizeof(text));
	strcpy(text, MIN_CONF "#");
	memset(text + strlen(text), 'x', 1024);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:3: line is longer than 1024 bytes; shorten it");
}
END_TEST

START_TEST(listen_limits)
{
	char text[1024];

	snprintf(text, sizeof(text), MIN_CONF "[sip]\n"
		 "listen_udp = 10.0.0.1:5060\nlisten_udp = 10.0.0.2:5060\n"
		 "listen_udp = 10.0.0.3:5060\nlisten_udp = [::1]:5060\n");
	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.n_listen_udp, 4);
	ck_assert_str_eq(c.listen_udp[3].host, "::1");
	ck_assert_str_eq(c.advertised_host, "10.0.0.1");	/* UDP as the last resort */

	strcat(text, "listen_udp = 10.0.0.5:5060\n");
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:8: [sip] listen_udp: more than 4 addresses; at most 4 listen_udp lines");

	ck_assert_int_eq(load(MIN_CONF "[sip]\nlisten_tcp = 10.0.0.1:5060\nlisten_tcp = 10.0.0.1:5060\n",
			      &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:5: [sip] listen_tcp: 10.0.0.1:5060 is already listed (line 4)");

	ck_assert_int_eq(load(MIN_CONF "[sip]\nlisten_tcp = 10.0.0.1:5060\nlisten_tcp = off\n",
			      &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:5: [sip] listen_tcp: 'off' cannot be combined with other listen_tcp lines (line 4)");

	ck_assert_int_eq(load(MIN_CONF "[sip]\nlisten_tcp = off\nlisten_tcp = 10.0.0.1:5060\n",
			      &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:5: [sip] listen_tcp: listen_tcp is off (line 4); remove that line to listen here");

	ck_assert_int_eq(load(MIN_CONF "[sip]\nlisten_tcp = off\nlisten_udp = off\n\nlisten_tls = off\n",
			      &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:7: [sip] listen_udp, listen_tcp and listen_tls are all off; enable at least one");

	ck_assert_int_eq(load(MIN_CONF "[sip]\nlisten_tcp = 10.0.0.1:5061\n", &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:4: [sip] listen_tcp: 10.0.0.1:5061 is also used by listen_tls (0.0.0.0:5061); TCP and TLS need different ports");
}
END_TEST

static void iface_line(char *out, size_t n, int i)
{
	snprintf(out, n, "interface = if%d port=%d address=10.%d.0.1 subnet=10.%d.0.0/16 "
		 "mac=02:00:00:00:00:%02x next_hop_mac=02:00:00:00:01:%02x rtp_ports=20000-20101\n",
		 i, i, i, i, i, i);
}

START_TEST(iface_limits)
{
	char text[4096] = "[media]\n", line[256];

	for (int i = 0; i < SL_CONF_MAX_IFACES; i++) {
		iface_line(line, sizeof(line), i);
		strcat(text, line);
	}
	ck_assert_msg(load(text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.n_iface, SL_CONF_MAX_IFACES);
	ck_assert_str_eq(c.iface[7].name, "if7");
	iface_line(line, sizeof(line), 8);
	strcat(text, line);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:10: [media] interface: more than 8 interfaces");

	snprintf(text, sizeof(text), "[media]\n");
	iface_line(line, sizeof(line), 1);
	strcat(text, line);
	strcat(text, line);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:3: [media] interface: interface 'if1' is already defined (line 2)");
}
END_TEST

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

START_TEST(files)
{
	char dir[] = "/tmp/sl-conf-XXXXXX", path[128], want[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	ck_assert_int_eq(sl_conf_load(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:0: cannot open: No such file or directory", path);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(sl_conf_load(dir, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:0: not a regular file; give the path of the configuration file", dir);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	write_file(path, MIN_CONF "[sip]\nnonce_lifetime = 9\n", 0640);
	ck_assert_msg(sl_conf_load(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.nonce_lifetime_min, 9);
	ck_assert_str_eq(c.file, path);

	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(sl_conf_load(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:0: writable by every user (mode 0666); run chmod o-w on it", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	/* A NUL byte is only visible to sl_conf_load (strings end there). */
	snprintf(path, sizeof(path), "%s/nul.conf", dir);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fwrite(MIN_CONF "# a\0b\n", 1, sizeof(MIN_CONF) + 5, f);
	fclose(f);
	ck_assert_int_eq(sl_conf_load(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: contains a NUL byte; is this a text file?", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(paths)
{
	char text[1024], longdir[200];

	/* Unix socket paths are limited to 107 bytes. */
	memset(longdir, 'd', 120);
	longdir[0] = '/';
	longdir[120] = '\0';
	snprintf(text, sizeof(text), "[general]\nstate_dir = %s\n[media]\ndp_socket = off\n"
		 "[admin]\nsocket = s.sock\n", longdir);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:6: [admin] socket: /ddd"));
	ck_assert_ptr_nonnull(strstr(err, "/s.sock is longer than 107 bytes, the limit of a Unix socket path"));

	/* A relative path that no longer fits after joining. */
	memset(longdir, 'd', 199);
	longdir[0] = '/';
	longdir[199] = '\0';
	snprintf(text, sizeof(text), "[general]\nstate_dir = %s\n[media]\ndp_socket = off\n"
		 "[sip]\ntls_key = 0123456789012345678901234567890123456789012345678901234567890123456789.key\n",
		 longdir);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:6: [sip] tls_key: /ddd"));
	ck_assert_ptr_nonnull(strstr(err, "is longer than 255 bytes; shorten state_dir or give an absolute path"));

	/* Defaults derived from a long state_dir are checked the same way (line 0). */
	snprintf(text, sizeof(text), "[general]\nstate_dir = %s/0123456789012345678901234567890123456789012345678\n"
		 "[media]\ndp_socket = off\n", longdir);
	ck_assert_int_eq(load(text, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:0: [store] path: /ddd"));
}
END_TEST

TCase *tcase_conf(void)
{
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, defaults_resolved);
	tcase_add_test(tc, example_file);
	tcase_add_test(tc, all_keys);
	tcase_add_test(tc, advertised_v6);
	tcase_add_test(tc, syntax_variants);
	tcase_add_test(tc, line_length);
	tcase_add_test(tc, listen_limits);
	tcase_add_test(tc, iface_limits);
	tcase_add_test(tc, files);
	tcase_add_test(tc, paths);
	return tc;
}
