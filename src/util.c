/*
 * util.c: allocation that cannot fail, the monotonic clock, base64,
 * constant-time comparison and the user-name rule shared by both programs.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liteimapd.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatalx(EXIT_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatalx(EXIT_OSERR, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*q;

	if ((q = reallocarray(p, n == 0 ? 1 : n, size == 0 ? 1 : size)) ==
	    NULL)
		fatalx(EXIT_OSERR, "out of memory (%zu x %zu bytes)", n, size);
	return q;
}

char *
xstrdup(const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		fatalx(EXIT_OSERR, "out of memory");
	return d;
}

/* Milliseconds on the monotonic clock: deadlines never jump. */
int64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Debian's libbsd lacks it; the comparison takes time independent of data. */
int
timingsafe_bcmp(const void *b1, const void *b2, size_t n)
{
	const unsigned char	*p1 = b1, *p2 = b2;
	unsigned char		 r = 0;

	while (n-- > 0)
		r |= *p1++ ^ *p2++;
	return r != 0;
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(int c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64chars, c)) == NULL)
		return -1;
	return (int)(p - b64chars);
}

/*
 * Strict base64 (RFC 4648 with padding, as SASL requires).  Returns the
 * decoded length, or SIZE_MAX for bad input or too small an output buffer.
 */
size_t
base64_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	v[4], k, pad;

	if (len % 4 != 0)
		return SIZE_MAX;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = b64val(in[i + k])) < 0)
				return SIZE_MAX;
		}
		if (o + 3 - (size_t)pad > outlen)
			return SIZE_MAX;
		/* the bits under the padding must be zero (RFC 4648 3.5) */
		if ((pad == 2 && (v[1] & 0xf) != 0) ||
		    (pad == 1 && (v[2] & 0x3) != 0))
			return SIZE_MAX;
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 0x3) << 6 | v[3]);
	}
	return o;
}

/* Encode; out must hold 4 * ((len + 2) / 3) + 1 bytes.  Returns length. */
size_t
base64_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	size_t		i, o = 0;
	uint32_t	v;

	if (outlen < 4 * ((len + 2) / 3) + 1)
		return SIZE_MAX;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64chars[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/*
 * User names: 1..64 of [A-Za-z0-9._@+-], not starting with '.' or '-'.
 * Narrow on purpose: names appear in logs, process titles and paths.
 */
bool
valid_username(const char *s)
{
	size_t	n;

	if (s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= NAME_MAX_LEN)
			return false;
		if (!isalnum((unsigned char)s[n]) &&
		    strchr("._@+-", s[n]) == NULL)
			return false;
	}
	return true;
}

/*
 * Become user (and group, or the user's primary group) for good:
 * supplementary groups, gid, uid, each verified.  0, or -1 with err.
 */
int
drop_privileges(const char *user, const char *group, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 ru, eu, su;
	gid_t		 rg, eg, sg, gid;

	if ((pw = getpwnam(user)) == NULL) {
		(void)snprintf(err, errlen, "user \"%s\" does not exist", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		(void)snprintf(err, errlen, "user \"%s\" is root; refusing to "
		    "run as root", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			(void)snprintf(err, errlen, "group \"%s\" does not "
			    "exist", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (initgroups(pw->pw_name, gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		(void)snprintf(err, errlen, "cannot drop privileges to %s: %s",
		    user, strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != gid || eg != gid || sg != gid || setuid(0) != -1) {
		(void)snprintf(err, errlen, "privilege drop to %s did not hold",
		    user);
		return -1;
	}
	log_debug("dropped privileges to %s (uid %lu gid %lu)", user,
	    (unsigned long)pw->pw_uid, (unsigned long)gid);
	return 0;
}
