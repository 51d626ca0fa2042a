/*
 * ctl_check.c: liteimapctl check: SQLite's integrity and foreign key
 * checks plus the invariants of the mail model (store_check.c), one line
 * per problem.  Exit 0 clean, 65 problems found, 75 database locked.
 * Read-only: it repairs nothing, and sessions may run meanwhile.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define PROBLEMS_SHOWN	1000

static int
print_problem(void *arg, const char *msg)
{
	int	*shown = arg;

	(void)printf("%s\n", msg);
	return ++*shown >= PROBLEMS_SHOWN;
}

int
ctl_check(struct ctl *c, int argc, char **argv)
{
	struct store_check_stats	st;
	bool				quiet = false;
	int				rc, i, shown = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") ==
		    0)
			quiet = true;
		else {
			(void)fprintf(stderr, "usage: liteimapctl check "
			    "[--quiet]\n");
			return EX_USAGE;
		}
	}
	if ((rc = ctl_open(c)) != EX_OK)
		return rc;
	if ((rc = store_check(c->db, print_problem, &shown, &st)) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: check %s: %s\n",
		    c->cfg.database, rc == DB_BUSY ? "database is locked" :
		    db_errmsg(c->db));
		/* a file so broken that SQLite cannot read it is bad data */
		return rc == DB_ERROR || rc == DB_FOREIGN ? EX_DATAERR :
		    ctl_db_exit(rc);
	}
	if (st.problems > 0) {
		if (st.problems > shown)
			(void)printf("... and %lld more\n",
			    (long long)(st.problems - shown));
		(void)printf("%s: %lld problem%s found\n", c->cfg.database,
		    (long long)st.problems, st.problems == 1 ? "" : "s");
		return EX_DATAERR;
	}
	if (!quiet)
		(void)printf("%s: ok: %lld users, %lld mailboxes, %lld "
		    "messages, %lld contents\n", c->cfg.database,
		    (long long)st.users, (long long)st.mailboxes,
		    (long long)st.messages, (long long)st.contents);
	return EX_OK;
}
