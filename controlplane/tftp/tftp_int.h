/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the TFTP server: shared by tftp_server.c and tftp_xfer.c. */
#ifndef SL_TFTP_INT_H
#define SL_TFTP_INT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "prov.h"
#include "tftp.h"

struct event;
struct tftp_xfer;

struct sl_tftp_server {
	struct event_base *base;
	int dirfd;
	int sock;
	int family;			/* of sock */
	struct event *ev;
	struct sl_tftp_config cfg;	/* strings cleared */
	struct sl_tftp_counters ctr;
	struct tftp_xfer *xfers;	/* list of transfers */
	struct sl_prov_ratelimit rl_err;	/* refusals and protocol errors */
	struct sl_prov_ratelimit rl_xfer;	/* one line per transfer */
	uint8_t rbuf[TFTP_REQ_MAX + 1];
};

/* Where a request came from and to which local address it was sent. */
struct tftp_endpoints {
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct sockaddr_storage local;	/* port 0: for the transfer's socket */
	socklen_t locallen;
};

/*
 * Starts a transfer of the open file fd (taken over, closed on failure too).
 * Sends the OACK or DATA 1 from a new socket. Returns 0 or -errno.
 */
int tftp_xfer_start(struct sl_tftp_server *srv, const struct sl_tftp_request *req,
		    const char *name, int fd, const struct stat *st,
		    const struct tftp_endpoints *ep);

/* Ends without sending anything (server shutdown). */
void tftp_xfer_free(struct tftp_xfer *x);

/* Transfers from the same IP (any port) / the same IP and port. */
unsigned tftp_xfer_count_ip(const struct sl_tftp_server *srv, const struct sockaddr *sa);
bool tftp_xfer_exists(const struct sl_tftp_server *srv, const struct sockaddr *sa);

bool tftp_same_ip(const struct sockaddr *a, const struct sockaddr *b);
bool tftp_same_peer(const struct sockaddr *a, const struct sockaddr *b);

#endif
