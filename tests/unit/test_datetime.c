/*
 * test_datetime.c: IMAP date-time and date (datetime.c, RFC 9051 9:
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time
 * SP zone DQUOTE; date = date-day "-" date-month "-" date-year).
 * Unix times were worked out independently (calendar.timegm), zones are
 * minutes east of UTC.  Inputs go in exact-size buffers (plus the NUL
 * the functions expect).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "unit.h"

static char *
dup_str(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*d = malloc(n);

	if (d == NULL)
		abort();
	memcpy(d, s, n);
	return d;
}

static const struct {
	const char	*in;
	int64_t		 t;
	int		 tz;
	const char	*out;	/* datetime_format(t, tz); NULL: same as in */
} good[] = {
	/* RFC 9051 example */
	{ "17-Jul-1996 02:44:25 -0700", 837596665, -420, NULL },
	/* date-day-fixed: a space before a one-digit day */
	{ " 1-Jan-2020 00:00:00 +0000", 1577836800, 0, NULL },
	{ "01-Jan-2020 00:00:00 +0000", 1577836800, 0, " 1-Jan-2020 00:00:00 +0000" },
	/* the parser also takes a bare one-digit day, as it documents */
	{ "1-Jan-2020 00:00:00 +0000", 1577836800, 0, " 1-Jan-2020 00:00:00 +0000" },
	/* month names are case-insensitive (ABNF strings) */
	{ "01-JAN-2020 01:00:00 +0100", 1577836800, 60, " 1-Jan-2020 01:00:00 +0100" },
	{ "01-jan-2020 05:30:00 +0530", 1577836800, 330, " 1-Jan-2020 05:30:00 +0530" },
	/* a zone west of UTC: the previous day, locally */
	{ "31-Dec-2019 14:00:00 -1000", 1577836800, -600, NULL },
	{ "01-Jan-2020 14:00:00 +1400", 1577836800, 840, " 1-Jan-2020 14:00:00 +1400" },
	{ "01-Jan-2020 00:00:00 -0000", 1577836800, 0, " 1-Jan-2020 00:00:00 +0000" },
	/* leap years */
	{ "29-Feb-2020 00:00:00 +0000", 1582934400, 0, NULL },
	{ "29-Feb-2000 12:00:00 +0000", 951825600, 0, NULL },
	{ " 1-Mar-1900 00:00:00 +0000", -2203891200, 0, NULL },
	{ "19-Jan-2038 03:14:08 +0000", 2147483648, 0, NULL },
	{ "31-Dec-9999 23:59:59 +0000", 253402300799, 0, NULL },
	{ " 1-Jan-0001 00:00:00 +0000", -62135596800, 0, NULL },
	{ "31-Dec-1969 23:59:59 +0000", -1, 0, NULL },
	{ "30-Jun-2015 23:59:60 +0000", 1435708800, 0, " 1-Jul-2015 00:00:00 +0000" },
};

static const struct {
	const char	*in;
	const char	*why;
} bad[] = {
	{ "30-Feb-2020 00:00:00 +0000", "30 February" },
	{ "29-Feb-2019 00:00:00 +0000", "29 February, not a leap year" },
	{ "29-Feb-1900 00:00:00 +0000", "29 February 1900" },
	{ "31-Apr-2020 00:00:00 +0000", "31 April" },
	{ "00-Jan-2020 00:00:00 +0000", "day 0" },
	{ "32-Jan-2020 00:00:00 +0000", "day 32" },
	{ "01-Foo-2020 00:00:00 +0000", "bad month" },
	{ "01-Jan-20 00:00:00 +0000", "two-digit year" },
	{ "01-Jan-2020 24:00:00 +0000", "hour 24" },
	{ "01-Jan-2020 23:60:00 +0000", "minute 60" },
	{ "01-Jan-2020 23:59:61 +0000", "second 61" },
	{ "01-Jan-2020 1:00:00 +0000", "one-digit hour" },
	{ "01-Jan-2020 00:00 +0000", "no seconds" },
	{ "01-Jan-2020 00:00:00", "no zone" },
	{ "01-Jan-2020 00:00:00 0000", "zone without sign" },
	{ "01-Jan-2020 00:00:00 +000", "three-digit zone" },
	{ "01-Jan-2020 00:00:00 +00000", "five-digit zone" },
	{ "01-Jan-2020 00:00:00 +0060", "zone minutes 60" },
	{ "01-Jan-2020 00:00:00 +2400", "zone hours 24" },
	{ "01-Jan-2020 00:00:00 Z", "zone Z" },
	{ "01-Jan-2020 00:00:00 GMT", "zone name" },
	{ "01-Jan-2020 00:00:00 +0000 ", "trailing space" },
	{ "01-Jan-2020  00:00:00 +0000", "two spaces" },
	{ "01/Jan/2020 00:00:00 +0000", "slashes" },
	{ "2020-01-01 00:00:00 +0000", "ISO 8601" },
	{ "", "empty" },
	{ "01-Jan-2020", "a date only" },
	{ "\"01-Jan-2020 00:00:00 +0000\"", "still quoted" },
};

static const struct {
	const char	*in;
	int64_t		 t;	/* -1: invalid */
} dates[] = {
	{ "1-Feb-1994", 760060800 },
	{ "01-Feb-1994", 760060800 },
	{ "1-feb-1994", 760060800 },
	{ "29-Feb-2020", 1582934400 },
	{ "30-Feb-2020", -1 },
	{ "29-Feb-2100", -1 },
	{ "1-Feb-1994 ", -1 },
	{ "1-Feb-94", -1 },
	{ "123-Feb-1994", -1 },
	{ "1-February-1994", -1 },
	{ "", -1 },
};

int
main(void)
{
	char		 out[DATETIME_LEN], *in;
	int64_t		 t;
	size_t		 i;
	unsigned	 seed = 1996;
	int		 tz, rc, k;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CASE("parse/%s", good[i].in) {
			in = dup_str(good[i].in);
			t = 12345;
			tz = 99999;
			rc = datetime_parse(in, &t, &tz);
			free(in);
			CHECK(rc == 0 && t == good[i].t && tz == good[i].tz,
			    "rc %d t %lld tz %d, want %lld %d", rc, (long long)t,
			    tz, (long long)good[i].t, good[i].tz);
		}
		CASE("format/%s", good[i].in) {
			const char *want = good[i].out ? good[i].out :
			    good[i].in;

			datetime_format(good[i].t, good[i].tz, out);
			CHECK(strcmp(out, want) == 0, "got [%s] want [%s]", out,
			    want);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CASE("invalid/%s", bad[i].why) {
			in = dup_str(bad[i].in);
			rc = datetime_parse(in, &t, &tz);
			free(in);
			CHECK(rc == -1, "accepted [%s] as %lld %d", bad[i].in,
			    (long long)t, tz);
		}
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		CASE("date/%s", dates[i].in[0] ? dates[i].in : "empty") {
			in = dup_str(dates[i].in);
			t = 12345;
			rc = datetime_parse_date(in, &t);
			free(in);
			if (dates[i].t == -1)
				CHECK(rc == -1, "accepted as %lld", (long long)t);
			else
				CHECK(rc == 0 && t == dates[i].t, "rc %d t %lld",
				    rc, (long long)t);
		}
	/* format then parse gives back the time and the zone */
	CASE("roundtrip/random") {
		for (k = 0; k < 100000; k++) {
			int64_t	t0 = (int64_t)rand_r(&seed) * 4 -
			    (int64_t)4000000000LL;
			int	tz0 = (rand_r(&seed) % (2 * 1439 + 1)) - 1439;

			datetime_format(t0, tz0, out);
			if (!CHECK(strlen(out) == 26, "[%s] is not 26 long",
			    out))
				break;
			rc = datetime_parse(out, &t, &tz);
			if (!CHECK(rc == 0 && t == t0 && tz == tz0, "%lld %d -> "
			    "[%s] -> rc %d %lld %d", (long long)t0, tz0, out, rc,
			    (long long)t, tz))
				break;
		}
	}
	return unit_done();
}
