/* SPDX-License-Identifier: BSD-3-Clause */
/* Every kind of configuration error gives its exact "file:line: [section] key: reason". */
#include <stdint.h>
#include <string.h>

#include "test_conf.h"

#define IFACE_OK "port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 " \
		 "next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101"

static const struct {
	const char *text;
	const char *want;
} cases[] = {
	/* the example of conf.h */
	{ MIN_CONF "[sip]\nnonce_lifetime = 0\n",
	  "t.conf:4: [sip] nonce_lifetime: 0 is out of range 1..1440 (minutes)" },
	{ MIN_CONF "[sip]\nnonce_lifetime = 1441\n",
	  "t.conf:4: [sip] nonce_lifetime: 1441 is out of range 1..1440 (minutes)" },
	{ MIN_CONF "[sip]\nnonce_lifetime = 5m\n",
	  "t.conf:4: [sip] nonce_lifetime: '5m' is not a number; expected an integer 1..1440 (minutes)" },
	{ MIN_CONF "[sip]\nnonce_lifetime = -1\n",
	  "t.conf:4: [sip] nonce_lifetime: '-1' is not a number; expected an integer 1..1440 (minutes)" },
	{ MIN_CONF "[sip]\ntimer_t1 = 99999999999999999999999\n",
	  "t.conf:4: [sip] timer_t1: 99999999999999999999999 is out of range 10..10000 (milliseconds)" },
	{ MIN_CONF "[sip]\nmax_connections =\n",
	  "t.conf:4: [sip] max_connections: '' is not a number; expected an integer 1..1000000 (connections)" },
	/* structure */
	{ "[foo]\n", "t.conf:1: unknown section [foo] (sections: general, store, admin, sip, media, provisioning, keys)" },
	{ "[sip\n", "t.conf:1: section header without ']'; write it as [name]" },
	{ "[sip] x = 1\n", "t.conf:1: unexpected text after the section header; put keys on their own lines" },
	{ "log_level = info\n", "t.conf:1: key 'log_level' comes before any section; put it under [general]" },
	{ "\n\nbogus = 1\n", "t.conf:3: key 'bogus' comes before any section header; put keys under [general], [store], [admin], [sip] or [media]" },
	{ "[sip]\nfoo = 1\n",
	  "t.conf:2: [sip] foo: unknown key (shieldlockd.conf.example lists the keys of [sip])" },
	{ "[sip]\ndp_socket = off\n", "t.conf:2: [sip] dp_socket: unknown key in [sip]; it belongs in [media]" },
	{ "[sip]\nRealm = x\n", "t.conf:2: [sip] Realm: keys are lowercase" },
	{ "[sip]\nrealm x\n", "t.conf:2: missing '=' after 'realm'; write 'key = value'" },
	{ "[sip]\n= x\n",
	  "t.conf:2: expected '[section]' or 'key = value' (keys are letters, digits and '_')" },
	{ "[general]\nlog_level = info\n\nlog_level = debug\n",
	  "t.conf:4: [general] log_level: set twice (first on line 2); only listen_udp, listen_tcp, listen_tls and interface may repeat" },
	{ "[general]\nlog_level = \"info\n",
	  "t.conf:2: [general] log_level: missing closing '\"' (quoted values cannot contain '\"')" },
	{ "[general]\nlog_level = \"info\" x\n",
	  "t.conf:2: [general] log_level: unexpected text after the closing '\"'" },
	{ "[general]\nlog_level = info\x01\n", "t.conf:2: control character 0x01 in the line; remove it" },
	/* enumerations and booleans */
	{ "[general]\nlog_level = verbose\n",
	  "t.conf:2: [general] log_level: 'verbose' is not a log level; use err, warn, notice, info or debug" },
	{ "[general]\ncluster_security_mode = secure\n",
	  "t.conf:2: [general] cluster_security_mode: 'secure' is not a cluster security mode; use non-secure or mixed" },
	{ "[media]\nallow_rtp_fallback = maybe\n",
	  "t.conf:2: [media] allow_rtp_fallback: 'maybe' is not a boolean; use yes or no" },
	{ "[sip]\ntls_min_version = 1.1\n",
	  "t.conf:2: [sip] tls_min_version: '1.1' is not a TLS version; use 1.2 or 1.3" },
	{ "[general]\nauto_registration = yes\n" MIN_CONF,
	  "t.conf:2: [general] auto_registration: yes is refused while cluster_security_mode is mixed (secure mode on); set it to no, or cluster_security_mode = non-secure" },
	/* names and paths */
	{ "[general]\nstate_dir = var/lib\n",
	  "t.conf:2: [general] state_dir: 'var/lib' is not an absolute path; write it starting with '/'" },
	{ "[sip]\ntls_cert =\n",
	  "t.conf:2: [sip] tls_cert: empty; give a path or remove the line to use the default" },
	{ "[general]\nuser = -root\n",
	  "t.conf:2: [general] user: '-root' is not a user name (letters, digits, '_', '-', '.'); \"\" keeps the children as root" },
	{ "[general]\nnode_name = -bad\n",
	  "t.conf:2: [general] node_name: '-bad' is not a host name (letters, digits, '-' and '.')" },
	{ "[sip]\nrealm = \"a\\b\"\n",
	  "t.conf:2: [sip] realm: may contain printable ASCII except '\"' and '\\'" },
	{ "[sip]\ntls_ciphers = \"A B\"\n",
	  "t.conf:2: [sip] tls_ciphers: 'A B' is not an OpenSSL cipher list (names joined by ':', no spaces)" },
	{ "[sip]\ntls_ciphersuites = \"\"\n",
	  "t.conf:2: [sip] tls_ciphersuites: empty; an empty list would disable every cipher" },
	{ "[sip]\nadvertised_host = [10.0.0.1]\n",
	  "t.conf:2: [sip] advertised_host: '[10.0.0.1]' is not an IPv6 address in brackets" },
	{ "[sip]\ndomain = "
	  "a123456789012345678901234567890123456789012345678901234567890123456789"
	  ".b123456789012345678901234567890123456789012345678901234567890\n",
	  "t.conf:2: [sip] domain: longer than 127 bytes" },
	/* lists */
	{ "[sip]\ndigest_algorithms = SHA-512-256\n",
	  "t.conf:2: [sip] digest_algorithms: 'SHA-512-256' is not supported; use SHA-256 and/or MD5" },
	{ "[sip]\ndigest_algorithms = MD5, md5\n", "t.conf:2: [sip] digest_algorithms: 'md5' is listed twice" },
	{ "[sip]\ndigest_algorithms = MD5,,SHA-256\n",
	  "t.conf:2: [sip] digest_algorithms: empty item in the list; separate names with ','" },
	{ "[sip]\ndigest_algorithms =\n", "t.conf:2: [sip] digest_algorithms: empty; list SHA-256 and/or MD5" },
	{ "[media]\nsrtp_suites = NULL_HMAC_SHA1_80\n",
	  "t.conf:2: [media] srtp_suites: 'NULL_HMAC_SHA1_80' is not allowed: it does not encrypt" },
	{ "[media]\nsrtp_suites = aead_aes_256_gcm\n",
	  "t.conf:2: [media] srtp_suites: 'aead_aes_256_gcm' is not an SRTP suite; use AEAD_AES_256_GCM, AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80 or AES_256_CM_HMAC_SHA1_32" },
	{ "[media]\nsrtp_suites = AEAD_AES_128_GCM, AEAD_AES_128_GCM\n",
	  "t.conf:2: [media] srtp_suites: 'AEAD_AES_128_GCM' is listed twice" },
	{ "[media]\nreplay_window = 100\n",
	  "t.conf:2: [media] replay_window: '100' is not 0 (data plane default) or a power of two from 64 to 32768 (packets)" },
	{ "[media]\nreplay_window = 65536\n",
	  "t.conf:2: [media] replay_window: '65536' is not 0 (data plane default) or a power of two from 64 to 32768 (packets)" },
	/* provisioning and keys (issue 5) */
	{ "[provisioning]\nlisten_tftp = 69\n",
	  "t.conf:2: [provisioning] listen_tftp: '69' has no port; write HOST:PORT, [IPv6]:PORT or off" },
	{ "[provisioning]\nfile_hash = sha256\n",
	  "t.conf:2: [provisioning] file_hash: 'sha256' is not a file signature hash; use sha1 or sha512 (phones do not accept sha256)" },
	{ "[provisioning]\nsigner_version = 1.2\n",
	  "t.conf:2: [provisioning] signer_version: '1.2' is not a trust-list signer version; use 1.0 or 1.1" },
	{ "[provisioning]\nlsc_days = 4000\n",
	  "t.conf:2: [provisioning] lsc_days: 4000 is out of range 1..3560 (days)" },
	{ "[provisioning]\nmic_ca = a.pem,,b.pem\n",
	  "t.conf:2: [provisioning] mic_ca: empty item in the list; separate paths with single commas" },
	{ "[provisioning]\nmic_ca = a,b,c,d,e\n",
	  "t.conf:2: [provisioning] mic_ca: more than 4 paths" },
	{ "[keys]\nsast1 = off\n",
	  "t.conf:2: [keys] sast1: cannot be off (only sast2 can); give a key file or a pkcs11: URI, or remove the line for the default" },
	{ "[keys]\ntftp = \"\"\n",
	  "t.conf:2: [keys] tftp: empty; give a key file or a pkcs11: URI, or remove the line for the default" },
	{ "[keys]\nsast1 = \"pkcs11:token=A B\"\n",
	  "t.conf:2: [keys] sast1: a pkcs11: URI has no spaces or control characters (RFC 7512 §2.3: percent-encode them)" },
	{ "[keys]\nsast2 = off\nsast_signer = 2\n" MIN_CONF,
	  "t.conf:3: [keys] sast_signer: 2 names SAST 2, but sast2 = off; set sast_signer = 1 or configure sast2" },
	{ "[keys]\nca = /etc/ca.key\n",
	  "t.conf:2: [keys] ca: '/etc/ca.key' is not a pkcs11: URI; the CA key is either the file <state_dir>/ca/ca.key (remove the line) or a key in a token" },
	{ "[keys]\nsast_signer = 3\n",
	  "t.conf:2: [keys] sast_signer: 3 is out of range 1..2 ((SAST number))" },
	/* listen addresses */
	{ "[sip]\nlisten_udp = ::1:5060\n",
	  "t.conf:2: [sip] listen_udp: '::1:5060': write IPv6 addresses in brackets, [addr]:PORT" },
	{ "[sip]\nlisten_tls = example.com:5061\n",
	  "t.conf:2: [sip] listen_tls: 'example.com' is not a numeric IPv4 address (host names are not allowed)" },
	{ "[sip]\nlisten_tls = 10.0.0.1\n",
	  "t.conf:2: [sip] listen_tls: '10.0.0.1' has no port; write HOST:PORT, [IPv6]:PORT or off" },
	{ "[sip]\nlisten_tls = 10.0.0.1:0\n", "t.conf:2: [sip] listen_tls: '0' is not a port 1..65535" },
	{ "[sip]\nlisten_tls = 10.0.0.1:65536\n", "t.conf:2: [sip] listen_tls: '65536' is not a port 1..65535" },
	{ "[sip]\nlisten_tcp = [::1]5060\n", "t.conf:2: [sip] listen_tcp: '[::1]5060' is not [IPv6]:PORT" },
	{ "[sip]\nlisten_tcp = [10.0.0.1]:5060\n", "t.conf:2: [sip] listen_tcp: '10.0.0.1' is not an IPv6 address" },
	/* whole-file consistency */
	{ MIN_CONF "[sip]\nregistration_min_expires = 7200\n",
	  "t.conf:4: [sip] registration_min_expires: registration_min_expires (7200) is greater than registration_max_expires (3600)" },
	{ MIN_CONF "[sip]\nregistration_max_expires = 120\nregistration_default_expires = 30\n",
	  "t.conf:5: [sip] registration_default_expires: 30 is outside registration_min_expires..registration_max_expires (60..120)" },
	{ "", "t.conf:0: [media] no interface line: media needs at least one interface while dp_socket is set (or set dp_socket = off)" },
	{ "[media]\ndp_socket = /run/dp.sock\n",
	  "t.conf:2: [media] no interface line: media needs at least one interface while dp_socket is set (or set dp_socket = off)" },
	/* interfaces */
	{ "[media]\ninterface = port=0\n",
	  "t.conf:2: [media] interface: starts with the interface name: NAME port=N address=IP subnet=CIDR mac=MAC next_hop_mac=MAC rtp_ports=MIN-MAX" },
	{ "[media]\ninterface = a/b " IFACE_OK "\n",
	  "t.conf:2: [media] interface: 'a/b' is not an interface name (1..63 letters, digits, '_', '-')" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': missing subnet= (all of port, address, subnet, mac, next_hop_mac, rtp_ports are required)" },
	{ "[media]\ninterface = x " IFACE_OK " vlan=3\n",
	  "t.conf:2: [media] interface: interface 'x': unknown setting 'vlan' (port, address, subnet, mac, next_hop_mac, rtp_ports)" },
	{ "[media]\ninterface = x " IFACE_OK " port=1\n", "t.conf:2: [media] interface: interface 'x': port= given twice" },
	{ "[media]\ninterface = x " IFACE_OK " junk\n", "t.conf:2: [media] interface: interface 'x': 'junk' is not key=value" },
	{ "[media]\ninterface = x port=16 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': port=16 is not a data-plane port id 0..15" },
	{ "[media]\ninterface = x port=0 address=10.0.0.256 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': address=10.0.0.256 is not an IPv4 or IPv6 address" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=2001:db8::/64 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': subnet=2001:db8::/64 is IPv6 but address is IPv4; they must be the same version" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.1/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': subnet=10.0.0.1/24 has host bits set; write the network address" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/33 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': subnet=10.0.0.0/33: prefix length must be 0..32" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': subnet=10.0.0.0 has no prefix length; write ADDRESS/LEN" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': mac=02:00:00:00:00 is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=ff:ff:ff:ff:ff:ff rtp_ports=20000-20101\n",
	  "t.conf:2: [media] interface: interface 'x': next_hop_mac=ff:ff:ff:ff:ff:ff is not a unicast MAC address" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20001-20100\n",
	  "t.conf:2: [media] interface: interface 'x': rtp_ports=20001-20100 is not MIN-MAX with MIN even, MAX odd (RTP/RTCP pairs), 1024 <= MIN < MAX <= 65535" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=1000-2000\n",
	  "t.conf:2: [media] interface: interface 'x': rtp_ports=1000-2000 is not MIN-MAX with MIN even, MAX odd (RTP/RTCP pairs), 1024 <= MIN < MAX <= 65535" },
	{ "[media]\ninterface = x port=0 address=10.0.0.1 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=30000-20000\n",
	  "t.conf:2: [media] interface: interface 'x': rtp_ports=30000-20000 is not MIN-MAX with MIN even, MAX odd (RTP/RTCP pairs), 1024 <= MIN < MAX <= 65535" },
	{ "[media]\ninterface = x " IFACE_OK "\ninterface = y port=1 address=10.0.0.9 subnet=10.0.0.0/24 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=20000-20101\n",
	  "t.conf:3: [media] interface: interface 'y': its subnet is already served by interface 'x' (line 2)" },
};

START_TEST(error_message)
{
	struct sl_conf c;
	char err[1024];

	ck_assert_msg(load(cases[_i].text, &c, err, sizeof(err)) == -1, "case %d loaded: %s", _i,
		      cases[_i].text);
	ck_assert_msg(strcmp(err, cases[_i].want) == 0, "case %d:\n got: %s\nwant: %s", _i, err,
		      cases[_i].want);
}
END_TEST

/* A small error buffer truncates the message but never overflows. */
START_TEST(small_buffer)
{
	struct sl_conf c;
	char err[16];

	memset(err, 'Z', sizeof(err));
	ck_assert_int_eq(load("[foo]\n", &c, err, 12), -1);
	ck_assert_str_eq(err, "t.conf:1: u");
	ck_assert_int_eq(err[12], 'Z');
	ck_assert_int_eq(load("[foo]\n", &c, NULL, 0), -1);
}
END_TEST

/*
 * Mutations of a valid file (deterministic xorshift): the parser never
 * crashes (run under ASan/UBSan too) and every failure names the file and a line.
 */
START_TEST(mutations)
{
	static const char base[] =
		"[general]\nstate_dir = /var/lib/x\nlog_level = debug\n"
		"[sip]\nlisten_tls = [::1]:5061\nrealm = \"r # 1\"\ndigest_algorithms = SHA-256, MD5\n"
		"nonce_lifetime = 10\n[media]\nsrtp_suites = AEAD_AES_128_GCM\n"
		"interface = a " IFACE_OK "\n";
	static const char alphabet[] = "[]=#\" \t\n\r:/-.,0129aZ_\x01\xff";
	struct sl_conf c;
	char text[sizeof(base)], err[512];
	uint32_t x = 2463534242u;
	unsigned ok = 0;

	ck_assert_msg(load(base, &c, err, sizeof(err)) == 0, "%s", err);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(text, base, sizeof(base));
		for (int m = 0; m < 1 + iter % 4; m++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			size_t pos = x % (sizeof(base) - 1);

			text[pos] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		if (load(text, &c, err, sizeof(err)) == 0) {
			ok++;
			continue;
		}
		ck_assert_msg(strncmp(err, "t.conf:", 7) == 0 && strstr(err, ": ") != NULL,
			      "bad message '%s' for:\n%s", err, text);
	}
	/* Some mutations (in comments, quoted text) are harmless. */
	ck_assert_uint_gt(ok, 0);
}
END_TEST

TCase *tcase_conf_errors(void)
{
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, error_message, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, small_buffer);
	tcase_add_test(tc, mutations);
	return tc;
}
