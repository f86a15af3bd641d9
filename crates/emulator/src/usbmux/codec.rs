//! usbmuxd wire format, without I/O: the 16-byte little-endian header and the plist requests and
//! replies of protocol version 1. Parsing takes untrusted bytes and never panics.

use plist::{Dictionary, Value};

use crate::error::{Error, Result};

pub const HEADER_LEN: usize = 16;
/// A pair record is a few KiB; anything near this bound is hostile.
pub const MAX_MESSAGE_LEN: u32 = 1024 * 1024;

/// Protocol versions in the header's `version` field.
pub const VERSION_BINARY: u32 = 0;
pub const VERSION_PLIST: u32 = 1;

/// Message types in the header's `message` field.
pub const MESSAGE_RESULT: u32 = 1;
pub const MESSAGE_CONNECT: u32 = 2;
pub const MESSAGE_LISTEN: u32 = 3;
pub const MESSAGE_PLIST: u32 = 8;

/// Result codes carried by `{MessageType: Result, Number}`.
pub const RESULT_OK: u64 = 0;
pub const RESULT_BADCOMMAND: u64 = 1;
pub const RESULT_BADDEV: u64 = 2;
pub const RESULT_CONNREFUSED: u64 = 3;
pub const RESULT_BADVERSION: u64 = 6;

/// The header in front of every usbmuxd message; all fields little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Total length including these 16 bytes.
    pub length: u32,
    pub version: u32,
    pub message: u32,
    /// Echoed by the daemon in its reply; events use 0.
    pub tag: u32,
}

impl Header {
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Self> {
        let field =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let header = Header {
            length: field(0),
            version: field(4),
            message: field(8),
            tag: field(12),
        };
        if (header.length as usize) < HEADER_LEN || header.length > MAX_MESSAGE_LEN {
            return Err(Error::protocol(format!(
                "usbmux length {} out of bounds",
                header.length
            )));
        }
        Ok(header)
    }

    pub fn payload_len(&self) -> usize {
        self.length as usize - HEADER_LEN
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        for (i, v) in [self.length, self.version, self.message, self.tag]
            .into_iter()
            .enumerate()
        {
            out[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        out
    }
}

/// A client request, decoded from a plist message.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    ListDevices,
    Listen,
    /// `port` is already converted to host order: clients send `htons(port)` as an integer.
    Connect {
        device_id: u32,
        port: u16,
    },
    ReadBuid,
    ReadPairRecord {
        udid: String,
    },
    SavePairRecord {
        udid: String,
        record: Vec<u8>,
        device_id: Option<u32>,
    },
    DeletePairRecord {
        udid: String,
    },
    ListListeners,
    Unknown(String),
}

impl Request {
    /// Decodes the payload of a `version=1, message=8` packet.
    pub fn parse_plist(payload: &[u8]) -> Result<Self> {
        let value = Value::from_reader(std::io::Cursor::new(payload))?;
        let dict = value
            .as_dictionary()
            .ok_or_else(|| Error::protocol("usbmux request is not a dictionary"))?;
        let message_type = string(dict, "MessageType")?;
        Ok(match message_type {
            "ListDevices" => Request::ListDevices,
            "Listen" => Request::Listen,
            "Connect" => {
                let device_id = uint(dict, "DeviceID")?;
                let port = uint(dict, "PortNumber")?;
                let port =
                    u16::try_from(port).map_err(|_| Error::protocol("PortNumber out of range"))?;
                Request::Connect {
                    device_id: u32::try_from(device_id)
                        .map_err(|_| Error::protocol("DeviceID out of range"))?,
                    port: u16::from_be(port),
                }
            }
            "ReadBUID" => Request::ReadBuid,
            "ReadPairRecord" => Request::ReadPairRecord {
                udid: record_id(dict)?,
            },
            "SavePairRecord" => Request::SavePairRecord {
                udid: record_id(dict)?,
                record: dict
                    .get("PairRecordData")
                    .and_then(Value::as_data)
                    .ok_or_else(|| Error::protocol("SavePairRecord without PairRecordData"))?
                    .to_vec(),
                device_id: dict
                    .get("DeviceID")
                    .and_then(Value::as_unsigned_integer)
                    .and_then(|v| u32::try_from(v).ok()),
            },
            "DeletePairRecord" => Request::DeletePairRecord {
                udid: record_id(dict)?,
            },
            "ListListeners" => Request::ListListeners,
            other => Request::Unknown(other.to_owned()),
        })
    }
}

fn string<'a>(dict: &'a Dictionary, key: &str) -> Result<&'a str> {
    dict.get(key)
        .and_then(Value::as_string)
        .ok_or_else(|| Error::protocol(format!("missing string {key}")))
}

fn uint(dict: &Dictionary, key: &str) -> Result<u64> {
    dict.get(key)
        .and_then(Value::as_unsigned_integer)
        .ok_or_else(|| Error::protocol(format!("missing integer {key}")))
}

/// Pair record ids are UDIDs and become file names: refuse anything that could leave the folder.
fn record_id(dict: &Dictionary) -> Result<String> {
    let id = string(dict, "PairRecordID")?;
    let valid = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid {
        return Err(Error::protocol("PairRecordID is not a UDID"));
    }
    Ok(id.to_owned())
}

/// How a device appears in ListDevices and Attached events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProperties {
    pub device_id: u32,
    pub udid: String,
    pub product_id: u16,
    pub location_id: u32,
    /// `Some`: the device as seen on Wi-Fi (`ConnectionType: Network`), not on the cable.
    pub network: Option<NetworkLink>,
}

/// What Apple's usbmuxd (macOS) and AMDS (Windows) report for a device they found over mDNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkLink {
    pub address: std::net::Ipv4Addr,
    /// The mDNS instance's full name, e.g. `aa:bb:..@fe80::.._apple-mobdev2._tcp.local.`.
    pub service_name: String,
}

impl NetworkLink {
    /// `NetworkAddress`: a BSD `sockaddr_in` (length, family, port 0, address, padding), the
    /// layout libimobiledevice reads the address from before connecting to it directly.
    pub fn sockaddr(&self) -> Vec<u8> {
        let mut out = vec![16u8, 2, 0, 0];
        out.extend_from_slice(&self.address.octets());
        out.extend_from_slice(&[0; 8]);
        out
    }
}

impl DeviceProperties {
    pub fn to_plist(&self) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("DeviceID".into(), Value::from(u64::from(self.device_id)));
        d.insert("SerialNumber".into(), Value::from(self.udid.as_str()));
        if let Some(net) = &self.network {
            d.insert("ConnectionType".into(), Value::from("Network"));
            d.insert(
                "EscapedFullServiceName".into(),
                Value::from(net.service_name.as_str()),
            );
            d.insert("InterfaceIndex".into(), Value::from(1u64));
            d.insert("NetworkAddress".into(), Value::Data(net.sockaddr()));
            return d;
        }
        d.insert("ConnectionSpeed".into(), Value::from(480_000_000u64));
        d.insert("ConnectionType".into(), Value::from("USB"));
        d.insert(
            "LocationID".into(),
            Value::from(u64::from(self.location_id)),
        );
        d.insert("ProductID".into(), Value::from(u64::from(self.product_id)));
        // The USB descriptor's serial has no dash; the daemon reports the dashed UDID separately.
        d.insert(
            "USBSerialNumber".into(),
            Value::from(self.udid.replace('-', "")),
        );
        d
    }
}

/// Replies and events the daemon sends, as plists.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Result(u64),
    DeviceList(Vec<DeviceProperties>),
    Attached(DeviceProperties),
    Detached { device_id: u32 },
    Paired { device_id: u32 },
    Buid(String),
    PairRecordData(Vec<u8>),
    ListenerList,
}

impl Reply {
    pub fn to_plist(&self) -> Dictionary {
        let mut d = Dictionary::new();
        match self {
            Reply::Result(n) => {
                d.insert("MessageType".into(), Value::from("Result"));
                d.insert("Number".into(), Value::from(*n));
            }
            Reply::DeviceList(devices) => {
                let list = devices
                    .iter()
                    .map(|p| Value::Dictionary(attached(p)))
                    .collect();
                d.insert("DeviceList".into(), Value::Array(list));
            }
            Reply::Attached(p) => d = attached(p),
            Reply::Detached { device_id } => {
                d.insert("DeviceID".into(), Value::from(u64::from(*device_id)));
                d.insert("MessageType".into(), Value::from("Detached"));
            }
            Reply::Paired { device_id } => {
                d.insert("DeviceID".into(), Value::from(u64::from(*device_id)));
                d.insert("MessageType".into(), Value::from("Paired"));
            }
            Reply::Buid(buid) => {
                d.insert("BUID".into(), Value::from(buid.as_str()));
            }
            Reply::PairRecordData(data) => {
                d.insert("PairRecordData".into(), Value::Data(data.clone()));
            }
            Reply::ListenerList => {
                d.insert("ListenerList".into(), Value::Array(Vec::new()));
            }
        }
        d
    }

    /// A whole packet: header plus XML plist (libusbmuxd only parses XML here).
    pub fn encode(&self, tag: u32) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        plist::to_writer_xml(&mut body, &Value::Dictionary(self.to_plist()))?;
        let length = u32::try_from(HEADER_LEN + body.len())
            .map_err(|_| Error::protocol("reply too large"))?;
        let header = Header {
            length,
            version: VERSION_PLIST,
            message: MESSAGE_PLIST,
            tag,
        };
        let mut out = header.encode().to_vec();
        out.extend_from_slice(&body);
        Ok(out)
    }
}

fn attached(p: &DeviceProperties) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("DeviceID".into(), Value::from(u64::from(p.device_id)));
    d.insert("MessageType".into(), Value::from("Attached"));
    d.insert("Properties".into(), Value::Dictionary(p.to_plist()));
    d
}

/// A reply to a version-0 (binary) client: a bare result code, since only plist clients are served.
pub fn encode_binary_result(tag: u32, code: u32) -> Vec<u8> {
    let header = Header {
        length: (HEADER_LEN + 4) as u32,
        version: VERSION_BINARY,
        message: MESSAGE_RESULT,
        tag,
    };
    let mut out = header.encode().to_vec();
    out.extend_from_slice(&code.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dict: Dictionary) -> Vec<u8> {
        let mut out = Vec::new();
        plist::to_writer_xml(&mut out, &Value::Dictionary(dict)).unwrap();
        out
    }

    #[test]
    fn connect_port_is_converted_from_network_order() {
        let mut d = Dictionary::new();
        d.insert("MessageType".into(), "Connect".into());
        d.insert("DeviceID".into(), Value::from(3u64));
        d.insert("PortNumber".into(), Value::from(32498u64));
        assert_eq!(
            Request::parse_plist(&request(d)).unwrap(),
            Request::Connect {
                device_id: 3,
                port: 62078
            }
        );
    }

    #[test]
    fn header_round_trips_little_endian() {
        let h = Header {
            length: 300,
            version: 1,
            message: 8,
            tag: 7,
        };
        let bytes = h.encode();
        assert_eq!(&bytes[..4], &300u32.to_le_bytes());
        assert_eq!(Header::parse(&bytes).unwrap(), h);
    }

    #[test]
    fn header_rejects_lengths_outside_bounds() {
        let short = Header {
            length: 4,
            version: 1,
            message: 8,
            tag: 0,
        }
        .encode();
        assert!(Header::parse(&short).is_err());
        let huge = Header {
            length: u32::MAX,
            version: 1,
            message: 8,
            tag: 0,
        }
        .encode();
        assert!(Header::parse(&huge).is_err());
    }

    #[test]
    fn pair_record_id_cannot_name_a_path() {
        let mut d = Dictionary::new();
        d.insert("MessageType".into(), "ReadPairRecord".into());
        d.insert("PairRecordID".into(), "../../etc/passwd".into());
        assert!(Request::parse_plist(&request(d)).is_err());
    }

    #[test]
    fn result_reply_echoes_tag_and_is_a_plist_packet() {
        let bytes = Reply::Result(RESULT_BADDEV).encode(42).unwrap();
        let header = Header::parse(bytes[..16].try_into().unwrap()).unwrap();
        assert_eq!((header.version, header.message, header.tag), (1, 8, 42));
        assert_eq!(header.length as usize, bytes.len());
        let v = Value::from_reader(std::io::Cursor::new(&bytes[16..])).unwrap();
        assert_eq!(
            v.as_dictionary()
                .unwrap()
                .get("Number")
                .unwrap()
                .as_unsigned_integer(),
            Some(2)
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A tiny deterministic generator stands in for a fuzzer in the unit suite.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..400usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = Request::parse_plist(&bytes);
            if bytes.len() >= HEADER_LEN {
                let _ = Header::parse(bytes[..HEADER_LEN].try_into().unwrap());
            }
        }
    }
}
