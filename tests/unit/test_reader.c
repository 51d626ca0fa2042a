/*
 * test_reader.c: the command reader of session.c (lines, literals, the
 * limits) through real pipes.  Each scenario runs session_run in a forked
 * child whose fd 0 and fd 1 are pipes, four times: the input written all
 * at once, one byte at a time (each byte read by the server before the
 * next is written), two bytes at a time, and in uneven chunks of 1..13
 * bytes.  The output must be the expected lines, and the same bytes in
 * every run.
 *
 * The sessions start in the authenticated state (as "liteimapd -u alice"
 * would, without a database) or not authenticated, and use only commands
 * that never open the database.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liteimapd.h"
#include "unit.h"

#define RUN_LIMIT_MS	30000	/* one run of one scenario */

enum mode { WHOLE, BYTES, TWOS, CHUNKS };
static const char *const mode_names[] = { "whole", "bytes", "twos",
    "chunks" };

struct dbuf {
	unsigned char	*b;
	size_t		 len;
	size_t		 cap;
};

static void
db_add(struct dbuf *d, const void *p, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		if ((d->b = realloc(d->b, d->cap)) == NULL)
			abort();
	}
	memcpy(d->b + d->len, p, n);
	d->len += n;
	d->b[d->len] = '\0';
}

static void
db_str(struct dbuf *d, const char *s)
{
	db_add(d, s, strlen(s));
}

static void
db_rep(struct dbuf *d, int c, size_t n)
{
	while (n-- > 0) {
		unsigned char	ch = (unsigned char)c;

		db_add(d, &ch, 1);
	}
}

/* ------------------------------------------------------------------ */
/* the server side, in the child */

static __dead void
serve(bool preauth, const char *const *opts)
{
	struct config	cfg;
	struct session	s;
	char		err[256];
	int		rc;

	if (getenv("UNIT_DEBUG") != NULL)
		log_init("test_reader", true, 7);
	else
		log_set_level(-1);	/* no syslog from tests */
	config_init(&cfg);
	if (config_set(&cfg, "hostname=test.example", err, sizeof(err)) ==
	    -1 || config_set(&cfg, "tls=off", err, sizeof(err)) == -1) {
		fprintf(stderr, "config: %s\n", err);
		exit(98);
	}
	for (; opts != NULL && *opts != NULL; opts++)
		if (config_set(&cfg, *opts, err, sizeof(err)) == -1) {
			fprintf(stderr, "config: %s\n", err);
			exit(98);
		}
	session_init(&s, &cfg);
	(void)strlcpy(s.peer, "test", sizeof(s.peer));
	if (preauth) {
		/* what session_login does, without the process title */
		(void)strlcpy(s.user, "alice", sizeof(s.user));
		s.user_id = 1;
		s.state = STATE_AUTH;
	}
	rc = session_run(&s);
	session_free(&s);
	config_free(&cfg);
	exit(rc);
}

/* ------------------------------------------------------------------ */
/* the client side */

struct run {
	pid_t		 pid;
	bool		 reaped;
	int		 status;
	int		 wfd;		/* to the server's fd 0 */
	int		 rfd;		/* from the server's fd 1 */
	struct dbuf	 out;
	char		 why[200];
};

static void
drain(struct run *r)
{
	unsigned char	buf[4096];
	ssize_t		n;

	while ((n = read(r->rfd, buf, sizeof(buf))) > 0)
		db_add(&r->out, buf, (size_t)n);
}

static bool
reap(struct run *r, bool block)
{
	pid_t	p;

	if (r->reaped)
		return true;
	while ((p = waitpid(r->pid, &r->status, block ? 0 : WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (p == r->pid)
		r->reaped = true;
	return r->reaped;
}

/*
 * Wait until the server has read everything written so far (the pipe is
 * empty), or has exited.  false on timeout.
 */
static bool
wait_consumed(struct run *r, int64_t deadline)
{
	int	n;

	for (;;) {
		drain(r);
		if (ioctl(r->wfd, FIONREAD, &n) == -1 || n == 0)
			return true;
		if (reap(r, false))
			return true;
		if (now_ms() > deadline)
			return false;
		usleep(20);
	}
}

/*
 * Feed in to a fresh server in the given mode, then close its input and
 * collect everything it writes until it exits.
 */
static bool
run_server(bool preauth, const char *const *opts, const struct dbuf *in,
    enum mode mode, struct run *r)
{
	int		 c2s[2], s2c[2];
	size_t		 off = 0, step;
	ssize_t		 n;
	int64_t		 deadline = now_ms() + RUN_LIMIT_MS;
	unsigned	 seed = 12345;
	struct pollfd	 pfd;
	unsigned char	 buf[4096];

	memset(r, 0, sizeof(*r));
	if (pipe(c2s) == -1 || pipe(s2c) == -1) {
		(void)snprintf(r->why, sizeof(r->why), "pipe: %s",
		    strerror(errno));
		return false;
	}
	fflush(NULL);
	if ((r->pid = fork()) == -1) {
		(void)snprintf(r->why, sizeof(r->why), "fork: %s",
		    strerror(errno));
		return false;
	}
	if (r->pid == 0) {
		(void)close(c2s[1]);
		(void)close(s2c[0]);
		if (dup2(c2s[0], 0) == -1 || dup2(s2c[1], 1) == -1)
			_exit(97);
		(void)close(c2s[0]);
		(void)close(s2c[1]);
		alarm(RUN_LIMIT_MS / 1000 + 5);
		serve(preauth, opts);
	}
	(void)close(c2s[0]);
	(void)close(s2c[1]);
	r->wfd = c2s[1];
	r->rfd = s2c[0];
	(void)fcntl(r->rfd, F_SETFL, O_NONBLOCK);

	while (off < in->len) {
		switch (mode) {
		case WHOLE:
			step = in->len - off;
			break;
		case BYTES:
			step = 1;
			break;
		case TWOS:
			step = 2;
			break;
		default:
			seed = seed * 1103515245 + 12345;
			step = 1 + (seed >> 16) % 13;
			break;
		}
		if (step > in->len - off)
			step = in->len - off;
		/* blocking writes; keep reading so the server never stalls */
		n = write(r->wfd, in->b + off, step);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EPIPE)
			break;		/* the server has gone */
		if (n == -1) {
			(void)snprintf(r->why, sizeof(r->why), "write: %s",
			    strerror(errno));
			break;
		}
		off += (size_t)n;
		if (mode != WHOLE && !wait_consumed(r, deadline)) {
			(void)snprintf(r->why, sizeof(r->why), "the server "
			    "did not read byte %zu", off);
			break;
		}
		if (mode == WHOLE)
			drain(r);
	}
	(void)close(r->wfd);

	/* read to EOF */
	for (;;) {
		pfd.fd = r->rfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now_ms() > 0 ?
		    deadline - now_ms() : 0)) <= 0) {
			if (r->why[0] == '\0')
				(void)snprintf(r->why, sizeof(r->why),
				    "no EOF from the server");
			kill(r->pid, SIGKILL);
			break;
		}
		n = read(r->rfd, buf, sizeof(buf));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		db_add(&r->out, buf, (size_t)n);
	}
	(void)close(r->rfd);
	(void)reap(r, true);
	return r->why[0] == '\0';
}

/*
 * Does out consist of exactly the expected lines?  A pattern ending in
 * '*' matches any line starting with the rest (as in session scripts).
 * Sets why to the first difference.
 */
static bool
match_lines(const struct dbuf *out, const char *const *want, char *why,
    size_t whylen)
{
	const unsigned char	*p = out->b, *end = out->b + out->len, *nl;
	size_t			 i, ll, pl;

	for (i = 0; want[i] != NULL; i++) {
		if (p >= end) {
			(void)snprintf(why, whylen, "line %zu: EOF, want "
			    "\"%s\"", i + 1, ESC(want[i]));
			return false;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p || nl[-1] != '\r') {
			(void)snprintf(why, whylen, "line %zu: not ended by "
			    "CRLF: \"%s\"", i + 1, unit_esc(p, (size_t)(end -
			    p)));
			return false;
		}
		ll = (size_t)(nl - 1 - p);
		pl = strlen(want[i]);
		if (pl > 0 && want[i][pl - 1] == '*' ? (ll < pl - 1 ||
		    memcmp(p, want[i], pl - 1) != 0) : (ll != pl ||
		    memcmp(p, want[i], pl) != 0)) {
			(void)snprintf(why, whylen, "line %zu: \"%s\", want "
			    "\"%s\"", i + 1, unit_esc(p, ll), ESC(want[i]));
			return false;
		}
		p = nl + 1;
	}
	if (p < end) {
		(void)snprintf(why, whylen, "unexpected output after %zu "
		    "lines: \"%s\"", i, unit_esc(p, (size_t)(end - p)));
		return false;
	}
	return true;
}

#define MAXLINES	16

struct scenario {
	const char	*name;
	bool		 preauth;
	const char	*opts[6];
	struct dbuf	 in;
	const char	*want[MAXLINES];
	int		 exit_code;
};

static void
run_scenario(struct scenario *sc)
{
	struct run	 r;
	struct dbuf	 first = { NULL, 0, 0 };
	char		 why[600];
	int		 m;

	for (m = WHOLE; m <= CHUNKS; m++) {
		CASE("%s/%s", sc->name, mode_names[m]) {
			if (!CHECK(run_server(sc->preauth, sc->opts, &sc->in,
			    (enum mode)m, &r), "%s; output \"%s\"", r.why,
			    unit_esc(r.out.b, r.out.len)))
				goto next;
			if (CHECK(match_lines(&r.out, sc->want, why,
			    sizeof(why)), "%s", why) && m == WHOLE)
				db_add(&first, r.out.b, r.out.len);
			if (m != WHOLE && first.b != NULL)
				CHECK(r.out.len == first.len &&
				    memcmp(r.out.b, first.b, first.len) == 0,
				    "output differs from the whole-input run: "
				    "\"%s\"", unit_esc(r.out.b, r.out.len));
			CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) ==
			    sc->exit_code, "server status 0x%x, want exit %d",
			    r.status, sc->exit_code);
next:
			free(r.out.b);
		}
	}
	free(first.b);
	free(sc->in.b);
}

/* ------------------------------------------------------------------ */

#define GREET_AUTH	"* PREAUTH [CAPABILITY IMAP4rev1 *"
#define GREET_NOTAUTH	"* OK [CAPABILITY IMAP4rev1 *"
#define CONT		"+ *"
#define ID_REPLY	"* ID (\"name\" \"liteimapd\" \"version\" \"" \
			LITEIMAPD_VERSION "\")"

int
main(void)
{
	struct scenario	*sc;

	(void)signal(SIGPIPE, SIG_IGN);

	/* -------------------------------- simple commands, preauth */
	sc = &(struct scenario){ "simple", true, { NULL }, { 0 }, {
	    GREET_AUTH,
	    "a OK NOOP completed",
	    "* CAPABILITY IMAP4rev1 *",
	    "b OK CAPABILITY completed",
	    ID_REPLY,
	    "c OK ID completed",
	    "* ENABLED*",
	    "d OK ENABLE completed",
	    "e BAD Unknown command FOO",
	    "f OK NOOP completed",
	    "* BYE *",
	    "g OK LOGOUT completed",
	    NULL }, 0 };
	db_str(&sc->in, "a NOOP\r\nb CAPABILITY\r\nc ID NIL\r\n"
	    "d ENABLE CONDSTORE\r\ne FOO\r\nf noop\r\ng LOGOUT\r\n");
	run_scenario(sc);

	/* a bare LF ends a line too */
	sc = &(struct scenario){ "bare-lf", true, { NULL }, { 0 }, {
	    GREET_AUTH, "a OK NOOP completed", "* BYE *",
	    "b OK LOGOUT completed", NULL }, 0 };
	db_str(&sc->in, "a NOOP\nb LOGOUT\n");
	run_scenario(sc);

	/* nothing is read after LOGOUT */
	sc = &(struct scenario){ "after-logout", true, { NULL }, { 0 }, {
	    GREET_AUTH, "* BYE *", "a OK LOGOUT completed", NULL }, 0 };
	db_str(&sc->in, "a LOGOUT\r\nb NOOP\r\n");
	run_scenario(sc);

	/* RFC 9051 7.1.3: no tag, untagged BAD */
	sc = &(struct scenario){ "empty-line", true, { NULL }, { 0 }, {
	    GREET_AUTH, "* BAD Invalid tag",
	    "a OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "\r\na NOOP\r\n");
	run_scenario(sc);

	/* the client hangs up in mid-line / mid-literal: silence, exit 0 */
	sc = &(struct scenario){ "eof-mid-line", true, { NULL }, { 0 }, {
	    GREET_AUTH, "a OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a NOOP\r\nb NOO");
	run_scenario(sc);

	sc = &(struct scenario){ "eof-mid-literal", true, { NULL }, { 0 }, {
	    GREET_AUTH, CONT, NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {10}\r\nabc");
	run_scenario(sc);

	/* -------------------------------- literals */
	sc = &(struct scenario){ "sync-literal", true, { NULL }, { 0 }, {
	    GREET_AUTH, CONT, ID_REPLY, "a OK ID completed", "* BYE *",
	    "b OK LOGOUT completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {3}\r\nabc)\r\nb LOGOUT\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "nonsync-literal", true, { NULL }, { 0 }, {
	    GREET_AUTH, ID_REPLY, "a OK ID completed",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {3+}\r\nabc)\r\nb NOOP\r\n");
	run_scenario(sc);

	/* literals holding CRLF and "{n}", one sync and one not */
	sc = &(struct scenario){ "two-literals", true, { NULL }, { 0 }, {
	    GREET_AUTH, CONT, ID_REPLY, "a OK ID completed", NULL }, 0 };
	db_str(&sc->in, "a ID ({4}\r\nname {9+}\r\nx\r\n{3}\r\ny)\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "empty-literal", true, { NULL }, { 0 }, {
	    GREET_AUTH, CONT, ID_REPLY, "a OK ID completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {0}\r\n)\r\n");
	run_scenario(sc);

	/* an unknown command gets no "+": the client skips its literal */
	sc = &(struct scenario){ "literal-unknown-command", true, { NULL },
	    { 0 }, { GREET_AUTH, "a BAD Unknown command FOO",
	    "b BAD Unknown command UID FOO", "c OK NOOP completed", NULL },
	    0 };
	db_str(&sc->in, "a FOO {3}\r\nb UID FOO {3}\r\nc NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "literal-bad-size", true, { NULL }, { 0 }, {
	    GREET_AUTH, "a BAD Invalid literal size", "b OK NOOP completed",
	    NULL }, 0 };
	db_str(&sc->in, "a ID {99999999999999999999}\r\nb NOOP\r\n");
	run_scenario(sc);

	/*
	 * An invalid size on a non-synchronizing literal: its bytes are on
	 * their way and cannot be skipped (DESIGN.md 4), so the session
	 * must end rather than run them as commands.
	 */
	sc = &(struct scenario){ "literal-bad-size-nonsync", true, { NULL },
	    { 0 }, { GREET_AUTH, "* BYE *", NULL }, 0 };
	db_str(&sc->in, "a ID {99999999999999999999+}\r\nb NOOP\r\n");
	run_scenario(sc);

	/* -------------------------------- max_line (1k: the minimum) */
	sc = &(struct scenario){ "line-at-max-line", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH, ID_REPLY,
	    "a OK ID completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" \"");
	db_rep(&sc->in, 'x', 1024 - 16);
	db_str(&sc->in, "\")\r\n");
	run_scenario(sc);

	/* the tag is at the start of the line: the BAD can carry it */
	sc = &(struct scenario){ "line-over-max-line", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "a BAD Command line too long (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" \"");
	db_rep(&sc->in, 'x', 1024 - 16 + 1);
	db_str(&sc->in, "\")\r\nb NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "line-over-max-line-sync-literal", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "a BAD Command line too long (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a LOGIN ");
	db_rep(&sc->in, 'x', 1100);
	db_str(&sc->in, " {5}\r\nb NOOP\r\n");
	run_scenario(sc);

	/* a non-synchronizing literal cannot be skipped: BYE */
	sc = &(struct scenario){ "line-over-max-line-nonsync-literal", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "* BYE [TOOBIG] Command line too long", NULL }, 0 };
	db_str(&sc->in, "a LOGIN ");
	db_rep(&sc->in, 'x', 1100);
	db_str(&sc->in, " {5+}\r\nhello\r\nb NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "line-over-max-line-nonsync-literal-lf",
	    true, { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "* BYE [TOOBIG] Command line too long", NULL }, 0 };
	db_str(&sc->in, "a LOGIN ");
	db_rep(&sc->in, 'x', 3000);
	db_str(&sc->in, " {12345+}\nhello\r\nb NOOP\r\n");
	run_scenario(sc);

	/* same when the size is invalid: it was still non-synchronizing */
	sc = &(struct scenario){ "line-over-max-line-bad-nonsync-literal",
	    true, { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "* BYE [TOOBIG] Command line too long", NULL }, 0 };
	db_str(&sc->in, "a LOGIN ");
	db_rep(&sc->in, 'x', 1100);
	db_str(&sc->in, " {99999999999999999999+}\r\nb NOOP\r\n");
	run_scenario(sc);

	/* ... and a "{5+}" well inside the long line is not at its end */
	sc = &(struct scenario){ "line-over-max-line-marker-inside", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH,
	    "a BAD Command line too long (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a LOGIN ");
	db_rep(&sc->in, 'x', 1100);
	db_str(&sc->in, " {5+} ");
	db_rep(&sc->in, 'y', 30);
	db_str(&sc->in, "\r\nb NOOP\r\n");
	run_scenario(sc);

	/* a long line in the middle of a command (after a literal) */
	sc = &(struct scenario){ "line-over-max-line-after-literal", true,
	    { "max_line=1k", NULL }, { 0 }, { GREET_AUTH, CONT,
	    "a BAD Command line too long (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {3}\r\nabc \"x\" \"");
	db_rep(&sc->in, 'x', 1100);
	db_str(&sc->in, "\")\r\nb NOOP\r\n");
	run_scenario(sc);

	/* -------------------------------- max_literal, max_command_size */
	sc = &(struct scenario){ "literal-at-max-literal", true,
	    { "max_literal=1k", NULL }, { 0 }, { GREET_AUTH, CONT, ID_REPLY,
	    "a OK ID completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {1024}\r\n");
	db_rep(&sc->in, 'v', 1024);
	db_str(&sc->in, ")\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "literal-over-max-literal-sync", true,
	    { "max_literal=1k", NULL }, { 0 }, { GREET_AUTH,
	    "a NO [TOOBIG] Literal too large (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {1025}\r\nb NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "literal-over-max-literal-nonsync", true,
	    { "max_literal=1k", NULL }, { 0 }, { GREET_AUTH,
	    "* BYE [TOOBIG] Literal too large", NULL }, 0 };
	db_str(&sc->in, "a ID (\"name\" {1025+}\r\n");
	db_rep(&sc->in, 'v', 1025);
	db_str(&sc->in, ")\r\nb NOOP\r\n");
	run_scenario(sc);

	/* 18 + 1000 + 13 bytes read, 1024 more would pass 2048 */
	sc = &(struct scenario){ "literal-over-max-command-size", true,
	    { "max_literal=1k", "max_command_size=2k", NULL }, { 0 }, {
	    GREET_AUTH, CONT,
	    "a NO [TOOBIG] Literal too large (the limit is 2048 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a ID (\"a\" {1000}\r\n");
	db_rep(&sc->in, 'v', 1000);
	db_str(&sc->in, " \"b\" {1024}\r\nb NOOP\r\n");
	run_scenario(sc);

	/* -------------------------------- max_bad_commands */
	sc = &(struct scenario){ "max-bad-commands", true,
	    { "max_bad_commands=2", NULL }, { 0 }, { GREET_AUTH,
	    "a BAD Unknown command FOO", "b OK NOOP completed",
	    "c BAD NOOP: unexpected extra arguments",
	    "d BAD Unknown command BAR", "* BYE Too many invalid commands",
	    NULL }, 0 };
	db_str(&sc->in, "a FOO\r\nb NOOP\r\nc NOOP x\r\nd BAR\r\n"
	    "e NOOP\r\n");
	run_scenario(sc);

	/* -------------------------------- not authenticated */
	/*
	 * Before TLS with allow_plaintext_auth=no a LOGIN password is
	 * refused before the client sends it: no "+" for it; a literal in
	 * a command not valid in this state gets none either.
	 */
	sc = &(struct scenario){ "notauth", false, { NULL }, { 0 }, {
	    GREET_NOTAUTH,
	    "* CAPABILITY IMAP4rev1 *",
	    "a OK CAPABILITY completed",
	    "b NO [PRIVACYREQUIRED] Plaintext authentication is disabled "
	    "before STARTTLS",
	    "c NO [PRIVACYREQUIRED] Plaintext authentication is disabled "
	    "before STARTTLS",
	    "d BAD ENABLE is not valid in the not authenticated state",
	    "e BAD ENABLE is not valid in this state",
	    CONT,
	    ID_REPLY,
	    "f OK ID completed",
	    "* BYE *",
	    "g OK LOGOUT completed",
	    NULL }, 0 };
	db_str(&sc->in, "a CAPABILITY\r\nb LOGIN alice {6}\r\n"
	    "c LOGIN alice {6+}\r\nsecret\r\n"
	    "d ENABLE X\r\ne ENABLE {3}\r\n"
	    "f ID ({4}\r\nname NIL)\r\ng LOGOUT\r\n");
	run_scenario(sc);

	/*
	 * AUTHENTICATE reads its response line outside the command reader
	 * (session_read_line); none of these reach the database.
	 */
	sc = &(struct scenario){ "authenticate-responses", false,
	    { "allow_plaintext_auth=yes", "auth_fail_delay=0",
	    "max_auth_failures=5", NULL }, { 0 }, { GREET_NOTAUTH,
	    "+ ",
	    "a BAD Authentication cancelled",
	    "+ ",
	    "b BAD Invalid base64 in authentication data",
	    "c NO [AUTHENTICATIONFAILED] Authentication failed",
	    "+ ",
	    "d NO [AUTHENTICATIONFAILED] Authentication failed",
	    "e NO [CANNOT] Unsupported authentication mechanism",
	    NULL }, 0 };
	db_str(&sc->in, "a AUTHENTICATE PLAIN\r\n*\r\n"
	    "b AUTHENTICATE PLAIN\r\n!!!!\r\n"
	    "c AUTHENTICATE PLAIN YWxpY2U=\r\n"
	    "d AUTHENTICATE PLAIN\r\nAGFsaWNl\n"
	    "e AUTHENTICATE CRAM-MD5\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "authenticate-response-too-long", false,
	    { "allow_plaintext_auth=yes", "max_line=1k", NULL }, { 0 }, {
	    GREET_NOTAUTH, "+ ", "* BYE Line too long", NULL }, 0 };
	db_str(&sc->in, "a AUTHENTICATE PLAIN\r\n");
	db_rep(&sc->in, 'A', 1100);
	db_str(&sc->in, "\r\nb NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "authenticate-eof", false,
	    { "allow_plaintext_auth=yes", NULL }, { 0 }, {
	    GREET_NOTAUTH, "+ ", NULL }, 0 };
	db_str(&sc->in, "a AUTHENTICATE PLAIN\r\nAGFsa");
	run_scenario(sc);

	/* before login a literal may be no longer than a line */
	sc = &(struct scenario){ "notauth-literal-limit", false,
	    { "max_line=1k", NULL }, { 0 }, { GREET_NOTAUTH,
	    "a NO [TOOBIG] Literal too large (the limit is 1024 bytes)",
	    "b OK NOOP completed", NULL }, 0 };
	db_str(&sc->in, "a LOGIN alice {1025}\r\nb NOOP\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "notauth-literal-limit-nonsync", false,
	    { "max_line=1k", NULL }, { 0 }, { GREET_NOTAUTH,
	    "* BYE [TOOBIG] Literal too large", NULL }, 0 };
	db_str(&sc->in, "a LOGIN alice {1025+}\r\n");
	db_rep(&sc->in, 'p', 1025);
	db_str(&sc->in, "\r\n");
	run_scenario(sc);

	sc = &(struct scenario){ "notauth-unauth-commands", false,
	    { "unauth_commands=2", NULL }, { 0 }, { GREET_NOTAUTH,
	    "a OK NOOP completed", "b OK NOOP completed",
	    "* BYE Too many commands before authentication", NULL }, 0 };
	db_str(&sc->in, "a NOOP\r\nb NOOP\r\nc NOOP\r\nd NOOP\r\n");
	run_scenario(sc);

	return unit_done();
}
