"""PROGRAM for the `ssox --server` tests. argv[1] picks what it does:

rotate   - botocore fetches through the container endpoint twice; prints what it saw
probe    - raw requests with missing, wrong and right tokens, other methods and paths
signal   - prints "ready", exits 42 when SIGTERM arrives
ctrlc    - counts the SIGINTs a Ctrl-C on the terminal brings
steps    - fetch, then one more fetch per line read from stdin; prints each status
"""
import json
import os
import signal
import sys
import urllib.error
import urllib.request

URL = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
TOKEN = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")


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
elif mode == "steps":
    print("status:", fetch()[0], flush=True)
    for _ in sys.stdin:
        print("status:", fetch()[0], flush=True)
