//! The byte streams device services run on: a usbmux connection in plaintext, or the same
//! connection after a TLS handshake. Lockdown switches between the two mid-stream.

use plist::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::frame;
use crate::tls::TlsSession;

/// Any stream a host can reach the device through (TCP or unix socket today).
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Conn for T {}
pub type BoxConn = Box<dyn Conn>;

/// A connection to one device port, plaintext or TLS.
pub enum Transport {
    /// `prefix` holds bytes already read that belong to the plaintext stream.
    Plain {
        io: BoxConn,
        prefix: Vec<u8>,
    },
    Tls(Box<TlsSession>),
}

impl Transport {
    pub fn plain(io: BoxConn) -> Self {
        Transport::Plain {
            io,
            prefix: Vec::new(),
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// Reads exactly `buf.len()` bytes; `Ok(false)` if the peer closed before the first byte.
    pub async fn read_exact_or_eof(&mut self, buf: &mut [u8]) -> Result<bool> {
        match self {
            Transport::Plain { io, prefix } => {
                let from_prefix = prefix.len().min(buf.len());
                buf[..from_prefix].copy_from_slice(&prefix[..from_prefix]);
                prefix.drain(..from_prefix);
                let mut filled = from_prefix;
                while filled < buf.len() {
                    let n = io.read(&mut buf[filled..]).await?;
                    if n == 0 {
                        if filled == 0 {
                            return Ok(false);
                        }
                        return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
                    }
                    filled += n;
                }
                Ok(true)
            }
            Transport::Tls(tls) => tls.read_exact_or_eof(buf).await,
        }
    }

    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        if self.read_exact_or_eof(buf).await? {
            Ok(())
        } else {
            Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()))
        }
    }

    pub async fn write_all(&mut self, data: &[u8]) -> Result<()> {
        match self {
            Transport::Plain { io, .. } => {
                io.write_all(data).await?;
                io.flush().await?;
                Ok(())
            }
            Transport::Tls(tls) => tls.write_all(data).await,
        }
    }

    /// The next length-prefixed frame body, or `None` when the host closed between messages.
    pub async fn read_frame(&mut self, max: u32) -> Result<Option<Vec<u8>>> {
        let mut prefix = [0u8; 4];
        if !self.read_exact_or_eof(&mut prefix).await? {
            return Ok(None);
        }
        let len = frame::body_len(prefix, max)?;
        let mut body = vec![0u8; len];
        self.read_exact(&mut body).await?;
        Ok(Some(body))
    }

    /// The next length-prefixed plist, or `None` when the host closed between messages.
    pub async fn read_plist(&mut self, max: u32) -> Result<Option<Value>> {
        match self.read_frame(max).await? {
            Some(body) => frame::decode(&body).map(Some),
            None => Ok(None),
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
}
