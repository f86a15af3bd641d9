//! `com.apple.mobile.notification_proxy`: Darwin notifications between host and device. Hosts
//! observe names (sync cancel requests, the passcode prompt) and post names (syncWillStart, ...);
//! the device relays every post, from a host or from itself, to the connections observing it.

use std::collections::BTreeSet;
use std::sync::Arc;

use plist::{Dictionary, Value};
use tokio::sync::broadcast;

use super::{Service, ServiceFuture};
use crate::device::VirtualDevice;
use crate::error::{Error, Result};
use crate::frame::{self, MAX_PLIST_FRAME};
use crate::transport::Transport;

pub const SERVICE_NAME: &str = "com.apple.mobile.notification_proxy";
/// Notification names are reverse-DNS identifiers; longer ones are refused.
const MAX_NAME: usize = 256;
/// A host observes a handful of names; a flood is refused rather than remembered.
const MAX_OBSERVED: usize = 256;

/// What a host sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCommand {
    Observe(String),
    Post(String),
    /// The host is done: the device answers ProxyDeath and closes.
    Shutdown,
    Unknown(String),
}

impl HostCommand {
    pub fn parse(value: &Value) -> Result<Self> {
        let d = value
            .as_dictionary()
            .ok_or_else(|| Error::protocol("notification command is not a dictionary"))?;
        let command = d
            .get("Command")
            .and_then(Value::as_string)
            .ok_or_else(|| Error::protocol("notification without Command"))?;
        let name = || -> Result<String> {
            let name = d
                .get("Name")
                .and_then(Value::as_string)
                .ok_or_else(|| Error::protocol("notification without Name"))?;
            if name.is_empty() || name.len() > MAX_NAME {
                return Err(Error::protocol("notification name length out of bounds"));
            }
            Ok(name.to_owned())
        };
        Ok(match command {
            "ObserveNotification" => HostCommand::Observe(name()?),
            "PostNotification" => HostCommand::Post(name()?),
            "Shutdown" => HostCommand::Shutdown,
            other => HostCommand::Unknown(other.to_owned()),
        })
    }
}

/// `{Command: RelayNotification, Name}`: an observed name was posted.
pub fn relay(name: &str) -> Value {
    let mut d = Dictionary::new();
    d.insert("Command".into(), "RelayNotification".into());
    d.insert("Name".into(), name.into());
    Value::Dictionary(d)
}

/// `{Command: ProxyDeath}`: the answer to Shutdown.
pub fn proxy_death() -> Value {
    let mut d = Dictionary::new();
    d.insert("Command".into(), "ProxyDeath".into());
    Value::Dictionary(d)
}

pub struct NotificationProxy;

impl Service for NotificationProxy {
    fn name(&self) -> &'static str {
        SERVICE_NAME
    }

    fn serve(self: Arc<Self>, device: Arc<VirtualDevice>, transport: Transport) -> ServiceFuture {
        Box::pin(run(device, transport))
    }
}

async fn run(device: Arc<VirtualDevice>, mut link: Transport) -> Result<()> {
    let mut posts = device.notifications();
    let mut observed = BTreeSet::new();
    loop {
        while let Some(body) = link.take_frame(MAX_PLIST_FRAME)? {
            match HostCommand::parse(&frame::decode(&body)?)? {
                HostCommand::Observe(name) => {
                    if observed.len() >= MAX_OBSERVED {
                        return Err(Error::protocol("host observes too many notifications"));
                    }
                    tracing::debug!(name, "host observes");
                    observed.insert(name);
                    device.count_observer(1);
                }
                HostCommand::Post(name) => {
                    tracing::debug!(name, "host posts");
                    device.post_notification(&name);
                }
                HostCommand::Shutdown => {
                    device.count_observer(-(observed.len() as isize));
                    link.write_xml(&proxy_death()).await?;
                    return Ok(());
                }
                HostCommand::Unknown(command) => {
                    tracing::info!(command, "unknown notification_proxy command")
                }
            }
        }
        tokio::select! {
            more = link.fill() => if !more? {
                device.count_observer(-(observed.len() as isize));
                return Ok(());
            },
            post = posts.recv() => match post {
                Ok(name) if observed.contains(&name) => link.write_xml(&relay(&name)).await?,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!(n, "notification relay lagged"),
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(pairs: &[(&str, &str)]) -> Result<HostCommand> {
        let d: Dictionary = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        HostCommand::parse(&Value::Dictionary(d))
    }

    #[test]
    fn commands_parse() {
        let observe = command(&[
            ("Command", "ObserveNotification"),
            ("Name", "com.apple.itunes-client.syncCancelRequest"),
        ]);
        assert_eq!(
            observe.unwrap(),
            HostCommand::Observe("com.apple.itunes-client.syncCancelRequest".into())
        );
        assert_eq!(
            command(&[("Command", "Shutdown")]).unwrap(),
            HostCommand::Shutdown
        );
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(command(&[("Command", "PostNotification")]).is_err());
        let long = "x".repeat(MAX_NAME + 1);
        assert!(command(&[("Command", "PostNotification"), ("Name", &long)]).is_err());
        assert!(HostCommand::parse(&Value::from("Shutdown")).is_err());
    }
}
