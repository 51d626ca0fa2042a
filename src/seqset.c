/*
 * seqset.c: sequence sets (RFC 9051 9, sequence-set) once parsed.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "liteimapd.h"

/*
 * Is n in the set, "*" standing for max (the largest number in use)?
 * RFC 9051 6.4: "*" in a range means the largest number in use, so
 * "5:*" with max 3 is "3:5".
 */
bool
seqset_contains(const struct seqset *set, uint32_t n, uint32_t max)
{
	size_t		i;
	uint32_t	lo, hi, t;

	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == SEQ_STAR ? max : set->r[i].lo;
		hi = set->r[i].hi == SEQ_STAR ? max : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (n >= lo && n <= hi)
			return true;
	}
	return false;
}
