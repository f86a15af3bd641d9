//! The live device list: one source of events merging usbmuxd, the USB bus and Wi-Fi.

use std::time::Duration;

use keepsake_core::{watch_devices, Connection, DeviceChange, DeviceSummary};
use keepsake_emulator::{Config, VirtualIphone, Wifi};

/// The next summary of `udid` the watch reports (other tests' phones may be on Wi-Fi too).
async fn next_of(
    changes: &mut tokio::sync::mpsc::Receiver<DeviceChange>,
    udid: &str,
) -> (&'static str, DeviceSummary) {
    loop {
        let change = tokio::time::timeout(Duration::from_secs(20), changes.recv())
            .await
            .expect("the watch reports within 20 s")
            .expect("the watch goes on");
        let (kind, d) = match change {
            DeviceChange::Appeared(d) => ("appeared", d),
            DeviceChange::Changed(d) => ("changed", d),
            DeviceChange::Gone(d) => ("gone", d),
            DeviceChange::UsbmuxdLost(why) => panic!("usbmuxd lost: {why}"),
        };
        if d.udid == udid {
            return (kind, d);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_that_leaves_the_cable_stays_listed_on_wifi() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path(), 1).with_unique_identities();
    config.wifi = Wifi::Advertised;
    let phone = VirtualIphone::start(config).unwrap();
    let ctx = keepsake_testkit::context_for(&phone, dir.path().join("config"));
    let device = phone.devices()[0].clone();
    let udid = device.udid().to_owned();
    // paired over the cable, and told to show itself on Wi-Fi (the settings' default)
    keepsake_core::pair(&ctx, None, |_, _| {}).await.unwrap();
    assert_eq!(
        keepsake_core::apply_wifi_setting(&ctx, &udid)
            .await
            .unwrap(),
        Some(true)
    );
    let mut changes = watch_devices(&ctx).await.unwrap();

    // on the cable and on the network: both connections, once the announcement is heard
    loop {
        let (_, d) = next_of(&mut changes, &udid).await;
        if d.connections == [Connection::Usb, Connection::Wifi] {
            assert_eq!(d.name, device.profile.name);
            break;
        }
    }
    phone.detach(&udid).unwrap();
    let (kind, d) = next_of(&mut changes, &udid).await;
    assert_eq!(kind, "changed", "{d:?}");
    assert_eq!(d.connections, [Connection::Wifi]);
    assert_eq!(d.state, "wifi_only");

    phone.stop();
}
