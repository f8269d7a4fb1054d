/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Phone configuration files (issue 5, spec §5.2 and §7): SEP<MAC>.cnf.xml
 * built from a device record, the encrypted-configuration stub, the operator
 * warnings about them, the list of files a device needs, and the writer of
 * the provisioning tree the TFTP/HTTP servers serve. See docs/phone-config.md.
 *
 * Nothing here signs or encrypts: controlplane/sgn turns the bytes built here
 * into .sgn / .enc.sgn files. Nothing here logs passwords; every function
 * that fails writes what was wrong and what to do into err.
 */
#ifndef SL_CNF_H
#define SL_CNF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits (spec §7.1: up to 5 CAPF entries and 5 TVS members; we offer 3
 * call servers as the task asks; 16 line keys cover every 79xx/88xx body). */
enum {
	SL_CNF_MAX_CM = 3,
	SL_CNF_MAX_CAPF = 5,
	SL_CNF_MAX_TVS = 5,
	SL_CNF_MAX_LINES = 16,
	SL_CNF_TEXT_MAX = 255,		/* bytes of one text value */
	SL_CNF_DEVNAME_LEN = 15,	/* "SEP" + 12 hex digits */
	SL_CNF_CAPF_PORT = 3804,	/* spec §1.1 / §7.1 */
	SL_CNF_TVS_PORT = 2445,		/* spec §6 / §7.1 */
};

/* device/deviceSecurityMode (spec §7.1). */
enum sl_cnf_mode {
	SL_CNF_MODE_NONSECURE = 1,
	SL_CNF_MODE_AUTHENTICATED = 2,	/* TLS with NULL cipher */
	SL_CNF_MODE_ENCRYPTED = 3,	/* TLS with AES, SRTP */
};

/* device/transportLayerProtocol (spec §7.1): the values are the wire codes. */
enum sl_cnf_transport {
	SL_CNF_TRANSPORT_TCP = 1,
	SL_CNF_TRANSPORT_UDP = 2,
	SL_CNF_TRANSPORT_TLS = 3,
};

/* capfAuthMode (spec §7.1); 0 = not configured, element omitted. */
enum sl_cnf_capf_auth {
	SL_CNF_CAPF_AUTH_NONE = 0,
	SL_CNF_CAPF_AUTH_PASSWORD = 1,
	SL_CNF_CAPF_AUTH_NULL_STRING = 2,
	SL_CNF_CAPF_AUTH_LSC_MIC = 3,
	SL_CNF_CAPF_AUTH_MIC = 4,
};

/* One call server, devicePool/callManagerGroup/members/member. Its priority
 * attribute is its index in sl_cnf_device.cm (0 is tried first). */
struct sl_cnf_callmanager {
	const char *host;		/* processNodeName: host name or address */
	uint16_t sip_port;		/* sipPort, e.g. 5060 */
	uint16_t secured_sip_port;	/* securedSipPort, e.g. 5061 */
};

/* capfList/capf and TVS/members/member: host and port (0 = the default). */
struct sl_cnf_server {
	const char *host;
	uint16_t port;
};

/* One sipProfile/sipLines/line (featureID 9 = a phone line). */
struct sl_cnf_line {
	const char *label;		/* featureLabel (required) */
	const char *name;		/* name: SIP user name (required) */
	const char *display_name;	/* displayName (NULL: empty) */
	const char *auth_name;		/* authName (NULL: empty = use name) */
	const char *auth_password;	/* authPassword (NULL: element omitted) */
	const char *contact;		/* contact (NULL: empty) */
};

/*
 * A device record. Strings are UTF-8, borrowed (the caller owns them) and
 * must not contain control characters; NULL optional strings are omitted or
 * empty as noted. Zero-initialise, then fill in.
 */
struct sl_cnf_device {
	const char *name;		/* "SEP" + 12 uppercase hex digits */
	const char *description;	/* for the operator only: not written */
	enum sl_cnf_mode mode;
	enum sl_cnf_transport transport;	/* TLS only with mode 2 or 3 */
	uint32_t tls_resumption_timer;	/* TLSResumptionTimer, seconds */
	struct sl_cnf_callmanager cm[SL_CNF_MAX_CM];
	unsigned n_cm;			/* 1..SL_CNF_MAX_CM */
	enum sl_cnf_capf_auth capf_auth_mode;
	struct sl_cnf_server capf[SL_CNF_MAX_CAPF];
	unsigned n_capf;		/* 0: no capfList */
	struct sl_cnf_server tvs[SL_CNF_MAX_TVS];
	unsigned n_tvs;			/* 0: no TVS element */
	const char *cert_hash;		/* certHash: NULL or "" normally */
	struct sl_cnf_line lines[SL_CNF_MAX_LINES];
	unsigned n_lines;		/* 1..SL_CNF_MAX_LINES */
	const char *load_information;	/* firmware load name; NULL: empty */
	unsigned ip_address_mode;	/* 0 IPv4, 1 IPv6, 2 both */
	const char *user_locale;	/* userLocale/name; NULL: omitted */
	const char *network_locale;	/* networkLocale; NULL: omitted */
};

/* A growing byte buffer. Its contents may hold passwords: free it with
 * sl_cnf_buf_free, which wipes it. Zero-initialise before first use. */
struct sl_cnf_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void sl_cnf_buf_free(struct sl_cnf_buf *b);

/*
 * Checks a device name ("SEP" + 12 uppercase hex digits, spec §7.2) and
 * copies the 12 MAC digits and a NUL into mac (13 bytes), if mac != NULL.
 * Returns 0 or -EINVAL with a message.
 */
int sl_cnf_device_mac(const char *name, char mac[13], char *err, size_t errlen);

/* Checks every field of a device record (what sl_cnf_build refuses). */
int sl_cnf_device_check(const struct sl_cnf_device *dev, char *err, size_t errlen);

/*
 * SEP<MAC>.cnf.xml: appends the XML document to out (which it empties
 * first). The same record gives the same bytes. Returns 0, -EINVAL (the
 * record is refused; out is empty) or -ENOMEM.
 */
int sl_cnf_build(const struct sl_cnf_device *dev, struct sl_cnf_buf *out, char *err,
		 size_t errlen);

/*
 * The encrypted-configuration stub of spec §5.2, the content of
 * SEP<MAC>.cnf.xml.sgn when encrypted configuration is on: fullConfig
 * false, ipAddressMode, loadInformation, capfAuthMode, capfList, certHash =
 * lowercase hex MD5 of cert_der (the phone's RSA certificate, LSC or MIC,
 * whose key wraps the AES key), encrConfig true. Refuses a certificate that
 * does not parse or has no RSA key (spec §5.1 step 7).
 */
int sl_cnf_build_stub(const struct sl_cnf_device *dev, const uint8_t *cert_der,
		      size_t cert_len, struct sl_cnf_buf *out, char *err, size_t errlen);

/* Lowercase hex MD5 of a DER certificate (certHash, spec §5.2). */
int sl_cnf_cert_hash(const uint8_t *der, size_t len, char hex[33]);

/* Operator warnings about one device's configuration. */
enum sl_cnf_warning {
	SL_CNF_WARN_DIGEST_IN_CLEAR = 1,	/* authPassword, encryption off */
	SL_CNF_WARN_NO_RSA_CERT,	/* encryption on, no RSA cert: no config */
	SL_CNF_WARN_SECURE_NOT_TLS,	/* mode 2/3 with TCP or UDP transport */
	SL_CNF_WARN_UDP,		/* transport UDP (spec §7.1: avoid) */
	SL_CNF_WARN_CAPF_NULL_STRING,	/* capfAuthMode 2: anyone may enroll */
	SL_CNF_WARN_CAPF_NO_SERVER,	/* capfAuthMode set but no capfList */
};

typedef void (*sl_cnf_warn_fn)(void *arg, enum sl_cnf_warning code, const char *msg);

/*
 * Calls fn once per warning for dev (already checked by
 * sl_cnf_device_check), knowing whether encrypted configuration is enabled
 * in its security profile and whether it has an RSA certificate (LSC or
 * MIC). Returns the number of warnings.
 */
unsigned sl_cnf_warnings(const struct sl_cnf_device *dev, bool encrypt_enabled,
			 bool has_rsa_cert, sl_cnf_warn_fn fn, void *arg);

/* The files of one device in the provisioning tree (spec §7.2). */
enum sl_cnf_file_kind {
	SL_CNF_FILE_CNF,	/* SEP<MAC>.cnf.xml: plain configuration */
	SL_CNF_FILE_CNF_SGN,	/* SEP<MAC>.cnf.xml.sgn: signed configuration */
	SL_CNF_FILE_STUB_SGN,	/* SEP<MAC>.cnf.xml.sgn: signed stub (§5.2) */
	SL_CNF_FILE_ENC_SGN,	/* SEP<MAC>.cnf.xml.enc.sgn (§5.1) */
	SL_CNF_FILE_CTL,	/* CTLSEP<MAC>.tlv, FILENAME CTLFile.tlv */
	SL_CNF_FILE_ITL,	/* ITLSEP<MAC>.tlv, FILENAME ITLFile.tlv */
};

struct sl_cnf_file {
	enum sl_cnf_file_kind kind;
	char name[40];		/* name in the tree */
	char header_name[40];	/* FILENAME of the signed-file header; "" if none */
};

enum {
	SL_CNF_F_SIGNED = 1u << 0,	/* a TFTP-role cert is in the ITL (spec §4) */
	SL_CNF_F_ENCRYPT = 1u << 1,	/* encrypted configuration enabled */
	SL_CNF_F_RSA_CERT = 1u << 2,	/* the device has an RSA LSC or MIC */
	SL_CNF_F_CTL = 1u << 3,		/* a per-phone CTL is built */
	SL_CNF_F_ITL = 1u << 4,		/* a per-phone ITL is built */
	SL_CNF_MAX_FILES = 5,
};

/*
 * Fills files (SL_CNF_MAX_FILES entries) with what device name needs under
 * flags and returns how many, or -EINVAL with a message. Encryption without
 * an RSA certificate gives no configuration file at all (fail closed; see
 * SL_CNF_WARN_NO_RSA_CERT); encryption implies signing.
 */
int sl_cnf_files(const char *name, unsigned flags, struct sl_cnf_file *files,
		 char *err, size_t errlen);

/*
 * The provisioning tree: a directory the TFTP/HTTP servers serve. Files are
 * written atomically (temporary file, fsync, rename; 0644; directories
 * 0755). Only files shieldlock wrote, listed in <root>/.shieldlock-manifest,
 * are ever replaced or removed: operator files (ring tones, locales) are
 * left alone, and a put() over an operator file is refused. One process at a
 * time: the root directory is flock()ed while open.
 */
struct sl_tree;

struct sl_tree_stats {
	unsigned written;	/* new or changed files */
	unsigned unchanged;	/* same bytes: not rewritten, mtime kept */
	unsigned removed;	/* generated files not put this generation */
};

enum { SL_TREE_NAME_MAX = 200 };

#define SL_TREE_MANIFEST ".shieldlock-manifest"

/* Opens (creating it 0755 if missing) the tree at dir and loads its
 * manifest. Returns 0 or -errno. */
int sl_tree_open(struct sl_tree **tp, const char *dir, char *err, size_t errlen);
void sl_tree_close(struct sl_tree *t);

/* Checks a name relative to the tree: components of [A-Za-z0-9_.+-], not
 * starting with '.', joined by single '/', at most SL_TREE_NAME_MAX bytes. */
int sl_tree_name_check(const char *name, char *err, size_t errlen);

/* Starts a generation: counts are zeroed and the set of names put is empty. */
void sl_tree_begin(struct sl_tree *t);

/* Writes name unless it already holds exactly these bytes. */
int sl_tree_put(struct sl_tree *t, const char *name, const uint8_t *data, size_t len,
		char *err, size_t errlen);

/* Removes a generated file now (-ENOENT if shieldlock did not write it). */
int sl_tree_del(struct sl_tree *t, const char *name, char *err, size_t errlen);

/* Ends a generation: removes every generated file not put since
 * sl_tree_begin, rewrites the manifest, and reports the counts. */
int sl_tree_end(struct sl_tree *t, struct sl_tree_stats *st, char *err, size_t errlen);

#endif
