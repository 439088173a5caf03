"""PROGRAM for the `ssox --server` tests. argv[1] picks what it does:

rotate   - botocore fetches through the container endpoint twice; prints what it saw
probe    - raw requests with missing, wrong and right tokens, other methods and paths
signal   - prints "ready", exits 42 when SIGTERM arrives
ctrlc    - counts the SIGINTs a Ctrl-C on the terminal brings
slowloris - one connection trickles a byte every 0.2 s and never finishes its request;
           meanwhile a real fetch must succeed, and the server must close the trickling
           connection at its deadline although bytes keep coming; prints both outcomes
keys N   - fetch until N distinct access keys were served (for up to 60 s: the server
           renews on its own schedule); prints how many and the account
botokeys N - botocore's container provider (as the SDK in a container uses it) until it has
           seen N distinct access keys (for up to 60 s); prints how many, and the token's source
stranger - what a process without the token gets: prints the status of a request with no
           token and of one with a wrong token
tokenfile - checks the token file: prints its mode, its directory's, whether it ends in a
           newline, whether the token is also in the environment, and a fetch's status with it
steps    - fetch; then for each line "until STATUS" read from stdin, fetch until the answer
           has that status (for up to 30 s: the server renews on its own schedule); prints
           each status it settles on
"""
import json
import os
import signal
import sys
import urllib.error
import urllib.request

URL = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
TOKEN = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
TOKEN_FILE = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "")


def fetch(url=URL, token=TOKEN, method="GET"):
    req = urllib.request.Request(url, method=method)
    if token is not None:
        req.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


mode = sys.argv[1]
if mode == "rotate":
    import botocore.session

    static = [k for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN") if k in os.environ]
    print("static:", ",".join(static) or "none")
    print("profile:", os.environ.get("SSOX_PROFILE"), os.environ.get("AWS_REGION"))
    creds = botocore.session.Session().get_credentials()
    print("method:", creds.method)
    first = creds.get_frozen_credentials().access_key
    second = creds.get_frozen_credentials().access_key
    print("keys:", first, second)
elif mode == "keys":
    import time

    want, seen, account = int(sys.argv[2]), set(), None
    deadline = time.monotonic() + 60
    while len(seen) < want and time.monotonic() < deadline:
        status, body = fetch()
        if status == 200:
            doc = json.loads(body)
            seen.add(doc["AccessKeyId"])
            account = doc.get("AccountId")
        time.sleep(0.2)
    print("distinct keys:", len(seen))
    print("account:", account)
elif mode == "botokeys":
    import time

    import botocore.session

    want, seen = int(sys.argv[2]), set()
    creds = botocore.session.Session().get_credentials()
    deadline = time.monotonic() + 60
    while len(seen) < want and time.monotonic() < deadline:
        seen.add(creds.get_frozen_credentials().access_key)
        time.sleep(0.1)
    print("botocore keys:", len(seen), creds.method)
    print("token from:", "file" if TOKEN_FILE else "environment")
elif mode == "stranger":
    print("no token:", fetch(token=None)[0])
    print("wrong token:", fetch(token="x" * 43)[0])
elif mode == "tokenfile":
    import stat

    with open(TOKEN_FILE, "rb") as f:
        raw = f.read()
    print("file mode:", oct(stat.S_IMODE(os.stat(TOKEN_FILE).st_mode)))
    print("dir mode:", oct(stat.S_IMODE(os.stat(os.path.dirname(TOKEN_FILE)).st_mode)))
    print("newline:", raw.endswith(b"\n"))
    print("token in environment:", "AWS_CONTAINER_AUTHORIZATION_TOKEN" in os.environ)
    print("fetch:", fetch(token=raw.decode())[0])
elif mode == "probe":
    print("url:", URL)
    print("missing:", fetch(token=None)[0])
    print("wrong:", fetch(token=TOKEN + "x")[0])
    print("post:", fetch(method="POST")[0])
    print("other path:", fetch(url=URL.rsplit("/", 1)[0] + "/nope")[0])
    status, body = fetch()
    doc = json.loads(body)
    print("ok:", status, sorted(doc), doc["Expiration"])
elif mode == "signal":
    # os.write/os._exit: the signal may arrive while print() is still flushing "ready".
    signal.signal(signal.SIGTERM, lambda s, f: (os.write(1, b"got TERM\n"), os._exit(42)))
    os.write(1, b"ready\n")
    while True:
        signal.pause()
elif mode == "ctrlc":
    # Counts SIGINTs. After the first it asks ssox (its parent) to forward a SIGUSR1: a
    # SIGINT wrongly forwarded by ssox would have reached us before that SIGUSR1 does.
    count = [0]

    def on_int(s, f):
        count[0] += 1
        if count[0] == 1:
            os.kill(os.getppid(), signal.SIGUSR1)

    def on_usr1(s, f):
        os.write(1, f"INT count {count[0]}\n".encode())
        os._exit(0)

    signal.signal(signal.SIGINT, on_int)
    signal.signal(signal.SIGUSR1, on_usr1)
    os.write(1, b"ready\n")
    while True:
        signal.pause()
elif mode == "slowloris":
    import socket
    import threading
    import time
    from urllib.parse import urlparse

    u = urlparse(URL)
    slow = socket.create_connection((u.hostname, u.port))
    outcome = {}
    started = threading.Event()

    def trickle():
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                slow.sendall(b"G")
                started.set()
                slow.settimeout(0.2)
                try:
                    if slow.recv(1) == b"":
                        outcome["slow"] = "closed by the server"
                        return
                except socket.timeout:
                    pass
        except OSError:
            outcome["slow"] = "closed by the server"
            return
        outcome["slow"] = "still open after 30 s"

    t = threading.Thread(target=trickle)
    t.start()
    started.wait()  # the slow request is under way before the real one
    print("real:", fetch()[0], flush=True)
    t.join()
    print("slow:", outcome["slow"], flush=True)
elif mode == "steps":
    import time

    print("status:", fetch()[0], flush=True)
    for line in sys.stdin:
        want = int(line.split()[1])
        deadline = time.monotonic() + 30
        status = fetch()[0]
        while status != want and time.monotonic() < deadline:
            time.sleep(0.05)
            status = fetch()[0]
        print("status:", status, flush=True)
