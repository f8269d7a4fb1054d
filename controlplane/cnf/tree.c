/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The provisioning tree writer. Every file goes through a temporary file in
 * its own directory, fsync and rename(2), so a phone (or the TFTP/HTTP
 * server) sees the old or the new bytes, never a mix. Unchanged files are
 * not rewritten, so their mtime (what HTTP caches and phones compare) stays.
 *
 * Ownership: <root>/.shieldlock-manifest lists the files shieldlock wrote. A
 * new name is appended to it (and fsynced) *before* the file is created, so
 * after a crash the manifest still lists a superset of generated files. Only
 * names in the manifest are ever replaced or removed; everything else in the
 * tree belongs to the operator. Directories are opened one component at a
 * time with O_NOFOLLOW, so a symbolic link in the tree cannot redirect a
 * write outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnf_int.h"

#define MANIFEST_HEADER "# shieldlock: files generated in this tree (do not edit)\n"
#define MANIFEST_MAX (16u << 20)
#define TMP_PREFIX ".sl-tmp-"
#define NAME_COMP_MAX 100
#define NAME_DEPTH_MAX 8

struct names {
	char **v;
	size_t n, cap;
};

struct sl_tree {
	int dirfd;
	struct names manifest;	/* sorted, unique */
	struct names seen;	/* names put this generation (unsorted) */
	bool in_gen;
	unsigned long tmpseq;
	struct sl_tree_stats st;
};

/* ---- name sets ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int names_append(struct names *s, const char *name)
{
	char *dup;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	dup = strdup(name);
	if (!dup)
		return -ENOMEM;
	s->v[s->n++] = dup;
	return 0;
}

static void names_sort_unique(struct names *s)
{
	size_t i, o = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[o]) == 0)
			free(s->v[i]);
		else
			s->v[++o] = s->v[i];
	}
	s->n = o + 1;
}

/* Index of name in a sorted set, or -1. */
static ssize_t names_find(const struct names *s, const char *name)
{
	char **hit;

	if (!s->n)
		return -1;
	hit = bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str);
	return hit ? hit - s->v : -1;
}

/* Inserts into a sorted set, keeping it sorted. */
static int names_insert(struct names *s, const char *name)
{
	size_t lo = 0, hi;
	char *last;
	int rc;

	if (names_find(s, name) >= 0)
		return 0;
	rc = names_append(s, name);
	if (rc)
		return rc;
	last = s->v[s->n - 1];
	hi = s->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(s->v[mid], last) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&s->v[lo + 1], &s->v[lo], (s->n - 1 - lo) * sizeof(*s->v));
	s->v[lo] = last;
	return 0;
}

static void names_remove(struct names *s, const char *name)
{
	ssize_t i = names_find(s, name);

	if (i < 0)
		return;
	free(s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - (size_t)i - 1) * sizeof(*s->v));
	s->n--;
}

/* Removes every copy of name from an unsorted set. */
static void names_drop_unsorted(struct names *s, const char *name)
{
	size_t i = 0;

	while (i < s->n) {
		if (strcmp(s->v[i], name) == 0) {
			free(s->v[i]);
			s->v[i] = s->v[--s->n];
		} else {
			i++;
		}
	}
}

/* ---- names ---- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '+';
}

int sl_tree_name_check(const char *name, char *err, size_t errlen)
{
	size_t len, i, comp = 0, depth = 1;

	if (!name || !*name) {
		snprintf(err, errlen, "empty file name in the provisioning tree");
		return -EINVAL;
	}
	len = strlen(name);
	if (len > SL_TREE_NAME_MAX) {
		snprintf(err, errlen, "file name of %zu bytes is too long for the "
			 "provisioning tree (at most %d)", len, SL_TREE_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '/' || c == 0) {
			if (comp == 0) {
				snprintf(err, errlen, "file name \"%.80s\" has an empty path "
					 "component (leading, trailing or double '/'); give a "
					 "relative name such as New_Zealand/g3-tones.xml", name);
				return -EINVAL;
			}
			if (c == '/' && ++depth > NAME_DEPTH_MAX) {
				snprintf(err, errlen, "file name \"%.80s\" is nested deeper "
					 "than %d directories", name, NAME_DEPTH_MAX);
				return -EINVAL;
			}
			comp = 0;
			continue;
		}
		/* A component starting with '.' would be ".", "..", the
		 * manifest or a temporary file: all refused. */
		if (comp == 0 && c == '.') {
			snprintf(err, errlen, "file name \"%.80s\": a path component starts "
				 "with '.', which is reserved (\"..\" traversal, hidden files)",
				 name);
			return -EINVAL;
		}
		if (!name_char(c)) {
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				snprintf(err, errlen, "file name has %s 0x%02x at byte %zu; "
					 "use letters, digits and _ . - + only",
					 (unsigned char)c >= 0x80 ? "non-ASCII byte" :
					 "control character", (unsigned char)c, i);
			else
				snprintf(err, errlen, "file name \"%.80s\" has character '%c' "
					 "at byte %zu; use letters, digits and _ . - + only",
					 name, c, i);
			return -EINVAL;
		}
		if (++comp > NAME_COMP_MAX) {
			snprintf(err, errlen, "file name \"%.80s\" has a component longer "
				 "than %d bytes", name, NAME_COMP_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

/* Opens the directory holding name (creating missing ones 0755 if create),
 * without following symbolic links; *base points at the last component. */
static int open_parent(struct sl_tree *t, const char *name, bool create,
		       const char **base, char *err, size_t errlen)
{
	char comp[NAME_COMP_MAX + 1];
	const char *p = name, *slash;
	int fd, nfd;

	fd = dup(t->dirfd);
	if (fd < 0)
		goto err_sys;
	while ((slash = strchr(p, '/')) != NULL) {
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = 0;
		if (create) {
			if (mkdirat(fd, comp, 0755) == 0) {
				/* 0755 whatever the umask: the server may run
				 * as another user. */
				if (fchmodat(fd, comp, 0755, 0) < 0)
					goto err_fd;
			} else if (errno != EEXIST) {
				goto err_fd;
			}
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			goto err_fd;
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*base = p;
	return fd;

err_fd:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
err_sys:
	{
		int e = errno;

		snprintf(err, errlen, "cannot open the directory of \"%s\" in the "
			 "provisioning tree: %s%s", name, strerror(e),
			 e == ENOTDIR || e == ELOOP ?
			 " (a path component is a file or a symbolic link; remove it)" : "");
		return -e;
	}
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes data to dfd/base through a temporary file, fsync and rename. */
static int write_atomic(struct sl_tree *t, int dfd, const char *base, mode_t mode,
			const uint8_t *data, size_t len)
{
	char tmp[64];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%ld-%lu", (long)getpid(), t->tmpseq++);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	rc = fchmod(fd, mode) < 0 ? -errno : 0;	/* not subject to the umask */
	if (!rc)
		rc = write_all(fd, data, len);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && renameat(dfd, tmp, dfd, base) < 0)
		rc = -errno;
	if (rc) {
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	return fsync(dfd) < 0 ? -errno : 0;
}

/* 1 if the open file holds exactly data, 0 if not, -errno on error. */
static int same_content(int fd, const uint8_t *data, size_t len)
{
	uint8_t buf[16384];
	size_t off = 0;
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if ((size_t)sb.st_size != len)
		return 0;
	while (off < len) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0 || (size_t)r > len - off || memcmp(buf, data + off, (size_t)r))
			return 0;
		off += (size_t)r;
	}
	return read(fd, buf, 1) == 0;
}

/* ---- the manifest ---- */

static int manifest_load(struct sl_tree *t, char *err, size_t errlen)
{
	char *text = NULL, *line, *save = NULL, scratch[160];
	struct stat sb;
	size_t off = 0;
	int fd, rc = 0;

	fd = openat(t->dirfd, SL_TREE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s in the provisioning tree: %s",
			 SL_TREE_MANIFEST, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > MANIFEST_MAX) {
		snprintf(err, errlen, "%s in the provisioning tree is not a regular file of "
			 "at most 16 MiB; remove it (generated files will then be kept "
			 "until removed by hand)", SL_TREE_MANIFEST);
		rc = -EINVAL;
		goto out;
	}
	text = malloc((size_t)sb.st_size + 1);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	while (off < (size_t)sb.st_size) {
		ssize_t r = read(fd, text + off, (size_t)sb.st_size - off);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)r;
	}
	text[off] = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Lines that are not valid names are ignored: never delete
		 * anything on the strength of a damaged manifest. */
		if (line[0] == '#' || sl_tree_name_check(line, scratch, sizeof(scratch)))
			continue;
		rc = names_append(&t->manifest, line);
		if (rc)
			goto out;
	}
	names_sort_unique(&t->manifest);
out:
	free(text);
	close(fd);
	return rc;
}

static int manifest_write(struct sl_tree *t, char *err, size_t errlen)
{
	struct sl_cnf_buf b = { 0 };
	size_t i;
	int rc;

	rc = cnf_buf_str(&b, MANIFEST_HEADER);
	for (i = 0; !rc && i < t->manifest.n; i++) {
		rc = cnf_buf_str(&b, t->manifest.v[i]);
		if (!rc)
			rc = cnf_buf_add(&b, "\n", 1);
	}
	if (!rc)
		rc = write_atomic(t, t->dirfd, SL_TREE_MANIFEST, 0600, b.data, b.len);
	sl_cnf_buf_free(&b);
	if (rc)
		snprintf(err, errlen, "cannot write %s in the provisioning tree: %s",
			 SL_TREE_MANIFEST, strerror(-rc));
	return rc;
}

/* Records a new name on disk before its file is created (crash safety). */
static int manifest_append(struct sl_tree *t, const char *name, char *err, size_t errlen)
{
	int fd, rc;

	fd = openat(t->dirfd, SL_TREE_MANIFEST,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto err;
	}
	rc = write_all(fd, (const uint8_t *)name, strlen(name));
	if (!rc)
		rc = write_all(fd, (const uint8_t *)"\n", 1);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc)
		rc = names_insert(&t->manifest, name);
	if (!rc)
		return 0;
err:
	snprintf(err, errlen, "cannot record \"%s\" in %s: %s", name, SL_TREE_MANIFEST,
		 strerror(-rc));
	return rc;
}

/* ---- the API ---- */

int sl_tree_open(struct sl_tree **tp, const char *dir, char *err, size_t errlen)
{
	struct sl_tree *t;
	int rc;

	*tp = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (mkdir(dir, 0755) == 0)
		chmod(dir, 0755);	/* served by another user: not the umask's */
	else if (errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create the provisioning tree %s: %s", dir,
			 strerror(errno));
		goto err_free;
	}
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the provisioning tree %s: %s", dir,
			 strerror(errno));
		goto err_free;
	}
	if (flock(t->dirfd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		snprintf(err, errlen, "the provisioning tree %s is in use by another "
			 "process (%s); run one shieldlockd per tree", dir, strerror(errno));
		goto err_close;
	}
	rc = manifest_load(t, err, errlen);
	if (rc)
		goto err_close;
	*tp = t;
	return 0;

err_close:
	close(t->dirfd);
err_free:
	names_free(&t->manifest);
	free(t);
	return rc;
}

void sl_tree_close(struct sl_tree *t)
{
	if (!t)
		return;
	close(t->dirfd);	/* releases the flock */
	names_free(&t->manifest);
	names_free(&t->seen);
	free(t);
}

void sl_tree_begin(struct sl_tree *t)
{
	names_free(&t->seen);
	memset(&t->st, 0, sizeof(t->st));
	t->in_gen = true;
}

static int put_in_dir(struct sl_tree *t, int dfd, const char *name, const char *base,
		      const uint8_t *data, size_t len, char *err, size_t errlen)
{
	bool ours = names_find(&t->manifest, name) >= 0;
	struct stat sb;
	int fd, rc;

	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno != ENOENT) {
		int e = errno;

		snprintf(err, errlen, "cannot open \"%s\" in the provisioning tree: %s%s",
			 name, strerror(e), e == ELOOP ?
			 " (it is a symbolic link; remove it)" : "");
		return -e;
	}
	if (fd >= 0) {
		if (!ours) {
			close(fd);
			snprintf(err, errlen, "\"%s\" exists in the provisioning tree but was "
				 "not written by shieldlock; move the operator's file away so "
				 "the generated one can take its name", name);
			return -EEXIST;
		}
		rc = fstat(fd, &sb) < 0 ? -errno : 0;
		if (!rc && !S_ISREG(sb.st_mode))
			rc = -EISDIR;
		if (!rc)
			rc = same_content(fd, data, len);
		close(fd);
		if (rc < 0) {
			snprintf(err, errlen, "cannot compare \"%s\" in the provisioning tree: "
				 "%s", name, strerror(-rc));
			return rc;
		}
		if (rc == 1) {
			t->st.unchanged++;
			return 0;
		}
	} else if (!ours) {
		rc = manifest_append(t, name, err, errlen);
		if (rc)
			return rc;
	}
	rc = write_atomic(t, dfd, base, 0644, data, len);
	if (rc) {
		snprintf(err, errlen, "cannot write \"%s\" in the provisioning tree: %s",
			 name, strerror(-rc));
		return rc;
	}
	t->st.written++;
	return 0;
}

int sl_tree_put(struct sl_tree *t, const char *name, const uint8_t *data, size_t len,
		char *err, size_t errlen)
{
	const char *base;
	int dfd, rc;

	rc = sl_tree_name_check(name, err, errlen);
	if (rc)
		return rc;
	dfd = open_parent(t, name, true, &base, err, errlen);
	if (dfd < 0)
		return dfd;
	rc = put_in_dir(t, dfd, name, base, data, len, err, errlen);
	close(dfd);
	if (!rc && t->in_gen)
		rc = names_append(&t->seen, name);
	return rc;
}

static int remove_generated(struct sl_tree *t, const char *name, char *err, size_t errlen)
{
	const char *base;
	int dfd, rc = 0;

	dfd = open_parent(t, name, false, &base, err, errlen);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (unlinkat(dfd, base, 0) < 0) {
		rc = errno == ENOENT ? 0 : -errno;
		if (rc)
			snprintf(err, errlen, "cannot remove \"%s\" from the provisioning "
				 "tree: %s", name, strerror(-rc));
	} else {
		t->st.removed++;
		fsync(dfd);
	}
	close(dfd);
	return rc;
}

int sl_tree_del(struct sl_tree *t, const char *name, char *err, size_t errlen)
{
	int rc;

	rc = sl_tree_name_check(name, err, errlen);
	if (rc)
		return rc;
	if (names_find(&t->manifest, name) < 0) {
		snprintf(err, errlen, "\"%s\" was not written by shieldlock, so it is not "
			 "removed; operator files are removed by hand", name);
		return -ENOENT;
	}
	rc = remove_generated(t, name, err, errlen);
	if (rc)
		return rc;
	names_remove(&t->manifest, name);
	names_drop_unsorted(&t->seen, name);	/* not back at sl_tree_end */
	return manifest_write(t, err, errlen);
}

int sl_tree_end(struct sl_tree *t, struct sl_tree_stats *st, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	if (!t->in_gen) {
		snprintf(err, errlen, "sl_tree_end without sl_tree_begin");
		return -EINVAL;
	}
	names_sort_unique(&t->seen);
	for (i = 0; i < t->manifest.n; i++) {
		if (names_find(&t->seen, t->manifest.v[i]) >= 0)
			continue;
		rc = remove_generated(t, t->manifest.v[i], err, errlen);
		if (rc)
			break;
	}
	if (!rc) {
		/* The manifest becomes exactly what this generation put. */
		names_free(&t->manifest);
		t->manifest = t->seen;
		memset(&t->seen, 0, sizeof(t->seen));
		rc = manifest_write(t, err, errlen);
	}
	t->in_gen = false;
	if (st)
		*st = t->st;
	return rc;
}
