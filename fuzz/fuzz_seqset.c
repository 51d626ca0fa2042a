/*
 * fuzz_seqset.c: sequence sets (parse_seq_set, seqset_contains,
 * msgset_uids) and the UID maps they become (uidmap.c).
 *
 * Input: two bytes shaping a mailbox, then the text of a sequence set
 * (read from a buffer of exactly its size).  The mailbox: (byte 0 % 48)
 * messages; byte 1 picks the UIDs: gaps of (bits) between runs, and with
 * bit 7 a first UID near 2^32 - 1, so "*" and overflow are near.
 *
 * Checks, when the text parses:
 *  - parse_seq_set agrees with an independent reading of the same bytes
 *    (ranges in order, "a:b" stored low..high, "*" kept as SEQ_STAR);
 *  - seqset_contains(set, n, max) is "n within some range, * = max" for n
 *    around every bound and for several max (0, 1, the count, 2^32-1);
 *  - msgset_uids for sequence numbers and for UIDs, and for "$" (the
 *    saved result), give exactly the brute-force answer over the mailbox,
 *    as a well-formed uidmap (sorted, merged, count = sum of the ranges);
 *  - the uidmap survives uidmap_blob/uidmap_load, and uidmap_seq/uid are
 *    inverse.
 * And the whole input, as a stored blob, to uidmap_load: no crash, and a
 * loaded map is well formed.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXR	4096

struct ref {
	uint32_t	a[MAXR], b[MAXR];	/* as written; 0 = "*" */
	size_t		n;
	bool		saved;
};

/* an independent reading of what parse_seq_set consumed */
static bool
ref_parse(const unsigned char *s, size_t n, struct ref *r)
{
	size_t		i = 0;
	uint64_t	v;
	int		k;

	r->n = 0;
	r->saved = n == 1 && s[0] == '$';
	if (r->saved)
		return true;
	while (i < n) {
		if (r->n == MAXR)
			return false;
		for (k = 0; k < 2; k++) {
			if (i < n && s[i] == '*') {
				v = 0;
				i++;
			} else {
				v = 0;
				if (i >= n || s[i] < '1' || s[i] > '9')
					return false;
				while (i < n && s[i] >= '0' && s[i] <= '9') {
					v = v * 10 + (uint64_t)(s[i++] - '0');
					if (v > UINT32_MAX)
						return false;
				}
			}
			if (k == 0)
				r->a[r->n] = (uint32_t)v;
			else
				r->b[r->n] = (uint32_t)v;
			if (k == 0 && !(i < n && s[i] == ':')) {
				r->b[r->n] = r->a[r->n];
				break;
			}
			if (k == 0)
				i++;
		}
		r->n++;
		if (i < n) {
			if (s[i] != ',')
				return false;
			i++;
			if (i == n)
				return false;
		}
	}
	return r->n > 0;
}

static bool
ref_contains(const struct ref *r, uint32_t x, uint32_t max)
{
	size_t		i;
	uint32_t	lo, hi, t;

	for (i = 0; i < r->n; i++) {
		lo = r->a[i] == 0 ? max : r->a[i];
		hi = r->b[i] == 0 ? max : r->b[i];
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (x >= lo && x <= hi)
			return true;
	}
	return false;
}

static void
check_map(const struct uidmap *m, const char *what)
{
	uint64_t	sum = 0;
	size_t		i;

	for (i = 0; i < m->n; i++) {
		FZ_CHECK(m->r[i].lo >= 1 && m->r[i].lo <= m->r[i].hi,
		    "%s: range %zu is %u:%u", what, i, m->r[i].lo, m->r[i].hi);
		if (i > 0)
			FZ_CHECK((uint64_t)m->r[i - 1].hi + 1 < m->r[i].lo,
			    "%s: ranges %zu and %zu not sorted and merged "
			    "(%u:%u, %u:%u)", what, i - 1, i, m->r[i - 1].lo,
			    m->r[i - 1].hi, m->r[i].lo, m->r[i].hi);
		sum += (uint64_t)m->r[i].hi - m->r[i].lo + 1;
	}
	FZ_CHECK(sum == m->count, "%s: count %u, ranges hold %llu", what,
	    m->count, (unsigned long long)sum);
}

/* the list of UIDs of a small map */
static size_t
uids_of(const struct uidmap *m, uint32_t *out, size_t max)
{
	size_t		i, k = 0;
	uint64_t	u;

	for (i = 0; i < m->n; i++)
		for (u = m->r[i].lo; u <= m->r[i].hi; u++) {
			FZ_CHECK(k < max, "map larger than expected");
			out[k++] = (uint32_t)u;
		}
	return k;
}

static void
check_blob(const struct uidmap *m)
{
	struct uidmap	 back;
	size_t		 len, i;
	void		*blob;

	memset(&back, 0, sizeof(back));
	blob = uidmap_blob(m, &len);
	FZ_CHECK(uidmap_load(&back, blob, len) == 0, "uidmap_load of a blob");
	FZ_CHECK(back.n == m->n && back.count == m->count, "blob round trip: "
	    "%zu/%u ranges/count, was %zu/%u", back.n, back.count, m->n,
	    m->count);
	for (i = 0; i < m->n; i++)
		FZ_CHECK(back.r[i].lo == m->r[i].lo && back.r[i].hi ==
		    m->r[i].hi, "blob round trip: range %zu", i);
	uidmap_free(&back);
	free(blob);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_process();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session	 s;	/* only sel.map and sel.saved are used */
	static struct ref	 r;
	struct arena		 a = { 0 };
	struct parser		 p;
	struct seqset		 set;
	struct uidmap		 out, loaded;
	uint32_t		 uids[64], got[64], maxes[5], probes[16];
	unsigned char		*text;
	size_t			 nuid, ngot, i, j, k, tlen, np;
	uint64_t		 u;
	unsigned		 count, shape;
	bool			 want;

	/* the whole input as a stored map */
	memset(&loaded, 0, sizeof(loaded));
	if (uidmap_load(&loaded, data, size) == 0)
		check_map(&loaded, "uidmap_load");
	uidmap_free(&loaded);

	if (size < 2)
		return 0;
	count = data[0] % 48;
	shape = data[1];
	memset(&s, 0, sizeof(s));
	/* up to 2^32-1, though store_append stops at 2^32-2 */
	u = shape & 0x80 ? UINT32_MAX - count * 3u : 1;
	for (i = 0; i < count && u <= UINT32_MAX; i++) {
		uidmap_append(&s.sel.map, (uint32_t)u, (uint32_t)u);
		uids[i] = (uint32_t)u;
		u += 1 + ((shape >> (i % 7)) & 1) * (1 + (shape & 3));
	}
	nuid = i;
	check_map(&s.sel.map, "the mailbox");
	FZ_CHECK(s.sel.map.count == nuid, "uidmap_append lost messages");
	for (i = 0; i < nuid; i++) {
		FZ_CHECK(uidmap_uid(&s.sel.map, (uint32_t)i + 1) == uids[i],
		    "uidmap_uid(%zu)", i + 1);
		FZ_CHECK(uidmap_seq(&s.sel.map, uids[i]) == i + 1,
		    "uidmap_seq(%u)", uids[i]);
	}
	/* the saved result: every other message, and one expunged UID */
	for (i = 0; i < nuid; i += 2)
		uidmap_append(&s.sel.saved, uids[i], uids[i]);
	if (uidmap_last(&s.sel.saved) < UINT32_MAX - 1)
		uidmap_append(&s.sel.saved, UINT32_MAX - 1, UINT32_MAX - 1);

	tlen = size - 2;
	text = fz_dup_exact(data + 2, tlen);
	parse_init(&p, text, tlen, &a, 32);
	if (parse_seq_set(&p, &set) == -1) {
		FZ_CHECK(p.err != NULL, "failure without p->err");
		goto done;
	}
	tlen = (size_t)(p.p - text);
	FZ_CHECK(ref_parse(text, tlen, &r), "parse_seq_set accepted [%s]",
	    fz_esc(text, tlen));
	FZ_CHECK(set.saved == r.saved, "$");
	if (!set.saved) {
		FZ_CHECK(set.n == r.n, "%zu ranges, expected %zu", set.n, r.n);
		for (i = 0; i < r.n; i++) {
			uint32_t a0 = r.a[i], b0 = r.b[i], lo, hi;

			/* "*" high; else low..high */
			if (a0 == 0 || (b0 != 0 && a0 > b0)) {
				lo = b0;
				hi = a0;
			} else {
				lo = a0;
				hi = b0;
			}
			FZ_CHECK(set.r[i].lo == lo && set.r[i].hi == hi,
			    "range %zu: %u:%u, expected %u:%u", i, set.r[i].lo,
			    set.r[i].hi, lo, hi);
		}
		/* seqset_contains around every bound */
		maxes[0] = 0;
		maxes[1] = 1;
		maxes[2] = (uint32_t)nuid;
		maxes[3] = UINT32_MAX;
		maxes[4] = nuid ? uids[nuid - 1] : 7;
		for (i = 0; i < r.n && i < 64; i++) {
			np = 0;
			probes[np++] = r.a[i];
			probes[np++] = r.a[i] - 1;
			probes[np++] = r.a[i] + 1;
			probes[np++] = r.b[i];
			probes[np++] = r.b[i] - 1;
			probes[np++] = r.b[i] + 1;
			probes[np++] = 1;
			probes[np++] = UINT32_MAX;
			for (j = 0; j < 5; j++)
				for (k = 0; k < np; k++) {
					want = probes[k] != 0 && ref_contains(&r,
					    probes[k], maxes[j]);
					FZ_CHECK(probes[k] == 0 ||
					    seqset_contains(&set, probes[k],
					    maxes[j]) == want,
					    "seqset_contains(%u, max %u) is not "
					    "%d for [%s]", probes[k], maxes[j],
					    want, fz_esc(text, tlen));
				}
		}
	}
	/* msgset_uids: sequence numbers, then UIDs */
	for (k = 0; k < 2; k++) {
		memset(&out, 0, sizeof(out));
		msgset_uids(&s, &set, k == 1, &out);
		check_map(&out, k ? "msgset_uids (UID)" : "msgset_uids (seq)");
		ngot = uids_of(&out, got, 64);
		j = 0;
		for (i = 0; i < nuid; i++) {
			if (set.saved)
				want = uidmap_seq(&s.sel.saved, uids[i]) != 0;
			else if (k == 0)
				want = ref_contains(&r, (uint32_t)i + 1,
				    (uint32_t)nuid);
			else
				want = ref_contains(&r, uids[i], uids[nuid - 1]);
			if (!want)
				continue;
			FZ_CHECK(j < ngot && got[j] == uids[i], "msgset_uids "
			    "(%s) misses UID %u (message %zu) for [%s]",
			    k ? "UID" : "seq", uids[i], i + 1,
			    fz_esc(text, tlen));
			j++;
		}
		FZ_CHECK(j == ngot, "msgset_uids (%s) has %zu UIDs too many for "
		    "[%s]", k ? "UID" : "seq", ngot - j, fz_esc(text, tlen));
		check_blob(&out);
		uidmap_free(&out);
		if (set.saved)
			break;
	}
done:
	uidmap_free(&s.sel.map);
	uidmap_free(&s.sel.saved);
	arena_free(&a);
	free(text);
	return 0;
}
