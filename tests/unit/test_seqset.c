/*
 * test_seqset.c: sequence sets once parsed (seqset.c): membership with
 * "*" resolved against the largest number in use, several ranges, "$".
 * The sets come from parse_seq_set, as in the server.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "unit.h"

#define UPTO	20	/* members are checked for 0..UPTO */

struct row {
	const char	*set;
	uint32_t	 max;
	const char	*members;	/* "3,4,5" within 0..UPTO; "" none */
};

static const struct row rows[] = {
	{ "1", 10, "1" },
	{ "1:5", 10, "1,2,3,4,5" },
	{ "5:1", 10, "1,2,3,4,5" },
	{ "*", 7, "7" },
	{ "*", 1, "1" },
	{ "1:*", 4, "1,2,3,4" },
	{ "*:1", 4, "1,2,3,4" },
	/* RFC 9051 6.4: "*" is the largest number in use, even below lo */
	{ "5:*", 3, "3,4,5" },
	{ "5:*", 10, "5,6,7,8,9,10" },
	{ "*:5", 3, "3,4,5" },
	{ "5:*", 5, "5" },
	{ "*:*", 6, "6" },
	{ "1,3,5:7", 10, "1,3,5,6,7" },
	{ "7:5,2,*", 9, "2,5,6,7,9" },
	{ "2,2,2", 5, "2" },
	{ "1:3,2:4", 10, "1,2,3,4" },
	{ "15:20,1", 3, "1,15,16,17,18,19,20" },
	{ "18:*", 20, "18,19,20" },
	{ "12", 3, "12" },	/* beyond max: still in the set */
	/* RFC 9051: a UID may be 4294967295, which is not "*" */
	{ "4294967295", 10, "" },
	{ "4294967295:4294967295", 10, "" },
};

static bool
in_list(const char *list, uint32_t n)
{
	char		buf[128], *s, *tok, *save = NULL;

	(void)strlcpy(buf, list, sizeof(buf));
	for (s = buf; (tok = strtok_r(s, ",", &save)) != NULL; s = NULL)
		if (strtoul(tok, NULL, 10) == n)
			return true;
	return false;
}

static int
parse_set(const char *in, struct arena *a, struct seqset *set)
{
	struct parser	p;

	parse_init(&p, in, strlen(in), a, 32);
	if (parse_seq_set(&p, set) == -1 || p.p != p.end)
		return -1;
	return 0;
}

int
main(void)
{
	struct arena	a;
	struct seqset	set;
	char		got[256];
	size_t		i, o;
	uint32_t	n;
	bool		bad;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		CASE("contains/%s/max-%u", r->set, r->max) {
			if (!CHECK(parse_set(r->set, &a, &set) == 0,
			    "\"%s\" did not parse", r->set))
				continue;
			got[0] = '\0';
			o = 0;
			bad = false;
			for (n = 0; n <= UPTO; n++) {
				if (seqset_contains(&set, n, r->max))
					o += (size_t)snprintf(got + o,
					    sizeof(got) - o, "%s%u",
					    o ? "," : "", n);
				if (seqset_contains(&set, n, r->max) !=
				    in_list(r->members, n))
					bad = true;
			}
			CHECK(!bad, "members {%s}, want {%s}", got,
			    r->members);
			arena_reset(&a);
		}
	}

	CASE("contains/4294967295-itself") {
		/* the largest UID is a member of the set naming it */
		if (CHECK(parse_set("4294967295", &a, &set) == 0, "parse")) {
			CHECK(seqset_contains(&set, 4294967295u, 10),
			    "4294967295 not in \"4294967295\"");
			CHECK(seqset_contains(&set, 4294967295u, 4294967295u),
			    "4294967295 not in \"4294967295\" at max");
		}
		arena_reset(&a);
	}

	CASE("contains/star-max-uint32") {
		if (CHECK(parse_set("1:*", &a, &set) == 0, "parse")) {
			CHECK(seqset_contains(&set, 4294967295u, 4294967295u),
			    "max not in 1:*");
			CHECK(seqset_contains(&set, 1, 4294967295u),
			    "1 not in 1:*");
		}
		arena_reset(&a);
	}

	CASE("contains/empty-mailbox") {
		/* max 0: "*" is 0, which no message has */
		if (CHECK(parse_set("1:*", &a, &set) == 0, "parse"))
			CHECK(!seqset_contains(&set, 2, 0), "2 in 1:* max 0");
		arena_reset(&a);
	}

	CASE("saved/dollar") {
		if (CHECK(parse_set("$", &a, &set) == 0, "parse")) {
			CHECK(set.saved, "saved not set");
			CHECK(set.n == 0, "n %zu", set.n);
			for (n = 0; n <= UPTO; n++)
				CHECK(!seqset_contains(&set, n, UPTO),
				    "%u in $ (no saved result)", n);
		}
		arena_reset(&a);
	}

	CASE("saved/not-for-numbers") {
		if (CHECK(parse_set("1:2", &a, &set) == 0, "parse"))
			CHECK(!set.saved, "saved set for 1:2");
		arena_reset(&a);
	}

	CASE("contains/empty-set") {
		memset(&set, 0, sizeof(set));
		CHECK(!seqset_contains(&set, 1, 1), "1 in an empty set");
	}

	arena_free(&a);
	return unit_done();
}
