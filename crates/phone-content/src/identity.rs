//! Who the phone says it is: lockdownd's identity values (UDID, model, iOS version, names),
//! derived from the seed.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Who the device says it is (lockdownd's values), derived from the seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub udid: String,
    pub device_name: String,
    pub device_class: &'static str,
    pub product_type: &'static str,
    pub marketing_name: &'static str,
    pub product_version: &'static str,
    pub build_version: &'static str,
    pub serial_number: String,
    pub unique_chip_id: u64,
    pub wifi_address: String,
}

/// (ProductType, marketing name, class, chip id, iOS version, build). One is older than iOS
/// 16.1, so a device that does not ask for its passcode is among them.
const MODELS: &[(&str, &str, &str, u32, &str, &str)] = &[
    (
        "iPhone14,5",
        "iPhone 13",
        "iPhone",
        0x8110,
        "17.5.1",
        "21F90",
    ),
    (
        "iPhone15,2",
        "iPhone 14 Pro",
        "iPhone",
        0x8120,
        "18.1",
        "22B83",
    ),
    (
        "iPhone16,1",
        "iPhone 15 Pro",
        "iPhone",
        0x8130,
        "18.3.2",
        "22D82",
    ),
    (
        "iPad13,18",
        "iPad (10th generation)",
        "iPad",
        0x8101,
        "17.6",
        "21G80",
    ),
    (
        "iPhone12,8",
        "iPhone SE (2nd generation)",
        "iPhone",
        0x8030,
        "16.0",
        "20A362",
    ),
];
const OWNERS: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Radia",
    "Hedy",
    "Katherine",
    "Linus",
];

impl Identity {
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1DE7_1717);
        let &(product_type, marketing_name, device_class, chip, version, build) =
            MODELS.choose(&mut rng).expect("models");
        let owner = OWNERS.choose(&mut rng).expect("owners");
        let ecid: u64 = rng.random_range(1u64 << 40..1u64 << 52);
        let mac: [u8; 6] = rng.random();
        Self {
            udid: format!("{chip:08X}-{ecid:016X}"),
            device_name: format!("{owner}'s {device_class}"),
            device_class,
            product_type,
            marketing_name,
            product_version: version,
            build_version: build,
            serial_number: (0..10)
                .map(|_| {
                    *b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
                        .choose(&mut rng)
                        .expect("alphabet") as char
                })
                .collect(),
            unique_chip_id: ecid,
            wifi_address: mac
                .iter()
                .enumerate()
                // a locally administered unicast address, as iOS's private Wi-Fi addresses are
                .map(|(i, b)| format!("{:02x}", if i == 0 { (b & 0xfc) | 0x02 } else { *b }))
                .collect::<Vec<_>>()
                .join(":"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_looks_like_a_real_device() {
        let id = Identity::from_seed(11);
        assert_eq!(id.udid.len(), 25, "{}", id.udid);
        assert_eq!(&id.udid[8..9], "-");
        assert!(id.udid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        assert_eq!(id.wifi_address.len(), 17);
        assert!(id.device_name.ends_with(id.device_class));
    }
}
