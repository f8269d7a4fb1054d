/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wire format of shieldlockd's administration socket, shared by the
 * daemon (admin_server.c) and shieldlockctl. Stream (SOCK_STREAM) Unix
 * socket; any number of requests per connection, answered in order.
 *
 * Request:  u32 len | u32 flags | argv[0] NUL argv[1] NUL ... argv[argc-1] NUL
 * Reply:    u32 len | i32 status | UTF-8 text (no NUL)
 *
 * Integers are in network byte order; len counts the bytes after itself and
 * is at most SL_ADMIN_FRAME_MAX. argv[0] is the command group ("user",
 * "device", ...); 1 <= argc <= SL_ADMIN_ARGC_MAX and every string is UTF-8.
 * Passwords travel only inside a request frame as "--password" "PW"
 * (shieldlockctl reads them from a prompt, stdin or a file, never from its
 * own command line); both sides wipe request buffers after use.
 *
 * On status 0 the text is the command's output (a table, or one JSON
 * document with SL_ADMIN_F_JSON). Otherwise it is one line saying what was
 * wrong and what to do, even in JSON mode.
 */
#ifndef SL_ADMIN_PROTO_H
#define SL_ADMIN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SL_ADMIN_FRAME_MAX	(1u << 20)	/* 1 MiB after the length word */
#define SL_ADMIN_ARGC_MAX	64
#define SL_ADMIN_HDR_LEN	4		/* the length word */

enum sl_admin_flag {
	SL_ADMIN_F_JSON = 1u << 0,	/* reply in JSON */
};
#define SL_ADMIN_F_ALL	SL_ADMIN_F_JSON

enum sl_admin_status {
	SL_ADMIN_OK = 0,
	SL_ADMIN_E_USAGE = 1,		/* bad command, option or value; nothing changed */
	SL_ADMIN_E_NOTFOUND = 2,	/* the named object does not exist */
	SL_ADMIN_E_EXISTS = 3,		/* an object of that name exists already */
	SL_ADMIN_E_BUSY = 4,		/* in use by another object; nothing changed */
	SL_ADMIN_E_INTERNAL = 5,	/* store or daemon failure */
	SL_ADMIN_E_DENIED = 6,		/* the peer is neither root nor the daemon's user */
};

const char *sl_admin_status_name(int status);

/* Wipes memory the compiler must not optimise away (passwords in frames). */
void sl_admin_wipe(void *p, size_t n);

/*
 * Builds a request frame (header included) in a malloc'd buffer. Returns 0,
 * or -EINVAL / -E2BIG / -ENOMEM with the reason in err. The caller wipes
 * (sl_admin_wipe) and frees *frame.
 */
int sl_admin_req_encode(int argc, char *const argv[], uint32_t flags, uint8_t **frame,
			size_t *frame_len, char *err, size_t errlen);

/*
 * Splits a request payload (the len bytes after the length word) in place:
 * argv[i] point into payload. Checks flags, NUL termination, argc and UTF-8.
 * Returns argc (>= 1) or -EINVAL with the reason in err.
 */
int sl_admin_req_decode(uint8_t *payload, size_t len, uint32_t *flags, char **argv,
			int argv_max, char *err, size_t errlen);

/* Writes the 8-byte reply header for a text of text_len bytes. */
void sl_admin_reply_header(uint8_t hdr[8], int status, size_t text_len);

/* Reads the big-endian u32 at p. */
uint32_t sl_admin_get_u32(const uint8_t *p);

/* Checks that s[0..n) is well-formed UTF-8 (RFC 3629 §4: no overlongs,
 * no surrogates, at most U+10FFFF). */
int sl_admin_utf8_valid(const char *s, size_t n);

#endif
