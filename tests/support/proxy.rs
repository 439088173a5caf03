//! A forward proxy on 127.0.0.1 that sends everything to the fake: `CONNECT host:port` is
//! tunnelled to the fake's TLS port whatever the host, and an absolute-form request
//! (`GET http://host/path`) goes to its plain port. So the tests can use host names that
//! resolve nowhere: only a run that really goes through the proxy gets an answer. It records
//! each request line it saw. `refusing` answers every request 403 instead.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// `plain`: where absolute-form requests go; `tls`: where CONNECT tunnels lead.
    pub fn start(plain: SocketAddr, tls: Option<SocketAddr>) -> Proxy {
        Self::spawn(Some((plain, tls)))
    }

    /// A proxy that refuses every request with 403.
    pub fn refusing() -> Proxy {
        Self::spawn(None)
    }

    fn spawn(upstreams: Option<(SocketAddr, Option<SocketAddr>)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let log = log.clone();
                thread::spawn(move || handle(client, upstreams, &log));
            }
        });
        Proxy { url, seen }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The request lines seen so far (`CONNECT h:443 HTTP/1.1`, `GET http://h/p HTTP/1.1`).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn handle(
    mut client: TcpStream,
    upstreams: Option<(SocketAddr, Option<SocketAddr>)>,
    log: &Mutex<Vec<String>>,
) {
    // The request head, byte by byte so nothing after it is consumed.
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or("").to_string();
    log.lock().unwrap().push(line.clone());
    let Some((plain, tls)) = upstreams else {
        let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if line.starts_with("CONNECT ") {
        let Some(upstream) = tls.and_then(|a| TcpStream::connect(a).ok()) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_err()
        {
            return;
        }
        pump(client, upstream);
    } else {
        let Ok(mut upstream) = TcpStream::connect(plain) else {
            return;
        };
        if upstream.write_all(&head).is_err() {
            return;
        }
        pump(client, upstream);
    }
}

/// Copies both ways until either side closes.
fn pump(client: TcpStream, upstream: TcpStream) {
    let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = std::io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}
