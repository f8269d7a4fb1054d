/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd's log (log.h). One write(2) per line, so lines of the three
 * processes sharing stderr do not interleave. Under systemd (stderr is the
 * journal stream named by $JOURNAL_STREAM) a "<N>" syslog priority prefix
 * gives journald the level and it adds the time; otherwise each line starts
 * with a UTC timestamp. Control characters of the message are escaped as
 * \xNN, so text taken from the network cannot forge log lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048

static enum sl_log_level cur_level = SL_LOG_INFO;
static char cur_proc[32] = "shieldlockd";
static int to_journal = -1;	/* -1: not checked yet */

static const char *const level_tags[] = { "ERR", "WARN", "NOTICE", "INFO", "DEBUG" };
/* syslog(3) priorities LOG_ERR .. LOG_DEBUG */
static const int level_prio[] = { 3, 4, 5, 6, 7 };

/* systemd.exec(5): JOURNAL_STREAM is "DEV:INODE" of the stream stderr was connected to. */
static int detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sl_log_set_proc(const char *proc)
{
	snprintf(cur_proc, sizeof(cur_proc), "%s", proc ? proc : "shieldlockd");
}

void sl_log_set_level(enum sl_log_level level)
{
	if ((int)level < SL_LOG_ERR)
		level = SL_LOG_ERR;
	if (level > SL_LOG_DEBUG)
		level = SL_LOG_DEBUG;
	cur_level = level;
}

enum sl_log_level sl_log_get_level(void)
{
	return cur_level;
}

void sl_log_init(const char *proc, enum sl_log_level level)
{
	sl_log_set_proc(proc);
	sl_log_set_level(level);
	to_journal = detect_journal();
}

/* Appends src to out[*n..cap), escaping control bytes; stops when full. */
static void append_escaped(char *out, size_t *n, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";

	for (; *src; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch < 0x20 || ch == 0x7f) {
			if (*n + 4 >= cap)
				return;
			out[(*n)++] = '\\';
			out[(*n)++] = 'x';
			out[(*n)++] = hex[ch >> 4];
			out[(*n)++] = hex[ch & 15];
		} else {
			if (*n + 1 >= cap)
				return;
			out[(*n)++] = (char)ch;
		}
	}
}

static void write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(STDERR_FILENO, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

static void vlog(enum sl_log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 128];
	size_t n = 0;
	int len;

	if (to_journal < 0)
		to_journal = detect_journal();
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len < 0)
		snprintf(msg, sizeof(msg), "(unformattable log message: %s)", fmt);
	else if ((size_t)len >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);

	if (to_journal) {
		len = snprintf(line, sizeof(line), "<%d>", level_prio[level]);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		len = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			       tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	}
	if (len < 0)
		len = 0;
	n = (size_t)len;
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %s: ", level_tags[level], cur_proc);
	append_escaped(line, &n, sizeof(line) - 1, msg);
	line[n++] = '\n';
	write_all(line, n);
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if ((int)level < SL_LOG_ERR)
		level = SL_LOG_ERR;
	if (level > SL_LOG_DEBUG)
		level = SL_LOG_DEBUG;
	if (level <= cur_level) {
		va_start(ap, fmt);
		vlog(level, fmt, ap);
		va_end(ap);
	}
	errno = saved;
}

void sl_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(SL_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void sl_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
