/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd configuration: parsed from an INI-style file
 * (etc/shieldlockd.conf.example documents every key; docs/shieldlockd.md
 * the format). The result is one flat struct with no pointers, so the
 * privileged parent can parse a new file on SIGHUP and hand the result to its
 * children as bytes.
 *
 * Format: "[section]" lines, "key = value" lines, '#' comments (whole line,
 * or after whitespace), blank lines. Keys are lowercase; unknown sections and
 * keys are errors (a typo must not silently fall back to a default). Repeated
 * keys are errors except those documented as repeatable (listen_*, interface).
 * Every error names the file, the line and what is wrong:
 *   "/etc/shieldlock/shieldlockd.conf:12: [sip] nonce_lifetime: 0 is out of range 1..1440 (minutes)"
 */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_CONF_PATH_MAX	256
#define SL_CONF_NAME_MAX	64
#define SL_CONF_MAX_LISTEN	4	/* per transport */
#define SL_CONF_MAX_IFACES	8
#define SL_CONF_MAX_SUITES	8
#define SL_CONF_KEYREF_MAX	512	/* a key file path or an RFC 7512 pkcs11: URI */
#define SL_CONF_MAX_MIC_CA	4

enum sl_log_level {
	SL_LOG_ERR = 0, SL_LOG_WARN, SL_LOG_NOTICE, SL_LOG_INFO, SL_LOG_DEBUG,
};

enum sl_cluster_mode {
	SL_CLUSTER_NONSECURE = 0,	/* device modes ignored (everything non-secure) */
	SL_CLUSTER_MIXED,		/* device profiles decide ("secure mode on") */
};

struct sl_conf_sockaddr {
	char host[64];			/* numeric IPv4/IPv6 literal, "0.0.0.0", "::" */
	uint16_t port;
};

/* A media interface: one data-plane port with the appliance's address on it. */
struct sl_conf_iface {
	char name[SL_CONF_NAME_MAX];	/* "phone", "trunk": used in logs */
	uint16_t dp_port;		/* DPDK port id */
	uint8_t ip_version;		/* 4 or 6 (of address) */
	uint8_t address[16];		/* appliance media address, network order */
	uint8_t subnet[16];		/* peers in this subnet use this interface */
	uint8_t prefix_len;
	uint8_t mac[6];			/* our MAC on that port (Ethernet source) */
	uint8_t next_hop_mac[6];	/* where packets to peers go (Ethernet dest) */
	uint16_t port_min, port_max;	/* media UDP ports: MIN even, MAX odd (RTP/RTCP pairs) */
	char text[128];			/* the address as written, for SDP */
};

struct sl_conf {
	char file[SL_CONF_PATH_MAX];	/* where it was read from */

	/* [general] */
	char state_dir[SL_CONF_PATH_MAX];	/* default /var/lib/shieldlock */
	enum sl_log_level log_level;		/* default info */
	enum sl_cluster_mode cluster_mode;	/* default mixed */
	bool auto_registration;			/* default no */
	char node_name[SL_CONF_NAME_MAX];	/* default: gethostname() */
	char user[SL_CONF_NAME_MAX];		/* drop children to this user; "" = stay */

	/* [store] */
	char store_path[SL_CONF_PATH_MAX];	/* default <state_dir>/shieldlock.db */

	/* [admin] */
	char admin_socket[SL_CONF_PATH_MAX];	/* default /run/shieldlock/shieldlockd.sock */

	/* [sip] */
	struct sl_conf_sockaddr listen_udp[SL_CONF_MAX_LISTEN];
	unsigned n_listen_udp;		/* "off" = 0; default 0.0.0.0:5060 */
	struct sl_conf_sockaddr listen_tcp[SL_CONF_MAX_LISTEN];
	unsigned n_listen_tcp;		/* default 0.0.0.0:5060 */
	struct sl_conf_sockaddr listen_tls[SL_CONF_MAX_LISTEN];
	unsigned n_listen_tls;		/* default 0.0.0.0:5061 */
	char domain[128];		/* our SIP domain; default node_name */
	char advertised_host[128];	/* host put in Via/Contact/Record-Route; default first listen address */
	char realm[128];		/* digest realm; default domain */
	unsigned nonce_lifetime_min;	/* 1..1440, default 5 */
	unsigned digest_algs;		/* SL_DIGEST_ALG_BIT mask; default SHA-256|MD5 */
	unsigned auth_fail_threshold;	/* default 5 */
	unsigned auth_fail_window_s;	/* default 60 */
	unsigned auth_fail_penalty_s;	/* default 300 */
	unsigned reg_min_expires;	/* default 60 */
	unsigned reg_max_expires;	/* default 3600 */
	unsigned reg_default_expires;	/* default 600 */
	unsigned max_connections;	/* default 10000 */
	unsigned tls_min_version;	/* 0x0303 (1.2, default) or 0x0304 (1.3) */
	char tls_ciphers[256];		/* TLS 1.2 list; default ECDHE AEAD suites */
	char tls_ciphersuites[256];	/* TLS 1.3 list; default OpenSSL's */
	char tls_cert[SL_CONF_PATH_MAX];	/* default <state_dir>/certs/node.pem */
	char tls_key[SL_CONF_PATH_MAX];		/* default <state_dir>/private/node.key */
	char trust_store[SL_CONF_PATH_MAX];	/* CApath dir; default <state_dir>/trust */
	bool tls_require_client_cert;	/* refuse TLS handshakes without a verified client cert; default no */
	char tls_keylog[SL_CONF_PATH_MAX];	/* NSS key log (tests only); "" = off */
	unsigned timer_t1_ms;		/* RFC 3261 T1, default 500 */
	unsigned invite_timeout_s;	/* no final answer from callee: 408/CANCEL, default 60 */

	/* [media] */
	char dp_socket[SL_CONF_PATH_MAX];	/* default /run/shieldlock/dp.sock */
	int srtp_suites[SL_CONF_MAX_SUITES];	/* enum sl_srtp_suite, preference order */
	unsigned n_srtp_suites;		/* default GCM-256, GCM-128, CM-128-80, CM-128-32 */
	bool allow_rtp_fallback;	/* default yes: non-secure devices may get RTP */
	unsigned inactivity_timeout_s;	/* 0 = off; default 60 */
	unsigned replay_window;		/* 0 = data plane default */
	struct sl_conf_iface iface[SL_CONF_MAX_IFACES];
	unsigned n_iface;		/* at least one when dp_socket is set */

	/* [provisioning] (issue 5; docs/provisioning.md) */
	bool prov_enabled;		/* default yes: the prov process serves CAPF, TFTP, HTTP */
	char prov_dir[SL_CONF_PATH_MAX];	/* generated tree; default <state_dir>/tftp */
	struct sl_conf_sockaddr prov_tftp;	/* port 0 = off; default 0.0.0.0:69 */
	struct sl_conf_sockaddr prov_http;	/* default 0.0.0.0:6970 */
	struct sl_conf_sockaddr prov_capf;	/* default 0.0.0.0:3804 */
	char prov_user[SL_CONF_NAME_MAX];	/* the prov process runs as; default nobody */
	char call_manager[128];		/* host in cnf.xml; default advertised_host, else node_name */
	bool capf_tls10;		/* also TLS 1.0 (7900 series), spec §1.1; default no */
	unsigned capf_timeout_s;	/* wait for a phone's key generation; default 120 */
	unsigned lsc_days;		/* validity of issued LSCs; default 365 */
	unsigned file_hash;		/* enum sl_hash of .sgn/.tlv signatures: 1 SHA-1 (default), 3 SHA-512 */
	unsigned signer_version;	/* .tlv SIGNER_VERSION: 0x0100 or 0x0101 (default) */
	char mic_ca[SL_CONF_MAX_MIC_CA][SL_CONF_PATH_MAX];	/* manufacturer CAs for CAPF MIC auth */
	unsigned n_mic_ca;

	/* [keys] (issue 5; docs/keys-tokens.md): each key is a PEM file (0600)
	 * or a pkcs11: URI; each certificate a PEM file, created self-signed
	 * on first start when missing. sast2 = off runs with one SAST. */
	char key_ca[SL_CONF_KEYREF_MAX];	/* "": <state_dir>/ca/ca.key; else a pkcs11: URI */
	char key_sast1[SL_CONF_KEYREF_MAX], cert_sast1[SL_CONF_PATH_MAX];
	char key_sast2[SL_CONF_KEYREF_MAX], cert_sast2[SL_CONF_PATH_MAX];
	char key_tftp[SL_CONF_KEYREF_MAX], cert_tftp[SL_CONF_PATH_MAX];
	char key_capf[SL_CONF_KEYREF_MAX], cert_capf[SL_CONF_PATH_MAX];
	unsigned sast_signer;		/* which SAST signs the trust lists: 1 (default) or 2 */
};

/* Fills defaults (state_dir-relative paths are resolved at the end of load). */
void sl_conf_defaults(struct sl_conf *c);

/*
 * Reads and checks the file. Returns 0, or -1 with "file:line: reason" in err
 * (line 0 for whole-file problems such as "cannot open"). On error *c is left
 * with defaults plus whatever was parsed; callers must not use it.
 */
int sl_conf_load(const char *path, struct sl_conf *c, char *err, size_t errlen);

/* Same from a string (tests); name is used in messages. */
int sl_conf_load_string(const char *name, const char *text, struct sl_conf *c,
			char *err, size_t errlen);

/* The interface whose subnet holds addr (network order, 4 or 16 bytes). */
const struct sl_conf_iface *sl_conf_iface_for(const struct sl_conf *c,
					      int ip_version, const uint8_t *addr);

const char *sl_log_level_name(enum sl_log_level l);

#endif
