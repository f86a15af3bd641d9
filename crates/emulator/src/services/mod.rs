//! Device services a host starts through lockdownd `StartService`: one module per service, each a
//! small server over a TLS connection, registered by name. Services not written yet are listed as
//! stubs so StartService answers them with lockdownd's real `InvalidService` error.

pub mod afc;
pub mod installation_proxy;
pub mod mobilebackup2;
pub mod notification_proxy;
pub mod springboard;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rustls::ServerConfig;

use crate::device::VirtualDevice;
use crate::error::Result;
use crate::tls::TlsSession;
use crate::transport::{BoxConn, Transport};

pub type ServiceFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// A device service, reached on the port StartService returned.
pub trait Service: Send + Sync + 'static {
    /// The lockdown name, e.g. `com.apple.afc`.
    fn name(&self) -> &'static str;
    /// Whether StartService demands the pairing's escrow bag (mobilebackup2 does).
    fn requires_escrow_bag(&self) -> bool {
        false
    }
    /// Serves one host connection, already inside TLS.
    fn serve(self: Arc<Self>, device: Arc<VirtualDevice>, transport: Transport) -> ServiceFuture;
}

/// The services a device offers and the ones it knows of but cannot serve yet.
#[derive(Default)]
pub struct ServiceRegistry {
    services: BTreeMap<&'static str, Arc<dyn Service>>,
    stubs: BTreeMap<&'static str, bool>,
}

/// What StartService found for a name.
pub enum Lookup {
    Ready(Arc<dyn Service>),
    /// A real service the emulator does not implement yet; `bool`: it would need the escrow bag.
    NotImplemented {
        requires_escrow_bag: bool,
    },
    Unknown,
}

impl ServiceRegistry {
    /// The services a backup touches: all stubs until their modules exist.
    pub fn backup_services() -> Self {
        let mut r = ServiceRegistry::default();
        r.register(Arc::new(mobilebackup2::MobileBackup2));
        r.register(Arc::new(notification_proxy::NotificationProxy));
        r.register(Arc::new(afc::Afc::default()));
        r.register(Arc::new(installation_proxy::InstallationProxy));
        r.register(Arc::new(springboard::SpringboardServices));
        r
    }

    pub fn stub(&mut self, name: &'static str, requires_escrow_bag: bool) {
        self.services.remove(name);
        self.stubs.insert(name, requires_escrow_bag);
    }

    pub fn register(&mut self, service: Arc<dyn Service>) {
        self.stubs.remove(service.name());
        self.services.insert(service.name(), service);
    }

    pub fn lookup(&self, name: &str) -> Lookup {
        if let Some(s) = self.services.get(name) {
            Lookup::Ready(s.clone())
        } else if let Some(&requires_escrow_bag) = self.stubs.get(name) {
            Lookup::NotImplemented {
                requires_escrow_bag,
            }
        } else {
            Lookup::Unknown
        }
    }
}

/// A port StartService opened: the service to run and the TLS settings of the session that asked.
pub struct PendingService {
    pub service: Arc<dyn Service>,
    pub tls: Arc<ServerConfig>,
}

impl PendingService {
    /// Serves the host connection that reached the port: the TLS handshake with the session's
    /// pair record, then the service, whatever carried it (usbmux or Wi-Fi).
    pub(crate) async fn serve(self, device: Arc<VirtualDevice>, io: BoxConn) {
        let name = self.service.name();
        let result = match TlsSession::accept(io, self.tls).await {
            Ok(tls) => self.service.serve(device, Transport::tls(tls)).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(service = name, error = %e, "service connection failed");
        }
    }
}
