/*
 * cmd_idle.c: IDLE (RFC 2177, RFC 9051 6.3.13).  The process sleeps in
 * poll() on the client and on an inotify watch of the database's
 * directory: a commit by any other process writes the -wal file, which
 * wakes us within milliseconds; PRAGMA data_version then says whether
 * the database really changed.  Without inotify we poll once a second.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liteimapd.h"

#define IDLE_FALLBACK_MS	1000
#define IDLE_RECHECK_MS		5	/* after a -wal write by a stranger */
#define IDLE_RECHECKS		100

/* A watch on the database directory; -1 if inotify is not to be had. */
static int
watch_db(const char *dbpath, char *walname, size_t len)
{
	char	dir[PATH_MAX], base[PATH_MAX];
	int	fd;

	if (strlcpy(dir, dbpath, sizeof(dir)) >= sizeof(dir) ||
	    strlcpy(base, dbpath, sizeof(base)) >= sizeof(base))
		return -1;
	if ((size_t)snprintf(walname, len, "%s", basename(base)) >= len)
		return -1;
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	if (inotify_add_watch(fd, dirname(dir), IN_MODIFY | IN_CREATE |
	    IN_CLOSE_WRITE | IN_ATTRIB) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/*
 * Drain the watch.  2: "<db>-notify" was touched (a commit is visible);
 * 1: only the -wal file moved (a commit may be on its way: a writer that
 * is not ours); 0: other files.
 */
static int
db_touched(int fd, const char *base)
{
	char			 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	size_t			 n = strlen(base);
	ssize_t			 r;
	char			*p;
	int			 what = 0;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (p = buf; p < buf + r; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if (ev->len == 0 || strncmp(ev->name, base, n) != 0)
				continue;
			if (strcmp(ev->name + n, "-notify") == 0)
				what = 2;
			else if (strcmp(ev->name + n, "-wal") == 0 && what == 0)
				what = 1;
		}
	return what;
}

int
cmd_idle(struct session *s, struct parser *p)
{
	struct pollfd	 pfd[2];
	struct str	 line;
	char		 walname[NAME_MAX + 1];	/* the database's base name */
	int64_t		 now, deadline, keepalive, version, v;
	int		 wfd, n, timeout, rc = 0, recheck = 0;

	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	/* watch first: a change between "+" and the watch is not lost */
	wfd = watch_db(s->cfg->database, walname, sizeof(walname));
	version = db_data_version(s->db);
	if (resp_cont(s, "idling") == -1) {
		if (wfd != -1)
			(void)close(wfd);
		return -1;
	}
	s->idling = true;
	session_title(s);
	now = now_ms();
	deadline = now + s->cfg->auth_idle;
	keepalive = now + s->cfg->idle_keepalive;
	s->notify_ok = s->notify_expunge = true;
	if (notify_check(s) == -1 || io_flush(&s->io) == -1)
		goto gone;
	for (;;) {
		/* input TLS or we have buffered first */
		if (io_buffered(&s->io) == 0 && (s->io.tls == NULL ||
		    tls_pending(s->io.tls) == 0)) {
			now = now_ms();
			if (now >= deadline) {
				log_info("IDLE for too long; disconnecting");
				(void)resp_bye(s, CODE_NONE, "Autologout; idle "
				    "for too long");
				goto gone;
			}
			timeout = (int)((keepalive < deadline ? keepalive :
			    deadline) - now);
			if (wfd == -1 && timeout > IDLE_FALLBACK_MS)
				timeout = IDLE_FALLBACK_MS;
			if (timeout < 0)
				timeout = 0;
			pfd[0].fd = s->io.fd_in;
			pfd[0].events = POLLIN;
			pfd[1].fd = wfd;
			pfd[1].events = POLLIN;
			if (recheck > 0 && timeout > IDLE_RECHECK_MS)
				timeout = IDLE_RECHECK_MS;
			n = poll(pfd, wfd == -1 ? 1 : 2, timeout);
			if (n == -1 && errno != EINTR)
				goto gone;
			if (terminate_requested) {
				log_info("terminated by signal; disconnecting");
				(void)resp_bye(s, CODE_NONE, "Disconnected by "
				    "the administrator");
				goto gone;
			}
			now = now_ms();
			if (now >= keepalive) {
				/* RFC 2177: keep NATs from dropping us */
				if (resp_untagged(s, "OK Still here") == -1 ||
				    io_flush(&s->io) == -1)
					goto gone;
				keepalive = now + s->cfg->idle_keepalive;
			}
			if (n <= 0 || (wfd != -1 && (pfd[1].revents & POLLIN) &&
			    !(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))) {
				if (wfd != -1 && n > 0) {
					int what = db_touched(wfd, walname);

					if (what == 0)
						continue;
					/* -wal alone: look again for a while */
					if (what == 1)
						recheck = IDLE_RECHECKS;
				} else if (recheck > 0)
					recheck--;
				v = db_data_version(s->db);
				if (v != version) {
					recheck = 0;
					version = v;
					s->notify_ok = s->notify_expunge = true;
					if (notify_check(s) == -1 ||
					    io_flush(&s->io) == -1)
						goto gone;
				}
				continue;
			}
		}
		/* the client spoke: DONE ends IDLE */
		if (session_read_line(s, &line) == -1)
			goto gone;
		if (strcasecmp(line.s, "DONE") != 0) {
			rc = 1;
			break;
		}
		break;
	}
	if (wfd != -1)
		(void)close(wfd);
	s->idling = false;
	session_title(s);
	if (rc == 1)
		return resp_bad(s, "Expected DONE");
	s->notify_ok = true;
	s->notify_expunge = true;
	return resp_ok(s, "IDLE terminated");
gone:
	if (wfd != -1)
		(void)close(wfd);
	s->idling = false;
	s->state = STATE_LOGOUT;
	return -1;
}
