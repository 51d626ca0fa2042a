/*
 * unit.h: a tiny harness for the table-driven unit tests.  Each case prints
 * one line, "ok NAME" or "not ok NAME: why" (tests/run reads them); the
 * binary exits 1 if any case failed.
 *
 *	CASE("parse_tag/%s", row->name) {
 *		CHECK(rc == 0, "rc %d, err %s", rc, p.err);
 *	}
 *	...
 *	return unit_done();
 *
 * CHECK(cond, fmt, ...) records the first failure of the current case with
 * its line and message, and evaluates to cond: "if (!CHECK(...)) continue;"
 * ends a case early (CASE is a one-pass loop).
 * Names are sanitized: ':' and blanks would confuse the runner.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

static int	unit_ncases, unit_nfailed;
static bool	unit_in_case, unit_case_failed;
static char	unit_name[200], unit_why[600];

#define UNIT_FN	static __attribute__((__unused__))

UNIT_FN void	unit_begin(const char *, ...) PRINTFLIKE(1, 2);
UNIT_FN bool	unit_fail(int, const char *, const char *, ...)
		    PRINTFLIKE(3, 4);

UNIT_FN void
unit_begin(const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	va_start(ap, fmt);
	(void)vsnprintf(unit_name, sizeof(unit_name), fmt, ap);
	va_end(ap);
	for (i = 0; unit_name[i] != '\0'; i++)
		if (unit_name[i] == ':' || (unsigned char)unit_name[i] <= ' ' ||
		    (unsigned char)unit_name[i] >= 0x7f)
			unit_name[i] = '_';
	unit_in_case = true;
	unit_case_failed = false;
	unit_why[0] = '\0';
}

/* Record a failure (only the first of a case is printed); returns false. */
UNIT_FN bool
unit_fail(int line, const char *expr, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;
	int	n;

	if (!unit_case_failed) {
		/* the message if there is one, else the failed expression */
		n = snprintf(unit_why, sizeof(unit_why), "line %d: ", line);
		if (n > 0 && (size_t)n < sizeof(unit_why)) {
			va_start(ap, fmt);
			(void)vsnprintf(unit_why + n, sizeof(unit_why) -
			    (size_t)n, fmt, ap);
			va_end(ap);
			if (unit_why[n] == '\0')
				(void)snprintf(unit_why + n, sizeof(unit_why) -
				    (size_t)n, "%s", expr);
		}
		for (i = 0; unit_why[i] != '\0'; i++)
			if ((unsigned char)unit_why[i] < ' ')
				unit_why[i] = '?';
	}
	unit_case_failed = true;
	if (!unit_in_case) {
		/* a check outside any case is a failure of its own */
		printf("not ok setup: %s\n", unit_why);
		unit_ncases++;
		unit_nfailed++;
		unit_case_failed = false;
	}
	return false;
}

UNIT_FN void
unit_end(void)
{
	unit_ncases++;
	if (unit_case_failed) {
		unit_nfailed++;
		printf("not ok %s: %s\n", unit_name, unit_why);
	} else
		printf("ok %s\n", unit_name);
	unit_in_case = false;
}

/* CASE(fmt, ...) { body }: the body runs once, as one named case. */
#define CASE(...)							\
	for (unit_begin(__VA_ARGS__); unit_in_case; unit_end())

#define CHECK(cond, ...)						\
	((cond) ? true : unit_fail(__LINE__, #cond, __VA_ARGS__))

UNIT_FN int
unit_done(void)
{
	printf("# %d cases, %d failed\n", unit_ncases, unit_nfailed);
	return unit_nfailed > 0 ? 1 : 0;
}

/*
 * Printable form of n bytes for messages: \r \n \xNN.  Four rotating
 * buffers, so several may appear in one CHECK.
 */
UNIT_FN const char *
unit_esc(const void *v, size_t n)
{
	static char		 bufs[4][400];
	static int		 which;
	const unsigned char	*s = v;
	char			*b = bufs[which++ % 4];
	size_t			 i, o = 0;

	if (s == NULL)
		return "(null)";
	for (i = 0; i < n && o + 8 < sizeof(bufs[0]); i++) {
		if (s[i] == '\r')
			o += (size_t)snprintf(b + o, 8, "\\r");
		else if (s[i] == '\n')
			o += (size_t)snprintf(b + o, 8, "\\n");
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			o += (size_t)snprintf(b + o, 8, "\\x%02x", s[i]);
		else
			b[o++] = (char)s[i];
	}
	if (i < n)
		o += (size_t)snprintf(b + o, 8, "...");
	b[o] = '\0';
	return b;
}

#define ESC(s)	unit_esc((s), strlen(s))

/* Is sub (NUL-terminated) in s?  NULL s never contains anything. */
UNIT_FN bool
unit_contains(const char *s, const char *sub)
{
	return s != NULL && strstr(s, sub) != NULL;
}

#endif /* UNIT_H */
