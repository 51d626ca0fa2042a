/*
 * ctl_user.c: liteimapctl user add|passwd|del|list.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define PASS_MAX	1024

/* One line from stdin, or two matching entries at the terminal. */
static int
get_password(bool from_stdin, char *pw, size_t len)
{
	char	again[PASS_MAX];
	size_t	n;

	if (from_stdin) {
		if (fgets(pw, (int)len, stdin) == NULL) {
			(void)fprintf(stderr, "liteimapctl: no password on "
			    "standard input\n");
			return EX_DATAERR;
		}
		n = strcspn(pw, "\r\n");
		if (pw[n] == '\0' && !feof(stdin)) {
			(void)fprintf(stderr, "liteimapctl: password too "
			    "long\n");
			return EX_DATAERR;
		}
		pw[n] = '\0';
	} else {
		if (readpassphrase("Password: ", pw, len, RPP_REQUIRE_TTY) ==
		    NULL || readpassphrase("Again: ", again, sizeof(again),
		    RPP_REQUIRE_TTY) == NULL) {
			(void)fprintf(stderr, "liteimapctl: cannot read the "
			    "password (no terminal? use --password-stdin)\n");
			return EX_NOINPUT;
		}
		if (strcmp(pw, again) != 0) {
			explicit_bzero(again, sizeof(again));
			(void)fprintf(stderr, "liteimapctl: the passwords "
			    "differ\n");
			return EX_DATAERR;
		}
		explicit_bzero(again, sizeof(again));
	}
	if (pw[0] == '\0') {
		(void)fprintf(stderr, "liteimapctl: empty password\n");
		return EX_DATAERR;
	}
	return EX_OK;
}

static int
print_user(void *arg, const char *name, int64_t id)
{
	(void)arg;
	(void)id;
	(void)printf("%s\n", name);
	return 0;
}

static int
user_set(struct ctl *c, const char *name, bool from_stdin, bool add)
{
	struct store_user	u;
	char			pw[PASS_MAX], hash[HASH_MAX_LEN];
	int			rc;

	if ((rc = get_password(from_stdin, pw, sizeof(pw))) != EX_OK)
		return rc;
	rc = auth_hash(pw, (int)c->cfg.password_cost, hash, sizeof(hash));
	explicit_bzero(pw, sizeof(pw));
	if (rc == -1) {
		(void)fprintf(stderr, "liteimapctl: crypt(3) failed\n");
		return EX_SOFTWARE;
	}
	if (add) {
		/* the user and their mailboxes: one transaction */
		if ((rc = db_begin(c->db)) == DB_OK) {
			rc = store_user_add(c->db, name, hash);
			if (rc == DB_OK && (rc = store_user_get(c->db, name,
			    &u)) == DB_OK)
				rc = store_user_defaults(c->db, u.id,
				    c->cfg.default_mailboxes);
			if (rc == DB_OK)
				rc = db_commit(c->db);
			else
				db_rollback(c->db);
		}
	} else
		rc = store_user_set_password(c->db, name, hash);
	explicit_bzero(hash, sizeof(hash));
	if (rc != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s: %s\n", name,
		    rc == DB_EXISTS ? "user exists" : rc == DB_NOTFOUND ?
		    "no such user" : db_errmsg(c->db));
		return ctl_db_exit(rc);
	}
	return EX_OK;
}

int
ctl_user(struct ctl *c, int argc, char **argv)
{
	const char	*cmd, *name = NULL;
	bool		 from_stdin = false;
	int		 rc, i;

	if (argc < 2)
		goto usage;
	cmd = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else
			goto usage;
	}
	if ((strcmp(cmd, "list") == 0) != (name == NULL))
		goto usage;
	if (from_stdin && strcmp(cmd, "add") != 0 && strcmp(cmd, "passwd") != 0)
		goto usage;
	if (name != NULL && !valid_username(name)) {
		(void)fprintf(stderr, "liteimapctl: \"%s\": invalid user name "
		    "(1 to %d of A-Z a-z 0-9 . _ @ + -, not starting with . "
		    "or -)\n", name, NAME_MAX_LEN);
		return EX_DATAERR;
	}
	if ((rc = ctl_open(c)) != EX_OK)
		return rc;
	if (strcmp(cmd, "add") == 0)
		return user_set(c, name, from_stdin, true);
	if (strcmp(cmd, "passwd") == 0)
		return user_set(c, name, from_stdin, false);
	if (strcmp(cmd, "del") == 0) {
		if ((rc = store_user_del(c->db, name)) != DB_OK) {
			(void)fprintf(stderr, "liteimapctl: %s: %s\n", name,
			    rc == DB_NOTFOUND ? "no such user" :
			    db_errmsg(c->db));
			return ctl_db_exit(rc);
		}
		return EX_OK;
	}
	if (strcmp(cmd, "list") == 0) {
		if ((rc = store_user_list(c->db, print_user, NULL)) != DB_OK) {
			(void)fprintf(stderr, "liteimapctl: %s\n",
			    db_errmsg(c->db));
			return ctl_db_exit(rc);
		}
		return EX_OK;
	}
usage:
	(void)fprintf(stderr, "usage: liteimapctl user add|passwd NAME "
	    "[--password-stdin]\n       liteimapctl user del NAME\n"
	    "       liteimapctl user list\n");
	return EX_USAGE;
}
