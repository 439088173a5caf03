//! moto's server as a real STS: one per test binary, on loopback, started on first use and
//! stopped when the test binary exits (its stdin closes, so the wrapper shell kills it).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

struct Moto {
    url: String,
    _child: Child,
    _stdin: Mutex<ChildStdin>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The URL of the shared moto server (for `AWS_ENDPOINT_URL_STS`).
pub fn moto_url() -> &'static str {
    &MOTO
        .get_or_init(|| {
            let mut child = Command::new("sh")
                .args([
                    "-c",
                    "python3 -m moto.server -H 127.0.0.1 -p 0 & pid=$!; cat >/dev/null; kill $pid",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("sh for moto (pip install 'moto[server]')");
            let stdin = child.stdin.take().unwrap();
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let mut seen = String::new();
            let url = loop {
                let mut line = String::new();
                assert!(
                    err.read_line(&mut line).unwrap() > 0,
                    "moto's server did not start (pip install 'moto[server]'): {seen}"
                );
                seen.push_str(&line);
                if let Some(i) = line.find("http://127.0.0.1:") {
                    break line[i..].trim().to_string();
                }
            };
            // Keep draining its request log so it never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = err.read_to_end(&mut sink);
            });
            Moto {
                url,
                _child: child,
                _stdin: Mutex::new(stdin),
            }
        })
        .url
}
