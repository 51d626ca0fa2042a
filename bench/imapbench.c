/*
 * imapbench.c - IMAP load client for the liteimapd benchmark (bench/run).
 *
 * Connects over TCP to any IMAP server, logs in and runs one named scenario,
 * then prints one JSON line on stdout.  Every response is read completely,
 * literals included ({n} and {n+}); times come from CLOCK_MONOTONIC; answers
 * are checked (EXISTS, number of FETCH responses, SEARCH hits) so a fast wrong
 * answer reports "wrong", never a figure.  A command the scenario needs that
 * the server refuses (NO/BAD) makes the scenario "n/a" with the server's
 * reply.  The client's own CPU time (getrusage) is part of every result.
 *
 * C11 + POSIX threads + GnuTLS (for STARTTLS).  Build:
 *	cc -O2 -std=c11 -o build/imapbench bench/imapbench.c -lgnutls
 * (POSIX threads are in glibc's libc; add -lpthread on older systems.)
 * Usage: imapbench -h for the list of scenarios and options.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define RBUF_MIN	(256 * 1024)
#define REASON_MAX	300

/* Options; one scenario per process. */
static struct {
	const char	*host, *port, *user, *pass, *mailbox, *query, *corpus;
	const char	*userfmt, *label, *kind, *needcap, *range, *scenario;
	int		 n, clients, starttls, batch, keep, has_expect;
	long		 expect;
	double		 secs, timeout;
} O = {
	.host = "127.0.0.1", .port = "143", .user = "bench", .pass = "benchpass",
	.mailbox = "INBOX", .n = 1, .clients = 1, .batch = 1, .secs = 5,
	.timeout = 120,
};

static gnutls_certificate_credentials_t xcred;

/* What a command's untagged responses contained. */
struct tally {
	long	fetch;		/* "* n FETCH" responses */
	long	fetch_body;	/* ... of them with a BODY[...] item */
	long	exists;		/* last EXISTS value, -1 if none */
	long	hits;		/* numbers in SEARCH/SORT/THREAD, or ESEARCH COUNT */
	int	searched;	/* a SEARCH/SORT/THREAD/ESEARCH response came */
	long	litbytes;	/* literal bytes in all responses */
	long	status_messages; /* STATUS (MESSAGES n), -1 if none */
};

struct conn {
	int		 fd;
	int		 tls_on;
	gnutls_session_t tls;
	char		*rbuf;
	size_t		 rcap, rstart, rend;
	char		*line;		/* current response without literal data */
	size_t		 lcap, llen;
	long		 litbytes;	/* literal bytes of the current response */
	char		*obuf;
	size_t		 ocap, olen;
	unsigned	 tagno;
	char		 tag[16];
	char		 caps[2048];	/* " CAP1 CAP2 " upper case, "" unknown */
	char		 last[REASON_MAX]; /* last tagged reply / error text */
};

enum { ST_OK = 0, ST_NO = 1, ST_BAD = 2, ST_IO = -1 };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
xrealloc(void *p, size_t n)
{
	void *q;

	if ((q = realloc(p, n)) == NULL) {
		fprintf(stderr, "imapbench: out of memory\n");
		exit(70);
	}
	return q;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* q-quantile (0..1) of v[0..n), sorting v; nearest-rank. */
static double
quant(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), dcmp);
	i = (size_t)(q * n);		/* ceil without libm */
	if ((double)i < q * n)
		i++;
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* ---- JSON output ---------------------------------------------------- */

static char	jbuf[8192];
static size_t	jlen;

static void
jraw(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(jbuf + jlen, sizeof(jbuf) - jlen, fmt, ap);
	va_end(ap);
	if (r > 0 && (size_t)r < sizeof(jbuf) - jlen)
		jlen += r;
}

static void
jstr(const char *key, const char *s)
{
	jraw(",\"%s\":\"", key);
	for (; *s != '\0' && jlen < sizeof(jbuf) - 8; s++) {
		unsigned char ch = *s;
		if (ch == '"' || ch == '\\')
			jraw("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			jraw("\\u%04x", ch);
		else
			jraw("%c", ch);
	}
	jraw("\"");
}

static void
jnum(const char *key, double v)
{
	if (isnan(v) || isinf(v))
		jraw(",\"%s\":null", key);
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		jraw(",\"%s\":%lld", key, (long long)v);
	else
		jraw(",\"%s\":%.4f", key, v);
}

/* "p50_ms" and "p99_ms" of n latencies in seconds */
static void
jlat(double *v, size_t n)
{
	jnum("p50_ms", quant(v, n, 0.5) * 1e3);
	jnum("p99_ms", quant(v, n, 0.99) * 1e3);
}

static void
jbegin(const char *status)
{
	jlen = 0;
	jraw("{\"scenario\":\"%s\"", O.label ? O.label : O.scenario);
	jstr("status", status);
}

static void
jend(void)
{
	jnum("client_cpu_ms", cpu_ms());
	jraw("}\n");
	fwrite(jbuf, 1, jlen, stdout);
	fflush(stdout);
}

/* Reports "n/a" (the server refused) or "error"/"wrong" and exits. */
static void
finish_bad(const char *status, const char *fmt, ...)
{
	char reason[REASON_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	jbegin(status);
	jstr("reason", reason);
	jend();
	exit(0);
}

/* ---- connection ----------------------------------------------------- */

static int
tcp_connect(char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, r, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(O.host, O.port, &hints, &res)) != 0) {
		snprintf(err, errlen, "getaddrinfo: %s", gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->tls_on)
		gnutls_deinit(c->tls);
	if (c->fd != -1)
		close(c->fd);
	free(c->rbuf);
	free(c->line);
	free(c->obuf);
	free(c);
}

static ssize_t
conn_recv(struct conn *c, char *p, size_t n)
{
	ssize_t r;

	for (;;) {
		if (c->tls_on) {
			r = gnutls_record_recv(c->tls, p, n);
			if (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN)
				continue;
			if (r < 0) {
				snprintf(c->last, sizeof(c->last), "TLS: %s",
				    gnutls_strerror(r));
				return -1;
			}
			return r;
		}
		r = recv(c->fd, p, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			snprintf(c->last, sizeof(c->last), "recv: %s",
			    strerror(errno));
		return r;
	}
}

static int
conn_send(struct conn *c, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if (c->tls_on) {
			r = gnutls_record_send(c->tls, p, n);
			if (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN)
				continue;
			if (r < 0) {
				snprintf(c->last, sizeof(c->last), "TLS: %s",
				    gnutls_strerror(r));
				return -1;
			}
		} else {
			r = send(c->fd, p, n, MSG_NOSIGNAL);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1) {
				snprintf(c->last, sizeof(c->last), "send: %s",
				    strerror(errno));
				return -1;
			}
		}
		p += r;
		n -= r;
	}
	return 0;
}

/* Makes room and reads more bytes into rbuf; -1 on EOF or error. */
static int
fill(struct conn *c)
{
	ssize_t r;

	if (c->rstart == c->rend)
		c->rstart = c->rend = 0;
	if (c->rend == c->rcap) {
		if (c->rstart > 0) {
			memmove(c->rbuf, c->rbuf + c->rstart,
			    c->rend - c->rstart);
			c->rend -= c->rstart;
			c->rstart = 0;
		} else {
			c->rcap *= 2;
			c->rbuf = xrealloc(c->rbuf, c->rcap);
		}
	}
	r = conn_recv(c, c->rbuf + c->rend, c->rcap - c->rend);
	if (r <= 0) {
		if (r == 0)
			snprintf(c->last, sizeof(c->last),
			    "connection closed by server");
		return -1;
	}
	c->rend += r;
	return 0;
}

static void
line_add(struct conn *c, const char *p, size_t n)
{
	if (c->llen + n + 1 > c->lcap) {
		while (c->llen + n + 1 > c->lcap)
			c->lcap = c->lcap ? c->lcap * 2 : 4096;
		c->line = xrealloc(c->line, c->lcap);
	}
	memcpy(c->line + c->llen, p, n);
	c->llen += n;
	c->line[c->llen] = '\0';
}

/* If the text ends in {n} or {n+}, the literal's length, else -1. */
static long
literal_len(const char *s, size_t n)
{
	size_t i;
	long v = 0, mul = 1;

	if (n < 3 || s[n - 1] != '}')
		return -1;
	i = n - 2;
	if (s[i] == '+')
		i--;
	if (!isdigit((unsigned char)s[i]))
		return -1;
	for (; i > 0 && isdigit((unsigned char)s[i]); i--) {
		v += (s[i] - '0') * mul;
		mul *= 10;
		if (mul > 1000000000000L)
			return -1;
	}
	return s[i] == '{' ? v : -1;
}

/*
 * Reads one complete response (a line and any literals with the rest of
 * the line after them) into c->line, without the literal bytes; their
 * number goes to c->litbytes.  -1 on I/O error.
 */
static int
read_resp(struct conn *c)
{
	char *nl;
	size_t n;
	long lit;

	c->llen = 0;
	c->litbytes = 0;
	if (c->line)
		c->line[0] = '\0';
	for (;;) {
		nl = memchr(c->rbuf + c->rstart, '\n', c->rend - c->rstart);
		if (nl == NULL) {
			line_add(c, c->rbuf + c->rstart, c->rend - c->rstart);
			c->rstart = c->rend;
			if (fill(c) == -1)
				return -1;
			continue;
		}
		n = nl - (c->rbuf + c->rstart);
		line_add(c, c->rbuf + c->rstart, n);
		c->rstart += n + 1;
		if (c->llen > 0 && c->line[c->llen - 1] == '\r')
			c->line[--c->llen] = '\0';
		if ((lit = literal_len(c->line, c->llen)) < 0)
			return 0;
		c->litbytes += lit;
		while (lit > 0) {
			if (c->rstart == c->rend && fill(c) == -1)
				return -1;
			n = c->rend - c->rstart;
			if ((long)n > lit)
				n = lit;
			c->rstart += n;
			lit -= n;
		}
	}
}

static void
set_caps(struct conn *c, const char *p, const char *end)
{
	size_t i = 0;

	c->caps[i++] = ' ';
	for (; p < end && i < sizeof(c->caps) - 2; p++)
		c->caps[i++] = toupper((unsigned char)*p);
	c->caps[i++] = ' ';
	c->caps[i] = '\0';
}

/* Capabilities in an untagged CAPABILITY or a [CAPABILITY ...] code. */
static void
scan_caps(struct conn *c, const char *s)
{
	const char *p, *e;

	if (strncasecmp(s, "* CAPABILITY ", 13) == 0) {
		set_caps(c, s + 13, s + strlen(s));
		return;
	}
	if ((p = strstr(s, "[CAPABILITY ")) != NULL &&
	    (e = strchr(p, ']')) != NULL)
		set_caps(c, p + 12, e);
}

static int
has_cap(struct conn *c, const char *cap)
{
	char want[64];

	snprintf(want, sizeof(want), " %s ", cap);
	return strcasestr(c->caps, want) != NULL;
}

static long
count_numbers(const char *p)
{
	long k = 0;
	int in = 0;

	for (; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (!in)
				k++;
			in = 1;
		} else
			in = 0;
	}
	return k;
}

/* Number of elements of a sequence set such as "1:5,7,9:10". */
static long
seqset_count(const char *p)
{
	long k = 0, a, b;
	char *end;

	for (;;) {
		a = strtol(p, &end, 10);
		if (end == p)
			break;
		b = a;
		if (*end == ':') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p)
				break;
		}
		k += (a < b ? b - a : a - b) + 1;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return k;
}

static void
tally_resp(struct conn *c, struct tally *t)
{
	const char *s = c->line, *p;
	char *end;
	long v;

	t->litbytes += c->litbytes;
	if (s[0] != '*' || s[1] != ' ')
		return;
	p = s + 2;
	if (isdigit((unsigned char)*p)) {
		v = strtol(p, &end, 10);
		if (strncasecmp(end, " FETCH ", 7) == 0) {
			t->fetch++;
			if (strcasestr(end, "BODY[") != NULL)
				t->fetch_body++;
		}
		else if (strncasecmp(end, " EXISTS", 7) == 0)
			t->exists = v;
		return;
	}
	if (strncasecmp(p, "SEARCH", 6) == 0 || strncasecmp(p, "SORT", 4) == 0) {
		/* "* SEARCH 1 2 3 (MODSEQ 9)" is not used here */
		t->hits += count_numbers(p);
		t->searched = 1;
	} else if (strncasecmp(p, "THREAD", 6) == 0) {
		t->hits += count_numbers(p);
		t->searched = 1;
	} else if (strncasecmp(p, "ESEARCH", 7) == 0) {
		const char *q = strcasestr(p, " COUNT ");
		if (q != NULL)
			t->hits += strtol(q + 7, NULL, 10);
		else if ((q = strcasestr(p, " ALL ")) != NULL)
			t->hits += seqset_count(q + 5);
		t->searched = 1;
	} else if (strncasecmp(p, "STATUS ", 7) == 0) {
		const char *q = strcasestr(p, "MESSAGES ");
		if (q != NULL)
			t->status_messages = strtol(q + 9, NULL, 10);
	} else if (strncasecmp(p, "CAPABILITY ", 11) == 0)
		scan_caps(c, s);
	else if (strncasecmp(p, "OK [CAPABILITY ", 15) == 0)
		scan_caps(c, s);
}

static void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->exists = -1;
	t->status_messages = -1;
}

static const char *
next_tag(struct conn *c)
{
	snprintf(c->tag, sizeof(c->tag), "a%u", ++c->tagno);
	return c->tag;
}

static void
out_add(struct conn *c, const void *p, size_t n)
{
	if (c->olen + n > c->ocap) {
		while (c->olen + n > c->ocap)
			c->ocap = c->ocap ? c->ocap * 2 : 65536;
		c->obuf = xrealloc(c->obuf, c->ocap);
	}
	memcpy(c->obuf + c->olen, p, n);
	c->olen += n;
}

static void
out_fmt(struct conn *c, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		fprintf(stderr, "imapbench: command too long\n");
		exit(70);
	}
	out_add(c, tmp, r);
}

static int
out_flush(struct conn *c)
{
	int r = conn_send(c, c->obuf, c->olen);

	c->olen = 0;
	return r;
}

/* Classifies a tagged line "tag OK|NO|BAD ...". */
static int
tagged_status(struct conn *c)
{
	const char *p = c->line + strlen(c->tag) + 1;

	snprintf(c->last, sizeof(c->last), "%s", c->line);
	if (strncasecmp(p, "OK", 2) == 0) {
		scan_caps(c, c->line);
		return ST_OK;
	}
	if (strncasecmp(p, "NO", 2) == 0)
		return ST_NO;
	return ST_BAD;
}

static int
is_tagged(struct conn *c)
{
	size_t n = strlen(c->tag);

	return strncmp(c->line, c->tag, n) == 0 && c->line[n] == ' ';
}

/* Reads responses until the tagged one; ST_OK, ST_NO, ST_BAD or ST_IO. */
static int
wait_tagged(struct conn *c, struct tally *t)
{
	for (;;) {
		if (read_resp(c) == -1)
			return ST_IO;
		if (is_tagged(c))
			return tagged_status(c);
		if (t != NULL)
			tally_resp(c, t);
		else if (c->line[0] == '*')
			scan_caps(c, c->line);
		if (strncasecmp(c->line, "* BYE", 5) == 0)
			snprintf(c->last, sizeof(c->last), "%s", c->line);
	}
}

/* Sends "tag COMMAND" and waits for the tagged reply. */
static int
cmd(struct conn *c, struct tally *t, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return ST_BAD;
	out_fmt(c, "%s ", next_tag(c));
	out_add(c, tmp, r);
	out_add(c, "\r\n", 2);
	if (out_flush(c) == -1)
		return ST_IO;
	if (t != NULL)
		tally_init(t);
	return wait_tagged(c, t);
}

/* An IMAP quoted string of s (for user names, passwords, mailbox names). */
static const char *
quoted(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	buf[i++] = '"';
	for (; *s && i < len - 3; s++) {
		if (*s == '"' || *s == '\\')
			buf[i++] = '\\';
		buf[i++] = *s;
	}
	buf[i++] = '"';
	buf[i] = '\0';
	return buf;
}

static int
start_tls(struct conn *c)
{
	int r;

	if ((r = cmd(c, NULL, "STARTTLS")) != ST_OK)
		return r;
	if (c->rstart != c->rend) {
		snprintf(c->last, sizeof(c->last),
		    "plaintext data after STARTTLS OK");
		return ST_IO;
	}
	gnutls_init(&c->tls, GNUTLS_CLIENT);
	gnutls_set_default_priority(c->tls);
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, xcred);
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
	do {
		r = gnutls_handshake(c->tls);
	} while (r < 0 && gnutls_error_is_fatal(r) == 0);
	c->tls_on = 1;
	if (r < 0) {
		snprintf(c->last, sizeof(c->last), "TLS handshake: %s",
		    gnutls_strerror(r));
		return ST_IO;
	}
	c->caps[0] = '\0';
	return ST_OK;
}

/* Connects and reads the greeting; NULL with err set on failure. */
static struct conn *
conn_open(char *err, size_t errlen)
{
	struct conn *c;

	c = xrealloc(NULL, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->rcap = RBUF_MIN;
	c->rbuf = xrealloc(NULL, c->rcap);
	if ((c->fd = tcp_connect(err, errlen)) == -1) {
		c->fd = -1;
		conn_free(c);
		return NULL;
	}
	if (read_resp(c) == -1) {
		snprintf(err, errlen, "greeting: %.250s", c->last);
		conn_free(c);
		return NULL;
	}
	if (strncasecmp(c->line, "* OK", 4) != 0 &&
	    strncasecmp(c->line, "* PREAUTH", 9) != 0) {
		snprintf(err, errlen, "greeting: %s", c->line);
		conn_free(c);
		return NULL;
	}
	scan_caps(c, c->line);
	return c;
}

static int
login(struct conn *c, const char *user)
{
	char qu[512], qp[512];

	if (has_cap(c, "LOGINDISABLED")) {
		snprintf(c->last, sizeof(c->last),
		    "server advertises LOGINDISABLED");
		return ST_NO;
	}
	return cmd(c, NULL, "LOGIN %s %s", quoted(user, qu, sizeof(qu)),
	    quoted(O.pass, qp, sizeof(qp)));
}

/* Makes sure c->caps is filled (after LOGIN). */
static int
need_caps(struct conn *c)
{
	if (c->caps[0] != '\0')
		return ST_OK;
	return cmd(c, NULL, "CAPABILITY");
}

/*
 * A ready session: connect, [STARTTLS], LOGIN as user.  On failure exits
 * through finish_bad ("n/a" for a refusal, "error" for I/O).
 */
static struct conn *
session_or_die(const char *user, int tls)
{
	char err[REASON_MAX];
	struct conn *c;
	int r;

	if ((c = conn_open(err, sizeof(err))) == NULL)
		finish_bad("error", "%s", err);
	if (tls && (r = start_tls(c)) != ST_OK)
		finish_bad(r == ST_IO ? "error" : "n/a", "STARTTLS: %s",
		    c->last);
	if ((r = login(c, user)) != ST_OK)
		finish_bad(r == ST_IO ? "error" : "n/a", "LOGIN: %s", c->last);
	return c;
}

static void
logout(struct conn *c)
{
	cmd(c, NULL, "LOGOUT");
	conn_free(c);
}

/* SELECT; on refusal exits "n/a"; returns EXISTS. */
static long
select_or_die(struct conn *c, const char *mbox)
{
	struct tally t;
	char q[1024];
	int r;

	if ((r = cmd(c, &t, "SELECT %s", quoted(mbox, q, sizeof(q)))) != ST_OK)
		finish_bad(r == ST_IO ? "error" : "n/a", "SELECT: %s", c->last);
	return t.exists;
}

static void
check_or_die(struct conn *c, int r, const char *what)
{
	if (r != ST_OK)
		finish_bad(r == ST_IO ? "error" : "n/a", "%s: %s", what,
		    c->last);
}

/* ---- threads -------------------------------------------------------- */

static pthread_barrier_t barrier;
static atomic_long ticket;
static atomic_long nerrors;
static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;
static char first_err[REASON_MAX];
static char first_err_status[16];

static void
note_err(const char *status, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&nerrors, 1);
	pthread_mutex_lock(&err_mu);
	if (first_err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(first_err, sizeof(first_err), fmt, ap);
		va_end(ap);
		snprintf(first_err_status, sizeof(first_err_status), "%s",
		    status);
	}
	pthread_mutex_unlock(&err_mu);
}

static void
run_threads(void *(*fn)(void *), void *args, size_t argsize, int n)
{
	pthread_t *th;
	int i;

	th = xrealloc(NULL, n * sizeof(*th));
	pthread_barrier_init(&barrier, NULL, n);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, fn, (char *)args + i * argsize)) {
			fprintf(stderr, "imapbench: pthread_create failed\n");
			exit(71);
		}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	free(th);
}

/* ---- scenario: session / login ------------------------------------- */

struct sess_arg {
	double	*total, *login, *select, *tls, *greet;
	size_t	 n;
	int	 do_select;
};

static void *
sess_thread(void *vp)
{
	struct sess_arg *a = vp;
	char err[REASON_MAX];
	struct conn *c;
	struct tally t;
	double t0, t1, t2, t3, t4, t5;
	int r;

	while (atomic_fetch_add(&ticket, 1) < O.n) {
		t0 = now();
		if ((c = conn_open(err, sizeof(err))) == NULL) {
			note_err("error", "%s", err);
			continue;
		}
		t1 = now();
		if (O.starttls && (r = start_tls(c)) != ST_OK) {
			note_err(r == ST_IO ? "error" : "n/a", "STARTTLS: %s",
			    c->last);
			conn_free(c);
			continue;
		}
		t2 = now();
		if ((r = login(c, O.user)) != ST_OK) {
			note_err(r == ST_IO ? "error" : "n/a", "LOGIN: %s",
			    c->last);
			conn_free(c);
			continue;
		}
		t3 = now();
		if (a->do_select) {
			char q[1024];
			r = cmd(c, &t, "SELECT %s",
			    quoted(O.mailbox, q, sizeof(q)));
			if (r != ST_OK) {
				note_err(r == ST_IO ? "error" : "n/a",
				    "SELECT: %s", c->last);
				conn_free(c);
				continue;
			}
			if (O.has_expect && t.exists != O.expect) {
				note_err("wrong", "SELECT: EXISTS %ld, "
				    "expected %ld", t.exists, O.expect);
				conn_free(c);
				continue;
			}
		}
		t4 = now();
		r = cmd(c, NULL, "LOGOUT");
		conn_free(c);
		if (r != ST_OK) {
			note_err("error", "LOGOUT failed");
			continue;
		}
		t5 = now();
		a->greet[a->n] = t1 - t0;
		a->tls[a->n] = t2 - t1;
		a->login[a->n] = t3 - t2;
		a->select[a->n] = t4 - t3;
		a->total[a->n] = t5 - t0;
		a->n++;
	}
	return NULL;
}

static void
sc_session(int do_select)
{
	struct sess_arg *args;
	double *all[5], t0, wall;
	size_t tot = 0, k, i;
	int j;

	args = xrealloc(NULL, O.clients * sizeof(*args));
	for (j = 0; j < O.clients; j++) {
		memset(&args[j], 0, sizeof(args[j]));
		args[j].total = xrealloc(NULL, O.n * sizeof(double));
		args[j].login = xrealloc(NULL, O.n * sizeof(double));
		args[j].select = xrealloc(NULL, O.n * sizeof(double));
		args[j].tls = xrealloc(NULL, O.n * sizeof(double));
		args[j].greet = xrealloc(NULL, O.n * sizeof(double));
		args[j].do_select = do_select;
	}
	t0 = now();
	run_threads(sess_thread, args, sizeof(*args), O.clients);
	wall = now() - t0;
	for (k = 0; k < 5; k++)
		all[k] = xrealloc(NULL, (O.n + 1) * sizeof(double));
	for (j = 0; j < O.clients; j++)
		for (i = 0; i < args[j].n; i++, tot++) {
			all[0][tot] = args[j].total[i];
			all[1][tot] = args[j].login[i];
			all[2][tot] = args[j].select[i];
			all[3][tot] = args[j].tls[i];
			all[4][tot] = args[j].greet[i];
		}
	if (tot == 0)
		finish_bad(first_err_status, "%s", first_err);
	jbegin(nerrors == 0 ? "ok" : strcmp(first_err_status, "wrong") == 0 ?
	    "wrong" : "error");
	if (nerrors)
		jstr("reason", first_err);
	jnum("ops", tot);
	jnum("errors", nerrors);
	jnum("clients", O.clients);
	jnum("secs", wall);
	jnum("rate", tot / wall);
	jlat(all[0], tot);
	jnum("greeting_p50_ms", quant(all[4], tot, 0.5) * 1e3);
	if (O.starttls)
		jnum("starttls_p50_ms", quant(all[3], tot, 0.5) * 1e3);
	jnum("login_p50_ms", quant(all[1], tot, 0.5) * 1e3);
	if (do_select)
		jnum("select_p50_ms", quant(all[2], tot, 0.5) * 1e3);
	jnum("value", tot / wall);
	jstr("unit", "sessions/s");
	jend();
}

/* ---- scenario: select / status (a new session per iteration) ------- */

static void
sc_select(int status)
{
	double *v, t0;
	struct conn *c;
	struct tally t;
	char q[1024];
	int i, r;
	long got;

	v = xrealloc(NULL, O.n * sizeof(double));
	for (i = 0; i < O.n; i++) {
		c = session_or_die(O.user, O.starttls);
		t0 = now();
		if (status)
			r = cmd(c, &t, "STATUS %s (MESSAGES UIDNEXT UIDVALIDITY "
			    "UNSEEN)", quoted(O.mailbox, q, sizeof(q)));
		else
			r = cmd(c, &t, "SELECT %s",
			    quoted(O.mailbox, q, sizeof(q)));
		v[i] = now() - t0;
		check_or_die(c, r, status ? "STATUS" : "SELECT");
		got = status ? t.status_messages : t.exists;
		if (O.has_expect && got != O.expect)
			finish_bad("wrong", "%s: %ld messages, expected %ld",
			    status ? "STATUS" : "SELECT", got, O.expect);
		logout(c);
	}
	jbegin("ok");
	jnum("ops", O.n);
	jlat(v, O.n);
	jnum("min_ms", quant(v, O.n, 0) * 1e3);
	jnum("value", quant(v, O.n, 0.5) * 1e3);
	jstr("unit", "ms");
	jend();
}

/* ---- scenario: cmd (one command in the selected mailbox, timed) ---- */

static void
sc_cmd(void)
{
	struct conn *c;
	struct tally t;
	double *v, t0, med;
	long bytes = 0, got = 0;
	int i, r;

	if (O.query == NULL)
		finish_bad("error", "cmd needs -q COMMAND");
	v = xrealloc(NULL, O.n * sizeof(double));
	c = session_or_die(O.user, O.starttls);
	if (O.needcap != NULL) {
		check_or_die(c, need_caps(c), "CAPABILITY");
		if (!has_cap(c, O.needcap))
			finish_bad("n/a", "no %s capability", O.needcap);
	}
	select_or_die(c, O.mailbox);
	for (i = 0; i < O.n; i++) {
		t0 = now();
		r = cmd(c, &t, "%s", O.query);
		v[i] = now() - t0;
		check_or_die(c, r, O.query);
		if (O.kind != NULL && strcmp(O.kind, "search") == 0) {
			if (!t.searched)
				finish_bad("wrong", "no SEARCH response");
			got = t.hits;
		} else
			got = t.fetch;
		if (O.has_expect && got != O.expect)
			finish_bad("wrong", "%s: %ld %s, expected %ld",
			    O.query, got, O.kind && !strcmp(O.kind, "search") ?
			    "hits" : "FETCH responses", O.expect);
		bytes = t.litbytes;
	}
	logout(c);
	med = quant(v, O.n, 0.5);
	jbegin("ok");
	jnum("ops", O.n);
	jnum("count", got);
	jnum("p50_ms", med * 1e3);
	jnum("min_ms", quant(v, O.n, 0) * 1e3);
	jnum("max_ms", quant(v, O.n, 1) * 1e3);
	jnum("literal_bytes", bytes);
	if (bytes > 0)
		jnum("mb_s", bytes / med / 1e6);
	if (O.kind != NULL && strcmp(O.kind, "bytes") == 0) {
		jnum("value", bytes / med / 1e6);
		jstr("unit", "MB/s");
	} else {
		jnum("value", med * 1e3);
		jstr("unit", "ms");
	}
	jend();
}

/* ---- scenario: store ------------------------------------------------ */

static void
sc_store(void)
{
	struct conn *c;
	struct tally t;
	double *v, *w, *s, t0;
	int i, r;

	if (O.range == NULL)
		finish_bad("error", "store needs -r RANGE");
	v = xrealloc(NULL, O.n * sizeof(double));
	w = xrealloc(NULL, O.n * sizeof(double));
	s = xrealloc(NULL, O.n * sizeof(double));
	c = session_or_die(O.user, O.starttls);
	select_or_die(c, O.mailbox);
	for (i = 0; i < O.n; i++) {
		t0 = now();
		r = cmd(c, &t, "STORE %s +FLAGS (\\Seen)", O.range);
		v[i] = now() - t0;
		check_or_die(c, r, "STORE +FLAGS");
		if (O.has_expect && t.fetch != O.expect)
			finish_bad("wrong", "STORE +FLAGS: %ld FETCH responses, "
			    "expected %ld", t.fetch, O.expect);
		t0 = now();
		r = cmd(c, &t, "STORE %s -FLAGS (\\Seen)", O.range);
		w[i] = now() - t0;
		check_or_die(c, r, "STORE -FLAGS");
		if (O.has_expect && t.fetch != O.expect)
			finish_bad("wrong", "STORE -FLAGS: %ld FETCH responses, "
			    "expected %ld", t.fetch, O.expect);
		s[i] = v[i] + w[i];
	}
	logout(c);
	jbegin("ok");
	jnum("ops", 2 * O.n);
	jnum("set_p50_ms", quant(v, O.n, 0.5) * 1e3);
	jnum("clear_p50_ms", quant(w, O.n, 0.5) * 1e3);
	jnum("value", quant(s, O.n, 0.5) * 1e3 / 2);
	jstr("unit", "ms");
	jend();
}

/* ---- scenario: copy ------------------------------------------------- */

static void
sc_copy(void)
{
	const char *dst = "benchcopy";
	struct conn *c;
	struct tally t;
	double *v, t0;
	int i, r;

	if (O.range == NULL)
		finish_bad("error", "copy needs -r RANGE");
	v = xrealloc(NULL, O.n * sizeof(double));
	c = session_or_die(O.user, O.starttls);
	select_or_die(c, O.mailbox);
	for (i = 0; i < O.n; i++) {
		cmd(c, NULL, "DELETE %s", dst);
		check_or_die(c, cmd(c, NULL, "CREATE %s", dst), "CREATE");
		t0 = now();
		r = cmd(c, &t, "COPY %s %s", O.range, dst);
		v[i] = now() - t0;
		check_or_die(c, r, "COPY");
		r = cmd(c, &t, "STATUS %s (MESSAGES)", dst);
		check_or_die(c, r, "STATUS");
		if (O.has_expect && t.status_messages != O.expect)
			finish_bad("wrong", "COPY: %ld messages in the copy, "
			    "expected %ld", t.status_messages, O.expect);
		check_or_die(c, cmd(c, NULL, "DELETE %s", dst), "DELETE");
	}
	logout(c);
	jbegin("ok");
	jnum("ops", O.n);
	jnum("p50_ms", quant(v, O.n, 0.5) * 1e3);
	jnum("value", quant(v, O.n, 0.5) * 1e3);
	jstr("unit", "ms");
	jend();
}

/* ---- corpus --------------------------------------------------------- */

struct msgref {
	char	*path;
	char	 flags[64];
	char	 date[40];
};

static struct msgref *corpus;
static size_t ncorpus;

static void
load_index(void)
{
	char line[4096], *p, *q;
	FILE *f;
	size_t cap = 0;

	if (O.corpus == NULL)
		finish_bad("error", "needs -C CORPUS/index.txt");
	if ((f = fopen(O.corpus, "r")) == NULL)
		finish_bad("error", "%s: %s", O.corpus, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((p = strchr(line, '\t')) == NULL ||
		    (q = strchr(p + 1, '\t')) == NULL)
			continue;
		*p++ = '\0';
		*q++ = '\0';
		if (ncorpus == cap) {
			cap = cap ? cap * 2 : 1024;
			corpus = xrealloc(corpus, cap * sizeof(*corpus));
		}
		corpus[ncorpus].path = strdup(line);
		snprintf(corpus[ncorpus].flags, sizeof(corpus[0].flags), "%s", p);
		snprintf(corpus[ncorpus].date, sizeof(corpus[0].date), "%s", q);
		ncorpus++;
	}
	fclose(f);
	if (ncorpus == 0)
		finish_bad("error", "%s: empty corpus", O.corpus);
}

/* Reads a whole file into *buf (grown as needed); its size or -1. */
static long
read_file(const char *path, char **buf, size_t *cap)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size + 1 > *cap) {
		*cap = st.st_size + 1;
		*buf = xrealloc(*buf, *cap);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, *buf + got, st.st_size - got);
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	return got == (size_t)st.st_size ? (long)got : -1;
}

/*
 * APPENDs messages idx[0..k) as one command (MULTIAPPEND when k > 1),
 * with LITERAL+ when the server has it, else waiting for each "+".
 */
static int
append_msgs(struct conn *c, const char *mbox, const size_t *idx, int k,
    long *bytes, char **buf, size_t *cap)
{
	char q[1024];
	long len;
	int i, lp = has_cap(c, "LITERAL+");

	out_fmt(c, "%s APPEND %s", next_tag(c), quoted(mbox, q, sizeof(q)));
	for (i = 0; i < k; i++) {
		const struct msgref *m = &corpus[idx[i]];
		if ((len = read_file(m->path, buf, cap)) < 0) {
			snprintf(c->last, sizeof(c->last), "cannot read %s",
			    m->path);
			return ST_IO;
		}
		out_fmt(c, " (%s) \"%s\" {%ld%s}\r\n", m->flags, m->date, len,
		    lp ? "+" : "");
		if (!lp) {
			if (out_flush(c) == -1)
				return ST_IO;
			if (read_resp(c) == -1)
				return ST_IO;
			if (c->line[0] != '+') {
				if (is_tagged(c))
					return tagged_status(c);
				snprintf(c->last, sizeof(c->last),
				    "expected continuation, got: %s", c->line);
				return ST_BAD;
			}
		}
		out_add(c, *buf, len);
		*bytes += len;
	}
	out_add(c, "\r\n", 2);
	if (out_flush(c) == -1)
		return ST_IO;
	return wait_tagged(c, NULL);
}

/* ---- scenario: append ----------------------------------------------- */

struct app_arg {
	int	 id;
	char	 user[128];
	char	 mbox[256];
	long	 msgs, bytes;
	int	 setup;		/* this thread deletes/creates the mailbox */
	int	 check;		/* this thread checks the count afterwards */
	long	 expect;
	double	 t_start, t_end;
};

static void *
app_thread(void *vp)
{
	struct app_arg *a = vp;
	char err[REASON_MAX], q[1024], *buf = NULL;
	size_t cap = 0, *idx;
	struct conn *c;
	struct tally t;
	size_t i;
	int r, k, ok = 1;

	idx = xrealloc(NULL, (O.batch + 1) * sizeof(*idx));
	c = conn_open(err, sizeof(err));
	if (c == NULL) {
		note_err("error", "%s", err);
		ok = 0;
	} else if ((r = login(c, a->user)) != ST_OK) {
		note_err(r == ST_IO ? "error" : "n/a", "LOGIN %s: %s", a->user,
		    c->last);
		ok = 0;
	} else if ((r = need_caps(c)) != ST_OK) {
		note_err(r == ST_IO ? "error" : "n/a", "CAPABILITY: %s",
		    c->last);
		ok = 0;
	} else if (O.batch > 1 && !has_cap(c, "MULTIAPPEND")) {
		note_err("n/a", "no MULTIAPPEND capability");
		ok = 0;
	} else if (a->setup && strcasecmp(a->mbox, "INBOX") != 0) {
		cmd(c, NULL, "DELETE %s", quoted(a->mbox, q, sizeof(q)));
		if ((r = cmd(c, NULL, "CREATE %s",
		    quoted(a->mbox, q, sizeof(q)))) != ST_OK) {
			note_err(r == ST_IO ? "error" : "n/a", "CREATE: %s",
			    c->last);
			ok = 0;
		}
	}
	pthread_barrier_wait(&barrier);
	a->t_start = now();
	i = a->id;
	while (ok && nerrors == 0 && i < (size_t)O.n) {
		for (k = 0; k < O.batch && i < (size_t)O.n; k++) {
			idx[k] = i % ncorpus;
			i += O.clients;
		}
		r = append_msgs(c, a->mbox, idx, k, &a->bytes, &buf, &cap);
		if (r != ST_OK) {
			note_err(r == ST_IO ? "error" : "n/a", "APPEND: %s",
			    c->last);
			ok = 0;
			break;
		}
		a->msgs += k;
	}
	a->t_end = now();
	pthread_barrier_wait(&barrier);
	if (ok && a->check) {
		r = cmd(c, &t, "STATUS %s (MESSAGES)",
		    quoted(a->mbox, q, sizeof(q)));
		if (r != ST_OK)
			note_err(r == ST_IO ? "error" : "n/a", "STATUS: %s",
			    c->last);
		else if (a->expect >= 0 && t.status_messages != a->expect)
			note_err("wrong", "%s: %ld messages after APPEND, "
			    "expected %ld", a->mbox, t.status_messages,
			    a->expect);
	}
	pthread_barrier_wait(&barrier);
	if (ok && a->setup && !O.keep && strcasecmp(a->mbox, "INBOX") != 0)
		cmd(c, NULL, "DELETE %s", quoted(a->mbox, q, sizeof(q)));
	if (c != NULL)
		logout(c);
	free(buf);
	free(idx);
	return NULL;
}

static void
sc_append(void)
{
	struct app_arg *args;
	double t0 = 1e300, t1 = 0;
	long msgs = 0, bytes = 0;
	int i, per;

	load_index();
	if (O.n <= 1)
		O.n = ncorpus;
	args = xrealloc(NULL, O.clients * sizeof(*args));
	for (i = 0; i < O.clients; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].id = i;
		if (O.userfmt != NULL)
			snprintf(args[i].user, sizeof(args[i].user), O.userfmt,
			    i + 1);
		else
			snprintf(args[i].user, sizeof(args[i].user), "%s", O.user);
		snprintf(args[i].mbox, sizeof(args[i].mbox), "%s", O.mailbox);
		/* one mailbox per user: each thread sets up its own */
		args[i].setup = O.userfmt != NULL || i == 0;
		args[i].check = args[i].setup;
		per = O.n / O.clients + (i < O.n % O.clients);
		args[i].expect = O.userfmt != NULL ? per : O.n;
		if (strcasecmp(O.mailbox, "INBOX") == 0)
			args[i].expect = -1;
	}
	run_threads(app_thread, args, sizeof(*args), O.clients);
	for (i = 0; i < O.clients; i++) {
		msgs += args[i].msgs;
		bytes += args[i].bytes;
		if (args[i].t_start < t0)
			t0 = args[i].t_start;
		if (args[i].t_end > t1)
			t1 = args[i].t_end;
	}
	if (nerrors)
		finish_bad(first_err_status, "%s", first_err);
	jbegin("ok");
	jnum("ops", msgs);
	jnum("clients", O.clients);
	jnum("batch", O.batch);
	jnum("secs", t1 - t0);
	jnum("bytes", bytes);
	jnum("msgs_s", msgs / (t1 - t0));
	jnum("mb_s", bytes / (t1 - t0) / 1e6);
	jnum("value", msgs / (t1 - t0));
	jstr("unit", "msgs/s");
	jend();
}

/* ---- scenario: concurrent mixed load -------------------------------- */

static const char small_msg[] =
    "From: Load Test <load@example.org>\r\n"
    "To: Bench <bench@example.org>\r\n"
    "Subject: mixed load message\r\n"
    "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
    "Message-ID: <mixed-load@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This message was appended by the concurrent scenario of imapbench.\r\n"
    "It is deleted again at the end of the run.\r\n";

struct mix_arg {
	int	 id;
	long	 ops;
	double	 t_start, t_end;
	double	*lat;
	size_t	 nlat, caplat;
};


static void
lat_add(struct mix_arg *a, double v)
{
	if (a->nlat == a->caplat) {
		a->caplat = a->caplat ? a->caplat * 2 : 4096;
		a->lat = xrealloc(a->lat, a->caplat * sizeof(double));
	}
	a->lat[a->nlat++] = v;
}

static int
append_small(struct conn *c, const char *mbox)
{
	char q[1024];
	int lp = has_cap(c, "LITERAL+");

	out_fmt(c, "%s APPEND %s {%zu%s}\r\n", next_tag(c),
	    quoted(mbox, q, sizeof(q)), sizeof(small_msg) - 1, lp ? "+" : "");
	if (!lp) {
		if (out_flush(c) == -1 || read_resp(c) == -1)
			return ST_IO;
		if (c->line[0] != '+')
			return is_tagged(c) ? tagged_status(c) : ST_BAD;
	}
	out_add(c, small_msg, sizeof(small_msg) - 1);
	out_add(c, "\r\n", 2);
	if (out_flush(c) == -1)
		return ST_IO;
	return wait_tagged(c, NULL);
}

static void *
mix_thread(void *vp)
{
	struct mix_arg *a = vp;
	char err[REASON_MAX], q[1024];
	struct conn *c;
	struct tally t;
	unsigned seed = 12345u + a->id * 7919u;
	long exists = 0, m;
	double t0;
	int r = ST_OK, step = 0, ok = 1;

	c = conn_open(err, sizeof(err));
	if (c == NULL) {
		note_err("error", "%s", err);
		ok = 0;
	} else if ((r = login(c, O.user)) != ST_OK ||
	    (r = need_caps(c)) != ST_OK) {
		note_err(r == ST_IO ? "error" : "n/a", "LOGIN: %s", c->last);
		ok = 0;
	} else if (a->id == 0) {
		cmd(c, NULL, "DELETE benchmix");
		if ((r = cmd(c, NULL, "CREATE benchmix")) != ST_OK) {
			note_err(r == ST_IO ? "error" : "n/a", "CREATE: %s",
			    c->last);
			ok = 0;
		}
	}
	pthread_barrier_wait(&barrier);
	a->t_start = now();
	while (ok && now() - a->t_start < O.secs) {
		t0 = now();
		switch (step++ % 7) {
		case 0:
			r = cmd(c, &t, "SELECT %s",
			    quoted(O.mailbox, q, sizeof(q)));
			if (r == ST_OK)
				exists = t.exists;
			if (r == ST_OK && O.has_expect && exists < O.expect)
				note_err("wrong", "SELECT: EXISTS %ld", exists);
			break;
		case 1:
		case 2:
			if (exists < 20) {
				r = cmd(c, NULL, "NOOP");
				break;
			}
			m = 1 + rand_r(&seed) % (exists - 19);
			r = cmd(c, &t, "FETCH %ld:%ld (UID FLAGS "
			    "BODY.PEEK[HEADER.FIELDS (From To Subject Date)])",
			    m, m + 19);
			/* other sessions' STOREs add untagged FETCH FLAGS */
			if (r == ST_OK && t.fetch_body != 20)
				note_err("wrong", "FETCH: %ld responses with "
				    "BODY[], expected 20", t.fetch_body);
			break;
		case 3:
			m = exists > 0 ? 1 + rand_r(&seed) % exists : 1;
			r = cmd(c, NULL, "STORE %ld +FLAGS.SILENT ($Bench%d)",
			    m, a->id);
			if (r == ST_OK)
				r = cmd(c, NULL, "STORE %ld -FLAGS.SILENT "
				    "($Bench%d)", m, a->id);
			a->ops++;	/* two commands */
			break;
		case 4:
			r = append_small(c, "benchmix");
			break;
		case 5:
		case 6:
			r = cmd(c, NULL, "NOOP");
			break;
		}
		if (r != ST_OK) {
			if (step == 1 && r != ST_IO) {
				note_err("n/a", "SELECT: %s", c->last);
				break;
			}
			note_err("error", "%s", c->last);
			if (r == ST_IO)
				break;
			continue;
		}
		lat_add(a, now() - t0);
		a->ops++;
	}
	a->t_end = now();
	pthread_barrier_wait(&barrier);
	if (ok && a->id == 0)
		cmd(c, NULL, "DELETE benchmix");
	if (c != NULL)
		logout(c);
	return NULL;
}

static void
sc_concurrent(void)
{
	struct mix_arg *args;
	double t0 = 1e300, t1 = 0, *all;
	long ops = 0;
	size_t k = 0, j;
	int i;

	args = xrealloc(NULL, O.clients * sizeof(*args));
	memset(args, 0, O.clients * sizeof(*args));
	for (i = 0; i < O.clients; i++)
		args[i].id = i;
	run_threads(mix_thread, args, sizeof(*args), O.clients);
	for (i = 0; i < O.clients; i++) {
		ops += args[i].ops;
		k += args[i].nlat;
		if (args[i].t_start > 0 && args[i].t_start < t0)
			t0 = args[i].t_start;
		if (args[i].t_end > t1)
			t1 = args[i].t_end;
	}
	if (strcmp(first_err_status, "n/a") == 0 || ops == 0)
		finish_bad(first_err_status[0] ? first_err_status : "error",
		    "%s", first_err[0] ? first_err : "no operation completed");
	all = xrealloc(NULL, (k + 1) * sizeof(double));
	for (k = 0, i = 0; i < O.clients; i++)
		for (j = 0; j < args[i].nlat; j++)
			all[k++] = args[i].lat[j];
	jbegin(strcmp(first_err_status, "wrong") == 0 ? "wrong" : "ok");
	if (nerrors)
		jstr("reason", first_err);
	jnum("ops", ops);
	jnum("errors", nerrors);
	jnum("clients", O.clients);
	jnum("secs", t1 - t0);
	jnum("ops_s", ops / (t1 - t0));
	jlat(all, k);
	jnum("value", ops / (t1 - t0));
	jstr("unit", "ops/s");
	jend();
}

/* ---- scenario: idle latency ----------------------------------------- */

/*
 * Connection A selects a fresh mailbox and IDLEs; connection B appends to
 * it; the latency is the time from B sending APPEND until A reads the new
 * EXISTS.  A reader thread timestamps every EXISTS that A receives.
 */
static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	long		 exists;	/* last EXISTS seen by A */
	double		 when;		/* when it arrived */
	int		 done, failed;
	char		 why[REASON_MAX];
} idle = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0,
    "" };

static void *
idle_reader(void *vp)
{
	struct conn *c = vp;
	struct tally t;
	double when;

	for (;;) {
		if (read_resp(c) == -1) {
			pthread_mutex_lock(&idle.mu);
			if (!idle.done) {
				idle.failed = 1;
				snprintf(idle.why, sizeof(idle.why), "%s",
				    c->last);
			}
			pthread_cond_broadcast(&idle.cv);
			pthread_mutex_unlock(&idle.mu);
			return NULL;
		}
		when = now();
		if (is_tagged(c)) {	/* the IDLE's tagged reply after DONE */
			pthread_mutex_lock(&idle.mu);
			idle.done = 2;
			pthread_cond_broadcast(&idle.cv);
			pthread_mutex_unlock(&idle.mu);
			return NULL;
		}
		tally_init(&t);
		tally_resp(c, &t);
		if (t.exists >= 0) {
			pthread_mutex_lock(&idle.mu);
			idle.exists = t.exists;
			idle.when = when;
			pthread_cond_broadcast(&idle.cv);
			pthread_mutex_unlock(&idle.mu);
		}
	}
}

static void
sc_idle(void)
{
	const char *mbox = "benchidle";
	struct conn *a, *b;
	pthread_t th;
	double *lat, *ack, t0, t1, dl;
	long base;
	int i, r, got;

	lat = xrealloc(NULL, O.n * sizeof(double));
	ack = xrealloc(NULL, O.n * sizeof(double));
	a = session_or_die(O.user, 0);
	check_or_die(a, need_caps(a), "CAPABILITY");
	if (!has_cap(a, "IDLE"))
		finish_bad("n/a", "no IDLE capability");
	b = session_or_die(O.user, 0);
	check_or_die(b, need_caps(b), "CAPABILITY");
	cmd(b, NULL, "DELETE %s", mbox);
	check_or_die(b, cmd(b, NULL, "CREATE %s", mbox), "CREATE");
	base = select_or_die(a, mbox);
	out_fmt(a, "%s IDLE\r\n", next_tag(a));
	check_or_die(a, out_flush(a) == -1 ? ST_IO : ST_OK, "IDLE");
	if (read_resp(a) == -1)
		finish_bad("error", "IDLE: %s", a->last);
	if (a->line[0] != '+')
		finish_bad(is_tagged(a) && tagged_status(a) != ST_IO ? "n/a" :
		    "error", "IDLE: %s", a->line);
	idle.exists = base;
	pthread_create(&th, NULL, idle_reader, a);
	for (i = 0; i < O.n; i++) {
		usleep(100000);		/* let the server go back to sleep */
		t0 = now();
		r = append_small(b, mbox);
		t1 = now();
		check_or_die(b, r, "APPEND");
		pthread_mutex_lock(&idle.mu);
		dl = t0 + O.secs;
		got = 0;
		while (!idle.failed && idle.exists < base + i + 1) {
			struct timespec rt;
			clock_gettime(CLOCK_REALTIME, &rt);
			rt.tv_sec += 1;
			pthread_cond_timedwait(&idle.cv, &idle.mu, &rt);
			if (now() > dl)
				break;
		}
		if (idle.exists >= base + i + 1) {
			got = 1;
			lat[i] = idle.when - t0;
			ack[i] = t1 - t0;
		}
		pthread_mutex_unlock(&idle.mu);
		if (!got) {
			pthread_cancel(th);
			finish_bad(idle.failed ? "error" : "wrong",
			    "no EXISTS %ld within %g s during IDLE%s%s",
			    base + i + 1, O.secs, idle.failed ? ": " : "", idle.why);
		}
	}
	pthread_mutex_lock(&idle.mu);
	idle.done = 1;
	pthread_mutex_unlock(&idle.mu);
	conn_send(a, "DONE\r\n", 6);
	pthread_join(th, NULL);
	logout(a);
	cmd(b, NULL, "DELETE %s", mbox);
	logout(b);
	jbegin("ok");
	jnum("ops", O.n);
	jnum("append_p50_ms", quant(ack, O.n, 0.5) * 1e3);
	jlat(lat, O.n);
	jnum("value", quant(lat, O.n, 0.5) * 1e3);
	jstr("unit", "ms");
	jend();
}

/* ---- scenario: memory ---------------------------------------------- */

/*
 * SELECT the mailbox, then print a "ready" line with our local port and
 * wait (until stdin closes or -t seconds) so bench/run can read the server
 * process's memory; then LOGOUT.
 */
static void
sc_memory(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pollfd pfd;
	struct conn *c;
	char tmp[64];
	long ex;
	int port = 0;

	c = session_or_die(O.user, 0);
	ex = select_or_die(c, O.mailbox);
	if (O.has_expect && ex != O.expect)
		finish_bad("wrong", "SELECT: EXISTS %ld, expected %ld", ex,
		    O.expect);
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	printf("{\"scenario\":\"%s\",\"status\":\"ready\",\"local_port\":%d}\n",
	    O.label ? O.label : "memory", port);
	fflush(stdout);
	pfd.fd = 0;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, (int)(O.secs * 1000)) > 0)
		if (read(0, tmp, sizeof(tmp)) <= 0)
			break;
	check_or_die(c, cmd(c, NULL, "NOOP"), "NOOP");
	logout(c);
	jbegin("ok");
	jnum("local_port", port);
	jnum("exists", ex);
	jend();
}

/* ---- main ----------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
"usage: imapbench [options] SCENARIO\n"
"scenarios:\n"
"  login        connect, greeting, [STARTTLS], LOGIN, LOGOUT  (-n sessions, -c clients)\n"
"  session      the same with SELECT mailbox (-e expected EXISTS)\n"
"  select       new session each time, time SELECT (-n times, -e EXISTS)\n"
"  status       new session each time, time STATUS (-n times, -e MESSAGES)\n"
"  cmd          time -q COMMAND in the selected mailbox -n times; -k fetch|search|bytes\n"
"               checks -e against FETCH responses or SEARCH/SORT/THREAD hits;\n"
"               -R CAP: n/a unless the server has capability CAP\n"
"  store        STORE -r RANGE +FLAGS (\\Seen) then -FLAGS (\\Seen); -e FETCH responses\n"
"  copy         CREATE benchcopy, COPY -r RANGE, check -e MESSAGES, DELETE\n"
"  append       APPEND -n messages from -C index.txt to -m mailbox with -c clients;\n"
"               -U fmt (e.g. bench%%d) = one user per client; -b N = MULTIAPPEND\n"
"               batches; -K keeps the mailbox\n"
"  concurrent   -c clients, mixed SELECT/FETCH/STORE/APPEND/NOOP for -t seconds\n"
"  idle         A IDLEs, B APPENDs -n times: latency to EXISTS (-t s limit)\n"
"  memory       SELECT, print a ready line, wait for stdin EOF (or -t s), LOGOUT\n"
"options: -H host -p port -u user -w password -m mailbox -S (STARTTLS)\n"
"         -l label (JSON scenario name) -T timeout_s\n");
	exit(64);
}

static void
on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "{\"scenario\":\"timeout\",\"status\":\"error\","
	    "\"reason\":\"scenario timed out\"}\n";
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(1);
	_exit(1);
}

int
main(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "H:p:u:w:m:q:C:U:l:k:R:r:n:c:Sb:Ke:t:T:h"))
	    != -1) {
		switch (ch) {
		case 'H': O.host = optarg; break;
		case 'p': O.port = optarg; break;
		case 'u': O.user = optarg; break;
		case 'w': O.pass = optarg; break;
		case 'm': O.mailbox = optarg; break;
		case 'q': O.query = optarg; break;
		case 'C': O.corpus = optarg; break;
		case 'U': O.userfmt = optarg; break;
		case 'l': O.label = optarg; break;
		case 'k': O.kind = optarg; break;
		case 'R': O.needcap = optarg; break;
		case 'r': O.range = optarg; break;
		case 'n': O.n = atoi(optarg); break;
		case 'c': O.clients = atoi(optarg); break;
		case 'S': O.starttls = 1; break;
		case 'b': O.batch = atoi(optarg); break;
		case 'K': O.keep = 1; break;
		case 'e': O.expect = atol(optarg); O.has_expect = 1; break;
		case 't': O.secs = atof(optarg); break;
		case 'T': O.timeout = atof(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || O.n < 1 || O.clients < 1 || O.batch < 1)
		usage();
	O.scenario = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)O.timeout);
	gnutls_global_init();
	gnutls_certificate_allocate_credentials(&xcred);
	if (!strcmp(O.scenario, "login"))
		sc_session(0);
	else if (!strcmp(O.scenario, "session"))
		sc_session(1);
	else if (!strcmp(O.scenario, "select"))
		sc_select(0);
	else if (!strcmp(O.scenario, "status"))
		sc_select(1);
	else if (!strcmp(O.scenario, "cmd"))
		sc_cmd();
	else if (!strcmp(O.scenario, "store"))
		sc_store();
	else if (!strcmp(O.scenario, "copy"))
		sc_copy();
	else if (!strcmp(O.scenario, "append"))
		sc_append();
	else if (!strcmp(O.scenario, "concurrent"))
		sc_concurrent();
	else if (!strcmp(O.scenario, "idle"))
		sc_idle();
	else if (!strcmp(O.scenario, "memory"))
		sc_memory();
	else
		usage();
	return 0;
}
