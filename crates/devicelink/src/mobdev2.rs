//! The Wi-Fi announcement of a phone (`_apple-mobdev2._tcp`), as both ends see it: the service
//! type and the auth tags by which a phone with a private Wi-Fi address tells each of its hosts
//! "this is me" without saying who it is to anyone else.
//!
//! Current iOS puts TXT records `identifier` (an opaque string it picks) and one `authTag`,
//! `authTag#1`, `authTag#2`… per host that turned Wi-Fi connections on, each the first 8 bytes of
//! HMAC-SHA256 over the identifier, keyed by HKDF-SHA512 of the host's `HostID` (no salt, no
//! info, 32 bytes), in base64. A host recognises its own tag; only a session with the pair
//! record proves the phone is the one it paired with.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::{hkdf, hmac};

/// The mDNS service type phones announce for Wi-Fi sync.
pub const SERVICE_TYPE: &str = "_apple-mobdev2._tcp.local.";

/// Bytes of one auth tag.
pub const TAG_LEN: usize = 8;

/// The auth tag a phone announces for the host `host_id` under `identifier`.
pub fn auth_tag(host_id: &str, identifier: &str) -> [u8; TAG_LEN] {
    struct Len32;
    impl hkdf::KeyType for Len32 {
        fn len(&self) -> usize {
            32
        }
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA512, &[]).extract(host_id.as_bytes());
    let mut key = [0u8; 32];
    prk.expand(&[], Len32)
        .and_then(|okm| okm.fill(&mut key))
        .expect("32 bytes is within HKDF-SHA512's output");
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &key),
        identifier.as_bytes(),
    );
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&tag.as_ref()[..TAG_LEN]);
    out
}

/// The TXT key of the `n`-th tag: `authTag`, then `authTag#1`, `authTag#2`…
pub fn tag_key(n: usize) -> String {
    if n == 0 {
        "authTag".to_owned()
    } else {
        format!("authTag#{n}")
    }
}

/// A tag as it goes into a TXT record.
pub fn encode_tag(tag: &[u8; TAG_LEN]) -> String {
    STANDARD.encode(tag)
}

/// What a phone's TXT records say about who it is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Announcement {
    pub identifier: Option<String>,
    pub tags: Vec<[u8; TAG_LEN]>,
    /// Some key looks like an auth tag but the records do not make a usable one (no identifier,
    /// a bad encoding, a key like `authTag#x`): such an announcement matches no host. Otherwise
    /// a broken advert would make a host try every pairing it has.
    pub unusable_tags: bool,
}

/// Reads the TXT records (keys are case-insensitive, as DNS-SD says). At most 64 records are
/// looked at: a phone has a tag per host, not thousands.
pub fn read_announcement<'a>(
    records: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Announcement {
    let mut out = Announcement::default();
    let mut identifiers = Vec::new();
    for (key, value) in records.into_iter().take(64) {
        if key.eq_ignore_ascii_case("identifier") {
            identifiers.push(value);
            continue;
        }
        let looks_like_tag = key.eq_ignore_ascii_case("authTag")
            || key
                .get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("authTag#"));
        if !looks_like_tag {
            continue;
        }
        let well_named =
            key.len() == 7 || (key.len() > 8 && key[8..].bytes().all(|b| b.is_ascii_digit()));
        match decode_tag(value) {
            Some(tag) if well_named => out.tags.push(tag),
            _ => out.unusable_tags = true,
        }
    }
    match identifiers.as_slice() {
        [] => {}
        [first, rest @ ..]
            if !first.is_empty() && first.len() <= 255 && rest.iter().all(|o| o == first) =>
        {
            out.identifier = Some((*first).to_owned());
        }
        // Two different identifiers: nothing can be trusted to mean anything.
        _ => out.unusable_tags = true,
    }
    if !out.tags.is_empty() && out.identifier.is_none() {
        out.unusable_tags = true;
    }
    out
}

fn decode_tag(value: &str) -> Option<[u8; TAG_LEN]> {
    if value.len() > 16 {
        return None;
    }
    let bytes = STANDARD.decode(value).ok()?;
    bytes.try_into().ok()
}

impl Announcement {
    /// Whether the phone may be one paired with the host `host_id`: its tag is there, or the
    /// phone announces no tags at all (older iOS), when only trying the pairing tells.
    pub fn may_be_for(&self, host_id: &str) -> bool {
        if self.unusable_tags {
            return false;
        }
        match &self.identifier {
            _ if self.tags.is_empty() => true,
            Some(identifier) => {
                let expected = auth_tag(host_id, identifier);
                // Not secret material (the tag is broadcast), so a plain comparison will do.
                self.tags.contains(&expected)
            }
            None => false,
        }
    }

    /// Whether it carries tags (current iOS) rather than nothing (older iOS).
    pub fn has_tags(&self) -> bool {
        !self.tags.is_empty() || self.unusable_tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "11111111-2222-3333-4444-555555555555";
    const IDENTIFIER: &str = "2BE6E510-0325-4365-923E-B14C6F57DB3A";

    #[test]
    fn the_tag_is_the_one_phones_compute() {
        // The protocol's published vector (pymobiledevice3's tests use the same).
        assert_eq!(encode_tag(&auth_tag(HOST, IDENTIFIER)), "DNKInlok1wk=");
    }

    #[test]
    fn a_host_finds_its_own_tag_among_several() {
        let mine = encode_tag(&auth_tag(HOST, IDENTIFIER));
        let records = [
            ("identifier", IDENTIFIER),
            ("authTag", "AAAAAAAAAAA="),
            ("authTag#1", mine.as_str()),
        ];
        let a = read_announcement(records);
        assert!(a.may_be_for(HOST));
        assert!(!a.may_be_for("another host"));
        assert!(a.has_tags());
        // the same tag under another identifier is not ours
        let other = [("IDENTIFIER", "another"), ("AUTHTAG", mine.as_str())];
        assert!(!read_announcement(other).may_be_for(HOST));
    }

    #[test]
    fn broken_tags_match_nobody_and_no_tags_match_everybody() {
        for bad in [
            "",
            "!x!",
            "AA==",
            "AAAAAAAA",
            "AAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let a = read_announcement([("identifier", IDENTIFIER), ("authTag", bad)]);
            assert!(!a.may_be_for(HOST), "{bad:?}");
        }
        let good = encode_tag(&auth_tag(HOST, IDENTIFIER));
        assert!(!read_announcement([("authTag", good.as_str())]).may_be_for(HOST));
        assert!(
            !read_announcement([("identifier", IDENTIFIER), ("authTag#x", good.as_str())])
                .may_be_for(HOST)
        );
        assert!(!read_announcement([
            ("identifier", IDENTIFIER),
            ("identifier", "other"),
            ("authTag", good.as_str())
        ])
        .may_be_for(HOST));
        let none = read_announcement([]);
        assert!(none.may_be_for(HOST) && !none.has_tags());
    }
}
