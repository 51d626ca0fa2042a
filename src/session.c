/*
 * session.c: one IMAP session from greeting to BYE.  The command reader
 * assembles a whole command (lines and the literals between them) while
 * enforcing every limit before memory is committed; the loop hands each
 * command to cmd.c and flushes the replies.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liteimapd.h"

enum rd {
	RD_OK,		/* a whole command is in s->cmd */
	RD_ANSWERED,	/* refused while reading and already answered */
	RD_END		/* the session is over (EOF, timeout, BYE sent) */
};

#define TAG_KEEP	(TAG_MAX_LEN + 2)

struct buf {
	unsigned char	**b;
	size_t		 *len;
	size_t		 *cap;
};

void
session_init(struct session *s, const struct config *cfg)
{
	unsigned char	r[SESSION_ID_LEN / 2];
	size_t		i;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->state = STATE_NOTAUTH;
	s->user_id = -1;
	arc4random_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(s->id + 2 * i, 3, "%02x", r[i]);
	io_init(&s->io, 0, 1, cfg->io_timeout);
}

void
session_free(struct session *s)
{
	if (s->io.tls != NULL)
		tls_close(&s->io.tls, now_ms() + 1000);
	if (s->registered && s->sdb != NULL)
		(void)store_session_end(s->sdb);
	db_close(&s->sdb);
	/* the selection, whatever the state (LOGOUT leaves it set) */
	uidmap_free(&s->sel.map);
	uidmap_free(&s->sel.recent);
	uidmap_free(&s->sel.saved);
	db_close(&s->db);
	io_free(&s->io);
	arena_free(&s->arena);
	free(s->cmd);
	s->cmd = NULL;
}

static const char *
title_state(const struct session *s)
{
	switch (s->state) {
	case STATE_NOTAUTH:
		return "notauth";
	case STATE_AUTH:
		return "auth";
	case STATE_SELECTED:
		return "selected";
	default:
		return "logout";
	}
}

/* setproctitle: "liteimapd: ADDR USER STATE", what ps shows the admin */
void
session_title(struct session *s)
{
	setproctitle("%s %s %s%s%s%s", s->peer, s->user[0] ? s->user : "-",
	    title_state(s), s->state == STATE_SELECTED ? " " : "",
	    s->state == STATE_SELECTED ? s->sel.name : "",
	    s->idling ? " IDLE" : "");
}

/* Open the database on first use: a session that never logs in never pays. */
int
session_db(struct session *s)
{
	char	err[256];
	int	rc;

	if (s->db != NULL)
		return 0;
	if ((rc = db_open(&s->db, s->cfg->database, s->cfg, 0, err,
	    sizeof(err))) != DB_OK) {
		log_err("database: %s", err);
		return rc;
	}
	return 0;
}

/* RFC 9051 11.1 and the allow_plaintext_auth setting */
bool
session_plain_auth_allowed(const struct session *s)
{
	if (s->tls_active)
		return true;
	switch (s->cfg->allow_plaintext_auth) {
	case PLAIN_YES:
		return true;
	case PLAIN_LOOPBACK:
		return s->peer_loopback;
	default:
		return false;
	}
}

/*
 * The user is in: authenticated state, and a row in the sessions table.
 * -1 (nothing changed, a NO sent) when the user has too many sessions.
 */
int
session_login(struct session *s, const char *user, int64_t uid)
{
	int	rc;

	if (s->sdb == NULL && sessions_open(&s->sdb, s->cfg, false) != DB_OK)
		s->sdb = NULL;
	rc = s->sdb == NULL ? DB_ERROR : store_session_add(s->sdb, user,
	    s->peer_ip, s->cfg->max_user_connections,
	    s->cfg->max_user_ip_connections);
	if (rc == DB_EXISTS) {
		log_notice("login as %s refused: too many sessions", user);
		return -1;
	}
	/* accounting is not worth refusing a login over */
	if (rc != DB_OK)
		log_warn("sessions table: %s", db_errmsg(s->db));
	s->registered = rc == DB_OK;
	(void)strlcpy(s->user, user, sizeof(s->user));
	s->user_id = uid;
	s->state = STATE_AUTH;
	s->n_auth_fail = 0;
	log_set_user(s->user);
	session_title(s);
	return 0;
}

/*
 * A failed authentication: wait (longer after each failure, capped), say
 * NO, and end the session after max_auth_failures.
 */
int
session_auth_failed(struct session *s, const char *why, enum resp_code code)
{
	struct timespec	ts;
	int64_t		delay = s->cfg->auth_fail_delay;
	unsigned	i;
	int		rc;

	s->n_auth_fail++;
	log_notice("authentication failed (%u of %lld): %s", s->n_auth_fail,
	    (long long)s->cfg->max_auth_failures, why);
	for (i = 1; i < s->n_auth_fail && delay < s->cfg->auth_fail_delay_max;
	    i++)
		delay *= 2;
	if (delay > s->cfg->auth_fail_delay_max)
		delay = s->cfg->auth_fail_delay_max;
	if (delay > 0) {
		(void)io_flush(&s->io);
		ts.tv_sec = delay / 1000;
		ts.tv_nsec = (delay % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	rc = resp_no(s, code, code == CODE_AUTHENTICATIONFAILED ?
	    "Authentication failed" : "Not authorized to act as that user");
	if (s->n_auth_fail >= (unsigned)s->cfg->max_auth_failures) {
		log_notice("too many authentication failures, disconnecting");
		return resp_bye(s, CODE_NONE,
		    "Too many authentication failures");
	}
	return rc;
}

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t	cap = *b->cap;

	if (*b->len + more <= cap)
		return;
	if (cap == 0)
		cap = 1024;
	while (cap < *b->len + more)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	*b->b = xreallocarray(*b->b, cap, 1);
	*b->cap = cap;
}

/* The deadline for the next read of a command that started at start. */
static int64_t
read_deadline(const struct session *s, int64_t start, bool started)
{
	if (s->state == STATE_NOTAUTH)
		/* before login the whole command must arrive in time */
		return start + s->cfg->unauth_idle;
	if (!started)
		return start + s->cfg->auth_idle;
	return now_ms() + s->cfg->io_timeout;
}

volatile sig_atomic_t terminate_requested;

static enum rd
read_failed(struct session *s, ssize_t r, bool started)
{
	if (r == IO_KILLED) {
		log_info("terminated by signal; disconnecting");
		(void)resp_bye(s, CODE_NONE, "Disconnected by the "
		    "administrator");
	} else if (r == IO_TIMEOUT) {
		log_info("%s; disconnecting", started ?
		    "client stalled in mid-command" : "idle timeout");
		(void)resp_bye(s, CODE_NONE, started ?
		    "Timeout while reading a command" :
		    "Autologout; idle for too long");
	} else if (r == IO_EOF)
		log_info("client closed the connection%s",
		    started ? " in mid-command" : "");
	else
		log_info("connection lost (%s)", s->io.tls ? tls_describe(
		    s->io.tls) : strerror(errno));
	s->state = STATE_LOGOUT;
	return RD_END;
}

/* Tag of the command being read, for replies before it is complete. */
static void
take_tag(struct session *s)
{
	struct parser	p;
	struct str	tag;

	s->tag = NULL;
	parse_init(&p, s->cmd, s->cmd_len, &s->arena, 1);
	if (parse_tag(&p, &tag) == 0 && parse_peek(&p) == ' ')
		s->tag = tag.s;
}

/*
 * Append one line, up to and including its LF, to b.  A bare LF becomes
 * CRLF.  A line longer than max_line is read to its end and discarded;
 * *toolong says so and *nonsync whether it announced a non-synchronizing
 * literal (which then makes the stream impossible to follow).
 */
static enum rd
read_line(struct session *s, struct buf *b, int64_t start, bool *started,
    bool *toolong, bool *nonsync)
{
	size_t		 base = *b->len, avail, take, line = 0;
	unsigned char	*in, *lf, tail[48];
	size_t		 ntail = 0;
	ssize_t		 r;
	uint64_t	 sz;
	bool		 bin;
	enum literal_kind k;

	*toolong = *nonsync = false;
	for (;;) {
		avail = io_buffered(&s->io);
		if (avail > 0) {
			*started = true;
			in = s->io.in + s->io.in_off;
			lf = memchr(in, '\n', avail);
			take = lf != NULL ? (size_t)(lf - in) + 1 : avail;
			if (!*toolong && line + take > (size_t)s->cfg->max_line
			    + 2) {
				/* keep the start: the reply needs the tag */
				*toolong = true;
				if (line < TAG_KEEP) {
					size_t keep = TAG_KEEP - line;

					if (keep > take)
						keep = take;
					buf_reserve(b, keep);
					memcpy(*b->b + *b->len, in, keep);
					*b->len += keep;
				} else
					*b->len = base + TAG_KEEP;
			}
			if (*toolong) {
				/* keep the last bytes to see a literal */
				if (take >= sizeof(tail)) {
					memcpy(tail, in + take - sizeof(tail),
					    sizeof(tail));
					ntail = sizeof(tail);
				} else {
					if (ntail + take > sizeof(tail)) {
						memmove(tail, tail + ntail + take -
						    sizeof(tail), sizeof(tail) -
						    take);
						ntail = sizeof(tail) - take;
					}
					memcpy(tail + ntail, in, take);
					ntail += take;
				}
			} else {
				buf_reserve(b, take + 1);
				memcpy(*b->b + *b->len, in, take);
				*b->len += take;
			}
			line += take;
			s->io.in_off += take;
			if (lf != NULL)
				break;
			continue;
		}
		r = io_fill(&s->io, read_deadline(s, start, *started));
		if (r <= 0)
			return read_failed(s, r, *started);
	}
	if (*toolong) {
		while (ntail > 0 && (tail[ntail - 1] == '\n' ||
		    tail[ntail - 1] == '\r'))
			ntail--;
		k = parse_literal_marker(tail, ntail, &sz, &bin);
		*nonsync = k == LIT_NONSYNC || k == LIT_BAD_NONSYNC;
		return RD_OK;
	}
	if (*b->len - base < 2 || (*b->b)[*b->len - 2] != '\r') {
		(*b->b)[*b->len - 1] = '\r';
		(*b->b)[(*b->len)++] = '\n';
	}
	return RD_OK;
}

/* Read n literal bytes into s->cmd; memory grows only as bytes arrive. */
static enum rd
read_literal(struct session *s, uint64_t n, int64_t start)
{
	struct buf	 b = { &s->cmd, &s->cmd_len, &s->cmd_cap };
	size_t		 avail, take;
	ssize_t		 r;
	bool		 started = true;

	while (n > 0) {
		avail = io_buffered(&s->io);
		if (avail == 0) {
			r = io_fill(&s->io, read_deadline(s, start, started));
			if (r <= 0)
				return read_failed(s, r, true);
			continue;
		}
		take = avail < n ? avail : (size_t)n;
		buf_reserve(&b, take);
		memcpy(s->cmd + s->cmd_len, s->io.in + s->io.in_off, take);
		s->cmd_len += take;
		s->io.in_off += take;
		n -= take;
	}
	return RD_OK;
}

/*
 * Before "+": is the command worth its literal?  Replies if not: an
 * unknown command, one not valid in this state, or a password that would
 * be refused anyway before TLS (the client need not send it).
 */
static bool
literal_wanted(struct session *s)
{
	const struct command	*c;
	struct parser		 p;
	struct str		 tag, name;
	bool			 uid = false;

	parse_init(&p, s->cmd, s->cmd_len, &s->arena, 1);
	if (parse_tag(&p, &tag) == -1 || parse_peek(&p) != ' ') {
		s->tag = NULL;
		(void)resp_bad(s, "Invalid tag");
		return false;
	}
	s->tag = tag.s;
	if (parse_sp(&p) == -1 || parse_atom(&p, &name) == -1) {
		(void)resp_bad(s, "Missing command");
		return false;
	}
	if (strcasecmp(name.s, "UID") == 0) {
		uid = true;
		if (parse_sp(&p) == -1 || parse_atom(&p, &name) == -1) {
			(void)resp_bad(s, "UID: missing command");
			return false;
		}
	}
	if ((c = cmd_lookup(name.s, uid)) == NULL || (!uid &&
	    strcmp(c->name, "UID") == 0)) {
		(void)resp_bad(s, "Unknown command %s%.40s", uid ? "UID " : "",
		    name.s);
		return false;
	}
	if (!(c->states & (1u << s->state))) {
		(void)resp_bad(s, "%s%s is not valid in this state",
		    uid ? "UID " : "", c->name);
		return false;
	}
	if ((strcmp(c->name, "LOGIN") == 0 || strcmp(c->name,
	    "AUTHENTICATE") == 0) && !session_plain_auth_allowed(s)) {
		(void)resp_no(s, CODE_PRIVACYREQUIRED, "Plaintext "
		    "authentication is disabled before STARTTLS");
		return false;
	}
	return true;
}

/*
 * Read one whole command into s->cmd: a line, and for each literal it
 * announces the literal and the line that follows it.
 */
static enum rd
read_command(struct session *s)
{
	struct buf		 b = { &s->cmd, &s->cmd_len, &s->cmd_cap };
	int64_t			 start = now_ms();
	size_t			 line_start;
	uint64_t		 n, limit;
	enum literal_kind	 k;
	enum rd			 rc;
	bool			 started = false, toolong, nonsync, bin;

	s->cmd_len = 0;
	s->tag = NULL;
	s->cmd_name = NULL;
	for (;;) {
		line_start = s->cmd_len;
		if ((rc = read_line(s, &b, start, &started, &toolong,
		    &nonsync)) != RD_OK)
			return rc;
		if (toolong) {
			take_tag(s);
			log_notice("command line over max_line (%lld bytes)",
			    (long long)s->cfg->max_line);
			if (nonsync) {
				(void)resp_bye(s, CODE_TOOBIG,
				    "Command line too long");
				return RD_END;
			}
			(void)resp_bad(s, "Command line too long (the limit "
			    "is %lld bytes)", (long long)s->cfg->max_line);
			return RD_ANSWERED;
		}
		k = parse_literal_marker(s->cmd + line_start,
		    s->cmd_len - line_start - 2, &n, &bin);
		if (k == LIT_NONE)
			return RD_OK;
		take_tag(s);
		if (k == LIT_BAD_NONSYNC) {
			/* its bytes are on the way and cannot be skipped */
			(void)resp_bye(s, CODE_NONE, "Invalid literal size");
			return RD_END;
		}
		if (k == LIT_BAD) {
			(void)resp_bad(s, "Invalid literal size");
			return RD_ANSWERED;
		}
		/* before login nobody gets to send more than a line's worth */
		limit = s->state == STATE_NOTAUTH ?
		    (uint64_t)s->cfg->max_line : (uint64_t)s->cfg->max_literal;
		if (n > limit || s->cmd_len + n >
		    (uint64_t)s->cfg->max_command_size) {
			log_notice("literal of %llu bytes refused (limit "
			    "%llu)", (unsigned long long)n,
			    (unsigned long long)limit);
			if (k == LIT_NONSYNC) {
				(void)resp_bye(s, CODE_TOOBIG,
				    "Literal too large");
				return RD_END;
			}
			(void)resp_no(s, CODE_TOOBIG, "Literal too large (the "
			    "limit is %llu bytes)", (unsigned long long)(
			    n > limit ? limit : (uint64_t)
			    s->cfg->max_command_size));
			return RD_ANSWERED;
		}
		if (k == LIT_SYNC) {
			if (!literal_wanted(s))
				return RD_ANSWERED;
			if (resp_cont(s, "Ready for literal data") == -1)
				return RD_END;
		}
		if ((rc = read_literal(s, n, start)) != RD_OK)
			return rc;
	}
}

/*
 * One line from the client outside a command (an AUTHENTICATE response),
 * without its CRLF, in the arena.  -1: the session is over.
 */
int
session_read_line(struct session *s, struct str *out)
{
	unsigned char	*b = NULL;
	size_t		 len = 0, cap = 0;
	struct buf	 bb = { &b, &len, &cap };
	bool		 started = false, toolong, nonsync;
	enum rd		 rc;

	if (io_flush(&s->io) == -1)
		return -1;
	rc = read_line(s, &bb, now_ms(), &started, &toolong, &nonsync);
	if (rc != RD_OK || toolong) {
		free(b);
		if (toolong)
			(void)resp_bye(s, CODE_NONE, "Line too long");
		return -1;
	}
	out->len = len - 2;
	out->s = arena_strndup(&s->arena, b, out->len);
	free(b);
	return 0;
}

static void
greet(struct session *s)
{
	char	host[256];

	if (s->cfg->hostname[0] != '\0')
		(void)strlcpy(host, s->cfg->hostname, sizeof(host));
	else if (gethostname(host, sizeof(host)) == -1)
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (s->state == STATE_AUTH) {
		(void)io_write(&s->io, "* PREAUTH ", 10);
		(void)resp_capability(s, true);
		(void)io_printf(&s->io, "%s liteimapd ready, logged in as %s"
		    "\r\n", host, s->user);
	} else {
		(void)io_write(&s->io, "* OK ", 5);
		(void)resp_capability(s, true);
		(void)io_printf(&s->io, "%s liteimapd ready\r\n", host);
	}
}

/*
 * Serve the session until LOGOUT, BYE or the client's end.  Returns the
 * process exit code.
 */
int
session_run(struct session *s)
{
	struct parser	p;
	char		err[256];
	enum rd		rc;
	int		rc2;

	if (s->cfg->tls == TLS_IMPLICIT && s->state == STATE_NOTAUTH) {
		s->io.tls = tls_start(&s->io, s->cfg, now_ms() +
		    s->cfg->io_timeout, err, sizeof(err));
		if (s->io.tls == NULL) {
			log_notice("TLS handshake failed: %s", err);
			return EXIT_SESSION;
		}
		s->tls_active = true;
		log_info("TLS established: %s", tls_describe(s->io.tls));
	}
	greet(s);
	while (s->state != STATE_LOGOUT) {
		if (io_flush(&s->io) == -1)
			break;
		arena_reset(&s->arena);
		rc = read_command(s);
		if (rc == RD_END)
			break;
		/* refused ones count too: the limit bounds a stranger's stay */
		if (s->state == STATE_NOTAUTH && ++s->n_unauth_cmds >
		    (unsigned)s->cfg->unauth_commands) {
			log_notice("too many commands before authentication");
			(void)resp_bye(s, CODE_NONE, "Too many commands before "
			    "authentication");
			break;
		}
		if (rc == RD_OK) {
			parse_init(&p, s->cmd, s->cmd_len, &s->arena,
			    (int)s->cfg->max_depth);
			p.utf8 = (s->enabled & (EN_UTF8 | EN_IMAP4REV2)) != 0;
			rc2 = cmd_dispatch(s, &p);
			/* no read transaction may outlive a command */
			db_release(s->db);
			if (rc2 == -1)
				break;
		}
		if (s->n_bad > (unsigned)s->cfg->max_bad_commands &&
		    s->state != STATE_LOGOUT) {
			log_notice("too many invalid commands, disconnecting");
			(void)resp_bye(s, CODE_NONE, "Too many invalid "
			    "commands");
			break;
		}
		/* big buffers are not kept for an idle session */
		io_trim(&s->io);
		/* a huge command's buffer is not kept for the next one */
		if (s->cmd_cap > (size_t)s->cfg->max_line * 4) {
			free(s->cmd);
			s->cmd = NULL;
			s->cmd_cap = 0;
		}
	}
	(void)io_flush(&s->io);
	return s->exit_code;
}
