//! `com.apple.springboardservices`: the app icons hosts store in Info.plist (`PlaceholderIcon`).
//! Icons are small generated PNGs, one colour per bundle id.

use std::sync::Arc;

use plist::{Dictionary, Value};

use super::{Service, ServiceFuture};
use crate::device::VirtualDevice;
use crate::error::Error;
use crate::frame::MAX_PLIST_FRAME;
use crate::transport::Transport;

pub const SERVICE_NAME: &str = "com.apple.springboardservices";

pub struct SpringboardServices;

impl Service for SpringboardServices {
    fn name(&self) -> &'static str {
        SERVICE_NAME
    }

    fn serve(self: Arc<Self>, _device: Arc<VirtualDevice>, mut link: Transport) -> ServiceFuture {
        Box::pin(async move {
            while let Some(request) = link.read_plist(MAX_PLIST_FRAME).await? {
                let d = request
                    .as_dictionary()
                    .ok_or_else(|| Error::protocol("springboard request is not a dictionary"))?;
                let command = d
                    .get("command")
                    .and_then(Value::as_string)
                    .unwrap_or_default();
                let mut reply = Dictionary::new();
                match command {
                    "getIconPNGData" => {
                        let bundle = d
                            .get("bundleId")
                            .and_then(Value::as_string)
                            .unwrap_or_default();
                        reply.insert("pngData".into(), Value::Data(icon_png(bundle)));
                    }
                    // 1 = portrait.
                    "getInterfaceOrientation" => {
                        reply.insert("interfaceOrientation".into(), 1u64.into());
                    }
                    other => {
                        tracing::info!(
                            command = other,
                            "springboardservices command not implemented"
                        );
                        return Err(Error::protocol(format!(
                            "unsupported springboard command {other:?}"
                        )));
                    }
                }
                link.write_binary(&Value::Dictionary(reply)).await?;
            }
            Ok(())
        })
    }
}

/// A 16x16 opaque PNG in a colour derived from the bundle id: real PNG structure (signature,
/// IHDR, zlib-stored IDAT, IEND, CRCs) so image readers accept it.
pub fn icon_png(bundle_id: &str) -> Vec<u8> {
    const SIZE: u32 = 16;
    let hash = bundle_id.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let rgb = [(hash >> 16) as u8, (hash >> 8) as u8, hash as u8];
    // Each row: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(rgb.iter().copied().cycle().take(3 * SIZE as usize))
        .collect();
    let raw = row.repeat(SIZE as usize);
    // zlib stream with one stored (uncompressed) deflate block.
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr.as_slice()),
        (b"IDAT", zlib.as_slice()),
        (b"IEND", &[][..]),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &x in data {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        // Reference values of the standard check string.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn icons_are_pngs_and_differ_per_app() {
        let a = icon_png("com.acme.notes");
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(a.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND CRC");
        assert_ne!(a, icon_png("net.tinyfit.tracker"));
    }
}
