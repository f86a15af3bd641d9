//! Discovery against the virtual iPhone's usbmuxd: the same bytes a real usbmuxd sends.

use std::process::Command;
use std::time::Duration;

use keepsake_device::{DeviceList, DeviceState, MuxEvent, Usbmuxd};
use keepsake_emulator::{Config, VirtualIphone};

fn start(count: usize) -> (tempfile::TempDir, VirtualIphone, Usbmuxd) {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path().join("phones"), count)).unwrap();
    let mux = Usbmuxd::parse(&phone.usbmuxd_socket_address()).unwrap();
    (dir, phone, mux)
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_every_virtual_device_with_its_identity() {
    let (_dir, phone, mux) = start(2);
    let list = DeviceList::scan(&mux).await.unwrap();
    let devices = list.devices();
    assert_eq!(devices.len(), 2, "{devices:#?}");
    for d in &devices {
        let emulated = phone.device(&d.udid).unwrap();
        let id = d.identity.as_ref().expect("identity read from lockdownd");
        assert_eq!(id.udid, emulated.udid());
        assert!(
            !id.name.is_empty() && !id.product_type.is_empty() && !id.product_version.is_empty()
        );
        assert!(d.usb && !d.wifi);
        assert!(!d.paired);
        assert_eq!(d.state, DeviceState::NotTrusted);
    }
    assert_ne!(devices[0].udid, devices[1].udid);
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_paired_by_a_third_party_tool_shows_as_trusted() {
    let (_dir, phone, mux) = start(1);
    let udid = phone.devices()[0].udid().to_owned();
    let out = Command::new("idevicepair")
        .args(["-u", &udid, "pair"])
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .output()
        .expect("idevicepair is missing: run scripts/setup.sh");
    assert!(out.status.success(), "idevicepair: {out:?}");
    let list = DeviceList::scan(&mux).await.unwrap();
    let d = &list.devices()[0];
    assert!(d.paired);
    assert_eq!(d.state, DeviceState::Ready);
    phone.stop();
}

async fn next(events: &mut tokio::sync::mpsc::Receiver<MuxEvent>) -> MuxEvent {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event within 10 s")
        .expect("the event channel is open")
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_and_detach_arrive_as_events() {
    let (_dir, phone, mux) = start(1);
    let udid = phone.devices()[0].udid().to_owned();
    let mut events = mux.watch().await.unwrap();
    let first = next(&mut events).await;
    let MuxEvent::Attached(a) = first else {
        panic!("{first:?}")
    };
    assert_eq!(a.udid, udid);
    phone.detach(&udid).unwrap();
    assert_eq!(
        next(&mut events).await,
        MuxEvent::Detached { mux_id: a.mux_id }
    );
    phone.attach(&udid).unwrap();
    let MuxEvent::Attached(again) = next(&mut events).await else {
        panic!("expected a new attach")
    };
    assert_eq!(again.udid, udid);
    phone.stop();
}
