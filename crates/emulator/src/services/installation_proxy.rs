//! `com.apple.mobile.installation_proxy`, read-only: `Browse` and `Lookup` of the installed user
//! apps, which hosts copy into a backup's Info.plist (`Installed Applications`, `Applications`).

use std::sync::Arc;

use plist::{Dictionary, Value};

use super::{Service, ServiceFuture};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::frame::MAX_PLIST_FRAME;
use crate::transport::Transport;

pub const SERVICE_NAME: &str = "com.apple.mobile.installation_proxy";
/// Real devices page Browse results; hosts accept any page size.
const PAGE: usize = 20;

/// An installed app as installation_proxy describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledApp {
    pub bundle_id: String,
    pub name: String,
    pub version: String,
}

impl InstalledApp {
    fn attributes(&self) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("ApplicationType".into(), "User".into());
        d.insert("CFBundleIdentifier".into(), self.bundle_id.as_str().into());
        d.insert("CFBundleDisplayName".into(), self.name.as_str().into());
        d.insert("CFBundleName".into(), self.name.as_str().into());
        d.insert(
            "CFBundleShortVersionString".into(),
            self.version.as_str().into(),
        );
        d.insert("CFBundleVersion".into(), self.version.as_str().into());
        d.insert(
            "Path".into(),
            format!(
                "/private/var/containers/Bundle/Application/{}.app",
                self.bundle_id
            )
            .into(),
        );
        // The DRM blob and store metadata hosts save with a backup; real ones are opaque to hosts.
        d.insert(
            "ApplicationSINF".into(),
            Value::Data(format!("sinf:{}", self.bundle_id).into_bytes()),
        );
        let mut meta = Dictionary::new();
        meta.insert("itemName".into(), self.name.as_str().into());
        meta.insert(
            "softwareVersionBundleId".into(),
            self.bundle_id.as_str().into(),
        );
        meta.insert(
            "bundleShortVersionString".into(),
            self.version.as_str().into(),
        );
        let mut xml = Vec::new();
        if plist::to_writer_xml(&mut xml, &Value::Dictionary(meta)).is_ok() {
            d.insert("iTunesMetadata".into(), Value::Data(xml));
        }
        d
    }
}

/// The user apps on the phone now (its generated content decides which).
pub fn installed_apps(device: &VirtualDevice) -> Vec<InstalledApp> {
    match device.backup().phone() {
        Ok(phone) => phone
            .apps()
            .iter()
            .map(|a| InstalledApp {
                bundle_id: a.bundle_id.into(),
                name: a.name.into(),
                version: a.version.into(),
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "phone content unavailable; listing no apps");
            Vec::new()
        }
    }
}

/// What a host asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `ApplicationType` filter ("User", "System", "Any"), and attributes to return (all if none).
    Browse {
        application_type: Option<String>,
        attributes: Option<Vec<String>>,
    },
    Lookup {
        bundle_ids: Option<Vec<String>>,
        attributes: Option<Vec<String>>,
    },
    Unsupported(String),
}

impl Command {
    pub fn parse(value: &Value) -> Result<Self> {
        let d = value
            .as_dictionary()
            .ok_or_else(|| Error::protocol("installation_proxy request is not a dictionary"))?;
        let command = d
            .get("Command")
            .and_then(Value::as_string)
            .ok_or_else(|| Error::protocol("no Command"))?;
        let options = d.get("ClientOptions").and_then(Value::as_dictionary);
        let strings = |key: &str| {
            options
                .and_then(|o| o.get(key))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_string)
                        .map(str::to_owned)
                        .collect()
                })
        };
        Ok(match command {
            "Browse" => Command::Browse {
                application_type: options
                    .and_then(|o| o.get("ApplicationType"))
                    .and_then(Value::as_string)
                    .map(str::to_owned),
                attributes: strings("ReturnAttributes"),
            },
            "Lookup" => Command::Lookup {
                bundle_ids: strings("BundleIDs"),
                attributes: strings("ReturnAttributes"),
            },
            other => Command::Unsupported(other.to_owned()),
        })
    }
}

fn select(app: &InstalledApp, attributes: &Option<Vec<String>>) -> Value {
    let mut all = app.attributes();
    if let Some(wanted) = attributes {
        all.retain(|k, _| wanted.iter().any(|w| w == k));
    }
    Value::Dictionary(all)
}

/// The replies to one command, in order; the last has `Status: Complete`.
pub fn respond(command: &Command, apps: &[InstalledApp]) -> Vec<Dictionary> {
    match command {
        Command::Browse {
            application_type,
            attributes,
        } => {
            // The emulator installs only user apps; System lists none.
            let apps: &[InstalledApp] = if application_type.as_deref() == Some("System") {
                &[]
            } else {
                apps
            };
            let mut replies: Vec<Dictionary> = apps
                .chunks(PAGE)
                .enumerate()
                .map(|(i, page)| {
                    let mut d = Dictionary::new();
                    d.insert("Status".into(), "BrowsingApplications".into());
                    d.insert("CurrentIndex".into(), ((i * PAGE) as u64).into());
                    d.insert("CurrentAmount".into(), (page.len() as u64).into());
                    d.insert("Total".into(), (apps.len() as u64).into());
                    d.insert(
                        "CurrentList".into(),
                        Value::Array(page.iter().map(|a| select(a, attributes)).collect()),
                    );
                    d
                })
                .collect();
            replies.push(status("Complete"));
            replies
        }
        Command::Lookup {
            bundle_ids,
            attributes,
        } => {
            let mut result = Dictionary::new();
            for app in apps.iter().filter(|a| {
                bundle_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&a.bundle_id))
            }) {
                result.insert(app.bundle_id.clone(), select(app, attributes));
            }
            let mut d = status("Complete");
            d.insert("LookupResult".into(), Value::Dictionary(result));
            vec![d]
        }
        Command::Unsupported(name) => {
            let mut d = Dictionary::new();
            d.insert("Error".into(), "UnknownCommand".into());
            d.insert(
                "ErrorDescription".into(),
                format!("the virtual iPhone does not implement {name}").into(),
            );
            vec![d]
        }
    }
}

fn status(s: &str) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert("Status".into(), s.into());
    d
}

pub struct InstallationProxy;

impl Service for InstallationProxy {
    fn name(&self) -> &'static str {
        SERVICE_NAME
    }

    fn serve(self: Arc<Self>, device: Arc<VirtualDevice>, mut link: Transport) -> ServiceFuture {
        Box::pin(async move {
            while let Some(request) = link.read_plist(MAX_PLIST_FRAME).await? {
                let command = Command::parse(&request)?;
                tracing::debug!(?command, "installation_proxy");
                for reply in respond(&command, &installed_apps(&device)) {
                    link.write_xml(&Value::Dictionary(reply)).await?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps(n: usize) -> Vec<InstalledApp> {
        (0..n)
            .map(|i| InstalledApp {
                bundle_id: format!("com.example.app{i}"),
                name: format!("App {i}"),
                version: "1.0".into(),
            })
            .collect()
    }

    #[test]
    fn browse_pages_then_completes_with_requested_attributes_only() {
        let command = Command::Browse {
            application_type: Some("User".into()),
            attributes: Some(vec!["CFBundleIdentifier".into()]),
        };
        let replies = respond(&command, &apps(45));
        assert_eq!(replies.len(), 4);
        assert_eq!(
            replies[3].get("Status").and_then(Value::as_string),
            Some("Complete")
        );
        let listed: usize = replies[..3]
            .iter()
            .map(|r| {
                r.get("CurrentList")
                    .and_then(Value::as_array)
                    .unwrap()
                    .len()
            })
            .sum();
        assert_eq!(listed, 45);
        let first = replies[0].get("CurrentList").unwrap().as_array().unwrap()[0]
            .as_dictionary()
            .unwrap();
        assert_eq!(first.keys().collect::<Vec<_>>(), ["CFBundleIdentifier"]);
    }

    #[test]
    fn lookup_filters_by_bundle_id() {
        let command = Command::Lookup {
            bundle_ids: Some(vec!["com.example.app1".into()]),
            attributes: None,
        };
        let replies = respond(&command, &apps(3));
        let result = replies[0]
            .get("LookupResult")
            .and_then(Value::as_dictionary)
            .unwrap();
        assert_eq!(result.keys().collect::<Vec<_>>(), ["com.example.app1"]);
    }
}
