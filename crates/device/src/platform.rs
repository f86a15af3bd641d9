//! What differs between the systems Keepsake is planned for (Linux, macOS, Windows), as plain
//! data: where usbmuxd listens, where it keeps pair records, which credential store holds the
//! secrets. The only module that names a unix-only type, so a Windows build compiles; only
//! Linux is built and tested today (`docs/platforms.md` says what the others still need).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;

use idevice::usbmuxd::UsbmuxdAddr;

use crate::error::{DeviceError, Result};

/// An operating system Keepsake is planned for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// The system this build runs on (other unixes count as Linux: usbmuxd is the same daemon).
    pub const fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }

    /// Where the system's usbmuxd listens: a unix socket on Linux (the `usbmuxd` daemon) and
    /// macOS (Apple's own), TCP on loopback on Windows (Apple Mobile Device Service).
    pub fn usbmuxd(self) -> UsbmuxdAddress {
        match self {
            Os::Linux | Os::MacOs => UsbmuxdAddress::Unix(PathBuf::from("/var/run/usbmuxd")),
            Os::Windows => {
                UsbmuxdAddress::Tcp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 27015).into())
            }
        }
    }

    /// Where usbmuxd keeps the pair records it hands out (Keepsake asks usbmuxd for them; this
    /// is what a person looks at when a device must be made to forget this computer).
    pub fn pair_records(self) -> PathBuf {
        PathBuf::from(match self {
            Os::Linux => "/var/lib/lockdown",
            Os::MacOs => "/var/db/lockdown",
            Os::Windows => r"C:\ProgramData\Apple\Lockdown",
        })
    }

    /// Where the system mounts disks that are plugged in, for `user`: a disk holding
    /// `Keepsake.Backups` is looked for in these folders and their subfolders (one level).
    /// Linux: udisks' `/media/<user>` (Debian, Ubuntu) and `/run/media/<user>` (Fedora, Arch),
    /// then `/media` and `/mnt`; macOS: `/Volumes`; Windows: every drive letter is a root.
    pub fn disk_roots(self, user: Option<&str>) -> Vec<PathBuf> {
        match self {
            Os::Linux => {
                let mut roots = Vec::new();
                if let Some(user) = user.filter(|u| !u.is_empty() && !u.contains('/')) {
                    roots.push(PathBuf::from("/media").join(user));
                    roots.push(PathBuf::from("/run/media").join(user));
                }
                roots.push(PathBuf::from("/media"));
                roots.push(PathBuf::from("/mnt"));
                roots
            }
            Os::MacOs => vec![PathBuf::from("/Volumes")],
            Os::Windows => (b'D'..=b'Z')
                .map(|letter| PathBuf::from(format!("{}:\\", letter as char)))
                .collect(),
        }
    }

    /// The OS credential store the `keyring` crate reaches on this system.
    pub fn credential_store(self) -> &'static str {
        match self {
            Os::Linux => "the Secret Service (GNOME Keyring, KWallet) over D-Bus",
            Os::MacOs => "the login Keychain",
            Os::Windows => "Windows Credential Manager",
        }
    }
}

/// Where a usbmuxd daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbmuxdAddress {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl UsbmuxdAddress {
    /// Parses the forms of `USBMUXD_SOCKET_ADDRESS` (the variable libimobiledevice's tools
    /// read): `HOST:PORT`, `UNIX:/path`, or a bare absolute path.
    pub fn parse(value: &str) -> Result<Self> {
        if let Some(path) = value.strip_prefix("UNIX:") {
            return Ok(UsbmuxdAddress::Unix(PathBuf::from(path)));
        }
        if value.starts_with('/') {
            return Ok(UsbmuxdAddress::Unix(PathBuf::from(value)));
        }
        value
            .parse::<SocketAddr>()
            .map(UsbmuxdAddress::Tcp)
            .map_err(|_| DeviceError::BadUsbmuxdAddress {
                value: value.to_owned(),
            })
    }

    /// How messages name it.
    pub fn shown(&self) -> String {
        match self {
            UsbmuxdAddress::Unix(path) => path.display().to_string(),
            UsbmuxdAddress::Tcp(addr) => addr.to_string(),
        }
    }

    /// idevice's form of the address; a unix socket where the system has none is refused.
    pub(crate) fn to_idevice(&self) -> Result<UsbmuxdAddr> {
        match self {
            UsbmuxdAddress::Tcp(addr) => Ok(UsbmuxdAddr::TcpSocket(*addr)),
            #[cfg(unix)]
            UsbmuxdAddress::Unix(path) => {
                Ok(UsbmuxdAddr::UnixSocket(path.to_string_lossy().into_owned()))
            }
            #[cfg(not(unix))]
            UsbmuxdAddress::Unix(_) => Err(DeviceError::BadUsbmuxdAddress {
                value: self.shown(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_system_has_its_own_usbmuxd_pair_records_and_credential_store() {
        assert_eq!(
            Os::Linux.usbmuxd(),
            UsbmuxdAddress::Unix("/var/run/usbmuxd".into())
        );
        assert_eq!(Os::MacOs.usbmuxd(), Os::Linux.usbmuxd());
        assert_eq!(
            Os::Windows.usbmuxd(),
            UsbmuxdAddress::Tcp("127.0.0.1:27015".parse().unwrap())
        );
        assert_eq!(Os::Linux.pair_records(), PathBuf::from("/var/lib/lockdown"));
        assert_eq!(Os::MacOs.pair_records(), PathBuf::from("/var/db/lockdown"));
        assert!(Os::Windows
            .pair_records()
            .to_string_lossy()
            .contains("ProgramData"));
        assert!(Os::MacOs.credential_store().contains("Keychain"));
        assert!(Os::Windows
            .credential_store()
            .contains("Credential Manager"));
        #[cfg(target_os = "linux")]
        assert_eq!(Os::current(), Os::Linux);
    }

    #[test]
    fn disks_are_looked_for_where_each_system_mounts_them() {
        assert_eq!(
            Os::Linux.disk_roots(Some("ada")),
            ["/media/ada", "/run/media/ada", "/media", "/mnt"].map(PathBuf::from)
        );
        // a user name that is no folder name is not joined into a path
        assert_eq!(
            Os::Linux.disk_roots(Some("../etc")),
            ["/media", "/mnt"].map(PathBuf::from)
        );
        assert_eq!(Os::Linux.disk_roots(None).len(), 2);
        assert_eq!(Os::MacOs.disk_roots(None), [PathBuf::from("/Volumes")]);
        let windows = Os::Windows.disk_roots(None);
        assert_eq!(windows.first(), Some(&PathBuf::from("D:\\")));
        assert_eq!(windows.len(), 23);
    }
}
