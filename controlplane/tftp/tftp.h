/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only TFTP server (RFC 1350 + RFC 2347/2348/2349) on a caller's
 * libevent event_base, serving one directory tree. No global state: any
 * number of servers may run in one process. Meant for shieldlockd's
 * unprivileged, chrooted "prov" process: the privileged parent can bind
 * UDP port 69 and pass the socket in. docs/tftp-http.md has the details.
 */
#ifndef SL_TFTP_H
#define SL_TFTP_H

#include <stdint.h>

#include "tftp_wire.h"

struct event_base;
struct sl_tftp_server;

struct sl_tftp_config {
	/* The tree: an open directory fd (dup'ed; the caller keeps its own),
	 * or, when dirfd < 0, a path opened at start. */
	int dirfd;
	const char *dir;
	/* The socket: an already bound UDP socket (the server takes it over
	 * and closes it on free), or, when fd < 0, bind_addr:port. */
	int fd;
	const char *bind_addr;		/* numeric; NULL = "0.0.0.0" */
	uint16_t port;			/* 0 = any (see sl_tftp_server_port) */
	unsigned max_blksize;		/* cap on blksize, default 1468 */
	unsigned default_timeout;	/* seconds without the option, default 1 */
	unsigned max_retries;		/* retransmissions, default 5 */
	unsigned max_transfers;		/* concurrent, default 64 */
	unsigned max_per_client;	/* concurrent per client IP, default 8 */
};

/* Fills the defaults above (dirfd = fd = -1). */
void sl_tftp_config_defaults(struct sl_tftp_config *cfg);

struct sl_tftp_counters {
	uint64_t requests;		/* packets on the listening socket */
	uint64_t completed;		/* transfers whose last block was ACKed */
	uint64_t errors[TFTP_ECODES];	/* ERROR packets sent, by code */
	uint64_t bytes_sent;		/* file bytes ACKed (payload, once) */
	uint64_t timeouts;		/* transfers given up after max_retries */
	uint64_t retransmits;		/* packets sent again after a timeout */
	uint64_t client_aborts;		/* transfers ended by an ERROR from the client */
	uint64_t active;		/* transfers now */
};

/*
 * Starts serving on base. Returns 0 and *out, or -errno (logged with what
 * to do). On failure a passed-in fd is left open for the caller.
 */
int sl_tftp_server_new(struct event_base *base, const struct sl_tftp_config *cfg,
		       struct sl_tftp_server **out);

/* Stops: aborts transfers (no packets sent), closes sockets and files. */
void sl_tftp_server_free(struct sl_tftp_server *srv);

void sl_tftp_server_counters(const struct sl_tftp_server *srv,
			     struct sl_tftp_counters *out);

/* The local UDP port (useful after binding port 0). */
uint16_t sl_tftp_server_port(const struct sl_tftp_server *srv);

#endif
