#!/usr/bin/env python3
"""Deterministic mail corpus for the liteimapd benchmark (Python 3 stdlib only).

gencorpus.py --count N --out DIR [--seed S] [--unseen U]

writes
  DIR/Maildir/{cur,new,tmp}   one file per message, CRLF line ends, named
                              NNNNNNNNNN.bench:2,FLAGS so every Maildir reader
                              that sorts by name (Dovecot does) keeps the order;
                              mtime = internal date
  DIR/index.txt               one line per message, in order:
                              PATH<TAB>FLAGS<TAB>INTERNALDATE (IMAP date-time)
  DIR/manifest.json           seed, count, bytes, and for every search term the
                              exact number of messages it must match

Messages are 1-200 KB: text/plain (7bit or quoted-printable), multipart/
alternative (text + HTML), multipart/mixed with base64 attachments, forwarded
message/rfc822, RFC 2047 encoded-word From and Subject, threads through
In-Reply-To/References.  Bodies are English-like text drawn from a fixed
vocabulary, so the expected hit count of each search term is computed here
from the decoded text of every message (headers, text parts and nested
messages), the way IMAP SEARCH defines it: case-insensitive substring.
Attachment bytes never contain a search term, raw or decoded.

Internal dates ascend with the message number, all between 08:00 and 16:00
UTC so a SINCE date means the same day in any time zone within 8 hours.
The last U messages (default min(N, 10000)) are unseen, all others \\Seen,
so `STORE last-U +FLAGS (\\Seen)` then `-FLAGS (\\Seen)` restores the state.
"""

import argparse
import base64
import json
import os
import quopri
import random
import sys
import time
from email.header import Header

WORDS = """
the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there been one all we their has
would when if so no will more about can out up them some what into my only time
other than then its now could two may over also after first did new these any
most people work year day where way many should back much well just between how
very our team week report plan review meeting project budget release customer
support issue change update design server client message mail folder account
order invoice payment contract schedule deadline draft version document office
travel flight hotel dinner lunch coffee call phone number address street city
morning afternoon evening monday tuesday wednesday thursday friday weekend today
tomorrow yesterday month quarter agenda minutes notes action item owner status
progress risk delay problem solution question answer request reply thanks please
sorry great good better best small large quick simple early late ready open
closed final initial next last previous following attached below above shared
summary details data numbers figures chart table list file files folder link
page site network system service database backup storage memory disk network
security password access user users group manager director engineer developer
sales marketing finance legal board partner vendor supplier product feature
price cost estimate offer proposal approval signature deliver delivery shipment
package box warehouse stock order inventory test tests testing build deploy
launch start finish complete pending waiting blocked resolved confirm confirmed
remind reminder follow discuss discussion decide decision agree agreement note
important urgent soon later again still already almost always never often
usually sometimes maybe perhaps probably certainly clearly really quite rather
river mountain garden window kitchen market station bridge harbor forest valley
island village tower castle library museum theater stadium airport school
student teacher lesson course class exam paper pencil book story history science
music picture camera color light sound voice water weather rain snow wind sun
""".split()

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth
William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel
Lisa Matthew Nancy Anthony Betty Mark Sandra Donald Ashley Steven Emily Paul
Donna Andrew Michelle Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah
George Stephanie Timothy Rebecca Ronald Laura Jason Sharon Edward Cynthia Jeffrey
Kathleen Ryan Amy Jacob Angela Gary Shirley Nicholas Anna Eric Brenda Jonathan
Pamela Stephen Emma Larry Nicole Justin Helen Scott Samantha Brandon Katherine
Benjamin Christine Samuel Debra Gregory Rachel Alexander Carolyn Frank Janet
Marta Olga Pierre Hiroshi Ingrid Lars Fatima Omar Wei Priya""".split()

LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee
Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez
Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward
Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes
Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez""".split()

# Non-ASCII people: their display names go out as RFC 2047 encoded words.
INTL = [("Jürgen", "Müller", "juergen.mueller"), ("José", "Peña", "jose.pena"),
        ("Øyvind", "Sæther", "oyvind.saether"), ("Zoë", "Brontë", "zoe.bronte"),
        ("Françoise", "Lefèvre", "francoise.lefevre"),
        ("Дмитрий", "Иванов", "dmitry.ivanov"), ("山田", "太郎", "taro.yamada"),
        ("Ewa", "Wąsowska", "ewa.wasowska")]

DOMAINS = """example.com example.org example.net mail.example.com
corp.example.org lists.example.net research.example.edu shop.example.com""".split()

INTL_SUBJECTS = ["Grüße aus München", "Réunion de l'équipe", "Отчёт за неделю",
                 "Año nuevo: presupuesto", "会議の議事録", "Smörgåsbord på fredag"]

# The search terms of the benchmark scenarios; keep them in sync with
# bench/run (it reads them back from the manifest).
FROM_TERM = "kowalczyk"      # one sender, display name and address
SUBJECT_TERM = "invoice"     # a vocabulary word, common enough in subjects
RARE_TERM = "quokka"         # injected into about 0.1% of bodies
COMMON_TERM = "project"      # a frequent vocabulary word
PHRASE = "annual report"     # injected phrase, about 1% of bodies
TERMS = {"from": FROM_TERM, "subject": SUBJECT_TERM, "text_rare": RARE_TERM,
         "text_common": COMMON_TERM, "body_phrase": PHRASE}

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
WDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def rfc5322_date(t, tzmin):
    lt = time.gmtime(t + tzmin * 60)
    sign = "+" if tzmin >= 0 else "-"
    a = abs(tzmin)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        WDAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year,
        lt.tm_hour, lt.tm_min, lt.tm_sec, sign, a // 60, a % 60)


def imap_date(t):
    lt = time.gmtime(t)
    return "%02d-%s-%d %02d:%02d:%02d +0000" % (
        lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year, lt.tm_hour, lt.tm_min,
        lt.tm_sec)


def imap_day(t):
    lt = time.gmtime(t)
    return "%d-%s-%d" % (lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year)


class Gen:
    def __init__(self, seed, count):
        self.r = random.Random(seed)
        self.count = count
        r = self.r
        self.words = WORDS
        self.wcum = []
        acc = 0.0
        for i in range(len(WORDS)):
            acc += 1.0 / (i + 8)
            self.wcum.append(acc)
        people = []
        for i in range(400):
            f = FIRST[r.randrange(len(FIRST))]
            l = LAST[r.randrange(len(LAST))]
            d = DOMAINS[r.randrange(len(DOMAINS))]
            people.append((f + " " + l, "%s.%s@%s" % (f.lower(), l.lower(), d)))
        for f, l, a in INTL:
            people.insert(r.randrange(40), (f + " " + l,
                                            a + "@" + DOMAINS[r.randrange(4)]))
        # The FROM term's sender: rank 25 of a Zipf-like distribution.
        people.insert(25, ("Marta Kowalczyk", "marta.kowalczyk@example.org"))
        self.people = people
        self.pcum = []
        acc = 0.0
        for i in range(len(people)):
            acc += 1.0 / (i + 5)
            self.pcum.append(acc)
        self.threads = []   # (subject, [message-ids])

    def person(self):
        return self.r.choices(self.people, cum_weights=self.pcum)[0]

    def text_words(self, n):
        return self.r.choices(self.words, cum_weights=self.wcum, k=n)

    def sentence_lines(self, nwords, inject=()):
        """Plain text of about nwords words in lines of <= ~76 chars."""
        r = self.r
        w = self.text_words(nwords)
        for term in inject:
            pos = r.randrange(len(w) + 1)
            w[pos:pos] = term.split()
        lines = []
        line = []
        ll = 0
        sent_start = True
        for i, x in enumerate(w):
            if sent_start:
                x = x.capitalize()
                sent_start = False
            if r.random() < 0.08:
                x += "."
                sent_start = True
            elif r.random() < 0.04:
                x += ","
            if ll + len(x) + 1 > 72 and line:
                lines.append(" ".join(line))
                line = []
                ll = 0
            line.append(x)
            ll += len(x) + 1
            if sent_start and r.random() < 0.1:
                lines.append(" ".join(line))
                lines.append("")
                line = []
                ll = 0
        if line:
            lines.append(" ".join(line) + ".")
        return lines

    def body_len(self):
        # words in the main text: log-normal, median ~ 250 words (~1.7 KB)
        n = int(self.r.lognormvariate(5.5, 0.8))
        return max(30, min(n, 12000))

    def addr(self, p):
        name, email = p
        try:
            name.encode("ascii")
            return "%s <%s>" % (name, email), "%s <%s>" % (name, email)
        except UnicodeEncodeError:
            enc = Header(name, "utf-8").encode()
            return "%s <%s>" % (enc, email), "%s <%s>" % (name, email)

    def subject(self):
        r = self.r
        if r.random() < 0.04:
            s = INTL_SUBJECTS[r.randrange(len(INTL_SUBJECTS))]
            if r.random() < 0.5:
                return Header(s, "utf-8").encode(), s
            return "=?UTF-8?Q?" + "".join(
                c if c.isascii() and c.isalnum() else
                ("_" if c == " " else "".join("=%02X" % b for b in c.encode()))
                for c in s) + "?=", s
        w = self.text_words(r.randint(2, 7))
        s = " ".join(w).capitalize()
        return s, s

    def attachment(self, terms):
        """(raw part text, decoded-for-search text) of a base64 attachment."""
        r = self.r
        kind = r.choice([("application/pdf", "pdf"), ("image/jpeg", "jpg"),
                         ("application/zip", "zip"),
                         ("application/octet-stream", "bin")])
        size = int(min(180000, max(2000, r.lognormvariate(9.8, 1.0))))
        while True:
            data = r.randbytes(size)
            b64 = base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
            lo_b = data.lower()
            lo_t = b64.lower()
            if not any(t.encode() in lo_b or t in lo_t for t in terms):
                break
        name = "%s-%d.%s" % (r.choice(WORDS), r.randrange(1000), kind[1])
        hdr = ("Content-Type: %s; name=\"%s\"\r\n"
               "Content-Disposition: attachment; filename=\"%s\"\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" % (kind[0], name,
                                                              name))
        return hdr + b64, name

    def msgid(self):
        return "<%016x.%08x@%s>" % (self.r.getrandbits(64),
                                    self.r.getrandbits(32),
                                    DOMAINS[self.r.randrange(len(DOMAINS))])

    def boundary(self):
        return "=_%032x" % self.r.getrandbits(128)

    def message(self, t, nested=False):
        """Returns (bytes, from_decoded, subject_decoded, searchable_lower)."""
        r = self.r
        terms = list(TERMS.values())
        frm = self.person()
        from_raw, from_dec = self.addr(frm)
        tos = [self.addr(self.person()) for _ in range(r.choice((1, 1, 1, 2, 3)))]
        ccs = [self.addr(self.person()) for _ in range(r.choice((0, 0, 0, 1, 2)))]
        mid = self.msgid()
        hdr_extra = []
        reply = (not nested) and self.threads and r.random() < 0.4
        if reply:
            th = self.threads[int(len(self.threads) * (1 - r.random() ** 3)) - 1]
            subj_raw = "Re: " + th[0][0]
            subj_dec = "Re: " + th[0][1]
            refs = th[1][-10:]
            hdr_extra.append("In-Reply-To: " + refs[-1])
            hdr_extra.append("References: " + "\r\n ".join(refs))
            th[1].append(mid)
        else:
            subj_raw, subj_dec = self.subject()
            if not nested:
                self.threads.append([(subj_raw, subj_dec), [mid]])
                if len(self.threads) > 2000:
                    del self.threads[:1000]
        inject = []
        if r.random() < 0.001 * (1 if not nested else 0):
            inject.append(RARE_TERM)
        if r.random() < 0.01:
            inject.append(PHRASE)
        tz = r.choice((0, 0, 60, 120, -300, -420, 330, 540, -180))
        h = []
        if not nested:
            h.append("Return-Path: <%s>" % frm[1])
            h.append("Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\r\n"
                     "\tby mail.example.net with ESMTPS id %08x\r\n"
                     "\tfor <%s>; %s" % (
                         r.randrange(9), DOMAINS[r.randrange(8)],
                         r.randrange(9), DOMAINS[r.randrange(8)],
                         r.randrange(1, 255), r.getrandbits(32),
                         tos[0][1].split("<")[-1].rstrip(">"),
                         rfc5322_date(t + 2, 0)))
        h.append("Date: " + rfc5322_date(t - r.randrange(1, 600), tz))
        h.append("From: " + from_raw)
        h.append("To: " + ",\r\n ".join(x[0] for x in tos))
        if ccs:
            h.append("Cc: " + ", ".join(x[0] for x in ccs))
        h.append("Subject: " + subj_raw)
        h.append("Message-ID: " + mid)
        h.extend(hdr_extra)
        if r.random() < 0.2:
            h.append("X-Mailer: BenchMail %d.%d" % (r.randrange(9), r.randrange(20)))
        if r.random() < 0.1:
            h.append("List-Id: <team-%d.lists.example.net>" % r.randrange(20))
        h.append("MIME-Version: 1.0")
        # decoded header text, for TEXT
        dec_h = ["From: " + from_dec, "To: " + ", ".join(x[1] for x in tos),
                 "Subject: " + subj_dec]
        dec_h += ["Cc: " + ", ".join(x[1] for x in ccs)] if ccs else []
        search = []
        nwords = self.body_len()
        lines = self.sentence_lines(nwords, inject)
        greet = "Hi %s," % tos[0][1].split()[0]
        lines = [greet, ""] + lines + ["", "Best regards,", frm[0]]
        if reply and r.random() < 0.7:
            q = self.sentence_lines(r.randint(20, 80))
            lines += ["", "On %s, %s wrote:" % (rfc5322_date(t - 86400, 0),
                                                 frm[0])]
            lines += ["> " + x for x in q]
        text = "\r\n".join(lines) + "\r\n"
        search.append(text)
        cs = "charset=us-ascii\r\nContent-Transfer-Encoding: 7bit" \
            if text.isascii() else \
            "charset=utf-8\r\nContent-Transfer-Encoding: 8bit"
        kind = r.random()
        if nested:
            kind = min(kind, 0.49)
        if kind < 0.45:
            # plain, 7bit or (with a non-ASCII sign-off) quoted-printable
            if r.random() < 0.15:
                text = text.replace("Best regards,", "Grüße / Saludos,")
                search[-1] = text
                qp = quopri.encodestring(text.encode("utf-8")).decode("ascii")
                h.append("Content-Type: text/plain; charset=utf-8")
                h.append("Content-Transfer-Encoding: quoted-printable")
                body = qp.replace("\r\n", "\n").replace("\n", "\r\n")
            else:
                h.append("Content-Type: text/plain; format=flowed; " + cs)
                body = text
        elif kind < 0.70:
            b = self.boundary()
            html = ("<html><body>\r\n" + "".join(
                "<p>%s</p>\r\n" % p for p in text.split("\r\n\r\n")) +
                "</body></html>\r\n")
            search.append(html)
            h.append('Content-Type: multipart/alternative; boundary="%s"' % b)
            body = ("This is a multi-part message in MIME format.\r\n\r\n"
                    "--%s\r\nContent-Type: text/plain; %s\r\n\r\n%s\r\n"
                    "--%s\r\nContent-Type: text/html; %s\r\n\r\n%s\r\n--%s--\r\n"
                    % (b, cs, text, b, cs, html, b))
        elif kind < 0.93:
            b = self.boundary()
            parts = ["--%s\r\nContent-Type: text/plain; %s\r\n\r\n%s\r\n"
                     % (b, cs, text)]
            for _ in range(r.choice((1, 1, 1, 2, 3))):
                raw, name = self.attachment(terms)
                parts.append("--%s\r\n%s\r\n" % (b, raw))
                search.append(name)
            h.append('Content-Type: multipart/mixed; boundary="%s"' % b)
            body = "".join(parts) + "--%s--\r\n" % b
        else:
            b = self.boundary()
            inner, _, _, inner_search = self.message(t - 86400 * r.randint(1, 30),
                                                     nested=True)
            search.append(inner_search)
            h.append('Content-Type: multipart/mixed; boundary="%s"' % b)
            body = ("--%s\r\nContent-Type: text/plain; %s\r\n\r\n"
                    "Forwarding this, see below.\r\n\r\n%s\r\n"
                    "--%s\r\nContent-Type: message/rfc822\r\n"
                    "Content-Disposition: inline\r\n\r\n%s\r\n--%s--\r\n"
                    % (b, cs, text, b, inner.decode("utf-8"), b))
            search.append("Forwarding this, see below.")
        head = "\r\n".join(h) + "\r\n\r\n"
        msg = (head + body).encode("utf-8")
        if len(msg) < 1024 and not nested:
            # pad to the 1 KB minimum with a signature block
            pad = self.sentence_lines(60)
            extra = "\r\n-- \r\n" + "\r\n".join(pad) + "\r\n"
            if "multipart" not in head:
                msg += extra.encode("ascii")
                search.append(extra)
        if len(msg) > 200 * 1024:
            return self.message(t, nested)
        searchable = ("\n".join(dec_h) + "\n" + "\n".join(search)).lower()
        return msg, from_dec, subj_dec, searchable


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--unseen", type=int, default=None,
                    help="number of unseen messages at the end (default min(N, 10000))")
    ap.add_argument("--start", default="2021-01-04",
                    help="date of the first message (UTC)")
    a = ap.parse_args()
    n = a.count
    unseen = min(n, 10000) if a.unseen is None else min(a.unseen, n)
    g = Gen(a.seed, n)
    md = os.path.join(a.out, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    start = int(time.mktime(time.strptime(a.start, "%Y-%m-%d"))) - time.timezone
    span = 3 * 365 * 86400
    step = span / max(n, 1)
    counts = {k: 0 for k in TERMS}
    since_idx = n - unseen // 2 if unseen else n
    since_t = None
    unseen_since = 0
    seen_count = 0
    total = 0
    sizes = []
    index = []
    days = []
    for i in range(n):
        # internal date: day from the ascending schedule, time 08:00-16:00 UTC
        base = start + int(i * step)
        day0 = base - base % 86400
        t = day0 + 8 * 3600 + g.r.randrange(8 * 3600)
        msg, from_dec, subj_dec, searchable = g.message(t)
        if i == since_idx:
            since_t = day0
        flags = []
        if i < n - unseen:
            flags.append("\\Seen")
            if g.r.random() < 0.2:
                flags.append("\\Answered")
        if g.r.random() < 0.03:
            flags.append("\\Flagged")
        mflags = "".join(sorted({"\\Seen": "S", "\\Answered": "R",
                                 "\\Flagged": "F"}[f] for f in flags))
        name = "%010d.bench:2,%s" % (i + 1, mflags)
        path = os.path.join(md, "cur", name)
        with open(path, "wb") as f:
            f.write(msg)
        os.utime(path, (t, t))
        index.append("%s\t%s\t%s\n" % (os.path.abspath(path), " ".join(flags),
                                        imap_date(t)))
        total += len(msg)
        sizes.append(len(msg))
        if FROM_TERM in from_dec.lower():
            counts["from"] += 1
        if SUBJECT_TERM in subj_dec.lower():
            counts["subject"] += 1
        for k in ("text_rare", "text_common", "body_phrase"):
            if TERMS[k] in searchable:
                counts[k] += 1
        days.append((day0, "\\Seen" in flags))
        if "\\Seen" in flags:
            seen_count += 1
    if since_t is None:
        since_t = start + span
    unseen_since = sum(1 for d, s in days if not s and d >= since_t)
    with open(os.path.join(a.out, "index.txt"), "w") as f:
        f.writelines(index)
    sizes.sort()
    man = {
        "seed": a.seed, "count": n, "bytes": total,
        "size_min": sizes[0] if sizes else 0,
        "size_median": sizes[len(sizes) // 2] if sizes else 0,
        "size_max": sizes[-1] if sizes else 0,
        "unseen": n - seen_count, "unseen_first": n - unseen + 1,
        "terms": TERMS,
        "expected": {
            "from": counts["from"], "subject": counts["subject"],
            "text_rare": counts["text_rare"],
            "text_common": counts["text_common"],
            "body_phrase": counts["body_phrase"],
            "unseen_since": unseen_since,
        },
        "since": imap_day(since_t),
        "maildir": os.path.abspath(md),
        "index": os.path.abspath(os.path.join(a.out, "index.txt")),
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    json.dump(man, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
