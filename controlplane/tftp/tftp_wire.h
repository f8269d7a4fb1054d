/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TFTP wire format (RFC 1350) with the option extension (RFC 2347) and the
 * blksize (RFC 2348), timeout and tsize (RFC 2349) options.
 *
 * Everything here is pure: no I/O, no allocation, no global state, so the
 * fuzz harness (tests/tftp/fuzz_tftp.c) can call it directly. Parsed strings
 * point into the caller's packet buffer, which must outlive the result.
 */
#ifndef SL_TFTP_WIRE_H
#define SL_TFTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,		/* RFC 2347 */
};

enum tftp_errcode {
	TFTP_EUNDEF = 0,	/* not defined, see message */
	TFTP_ENOTFOUND = 1,	/* file not found */
	TFTP_EACCESS = 2,	/* access violation */
	TFTP_ENOSPACE = 3,	/* disk full */
	TFTP_EBADOP = 4,	/* illegal TFTP operation */
	TFTP_EBADID = 5,	/* unknown transfer ID */
	TFTP_EEXISTS = 6,	/* file already exists */
	TFTP_ENOUSER = 7,	/* no such user */
	TFTP_EOPTNEG = 8,	/* option negotiation refused (RFC 2347) */
	TFTP_ECODES = 9,	/* number of codes, for counters */
};

enum tftp_mode {
	TFTP_MODE_OCTET = 0,
	TFTP_MODE_NETASCII,
};

#define TFTP_HDR		4	/* opcode + block number */
#define TFTP_SEGSIZE		512	/* RFC 1350 default block size */
#define TFTP_BLKSIZE_MIN	8	/* RFC 2348 */
#define TFTP_BLKSIZE_MAX	65464	/* RFC 2348 */
#define TFTP_TIMEOUT_MIN	1	/* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX	255
#define TFTP_MAX_OPTIONS	16	/* more than this: ERROR 8 */
#define TFTP_REQ_MAX		2048	/* longest request we accept */

struct tftp_option {
	const char *name;
	const char *value;
};

/* A parsed RRQ/WRQ. */
struct sl_tftp_request {
	enum tftp_opcode opcode;
	const char *filename;		/* NUL-terminated, inside the packet */
	size_t filename_len;
	enum tftp_mode mode;
	unsigned nopts;			/* all options, known or not */
	struct tftp_option opts[TFTP_MAX_OPTIONS];
	bool has_blksize, has_timeout, has_tsize;
	unsigned blksize;		/* 8..65464 when has_blksize */
	unsigned timeout;		/* 1..255 when has_timeout */
	uint64_t tsize;			/* as sent (0 in an RRQ) */
};

/* Why a request was refused: the ERROR packet to send. */
struct sl_tftp_refusal {
	enum tftp_errcode code;
	const char *msg;		/* static string */
};

/*
 * Parses a request received on the listening port. Returns 0 and fills *req,
 * or -EPROTO and fills *why with the ERROR to send:
 *   WRQ                          -> 2 "access violation: this server is read-only"
 *   short packet, other opcode,
 *   missing NUL, empty name,
 *   unknown mode                 -> 4
 *   malformed options (no value,
 *   no NUL, empty name, duplicate,
 *   too many, bad number or range
 *   for blksize/timeout/tsize)   -> 8
 * An ERROR packet to the listening port returns -EAGAIN (never answer an
 * ERROR: that could start an error loop). Unknown options are kept in opts[]
 * and ignored (RFC 2347). Trailing NUL bytes after the last option are
 * tolerated as padding.
 */
int sl_tftp_parse_request(const uint8_t *pkt, size_t len,
			  struct sl_tftp_request *req, struct sl_tftp_refusal *why);

/* A packet received on a transfer's socket from the client. */
struct sl_tftp_reply {
	enum tftp_opcode opcode;	/* TFTP_ACK or TFTP_ERROR when 0 returned */
	uint16_t block;			/* ACK */
	uint16_t errcode;		/* ERROR */
	const char *errmsg;		/* ERROR: sanitised copy in errbuf */
	char errbuf[64];
};

/*
 * Parses an ACK or ERROR from the client. Returns 0, or -EPROTO for anything
 * else (short, other opcode): the transfer answers ERROR 4 and ends.
 * The ERROR message is copied, truncated, with non-printable bytes as '?'.
 */
int sl_tftp_parse_reply(const uint8_t *pkt, size_t len, struct sl_tftp_reply *out);

/* Server limits for option negotiation. */
struct sl_tftp_limits {
	unsigned max_blksize;		/* 8..65464; larger requests are capped */
	unsigned default_timeout;	/* seconds when the client sends none */
};

struct sl_tftp_negotiated {
	unsigned blksize;		/* 512 unless negotiated */
	unsigned timeout;		/* retransmission timeout, seconds */
	bool ack_blksize, ack_timeout, ack_tsize;
	uint64_t tsize;			/* file size when ack_tsize */
};

/*
 * Decides the transfer parameters (RFC 2347 §"Negotiation"): blksize is
 * min(requested, max_blksize) and never bigger than requested (RFC 2348);
 * timeout is accepted as asked (RFC 2349 says the server must use it or not
 * acknowledge it); tsize is answered with file_size when tsize_known
 * (callers pass false in netascii mode, where the converted size differs).
 * An OACK is due when any ack_* is true.
 */
void sl_tftp_negotiate(const struct sl_tftp_request *req,
		       const struct sl_tftp_limits *lim, uint64_t file_size,
		       bool tsize_known, struct sl_tftp_negotiated *out);

static inline bool sl_tftp_need_oack(const struct sl_tftp_negotiated *n)
{
	return n->ack_blksize || n->ack_timeout || n->ack_tsize;
}

/* Packet builders: return the length written, or 0 when cap is too small. */
size_t sl_tftp_build_oack(const struct sl_tftp_negotiated *n, uint8_t *buf, size_t cap);
size_t sl_tftp_build_error(enum tftp_errcode code, const char *msg,
			   uint8_t *buf, size_t cap);
/* Writes the 4-byte DATA header; the payload follows at buf + TFTP_HDR. */
void sl_tftp_put_data_hdr(uint8_t *buf, uint16_t block);

/*
 * netascii (RFC 1350 / RFC 764): LF -> CR LF, CR -> CR NUL, on the fly.
 * The state carries the second byte of a pair that did not fit the block.
 */
struct sl_tftp_netascii {
	int pending;			/* -1, or the byte to emit first */
};

static inline void sl_tftp_netascii_init(struct sl_tftp_netascii *st)
{
	st->pending = -1;
}

/*
 * Converts in[0..inlen) into out[0..outcap). Returns the bytes written and
 * sets *used to the input bytes consumed (the rest is for the next block).
 */
size_t sl_tftp_netascii_fill(struct sl_tftp_netascii *st, const uint8_t *in,
			     size_t inlen, size_t *used, uint8_t *out, size_t outcap);

const char *sl_tftp_errcode_name(unsigned code);

#endif
