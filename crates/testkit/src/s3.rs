//! A real S3-compatible object store for tests: the SeaweedFS cluster of
//! `scripts/s3-cluster.sh` (a master, three volume servers, a filer and its S3 gateway), on
//! loopback ports of its own, stopped when dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster and its keys.
pub struct S3Cluster {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/s3-cluster.sh")
}

fn run(args: &[&str]) {
    let out = Command::new("bash")
        .arg(script())
        .args(args)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "s3-cluster.sh {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl S3Cluster {
    /// Installs SeaweedFS into the repository's `.venv` if needed (the setup step does it on
    /// CI), starts a cluster and waits until it answers a signed request.
    pub fn start() -> S3Cluster {
        let dir = tempfile::Builder::new()
            .prefix("keepsake-s3-")
            .tempdir()
            .expect("a temporary folder");
        run(&["install"]);
        run(&[
            "start",
            dir.path().to_str().expect("a UTF-8 temporary path"),
        ]);
        let text = std::fs::read_to_string(dir.path().join("env")).expect("the cluster's env");
        let env = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
            .collect();
        S3Cluster { dir, env }
    }

    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} in the cluster's env"))
    }

    fn dir(&self) -> &str {
        self.dir.path().to_str().expect("UTF-8")
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        self.get("S3_ENDPOINT")
    }

    /// The S3 gateway's port, for a proxy in front of it.
    pub fn port(&self) -> u16 {
        self.get("S3_PORT").parse().expect("a port")
    }

    /// The admin's keys: every right on every bucket.
    pub fn admin(&self) -> (&str, &str) {
        (self.get("S3_ACCESS_KEY"), self.get("S3_SECRET_KEY"))
    }

    /// Keys with a valid signature and no rights at all.
    pub fn nobody(&self) -> (&str, &str) {
        (
            self.get("S3_OTHER_ACCESS_KEY"),
            self.get("S3_OTHER_SECRET_KEY"),
        )
    }

    /// Keys that may read and list, not write.
    pub fn read_only(&self) -> (&str, &str) {
        (
            self.get("S3_READONLY_ACCESS_KEY"),
            self.get("S3_READONLY_SECRET_KEY"),
        )
    }

    pub fn create_bucket(&self, name: &str) {
        run(&["bucket", self.dir(), name]);
    }

    /// SIGKILLs volume server `n` (1..=3); its data stays on disk.
    pub fn kill_volume(&self, n: u8) {
        run(&["kill-volume", self.dir(), &n.to_string()]);
    }

    pub fn restart_volume(&self, n: u8) {
        run(&["restart-volume", self.dir(), &n.to_string()]);
    }

    /// Sets `bucket`'s quota (MiB) and enforces it at once: past it, writes get HTTP 500.
    pub fn quota(&self, bucket: &str, mib: u64) {
        run(&["quota", self.dir(), bucket, &mib.to_string()]);
    }

    pub fn enforce_quota(&self) {
        run(&["enforce-quota", self.dir()]);
    }
}

impl Drop for S3Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", self.dir()])
            .output();
    }
}

/// A TCP proxy on loopback in front of a server, which cuts connections on demand: after a
/// number of bytes sent upstream (a pack cut mid-upload), or every connection (a network gone).
pub struct CuttingProxy {
    port: u16,
    state: std::sync::Arc<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    /// Cut the next connection that sends this many bytes upstream; 0: none.
    cut_after: std::sync::atomic::AtomicU64,
    /// Connections cut so far.
    cuts: std::sync::atomic::AtomicU64,
    /// Refuse every connection (closed at once).
    down: std::sync::atomic::AtomicBool,
}

impl CuttingProxy {
    pub fn start(target_port: u16) -> CuttingProxy {
        use std::net::{TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let state = std::sync::Arc::new(ProxyState::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if shared.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                let state = shared.clone();
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(client, server, Some(state)));
                std::thread::spawn(move || pipe(s2, c2, None));
            }
        });
        CuttingProxy { port, state }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Cuts the next connection that sends more than `bytes` upstream, once.
    pub fn cut_once_after(&self, bytes: u64) {
        self.state
            .cut_after
            .store(bytes, std::sync::atomic::Ordering::SeqCst);
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.state.cuts.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// While down, every new connection is closed at once.
    pub fn set_down(&self, down: bool) {
        self.state
            .down
            .store(down, std::sync::atomic::Ordering::SeqCst);
    }
}

fn pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    cutting: Option<std::sync::Arc<ProxyState>>,
) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let mut buf = vec![0u8; 64 << 10];
    let mut sent = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        sent += n as u64;
        if let Some(state) = &cutting {
            let limit = state.cut_after.load(Ordering::SeqCst);
            if limit > 0
                && sent > limit
                && state
                    .cut_after
                    .compare_exchange(limit, 0, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                state.cuts.fetch_add(1, Ordering::SeqCst);
                let _ = from.shutdown(std::net::Shutdown::Both);
                let _ = to.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
