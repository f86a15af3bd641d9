//! Where an offsite copy lives (an S3-compatible bucket and a prefix), and the keys to it.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// An S3-compatible bucket and the prefix under which Keepsake keeps its repositories:
/// `s3://host[:port]/bucket/prefix` (HTTPS) or `s3+http://host:port/bucket/prefix` (plain HTTP,
/// for a server on the local network or loopback).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remote {
    /// `https://host[:port]` or `http://host:port`.
    pub endpoint: String,
    pub bucket: String,
    /// Without leading or trailing slashes; empty for the bucket's root.
    pub prefix: String,
    /// The signing region; most S3-compatible servers accept any, AWS wants the bucket's.
    pub region: String,
}

impl Remote {
    /// Reads a remote's address. Bucket names follow S3's rules (3-63 of `a-z 0-9 . -`), and a
    /// prefix may not climb (`..`) or hold empty segments, so an address cannot name another
    /// bucket's objects by accident.
    pub fn parse(address: &str) -> Result<Remote> {
        let bad = |why: &str| Error::BadAddress {
            address: address.to_owned(),
            why: why.to_owned(),
        };
        let (scheme, rest) = if let Some(rest) = address.strip_prefix("s3://") {
            ("https", rest)
        } else if let Some(rest) = address.strip_prefix("s3+http://") {
            ("http", rest)
        } else {
            return Err(bad("it must start with s3:// or s3+http://"));
        };
        let mut parts = rest.splitn(3, '/');
        let host = parts.next().unwrap_or_default();
        let bucket = parts.next().unwrap_or_default();
        let prefix = parts.next().unwrap_or_default().trim_end_matches('/');
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        {
            return Err(bad("the server's name is missing or not a host name"));
        }
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !bucket_ok {
            return Err(bad(
                "the bucket's name must be 3 to 63 of a-z, 0-9, '.' and '-'",
            ));
        }
        if !prefix.is_empty()
            && prefix
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\'))
        {
            return Err(bad("the prefix may not hold empty, '.' or '..' parts"));
        }
        Ok(Remote {
            endpoint: format!("{scheme}://{host}"),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            region: "us-east-1".to_owned(),
        })
    }

    /// The key of `path` (relative to repository `id`'s folder) in the bucket.
    pub(crate) fn key(&self, id: &str, path: &str) -> String {
        if self.prefix.is_empty() {
            format!("{id}/{path}")
        } else {
            format!("{}/{id}/{path}", self.prefix)
        }
    }
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, host) = match self.endpoint.split_once("://") {
            Some(("http", host)) => ("s3+http", host),
            Some((_, host)) => ("s3", host),
            None => ("s3", self.endpoint.as_str()),
        };
        write!(f, "{scheme}://{host}/{}", self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// An access key and its secret. The secret is wiped from memory when dropped and never shown.
#[derive(Clone)]
pub struct Credentials {
    pub access_key: String,
    secret: Zeroizing<String>,
}

impl Credentials {
    pub fn new(access_key: impl Into<String>, secret: impl Into<String>) -> Credentials {
        Credentials {
            access_key: access_key.into(),
            secret: Zeroizing::new(secret.into()),
        }
    }

    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret", &"…")
            .finish()
    }
}

/// How hard an offsite copy may use the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per second up and down; `None` for as fast as the network goes.
    pub bandwidth: Option<u32>,
    /// Attempts of one request that failed for a reason that may pass (a cut connection, a
    /// server error, a timeout), with backoff between them.
    pub attempts: usize,
    /// How long one request may take, and how long the server may stay silent within it.
    pub request_timeout: std::time::Duration,
    pub io_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            bandwidth: None,
            attempts: 5,
            request_timeout: std::time::Duration::from_secs(300),
            io_timeout: std::time::Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_and_written_back_the_same() {
        let r = Remote::parse("s3+http://127.0.0.1:8333/keepsake-offsite/ada/phone").unwrap();
        assert_eq!(r.endpoint, "http://127.0.0.1:8333");
        assert_eq!(r.bucket, "keepsake-offsite");
        assert_eq!(r.prefix, "ada/phone");
        assert_eq!(
            r.to_string(),
            "s3+http://127.0.0.1:8333/keepsake-offsite/ada/phone"
        );
        assert_eq!(r.key("R1", "HEAD"), "ada/phone/R1/HEAD");
        let aws = Remote::parse("s3://s3.eu-west-3.amazonaws.com/my-backups/").unwrap();
        assert_eq!(aws.endpoint, "https://s3.eu-west-3.amazonaws.com");
        assert_eq!(aws.prefix, "");
        assert_eq!(aws.key("R1", "HEAD"), "R1/HEAD");
        assert_eq!(
            aws.to_string(),
            "s3://s3.eu-west-3.amazonaws.com/my-backups"
        );
    }

    #[test]
    fn an_address_that_could_reach_elsewhere_is_refused() {
        for bad in [
            "http://host/bucket",
            "s3://host",
            "s3://host/UPPER",
            "s3://host/ab",
            "s3://host/bucket/../other",
            "s3://host/bucket/a//b",
            "s3://ho st/bucket",
            "s3:///bucket",
        ] {
            assert!(Remote::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_secret_is_never_shown() {
        let c = Credentials::new("AKIA", "very-secret");
        assert!(!format!("{c:?}").contains("very-secret"));
    }
}
