//! Every message both ways and the raw-stream framing survive encoding and parsing unchanged;
//! every limit holds at its edge; and mutated input is refused with an error, never a panic.

use keepsake_devicelink::{
    code, decode_message, encode_data_block, encode_error_block, encode_file_names, encode_message,
    encode_name, outcome, parse_block_header, parse_message_len, parse_name, parse_name_len,
    status, Block, DeviceMessage, Error, HostMessage, StatusResponse, BATCH_END, EMPTY_PARAMETER,
    FILE_END, MAX_BLOCK_LEN, MAX_MESSAGE_LEN, MAX_NAME_LEN, UPLOAD_BLOCK, VERSION_MAJOR,
    VERSION_MINOR,
};
use plist::{Dictionary, Value};

fn dict(pairs: &[(&str, Value)]) -> Dictionary {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn request() -> Dictionary {
    dict(&[
        ("MessageName", "Backup".into()),
        ("TargetIdentifier", "00008110-000A1B2C3D4E5F60".into()),
        (
            "Options",
            Value::Dictionary(dict(&[("ForceFullBackup", true.into())])),
        ),
    ])
}

/// One of every message the device sends, with and without their optional items.
fn device_messages() -> Vec<DeviceMessage> {
    let paths = vec!["U/Status.plist".to_owned(), "U/ab/abcdef".to_owned()];
    vec![
        DeviceMessage::VersionExchange {
            major: VERSION_MAJOR,
            minor: VERSION_MINOR,
        },
        DeviceMessage::DeviceReady,
        DeviceMessage::ProcessMessage(request()),
        DeviceMessage::response(0, None),
        DeviceMessage::response(207, Some("Invalid password (MBErrorDomain/207)")),
        DeviceMessage::DownloadFiles {
            paths: paths.clone(),
            progress: Some(12.5),
        },
        DeviceMessage::DownloadFiles {
            paths: Vec::new(),
            progress: None,
        },
        DeviceMessage::UploadFiles {
            progress: Some(40.0),
            total_bytes: Some(1 << 40),
        },
        DeviceMessage::UploadFiles {
            progress: None,
            total_bytes: None,
        },
        DeviceMessage::GetFreeDiskSpace,
        DeviceMessage::PurgeDiskSpace {
            bytes: Some(1 << 30),
        },
        DeviceMessage::PurgeDiskSpace { bytes: None },
        DeviceMessage::ContentsOfDirectory { path: "U".into() },
        DeviceMessage::CreateDirectory {
            path: "U/ab".into(),
        },
        DeviceMessage::MoveItems {
            moves: vec![
                ("U/Snapshot/a".into(), "U/a".into()),
                ("U/Snapshot/b".into(), "U/b".into()),
            ],
            progress: Some(99.0),
        },
        DeviceMessage::MoveItems {
            moves: Vec::new(),
            progress: None,
        },
        DeviceMessage::RemoveItems {
            paths,
            progress: Some(100.0),
        },
        DeviceMessage::CopyItem {
            from: "U/a".into(),
            to: "U/b".into(),
        },
        DeviceMessage::Ping {
            message: "Preparing backup".into(),
        },
        DeviceMessage::Disconnect { reason: None },
        DeviceMessage::Disconnect {
            reason: Some("bye".into()),
        },
        DeviceMessage::Other("DLMessageSomethingNew".into()),
    ]
}

/// One of every message the host sends.
fn host_messages() -> Vec<HostMessage> {
    let mut errors = Dictionary::new();
    errors.insert(
        "U/Status.plist".into(),
        StatusResponse::file_error(status::NO_SUCH_FILE, "No such file or directory"),
    );
    vec![
        HostMessage::VersionsOk {
            major: VERSION_MAJOR,
        },
        HostMessage::ProcessMessage(request()),
        HostMessage::StatusResponse(StatusResponse::ok(None)),
        HostMessage::StatusResponse(StatusResponse::ok(Some(Value::from(500u64 << 30)))),
        HostMessage::StatusResponse(StatusResponse::ok(Some(Value::Dictionary(
            Dictionary::new(),
        )))),
        HostMessage::StatusResponse(StatusResponse::error(status::EXISTS, "File exists")),
        HostMessage::StatusResponse(StatusResponse::multi_status(errors)),
        HostMessage::Ping {
            message: "Preparing to get changes for device".into(),
        },
        HostMessage::Disconnect { reason: None },
        HostMessage::Disconnect {
            reason: Some("done".into()),
        },
        HostMessage::Other("DLMessageSomethingNew".into()),
    ]
}

#[test]
fn every_device_message_encodes_then_parses_to_itself() {
    for message in device_messages() {
        let value = message.to_value();
        assert_eq!(DeviceMessage::parse(&value).unwrap(), message, "{value:?}");
        // Through the wire too: length prefix and binary plist.
        let bytes = encode_message(&value).unwrap();
        let len = parse_message_len(bytes[..4].try_into().unwrap()).unwrap();
        assert_eq!(len, bytes.len() - 4);
        let back = decode_message(&bytes[4..]).unwrap();
        assert_eq!(DeviceMessage::parse(&back).unwrap(), message);
    }
}

#[test]
fn every_host_message_encodes_then_parses_to_itself() {
    for message in host_messages() {
        let value = message.to_value();
        assert_eq!(HostMessage::parse(&value).unwrap(), message, "{value:?}");
        let bytes = encode_message(&value).unwrap();
        let back = decode_message(&bytes[4..]).unwrap();
        assert_eq!(HostMessage::parse(&back).unwrap(), message);
    }
}

#[test]
fn the_old_names_of_move_and_remove_parse_as_the_new_ones() {
    for (old, new) in [
        ("DLMessageMoveFiles", "DLMessageMoveItems"),
        ("DLMessageRemoveFiles", "DLMessageRemoveItems"),
    ] {
        let message = device_messages()
            .into_iter()
            .find(|m| m.name() == new)
            .unwrap();
        let Value::Array(mut items) = message.to_value() else {
            unreachable!()
        };
        items[0] = old.into();
        assert_eq!(DeviceMessage::parse(&Value::Array(items)).unwrap(), message);
    }
}

#[test]
fn a_response_reads_back_as_its_outcome() {
    for (code, text) in [(0, None), (208, Some("Device locked"))] {
        let DeviceMessage::ProcessMessage(d) = DeviceMessage::response(code, text) else {
            unreachable!()
        };
        assert_eq!(outcome(&d), (code as i64, text.map(str::to_owned)));
    }
    let mut d = Dictionary::new();
    d.insert("ErrorCode".into(), Value::Integer((-4i64 as u64).into()));
    assert_eq!(outcome(&d).0, -4, "a code as two's complement u64");
    assert_eq!(outcome(&Dictionary::new()).0, status::UNSPECIFIED);
}

/// One file of a batch as received: its names, and its data or the sender's error message.
type Received = (Vec<String>, Result<Vec<u8>, String>);

/// Reads one batch of a raw stream the way a receiver does, with this crate's parsers only.
fn read_batch(mut bytes: &[u8], names_per_file: usize) -> Vec<Received> {
    let mut take = |n: usize| {
        let (head, rest) = bytes.split_at(n);
        bytes = rest;
        head.to_vec()
    };
    let mut files = Vec::new();
    'files: loop {
        let mut names = Vec::new();
        for _ in 0..names_per_file {
            let Some(n) = parse_name_len(take(4).try_into().unwrap()).unwrap() else {
                break 'files;
            };
            names.push(parse_name(&take(n)).unwrap());
        }
        let mut data = Vec::new();
        let body = loop {
            match parse_block_header(take(5).try_into().unwrap()).unwrap() {
                Block::Data(n) => data.extend(take(n)),
                Block::Success => break Ok(data),
                Block::Error { len, .. } => break Err(String::from_utf8(take(len)).unwrap()),
            }
        };
        files.push((names, body));
    }
    assert!(bytes.is_empty(), "{} bytes after the batch", bytes.len());
    files
}

#[test]
fn a_batch_of_files_round_trips_through_the_stream_framing() {
    let big: Vec<u8> = (0..UPLOAD_BLOCK * 2 + 7).map(|i| i as u8).collect();
    let mut stream = encode_file_names("/var/mobile/a", "U/aa/aaaa");
    for chunk in big.chunks(UPLOAD_BLOCK) {
        stream.extend(encode_data_block(chunk));
    }
    stream.extend(FILE_END);
    stream.extend(encode_file_names("/var/mobile/empty", "U/bb/bbbb"));
    stream.extend(FILE_END);
    stream.extend(encode_file_names("/var/mobile/c", "U/cc/cccc"));
    stream.extend(encode_data_block(b"half"));
    stream.extend(encode_error_block(true, "Operation not permitted"));
    stream.extend(BATCH_END);
    assert_eq!(
        read_batch(&stream, 2),
        vec![
            (vec!["/var/mobile/a".into(), "U/aa/aaaa".into()], Ok(big)),
            (
                vec!["/var/mobile/empty".into(), "U/bb/bbbb".into()],
                Ok(Vec::new())
            ),
            (
                vec!["/var/mobile/c".into(), "U/cc/cccc".into()],
                Err("Operation not permitted".into())
            ),
        ]
    );

    // A download: one name per file, the host's own error code.
    let mut stream = encode_name("U/Status.plist");
    stream.extend(encode_error_block(false, "No such file"));
    stream.extend(BATCH_END);
    assert_eq!(
        read_batch(&stream, 1),
        vec![(vec!["U/Status.plist".into()], Err("No such file".into()))]
    );
    let header = encode_error_block(false, "x");
    assert_eq!(
        parse_block_header(header[..5].try_into().unwrap()).unwrap(),
        Block::Error {
            remote: false,
            len: 1
        }
    );
}

#[test]
fn every_limit_accepts_its_edge_and_refuses_one_past_it() {
    let be = u32::to_be_bytes;
    // Message length prefix.
    assert_eq!(
        parse_message_len(be(MAX_MESSAGE_LEN)).unwrap(),
        MAX_MESSAGE_LEN as usize
    );
    assert_eq!(
        parse_message_len(be(MAX_MESSAGE_LEN + 1)),
        Err(Error::MessageLength {
            len: MAX_MESSAGE_LEN as u64 + 1
        })
    );
    assert!(parse_message_len(be(0)).is_err());
    // A message body: exactly the limit encodes, one byte more does not.
    let overhead = encode_message(&Value::Data(vec![0; 1 << 20]))
        .unwrap()
        .len()
        - 4
        - (1 << 20);
    let at_limit = Value::Data(vec![0; MAX_MESSAGE_LEN as usize - overhead]);
    let bytes = encode_message(&at_limit).unwrap();
    assert_eq!(bytes.len() - 4, MAX_MESSAGE_LEN as usize);
    assert_eq!(decode_message(&bytes[4..]).unwrap(), at_limit);
    let past = Value::Data(vec![0; MAX_MESSAGE_LEN as usize - overhead + 1]);
    assert!(matches!(
        encode_message(&past),
        Err(Error::MessageLength { .. })
    ));
    assert!(decode_message(&vec![0; MAX_MESSAGE_LEN as usize + 1]).is_err());

    // Names in a raw stream.
    assert_eq!(
        parse_name_len(be(MAX_NAME_LEN)).unwrap(),
        Some(MAX_NAME_LEN as usize)
    );
    assert_eq!(
        parse_name_len(be(MAX_NAME_LEN + 1)),
        Err(Error::NameLength {
            len: MAX_NAME_LEN as u64 + 1
        })
    );
    assert_eq!(parse_name_len(BATCH_END).unwrap(), None);
    let long = "n".repeat(MAX_NAME_LEN as usize);
    assert_eq!(parse_name(long.as_bytes()).unwrap(), long);
    assert!(parse_name(format!("{long}n").as_bytes()).is_err());

    // Blocks: the length field counts the code byte.
    let header = |len: u32, code: u8| {
        let mut h = [0u8; 5];
        h[..4].copy_from_slice(&len.to_be_bytes());
        h[4] = code;
        h
    };
    assert_eq!(
        parse_block_header(header(MAX_BLOCK_LEN, code::FILE_DATA)).unwrap(),
        Block::Data(MAX_BLOCK_LEN as usize - 1)
    );
    assert_eq!(
        parse_block_header(header(MAX_BLOCK_LEN + 1, code::FILE_DATA)),
        Err(Error::BlockLength {
            len: MAX_BLOCK_LEN as u64 + 1
        })
    );
    assert_eq!(
        parse_block_header(header(0, code::FILE_DATA)),
        Err(Error::EmptyBlock)
    );
    // The block size senders use fits what receivers accept.
    let block = encode_data_block(&vec![7; UPLOAD_BLOCK]);
    assert_eq!(
        parse_block_header(block[..5].try_into().unwrap()).unwrap(),
        Block::Data(UPLOAD_BLOCK)
    );
}

#[test]
fn bad_block_codes_and_bad_names_are_refused() {
    assert_eq!(
        parse_block_header([0, 0, 0, 1, 0x42]),
        Err(Error::BlockCode { code: 0x42, len: 0 })
    );
    // A success code must not carry data.
    assert!(parse_block_header([0, 0, 0, 3, code::SUCCESS]).is_err());
    assert_eq!(parse_name(b"a\0b"), Err(Error::NameHasNul));
    assert_eq!(parse_name(&[0xff, 0xfe]), Err(Error::NameNotUtf8));
    assert!(decode_message(b"bplist00\xd1\x01\x02\x5f\x10\xff").is_err());
}

#[test]
fn malformed_messages_say_what_is_wrong() {
    let arr = Value::Array;
    let bad = [
        Value::String("hello".into()),
        arr(vec![]),
        arr(vec![1u64.into()]),
        arr(vec!["DLMessageDownloadFiles".into(), "not a list".into()]),
        arr(vec![
            "DLMessageDownloadFiles".into(),
            Value::Array(vec![1u64.into()]),
        ]),
        arr(vec!["DLMessageMoveItems".into(), Value::Array(vec![])]),
        arr(vec![
            "DLMessageMoveItems".into(),
            Value::Dictionary(dict(&[("a", 1u64.into())])),
        ]),
        arr(vec!["DLMessageCopyItem".into(), "only one".into()]),
        arr(vec!["DLMessageVersionExchange".into()]),
        arr(vec!["DLMessageProcessMessage".into(), "x".into()]),
    ];
    for v in bad {
        let err = DeviceMessage::parse(&v).unwrap_err();
        assert!(
            matches!(&err, Error::Malformed { detail, .. } if !detail.is_empty()),
            "{v:?}: {err}"
        );
    }
    for v in [
        Value::from("DLMessageDisconnect"),
        arr(vec![]),
        arr(vec!["DLMessageProcessMessage".into(), "x".into()]),
        arr(vec!["DLMessageStatusResponse".into(), "x".into()]),
        arr(vec![
            "DLMessageVersionExchange".into(),
            "DLVersionsRefused".into(),
        ]),
        arr(vec![
            "DLMessageVersionExchange".into(),
            "DLVersionsOk".into(),
        ]),
    ] {
        assert!(HostMessage::parse(&v).is_err(), "{v:?}");
    }
}

#[test]
fn wire_shapes_are_those_the_reference_clients_index() {
    let items = |m: DeviceMessage| m.to_value().into_array().unwrap();
    // libimobiledevice reads UploadFiles' progress at 2 and the byte total at 3.
    let a = items(DeviceMessage::UploadFiles {
        progress: Some(42.5),
        total_bytes: Some(7),
    });
    assert_eq!(a.len(), 4);
    assert_eq!(a[2], Value::Real(42.5));
    assert_eq!(a[3].as_unsigned_integer(), Some(7));
    let a = items(DeviceMessage::DownloadFiles {
        paths: vec!["U/x".into()],
        progress: Some(1.0),
    });
    assert_eq!(a[3], Value::Real(1.0));
    assert_eq!(
        items(DeviceMessage::ContentsOfDirectory { path: "U".into() })[0].as_string(),
        Some("DLContentsOfDirectory")
    );
    let DeviceMessage::ProcessMessage(d) = DeviceMessage::response(207, Some("x")) else {
        unreachable!()
    };
    assert_eq!(d["ErrorCode"].as_unsigned_integer(), Some(207));

    // Negative status codes go out as uint64; absent strings as the placeholder.
    let a = HostMessage::StatusResponse(StatusResponse::multi_status(Dictionary::new()))
        .to_value()
        .into_array()
        .unwrap();
    assert_eq!(a[1].as_unsigned_integer(), Some(-13i64 as u64));
    assert_eq!(a[2].as_string(), Some("Multi status"));
    let a = HostMessage::StatusResponse(StatusResponse::ok(None))
        .to_value()
        .into_array()
        .unwrap();
    assert_eq!(a[2].as_string(), Some(EMPTY_PARAMETER));
    assert_eq!(a[3].as_string(), Some(EMPTY_PARAMETER));
    assert_eq!(encode_name("U/x"), vec![0, 0, 0, 3, b'U', b'/', b'x']);
    assert_eq!(encode_data_block(b"ab"), vec![0, 0, 0, 3, 0x0c, b'a', b'b']);
    assert_eq!(FILE_END, [0, 0, 0, 1, 0]);
}

#[test]
fn a_status_response_reads_codes_in_either_sign_form_and_placeholders_as_absent() {
    let v = Value::Array(vec![
        "DLMessageStatusResponse".into(),
        Value::Integer((u64::MAX - 12).into()),
        "Multi status".into(),
        Value::Dictionary(Dictionary::new()),
    ]);
    let HostMessage::StatusResponse(s) = HostMessage::parse(&v).unwrap() else {
        panic!("{v:?}")
    };
    assert_eq!(s.code, status::MULTI_STATUS);
    assert_eq!(s.description.as_deref(), Some("Multi status"));
    let v = Value::Array(vec![
        "DLMessageStatusResponse".into(),
        Value::Integer((-6i64).into()),
        EMPTY_PARAMETER.into(),
    ]);
    let HostMessage::StatusResponse(s) = HostMessage::parse(&v).unwrap() else {
        panic!("{v:?}")
    };
    assert_eq!((s.code, s.description, s.payload), (-6, None, None));
}

/// A small deterministic generator: the mutation test must be reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_value(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => Value::String(String::new()),
        1 => Value::String(EMPTY_PARAMETER.into()),
        2 => Value::String("DLMessageDownloadFiles".into()),
        3 => Value::Integer(rng.next().into()),
        4 => Value::Integer((-(rng.below(20) as i64)).into()),
        5 => Value::Real(rng.below(1000) as f64 / 7.0),
        // Not finite: a progress of it reads as absent.
        6 => Value::Real(f64::INFINITY),
        7 => Value::Array(vec![Value::Integer(1u64.into())]),
        8 => Value::Dictionary(dict(&[("k", Value::Boolean(true))])),
        _ => Value::Boolean(false),
    }
}

/// Replaces, drops or adds one item somewhere in a message array (one level deep too).
fn mutate(value: &mut Value, rng: &mut Rng) {
    let Value::Array(items) = value else {
        *value = random_value(rng);
        return;
    };
    if items.is_empty() || rng.below(4) == 0 {
        items.push(random_value(rng));
        return;
    }
    let i = rng.below(items.len());
    match rng.below(3) {
        0 => items[i] = random_value(rng),
        1 => {
            items.remove(i);
        }
        _ => match &mut items[i] {
            Value::Array(inner) if !inner.is_empty() => {
                let j = rng.below(inner.len());
                inner[j] = random_value(rng);
            }
            Value::Dictionary(d) if !d.is_empty() => {
                let key = d.keys().nth(rng.below(d.len())).unwrap().clone();
                d.insert(key, random_value(rng));
            }
            other => *other = random_value(rng),
        },
    }
}

#[test]
fn mutated_messages_and_streams_are_refused_or_parsed_never_a_panic() {
    let seed = std::env::var("DEVICELINK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    println!("mutation seed: {seed} (rerun with DEVICELINK_SEED={seed})");
    let mut rng = Rng(seed);
    let mut messages: Vec<Value> = device_messages()
        .iter()
        .map(DeviceMessage::to_value)
        .collect();
    messages.extend(host_messages().iter().map(HostMessage::to_value));
    let mut refused = 0;
    for round in 0..20_000 {
        let mut value = messages[round % messages.len()].clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut value, &mut rng);
        }
        let (a, b) = (DeviceMessage::parse(&value), HostMessage::parse(&value));
        refused += usize::from(a.is_err()) + usize::from(b.is_err());
        // Whatever parses encodes again and reads back the same.
        if let Ok(m) = a {
            assert_eq!(
                DeviceMessage::parse(&m.to_value()).as_ref(),
                Ok(&m),
                "seed {seed}"
            );
        }
        if let Ok(m) = b {
            assert_eq!(
                HostMessage::parse(&m.to_value()).as_ref(),
                Ok(&m),
                "seed {seed}"
            );
        }

        // The same message as bytes, a few of them flipped or the body cut short.
        let mut bytes = encode_message(&messages[round % messages.len()]).unwrap();
        for _ in 0..=rng.below(4) {
            let i = rng.below(bytes.len());
            bytes[i] = rng.next() as u8;
        }
        bytes.truncate(4 + rng.below(bytes.len() - 3));
        if parse_message_len(bytes[..4].try_into().unwrap()).is_ok() {
            if let Ok(v) = decode_message(&bytes[4..]) {
                let _ = (DeviceMessage::parse(&v), HostMessage::parse(&v));
            }
        }

        // Stream headers and names of random bytes.
        let raw = rng.next().to_be_bytes();
        let _ = parse_name_len(raw[..4].try_into().unwrap());
        let _ = parse_block_header(raw[..5].try_into().unwrap());
        let _ = parse_name(&raw[..rng.below(9)]);
    }
    assert!(refused > 0, "seed {seed}: no mutation was refused");
}

/// Found by fuzz/fuzz_targets/devicelink_messages: a DLMessageDownloadFiles whose list of paths
/// holds a date outside the years 0 to 9999. Describing it with plist's `Debug` panicked (RFC 3339
/// cannot write such a year), so a device could take the host down with one message.
const FAR_DATE_MESSAGE: &[u8] = &[
    0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xa4, 0x01, 0x02, 0x03, 0x04, 0x5f, 0x10, 0x16,
    0x44, 0x4c, 0x4d, 0x65, 0x73, 0x73, 0xa6, 0x98, 0x9a, 0xbb, 0x90, 0x88, 0x91, 0x93, 0x6f, 0x61,
    0x64, 0x46, 0x69, 0x6c, 0x65, 0x73, 0xa2, 0x2d, 0x3c, 0x78, 0x6d, 0x78, 0x6d, 0x6c, 0x20, 0x7b,
    0x65, 0x05, 0x06, 0x5f, 0x10, 0x13, 0x55, 0x44, 0x49, 0x44, 0x2f, 0x4d, 0x61, 0x6e, 0x69, 0x85,
    0x85, 0x85, 0x85, 0x85, 0x85, 0x85, 0x85, 0x66, 0x65, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x84, 0x10, 0x11, 0x55, 0x44, 0x49, 0x44, 0x2f, 0x53, 0x74, 0x61, 0x74, 0x75, 0x73, 0x2e,
    0x70, 0x6c, 0x69, 0x73, 0x74, 0xd0, 0x23, 0x40, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
    0x0d, 0x26, 0x53, 0x23, 0x29, 0x33, 0xc2, 0x3f, 0x6c, 0x3e, 0xff, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d,
];

#[test]
fn a_date_outside_the_years_0_to_9999_is_refused_with_words_not_a_panic() {
    let value = Value::from_reader(std::io::Cursor::new(FAR_DATE_MESSAGE)).unwrap();
    let refused = DeviceMessage::parse(&value).unwrap_err().to_string();
    assert!(refused.contains("the date"), "{refused}");
    let _ = HostMessage::parse(&value).map_err(|e| e.to_string());

    // The same date where a name, a path or a destination belongs, through the framing.
    let far = Value::Date(
        (std::time::UNIX_EPOCH - std::time::Duration::from_secs(70_000_000_000)).into(),
    );
    let messages = [
        Value::Array(vec![far.clone()]),
        Value::Array(vec!["DLMessageDownloadFiles".into(), far.clone()]),
        Value::Array(vec![
            "DLMessageMoveItems".into(),
            Value::Dictionary(dict(&[("UDID/a", far.clone())])),
        ]),
        far,
    ];
    for message in messages {
        let framed = encode_message(&message).unwrap();
        let decoded = decode_message(&framed[4..]).unwrap();
        let refused = DeviceMessage::parse(&decoded).unwrap_err().to_string();
        assert!(refused.contains("s before 1970"), "{refused}");
        if let Err(refused) = HostMessage::parse(&decoded) {
            assert!(refused.to_string().contains("s before 1970"), "{refused}");
        }
    }
}
