/*
 * test_fuzz_regress.c: every crash and failed property the fuzzers of
 * fuzz/ found (fuzz/crashes/README.md), fed again to the function that
 * failed.  Each case runs in a forked child, so a crash (ASan, glibc's
 * double-free check, abort) fails that case and not the whole binary;
 * a leak fails the child too: under ASan by LeakSanitizer at its exit,
 * without it by the growth of the heap over many repetitions (mallinfo2).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liteimapd.h"
#include "unit.h"

/* a string literal with its length, NULs included */
#define B(s)	(s), (sizeof(s) - 1)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN	1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN	0
#endif

/*
 * Run fn in a child.  Its exit status 0 is a pass; anything else (a
 * signal, LeakSanitizer's 23, fn's own 1) is described in why, with the
 * first line the child wrote to stderr.
 */
static bool
in_child(void (*fn)(const void *), const void *arg, char *why, size_t n)
{
	char	err[8192], *line, *nl;
	pid_t	pid;
	ssize_t	k;
	size_t	got = 0;
	int	st, fd[2];

	(void)fflush(stdout);
	(void)fflush(stderr);
	if (pipe(fd) == -1 || (pid = fork()) == -1) {
		(void)snprintf(why, n, "pipe or fork failed");
		return false;
	}
	if (pid == 0) {
		(void)close(fd[0]);
		(void)dup2(fd[1], 2);
		log_set_level(-1);
		fn(arg);
		exit(0);
	}
	(void)close(fd[1]);
	while ((k = read(fd[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += (size_t)k;
	/* the rest (an ASan report) is not needed here */
	while (read(fd[0], why, n) > 0)
		;
	(void)close(fd[0]);
	err[got] = '\0';
	/* a sanitizer's summary, else the first line that says something */
	if ((line = strstr(err, "SUMMARY: ")) == NULL &&
	    (line = strstr(err, "ERROR: ")) == NULL)
		for (line = err; *line == '\n' || *line == '='; line++)
			;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	if (strlen(line) > 150)
		line[150] = '\0';
	while (waitpid(pid, &st, 0) == -1)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (WIFSIGNALED(st))
		(void)snprintf(why, n, "crashed (signal %d): %s", WTERMSIG(st),
		    unit_esc(line, strlen(line)));
	else
		(void)snprintf(why, n, "exit status %d%s: %s", WEXITSTATUS(st),
		    WEXITSTATUS(st) == 23 ? " (LeakSanitizer)" : "",
		    unit_esc(line, strlen(line)));
	return false;
}

static __dead void
child_fail(const char *fmt, const char *detail)
{
	fprintf(stderr, fmt, detail);
	fprintf(stderr, "\n");
	exit(1);
}

/* ------------------------------------------------------------------ */
/*
 * ENVELOPE/BODY/BODYSTRUCTURE: every literal "{n}" CRLF is followed by n
 * bytes of the string (a NUL inside one cuts the C string short, and a
 * client then reads n bytes of whatever FETCH sends next).
 */
static const char *
literals_cut(const char *s)
{
	const char	*p, *q;
	size_t		 n, len = strlen(s);

	for (p = s; (p = strchr(p, '{')) != NULL; p++) {
		n = 0;
		for (q = p + 1; *q >= '0' && *q <= '9'; q++)
			n = n * 10 + (size_t)(*q - '0');
		if (q == p + 1 || strncmp(q, "}\r\n", 3) != 0)
			continue;
		q += 3;
		if ((size_t)(s + len - q) < n)
			return p;
		p = q + n - 1;
	}
	return NULL;
}

struct msg {
	const char	*data;
	size_t		 len;
};

/* Is s[0..n) UTF-8 (RFC 3629), NUL bytes allowed? */
static bool
utf8_or_nul(const char *s, size_t n)
{
	const char	*z;

	while (n > 0) {
		if ((z = memchr(s, '\0', n)) == NULL)
			return utf8_valid(s, n);
		if (!utf8_valid(s, (size_t)(z - s)))
			return false;
		n -= (size_t)(z - s) + 1;
		s = z + 1;
	}
	return true;
}

static void
mime_strings(const void *arg)
{
	const struct msg	*m = arg;
	struct mime_info	 mi;
	struct search_doc	 d;
	char			*copy = malloc(m->len);
	const char		*bad;

	memcpy(copy, m->data, m->len);
	mime_parse(copy, m->len, &mi);
	if ((bad = literals_cut(mi.envelope)) != NULL)
		child_fail("ENVELOPE literal cut short: %s", unit_esc(bad,
		    strlen(bad)));
	if ((bad = literals_cut(mi.bodystructure)) != NULL)
		child_fail("BODYSTRUCTURE literal cut short: %s", unit_esc(bad,
		    strlen(bad)));
	if ((bad = literals_cut(mi.body)) != NULL)
		child_fail("BODY literal cut short: %s", unit_esc(bad,
		    strlen(bad)));
	/* and what SEARCH keeps of it, twice: iconv state is process-wide */
	mime_doc(copy, m->len, &mi, &d);
	if (!utf8_or_nul(d.subject.s, d.subject.len))
		child_fail("decoded Subject not UTF-8: %s", unit_esc(d.subject.s,
		    d.subject.len));
	if (!utf8_or_nul(d.body.s, d.body.len))
		child_fail("decoded body not UTF-8: %s", unit_esc(d.body.s,
		    d.body.len));
	mime_doc_free(&d);
	mime_doc(copy, m->len, &mi, &d);
	mime_doc_free(&d);
	mime_info_free(&mi);
	free(copy);
}

static const struct {
	const char	*name;
	struct msg	 m;
} mime_cases[] = {
	/* fuzz/crashes/fuzz_mime-envelope-nul */
	{ "envelope-nul", { B("Date:\0") } },
	/* fuzz/crashes/fuzz_mime-bodystructure-nul */
	{ "bodystructure-nul", { B("Content-Type: text/plain\r\n"
	    "Content-MD5: Q2hl\0x\r\n\r\nbody\r\n") } },
	/* fuzz/crashes/fuzz_mime-iconv-double-free (reduced by hand) */
	{ "iconv-double-free", { B("Subject: =?iso-8859-1?q?caf=E9?=\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	    "Content-Type: text/plain; charset=xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n\r\none\r\n--b\r\n"
	    "Content-Type: text/plain; charset=koi8-r\r\n\r\ntwo\r\n--b--\r\n") } },
	/*
	 * fuzz/crashes/fuzz_mime-iconv-not-utf8: glibc's iconv turns UCS-4
	 * 0x7fffffff into a 6-byte "UTF-8" sequence (and passes 4-byte ones
	 * over U+10FFFF from "UTF-8" through)
	 */
	{ "iconv-not-utf8", { B("Subject: =?UCS-4?B?f////w==?=\r\n"
	    "Content-Type: text/plain; charset=UCS-4\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nf////wARAAA=\r\n") } },
	{ "iconv-not-utf8-2", { B("Content-Type: text/plain; charset=\"utf-8 \""
	    "\r\nContent-Transfer-Encoding: base64\r\n\r\n962uiw==\r\n") } },
	/*
	 * fuzz/crashes/fuzz_mime-sanitize-null-offset: NULL + 0 in
	 * utf8_sanitize (clang's UBSan fails these; gcc's does not look)
	 */
	{ "sanitize-null-offset", { B("Content-Type: text/plain; "
	    "charset=iso-8859-1\r\n\r\n") } },
	{ "sanitize-null-offset-2", { B("Subject: =?iso-8859-1?q?\?=\r\n"
	    "\r\nx") } },
};

/* ------------------------------------------------------------------ */
/* a stored UID map with a range ending at 2^32-1 and another after it */

static void
uidmap_wrap(const void *arg)
{
	static const unsigned char blob[] = {
		0x3b, 0x2c, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x81, 0x2a,
	};
	struct uidmap	m;

	(void)arg;
	memset(&m, 0, sizeof(m));
	if (uidmap_load(&m, blob, sizeof(blob)) != -1)
		child_fail("uidmap_load accepted %s ranges 0xff0c2c3b:"
		    "0xffffffff, 0x00ffffff:0x2a81ffff", "unsorted");
	uidmap_free(&m);
}

/*
 * msgset_uids with the UID 2^32-1 known: "last + 1" wraps and the same UID
 * is added twice (fuzz/crashes/fuzz_seqset-msgset-uid-max).  store_append
 * stops at 2^32-2, so only a database written otherwise gets there.
 */
static void
msgset_uid_max(const void *arg)
{
	static struct session	s;
	struct seqrange		r[2] = { { 2, SEQ_STAR }, { 2, 2 } };
	struct seqset		set = { r, 2, false };
	struct uidmap		out;
	char			msg[100];

	(void)arg;
	uidmap_append(&s.sel.map, UINT32_MAX - 1, UINT32_MAX);
	memset(&out, 0, sizeof(out));
	msgset_uids(&s, &set, false, &out);
	if (out.count != 1 || out.n != 1) {
		(void)snprintf(msg, sizeof(msg), "\"2:*,2\" of 2 messages: %zu "
		    "ranges, %u UIDs, not 1", out.n, out.count);
		child_fail("%s", msg);
	}
	uidmap_free(&out);
	uidmap_free(&s.sel.map);
}

/* ------------------------------------------------------------------ */
/* SEARCH in the selected state, without a database: the keys fail or
 * the command does before search_run */

struct cmd {
	const char	*text;
	int		 repeat;
};

static void
search_leak(const void *arg)
{
	const struct cmd	*c = arg;
	struct config		 cfg;
	struct session		 s;
	struct parser		 p;
	struct mallinfo2	 before, after;
	size_t			 len = strlen(c->text);
	unsigned char		*buf = malloc(len);
	int			 fl0 = fcntl(0, F_GETFL), fl1 = fcntl(1, F_GETFL);
	int			 i;

	config_init(&cfg);
	session_init(&s, &cfg);
	/* session_init made fds 0 and 1 non-blocking: not ours to change */
	if (fl0 != -1)
		(void)fcntl(0, F_SETFL, fl0);
	if (fl1 != -1)
		(void)fcntl(1, F_SETFL, fl1);
	s.io.fd_in = open("/dev/null", O_RDONLY);
	s.io.fd_out = open("/dev/null", O_WRONLY);
	s.state = STATE_SELECTED;
	s.user_id = 1;
	uidmap_append(&s.sel.map, 1, 5);
	uidmap_append(&s.sel.recent, 1, 5);
	memcpy(buf, c->text, len);
	before = mallinfo2();
	for (i = 0; i < c->repeat + 10; i++) {
		if (i == 10)
			before = mallinfo2();
		arena_reset(&s.arena);
		parse_init(&p, buf, len, &s.arena, (int)cfg.max_depth);
		(void)cmd_dispatch(&s, &p);
		(void)io_flush(&s.io);
		s.n_bad = 0;
	}
	after = mallinfo2();
	if (!UNDER_ASAN && after.uordblks > before.uordblks + (size_t)
	    c->repeat * 32)
		child_fail("%s", "the heap grows with every command");
	free(buf);
	session_free(&s);
	config_free(&cfg);
}

static const struct {
	const char	*name;
	struct cmd	 c;
} search_cases[] = {
	/* fuzz/crashes/fuzz_session-search-eol-leak: valid keys, then junk */
	{ "search-eol-leak", { "9 SEARCH 2\t\r\n", 300 } },
	{ "uid-search-eol-leak", { "9 UID SEARCH UID 1:*)\r\n", 300 } },
	/*
	 * fuzz/crashes/fuzz_parse-search-keys-leak, fuzz_search-keys-leak:
	 * keys that fail after a set (fixed in search_parse since)
	 */
	{ "search-keys-fail-leak", { "n1 SEARCH 4 \r\n", 300 } },
	{ "search-keys-fail-leak-2", { "n1 SEARCH 1 FOO\r\n", 300 } },
	/* fuzz/crashes/fuzz_search-*-limit-leak: the 65th set is too many */
	{ "search-set-limit-leak", { "a SEARCH 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
	    "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
	    "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\r\n", 100 } },
	{ "search-recent-limit-leak", { "a SEARCH RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT RECENT "
	    "RECENT RECENT RECENT RECENT RECENT RECENT RECENT\r\n", 100 } },
	{ "search-uid-limit-leak", { "a SEARCH UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 UID 2 "
	    "UID 2 UID 2 UID 2 UID 2 UID 2\r\n", 100 } },
};

int
main(void)
{
	char	why[300];
	size_t	i;

	for (i = 0; i < sizeof(mime_cases) / sizeof(mime_cases[0]); i++)
		CASE("mime/%s", mime_cases[i].name) {
			CHECK(in_child(mime_strings, &mime_cases[i].m, why,
			    sizeof(why)), "%s", why);
		}
	CASE("uidmap/load-wrap") {
		CHECK(in_child(uidmap_wrap, NULL, why, sizeof(why)), "%s", why);
	}
	CASE("msgset/uid-max") {
		CHECK(in_child(msgset_uid_max, NULL, why, sizeof(why)), "%s",
		    why);
	}
	for (i = 0; i < sizeof(search_cases) / sizeof(search_cases[0]); i++)
		CASE("search/%s", search_cases[i].name) {
			CHECK(in_child(search_leak, &search_cases[i].c, why,
			    sizeof(why)), "%s", why);
		}
	return unit_done();
}
