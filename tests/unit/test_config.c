/*
 * test_config.c: config.c: the defaults, every value type through
 * config_set (the -o form), the bounds, and config_load on real files.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "liteimapd.h"
#include "unit.h"

#define KB	1024LL
#define MB	(1024LL * 1024)
#define GB	(1024LL * 1024 * 1024)

static int64_t
field(const struct config *c, const char *name)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} f[] = {
#define F(x)	{ #x, offsetof(struct config, x) }
		F(tls), F(allow_plaintext_auth), F(log_level), F(synchronous),
		F(unauth_commands), F(unauth_idle), F(auth_idle),
		F(io_timeout), F(busy_timeout), F(auth_fail_delay),
		F(auth_fail_delay_max), F(max_line), F(max_literal),
		F(max_command_size), F(max_depth), F(max_bad_commands),
		F(max_auth_failures), F(password_cost), F(max_mailbox_name),
#undef F
	};
	size_t	i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].name, name) == 0)
			return *(const int64_t *)(const void *)
			    ((const char *)c + f[i].off);
	fprintf(stderr, "test bug: no field %s\n", name);
	abort();
}

static const char *
sfield(const struct config *c, const char *name)
{
	if (strcmp(name, "database") == 0)
		return c->database;
	if (strcmp(name, "tls_cert") == 0)
		return c->tls_cert;
	if (strcmp(name, "tls_key") == 0)
		return c->tls_key;
	if (strcmp(name, "tls_priority") == 0)
		return c->tls_priority;
	if (strcmp(name, "user") == 0)
		return c->user;
	if (strcmp(name, "group") == 0)
		return c->group;
	if (strcmp(name, "hostname") == 0)
		return c->hostname;
	if (strcmp(name, "default_mailboxes") == 0)
		return c->default_mailboxes;
	fprintf(stderr, "test bug: no string field %s\n", name);
	abort();
}

/* ------------------------------------------------------------------ */

struct defrow {
	const char	*key;
	int64_t		 v;
};

static const struct defrow int_defaults[] = {
	{ "tls", TLS_STARTTLS },
	{ "allow_plaintext_auth", PLAIN_NO },
	{ "log_level", LOG_INFO },
	{ "synchronous", 2 },
	{ "unauth_commands", 10 },
	{ "unauth_idle", 300000 },
	{ "auth_idle", 3600000 },
	{ "io_timeout", 60000 },
	{ "busy_timeout", 5000 },
	{ "auth_fail_delay", 2000 },
	{ "auth_fail_delay_max", 15000 },
	{ "max_line", 65536 },
	{ "max_literal", 64 * MB },
	{ "max_command_size", 128 * MB },
	{ "max_depth", 32 },
	{ "max_bad_commands", 20 },
	{ "max_auth_failures", 3 },
	{ "password_cost", 5 },
	{ "max_mailbox_name", 512 },
};

static const struct {
	const char	*key;
	const char	*v;
} str_defaults[] = {
	{ "database", "/var/lib/liteimapd/mail.db" },
	{ "tls_cert", "/etc/liteimapd/cert.pem" },
	{ "tls_key", "/etc/liteimapd/key.pem" },
	{ "tls_priority", "SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
	{ "user", "liteimapd" },
	{ "group", "" },
	{ "hostname", "" },
	{ "default_mailboxes", "Drafts:\\Drafts Sent:\\Sent Trash:\\Trash "
	    "Junk:\\Junk Archive:\\Archive" },
};

static void
test_defaults(void)
{
	struct config	c;
	size_t		i;

	config_init(&c);
	for (i = 0; i < sizeof(int_defaults) / sizeof(int_defaults[0]); i++)
		CASE("default/%s", int_defaults[i].key)
			CHECK(field(&c, int_defaults[i].key) ==
			    int_defaults[i].v, "%lld, want %lld",
			    (long long)field(&c, int_defaults[i].key),
			    (long long)int_defaults[i].v);
	for (i = 0; i < sizeof(str_defaults) / sizeof(str_defaults[0]); i++)
		CASE("default/%s", str_defaults[i].key) {
			const char *v = sfield(&c, str_defaults[i].key);

			CHECK(v != NULL && strcmp(v, str_defaults[i].v) == 0,
			    "\"%s\", want \"%s\"", v ? v : "(null)",
			    str_defaults[i].v);
		}
	config_free(&c);
	CASE("config_free/clears") {
		CHECK(c.database == NULL && c.hostname == NULL &&
		    c.tls_priority == NULL, "a string pointer was kept");
	}
}

/* ------------------------------------------------------------------ */

struct setrow {
	const char	*kv;
	int		 rc;
	const char	*key;		/* rc 0: the field that changes */
	int64_t		 v;
	const char	*err;		/* rc -1: substrings of the message */
	const char	*err2;
};

static const struct setrow set_rows[] = {
	/* sizes: bytes or k/M/G, either case */
	{ "max_line=1k", 0, "max_line", 1024, NULL, NULL },
	{ "max_line=1K", 0, "max_line", 1024, NULL, NULL },
	{ "max_line=2M", 0, "max_line", 2 * MB, NULL, NULL },
	{ "max_line=2m", 0, "max_line", 2 * MB, NULL, NULL },
	{ "max_line=4096", 0, "max_line", 4096, NULL, NULL },
	{ "max_line = 3k", 0, "max_line", 3 * KB, NULL, NULL },
	{ "  max_line\t=\t5k  ", 0, "max_line", 5 * KB, NULL, NULL },
	{ "max_line=64M", 0, "max_line", 64 * MB, NULL, NULL },
	{ "max_line=1024", 0, "max_line", 1024, NULL, NULL },
	{ "max_literal=1G", 0, "max_literal", GB, NULL, NULL },
	{ "max_literal=2g", 0, "max_literal", 2 * GB, NULL, NULL },
	{ "max_command_size=4G", 0, "max_command_size", 4 * GB, NULL, NULL },
	{ "max_line=1023", -1, NULL, 0, "max_line", "out of range" },
	{ "max_line=65M", -1, NULL, 0, "max_line", "out of range" },
	{ "max_literal=3G", -1, NULL, 0, "max_literal", "out of range" },
	{ "max_line=1kb", -1, NULL, 0, "max_line", "1kb" },
	{ "max_line=1 k", -1, NULL, 0, "max_line", "size" },
	{ "max_line=k", -1, NULL, 0, "max_line", "size" },
	{ "max_line=1.5k", -1, NULL, 0, "max_line", "size" },
	{ "max_line=-1", -1, NULL, 0, "max_line", "size" },
	{ "max_line=+2048", -1, NULL, 0, "max_line", "size" },
	{ "max_line=1T", -1, NULL, 0, "max_line", "size" },
	{ "max_line=", -1, NULL, 0, "max_line", NULL },
	{ "max_line=99999999999999999999", -1, NULL, 0, "max_line", NULL },
	{ "max_literal=9999999999999G", -1, NULL, 0, "max_literal", NULL },
	/* 2^34 + 1 G wraps to 1G in 64 bits */
	{ "max_literal=17179869185G", -1, NULL, 0, "max_literal", NULL },
	{ "max_literal=17179869184k", -1, NULL, 0, "max_literal", NULL },
	/* durations: seconds, or ms/s/m/h */
	{ "io_timeout=100ms", 0, "io_timeout", 100, NULL, NULL },
	{ "io_timeout=5", 0, "io_timeout", 5000, NULL, NULL },
	{ "io_timeout=5s", 0, "io_timeout", 5000, NULL, NULL },
	{ "io_timeout=2m", 0, "io_timeout", 120000, NULL, NULL },
	{ "io_timeout=1h", 0, "io_timeout", 3600000, NULL, NULL },
	{ "io_timeout=1500ms", 0, "io_timeout", 1500, NULL, NULL },
	{ "busy_timeout=0", 0, "busy_timeout", 0, NULL, NULL },
	{ "auth_fail_delay=0", 0, "auth_fail_delay", 0, NULL, NULL },
	{ "unauth_idle=1ms", 0, "unauth_idle", 1, NULL, NULL },
	{ "io_timeout=99ms", -1, NULL, 0, "io_timeout", "out of range" },
	{ "io_timeout=5x", -1, NULL, 0, "io_timeout", "duration" },
	{ "io_timeout=5 s", -1, NULL, 0, "io_timeout", "duration" },
	{ "io_timeout=s", -1, NULL, 0, "io_timeout", "duration" },
	{ "io_timeout=1d", -1, NULL, 0, "io_timeout", "duration" },
	{ "io_timeout=-5", -1, NULL, 0, "io_timeout", "duration" },
	{ "io_timeout=99999999999999999h", -1, NULL, 0, "io_timeout", NULL },
	/* RFC 9051 5.4: at least 30 minutes of autologout */
	{ "auth_idle=1800", 0, "auth_idle", 1800000, NULL, NULL },
	{ "auth_idle=30m", 0, "auth_idle", 1800000, NULL, NULL },
	{ "auth_idle=1800000ms", 0, "auth_idle", 1800000, NULL, NULL },
	{ "auth_idle=2h", 0, "auth_idle", 7200000, NULL, NULL },
	{ "auth_idle=1799", -1, NULL, 0, "auth_idle", "out of range" },
	{ "auth_idle=29m", -1, NULL, 0, "auth_idle", "out of range" },
	{ "auth_idle=1799999ms", -1, NULL, 0, "auth_idle", "out of range" },
	{ "auth_idle=0", -1, NULL, 0, "auth_idle", "out of range" },
	/* plain numbers: no suffix */
	{ "max_depth=2", 0, "max_depth", 2, NULL, NULL },
	{ "max_depth=1000", 0, "max_depth", 1000, NULL, NULL },
	{ " max_depth = 7 ", 0, "max_depth", 7, NULL, NULL },
	{ "max_depth=1", -1, NULL, 0, "max_depth", "out of range" },
	{ "max_depth=1001", -1, NULL, 0, "max_depth", "out of range" },
	{ "max_depth=1k", -1, NULL, 0, "max_depth", "number" },
	{ "max_depth=5s", -1, NULL, 0, "max_depth", "number" },
	{ "max_depth=0x10", -1, NULL, 0, "max_depth", "number" },
	{ "password_cost=1", 0, "password_cost", 1, NULL, NULL },
	{ "password_cost=11", 0, "password_cost", 11, NULL, NULL },
	{ "password_cost=12", -1, NULL, 0, "password_cost", "out of range" },
	{ "password_cost=0", -1, NULL, 0, "password_cost", "out of range" },
	{ "max_mailbox_name=16", 0, "max_mailbox_name", 16, NULL, NULL },
	{ "max_mailbox_name=1024", 0, "max_mailbox_name", 1024, NULL, NULL },
	{ "max_mailbox_name=15", -1, NULL, 0, "max_mailbox_name", "range" },
	{ "max_mailbox_name=1025", -1, NULL, 0, "max_mailbox_name",
	    "range" },
	{ "unauth_commands=1", 0, "unauth_commands", 1, NULL, NULL },
	{ "max_bad_commands=1", 0, "max_bad_commands", 1, NULL, NULL },
	{ "max_bad_commands=0", -1, NULL, 0, "max_bad_commands", "range" },
	{ "max_auth_failures=1000", 0, "max_auth_failures", 1000, NULL,
	    NULL },
	/* enums: exact names */
	{ "tls=off", 0, "tls", TLS_OFF, NULL, NULL },
	{ "tls=starttls", 0, "tls", TLS_STARTTLS, NULL, NULL },
	{ "tls=implicit", 0, "tls", TLS_IMPLICIT, NULL, NULL },
	{ "tls = implicit", 0, "tls", TLS_IMPLICIT, NULL, NULL },
	{ "tls=OFF", -1, NULL, 0, "tls", "OFF" },
	{ "tls=bogus", -1, NULL, 0, "tls", "bogus" },
	{ "tls=", -1, NULL, 0, "tls", NULL },
	{ "allow_plaintext_auth=yes", 0, "allow_plaintext_auth", PLAIN_YES,
	    NULL, NULL },
	{ "allow_plaintext_auth=loopback", 0, "allow_plaintext_auth",
	    PLAIN_LOOPBACK, NULL, NULL },
	{ "allow_plaintext_auth=no", 0, "allow_plaintext_auth", PLAIN_NO,
	    NULL, NULL },
	{ "allow_plaintext_auth=true", -1, NULL, 0, "allow_plaintext_auth",
	    "true" },
	{ "log_level=debug", 0, "log_level", LOG_DEBUG, NULL, NULL },
	{ "log_level=err", 0, "log_level", LOG_ERR, NULL, NULL },
	{ "log_level=warning", 0, "log_level", LOG_WARNING, NULL, NULL },
	{ "log_level=notice", 0, "log_level", LOG_NOTICE, NULL, NULL },
	{ "log_level=error", -1, NULL, 0, "log_level", "error" },
	{ "synchronous=off", 0, "synchronous", 0, NULL, NULL },
	{ "synchronous=normal", 0, "synchronous", 1, NULL, NULL },
	{ "synchronous=extra", 0, "synchronous", 3, NULL, NULL },
	{ "synchronous=2", -1, NULL, 0, "synchronous", NULL },
	/* keys */
	{ "nosuchkey=1", -1, NULL, 0, "nosuchkey", "unknown" },
	{ "MAX_LINE=1k", -1, NULL, 0, "MAX_LINE", "unknown" },
	{ "max-line=1k", -1, NULL, 0, "max-line", "unknown" },
	{ "=5", -1, NULL, 0, "unknown", NULL },
	{ "max_line", -1, NULL, 0, "max_line", "key=value" },
	{ "", -1, NULL, 0, "key=value", NULL },
};

static void
test_set(void)
{
	struct config	 c;
	char		 err[512], name[80];
	size_t		 i, k;
	int		 rc;

	for (i = 0; i < sizeof(set_rows) / sizeof(set_rows[0]); i++) {
		const struct setrow *r = &set_rows[i];

		(void)snprintf(name, sizeof(name), "%s", r->kv[0] ? r->kv :
		    "empty");
		CASE("set/%s", name) {
			config_init(&c);
			err[0] = '\0';
			rc = config_set(&c, r->kv, err, sizeof(err));
			if (r->rc == 0) {
				if (CHECK(rc == 0, "err %s", err))
					CHECK(field(&c, r->key) == r->v,
					    "%s = %lld, want %lld", r->key,
					    (long long)field(&c, r->key),
					    (long long)r->v);
			} else if (CHECK(rc == -1, "accepted")) {
				CHECK(unit_contains(err, r->err),
				    "message \"%s\" lacks \"%s\"", err, r->err);
				if (r->err2 != NULL)
					CHECK(unit_contains(err, r->err2),
					    "message \"%s\" lacks \"%s\"", err,
					    r->err2);
				/* a refused value changes nothing */
				for (k = 0; k < sizeof(int_defaults) /
				    sizeof(int_defaults[0]); k++)
					CHECK(field(&c, int_defaults[k].key) ==
					    int_defaults[k].v, "%s changed to "
					    "%lld", int_defaults[k].key,
					    (long long)field(&c,
					    int_defaults[k].key));
			}
			config_free(&c);
		}
	}
}

/* strings: kept as given after trimming, '=' allowed in the value */
static void
test_set_strings(void)
{
	static const struct {
		const char	*kv;
		const char	*key;
		const char	*v;
	} rows[] = {
		{ "hostname=mail.example.org", "hostname", "mail.example.org" },
		{ "hostname=", "hostname", "" },
		{ "hostname =  spaced  ", "hostname", "spaced" },
		{ "database=/tmp/a b/mail.db", "database", "/tmp/a b/mail.db" },
		{ "tls_priority=NORMAL:%COMPAT:+VERS-TLS1.2=x", "tls_priority",
		    "NORMAL:%COMPAT:+VERS-TLS1.2=x" },
		{ "group=mail", "group", "mail" },
		{ "user=nobody", "user", "nobody" },
		{ "default_mailboxes=", "default_mailboxes", "" },
	};
	struct config	 c;
	char		 err[256], *kv;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CASE("set-string/%s", rows[i].kv) {
			config_init(&c);
			rc = config_set(&c, rows[i].kv, err, sizeof(err));
			if (CHECK(rc == 0, "err %s", err))
				CHECK(strcmp(sfield(&c, rows[i].key),
				    rows[i].v) == 0, "\"%s\"",
				    sfield(&c, rows[i].key));
			config_free(&c);
		}

	CASE("set-string/twice") {
		config_init(&c);
		CHECK(config_set(&c, "hostname=a", err, sizeof(err)) == 0,
		    "%s", err);
		CHECK(config_set(&c, "hostname=b", err, sizeof(err)) == 0,
		    "%s", err);
		CHECK(strcmp(c.hostname, "b") == 0, "%s", c.hostname);
		config_free(&c);
	}

	CASE("set-string/4096-ok-4097-too-long") {
		config_init(&c);
		kv = malloc(9 + 4097 + 1);
		memcpy(kv, "hostname=", 9);
		memset(kv + 9, 'h', 4096);
		kv[9 + 4096] = '\0';
		rc = config_set(&c, kv, err, sizeof(err));
		if (CHECK(rc == 0, "4096 bytes: %s", err))
			CHECK(strlen(c.hostname) == 4096, "length %zu",
			    strlen(c.hostname));
		kv[9 + 4096] = 'h';
		kv[9 + 4097] = '\0';
		rc = config_set(&c, kv, err, sizeof(err));
		if (CHECK(rc == -1, "4097 bytes accepted"))
			CHECK(unit_contains(err, "hostname") &&
			    unit_contains(err, "too long"), "%s", err);
		free(kv);
		config_free(&c);
	}

	CASE("set-string/option-too-long") {
		config_init(&c);
		kv = malloc(10001);
		memcpy(kv, "hostname=", 9);
		memset(kv + 9, 'h', 10000 - 9);
		kv[10000] = '\0';
		rc = config_set(&c, kv, err, sizeof(err));
		if (CHECK(rc == -1, "accepted"))
			CHECK(unit_contains(err, "too long"), "%s", err);
		CHECK(c.hostname != NULL && c.hostname[0] == '\0',
		    "hostname changed");
		free(kv);
		config_free(&c);
	}

	CASE("set/error-message-truncated-safely") {
		char small[8];

		config_init(&c);
		memset(small, 'X', sizeof(small));
		rc = config_set(&c, "nosuchkey=1", small, sizeof(small));
		CHECK(rc == -1, "accepted");
		CHECK(memchr(small, '\0', sizeof(small)) != NULL,
		    "message not terminated");
		config_free(&c);
	}
}

/* ------------------------------------------------------------------ */
/* config_load */

static char tmpdir[256];

static char *
write_file(const char *name, const char *text)
{
	static char	path[400];
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF) {
		perror(path);
		abort();
	}
	return path;
}

struct loadrow {
	const char	*name;
	const char	*text;
	int		 rc;
	const char	*check;	/* rc 0: key=value (int) that must hold */
	int64_t		 v;
	const char	*err;	/* rc -1: after "PATH", e.g. ":3: " */
	const char	*err2;
};

static const struct loadrow load_rows[] = {
	{ "comments-blanks-spaces",
	    "# liteimapd.conf\n"
	    "\n"
	    "   \n"
	    "\t# indented comment\n"
	    "max_line = 2k\n"
	    "  tls=off   \n"
	    "io_timeout\t=\t7s\n",
	    0, "max_line", 2048, NULL, NULL },
	{ "spaces-tls", "  tls   =   off  \n", 0, "tls", TLS_OFF, NULL, NULL },
	{ "tabs", "\tio_timeout\t=\t7s\t\n", 0, "io_timeout", 7000, NULL,
	    NULL },
	{ "crlf", "max_depth = 9\r\n", 0, "max_depth", 9, NULL, NULL },
	{ "no-final-newline", "max_depth = 9", 0, "max_depth", 9, NULL,
	    NULL },
	{ "last-wins", "max_depth = 9\nmax_depth = 10\n", 0, "max_depth", 10,
	    NULL, NULL },
	{ "empty", "", 0, "max_line", 65536, NULL, NULL },
	{ "only-comments", "# a\n#b=c\n", 0, "max_line", 65536, NULL, NULL },
	{ "commented-key", "#max_line = 2k\n", 0, "max_line", 65536, NULL,
	    NULL },
	{ "unknown-key-line-3", "# one\nmax_line = 2k\nbogus_key = 1\n", -1,
	    NULL, 0, ":3: ", "bogus_key" },
	{ "bad-value-line-2", "\nauth_idle = 1799\n", -1, NULL, 0, ":2: ",
	    "auth_idle" },
	{ "no-equals-line-4", "#\n#\n\nmax_line 2k\n", -1, NULL, 0, ":4: ",
	    "key = value" },
	{ "bad-enum-line-1", "tls = maybe\n", -1, NULL, 0, ":1: ", "maybe" },
	{ "error-after-good", "max_depth = 9\nmax_depth = x\n", -1, NULL, 0,
	    ":2: ", "max_depth" },
};

static void
test_load(void)
{
	struct config	 c;
	char		 err[512], want[512], *path, *big;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(load_rows) / sizeof(load_rows[0]); i++) {
		const struct loadrow *r = &load_rows[i];

		CASE("load/%s", r->name) {
			path = write_file("test.conf", r->text);
			config_init(&c);
			err[0] = '\0';
			rc = config_load(&c, path, true, err, sizeof(err));
			if (r->rc == 0) {
				if (CHECK(rc == 0, "err %s", err))
					CHECK(field(&c, r->check) == r->v,
					    "%s = %lld, want %lld", r->check,
					    (long long)field(&c, r->check),
					    (long long)r->v);
			} else if (CHECK(rc == -1, "accepted")) {
				(void)snprintf(want, sizeof(want), "%s%s",
				    path, r->err);
				CHECK(strncmp(err, want, strlen(want)) == 0,
				    "message \"%s\" does not start with "
				    "\"%s\"", err, want);
				CHECK(unit_contains(err, r->err2),
				    "message \"%s\" lacks \"%s\"", err,
				    r->err2);
			}
			config_free(&c);
		}
	}

	CASE("load/all-applied") {
		path = write_file("all.conf",
		    "database = /srv/mail/db.sqlite\n"
		    "hostname = imap.example.org\n"
		    "tls = implicit\n"
		    "max_literal = 10M\n"
		    "auth_idle = 45m\n"
		    "log_level = debug\n");
		config_init(&c);
		rc = config_load(&c, path, false, err, sizeof(err));
		if (CHECK(rc == 0, "err %s", err)) {
			CHECK(strcmp(c.database, "/srv/mail/db.sqlite") == 0,
			    "database %s", c.database);
			CHECK(strcmp(c.hostname, "imap.example.org") == 0,
			    "hostname %s", c.hostname);
			CHECK(c.tls == TLS_IMPLICIT, "tls %lld",
			    (long long)c.tls);
			CHECK(c.max_literal == 10 * MB, "max_literal %lld",
			    (long long)c.max_literal);
			CHECK(c.auth_idle == 45 * 60000, "auth_idle %lld",
			    (long long)c.auth_idle);
			CHECK(c.log_level == LOG_DEBUG, "log_level %lld",
			    (long long)c.log_level);
			CHECK(c.max_line == 65536, "untouched max_line %lld",
			    (long long)c.max_line);
		}
		config_free(&c);
	}

	CASE("load/line-too-long") {
		big = malloc(6000);
		memcpy(big, "max_depth = 3\nhostname = ", 25);
		memset(big + 25, 'x', 5000);
		memcpy(big + 5025, "\n", 2);
		path = write_file("long.conf", big);
		config_init(&c);
		rc = config_load(&c, path, true, err, sizeof(err));
		if (CHECK(rc == -1, "accepted")) {
			(void)snprintf(want, sizeof(want), "%s:2: ", path);
			CHECK(strncmp(err, want, strlen(want)) == 0 &&
			    unit_contains(err, "too long"), "message \"%s\"",
			    err);
		}
		free(big);
		config_free(&c);
	}

	CASE("load/value-with-equals") {
		path = write_file("eq.conf",
		    "tls_priority = NORMAL:-VERS-ALL:+VERS-TLS1.3 = x\n");
		config_init(&c);
		rc = config_load(&c, path, true, err, sizeof(err));
		if (CHECK(rc == 0, "err %s", err))
			CHECK(strcmp(c.tls_priority,
			    "NORMAL:-VERS-ALL:+VERS-TLS1.3 = x") == 0,
			    "tls_priority \"%s\"", c.tls_priority);
		config_free(&c);
	}

	CASE("load/missing-not-required") {
		(void)snprintf(want, sizeof(want), "%s/no-such.conf", tmpdir);
		config_init(&c);
		err[0] = '\0';
		rc = config_load(&c, want, false, err, sizeof(err));
		CHECK(rc == 0, "rc %d, err %s", rc, err);
		CHECK(c.max_line == 65536, "defaults changed");
		config_free(&c);
	}

	CASE("load/missing-required") {
		(void)snprintf(want, sizeof(want), "%s/no-such.conf", tmpdir);
		config_init(&c);
		err[0] = '\0';
		rc = config_load(&c, want, true, err, sizeof(err));
		if (CHECK(rc == -1, "accepted a missing file"))
			CHECK(unit_contains(err, want), "message \"%s\" does "
			    "not name the file", err);
		config_free(&c);
	}

	CASE("load/directory-not-required") {
		/* only a missing file is excused, not an unreadable one */
		config_init(&c);
		rc = config_load(&c, tmpdir, false, err, sizeof(err));
		CHECK(rc == -1, "a directory was read as a config file");
		config_free(&c);
	}

	CASE("load/not-a-directory-not-required") {
		/* ENOTDIR is not "missing": it is an error even if optional */
		path = write_file("plain.conf", "");
		(void)snprintf(want, sizeof(want), "%s/x.conf", path);
		config_init(&c);
		err[0] = '\0';
		rc = config_load(&c, want, false, err, sizeof(err));
		if (CHECK(rc == -1, "a path through a file was taken for a "
		    "missing file"))
			CHECK(unit_contains(err, want), "message \"%s\"", err);
		config_free(&c);
	}

	CASE("load/same-as-set") {
		/* the file form and the -o form read values alike */
		struct config	 d;

		path = write_file("same.conf", "unauth_idle = 90s\n");
		config_init(&c);
		config_init(&d);
		rc = config_load(&c, path, true, err, sizeof(err));
		CHECK(rc == 0, "%s", err);
		rc = config_set(&d, "unauth_idle=90s", err, sizeof(err));
		CHECK(rc == 0, "%s", err);
		CHECK(c.unauth_idle == d.unauth_idle && c.unauth_idle ==
		    90000, "%lld vs %lld", (long long)c.unauth_idle,
		    (long long)d.unauth_idle);
		config_free(&c);
		config_free(&d);
	}
}

int
main(void)
{
	const char	*t = getenv("TMPDIR");
	char		 path[400];

	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults();
	test_set();
	test_set_strings();
	test_load();
	for (const char *const *f = (const char *const[]){ "test.conf",
	    "all.conf", "long.conf", "eq.conf", "same.conf", "plain.conf",
	    NULL }; *f;
	    f++) {
		(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, *f);
		(void)unlink(path);
	}
	(void)rmdir(tmpdir);
	return unit_done();
}
