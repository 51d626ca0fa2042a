/*
 * test_thread.c: SORT and THREAD helpers (RFC 5256): base subjects as
 * delivery stores them (base_subject in mime.c) and as THREAD reads them
 * (subject_extract, which also tells replies), message IDs from
 * References and In-Reply-To, the THREAD=REFERENCES steps one by one,
 * THREAD=ORDEREDSUBJECT, the response format of RFC 5256's example, big
 * mailboxes (no recursion, no quadratic walks) and random ones checked
 * against the rules.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "sort.h"
#include "unit.h"

/* ---- base subject (RFC 5256 2.1) ---- */

struct subj_row {
	const char	*in;
	const char	*base;
	bool		 reply;
};

static const struct subj_row subj_rows[] = {
	{ "Hello", "hello", false },
	{ "Re: [list] Fwd: Hello (fwd)", "hello", true },
	{ "[fwd: re: x]", "x", true },
	{ "[Fwd: Re: [list] The Plan]", "the plan", true },
	{ "  Re:   Re: RE:  hi  ", "hi", true },
	{ "re:x", "x", true },
	{ "Re[2]: x", "x", true },		/* "re" [subj-blob] ":" */
	{ "Re [2] : x", "x", true },
	{ "FW: x", "x", true },
	{ "Fwd: x", "x", true },
	{ "fwd x", "fwd x", false },		/* no colon: not a leader */
	{ "Re x", "re x", false },
	{ "Really: x", "really: x", false },
	{ "[list] x", "x", false },		/* a blob is no reply */
	{ "[list]", "[list]", false },		/* nothing would be left */
	{ "[a][b]", "[b]", false },
	{ "[list] [PATCH] Re: x", "x", true },
	{ "Re: [PATCH] foo", "foo", true },
	{ "x (fwd) (FWD)", "x", true },
	{ "x(fwd)", "x", true },
	{ "Re: (fwd)", "", true },
	{ "Re: Re: ", "", true },
	{ "", "", false },
	{ "   ", "", false },
	{ "[fwd: [list] re: x] (fwd)", "x", true },
	{ "[fwd: x] y", "y", false },		/* a blob, not a wrapper */
	{ "Subject\twith\t\ttabs", "subject with tabs", false },
	{ "Subject\r\n with  fold", "subject with fold", false },
	{ "R\xc3\xa9: x", "r\xc3\xa9: x", false },
	{ "Re: \xc3\x84pfel", "\xc3\xa4pfel", true },
	{ "Re: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", true },
	/* "[" is no BLOBCHAR: "[a[b]" is not a subj-blob */
	{ "[a[b]c", "[a[b]c", false },
	{ "Re[a[b]: x", "re[a[b]: x", false },
};

static void
test_subjects(void)
{
	const struct subj_row	*r;
	struct sbuf		 a, b;
	size_t			 i;
	bool			 reply;

	for (i = 0; i < sizeof(subj_rows) / sizeof(subj_rows[0]); i++) {
		r = &subj_rows[i];
		CASE("base_subject/%zu", i) {
			memset(&a, 0, sizeof(a));
			base_subject(&a, r->in, strlen(r->in));
			CHECK(a.s != NULL && strcmp(a.s, r->base) == 0,
			    "\"%s\": \"%s\", expected \"%s\"", ESC(r->in),
			    a.s ? ESC(a.s) : "(null)", ESC(r->base));
			sb_free(&a);
		}
		CASE("subject_extract/%zu", i) {
			memset(&b, 0, sizeof(b));
			reply = subject_extract(&b, r->in, strlen(r->in));
			CHECK(b.s != NULL && strcmp(b.s, r->base) == 0,
			    "\"%s\": \"%s\", expected \"%s\"", ESC(r->in),
			    b.s ? ESC(b.s) : "(null)", ESC(r->base));
			CHECK(reply == r->reply, "\"%s\": reply %d",
			    ESC(r->in), reply);
			CHECK(subject_extract(NULL, r->in, strlen(r->in)) ==
			    r->reply, "without base");
			sb_free(&b);
		}
	}
}

/* ---- message IDs ---- */

struct id_row {
	const char	*in;
	const char	*ids;		/* space-separated, without <> */
};

static const struct id_row id_rows[] = {
	{ "<a@b>", "a@b" },
	{ "<a@b> <c@d>\t<e@f>", "a@b c@d e@f" },
	{ "<a@b><c@d>", "a@b c@d" },
	{ "", "" },
	{ "a@b", "" },				/* no brackets: not an ID */
	{ "<>", "" },
	{ "<a@b", "" },
	{ "(comment <x@y>) <a@b>", "a@b" },
	{ "(nested (c <x@y>) <z@w>) <a@b>", "a@b" },
	{ "\"Your message <x@y>\" <a@b>", "a@b" },
	{ "<<a@b>", "a@b" },
	{ "Your message of Mon, 1 Jan <a@b> (x)", "a@b" },
	{ "<A@B> <a@b>", "A@B a@b" },		/* case kept */
	{ "<no-at-sign>", "no-at-sign" },
};

static void
test_msgids(void)
{
	const struct id_row	*r;
	const char		*p, *id;
	char			 got[256];
	size_t			 i, len, o;

	for (i = 0; i < sizeof(id_rows) / sizeof(id_rows[0]); i++) {
		r = &id_rows[i];
		CASE("msgid_next/%zu", i) {
			o = 0;
			got[0] = '\0';
			p = r->in;
			while (msgid_next(&p, r->in + strlen(r->in), &id,
			    &len) && o + len + 2 < sizeof(got))
				o += (size_t)snprintf(got + o, sizeof(got) - o,
				    "%s%.*s", o > 0 ? " " : "", (int)len, id);
			CHECK(strcmp(got, r->ids) == 0, "\"%s\": \"%s\"",
			    ESC(r->in), ESC(got));
		}
	}
}

/* ---- threading ---- */

struct tmsg {
	uint32_t	 num;		/* what the response shows */
	int64_t		 sent;
	const char	*subject;	/* as in the header; base taken here */
	const char	*msgid;
	const char	*irt;
	const char	*refs;
};

struct thread_case {
	const char	*name;
	bool		 references;	/* else ORDEREDSUBJECT */
	const char	*expect;
	struct tmsg	 m[12];		/* up to a zero num */
};

#define H	3600
static const struct thread_case thread_cases[] = {
	/* RFC 5256 BASE.6.4.THREAD example response, built from refs */
	{ "rfc5256-example", true, "(2)(3 6 (4 23)(44 7 96))", {
	    { 2, 1 * H, "two", "<2@x>", NULL, NULL },
	    { 3, 2 * H, "three", "<3@x>", NULL, NULL },
	    { 6, 3 * H, "Re: three", "<6@x>", "<3@x>", NULL },
	    { 4, 4 * H, "Re: three", "<4@x>", NULL, "<3@x> <6@x>" },
	    { 23, 5 * H, "Re: three", "<23@x>", NULL,
		"<3@x> <6@x> <4@x>" },
	    { 44, 6 * H, "Re: three", "<44@x>", "<6@x>", "<3@x> <6@x>" },
	    { 7, 7 * H, "Re: three", "<7@x>", NULL,
		"<3@x> <6@x> <44@x>" },
	    { 96, 8 * H, "Re: three", "<96@x>", "<7@x>",
		"<3@x>\r\n <6@x> <44@x> <7@x>" },
	    { 0 } } },
	/* the same messages in another mailbox order and dates */
	{ "children-by-date", true, "(3 6 (44 7 96)(4 23))(2)", {
	    { 96, 9 * H, "Re: three", "<96@x>", NULL,
		"<3@x> <6@x> <44@x> <7@x>" },
	    { 23, 8 * H, "Re: three", "<23@x>", NULL,
		"<3@x> <6@x> <4@x>" },
	    { 7, 7 * H, "Re: three", "<7@x>", NULL,
		"<3@x> <6@x> <44@x>" },
	    { 4, 6 * H, "Re: three", "<4@x>", NULL, "<3@x> <6@x>" },
	    { 44, 5 * H, "Re: three", "<44@x>", NULL, "<3@x> <6@x>" },
	    { 6, 4 * H, "Re: three", "<6@x>", NULL, "<3@x>" },
	    { 3, 2 * H, "three", "<3@x>", NULL, NULL },
	    { 2, 3 * H, "two", "<2@x>", NULL, NULL },
	    { 0 } } },
	/* ties in date: mailbox order */
	{ "date-ties", true, "(1 (2)(3))(4)", {
	    { 1, H, "a", "<1@x>", NULL, NULL },
	    { 2, H, "b", "<2@x>", "<1@x>", NULL },
	    { 3, H, "c", "<3@x>", "<1@x>", NULL },
	    { 4, H, "d", "<4@x>", NULL, NULL },
	    { 0 } } },
	/* (1) a missing parent: a dummy; (3) two children keep it */
	{ "dummy-two-children", true, "((1)(2))", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<gone@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<gone@x>" },
	    { 0 } } },
	/* (3) a dummy with one child at the top: the child goes up */
	{ "dummy-one-child", true, "(1)(2)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<gone@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<gone2@x>" },
	    { 0 } } },
	/* (3) dummies below the top level vanish, children move up */
	{ "dummy-inner", true, "(1 (2)(3))", {
	    { 1, 1 * H, "a", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<1@x> <gone@x>" },
	    { 3, 3 * H, "c", "<3@x>", NULL, "<1@x> <gone@x> <gone2@x>" },
	    { 0 } } },
	/* (3) a top dummy's dummy children are pruned first */
	{ "dummy-nested", true, "((1)(2))", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<g1@x> <g2@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<g1@x> <g3@x>" },
	    { 0 } } },
	/* a dummy sorts by its first child */
	{ "dummy-sorted", true, "(3)((2)(1))", {
	    { 1, 5 * H, "a", "<1@x>", NULL, "<gone@x>" },
	    { 2, 4 * H, "b", "<2@x>", NULL, "<gone@x>" },
	    { 3, 3 * H, "c", "<3@x>", NULL, NULL },
	    { 0 } } },
	/* In-Reply-To only when References has no ID: its first ID */
	{ "in-reply-to", true, "(1 (2)(3))(4 5)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "b", "<2@x>", "<1@x> <4@x>", NULL },
	    { 3, 3 * H, "c", "<3@x>", "<1@x>", "garbage" },
	    { 4, 4 * H, "d", "<4@x>", NULL, NULL },
	    { 5, 5 * H, "e", "<5@x>", "<1@x>", "<4@x>" },
	    { 0 } } },
	/* a message without a valid ID, and duplicate IDs: own nodes;
	 * a reference finds the first message with the ID */
	{ "duplicate-ids", true, "(1 4)(2)(3)(5)", {
	    { 1, 1 * H, "a", "<dup@x>", NULL, NULL },
	    { 2, 2 * H, "b", "<dup@x>", NULL, NULL },
	    { 3, 3 * H, "c", "no brackets", NULL, NULL },
	    { 4, 4 * H, "d", "<4@x>", NULL, "<dup@x>" },
	    { 5, 5 * H, "e", NULL, NULL, NULL },
	    { 0 } } },
	/* IDs are case-sensitive */
	{ "id-case", true, "(1)(2)", {
	    { 1, 1 * H, "a", "<ID@x>", NULL, NULL },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<id@x>" },
	    { 0 } } },
	/* a reference to itself is ignored */
	{ "self-reference", true, "(1 2)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<1@x> <2@x>" },
	    { 0 } } },
	/* (1.A) no loops: 1 says 2 is its parent, 2 says 1 is */
	{ "loop", true, "(2 1)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<2@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<1@x>" },
	    { 0 } } },
	/* (1.A) an existing parent is kept: the first word wins */
	{ "first-link-wins", true, "((1)(2))(3 4)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<p@x> <q@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, "<r@x> <q@x>" },
	    { 3, 3 * H, "c", "<r@x>", NULL, NULL },
	    { 4, 4 * H, "d", "<4@x>", NULL, "<r@x>" },
	    { 0 } } },
	/* (1.B) a message's own References override a guess from 1.A */
	{ "own-refs-win", true, "(3 2 1)(4)", {
	    { 1, 1 * H, "c", "<C@x>", NULL, "<A@x> <B@x>" },
	    { 2, 2 * H, "b", "<B@x>", NULL, "<X@x>" },
	    { 3, 3 * H, "x", "<X@x>", NULL, NULL },
	    { 4, 4 * H, "a", "<A@x>", NULL, NULL },
	    { 0 } } },
	/* (1.B) without references a message has no parent, even one
	 * that another message's References gave it */
	{ "no-refs-no-parent", true, "(2 1)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, "<P@x> <2@x>" },
	    { 2, 2 * H, "b", "<2@x>", NULL, NULL },
	    { 0 } } },
	/* (5) same subject, neither a reply: a dummy holds both */
	{ "subject-siblings", true, "((1)(2))(3)", {
	    { 1, 1 * H, "Hello", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "[list] hello", "<2@x>", NULL, NULL },
	    { 3, 3 * H, "other", "<3@x>", NULL, NULL },
	    { 0 } } },
	/* (5) a reply goes under the non-reply with its subject */
	{ "subject-reply", true, "(2 1)", {
	    { 1, 1 * H, "Re: hello", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "hello", "<2@x>", NULL, NULL },
	    { 0 } } },
	{ "subject-reply-fwd", true, "(1 (2)(3))", {
	    { 1, 1 * H, "hello", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "hello (fwd)", "<2@x>", NULL, NULL },
	    { 3, 3 * H, "[Fwd: hello]", "<3@x>", NULL, NULL },
	    { 0 } } },
	/* (5) two replies: siblings under a dummy */
	{ "subject-two-replies", true, "((1)(2))", {
	    { 1, 1 * H, "Re: hello", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "Re: hello", "<2@x>", NULL, NULL },
	    { 0 } } },
	/* (5) a dummy takes a message with its subject as a child */
	{ "subject-dummy-message", true, "((1)(2)(3))", {
	    { 1, 1 * H, "s", "<1@x>", NULL, "<gone@x>" },
	    { 2, 2 * H, "Re: s", "<2@x>", NULL, "<gone@x>" },
	    { 3, 3 * H, "s", "<3@x>", NULL, NULL },
	    { 0 } } },
	/* (5) two dummies with one subject: their children together */
	{ "subject-two-dummies", true, "((1)(2)(3)(4))", {
	    { 1, 1 * H, "s", "<1@x>", NULL, "<g1@x>" },
	    { 2, 2 * H, "s", "<2@x>", NULL, "<g1@x>" },
	    { 3, 3 * H, "Re: s", "<3@x>", NULL, "<g2@x>" },
	    { 4, 4 * H, "s", "<4@x>", NULL, "<g2@x>" },
	    { 0 } } },
	/* (5) the thread subject is the top message's, not a reply's */
	{ "subject-of-thread", true, "(1 2)(3 4)", {
	    { 1, 1 * H, "a", "<1@x>", NULL, NULL },
	    { 2, 2 * H, "Re: b", "<2@x>", NULL, "<1@x>" },
	    { 3, 3 * H, "b", "<3@x>", NULL, NULL },
	    { 4, 4 * H, "Re: a", "<4@x>", NULL, "<3@x>" },
	    { 0 } } },
	/* (5) empty subjects are never merged */
	{ "subject-empty", true, "(1)(2)(3)", {
	    { 1, 1 * H, "", "<1@x>", NULL, NULL },
	    { 2, 2 * H, NULL, "<2@x>", NULL, NULL },
	    { 3, 3 * H, "Re:", "<3@x>", NULL, NULL },
	    { 0 } } },
	/* (5) a merged reply is sorted among the children by date */
	{ "subject-merge-sorted", true, "(1 (3)(2 4))", {
	    { 1, 1 * H, "x", "<1@x>", NULL, NULL },
	    { 2, 3 * H, "Re: x", "<2@x>", NULL, "<1@x>" },
	    { 3, 2 * H, "Re: x", "<3@x>", NULL, NULL },
	    { 4, 4 * H, "Re: x", "<4@x>", NULL, "<1@x> <2@x>" },
	    { 0 } } },
	{ "empty", true, "", { { 0 } } },
	/* ORDEREDSUBJECT: by base subject, then date; threads by date */
	{ "orderedsubject", false, "(2 (1)(4))(3)(5 6)", {
	    { 1, 2 * H, "Hello", NULL, NULL, NULL },
	    { 2, 1 * H, "Re: hello", NULL, NULL, NULL },
	    { 3, 3 * H, "other", NULL, NULL, NULL },
	    { 4, 4 * H, "[list] Fwd: HELLO", NULL, NULL, NULL },
	    { 5, 5 * H, "", NULL, NULL, NULL },
	    { 6, 6 * H, NULL, NULL, NULL, NULL },
	    { 0 } } },
	{ "orderedsubject-ties", false, "(1 (3)(4))(2)", {
	    { 1, H, "a", NULL, NULL, NULL },
	    { 2, H, "b", NULL, NULL, NULL },
	    { 3, H, "a", NULL, NULL, NULL },
	    { 4, H, "a", NULL, NULL, NULL },
	    { 0 } } },
	{ "orderedsubject-one", false, "(7)", {
	    { 7, H, "a", "<1@x>", NULL, NULL },
	    { 0 } } },
};

static void
run_thread(const struct tmsg *tm, size_t n, bool references,
    struct sbuf *out)
{
	struct thread_msg	*m = xcalloc(n + 1, sizeof(*m));
	struct sbuf		*bases = xcalloc(n + 1, sizeof(*bases));
	uint32_t		*nums = xcalloc(n + 1, sizeof(*nums));
	struct thread_tree	 t;
	const char		*s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s = tm[i].subject ? tm[i].subject : "";
		base_subject(&bases[i], s, strlen(s));
		m[i].subject = bases[i].s ? bases[i].s : "";
		m[i].reply = subject_extract(NULL, s, strlen(s));
		m[i].sent = tm[i].sent;
		m[i].msgid = tm[i].msgid;
		m[i].irt = tm[i].irt;
		m[i].refs = tm[i].refs;
		nums[i] = tm[i].num;
	}
	if (references)
		thread_references(m, n, &t, NULL, NULL);
	else
		thread_orderedsubject(m, n, &t);
	thread_format(&t, nums, out);
	sb_add(out, "", 0);
	thread_tree_free(&t);
	for (i = 0; i < n; i++)
		sb_free(&bases[i]);
	free(bases);
	free(nums);
	free(m);
}

static void
test_threads(void)
{
	const struct thread_case *c;
	struct sbuf		 out;
	size_t			 i, n;

	for (i = 0; i < sizeof(thread_cases) / sizeof(thread_cases[0]); i++) {
		c = &thread_cases[i];
		for (n = 0; c->m[n].num != 0; n++)
			;
		CASE("thread/%s", c->name) {
			memset(&out, 0, sizeof(out));
			run_thread(c->m, n, c->references, &out);
			CHECK(strcmp(out.s, c->expect) == 0, "\"%s\", expected "
			    "\"%s\"", out.s, c->expect);
			sb_free(&out);
		}
	}
}

/* A hand-made tree: the formatter alone, dummies included. */
static void
test_format(void)
{
	static const struct thread_node nodes[] = {
		/* msg parent child next prev */
		{ -1, -1, 1, -1, -1 },	/* 0 root */
		{ 0, 0, -1, 2, -1 },	/* 1: (a) */
		{ -1, 0, 3, -1, 1 },	/* 2: dummy */
		{ 1, 2, 5, 4, -1 },	/* 3: b, child c */
		{ 2, 2, -1, -1, 3 },	/* 4: d */
		{ 3, 3, 6, -1, -1 },	/* 5: c with e, f */
		{ 4, 5, -1, 7, -1 },	/* 6: e */
		{ 5, 5, -1, -1, 6 },	/* 7: f */
	};
	static const uint32_t nums[] = { 10, 20, 30, 40, 50, 60 };
	struct thread_tree	t;
	struct sbuf		out = { 0 };

	CASE("thread_format/dummy") {
		t.v = (struct thread_node *)(uintptr_t)nodes;
		t.n = t.cap = sizeof(nodes) / sizeof(nodes[0]);
		thread_format(&t, nums, &out);
		sb_add(&out, "", 0);
		CHECK(strcmp(out.s, "(10)((20 40 (50)(60))(30))") == 0, "%s",
		    out.s);
		sb_free(&out);
	}
}

/*
 * Big inputs: a chain as long as a big mailbox, written without
 * recursion; the same chain delivered backwards (every message already
 * has children when it arrives); a wide thread.
 */
#define BIG	200000

static void
test_big(void)
{
	struct thread_msg	*m = xcalloc(BIG, sizeof(*m));
	uint32_t		*nums = xcalloc(BIG, sizeof(*nums));
	char			*ids = xcalloc(BIG, 24);
	char			*irt = xcalloc(BIG, 24);
	struct thread_tree	 t;
	struct sbuf		 out = { 0 };
	size_t			 i, k, opens;
	int64_t			 t0;

	for (i = 0; i < BIG; i++) {
		(void)snprintf(ids + 24 * i, 24, "<%zu@x>", i);
		(void)snprintf(irt + 24 * i, 24, "<%zu@x>", i - 1);
		m[i].sent = (int64_t)i;
		m[i].subject = "s";
		m[i].msgid = ids + 24 * i;
		m[i].irt = i > 0 ? irt + 24 * i : NULL;
		nums[i] = (uint32_t)i + 1;
	}
	CASE("thread/big-chain") {
		t0 = now_ms();
		thread_references(m, BIG, &t, NULL, NULL);
		thread_format(&t, nums, &out);
		thread_tree_free(&t);
		CHECK(out.len > 20 && strncmp(out.s, "(1 2 3 ", 7) == 0 &&
		    strcmp(out.s + out.len - 15, " 199999 200000)") == 0,
		    "start %.20s", out.s);
		CHECK(out.s[out.len - 1] == ')' && memchr(out.s + 1, '(',
		    out.len - 1) == NULL, "one flat list");
		CHECK(now_ms() - t0 < 5000, "%lld ms", (long long)(now_ms() -
		    t0));
		sb_free(&out);
	}
	/* backwards: message i (index BIG-1-i) is the parent of i+1 */
	for (i = 0; i < BIG; i++) {
		k = BIG - 1 - i;
		m[k].msgid = ids + 24 * i;
		m[k].irt = i > 0 ? irt + 24 * i : NULL;
		m[k].sent = (int64_t)i;
		nums[k] = (uint32_t)i + 1;
	}
	CASE("thread/big-chain-backwards") {
		t0 = now_ms();
		thread_references(m, BIG, &t, NULL, NULL);
		thread_format(&t, nums, &out);
		thread_tree_free(&t);
		CHECK(out.len > 10 && strncmp(out.s, "(1 2 3 ", 7) == 0,
		    "start %.20s", out.s);
		CHECK(memchr(out.s + 1, '(', out.len - 1) == NULL,
		    "one flat list");
		CHECK(now_ms() - t0 < 5000, "%lld ms", (long long)(now_ms() -
		    t0));
		sb_free(&out);
	}
	/* wide: all reply to the first */
	for (i = 0; i < BIG; i++) {
		m[i].msgid = ids + 24 * i;
		m[i].irt = i > 0 ? irt + 24 : NULL;	/* "<0@x>" */
		m[i].sent = (int64_t)i;
		nums[i] = (uint32_t)i + 1;
	}
	CASE("thread/big-wide") {
		thread_references(m, BIG, &t, NULL, NULL);
		thread_format(&t, nums, &out);
		thread_tree_free(&t);
		for (i = 0, opens = 0; i < out.len; i++)
			opens += out.s[i] == '(';
		CHECK(strncmp(out.s, "(1 (2)(3)(4)", 12) == 0, "%.20s", out.s);
		CHECK(opens == BIG, "%zu lists", opens);
		sb_free(&out);
	}
	free(m);
	free(nums);
	free(ids);
	free(irt);
}

/*
 * Random mailboxes: IDs from a small pool (duplicates), references to
 * anything (missing, self, loops), subjects with and without "Re:",
 * dates with ties.  The output is parsed back and checked: the grammar
 * of RFC 5256, every message exactly once, dummies only at the top with
 * two children or more, siblings by (date, mailbox order), a dummy
 * counting as its first child; for ORDEREDSUBJECT, a thread is one base
 * subject and no grandchildren.
 */
#define RND_N		400
#define RND_ROUNDS	60

struct pnode {
	int		 num;		/* 0: dummy */
	int		 first, next;	/* children, siblings (indices) */
	int		 depth;
};
struct ptree {
	struct pnode	 v[4 * RND_N];
	int		 n;
	const char	*p;
	const char	*err;
};

static uint64_t rnd_state;

static uint32_t
rnd(uint32_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rnd_state >> 33) % n;
}

static int
pnew(struct ptree *t, int num, int depth)
{
	if (t->n == (int)(sizeof(t->v) / sizeof(t->v[0]))) {
		t->err = "too many nodes";
		return 0;
	}
	t->v[t->n].num = num;
	t->v[t->n].first = t->v[t->n].next = -1;
	t->v[t->n].depth = depth;
	return t->n++;
}

static int parse_list(struct ptree *, int);

/* thread-nested = 2*thread-list, children of parent */
static void
parse_nested(struct ptree *t, int parent, int depth)
{
	int	c, last = -1, k = 0;

	while (*t->p == '(' && t->err == NULL) {
		c = parse_list(t, depth);
		if (last < 0)
			t->v[parent].first = c;
		else
			t->v[last].next = c;
		last = c;
		k++;
	}
	if (k < 2 && t->err == NULL)
		t->err = "thread-nested with fewer than 2 lists";
}

/* thread-list = "(" (thread-members / thread-nested) ")" */
static int
parse_list(struct ptree *t, int depth)
{
	int	top = -1, cur = -1, x, num;

	if (*t->p++ != '(') {
		t->err = "expected (";
		return 0;
	}
	if (*t->p == '(') {
		top = pnew(t, 0, depth);
		parse_nested(t, top, depth + 1);
	} else {
		for (;;) {
			if (*t->p < '1' || *t->p > '9') {
				t->err = "expected a number";
				return 0;
			}
			for (num = 0; *t->p >= '0' && *t->p <= '9'; t->p++)
				num = num * 10 + (*t->p - '0');
			x = pnew(t, num, depth);
			if (cur < 0)
				top = x;
			else
				t->v[cur].first = x;
			cur = x;
			depth++;
			if (*t->p != ' ')
				break;
			t->p++;
			if (*t->p == '(') {
				parse_nested(t, cur, depth);
				break;
			}
		}
	}
	if (t->err == NULL && *t->p++ != ')')
		t->err = "expected )";
	return top;
}

/* The (date, index) of a node: its own, a dummy's first child's. */
static void
pkey(const struct ptree *t, const struct thread_msg *m, int x, int64_t *d,
    int *i)
{
	while (t->v[x].num == 0 && t->v[x].first >= 0)
		x = t->v[x].first;
	*i = t->v[x].num - 1;
	*d = m[*i].sent;
}

static const char *
check_tree(const struct ptree *t, const int *tops, int ntops,
    const struct thread_msg *m, size_t n, bool ordered)
{
	static int	 seen[RND_N + 1];
	int		 x, c, i, j, k, nk;
	int64_t		 d, e;

	memset(seen, 0, sizeof(seen));
	for (x = 0; x < t->n; x++) {
		if (t->v[x].num > (int)n || (t->v[x].num > 0 &&
		    seen[t->v[x].num]++))
			return "a message twice or out of range";
		if (t->v[x].num == 0) {
			if (t->v[x].depth != 0)
				return "a dummy below the top";
			for (k = 0, c = t->v[x].first; c >= 0; c = t->v[c].next)
				k++;
			if (k < 2)
				return "a dummy with fewer than 2 children";
		}
		if (ordered && t->v[x].depth > 1)
			return "ORDEREDSUBJECT grandchild";
		/* siblings in order */
		for (c = t->v[x].first; c >= 0 && t->v[c].next >= 0;
		    c = t->v[c].next) {
			pkey(t, m, c, &d, &i);
			pkey(t, m, t->v[c].next, &e, &j);
			if (d > e || (d == e && i > j))
				return "children out of order";
		}
	}
	for (i = 1; i <= (int)n; i++)
		if (!seen[i])
			return "a message missing";
	for (k = 0; k + 1 < ntops; k++) {
		pkey(t, m, tops[k], &d, &i);
		pkey(t, m, tops[k + 1], &e, &j);
		if (d > e || (d == e && i > j))
			return "threads out of order";
	}
	if (ordered) {
		for (k = 0; k < ntops; k++) {
			pkey(t, m, tops[k], &d, &i);
			for (c = t->v[tops[k]].first; c >= 0; c = t->v[c].next)
				if (strcmp(m[t->v[c].num - 1].subject,
				    m[i].subject) != 0)
					return "two subjects in a thread";
			for (nk = k + 1; nk < ntops; nk++) {
				pkey(t, m, tops[nk], &e, &j);
				if (strcmp(m[i].subject, m[j].subject) == 0)
					return "one subject in two threads";
			}
		}
	}
	return NULL;
}

static void
test_random(void)
{
	static const char *const subj[] = { "a", "Re: a", "b", "Fwd: b",
	    "[x] b", "", "RE: c", "c (fwd)" };
	static struct thread_msg m[RND_N];
	static char	 ids[RND_N][16], refs[RND_N][128];
	static struct ptree pt;
	static int	 tops[RND_N];
	struct sbuf	 out, bases[RND_N];
	struct thread_tree t;
	uint32_t	 nums[RND_N];
	const char	*why;
	size_t		 i, n, o;
	int		 round, k, ntops, alg;

	for (round = 0; round < RND_ROUNDS; round++) {
		rnd_state = (uint64_t)round * 7919 + 1;
		n = 1 + rnd(RND_N);
		for (i = 0; i < n; i++) {
			(void)snprintf(ids[i], sizeof(ids[i]), "<%u@x>",
			    rnd((uint32_t)n + 5));
			for (o = 0, k = (int)rnd(5); k > 0; k--)
				o += (size_t)snprintf(refs[i] + o,
				    sizeof(refs[i]) - o, "<%u@x> ",
				    rnd((uint32_t)n + 5));
			refs[i][o] = '\0';
			memset(&bases[i], 0, sizeof(bases[i]));
			k = (int)rnd(8);
			base_subject(&bases[i], subj[k], strlen(subj[k]));
			m[i].subject = bases[i].s ? bases[i].s : "";
			m[i].reply = subject_extract(NULL, subj[k],
			    strlen(subj[k]));
			m[i].sent = rnd(20);
			m[i].msgid = rnd(10) == 0 ? NULL : ids[i];
			m[i].refs = rnd(3) == 0 ? NULL : refs[i];
			m[i].irt = rnd(2) == 0 ? NULL : ids[rnd((uint32_t)n)];
			nums[i] = (uint32_t)i + 1;
		}
		for (alg = 0; alg < 2; alg++) {
			CASE("thread/random/%d/%s", round,
			    alg ? "orderedsubject" : "references") {
				if (alg)
					thread_orderedsubject(m, n, &t);
				else
					thread_references(m, n, &t, NULL, NULL);
				memset(&out, 0, sizeof(out));
				thread_format(&t, nums, &out);
				sb_add(&out, "", 0);
				thread_tree_free(&t);
				memset(&pt, 0, sizeof(pt));
				pt.p = out.s;
				ntops = 0;
				while (*pt.p != '\0' && pt.err == NULL)
					tops[ntops++] = parse_list(&pt, 0);
				why = pt.err != NULL ? pt.err : check_tree(&pt,
				    tops, ntops, m, n, alg == 1);
				CHECK(why == NULL, "%s in %.60s", why, out.s);
				sb_free(&out);
			}
		}
		for (i = 0; i < n; i++)
			sb_free(&bases[i]);
	}
}

int
main(void)
{
	test_subjects();
	test_msgids();
	test_threads();
	test_format();
	test_big();
	test_random();
	return unit_done();
}
