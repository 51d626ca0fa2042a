/*
 * fuzz_config.c: the configuration file (config_load) and -o overrides
 * (config_set).
 *
 * Input: the bytes of a configuration file.  Checks:
 *  - config_load returns 0, or -1 with a message that names the file
 *    (and for a bad line, "FILE:N:");
 *  - whatever was loaded keeps every key within its documented bounds
 *    (liteimapd.conf(5)): enums among their values, numbers, sizes and
 *    durations within their ranges, strings set and at most 4096 bytes;
 *  - the file and the same lines given one by one to config_set agree
 *    (without NUL bytes; blank and "#" lines skipped as the file reader
 *    does): the same verdict, at the same line, and the same settings;
 *  - config_set on the input as one string holds to the same bounds;
 *  - config_free frees all (LeakSanitizer).
 * The file is a memfd read through /proc/self/fd.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <syslog.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SEC	1000LL
#define DAY	(86400LL * 1000)
#define KB	1024LL
#define MB	(1024LL * 1024)
#define GB	(1024LL * 1024 * 1024)

static int	cfd = -1;
static char	cpath[64];

static void
check_bounds(const struct config *c, const char *how)
{
	static const struct {
		const char	*name;
		size_t		 off;
		int64_t		 min, max;
	} b[] = {
#define K(f, lo, hi)	{ #f, offsetof(struct config, f), lo, hi }
		K(tls, TLS_OFF, TLS_IMPLICIT),
		K(allow_plaintext_auth, PLAIN_NO, PLAIN_YES),
		K(log_level, LOG_ERR, LOG_DEBUG),
		K(synchronous, 0, 3),
		K(unauth_commands, 1, 1000000),
		K(unauth_idle, 1, DAY),
		K(auth_idle, 1800 * SEC, 7 * DAY),
		K(io_timeout, 100, DAY),
		K(busy_timeout, 0, 600 * SEC),
		K(auth_fail_delay, 0, 60 * SEC),
		K(auth_fail_delay_max, 0, 600 * SEC),
		K(max_line, 1 * KB, 64 * MB),
		K(max_literal, 1 * KB, 2 * GB),
		K(max_command_size, 2 * KB, 4 * GB),
		K(max_depth, 2, 1000),
		K(max_bad_commands, 1, 1000000),
		K(max_auth_failures, 1, 1000),
		K(password_cost, 1, 11),
		K(max_mailbox_name, 16, 1024),
		K(idle_keepalive, 1 * SEC, DAY),
		K(max_user_connections, 1, 100000),
		K(max_user_ip_connections, 1, 100000),
#undef K
	};
	const char *const strs[] = { c->database, c->tls_cert, c->tls_key,
	    c->tls_priority, c->user, c->group, c->hostname,
	    c->default_mailboxes };
	size_t	i;
	int64_t	v;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		v = *(const int64_t *)(const void *)((const char *)c + b[i].off);
		FZ_CHECK(v >= b[i].min && v <= b[i].max, "%s: %s = %lld, "
		    "outside %lld..%lld", how, b[i].name, (long long)v,
		    (long long)b[i].min, (long long)b[i].max);
	}
	FZ_CHECK(c->log_level != 0, "log_level");
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		FZ_CHECK(strs[i] != NULL && strlen(strs[i]) <= 4096,
		    "%s: string key %zu", how, i);
}

static bool
config_equal(const struct config *a, const struct config *b)
{
	const char *const sa[] = { a->database, a->tls_cert, a->tls_key,
	    a->tls_priority, a->user, a->group, a->hostname,
	    a->default_mailboxes };
	const char *const sb[] = { b->database, b->tls_cert, b->tls_key,
	    b->tls_priority, b->user, b->group, b->hostname,
	    b->default_mailboxes };
	size_t	i;

	for (i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		if (strcmp(sa[i], sb[i]) != 0)
			return false;
	return a->tls == b->tls &&
	    a->allow_plaintext_auth == b->allow_plaintext_auth &&
	    a->log_level == b->log_level && a->synchronous == b->synchronous &&
	    a->unauth_commands == b->unauth_commands &&
	    a->unauth_idle == b->unauth_idle && a->auth_idle == b->auth_idle &&
	    a->io_timeout == b->io_timeout &&
	    a->busy_timeout == b->busy_timeout &&
	    a->auth_fail_delay == b->auth_fail_delay &&
	    a->auth_fail_delay_max == b->auth_fail_delay_max &&
	    a->max_line == b->max_line && a->max_literal == b->max_literal &&
	    a->max_command_size == b->max_command_size &&
	    a->max_depth == b->max_depth &&
	    a->max_bad_commands == b->max_bad_commands &&
	    a->max_auth_failures == b->max_auth_failures &&
	    a->password_cost == b->password_cost &&
	    a->max_mailbox_name == b->max_mailbox_name &&
	    a->idle_keepalive == b->idle_keepalive &&
	    a->max_user_connections == b->max_user_connections &&
	    a->max_user_ip_connections == b->max_user_ip_connections;
}

/* the file reader's trim: blanks in front, blanks and CR/LF behind */
static bool
blank_or_comment(const char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n == 0 || *s == '#';
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_process();
	if ((cfd = memfd_create("fuzz-config", MFD_CLOEXEC)) == -1)
		abort();
	(void)snprintf(cpath, sizeof(cpath), "/proc/self/fd/%d", cfd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c1, c2;
	char		 err[512], err2[512], where[96], *text, *line, *nl;
	int		 rc, rc2 = 0, lineno = 0, badline = 0;

	if (ftruncate(cfd, 0) == -1 || (size > 0 && pwrite(cfd, data, size,
	    0) != (ssize_t)size))
		abort();

	/* the file */
	config_init(&c1);
	check_bounds(&c1, "defaults");
	err[0] = '\0';
	rc = config_load(&c1, cpath, true, err, sizeof(err));
	FZ_CHECK(rc == 0 || rc == -1, "config_load returned %d", rc);
	if (rc == -1)
		FZ_CHECK(strncmp(err, cpath, strlen(cpath)) == 0,
		    "error without the file name: [%s]", err);
	else
		FZ_CHECK(err[0] == '\0', "message on success: [%s]", err);
	check_bounds(&c1, "config_load");

	/* the same lines through config_set */
	if (memchr(data, '\0', size) == NULL) {
		text = malloc(size + 1);
		if (text == NULL)
			abort();
		memcpy(text, data, size);
		text[size] = '\0';
		config_init(&c2);
		for (line = text; *line != '\0'; line = nl) {
			nl = strchr(line, '\n');
			nl = nl ? nl + 1 : line + strlen(line);
			lineno++;
			if (nl - line >= (nl[-1] == '\n' ? 4200 : 4199)) {
				/* over fgets' buffer: "line too long" */
				rc2 = -1;
				badline = lineno;
				break;
			}
			{
				char	one[4200];

				memcpy(one, line, (size_t)(nl - line));
				one[nl - line] = '\0';
				if (blank_or_comment(one))
					continue;
				if (strchr(one, '=') == NULL ||
				    config_set(&c2, one, err2,
				    sizeof(err2)) == -1) {
					rc2 = -1;
					badline = lineno;
					break;
				}
			}
		}
		FZ_CHECK(rc == rc2, "config_load says %d [%s], config_set line "
		    "by line %d (line %d)", rc, err, rc2, badline);
		if (rc == 0)
			FZ_CHECK(config_equal(&c1, &c2), "config_load and "
			    "config_set set different values");
		else {
			(void)snprintf(where, sizeof(where), "%s:%d:", cpath,
			    badline);
			FZ_CHECK(strncmp(err, where, strlen(where)) == 0,
			    "config_load: [%s], config_set failed at line %d",
			    err, badline);
		}
		config_free(&c2);
		free(text);
	}
	config_free(&c1);

	/* -o with the input as one option */
	config_init(&c2);
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	rc = config_set(&c2, text, err, sizeof(err));
	FZ_CHECK(rc == 0 || (rc == -1 && err[0] != '\0'), "config_set: %d "
	    "[%s]", rc, err);
	check_bounds(&c2, "config_set");
	config_free(&c2);
	free(text);
	return 0;
}
