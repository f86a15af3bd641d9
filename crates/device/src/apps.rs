//! The device's user apps, as a host copies them into a backup's Info.plist: installation_proxy's
//! `Browse` for their ids, names and store metadata, springboardservices' `getIconPNGData` for
//! their icons. Browsing a snapshot names an app's files by these, not by `AppDomain-com.acme.x`.
//!
//! Both services are spoken here over the bare service connection, not through idevice's
//! clients: those read a reply of any length the device announces and any number of Browse
//! pages, and a broken or hostile device must not make a backup allocate gigabytes. Every reply
//! is bounded, and so are the apps and each icon.

use crate::Step;
use std::time::Duration;

use idevice::ReadWrite;
use plist::{Dictionary, Value};

use crate::error::{DeviceError, Result};
use crate::session::{read_plist_frame, write_plist_frame};
use crate::usbmux::{Attachment, PairRecord, Usbmuxd};

const INSTALLATION_PROXY: &str = "com.apple.mobile.installation_proxy";
const SPRINGBOARD: &str = "com.apple.springboardservices";
/// A Browse page or an icon reply, at most (real pages are tens of kilobytes, icons ~20 kB).
const MAX_REPLY: usize = 4 << 20;
/// Apps kept, at most: real phones have a few hundred.
pub const MAX_APPS: usize = 4000;
/// An icon larger than this is left out rather than kept in every snapshot's Info.plist.
pub const MAX_ICON: usize = 512 * 1024;
/// Store metadata or DRM info larger than this is left out.
const MAX_BLOB: usize = 256 * 1024;
/// How long one reply may take: a silent device leaves the backup without app names, not hung.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);
/// The attributes asked of installation_proxy: what Info.plist keeps and the browser shows.
const ATTRIBUTES: [&str; 6] = [
    "CFBundleIdentifier",
    "CFBundleDisplayName",
    "CFBundleName",
    "CFBundleShortVersionString",
    "ApplicationSINF",
    "iTunesMetadata",
];

/// One user app on the device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstalledApp {
    pub bundle_id: String,
    /// The name under its icon (`CFBundleDisplayName`, else `CFBundleName`).
    pub display_name: Option<String>,
    pub version: Option<String>,
    /// The App Store's metadata plist (`itemName`, `artistName`…), as the device keeps it.
    pub itunes_metadata: Option<Vec<u8>>,
    /// The app's DRM info, which a restore hands back to the device.
    pub sinf: Option<Vec<u8>>,
    /// Its home-screen icon, a PNG.
    pub icon_png: Option<Vec<u8>>,
}

/// The device's user apps, with their icons when `with_icons`. An app whose icon the device
/// does not give keeps its other facts.
pub async fn installed_apps(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
    with_icons: bool,
) -> Result<Vec<InstalledApp>> {
    let what = Step::ListingApps;
    let mut socket = service(usbmuxd, device, record, INSTALLATION_PROXY, what).await?;
    let mut apps = browse(&mut socket)
        .await
        .map_err(|detail| malformed(device, what, detail))?;
    drop(socket);
    if with_icons && !apps.is_empty() {
        let what = Step::ReadingIcons;
        let mut socket = service(usbmuxd, device, record, SPRINGBOARD, what).await?;
        for app in &mut apps {
            match icon(&mut socket, &app.bundle_id).await {
                Ok(png) => app.icon_png = png,
                Err(detail) => {
                    // A connection that failed once is not asked again: the rest keep no icon.
                    tracing::warn!(udid = %device.udid, app = %app.bundle_id, %detail, "no app icon");
                    break;
                }
            }
        }
    }
    Ok(apps)
}

async fn service(
    usbmuxd: &Usbmuxd,
    device: &Attachment,
    record: &PairRecord,
    name: &str,
    what: Step,
) -> Result<Box<dyn ReadWrite>> {
    usbmuxd
        .start_service(device, record, name, false, what)
        .await?
        .get_socket()
        .ok_or_else(|| malformed(device, what, "the service connection is closed".into()))
}

fn malformed(device: &Attachment, what: Step, detail: String) -> DeviceError {
    DeviceError::Malformed {
        device: device.udid.clone(),
        what,
        detail,
    }
}

/// installation_proxy's `Browse` of the user apps, page after page until `Complete`.
async fn browse<S: ReadWrite + ?Sized>(
    socket: &mut Box<S>,
) -> std::result::Result<Vec<InstalledApp>, String> {
    let mut options = Dictionary::new();
    options.insert("ApplicationType".into(), "User".into());
    options.insert(
        "ReturnAttributes".into(),
        Value::Array(ATTRIBUTES.iter().map(|a| (*a).into()).collect()),
    );
    let mut request = Dictionary::new();
    request.insert("Command".into(), "Browse".into());
    request.insert("ClientOptions".into(), Value::Dictionary(options));
    send(socket, &request).await?;
    let mut apps = Vec::new();
    loop {
        let page = receive(socket).await?;
        if let Some(error) = page.get("Error").and_then(Value::as_string) {
            return Err(format!("installation_proxy answered {error}"));
        }
        for item in page
            .get("CurrentList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(app) = item.as_dictionary().and_then(app_of) {
                if apps.len() >= MAX_APPS {
                    return Err(format!("more than {MAX_APPS} apps"));
                }
                apps.push(app);
            }
        }
        match page.get("Status").and_then(Value::as_string) {
            Some("Complete") => break,
            Some(_) => {}
            None => return Err("a Browse reply without a Status".into()),
        }
    }
    apps.sort_by(|a, b| a.bundle_id.cmp(&b.bundle_id));
    apps.dedup_by(|a, b| a.bundle_id == b.bundle_id);
    Ok(apps)
}

/// An app's facts from its Browse entry; `None` without a plausible bundle id.
fn app_of(d: &Dictionary) -> Option<InstalledApp> {
    let bundle_id = d.get("CFBundleIdentifier")?.as_string()?;
    if !plausible_bundle_id(bundle_id) {
        return None;
    }
    let text = |k: &str| {
        d.get(k)
            .and_then(Value::as_string)
            .filter(|s| !s.is_empty() && s.len() <= 256)
            .map(str::to_owned)
    };
    let blob = |k: &str| {
        d.get(k)
            .and_then(Value::as_data)
            .filter(|b| b.len() <= MAX_BLOB)
            .map(<[u8]>::to_vec)
    };
    Some(InstalledApp {
        bundle_id: bundle_id.to_owned(),
        display_name: text("CFBundleDisplayName").or_else(|| text("CFBundleName")),
        version: text("CFBundleShortVersionString"),
        itunes_metadata: blob("iTunesMetadata"),
        sinf: blob("ApplicationSINF"),
        icon_png: None,
    })
}

/// Bundle ids are reverse-DNS names: letters, digits, `.`, `-`, `_`; nothing that could be a path.
pub fn plausible_bundle_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && !id.starts_with('.')
        && !id.contains("..")
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// One icon; `None` when the device has none for the app or it is too large or not a PNG.
async fn icon<S: ReadWrite + ?Sized>(
    socket: &mut Box<S>,
    bundle_id: &str,
) -> std::result::Result<Option<Vec<u8>>, String> {
    let mut request = Dictionary::new();
    request.insert("command".into(), "getIconPNGData".into());
    request.insert("bundleId".into(), bundle_id.into());
    send(socket, &request).await?;
    let reply = receive(socket).await?;
    Ok(match reply.get("pngData").and_then(Value::as_data) {
        Some(png) if png.len() <= MAX_ICON && png.starts_with(b"\x89PNG\r\n\x1a\n") => {
            Some(png.to_vec())
        }
        _ => None,
    })
}

async fn send<S: ReadWrite + ?Sized>(
    socket: &mut Box<S>,
    request: &Dictionary,
) -> std::result::Result<(), String> {
    tokio::time::timeout(REPLY_TIMEOUT, write_plist_frame(socket, request))
        .await
        .map_err(|_| "the device stopped reading".to_owned())?
}

async fn receive<S: ReadWrite + ?Sized>(
    socket: &mut Box<S>,
) -> std::result::Result<Dictionary, String> {
    tokio::time::timeout(REPLY_TIMEOUT, read_plist_frame(socket, MAX_REPLY))
        .await
        .map_err(|_| format!("no reply in {} s", REPLY_TIMEOUT.as_secs()))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn bundle_ids_that_could_be_paths_are_refused() {
        assert!(plausible_bundle_id("com.acme.notes"));
        assert!(plausible_bundle_id("com.acme-corp.my_app2"));
        for bad in [
            "",
            "../etc",
            "com/acme",
            ".hidden",
            "com..acme",
            "com.acme\0x",
            "a b",
        ] {
            assert!(!plausible_bundle_id(bad), "{bad:?}");
        }
    }

    /// A device's side of Browse over an in-memory pipe: two pages, then Complete.
    #[tokio::test]
    async fn browse_reads_every_page_and_keeps_what_info_plist_needs() {
        let (host, mut phone) = tokio::io::duplex(1 << 16);
        let device = tokio::spawn(async move {
            let _ = receive_on(&mut phone).await;
            for (i, status) in ["BrowsingApplications", "Complete"].iter().enumerate() {
                let mut app = Dictionary::new();
                app.insert(
                    "CFBundleIdentifier".into(),
                    format!("com.acme.app{i}").into(),
                );
                app.insert("CFBundleDisplayName".into(), format!("App {i}").into());
                app.insert("iTunesMetadata".into(), Value::Data(vec![i as u8; 8]));
                let mut bad = Dictionary::new();
                bad.insert("CFBundleIdentifier".into(), "../../x".into());
                let mut page = Dictionary::new();
                page.insert("Status".into(), (*status).into());
                page.insert(
                    "CurrentList".into(),
                    Value::Array(vec![Value::Dictionary(app), Value::Dictionary(bad)]),
                );
                send_on(&mut phone, &page).await;
            }
        });
        let mut socket: Box<tokio::io::DuplexStream> = Box::new(host);
        let apps = browse(&mut socket).await.unwrap();
        device.await.unwrap();
        let ids: Vec<&str> = apps.iter().map(|a| a.bundle_id.as_str()).collect();
        assert_eq!(ids, ["com.acme.app0", "com.acme.app1"]);
        assert_eq!(apps[1].display_name.as_deref(), Some("App 1"));
        assert_eq!(apps[1].itunes_metadata.as_deref(), Some(&[1u8; 8][..]));
    }

    #[tokio::test]
    async fn a_reply_announcing_gigabytes_is_refused_before_reading_it() {
        let (host, mut phone) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let _ = receive_on(&mut phone).await;
            phone.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
            let _ = phone.read_u8().await;
        });
        let mut socket: Box<tokio::io::DuplexStream> = Box::new(host);
        let err = browse(&mut socket).await.unwrap_err();
        assert!(err.contains("4294967295 bytes"), "{err}");
    }

    async fn receive_on(s: &mut tokio::io::DuplexStream) -> Dictionary {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.unwrap();
        plist::from_bytes(&body).unwrap()
    }

    async fn send_on(s: &mut tokio::io::DuplexStream, d: &Dictionary) {
        let mut body = Vec::new();
        plist::to_writer_binary(&mut body, &Value::Dictionary(d.clone())).unwrap();
        s.write_all(&(body.len() as u32).to_be_bytes())
            .await
            .unwrap();
        s.write_all(&body).await.unwrap();
    }
}
