//! Pairing with the virtual iPhone, through its trust prompt, and the record's use by a
//! third-party tool.

use std::process::Command;
use std::time::Duration;

use keepsake_device::{ensure_paired, DeviceError, Host, PairStep, Usbmuxd};
use keepsake_emulator::{Config, TrustPrompt, VirtualIphone};

fn start(prompt: TrustPrompt) -> (tempfile::TempDir, VirtualIphone, Usbmuxd) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("phone"), 1);
    config.trust_prompt = prompt;
    let phone = VirtualIphone::start(config).unwrap();
    let mux = Usbmuxd::parse(&phone.usbmuxd_socket_address()).unwrap();
    (dir, phone, mux)
}

fn host() -> Host {
    Host {
        host_id: "6A4D5E0F-1B2C-4D3E-8F90-A1B2C3D4E5F6".into(),
        host_name: "keepsake-test".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pairing_saves_a_record_that_third_party_tools_can_use() {
    let (_dir, phone, mux) = start(TrustPrompt::Accept);
    let device = mux.devices().await.unwrap().remove(0);
    assert!(!mux.has_pair_record(&device.udid).await.unwrap());

    let mut steps = Vec::new();
    let paired = ensure_paired(&mux, &device, &host(), Duration::from_secs(30), |s| {
        steps.push(s)
    })
    .await
    .unwrap();
    assert!(paired, "a first pairing is new");
    assert!(
        steps.is_empty(),
        "an accepting prompt never waits: {steps:?}"
    );
    assert!(mux.has_pair_record(&device.udid).await.unwrap());
    assert_eq!(
        phone.device(&device.udid).unwrap().paired_hosts(),
        vec![host().host_id]
    );

    // the record opens a TLS session: a second call only validates it
    let again = ensure_paired(&mux, &device, &host(), Duration::from_secs(30), |_| {})
        .await
        .unwrap();
    assert!(!again);

    // libimobiledevice reads our record from usbmuxd and starts a session with it
    let out = Command::new("ideviceinfo")
        .args(["-u", &device.udid, "-k", "DeviceName"])
        .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
        .output()
        .expect("ideviceinfo is missing: run scripts/setup.sh");
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).trim().is_empty());
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_trust_prompt_is_a_clear_error() {
    let (_dir, phone, mux) = start(TrustPrompt::Refuse);
    let device = mux.devices().await.unwrap().remove(0);
    let err = ensure_paired(&mux, &device, &host(), Duration::from_secs(30), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, DeviceError::TrustRefused { .. }), "{err:?}");
    assert!(
        err.to_string().contains("refused to trust this computer"),
        "{err}"
    );
    assert!(!mux.has_pair_record(&device.udid).await.unwrap());
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn waiting_for_trust_is_reported_and_pairing_completes_when_tapped() {
    let (_dir, phone, mux) = start(TrustPrompt::Wait);
    let device = mux.devices().await.unwrap().remove(0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pairing = {
        let (mux, device) = (mux.clone(), device.clone());
        tokio::spawn(async move {
            ensure_paired(&mux, &device, &host(), Duration::from_secs(60), move |s| {
                let _ = tx.send(s);
            })
            .await
        })
    };
    let step = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(step, PairStep::WaitingForTrust);
    phone
        .set_trust_prompt(&device.udid, TrustPrompt::Accept)
        .unwrap();
    assert!(pairing.await.unwrap().unwrap());
    assert!(mux.has_pair_record(&device.udid).await.unwrap());
    phone.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_prompt_times_out_instead_of_hanging() {
    let (_dir, phone, mux) = start(TrustPrompt::Wait);
    let device = mux.devices().await.unwrap().remove(0);
    let err = ensure_paired(&mux, &device, &host(), Duration::from_secs(2), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, DeviceError::TrustTimeout { .. }), "{err:?}");
    assert!(err.to_string().contains("tap Trust"), "{err}");
    phone.stop();
}
