//! TLS sessions with a device that must prove it is the paired one.
//!
//! idevice's own session start (0.1.68, `sni.rs`) accepts any certificate and any handshake
//! signature, so whoever answers at a device's address (a host on the LAN that knows a paired
//! phone's UDID) would get the backup's requests and files. Here the session is started by
//! hand on idevice's socket: lockdownd's `StartSession` request, then the TLS handshake with a
//! verifier that accepts exactly the pair record's `DeviceCertificate` (the certificate this
//! computer made for the phone's own key when they paired) and checks the handshake signature
//! with that certificate's key, so the device must hold the private key. The encrypted socket
//! then goes back into an `idevice::Idevice`, and idevice's clients run over it as before.

use crate::Step;
use std::sync::Arc;

use idevice::lockdown::LockdownClient;
use idevice::{Idevice, ReadWrite};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::DeviceError;
use crate::usbmux::{Attachment, PairRecord, LABEL};

/// Lockdown messages are small plists; anything larger is not lockdownd.
const MAX_MESSAGE: usize = 1 << 20;

/// Starts lockdownd's TLS session on `lockdown` (plaintext until now) with `record`, the device
/// authenticated by it.
pub(crate) async fn start_lockdown_session(
    mut lockdown: LockdownClient,
    device: &Attachment,
    record: &PairRecord,
) -> Result<LockdownClient, DeviceError> {
    let mut socket = take_socket(&mut lockdown.idevice, device)?;
    let mut request = plist::Dictionary::new();
    request.insert("Label".into(), LABEL.into());
    request.insert("Request".into(), "StartSession".into());
    request.insert("HostID".into(), record.0.host_id.clone().into());
    request.insert("SystemBUID".into(), record.0.system_buid.clone().into());
    let reply = exchange(&mut socket, request)
        .await
        .map_err(|detail| malformed(device, detail))?;
    if let Some(error) = reply.get("Error").and_then(|e| e.as_string()) {
        if error == "InvalidHostID" {
            // It no longer knows this computer (it was reset, or "Reset Location & Privacy").
            return Err(DeviceError::Protocol {
                device: device.udid.clone(),
                what: Step::StartingSession,
                source: idevice::IdeviceError::InvalidHostID,
            });
        }
        return Err(DeviceError::Malformed {
            device: device.udid.clone(),
            what: Step::Request("StartSession"),
            detail: format!("it refused the session: {error}"),
        });
    }
    if reply.get("EnableSessionSSL").and_then(|v| v.as_boolean()) != Some(true) {
        return Err(malformed(device, "no EnableSessionSSL".into()));
    }
    let tls = handshake(socket, device, record).await?;
    Ok(LockdownClient::new(Idevice::new(tls, LABEL)))
}

/// Turns a service connection TLS (the service said so when lockdownd started it), the device
/// authenticated by `record`.
pub(crate) async fn start_service_session(
    mut idevice: Idevice,
    device: &Attachment,
    record: &PairRecord,
) -> Result<Idevice, DeviceError> {
    let socket = take_socket(&mut idevice, device)?;
    // TLS reads a record (at most 16 KiB) at a time; a backup's megabytes a second would be that
    // many reads of the socket and wake-ups. A service speaks TLS until it closes, so reading
    // ahead under it never takes bytes meant for anyone else.
    let socket: Box<dyn ReadWrite> = Box::new(tokio::io::BufReader::with_capacity(
        SERVICE_READ_AHEAD,
        socket,
    ));
    Ok(Idevice::new(
        handshake(socket, device, record).await?,
        LABEL,
    ))
}

/// How much of a service connection is read from the socket at once, at most.
const SERVICE_READ_AHEAD: usize = 256 * 1024;

fn take_socket(
    idevice: &mut Idevice,
    device: &Attachment,
) -> Result<Box<dyn ReadWrite>, DeviceError> {
    let (placeholder, _) = tokio::io::duplex(1);
    std::mem::replace(idevice, Idevice::new(Box::new(placeholder), LABEL))
        .get_socket()
        .ok_or_else(|| malformed(device, "the connection is already closed".into()))
}

fn malformed(device: &Attachment, detail: String) -> DeviceError {
    DeviceError::Malformed {
        device: device.udid.clone(),
        what: Step::Request("StartSession"),
        detail,
    }
}

/// One lockdownd request and its reply: a big-endian length, then an XML plist.
async fn exchange(
    socket: &mut Box<dyn ReadWrite>,
    request: plist::Dictionary,
) -> Result<plist::Dictionary, String> {
    write_plist_frame(socket, &request).await?;
    read_plist_frame(socket, MAX_MESSAGE).await
}

/// Writes one service message: a big-endian length, then an XML plist.
pub(crate) async fn write_plist_frame<S: AsyncWrite + Unpin + ?Sized>(
    socket: &mut S,
    message: &plist::Dictionary,
) -> Result<(), String> {
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &plist::Value::Dictionary(message.clone()))
        .map_err(|e| e.to_string())?;
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    socket.write_all(&frame).await.map_err(|e| e.to_string())?;
    socket.flush().await.map_err(|e| e.to_string())
}

/// Reads one service message (an XML or binary plist dictionary), refusing one announced over
/// `max` bytes before reading it: the device decides the length, this computer the memory.
pub(crate) async fn read_plist_frame<S: AsyncRead + Unpin + ?Sized>(
    socket: &mut S,
    max: usize,
) -> Result<plist::Dictionary, String> {
    let mut len = [0u8; 4];
    socket
        .read_exact(&mut len)
        .await
        .map_err(|e| e.to_string())?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(format!("a reply of {len} bytes"));
    }
    let mut reply = vec![0u8; len];
    socket
        .read_exact(&mut reply)
        .await
        .map_err(|e| e.to_string())?;
    match plist::from_bytes::<plist::Value>(&reply).map_err(|e| e.to_string())? {
        plist::Value::Dictionary(d) => Ok(d),
        _ => Err("a reply that is not a dictionary".to_owned()),
    }
}

/// The TLS handshake, this computer presenting its host certificate and the device having to
/// present its paired certificate and sign with its key.
async fn handshake(
    socket: Box<dyn ReadWrite>,
    device: &Attachment,
    record: &PairRecord,
) -> Result<Box<dyn ReadWrite>, DeviceError> {
    let config = client_config(record).map_err(|e| malformed(device, e))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("Device").expect("a valid name");
    match connector.connect(name, socket).await {
        Ok(tls) => Ok(Box::new(tls)),
        Err(e) => {
            let impostor = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|r| {
                    matches!(
                        r,
                        rustls::Error::InvalidCertificate(_) | rustls::Error::PeerMisbehaved(_)
                    )
                });
            if impostor {
                tracing::warn!(device = device.udid, error = %e, "the device failed to prove it is the paired one");
                Err(DeviceError::NotTheDevice {
                    device: device.udid.clone(),
                })
            } else {
                Err(malformed(device, format!("the TLS handshake failed: {e}")))
            }
        }
    }
}

fn client_config(record: &PairRecord) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PairedDevice {
        certificate: record.0.device_certificate.clone(),
        algorithms: provider.signature_verification_algorithms,
    };
    let key = PrivateKeyDer::from_pem_slice(&record.0.host_private_key)
        .map_err(|e| format!("the pair record's host key: {e}"))?;
    rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| e.to_string())
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        })?
        .with_client_auth_cert(vec![record.0.host_certificate.clone()], key)
        .map_err(|e| format!("the pair record's host certificate: {e}"))
}

/// Accepts exactly the device certificate of the pair record. Its chain and name are not
/// checked (the host signed it at pairing, with SHA-1 as Apple's devices expect, which WebPKI
/// rightly refuses): pairing is the trust anchor, and the handshake signature, checked with
/// this certificate's key, is the proof.
#[derive(Debug)]
struct PairedDevice {
    certificate: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PairedDevice {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
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
