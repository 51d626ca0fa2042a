/*
 * ctl.c: liteimapctl, the administration tool: the database (init and
 * check), users, mailboxes, local delivery and import.  Exit codes follow
 * sysexits(3) so scripts and MTAs can tell a busy database (75, try
 * again) from a missing user (67) or bad input (65).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ctl.h"

__dead static void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: liteimapctl [-c file] [-o key=value]... command\n"
	    "commands:\n"
	    "  init\n"
	    "  user add NAME [--password-stdin]\n"
	    "  user passwd NAME [--password-stdin]\n"
	    "  user del NAME\n"
	    "  user list\n"
	    "  mailbox list USER\n"
	    "  mailbox create USER NAME [--special-use \\USE]\n"
	    "  mailbox delete USER NAME\n"
	    "  deliver USER [-m MAILBOX] [-f SENDER]\n"
	    "  import USER MAILBOX FILE...\n"
	    "  import --maildir USER DIR\n"
	    "  check [--quiet]\n"
	    "  who\n"
	    "  kick USER\n");
	exit(EX_USAGE);
}

/* The exit code for a db.c result. */
int
ctl_db_exit(int rc)
{
	switch (rc) {
	case DB_OK:
		return EX_OK;
	case DB_MISSING:
		return EX_NOINPUT;
	case DB_FOREIGN:
	case DB_OLD:
	case DB_NEWER:
		return EX_DATAERR;
	case DB_BUSY:
		return EX_TEMPFAIL;
	case DB_READONLY:
		return EX_NOPERM;
	case DB_FULL:
		return EX_IOERR;
	case DB_NOTFOUND:
		return EX_NOUSER;
	case DB_EXISTS:
		return EX_CANTCREAT;
	default:
		return EX_SOFTWARE;
	}
}

/*
 * The id of an existing user: EX_OK, or the exit code after a message
 * (EX_NOUSER for a name that is invalid or not in the database).
 */
int
ctl_find_user(struct ctl *c, const char *name, int64_t *id)
{
	struct store_user	u;
	int			rc;

	if (!valid_username(name)) {
		(void)fprintf(stderr, "liteimapctl: %s: no such user (not a "
		    "valid user name)\n", name);
		return EX_NOUSER;
	}
	if ((rc = store_user_get(c->db, name, &u)) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s: %s\n", name,
		    rc == DB_NOTFOUND ? "no such user" : db_errmsg(c->db));
		return ctl_db_exit(rc);
	}
	explicit_bzero(u.hash, sizeof(u.hash));
	*id = u.id;
	return EX_OK;
}

/* Open the configured database for a command that needs the schema. */
int
ctl_open(struct ctl *c)
{
	char	err[512];
	int	rc;

	if ((rc = db_open(&c->db, c->cfg.database, &c->cfg, 0, err,
	    sizeof(err))) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s\n", err);
		return ctl_db_exit(rc);
	}
	return EX_OK;
}

static int
ctl_init(struct ctl *c, int argc, char **argv)
{
	char	err[512];
	int	rc, from = 0;

	(void)argv;
	if (argc != 1)
		usage();
	if ((rc = db_open(&c->db, c->cfg.database, &c->cfg, DB_OPEN_CREATE,
	    err, sizeof(err))) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s\n", err);
		return rc == DB_READONLY || rc == DB_ERROR ? EX_CANTCREAT :
		    ctl_db_exit(rc);
	}
	if ((rc = db_migrate(c->db, &from, err, sizeof(err))) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s: %s\n",
		    c->cfg.database, err);
		return ctl_db_exit(rc);
	}
	if (from == db_schema_version())
		(void)printf("%s: schema version %d, up to date\n",
		    c->cfg.database, from);
	else if (from == 0)
		(void)printf("%s: created, schema version %d\n",
		    c->cfg.database, db_schema_version());
	else
		(void)printf("%s: migrated from schema version %d to %d\n",
		    c->cfg.database, from, db_schema_version());
	return EX_OK;
}

int
main(int argc, char *argv[])
{
	struct ctl	 c;
	struct passwd	*pw;
	const char	*cfgpath = CONFIG_DEFAULT;
	char		 err[512];
	char		**opts;
	int		 ch, i, nopts = 0, rc;
	bool		 named = false;

	memset(&c, 0, sizeof(c));
	opts = xcalloc((size_t)argc, sizeof(*opts));
	/* "+": stop at the command, its options are its own */
	while ((ch = getopt(argc, argv, "+c:o:")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			named = true;
			break;
		case 'o':
			opts[nopts++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init("liteimapctl", false, LOG_WARNING);
	config_init(&c.cfg);
	if (config_load(&c.cfg, cfgpath, named, err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "liteimapctl: %s\n", err);
		rc = EX_CONFIG;
		goto done;
	}
	for (i = 0; i < nopts; i++)
		if (config_set(&c.cfg, opts[i], err, sizeof(err)) == -1) {
			(void)fprintf(stderr, "liteimapctl: -o %s\n", err);
			rc = EX_CONFIG;
			goto done;
		}
	/*
	 * As root, work as the service user when it exists, so files the
	 * database creates (-wal, -shm) stay writable by the server.
	 */
	if (geteuid() == 0 && (pw = getpwnam(c.cfg.user)) != NULL &&
	    pw->pw_uid != 0 && drop_privileges(c.cfg.user, c.cfg.group, err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "liteimapctl: %s\n", err);
		rc = EX_OSERR;
		goto done;
	}
	if (strcmp(argv[0], "init") == 0)
		rc = ctl_init(&c, argc, argv);
	else if (strcmp(argv[0], "who") == 0 || strcmp(argv[0], "kick") == 0)
		rc = ctl_who(&c, argc, argv);
	else if (strcmp(argv[0], "user") == 0)
		rc = ctl_user(&c, argc, argv);
	else if (strcmp(argv[0], "mailbox") == 0)
		rc = ctl_mailbox(&c, argc, argv);
	else if (strcmp(argv[0], "deliver") == 0)
		rc = ctl_deliver(&c, argc, argv);
	else if (strcmp(argv[0], "import") == 0)
		rc = ctl_import(&c, argc, argv);
	else if (strcmp(argv[0], "check") == 0)
		rc = ctl_check(&c, argc, argv);
	else
		usage();
done:
	free(opts);
	db_close(&c.db);
	config_free(&c.cfg);
	return rc;
}
