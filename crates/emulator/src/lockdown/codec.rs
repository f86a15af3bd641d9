//! lockdownd requests and replies as typed values, decoded from the plists a host sends.
//! No I/O here: the session in `server.rs` feeds bytes in and writes the replies out.

use plist::{Dictionary, Value};

use crate::error::{Error, Result};

/// The TCP port lockdownd listens on, on the device side of usbmux.
pub const LOCKDOWN_PORT: u16 = 62078;

/// What a host sends in `Pair`: its certificates and identity, never private keys.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPairRecord {
    pub host_id: String,
    pub system_buid: String,
    /// PEM, as the host generated them.
    pub device_certificate: Vec<u8>,
    pub host_certificate: Vec<u8>,
    pub root_certificate: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    QueryType,
    GetValue {
        domain: Option<String>,
        key: Option<String>,
    },
    SetValue {
        domain: Option<String>,
        key: Option<String>,
        value: Value,
    },
    RemoveValue {
        domain: Option<String>,
        key: Option<String>,
    },
    Pair {
        record: HostPairRecord,
    },
    ValidatePair {
        host_id: String,
    },
    Unpair {
        host_id: String,
    },
    StartSession {
        host_id: String,
        system_buid: Option<String>,
    },
    StopSession {
        session_id: String,
    },
    StartService {
        service: String,
        escrow_bag: Option<Vec<u8>>,
    },
    Goodbye,
    /// A known request whose arguments are unusable: answered with this lockdownd error string.
    Invalid {
        request: String,
        error: &'static str,
    },
    Unknown(String),
}

impl Request {
    /// The `Request` string to echo in the reply.
    pub fn name(&self) -> &str {
        match self {
            Request::QueryType => "QueryType",
            Request::GetValue { .. } => "GetValue",
            Request::SetValue { .. } => "SetValue",
            Request::RemoveValue { .. } => "RemoveValue",
            Request::Pair { .. } => "Pair",
            Request::ValidatePair { .. } => "ValidatePair",
            Request::Unpair { .. } => "Unpair",
            Request::StartSession { .. } => "StartSession",
            Request::StopSession { .. } => "StopSession",
            Request::StartService { .. } => "StartService",
            Request::Goodbye => "Goodbye",
            Request::Invalid { request, .. } | Request::Unknown(request) => request,
        }
    }

    pub fn parse(value: &Value) -> Result<Self> {
        let dict = value
            .as_dictionary()
            .ok_or_else(|| Error::protocol("lockdown request is not a dictionary"))?;
        let name = dict
            .get("Request")
            .and_then(Value::as_string)
            .ok_or_else(|| Error::protocol("lockdown request without Request"))?;
        let text = |key: &str| dict.get(key).and_then(Value::as_string).map(str::to_owned);
        let invalid = |error| Request::Invalid {
            request: name.to_owned(),
            error,
        };
        Ok(match name {
            "QueryType" => Request::QueryType,
            "GetValue" => Request::GetValue {
                domain: text("Domain"),
                key: text("Key"),
            },
            "SetValue" => match dict.get("Value") {
                Some(value) => Request::SetValue {
                    domain: text("Domain"),
                    key: text("Key"),
                    value: value.clone(),
                },
                None => invalid("MissingValue"),
            },
            "RemoveValue" => Request::RemoveValue {
                domain: text("Domain"),
                key: text("Key"),
            },
            "Pair" => match dict
                .get("PairRecord")
                .and_then(Value::as_dictionary)
                .and_then(host_pair_record)
            {
                Some(record) => Request::Pair { record },
                None => invalid("InvalidPairRecord"),
            },
            "ValidatePair" | "Unpair" => {
                let host_id = dict
                    .get("PairRecord")
                    .and_then(Value::as_dictionary)
                    .and_then(|r| r.get("HostID"))
                    .and_then(Value::as_string)
                    .map(str::to_owned);
                match (name, host_id) {
                    (_, None) => invalid("InvalidPairRecord"),
                    ("Unpair", Some(host_id)) => Request::Unpair { host_id },
                    (_, Some(host_id)) => Request::ValidatePair { host_id },
                }
            }
            "StartSession" => match text("HostID") {
                Some(host_id) => Request::StartSession {
                    host_id,
                    system_buid: text("SystemBUID"),
                },
                None => invalid("InvalidHostID"),
            },
            "StopSession" => Request::StopSession {
                session_id: text("SessionID").unwrap_or_default(),
            },
            "StartService" => match text("Service") {
                Some(service) => Request::StartService {
                    service,
                    escrow_bag: dict
                        .get("EscrowBag")
                        .and_then(Value::as_data)
                        .map(<[u8]>::to_vec),
                },
                None => invalid("MissingService"),
            },
            "Goodbye" => Request::Goodbye,
            other => Request::Unknown(other.to_owned()),
        })
    }
}

fn host_pair_record(d: &Dictionary) -> Option<HostPairRecord> {
    let data = |key: &str| d.get(key).and_then(Value::as_data).map(<[u8]>::to_vec);
    let record = HostPairRecord {
        host_id: d.get("HostID")?.as_string()?.to_owned(),
        // pymobiledevice3 and libimobiledevice both send it; older hosts may not.
        system_buid: d
            .get("SystemBUID")
            .and_then(Value::as_string)
            .unwrap_or_default()
            .to_owned(),
        device_certificate: data("DeviceCertificate")?,
        host_certificate: data("HostCertificate")?,
        root_certificate: data("RootCertificate")?,
    };
    valid_host_id(&record.host_id).then_some(record)
}

/// Host ids become file names in the device's pairing store, so they are held to a UUID's alphabet.
pub fn valid_host_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A reply that echoes the request's name, as every lockdownd reply does.
pub fn reply(request: &str) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("Request".into(), Value::from(request));
    d
}

/// An error reply: since iOS 5 there is no `Result` key, only `Error` with a fixed string.
pub fn error_reply(request: &str, error: &str) -> Dictionary {
    let mut d = reply(request);
    d.insert("Error".into(), Value::from(error));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, Value)]) -> Request {
        let d: Dictionary = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Request::parse(&Value::Dictionary(d)).unwrap()
    }

    #[test]
    fn pair_without_certificates_is_an_invalid_pair_record() {
        let mut record = Dictionary::new();
        record.insert("HostID".into(), "ABCD-1234".into());
        let r = parse(&[
            ("Request", "Pair".into()),
            ("PairRecord", Value::Dictionary(record)),
        ]);
        assert_eq!(
            r,
            Request::Invalid {
                request: "Pair".into(),
                error: "InvalidPairRecord"
            }
        );
    }

    #[test]
    fn pair_record_host_id_cannot_escape_the_store() {
        let mut record = Dictionary::new();
        record.insert("HostID".into(), "../x".into());
        for key in ["DeviceCertificate", "HostCertificate", "RootCertificate"] {
            record.insert(key.into(), Value::Data(b"pem".to_vec()));
        }
        let r = parse(&[
            ("Request", "Pair".into()),
            ("PairRecord", Value::Dictionary(record)),
        ]);
        assert!(matches!(r, Request::Invalid { .. }));
    }

    #[test]
    fn start_service_keeps_the_escrow_bag() {
        let r = parse(&[
            ("Request", "StartService".into()),
            ("Service", "com.apple.mobilebackup2".into()),
            ("EscrowBag", Value::Data(vec![1, 2, 3])),
        ]);
        assert_eq!(
            r,
            Request::StartService {
                service: "com.apple.mobilebackup2".into(),
                escrow_bag: Some(vec![1, 2, 3])
            }
        );
    }

    #[test]
    fn request_without_name_is_an_error() {
        assert!(Request::parse(&Value::Dictionary(Dictionary::new())).is_err());
        assert!(Request::parse(&Value::from(3u64)).is_err());
    }

    #[test]
    fn arbitrary_frames_never_panic() {
        // Deterministic noise plus mutations of a valid request stand in for a fuzzer here.
        let mut valid = Vec::new();
        let mut d = Dictionary::new();
        d.insert("Request".into(), "StartService".into());
        d.insert("Service".into(), "com.apple.afc".into());
        plist::to_writer_binary(&mut valid, &Value::Dictionary(d)).unwrap();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..2000 {
            let mut bytes = if round % 2 == 0 {
                valid.clone()
            } else {
                (0..round % 300).map(|_| next() as u8).collect()
            };
            if !bytes.is_empty() {
                let i = next() as usize % bytes.len();
                bytes[i] = next() as u8;
            }
            if let Ok(value) = crate::frame::decode(&bytes) {
                let _ = Request::parse(&value);
            }
        }
    }

    #[test]
    fn unknown_requests_keep_their_name_for_the_reply() {
        let r = parse(&[("Request", "EnterRecovery".into())]);
        assert_eq!(r.name(), "EnterRecovery");
    }
}
