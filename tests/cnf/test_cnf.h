/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared declarations of the cnf unit tests. */
#ifndef TEST_CNF_H
#define TEST_CNF_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "cnf.h"

TCase *tcase_build(void);
TCase *tcase_refuse(void);
TCase *tcase_stub(void);
TCase *tcase_warn(void);
TCase *tcase_files(void);
TCase *tcase_tree(void);

/* The reference device of golden/SEP001122AABBCC.cnf.xml. */
void ref_device(struct sl_cnf_device *d);

/* Reads a whole file (malloc'd, NUL-terminated); NULL on error. */
uint8_t *read_file(const char *path, size_t *len);
/* A fresh temporary directory under $TMPDIR (malloc'd path). */
char *make_tmpdir(void);
/* rm -r of a directory made by make_tmpdir. */
void remove_tree(const char *dir);
/* Runs a shell command, returns its exit status (-1 on failure). */
int run(const char *cmd);

#endif
