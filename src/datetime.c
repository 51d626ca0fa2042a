/*
 * datetime.c: IMAP date-time ("17-Jul-1996 02:44:25 -0700", RFC 9051 9)
 * and date ("1-Feb-1994") to and from unix time, without the C library's
 * time zone state.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t		era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31,
	    31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static int
num(const char **s, int ndig, int *v)
{
	int	n = 0, i;

	for (i = 0; i < ndig; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		n = n * 10 + ((*s)[i] - '0');
	}
	*s += ndig;
	*v = n;
	return 0;
}

/* "d-Mon-yyyy" or "dd-Mon-yyyy" (date-day-fixed " d" too); moves *s. */
static int
parse_date_part(const char **s, int *y, unsigned *mon, unsigned *day)
{
	const char	*p = *s;
	int		 d, i;

	if (*p == ' ')
		p++;
	if (num(&p, 2, &d) == -1) {
		p = *s + (**s == ' ');
		if (num(&p, 1, &d) == -1)
			return -1;
	}
	if (*p++ != '-')
		return -1;
	for (i = 0; i < 12; i++)
		if (strncasecmp(p, months[i], 3) == 0)
			break;
	if (i == 12)
		return -1;
	p += 3;
	if (*p++ != '-' || num(&p, 4, y) == -1)
		return -1;
	*mon = (unsigned)i + 1;
	if (d < 1 || (unsigned)d > days_in_month(*y, *mon))
		return -1;
	*day = (unsigned)d;
	*s = p;
	return 0;
}

/* RFC 9051 date: the unix time of 00:00 UTC of that day. */
int
datetime_parse_date(const char *s, int64_t *t)
{
	unsigned	mon, day;
	int		y;

	if (parse_date_part(&s, &y, &mon, &day) == -1 || *s != '\0')
		return -1;
	*t = days_from_civil(y, mon, day) * 86400;
	return 0;
}

/*
 * RFC 9051 date-time: DQUOTE date-day-fixed "-" date-month "-" date-year
 * SP time SP zone DQUOTE (the quotes already gone).  Sets the unix time
 * and the zone in minutes east of UTC.
 */
int
datetime_parse(const char *s, int64_t *t, int *tz)
{
	unsigned	mon, day;
	int		y, hh, mm, ss, zh, zm, sign;

	if (parse_date_part(&s, &y, &mon, &day) == -1 || *s++ != ' ' ||
	    num(&s, 2, &hh) == -1 || *s++ != ':' || num(&s, 2, &mm) == -1 ||
	    *s++ != ':' || num(&s, 2, &ss) == -1 || *s++ != ' ')
		return -1;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (num(&s, 2, &zh) == -1 || num(&s, 2, &zm) == -1 || *s != '\0')
		return -1;
	if (hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59)
		return -1;
	*tz = sign * (zh * 60 + zm);
	*t = days_from_civil(y, mon, day) * 86400 + hh * 3600 + mm * 60 + ss -
	    (int64_t)*tz * 60;
	return 0;
}

/* Format as date-time (date-day-fixed: a space before a 1-digit day). */
void
datetime_format(int64_t t, int tz, char out[DATETIME_LEN])
{
	int64_t		local = t + (int64_t)tz * 60, days, secs;
	unsigned	m, d;
	int		y, atz = tz < 0 ? -tz : tz;

	days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	secs = local - days * 86400;
	civil_from_days(days, &y, &m, &d);
	(void)snprintf(out, DATETIME_LEN, "%2u-%s-%04d %02d:%02d:%02d %c%02d%02d",
	    d, months[m - 1], y, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), tz < 0 ? '-' : '+', atz / 60, atz % 60);
}

/*
 * An RFC 5322 Date: value, tolerant of the obsolete forms: optional day
 * of week, two-digit years, missing seconds, named zones, comments.
 * 0 with the unix time and zone, or -1.
 */
int
datetime_parse_rfc5322(const char *s, int64_t *t, int *tz)
{
	static const struct {
		const char	*name;
		int		 min;
	} zones[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "UTC", 0 }, { "Z", 0 },
		{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 },
		{ "CDT", -300 }, { "MST", -420 }, { "MDT", -360 },
		{ "PST", -480 }, { "PDT", -420 },
	};
	const char	*p = s;
	char		*end;
	long		 d, y, hh, mm, ss = 0;
	int		 mon, i, z = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (isalpha((unsigned char)*p)) {
		/* day of week */
		while (isalpha((unsigned char)*p))
			p++;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
	}
	d = strtol(p, &end, 10);
	if (end == p || d < 1 || d > 31)
		return -1;
	p = end;
	while (*p == ' ' || *p == '-')
		p++;
	for (mon = 0; mon < 12; mon++)
		if (strncasecmp(p, months[mon], 3) == 0)
			break;
	if (mon == 12)
		return -1;
	p += 3;
	while (isalpha((unsigned char)*p))
		p++;
	while (*p == ' ' || *p == '-')
		p++;
	y = strtol(p, &end, 10);
	if (end == p)
		return -1;
	if (end - p <= 2)
		y += y < 50 ? 2000 : 1900;	/* RFC 5322 4.3 */
	else if (end - p == 3)
		y += 1900;
	p = end;
	while (*p == ' ')
		p++;
	hh = strtol(p, &end, 10);
	if (end == p || *end != ':')
		return -1;
	p = end + 1;
	mm = strtol(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	if (*p == ':') {
		ss = strtol(p + 1, &end, 10);
		p = end;
	}
	while (*p == ' ')
		p++;
	if (*p == '+' || *p == '-') {
		long zz = strtol(p + 1, &end, 10);

		if (end - p == 5)
			z = (int)((zz / 100) * 60 + zz % 100) * (*p == '-' ? -1 :
			    1);
	} else
		for (i = 0; i < (int)(sizeof(zones) / sizeof(zones[0])); i++)
			if (strncasecmp(p, zones[i].name,
			    strlen(zones[i].name)) == 0)
				z = zones[i].min;
	if (hh > 23 || mm > 59 || ss > 60 || y < 1900 || y > 9999 ||
	    (unsigned)d > days_in_month((int)y, (unsigned)mon + 1))
		return -1;
	*tz = z;
	*t = days_from_civil(y, (unsigned)mon + 1, (unsigned)d) * 86400 +
	    hh * 3600 + mm * 60 + ss - (int64_t)z * 60;
	return 0;
}
