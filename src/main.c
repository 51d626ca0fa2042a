/*
 * main.c: liteimapd serves one IMAP session on fd 0/fd 1 and exits.
 * Arguments and configuration, the client's address, TLS material read
 * while still privileged, the privilege drop, and the exit code.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "liteimapd.h"

extern char	**environ;

static bool	report_stderr;

static void
on_term(int sig)
{
	(void)sig;
	terminate_requested = 1;
}

__dead static void
usage(void)
{
	(void)fprintf(stderr, "usage: liteimapd [-d] [-c file] "
	    "[-o key=value]... [-u user]\n");
	exit(EXIT_USAGE);
}

/* Startup errors: syslog, and stderr only when that is not the client. */
__dead static void
die(int code, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s", msg);
	if (report_stderr)
		(void)fprintf(stderr, "liteimapd: %s\n", msg);
	exit(code);
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	const uint8_t			*a;

	if (ss->ss_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)ss;
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)ss;
		a = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return false;
}

/*
 * The client's address: from the socket on fd 0, else from REMOTE_ADDR
 * (set by systemd for Accept=yes services and by some super-servers);
 * "local" for a pipe (tests, ssh, -u).
 */
static void
peer_address(struct session *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	const char		*env;
	char			 host[INET6_ADDRSTRLEN];
	int			 port;

	memset(&ss, 0, sizeof(ss));
	if (getpeername(0, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in4 = (void *)&ss;

			(void)inet_ntop(AF_INET, &in4->sin_addr, host,
			    sizeof(host));
			port = ntohs(in4->sin_port);
		} else {
			struct sockaddr_in6 *in6 = (void *)&ss;

			(void)inet_ntop(AF_INET6, &in6->sin6_addr, host,
			    sizeof(host));
			port = ntohs(in6->sin6_port);
		}
		(void)snprintf(s->peer, sizeof(s->peer), "%s:%d", host, port);
		(void)strlcpy(s->peer_ip, host, sizeof(s->peer_ip));
		/*
		 * We write whole responses and flush once per command: Nagle
		 * would hold the last small segment for the peer's delayed
		 * ACK (40 ms) after every large one.
		 */
		{
			int one = 1;

			(void)setsockopt(0, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			if (fcntl(1, F_GETFL) != -1)
				(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY,
				    &one, sizeof(one));
		}
		s->peer_loopback = is_loopback(&ss);
		return;
	}
	if (ss.ss_family != AF_UNIX && (env = getenv("REMOTE_ADDR")) != NULL &&
	    strspn(env, "0123456789abcdefABCDEF:.") == strlen(env) &&
	    strlen(env) < sizeof(host)) {
		struct sockaddr_in	*in4 = (void *)&ss;
		struct sockaddr_in6	*in6 = (void *)&ss;

		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, env, &in4->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, env, &in6->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else {
			(void)strlcpy(s->peer, "local", sizeof(s->peer));
			(void)strlcpy(s->peer_ip, "local", sizeof(s->peer_ip));
			return;
		}
		(void)strlcpy(s->peer, env, sizeof(s->peer));
		(void)strlcpy(s->peer_ip, env, sizeof(s->peer_ip));
		s->peer_loopback = is_loopback(&ss);
		return;
	}
	(void)strlcpy(s->peer, "local", sizeof(s->peer));
	(void)strlcpy(s->peer_ip, "local", sizeof(s->peer_ip));
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct session		 s;
	struct store_user	 u;
	const char		*cfgpath = CONFIG_DEFAULT;
	char			*preauth = NULL, err[512];
	char			**opts;
	int			 ch, i, nopts = 0, rc;
	bool			 named = false, debug = false;

	/* first: it moves argv and environ out of the way of the title */
	setproctitle_init(argc, argv, environ);
	(void)signal(SIGPIPE, SIG_IGN);
	/* a file size limit: writes fail with EFBIG, answered with NO */
	(void)signal(SIGXFSZ, SIG_IGN);
	{
		/* liteimapctl kick: finish with a BYE, not mid-write */
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		(void)sigaction(SIGTERM, &sa, NULL);
	}
	report_stderr = isatty(2);
	opts = xcalloc((size_t)argc, sizeof(*opts));
	while ((ch = getopt(argc, argv, "c:do:u:")) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			named = true;
			break;
		case 'd':
			debug = report_stderr = true;
			break;
		case 'o':
			opts[nopts++] = optarg;
			break;
		case 'u':
			preauth = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("liteimapd", debug, LOG_INFO);
	config_init(&cfg);
	if (config_load(&cfg, cfgpath, named, err, sizeof(err)) == -1)
		die(EXIT_CONFIG, "%s", err);
	for (i = 0; i < nopts; i++)
		if (config_set(&cfg, opts[i], err, sizeof(err)) == -1)
			die(EXIT_CONFIG, "-o %s", err);
	free(opts);
	log_set_level((int)cfg.log_level);

	if (fcntl(0, F_GETFL) == -1 || fcntl(1, F_GETFL) == -1)
		die(EXIT_OSERR, "standard input and output must be open");
	session_init(&s, &cfg);
	peer_address(&s);
	log_set_session(s.id, s.peer);

	if (preauth == NULL && cfg.tls != TLS_OFF) {
		if (tls_preload(&cfg, err, sizeof(err)) == -1)
			die(EXIT_CONFIG, "TLS: %s", err);
		s.tls_possible = cfg.tls == TLS_STARTTLS;
	}
	if (geteuid() == 0 && drop_privileges(cfg.user, cfg.group, err,
	    sizeof(err)) == -1)
		die(EXIT_OSERR, "%s", err);

	if (preauth != NULL) {
		if (session_db(&s) != 0)
			die(EXIT_UNAVAIL, "database unavailable");
		rc = valid_username(preauth) ? store_user_get(s.db, preauth,
		    &u) : DB_NOTFOUND;
		if (rc != DB_OK) {
			(void)resp_bye(&s, CODE_NONE, "Unknown user");
			die(rc == DB_NOTFOUND ? 67 : EXIT_UNAVAIL,
			    "-u %s: %s", preauth, rc == DB_NOTFOUND ?
			    "no such user" : db_errmsg(s.db));
		}
		if (session_login(&s, u.name, u.id) == -1) {
			(void)resp_bye(&s, CODE_LIMIT, "Too many connections "
			    "for this user");
			session_free(&s);
			config_free(&cfg);
			return EXIT_SESSION;
		}
		log_info("preauthenticated session");
	}
	session_title(&s);
	rc = session_run(&s);
	session_free(&s);
	config_free(&cfg);
	return rc;
}
