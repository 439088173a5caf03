"""Runs a command on a pseudo-terminal (so it sees a person's terminal), copies what it
printed to stdout, and exits with its status. Used to test what ssox does interactively."""
import os
import pty
import sys

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
# PTY_PROMPT/PTY_ANSWER: type the answer once the prompt has appeared, as a person would.
prompt = os.environ.get("PTY_PROMPT", "").encode()
answer = os.environ.get("PTY_ANSWER", "").encode()
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if prompt and prompt in out:
        os.write(fd, answer + b"\n")
        prompt = b""
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.stdout.flush()
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
