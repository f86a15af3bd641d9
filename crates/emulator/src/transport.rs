//! The byte streams device services run on: a usbmux connection in plaintext, or the same
//! connection after a TLS handshake. Lockdown switches between the two mid-stream.

use std::sync::Arc;

use plist::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::frame;
use crate::tls::TlsSession;

/// Any stream a host can reach the device through (TCP or unix socket today).
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Conn for T {}
pub type BoxConn = Box<dyn Conn>;

enum Inner {
    Plain(BoxConn),
    Tls(Box<TlsSession>),
}

/// A connection to one device port, plaintext or TLS, with the received bytes not yet consumed.
pub struct Transport {
    inner: Inner,
    received: Vec<u8>,
    pace: Option<Pace>,
}

/// A cap on what the device sends, in bytes per second (a slow cable or a busy phone).
struct Pace {
    bytes_per_second: u64,
    /// When the bytes written so far are due at the capped rate.
    due: tokio::time::Instant,
}

impl Pace {
    /// Sleeps so that `n` more bytes leave no sooner than the cap allows. Oversleeping by a few
    /// milliseconds is paid back on later writes, so the average rate stays at the cap.
    async fn wait(&mut self, n: usize) {
        let now = tokio::time::Instant::now();
        let slack = now.checked_sub(std::time::Duration::from_millis(20));
        let start = self.due.max(slack.unwrap_or(now));
        let cost = n as f64 / self.bytes_per_second as f64;
        self.due = start + std::time::Duration::from_secs_f64(cost);
        if self.due > now + std::time::Duration::from_millis(2) {
            tokio::time::sleep_until(self.due).await;
        }
    }
}

impl Transport {
    pub fn plain(io: BoxConn) -> Self {
        Transport {
            inner: Inner::Plain(io),
            received: Vec::new(),
            pace: None,
        }
    }

    pub fn tls(session: TlsSession) -> Self {
        Transport {
            inner: Inner::Tls(Box::new(session)),
            received: Vec::new(),
            pace: None,
        }
    }

    /// Caps the rate of everything written from now on (`None`: as fast as the host reads).
    pub fn set_bandwidth(&mut self, bytes_per_second: Option<u64>) {
        self.pace = bytes_per_second
            .filter(|&b| b > 0)
            .map(|bytes_per_second| Pace {
                bytes_per_second,
                due: tokio::time::Instant::now(),
            });
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }

    /// Bytes received and not consumed yet.
    pub fn received(&self) -> &[u8] {
        &self.received
    }

    /// Drops `n` received bytes.
    pub fn consume(&mut self, n: usize) {
        self.received.drain(..n);
    }

    /// Receives more bytes; `Ok(false)` when the host has closed. Cancel-safe, so a service can
    /// `select!` it against device events.
    pub async fn fill(&mut self) -> Result<bool> {
        match &mut self.inner {
            Inner::Plain(io) => {
                let mut chunk = [0u8; 8192];
                let n = io.read(&mut chunk).await?;
                self.received.extend_from_slice(&chunk[..n]);
                Ok(n > 0)
            }
            Inner::Tls(tls) => tls.fill(&mut self.received).await,
        }
    }

    /// Reads exactly `buf.len()` bytes; `Ok(false)` if the peer closed before the first byte.
    pub async fn read_exact_or_eof(&mut self, buf: &mut [u8]) -> Result<bool> {
        while self.received.len() < buf.len() {
            if !self.fill().await? {
                if self.received.is_empty() {
                    return Ok(false);
                }
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
        buf.copy_from_slice(&self.received[..buf.len()]);
        self.consume(buf.len());
        Ok(true)
    }

    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        if self.read_exact_or_eof(buf).await? {
            Ok(())
        } else {
            Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()))
        }
    }

    /// A whole length-prefixed frame body if one has been received; the length is checked as
    /// soon as its prefix arrives.
    pub fn take_frame(&mut self, max: u32) -> Result<Option<Vec<u8>>> {
        let Some(prefix) = self.received.get(..4) else {
            return Ok(None);
        };
        let len = frame::body_len(prefix.try_into().expect("4 bytes"), max)?;
        if self.received.len() < 4 + len {
            return Ok(None);
        }
        let body = self.received[4..4 + len].to_vec();
        self.consume(4 + len);
        Ok(Some(body))
    }

    /// The next length-prefixed frame body, or `None` when the host closed between messages.
    pub async fn read_frame(&mut self, max: u32) -> Result<Option<Vec<u8>>> {
        loop {
            if let Some(body) = self.take_frame(max)? {
                return Ok(Some(body));
            }
            if !self.fill().await? {
                if self.received.is_empty() {
                    return Ok(None);
                }
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    /// The next length-prefixed plist, or `None` when the host closed between messages.
    pub async fn read_plist(&mut self, max: u32) -> Result<Option<Value>> {
        match self.read_frame(max).await? {
            Some(body) => frame::decode(&body).map(Some),
            None => Ok(None),
        }
    }

    pub async fn write_all(&mut self, data: &[u8]) -> Result<()> {
        if let Some(pace) = &mut self.pace {
            pace.wait(data.len()).await;
        }
        match &mut self.inner {
            Inner::Plain(io) => {
                io.write_all(data).await?;
                io.flush().await?;
                Ok(())
            }
            Inner::Tls(tls) => tls.write_all(data).await,
        }
    }

    pub async fn write_xml(&mut self, value: &Value) -> Result<()> {
        let bytes = frame::encode_xml(value)?;
        self.write_all(&bytes).await
    }

    pub async fn write_binary(&mut self, value: &Value) -> Result<()> {
        let bytes = frame::encode_binary(value)?;
        self.write_all(&bytes).await
    }

    /// Runs the TLS handshake on this plaintext connection (the host speaks first).
    pub async fn start_tls(self, config: Arc<rustls::ServerConfig>) -> Result<Self> {
        match self.inner {
            Inner::Plain(io) if self.received.is_empty() => {
                Ok(Transport::tls(TlsSession::accept(io, config).await?))
            }
            Inner::Plain(_) => Err(Error::protocol("host sent data before the TLS handshake")),
            Inner::Tls(_) => Err(Error::protocol("TLS is already on")),
        }
    }

    /// Back to plaintext on the same socket; bytes received past TLS become plaintext input.
    pub fn stop_tls(self) -> Self {
        match self.inner {
            Inner::Tls(tls) => {
                let (io, raw) = tls.into_plain();
                Transport {
                    inner: Inner::Plain(io),
                    received: raw,
                    pace: self.pace,
                }
            }
            plain => Transport {
                inner: plain,
                received: self.received,
                pace: self.pace,
            },
        }
    }
}
