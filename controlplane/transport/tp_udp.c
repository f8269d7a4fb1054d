/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over UDP (RFC 3261 §18.1.1, §18.2.1): one socket per listen address,
 * each datagram is one message and goes up whole. Datagrams longer than
 * max_message are dropped and counted. A datagram of nothing but CR/LF is a
 * keepalive: counted, not answered (RFC 5626 §4.4.1 uses STUN over UDP,
 * which this transport does not implement; see docs/transport.md).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "tp_internal.h"

static bool only_crlf(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* Destination address of the datagram (IP_PKTINFO), else the bound one. */
static void local_addr(const struct tp_listener *l, struct msghdr *mh, struct sl_tp_peer *p)
{
	p->local = l->addr;
	p->local_len = l->addrlen;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    l->addr.ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)&p->local)->sin_addr = pi.ipi_addr;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   l->addr.ss_family == AF_INET6) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in6 *)&p->local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct tp_listener *l = arg;
	struct sl_tp *tp = l->tp;

	(void)what;
	for (int i = 0; i < TP_UDP_BURST; i++) {
		union {
			char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct sl_tp_peer peer = { .proto = SL_TP_UDP };
		struct iovec iov = { tp->udp_buf, tp->cfg.max_message };
		struct msghdr mh = {
			.msg_name = &peer.remote, .msg_namelen = sizeof(peer.remote),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
		};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;	/* EAGAIN, or an error we cannot act on */
		}
		if (mh.msg_flags & MSG_TRUNC) {
			tp->st.oversized++;
			continue;
		}
		if (n == 0)
			continue;
		if (only_crlf(tp->udp_buf, (size_t)n)) {
			tp->st.keepalives++;
			continue;
		}
		peer.remote_len = mh.msg_namelen;
		local_addr(l, &mh, &peer);
		tp->st.udp_rx++;
		tp->cb.on_message(tp->cb.arg, &peer, (const char *)tp->udp_buf, (size_t)n);
	}
}

int tp_udp_open(struct tp_listener *l, char *err, size_t errlen)
{
	struct sl_tp *tp = l->tp;
	char as[64];
	int one = 1, fam = l->addr.ss_family, rc;

	sl_tp_addr_str(&l->addr, as, sizeof(as));
	l->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		rc = -errno;
		tp_errf(err, errlen, "UDP %s: socket: %s", as, strerror(errno));
		return rc;
	}
	if (fam == AF_INET6) {
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	if (bind(l->fd, (struct sockaddr *)&l->addr, l->addrlen) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&l->addr, &l->addrlen) < 0) {
		rc = -errno;
		tp_errf(err, errlen, "UDP %s: bind: %s; check that the address is "
			"configured on this host and the port is free", as, strerror(errno));
		goto err_sock;
	}
	l->ev = event_new(tp->base, l->fd, EV_READ | EV_PERSIST, udp_read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) < 0) {
		rc = -ENOMEM;
		tp_errf(err, errlen, "UDP %s: cannot register the socket with libevent", as);
		goto err_ev;
	}
	return 0;
err_ev:
	if (l->ev != NULL)
		event_free(l->ev);
	l->ev = NULL;
err_sock:
	close(l->fd);
	l->fd = -1;
	return rc;
}

void tp_udp_close(struct tp_listener *l)
{
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	l->ev = NULL;
	l->fd = -1;
}

int tp_udp_send(struct sl_tp *tp, const struct sockaddr_storage *dst, socklen_t dstlen,
		const char *buf, size_t len, char *err, size_t errlen)
{
	char as[64];
	ssize_t n;

	if (dst == NULL || (dst->ss_family != AF_INET && dst->ss_family != AF_INET6) ||
	    dstlen < (dst->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6))) {
		tp_errf(err, errlen, "UDP send: no valid IPv4/IPv6 destination given");
		return -EINVAL;
	}
	sl_tp_addr_str(dst, as, sizeof(as));
	for (size_t i = 0; i < tp->nls; i++) {
		const struct tp_listener *l = tp->ls[i];

		if (l->proto != SL_TP_UDP || l->addr.ss_family != dst->ss_family)
			continue;
		do
			n = sendto(l->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
				   (const struct sockaddr *)dst, dstlen);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			int e = errno;

			tp_errf(err, errlen, "UDP send to %s: %s", as, strerror(e));
			return -e;
		}
		tp->st.udp_tx++;
		return 0;
	}
	tp_errf(err, errlen, "UDP send to %s: no UDP listener of that address family; "
		"add a UDP listen address", as);
	return -EAFNOSUPPORT;
}
