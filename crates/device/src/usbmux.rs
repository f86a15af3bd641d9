//! usbmuxd, the daemon through which a computer reaches devices on USB (and, on some systems,
//! Wi-Fi): which devices are attached, attach/detach events as they happen, pair records, and
//! connections to a device's lockdownd.

use crate::Step;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::StreamExt;
use idevice::lockdown::LockdownClient;
use idevice::pairing_file::PairingFile;
use idevice::usbmuxd::{Connection, UsbmuxdAddr, UsbmuxdConnection, UsbmuxdListenEvent};
use idevice::IdeviceError;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::{DeviceError, Result};
use crate::identity::DeviceIdentity;
use crate::platform::{Os, UsbmuxdAddress};

/// How long a device may take to answer a lockdownd question before we call it unresponsive.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const LABEL: &str = "keepsake";

/// The keys and certificates that let this computer open sessions with a device it paired
/// with. Opaque: only this crate uses what is inside.
#[derive(Clone)]
pub struct PairRecord(pub(crate) PairingFile);

impl std::fmt::Debug for PairRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // private keys inside: never printed
        f.write_str("PairRecord(..)")
    }
}

/// How a device is reached: through usbmuxd (over USB, or a network attachment usbmuxd made),
/// or directly over the network (Wi-Fi), its lockdownd at the address its mDNS advert gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "address")]
pub enum Link {
    Usb,
    Network(IpAddr),
    Direct(SocketAddr),
}

/// A device as usbmuxd lists it. One device can be attached twice (USB and network), with two ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub udid: String,
    pub mux_id: u32,
    pub link: Link,
}

/// What `Usbmuxd::watch` reports, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuxEvent {
    Attached(Attachment),
    Detached {
        mux_id: u32,
    },
    /// The event stream ended (usbmuxd stopped or the connection broke); watch again to resume.
    Lost(String),
}

/// A usbmuxd daemon, by address.
#[derive(Debug, Clone)]
pub struct Usbmuxd {
    addr: UsbmuxdAddr,
    shown: String,
}

impl Usbmuxd {
    /// The daemon at `address`.
    pub fn at(address: &UsbmuxdAddress) -> Result<Self> {
        Ok(Usbmuxd {
            addr: address.to_idevice()?,
            shown: address.shown(),
        })
    }

    /// This system's own daemon.
    pub fn system() -> Result<Self> {
        Self::at(&Os::current().usbmuxd())
    }

    /// The daemon a `USBMUXD_SOCKET_ADDRESS` value names (see [`UsbmuxdAddress::parse`]).
    pub fn parse(value: &str) -> Result<Self> {
        Self::at(&UsbmuxdAddress::parse(value)?)
    }

    pub fn tcp(addr: SocketAddr) -> Self {
        Usbmuxd {
            addr: UsbmuxdAddr::TcpSocket(addr),
            shown: addr.to_string(),
        }
    }

    /// Where the daemon is, for messages.
    pub fn address(&self) -> &str {
        &self.shown
    }

    async fn connect(&self, tag: u32) -> Result<UsbmuxdConnection> {
        let socket = self.addr.to_socket().await.map_err(|e| match e {
            IdeviceError::Socket(source) => DeviceError::UsbmuxdUnreachable {
                addr: self.shown.clone(),
                source,
            },
            other => self.failed(Step::Connect, other),
        })?;
        Ok(UsbmuxdConnection::new(socket, tag))
    }

    fn failed(&self, what: Step, source: IdeviceError) -> DeviceError {
        DeviceError::Usbmuxd {
            addr: self.shown.clone(),
            what,
            source,
        }
    }

    /// The devices attached right now.
    pub async fn devices(&self) -> Result<Vec<Attachment>> {
        let mut conn = self.connect(1).await?;
        let list = conn
            .get_devices()
            .await
            .map_err(|e| self.failed(Step::ListDevices, e))?;
        Ok(list
            .into_iter()
            .filter_map(|d| {
                let link = link_of(d.connection_type)?;
                Some(Attachment {
                    udid: d.udid,
                    mux_id: d.device_id,
                    link,
                })
            })
            .collect())
    }

    /// Attach and detach events as usbmuxd sends them (no polling). The current devices arrive
    /// first as `Attached`. The channel closes after a `Lost` event or when the receiver is dropped.
    pub async fn watch(&self) -> Result<mpsc::Receiver<MuxEvent>> {
        let (tx, rx) = mpsc::channel(64);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let this = self.clone();
        // idevice's event stream is not `Send`, so it lives on a thread of its own.
        std::thread::Builder::new()
            .name("usbmuxd-listen".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(DeviceError::UsbmuxdUnreachable {
                            addr: this.shown.clone(),
                            source: e,
                        }));
                        return;
                    }
                };
                runtime.block_on(this.forward_events(tx, ready_tx));
            })
            .map_err(|source| DeviceError::UsbmuxdUnreachable {
                addr: self.shown.clone(),
                source,
            })?;
        match ready_rx.await {
            Ok(Ok(())) => Ok(rx),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(DeviceError::Malformed {
                device: self.shown.clone(),
                what: Step::Request("Listen"),
                detail: "the listener stopped before answering".into(),
            }),
        }
    }

    async fn forward_events(
        &self,
        tx: mpsc::Sender<MuxEvent>,
        ready: tokio::sync::oneshot::Sender<Result<()>>,
    ) {
        let mut conn = match self.connect(2).await {
            Ok(c) => c,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let mut events = match conn.listen().await {
            Ok(events) => {
                let _ = ready.send(Ok(()));
                events
            }
            Err(e) => {
                let _ = ready.send(Err(self.failed(Step::ListenForDevices, e)));
                return;
            }
        };
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(UsbmuxdListenEvent::Connected(d)) => {
                    let Some(link) = link_of(d.connection_type) else {
                        continue;
                    };
                    MuxEvent::Attached(Attachment {
                        udid: d.udid,
                        mux_id: d.device_id,
                        link,
                    })
                }
                Ok(UsbmuxdListenEvent::Disconnected(mux_id)) => MuxEvent::Detached { mux_id },
                Err(e) => {
                    let _ = tx
                        .send(MuxEvent::Lost(format!("usbmuxd at {}: {e}", self.shown)))
                        .await;
                    return;
                }
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
        let _ = tx
            .send(MuxEvent::Lost(format!(
                "usbmuxd at {} closed the event stream",
                self.shown
            )))
            .await;
    }

    /// The pair record usbmuxd keeps for the device, if this computer is paired with it.
    pub async fn pair_record(&self, udid: &str) -> Result<Option<PairRecord>> {
        let mut conn = self.connect(3).await?;
        match conn.get_pair_record(udid).await {
            Ok(record) => Ok(Some(PairRecord(record))),
            // usbmuxd answers a missing record with a bare error result, which idevice reports so
            Err(IdeviceError::UnexpectedResponse(_)) => Ok(None),
            Err(e) => Err(self.failed(Step::ReadPairRecord, e)),
        }
    }

    /// Whether usbmuxd holds a pair record for the device (the computer is trusted).
    pub async fn has_pair_record(&self, udid: &str) -> Result<bool> {
        Ok(self.pair_record(udid).await?.is_some())
    }

    /// Stores a pair record where every tool on this computer finds it.
    pub(crate) async fn save_pair_record(&self, udid: &str, record: PairingFile) -> Result<()> {
        let bytes = record
            .serialize()
            .map_err(|e| self.failed(Step::EncodePairRecord, e))?;
        let mut conn = self.connect(4).await?;
        conn.save_pair_record(udid, bytes)
            .await
            .map_err(|e| self.failed(Step::SavePairRecord, e))
    }

    /// usbmuxd's system id, which pair records carry.
    pub async fn buid(&self) -> Result<String> {
        let mut conn = self.connect(5).await?;
        conn.get_buid()
            .await
            .map_err(|e| self.failed(Step::ReadBuid, e))
    }

    /// A plain connection to one of the device's service ports.
    pub(crate) async fn connect_port(
        &self,
        device: &Attachment,
        port: u16,
    ) -> Result<idevice::Idevice> {
        if let Link::Direct(lockdownd) = device.link {
            return connect_direct(device, SocketAddr::new(lockdownd.ip(), port)).await;
        }
        let conn = self.connect(device.mux_id).await?;
        conn.connect_to_device(device.mux_id, port, LABEL)
            .await
            .map_err(|source| protocol(device, Step::ConnectingToService, source))
    }

    /// A lockdownd session opened with the pair record (the connection is TLS from then on).
    pub(crate) async fn session(
        &self,
        device: &Attachment,
        record: &PairRecord,
    ) -> Result<LockdownClient> {
        let lockdown = self.lockdown(device).await?;
        crate::session::start_lockdown_session(lockdown, device, record).await
    }

    /// Starts the device service `name` through a lockdown session and connects to it, TLS
    /// included. `escrow` presents the pair record's escrow bag, which backups need. `what` names
    /// the service in errors.
    pub(crate) async fn start_service(
        &self,
        device: &Attachment,
        record: &PairRecord,
        name: &str,
        escrow: bool,
        what: Step,
    ) -> Result<idevice::Idevice> {
        let mut lockdown = self.session(device, record).await?;
        let bag = if escrow {
            record.0.escrow_bag.clone()
        } else {
            None
        };
        let (port, ssl) = lockdown
            .start_service_with_escrow(name, bag)
            .await
            .map_err(|source| protocol(device, what, source))?;
        let idevice = self.connect_port(device, port).await?;
        if ssl {
            return crate::session::start_service_session(idevice, device, record).await;
        }
        Ok(idevice)
    }

    /// A plaintext lockdownd connection to the device.
    pub(crate) async fn lockdown(&self, device: &Attachment) -> Result<LockdownClient> {
        if let Link::Direct(lockdownd) = device.link {
            return Ok(LockdownClient::new(
                connect_direct(device, lockdownd).await?,
            ));
        }
        let conn = self.connect(device.mux_id).await?;
        let idevice = conn
            .connect_to_device(device.mux_id, LockdownClient::LOCKDOWND_PORT, LABEL)
            .await
            .map_err(|source| protocol(device, Step::ConnectingToLockdownd, source))?;
        Ok(LockdownClient::new(idevice))
    }

    /// Asks the device's lockdownd who it is (no pairing needed).
    pub async fn identity(&self, device: &Attachment) -> Result<DeviceIdentity> {
        let work = async {
            let mut lockdown = self.lockdown(device).await?;
            let values = lockdown
                .get_value(None, None)
                .await
                .map_err(|source| protocol(device, Step::Request("GetValue"), source))?;
            match values {
                plist::Value::Dictionary(d) => {
                    DeviceIdentity::from_lockdown_values(&device.udid, &d)
                }
                other => Err(DeviceError::Malformed {
                    device: device.udid.clone(),
                    what: Step::Request("GetValue"),
                    detail: format!(
                        "{} instead of a dictionary",
                        keepsake_devicelink::describe(&other)
                    ),
                }),
            }
        };
        tokio::time::timeout(ANSWER_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| {
                Err(DeviceError::Timeout {
                    device: device.udid.clone(),
                    what: Step::Request("GetValue"),
                    seconds: ANSWER_TIMEOUT.as_secs(),
                })
            })
    }
}

/// A TCP connection straight to a device on the network, bounded in time: a device that left
/// the Wi-Fi should not keep anyone waiting.
async fn connect_direct(device: &Attachment, addr: SocketAddr) -> Result<idevice::Idevice> {
    let stream = direct_stream(device, addr).await?;
    Ok(idevice::Idevice::new(Box::new(stream), LABEL))
}

/// The TCP stream of [`connect_direct`], with keepalive on: a phone that walks out of range
/// sends no FIN, and the probes find the dead link.
async fn direct_stream(device: &Attachment, addr: SocketAddr) -> Result<tokio::net::TcpStream> {
    let lost = |source: std::io::Error| DeviceError::ConnectionLost {
        device: device.udid.clone(),
        what: Step::ConnectingOverWifi,
        source,
    };
    let stream = tokio::time::timeout(ANSWER_TIMEOUT, tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| lost(std::io::ErrorKind::TimedOut.into()))?
        .map_err(lost)?;
    let _ = stream.set_nodelay(true);
    if let Err(e) = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive()) {
        tracing::warn!(device = device.udid, error = %e, "TCP keepalive not set");
    }
    Ok(stream)
}

/// Probes after 15 s without traffic, every 5 s, 4 of them: a dead Wi-Fi link ends within about
/// 35 s, sooner than the silence limit of a transfer.
fn keepalive() -> socket2::TcpKeepalive {
    let k = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(15))
        .with_interval(Duration::from_secs(5));
    #[cfg(not(windows))]
    let k = k.with_retries(4);
    k
}

fn link_of(connection: Connection) -> Option<Link> {
    match connection {
        Connection::Usb => Some(Link::Usb),
        Connection::Network(ip) => Some(Link::Network(ip)),
        Connection::Unknown(kind) => {
            tracing::debug!(kind, "ignoring a device on an unknown kind of link");
            None
        }
    }
}

fn protocol(device: &Attachment, what: Step, source: IdeviceError) -> DeviceError {
    DeviceError::Protocol {
        device: device.udid.clone(),
        what,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_direct_link_probes_for_a_dead_peer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let device = Attachment {
            udid: "U1".into(),
            mux_id: 0,
            link: Link::Network(addr.ip()),
        };
        let stream = direct_stream(&device, addr).await.unwrap();
        let sock = socket2::SockRef::from(&stream);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(15));
        assert_eq!(
            sock.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(5)
        );
        assert_eq!(sock.tcp_keepalive_retries().unwrap(), 4);
    }

    #[test]
    fn parses_every_form_of_usbmuxd_socket_address() {
        assert_eq!(
            Usbmuxd::parse("127.0.0.1:27015").unwrap().address(),
            "127.0.0.1:27015"
        );
        assert_eq!(
            Usbmuxd::parse("UNIX:/tmp/mux").unwrap().address(),
            "/tmp/mux"
        );
        assert_eq!(
            Usbmuxd::parse("/var/run/usbmuxd").unwrap().address(),
            "/var/run/usbmuxd"
        );
        let err = Usbmuxd::parse("localhost").unwrap_err();
        assert!(err.to_string().contains("HOST:PORT"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_daemon_is_reported_with_what_to_do() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // the listener is dropped: nothing listens on that port any more
        let err = Usbmuxd::tcp(port).devices().await.unwrap_err();
        assert!(
            matches!(err, DeviceError::UsbmuxdUnreachable { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("Is usbmuxd installed and running?"),
            "{err}"
        );
    }
}
