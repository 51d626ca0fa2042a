"""A seeded corpus of varied mail messages and a naive reference search
over it, for checking liteimapd's SEARCH (tests/integ/search-corpus).

generate(seed, n) makes n messages from a known vocabulary (English-like
words plus German, French, Polish, Russian, Ukrainian, Greek, Vietnamese,
Japanese, Chinese and Korean words and a few emoji) in many shapes: plain
text, quoted-printable (with soft line breaks at random places, inside
words and characters) and base64 bodies, 8bit bodies in legacy charsets
(iso-8859-1/2/7, koi8-r/u, windows-1251, shift_jis, iso-2022-jp, euc-kr,
gb2312), RFC 2047 headers (B and Q, several charsets, folded), raw UTF-8
headers, HTML parts (inline and block tags, style sheets, character
references), multipart/alternative and multipart/mixed with attachments,
Cc/Bcc, custom headers, dates in many zones, flags and keywords.

Decoded(raw, ...) is the reference: it reads a message with Python's email
package only (RFC 2047 by email.header, QP/base64 by get_payload, charsets
by Python's codecs, HTML by dropping tags, style sheets and scripts and
then resolving character references with html.unescape) into the texts a
search looks at.  Each generated message also records the texts it meant
to write; check_model() compares both, so a fault of the reference shows
up as such and not as a server bug.

Queries are small trees (random_query) that render() turns into UID SEARCH
arguments (every string a LITERAL+ literal) and matches() evaluates
against a decoded message: case-insensitive substrings with str.lower()
on both sides, as IMAP requires (so ß is not "ss").
"""

import base64
import datetime
import email
import email.header
import email.utils
import html
import html.entities
import random
import re

# ---- vocabulary ----

WORDS = """
able about account across action after again agenda agree air almost also
always amount answer apple april area around arrive article ask autumn back
balance bank basket before begin behind believe below better between bicycle
bill bird black blue board boat body book border bottle box bread break
bridge bright bring brother budget build business call camera capital card
care carry castle cause centre chair change cheap cheese child choose church
city clean clear clock close cloud coast coffee cold colour common company
contract copy corner cost country course cover cream cross crowd cup current
customer daily dance dark data date daughter deal dear decide deep degree
delivery design desk detail dinner direct distance doctor door double draft
dream dress drink drive early earth east edge effort eight engine enough
evening event exact example expect face fact fair family farm fast father
feature field figure file final finger finish fire first fish flight floor
flower follow food forest form forward fresh friday friend front fruit full
garden gate gentle glass global gold good green ground group guest guide half
hammer happy harbour heart heavy help hill history holiday horse hotel hour
house idea image income index inside invoice island issue item journey juice
jump kitchen knife label ladder lake large later laugh layer leader letter
level light limit line list little lunch machine main manager march market
meeting member method middle minute mirror monday money month morning mother
mountain music narrow nation nature needle network night north note number
ocean offer office open orange order owner packet page paper parcel party
pattern pencil people period piano picture pilot plan planet plant plate
pocket point police policy potato power price print process project purple
quarter question quick quiet radio rain range rapid reason record report
request result river road rocket roof room round rule salad salt sample
saturday school science screen season second secret seven shadow share sheep
shelf ship shirt short signal silver simple sister small smile snow soft
south space speed spring square stable staff stage station stone storm story
street strong sugar summer sunday supply table target team theory thing
thursday ticket tiger timber today tomorrow tower town track train travel
tree trip truck tuesday umbrella uncle update upper valley value village
violin visit voice wagon water weather wednesday week window winter wood
world yellow yesterday zebra
""".split()

# Non-ASCII words.  No Greek sigma (its final form makes str.lower()
# context-dependent), no dotted/dotless i (Turkish case rules).
INTL = """
Grüße Straße Müller Köln Bäcker schön Größe Übung Ärger Öl Fußball Mädchen
café crème élève garçon où naïve déjà Noël façade
zażółć gęślą jaźń Łódź święty żółw źdźbło Ńandu
привет мир встреча пятница добрый день Иван ёлка щука объём Москва
Ґанок ґудзик їжак єдність Київ
καλημέρα άλμα ώρα όμορφη ήλιο ύπνο Ελένη Έλα ΆΝΘΗ
Đặng tiếng Việt người Hà Nội
東京 会議 日本語 テスト 北京 中文 資料 한국어 안녕하세요 서울
ok🙂 🎉party
""".split()

PEOPLE = [
    ('Alice Anderson', 'alice@example.com'),
    ('Bob Brown', 'bob@example.org'),
    ('Carol Clark', 'carol@example.net'),
    ('Dave Davis', 'dave@mail.example'),
    ('Eve Evans', 'eve@example.com'),
    ('Frank Fischer', 'frank@example.de'),
    ("Fiona O'Brien", 'fiona@example.ie'),
    ('Smith, John', 'john.smith@example.com'),
    ('', 'noreply@service.example'),
    ('Jürgen Müller', 'juergen@example.de'),
    ('Zoë Ångström', 'zoe@example.se'),
    ('François Lefèvre', 'francois@example.fr'),
    ('Łukasz Żółtowski', 'lukasz@example.pl'),
    ('Ольга Иванова', 'olga@example.ru'),
    ('Иван Петров', 'ivan@example.ru'),
    ('Тарас Ґонта', 'taras@example.ua'),
    ('田中太郎', 'tanaka@example.jp'),
    ('山田花子', 'yamada@example.jp'),
    ('Ελένη Καλή', 'eleni@example.gr'),
    ('Đặng Văn Lâm', 'dang@example.vn'),
    ('김민준', 'minjun@example.kr'),
]

LEGACY = ['iso-8859-1', 'iso-8859-2', 'iso-8859-7', 'koi8-r', 'koi8-u',
          'windows-1251', 'shift_jis', 'iso-2022-jp', 'euc-kr', 'gb2312']

FLAGS = [('\\Seen', 0.5), ('\\Flagged', 0.2), ('\\Answered', 0.2),
         ('\\Draft', 0.05), ('\\Deleted', 0.1), ('$Work', 0.15),
         ('Urgent', 0.1)]

MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
          'Oct', 'Nov', 'Dec']
DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']


def case_variant(rng, w):
    """w, Capitalised or UPPER, when that changes only the case."""
    r = rng.random()
    v = w if r < 0.6 else w[:1].upper() + w[1:] if r < 0.85 else w.upper()
    return v if len(v) == len(w) and v.lower() == w.lower() else w


def pick_word(rng):
    r = rng.random()
    if r < 0.8:
        return case_variant(rng, rng.choice(WORDS))
    if r < 0.95:
        return case_variant(rng, rng.choice(INTL))
    return str(rng.randrange(0, 10 ** rng.randrange(1, 6)))


def sentence(rng, lo, hi):
    ws = [pick_word(rng) for _ in range(rng.randrange(lo, hi + 1))]
    ws[0] = ws[0][:1].upper() + ws[0][1:] if \
        (ws[0][:1].upper() + ws[0][1:]).lower() == ws[0].lower() else ws[0]
    out = ''
    for i, w in enumerate(ws):
        out += w
        if i < len(ws) - 1:
            out += rng.choice([' '] * 12 + [', ', '; ', ' - ', "'s "])
    return out + rng.choice(['.', '.', '.', '!', '?', ':'])


def paragraph(rng):
    """Sentences wrapped into lines of at most 72 characters."""
    words = ' '.join(sentence(rng, 3, 14) for _ in
                     range(rng.randrange(1, 5))).split(' ')
    lines, cur = [], ''
    for w in words:
        if cur and len(cur) + 1 + len(w) > 72:
            lines.append(cur)
            cur = w
        else:
            cur = cur + ' ' + w if cur else w
    lines.append(cur)
    return lines


def is_ascii(s):
    return all(ord(c) < 128 for c in s)


def encodable(cs, s):
    try:
        s.encode(cs)
        return True
    except UnicodeEncodeError:
        return False


def pick_charset(rng, s):
    if is_ascii(s):
        return rng.choice(['us-ascii', 'us-ascii', 'utf-8', 'iso-8859-1'])
    legacy = [cs for cs in LEGACY if encodable(cs, s)]
    if legacy and rng.random() < 0.5:
        return rng.choice(legacy)
    return 'utf-8'


# ---- RFC 2047 ----

def encoded_word(rng, cs, text):
    raw = text.encode(cs)
    if rng.random() < 0.5:
        return '=?%s?B?%s?=' % (cs, base64.b64encode(raw).decode())
    q = ''
    for c in raw:
        if c == 0x20:
            q += '_'
        elif (0x30 <= c <= 0x39 or 0x41 <= c <= 0x5a or 0x61 <= c <= 0x7a
              or c in b'!*+-/') and rng.random() < 0.9:
            q += chr(c)
        else:
            q += '=%02X' % c
    return '=?%s?%s?%s?=' % (cs, rng.choice('Qq'), q)


def encode_phrase(rng, text, raw=None):
    """text as header field content: ASCII words stay, runs of non-ASCII
    words become encoded words (long ones split, the space inside the
    first); sometimes the whole text raw UTF-8 or one encoded run."""
    if is_ascii(text):
        return text
    if raw is None:
        raw = rng.random() < 0.1
    if raw:
        return text                             # raw UTF-8 (RFC 6532)
    r = rng.random()
    words = text.split(' ')
    if r < 0.3:
        runs = [(True, words)]                  # one encoded run
    else:
        runs = []                               # (encoded, words)
        for w in words:
            enc = not is_ascii(w)
            if runs and runs[-1][0] == enc:
                runs[-1][1].append(w)
            else:
                runs.append((enc, [w]))
    out = []
    for encoded, ws in runs:
        if not encoded:
            out.append(' '.join(ws))
            continue
        seg = ' '.join(ws)
        cs = pick_charset(rng, seg)
        if cs == 'us-ascii':
            cs = 'utf-8'
        # split into pieces of a few words, the separating space kept at
        # the end of the piece before
        pieces, cur = [], []
        for i, w in enumerate(ws):
            cur.append(w)
            if len(cur) >= rng.randrange(1, 4) and i < len(ws) - 1:
                pieces.append(' '.join(cur) + ' ')
                cur = []
        if cur:
            pieces.append(' '.join(cur))
        out.append(' '.join(encoded_word(rng, cs, p) for p in pieces))
    return ' '.join(out)


def fold(rng, name, value):
    """'Name: value' folded at spaces (CRLF SP) beyond about 60 columns."""
    line = name + ': '
    out = ''
    for i, tok in enumerate(value.split(' ')):
        if i == 0:
            line += tok
        elif len(line) + 1 + len(tok) > 60 and rng.random() < 0.8:
            out += line + '\r\n'
            line = ' ' + tok
        else:
            line += ' ' + tok
    return out + line + '\r\n'


def address(rng, person, raw):
    name, addr = person
    if not name:
        return addr, addr
    if is_ascii(name):
        shown = '"%s"' % name if ',' in name else name
        return '%s <%s>' % (shown, addr), '%s <%s>' % (shown, addr)
    return '%s <%s>' % (encode_phrase(rng, name, raw), addr), \
        '%s <%s>' % (name, addr)


# ---- bodies ----

def qp_encode(rng, data):
    """Quoted-printable with CRLF hard breaks kept and soft breaks at
    random places (never inside an =XX); trailing white space encoded."""
    out = []
    for line in data.split(b'\r\n'):
        toks = []
        for i, c in enumerate(line):
            if (33 <= c <= 126 and c != 61) or (c in (32, 9) and
                                                i < len(line) - 1):
                toks.append(chr(c))
            else:
                toks.append('=%02X' % c)
        cur, n = '', 0
        limit = rng.randrange(8, 76)
        for t in toks:
            if n + len(t) > limit - 1:
                out.append(cur + '=')
                cur, n = '', 0
                limit = rng.randrange(8, 76)
            cur += t
            n += len(t)
        out.append(cur)
    return '\r\n'.join(out).encode('ascii')


def b64_encode(data):
    s = base64.b64encode(data).decode()
    return '\r\n'.join(s[i:i + 76] for i in range(0, len(s), 76)).encode()


INLINE = ['b', 'i', 'em', 'strong', 'span', 'u', 'a']


def html_text(rng, s, ascii_only):
    """Escape s for HTML, some characters as references."""
    out = ''
    for c in s:
        r = rng.random()
        if c == '&':
            out += '&amp;'
        elif c == '<':
            out += '&lt;'
        elif c == '>':
            out += '&gt;'
        elif c == '"' and r < 0.5:
            out += '&quot;'
        elif ord(c) >= 128 and (ascii_only or r < 0.2):
            name = html.entities.codepoint2name.get(ord(c))
            if name and rng.random() < 0.5:
                out += '&%s;' % name
            elif rng.random() < 0.5:
                out += '&#%d;' % ord(c)
            else:
                out += '&#x%X;' % ord(c)
        else:
            out += c
    return out


def html_line(rng, line, ascii_only):
    """A line with inline elements around some words (rarely inside)."""
    out = []
    for w in line.split(' '):
        r = rng.random()
        if r < 0.1:
            tag = rng.choice(INLINE)
            attr = ' href="https://x.example/%s"' % rng.choice(WORDS) \
                if tag == 'a' else ' class="c%d"' % rng.randrange(9) \
                if tag == 'span' else ''
            out.append('<%s%s>%s</%s>' % (tag, attr,
                                          html_text(rng, w, ascii_only), tag))
        elif r < 0.13 and len(w) > 3:
            k = rng.randrange(1, len(w))
            out.append('%s<b>%s</b>' % (html_text(rng, w[:k], ascii_only),
                                        html_text(rng, w[k:], ascii_only)))
        else:
            out.append(html_text(rng, w, ascii_only))
    return ' '.join(out)


def make_html(rng, paras, ascii_only):
    """Block tags only next to line breaks, so that whether a block tag
    counts as white space or not cannot change a search for a term
    without line breaks."""
    h = '<html>\r\n<head>\r\n<title>\r\n%s\r\n</title>\r\n' % \
        html_text(rng, sentence(rng, 2, 4), ascii_only)
    if rng.random() < 0.5:
        h += '<style>\r\np { color: %s; margin: 0 }\r\n</style>\r\n' % \
            rng.choice(WORDS)
    h += '</head>\r\n<body>\r\n'
    for p in paras:
        h += '<p>\r\n'
        h += '\r\n'.join(html_line(rng, ln, ascii_only) for ln in p)
        h += '\r\n</p>\r\n'
    return h + '</body>\r\n</html>\r\n'


def text_part(rng, paras, subtype):
    """(header lines, body bytes, intended text or None) of a text part."""
    if subtype == 'html':
        ascii_only = rng.random() < 0.3
        text = make_html(rng, paras, ascii_only)
        cs = pick_charset(rng, text)
        intended = None
    else:
        text = '\r\n\r\n'.join('\r\n'.join(p) for p in paras) + '\r\n'
        cs = pick_charset(rng, text)
        intended = text
    data = text.encode(cs)
    if all(b < 128 for b in data):
        cte = rng.choice(['7bit', '7bit', 'quoted-printable', 'base64',
                          None])
    else:
        cte = rng.choice(['8bit', 'quoted-printable', 'quoted-printable',
                          'base64'])
    body = qp_encode(rng, data) if cte == 'quoted-printable' else \
        b64_encode(data) if cte == 'base64' else data
    hdr = 'Content-Type: text/%s; charset=%s\r\n' % (
        subtype, '"%s"' % cs if rng.random() < 0.3 else cs)
    if cte is not None:
        hdr += 'Content-Transfer-Encoding: %s\r\n' % cte
    return hdr, body, intended


class Message:
    """A generated message: raw bytes, APPEND flags and date, and what
    it meant to say (intended decoded header values and plain parts)."""

    def __init__(self):
        self.raw = b''
        self.flags = []
        self.date_arg = None
        self.internal_day = None
        self.intended = {}
        self.plain_parts = []


def rand_datetime(rng):
    d = datetime.datetime(2019, 1, 1) + datetime.timedelta(
        seconds=rng.randrange(0, 6 * 365 * 86400))
    off = rng.choice([0, 0, 60, 120, -300, -480, 330, 540, 600, -720, 780,
                      840, -60])
    return d, off


def zone(off):
    return '%s%02d%02d' % ('-' if off < 0 else '+', abs(off) // 60,
                           abs(off) % 60)


def generate(seed, n):
    rng = random.Random(seed)
    msgs = []
    for i in range(n):
        m = Message()
        h = ''
        frm = rng.choice(PEOPLE)
        enc, dec = address(rng, frm, rng.random() < 0.1)
        h += fold(rng, 'From', enc)
        m.intended['From'] = dec
        for key, p_none, hi in (('To', 0.05, 3), ('Cc', 0.6, 2),
                                ('Bcc', 0.85, 1)):
            if rng.random() < p_none:
                continue
            ps = rng.sample(PEOPLE, rng.randrange(1, hi + 1))
            raw = rng.random() < 0.1
            encs, decs = zip(*(address(rng, p, raw) for p in ps))
            h += fold(rng, key, ', '.join(encs))
            m.intended[key] = ', '.join(decs)
        subj = sentence(rng, 1, 8)[:-1]
        if rng.random() < 0.2:
            subj = rng.choice(['Re: ', 'Fwd: ', 'AW: ']) + subj
        h += fold(rng, 'Subject', encode_phrase(rng, subj))
        m.intended['Subject'] = subj
        if rng.random() < 0.9:
            d, off = rand_datetime(rng)
            h += 'Date: %s%02d %s %d %02d:%02d:%02d %s\r\n' % (
                DAYS[d.weekday()] + ', ' if rng.random() < 0.8 else '',
                d.day, MONTHS[d.month - 1], d.year, d.hour, d.minute,
                d.second, zone(off))
        h += 'Message-ID: <%d.%d@corpus.example>\r\n' % (seed, i)
        for name, p in (('X-Mailer', 0.3), ('X-Priority', 0.2),
                        ('X-Tag', 0.3)):
            if rng.random() < p:
                v = rng.choice(['FooMail %d.%d' % (rng.randrange(9),
                                                   rng.randrange(9)),
                                str(rng.randrange(1, 6)),
                                sentence(rng, 1, 3)[:-1]])
                h += fold(rng, name, encode_phrase(rng, v))
                m.intended[name] = v
        paras = [paragraph(rng) for _ in range(rng.randrange(1, 4))]
        shape = rng.random()
        if shape < 0.1:
            # no MIME at all: ASCII, or raw UTF-8 without a charset
            body = ('\r\n\r\n'.join('\r\n'.join(p) for p in paras) +
                    '\r\n')
            m.plain_parts.append(body)
            raw = h.encode() + b'\r\n' + body.encode('utf-8')
        elif shape < 0.55:
            ph, pb, it = text_part(rng, paras, 'plain')
            if it is not None:
                m.plain_parts.append(it)
            raw = (h + 'MIME-Version: 1.0\r\n' + ph + '\r\n').encode() + pb
        elif shape < 0.65:
            ph, pb, _ = text_part(rng, paras, 'html')
            raw = (h + 'MIME-Version: 1.0\r\n' + ph + '\r\n').encode() + pb
        elif shape < 0.85:
            b = '=_alt%d_%d' % (seed, i)
            p1 = text_part(rng, paras, 'plain')
            p2 = text_part(rng, paras, 'html')
            m.plain_parts.append(p1[2])
            raw = (h + 'MIME-Version: 1.0\r\nContent-Type: '
                   'multipart/alternative; boundary="%s"\r\n\r\n' % b
                   ).encode()
            for ph, pb, _ in (p1, p2):
                raw += ('--%s\r\n%s\r\n' % (b, ph)).encode() + pb + b'\r\n'
            raw += ('--%s--\r\n' % b).encode()
        else:
            b = '=_mix%d_%d' % (seed, i)
            p1 = text_part(rng, paras, 'plain')
            m.plain_parts.append(p1[2])
            fname = '%s.bin' % rng.choice(WORDS)
            blob = bytes(rng.randrange(256) for _ in
                         range(rng.randrange(50, 400)))
            att = ('Content-Type: application/octet-stream; name="%s"\r\n'
                   'Content-Disposition: attachment; filename="%s"\r\n'
                   'Content-Transfer-Encoding: base64\r\n' % (fname, fname))
            raw = (h + 'MIME-Version: 1.0\r\nContent-Type: '
                   'multipart/mixed; boundary="%s"\r\n\r\n'
                   'This is a multi-part message in MIME format.\r\n' % b
                   ).encode()
            raw += ('--%s\r\n%s\r\n' % (b, p1[0])).encode() + p1[1] + b'\r\n'
            raw += ('--%s\r\n%s\r\n' % (b, att)).encode() + b64_encode(blob)
            raw += b'\r\n'
            if rng.random() < 0.3:
                p3 = text_part(rng, [paragraph(rng)], 'plain')
                m.plain_parts.append(p3[2])
                raw += ('--%s\r\n%s\r\n' % (b, p3[0])).encode() + p3[1]
                raw += b'\r\n'
            raw += ('--%s--\r\n' % b).encode()
        m.raw = raw
        m.flags = [f for f, p in FLAGS if rng.random() < p]
        if rng.random() < 0.95:
            d, off = rand_datetime(rng)
            m.date_arg = '%2d-%s-%d %02d:%02d:%02d %s' % (
                d.day, MONTHS[d.month - 1], d.year, d.hour, d.minute,
                d.second, zone(off))
            m.internal_day = d.date()
        msgs.append(m)
    return msgs


# ---- the reference decoder ----

def _hvalue(v):
    """A header value from the email package as the text of the message
    (8-bit bytes as UTF-8, else Latin-1), unfolded, trimmed, with RFC
    2047 words decoded by email.header."""
    if isinstance(v, email.header.Header):
        v = str(v)
    b = v.encode('ascii', 'surrogateescape')
    try:
        s = b.decode('utf-8')
    except UnicodeDecodeError:
        s = b.decode('latin-1')
    s = re.sub(r'\r?\n', '', s).strip(' \t')
    if '=?' not in s:
        return s
    return str(email.header.make_header(email.header.decode_header(s)))


def _charset_decode(data, cs):
    if cs in (None, '', 'us-ascii', 'ascii', 'utf-8', 'utf8'):
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            return data.decode('latin-1')
    try:
        return data.decode(cs)
    except (LookupError, UnicodeDecodeError):
        return data.decode('latin-1')


def html_to_text(s):
    s = re.sub(r'<(style|script)\b.*?</\1\s*>', '', s, flags=re.S | re.I)
    s = re.sub(r'<[^>]*>', '', s)
    return html.unescape(s)


class Decoded:
    """What SEARCH looks at in one message."""

    def __init__(self, raw, flags, internal_day):
        msg = email.message_from_bytes(raw)
        self.size = len(raw)
        self.fields = {}            # lower-case name -> [decoded values]
        for name, v in msg.raw_items():
            self.fields.setdefault(name.lower(), []).append(_hvalue(v))
        self.headers = ''           # every part's header, "Name: value"
        self.parts = []             # decoded text of each text part
        self.plain = []             # ... of each text/plain part
        for part in msg.walk():
            for name, v in part.raw_items():
                self.headers += '%s: %s\n' % (name, _hvalue(v))
            if part.is_multipart() or part.get_content_maintype() != 'text':
                continue
            text = _charset_decode(part.get_payload(decode=True),
                                   part.get_content_charset())
            if part.get_content_subtype() == 'html':
                text = html_to_text(text)
            else:
                self.plain.append(text)
            self.parts.append(text)
        self.body = '\n'.join(self.parts)
        self.flags = set(f.lower() for f in flags)
        self.internal_day = internal_day    # None: now
        d = msg['Date']
        t = email.utils.parsedate_tz(d) if d else None
        self.sent_day = datetime.date(t[0], t[1], t[2]) if t else \
            self.internal_day

    def field(self, name):
        v = self.fields.get(name.lower())
        return v[0] if v else None


def check_model(m, d):
    """Differences between what message m meant and what decode read."""
    errs = []
    for k, v in m.intended.items():
        if d.field(k) != v:
            errs.append('%s: meant %r, decoded %r' % (k, v, d.field(k)))
    got = [p.replace('\r\n', '\n') for p in d.plain]
    meant = [p.replace('\r\n', '\n') for p in m.plain_parts]
    if got != meant:
        errs.append('plain parts: meant %r, decoded %r' % (meant, got))
    return errs


# ---- queries ----

TEXT_KEYS = ['SUBJECT', 'FROM', 'TO', 'CC', 'BCC', 'BODY', 'TEXT']
FLAG_KEYS = {'SEEN': '\\seen', 'FLAGGED': '\\flagged',
             'ANSWERED': '\\answered', 'DELETED': '\\deleted',
             'DRAFT': '\\draft'}


def _source(d, key, rng):
    if key in ('SUBJECT', 'FROM', 'TO', 'CC', 'BCC'):
        return d.field(key) or ''
    if key == 'BODY':
        return d.body
    return rng.choice([d.headers, d.body])


def random_term(rng, decoded, key):
    """A search string: a piece of some message's text (length 1..8), a
    vocabulary word or part of one, or random letters; any case."""
    r = rng.random()
    t = ''
    for _ in range(20):
        if r < 0.6:
            src = _source(rng.choice(decoded), key, rng)
            if not src:
                continue
            n = rng.randrange(1, 9)
            i = rng.randrange(0, max(1, len(src) - n + 1))
            t = src[i:i + n]
        elif r < 0.85:
            w = rng.choice(WORDS + INTL * 2)
            i = rng.randrange(0, len(w))
            t = w if rng.random() < 0.5 else w[i:i + rng.randrange(1, 9)]
        else:
            alpha = 'abcdefghijklmnopqrstuvwxyzäöüßéèçłżёжщґїάέώđặ東京会議'
            t = ''.join(rng.choice(alpha) for _ in
                        range(rng.randrange(1, 6)))
        if t and '\r' not in t and '\n' not in t:
            break
        t = ''
    if not t:
        t = rng.choice(WORDS)
    c = rng.random()
    v = t.upper() if c < 0.25 else t.lower() if c < 0.5 else \
        t.swapcase() if c < 0.6 else t
    return v if len(v) == len(t) and v.lower() == t.lower() else t


def random_leaf(rng, decoded, textual=True):
    r = rng.random()
    if textual or r < 0.7:
        if rng.random() < 0.06:
            d = rng.choice(decoded)
            names = sorted(d.fields)
            name = rng.choice(names)
            if rng.random() < 0.3:
                return ('HEADER', name, '')
            v = d.fields[name][0]
            if not v:
                return ('HEADER', name, '')
            n = rng.randrange(1, 9)
            i = rng.randrange(0, max(1, len(v) - n + 1))
            return ('HEADER', rng.choice([name, name.upper(), name.lower()]),
                    v[i:i + n])
        key = rng.choice(TEXT_KEYS + ['BODY', 'TEXT', 'SUBJECT'])
        return (key, random_term(rng, decoded, key))
    r = rng.random()
    if r < 0.5:
        k = rng.choice(list(FLAG_KEYS))
        return (k,) if rng.random() < 0.5 else ('UN' + k,)
    if r < 0.65:
        return (rng.choice(['KEYWORD', 'UNKEYWORD']),
                rng.choice(['$Work', '$work', 'Urgent', 'URGENT', 'Other']))
    if r < 0.8:
        d = rng.choice(decoded)
        return (rng.choice(['LARGER', 'SMALLER']), d.size + rng.choice(
            [-1, 0, 1, 100, -100]))
    if r < 0.9:
        lo = rng.randrange(1, len(decoded) + 1)
        hi = rng.randrange(lo, len(decoded) + 1)
        return ('UID', lo, hi)
    d = rng.choice(decoded)
    day = d.internal_day or datetime.date(2020, 6, 1)
    return (rng.choice(['SINCE', 'BEFORE', 'ON', 'SENTSINCE', 'SENTBEFORE',
                        'SENTON']), day)


def random_query(rng, decoded):
    """A list of keys (ANDed): one text key, or a small combination."""
    r = rng.random()
    leaf = random_leaf(rng, decoded)
    if r < 0.6:
        return [leaf]
    other = random_leaf(rng, decoded, textual=rng.random() < 0.5)
    if r < 0.72:
        return [('NOT', leaf)]
    if r < 0.84:
        return [('OR', leaf, other)]
    if r < 0.94:
        return [leaf, other]
    return [('NOT', ('OR', leaf, other)), random_leaf(rng, decoded, False)]


def _lit(s):
    b = s.encode('utf-8')
    return b'{%d+}\r\n' % len(b) + b


def _date(d):
    return ('%d-%s-%d' % (d.day, MONTHS[d.month - 1], d.year)).encode()


def render_key(k):
    op = k[0]
    if op in ('NOT',):
        return b'NOT ' + render_key(k[1])
    if op == 'OR':
        return b'OR ' + render_key(k[1]) + b' ' + render_key(k[2])
    if op == 'HEADER':
        return b'HEADER ' + _lit(k[1]) + b' ' + _lit(k[2])
    if op in TEXT_KEYS:
        return op.encode() + b' ' + _lit(k[1])
    if op in ('KEYWORD', 'UNKEYWORD'):
        return ('%s %s' % k).encode()
    if op in ('LARGER', 'SMALLER'):
        return ('%s %d' % (op, max(0, k[1]))).encode()
    if op == 'UID':
        return ('UID %d:%d' % (k[1], k[2])).encode()
    if op in ('SINCE', 'BEFORE', 'ON', 'SENTSINCE', 'SENTBEFORE', 'SENTON'):
        return op.encode() + b' ' + _date(k[1])
    return op.encode()


def render(q):
    return b' '.join(render_key(k) for k in q)


def describe(q):
    return render(q).decode('utf-8', 'replace').replace('\r\n', '')


def _has(text, term):
    return text is not None and term.lower() in text.lower()


def matches_key(k, d, uid, today):
    op = k[0]
    if op == 'NOT':
        return not matches_key(k[1], d, uid, today)
    if op == 'OR':
        return matches_key(k[1], d, uid, today) or \
            matches_key(k[2], d, uid, today)
    if op in ('SUBJECT', 'FROM', 'TO', 'CC', 'BCC'):
        return _has(d.field(op), k[1])
    if op == 'BODY':
        return _has(d.body, k[1])
    if op == 'TEXT':
        return _has(d.headers, k[1]) or _has(d.body, k[1])
    if op == 'HEADER':
        vals = d.fields.get(k[1].lower(), [])
        return any(_has(v, k[2]) for v in vals)
    if op in FLAG_KEYS:
        return FLAG_KEYS[op] in d.flags
    if op[2:] in FLAG_KEYS:
        return FLAG_KEYS[op[2:]] not in d.flags
    if op == 'KEYWORD':
        return k[1].lower() in d.flags
    if op == 'UNKEYWORD':
        return k[1].lower() not in d.flags
    if op == 'LARGER':
        return d.size > max(0, k[1])
    if op == 'SMALLER':
        return d.size < max(0, k[1])
    if op == 'UID':
        return k[1] <= uid <= k[2]
    day = d.internal_day or today
    if op.startswith('SENT'):
        day = d.sent_day or today
        op = op[4:]
    return day < k[1] if op == 'BEFORE' else day == k[1] if op == 'ON' \
        else day >= k[1]


def matches(q, d, uid, today):
    return all(matches_key(k, d, uid, today) for k in q)


def where(d, term):
    """Where term occurs in d (for failure reports)."""
    out = []
    for label, text in [('subject', d.field('subject')),
                        ('from', d.field('from')), ('to', d.field('to')),
                        ('cc', d.field('cc')), ('bcc', d.field('bcc')),
                        ('headers', d.headers), ('body', d.body)]:
        if text and term.lower() in text.lower():
            i = text.lower().index(term.lower())
            out.append('%s: %r' % (label, text[max(0, i - 20):
                                               i + len(term) + 20]))
    return out
