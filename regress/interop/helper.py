# helper.py -- small host-side tools for interop_test.sh.
#
#   helper.py sink PORTFILE OUTFILE BYTES
#       listen on 127.0.0.1 (port chosen by the kernel, written to
#       PORTFILE), accept one connection, store what it sends until EOF or
#       BYTES bytes, then close (so a client that never half-closes ends).
#   helper.py probe SECONDS [--lcp] -- CMD ...
#       run CMD on a fresh pty (its stdin, stdout and stderr) and report
#       what the server says: its text lines, and with --lcp whether it
#       answers an LCP Configure-Request (RFC 1661, HDLC-like framing of
#       RFC 1662).  Prints "text LINE" per line and "lcp yes|no".

import os
import pty
import select
import signal
import socket
import sys
import time
import tty


def sink(portfile, outfile, nbytes):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    c, _ = s.accept()
    got = 0
    with open(outfile, "wb") as f:
        while got < nbytes:
            b = c.recv(65536)
            if not b:
                break
            f.write(b)
            got += len(b)
    c.close()
    s.close()


def fcs16(data):
    fcs = 0xFFFF
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs ^ 0xFFFF


def hdlc(payload):
    f = payload + fcs16(payload).to_bytes(2, "little")
    out = bytearray(b"\x7e")
    for b in f:
        if b < 0x20 or b in (0x7D, 0x7E):
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    out.append(0x7E)
    return bytes(out)


def lcp_confreq():
    # Code 1, id 1, one option: magic number.
    opts = bytes([5, 6, 0x12, 0x34, 0x56, 0x78])
    lcp = bytes([1, 1, 0, 4 + len(opts)]) + opts
    return hdlc(b"\xff\x03\xc0\x21" + lcp)


def frames(buf):
    """Unescaped frames with a good FCS found in buf."""
    out = []
    for raw in buf.split(b"\x7e"):
        f = bytearray()
        esc = False
        for b in raw:
            if b == 0x7D:
                esc = True
                continue
            f.append(b ^ 0x20 if esc else b)
            esc = False
        if len(f) >= 4 and fcs16(bytes(f[:-2])) == \
                int.from_bytes(f[-2:], "little"):
            out.append(bytes(f[:-2]))
    return out


def is_lcp(f):
    if f[:2] == b"\xff\x03":
        f = f[2:]
    # LCP is never sent with its protocol field compressed (RFC 1661).
    return f[:2] == b"\xc0\x21"


def probe(seconds, lcp, cmd):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            # Raw from the start: a cooked pty would echo our request.
            tty.setraw(0)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    buf = bytearray()
    end = time.time() + seconds
    sent = 0
    answered = False
    while time.time() < end:
        if lcp and time.time() >= sent + 1:
            try:
                os.write(fd, lcp_confreq())
            except OSError:
                pass
            sent = time.time()
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        try:
            b = os.read(fd, 4096)
        except OSError:
            break
        if not b:
            break
        buf += b
        req = frames(lcp_confreq())[0]
        if (not lcp and b"Ready" in buf) or b"not supported" in buf:
            time.sleep(0.3)
            break
        if lcp and any(is_lcp(f) and f != req for f in frames(bytes(buf))):
            answered = True
            break
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    for _ in range(50):
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # The text between frames: drop every segment that is a frame.
    text = b"\n".join(seg for seg in bytes(buf).split(b"\x7e")
                      if not frames(b"\x7e" + seg + b"\x7e"))
    for line in text.decode("ascii", "replace").splitlines():
        line = "".join(c for c in line if c.isprintable()).strip()
        if line:
            print("text", line)
    if lcp:
        print("lcp", "yes" if answered else "no")


def main():
    a = sys.argv[1:]
    if a[:1] == ["sink"] and len(a) == 4:
        sink(a[1], a[2], int(a[3]))
    elif a[:1] == ["probe"] and "--" in a:
        i = a.index("--")
        probe(float(a[1]), "--lcp" in a[2:i], a[i + 1:])
    else:
        sys.stderr.write("usage: helper.py sink|probe ...\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
