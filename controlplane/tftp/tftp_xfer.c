/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One TFTP read transfer: its own UDP socket (a new TID, RFC 1350 §4), lock
 * step DATA/ACK with retransmission on timeout, no resend on duplicate ACKs
 * (RFC 1123 §4.2.3.1, the Sorcerer's Apprentice bug), block numbers that
 * wrap from 65535 to 0 (as tftp-hpa and curl expect), ERROR 5 to packets
 * from any other TID (the transfer goes on).
 *
 * The file is read with pread() from the fd opened when the RRQ arrived, so
 * a concurrent rename-replace of the file does not mix two versions.
 */
#include "tftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

enum xfer_end {
	END_COMPLETE,
	END_TIMEOUT,
	END_CLIENT_ERROR,
	END_PROTOCOL,
	END_READ_ERROR,
};

struct tftp_xfer {
	struct tftp_xfer *next, *prev;
	struct sl_tftp_server *srv;
	int sock;
	int fd;
	struct event *ev_read;
	struct event *ev_timer;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	enum tftp_mode mode;
	struct sl_tftp_netascii na;
	struct sl_tftp_negotiated neg;
	off_t off;		/* next file offset to read */
	uint16_t block;		/* number of the last packet sent (0: OACK) */
	bool last;		/* that packet was the final DATA */
	unsigned retries;
	uint64_t bytes;		/* payload bytes sent, each block once */
	uint8_t *pkt;		/* last packet sent, for retransmission */
	size_t pktlen, pktcap;
	uint8_t *raw;		/* netascii read buffer */
	char name[96];		/* sanitised, for logs */
	char client[64];
	char why[96];		/* end reason detail */
};

bool tftp_same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return false;
}

static uint16_t port_of(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port;
	if (a->sa_family == AF_INET6)
		return ((const struct sockaddr_in6 *)a)->sin6_port;
	return 0;
}

bool tftp_same_peer(const struct sockaddr *a, const struct sockaddr *b)
{
	return tftp_same_ip(a, b) && port_of(a) == port_of(b);
}

unsigned tftp_xfer_count_ip(const struct sl_tftp_server *srv, const struct sockaddr *sa)
{
	const struct tftp_xfer *x;
	unsigned n = 0;

	for (x = srv->xfers; x != NULL; x = x->next)
		if (tftp_same_ip((const struct sockaddr *)&x->peer, sa))
			n++;
	return n;
}

bool tftp_xfer_exists(const struct sl_tftp_server *srv, const struct sockaddr *sa)
{
	const struct tftp_xfer *x;

	for (x = srv->xfers; x != NULL; x = x->next)
		if (tftp_same_peer((const struct sockaddr *)&x->peer, sa))
			return true;
	return false;
}

void tftp_xfer_free(struct tftp_xfer *x)
{
	struct sl_tftp_server *srv = x->srv;

	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		srv->xfers = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	srv->ctr.active--;
	if (x->ev_read != NULL)
		event_free(x->ev_read);
	if (x->ev_timer != NULL)
		event_free(x->ev_timer);
	if (x->sock >= 0)
		close(x->sock);
	if (x->fd >= 0)
		close(x->fd);
	free(x->pkt);
	free(x->raw);
	free(x);
}

static void send_pkt(struct tftp_xfer *x, const uint8_t *p, size_t len,
		     const struct sockaddr *to, socklen_t tolen)
{
	/* A lost datagram is recovered by retransmission; nothing to do here. */
	(void)sendto(x->sock, p, len, 0, to, tolen);
}

static void send_error(struct tftp_xfer *x, enum tftp_errcode code, const char *msg,
		       const struct sockaddr *to, socklen_t tolen)
{
	uint8_t buf[128];
	size_t n = sl_tftp_build_error(code, msg, buf, sizeof(buf));

	send_pkt(x, buf, n, to, tolen);
	x->srv->ctr.errors[code]++;
}

static void finish(struct tftp_xfer *x, enum xfer_end how)
{
	struct sl_tftp_server *srv = x->srv;
	static const char *const what[] = {
		"complete", "timed out (client stopped answering)", "aborted by client",
		"protocol error", "read error",
	};
	uint64_t dropped = 0;

	switch (how) {
	case END_COMPLETE:
		srv->ctr.completed++;
		break;
	case END_TIMEOUT:
		srv->ctr.timeouts++;
		break;
	case END_CLIENT_ERROR:
		srv->ctr.client_aborts++;
		break;
	default:
		break;
	}
	if (sl_prov_ratelimit_allow(&srv->rl_xfer, &dropped)) {
		if (how == END_COMPLETE)
			log_info("tftp: %s \"%s\" %llu bytes, %s%s", x->client, x->name,
				 (unsigned long long)x->bytes, what[how],
				 dropped ? " (earlier transfer lines suppressed)" : "");
		else
			log_notice("tftp: %s \"%s\" %llu bytes, %s%s%s%s", x->client, x->name,
				   (unsigned long long)x->bytes, what[how],
				   x->why[0] ? ": " : "", x->why,
				   dropped ? " (earlier transfer lines suppressed)" : "");
	}
	tftp_xfer_free(x);
}

/* Reads the next block's payload into pkt + 4. Returns its length or -errno. */
static ssize_t fill_octet(struct tftp_xfer *x, uint8_t *out, size_t bs)
{
	size_t o = 0;

	while (o < bs) {
		ssize_t n = pread(x->fd, out + o, bs - o, x->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		o += (size_t)n;
		x->off += n;
	}
	return (ssize_t)o;
}

static ssize_t fill_netascii(struct tftp_xfer *x, uint8_t *out, size_t bs)
{
	size_t o = 0;

	while (o < bs) {
		ssize_t n = 0;
		size_t used = 0;

		if (x->na.pending < 0) {
			n = pread(x->fd, x->raw, bs - o, x->off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (n == 0)
				break;
		}
		o += sl_tftp_netascii_fill(&x->na, x->raw, (size_t)n, &used, out + o, bs - o);
		x->off += (off_t)used;
	}
	return (ssize_t)o;
}

static void arm_timer(struct tftp_xfer *x)
{
	struct timeval tv = { .tv_sec = x->neg.timeout, .tv_usec = 0 };

	evtimer_add(x->ev_timer, &tv);
}

static int send_next_block(struct tftp_xfer *x)
{
	ssize_t n;

	x->block++;	/* wraps 65535 -> 0 */
	if (x->mode == TFTP_MODE_NETASCII)
		n = fill_netascii(x, x->pkt + TFTP_HDR, x->neg.blksize);
	else
		n = fill_octet(x, x->pkt + TFTP_HDR, x->neg.blksize);
	if (n < 0)
		return (int)n;
	sl_tftp_put_data_hdr(x->pkt, x->block);
	x->pktlen = TFTP_HDR + (size_t)n;
	x->last = (size_t)n < x->neg.blksize;
	x->retries = 0;
	x->bytes += (uint64_t)n;
	x->srv->ctr.bytes_sent += (uint64_t)n;
	send_pkt(x, x->pkt, x->pktlen, (struct sockaddr *)&x->peer, x->peerlen);
	arm_timer(x);
	return 0;
}

static void on_ack(struct tftp_xfer *x, uint16_t block)
{
	int rc;

	/*
	 * Only the ACK of the packet just sent moves on. A duplicate or older
	 * ACK is ignored, not answered with a resend (RFC 1123 §4.2.3.1):
	 * the timer alone retransmits.
	 */
	if (block != x->block)
		return;
	if (x->last) {
		finish(x, END_COMPLETE);
		return;
	}
	rc = send_next_block(x);
	if (rc < 0) {
		send_error(x, TFTP_EUNDEF, "read error on the server",
			   (struct sockaddr *)&x->peer, x->peerlen);
		snprintf(x->why, sizeof(x->why), "pread: %s", strerror(-rc));
		finish(x, END_READ_ERROR);
	}
}

static void wrong_tid(struct tftp_xfer *x, const struct sockaddr_storage *from,
		      socklen_t fromlen)
{
	struct sl_tftp_server *srv = x->srv;
	uint64_t dropped = 0;
	char who[64];

	/* RFC 1350 §4: answer ERROR 5 to the stranger, keep the transfer. */
	send_error(x, TFTP_EBADID, "unknown transfer ID",
		   (const struct sockaddr *)from, fromlen);
	if (sl_prov_ratelimit_allow(&srv->rl_err, &dropped)) {
		sl_prov_addr_str((const struct sockaddr *)from, fromlen, who, sizeof(who));
		log_notice("tftp: packet from %s to the transfer of \"%s\" for %s: "
			   "unknown transfer ID, answered ERROR 5%s", who, x->name,
			   x->client, dropped ? " (earlier error lines suppressed)" : "");
	}
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct tftp_xfer *x = arg;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct sl_tftp_reply r;
	uint8_t buf[1024];
	ssize_t n;

	(void)what;
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0)
		return;	/* EAGAIN or an ICMP error: the timer will retry */
	if (!tftp_same_peer((struct sockaddr *)&from, (struct sockaddr *)&x->peer)) {
		wrong_tid(x, &from, fromlen);
		return;
	}
	if (sl_tftp_parse_reply(buf, (size_t)n, &r) != 0) {
		send_error(x, TFTP_EBADOP, "illegal TFTP operation: expected ACK",
			   (struct sockaddr *)&x->peer, x->peerlen);
		snprintf(x->why, sizeof(x->why), "client sent a packet that is not an ACK");
		finish(x, END_PROTOCOL);
		return;
	}
	if (r.opcode == TFTP_ERROR) {
		snprintf(x->why, sizeof(x->why), "ERROR %u \"%.60s\"", r.errcode, r.errmsg);
		finish(x, END_CLIENT_ERROR);
		return;
	}
	on_ack(x, r.block);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct tftp_xfer *x = arg;

	(void)fd;
	(void)what;
	if (x->retries >= x->srv->cfg.max_retries) {
		snprintf(x->why, sizeof(x->why), "no ACK for block %u after %u retries",
			 x->block, x->retries);
		finish(x, END_TIMEOUT);
		return;
	}
	x->retries++;
	x->srv->ctr.retransmits++;
	send_pkt(x, x->pkt, x->pktlen, (struct sockaddr *)&x->peer, x->peerlen);
	arm_timer(x);
}

static int open_socket(struct tftp_xfer *x, const struct tftp_endpoints *ep)
{
	int s = socket(ep->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (bind(s, (const struct sockaddr *)&ep->local, ep->locallen) != 0) {
		int e = errno;

		close(s);
		return -e;
	}
	x->sock = s;
	return 0;
}

static int setup(struct tftp_xfer *x, const struct sl_tftp_request *req,
		 const struct stat *st, const struct tftp_endpoints *ep)
{
	struct sl_tftp_server *srv = x->srv;
	struct sl_tftp_limits lim = {
		.max_blksize = srv->cfg.max_blksize,
		.default_timeout = srv->cfg.default_timeout,
	};
	int rc;

	/*
	 * tsize is the octet size; netascii's converted size is not known, so
	 * it is not answered there. Nor for an empty file: curl refuses an
	 * OACK with tsize 0 ("invalid tsize") and the transfer would stall.
	 */
	sl_tftp_negotiate(req, &lim, (uint64_t)st->st_size,
			  req->mode == TFTP_MODE_OCTET && st->st_size > 0, &x->neg);
	/* Room for DATA, and for the OACK even with a tiny blksize. */
	x->pktcap = TFTP_HDR + x->neg.blksize;
	if (x->pktcap < 128)
		x->pktcap = 128;
	x->pkt = malloc(x->pktcap);
	if (x->pkt == NULL)
		return -ENOMEM;
	if (x->mode == TFTP_MODE_NETASCII) {
		x->raw = malloc(x->neg.blksize);
		if (x->raw == NULL)
			return -ENOMEM;
	}
	rc = open_socket(x, ep);
	if (rc != 0)
		return rc;
	x->ev_read = event_new(srv->base, x->sock, EV_READ | EV_PERSIST, on_read, x);
	x->ev_timer = evtimer_new(srv->base, on_timeout, x);
	if (x->ev_read == NULL || x->ev_timer == NULL || event_add(x->ev_read, NULL) != 0)
		return -ENOMEM;
	return 0;
}

int tftp_xfer_start(struct sl_tftp_server *srv, const struct sl_tftp_request *req,
		    const char *name, int fd, const struct stat *st,
		    const struct tftp_endpoints *ep)
{
	struct tftp_xfer *x = calloc(1, sizeof(*x));
	int rc;

	if (x == NULL) {
		close(fd);
		return -ENOMEM;
	}
	x->srv = srv;
	x->fd = fd;
	x->sock = -1;
	x->mode = req->mode;
	sl_tftp_netascii_init(&x->na);
	memcpy(&x->peer, &ep->peer, ep->peerlen);
	x->peerlen = ep->peerlen;
	sl_prov_sanitize(name, strlen(name), x->name, sizeof(x->name));
	sl_prov_addr_str((struct sockaddr *)&x->peer, x->peerlen, x->client, sizeof(x->client));
	x->next = srv->xfers;
	if (srv->xfers != NULL)
		srv->xfers->prev = x;
	srv->xfers = x;
	srv->ctr.active++;

	rc = setup(x, req, st, ep);
	if (rc != 0) {
		tftp_xfer_free(x);
		return rc;
	}
	if (sl_tftp_need_oack(&x->neg)) {
		/* RFC 2347: OACK, then wait for ACK 0 before DATA 1. */
		x->pktlen = sl_tftp_build_oack(&x->neg, x->pkt, x->pktcap);
		if (x->pktlen < 2) {
			tftp_xfer_free(x);
			return -EMSGSIZE;
		}
		x->block = 0;
		send_pkt(x, x->pkt, x->pktlen, (struct sockaddr *)&x->peer, x->peerlen);
		arm_timer(x);
		return 0;
	}
	rc = send_next_block(x);
	if (rc != 0) {
		tftp_xfer_free(x);
		return rc;
	}
	return 0;
}
