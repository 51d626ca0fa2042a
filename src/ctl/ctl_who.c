/*
 * ctl_who.c: liteimapctl who and kick: the live sessions, from the
 * sessions table (who is logged in, from where, since when) and each
 * process's title (what it is doing: its mailbox, IDLE).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

struct whoctx {
	const char	*only;		/* kick: this user */
	int		 n;
	int		 failed;
};

/* The process title ("liteimapd: ADDR USER STATE [MAILBOX] [IDLE]"). */
static void
title_of(int64_t pid, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	buf[0] = '\0';
	(void)snprintf(path, sizeof(path), "/proc/%lld/cmdline",
	    (long long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

static int
who_row(void *arg, const char *user, int64_t pid, const char *addr,
    int64_t since)
{
	struct whoctx	*c = arg;
	char		 title[256], when[32], *what;
	time_t		 t = (time_t)since;
	struct tm	 tm;

	if (c->only != NULL) {
		if (strcmp(c->only, user) != 0)
			return 0;
		if (kill((pid_t)pid, SIGTERM) == -1) {
			(void)fprintf(stderr, "liteimapctl: kill %lld: %s\n",
			    (long long)pid, strerror(errno));
			c->failed++;
		} else
			c->n++;
		return 0;
	}
	title_of(pid, title, sizeof(title));
	/* past "liteimapd: ADDR USER " */
	what = title;
	if (strncmp(what, "liteimapd: ", 11) == 0) {
		what += 11;
		for (int k = 0; k < 2 && (what = strchr(what, ' ')) != NULL;
		    k++)
			what++;
		if (what == NULL)
			what = title;
	}
	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
	    localtime_r(&t, &tm));
	(void)printf("%-16s %7lld %-24s %s  %s\n", user, (long long)pid, addr,
	    when, what);
	c->n++;
	return 0;
}

/* liteimapctl who | kick USER */
int
ctl_who(struct ctl *c, int argc, char **argv)
{
	struct whoctx	 w = { NULL, 0, 0 };
	bool		 kick = strcmp(argv[0], "kick") == 0;
	int		 rc;

	if ((kick && argc != 2) || (!kick && argc != 1)) {
		(void)fprintf(stderr, "usage: liteimapctl who\n"
		    "       liteimapctl kick USER\n");
		return EX_USAGE;
	}
	if (kick)
		w.only = argv[1];
	if ((rc = sessions_open(&c->db, &c->cfg, true)) == DB_MISSING) {
		if (kick) {
			(void)printf("0 sessions of %s ended\n", w.only);
			return EX_NOUSER;
		}
		(void)printf("%-16s %7s %-24s %-19s  %s\n", "USER", "PID",
		    "ADDRESS", "SINCE", "STATE");
		return EX_OK;
	}
	if (rc != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: cannot open the sessions "
		    "database\n");
		return ctl_db_exit(rc);
	}
	if (!kick)
		(void)printf("%-16s %7s %-24s %-19s  %s\n", "USER", "PID",
		    "ADDRESS", "SINCE", "STATE");
	if ((rc = store_session_list(c->db, who_row, &w)) != DB_OK) {
		(void)fprintf(stderr, "liteimapctl: %s\n", db_errmsg(c->db));
		return ctl_db_exit(rc);
	}
	if (kick) {
		(void)printf("%d session%s of %s ended\n", w.n, w.n == 1 ? "" :
		    "s", w.only);
		if (w.failed > 0)
			return EX_NOPERM;
		if (w.n == 0)
			return EX_NOUSER;
	}
	return EX_OK;
}
