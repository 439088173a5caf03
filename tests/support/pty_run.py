"""Runs a command on a pseudo-terminal (so it sees a person's terminal), copies what it
printed to stdout, and exits with its status. Used to test what ssox does interactively.

A person is played by a script: PTY_SCRIPT is a JSON list of [expect, send] pairs; each
`send` is typed once `expect` has appeared in the output (after the previous match).
PTY_PROMPT/PTY_ANSWER is the one-step form (the answer is followed by Enter). Nothing here
waits for a time to pass: input goes out when the output asks for it. A run that stops
making progress for PTY_DEADLINE seconds (default 60) is killed and reported (exit 124), so a
test fails instead of hanging."""
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
# A real terminal has a size; a bare pty says 0x0.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
steps = [(e.encode(), s.encode()) for e, s in json.loads(os.environ.get("PTY_SCRIPT", "[]"))]
if os.environ.get("PTY_PROMPT"):
    steps.append((os.environ["PTY_PROMPT"].encode(), os.environ.get("PTY_ANSWER", "").encode() + b"\n"))
deadline = float(os.environ.get("PTY_DEADLINE", "60"))
out = b""
seen = 0
last_progress = time.monotonic()
while True:
    ready, _, _ = select.select([fd], [], [], 1.0)
    if not ready:
        if time.monotonic() - last_progress > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.stdout.write(f"\npty_run: no progress for {deadline} s; waiting for {steps[:1]!r}\n")
            sys.exit(124)
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    last_progress = time.monotonic()
    while steps:
        expect, send = steps[0]
        i = out.find(expect, seen)
        if i < 0:
            break
        seen = i + len(expect)
        os.write(fd, send)
        steps.pop(0)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.stdout.flush()
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
