/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framed messages between shieldlockd's processes (cpmsg.h): one
 * SOCK_SEQPACKET packet per message, header and body written by a single
 * sendmsg(2), so a message is delivered whole or not at all. The receiver
 * checks everything before the caller sees a byte: the packet length against
 * the header, the type against the enum, fixed bodies against their struct
 * size, text bodies for embedded NULs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "conf.h"
#include "cpmsg.h"
#include "store.h"

#define VAR	(-1L)	/* text / PEM / struct + text */

static const struct {
	const char *name;
	long size;	/* fixed body size, 0 = empty, VAR = variable */
	size_t min;	/* minimum for VAR */
	int text;	/* body is text: no NUL except a final one */
	int many;	/* body is 1..n records of size bytes */
} types[SL_CP__COUNT] = {
	[SL_CP_NONE] = { NULL, 0, 0, 0 },
	[SL_CP_ERROR] = { "ERROR", VAR, 0, 1 },
	[SL_CP_CA_INIT] = { "CA_INIT", (long)sizeof(struct sl_cp_ca_init), 0, 0 },
	[SL_CP_CA_SIGN_CSR] = { "CA_SIGN_CSR", VAR, 0, 1 },
	[SL_CP_CA_READY] = { "CA_READY", VAR, 0, 1 },
	[SL_CP_CA_CERT] = { "CA_CERT", VAR, 0, 1 },
	[SL_CP_SIP_CONF] = { "SIP_CONF", (long)sizeof(struct sl_conf), 0, 0 },
	[SL_CP_SIP_DIR_BEGIN] = { "SIP_DIR_BEGIN", 0, 0, 0 },
	[SL_CP_SIP_USER] = { "SIP_USER", (long)sizeof(struct sl_user), 0, 0, 1 },
	[SL_CP_SIP_CRED] = { "SIP_CRED", (long)sizeof(struct sl_cred), 0, 0, 1 },
	[SL_CP_SIP_DEVICE] = { "SIP_DEVICE", (long)sizeof(struct sl_cp_device), 0, 0, 1 },
	[SL_CP_SIP_TRUNK] = { "SIP_TRUNK", (long)sizeof(struct sl_trunk), 0, 0, 1 },
	[SL_CP_SIP_TRUNK_CRED] = { "SIP_TRUNK_CRED", (long)sizeof(struct sl_trunk_cred), 0, 0, 1 },
	[SL_CP_SIP_DIR_END] = { "SIP_DIR_END", 0, 0, 0 },
	[SL_CP_SIP_RELOAD_TLS] = { "SIP_RELOAD_TLS", VAR, sizeof(struct sl_cp_tls), 0 },
	[SL_CP_SIP_QUERY] = { "SIP_QUERY", (long)sizeof(struct sl_cp_query), 0, 0 },
	[SL_CP_SIP_READY] = { "SIP_READY", 0, 0, 0 },
	[SL_CP_REG_PUT] = { "REG_PUT", (long)sizeof(struct sl_registration), 0, 0 },
	[SL_CP_REG_DEL] = { "REG_DEL", (long)sizeof(struct sl_registration), 0, 0 },
	[SL_CP_CALL_PUT] = { "CALL_PUT", (long)sizeof(struct sl_call), 0, 0 },
	[SL_CP_QUERY_REPLY] = { "QUERY_REPLY", VAR, sizeof(struct sl_cp_query_reply), 0 },
	[SL_CP_CA_KEYS] = { "CA_KEYS", (long)sizeof(struct sl_cp_ca_keys), 0, 0 },
	[SL_CP_CA_SIGN_DIGEST] = { "CA_SIGN_DIGEST", (long)sizeof(struct sl_cp_sign_req), 0, 0 },
	[SL_CP_CA_ISSUE_LSC] = { "CA_ISSUE_LSC", VAR, sizeof(struct sl_cp_lsc_req), 0 },
	[SL_CP_CA_REGEN] = { "CA_REGEN", (long)sizeof(struct sl_cp_regen), 0, 0 },
	[SL_CP_CA_KEYS_READY] = { "CA_KEYS_READY", VAR, 0, 1 },
	[SL_CP_CA_SIGNATURE] = { "CA_SIGNATURE", VAR, 1, 0 },
	[SL_CP_CA_PRIV_OP] = { "CA_PRIV_OP", VAR, sizeof(struct sl_cp_priv_op), 0 },
	[SL_CP_CA_PRIV_RESULT] = { "CA_PRIV_RESULT", VAR, 1, 0 },
	[SL_CP_PROV_CERTS] = { "PROV_CERTS", VAR, 1, 1 },
	[SL_CP_PROV_CONF] = { "PROV_CONF", (long)sizeof(struct sl_conf), 0, 0 },
	[SL_CP_PROV_CAPF_ANSWER] = { "PROV_CAPF_ANSWER", (long)sizeof(struct sl_cp_capf_answer), 0, 0 },
	[SL_CP_PROV_CAPF_ISSUED] = { "PROV_CAPF_ISSUED", VAR, sizeof(struct sl_cp_capf_issued), 0 },
	[SL_CP_PROV_QUERY] = { "PROV_QUERY", (long)sizeof(struct sl_cp_query), 0, 0 },
	[SL_CP_PROV_READY] = { "PROV_READY", 0, 0, 0 },
	[SL_CP_CAPF_LOOKUP] = { "CAPF_LOOKUP", (long)sizeof(struct sl_cp_capf_lookup), 0, 0 },
	[SL_CP_CAPF_ISSUE] = { "CAPF_ISSUE", VAR, sizeof(struct sl_cp_capf_issue), 0 },
	[SL_CP_CAPF_RESULT] = { "CAPF_RESULT", VAR, sizeof(struct sl_cp_capf_result), 0 },
	[SL_CP_PROV_QUERY_REPLY] = { "PROV_QUERY_REPLY", VAR, sizeof(struct sl_cp_query_reply), 0 },
};

_Static_assert(sizeof(struct sl_conf) + sizeof(struct sl_cp_hdr) <= SL_CP_MAX_BODY,
	       "struct sl_conf must fit one message");

static int known(unsigned type)
{
	return type > SL_CP_NONE && type < SL_CP__COUNT && types[type].name != NULL;
}

const char *sl_cp_type_name(unsigned type)
{
	return known(type) ? types[type].name : "UNKNOWN";
}

/* -1 also for unknown types: callers check the type first (sl_cp_recv does). */
long sl_cp_body_size(unsigned type)
{
	return known(type) ? types[type].size : -1;
}

/* Same rules for both directions: a bad message is a bug on the sending side. */
static int body_ok(unsigned type, const void *body, size_t len)
{
	if (!known(type) || len > SL_CP_MAX_BODY)
		return 0;
	if (types[type].many)
		return len > 0 && len % (size_t)types[type].size == 0;
	if (types[type].size != VAR)
		return len == (size_t)types[type].size;
	if (len < types[type].min)
		return 0;
	if (types[type].text && len > 0) {
		const char *nul = memchr(body, '\0', len);

		if (nul && nul != (const char *)body + len - 1)
			return 0;
	}
	return 1;
}

/* AF_UNIX refuses a packet larger than the sending socket's buffer (EMSGSIZE). */
static int grow_sndbuf(int fd, size_t need)
{
	int cur = 0, want;
	socklen_t sl = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &sl) < 0)
		return -errno;
	if ((size_t)cur >= need + 4096)
		return -EMSGSIZE;
	/* The kernel doubles the value (socket(7)); ask for the whole size anyway. */
	want = (int)(need + 4096);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) < 0)
		return -errno;
	return 0;
}

int sl_cp_send(int fd, unsigned type, const void *body, size_t len)
{
	struct sl_cp_hdr hdr = { .type = type, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)(uintptr_t)body, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	bool grown = false;
	ssize_t n;

	if (len > 0 && !body)
		return -EINVAL;
	if (!body_ok(type, body, len))
		return len > SL_CP_MAX_BODY ? -EMSGSIZE : -EINVAL;
	for (;;) {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EMSGSIZE && !grown) {
			int rc = grow_sndbuf(fd, sizeof(hdr) + len);

			if (rc < 0)
				return rc;
			grown = true;
			continue;
		}
		return -errno;
	}
	/* SOCK_SEQPACKET is all or nothing; anything else is not our socket type. */
	return (size_t)n == sizeof(hdr) + len ? 0 : -EIO;
}

int sl_cp_recv(int fd, unsigned *type, void *buf, size_t cap, size_t *len)
{
	struct sl_cp_hdr hdr;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = buf, .iov_len = cap },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = cap ? 2 : 1 };
	size_t body;
	ssize_t n;

	if (!type || !len || (cap && !buf))
		return -EINVAL;
	do {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;	/* orderly close: every message has at least a header */
	/* MSG_TRUNC: the packet was larger than header + cap; MSG_CTRUNC: someone sent fds. */
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EPROTO;
	if ((size_t)n < sizeof(hdr))
		return -EPROTO;
	body = (size_t)n - sizeof(hdr);
	if (hdr.len != body || !body_ok(hdr.type, buf, body))
		return -EPROTO;
	/* Text bodies are handed over NUL-terminated when there is room. */
	if (types[hdr.type].text && body < cap)
		((char *)buf)[body] = '\0';
	*type = hdr.type;
	*len = body;
	return 1;
}
