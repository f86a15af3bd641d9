//! One lockdownd connection: a request/reply loop over plaintext, then TLS after StartSession, and
//! plaintext again after StopSession. The same over usbmux and over Wi-Fi, except that Wi-Fi
//! refuses Pair and StartService opens a real TCP port instead of a usbmux one.

use std::sync::Arc;

use plist::{Dictionary, Value};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::codec::{error_reply, reply, HostPairRecord, Request};
use crate::device::{TrustPrompt, VirtualDevice};
use crate::error::Result;
use crate::frame::MAX_PLIST_FRAME;
use crate::services::{Lookup, PendingService};
use crate::state_dir;
use crate::tls;
use crate::transport::{BoxConn, Transport};

/// The lockdown domain of Wi-Fi connections and its one key.
const WIRELESS_LOCKDOWN: &str = "com.apple.mobile.wireless_lockdown";
const ENABLE_WIFI_CONNECTIONS: &str = "EnableWifiConnections";

struct Session {
    id: String,
    host_id: String,
}

/// How the host reached lockdownd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// A usbmux `Connect` to port 62078.
    Usb,
    /// TCP to the device's address on the network.
    Wifi,
}

/// Serves one host connection to port 62078 until it closes.
pub async fn serve(device: Arc<VirtualDevice>, io: BoxConn, link: Link) {
    let udid = device.udid().to_owned();
    match run(device, io, link).await {
        Ok(()) => tracing::debug!(%udid, "lockdown connection closed"),
        Err(e) => tracing::warn!(%udid, error = %e, "lockdown connection failed"),
    }
}

/// What to do with the connection after a reply is written.
enum After {
    Continue,
    StartTls(Arc<rustls::ServerConfig>),
    StopTls,
    Close,
}

async fn run(device: Arc<VirtualDevice>, io: BoxConn, link: Link) -> Result<()> {
    let mut transport = Transport::plain(io);
    let mut session: Option<Session> = None;
    loop {
        let Some(body) = transport.read_frame(MAX_PLIST_FRAME).await? else {
            return Ok(());
        };
        let request = match crate::frame::decode(&body).and_then(|value| Request::parse(&value)) {
            Ok(r) => r,
            Err(e) => {
                // A host that cannot frame a request gets one error and the door.
                transport
                    .write_xml(&Value::Dictionary(error_reply("", "InvalidRequest")))
                    .await?;
                return Err(e);
            }
        };
        tracing::debug!(
            udid = device.udid(),
            request = request.name(),
            ?link,
            "lockdown request"
        );
        let (answer, after) = handle(&device, &mut session, transport.is_tls(), link, request);
        transport.write_xml(&Value::Dictionary(answer)).await?;
        transport = match after {
            After::Continue => transport,
            After::Close => return Ok(()),
            After::StartTls(config) => transport.start_tls(config).await?,
            After::StopTls => match resume_plaintext(transport.stop_tls()).await? {
                Some(t) => t,
                None => return Ok(()),
            },
        };
    }
}

/// After StopSession the host drops TLS, usually after sending its close_notify alert. Skip that
/// record if it comes; anything else is already the next plaintext request. A plaintext frame can
/// never start like a TLS record: its length would be hundreds of megabytes. `None`: host left.
async fn resume_plaintext(mut transport: Transport) -> Result<Option<Transport>> {
    loop {
        let head = transport.received();
        let tls_like = head.first().is_some_and(|b| matches!(b, 0x15 | 0x17))
            && head.get(1).is_none_or(|&b| b == 0x03);
        if !head.is_empty() && !tls_like {
            return Ok(Some(transport));
        }
        if head.len() >= 5 {
            let len = 5 + usize::from(u16::from_be_bytes([head[3], head[4]]));
            if head.len() >= len {
                transport.consume(len);
                tracing::debug!(len, "skipped the host's TLS close_notify after StopSession");
                return Ok(Some(transport));
            }
        }
        if !transport.fill().await? {
            return Ok(None);
        }
    }
}

fn handle(
    device: &Arc<VirtualDevice>,
    session: &mut Option<Session>,
    tls: bool,
    link: Link,
    request: Request,
) -> (Dictionary, After) {
    let name = request.name().to_owned();
    let fail = |error: &str| (error_reply(&name, error), After::Continue);
    if link == Link::Wifi && name == "Pair" {
        // Trust is given on the phone with the cable in: iOS refuses to pair over the network.
        return fail("PairingProhibitedOverThisConnection");
    }
    match request {
        Request::QueryType => {
            let mut d = reply(&name);
            d.insert("Type".into(), "com.apple.mobile.lockdown".into());
            (d, After::Continue)
        }
        Request::GetValue { domain, key } => {
            let values = match (&domain, tls) {
                (None, true) => Some(device.root_values()),
                (None, false) => Some(device.public_values()),
                (Some(domain), true) if domain == WIRELESS_LOCKDOWN => {
                    // Per host: each computer turns its own Wi-Fi connections on.
                    let enabled = session
                        .as_ref()
                        .and_then(|s| device.pairing(&s.host_id))
                        .is_some_and(|p| p.wifi_connections);
                    let mut d = Dictionary::new();
                    d.insert(ENABLE_WIFI_CONNECTIONS.into(), enabled.into());
                    Some(d)
                }
                (Some(domain), true) => device.domain_values(domain),
                // Domains hold private state: no session, no values.
                (Some(_), false) => None,
            };
            let value = match (values, &key) {
                (Some(v), None) => Some(Value::Dictionary(v)),
                (Some(mut v), Some(k)) => v.remove(k),
                (None, _) => None,
            };
            let Some(value) = value else {
                return fail("MissingValue");
            };
            let mut d = reply(&name);
            if let Some(domain) = domain {
                d.insert("Domain".into(), domain.into());
            }
            if let Some(key) = key {
                d.insert("Key".into(), key.into());
            }
            d.insert("Value".into(), value);
            (d, After::Continue)
        }
        Request::SetValue { domain, key, value } => {
            if !tls {
                return fail("SessionInactive");
            }
            let Some(key) = key else {
                return fail("MissingKey");
            };
            if domain.as_deref() == Some(WIRELESS_LOCKDOWN) && key == ENABLE_WIFI_CONNECTIONS {
                let (Some(s), Some(enabled)) = (session.as_ref(), value.as_boolean()) else {
                    return fail("InvalidValue");
                };
                return match device.set_wifi_connections(&s.host_id, enabled) {
                    Ok(true) => {
                        tracing::info!(udid = device.udid(), enabled, "Wi-Fi connections set");
                        (echo_domain_key(&name, domain, Some(key)), After::Continue)
                    }
                    Ok(false) => fail("InvalidHostID"),
                    Err(e) => {
                        tracing::error!(error = %e, "could not store the Wi-Fi setting");
                        fail("SetProhibited")
                    }
                };
            }
            if let Err(e) = device.set_value(domain.as_deref(), &key, value) {
                tracing::error!(error = %e, "could not store value");
                return fail("SetProhibited");
            }
            (echo_domain_key(&name, domain, Some(key)), After::Continue)
        }
        Request::RemoveValue { domain, key } => {
            if !tls {
                return fail("SessionInactive");
            }
            let Some(key) = key else {
                return fail("MissingKey");
            };
            if let Err(e) = device.remove_value(domain.as_deref(), &key) {
                tracing::error!(error = %e, "could not store value");
                return fail("RemoveProhibited");
            }
            (echo_domain_key(&name, domain, Some(key)), After::Continue)
        }
        Request::Pair { record } => pair(device, &name, record),
        Request::ValidatePair { host_id } => match device.pairing(&host_id) {
            Some(_) => (reply(&name), After::Continue),
            None => fail("InvalidHostID"),
        },
        Request::Unpair { host_id } => match device.remove_pairing(&host_id) {
            Ok(true) => (reply(&name), After::Continue),
            Ok(false) => fail("InvalidHostID"),
            Err(e) => {
                tracing::error!(error = %e, "could not forget pairing");
                fail("InvalidHostID")
            }
        },
        Request::StartSession {
            host_id,
            system_buid,
        } => {
            if session.is_some() {
                return fail("SessionActive");
            }
            let Some(pairing) = device.pairing(&host_id) else {
                return fail("InvalidHostID");
            };
            if system_buid.is_some_and(|b| {
                !pairing.record.system_buid.is_empty() && b != pairing.record.system_buid
            }) {
                tracing::info!(host_id, "StartSession from a host whose SystemBUID changed");
            }
            let config = match session_tls(device, &pairing.record) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "pair record cannot start TLS");
                    return fail("InvalidHostID");
                }
            };
            let id = state_dir::random_uuid();
            let mut d = reply(&name);
            d.insert("SessionID".into(), id.as_str().into());
            d.insert("EnableSessionSSL".into(), true.into());
            *session = Some(Session { id, host_id });
            (d, After::StartTls(config))
        }
        Request::StopSession { session_id } => match session.take() {
            Some(s) => {
                if s.id != session_id {
                    tracing::info!("StopSession with another SessionID; stopping the active one");
                }
                (reply(&name), After::StopTls)
            }
            None => fail("SessionInactive"),
        },
        Request::StartService {
            service,
            escrow_bag,
        } => {
            let Some(s) = session.as_ref().filter(|_| tls) else {
                return fail("SessionInactive");
            };
            let Some(pairing) = device.pairing(&s.host_id) else {
                return fail("InvalidHostID");
            };
            let (service_impl, needs_bag) = match device.services.lookup(&service) {
                Lookup::Ready(svc) => {
                    let bag = svc.requires_escrow_bag();
                    (Some(svc), bag)
                }
                Lookup::NotImplemented {
                    requires_escrow_bag,
                } => (None, requires_escrow_bag),
                Lookup::Unknown => return fail("InvalidService"),
            };
            if needs_bag && escrow_bag.as_deref() != Some(pairing.escrow_bag.as_slice()) {
                return fail("EscrowLocked");
            }
            let Some(service_impl) = service_impl else {
                tracing::warn!(
                    service,
                    "StartService for a service the virtual iPhone does not implement yet"
                );
                return fail("InvalidService");
            };
            let tls = match session_tls(device, &pairing.record) {
                Ok(c) => c,
                Err(_) => return fail("InvalidHostID"),
            };
            let pending = PendingService {
                service: service_impl,
                tls,
            };
            let port = match link {
                Link::Usb => device.open_port(pending),
                Link::Wifi => match crate::wifi::open_service_port(device, pending) {
                    Ok(port) => port,
                    Err(e) => {
                        tracing::error!(error = %e, "could not open a service port on Wi-Fi");
                        return fail("ServiceLimit");
                    }
                },
            };
            let mut d = reply(&name);
            d.insert("Service".into(), service.into());
            d.insert("Port".into(), u64::from(port).into());
            d.insert("EnableServiceSSL".into(), true.into());
            (d, After::Continue)
        }
        Request::Goodbye => {
            let mut d = reply(&name);
            d.insert("Result".into(), "Success".into());
            (d, After::Close)
        }
        Request::Invalid { error, .. } => fail(error),
        Request::Unknown(_) => fail("InvalidRequest"),
    }
}

fn echo_domain_key(name: &str, domain: Option<String>, key: Option<String>) -> Dictionary {
    let mut d = reply(name);
    if let Some(domain) = domain {
        d.insert("Domain".into(), domain.into());
    }
    if let Some(key) = key {
        d.insert("Key".into(), key.into());
    }
    d
}

fn pair(device: &Arc<VirtualDevice>, name: &str, record: HostPairRecord) -> (Dictionary, After) {
    let fail = |error: &str| (error_reply(name, error), After::Continue);
    for pem in [
        &record.device_certificate,
        &record.host_certificate,
        &record.root_certificate,
    ] {
        if CertificateDer::from_pem_slice(pem).is_err() {
            return fail("InvalidPairRecord");
        }
    }
    // The certificate the device will present must carry the device's own key.
    if let Err(e) = session_tls(device, &record) {
        tracing::warn!(error = %e, "DeviceCertificate does not match the device key");
        return fail("InvalidPairRecord");
    }
    match device.trust_prompt() {
        TrustPrompt::Refuse => return fail("UserDeniedPairing"),
        TrustPrompt::Wait => return fail("PairingDialogResponsePending"),
        TrustPrompt::Accept => {}
    }
    let host_id = record.host_id.clone();
    match device.add_pairing(record) {
        Ok(escrow_bag) => {
            tracing::info!(udid = device.udid(), host_id, "paired with host");
            let mut d = reply(name);
            d.insert("EscrowBag".into(), Value::Data(escrow_bag));
            d.insert(
                "WiFiMACAddress".into(),
                device.profile.wifi_address.as_str().into(),
            );
            (d, After::Continue)
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store pairing");
            fail("SavePairRecordFailed")
        }
    }
}

fn session_tls(
    device: &VirtualDevice,
    record: &HostPairRecord,
) -> Result<Arc<rustls::ServerConfig>> {
    if device.profile.impostor {
        return tls::impostor_config(
            &record.device_certificate,
            &device.key_pkcs1_der()?,
            device.profile.tls13,
        );
    }
    tls::server_config(
        &record.device_certificate,
        &device.key_pkcs1_der()?,
        &[&record.host_certificate, &record.root_certificate],
        device.profile.tls13,
    )
}
