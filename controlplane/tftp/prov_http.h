/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only HTTP provisioning server (Cisco phones fetch files on port 6970,
 * spec §7.2) on libevent's evhttp and a caller's event_base, serving the
 * same tree with the same path rules as the TFTP server (prov.h). GET and
 * HEAD only; no directory listings. No global state.
 * docs/tftp-http.md has the details.
 */
#ifndef SL_PROV_HTTP_H
#define SL_PROV_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct sl_prov_http;

struct sl_prov_http_config {
	/* The tree: a directory fd (dup'ed) or, when dirfd < 0, a path. */
	int dirfd;
	const char *dir;
	/* A bound TCP socket (listening or not; taken over and closed on
	 * free), or, when fd < 0, bind_addr:port. */
	int fd;
	const char *bind_addr;		/* numeric; NULL = "0.0.0.0" */
	uint16_t port;
	unsigned max_connections;	/* open connections, default 64 */
	unsigned max_per_client;	/* per client IP, default 8 (503 above) */
	unsigned timeout;		/* read/write idle seconds, default 10 */
	size_t max_headers_size;	/* request line + headers, default 8192 */
};

void sl_prov_http_config_defaults(struct sl_prov_http_config *cfg);

struct sl_prov_http_counters {
	uint64_t requests;
	uint64_t ok;			/* 200 */
	uint64_t bad_request;		/* 400 */
	uint64_t forbidden;		/* 403 */
	uint64_t not_found;		/* 404 */
	uint64_t bad_method;		/* 405 */
	uint64_t server_error;		/* 500 */
	uint64_t busy;			/* 503 */
	uint64_t bytes_sent;		/* body bytes handed to the socket */
	uint64_t connections;		/* accepted */
	uint64_t active_connections;
};

/* Returns 0 and *out, or -errno (logged). A passed fd stays the caller's on failure. */
int sl_prov_http_new(struct event_base *base, const struct sl_prov_http_config *cfg,
		     struct sl_prov_http **out);
void sl_prov_http_free(struct sl_prov_http *srv);
void sl_prov_http_counters(const struct sl_prov_http *srv, struct sl_prov_http_counters *out);
uint16_t sl_prov_http_port(const struct sl_prov_http *srv);

/* "text/xml" for *.xml, else "application/octet-stream". */
const char *sl_prov_http_content_type(const char *name);
/* RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), locale-free. */
void sl_prov_http_date(time_t t, char *buf, size_t cap);

#endif
