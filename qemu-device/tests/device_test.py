#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-vsem device tests on the real, built QEMU.

QEMU runs with the qtest accelerator: this script plays the guest driver
over the qtest protocol (PCI configuration, guest memory, MMIO), as QEMU's
own qtests do, and reads the device's counters with qom-get over QMP. The
virtual clock only moves when the test says so, which makes the rate limit
deterministic. Output is TAP.

    device_test.py QEMU-BINARY
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

VENDOR, DEVICE = 0x1AF4, 0x1040 + 56
F_LEVEL2, F_VERSION_1 = 1 << 0, 1 << 32
F_HISTORY, F_HOST_LEVEL, F_PREFIXES, F_CTRL_VQ = 1 << 1, 1 << 2, 1 << 3, 1 << 4
DESC, AVAIL, USED, DATA = 0x100000, 0x101000, 0x102000, 0x200000
# The control queue's rings and buffers (spec section 8).
CDESC, CAVAIL, CUSED, CDATA = 0x110000, 0x111000, 0x112000, 0x300000
CTRL_BUF = 512
M_STATUS, M_SETTINGS, M_HISTORY, M_PREFIXES = 1, 2, 3, 4
ST_ACCEPTED, ST_VERSION, ST_THROTTLED = 0, 3, 9
BAR = 0xE0000000
QSIZE = 64

REPORT_HDR = struct.Struct("<HHIQIBBHII")       # 32 bytes
REJECT_NAMES = ("writable", "size", "version", "entry", "level", "count",
                "value", "seq")
ENTRY_HDR = struct.Struct("<HHI")               # 8 bytes


def entry(etype, body):
    body += b"\0" * (-len(body) % 8)
    return ENTRY_HDR.pack(etype, 8 + len(body), 0) + body


def report(seq, level=1, entries=None, version=1, fix_len=True, anomalies=0):
    if entries is None:
        net = struct.pack("<10Q", 1234, 99999, 10, 2000, 0, 0, 3, 1, 2, 7)
        hv = struct.pack("<QQ", 55, 0)
        wl = struct.pack("<IIQQII", 250, 120, 300000, 700000, 1, 9)
        entries = [entry(1, net), entry(2, hv), entry(3, wl)]
    body = b"".join(entries)
    n = len(body) + REPORT_HDR.size if fix_len else 0
    return REPORT_HDR.pack(version, len(entries), n, seq, 1000, level,
                           0, 0, anomalies, 0) + body


class Qemu:
    def __init__(self, binary, device_args, expect_fail=False):
        self.dir = tempfile.mkdtemp(prefix="vsem-test.")
        qt_path, qmp_path = (os.path.join(self.dir, n) for n in ("qt", "qmp"))
        listeners = []
        for path in (qt_path, qmp_path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            s.listen(1)
            listeners.append(s)
        args = [binary] + os.environ.get("VSEM_QEMU_ARGS", "").split() + [
                "-machine", "q35", "-accel", "qtest", "-m", "64",
                "-nodefaults", "-display", "none",
                "-qtest", "unix:" + qt_path, "-qtest-log", "/dev/null",
                "-chardev", "socket,path=%s,id=qmp" % qmp_path,
                "-mon", "chardev=qmp,mode=control"] + device_args
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE)
        self.stderr = b""
        if expect_fail:
            try:
                self.stderr = self.proc.communicate(timeout=30)[1]
            except subprocess.TimeoutExpired:   # it did not fail: kill it
                self.proc.kill()
                self.stderr = self.proc.communicate()[1]
            return
        for s in listeners:
            s.settimeout(60)
        try:
            self.qt = listeners[0].accept()[0].makefile("rw", buffering=1)
            self.qmp = listeners[1].accept()[0].makefile("rw", buffering=1)
            json.loads(self.qmp.readline())
            self.cmd("qmp_capabilities")
        except (OSError, ValueError) as e:
            self.proc.kill()
            err = self.proc.communicate()[1].decode(errors="replace")
            raise RuntimeError("QEMU did not start (%s): %s" % (e, err))

    def cmd(self, name, **args):
        self.qmp.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        while True:
            r = json.loads(self.qmp.readline())
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError(r["error"]["desc"])
            return r["return"]

    def qtest(self, line):
        self.qt.write(line + "\n")
        while True:
            r = self.qt.readline().split()
            if r and r[0] == "IRQ":
                continue
            if not r or r[0] != "OK":
                raise RuntimeError("qtest %s: %s" % (line, r))
            return int(r[1], 16) if len(r) > 1 else None

    def out(self, width, port, val):
        self.qtest("out%s 0x%x 0x%x" % (width, port, val))

    def inp(self, width, port):
        return self.qtest("in%s 0x%x" % (width, port))

    def write(self, width, addr, val):
        self.qtest("write%s 0x%x 0x%x" % (width, addr, val))

    def read(self, width, addr):
        return self.qtest("read%s 0x%x" % (width, addr))

    def mem(self, addr, data):
        self.qtest("write 0x%x 0x%x 0x%s" % (addr, len(data), data.hex()))

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.cmd("quit")
            except (OSError, ValueError, RuntimeError):
                pass
            self.proc.wait(timeout=60)
        return self.proc.returncode


class Driver:
    """Just enough of a modern virtio-pci driver, in the qtest's hands."""

    def __init__(self, q, features=F_LEVEL2 | F_VERSION_1, early_ctrl=0):
        self.q = q
        self.features = features
        self.early_ctrl = early_ctrl    # ctrl buffers before DRIVER_OK
        self.dev = self.find()
        self.init()

    def init(self):
        """Reset the device and set it up again, as a driver's probe does."""
        q, features = self.q, self.features
        self.cfg_w(4, 0x20, BAR)            # BAR4, 64-bit memory BAR
        self.cfg_w(4, 0x24, 0)
        self.cfg_w(2, 0x04, 0x6)            # memory space, bus master
        self.caps = self.virtio_caps()
        common = self.caps[1]
        self.common = common
        q.write("b", common + 20, 0)        # reset
        q.write("b", common + 20, 1 | 2)    # ACKNOWLEDGE | DRIVER
        q.write("l", common + 0, 0)
        self.offered = q.read("l", common + 4)
        q.write("l", common + 0, 1)
        self.offered |= q.read("l", common + 4) << 32
        q.write("l", common + 8, 0)
        q.write("l", common + 12, features & 0xFFFFFFFF)
        q.write("l", common + 8, 1)
        q.write("l", common + 12, features >> 32)
        q.write("b", common + 20, 1 | 2 | 8)    # FEATURES_OK
        assert q.read("b", common + 20) & 8, "FEATURES_OK refused"
        q.write("w", common + 22, 0)            # queue_select
        self.qsize = q.read("w", common + 24)
        assert self.qsize >= QSIZE
        q.mem(AVAIL, b"\0" * 4)
        q.mem(USED, b"\0" * 4)
        q.mem(CAVAIL, b"\0" * 4)
        q.mem(CUSED, b"\0" * 4)
        self.notify = self.queue(0, DESC, AVAIL, USED)
        self.ctrl_avail = self.ctrl_used = 0
        if features & F_CTRL_VQ:
            self.ctrl_notify = self.queue(1, CDESC, CAVAIL, CUSED)
            if self.early_ctrl:
                self.post_ctrl(self.early_ctrl, notify=False)
        q.write("b", common + 20, 1 | 2 | 8 | 4)    # DRIVER_OK
        self.avail_idx = 0
        self.taken = 0                  # buffers sent in this epoch

    def queue(self, index, desc, avail, used):
        """Set up virtqueue @index; its notification address."""
        q, common = self.q, self.common
        q.write("w", common + 22, index)        # queue_select
        assert q.read("w", common + 24) >= QSIZE
        q.write("w", common + 24, QSIZE)
        q.write("q", common + 32, desc)
        q.write("q", common + 40, avail)
        q.write("q", common + 48, used)
        notify_off = q.read("w", common + 30)
        q.write("w", common + 28, 1)            # queue_enable
        return self.caps[2] + notify_off * self.notify_mult

    def post_ctrl(self, n, size=CTRL_BUF, writable=True, notify=True):
        """Make n control buffers available and notify the ctrlq."""
        for i in range(n):
            slot = (self.ctrl_avail + i) % QSIZE
            self.q.mem(CDESC + 16 * slot,
                       struct.pack("<QIHH", CDATA + slot * 4096, size,
                                   2 if writable else 0, 0))
            self.q.mem(CAVAIL + 4 + 2 * slot, struct.pack("<H", slot))
        self.ctrl_avail = (self.ctrl_avail + n) & 0xFFFF
        self.q.mem(CAVAIL + 2, struct.pack("<H", self.ctrl_avail))
        if notify:
            self.q.write("w", self.ctrl_notify, 1)

    def ctrl_read(self):
        """The messages of the control buffers used since the last call,
        as [(type, body)], and how many buffers came back."""
        msgs, n = [], 0
        while self.ctrl_used != self.q.read("w", CUSED + 2):
            elem = CUSED + 4 + 8 * (self.ctrl_used % QSIZE)
            slot, length = self.q.read("l", elem), self.q.read("l", elem + 4)
            data = self.read_mem(CDATA + slot * 4096, length)
            off = 0
            while off + 8 <= length:
                mtype, mlen, _ = ENTRY_HDR.unpack_from(data, off)
                assert mlen >= 8 and mlen % 8 == 0 and off + mlen <= length
                msgs.append((mtype, data[off + 8:off + mlen]))
                off += mlen
            assert off == length, "a message runs past the bytes written"
            self.ctrl_used = (self.ctrl_used + 1) & 0xFFFF
            n += 1
        return msgs, n

    def read_mem(self, addr, n):
        if not n:
            return b""
        self.q.qt.write("read 0x%x 0x%x\n" % (addr, n))
        while True:
            r = self.q.qt.readline().split()
            if r and r[0] == "IRQ":
                continue
            assert r[0] == "OK", r
            return bytes.fromhex(r[1][2:])

    def cfg_addr(self, off):
        return 0x80000000 | self.dev << 8 | (off & 0xFC)

    def cfg_r(self, width, off):
        self.q.out("l", 0xCF8, self.cfg_addr(off))
        port = 0xCFC + (off & 3)
        return self.q.inp({1: "b", 2: "w", 4: "l"}[width], port)

    def cfg_w(self, width, off, val):
        self.q.out("l", 0xCF8, self.cfg_addr(off))
        self.q.out({1: "b", 2: "w", 4: "l"}[width], 0xCFC + (off & 3), val)

    def find(self):
        for slot in range(32):
            self.dev = slot << 3
            if self.cfg_r(4, 0) == (DEVICE << 16 | VENDOR):
                return self.dev
        raise RuntimeError("no virtio-vsem PCI device (1af4:%04x)" % DEVICE)

    def virtio_caps(self):
        caps, ptr = {}, self.cfg_r(1, 0x34)
        while ptr:
            if self.cfg_r(1, ptr) == 0x09:      # vendor-specific: virtio
                ctype, bar = self.cfg_r(1, ptr + 3), self.cfg_r(1, ptr + 4)
                off = self.cfg_r(4, ptr + 8)
                if bar == 4 and ctype not in caps:
                    caps[ctype] = BAR + off
                    if ctype == 2:
                        self.notify_mult = self.cfg_r(4, ptr + 16)
            ptr = self.cfg_r(1, ptr + 1)
        return caps

    def used_idx(self):
        return self.q.read("w", USED + 2)

    def send(self, buffers):
        """Queue buffers [(bytes, writable)] and notify; wait for all."""
        start = self.used_idx()
        addr = DATA
        for i, (data, writable) in enumerate(buffers):
            d = (self.avail_idx + i) % QSIZE
            self.q.mem(addr, data or b"\0")
            self.q.mem(DESC + 16 * d,
                       struct.pack("<QIHH", addr, len(data), 2 if writable else 0, 0))
            self.q.mem(AVAIL + 4 + 2 * ((self.avail_idx + i) % QSIZE),
                       struct.pack("<H", d))
            addr += (len(data) + 4095) & ~4095
        self.avail_idx = (self.avail_idx + len(buffers)) & 0xFFFF
        self.taken += len(buffers)
        self.q.mem(AVAIL + 2, struct.pack("<H", self.avail_idx))
        self.q.write("w", self.notify, 0)
        # ioeventfd=off: the device handles the kick during the write.
        done = (self.used_idx() - start) & 0xFFFF
        return done


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d %s" % ("" if cond else "not ", self.n, name))
        if not cond and detail:
            print("# " + str(detail).replace("\n", "\n# "))


def backend(q, prop):
    return q.cmd("qom-get", path="/machine/peripheral/vsem/virtio-backend",
                 property=prop)


def statuses(msgs):
    """(seq, result, detail, lost) of each STATUS message."""
    return [struct.unpack("<QB3xIQ", body[:24]) for mtype, body in msgs
            if mtype == M_STATUS]


def ctrl_tests(qemu, t):
    """The control queue (spec section 8) and the v1 fallback."""
    dev = ["-device", "virtio-vsem-pci,id=vsem,ioeventfd=off,"
           "max-reports-per-s=1000"]
    q = Qemu(qemu, dev)
    d = Driver(q, features=F_LEVEL2 | F_VERSION_1 | F_HISTORY |
               F_HOST_LEVEL | F_PREFIXES | F_CTRL_VQ)

    def paced(buffers):
        """Each buffer on its own, 10 ms apart: none is throttled."""
        for data in buffers:
            q.qtest("clock_step 10000000")
            d.send([(data, False)])

    t.ok(d.offered & F_CTRL_VQ, "the device offers CTRL_VQ", hex(d.offered))
    msgs, _ = d.ctrl_read()
    t.ok(not msgs, "no control buffer, no message")
    d.post_ctrl(1)
    msgs, n = d.ctrl_read()
    sets = [struct.unpack("<IB3x", b[:8]) for m, b in msgs if m == M_SETTINGS]
    pfx = [b[0] for m, b in msgs if m == M_PREFIXES]
    t.ok(n == 1 and sets == [(1000, 0)] and pfx == [0] and
         not [m for m, b in msgs if m == M_HISTORY],
         "after DRIVER_OK the driver's first buffer brings the settings "
         "and prefixes (no history yet)", msgs)

    paced([report(1), report(2, version=9), report(2)])
    d.post_ctrl(1)
    msgs, n = d.ctrl_read()
    st = statuses(msgs)
    t.ok(n == 1 and st == [(1, ST_ACCEPTED, 0, 0), (2, ST_VERSION, 0, 0),
                           (2, ST_ACCEPTED, 0, 0)],
         "each report gets a status, in order, in one buffer: accepted, "
         "rejected with its reason", st)
    paced([b"\x01\x00"])
    d.post_ctrl(1)
    st = statuses(d.ctrl_read()[0])
    t.ok(st == [(0, 2, 0, 0)], "a buffer too short for a seq: seq 0, size",
         st)

    # No buffer: 16 statuses wait, the rest are counted, and said so.
    paced([report(3, version=9)] * 20)
    t.ok(backend(q, "status-lost") == 4,
         "with no control buffer, 16 statuses wait and 4 are counted lost")
    d.post_ctrl(1)
    msgs, n = d.ctrl_read()
    st = statuses(msgs)
    t.ok(n == 1 and len(st) == 16 and all(s == (3, ST_VERSION, 0, 4)
                                          for s in st),
         "the 16 arrive in one buffer, each saying 4 were lost", st)

    # Throttled reports are told so.
    q.qtest("clock_step 1000000000")
    acc = backend(q, "accepted")
    d.send([(report(d.taken + 1 + i), False) for i in range(5)])
    d.post_ctrl(1)
    st = statuses(d.ctrl_read()[0])
    t.ok([s[1] for s in st] == [ST_ACCEPTED] * 2 + [ST_THROTTLED] * 3 and
         backend(q, "accepted") == acc + 2,
         "5 reports at once: 2 accepted, 3 throttled, each told so", st)

    # D8.1: buffers made available before DRIVER_OK, without a kick.
    d.early_ctrl = 1
    d.init()
    msgs, n = d.ctrl_read()
    t.ok(n == 1 and [m for m, b in msgs if m == M_SETTINGS],
         "after a reset, a buffer given before DRIVER_OK brings the "
         "settings at DRIVER_OK, with no kick", msgs)
    d.early_ctrl = 0
    q.qtest("clock_step 1000000000")

    # Buffers the device cannot use are returned empty and counted.
    d.post_ctrl(1, size=64)
    paced([report(3, version=9)])
    d.post_ctrl(1, writable=False)
    d.post_ctrl(1)
    msgs, n = d.ctrl_read()
    t.ok(backend(q, "ctrl-bad-buffers") == 2 and n == 3 and
         len(statuses(msgs)) == 1,
         "control buffers under 512 bytes or device-readable come back "
         "empty, counted; the status waits for a good one", (n, msgs))

    # Migration: statuses waiting for a buffer travel and are checked.
    paced([report(3, version=9)] * 3)
    state = os.path.join(q.dir, "ctrl-state")
    q.cmd("migrate", uri="exec:cat > " + state)
    for _ in range(10000):
        status = q.cmd("query-migrate").get("status")
        if status in ("completed", "failed"):
            break
    q.quit()
    blob = open(state, "rb").read()
    name = b"virtio-vsem-device/ctrl"
    at = blob.find(name)
    t.ok(status == "completed" and at > 0 and
         blob[at + len(name) + 5] == 3,
         "the control subsection carries the 3 waiting statuses")
    q = Qemu(qemu, dev + ["-incoming", "exec:cat " + state])
    for _ in range(10000):
        if q.cmd("query-status")["status"] != "inmigrate":
            break
    t.ok(backend(q, "ctrl-bad-buffers") == 2, "and loads on the other side")
    q.quit()
    for what, off, value, word in (
            ("18 waiting statuses", 5, b"\x12", b"more statuses pending"),
            ("an unknown message pending", 4, b"\x80", b"unknown control"),
            ("a status of result 200", 6 + 8, b"\xc8", b"a pending status")):
        bad = os.path.join(q.dir, "bad")
        with open(bad, "wb") as f:
            o = at + len(name) + off
            f.write(blob[:o] + value + blob[o + len(value):])
        q = Qemu(qemu, dev + ["-incoming", "exec:cat " + bad],
                 expect_fail=True)
        t.ok(q.proc.returncode != 0 and word in q.stderr,
             "a stream with %s is refused" % what,
             q.stderr.decode(errors="replace"))

    # ctrl-vq=off: a revision-1 device, one queue.
    q = Qemu(qemu, ["-device", "virtio-vsem-pci,id=vsem,ioeventfd=off,"
                    "ctrl-vq=off"])
    d = Driver(q, features=F_LEVEL2 | F_VERSION_1)
    q.write("w", d.common + 22, 1)
    t.ok(q.read("l", d.caps[4]) == 1 and not d.offered & F_CTRL_VQ and
         q.read("w", d.common + 24) == 0,
         "ctrl-vq=off: revision 1, no CTRL_VQ, no queue 1")
    q.quit()

    # A version-1 driver (no CTRL_VQ): nothing is sent on queue 1.
    q = Qemu(qemu, dev)
    d = Driver(q, features=F_LEVEL2 | F_VERSION_1 | F_HOST_LEVEL)
    t.ok(q.read("l", d.caps[4]) == 2, "config space: spec revision 2")
    q.qtest("clock_step 100000000")
    d.send([(report(1), False)])
    t.ok(backend(q, "accepted") == 1 and backend(q, "ctrl-sent") == 0,
         "a version-1 driver's reports are accepted, nothing goes to a "
         "control queue it does not have")
    q.quit()


def main():
    qemu = sys.argv[1]
    t = Tap()
    print("TAP version 13")

    # Realize-time validation: clear errors, QEMU refuses to start.
    for bad, word in (("interval-ms=5", "interval-ms"),
                      ("max-report-size=100000", "max-report-size"),
                      ("max-report-size=255", "max-report-size"),
                      ("max-reports-per-s=0", "max-reports-per-s")):
        q = Qemu(qemu, ["-device", "virtio-vsem-pci," + bad], expect_fail=True)
        t.ok(q.proc.returncode != 0 and word.encode() in q.stderr,
             "realize refuses %s" % bad, q.stderr.decode(errors="replace"))

    q = Qemu(qemu, ["-device", "virtio-vsem-pci", "-device",
                    "virtio-vsem-pci"], expect_fail=True)
    t.ok(q.proc.returncode != 0 and b"at most one device" in q.stderr,
         "a second virtio-vsem device is refused",
         q.stderr.decode(errors="replace"))

    # The non-PCI alias resolves to the PCI device on x86.
    q = Qemu(qemu, ["-device", "virtio-vsem,id=vsem"])
    t.ok(backend(q, "accepted") == 0, "-device virtio-vsem works")
    t.ok(q.quit() == 0, "QEMU exits cleanly")

    q = Qemu(qemu, ["-device", "virtio-vsem-pci,id=vsem,ioeventfd=off"])
    d = Driver(q)
    t.ok(d.offered & (F_LEVEL2 | F_VERSION_1) == F_LEVEL2 | F_VERSION_1,
         "device offers VERSION_1 and LEVEL2", hex(d.offered))

    done = d.send([(report(1), False)])
    last = json.loads(backend(q, "last-report"))
    t.ok(done == 1 and backend(q, "accepted") == 1, "a valid report is accepted")
    # No kvm-sec.ko on the build machine: the device works on its own.
    st = backend(q, "kvm-sec-status")
    t.ok(st == "not a KVM VM: nothing to forward" and
         backend(q, "forwarded") == 0 and backend(q, "forward-errors") == 0,
         "without a KVM VM nothing is forwarded, and that is no error", st)
    t.ok(last.get("net", {}).get("tx_packets") == 1234 and
         last.get("workload", {}).get("cpu_permille") == 250,
         "its fields are readable with qom-get", last)

    cases = [
        ("version", report(2, version=9)),
        ("size", report(2, fix_len=False)),
        ("size", b"\xff" * 5000),
        ("size", b"\x01\x00"),
        ("seq", report(1)),
        ("seq", report(2**64 - 1)),
        ("level", report(2, level=3)),
        ("entry", report(2, entries=[ENTRY_HDR.pack(1, 12, 0) + b"\0" * 4])),
        ("count", report(2, entries=[entry(99, b"")] * 65)),
        ("value", report(2, entries=[entry(3, struct.pack("<IIQQII", 5000, 0, 0, 0, 0, 0))])),
    ]
    for reason, data in cases:
        q.qtest("clock_step 100000000")     # a token of the rate limit
        before = backend(q, "rejected-" + reason)
        done = d.send([(data, False)])
        t.ok(done == 1 and backend(q, "rejected-" + reason) == before + 1,
             "rejected and counted: %s" % reason)
    done = d.send([(report(2), True)])
    t.ok(done == 1 and backend(q, "rejected-writable") == 1,
         "a device-writable buffer is rejected, and returned")
    t.ok(backend(q, "accepted") == 1, "no rejected report was taken")

    # Sequence numbers (spec 5.4): 2^64-1 was refused and left no trace;
    # the next number is accepted, as are bits of features not yet known.
    q.qtest("clock_step 100000000")
    d.send([(report(2, anomalies=1 << 31 | 1), False)])
    last = json.loads(backend(q, "last-report"))
    t.ok(backend(q, "accepted") == 2 and last.get("anomalies") == 1,
         "after seq 2^64-1, seq 2 is accepted; unknown anomaly bits ignored",
         last)

    # Rate limit: a token bucket of 2 at 10 a second (spec D5.3).
    def flood(n):
        """n reports at this instant, numbered as an honest driver does;
        how many were accepted."""
        acc = backend(q, "accepted")
        d.send([(report(d.taken + 1 + i), False) for i in range(n)])
        return backend(q, "accepted") - acc

    q.qtest("clock_step 2000000000")
    thr = backend(q, "throttled")
    got = flood(60)
    t.ok(got == 2 and backend(q, "throttled") == thr + 58,
         "60 reports at once: a burst of 2 passes, 58 are throttled, counted",
         "accepted %d" % got)
    # One report every 10 ms for 3 s: 10 a second, whatever the phase.
    acc = 0
    for _ in range(300):
        q.qtest("clock_step 10000000")
        acc += flood(1)
    t.ok(30 <= acc <= 32, "one report every 10 ms for 3 s: %d pass (30..32)"
         % acc)
    # A reset (a new epoch) does not refill the bucket.
    got = flood(5)
    epoch = backend(q, "epoch")
    d.init()
    t.ok(backend(q, "epoch") == epoch + 1 and backend(q, "last-seq") == 0,
         "a reset starts a new epoch and forgets the last seq")
    got = flood(5)
    t.ok(got == 0, "a reset does not refill the rate limit (%d passed)" % got)
    q.qtest("clock_step 100000000")
    acc = backend(q, "accepted")
    d.send([(report(1), False)])
    t.ok(backend(q, "accepted") == acc + 1 and backend(q, "last-seq") == 1,
         "the new epoch numbers from 1 again", backend(q, "last-seq"))

    # Migration: the counters, the epoch and the sequence state travel.
    props = ("accepted", "throttled", "rejected-size", "last-seq", "epoch")
    before = {p: backend(q, p) for p in props}
    state = os.path.join(q.dir, "state")
    q.cmd("migrate", uri="exec:cat > " + state)
    for _ in range(10000):      # bounded wait for a local file write
        status = q.cmd("query-migrate").get("status")
        if status in ("completed", "failed"):
            break
    t.ok(status == "completed", "the device migrates out", status)
    counters = [backend(q, "rejected-" + r) for r in REJECT_NAMES]
    q.quit()
    dev = ["-device", "virtio-vsem-pci,id=vsem,ioeventfd=off"]
    q = Qemu(qemu, dev + ["-incoming", "exec:cat " + state])
    for _ in range(10000):
        if q.cmd("query-status")["status"] != "inmigrate":
            break
    after = {p: backend(q, p) for p in props}
    t.ok(after == before, "and in, with its counters and epoch",
         (before, after))
    q.quit()

    # A tampered stream is refused, naming the field. The device's state
    # is found by its counters (big-endian u64s, spec order in vmstate).
    blob = open(state, "rb").read()
    tail = struct.pack(">QQ", before["last-seq"], before["accepted"]) + \
        struct.pack(">Q", 0) + struct.pack(">%dQ" % len(counters), *counters)
    at = blob.find(tail)
    t.ok(at > 315 and blob.find(tail, at + 1) < 0,
         "the device's state is found in the stream")
    for what, off, value, word in (
            ("commanded level 255", at - 315, b"\xff", b"commanded level"),
            ("interval 1 ms", at - 314, struct.pack(">I", 1), b"interval"),
            ("last_seq 2^64-1", at, b"\xff" * 8, b"last sequence number"),
            ("prefix count 9", at - 161, b"\x09", b"prefixes")):
        bad = os.path.join(q.dir, "bad")
        with open(bad, "wb") as f:
            f.write(blob[:off] + value + blob[off + len(value):])
        q = Qemu(qemu, dev + ["-incoming", "exec:cat " + bad],
                 expect_fail=True)
        t.ok(q.proc.returncode != 0 and word in q.stderr and
             b"migration stream refused" in q.stderr,
             "a stream with %s is refused" % what,
             q.stderr.decode(errors="replace"))

    ctrl_tests(qemu, t)

    # Level-2 data without the feature negotiated.
    q = Qemu(qemu, ["-device", "virtio-vsem-pci,id=vsem,ioeventfd=off"])
    d = Driver(q, features=F_VERSION_1)
    d.send([(report(1, level=2), False)])
    t.ok(backend(q, "rejected-level") == 1,
         "level 2 is refused unless negotiated")
    t.ok(q.quit() == 0, "QEMU survived every hostile report")

    print("1..%d" % t.n)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
