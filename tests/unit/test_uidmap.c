/*
 * test_uidmap.c: a mailbox's UIDs as ranges (uidmap.c): sequence number
 * <-> UID both ways, appends, removals (the EXPUNGE path), differences,
 * tails and the blob form kept in the database.  Fixed cases, then long
 * random runs against a plain sorted array of UIDs as the model.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "unit.h"

#define MODEL_MAX	1024

/* "1:3,7,9:10" -> a map, by appends */
static void
map_from(struct uidmap *m, const char *s)
{
	char		*end;
	unsigned long	 lo, hi;

	uidmap_free(m);
	while (*s != '\0') {
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == ':')
			hi = strtoul(end + 1, &end, 10);
		uidmap_append(m, (uint32_t)lo, (uint32_t)hi);
		s = *end == ',' ? end + 1 : end;
	}
}

/* the map as "1:3,7" (and a consistency check of count) */
static const char *
map_str(const struct uidmap *m)
{
	static char	buf[4][512];
	static int	which;
	char		*b = buf[which++ % 4];
	size_t		i, o = 0;
	uint32_t	c = 0;

	b[0] = '\0';
	for (i = 0; i < m->n && o < 480; i++) {
		c += m->r[i].hi - m->r[i].lo + 1;
		if (m->r[i].lo == m->r[i].hi)
			o += (size_t)snprintf(b + o, 512 - o, "%s%u", i ? "," :
			    "", m->r[i].lo);
		else
			o += (size_t)snprintf(b + o, 512 - o, "%s%u:%u", i ?
			    "," : "", m->r[i].lo, m->r[i].hi);
	}
	if (c != m->count)
		(void)snprintf(b + o, 512 - o, " (count %u, ranges hold %u)",
		    m->count, c);
	return b;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* a blob of n (lo, hi) pairs in an exact-size buffer */
static unsigned char *
blob_of(const uint32_t *v, size_t n)
{
	unsigned char	*b = malloc(n * 8 > 0 ? n * 8 : 1);
	size_t		 i;

	if (b == NULL)
		abort();
	for (i = 0; i < n * 2; i++)
		put32(b + 4 * i, v[i]);
	return b;
}

static void
test_fixed(void)
{
	struct uidmap	 m, o, d;
	unsigned char	*b;
	void		*blob;
	size_t		 len;

	memset(&m, 0, sizeof(m));
	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));

	CASE("empty") {
		CHECK(m.count == 0 && uidmap_last(&m) == 0 &&
		    uidmap_uid(&m, 1) == 0 && uidmap_seq(&m, 1) == 0 &&
		    uidmap_seq_ceil(&m, 5) == 1 && !uidmap_remove(&m, 1),
		    "empty map misbehaves");
	}
	CASE("append-merges") {
		map_from(&m, "1:3");
		uidmap_append(&m, 4, 4);
		uidmap_append(&m, 5, 9);
		uidmap_append(&m, 11, 11);
		CHECK(m.n == 2 && strcmp(map_str(&m), "1:9,11") == 0,
		    "got %s in %zu ranges", map_str(&m), m.n);
	}
	CASE("uid-seq") {
		/* 3 5 6 7 10 20 21 */
		map_from(&m, "3,5:7,10,20:21");
		CHECK(m.count == 7, "count %u", m.count);
		CHECK(uidmap_uid(&m, 0) == 0 && uidmap_uid(&m, 1) == 3 &&
		    uidmap_uid(&m, 2) == 5 && uidmap_uid(&m, 4) == 7 &&
		    uidmap_uid(&m, 5) == 10 && uidmap_uid(&m, 6) == 20 &&
		    uidmap_uid(&m, 7) == 21 && uidmap_uid(&m, 8) == 0,
		    "uid() wrong");
		CHECK(uidmap_seq(&m, 1) == 0 && uidmap_seq(&m, 3) == 1 &&
		    uidmap_seq(&m, 4) == 0 && uidmap_seq(&m, 6) == 3 &&
		    uidmap_seq(&m, 10) == 5 && uidmap_seq(&m, 21) == 7 &&
		    uidmap_seq(&m, 22) == 0 && uidmap_seq(&m, 0) == 0,
		    "seq() wrong");
		CHECK(uidmap_seq_ceil(&m, 1) == 1 && uidmap_seq_ceil(&m, 4) ==
		    2 && uidmap_seq_ceil(&m, 8) == 5 && uidmap_seq_ceil(&m,
		    11) == 6 && uidmap_seq_ceil(&m, 21) == 7 &&
		    uidmap_seq_ceil(&m, 22) == 8, "seq_ceil() wrong");
		CHECK(uidmap_last(&m) == 21, "last %u", uidmap_last(&m));
	}
	CASE("remove") {
		map_from(&m, "1:10");
		CHECK(uidmap_remove(&m, 5) && strcmp(map_str(&m),
		    "1:4,6:10") == 0, "middle: %s", map_str(&m));
		CHECK(uidmap_seq(&m, 6) == 5 && uidmap_uid(&m, 5) == 6,
		    "numbers after a middle removal");
		CHECK(uidmap_remove(&m, 1) && strcmp(map_str(&m),
		    "2:4,6:10") == 0, "first: %s", map_str(&m));
		CHECK(uidmap_remove(&m, 10) && strcmp(map_str(&m),
		    "2:4,6:9") == 0, "last: %s", map_str(&m));
		CHECK(!uidmap_remove(&m, 5) && !uidmap_remove(&m, 11) &&
		    !uidmap_remove(&m, 0) && strcmp(map_str(&m), "2:4,6:9") ==
		    0, "absent: %s", map_str(&m));
		map_from(&m, "1,3,5");
		CHECK(uidmap_remove(&m, 3) && strcmp(map_str(&m), "1,5") ==
		    0 && uidmap_seq(&m, 5) == 2, "single range: %s",
		    map_str(&m));
		CHECK(uidmap_remove(&m, 1) && uidmap_remove(&m, 5) &&
		    m.count == 0 && m.n == 0 && uidmap_last(&m) == 0,
		    "to empty: %s", map_str(&m));
		/* the map is usable again after emptying */
		uidmap_append(&m, 7, 8);
		CHECK(strcmp(map_str(&m), "7:8") == 0 && uidmap_uid(&m, 2) ==
		    8, "after refill: %s", map_str(&m));
	}
	CASE("diff") {
		map_from(&m, "1:10,20:30");
		map_from(&o, "2:3,5,9:21,30");
		uidmap_diff(&m, &o, &d);
		CHECK(strcmp(map_str(&d), "1,4,6:8,22:29") == 0, "a-b: %s",
		    map_str(&d));
		uidmap_diff(&o, &m, &d);
		CHECK(strcmp(map_str(&d), "11:19") == 0, "b-a: %s",
		    map_str(&d));
		uidmap_diff(&m, &m, &d);
		CHECK(d.count == 0 && d.n == 0, "a-a: %s", map_str(&d));
		uidmap_free(&o);
		uidmap_diff(&m, &o, &d);
		CHECK(strcmp(map_str(&d), "1:10,20:30") == 0, "a-empty: %s",
		    map_str(&d));
		uidmap_diff(&o, &m, &d);
		CHECK(d.count == 0, "empty-a: %s", map_str(&d));
	}
	CASE("union") {
		map_from(&m, "1:3,10,20:30");
		map_from(&o, "2:5,9,11,31,40:41");
		uidmap_union(&m, &o, &d);
		CHECK(strcmp(map_str(&d), "1:5,9:11,20:31,40:41") == 0 &&
		    d.count == 22 && uidmap_seq(&d, 20) == 9, "a|b: %s "
		    "(%u)", map_str(&d), d.count);
		uidmap_union(&o, &m, &d);
		CHECK(strcmp(map_str(&d), "1:5,9:11,20:31,40:41") == 0,
		    "b|a: %s", map_str(&d));
		uidmap_union(&m, &m, &d);
		CHECK(strcmp(map_str(&d), "1:3,10,20:30") == 0 && d.count ==
		    15, "a|a: %s", map_str(&d));
		uidmap_free(&o);
		uidmap_union(&m, &o, &d);
		CHECK(strcmp(map_str(&d), "1:3,10,20:30") == 0, "a|empty: %s",
		    map_str(&d));
		uidmap_union(&o, &o, &d);
		CHECK(d.n == 0 && d.count == 0, "empty|empty: %s",
		    map_str(&d));
		map_from(&m, "1:4294967295");
		map_from(&o, "5,4294967295");
		uidmap_union(&m, &o, &d);
		CHECK(strcmp(map_str(&d), "1:4294967295") == 0, "whole: %s",
		    map_str(&d));
	}
	CASE("coarsen") {
		/* gaps: 1 (2..3), 5 (5..11), 2 (12..15), 30 */
		map_from(&m, "1,3,5,11,13:14,45");
		uidmap_coarsen(&m, 10);
		CHECK(strcmp(map_str(&m), "1,3,5,11,13:14,45") == 0,
		    "under the limit: %s", map_str(&m));
		uidmap_coarsen(&m, 4);
		CHECK(strcmp(map_str(&m), "1:5,11:14,45") == 0 && m.count ==
		    10 && uidmap_seq(&m, 45) == 10, "4: %s (%u)",
		    map_str(&m), m.count);
		uidmap_coarsen(&m, 2);
		CHECK(strcmp(map_str(&m), "1:14,45") == 0, "2: %s",
		    map_str(&m));
		uidmap_coarsen(&m, 0);
		CHECK(strcmp(map_str(&m), "1:45") == 0 && m.count == 45,
		    "0 means 1: %s", map_str(&m));
	}
	CASE("tail") {
		map_from(&m, "1:10,20:30");
		uidmap_tail(&m, 5, &d);
		CHECK(strcmp(map_str(&d), "5:10,20:30") == 0, "from 5: %s",
		    map_str(&d));
		uidmap_tail(&m, 15, &d);
		CHECK(strcmp(map_str(&d), "20:30") == 0, "from 15: %s",
		    map_str(&d));
		uidmap_tail(&m, 30, &d);
		CHECK(strcmp(map_str(&d), "30") == 0, "from 30: %s",
		    map_str(&d));
		uidmap_tail(&m, 31, &d);
		CHECK(d.count == 0, "from 31: %s", map_str(&d));
		uidmap_tail(&m, 1, &d);
		CHECK(strcmp(map_str(&d), "1:10,20:30") == 0, "from 1: %s",
		    map_str(&d));
	}
	CASE("copy") {
		map_from(&m, "4:6,9");
		map_from(&o, "1:100,200,300");
		uidmap_copy(&o, &m);
		CHECK(strcmp(map_str(&o), "4:6,9") == 0 && uidmap_seq(&o, 9)
		    == 4, "copy: %s", map_str(&o));
	}
	CASE("blob/roundtrip") {
		map_from(&m, "1:3,7,4294967290:4294967295");
		blob = uidmap_blob(&m, &len);
		if (!CHECK(len == 24, "blob of %zu bytes", len))
			break;
		b = malloc(len);
		memcpy(b, blob, len);
		free(blob);
		CHECK(uidmap_load(&o, b, len) == 0 && strcmp(map_str(&o),
		    map_str(&m)) == 0 && o.count == 3 + 1 + 6, "loaded %s",
		    map_str(&o));
		CHECK(uidmap_uid(&o, 10) == 4294967295u &&
		    uidmap_seq(&o, 4294967295u) == 10, "top UID");
		free(b);
		uidmap_free(&d);
		blob = uidmap_blob(&d, &len);
		CHECK(len == 0 && uidmap_load(&o, blob, 0) == 0 && o.count ==
		    0, "empty blob");
		free(blob);
	}
	{
		static const struct {
			const char	*why;
			uint32_t	 v[6];
			size_t		 n;
			size_t		 len;	/* 0: n * 8 */
		} badblobs[] = {
			{ "uid 0", { 0, 3 }, 1, 0 },
			{ "lo above hi", { 5, 3 }, 1, 0 },
			{ "overlap", { 1, 5, 5, 9 }, 2, 0 },
			{ "unsorted", { 10, 12, 1, 3 }, 2, 0 },
			{ "adjacent ranges not merged", { 1, 3, 4, 6 }, 2, 0 },
			{ "length not a multiple of 8", { 1, 3 }, 1, 7 },
		};
		size_t	i;

		for (i = 0; i < sizeof(badblobs) / sizeof(badblobs[0]); i++)
			CASE("blob/invalid/%s", badblobs[i].why) {
				b = blob_of(badblobs[i].v, badblobs[i].n);
				len = badblobs[i].len ? badblobs[i].len :
				    badblobs[i].n * 8;
				CHECK(uidmap_load(&o, b, len) == -1, "loaded "
				    "as %s", map_str(&o));
				free(b);
			}
	}
	uidmap_free(&m);
	uidmap_free(&o);
	uidmap_free(&d);
}

/* ------------------------------------------------------------------ */
/* random runs against a sorted array */

struct model {
	uint32_t	u[MODEL_MAX];
	uint32_t	n;
};

static const char *
compare(const struct uidmap *m, const struct model *x)
{
	static char	why[200];
	uint32_t	i, k, prev = 0;

	if (m->count != x->n) {
		(void)snprintf(why, sizeof(why), "count %u, model %u",
		    m->count, x->n);
		return why;
	}
	for (i = 0; i < m->n; i++)
		if (m->r[i].lo > m->r[i].hi || (i > 0 && m->r[i].lo <=
		    m->r[i - 1].hi + 1)) {
			(void)snprintf(why, sizeof(why), "range %u (%u:%u) "
			    "not sorted, merged and disjoint", i, m->r[i].lo,
			    m->r[i].hi);
			return why;
		}
	for (i = 0; i < x->n; i++) {
		if (uidmap_uid(m, i + 1) != x->u[i] ||
		    uidmap_seq(m, x->u[i]) != i + 1) {
			(void)snprintf(why, sizeof(why), "seq %u: uid %u, model "
			    "%u", i + 1, uidmap_uid(m, i + 1), x->u[i]);
			return why;
		}
		/* UIDs between this one and the previous are absent */
		for (k = prev + 1; k < x->u[i] && k < prev + 4; k++)
			if (uidmap_seq(m, k) != 0 ||
			    uidmap_seq_ceil(m, k) != i + 1) {
				(void)snprintf(why, sizeof(why), "absent uid %u "
				    "has seq %u ceil %u", k, uidmap_seq(m, k),
				    uidmap_seq_ceil(m, k));
				return why;
			}
		prev = x->u[i];
	}
	if (uidmap_uid(m, x->n + 1) != 0 || uidmap_seq_ceil(m, prev + 1) !=
	    x->n + 1 || uidmap_last(m) != prev) {
		(void)snprintf(why, sizeof(why), "past the end wrong");
		return why;
	}
	return NULL;
}

static void
test_random(void)
{
	struct uidmap	 m, o, d, t;
	struct model	 x, y;
	unsigned	 seed = 4315;
	const char	*why = NULL;
	unsigned char	*b;
	void		*blob;
	size_t		 len;
	uint32_t	 next, k, i, j, from;
	int		 round, op;

	CASE("random/ops") {
		memset(&m, 0, sizeof(m));
		memset(&o, 0, sizeof(o));
		memset(&d, 0, sizeof(d));
		memset(&t, 0, sizeof(t));
		x.n = 0;
		next = 1;
		for (round = 0; round < 10000 && why == NULL; round++) {
			op = rand_r(&seed) % 10;
			if (op < 4 && x.n + 20 < MODEL_MAX) {
				/* append a run, maybe after a gap */
				next += (uint32_t)(rand_r(&seed) % 3 == 0 ?
				    rand_r(&seed) % 5 : 0);
				k = 1 + (uint32_t)(rand_r(&seed) % 8);
				uidmap_append(&m, next, next + k - 1);
				for (i = 0; i < k; i++)
					x.u[x.n++] = next + i;
				next += k;
			} else if (op < 8 && x.n > 0) {
				/* remove by UID (an expunge) */
				j = (uint32_t)(rand_r(&seed) % x.n);
				if (!uidmap_remove(&m, x.u[j])) {
					why = "remove of a present UID failed";
					break;
				}
				memmove(x.u + j, x.u + j + 1, (x.n - j - 1) *
				    sizeof(x.u[0]));
				x.n--;
			} else if (op == 8) {
				/* an absent UID */
				if (uidmap_remove(&m, next + 7)) {
					why = "removed an absent UID";
					break;
				}
			} else {
				/* through the blob and back */
				blob = uidmap_blob(&m, &len);
				b = malloc(len ? len : 1);
				memcpy(b, blob, len);
				free(blob);
				if (uidmap_load(&o, b, len) == -1) {
					free(b);
					why = "own blob refused";
					break;
				}
				free(b);
				uidmap_copy(&m, &o);
			}
			why = compare(&m, &x);
			if (why != NULL || round % 50 != 0)
				continue;
			/* diff against a thinned copy; tail */
			uidmap_copy(&o, &m);
			y = x;
			for (i = 0; i < y.n; ) {
				if (rand_r(&seed) % 3 == 0) {
					(void)uidmap_remove(&o, y.u[i]);
					memmove(y.u + i, y.u + i + 1, (y.n - i -
					    1) * sizeof(y.u[0]));
					y.n--;
				} else
					i++;
			}
			uidmap_diff(&m, &o, &d);
			/* model: x minus y */
			for (i = j = k = 0; i < x.n; i++) {
				while (j < y.n && y.u[j] < x.u[i])
					j++;
				if (j < y.n && y.u[j] == x.u[i])
					continue;
				if (uidmap_uid(&d, ++k) != x.u[i]) {
					why = "diff wrong";
					break;
				}
			}
			if (why == NULL && d.count != k)
				why = "diff count wrong";
			from = x.n ? x.u[rand_r(&seed) % x.n] +
			    (uint32_t)(rand_r(&seed) % 2) : 1;
			uidmap_tail(&m, from, &t);
			for (i = 0, k = 0; i < x.n && why == NULL; i++)
				if (x.u[i] >= from && uidmap_uid(&t, ++k) !=
				    x.u[i])
					why = "tail wrong";
			if (why == NULL && t.count != k)
				why = "tail count wrong";
		}
		CHECK(why == NULL, "round %d: %s; map %s", round, why,
		    map_str(&m));
		uidmap_free(&m);
		uidmap_free(&o);
		uidmap_free(&d);
		uidmap_free(&t);
	}
}

int
main(void)
{
	test_fixed();
	test_random();
	return unit_done();
}
