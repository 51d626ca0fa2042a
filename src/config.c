/*
 * config.c: the "key = value" configuration file and -o overrides.  One
 * table names every key with its type, bounds and default; an unknown key
 * or a bad value is an error that names the line.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "liteimapd.h"

enum ctype { C_STR, C_INT, C_SIZE, C_DURATION, C_ENUM };

struct cenum {
	const char	*name;
	int64_t		 value;
};

static const struct cenum tls_modes[] = {
	{ "off", TLS_OFF }, { "starttls", TLS_STARTTLS },
	{ "implicit", TLS_IMPLICIT }, { NULL, 0 }
};
static const struct cenum plain_modes[] = {
	{ "no", PLAIN_NO }, { "loopback", PLAIN_LOOPBACK },
	{ "yes", PLAIN_YES }, { NULL, 0 }
};
static const struct cenum levels[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }, { NULL, 0 }
};
static const struct cenum syncs[] = {
	{ "off", 0 }, { "normal", 1 }, { "full", 2 }, { "extra", 3 },
	{ NULL, 0 }
};

#define OFF(f)	offsetof(struct config, f)
#define KB	1024LL
#define MB	(1024LL * 1024)
#define GB	(1024LL * 1024 * 1024)
#define SEC	1000LL
#define DAY	(86400LL * 1000)

static const struct ckey {
	const char		*name;
	enum ctype		 type;
	size_t			 off;
	int64_t			 min;
	int64_t			 max;
	const char		*def;
	const struct cenum	*en;
} keys[] = {
	{ "database", C_STR, OFF(database), 0, 0,
	    "/var/lib/liteimapd/mail.db", NULL },
	{ "tls", C_ENUM, OFF(tls), 0, 0, "starttls", tls_modes },
	{ "tls_cert", C_STR, OFF(tls_cert), 0, 0, "/etc/liteimapd/cert.pem",
	    NULL },
	{ "tls_key", C_STR, OFF(tls_key), 0, 0, "/etc/liteimapd/key.pem",
	    NULL },
	{ "tls_priority", C_STR, OFF(tls_priority), 0, 0,
	    "SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", NULL },
	{ "allow_plaintext_auth", C_ENUM, OFF(allow_plaintext_auth), 0, 0,
	    "no", plain_modes },
	{ "user", C_STR, OFF(user), 0, 0, "liteimapd", NULL },
	{ "group", C_STR, OFF(group), 0, 0, "", NULL },
	{ "hostname", C_STR, OFF(hostname), 0, 0, "", NULL },
	{ "unauth_commands", C_INT, OFF(unauth_commands), 1, 1000000, "10",
	    NULL },
	{ "unauth_idle", C_DURATION, OFF(unauth_idle), 1, DAY, "300", NULL },
	/* RFC 9051 5.4: the autologout timer must be at least 30 minutes */
	{ "auth_idle", C_DURATION, OFF(auth_idle), 1800 * SEC, 7 * DAY,
	    "3600", NULL },
	{ "io_timeout", C_DURATION, OFF(io_timeout), 100, DAY, "60", NULL },
	{ "busy_timeout", C_DURATION, OFF(busy_timeout), 0, 600 * SEC, "5",
	    NULL },
	{ "max_line", C_SIZE, OFF(max_line), 1 * KB, 64 * MB, "64k", NULL },
	{ "max_literal", C_SIZE, OFF(max_literal), 1 * KB, 2 * GB, "64M",
	    NULL },
	{ "max_command_size", C_SIZE, OFF(max_command_size), 2 * KB, 4 * GB,
	    "128M", NULL },
	{ "max_depth", C_INT, OFF(max_depth), 2, 1000, "32", NULL },
	{ "max_bad_commands", C_INT, OFF(max_bad_commands), 1, 1000000, "20",
	    NULL },
	{ "auth_fail_delay", C_DURATION, OFF(auth_fail_delay), 0, 60 * SEC,
	    "2", NULL },
	{ "auth_fail_delay_max", C_DURATION, OFF(auth_fail_delay_max), 0,
	    600 * SEC, "15", NULL },
	{ "max_auth_failures", C_INT, OFF(max_auth_failures), 1, 1000, "3",
	    NULL },
	{ "log_level", C_ENUM, OFF(log_level), 0, 0, "info", levels },
	{ "synchronous", C_ENUM, OFF(synchronous), 0, 0, "full", syncs },
	{ "password_cost", C_INT, OFF(password_cost), 1, 11, "5", NULL },
	{ "poll_every", C_DURATION, OFF(poll_every), 0, DAY, "0", NULL },
	{ "tombstone_horizon", C_DURATION, OFF(tombstone_horizon), 0,
	    3650 * DAY, "0", NULL },
	{ "cache_size", C_SIZE, OFF(cache_size), 16 * KB, 1 * GB, "256k",
	    NULL },
	{ "mmap_size", C_SIZE, OFF(mmap_size), 0, (int64_t)1 << 40, "0",
	    NULL },
	{ "max_user_connections", C_INT, OFF(max_user_connections), 1,
	    100000, "50", NULL },
	{ "max_user_ip_connections", C_INT, OFF(max_user_ip_connections), 1,
	    100000, "20", NULL },
	{ "idle_keepalive", C_DURATION, OFF(idle_keepalive), 1 * SEC, DAY,
	    "120", NULL },
	{ "max_mailbox_name", C_INT, OFF(max_mailbox_name), 16, 1024, "512",
	    NULL },
	{ "default_mailboxes", C_STR, OFF(default_mailboxes), 0, 0,
	    "Drafts:\\Drafts Sent:\\Sent Trash:\\Trash Junk:\\Junk "
	    "Archive:\\Archive", NULL },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* A number with an optional unit suffix; mult applies to a bare number. */
static int
parse_scaled(const char *v, enum ctype t, int64_t *r)
{
	char		*end;
	long long	 n;
	int64_t		 m;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v)
		return -1;
	if (t == C_SIZE) {
		if (*end == '\0')
			m = 1;
		else if (strcasecmp(end, "k") == 0)
			m = KB;
		else if (strcasecmp(end, "m") == 0)
			m = MB;
		else if (strcasecmp(end, "g") == 0)
			m = GB;
		else
			return -1;
	} else if (t == C_DURATION) {
		if (*end == '\0' || strcmp(end, "s") == 0)
			m = SEC;
		else if (strcmp(end, "ms") == 0)
			m = 1;
		else if (strcmp(end, "m") == 0)
			m = 60 * SEC;
		else if (strcmp(end, "h") == 0)
			m = 3600 * SEC;
		else
			return -1;
	} else {
		if (*end != '\0')
			return -1;
		m = 1;
	}
	if (n > INT64_MAX / m)
		return -1;
	*r = (int64_t)n * m;
	return 0;
}

static int
set_key(struct config *c, const struct ckey *k, const char *v, char *err,
    size_t errlen)
{
	const struct cenum	*e;
	int64_t			 n;
	char			**sp;

	switch (k->type) {
	case C_STR:
		if (strlen(v) > 4096) {
			(void)snprintf(err, errlen, "%s: value too long",
			    k->name);
			return -1;
		}
		sp = (char **)(void *)((char *)c + k->off);
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case C_ENUM:
		for (e = k->en; e->name != NULL; e++)
			if (strcmp(e->name, v) == 0) {
				*(int64_t *)(void *)((char *)c + k->off) =
				    e->value;
				return 0;
			}
		(void)snprintf(err, errlen, "%s: \"%s\" is not one of the "
		    "allowed values", k->name, v);
		return -1;
	default:
		if (parse_scaled(v, k->type, &n) == -1) {
			(void)snprintf(err, errlen, "%s: \"%s\" is not a valid "
			    "%s", k->name, v, k->type == C_SIZE ? "size" :
			    k->type == C_DURATION ? "duration" : "number");
			return -1;
		}
		if (n < k->min || n > k->max) {
			(void)snprintf(err, errlen, "%s: %s is out of range",
			    k->name, v);
			return -1;
		}
		*(int64_t *)(void *)((char *)c + k->off) = n;
		return 0;
	}
}

static int
config_set_kv(struct config *c, const char *key, const char *val, char *err,
    size_t errlen)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return set_key(c, &keys[i], val, err, errlen);
	(void)snprintf(err, errlen, "unknown key \"%s\"", key);
	return -1;
}

/* Fill in every default. */
void
config_init(struct config *c)
{
	char	err[128];
	size_t	i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].def, err, sizeof(err)) == -1)
			fatalx(EXIT_SOFTWARE, "config default: %s", err);
}

void
config_free(struct config *c)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == C_STR) {
			free(*(char **)(void *)((char *)c + keys[i].off));
			*(char **)(void *)((char *)c + keys[i].off) = NULL;
		}
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * Apply one "key=value" (the -o form).  Returns 0, or -1 with a message.
 */
int
config_set(struct config *c, const char *kv, char *err, size_t errlen)
{
	char	buf[4200], *eq, *k, *v;

	if (strlcpy(buf, kv, sizeof(buf)) >= sizeof(buf)) {
		(void)snprintf(err, errlen, "option too long");
		return -1;
	}
	if ((eq = strchr(buf, '=')) == NULL) {
		(void)snprintf(err, errlen, "\"%s\": expected key=value", kv);
		return -1;
	}
	*eq = '\0';
	k = trim(buf);
	v = trim(eq + 1);
	return config_set_kv(c, k, v, err, errlen);
}

/*
 * Read a configuration file.  A missing file is an error only when
 * required (it was named with -c).  Returns 0, or -1 with a message
 * naming the file and line.
 */
int
config_load(struct config *c, const char *path, bool required, char *err,
    size_t errlen)
{
	FILE	*f;
	char	 line[4200], msg[256], *s, *eq;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !required)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			(void)snprintf(err, errlen, "%s:%d: line too long",
			    path, lineno);
			rc = -1;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			(void)snprintf(err, errlen, "%s:%d: expected "
			    "\"key = value\"", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (config_set_kv(c, trim(s), trim(eq + 1), msg,
		    sizeof(msg)) == -1) {
			(void)snprintf(err, errlen, "%s:%d: %s", path, lineno,
			    msg);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		(void)snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	(void)fclose(f);
	return rc;
}
