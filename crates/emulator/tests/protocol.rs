//! The emulator's wire protocols driven byte by byte: usbmuxd framing and events, lockdownd
//! requests before and inside a TLS session, and hostile hosts. Pairing itself is done by the real
//! `idevicepair`, whose stored pair record (with its private keys) then drives a rustls client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use keepsake_emulator::{Config, VirtualIphone};
use plist::{Dictionary, Value};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

fn dict(pairs: &[(&str, Value)]) -> Dictionary {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn mux_packet(version: u32, message: u32, tag: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [16 + body.len() as u32, version, message, tag] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(body);
    out
}

fn mux_send(s: &mut TcpStream, tag: u32, d: Dictionary) {
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &Value::Dictionary(d)).unwrap();
    s.write_all(&mux_packet(1, 8, tag, &body)).unwrap();
}

/// Returns (version, message, tag, plist).
fn mux_recv(s: &mut TcpStream) -> (u32, u32, u32, Dictionary) {
    let mut h = [0u8; 16];
    s.read_exact(&mut h).unwrap();
    let field = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().unwrap());
    let mut body = vec![0u8; field(0) as usize - 16];
    s.read_exact(&mut body).unwrap();
    let d = Value::from_reader_xml(body.as_slice())
        .unwrap()
        .into_dictionary()
        .unwrap();
    (field(4), field(8), field(12), d)
}

fn number(d: &Dictionary) -> u64 {
    assert_eq!(
        d.get("MessageType").and_then(Value::as_string),
        Some("Result"),
        "{d:?}"
    );
    d.get("Number")
        .and_then(Value::as_unsigned_integer)
        .unwrap()
}

fn request(kind: &str, extra: &[(&str, Value)]) -> Dictionary {
    let mut d = dict(extra);
    d.insert("MessageType".into(), kind.into());
    d.insert("ProgName".into(), "protocol-test".into());
    d.insert("kLibUSBMuxVersion".into(), 3u64.into());
    d
}

fn connect(phone: &VirtualIphone) -> TcpStream {
    TcpStream::connect(phone.address()).unwrap()
}

/// A usbmux Connect; the socket is then a pipe to the device port.
fn connect_port(phone: &VirtualIphone, device_id: u64, port: u16) -> Result<TcpStream, u64> {
    let mut s = connect(phone);
    let args = [
        ("DeviceID", Value::from(device_id)),
        ("PortNumber", Value::from(u64::from(port.to_be()))),
    ];
    mux_send(&mut s, 9, request("Connect", &args));
    let (_, _, tag, d) = mux_recv(&mut s);
    assert_eq!(tag, 9);
    match number(&d) {
        0 => Ok(s),
        n => Err(n),
    }
}

fn lockdown_send<S: Write>(s: &mut S, d: Dictionary) {
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &Value::Dictionary(d)).unwrap();
    s.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
    s.write_all(&body).unwrap();
    s.flush().unwrap();
}

fn lockdown_recv<S: Read>(s: &mut S) -> Dictionary {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).unwrap();
    Value::from_reader(std::io::Cursor::new(body))
        .unwrap()
        .into_dictionary()
        .unwrap()
}

fn lockdown<S: Read + Write>(s: &mut S, name: &str, extra: &[(&str, Value)]) -> Dictionary {
    let mut d = dict(extra);
    d.insert("Request".into(), name.into());
    d.insert("Label".into(), "protocol-test".into());
    lockdown_send(s, d);
    let reply = lockdown_recv(s);
    assert_eq!(
        reply.get("Request").and_then(Value::as_string),
        Some(name),
        "{reply:?}"
    );
    reply
}

fn error(d: &Dictionary) -> Option<&str> {
    d.get("Error").and_then(Value::as_string)
}

#[test]
fn listen_reports_present_devices_then_detach_and_attach() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 2)).unwrap();
    let mut s = connect(&phone);
    mux_send(&mut s, 5, request("Listen", &[]));
    let (version, message, tag, d) = mux_recv(&mut s);
    assert_eq!((version, message, tag, number(&d)), (1, 8, 5, 0));
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (_, _, tag, d) = mux_recv(&mut s);
        assert_eq!(tag, 0, "events carry tag 0");
        assert_eq!(
            d.get("MessageType").and_then(Value::as_string),
            Some("Attached")
        );
        let props = d.get("Properties").and_then(Value::as_dictionary).unwrap();
        assert_eq!(
            props.get("ConnectionType").and_then(Value::as_string),
            Some("USB")
        );
        seen.push(
            props
                .get("SerialNumber")
                .and_then(Value::as_string)
                .unwrap()
                .to_owned(),
        );
    }
    let udids: Vec<String> = phone
        .devices()
        .iter()
        .map(|d| d.udid().to_owned())
        .collect();
    assert_eq!(seen, udids);

    phone.detach(&udids[1]).unwrap();
    let (_, _, _, d) = mux_recv(&mut s);
    assert_eq!(
        d.get("MessageType").and_then(Value::as_string),
        Some("Detached")
    );
    assert_eq!(
        d.get("DeviceID").and_then(Value::as_unsigned_integer),
        Some(u64::from(phone.devices()[1].device_id))
    );
    phone.attach(&udids[1]).unwrap();
    let (_, _, _, d) = mux_recv(&mut s);
    assert_eq!(
        d.get("MessageType").and_then(Value::as_string),
        Some("Attached")
    );
}

#[test]
fn bare_read_buid_probe_gets_a_stable_plist_answer() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let mut buids = Vec::new();
    for _ in 0..2 {
        // pymobiledevice3's probe: no ProgName, no version keys.
        let mut s = connect(&phone);
        mux_send(&mut s, 1, dict(&[("MessageType", "ReadBUID".into())]));
        let (version, message, tag, d) = mux_recv(&mut s);
        assert_eq!((version, message, tag), (1, 8, 1));
        buids.push(d.get("BUID").and_then(Value::as_string).unwrap().to_owned());
    }
    assert_eq!(buids[0].len(), 36);
    assert_eq!(buids[0], buids[1]);
}

#[test]
fn pair_records_are_saved_read_back_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let id = ("PairRecordID", Value::from(udid.as_str()));
    let mut s = connect(&phone);

    mux_send(
        &mut s,
        1,
        request("ReadPairRecord", std::slice::from_ref(&id)),
    );
    assert_eq!(number(&mux_recv(&mut s).3), 2, "no record yet: BADDEV");
    let record = b"<plist>any bytes the host chooses</plist>".to_vec();
    mux_send(
        &mut s,
        2,
        request(
            "SavePairRecord",
            &[
                id.clone(),
                ("PairRecordData", Value::Data(record.clone())),
                ("DeviceID", 1u64.into()),
            ],
        ),
    );
    assert_eq!(number(&mux_recv(&mut s).3), 0);
    mux_send(
        &mut s,
        3,
        request("ReadPairRecord", std::slice::from_ref(&id)),
    );
    let (_, _, tag, d) = mux_recv(&mut s);
    assert_eq!(tag, 3);
    assert_eq!(
        d.get("PairRecordData").and_then(Value::as_data),
        Some(record.as_slice())
    );
    // A saved record is announced to listeners as Paired.
    let mut listener = connect(&phone);
    mux_send(&mut listener, 1, request("Listen", &[]));
    assert_eq!(number(&mux_recv(&mut listener).3), 0);
    let attached = mux_recv(&mut listener).3;
    assert_eq!(
        attached.get("MessageType").and_then(Value::as_string),
        Some("Attached")
    );
    let save = [id.clone(), ("PairRecordData", Value::Data(record.clone()))];
    mux_send(&mut s, 6, request("SavePairRecord", &save));
    assert_eq!(number(&mux_recv(&mut s).3), 0);
    let paired = mux_recv(&mut listener).3;
    assert_eq!(
        paired.get("MessageType").and_then(Value::as_string),
        Some("Paired")
    );
    assert_eq!(
        paired.get("DeviceID").and_then(Value::as_unsigned_integer),
        Some(1)
    );
    mux_send(
        &mut s,
        4,
        request("DeletePairRecord", std::slice::from_ref(&id)),
    );
    assert_eq!(number(&mux_recv(&mut s).3), 0);
    mux_send(&mut s, 5, request("ReadPairRecord", &[id]));
    assert_eq!(number(&mux_recv(&mut s).3), 2);
}

#[test]
fn connect_to_an_unknown_device_or_a_closed_port_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    assert_eq!(connect_port(&phone, 99, 62078).err(), Some(2));
    assert_eq!(connect_port(&phone, 1, 1234).err(), Some(3));
    assert!(connect_port(&phone, 1, 62078).is_ok());
}

#[test]
fn hostile_usbmux_messages_get_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let mut s = connect(&phone);
    // Not a plist: BADCOMMAND, and the connection stays usable.
    s.write_all(&mux_packet(1, 8, 7, b"\x00\x01garbage"))
        .unwrap();
    let (_, _, tag, d) = mux_recv(&mut s);
    assert_eq!((tag, number(&d)), (7, 1));
    // A path in place of a UDID.
    mux_send(
        &mut s,
        8,
        request(
            "ReadPairRecord",
            &[("PairRecordID", "../../etc/passwd".into())],
        ),
    );
    assert_eq!(number(&mux_recv(&mut s).3), 1);
    mux_send(&mut s, 9, request("ListDevices", &[]));
    let d = mux_recv(&mut s).3;
    assert_eq!(
        d.get("DeviceList").and_then(Value::as_array).map(Vec::len),
        Some(1)
    );
    // The legacy binary protocol: BADVERSION in a binary result.
    s.write_all(&mux_packet(0, 3, 10, &[])).unwrap();
    let mut reply = [0u8; 20];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(
        u32::from_le_bytes(reply[8..12].try_into().unwrap()),
        1,
        "RESULT message"
    );
    assert_eq!(
        u32::from_le_bytes(reply[16..20].try_into().unwrap()),
        6,
        "BADVERSION"
    );
    // An absurd length: the daemon hangs up instead of allocating it.
    let mut absurd = mux_packet(1, 8, 11, &[]);
    absurd[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    s.write_all(&absurd).unwrap();
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap_or(0), 0);
}

#[test]
fn lockdown_before_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let mut s = connect_port(&phone, 1, 62078).unwrap();
    let d = lockdown(&mut s, "QueryType", &[]);
    assert_eq!(
        d.get("Type").and_then(Value::as_string),
        Some("com.apple.mobile.lockdown")
    );
    let d = lockdown(&mut s, "GetValue", &[("Key", "ProductVersion".into())]);
    assert_eq!(
        d.get("Value").and_then(Value::as_string),
        Some(phone.devices()[0].profile.product_version.as_str())
    );
    let d = lockdown(
        &mut s,
        "GetValue",
        &[("Domain", "com.apple.mobile.backup".into())],
    );
    assert_eq!(error(&d), Some("MissingValue"), "domains need a session");
    let d = lockdown(
        &mut s,
        "StartService",
        &[("Service", "com.apple.afc".into())],
    );
    assert_eq!(error(&d), Some("SessionInactive"));
    let d = lockdown(
        &mut s,
        "StartSession",
        &[
            ("HostID", "00000000-0000-4000-8000-000000000000".into()),
            ("SystemBUID", "X".into()),
        ],
    );
    assert_eq!(error(&d), Some("InvalidHostID"));
    let d = lockdown(&mut s, "EnterRecovery", &[]);
    assert_eq!(error(&d), Some("InvalidRequest"));
    let d = lockdown(
        &mut s,
        "Pair",
        &[(
            "PairRecord",
            Value::Dictionary(dict(&[("HostID", "AB".into())])),
        )],
    );
    assert_eq!(error(&d), Some("InvalidPairRecord"));
    assert!(phone.devices()[0].paired_hosts().is_empty());

    // Garbage in a frame: one error reply, then the device hangs up.
    s.write_all(&9u32.to_be_bytes()).unwrap();
    s.write_all(b"not plist").unwrap();
    assert!(error(&lockdown_recv(&mut s)).is_some());
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap_or(0), 0);

    // An absurd frame length is refused without reading it.
    let mut s = connect_port(&phone, 1, 62078).unwrap();
    s.write_all(&u32::MAX.to_be_bytes()).unwrap();
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap_or(0), 0);
}

/// The host's side of a pairing, as libimobiledevice stored it through usbmuxd.
struct HostRecord(Dictionary);

impl HostRecord {
    fn paired_by_idevicepair(phone: &VirtualIphone, state: &std::path::Path, udid: &str) -> Self {
        assert!(
            std::process::Command::new("sh")
                .args(["-c", "command -v idevicepair"])
                .output()
                .unwrap()
                .status
                .success(),
            "idevicepair (libimobiledevice-utils) is not installed: run scripts/setup.sh"
        );
        let out = std::process::Command::new("idevicepair")
            .args(["-u", udid, "pair"])
            .env("USBMUXD_SOCKET_ADDRESS", phone.usbmuxd_socket_address())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let bytes = std::fs::read(state.join(format!("usbmuxd/lockdown/{udid}.plist"))).unwrap();
        HostRecord(
            Value::from_reader(std::io::Cursor::new(bytes))
                .unwrap()
                .into_dictionary()
                .unwrap(),
        )
    }

    fn text(&self, k: &str) -> Value {
        self.0.get(k).cloned().unwrap()
    }

    fn data(&self, k: &str) -> &[u8] {
        self.0.get(k).and_then(Value::as_data).unwrap()
    }
}

#[derive(Debug)]
struct AnyDevice(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyDevice {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_client(
    s: TcpStream,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> StreamOwned<ClientConnection, TcpStream> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyDevice(provider)))
        .with_client_auth_cert(
            vec![CertificateDer::from_pem_slice(cert_pem).unwrap()],
            PrivateKeyDer::from_pem_slice(key_pem).unwrap(),
        )
        .unwrap();
    let conn =
        ClientConnection::new(Arc::new(config), ServerName::try_from("Device").unwrap()).unwrap();
    StreamOwned::new(conn, s)
}

fn start_session(s: &mut TcpStream, host: &HostRecord) -> Dictionary {
    lockdown(
        s,
        "StartSession",
        &[
            ("HostID", host.text("HostID")),
            ("SystemBUID", host.text("SystemBUID")),
        ],
    )
}

#[test]
fn session_with_the_host_certificate_starts_services_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let host = HostRecord::paired_by_idevicepair(&phone, dir.path(), &udid);

    let mut s = connect_port(&phone, 1, 62078).unwrap();
    let d = start_session(&mut s, &host);
    assert_eq!(
        d.get("EnableSessionSSL").and_then(Value::as_boolean),
        Some(true)
    );
    let session_id = d.get("SessionID").cloned().unwrap();
    // pymobiledevice3 and idevice present the host certificate (libimobiledevice the root one).
    let mut tls = tls_client(s, host.data("HostCertificate"), host.data("HostPrivateKey"));
    let d = lockdown(&mut tls, "QueryType", &[]);
    assert!(error(&d).is_none());
    assert_eq!(
        tls.conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2),
        "TLS 1.2 like devices"
    );
    let d = lockdown(
        &mut tls,
        "GetValue",
        &[
            ("Domain", "com.apple.mobile.backup".into()),
            ("Key", "WillEncrypt".into()),
        ],
    );
    assert_eq!(d.get("Value").and_then(Value::as_boolean), Some(false));

    let d = lockdown(
        &mut tls,
        "StartService",
        &[("Service", "com.apple.no.such.service".into())],
    );
    assert_eq!(error(&d), Some("InvalidService"));
    let d = lockdown(
        &mut tls,
        "StartService",
        &[("Service", "com.apple.mobilebackup2".into())],
    );
    assert_eq!(
        error(&d),
        Some("EscrowLocked"),
        "mobilebackup2 needs the escrow bag"
    );
    let d = lockdown(
        &mut tls,
        "StartService",
        &[
            ("Service", "com.apple.mobilebackup2".into()),
            ("EscrowBag", Value::Data(vec![0; 8])),
        ],
    );
    assert_eq!(
        error(&d),
        Some("EscrowLocked"),
        "a wrong escrow bag is refused too"
    );

    lockdown(&mut tls, "StopSession", &[("SessionID", session_id)]);
    tls.conn.send_close_notify();
    tls.conn.complete_io(&mut tls.sock).unwrap();
    let mut s = tls.sock;
    // Back in plaintext on the same socket.
    let d = lockdown(&mut s, "QueryType", &[]);
    assert_eq!(
        d.get("Type").and_then(Value::as_string),
        Some("com.apple.mobile.lockdown")
    );
    let d = lockdown(
        &mut s,
        "GetValue",
        &[("Key", "InternationalMobileEquipmentIdentity".into())],
    );
    assert_eq!(
        error(&d),
        Some("MissingValue"),
        "session values are gone with the session"
    );
}

#[test]
fn tls_with_a_certificate_outside_the_pair_record_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let host = HostRecord::paired_by_idevicepair(&phone, dir.path(), &udid);

    let mut s = connect_port(&phone, 1, 62078).unwrap();
    assert!(error(&start_session(&mut s, &host)).is_none());
    // A certificate the host never registered: the device's own, with the device key.
    let device_key =
        std::fs::read(dir.path().join(format!("devices/{udid}/device_key.pem"))).unwrap();
    let mut tls = tls_client(s, host.data("DeviceCertificate"), &device_key);
    let mut d = Dictionary::new();
    d.insert("Request".into(), "GetValue".into());
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &Value::Dictionary(d)).unwrap();
    let sent = tls
        .write_all(&(body.len() as u32).to_be_bytes())
        .and_then(|_| tls.write_all(&body))
        .and_then(|_| tls.flush());
    let mut buf = [0u8; 4];
    let read = tls.read_exact(&mut buf);
    assert!(
        sent.is_err() || read.is_err(),
        "the device must not answer over a rejected TLS session"
    );
}

/// AFC over TLS on a port lockdown opened, presenting the root certificate like libimobiledevice.
struct AfcClient {
    tls: StreamOwned<ClientConnection, TcpStream>,
    packet: u64,
}

impl AfcClient {
    fn open(
        phone: &VirtualIphone,
        lockdown_tls: &mut StreamOwned<ClientConnection, TcpStream>,
        host: &HostRecord,
    ) -> Self {
        let d = lockdown(
            lockdown_tls,
            "StartService",
            &[("Service", "com.apple.afc".into())],
        );
        assert_eq!(
            d.get("EnableServiceSSL").and_then(Value::as_boolean),
            Some(true),
            "{d:?}"
        );
        let port = d.get("Port").and_then(Value::as_unsigned_integer).unwrap() as u16;
        match phone.devices()[0].wifi_address() {
            // A Wi-Fi session's services are on TCP ports of the device's address.
            Some(wifi) if lockdown_tls.sock.peer_addr().unwrap() == wifi => {
                let s = TcpStream::connect((wifi.ip(), port)).unwrap();
                assert!(
                    connect_port(phone, 1, port).is_err(),
                    "not a usbmux port as well"
                );
                AfcClient::over(s, host)
            }
            _ => AfcClient::over(connect_port(phone, 1, port).unwrap(), host),
        }
    }

    fn over(s: TcpStream, host: &HostRecord) -> Self {
        AfcClient {
            tls: tls_client(s, host.data("RootCertificate"), host.data("RootPrivateKey")),
            packet: 0,
        }
    }

    /// Sends one request; returns (operation, args, data) of the reply.
    fn call(&mut self, operation: u64, args: &[u8], data: &[u8]) -> (u64, Vec<u8>, Vec<u8>) {
        self.packet += 1;
        let this_length = 40 + args.len() as u64;
        let mut out = b"CFA6LPAA".to_vec();
        for v in [
            this_length + data.len() as u64,
            this_length,
            self.packet,
            operation,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(args);
        out.extend_from_slice(data);
        self.tls.write_all(&out).unwrap();
        let mut h = [0u8; 40];
        self.tls.read_exact(&mut h).unwrap();
        assert_eq!(&h[..8], b"CFA6LPAA");
        let field = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().unwrap());
        assert_eq!(field(24), self.packet, "reply echoes the packet number");
        let mut args = vec![0u8; field(16) as usize - 40];
        self.tls.read_exact(&mut args).unwrap();
        let mut data = vec![0u8; (field(8) - field(16)) as usize];
        self.tls.read_exact(&mut data).unwrap();
        (field(32), args, data)
    }

    fn status(&mut self, operation: u64, args: &[u8], data: &[u8]) -> u64 {
        let (op, args, _) = self.call(operation, args, data);
        assert_eq!(op, 1, "STATUS reply expected");
        u64::from_le_bytes(args[..8].try_into().unwrap())
    }

    fn open_file(&mut self, path: &str, mode: u64) -> Result<u64, u64> {
        let mut args = mode.to_le_bytes().to_vec();
        args.extend_from_slice(path.as_bytes());
        args.push(0);
        match self.call(0x0D, &args, &[]) {
            (0x0E, args, _) => Ok(u64::from_le_bytes(args[..8].try_into().unwrap())),
            (1, args, _) => Err(u64::from_le_bytes(args[..8].try_into().unwrap())),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    fn two_u64(a: u64, b: u64) -> Vec<u8> {
        [a.to_le_bytes(), b.to_le_bytes()].concat()
    }

    fn path(p: &str) -> Vec<u8> {
        [p.as_bytes(), b"\0"].concat()
    }
}

fn paired_session(
    phone: &VirtualIphone,
    host: &HostRecord,
) -> StreamOwned<ClientConnection, TcpStream> {
    let mut s = connect_port(phone, 1, 62078).unwrap();
    assert!(error(&start_session(&mut s, host)).is_none());
    tls_client(s, host.data("RootCertificate"), host.data("RootPrivateKey"))
}

#[test]
fn afc_sync_lock_is_exclusive_and_backup_reads_find_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let phone = VirtualIphone::start(Config::new(dir.path(), 1)).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let host = HostRecord::paired_by_idevicepair(&phone, dir.path(), &udid);
    let mut session = paired_session(&phone, &host);
    let mut first = AfcClient::open(&phone, &mut session, &host);
    let mut second = AfcClient::open(&phone, &mut session, &host);

    // idevicebackup2's sequence: open r+, LOCK_EX|LOCK_NB, ..., unlock, close.
    let lock_file = "/com.apple.itunes.lock_sync";
    let a = first.open_file(lock_file, 2).expect("lock file exists");
    assert_eq!(first.status(0x1B, &AfcClient::two_u64(a, 6), &[]), 0);
    let b = second.open_file(lock_file, 2).unwrap();
    assert_eq!(
        second.status(0x1B, &AfcClient::two_u64(b, 6), &[]),
        19,
        "OP_WOULD_BLOCK while held"
    );
    assert_eq!(first.status(0x1B, &AfcClient::two_u64(a, 12), &[]), 0);
    assert_eq!(
        second.status(0x1B, &AfcClient::two_u64(b, 6), &[]),
        0,
        "free after unlock"
    );
    assert_eq!(first.status(0x14, &a.to_le_bytes(), &[]), 0);

    // The reads hosts make while building Info.plist find nothing on a fresh phone.
    for path in [
        "/iTunes_Control/iTunes/iTunesPrefs",
        "/Books/iBooksData2.plist",
        "../../etc/passwd",
    ] {
        assert_eq!(first.status(0x0A, &AfcClient::path(path), &[]), 8, "{path}");
    }
    let (op, _, info) = first.call(0x0A, &AfcClient::path(lock_file), &[]);
    assert_eq!(op, 2);
    assert!(
        info.windows(16).any(|w| w == b"st_ifmt\0S_IFREG\0"),
        "{:?}",
        String::from_utf8_lossy(&info)
    );
    let (_, _, listing) = first.call(0x03, &AfcClient::path("/"), &[]);
    let names: Vec<&[u8]> = listing.split(|&b| b == 0).collect();
    assert!(names.contains(&&b"iTunes_Control"[..]) && names.contains(&&b".."[..]));

    // What a host writes it reads back.
    let w = first.open_file("/Downloads/note.txt", 3).unwrap();
    assert_eq!(first.status(0x10, &w.to_le_bytes(), b"hello, phone"), 0);
    assert_eq!(first.status(0x14, &w.to_le_bytes(), &[]), 0);
    let r = first.open_file("/Downloads/note.txt", 1).unwrap();
    let (op, _, data) = first.call(0x0F, &AfcClient::two_u64(r, 4096), &[]);
    assert_eq!((op, data.as_slice()), (2, &b"hello, phone"[..]));
    assert_eq!(first.open_file("/no/such/dir/file", 3), Err(8));

    // Closing a connection releases its locks; a bad magic ends the connection.
    drop(second);
    let c = first.open_file(lock_file, 2).unwrap();
    let mut taken = 19;
    for _ in 0..200 {
        // The device notices the dropped connection asynchronously.
        taken = first.status(0x1B, &AfcClient::two_u64(c, 6), &[]);
        if taken == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(taken, 0, "a dropped connection's lock was released");
    first.tls.write_all(&[0u8; 40]).unwrap();
    let mut rest = [0u8; 1];
    assert!(matches!(first.tls.read(&mut rest), Ok(0) | Err(_)));
}

#[test]
fn lockdown_over_wifi_is_the_same_lockdown_and_its_services_are_tcp_ports() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path(), 1);
    config.wifi = keepsake_emulator::Wifi::Unadvertised;
    config.usbmuxd_lists_wifi = true;
    let phone = VirtualIphone::start(config).unwrap();
    let udid = phone.devices()[0].udid().to_owned();
    let wifi = phone.devices()[0].wifi_address().expect("on Wi-Fi");
    assert!(wifi.ip().is_loopback());
    let std::net::IpAddr::V4(ip) = wifi.ip() else {
        panic!("an IPv4 loopback address")
    };

    // usbmuxd lists the phone twice, on the cable and on the network (as on macOS).
    let mut s = connect(&phone);
    mux_send(&mut s, 3, request("ListDevices", &[]));
    let (_, _, _, d) = mux_recv(&mut s);
    let list = d["DeviceList"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let network = list[1].as_dictionary().unwrap()["Properties"]
        .as_dictionary()
        .unwrap();
    assert_eq!(network["ConnectionType"].as_string(), Some("Network"));
    assert_eq!(network["SerialNumber"].as_string(), Some(udid.as_str()));
    let sockaddr = network["NetworkAddress"].as_data().unwrap();
    assert_eq!(
        (sockaddr[1], &sockaddr[4..8]),
        (2, &ip.octets()[..]),
        "BSD sockaddr_in"
    );
    // A Connect to the network device is relayed to the phone's address.
    let network_id = network["DeviceID"].as_unsigned_integer().unwrap();
    let mut relayed = connect_port(&phone, network_id, 62078).unwrap();
    let d = lockdown(&mut relayed, "QueryType", &[]);
    assert_eq!(
        d.get("Type").and_then(Value::as_string),
        Some("com.apple.mobile.lockdown")
    );

    // Pairing needs the cable; the record is then good on Wi-Fi.
    let mut s = TcpStream::connect(wifi).unwrap();
    let d = lockdown(&mut s, "QueryType", &[]);
    assert_eq!(
        d.get("Type").and_then(Value::as_string),
        Some("com.apple.mobile.lockdown")
    );
    let d = lockdown(&mut s, "Pair", &[("PairRecord", Dictionary::new().into())]);
    assert_eq!(error(&d), Some("PairingProhibitedOverThisConnection"));
    let host = HostRecord::paired_by_idevicepair(&phone, dir.path(), &udid);

    let mut s = TcpStream::connect(wifi).unwrap();
    let d = lockdown(&mut s, "GetValue", &[("Key", "WiFiAddress".into())]);
    assert_eq!(
        d.get("Value").and_then(Value::as_string),
        Some(phone.devices()[0].profile.wifi_address.as_str())
    );
    assert!(error(&start_session(&mut s, &host)).is_none());
    let mut session = tls_client(s, host.data("RootCertificate"), host.data("RootPrivateKey"));
    let d = lockdown(
        &mut session,
        "GetValue",
        &[("Key", "UniqueDeviceID".into())],
    );
    assert_eq!(
        d.get("Value").and_then(Value::as_string),
        Some(udid.as_str())
    );
    let mut afc = AfcClient::open(&phone, &mut session, &host);
    let lock = afc.open_file("/com.apple.itunes.lock_sync", 2).unwrap();
    assert_eq!(afc.status(0x1B, &AfcClient::two_u64(lock, 6), &[]), 0);
    assert_eq!(afc.status(0x14, &lock.to_le_bytes(), &[]), 0);
}
