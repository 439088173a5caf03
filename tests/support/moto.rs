//! moto's server as a real STS: one per test binary, on loopback, started on first use and
//! stopped when the test binary exits (its stdin closes, so the wrapper shell kills it). A
//! server that does not start fails the tests within seconds, saying what to install.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

struct Moto {
    url: String,
    _child: Child,
    _stdin: Mutex<ChildStdin>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// How long moto's server may take to say where it listens.
const START: Duration = Duration::from_secs(30);

/// The URL of the shared moto server (for `AWS_ENDPOINT_URL_STS`).
pub fn moto_url() -> &'static str {
    &MOTO
        .get_or_init(|| {
            let mut child = Command::new("sh")
                .args([
                    "-c",
                    // The shell waits for moto and says when it ends (only this shell can
                    // wait for it); a watcher kills it when our end of stdin closes. Fd 3,
                    // because a background job's own stdin would be /dev/null.
                    "exec 3<&0; python3 -m moto.server -H 127.0.0.1 -p 0 & pid=$!; \
                     (cat <&3 >/dev/null; kill $pid 2>/dev/null) & \
                     wait $pid; echo \"moto exited with status $?\" >&2",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("sh, to run moto's server");
            let stdin = child.stdin.take().unwrap();
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut seen = String::new();
                loop {
                    let mut line = String::new();
                    if err.read_line(&mut line).unwrap_or(0) == 0 {
                        let _ = tx.send(Err(seen));
                        return;
                    }
                    seen.push_str(&line);
                    if let Some(i) = line.find("http://127.0.0.1:") {
                        let _ = tx.send(Ok(line[i..].trim().to_string()));
                        break;
                    }
                    if line.starts_with("moto exited") {
                        let _ = tx.send(Err(seen));
                        return;
                    }
                }
                // Keep draining its request log so it never blocks on a full pipe.
                let mut sink = Vec::new();
                let _ = err.read_to_end(&mut sink);
            });
            let url = match rx.recv_timeout(START) {
                Ok(Ok(url)) => url,
                Ok(Err(seen)) => panic!(
                    "moto's server did not start; run the tests with scripts/test, or pip install 'moto[server]': {seen}"
                ),
                Err(_) => panic!(
                    "moto's server did not start within {}s; run the tests with scripts/test, or pip install 'moto[server]'",
                    START.as_secs()
                ),
            };
            Moto {
                url,
                _child: child,
                _stdin: Mutex::new(stdin),
            }
        })
        .url
}
