/*
 * fuzz_search.c: SEARCH keys (search_parse in cmd_search.c) compiled to
 * SQL and run (search_run) on the template database, INBOX selected.
 *
 * Input: one selector byte, then the search program as it follows
 * "SEARCH " (without the CRLF).  Selector bits: 0 the charset comes first
 * (as after SORT's sort criteria); 2 UTF8=ACCEPT (8-bit quoted strings);
 * 3 a saved result ("$") holding messages 1, 3 and an expunged UID; 4
 * CONDSTORE enabled.  The program is read from a buffer of exactly its
 * size.
 *
 * Checks:
 *  - search_parse returns 0, -1 with p->err, or -3 (BADCHARSET, answered);
 *    at most SEARCH_MAX_BINDS binds and SEARCH_MAX_SETS sets, a WHERE;
 *  - every program it accepts compiles and runs: search_run returns 0
 *    (a -2 is SQL that SQLite refused: a bug);
 *  - NOT is a complement: when the whole input parsed as P, "NOT (P)"
 *    finds exactly the messages of the mailbox P does not;
 *  - no leaks (LeakSanitizer).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct session	s;

static int
parse(const unsigned char *text, size_t len, bool charset_first,
    bool utf8, struct search_q *q, struct parser *p)
{
	unsigned char	*b = fz_dup_exact(text, len);
	int		 rc;

	parse_init(p, b, len, &s.arena, (int)fz.cfg.max_depth);
	p->utf8 = utf8;
	rc = search_parse(&s, p, q, charset_first);
	FZ_CHECK(rc == 0 || rc == -1 || rc == -3, "search_parse returned %d",
	    rc);
	if (rc == -1)
		FZ_CHECK(p->err != NULL, "failure without p->err");
	if (rc == 0) {
		FZ_CHECK(q->where != NULL, "no WHERE");
		FZ_CHECK(q->nbinds <= SEARCH_MAX_BINDS && q->nsets <=
		    SEARCH_MAX_SETS, "%zu binds, %zu sets", q->nbinds,
		    q->nsets);
	}
	/* the parser's position stays in the arena-less copy: keep it */
	p->end = p->end - b + text;
	p->p = p->p - b + text;
	free(b);
	return rc;
}

static void
run(struct search_q *q, struct uidmap *hits, const unsigned char *text,
    size_t len)
{
	memset(hits, 0, sizeof(*hits));
	FZ_CHECK(search_run(&s, q, hits) == 0, "search_run failed (SQL "
	    "error?) for [%s], WHERE %s", fz_esc(text, len), q->where);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char sel[] = "fz SELECT INBOX\r\n";

	(void)argc;
	(void)argv;
	fz_env_setup();
	fz_db_reset();
	fz_set_input("", 0);
	fz_session_begin(&s, STATE_AUTH);
	fz_dispatch(&s, sel, sizeof(sel) - 1, (int)fz.cfg.max_depth);
	if (s.state != STATE_SELECTED)
		fz_die("SELECT INBOX", "failed");
	s.tag = "fz";
	s.cmd_name = "SEARCH";
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_q	 q, nq;
	struct parser	 p;
	struct uidmap	 hits, nhits;
	unsigned char	*neg;
	unsigned	 sel;
	uint32_t	 i, u;
	int		 rc;

	if (size < 1)
		return 0;
	sel = data[0];
	arena_reset(&s.arena);
	s.enabled = (sel & 0x04 ? EN_UTF8 : 0) | (sel & 0x10 ? EN_CONDSTORE :
	    0);
	uidmap_free(&s.sel.saved);
	if (sel & 0x08) {
		uidmap_append(&s.sel.saved, uidmap_uid(&s.sel.map, 1),
		    uidmap_uid(&s.sel.map, 1));
		uidmap_append(&s.sel.saved, uidmap_uid(&s.sel.map, 3),
		    uidmap_uid(&s.sel.map, 3));
		uidmap_append(&s.sel.saved, 6, 6);	/* expunged */
	}
	/* the output of BADCHARSET answers is not kept */
	(void)io_flush(&s.io);
	if (ftruncate(fzio.out, 0) == -1 || lseek(fzio.out, 0, SEEK_SET) == -1)
		abort();

	rc = parse(data + 1, size - 1, sel & 1, (sel & 0x04) != 0, &q, &p);
	if (rc != 0)
		return 0;
	run(&q, &hits, data + 1, size - 1);

	/* NOT (P) is the rest of the mailbox */
	if (!(sel & 1) && p.p == p.end && !fz_contains_ci(data + 1,
	    size - 1 < 8 ? size - 1 : 8, "CHARSET")) {
		neg = malloc(size + 8);
		if (neg == NULL)
			abort();
		memcpy(neg, "NOT (", 5);
		memcpy(neg + 5, data + 1, size - 1);
		neg[size + 4] = ')';
		if (parse(neg, size + 5, false, (sel & 0x04) != 0, &nq,
		    &p) == 0) {
			run(&nq, &nhits, neg, size + 5);
			FZ_CHECK(hits.count + nhits.count == s.sel.map.count,
			    "%u hits, %u for NOT, in %u messages: [%s]",
			    hits.count, nhits.count, s.sel.map.count,
			    fz_esc(data + 1, size - 1));
			for (i = 1; i <= s.sel.map.count; i++) {
				u = uidmap_uid(&s.sel.map, i);
				FZ_CHECK((uidmap_seq(&hits, u) != 0) !=
				    (uidmap_seq(&nhits, u) != 0), "UID %u: in "
				    "both or neither of P and NOT (P): [%s]", u,
				    fz_esc(data + 1, size - 1));
			}
			uidmap_free(&nhits);
		}
		free(neg);
	}
	uidmap_free(&hits);
	return 0;
}
