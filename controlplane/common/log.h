/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd's log: one line per event, "LEVEL proc: message", to stderr
 * (journald adds the time under systemd) or, with a timestamp, to a file.
 * Levels as in the configuration (enum sl_log_level). Never pass keys,
 * passwords, HA1s or nonces' MAC keys to these functions.
 */
#ifndef SL_LOG_H
#define SL_LOG_H

#include "conf.h"

void sl_log_init(const char *proc, enum sl_log_level level);
void sl_log_set_level(enum sl_log_level level);
void sl_log_set_proc(const char *proc);	/* after fork: "sip", "ca" */
enum sl_log_level sl_log_get_level(void);
void sl_log(enum sl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs at ERR and exits 1 (fatal conditions, e.g. unknown message type). */
void sl_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Formats an error message into err[errlen] (nothing when err is NULL or
 * errlen 0): the "char *err, size_t errlen" convention of the libraries. */
void sl_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...)	sl_log(SL_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	sl_log(SL_LOG_WARN, __VA_ARGS__)
#define log_notice(...)	sl_log(SL_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	sl_log(SL_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (sl_log_get_level() >= SL_LOG_DEBUG) sl_log(SL_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
