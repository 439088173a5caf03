"""A stand-in for a person with a browser: opens the URL ssox hands to $BROWSER and follows
redirects, so the fake IAM Identity Center's /authorize sends it on to ssox's loopback
callback (PKCE), or its /device page approves the user code (device flow). A file:// page
(ssox console's private forwarding page) is read and its meta refresh followed, as a browser
does; its mode and its directory's are logged."""
import os
import re
import sys
import urllib.parse
import urllib.request

url = sys.argv[1]
log = os.environ.get("FAKE_BROWSER_LOG")
if log:
    with open(log, "a") as f:
        f.write(url + "\n")
if url.startswith("file://"):
    path = urllib.parse.unquote(url[len("file://"):])
    modes = (os.stat(path).st_mode & 0o777, os.stat(os.path.dirname(path)).st_mode & 0o777)
    with open(path) as page:
        url = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page.read()).group(1)
    if log:
        with open(log, "a") as f:
            f.write("file-mode: %o dir-mode: %o\n" % modes)
            f.write("forwarded: " + url + "\n")
q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
callback = q.get("redirect_uri", [None])[0]
idle = []
if callback and os.environ.get("FAKE_BROWSER_IDLE"):
    # Other local programs holding connections to the callback open and silent, for the
    # whole login.
    import socket

    parsed = urllib.parse.urlparse(callback)
    for _ in range(int(os.environ["FAKE_BROWSER_IDLE"])):
        idle.append(socket.create_connection((parsed.hostname, parsed.port)))
if callback and os.environ.get("FAKE_BROWSER_FORGE_FIRST"):
    # Forged callbacks with the wrong state must be refused without ending the login.
    for _ in range(int(os.environ["FAKE_BROWSER_FORGE_FIRST"])):
        try:
            urllib.request.urlopen(callback + "?code=forged&state=wrong", timeout=10).read()
        except Exception as e:  # 400 is expected
            with open(log or os.devnull, "a") as f:
                f.write(f"forged: {e}\n")
def get(url):
    try:
        return urllib.request.urlopen(url, timeout=30).read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()


if os.environ.get("FAKE_BROWSER_RETRY"):
    # Started before the program listens for the redirect (the AWS CLI's order): the
    # authorize page is fetched without following it, and the redirect retried until the
    # listener answers.
    import time

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=30)
        location = None
    except urllib.error.HTTPError as e:
        location = e.headers.get("Location")
    body = ""
    for _ in range(150):
        try:
            body = get(location)
            break
        except urllib.error.URLError:
            time.sleep(0.1)
else:
    body = get(url)
if log:
    with open(log, "a") as f:
        f.write("page: " + body.replace("\n", " ") + "\n")
