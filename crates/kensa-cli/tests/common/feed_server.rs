//! A real HTTP/1.1 server on 127.0.0.1 for the update tests: serves files
//! from memory (an OSV bucket layout built from ../shared/data), logs every
//! request, and injects faults per path: an HTTP status, 429 with
//! Retry-After, a body cut short of its Content-Length, a slow response.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One fault, used up by one request for its path.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// Answer with this status and an empty body.
    Status(u16),
    /// 429 Too Many Requests with `Retry-After: seconds`.
    RetryAfter(u64),
    /// The full Content-Length, then only this many bytes and a closed connection.
    Truncate(usize),
    /// Wait this long before answering.
    Slow(Duration),
}

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    faults: HashMap<String, VecDeque<Fault>>,
    log: Vec<String>,
    /// A delay before every response (for the kill test).
    delay: Duration,
}

pub(crate) struct FeedServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
    }
}

impl FeedServer {
    pub(crate) fn start(files: HashMap<String, Vec<u8>>) -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State { files, ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = thread_state.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        FeedServer { address, state, stop }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(crate) fn set(&self, path: &str, bytes: Vec<u8>) {
        self.state.lock().unwrap().files.insert(path.to_owned(), bytes);
    }

    pub(crate) fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.state.lock().unwrap().files.get(path).cloned()
    }

    pub(crate) fn fault(&self, path: &str, fault: Fault) {
        self.state.lock().unwrap().faults.entry(path.to_owned()).or_default().push_back(fault);
    }

    pub(crate) fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// The paths requested since the last call, in order.
    pub(crate) fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

fn decode_path(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                decoded.push(byte);
                index += 3;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut if_none_match = None;
    let mut range_start = None;
    let mut if_range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim().to_owned();
            if name.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value);
            } else if name.eq_ignore_ascii_case("if-range") {
                if_range = Some(value);
            } else if name.eq_ignore_ascii_case("range") {
                range_start =
                    value.strip_prefix("bytes=").and_then(|range| range.strip_suffix('-')?.parse::<usize>().ok());
            }
        }
    }
    let raw_target = request_line.split_whitespace().nth(1).unwrap_or("/");
    // A file may be registered for one query string (`api?startIndex=0`); the
    // query is otherwise ignored.
    let (raw_path, query) = raw_target.split_once('?').unwrap_or((raw_target, ""));
    let path = decode_path(raw_path.trim_start_matches('/'));
    let with_query = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
    let (fault, body, delay) = {
        let mut state = state.lock().unwrap();
        state.log.push(with_query.clone());
        let fault = state.faults.get_mut(&path).and_then(VecDeque::pop_front);
        let body = state.files.get(&with_query).or_else(|| state.files.get(&path)).cloned();
        (fault, body, state.delay)
    };
    std::thread::sleep(delay);
    let mut stream = stream;
    // An ETag of the contents, honoured in If-None-Match, as object stores do.
    let etag = body.as_ref().map(|body| {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        format!("\"{:016x}\"", hasher.finish())
    });
    let respond = |stream: &mut TcpStream, status: &str, extra: &str, body: &[u8], sent: usize| {
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n", body.len());
        stream.write_all(head.as_bytes())?;
        stream.write_all(&body[..sent.min(body.len())])?;
        stream.flush()
    };
    match (fault, body) {
        (Some(Fault::Status(status)), _) => respond(&mut stream, &format!("{status} Injected"), "", b"", 0),
        (Some(Fault::RetryAfter(seconds)), _) => {
            respond(&mut stream, "429 Too Many Requests", &format!("Retry-After: {seconds}\r\n"), b"", 0)
        }
        (Some(Fault::Truncate(length)), Some(body)) => respond(&mut stream, "200 OK", "", &body, length),
        (Some(Fault::Slow(wait)), Some(body)) => {
            std::thread::sleep(wait);
            respond(&mut stream, "200 OK", "", &body, body.len())
        }
        (_, Some(_)) if if_none_match.is_some() && if_none_match == etag => {
            respond(&mut stream, "304 Not Modified", "", b"", 0)
        }
        // A Range request for the same contents (If-Range matches): the rest.
        (_, Some(body)) if range_start.is_some_and(|start| start < body.len()) && if_range == etag => {
            let start = range_start.unwrap_or(0);
            let header = format!(
                "ETag: {}\r\nContent-Range: bytes {start}-{}/{}\r\n",
                etag.clone().unwrap_or_default(),
                body.len() - 1,
                body.len()
            );
            respond(&mut stream, "206 Partial Content", &header, &body[start..], body.len() - start)
        }
        (_, Some(body)) => {
            let header = format!("ETag: {}\r\n", etag.unwrap_or_default());
            respond(&mut stream, "200 OK", &header, &body, body.len())
        }
        (_, None) => respond(&mut stream, "404 Not Found", "", b"", 0),
    }
}
