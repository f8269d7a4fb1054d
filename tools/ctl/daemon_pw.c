/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passwords for shieldlockctl user add / user passwd / trunk cred set /
 * capf set --auth password (the phone's CAPF authentication string):
 * from the terminal without echo (asked twice), from one line of stdin
 * (--password-stdin), or from the first line of a file (--password-file).
 * Never from the command line, where every user could read it in ps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin_proto.h"
#include "ctl.h"

/* Reads one line from fd into buf (at most n-1 bytes, no newline). Byte by
 * byte, so nothing after the line is consumed and no stdio buffer keeps a
 * copy. Returns the length, -1 on error, -2 if the line is too long. */
static int read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (len + 1 >= n) {
			sl_admin_wipe(buf, n);
			return -2;
		}
		buf[len++] = c;
	}
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return (int)len;
}

static int line_err(int r, const char *from)
{
	if (r == -2)
		return ctl_err(CTL_EXIT_USAGE, "the password from %s is longer than %d bytes", from,
			       CTL_PASSWORD_MAX);
	return ctl_err(CTL_EXIT_USAGE, "cannot read the password from %s: %s", from, strerror(errno));
}

static int prompt(int tty, const char *text, char *buf, size_t n)
{
	struct termios old, quiet;
	int r;

	if (write(tty, text, strlen(text)) < 0)
		return -1;
	if (tcgetattr(tty, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
		return -1;
	r = read_line(tty, buf, n);
	tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) < 0)
		r = r < 0 ? r : -1;
	return r;
}

int ctl_read_password(const struct ctl_pw_opts *p, const char *what, char *buf, size_t n)
{
	char again[CTL_PASSWORD_MAX + 2], text[200];
	int r, tty;

	if (p->file) {
		int fd = open(p->file, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return ctl_err(CTL_EXIT_USAGE, "cannot open the password file %s: %s", p->file,
				       strerror(errno));
		r = read_line(fd, buf, n);
		close(fd);
		if (r < 0)
			return line_err(r, p->file);
		if (r == 0)
			return ctl_err(CTL_EXIT_USAGE, "the first line of %s is empty: put the password "
				       "there", p->file);
		return CTL_EXIT_OK;
	}
	if (p->from_stdin) {
		r = read_line(STDIN_FILENO, buf, n);
		if (r < 0)
			return line_err(r, "stdin");
		if (r == 0)
			return ctl_err(CTL_EXIT_USAGE, "--password-stdin: stdin gave an empty line");
		return CTL_EXIT_OK;
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0 || !isatty(tty)) {
		if (tty >= 0)
			close(tty);
		return ctl_err(CTL_EXIT_USAGE, "no terminal to ask for the password on: give "
			       "--password-stdin or --password-file FILE");
	}
	snprintf(text, sizeof(text), "Password for %s: ", what);
	r = prompt(tty, text, buf, n);
	if (r >= 0)
		r = prompt(tty, "Again: ", again, sizeof(again) < n ? sizeof(again) : n);
	close(tty);
	if (r < 0) {
		sl_admin_wipe(buf, n);
		sl_admin_wipe(again, sizeof(again));
		return line_err(r, "the terminal");
	}
	if (strcmp(buf, again)) {
		sl_admin_wipe(buf, n);
		sl_admin_wipe(again, sizeof(again));
		return ctl_err(CTL_EXIT_USAGE, "the two passwords differ; nothing was changed");
	}
	sl_admin_wipe(again, sizeof(again));
	if (!buf[0])
		return ctl_err(CTL_EXIT_USAGE, "the password is empty; nothing was changed");
	return CTL_EXIT_OK;
}
