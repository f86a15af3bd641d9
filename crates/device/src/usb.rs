//! Apple devices on the USB bus, seen directly with libusb hot-plug. This is how Keepsake can
//! say "an iPhone is plugged in but usbmuxd does not see it" instead of showing nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusb::UsbContext;
use serde::Serialize;
use tokio::sync::mpsc;

/// Apple's USB vendor id.
pub const APPLE_VENDOR_ID: u16 = 0x05ac;

/// Whether a USB product id is an iPhone, iPad or iPod touch in its normal (not recovery) mode.
pub fn is_ios_device(vendor_id: u16, product_id: u16) -> bool {
    vendor_id == APPLE_VENDOR_ID && (0x1290..=0x12af).contains(&product_id)
}

/// A device on the bus, with the serial number its descriptor carries (the UDID without its dash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsbSighting {
    pub bus: u8,
    pub address: u8,
    pub product_id: u16,
    pub serial: Option<String>,
}

impl UsbSighting {
    /// Whether this is the device usbmuxd calls `udid`.
    pub fn is(&self, udid: &str) -> bool {
        self.serial
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&udid.replace('-', "")))
    }
}

/// The iOS devices on the bus now. Serial numbers need read access to the device node; without
/// it (no udev rule) the device is still reported, with `serial: None`.
pub fn scan() -> Result<Vec<UsbSighting>, rusb::Error> {
    let mut found = Vec::new();
    for device in rusb::devices()?.iter() {
        let Ok(desc) = device.device_descriptor() else {
            continue;
        };
        if !is_ios_device(desc.vendor_id(), desc.product_id()) {
            continue;
        }
        let serial = device
            .open()
            .ok()
            .and_then(|handle| handle.read_serial_number_string_ascii(&desc).ok());
        found.push(UsbSighting {
            bus: device.bus_number(),
            address: device.address(),
            product_id: desc.product_id(),
            serial,
        });
    }
    Ok(found)
}

/// Follows Apple devices arriving on and leaving the USB bus (libusb hot-plug), reporting each
/// change as the bus's new list of iOS devices. Stops when dropped.
pub struct UsbWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The bus's iOS devices after each change.
pub type BusChanges = mpsc::Receiver<Vec<UsbSighting>>;

/// Starts watching the bus; `Ok(None)` where libusb has no hot-plug support on this system.
pub fn watch() -> Result<Option<(UsbWatch, BusChanges)>, rusb::Error> {
    if !rusb::has_hotplug() {
        return Ok(None);
    }
    let context = rusb::Context::new()?;
    let (changed_tx, mut changed_rx) = mpsc::unbounded_channel::<()>();
    let registration = rusb::HotplugBuilder::new()
        .vendor_id(APPLE_VENDOR_ID)
        .enumerate(false)
        .register(&context, Box::new(BusChanged(changed_tx)))?;
    let stop = Arc::new(AtomicBool::new(false));
    let (out_tx, out_rx) = mpsc::channel(16);
    let stopping = stop.clone();
    let thread = std::thread::Builder::new()
        .name("usb-hotplug".into())
        .spawn(move || {
            let _registration = registration;
            while !stopping.load(Ordering::Relaxed) {
                if let Err(e) = context.handle_events(Some(Duration::from_millis(250))) {
                    tracing::warn!(error = %e, "USB hot-plug events stopped");
                    return;
                }
                // Descriptors cannot be read inside the callback: rescan the bus out here.
                let mut changed = false;
                while changed_rx.try_recv().is_ok() {
                    changed = true;
                }
                if changed {
                    match scan() {
                        Ok(now) => {
                            if out_tx.blocking_send(now).is_err() {
                                return;
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "rescanning the USB bus"),
                    }
                }
            }
        })
        .map_err(|_| rusb::Error::Other)?;
    Ok(Some((
        UsbWatch {
            stop,
            thread: Some(thread),
        },
        out_rx,
    )))
}

struct BusChanged(mpsc::UnboundedSender<()>);

impl rusb::Hotplug<rusb::Context> for BusChanged {
    fn device_arrived(&mut self, _device: rusb::Device<rusb::Context>) {
        let _ = self.0.send(());
    }
    fn device_left(&mut self, _device: rusb::Device<rusb::Context>) {
        let _ = self.0.send(());
    }
}

impl Drop for UsbWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ios_devices_by_vendor_and_product() {
        assert!(is_ios_device(0x05ac, 0x12a8)); // iPhone
        assert!(is_ios_device(0x05ac, 0x12ab)); // iPad
        assert!(!is_ios_device(0x05ac, 0x1281)); // recovery mode
        assert!(!is_ios_device(0x05ac, 0x8406)); // a card reader
        assert!(!is_ios_device(0x18d1, 0x12a8));
    }

    #[test]
    fn usb_serial_matches_the_udid_with_or_without_dash() {
        let s = UsbSighting {
            bus: 1,
            address: 4,
            product_id: 0x12a8,
            serial: Some("00008110000A1B2C3D4E5F60".into()),
        };
        assert!(s.is("00008110-000A1B2C3D4E5F60"));
        assert!(s.is("00008110000a1b2c3d4e5f60"));
        assert!(!s.is("00008110-000A1B2C3D4E5F61"));
        assert!(!UsbSighting { serial: None, ..s }.is("00008110-000A1B2C3D4E5F60"));
    }

    #[test]
    fn hot_plug_watching_starts_and_stops_cleanly() {
        // Linux libusb has hot-plug; nothing is plugged in here, so no change arrives, and
        // dropping the watch ends its thread instead of hanging.
        let (watch, mut changes) = watch()
            .expect("libusb opens a context")
            .expect("libusb on Linux supports hot-plug");
        std::thread::sleep(Duration::from_millis(300));
        assert!(changes.try_recv().is_err(), "no device came or went");
        drop(watch);
        assert!(
            matches!(
                changes.try_recv(),
                Err(mpsc::error::TryRecvError::Disconnected)
            ),
            "the watch's thread ended with it"
        );
    }

    #[test]
    fn scanning_the_bus_works_without_devices() {
        // This machine has no iPhone: the scan must succeed and find none, not fail.
        let found = scan().expect("libusb can enumerate the bus");
        assert!(found
            .iter()
            .all(|d| is_ios_device(APPLE_VENDOR_ID, d.product_id)));
    }
}
