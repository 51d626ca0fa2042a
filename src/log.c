/*
 * log.c: syslog (facility mail) with the session id, client address and
 * user on every line; a copy to stderr only when asked (-d).  Never stdout:
 * that is the client's socket.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "liteimapd.h"

static bool	 log_stderr;
static int	 log_level = LOG_INFO;
static char	 log_prefix[160];
static char	 log_sess[SESSION_ID_LEN + 1];
static char	 log_addr[64];
static char	 log_user[NAME_MAX_LEN + 1];
static const char *log_ident = "liteimapd";

static void
log_make_prefix(void)
{
	int	n;

	log_prefix[0] = '\0';
	if (log_sess[0] == '\0')
		return;
	n = snprintf(log_prefix, sizeof(log_prefix), "session=%s addr=%s%s%s: ",
	    log_sess, log_addr[0] ? log_addr : "-",
	    log_user[0] ? " user=" : "", log_user);
	if (n < 0 || (size_t)n >= sizeof(log_prefix))
		log_prefix[0] = '\0';
}

/* Open the log; nothing is sent (and no socket opened) until a message. */
void
log_init(const char *ident, bool to_stderr, int level)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_level = level;
	openlog(ident, LOG_PID, LOG_MAIL);
}

void
log_set_level(int level)
{
	log_level = level;
}

void
log_set_session(const char *id, const char *addr)
{
	(void)strlcpy(log_sess, id, sizeof(log_sess));
	(void)strlcpy(log_addr, addr, sizeof(log_addr));
	log_make_prefix();
}

void
log_set_user(const char *user)
{
	(void)strlcpy(log_user, user, sizeof(log_user));
	log_make_prefix();
}

static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char	msg[1024];
	size_t	i;

	if (pri > log_level)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	/* client data may reach a message: keep the log one line, printable */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	syslog(pri, "%s%s", log_prefix, msg);
	if (log_stderr)
		(void)fprintf(stderr, "%s[%ld]: %s%s\n", log_ident,
		    (long)getpid(), log_prefix, msg);
}

#define LOG_FN(name, pri)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_vwrite(pri, fmt, ap);					\
	va_end(ap);							\
}
LOG_FN(log_err, LOG_ERR)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

/* Log and exit: for conditions after which the process cannot go on. */
void
fatalx(int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(code);
}
