/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP message parser (RFC 3261 §7, §19, §20, §25), tested on the RFC 4475
 * torture messages.
 *
 *   sl_sip_parse()     one message from a datagram or a stream frame:
 *                      start line, headers (compact forms, folding), the
 *                      fields the control plane uses, the body.
 *   sl_sip_validate()  the semantic checks a UAS or proxy makes on a request
 *                      before it starts a transaction (RFC 3261 §8.2, §16.3).
 *   sl_sip_frame()     how many bytes of a TCP/TLS stream the next message
 *                      occupies (RFC 3261 §18.3).
 *
 * Every call returns a verdict: OK, REPLY (with the status code and reason
 * phrase a server sends) or DROP (responses and garbage get no answer,
 * RFC 3261 §18.1.2 / §18.2.1).
 *
 * Strings are slices (struct sl_sip_str, not NUL-terminated). Slices of the
 * start line and the body point into the caller's buffer; header values point
 * into msg->hdrbuf, a copy of the header section in which folded lines (LWS,
 * RFC 3261 §7.3.1) are joined with spaces. The caller keeps its buffer alive
 * as long as it uses the message. No global state; no recursion; nothing is
 * read past the given length.
 */
#ifndef SL_SIP_H
#define SL_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits: documented in docs/sip-parser.md. */
enum {
	SL_SIP_MAX_MSG = 65535,		/* whole message (header + body) */
	SL_SIP_MAX_HDR_BYTES = 16384,	/* start line + header section */
	SL_SIP_MAX_LINE = 8192,		/* one header field after unfolding */
	SL_SIP_MAX_HEADERS = 128,	/* header fields (not values) */
	SL_SIP_MAX_VIA = 70,		/* Via values (default Max-Forwards) */
	SL_SIP_MAX_CONTACT = 16,	/* Contact values */
	SL_SIP_MAX_ROUTE = 16,		/* Route and Record-Route values each */
};

struct sl_sip_str {
	const char *p;
	size_t n;
};

enum sl_sip_verdict {
	SL_SIP_OK = 0,
	SL_SIP_REPLY,		/* answer with code + reason */
	SL_SIP_DROP,		/* discard silently (maybe log reason) */
};

struct sl_sip_result {
	enum sl_sip_verdict verdict;
	int code;		/* SIP status code for REPLY, else 0 */
	const char *reason;	/* reason phrase / what was wrong (static) */
};

enum sl_sip_scheme {
	SL_SIP_SCHEME_SIP,
	SL_SIP_SCHEME_SIPS,
	SL_SIP_SCHEME_TEL,
	SL_SIP_SCHEME_OTHER,	/* kept opaque in uri.opaque */
};

struct sl_sip_uri {
	enum sl_sip_scheme scheme;
	struct sl_sip_str raw;		/* the whole URI */
	struct sl_sip_str scheme_name;
	struct sl_sip_str user;		/* still %-escaped; tel: the number */
	struct sl_sip_str password;
	struct sl_sip_str host;		/* IPv6 references keep their [] */
	int port;			/* -1 when absent */
	struct sl_sip_str params;	/* after the first ';', no '?' part */
	struct sl_sip_str headers;	/* after '?' */
	struct sl_sip_str opaque;	/* everything after "scheme:" */
	bool has_password;
};

/* name-addr / addr-spec with its header parameters (From, To, Contact, Route). */
struct sl_sip_addr {
	struct sl_sip_str display;	/* quotes and escapes kept */
	bool angle;			/* the URI was in <> */
	struct sl_sip_uri uri;
	struct sl_sip_str params;	/* raw, after the URI */
	struct sl_sip_str tag;
	bool has_tag;
	int64_t expires;		/* Contact expires param, -1 absent */
	int q;				/* Contact q in thousandths, -1 absent */
};

struct sl_sip_via {
	struct sl_sip_str proto, version, transport;
	struct sl_sip_str host;		/* sent-by host */
	int port;			/* -1 when absent */
	struct sl_sip_str params;	/* raw */
	struct sl_sip_str branch, received, maddr;
	bool has_branch;
	bool rfc3261_branch;		/* z9hG4bK + an id (§8.1.1.7) */
	int rport;			/* -1 absent, 0 without value, else port */
	int ttl;			/* -1 absent */
};

enum sl_sip_hdr {
	SL_SIP_H_OTHER = 0,
	SL_SIP_H_VIA,
	SL_SIP_H_FROM,
	SL_SIP_H_TO,
	SL_SIP_H_CALL_ID,
	SL_SIP_H_CSEQ,
	SL_SIP_H_MAX_FORWARDS,
	SL_SIP_H_CONTENT_LENGTH,
	SL_SIP_H_CONTENT_TYPE,
	SL_SIP_H_CONTENT_ENCODING,
	SL_SIP_H_CONTACT,
	SL_SIP_H_EXPIRES,
	SL_SIP_H_ROUTE,
	SL_SIP_H_RECORD_ROUTE,
	SL_SIP_H_SUBJECT,
	SL_SIP_H_REQUIRE,
	SL_SIP_H_PROXY_REQUIRE,
	SL_SIP_H_SUPPORTED,
	SL_SIP_H_UNSUPPORTED,
	SL_SIP_H_ACCEPT,
	SL_SIP_H_AUTHORIZATION,
	SL_SIP_H_PROXY_AUTHORIZATION,
	SL_SIP_H_WWW_AUTHENTICATE,
	SL_SIP_H_PROXY_AUTHENTICATE,
	SL_SIP_H__COUNT
};

struct sl_sip_header {
	enum sl_sip_hdr id;
	struct sl_sip_str name;		/* as received (maybe compact) */
	struct sl_sip_str value;	/* unfolded, trimmed */
};

struct sl_sip_msg {
	bool is_request;
	/* request line */
	struct sl_sip_str method;
	struct sl_sip_uri ruri;
	/* status line */
	int status;
	struct sl_sip_str reason;
	struct sl_sip_str version;

	struct sl_sip_header hdr[SL_SIP_MAX_HEADERS];
	unsigned int nhdr;
	unsigned int count[SL_SIP_H__COUNT];	/* fields seen per kind */

	struct sl_sip_via via[SL_SIP_MAX_VIA];
	unsigned int nvia;
	struct sl_sip_addr from, to;
	struct sl_sip_addr contact[SL_SIP_MAX_CONTACT];
	unsigned int ncontact;
	bool contact_star;
	struct sl_sip_addr route[SL_SIP_MAX_ROUTE];
	unsigned int nroute;
	struct sl_sip_addr record_route[SL_SIP_MAX_ROUTE];
	unsigned int nrecord_route;
	struct sl_sip_str call_id;
	uint32_t cseq;
	struct sl_sip_str cseq_method;
	int max_forwards;		/* -1 when absent */
	int64_t content_length;		/* -1 when absent */
	struct sl_sip_str ctype, csubtype;	/* Content-Type media type */
	int64_t expires;		/* -1 when absent */

	struct sl_sip_str body;
	size_t length;			/* bytes of the input this message used */
	char hdrbuf[SL_SIP_MAX_HDR_BYTES];
};

/*
 * Parses one message. For a datagram pass the whole datagram; for a stream
 * pass the frame sl_sip_frame() found. Returns the verdict (also in *res).
 * A message larger than SL_SIP_MAX_MSG or with a header section larger than
 * SL_SIP_MAX_HDR_BYTES gets 513 (requests) / DROP (responses).
 */
enum sl_sip_verdict sl_sip_parse(const void *buf, size_t len,
    struct sl_sip_msg *msg, struct sl_sip_result *res);

enum sl_sip_role {
	SL_SIP_ROLE_UAS,	/* registrar, B2BUA leg endpoint */
	SL_SIP_ROLE_PROXY,	/* would forward the request */
};

struct sl_sip_policy {
	enum sl_sip_role role;
	const char *const *options;	/* option tags we support (Require) */
	size_t noptions;
	const char *const *types;	/* body types we accept, "type/subtype" */
	size_t ntypes;
};

/*
 * Semantic checks on a parsed request (responses: always OK). On REPLY with
 * code 420, *unsupported holds the Require/Proxy-Require value that named the
 * first unknown option tag (for the Unsupported header of the answer).
 */
enum sl_sip_verdict sl_sip_validate(const struct sl_sip_msg *msg,
    const struct sl_sip_policy *pol, struct sl_sip_result *res,
    struct sl_sip_str *unsupported);

enum sl_sip_frame_status {
	SL_SIP_FRAME_MORE,	/* need more bytes */
	SL_SIP_FRAME_MSG,	/* *len bytes hold one message */
	SL_SIP_FRAME_KEEPALIVE,	/* *len bytes of CRLF (RFC 5626 §3.5.1) */
	SL_SIP_FRAME_BAD,	/* framing broken: close the connection */
};

/* *why says what was wrong for FRAME_BAD (static string). */
enum sl_sip_frame_status sl_sip_frame(const void *buf, size_t len,
    size_t *msglen, const char **why);

/* Helpers for the layers above. */
int sl_sip_parse_uri(const char *p, size_t n, struct sl_sip_uri *uri);
/* %-unescapes s into out (not NUL-terminated); returns length or -1. */
long sl_sip_unescape(struct sl_sip_str s, char *out, size_t cap);
bool sl_sip_str_ieq(struct sl_sip_str s, const char *lit);
bool sl_sip_str_eq(struct sl_sip_str a, struct sl_sip_str b);
/* s equals the C string z byte for byte (an absent slice equals ""). */
bool sl_sip_str_eqz(struct sl_sip_str s, const char *z);
/* Next header of kind id after index *pos (start with *pos = 0). */
const struct sl_sip_header *sl_sip_header_next(const struct sl_sip_msg *msg,
    enum sl_sip_hdr id, unsigned int *pos);
/* Iterates comma-separated tokens of a value; false at the end. */
bool sl_sip_token_next(struct sl_sip_str list, size_t *pos,
    struct sl_sip_str *tok);

#endif /* SL_SIP_H */
