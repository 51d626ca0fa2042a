/*
 * fuzz_common.h: what the libFuzzer targets in fuzz/ share.  Included by
 * each target (one translation unit each), so everything here is static.
 *
 *   FZ_CHECK(cond, fmt, ...)	a property failed: print why and abort(),
 *				which libFuzzer reports as a crash
 *   fz_init_process()		quiet logs, no syslog; FUZZ_DEBUG=1 logs to
 *				stderr at debug level instead
 *   fz_env_setup()		a temporary database made once per process,
 *				as "liteimapctl init" + "user add alice" do,
 *				with mailboxes and messages to work on
 *   fz_db_reset()		the work database back to that template
 *   fz_session_begin()/end()	an in-process session whose fd 0/1 are two
 *				memfds: input is whatever the target wrote
 *				there, then EOF; output is kept for checking
 *   fz_check_responses()	a server-to-client stream checked against
 *				the response grammar (see the comment there)
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "liteimapd.h"

#define FZ_FN	static __attribute__((__unused__))

#define FZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "\nFUZZ CHECK FAILED %s:%d: %s\n  ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		abort();						\
	}								\
} while (0)

/* printable excerpt of bytes, for messages */
FZ_FN const char *
fz_esc(const void *p, size_t n)
{
	static char		 buf[4][400];
	static int		 k;
	const unsigned char	*s = p;
	char			*d = buf[k = (k + 1) % 4];
	size_t			 i, o = 0;

	for (i = 0; i < n && o + 8 < sizeof(buf[0]); i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			d[o++] = (char)s[i];
		else
			o += (size_t)snprintf(d + o, sizeof(buf[0]) - o, "\\x%02x",
			    s[i]);
	}
	if (i < n)
		o += (size_t)snprintf(d + o, sizeof(buf[0]) - o, "...");
	d[o] = '\0';
	return d;
}

/*
 * FUZZ_KNOWN="name,name": known, reported bugs to step around so that a
 * run can look for new ones (each target says what a name masks).
 */
FZ_FN bool
fz_known(const char *name)
{
	const char	*k = getenv("FUZZ_KNOWN"), *p;
	size_t		 n = strlen(name);

	for (p = k; p != NULL && (p = strstr(p, name)) != NULL; p += n)
		if ((p == k || p[-1] == ',' || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

FZ_FN void
fz_init_process(void)
{
	static bool	done;

	if (done)
		return;
	done = true;
	{
		/*
		 * session_title() calls setproctitle(): give it an area of
		 * its own, not libFuzzer's argv, and an empty environment
		 * list that is not environ (libbsd then leaves environ be).
		 */
		static char	 area[256] = "liteimapd-fuzz";
		static char	*av[] = { area, NULL };
		static char	*ev[] = { NULL };

		setproctitle_init(1, av, ev);
	}
	if (getenv("FUZZ_DEBUG") != NULL)
		log_init("fuzz", true, LOG_DEBUG);
	else
		log_set_level(-1);	/* never syslog from a fuzzer */
}

/* A copy of exactly n bytes (never padded): an over-read is an ASan error. */
FZ_FN unsigned char *
fz_dup_exact(const void *p, size_t n)
{
	unsigned char	*d = malloc(n > 0 ? n : 1);

	if (d == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* ------------------------------------------------------------------ */
/* the database */

struct fz_env {
	char		 dir[128];
	char		 tmpl[192];	/* the template database */
	char		 work[192];	/* the one sessions use */
	struct config	 cfg;
	int64_t		 user_id;
	bool		 ready;
};
static struct fz_env fz;

/* Messages of the template: a little of everything FETCH and SEARCH see. */
static const char *const fz_msgs[] = {
	"From: Alice Example <alice@example.com>\r\n"
	"To: Bob <bob@example.org>, carol@example.net\r\n"
	"Cc: undisclosed-recipients:;\r\n"
	"Subject: Lunch on Friday?\r\n"
	"Date: Fri, 12 Jan 2024 10:00:00 +0100\r\n"
	"Message-ID: <lunch@example.com>\r\n"
	"\r\n"
	"Shall we meet at noon?\r\n"
	"Alice\r\n",

	"From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.de>\r\n"
	"To: alice@example.com\r\n"
	"Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus Berlin\r\n"
	"Date: 3 Feb 2024 08:09:10 -0500\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
	"\r\n"
	"preamble\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Gr=FC=DFe, sch=F6nes Wetter.\r\n"
	"--b1\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<p>Gr&uuml;&szlig;e <b>sch\xc3\xb6nes</b> Wetter</p>\r\n"
	"--b1--\r\n"
	"epilogue\r\n",

	"From: carol@example.net\r\n"
	"To: alice@example.com\r\n"
	"Subject: Fwd: the report\r\n"
	"Date: Mon, 4 Mar 2024 12:00:00 +0000\r\n"
	"In-Reply-To: <lunch@example.com>\r\n"
	"References: <plan@example.org> <lunch@example.com>\r\n"
	"Content-Type: multipart/mixed; boundary=outer\r\n"
	"\r\n"
	"--outer\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"See attached.\r\n"
	"--outer\r\n"
	"Content-Type: application/pdf; name=\"r.pdf\"\r\n"
	"Content-Disposition: attachment; filename*0=\"re\";"
	" filename*1=\"port.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-Language: en, de\r\n"
	"\r\n"
	"JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
	"--outer\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"From: dave@example.com\r\n"
	"Subject: inner\r\n"
	"\r\n"
	"inner body\r\n"
	"--outer--\r\n",

	"Subject: short\r\n\r\nx\r\n",

	"From: \"Last, First\" <first.last@example.com>\r\n"
	"Reply-To: list@example.com\r\n"
	"Sender: bounce@example.com\r\n"
	"Subject: [list] Re: Re: hello (fwd)\r\n"
	"Date: Tue, 30 Apr 2024 23:59:59 +1400\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"caf\xc3\xa9 \xe2\x82\xac 5\r\n",

	"From: eve@example.com\r\n"
	"Subject: deleted soon\r\n"
	"\r\n"
	"gone\r\n",

	"From: frank@example.com\r\n"
	"To: group: a@example.com, b@example.com;\r\n"
	"Subject: draft\r\n"
	"X-Priority: 1\r\n"
	"\r\n"
	"draft body\n"
	"bare LF lines\n",
};
static const unsigned fz_msg_flags[] = {
	F_SEEN, F_FLAGGED, F_ANSWERED | F_SEEN, F_DELETED, 0, F_DELETED,
	F_DRAFT
};
static const char *const fz_msg_kw[] = {
	"", " $Work ", " Junk $Label1 ", "", " $Work NonJunk ", "", ""
};

FZ_FN void
fz_die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, err);
	exit(2);
}

/* A directory of files (no subdirectories) and what is in it. */
FZ_FN void
fz_rm_files_and_dir(const char *dirpath)
{
	struct dirent	*d;
	DIR		*dir;
	char		 p[512];

	if ((dir = opendir(dirpath)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dirpath, d->d_name);
		(void)unlink(p);
	}
	(void)closedir(dir);
	(void)rmdir(dirpath);
}

FZ_FN void
fz_rm_dir(void)
{
	if (fz.ready)
		fz_rm_files_and_dir(fz.dir);
}

/* Remove the directories of fuzzers that died (see fz_env_setup). */
FZ_FN void
fz_sweep(const char *base)
{
	struct dirent	*d;
	DIR		*dir;
	char		 p[300], *end;
	long		 pid;

	if ((dir = opendir(base)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "liteimapd-fuzz.", 15) != 0)
			continue;
		pid = strtol(d->d_name + 15, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", base, d->d_name);
		fz_rm_files_and_dir(p);
	}
	(void)closedir(dir);
}

FZ_FN void
fz_cfg_set(struct config *c, const char *kv)
{
	char	err[256];

	if (config_set(c, kv, err, sizeof(err)) == -1)
		fz_die(kv, err);
}

/* Copy the file from to to (both small). */
FZ_FN void
fz_copy_file(const char *from, const char *to)
{
	char	buf[65536];
	ssize_t	n;
	int	in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		fz_die(to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fz_die(to, "short write");
	if (n < 0)
		fz_die(from, strerror(errno));
	(void)close(in);
	(void)close(out);
}

/*
 * The template: "liteimapctl init", "user add alice", then mailboxes,
 * subscriptions and the messages above in INBOX (UIDs 1-7, then UID 6
 * expunged, so the UIDs have a gap) and two in Archive/2024.
 */
FZ_FN void
fz_env_setup(void)
{
	struct store_user	 u;
	struct store_mailbox	 mb;
	struct store_msg	 m[8];
	struct seqrange		 r = { 6, 6 };
	struct seqset		 gone = { &r, 1, false };
	struct uidmap		 map;
	struct db		*db = NULL;
	const char		*base;
	char			 err[512], kv[300], hash[HASH_MAX_LEN];
	uint32_t		 uv, first;
	uint64_t		 ms;
	size_t			 i;
	int			 rc, from = 0;

	if (fz.ready)
		return;
	fz_init_process();
	/* tmpfs when there is one: the template is copied per input */
	base = getenv("FUZZ_TMPDIR");
	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	/*
	 * One directory per process, named by its pid: a crash (abort)
	 * skips atexit, so whoever comes next removes the directories of
	 * processes that are gone.
	 */
	fz_sweep(base);
	(void)snprintf(fz.dir, sizeof(fz.dir), "%s/liteimapd-fuzz.%ld", base,
	    (long)getpid());
	(void)snprintf(fz.tmpl, sizeof(fz.tmpl), "%s/template.db", fz.dir);
	(void)snprintf(fz.work, sizeof(fz.work), "%s/mail.db", fz.dir);
	fz.ready = true;
	fz_rm_dir();		/* a dead process's with our pid */
	if (mkdir(fz.dir, 0700) == -1)
		fz_die(fz.dir, strerror(errno));
	(void)atexit(fz_rm_dir);

	config_init(&fz.cfg);
	(void)snprintf(kv, sizeof(kv), "database=%s", fz.tmpl);
	fz_cfg_set(&fz.cfg, kv);
	fz_cfg_set(&fz.cfg, "tls=off");
	fz_cfg_set(&fz.cfg, "hostname=fuzz.example");
	fz_cfg_set(&fz.cfg, "allow_plaintext_auth=yes");
	fz_cfg_set(&fz.cfg, "auth_fail_delay=0");
	fz_cfg_set(&fz.cfg, "auth_fail_delay_max=0");
	fz_cfg_set(&fz.cfg, "synchronous=off");
	fz_cfg_set(&fz.cfg, "password_cost=1");

	if ((rc = db_open(&db, fz.tmpl, &fz.cfg, DB_OPEN_CREATE, err,
	    sizeof(err))) != DB_OK)
		fz_die("db_open", err);
	if ((rc = db_migrate(db, &from, err, sizeof(err))) != DB_OK)
		fz_die("db_migrate", err);
	if (auth_hash("secret", 1, hash, sizeof(hash)) == -1)
		fz_die("auth_hash", "crypt failed");
	if (store_user_add(db, "alice", hash) != DB_OK ||
	    store_user_get(db, "alice", &u) != DB_OK ||
	    store_user_defaults(db, u.id, fz.cfg.default_mailboxes) != DB_OK)
		fz_die("user add alice", db_errmsg(db));
	fz.user_id = u.id;
	if (store_mailbox_create(db, u.id, "Archive/2024", NULL) != DB_OK ||
	    store_mailbox_create(db, u.id, "Caf\xc3\xa9 & Bar", NULL) !=
	    DB_OK ||
	    store_subscribe(db, u.id, "INBOX", true) != DB_OK ||
	    store_subscribe(db, u.id, "Archive/2024", true) != DB_OK ||
	    store_subscribe(db, u.id, "Gone", true) != DB_OK)
		fz_die("mailboxes", db_errmsg(db));

	memset(&map, 0, sizeof(map));
	if (store_mailbox_get(db, u.id, "INBOX", &mb, &map) != DB_OK)
		fz_die("INBOX", db_errmsg(db));
	uidmap_free(&map);
	memset(m, 0, sizeof(m));
	for (i = 0; i < sizeof(fz_msgs) / sizeof(fz_msgs[0]); i++) {
		m[i].data = fz_msgs[i];
		m[i].len = strlen(fz_msgs[i]);
		m[i].flags = fz_msg_flags[i];
		m[i].keywords = fz_msg_kw[i];
		m[i].date = 1700000000 + (int64_t)i * 86400 * 9;
		m[i].tz = i % 2 ? -300 : 60;
	}
	/* one at a time: each its own MODSEQ */
	for (i = 0; i < sizeof(fz_msgs) / sizeof(fz_msgs[0]); i++)
		if (store_append(db, mb.id, &m[i], 1, &uv, &first) != DB_OK)
			fz_die("append", db_errmsg(db));
	memset(&map, 0, sizeof(map));
	if (store_expunge(db, mb.id, &gone, &map, &ms) != DB_OK)
		fz_die("expunge", db_errmsg(db));
	uidmap_free(&map);

	memset(&map, 0, sizeof(map));
	if (store_mailbox_get(db, u.id, "Archive/2024", &mb, &map) != DB_OK)
		fz_die("Archive/2024", db_errmsg(db));
	uidmap_free(&map);
	if (store_append(db, mb.id, &m[1], 2, &uv, &first) != DB_OK)
		fz_die("append", db_errmsg(db));
	db_close(&db);

	(void)snprintf(kv, sizeof(kv), "database=%s", fz.work);
	fz_cfg_set(&fz.cfg, kv);
}

/* The work database as the template left it (no connection may be open). */
FZ_FN void
fz_db_reset(void)
{
	char	p[256];

	(void)snprintf(p, sizeof(p), "%s-wal", fz.work);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", fz.work);
	(void)unlink(p);
	fz_copy_file(fz.tmpl, fz.work);
}

/* ------------------------------------------------------------------ */
/* in-process sessions on memfds */

struct fz_io {
	int		 in;		/* the session's fd 0 */
	int		 out;		/* its fd 1 */
	unsigned char	*outbuf;	/* after fz_session_end: what it wrote */
	size_t		 outlen;
};
static struct fz_io fzio = { -1, -1, NULL, 0 };

FZ_FN int
fz_memfd(const char *name)
{
	int	fd;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		fz_die("memfd_create", strerror(errno));
	return fd;
}

/* The session's input for the next run: these bytes, then EOF. */
FZ_FN void
fz_set_input(const void *p, size_t n)
{
	if (fzio.in == -1) {
		fzio.in = fz_memfd("fuzz-in");
		fzio.out = fz_memfd("fuzz-out");
	}
	if (ftruncate(fzio.in, 0) == -1 || (n > 0 && pwrite(fzio.in, p, n, 0)
	    != (ssize_t)n) || lseek(fzio.in, 0, SEEK_SET) == -1 ||
	    ftruncate(fzio.out, 0) == -1 || lseek(fzio.out, 0, SEEK_SET) == -1)
		fz_die("memfd", strerror(errno));
}

/*
 * A session as main.c makes one, fds 0/1 swapped for the memfds.  state:
 * STATE_NOTAUTH, or STATE_AUTH as "liteimapd -u alice" (session_db,
 * store_user_get, session_login).  session_init makes fds 0 and 1
 * non-blocking: libFuzzer's own are restored.
 */
FZ_FN void
fz_session_begin(struct session *s, enum state state)
{
	struct store_user	u;
	int			fl0 = fcntl(0, F_GETFL), fl1 = fcntl(1, F_GETFL);

	session_init(s, &fz.cfg);
	if (fl0 != -1)
		(void)fcntl(0, F_SETFL, fl0);
	if (fl1 != -1)
		(void)fcntl(1, F_SETFL, fl1);
	s->io.fd_in = fzio.in;
	s->io.fd_out = fzio.out;
	(void)strlcpy(s->peer, "192.0.2.7:4711", sizeof(s->peer));
	(void)strlcpy(s->peer_ip, "192.0.2.7", sizeof(s->peer_ip));
	if (state == STATE_NOTAUTH)
		return;
	if (session_db(s) != 0)
		fz_die("session_db", "cannot open the work database");
	if (store_user_get(s->db, "alice", &u) != DB_OK)
		fz_die("store_user_get", db_errmsg(s->db));
	if (session_login(s, u.name, u.id) == -1)
		fz_die("session_login", "refused");
}

/* Flush, free the session, and read back its output into fzio.outbuf. */
FZ_FN void
fz_session_end(struct session *s)
{
	struct stat	st;

	(void)io_flush(&s->io);
	session_free(s);
	free(fzio.outbuf);
	fzio.outbuf = NULL;
	fzio.outlen = 0;
	if (fstat(fzio.out, &st) == -1)
		fz_die("fstat", strerror(errno));
	fzio.outlen = (size_t)st.st_size;
	fzio.outbuf = fz_dup_exact("", 0);
	if (fzio.outlen > 0) {
		free(fzio.outbuf);
		fzio.outbuf = malloc(fzio.outlen);
		if (fzio.outbuf == NULL || pread(fzio.out, fzio.outbuf,
		    fzio.outlen, 0) != (ssize_t)fzio.outlen)
			fz_die("pread", "output");
	}
}

/*
 * One whole command (CRLF and literals included) through cmd_dispatch, as
 * session_run hands it over, from a buffer of exactly its size.
 */
FZ_FN void
fz_dispatch(struct session *s, const void *cmd, size_t len, int max_depth)
{
	struct parser	 p;
	unsigned char	*b = fz_dup_exact(cmd, len);

	arena_reset(&s->arena);
	parse_init(&p, b, len, &s->arena, max_depth);
	p.utf8 = (s->enabled & (EN_UTF8 | EN_IMAP4REV2)) != 0;
	if (cmd_dispatch(s, &p) == -1)
		s->state = STATE_LOGOUT;
	(void)io_flush(&s->io);
	free(b);
}

/* memmem without regard to ASCII case */
FZ_FN bool
fz_contains_ci(const void *hay, size_t n, const char *needle)
{
	const unsigned char	*h = hay;
	size_t			 k = strlen(needle), i, j;

	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k; j++)
			if (tolower(h[i + j]) != tolower((unsigned char)needle[j]))
				break;
		if (j == k)
			return true;
	}
	return false;
}

/*
 * Client input that would only find a known, reported bug again, for
 * fuzz_session and fuzz_parse: FUZZ_KNOWN names it.  None at present (the
 * bugs of fuzz/crashes/README.md are fixed); to add one, test its name
 * with fz_known() and recognize its inputs here, e.g.
 *	if (fz_known("search-leak") && fz_contains_ci(data, size, "SEARCH"))
 *		return true;
 */
FZ_FN bool
fz_skip_known(const void *data, size_t size)
{
	(void)data;
	(void)size;
	return false;
}

/* ------------------------------------------------------------------ */
/*
 * The server's side of the protocol (RFC 9051 2.2.2, 7 and 9), checked
 * on a whole output stream:
 *   - it is a sequence of responses, each "+ ...", "* ..." or
 *     "TAG OK|NO|BAD ...", ending in CRLF; no bare CR or LF, no NUL
 *     outside literals;
 *   - a "{n}" (or "~{n}") before a CRLF is a literal of exactly n bytes
 *     that must be there, without NUL unless it is a literal8;
 *   - in data responses (numbered ones such as FETCH, LIST, LSUB, STATUS,
 *     SEARCH, ESEARCH, SORT, THREAD, ID, NAMESPACE, FLAGS, ENABLED,
 *     CAPABILITY, VANISHED, and the QUOTA/ACL/METADATA ones), quoted
 *     strings are well formed (only \\ and \" escapes) and parentheses
 *     balance; resp-text codes ("[...]") close; other names are errors;
 *   - a tagged response's tag occurs in the client's input followed by a
 *     space; after "* BYE" at most one tagged response follows;
 *   - no "[SERVERBUG]": with a healthy database it means a bug (unless
 *     allow_serverbug).
 * Returns NULL, or why not (static).
 */
struct fz_resp_ctx {
	const unsigned char	*in;	/* the client's bytes, for tags */
	size_t			 inlen;
	bool			 allow_serverbug;
	size_t			 nresp;	/* responses seen */
	size_t			 where;	/* offset of the failure */
};

FZ_FN bool
fz_is_tagchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

FZ_FN bool
fz_data_response(const unsigned char *w, size_t n)
{
	/* RFC 9051 and the extensions a server of ours may speak */
	static const char *const names[] = { "FETCH", "LIST", "LSUB",
	    "STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "ID",
	    "NAMESPACE", "FLAGS", "ENABLED", "CAPABILITY", "VANISHED",
	    "EXISTS", "RECENT", "EXPUNGE", "QUOTA", "QUOTAROOT", "ACL",
	    "LISTRIGHTS", "MYRIGHTS", "METADATA", NULL };
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == n && memcmp(names[i], w, n) == 0)
			return true;
	return false;
}

FZ_FN const char *
fz_check_responses(struct fz_resp_ctx *x, const unsigned char *b,
    size_t len)
{
	static char	 why[300];
	size_t		 i = 0, start, w0, wl, t0, tl, k;
	bool		 bye = false, data, tagged;
	int		 depth, after_bye = 0;

#define RFAIL(...) do {							\
	(void)snprintf(why, sizeof(why), __VA_ARGS__);			\
	x->where = i;							\
	return why;							\
} while (0)
	x->nresp = 0;
	while (i < len) {
		start = i;
		x->nresp++;
		if (bye && ++after_bye > 1)
			RFAIL("output after * BYE and its tagged response");
		/* the first word: "*", "+" or a tag */
		t0 = i;
		while (i < len && b[i] != ' ' && b[i] != '\r' && b[i] != '\n')
			i++;
		tl = i - t0;
		tagged = false;
		data = false;
		if (tl == 1 && b[t0] == '+') {
			/* continuation: "+" [SP text] CRLF */
		} else if (tl == 1 && b[t0] == '*') {
			if (i >= len || b[i] != ' ')
				RFAIL("\"*\" not followed by a space");
			i++;
			/* "* 12 FETCH", "* LIST", "* OK" ... */
			w0 = i;
			while (i < len && b[i] >= '0' && b[i] <= '9')
				i++;
			if (i > w0) {
				if (i >= len || b[i] != ' ')
					RFAIL("number without a response name");
				i++;
				w0 = i;
			}
			while (i < len && b[i] >= 'A' && b[i] <= 'Z')
				i++;
			wl = i - w0;
			if (wl == 0)
				RFAIL("untagged response without a name");
			if (wl == 3 && memcmp(b + w0, "BYE", 3) == 0)
				bye = true;
			else if (!((wl == 2 && memcmp(b + w0, "OK", 2) == 0) ||
			    (wl == 2 && memcmp(b + w0, "NO", 2) == 0) ||
			    (wl == 3 && memcmp(b + w0, "BAD", 3) == 0) ||
			    (wl == 7 && memcmp(b + w0, "PREAUTH", 7) == 0))) {
				if (!fz_data_response(b + w0, wl))
					RFAIL("unknown untagged response %s",
					    fz_esc(b + w0, wl));
				data = true;
			}
		} else {
			if (tl == 0 || tl > TAG_MAX_LEN)
				RFAIL("missing or overlong tag");
			for (k = t0; k < t0 + tl; k++)
				if (!fz_is_tagchar(b[k]))
					RFAIL("bad tag character 0x%02x", b[k]);
			if (x->in != NULL) {
				bool found = false;

				for (k = 0; !found && k + tl < x->inlen; k++)
					found = memcmp(x->in + k, b + t0, tl) ==
					    0 && x->in[k + tl] == ' ';
				if (!found)
					RFAIL("tag %s not sent by the client",
					    fz_esc(b + t0, tl));
			}
			if (i >= len || b[i] != ' ')
				RFAIL("tag not followed by a space");
			i++;
			if (!((len - i >= 3 && memcmp(b + i, "OK ", 3) == 0) ||
			    (len - i >= 3 && memcmp(b + i, "NO ", 3) == 0) ||
			    (len - i >= 4 && memcmp(b + i, "BAD ", 4) == 0)))
				RFAIL("tagged response not OK, NO or BAD");
			i += b[i] == 'B' ? 3 : 2;
			tagged = true;
		}
		if (bye && after_bye == 1 && !tagged)
			RFAIL("untagged response after * BYE");
		/* the rest of the response, literals included */
		depth = 0;
		if (!data && i < len && b[i] == ' ' && i + 1 < len &&
		    b[i + 1] == '[') {
			/* resp-text-code: "[" ... "]" on this line */
			for (k = i + 2; k < len && b[k] != ']' && b[k] != '\r' &&
			    b[k] != '\n'; k++)
				;
			if (k >= len || b[k] != ']')
				RFAIL("response code not closed");
			if (!x->allow_serverbug && k - (i + 2) >= 9 &&
			    memcmp(b + i + 2, "SERVERBUG", 9) == 0)
				RFAIL("[SERVERBUG] response");
		}
		for (;;) {
			if (i >= len)
				RFAIL("response not ended by CRLF");
			if (b[i] == '\r') {
				if (i + 1 >= len || b[i + 1] != '\n')
					RFAIL("bare CR");
				/* a literal announced at the end of the line? */
				if (i > start + 2 && b[i - 1] == '}') {
					size_t	n = 0;
					bool	bin;

					k = i - 1;
					while (k > start && b[k - 1] >= '0' &&
					    b[k - 1] <= '9')
						k--;
					if (k < i - 1 && k > start &&
					    b[k - 1] == '{') {
						if (i - 1 - k > 10)
							RFAIL("literal size "
							    "too long");
						bin = k - 1 > start &&
						    b[k - 2] == '~';
						for (; k < i - 1; k++)
							n = n * 10 +
							    (size_t)(b[k] - '0');
						i += 2;
						if (len - i < n)
							RFAIL("literal of %zu "
							    "bytes cut short",
							    n);
						if (!bin && memchr(b + i, '\0',
						    n) != NULL)
							RFAIL("NUL in a literal");
						i += n;
						continue;
					}
				}
				i += 2;
				break;
			}
			if (b[i] == '\n')
				RFAIL("bare LF");
			if (b[i] == '\0')
				RFAIL("NUL outside a literal");
			if (data) {
				if (b[i] == '"') {
					for (i++; i < len && b[i] != '"'; i++) {
						if (b[i] == '\r' || b[i] == '\n' ||
						    b[i] == '\0')
							RFAIL("CR, LF or NUL in "
							    "a quoted string");
						if (b[i] == '\\') {
							i++;
							if (i >= len || (b[i] !=
							    '\\' && b[i] != '"'))
								RFAIL("bad escape "
								    "in a quoted "
								    "string");
						}
					}
					if (i >= len)
						RFAIL("unterminated quoted "
						    "string");
				} else if (b[i] == '(')
					depth++;
				else if (b[i] == ')' && --depth < 0)
					RFAIL("unbalanced )");
			}
			i++;
		}
		if (data && depth != 0)
			RFAIL("%d unclosed ( in a data response", depth);
	}
	return NULL;
#undef RFAIL
}

#endif /* FUZZ_COMMON_H */
