//! What the device tests share: the test host's identity, and a paired mobilebackup2
//! connection to a virtual iPhone.

use std::time::Duration;

use keepsake_device::{ensure_paired, Host, Mobilebackup2, Usbmuxd};

pub fn host() -> Host {
    Host {
        host_id: "0F6A4D5E-1B2C-4D3E-8F90-A1B2C3D4E5F6".into(),
        host_name: "keepsake-test".into(),
    }
}

/// Pairs with `udid` (if need be) and opens its mobilebackup2 service.
pub async fn open_mobilebackup2(mux: &Usbmuxd, udid: &str) -> Mobilebackup2 {
    let device = mux
        .devices()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.udid == udid)
        .unwrap();
    ensure_paired(mux, &device, &host(), Duration::from_secs(30), |_| {})
        .await
        .unwrap();
    let record = mux.pair_record(udid).await.unwrap().expect("paired");
    Mobilebackup2::open(mux, &device, &record).await.unwrap()
}
