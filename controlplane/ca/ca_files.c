/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files and directories of the first-start material, with their modes.
 * Secret files (keys) are 0600 in 0700 directories owned by the daemon's
 * user; anything looser is refused with the chmod that fixes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ca_int.h"

int ca_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int ca_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

int ca_check_secret(const struct stat *st, const char *path, char *err, size_t errlen)
{
	bool dir = S_ISDIR(st->st_mode);

	if (st->st_mode & 077) {
		snprintf(err, errlen, "refusing to start: %s is accessible by "
			 "group or others (mode %04o); run: chmod %s %s", path,
			 (unsigned)(st->st_mode & 07777), dir ? "0700" : "0600", path);
		return -EPERM;
	}
	if (st->st_uid != geteuid()) {
		snprintf(err, errlen, "refusing to start: %s is owned by uid %u, "
			 "not by this process's uid %u; run: chown %u %s", path,
			 (unsigned)st->st_uid, (unsigned)geteuid(),
			 (unsigned)geteuid(), path);
		return -EPERM;
	}
	return 0;
}

int ca_mkdir(const char *path, mode_t mode, bool secret, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, mode) == 0) {
		/* mkdir applies the umask; set the mode we promise. */
		if (chmod(path, mode) < 0) {
			snprintf(err, errlen, "cannot set mode %04o on %s: %s",
				 (unsigned)mode, path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot create directory %s: %s; check that "
			 "its parent exists and is writable by this user", path,
			 strerror(e));
		return -e;
	}
	if (stat(path, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s exists but is not a directory; move it away",
			 path);
		return -ENOTDIR;
	}
	return secret ? ca_check_secret(&st, path, err, errlen) : 0;
}

int ca_mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char tmp[CA_PATH_MAX];
	size_t i, n = strlen(path);
	int rc;

	if (n == 0 || n >= sizeof(tmp)) {
		snprintf(err, errlen, "directory path \"%s\" is empty or too long",
			 path);
		return -EINVAL;
	}
	memcpy(tmp, path, n + 1);
	for (i = 1; i < n; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen, "cannot create directory %s: %s", tmp,
				 strerror(e));
			return -e;
		}
		tmp[i] = '/';
	}
	rc = ca_mkdir(tmp, mode, false, err, errlen);
	return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void sync_parent_dir(const char *path)
{
	char dir[CA_PATH_MAX];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(dir))
		return;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int ca_write_file(const char *path, const void *data, size_t len, mode_t mode,
		  char *err, size_t errlen)
{
	char tmp[CA_PATH_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "path %s is too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);	/* O_EXCL, mode 0600 */
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s; check that its "
			 "directory exists and is writable", tmp, strerror(-rc));
		return rc;
	}
	if (fchmod(fd, mode) < 0 || (rc = write_all(fd, data, len)) < 0 ||
	    fsync(fd) < 0) {
		rc = -errno;
		goto err_tmp;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto err_tmp;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto err_tmp;
	}
	sync_parent_dir(path);
	return 0;

err_tmp:
	snprintf(err, errlen, "cannot write %s: %s; check free space and "
		 "permissions", path, strerror(-rc ? -rc : EIO));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc ? rc : -EIO;
}

int ca_read_file(const char *path, bool secret, char **data, size_t *len,
		 char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-rc));
		goto err_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file; move it away", path);
		rc = -EINVAL;
		goto err_fd;
	}
	if (secret && (rc = ca_check_secret(&st, path, err, errlen)) < 0)
		goto err_fd;
	if (st.st_size > CA_FILE_MAX) {
		snprintf(err, errlen, "%s has %lld bytes, more than a key or "
			 "certificate file can (%d); check the path", path,
			 (long long)st.st_size, CA_FILE_MAX);
		rc = -EFBIG;
		goto err_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = -ENOMEM;
		goto err_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "cannot read %s: %s", path,
				 n < 0 ? strerror(-rc) : "file shrank while reading");
			ca_free_file(buf, (size_t)st.st_size + 1);
			goto err_fd;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*data = buf;
	*len = got;
	return 0;

err_fd:
	close(fd);
	return rc;
}

void ca_free_file(char *data, size_t len)
{
	if (!data)
		return;
	OPENSSL_cleanse(data, len);
	free(data);
}
