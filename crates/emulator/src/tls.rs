//! The device's TLS server over a usbmux connection, driven by hand with rustls.
//!
//! Why not tokio-rustls: lockdownd's StopSession drops TLS and resumes plaintext on the same
//! socket, so the raw bytes that follow the last TLS record must be handed back, not swallowed.
//! Reads are also cancel-safe (the only await is one socket read), so a service can wait for the
//! host and for device events at once.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    DigitallySignedStruct, DistinguishedName, ServerConfig, ServerConnection, SignatureScheme,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::transport::BoxConn;

/// Largest TLS record a peer may send (2^14 plaintext plus the expansion TLS 1.2 allows).
const MAX_RECORD: usize = 16384 + 2048;

/// TLS settings for one paired host: the device presents the `DeviceCertificate` the host made at
/// pairing time and accepts only the certificates that host registered (libimobiledevice presents
/// its root certificate, pymobiledevice3 and idevice the host certificate).
///
/// Real devices have been seen negotiating TLS 1.2 only; `tls13` opts into 1.3 as well.
pub fn server_config(
    device_certificate_pem: &[u8],
    device_key_pkcs1_der: &[u8],
    host_certificates_pem: &[&[u8]],
    tls13: bool,
) -> Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let device_cert = CertificateDer::from_pem_slice(device_certificate_pem)
        .map_err(|e| Error::Key(format!("DeviceCertificate is not PEM: {e}")))?;
    let allowed = host_certificates_pem
        .iter()
        .filter_map(|pem| CertificateDer::from_pem_slice(pem).ok())
        .collect::<Vec<_>>();
    let verifier = PairedHostVerifier {
        allowed: Some(allowed),
        algorithms: provider.signature_verification_algorithms,
    };
    let key = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(device_key_pkcs1_der.to_vec()));
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![device_cert], key)?;
    // Hosts never resume lockdown sessions; tickets would only be extra records on the wire.
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// What an impostor offers: the paired phone's `DeviceCertificate` (certificates are public)
/// with a key that is not the phone's, and no check of the host. A host that takes the
/// certificate's word for it would go on; one that checks the handshake signature against the
/// certificate's key refuses.
pub fn impostor_config(
    device_certificate_pem: &[u8],
    own_key_pkcs1_der: &[u8],
    tls13: bool,
) -> Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = CertificateDer::from_pem_slice(device_certificate_pem)
        .map_err(|e| Error::Key(format!("DeviceCertificate is not PEM: {e}")))?;
    let key = provider
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(
            own_key_pkcs1_der.to_vec(),
        )))?;
    // CertifiedKey::new does not ask whether the key is the certificate's: that is the lie.
    let certified = Arc::new(rustls::sign::CertifiedKey::new(vec![cert], key));
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS12, &rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    // An impostor takes any host.
    let verifier = PairedHostVerifier {
        allowed: None,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(Arc::new(Always(certified)));
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// The one certificate an impostor presents.
#[derive(Debug)]
struct Always(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for Always {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// Accepts exactly the certificates of the paired host (`None`: any, as an impostor does). The
/// chain is not validated: hosts sign their certificates with SHA-1, which WebPKI rightly
/// refuses, and pairing is the trust anchor.
#[derive(Debug)]
struct PairedHostVerifier {
    allowed: Option<Vec<CertificateDer<'static>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PairedHostVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let Some(allowed) = &self.allowed else {
            return Ok(ClientCertVerified::assertion());
        };
        if let Some(i) = allowed
            .iter()
            .position(|c| c.as_ref() == end_entity.as_ref())
        {
            // Which one a host presents tells clients apart (order: host, root).
            let which = ["host", "root"].get(i).copied().unwrap_or("other");
            tracing::debug!(certificate = which, "TLS client certificate accepted");
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("TLS client presented a certificate that is not in its pair record");
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS server session over a usbmux connection.
pub struct TlsSession {
    conn: ServerConnection,
    io: BoxConn,
    /// Raw bytes read from the socket and not yet given to rustls (at most part of a record,
    /// or whatever follows the record that ended TLS).
    raw: Vec<u8>,
}

impl TlsSession {
    /// Runs the handshake; the host speaks first (ClientHello).
    pub async fn accept(io: BoxConn, config: Arc<ServerConfig>) -> Result<Self> {
        let mut session = TlsSession {
            conn: ServerConnection::new(config)?,
            io,
            raw: Vec::new(),
        };
        while session.conn.is_handshaking() {
            session.flush().await?;
            if session.conn.wants_read() && !session.next_record().await? {
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
        }
        session.flush().await?;
        tracing::debug!(
            version = ?session.conn.protocol_version(),
            suite = ?session.conn.negotiated_cipher_suite().map(|s| s.suite()),
            "TLS session established"
        );
        Ok(session)
    }

    async fn flush(&mut self) -> Result<()> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            self.conn.write_tls(&mut out)?;
        }
        if !out.is_empty() {
            self.io.write_all(&out).await?;
            self.io.flush().await?;
        }
        Ok(())
    }

    /// Gives rustls the next whole record, reading the socket as needed. `Ok(false)` at EOF.
    /// Cancel-safe: bytes read are kept in `raw` before anything else can be cancelled.
    async fn next_record(&mut self) -> Result<bool> {
        loop {
            if self.raw.len() >= 5 {
                let len = usize::from(u16::from_be_bytes([self.raw[3], self.raw[4]]));
                if len > MAX_RECORD {
                    return Err(Error::protocol(format!("TLS record of {len} bytes")));
                }
                if self.raw.len() >= 5 + len {
                    let mut record = &self.raw[..5 + len];
                    while !record.is_empty() {
                        if self.conn.read_tls(&mut record)? == 0 {
                            return Err(Error::protocol("TLS engine refused a record"));
                        }
                    }
                    self.raw.drain(..5 + len);
                    if let Err(e) = self.conn.process_new_packets() {
                        // Send the alert so the host learns why, then fail.
                        let _ = self.flush().await;
                        return Err(e.into());
                    }
                    return Ok(true);
                }
            }
            let mut chunk = [0u8; 8192];
            let n = self.io.read(&mut chunk).await?;
            if n == 0 {
                return Ok(false);
            }
            self.raw.extend_from_slice(&chunk[..n]);
        }
    }

    /// Appends decrypted bytes to `out`; `Ok(false)` once the host has closed (with or without
    /// close_notify). Cancel-safe.
    pub async fn fill(&mut self, out: &mut Vec<u8>) -> Result<bool> {
        let mut chunk = [0u8; 8192];
        loop {
            match self.conn.reader().read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    out.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                Err(e) => return Err(e.into()),
            }
            if !self.next_record().await? {
                return Ok(false);
            }
        }
    }

    /// Writes `data` whatever its size: rustls takes a bounded amount of plaintext at a time,
    /// so it goes out in as many records as that takes.
    pub async fn write_all(&mut self, mut data: &[u8]) -> Result<()> {
        // Nothing taken twice, its buffer flushed in between: it never will be.
        let mut stuck = false;
        while !data.is_empty() {
            let n = self.conn.writer().write(data)?;
            self.flush().await?;
            if n == 0 {
                if stuck {
                    return Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into());
                }
                stuck = true;
                continue;
            }
            stuck = false;
            data = &data[n..];
        }
        Ok(())
    }

    /// Leaves TLS without a close_notify of our own (the host has already left TLS and would read
    /// it as plaintext); returns the socket and the raw bytes already read past the last record.
    pub fn into_plain(self) -> (BoxConn, Vec<u8>) {
        (self.io, self.raw)
    }
}
