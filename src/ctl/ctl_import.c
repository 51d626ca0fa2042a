/*
 * ctl_import.c: liteimapctl import: mbox files and Maildir++ trees into
 * mailboxes.  Messages are stored in batches (each batch one
 * store_append() transaction, so an interrupted import keeps whole
 * batches and never half a message); bare LF line ends become CRLF, as
 * IMAP requires; otherwise a message is stored byte for byte.  Also the
 * message-bytes helpers liteimapctl deliver shares.
 *
 * mbox: a message starts at a "From " line at the start of the file or
 * after an empty line; later ones must carry a date, so an unquoted
 * "From " sentence after an empty line in an mboxo body is taken for
 * text.  The empty line before a From_ line belongs to the separator.
 * Lines ">From ", ">>From ", ... lose one '>' (mboxrd; for mboxo files,
 * whose writers quote only "From ", this is right unless a body had a
 * literal ">From " line to begin with).  Flags come from Status: and
 * X-Status: (R seen, A answered, F flagged, D deleted, T draft),
 * keywords from X-Keywords:, the internal date from the From_ line
 * (asctime, UTC unless a zone is given), else from Date:.
 *
 * Maildir++: DIR/cur and DIR/new are INBOX, DIR/.A.B is mailbox "A/B"
 * (modified UTF-7 decoded).  Flags from the ":2," suffix (S seen,
 * R answered, F flagged, T deleted, D draft; a..z keywords listed in the
 * folder's dovecot-keywords), messages in new/ unseen, internal date =
 * file mtime, delivery order = the file names in version order (the
 * leading timestamp compared as a number).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define BATCH_MESSAGES	500	/* per store_append() transaction */
#define MERGE_PAGES	500	/* of full-text merging per transaction */
#define MERGE_STEPS	10000	/* transactions of it, at most */
#define BATCH_BYTES	(32 * 1024 * 1024)
#define IMPORT_CACHE	(64 * 1024 * 1024)	/* SQLite page cache, bytes */
#define KEYWORDS_MAX	256	/* bytes per message, as APPEND */
#define HEADER_VALUE	1024	/* bytes of a header value we read */
#define FROM_LINE_MAX	1024

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char wdays[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

/* ---- message bytes ---- */

/* Room for n more bytes. */
void
ctl_buf_reserve(struct ctl_buf *b, size_t n)
{
	size_t	cap;

	if (n <= b->cap - b->len)
		return;
	if (n > SIZE_MAX / 2 - b->len)
		fatalx(EXIT_OSERR, "out of memory");
	for (cap = b->cap ? b->cap : 4096; cap < b->len + n; cap *= 2)
		;
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
}

void
ctl_buf_add(struct ctl_buf *b, const void *p, size_t n)
{
	ctl_buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/*
 * Append s with every bare LF made CRLF (a CR not before an LF stays as
 * it is).  unquote: lines ">From ", ">>From ", ... lose one '>' (mboxrd).
 */
void
ctl_buf_add_crlf(struct ctl_buf *b, const char *s, size_t len, bool unquote)
{
	const char	*end = s + len, *line, *nl, *q;
	size_t		 n;

	ctl_buf_reserve(b, len + len / 16 + 2);
	for (line = s; line < end; line = nl + 1) {
		if (unquote && *line == '>') {
			for (q = line; q < end && *q == '>'; q++)
				;
			if (end - q >= 5 && memcmp(q, "From ", 5) == 0)
				line++;
		}
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			ctl_buf_add(b, line, (size_t)(end - line));
			break;
		}
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			ctl_buf_add(b, line, n + 1);
		else {
			ctl_buf_add(b, line, n);
			ctl_buf_add(b, "\r\n", 2);
		}
	}
}

void
ctl_buf_free(struct ctl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- dates ---- */

static int
month_of(const char *t)
{
	int	i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(t, months[i], 3) == 0 && (t[3] == '\0' ||
		    isalpha((unsigned char)t[3])))
			return i;
	return -1;
}

static bool
is_wday(const char *t)
{
	int	i;

	for (i = 0; i < 7; i++)
		if (strncasecmp(t, wdays[i], 3) == 0 && (t[3] == '\0' ||
		    t[3] == ',' || isalpha((unsigned char)t[3])))
			return true;
	return false;
}

static bool
all_digits(const char *t, size_t min, size_t max)
{
	size_t	n;

	for (n = 0; t[n] != '\0'; n++)
		if (!isdigit((unsigned char)t[n]))
			return false;
	return n >= min && n <= max;
}

/* The value of a run of at most 4 digits (all_digits() checked it). */
static int
digits(const char *t)
{
	int	v = 0;

	for (; *t >= '0' && *t <= '9'; t++)
		v = v * 10 + (*t - '0');
	return v;
}

/* "hh:mm" or "hh:mm:ss" */
static bool
parse_time(const char *t, int *hh, int *mm, int *ss)
{
	char	c;

	*ss = 0;
	/* NOLINTBEGIN(cert-err34-c): %2d cannot overflow */
	if (sscanf(t, "%2d:%2d:%2d%c", hh, mm, ss, &c) == 3 ||
	    (sscanf(t, "%2d:%2d%c", hh, mm, &c) == 2 && strlen(t) <= 5))
		return true;
	/* NOLINTEND(cert-err34-c) */
	return false;
}

/* A zone: +hhmm/-hhmm or a name (RFC 5322 4.3); minutes east of UTC. */
static bool
parse_zone(const char *t, int *tz)
{
	static const struct {
		const char	*name;
		int		 hours;
	} names[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	size_t	i;

	if ((t[0] == '+' || t[0] == '-') && all_digits(t + 1, 4, 4)) {
		*tz = ((t[1] - '0') * 10 + (t[2] - '0')) * 60 +
		    (t[3] - '0') * 10 + (t[4] - '0');
		if (t[0] == '-')
			*tz = -*tz;
		return true;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(t, names[i].name) == 0) {
			*tz = names[i].hours * 60;
			return true;
		}
	/* other names (military letters and the like) mean "unknown": UTC */
	for (i = 0; t[i] != '\0'; i++)
		if (!isalpha((unsigned char)t[i]))
			return false;
	*tz = 0;
	return i > 0 && i <= 5;
}

/* The fields as a time; datetime_parse() checks their ranges. */
static bool
make_time(int y, int mon, int d, int hh, int mm, int ss, int tz, int64_t *t)
{
	char	buf[64];
	int	atz = tz < 0 ? -tz : tz, tz2;

	if (y < 1000 || y > 9999 || d < 1 || d > 31 || atz > 23 * 60 + 59)
		return false;
	(void)snprintf(buf, sizeof(buf), "%02d-%s-%04d %02d:%02d:%02d "
	    "%c%02d%02d", d, months[mon], y, hh, mm, ss, tz < 0 ? '-' : '+',
	    atz / 60, atz % 60);
	return datetime_parse(buf, t, &tz2) == 0;
}

/* Split buf in place at blanks (and commas, when asked); n tokens. */
static size_t
tokens(char *buf, char **tok, size_t max, bool commas)
{
	size_t	 n = 0;
	char	*p = buf;

	while (n < max) {
		while (*p == ' ' || *p == '\t' || (commas && *p == ','))
			p++;
		if (*p == '\0')
			break;
		tok[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' &&
		    !(commas && *p == ','))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

/*
 * RFC 5322 3.3 date-time, with the obsolete forms (2-digit years, zone
 * names, no seconds) and comments; false if it is not one.
 */
static bool
parse_date_header(const char *s, int64_t *t, int *tz)
{
	char	 buf[HEADER_VALUE], *tok[8];
	size_t	 i, n, k = 0;
	int64_t	 when;
	int	 depth = 0, d, mon, y, hh, mm, ss, zone;

	for (i = 0; s[i] != '\0' && k < sizeof(buf) - 1; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			buf[k++] = s[i];
	}
	buf[k] = '\0';
	n = tokens(buf, tok, 8, true);
	i = 0;
	if (i < n && is_wday(tok[i]))
		i++;
	if (n - i < 4 || !all_digits(tok[i], 1, 2) ||
	    (mon = month_of(tok[i + 1])) == -1 ||
	    !all_digits(tok[i + 2], 2, 4) ||
	    !parse_time(tok[i + 3], &hh, &mm, &ss))
		return false;
	d = digits(tok[i]);
	y = digits(tok[i + 2]);
	if (strlen(tok[i + 2]) == 2)
		y += y < 50 ? 2000 : 1900;
	else if (strlen(tok[i + 2]) == 3)
		y += 1900;
	if (n - i < 5 || !parse_zone(tok[i + 4], &zone))
		zone = 0;
	if (!make_time(y, mon, d, hh, mm, ss, zone, &when))
		return false;
	*t = when;
	*tz = zone;
	return true;
}

/*
 * The date of a From_ line ("From sender Mon Jan  1 10:00:00 2020",
 * optionally with a zone before or after the year, or an RFC 5322 date
 * after the sender).  False if the line carries no date.
 */
static bool
from_line_date(const char *line, size_t len, int64_t *t, int *tz)
{
	char	 buf[FROM_LINE_MAX], *tok[16];
	size_t	 n, i, k;
	int	 mon, d, y, hh, mm, ss;
	int64_t	 t1;
	int	 tz1 = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	n = tokens(buf, tok, 16, false);
	for (i = 1; i + 3 < n; i++) {
		if (!is_wday(tok[i]) || (mon = month_of(tok[i + 1])) == -1)
			continue;
		if (!all_digits(tok[i + 2], 1, 2) ||
		    !parse_time(tok[i + 3], &hh, &mm, &ss))
			break;
		d = digits(tok[i + 2]);
		k = i + 4;
		tz1 = 0;
		if (k < n && !all_digits(tok[k], 4, 4) &&
		    parse_zone(tok[k], &tz1))
			k++;
		if (k >= n || !all_digits(tok[k], 4, 4))
			break;
		y = digits(tok[k]);
		if (k + 1 < n && tz1 == 0)
			(void)parse_zone(tok[k + 1], &tz1);
		if (!make_time(y, mon, d, hh, mm, ss, tz1, &t1))
			break;
		if (t != NULL) {
			*t = t1;
			*tz = tz1;
		}
		return true;
	}
	/* "From sender Sat, 1 Jan 2020 10:00:00 +0000" */
	for (i = 2; i < n; i++)
		if (is_wday(tok[i]) || isdigit((unsigned char)tok[i][0]))
			break;
	if (i >= n)
		return false;
	/* the rest of the line from that token on */
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (!parse_date_header(buf + (tok[i] - buf), &t1, &tz1))
		return false;
	if (t != NULL) {
		*t = t1;
		*tz = tz1;
	}
	return true;
}

/* ---- headers ---- */

/*
 * The next field of the header in [*pp, end): its name and its value
 * unfolded and trimmed, cut to vlen - 1 bytes.  False at the empty line
 * that ends the header (or at the end of the data).
 */
static bool
next_header(const char **pp, const char *end, const char **name,
    size_t *nlen, char *val, size_t vlen)
{
	const char	*p = *pp, *eol, *colon, *s;
	size_t		 v = 0;

	for (;;) {
		if (p >= end || *p == '\n' || (*p == '\r' && end - p > 1 &&
		    p[1] == '\n'))
			return false;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL && colon > p && *p != ' ' && *p != '\t')
			break;
		p = eol + (eol < end);	/* not a field: skip the line */
	}
	*name = p;
	for (*nlen = (size_t)(colon - p); *nlen > 0 && (p[*nlen - 1] == ' ' ||
	    p[*nlen - 1] == '\t'); (*nlen)--)
		;
	for (s = colon + 1;;) {
		for (; s < eol; s++)
			if (*s != '\r' && v < vlen - 1)
				val[v++] = *s;
		p = eol + (eol < end);
		if (p >= end || (*p != ' ' && *p != '\t'))
			break;
		s = p;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
	}
	val[v] = '\0';
	while (v > 0 && (val[v - 1] == ' ' || val[v - 1] == '\t'))
		val[--v] = '\0';
	for (s = val; *s == ' ' || *s == '\t'; s++)
		;
	memmove(val, s, strlen(s) + 1);
	*pp = p;
	return true;
}

static bool
header_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/*
 * Add keyword k (klen bytes) to " a b " in kw (kwlen bytes so far) if it
 * is a valid atom not already there (ignoring case) and fits.
 */
static void
keyword_add(char kw[KEYWORDS_MAX + 1], size_t *kwlen, const char *k,
    size_t klen)
{
	char	needle[KEYWORDS_MAX + 3];
	size_t	i;

	if (klen == 0 || klen > KEYWORDS_MAX || k[0] == '\\')
		return;
	for (i = 0; i < klen; i++)
		if ((unsigned char)k[i] <= 0x20 ||
		    (unsigned char)k[i] >= 0x7f ||
		    strchr("(){%*\"\\]", k[i]) != NULL)
			return;
	(void)snprintf(needle, sizeof(needle), " %.*s ", (int)klen, k);
	if (*kwlen > 0 && strcasestr(kw, needle) != NULL)
		return;
	if (*kwlen + klen + (*kwlen == 0) + 1 > KEYWORDS_MAX)
		return;
	if (*kwlen == 0)
		kw[(*kwlen)++] = ' ';
	memcpy(kw + *kwlen, k, klen);
	*kwlen += klen;
	kw[(*kwlen)++] = ' ';
	kw[*kwlen] = '\0';
}

static unsigned
status_flags(const char *v)
{
	unsigned	f = 0;

	for (; *v != '\0'; v++)
		switch (*v) {
		case 'R':
			f |= F_SEEN;
			break;
		case 'A':
			f |= F_ANSWERED;
			break;
		case 'F':
			f |= F_FLAGGED;
			break;
		case 'D':
			f |= F_DELETED;
			break;
		case 'T':
			f |= F_DRAFT;
			break;
		}
	return f;
}

/* ---- the batch ---- */

struct pending {
	size_t		off;
	size_t		len;
	size_t		kwoff;
	unsigned	flags;
	int64_t		date;
	int		tz;
};

struct importer {
	struct ctl		*c;
	int64_t			 user;
	struct store_mailbox	 mb;
	struct ctl_buf		 data;	/* the batch, CRLF */
	struct ctl_buf		 kw;	/* its keywords, each + NUL */
	struct ctl_buf		 raw;	/* a Maildir file */
	struct pending		 pend[BATCH_MESSAGES];
	struct store_msg	 msgs[BATCH_MESSAGES];
	size_t			 n;
	uint64_t		 done;	/* stored in this mailbox */
	uint64_t		 all;	/* stored in all */
	uint64_t		 skipped;
	bool			 tty;
	bool			 shown;	/* progress on screen */
};

static const char *
db_reason(struct db *db, int rc)
{
	switch (rc) {
	case DB_BUSY:
		return "database is locked (waited busy_timeout)";
	case DB_FULL:
		return "disk full, or the mailbox has used up its UIDs";
	case DB_READONLY:
		return "database is read-only";
	case DB_NOTFOUND:
		return "mailbox was deleted meanwhile";
	default:
		return db_errmsg(db);
	}
}

static void
progress(struct importer *im)
{
	if (!im->tty)
		return;
	(void)printf("\r%llu messages", (unsigned long long)im->all);
	(void)fflush(stdout);
	im->shown = true;
}

static void
say(struct importer *im, FILE *f, const char *fmt, ...) PRINTFLIKE(3, 4);

/* A line that does not land on the end of a progress line. */
static void
say(struct importer *im, FILE *f, const char *fmt, ...)
{
	va_list	ap;

	if (im->shown) {
		(void)fputc('\n', stdout);
		(void)fflush(stdout);
		im->shown = false;
	}
	va_start(ap, fmt);
	(void)vfprintf(f, fmt, ap);
	va_end(ap);
}

/* Store the batch: one transaction.  EX_OK or an exit code. */
static int
flush(struct importer *im)
{
	uint32_t	uv, first;
	size_t		i;
	int		rc;

	if (im->n == 0)
		return EX_OK;
	for (i = 0; i < im->n; i++) {
		im->msgs[i].data = im->data.p + im->pend[i].off;
		im->msgs[i].len = im->pend[i].len;
		im->msgs[i].flags = im->pend[i].flags;
		im->msgs[i].keywords = im->kw.p + im->pend[i].kwoff;
		im->msgs[i].date = im->pend[i].date;
		im->msgs[i].tz = im->pend[i].tz;
	}
	if ((rc = store_append(im->c->db, im->mb.id, im->msgs, im->n, &uv,
	    &first)) != DB_OK) {
		say(im, stderr, "liteimapctl: %s: cannot store messages: %s; "
		    "%llu messages were imported into it before this\n",
		    im->mb.name, db_reason(im->c->db, rc),
		    (unsigned long long)im->done);
		return ctl_db_exit(rc);
	}
	CRASHPOINT("import-batch");
	im->done += im->n;
	im->all += im->n;
	im->n = 0;
	im->data.len = 0;
	im->kw.len = 0;
	progress(im);
	return EX_OK;
}

/*
 * Queue one message (raw bytes, LF or CRLF); where names it in
 * warnings.  A message that cannot be stored (empty, NUL bytes, larger
 * than max_literal) is skipped with a warning.
 */
static int
add_message(struct importer *im, const char *raw, size_t len, bool unquote,
    unsigned flags, const char *kw, int64_t date, int tz, const char *where)
{
	struct pending	*p = &im->pend[im->n];
	const char	*why = NULL;

	if (len == 0)
		why = "empty message";
	else if (memchr(raw, '\0', len) != NULL)
		why = "NUL byte in message";
	else if ((uint64_t)len > (uint64_t)im->c->cfg.max_literal)
		why = "larger than max_literal";
	if (why == NULL) {
		p->off = im->data.len;
		ctl_buf_add_crlf(&im->data, raw, len, unquote);
		p->len = im->data.len - p->off;
		if ((uint64_t)p->len > (uint64_t)im->c->cfg.max_literal) {
			im->data.len = p->off;
			why = "larger than max_literal";
		}
	}
	if (why != NULL) {
		say(im, stderr, "liteimapctl: %s: %s, skipped\n", where, why);
		im->skipped++;
		return EX_OK;
	}
	p->kwoff = im->kw.len;
	ctl_buf_add(&im->kw, kw, strlen(kw) + 1);
	p->flags = flags;
	p->date = date;
	p->tz = tz;
	if (++im->n == BATCH_MESSAGES || im->data.len >= BATCH_BYTES)
		return flush(im);
	return EX_OK;
}

/* Begin a mailbox: created and subscribed when missing. */
static int
begin_mailbox(struct importer *im, const char *name)
{
	bool	created;
	int	rc;

	if ((rc = ctl_mailbox_ensure(im->c, im->user, name, &im->mb,
	    &created)) != EX_OK)
		return rc;
	im->done = 0;
	return EX_OK;
}

static int
end_mailbox(struct importer *im)
{
	int	rc;

	if ((rc = flush(im)) != EX_OK)
		return rc;
	if (im->shown)
		(void)fputc('\r', stdout);
	im->shown = false;
	(void)printf("imported %llu message%s into %s\n",
	    (unsigned long long)im->done, im->done == 1 ? "" : "s",
	    im->mb.name);
	(void)fflush(stdout);
	return EX_OK;
}

/*
 * After the last batch: settle the full-text index (store_fts_merge()),
 * in short transactions so that sessions get their turn in between.
 * Optional work: a failure is a warning (the messages are stored, and a
 * retry would import them again), and FTS5 goes on merging as mail
 * arrives.  At most MERGE_STEPS, as busy writers could keep it going.
 */
static void
settle_index(struct importer *im)
{
	bool		more = true;
	unsigned	steps = 0;
	int		rc;

	while (more && steps < MERGE_STEPS) {
		if ((rc = store_fts_merge(im->c->db, MERGE_PAGES, &more)) !=
		    DB_OK) {
			say(im, stderr, "liteimapctl: warning: merging the "
			    "search index: %s (the messages are stored)\n",
			    db_reason(im->c->db, rc));
			break;
		}
		if (im->tty && more) {
			(void)printf("\rsettling the search index: %u", ++steps);
			(void)fflush(stdout);
			im->shown = true;
		}
	}
	if (im->shown) {	/* the line goes again */
		(void)printf("\r%40s\r", "");
		(void)fflush(stdout);
		im->shown = false;
	}
}

static int
open_error(const char *path)
{
	int	e = errno;

	(void)fprintf(stderr, "liteimapctl: %s: %s\n", path, strerror(e));
	return e == ENOENT || e == ENOTDIR ? EX_NOINPUT : e == EACCES ||
	    e == EPERM ? EX_NOPERM : EX_IOERR;
}

/* ---- mbox ---- */

static bool
blank_line(const char *p, const char *end)
{
	return (p < end && *p == '\n') || (end - p >= 2 && p[0] == '\r' &&
	    p[1] == '\n');
}

/* Where the first From_ line is, or NULL if the data is not an mbox. */
static const char *
mbox_start(const char *p, const char *end)
{
	while (blank_line(p, end))
		p += *p == '\r' ? 2 : 1;
	if (end - p < 5 || memcmp(p, "From ", 5) != 0)
		return NULL;
	return p;
}

/* Flags, keywords and Date: of a message's header. */
static void
mbox_header(const char *p, const char *end, unsigned *flags,
    char kw[KEYWORDS_MAX + 1], bool want_date, int64_t *date, int *tz)
{
	char		 val[HEADER_VALUE], *tok[64];
	const char	*name;
	size_t		 nlen, n, i, kwlen = 0;

	*flags = 0;
	kw[0] = '\0';
	while (next_header(&p, end, &name, &nlen, val, sizeof(val))) {
		if (header_is(name, nlen, "Status") ||
		    header_is(name, nlen, "X-Status"))
			*flags |= status_flags(val);
		else if (header_is(name, nlen, "X-Keywords")) {
			n = tokens(val, tok, 64, true);
			for (i = 0; i < n; i++)
				keyword_add(kw, &kwlen, tok[i], strlen(tok[i]));
		} else if (want_date && header_is(name, nlen, "Date") &&
		    parse_date_header(val, date, tz))
			want_date = false;
	}
}

static int
import_mbox(struct importer *im, const char *path)
{
	struct stat	 st;
	const char	*map, *end, *p, *body, *q, *e, *next, *bend, *blank;
	char		 kw[KEYWORDS_MAX + 1], where[PATH_MAX + 64];
	unsigned	 flags;
	uint64_t	 msgno = 0;
	int64_t		 date;
	int		 fd, tz, rc = EX_OK;
	bool		 have_date, prev_blank;
	size_t		 ll;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return open_error(path);
	if (fstat(fd, &st) == -1) {
		rc = open_error(path);
		(void)close(fd);
		return rc;
	}
	if (st.st_size == 0) {
		(void)close(fd);
		return EX_OK;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)close(fd);
	if (map == MAP_FAILED)
		return open_error(path);
	(void)madvise((void *)(uintptr_t)map, (size_t)st.st_size,
	    MADV_SEQUENTIAL);
	end = map + st.st_size;
	if ((p = mbox_start(map, end)) == NULL) {
		(void)fprintf(stderr, "liteimapctl: %s: not an mbox file (no "
		    "\"From \" line at the start)\n", path);
		rc = EX_DATAERR;
		goto out;
	}
	while (p < end && rc == EX_OK) {
		msgno++;
		/* p is at a From_ line */
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		have_date = from_line_date(p, (size_t)(e - p), &date, &tz);
		body = e + (e < end);
		/* the next From_ line after an empty line ends the message */
		next = bend = end;
		prev_blank = false;
		blank = NULL;
		for (q = body; q < end; q = e + (e < end)) {
			if ((e = memchr(q, '\n', (size_t)(end - q))) == NULL)
				e = end;
			ll = (size_t)(e - q);
			if (prev_blank && ll >= 5 && memcmp(q, "From ", 5) ==
			    0 && from_line_date(q, ll, NULL, NULL)) {
				next = q;
				bend = blank;
				break;
			}
			prev_blank = ll == 0 || (ll == 1 && *q == '\r');
			if (prev_blank)
				blank = q;
		}
		if (next == end) {
			/* the last message: drop the separator's empty line */
			if (bend - body >= 2 && bend[-1] == '\n' &&
			    bend[-2] == '\n')
				bend--;
			else if (bend - body >= 4 && memcmp(bend - 4,
			    "\r\n\r\n", 4) == 0)
				bend -= 2;
		}
		if (!have_date) {
			date = (int64_t)time(NULL);
			tz = 0;
		}
		mbox_header(body, bend, &flags, kw, !have_date, &date, &tz);
		(void)snprintf(where, sizeof(where), "%s: message %llu (byte "
		    "%lld)", path, (unsigned long long)msgno,
		    (long long)(body - map));
		rc = add_message(im, body, (size_t)(bend - body), true, flags,
		    kw, date, tz, where);
		p = next;
	}
out:
	(void)munmap((void *)(uintptr_t)map, (size_t)st.st_size);
	return rc;
}

/* Check that every file is there and looks like an mbox before we start. */
static int
mbox_precheck(const char *path)
{
	struct stat	st;
	char		head[4096];
	ssize_t		n;
	int		fd, rc = EX_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return open_error(path);
	if (fstat(fd, &st) == -1)
		rc = open_error(path);
	else if (S_ISDIR(st.st_mode)) {
		(void)fprintf(stderr, "liteimapctl: %s: is a directory (for "
		    "a Maildir use import --maildir)\n", path);
		rc = EX_DATAERR;
	} else if ((n = read(fd, head, sizeof(head))) == -1)
		rc = open_error(path);
	else if (n > 0 && mbox_start(head, head + n) == NULL) {
		(void)fprintf(stderr, "liteimapctl: %s: not an mbox file (no "
		    "\"From \" line at the start)\n", path);
		rc = EX_DATAERR;
	}
	(void)close(fd);
	return rc;
}

/* ---- Maildir ---- */

struct mdfile {
	char	*name;
	bool	 isnew;
};

static int
cmp_mdfile(const void *a, const void *b)
{
	const struct mdfile	*x = a, *y = b;
	int			 c = strverscmp(x->name, y->name);

	return c != 0 ? c : (int)x->isnew - (int)y->isnew;
}

struct folder {
	char	*dir;		/* path of the Maildir folder */
	char	*name;		/* mailbox name */
};

static int
cmp_folder(const void *a, const void *b)
{
	return strcmp(((const struct folder *)a)->name,
	    ((const struct folder *)b)->name);
}

static bool
is_dir(const char *dir, const char *sub)
{
	char		path[PATH_MAX];
	struct stat	st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, sub) >=
	    (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_maildir(const char *dir)
{
	return is_dir(dir, "cur") || is_dir(dir, "new");
}

/* dovecot-keywords: lines "N keyword", N 0..25 for the letters a..z. */
static void
read_keywords(const char *dir, char *map[26])
{
	char	 path[PATH_MAX], *line = NULL, *end;
	size_t	 cap = 0, n;
	long	 i;
	FILE	*f;

	if (snprintf(path, sizeof(path), "%s/dovecot-keywords", dir) >=
	    (int)sizeof(path) || (f = fopen(path, "re")) == NULL)
		return;
	while (getline(&line, &cap, f) != -1) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		errno = 0;
		i = strtol(line, &end, 10);
		if (errno != 0 || end == line || *end != ' ' || i < 0 ||
		    i > 25 || end[1] == '\0')
			continue;
		free(map[i]);
		map[i] = xstrdup(end + 1);
	}
	free(line);
	(void)fclose(f);
}

/* Flags and keywords from the ":2," info of a Maildir file name. */
static void
maildir_info(const char *name, char *const kwmap[26], bool isnew,
    unsigned *flags, char kw[KEYWORDS_MAX + 1])
{
	const char	*p = NULL, *s;
	size_t		 kwlen = 0;

	*flags = 0;
	kw[0] = '\0';
	for (s = name; (s = strstr(s, "2,")) != NULL; s++)
		if (s > name && (s[-1] == ':' || s[-1] == ';' || s[-1] == '!'))
			p = s + 2;
	for (; p != NULL && *p != '\0'; p++) {
		switch (*p) {
		case 'S':
			*flags |= F_SEEN;
			break;
		case 'R':
			*flags |= F_ANSWERED;
			break;
		case 'F':
			*flags |= F_FLAGGED;
			break;
		case 'T':
			*flags |= F_DELETED;
			break;
		case 'D':
			*flags |= F_DRAFT;
			break;
		default:
			if (*p >= 'a' && *p <= 'z' && kwmap[*p - 'a'] != NULL)
				keyword_add(kw, &kwlen, kwmap[*p - 'a'],
				    strlen(kwmap[*p - 'a']));
		}
	}
	if (isnew)
		*flags &= ~(unsigned)F_SEEN;
}

/* The files of dir/sub; false (after a warning) if it cannot be read. */
static bool
list_files(struct importer *im, const char *dir, const char *sub,
    bool isnew, struct mdfile **files, size_t *n, size_t *cap)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;

	if (snprintf(path, sizeof(path), "%s/%s", dir, sub) >=
	    (int)sizeof(path))
		errno = ENAMETOOLONG;
	else if ((d = opendir(path)) != NULL)
		goto read;
	if (errno == ENOENT)
		return true;
	say(im, stderr, "liteimapctl: %s/%s: %s, skipped\n", dir, sub,
	    strerror(errno));
	return false;
read:
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*files = xreallocarray(*files, *cap, sizeof(**files));
		}
		(*files)[*n].name = xstrdup(de->d_name);
		(*files)[(*n)++].isnew = isnew;
	}
	(void)closedir(d);
	return true;
}

/* Read a whole file into im->raw; -1 with errno on failure. */
static int
read_file(struct importer *im, int fd, size_t size)
{
	ssize_t	r;

	im->raw.len = 0;
	ctl_buf_reserve(&im->raw, size + 1);
	for (;;) {
		if (im->raw.len == im->raw.cap)
			ctl_buf_reserve(&im->raw, 4096);
		r = read(fd, im->raw.p + im->raw.len, im->raw.cap -
		    im->raw.len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 0;
		im->raw.len += (size_t)r;
		if ((uint64_t)im->raw.len > (uint64_t)im->c->cfg.max_literal)
			return 0;	/* add_message() refuses it */
	}
}

static int
import_folder(struct importer *im, const struct folder *fo)
{
	struct mdfile	*files = NULL;
	struct stat	 st;
	const char	*err;
	char		*kwmap[26], path[PATH_MAX], kw[KEYWORDS_MAX + 1];
	size_t		 n = 0, cap = 0, i;
	unsigned	 flags;
	int		 fd, rc;

	memset(kwmap, 0, sizeof(kwmap));
	if ((rc = begin_mailbox(im, fo->name)) != EX_OK)
		return rc;
	read_keywords(fo->dir, kwmap);
	if (!list_files(im, fo->dir, "cur", false, &files, &n, &cap))
		im->skipped++;
	if (!list_files(im, fo->dir, "new", true, &files, &n, &cap))
		im->skipped++;
	if (n > 0)
		qsort(files, n, sizeof(*files), cmp_mdfile);
	for (i = 0; i < n && rc == EX_OK; i++) {
		if (snprintf(path, sizeof(path), "%s/%s/%s", fo->dir,
		    files[i].isnew ? "new" : "cur", files[i].name) >=
		    (int)sizeof(path)) {
			say(im, stderr, "liteimapctl: %s/%s: path too long, "
			    "skipped\n", fo->dir, files[i].name);
			im->skipped++;
			continue;
		}
		err = NULL;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) ==
		    -1 || fstat(fd, &st) == -1)
			err = strerror(errno);
		else if (!S_ISREG(st.st_mode))
			err = "not a regular file";
		else if ((uint64_t)st.st_size >
		    (uint64_t)im->c->cfg.max_literal)
			err = "larger than max_literal";
		else if (read_file(im, fd, (size_t)st.st_size) == -1)
			err = strerror(errno);
		if (err != NULL) {
			say(im, stderr, "liteimapctl: %s: %s, skipped\n", path,
			    err);
			im->skipped++;
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		(void)close(fd);
		maildir_info(files[i].name, kwmap, files[i].isnew, &flags, kw);
		/* st is set: strerror() never returns NULL */
		/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
		rc = add_message(im, im->raw.p, im->raw.len, false, flags, kw,
		    (int64_t)st.st_mtime, 0, path);
	}
	if (rc == EX_OK)
		rc = end_mailbox(im);
	for (i = 0; i < n; i++)
		free(files[i].name);
	free(files);
	for (i = 0; i < 26; i++)
		free(kwmap[i]);
	return rc;
}

/*
 * The mailbox name of a Maildir++ folder ".A.B" (modified UTF-7, or
 * UTF-8 as some writers leave it): "A/B".  NULL if it cannot be one.
 */
static char *
folder_name(struct importer *im, const char *entry, const char **err)
{
	struct arena	 a;
	char		 out[MBOX_NAME_MAX + 1], *s, *r = NULL;
	size_t		 len = strlen(entry + 1);

	memset(&a, 0, sizeof(a));
	if ((s = mutf7_decode(&a, entry + 1, len)) == NULL) {
		if (!utf8_valid(entry + 1, len)) {
			*err = "not modified UTF-7 nor UTF-8";
			goto out;
		}
		s = arena_strndup(&a, entry + 1, len);
	}
	/* cppcheck-suppress nullPointerRedundantCheck ; s is set either way */
	for (r = s; *r != '\0'; r++)
		if (*r == '.')
			*r = '/';
		else if (*r == '/') {
			*err = "\"/\" in a folder name";
			r = NULL;
			goto out;
		}
	r = NULL;
	if ((*err = ctl_mailbox_name(im->c, s, out)) == NULL)
		r = xstrdup(out);
out:
	arena_free(&a);
	return r;
}

static int
import_maildir(struct importer *im, const char *dir)
{
	struct folder	*fo = NULL;
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], *name;
	const char	*err;
	size_t		 n = 0, cap = 0, i;
	int		 rc = EX_OK;

	if (stat(dir, &st) == -1)
		return open_error(dir);
	if (!S_ISDIR(st.st_mode) || !is_maildir(dir)) {
		(void)fprintf(stderr, "liteimapctl: %s: not a Maildir (no cur/ "
		    "or new/ in it)\n", dir);
		return EX_DATAERR;
	}
	if ((d = opendir(dir)) == NULL)
		return open_error(dir);
	cap = 16;
	fo = xreallocarray(NULL, cap, sizeof(*fo));
	fo[n].dir = xstrdup(dir);
	fo[n++].name = xstrdup("INBOX");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || stat(path, &st) == -1 ||
		    !S_ISDIR(st.st_mode) || !is_maildir(path))
			continue;
		if ((name = folder_name(im, de->d_name, &err)) == NULL) {
			(void)fprintf(stderr, "liteimapctl: %s: %s, folder "
			    "skipped\n", path, err);
			im->skipped++;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			fo = xreallocarray(fo, cap, sizeof(*fo));
		}
		fo[n].dir = xstrdup(path);
		fo[n++].name = name;
	}
	(void)closedir(d);
	/* INBOX first, then by name: superiors before their inferiors */
	if (n > 2)
		qsort(fo + 1, n - 1, sizeof(*fo), cmp_folder);
	for (i = 0; i < n && rc == EX_OK; i++)
		rc = import_folder(im, &fo[i]);
	for (i = 0; i < n; i++) {
		free(fo[i].dir);
		free(fo[i].name);
	}
	free(fo);
	return rc;
}

/* ---- the command ---- */

int
ctl_import(struct ctl *c, int argc, char **argv)
{
	struct importer	 *im;
	char		  mbname[MBOX_NAME_MAX + 1];
	const char	**pos, *err;
	bool		  maildir = false, opts = true;
	int		  i, np = 0, rc = EX_OK;

	pos = xcalloc((size_t)argc, sizeof(*pos));
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--maildir") == 0)
			maildir = true;
		else if (opts && strcmp(argv[i], "--") == 0)
			opts = false;
		else if (opts && argv[i][0] == '-' && argv[i][1] != '\0')
			goto usage;
		else
			pos[np++] = argv[i];
	}
	if (maildir ? np != 2 : np < 3)
		goto usage;
	if (!maildir && (err = ctl_mailbox_name(c, pos[1], mbname)) != NULL) {
		(void)fprintf(stderr, "liteimapctl: \"%s\": %s\n", pos[1], err);
		free(pos);
		return EX_DATAERR;
	}
	im = xcalloc(1, sizeof(*im));
	im->c = c;
	im->tty = isatty(STDOUT_FILENO) == 1;
	/*
	 * cache_size is sized for a session process; an import writes the
	 * b-trees and the search index all over, and half its system time
	 * went to reading their pages back.  One process, so 64M is cheap.
	 */
	if (c->cfg.cache_size < IMPORT_CACHE)
		c->cfg.cache_size = IMPORT_CACHE;
	if ((rc = ctl_open(c)) != EX_OK ||
	    (rc = ctl_find_user(c, pos[0], &im->user)) != EX_OK)
		goto out;
	if (maildir) {
		rc = import_maildir(im, pos[1]);
		goto settle;
	}
	/* every FILE is checked before anything is imported */
	for (i = 2; i < np && rc == EX_OK; i++)
		rc = mbox_precheck(pos[i]);
	if (rc != EX_OK || (rc = begin_mailbox(im, mbname)) != EX_OK)
		goto out;
	for (i = 2; i < np && rc == EX_OK; i++)
		rc = import_mbox(im, pos[i]);
	if (rc == EX_OK)
		rc = end_mailbox(im);
settle:
	if (im->all > 0)
		settle_index(im);
out:
	if (im->shown)
		(void)fputc('\n', stdout);
	if (rc == EX_OK && im->skipped > 0) {
		(void)fprintf(stderr, "liteimapctl: %llu message%s or folder%s "
		    "skipped (see above)\n", (unsigned long long)im->skipped,
		    im->skipped == 1 ? "" : "s", im->skipped == 1 ? "" : "s");
		rc = EX_DATAERR;
	}
	ctl_buf_free(&im->data);
	ctl_buf_free(&im->kw);
	ctl_buf_free(&im->raw);
	free(im);
	free(pos);
	return rc;
usage:
	free(pos);
	(void)fprintf(stderr, "usage: liteimapctl import USER MAILBOX "
	    "FILE...\n       liteimapctl import --maildir USER DIR\n");
	return EX_USAGE;
}
