/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SL_TEST_CA_H
#define SL_TEST_CA_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

#define TEST_NODE	"node1.example.test"
#define TEST_ADDR	"192.0.2.10"

/* A fresh temporary directory; the state dir is <dir>/state (not created). */
void test_tmpdir(char *dir, size_t cap);
void test_rmrf(const char *dir);
void test_conf(struct sl_conf *c, const char *dir);
void test_path(char *out, size_t cap, const char *dir, const char *rel);
/* Spawns a ca child, runs sl_firststart, ends the child (exit 0 expected). */
int test_start(const struct sl_conf *c, uint8_t key[32], char *fp, char *err,
	       size_t errlen);
/* Runs a shell command; returns its exit status, output in out. */
int test_run(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned test_mode(const char *path);	/* st_mode & 07777, or ~0u */
/* Waits for pid; its exit status, or 128 + signal. */
int test_wait(pid_t pid);

TCase *tcase_firststart(void);
TCase *tcase_child(void);

#endif
