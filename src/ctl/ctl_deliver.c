/*
 * ctl_deliver.c: liteimapctl deliver, the local delivery agent an MTA
 * pipes one message to (Postfix mailbox_command or a pipe transport,
 * an Exim pipe transport).  The exit code is what the MTA acts on
 * (sysexits(3)): 0 stored; 67 no such user (bounce); 65 an empty
 * message or one with NUL bytes (bounce); 75 everything that is not the
 * sender's fault (database busy, disk full, message over max_literal,
 * read error, no database...), so the MTA keeps the message and tries
 * again.  The message is stored in one transaction: all or nothing.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define SENDER_MAX	900	/* keeps "Return-Path: <...>" under 998 */
#define FROM_SLACK	4096	/* input past max_literal: a From_ line */

/*
 * Read all of fd 0 into b, at most max bytes.  0 when done, 1 when the
 * input goes on past max (reading stops there), -1 on a read error.
 */
static int
read_stdin(struct ctl_buf *b, int64_t max)
{
	ssize_t	r;
	size_t	want;

	for (;;) {
		ctl_buf_reserve(b, 65536);
		want = b->cap - b->len;
		r = read(STDIN_FILENO, b->p + b->len, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 0;
		b->len += (size_t)r;
		if ((int64_t)b->len > max)
			return 1;
	}
}

/* The envelope sender for Return-Path: <> for "" and "<>". */
static const char *
check_sender(const char *s, char *out, size_t len)
{
	size_t	i, n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n > SENDER_MAX || n >= len)
		return "envelope sender too long";
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '<' ||
		    s[i] == '>')
			return "invalid character in envelope sender";
	memcpy(out, s, n);
	out[n] = '\0';
	return NULL;
}

static void
deliver_usage(void)
{
	(void)fprintf(stderr, "usage: liteimapctl deliver USER [-m MAILBOX] "
	    "[-f SENDER]\n");
}

/* An error the MTA should retry: message on stderr and in the log. */
static int
tempfail(const char *user, const char *what, const char *why)
{
	(void)fprintf(stderr, "liteimapctl: deliver to %s: %s: %s\n", user,
	    what, why);
	log_warn("deliver to %s: %s: %s (temporary failure)", user, what, why);
	return EX_TEMPFAIL;
}

static const char *
db_why(struct db *db, int rc)
{
	switch (rc) {
	case DB_BUSY:
		return "database is locked (waited busy_timeout)";
	case DB_FULL:
		return "disk full (or the mailbox has used up its UIDs)";
	case DB_READONLY:
		return "database is read-only for this user";
	case DB_NOTFOUND:
		return "mailbox was deleted meanwhile";
	default:
		return db_errmsg(db);
	}
}

int
ctl_deliver(struct ctl *c, int argc, char **argv)
{
	struct store_mailbox	 mb;
	struct ctl_buf		 in, msg;
	struct store_msg	 m;
	char			 sender[SENDER_MAX + 1];
	char			 want[MBOX_NAME_MAX + 1];
	const char		*user = NULL, *mbox = NULL, *from = NULL;
	const char		*err;
	const char		*body, *nl, *target = "INBOX";
	int64_t			 uid;
	uint32_t		 uv, first;
	size_t			 blen;
	int			 i, rc;
	bool			 created;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-m") == 0 && i + 1 < argc && mbox == NULL)
			mbox = argv[++i];
		else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc &&
		    from == NULL)
			from = argv[++i];
		else if (strncmp(argv[i], "-m", 2) == 0 && argv[i][2] != '\0' &&
		    mbox == NULL)
			mbox = argv[i] + 2;
		else if (strncmp(argv[i], "-f", 2) == 0 && argv[i][2] != '\0' &&
		    from == NULL)
			from = argv[i] + 2;
		else if (argv[i][0] != '-' && user == NULL)
			user = argv[i];
		else {
			deliver_usage();
			return EX_USAGE;
		}
	}
	if (user == NULL) {
		deliver_usage();
		return EX_USAGE;
	}
	log_set_level((int)c->cfg.log_level);
	if (from != NULL && (err = check_sender(from, sender,
	    sizeof(sender))) != NULL) {
		(void)fprintf(stderr, "liteimapctl: deliver: -f: %s\n", err);
		return EX_USAGE;
	}
	/* a database the MTA cannot use now is worth another try later */
	if (ctl_open(c) != EX_OK) {
		log_warn("deliver to %s: cannot open the database (temporary "
		    "failure)", user);
		return EX_TEMPFAIL;
	}
	if ((rc = ctl_find_user(c, user, &uid)) != EX_OK) {
		if (rc == EX_NOUSER)
			log_notice("deliver: %s: no such user", user);
		return rc == EX_NOUSER ? EX_NOUSER : EX_TEMPFAIL;
	}
	if (mbox != NULL) {
		if ((err = ctl_mailbox_name(c, mbox, want)) != NULL) {
			log_notice("deliver to %s: -m \"%s\": %s, using INBOX",
			    user, mbox, err);
			(void)fprintf(stderr, "liteimapctl: deliver: -m "
			    "\"%s\": %s, delivering to INBOX\n", mbox, err);
		} else
			target = want;
	}
	memset(&in, 0, sizeof(in));
	memset(&msg, 0, sizeof(msg));
	rc = read_stdin(&in, c->cfg.max_literal + FROM_SLACK);
	if (rc == -1) {
		rc = tempfail(user, "standard input", strerror(errno));
		goto out;
	}
	if (rc == 1) {
		rc = tempfail(user, "message", "larger than max_literal");
		goto out;
	}
	/* an mbox From_ line some MTAs put first is not part of it */
	body = in.p;
	blen = in.len;
	if (blen >= 5 && memcmp(body, "From ", 5) == 0) {
		nl = memchr(body, '\n', blen);
		blen = nl == NULL ? 0 : blen - (size_t)(nl + 1 - body);
		body = nl == NULL ? body : nl + 1;
	}
	if (blen == 0 || memchr(body, '\0', blen) != NULL) {
		(void)fprintf(stderr, "liteimapctl: deliver to %s: %s\n", user,
		    blen == 0 ? "empty message" : "NUL byte in message");
		log_notice("deliver to %s: %s refused", user, blen == 0 ?
		    "empty message" : "message with NUL bytes");
		rc = EX_DATAERR;
		goto out;
	}
	if (from != NULL) {
		ctl_buf_add(&msg, "Return-Path: <", 14);
		ctl_buf_add(&msg, sender, strlen(sender));
		ctl_buf_add(&msg, ">\r\n", 3);
	}
	ctl_buf_add_crlf(&msg, body, blen, false);
	if ((int64_t)msg.len > c->cfg.max_literal) {
		rc = tempfail(user, "message", "larger than max_literal");
		goto out;
	}
	/* a missing or unselectable mailbox: INBOX (made if need be) */
	rc = DB_NOTFOUND;
	if (strcmp(target, "INBOX") != 0 && (rc = store_mailbox_get(c->db,
	    uid, target, &mb, NULL)) != DB_OK && rc != DB_NOTFOUND) {
		rc = tempfail(user, target, db_why(c->db, rc));
		goto out;
	}
	if (rc == DB_OK && mb.noselect)
		rc = DB_NOTFOUND;
	if (rc == DB_NOTFOUND) {
		if (strcmp(target, "INBOX") != 0) {
			log_notice("deliver to %s: no mailbox \"%s\", using "
			    "INBOX", user, target);
			(void)fprintf(stderr, "liteimapctl: deliver to %s: no "
			    "mailbox \"%s\", delivering to INBOX\n", user,
			    target);
		}
		target = "INBOX";
		if (ctl_mailbox_ensure(c, uid, target, &mb, &created) !=
		    EX_OK) {
			rc = EX_TEMPFAIL;
			goto out;
		}
	}
	memset(&m, 0, sizeof(m));
	m.data = msg.p;
	m.len = msg.len;
	m.keywords = "";
	m.date = (int64_t)time(NULL);
	if ((rc = store_append(c->db, mb.id, &m, 1, &uv, &first)) != DB_OK) {
		rc = tempfail(user, mb.name, db_why(c->db, rc));
		goto out;
	}
	log_info("delivered to %s: mailbox=%s uid=%u size=%zu%s%s%s", user,
	    mb.name, first, msg.len, from != NULL ? " from=<" : "",
	    from != NULL ? sender : "", from != NULL ? ">" : "");
	rc = EX_OK;
out:
	ctl_buf_free(&in);
	ctl_buf_free(&msg);
	return rc;
}
