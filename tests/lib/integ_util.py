"""Extra helpers for the integration tests in tests/integ/ (on top of
imaptest.py): the processes behind a systemd-socket-activate listener,
/proc, log polling, gnutls-cli driven line by line, and a checker that
collects several failures before failing.

    import imaptest, integ_util as iu
    port = env.listen()
    c = env.connect(port)
    pid = iu.wait_spawned(env, port, 1)        # the server for connection 1
    iu.proc_status(pid)['Uid']
    code = iu.wait_child_exit(env, port, pid)  # its exit status
"""

import os
import re
import select
import shlex
import shutil
import ssl
import subprocess
import time

import imaptest


# ---------------------------------------------------------------- logs

def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'backslashreplace')
    except OSError:
        return ''


def listen_log_path(env, port):
    return os.path.join(env.dir, 'listen.%d.log' % port)


def listen_log(env, port):
    """Everything the listener on port and its sessions wrote so far."""
    return read_text(listen_log_path(env, port))


def wait_for(pred, timeout=10, step=0.02):
    """Poll pred() until it returns something true; return it, or None
    after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def wait_log(path_or_fn, regex, timeout=10):
    """Wait until the text (a path, or a function returning the text)
    has a line matching regex (re.search); return the match or None."""
    rx = re.compile(regex, re.M)
    get = path_or_fn if callable(path_or_fn) else (
        lambda: read_text(path_or_fn))
    return wait_for(lambda: rx.search(get()), timeout)


_SPAWNED_RE = re.compile(r'^Spawned .* as PID (\d+)\.?$', re.M)


def spawned_pids(env, port):
    """PIDs of the sessions the listener started, in connection order."""
    return [int(m.group(1)) for m in _SPAWNED_RE.finditer(
        listen_log(env, port))]


def wait_spawned(env, port, n, timeout=10):
    """PID of the n-th session (1-based) started on port."""
    pids = wait_for(lambda: (lambda p: p if len(p) >= n else None)(
        spawned_pids(env, port)), timeout)
    if not pids:
        imaptest.fail('listener on port %d did not start session %d: %s'
                      % (port, n, ' / '.join(imaptest.tail(
                          listen_log(env, port), 5))))
    return pids[n - 1]


def child_exit(env, port, pid):
    """Exit status of a session of the listener (systemd-socket-activate
    logs "Child N died with code C"), or None while it runs."""
    m = re.search(r'^Child %d died with code (-?\d+)' % pid,
                  listen_log(env, port), re.M)
    return int(m.group(1)) if m else None


def wait_child_exit(env, port, pid, timeout=10):
    """Wait for the session process pid of the listener on port to end;
    return its exit status, or fail after timeout seconds."""
    m = wait_log(lambda: listen_log(env, port),
                 r'^Child %d died with code (-?\d+)' % pid, timeout)
    if m is None:
        imaptest.fail('session process %d did not exit within %gs'
                      % (pid, timeout))
    return int(m.group(1))


def session_lines(text, pid):
    """The log lines of one session process (liteimapd[PID]: ...)."""
    tag = 'liteimapd[%d]:' % pid
    return [l for l in text.splitlines() if tag in l]


# ---------------------------------------------------------------- /proc

def proc_alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            st = f.read()
    except OSError:
        return False
    # a zombie has exited already
    return st[st.rindex(')') + 2:][:1] != 'Z'


def proc_status(pid):
    """/proc/PID/status as {key: value text}."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            out[k] = v.strip()
    return out


def proc_rss_kb(pid):
    """VmRSS in kB, or None if the process is gone."""
    try:
        v = proc_status(pid).get('VmRSS')
    except OSError:
        return None
    return int(v.split()[0]) if v else None


def proc_cmdline(pid, title=True):
    """/proc/PID/cmdline as text.  title=True: a process title set with
    setproctitle(3), i.e. up to the first NUL, trailing blanks removed
    (what follows may be stale bytes of the old argv/environ area);
    title=False: every argument, NULs as spaces."""
    with open('/proc/%d/cmdline' % pid, 'rb') as f:
        data = f.read()
    if title:
        data = data.split(b'\0', 1)[0]
    return data.replace(b'\0', b' ').decode('utf-8', 'replace').strip()


def wrapped():
    """True if the binaries run under a wrapper (valgrind, ...)."""
    return bool(imaptest.binaries()[2])


def under_valgrind():
    return any('valgrind' in w for w in imaptest.binaries()[2])


# ---------------------------------------------------------------- TLS

def insecure_context(min_version=None, max_version=None):
    """A client context that does not verify the server."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if min_version is not None:
        ctx.minimum_version = min_version
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


def client_hello():
    """The bytes of a real TLS ClientHello (made with a memory BIO)."""
    ctx = insecure_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False,
                       server_hostname='localhost')
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    data = out.read()
    imaptest.check(len(data) > 50 and data[0] == 0x16,
                   'could not make a ClientHello')
    return data


class GnutlsCli:
    """gnutls-cli as a line-oriented client: send() a line (CRLF added),
    readline() the next stdout line (its own '- ...' notes included).

    gnutls-cli's --crlf option only converts the first LF of each read,
    so lines are sent with CRLF already and without --crlf."""

    def __init__(self, port, args=(), host='127.0.0.1', timeout=None,
                 cwd=None):
        imaptest.need_cmd('gnutls-cli')
        self.timeout = imaptest.DEFAULT_TIMEOUT if timeout is None \
            else timeout
        self.argv = ['gnutls-cli'] + list(args) + ['-p', str(port), host]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd,
                                     start_new_session=True)
        self.buf = bytearray()
        self.lines = []         # everything read so far
        self.eof = False

    def send(self, line):
        self.proc.stdin.write(line.encode() + b'\r\n')
        self.proc.stdin.flush()

    def readline(self, timeout=None):
        """Next stdout line without its line end; None at EOF."""
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else timeout)
        fd = self.proc.stdout.fileno()
        while True:
            i = self.buf.find(b'\n')
            if i >= 0:
                line = bytes(self.buf[:i]).rstrip(b'\r').decode(
                    'utf-8', 'backslashreplace')
                del self.buf[:i + 1]
                self.lines.append(line)
                return line
            if self.eof:
                if self.buf:
                    line = self.buf.decode('utf-8', 'backslashreplace')
                    self.buf.clear()
                    self.lines.append(line)
                    return line
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise imaptest.Timeout('gnutls-cli: no line within the '
                                       'timeout; so far: %r'
                                       % self.lines[-10:])
            r, _, _ = select.select([fd], [], [], left)
            if r:
                data = os.read(fd, 65536)
                if data:
                    self.buf += data
                else:
                    self.eof = True

    def until(self, pred, what, timeout=None):
        """Read lines until pred(line); return that line."""
        while True:
            line = self.readline(timeout)
            if line is None:
                imaptest.fail('gnutls-cli: EOF while waiting for %s; '
                              'output: %r; stderr: %s' % (
                                  what, self.lines[-15:], self.stderr()))
            if pred(line):
                return line

    def command(self, tag, cmd, timeout=None):
        """Send 'tag cmd'; return (untagged lines, tagged line)."""
        self.send('%s %s' % (tag, cmd))
        got = []
        while True:
            line = self.until(lambda l: True, 'the %s reply' % tag, timeout)
            if line.startswith(tag + ' '):
                return got, line
            got.append(line)

    def close(self, timeout=10):
        """Close stdin, wait; return the exit status."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            imaptest.kill_proc(self.proc)
            rc = self.proc.returncode
        rest = self.proc.stdout.read()
        if rest:
            self.buf += rest
        self.eof = True
        while self.readline() is not None:
            pass
        return rc

    def stderr(self):
        if self.proc.poll() is None:
            return '(running)'
        return self.proc.stderr.read().decode('utf-8', 'backslashreplace')

    def kill(self):
        if self.proc.poll() is None:
            imaptest.kill_proc(self.proc)


def run_gnutls_cli_once(port, args, lines, timeout=20):
    """Feed lines (each sent with CRLF after a short pause) to a one-shot
    gnutls-cli; return CompletedProcess (text)."""
    imaptest.need_cmd('gnutls-cli')
    script = '; '.join("sleep 0.3; printf '%%s\\r\\n' %s" % shlex.quote(l)
                       for l in lines)
    cmd = '(%s; sleep 1) | gnutls-cli %s -p %d 127.0.0.1' % (
        script, ' '.join(shlex.quote(a) for a in args), port)
    return subprocess.run(['sh', '-c', cmd], capture_output=True, text=True,
                          errors='backslashreplace', timeout=timeout,
                          stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------- checks

class Checks:
    """Collects failed checks so that one run reports all of them:

        ck = Checks()
        ck.check(rc == 0, 'init: exit %d' % rc)
        ...
        ck.done()       # fails with every message if any check failed
    """

    def __init__(self):
        self.errors = []
        self.n = 0

    def check(self, cond, msg):
        self.n += 1
        if not cond:
            self.errors.append(msg)
            print('check failed: %s' % msg)
        return bool(cond)

    def done(self):
        if self.errors:
            imaptest.fail('%d of %d checks failed: %s' % (
                len(self.errors), self.n, ' | '.join(self.errors)))


def have(cmd):
    return shutil.which(cmd) is not None


def caps_of(line):
    """The capability names in a '* CAPABILITY ...' or '[CAPABILITY ...]'
    line, upper-cased."""
    m = re.search(r'\[CAPABILITY ([^\]]*)\]', line)
    if m:
        text = m.group(1)
    else:
        m = re.match(r'\* CAPABILITY (.*)', line)
        imaptest.check(m is not None, 'not a capability line: %r' % line)
        text = m.group(1)
    return set(w.upper() for w in text.split())
