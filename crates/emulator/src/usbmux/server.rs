//! The usbmuxd daemon's client side, served on loopback TCP and optionally a unix socket.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

use super::codec::{self, DeviceProperties, Header, NetworkLink, Reply, Request, HEADER_LEN};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::lockdown;
use crate::lockdown::codec::LOCKDOWN_PORT;
use crate::lockdown::server::Link;
use crate::services::PendingService;
use crate::state_dir::{self, StateDir};
use crate::transport::BoxConn;
use crate::wifi;

struct Slot {
    device: Arc<VirtualDevice>,
    attached: bool,
}

/// The daemon: which devices are plugged in, the host's pair records, and event subscribers.
pub struct Usbmuxd {
    slots: RwLock<Vec<Slot>>,
    events: broadcast::Sender<Reply>,
    buid: String,
    state: StateDir,
    lists_wifi: bool,
}

/// Network devices get their own ids, as Apple's daemon gives the Wi-Fi link of a phone.
const NETWORK_ID_OFFSET: u32 = 0x1000;

impl Usbmuxd {
    /// Loads (or creates once) the host's SystemBUID, as the real daemon keeps it in its config.
    /// `lists_wifi`: devices on Wi-Fi are also listed as `Network` devices, as Apple's daemon
    /// (macOS) and AMDS (Windows) do; Linux's usbmuxd does not.
    pub fn new(
        state: StateDir,
        devices: Vec<Arc<VirtualDevice>>,
        lists_wifi: bool,
    ) -> Result<Self> {
        let path = state.usbmuxd_dir().join("SystemBUID");
        let buid = match state_dir::read_optional(&path)? {
            Some(b) => String::from_utf8_lossy(&b).trim().to_owned(),
            None => {
                let buid = state_dir::random_uuid();
                state_dir::write_atomic(&path, buid.as_bytes())?;
                buid
            }
        };
        let slots = devices
            .into_iter()
            .map(|device| Slot {
                device,
                attached: true,
            })
            .collect();
        Ok(Usbmuxd {
            slots: RwLock::new(slots),
            events: broadcast::channel(64).0,
            buid,
            state,
            lists_wifi,
        })
    }

    pub fn devices(&self) -> Vec<Arc<VirtualDevice>> {
        self.slots
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s.device.clone())
            .collect()
    }

    /// What ListDevices and a new listener see: the devices on the cable, then those on Wi-Fi.
    fn listed(&self) -> Vec<DeviceProperties> {
        let usb = self.attached().into_iter().map(|d| properties(&d));
        let wifi = self.devices().into_iter().filter_map(|d| self.on_wifi(&d));
        usb.chain(wifi).collect()
    }

    /// A device's Wi-Fi link as the daemon lists it, when it lists Wi-Fi and clients can connect
    /// to the device's address directly (lockdownd on 62078, as libimobiledevice assumes).
    fn on_wifi(&self, device: &VirtualDevice) -> Option<DeviceProperties> {
        let address = device.wifi_address().filter(|_| self.lists_wifi)?;
        let (IpAddr::V4(ip), LOCKDOWN_PORT) = (address.ip(), address.port()) else {
            return None;
        };
        let mac = &device.profile.wifi_address;
        Some(DeviceProperties {
            device_id: device.device_id + NETWORK_ID_OFFSET,
            network: Some(NetworkLink {
                address: ip,
                service_name: format!("{}.{}", wifi::instance_name(mac), wifi::SERVICE_TYPE),
            }),
            ..properties(device)
        })
    }

    fn attached(&self) -> Vec<Arc<VirtualDevice>> {
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        slots
            .iter()
            .filter(|s| s.attached)
            .map(|s| s.device.clone())
            .collect()
    }

    /// Plugs a device in or out; Listen subscribers get Attached / Detached.
    pub fn set_attached(&self, udid: &str, attached: bool) -> Result<()> {
        let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
        let slot = slots
            .iter_mut()
            .find(|s| s.device.udid() == udid)
            .ok_or_else(|| Error::UnknownDevice(udid.to_owned()))?;
        if slot.attached != attached {
            slot.attached = attached;
            let event = if attached {
                Reply::Attached(properties(&slot.device))
            } else {
                Reply::Detached {
                    device_id: slot.device.device_id,
                }
            };
            // No subscribers is fine: nobody is listening.
            let _ = self.events.send(event);
        }
        Ok(())
    }

    /// Serves one client connection until it closes or becomes a device pipe.
    pub async fn serve_client(self: Arc<Self>, io: BoxConn) {
        if let Err(e) = self.client(io).await {
            tracing::debug!(error = %e, "usbmuxd client ended with an error");
        }
    }

    async fn client(self: Arc<Self>, mut io: BoxConn) -> Result<()> {
        loop {
            let mut raw = [0u8; HEADER_LEN];
            match io.read_exact(&mut raw).await {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            let header = Header::parse(&raw)?;
            let mut payload = vec![0u8; header.payload_len()];
            io.read_exact(&mut payload).await?;
            if header.version != codec::VERSION_PLIST || header.message != codec::MESSAGE_PLIST {
                // Only the plist protocol is served; libusbmuxd understands this and would retry in binary.
                io.write_all(&codec::encode_binary_result(
                    header.tag,
                    codec::RESULT_BADVERSION as u32,
                ))
                .await?;
                continue;
            }
            let tag = header.tag;
            let request = match Request::parse_plist(&payload) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "bad usbmuxd request");
                    send(&mut io, Reply::Result(codec::RESULT_BADCOMMAND), tag).await?;
                    continue;
                }
            };
            tracing::debug!(?request, tag, "usbmuxd request");
            match request {
                Request::ListDevices => {
                    send(&mut io, Reply::DeviceList(self.listed()), tag).await?;
                }
                Request::Listen => return self.listen(io, tag).await,
                Request::Connect { device_id, port } => match self.route(device_id, port).await {
                    Ok(route) => {
                        send(&mut io, Reply::Result(codec::RESULT_OK), tag).await?;
                        route.spawn(io);
                        return Ok(());
                    }
                    Err(code) => send(&mut io, Reply::Result(code), tag).await?,
                },
                Request::ReadBuid => send(&mut io, Reply::Buid(self.buid.clone()), tag).await?,
                Request::ReadPairRecord { udid } => {
                    let reply = match state_dir::read_optional(&self.state.host_pair_record(&udid))?
                    {
                        Some(data) => Reply::PairRecordData(data),
                        None => Reply::Result(codec::RESULT_BADDEV),
                    };
                    send(&mut io, reply, tag).await?;
                }
                Request::SavePairRecord {
                    udid,
                    record,
                    device_id,
                } => {
                    state_dir::write_atomic(&self.state.host_pair_record(&udid), &record)?;
                    send(&mut io, Reply::Result(codec::RESULT_OK), tag).await?;
                    let device_id = device_id.or_else(|| {
                        self.devices()
                            .iter()
                            .find(|d| d.udid() == udid)
                            .map(|d| d.device_id)
                    });
                    if let Some(device_id) = device_id {
                        let _ = self.events.send(Reply::Paired { device_id });
                    }
                }
                Request::DeletePairRecord { udid } => {
                    let code = if state_dir::remove_optional(&self.state.host_pair_record(&udid))? {
                        codec::RESULT_OK
                    } else {
                        codec::RESULT_BADDEV
                    };
                    send(&mut io, Reply::Result(code), tag).await?;
                }
                Request::ListListeners => send(&mut io, Reply::ListenerList, tag).await?,
                Request::Unknown(name) => {
                    tracing::info!(name, "unknown usbmuxd request");
                    send(&mut io, Reply::Result(codec::RESULT_BADCOMMAND), tag).await?;
                }
            }
        }
    }

    /// After `Listen` the socket carries events: the devices present now, then every change.
    async fn listen(&self, mut io: BoxConn, tag: u32) -> Result<()> {
        let mut events = self.events.subscribe();
        send(&mut io, Reply::Result(codec::RESULT_OK), tag).await?;
        for device in self.listed() {
            send(&mut io, Reply::Attached(device), 0).await?;
        }
        let mut sink = [0u8; 256];
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => send(&mut io, event, 0).await?,
                    Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(n, "listener missed events"),
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
                read = io.read(&mut sink) => if read? == 0 {
                    return Ok(());
                },
            }
        }
    }

    async fn route(&self, device_id: u32, port: u16) -> std::result::Result<Route, u64> {
        let on_wifi = self
            .devices()
            .into_iter()
            .find(|d| self.on_wifi(d).is_some_and(|p| p.device_id == device_id));
        if let Some(device) = on_wifi {
            // A network device: the daemon relays to the device's address over TCP.
            let ip = device.wifi_address().expect("on Wi-Fi").ip();
            return match tokio::net::TcpStream::connect((ip, port)).await {
                Ok(stream) => Ok(Route::Relay(stream)),
                Err(_) => Err(codec::RESULT_CONNREFUSED),
            };
        }
        let device = self
            .attached()
            .into_iter()
            .find(|d| d.device_id == device_id)
            .ok_or(codec::RESULT_BADDEV)?;
        if port == LOCKDOWN_PORT {
            return Ok(Route::Lockdown(device));
        }
        match device.take_port(port) {
            Some(pending) => Ok(Route::Service(device, pending)),
            None => Err(codec::RESULT_CONNREFUSED),
        }
    }
}

enum Route {
    Lockdown(Arc<VirtualDevice>),
    Service(Arc<VirtualDevice>, PendingService),
    Relay(tokio::net::TcpStream),
}

impl Route {
    fn spawn(self, io: BoxConn) {
        match self {
            Route::Lockdown(device) => {
                tokio::spawn(lockdown::server::serve(device, io, Link::Usb));
            }
            Route::Service(device, pending) => {
                tokio::spawn(pending.serve(device, io));
            }
            Route::Relay(mut stream) => {
                tokio::spawn(async move {
                    let mut io = io;
                    let _ = tokio::io::copy_bidirectional(&mut io, &mut stream).await;
                });
            }
        }
    }
}

fn properties(device: &VirtualDevice) -> DeviceProperties {
    DeviceProperties {
        network: None,
        device_id: device.device_id,
        udid: device.udid().to_owned(),
        product_id: device.profile.usb_product_id,
        // Distinct per device, as distinct USB ports would give.
        location_id: 0x0010_0000 | device.device_id,
    }
}

async fn send(io: &mut BoxConn, reply: Reply, tag: u32) -> Result<()> {
    io.write_all(&reply.encode(tag)?).await?;
    io.flush().await?;
    Ok(())
}
