/*
 * resp.c: the only code that writes protocol bytes.  Tagged, untagged and
 * continuation responses, response codes from one table, and strings sent
 * as quoted or literal as their content requires.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <string.h>

#include "liteimapd.h"

#define QUOTED_MAX	1024	/* longer strings go out as literals */

static const char *const code_names[] = {
	[CODE_NONE] = NULL,
	[CODE_ALERT] = "ALERT",
	[CODE_ALREADYEXISTS] = "ALREADYEXISTS",
	[CODE_AUTHENTICATIONFAILED] = "AUTHENTICATIONFAILED",
	[CODE_AUTHORIZATIONFAILED] = "AUTHORIZATIONFAILED",
	[CODE_CANNOT] = "CANNOT",
	[CODE_CLIENTBUG] = "CLIENTBUG",
	[CODE_CONTACTADMIN] = "CONTACTADMIN",
	[CODE_EXPIRED] = "EXPIRED",
	[CODE_INUSE] = "INUSE",
	[CODE_LIMIT] = "LIMIT",
	[CODE_NONEXISTENT] = "NONEXISTENT",
	[CODE_NOPERM] = "NOPERM",
	[CODE_OVERQUOTA] = "OVERQUOTA",
	[CODE_PRIVACYREQUIRED] = "PRIVACYREQUIRED",
	[CODE_SERVERBUG] = "SERVERBUG",
	[CODE_TOOBIG] = "TOOBIG",
	[CODE_TRYCREATE] = "TRYCREATE",
	[CODE_UNAVAILABLE] = "UNAVAILABLE",
	[CODE_USEATTR] = "USEATTR",
	[CODE_EXPUNGEISSUED] = "EXPUNGEISSUED",
	[CODE_UNKNOWN_CTE] = "UNKNOWN-CTE",
	[CODE_BADCHARSET] = "BADCHARSET (UTF-8 US-ASCII)",
};

const char *
resp_code_name(enum resp_code c)
{
	if ((size_t)c >= sizeof(code_names) / sizeof(code_names[0]))
		return NULL;
	return code_names[c];
}

static int
resp_vline(struct session *s, const char *prefix, const char *fmt,
    va_list ap)
{
	char	buf[2048];
	int	n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;	/* texts are ours and short */
	if (io_write(&s->io, prefix, strlen(prefix)) == -1 ||
	    io_write(&s->io, buf, (size_t)n) == -1 ||
	    io_write(&s->io, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* "* " fmt CRLF */
int
resp_untagged(struct session *s, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_vline(s, "* ", fmt, ap);
	va_end(ap);
	return rc;
}

/* Syntax errors go to the debug log: hostile input leaves a trace. */
static void
resp_log_bad(const struct session *s, const char *fmt, va_list ap)
{
	char	buf[256];
	va_list	aq;

	va_copy(aq, ap);
	(void)vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	log_debug("BAD reply (%s): %s", s->tag != NULL ? "tagged" :
	    "untagged", buf);
}

static int
resp_vtagged(struct session *s, enum resp_status st, enum resp_code code,
    const char *fmt, va_list ap)
{
	static const char *const sts[] = { "OK", "NO", "BAD" };
	const char	*cn = resp_code_name(code);
	char		 prefix[TAG_MAX_LEN + 64];

	if (st == RESP_BAD) {
		s->n_bad++;	/* the loop says BYE past max_bad_commands */
		resp_log_bad(s, fmt, ap);
	} else if (s->notify_ok && s->state == STATE_SELECTED &&
	    notify_check(s) == -1)
		return -1;
	if (st == RESP_OK)
		CRASHPOINT("tagged-ok");
	s->notify_ok = false;
	(void)snprintf(prefix, sizeof(prefix), "%s %s %s%s%s",
	    s->tag != NULL ? s->tag : "*", sts[st], cn ? "[" : "",
	    cn ? cn : "", cn ? "] " : "");
	return resp_vline(s, prefix, fmt, ap);
}

/* The tagged completion of the current command. */
int
resp_tagged(struct session *s, enum resp_status st, enum resp_code code,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_vtagged(s, st, code, fmt, ap);
	va_end(ap);
	return rc;
}

int
resp_ok(struct session *s, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_vtagged(s, RESP_OK, CODE_NONE, fmt, ap);
	va_end(ap);
	return rc;
}

int
resp_no(struct session *s, enum resp_code code, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_vtagged(s, RESP_NO, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* BAD counts towards max_bad_commands. */
int
resp_bad(struct session *s, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_vtagged(s, RESP_BAD, CODE_NONE, fmt, ap);
	va_end(ap);
	return rc;
}

/* Tier 3: the detail goes to the log, the client gets the session id. */
int
resp_serverbug(struct session *s, const char *detail)
{
	log_err("%s: internal error: %s", s->cmd_name ? s->cmd_name : "-",
	    detail);
	return resp_no(s, CODE_SERVERBUG, "Internal error, session %s", s->id);
}

/* "+ text" and flush: the client waits for it. */
int
resp_cont(struct session *s, const char *text)
{
	if (io_write(&s->io, "+ ", 2) == -1 ||
	    io_write(&s->io, text, strlen(text)) == -1 ||
	    io_write(&s->io, "\r\n", 2) == -1)
		return -1;
	return io_flush(&s->io);
}

/* "* BYE [code] text", flushed; the caller ends the session. */
int
resp_bye(struct session *s, enum resp_code code, const char *text)
{
	const char	*cn = resp_code_name(code);

	s->state = STATE_LOGOUT;
	if (cn != NULL)
		(void)io_printf(&s->io, "* BYE [%s] %s\r\n", cn, text);
	else
		(void)io_printf(&s->io, "* BYE %s\r\n", text);
	return io_flush(&s->io);
}

/* Piecewise lines: resp_begin, resp_add..., resp_end. */
int
resp_begin(struct session *s)
{
	return io_write(&s->io, "* ", 2);
}

int
resp_add(struct session *s, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return io_write(&s->io, buf, (size_t)n);
}

/*
 * pre, the number v in decimal, post: the pieces of the responses sent
 * once per message (UID, MODSEQ, sizes), without vsnprintf's cost.
 */
int
resp_add_num(struct session *s, const char *pre, uint64_t v,
    const char *post)
{
	char	buf[96];
	size_t	n, lp = strlen(pre), lq = strlen(post);

	if (lp + lq + FMT_NUM_MAX > sizeof(buf))
		return -1;
	/* NOLINTBEGIN(bugprone-not-null-terminated-result): counted bytes */
	memcpy(buf, pre, lp);
	n = (size_t)(fmt_num(buf + lp, v) - buf);
	memcpy(buf + n, post, lq);
	/* NOLINTEND(bugprone-not-null-terminated-result) */
	return io_write(&s->io, buf, n + lq);
}

/* v in decimal at p (FMT_NUM_MAX bytes at most, no NUL): the end. */
char *
fmt_num(char *p, uint64_t v)
{
	char	digits[FMT_NUM_MAX];
	size_t	k = 0;

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (k > 0)
		*p++ = digits[--k];
	return p;
}

/* A string: quoted when it can be, a literal otherwise. */
int
resp_add_string(struct session *s, const char *str, size_t len)
{
	size_t	i;
	bool	quoted = len <= QUOTED_MAX;
	char	hdr[32];

	for (i = 0; quoted && i < len; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '\0' || c == '\r' || c == '\n' ||
		    (c >= 0x80 && !(s->enabled & (EN_UTF8 | EN_IMAP4REV2))))
			quoted = false;
	}
	if (!quoted) {
		(void)snprintf(hdr, sizeof(hdr), "{%zu}\r\n", len);
		if (io_write(&s->io, hdr, strlen(hdr)) == -1)
			return -1;
		return io_write(&s->io, str, len);
	}
	if (io_write(&s->io, "\"", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((str[i] == '"' || str[i] == '\\') &&
		    io_write(&s->io, "\\", 1) == -1)
			return -1;
		if (io_write(&s->io, &str[i], 1) == -1)
			return -1;
	}
	return io_write(&s->io, "\"", 1);
}

int
resp_add_nstring(struct session *s, const char *str, size_t len)
{
	if (str == NULL)
		return io_write(&s->io, "NIL", 3);
	return resp_add_string(s, str, len);
}

int
resp_end(struct session *s)
{
	return io_write(&s->io, "\r\n", 2);
}

/*
 * The capability list for this moment of the session (RFC 9051 7.2.2):
 * what is offered depends on TLS and the state.  With as_code, the form
 * for a response code: "[CAPABILITY ...] " without CRLF.
 */
int
resp_capability(struct session *s, bool as_code)
{
	char	buf[768], more[320];
	bool	plain_ok = session_plain_auth_allowed(s);
	bool	pre = s->state == STATE_NOTAUTH;
	int	n;

	/* before login only what a stranger needs; the rest after */
	more[0] = '\0';
	if (!pre)
		(void)snprintf(more, sizeof(more), " UIDPLUS MULTIAPPEND "
		    "UNSELECT CHILDREN NAMESPACE LIST-EXTENDED LIST-STATUS "
		    "SPECIAL-USE CREATE-SPECIAL-USE STATUS=SIZE UTF8=ACCEPT "
		    "ESEARCH SEARCHRES WITHIN SAVEDATE SORT SORT=DISPLAY ESORT "
		    "THREAD=ORDEREDSUBJECT THREAD=REFERENCES IDLE MOVE BINARY "
		    "CONDSTORE QRESYNC "
		    "APPENDLIMIT=%llu", (unsigned long long)s->cfg->max_literal);
	n = snprintf(buf, sizeof(buf), "%sCAPABILITY IMAP4rev1 IMAP4rev2%s%s"
	    "%s%s LITERAL+ ID ENABLE%s%s",
	    as_code ? "[" : "",
	    pre && s->tls_possible && !s->tls_active ? " STARTTLS" : "",
	    pre && !plain_ok ? " LOGINDISABLED" : "",
	    pre && plain_ok ? " AUTH=PLAIN" : "",
	    pre && plain_ok ? " SASL-IR" : "",
	    more, as_code ? "] " : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	if (as_code)
		return io_write(&s->io, buf, strlen(buf));
	return resp_untagged(s, "%s", buf);
}
