"""A driver for tests with several liteimapd processes on one database
(tests/integ/conc-*): sessions with automatic tags, replies split into
untagged and tagged parts, APPEND with literals, IDLE, parsers for
EXISTS / EXPUNGE / VANISHED / FETCH, and a client-side model of the
sequence-number -> UID map that checks every untagged response against
what the client was told before.

    import imaptest, multi
    a = multi.Session.spawn(env, 'alice', 'A')     # liteimapd -u alice
    b = multi.Session.spawn(env, 'alice', 'B')
    a.ok('SELECT INBOX')
    r = b.append('INBOX', [b'Subject: x\\r\\n\\r\\nbody\\r\\n'])
    uv, uids = r.appenduid()
    r = a.ok('NOOP')
    multi.exists(r.untagged)                       # -> 1

Every read has a deadline (the session's timeout, SESSION_TIMEOUT by
default); a missing line is a Failure, never a hang.

`python3 multi.py worker SPEC.json` is one process of the load test
(conc-load), see load_worker().
"""

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import imaptest
from imaptest import Failure, check, fail


# ---------------------------------------------------------------- parsing

_TAGGED_RE = re.compile(r'(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])?(?: (.*))?\Z',
                        re.S)


def uid_set(text):
    """'1:3,7,9:8' -> sorted list of numbers (no '*')."""
    out = set()
    if not text:
        return []
    for part in text.split(','):
        if ':' in part:
            a, b = part.split(':', 1)
            a, b = int(a), int(b)
            if a > b:
                a, b = b, a
            out.update(range(a, b + 1))
        else:
            out.add(int(part))
    return sorted(out)


def fmt_set(nums):
    """Sorted numbers -> '1:3,7'."""
    nums = sorted(set(nums))
    out = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else '%d:%d' % (nums[i], nums[j]))
        i = j + 1
    return ','.join(out)


class Reply:
    """One command's result: .untagged (lines), .tagged (line), .status
    ('OK', 'NO', 'BAD'), .code (text inside [...] or None), .text, and
    .elapsed (seconds from sending to the tagged line)."""

    def __init__(self, cmd, untagged, tagged, elapsed=0.0):
        self.cmd = cmd
        self.untagged = untagged
        self.tagged = tagged
        self.elapsed = elapsed
        m = _TAGGED_RE.match(tagged)
        if m is None:
            self.status = None
            self.code = None
            self.text = tagged
        else:
            self.status = m.group(2)
            self.code = m.group(3)
            self.text = m.group(4) or ''

    @property
    def ok(self):
        return self.status == 'OK'

    def appenduid(self):
        """(uidvalidity, [uids]) from [APPENDUID uv set], or None."""
        if self.code is None:
            return None
        m = re.match(r'APPENDUID (\d+) ([\d:,]+)\Z', self.code)
        if m is None:
            return None
        return int(m.group(1)), uid_set(m.group(2))

    def __repr__(self):
        return 'Reply(%r -> %r, untagged=%r)' % (self.cmd, self.tagged,
                                                 self.untagged[-8:])


def exists(lines):
    """The last '* N EXISTS' count in lines, or None."""
    n = None
    for line in lines:
        m = re.match(r'\* (\d+) EXISTS\Z', line)
        if m:
            n = int(m.group(1))
    return n


def recent(lines):
    n = None
    for line in lines:
        m = re.match(r'\* (\d+) RECENT\Z', line)
        if m:
            n = int(m.group(1))
    return n


def expunges(lines):
    """Sequence numbers of '* n EXPUNGE' lines, in order."""
    return [int(m.group(1)) for m in
            (re.match(r'\* (\d+) EXPUNGE\Z', l) for l in lines) if m]


def vanished(lines, earlier=None):
    """UIDs of '* VANISHED [(EARLIER)] set' lines (earlier=None: both
    kinds, True: only (EARLIER), False: only without)."""
    out = []
    for line in lines:
        m = re.match(r'\* VANISHED( \(EARLIER\))? ([\d:,]+)\Z', line)
        if m is None:
            continue
        e = m.group(1) is not None
        if earlier is None or earlier == e:
            out += uid_set(m.group(2))
    return sorted(out)


_FETCH_RE = re.compile(r'\* (\d+) FETCH \((.*)\)\Z', re.S)


def parse_fetch(line):
    """'* n FETCH (...)' -> dict seq, uid, flags (list or None), modseq;
    None for other lines.  Literal data is inline (imaptest logical lines)."""
    m = _FETCH_RE.match(line)
    if m is None:
        return None
    body = m.group(2)
    d = {'seq': int(m.group(1)), 'uid': None, 'flags': None,
         'modseq': None, 'raw': line}
    u = re.search(r'(?:^|[ (])UID (\d+)', body)
    if u:
        d['uid'] = int(u.group(1))
    f = re.search(r'(?:^|[ (])FLAGS \(([^)]*)\)', body)
    if f:
        d['flags'] = f.group(1).split()
    ms = re.search(r'(?:^|[ (])MODSEQ \((\d+)\)', body)
    if ms:
        d['modseq'] = int(ms.group(1))
    return d


def fetches(lines):
    return [d for d in (parse_fetch(l) for l in lines) if d is not None]


def code_value(lines, name):
    """N from '* OK [NAME N] ...' among lines, or None."""
    for line in lines:
        m = re.match(r'\* OK \[%s (\d+)\]' % name, line)
        if m:
            return int(m.group(1))
    return None


def literal_body(line, what='BODY[]'):
    """The rendered literal of item what ('BODY[]') in a FETCH line: what
    follows 'BODY[] {n}' up to the closing parenthesis (the item must be
    the last one).  Compare it with render(original bytes)."""
    m = re.search(re.escape(what) + r' \{\d+\}', line)
    if m is None:
        return None
    rest = line[m.end():]
    return rest[:-1] if rest.endswith(')') else None


def render(data):
    return imaptest.render(data)


# ---------------------------------------------------------------- model

class View:
    """The client's sequence number -> UID map for the selected mailbox,
    updated from untagged responses as a client must (RFC 9051 7.4.1,
    RFC 7162 3.2.10).  Unknown UIDs (after EXISTS) are None until a FETCH
    tells them.  apply() returns a list of protocol errors found."""

    def __init__(self, uids=()):
        self.uids = list(uids)

    def __len__(self):
        return len(self.uids)

    def apply(self, lines):
        errs = []
        for line in lines:
            m = re.match(r'\* (\d+) (EXISTS|EXPUNGE)\Z', line)
            if m:
                n = int(m.group(1))
                if m.group(2) == 'EXISTS':
                    if n < len(self.uids):
                        errs.append('EXISTS %d below the %d messages known '
                                    '(no EXPUNGE said so)'
                                    % (n, len(self.uids)))
                    self.uids += [None] * (n - len(self.uids))
                else:
                    if not 1 <= n <= len(self.uids):
                        errs.append('EXPUNGE %d out of range 1..%d'
                                    % (n, len(self.uids)))
                    else:
                        del self.uids[n - 1]
                continue
            m = re.match(r'\* VANISHED ([\d:,]+)\Z', line)
            if m:
                for u in uid_set(m.group(1)):
                    if u in self.uids:
                        self.uids.remove(u)
                    elif None in self.uids:
                        errs.append('VANISHED %d: not known (the model has '
                                    'unknown UIDs)' % u)
                continue
            d = parse_fetch(line)
            if d is not None:
                n = d['seq']
                if not 1 <= n <= len(self.uids):
                    errs.append('FETCH %d out of range 1..%d: %r'
                                % (n, len(self.uids), line[:200]))
                    continue
                if d['uid'] is not None:
                    if self.uids[n - 1] is None:
                        self.uids[n - 1] = d['uid']
                    elif self.uids[n - 1] != d['uid']:
                        errs.append('FETCH %d says UID %d, the client knows '
                                    'UID %d at that number'
                                    % (n, d['uid'], self.uids[n - 1]))
        for i in range(1, len(self.uids)):
            a, b = self.uids[i - 1], self.uids[i]
            if a is not None and b is not None and a >= b:
                errs.append('UIDs not ascending in sequence order: %d at %d, '
                            '%d at %d' % (a, i, b, i + 1))
                break
        return errs


# ---------------------------------------------------------------- sessions

class Session:
    """One liteimapd process (or TCP connection) as an IMAP client."""

    def __init__(self, conn, name='S', timeout=None):
        self.c = conn
        self.name = name
        self.n = 0
        self.timeout = conn.timeout if timeout is None else timeout
        self.history = []       # last lines, for failure messages
        self.idle_tag = None

    @classmethod
    def spawn(cls, env, user=None, name=None, args=(), greeting=True,
              transport='pipe'):
        """liteimapd -u USER (a PREAUTH session) on pipes; greeting=True
        reads and checks the greeting."""
        conn = env.spawn(user=user, args=args, transport=transport)
        s = cls(conn, name or user or 'S')
        if greeting:
            g = s.readline()
            want = '* PREAUTH ' if user is not None else '* OK '
            check(g is not None and g.startswith(want),
                  '%s: greeting %r' % (s.name, g))
        return s

    @property
    def pid(self):
        return self.c.proc.pid if self.c.proc is not None else None

    def _note(self, direction, text):
        self.history.append('%s %s' % (direction, text[:300]))
        del self.history[:-30]

    def context(self):
        return '%s: last lines:\n    %s' % (self.name,
                                            '\n    '.join(self.history))

    def tag(self):
        self.n += 1
        return '%s%d' % (self.name, self.n)

    def send(self, line):
        self._note('C:', line)
        self.c.send(line)

    def readline(self, timeout=None):
        try:
            line = self.c.readline(self.timeout if timeout is None
                                   else timeout)
        except imaptest.Timeout as e:
            raise imaptest.Timeout('%s: no line within %gs (partial %r)\n%s'
                                   % (self.name, self.timeout if timeout is
                                      None else timeout, e.partial,
                                      self.context()), e.partial)
        self._note('S:', '<EOF>' if line is None else line)
        return line

    def _finish(self, cmd, tag, t0, timeout):
        lines = []
        while True:
            line = self.readline(timeout)
            if line is None:
                raise Failure('%s: EOF waiting for the reply to %r\n%s'
                              % (self.name, cmd, self.context()))
            if line.startswith(tag + ' '):
                return Reply(cmd, lines, line, time.monotonic() - t0)
            lines.append(line)

    def command(self, cmd, timeout=None):
        """Send 'TAG cmd'; the Reply (whatever its status)."""
        tag = self.tag()
        t0 = time.monotonic()
        self.send('%s %s' % (tag, cmd))
        return self._finish(cmd, tag, t0, timeout)

    def ok(self, cmd, timeout=None):
        """command(), failing unless the tagged status is OK."""
        r = self.command(cmd, timeout)
        if not r.ok:
            fail('%s: %s -> %s\n%s' % (self.name, cmd, r.tagged,
                                       self.context()))
        return r

    def append(self, mailbox, msgs, flags=None, sync=False, timeout=None):
        """APPEND (MULTIAPPEND for several) of msgs (bytes) to mailbox.
        sync=True uses synchronizing literals ({n} and '+'), else LITERAL+.
        Returns the Reply."""
        tag = self.tag()
        t0 = time.monotonic()
        head = '%s APPEND %s' % (tag, quote(mailbox))
        parts = []
        for i, m in enumerate(msgs):
            f = ' (%s)' % flags if flags is not None else ''
            lit = '{%d}' % len(m) if sync else '{%d+}' % len(m)
            parts.append(('%s%s %s' % (head if i == 0 else '', f, lit), m))
        self._note('C:', '%s APPEND %s (%d messages)' % (tag, mailbox,
                                                          len(msgs)))
        for i, (text, data) in enumerate(parts):
            self.c.send_raw(text.encode() + b'\r\n', timeout)
            if sync:
                line = self.readline(timeout)
                if line is None or not line.startswith('+'):
                    # refused before the literal: that was the reply
                    if line is not None and line.startswith(tag + ' '):
                        return Reply('APPEND', [], line,
                                     time.monotonic() - t0)
                    fail('%s: APPEND: expected "+", got %r\n%s'
                         % (self.name, line, self.context()))
            self.c.send_raw(data, timeout)
        self.c.send_raw(b'\r\n', timeout)
        return self._finish('APPEND %s' % mailbox, tag, t0, timeout)

    def idle(self, timeout=None):
        """Start IDLE: send it and wait for the continuation."""
        tag = self.tag()
        self.idle_tag = tag
        self.send('%s IDLE' % tag)
        pre = []
        while True:
            line = self.readline(timeout)
            if line is None:
                fail('%s: EOF after IDLE\n%s' % (self.name, self.context()))
            if line.startswith('+'):
                return pre
            if line.startswith(tag + ' '):
                fail('%s: IDLE refused: %r' % (self.name, line))
            pre.append(line)

    def done(self, timeout=None):
        """End IDLE; returns the Reply (untagged lines that came)."""
        tag = self.idle_tag
        self.idle_tag = None
        t0 = time.monotonic()
        self.send('DONE')
        return self._finish('IDLE', tag, t0, timeout)

    def lines_within(self, seconds):
        """Every line that arrives within seconds (none is fine)."""
        out = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                line = self.c.readline(left)
            except imaptest.Timeout as e:
                if e.partial:
                    # half a line: wait for the rest a little
                    line = self.readline(2)
                else:
                    return out
            self._note('S:', '<EOF>' if line is None else line)
            if line is None:
                out.append(None)
                return out
            out.append(line)

    def wait_line(self, pred, seconds, what):
        """Read lines until pred(line); (line, lines before, seconds
        taken).  Fails after seconds or at EOF."""
        t0 = time.monotonic()
        deadline = t0 + seconds
        before = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail('%s: no %s within %gs (got %r)\n%s'
                     % (self.name, what, seconds, before, self.context()))
            try:
                line = self.c.readline(left)
            except imaptest.Timeout:
                continue
            self._note('S:', '<EOF>' if line is None else line)
            if line is None:
                fail('%s: EOF while waiting for %s (got %r)\n%s'
                     % (self.name, what, before, self.context()))
            if pred(line):
                return line, before, time.monotonic() - t0
            before.append(line)

    def quiet(self, seconds=0.3):
        """Check that nothing arrives for a while."""
        got = self.lines_within(seconds)
        check(not got, '%s: unexpected output %r\n%s'
              % (self.name, got, self.context()))

    def logout(self):
        """LOGOUT: BYE, tagged OK, EOF, exit 0."""
        tag = self.tag()
        self.send('%s LOGOUT' % tag)
        r = self._finish('LOGOUT', tag, time.monotonic(), None)
        check(r.ok and any(l.startswith('* BYE') for l in r.untagged),
              '%s: LOGOUT: %r' % (self.name, r))
        self.expect_exit(0)

    def expect_exit(self, code=0, timeout=10):
        """EOF from the server, then its exit status is code."""
        rest = []
        while True:
            line = self.readline(timeout)
            if line is None:
                break
            rest.append(line)
        check(not rest, '%s: output after the end: %r' % (self.name, rest))
        if self.c.proc is not None:
            rc = self.c.wait(timeout)
            check(rc == code, '%s: %s, want exit %d; log: %s' % (
                self.name, imaptest.status_text(rc), code,
                ' / '.join(imaptest.tail(self.c.stderr_text(), 6))))

    def kill(self, sig=signal.SIGKILL):
        if self.c.proc is not None and self.c.proc.poll() is None:
            os.kill(self.c.proc.pid, sig)

    def close(self):
        try:
            self.c.close()
        except OSError:
            pass
        if self.c.proc is not None and self.c.proc.poll() is None:
            imaptest.kill_proc(self.c.proc)


def quote(s):
    if re.fullmatch(r'[A-Za-z0-9_./-]+', s):
        return s
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def message(tag, i, size=0, extra=''):
    """A unique small message (CRLF), size > 0 pads the body to about size
    bytes with lines of text."""
    head = ('From: %s <%s@example.org>\r\nTo: alice@example.org\r\n'
            'Subject: %s message %d%s\r\nMessage-ID: <%s.%d.%d@test>\r\n'
            '\r\n' % (tag, tag, tag, i, extra, tag, i, random.getrandbits(40)))
    body = 'Body of %s %d.\r\n' % (tag, i)
    if size > len(head) + len(body):
        line = ('%s-%d ' % (tag, i) * 12)[:76] + '\r\n'
        body += line * ((size - len(head) - len(body)) // len(line))
    return (head + body).encode()


def percentile(values, p):
    """Nearest-rank percentile of values (0 < p <= 100)."""
    v = sorted(values)
    if not v:
        return float('nan')
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def median(values):
    v = sorted(values)
    if not v:
        return float('nan')
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def sha(data):
    return hashlib.sha1(data).hexdigest()


# ---------------------------------------------------------------- load worker

class _RawSession(Session):
    """A Session on a liteimapd we started ourselves (load workers run
    outside a TestEnv)."""

    @classmethod
    def start(cls, argv, log_path, name, timeout):
        log = open(log_path, 'w+b')
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=log,
                                start_new_session=True)
        wfd = os.dup(proc.stdin.fileno())
        rfd = os.dup(proc.stdout.fileno())
        proc.stdin.close()
        proc.stdout.close()
        proc.stdin = proc.stdout = None
        conn = imaptest.PipeConn(wfd, rfd, timeout)
        conn.proc = proc
        conn.log_path = log_path
        conn.log_file = log
        return cls(conn, name, timeout)


def load_worker(spec):
    """One client of the load test.  spec: name, user, mailboxes, argv,
    log, out, seconds, seed, timeout.  Writes a JSON result to spec['out']:
    ops (count per kind), commands, failures (texts), appends [[mailbox,
    uidvalidity, uid, sha1, via]], expunged [[mailbox, uid]]."""
    rnd = random.Random(spec['seed'])
    random.seed(spec['seed'])
    name = spec['name']
    res = {'name': name, 'user': spec['user'], 'ops': {}, 'commands': 0,
           'failures': [], 'appends': [], 'expunged': [], 'elapsed': 0}
    mboxes = spec['mailboxes']
    s = None
    sel = None          # selected mailbox name
    view = None
    mine = {}           # mailbox -> set of own UIDs not expunged
    own = {}            # (mailbox, uid) -> bytes
    nmsg = 0
    t0 = time.monotonic()
    deadline = t0 + spec['seconds']

    def failure(text):
        res['failures'].append('%s: %s' % (name, text))

    def count(op):
        res['ops'][op] = res['ops'].get(op, 0) + 1

    def run(cmd, seq_cmd=False):
        """A command; protocol checks on its untagged lines; the Reply."""
        res['commands'] += 1
        r = s.command(cmd)
        check_reply(r, seq_cmd)
        return r

    def check_reply(r, seq_cmd=False):
        if not r.ok:
            failure('%s -> %s' % (r.cmd, r.tagged))
        for line in r.untagged:
            if line.startswith('* BYE') or line.startswith('* NO') or \
                    line.startswith('* BAD'):
                failure('%s: untagged %r' % (r.cmd, line))
        if seq_cmd and (expunges(r.untagged) or vanished(r.untagged)):
            failure('%s: EXPUNGE/VANISHED during a command with sequence '
                    'numbers: %r' % (r.cmd, r.untagged[:5]))
        if view is not None:
            for e in view.apply(r.untagged):
                failure('%s: %s' % (r.cmd, e))

    def do_append(several=False):
        nonlocal nmsg
        mb = rnd.choice(mboxes)
        n = rnd.randint(2, 4) if several else 1
        msgs = []
        for _ in range(n):
            nmsg += 1
            msgs.append(message(name, nmsg, rnd.choice((0, 0, 0, 2000,
                                                        20000))))
        flags = rnd.choice((None, None, '\\Seen', '\\Flagged $Load'))
        res['commands'] += 1
        r = s.append(mb, msgs, flags=flags, sync=rnd.random() < 0.3)
        check_reply(r)
        if not r.ok:
            return
        au = r.appenduid()
        if au is None or len(au[1]) != n:
            failure('APPEND %s: APPENDUID %r for %d messages' % (
                mb, r.code, n))
            return
        uv, uids = au
        for u, m in zip(uids, msgs):
            res['appends'].append([mb, uv, u, sha(m), 'multi' if several
                                   else 'append'])
            mine.setdefault(mb, set()).add(u)
            own[(mb, u)] = m

    def do_select():
        nonlocal sel, view
        mb = rnd.choice(mboxes)
        view = None
        r = run('SELECT %s' % quote(mb))
        if not r.ok:
            sel = None
            return
        sel = mb
        n = exists(r.untagged) or 0
        view = View([None] * n)
        if n:
            run('FETCH 1:* (UID)', True)

    def do_store():
        if not view:
            return
        n = len(view)
        op = rnd.choice(('+FLAGS', '-FLAGS', '+FLAGS.SILENT', '-FLAGS'))
        fl = rnd.choice(('\\Flagged', '\\Seen', '$Work', '\\Answered $X'))
        if rnd.random() < 0.5:
            a = rnd.randint(1, n)
            b = min(n, a + rnd.randint(0, 5))
            run('STORE %d:%d %s (%s)' % (a, b, op, fl), True)
        else:
            known = [u for u in view.uids if u is not None]
            if not known:
                return
            us = rnd.sample(known, min(len(known), rnd.randint(1, 4)))
            run('UID STORE %s %s (%s)' % (fmt_set(us), op, fl))

    def do_fetch():
        if not view:
            return
        if rnd.random() < 0.5:
            run('FETCH 1:* (UID FLAGS)', True)
        else:
            run('SEARCH FLAGGED', True)

    def do_fetch_own():
        if sel is None or not mine.get(sel):
            return
        u = rnd.choice(sorted(mine[sel]))
        r = run('UID FETCH %d (UID BODY.PEEK[])' % u)
        got = [d for d in fetches(r.untagged) if d['uid'] == u]
        if not got:
            failure('UID FETCH %d in %s: own message missing: %r'
                    % (u, sel, r.untagged[:3]))
            return
        body = literal_body(got[0]['raw'])
        if body is None:
            failure('UID FETCH %d: no BODY[]: %r' % (u, got[0]['raw'][:200]))
        elif body != render(own[(sel, u)]):
            failure('UID FETCH %d in %s: bytes differ' % (u, sel))

    def do_expunge_own():
        if sel is None or not view:
            return
        known = set(u for u in view.uids if u is not None)
        cand = sorted(mine.get(sel, set()) & known)
        if not cand:
            return
        us = rnd.sample(cand, min(len(cand), rnd.randint(1, 2)))
        r = run('UID STORE %s +FLAGS.SILENT (\\Deleted)' % fmt_set(us))
        if not r.ok:
            return
        r = run('UID EXPUNGE %s' % fmt_set(us))
        if r.ok:
            for u in us:
                mine[sel].discard(u)
                res['expunged'].append([sel, u])
            if any(u in view.uids for u in us):
                failure('UID EXPUNGE %s: still in the view afterwards: %r'
                        % (fmt_set(us), r.untagged[:6]))

    def do_idle():
        res['commands'] += 1
        pre = s.idle()
        got = s.lines_within(rnd.uniform(0.02, 0.15))
        r = s.done()
        r.untagged = pre + [l for l in got if l is not None] + r.untagged
        check_reply(r)

    def do_status():
        run('STATUS %s (MESSAGES UIDNEXT UNSEEN)' % quote(rnd.choice(mboxes)))

    def do_unselect():
        nonlocal sel, view
        if sel is None:
            return
        run('UNSELECT')
        sel = None
        view = None

    ops = [(do_append, 'append', 22), (lambda: do_append(True),
                                       'multiappend', 8),
           (do_select, 'select', 5), (do_store, 'store', 25),
           (do_fetch, 'fetch', 12), (do_fetch_own, 'fetch_own', 6),
           (do_expunge_own, 'expunge', 8), (do_idle, 'idle', 3),
           (do_status, 'status', 5), (lambda: run('NOOP'), 'noop', 5),
           (do_unselect, 'unselect', 1)]
    total = sum(w for _, _, w in ops)
    try:
        s = _RawSession.start(spec['argv'], spec['log'], name,
                              spec['timeout'])
        g = s.readline()
        if g is None or not g.startswith('* PREAUTH'):
            failure('greeting %r' % g)
            raise Failure('no greeting')
        do_select()
        while time.monotonic() < deadline:
            x = rnd.uniform(0, total)
            for fn, op, w in ops:
                x -= w
                if x <= 0:
                    break
            fn()
            count(op)
            if len(res['failures']) > 50:
                break
        res['commands'] += 1
        s.send('%s LOGOUT' % s.tag())
        while s.readline() is not None:
            pass
        rc = s.c.wait(10)
        if rc != 0:
            failure('exit status %s' % imaptest.status_text(rc))
    except Failure as e:
        failure('aborted: %s' % e)
    except Exception as e:
        import traceback
        failure('aborted: %r; %s; %s' % (e, traceback.format_exc()[-800:],
                                         s.context() if s else ''))
    finally:
        res['elapsed'] = time.monotonic() - t0
        if s is not None:
            s.close()
        with open(spec['out'] + '.tmp', 'w') as f:
            json.dump(res, f)
        os.rename(spec['out'] + '.tmp', spec['out'])


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'worker':
        with open(sys.argv[2]) as f:
            load_worker(json.load(f))
        sys.exit(0)
    sys.stderr.write('usage: multi.py worker SPEC.json\n')
    sys.exit(64)
