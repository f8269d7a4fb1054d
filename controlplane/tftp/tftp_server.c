/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TFTP listening socket: parses requests, applies the limits and the path
 * rules, opens the file and hands it to a new transfer (tftp_xfer.c).
 * Refusals are answered from the listening socket with the request's
 * destination address as source (IP_PKTINFO), so a multi-homed server
 * answers from the address the client used.
 */
#include "tftp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

#define DEF_MAX_BLKSIZE		1468	/* 1500 - IPv4 20 - UDP 8 - TFTP 4 */
#define DEF_TIMEOUT		1
#define DEF_RETRIES		5
#define DEF_MAX_TRANSFERS	64
#define DEF_MAX_PER_CLIENT	8

void sl_tftp_config_defaults(struct sl_tftp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dirfd = -1;
	cfg->fd = -1;
	cfg->max_blksize = DEF_MAX_BLKSIZE;
	cfg->default_timeout = DEF_TIMEOUT;
	cfg->max_retries = DEF_RETRIES;
	cfg->max_transfers = DEF_MAX_TRANSFERS;
	cfg->max_per_client = DEF_MAX_PER_CLIENT;
}

/* Sends a refusal from the listening socket, from the address asked. */
static void reply_error(struct sl_tftp_server *srv, const struct tftp_endpoints *ep,
			int ifindex, enum tftp_errcode code, const char *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	uint8_t pkt[160];
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;

	iov.iov_base = pkt;
	iov.iov_len = sl_tftp_build_error(code, msg, pkt, sizeof(pkt));
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_name = (void *)&ep->peer;
	mh.msg_namelen = ep->peerlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (ifindex >= 0 && ep->local.ss_family == AF_INET && srv->family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&ep->local)->sin_addr;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else if (ifindex >= 0 && ep->local.ss_family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&ep->local)->sin6_addr;
		pi.ipi6_ifindex = (unsigned)ifindex;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	(void)sendmsg(srv->sock, &mh, 0);
	srv->ctr.errors[code]++;
}

static void log_refusal(struct sl_tftp_server *srv, const struct tftp_endpoints *ep,
			const char *name, size_t nlen, enum tftp_errcode code,
			const char *why)
{
	uint64_t dropped = 0;
	char who[64], safe[96];

	if (!sl_prov_ratelimit_allow(&srv->rl_err, &dropped))
		return;
	sl_prov_addr_str((const struct sockaddr *)&ep->peer, ep->peerlen, who, sizeof(who));
	sl_prov_sanitize(name != NULL ? name : "", name != NULL ? nlen : 0, safe, sizeof(safe));
	log_notice("tftp: %s \"%s\" refused with ERROR %u: %s%s", who, safe, (unsigned)code,
		   why, dropped ? " (earlier error lines suppressed)" : "");
}

static void refuse(struct sl_tftp_server *srv, const struct tftp_endpoints *ep, int ifindex,
		   const char *name, size_t nlen, enum tftp_errcode code, const char *why)
{
	reply_error(srv, ep, ifindex, code, why);
	log_refusal(srv, ep, name, nlen, code, why);
}

static enum tftp_errcode prov_to_tftp(enum sl_prov_result r)
{
	switch (r) {
	case SL_PROV_NOTFOUND:
		return TFTP_ENOTFOUND;
	case SL_PROV_BADPATH:
	case SL_PROV_FORBIDDEN:
		return TFTP_EACCESS;
	default:
		return TFTP_EUNDEF;
	}
}

static void handle_request(struct sl_tftp_server *srv, size_t len,
			   const struct tftp_endpoints *ep, int ifindex)
{
	struct sl_tftp_request req;
	struct sl_tftp_refusal why;
	enum sl_prov_result pr;
	char rel[SL_PROV_NAME_MAX + 1];
	const char *reason;
	struct stat st;
	char msg[128];
	int fd, rc;

	rc = sl_tftp_parse_request(srv->rbuf, len, &req, &why);
	if (rc == -EAGAIN)
		return;	/* an ERROR packet: never answer it */
	if (rc != 0) {
		refuse(srv, ep, ifindex, req.filename, req.filename_len, why.code, why.msg);
		return;
	}
	if (tftp_xfer_exists(srv, (const struct sockaddr *)&ep->peer))
		return;	/* a retransmitted RRQ: the transfer's timer resends */
	if (srv->ctr.active >= srv->cfg.max_transfers) {
		refuse(srv, ep, ifindex, req.filename, req.filename_len, TFTP_EUNDEF,
		       "busy, try later");
		return;
	}
	if (tftp_xfer_count_ip(srv, (const struct sockaddr *)&ep->peer) >=
	    srv->cfg.max_per_client) {
		refuse(srv, ep, ifindex, req.filename, req.filename_len, TFTP_EUNDEF,
		       "busy, try later: too many transfers from this client");
		return;
	}
	pr = sl_prov_check_path(req.filename, req.filename_len, rel, sizeof(rel), &reason);
	if (pr == SL_PROV_OK)
		pr = sl_prov_open(srv->dirfd, rel, &fd, &st, &reason);
	if (pr != SL_PROV_OK) {
		if (pr == SL_PROV_BADPATH || pr == SL_PROV_FORBIDDEN)
			snprintf(msg, sizeof(msg), "access violation: %s", reason);
		else
			snprintf(msg, sizeof(msg), "%s", reason);
		refuse(srv, ep, ifindex, req.filename, req.filename_len, prov_to_tftp(pr), msg);
		return;
	}
	rc = tftp_xfer_start(srv, &req, rel, fd, &st, ep);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "server cannot start the transfer: %s", strerror(-rc));
		refuse(srv, ep, ifindex, req.filename, req.filename_len, TFTP_EUNDEF, msg);
	}
}

/* The request's destination address (port 0) from IP_PKTINFO/IPV6_PKTINFO. */
static int local_from_cmsg(struct sl_tftp_server *srv, struct msghdr *mh,
			   struct tftp_endpoints *ep)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (srv->family == AF_INET && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ep->local;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(s4, 0, sizeof(*s4));
			s4->sin_family = AF_INET;
			s4->sin_addr = pi.ipi_addr;
			ep->locallen = sizeof(*s4);
			return pi.ipi_ifindex;
		}
		if (srv->family == AF_INET6 && cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ep->local;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(s6, 0, sizeof(*s6));
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = pi.ipi6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				s6->sin6_scope_id = pi.ipi6_ifindex;
			ep->locallen = sizeof(*s6);
			return (int)pi.ipi6_ifindex;
		}
	}
	/* No pktinfo: the listening socket's own address, any port. */
	ep->locallen = sizeof(ep->local);
	if (getsockname(srv->sock, (struct sockaddr *)&ep->local, &ep->locallen) != 0)
		return -1;
	if (ep->local.ss_family == AF_INET)
		((struct sockaddr_in *)&ep->local)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ep->local)->sin6_port = 0;
	return -1;
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	struct sl_tftp_server *srv = arg;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct tftp_endpoints ep;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	int ifindex, i;

	(void)what;
	for (i = 0; i < 16; i++) {	/* a few per wakeup, then let others run */
		memset(&ep, 0, sizeof(ep));
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = srv->rbuf;
		iov.iov_len = sizeof(srv->rbuf);
		mh.msg_name = &ep.peer;
		mh.msg_namelen = sizeof(ep.peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		ep.peerlen = mh.msg_namelen;
		srv->ctr.requests++;
		ifindex = local_from_cmsg(srv, &mh, &ep);
		if (ep.peer.ss_family != srv->family)
			continue;
		if (mh.msg_flags & MSG_TRUNC) {
			refuse(srv, &ep, ifindex, NULL, 0, TFTP_EBADOP,
			       "request longer than 2048 bytes");
			continue;
		}
		handle_request(srv, (size_t)n, &ep, ifindex);
	}
}

static int bind_socket(const struct sl_tftp_config *cfg)
{
	const char *addr = cfg->bind_addr != NULL ? cfg->bind_addr : "0.0.0.0";
	struct sockaddr_storage ss;
	socklen_t sl;
	int s, e, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(cfg->port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(cfg->port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		log_err("tftp: bind address \"%s\" is not a numeric IPv4 or IPv6 address; "
			"give one such as 0.0.0.0 or ::", addr);
		return -EINVAL;
	}
	s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, sl) != 0) {
		e = errno;
		log_err("tftp: cannot bind UDP %s port %u: %s (ports below 1024 need "
			"privileges: bind in the parent and pass the socket)",
			addr, (unsigned)cfg->port, strerror(e));
		close(s);
		return -e;
	}
	return s;
}

static int prepare_socket(struct sl_tftp_server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type = 0, one = 1;
	socklen_t tl = sizeof(type);

	if (getsockopt(srv->sock, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM ||
	    getsockname(srv->sock, (struct sockaddr *)&ss, &sl) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		log_err("tftp: the socket passed in is not a bound UDP socket; "
			"pass one bound with bind(2), or a port to bind");
		return -EINVAL;
	}
	srv->family = ss.ss_family;
	if (srv->family == AF_INET)
		(void)setsockopt(srv->sock, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		(void)setsockopt(srv->sock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	if (fcntl(srv->sock, F_SETFL, fcntl(srv->sock, F_GETFL) | O_NONBLOCK) != 0)
		return -errno;
	return 0;
}

static int check_config(struct sl_tftp_config *c)
{
	if (c->max_blksize == 0)
		c->max_blksize = DEF_MAX_BLKSIZE;
	if (c->default_timeout == 0)
		c->default_timeout = DEF_TIMEOUT;
	if (c->max_retries == 0)
		c->max_retries = DEF_RETRIES;
	if (c->max_transfers == 0)
		c->max_transfers = DEF_MAX_TRANSFERS;
	if (c->max_per_client == 0)
		c->max_per_client = DEF_MAX_PER_CLIENT;
	if (c->max_blksize < TFTP_BLKSIZE_MIN || c->max_blksize > TFTP_BLKSIZE_MAX) {
		log_err("tftp: max blksize %u is out of range; use 8..65464 (1468 fits "
			"an Ethernet MTU)", c->max_blksize);
		return -EINVAL;
	}
	if (c->default_timeout > TFTP_TIMEOUT_MAX) {
		log_err("tftp: default timeout %u s is out of range; use 1..255",
			c->default_timeout);
		return -EINVAL;
	}
	return 0;
}

static int open_tree(struct sl_tftp_server *srv, const struct sl_tftp_config *cfg)
{
	srv->dirfd = sl_prov_take_tree(cfg->dirfd, cfg->dir, "tftp");
	return srv->dirfd < 0 ? srv->dirfd : 0;
}

int sl_tftp_server_new(struct event_base *base, const struct sl_tftp_config *cfg,
		       struct sl_tftp_server **out)
{
	struct sl_tftp_server *srv;
	int rc;

	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->base = base;
	srv->dirfd = -1;
	srv->sock = -1;
	srv->cfg = *cfg;
	srv->cfg.dir = NULL;
	srv->cfg.bind_addr = NULL;
	rc = check_config(&srv->cfg);
	if (rc != 0)
		goto err_srv;
	rc = open_tree(srv, cfg);
	if (rc != 0)
		goto err_srv;
	srv->sock = cfg->fd >= 0 ? cfg->fd : bind_socket(cfg);
	if (srv->sock < 0) {
		rc = srv->sock;
		goto err_tree;
	}
	rc = prepare_socket(srv);
	if (rc != 0)
		goto err_sock;
	sl_prov_ratelimit_init(&srv->rl_err, 5, 20);
	sl_prov_ratelimit_init(&srv->rl_xfer, 50, 100);
	srv->ev = event_new(base, srv->sock, EV_READ | EV_PERSIST, on_request, srv);
	if (srv->ev == NULL || event_add(srv->ev, NULL) != 0) {
		rc = -ENOMEM;
		goto err_ev;
	}
	*out = srv;
	return 0;

err_ev:
	if (srv->ev != NULL)
		event_free(srv->ev);
err_sock:
	if (cfg->fd < 0)
		close(srv->sock);
err_tree:
	close(srv->dirfd);
err_srv:
	free(srv);
	return rc;
}

void sl_tftp_server_free(struct sl_tftp_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->xfers != NULL)
		tftp_xfer_free(srv->xfers);
	event_free(srv->ev);
	close(srv->sock);
	close(srv->dirfd);
	free(srv);
}

void sl_tftp_server_counters(const struct sl_tftp_server *srv, struct sl_tftp_counters *out)
{
	*out = srv->ctr;
}

uint16_t sl_tftp_server_port(const struct sl_tftp_server *srv)
{
	return sl_prov_sock_port(srv->sock);
}
