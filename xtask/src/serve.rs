//! `cargo xtask serve`: builds `pkg/` and serves the repository root on 127.0.0.1 so the playground
//! at `/www/` can import `../pkg/argctx_web.js` and fetch `../tests/fixtures/*.o`.
//! Also the end-to-end tests (`e2e`): the page in headless Chromium, compared with the CLI.
//!
//! The server is a tiny HTTP/1.1 static file server (std only): GET and HEAD, one request per
//! connection, no paths outside the repository and no hidden (dot) files.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::wasm::{self, cargo, repo_root, sh};

const DEFAULT_PORT: u16 = 8000;
const CHROMIUM: &str = "/usr/bin/chromium";

const USAGE: &str = "usage: cargo xtask serve [--port N] [--no-build]
  --port N     listen on 127.0.0.1:N (default 8000, or the next free port; 0: any free port)
  --no-build   serve the existing pkg/ without rebuilding it";

/// `cargo xtask serve [--port N] [--no-build]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut port: Option<u16> = None;
    let mut build = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a value")?;
                port = Some(v.parse().map_err(|_| format!("bad port '{v}'\n{USAGE}"))?);
            }
            "--no-build" => build = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    let root = repo_root()?;
    if build {
        wasm::build_pkg()?;
    } else if !root.join("pkg/argctx_web.js").is_file() {
        return Err("pkg/ is not built: run `cargo xtask serve` without --no-build once".into());
    }
    let listener = bind(port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;
    println!("argctx playground: http://{addr}/www/");
    let _ = std::io::stdout().flush();
    serve(&listener, &root);
    Ok(())
}

/// Binds 127.0.0.1: the given port, or 8000 and then the next free ones, or any free port.
fn bind(port: Option<u16>) -> Result<TcpListener, String> {
    let at = |p: u16| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, p)));
    match port {
        Some(p) => at(p).map_err(|e| format!("cannot listen on 127.0.0.1:{p}: {e}")),
        None => {
            for p in DEFAULT_PORT..DEFAULT_PORT + 20 {
                match at(p) {
                    Ok(l) => return Ok(l),
                    Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
                    Err(e) => return Err(format!("cannot listen on 127.0.0.1:{p}: {e}")),
                }
            }
            at(0).map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))
        }
    }
}

/// Accepts connections until the process is killed, one thread per connection.
fn serve(listener: &TcpListener, root: &Path) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
}

/// A response before its body is written.
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    location: Option<String>,
}

impl Response {
    fn text(status: &'static str, msg: &str) -> Self {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{msg}\n").into_bytes(),
            location: None,
        }
    }
}

fn handle(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(64 * 1024));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; a GET or HEAD request has no body we need.
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let response = match method {
        "GET" | "HEAD" => respond(root, target),
        "" => return Ok(()),
        _ => Response::text("405 Method Not Allowed", "only GET and HEAD"),
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    if response.status.starts_with("405") {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    if let Some(loc) = &response.location {
        head.push_str(&format!("Location: {loc}\r\n"));
    }
    if response.content_type.starts_with("text/html") {
        // The page talks to its own origin only; wasm compilation needs 'wasm-unsafe-eval'.
        head.push_str(
            "Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'\r\n",
        );
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if method == "GET" {
        out.write_all(&response.body)?;
    }
    out.flush()
}

/// The response for a request target (path plus optional query).
fn respond(root: &Path, target: &str) -> Response {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if path == "/" {
        return redirect("/www/");
    }
    let Some(rel) = safe_relative(path) else {
        return Response::text("404 Not Found", "not found");
    };
    let mut file = root.join(&rel);
    // Resolve symlinks and refuse anything that ends up outside the repository.
    let Ok(resolved) = file.canonicalize() else {
        return Response::text("404 Not Found", "not found");
    };
    if !resolved.starts_with(root) {
        return Response::text("404 Not Found", "not found");
    }
    if resolved.is_dir() {
        if !path.ends_with('/') {
            return redirect(&format!("{path}/"));
        }
        file = resolved.join("index.html");
    } else {
        file = resolved;
    }
    match std::fs::read(&file) {
        Ok(body) => Response {
            status: "200 OK",
            content_type: mime(&file),
            body,
            location: None,
        },
        Err(_) => Response::text("404 Not Found", "not found"),
    }
}

fn redirect(to: &str) -> Response {
    Response {
        location: Some(to.to_string()),
        ..Response::text("301 Moved Permanently", to)
    }
}

/// The percent-decoded path as a relative path of normal components, or None when it has `..`,
/// hidden (`.`-prefixed) components, backslashes, NUL or invalid encoding.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path.strip_prefix('/')?)?;
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut out = PathBuf::new();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg.starts_with('.') {
            return None;
        }
        match Path::new(seg).components().next() {
            Some(Component::Normal(_)) => out.push(seg),
            _ => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" | "ts" | "c" | "h" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The end-to-end tests: `npm ci` in tests/e2e, the CLI and `pkg/` built, then `node --test`
/// (which starts `xtask serve --no-build --port 0` and drives Debian's Chromium).
pub fn e2e() -> Result<(), String> {
    let root = repo_root()?;
    let dir = root.join("tests/e2e");
    ensure_chromium()?;
    sh(Command::new("npm")
        .current_dir(&dir)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    sh(cargo()
        .current_dir(&root)
        .args(["build", "-p", "argctx-cli"]))?;
    wasm::build_pkg()?;
    let xtask = std::env::current_exe().map_err(|e| format!("xtask's own path: {e}"))?;
    sh(Command::new("node")
        .current_dir(&dir)
        .args(["--test", "--test-concurrency=1"])
        .env("ARGCTX_XTASK", xtask)
        .env("ARGCTX_CLI", wasm::target_dir(&root).join("debug/argctx")))
}

/// Debian's Chromium, installed with apt-get when missing.
fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    eprintln!("xtask: {CHROMIUM} is missing; apt-get install -y chromium");
    let install = || {
        sh(Command::new("apt-get")
            .args(["install", "-y", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_err() {
        sh(Command::new("apt-get").arg("update"))?;
        install()?;
    }
    if Path::new(CHROMIUM).exists() {
        Ok(())
    } else {
        Err(format!(
            "{CHROMIUM} still missing after apt-get install chromium"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(
            safe_relative("/www/index.html"),
            Some(PathBuf::from("www/index.html"))
        );
        assert_eq!(safe_relative("/www/"), Some(PathBuf::from("www")));
        assert_eq!(safe_relative("/a%20b"), Some(PathBuf::from("a b")));
        for bad in [
            "/../etc/passwd",
            "/www/../../x",
            "/%2e%2e/x",
            "/.git/config",
            "/www/%00",
            "/a\\..\\b",
            "/%zz",
            "relative",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn mime_types() {
        assert_eq!(
            mime(Path::new("pkg/argctx_web_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            mime(Path::new("www/app.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            mime(Path::new("tests/fixtures/void_ctx.o")),
            "application/octet-stream"
        );
    }
}
