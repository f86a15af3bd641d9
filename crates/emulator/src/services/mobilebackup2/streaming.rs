//! The raw file streams of a session: receiving the files a host sends for DownloadFiles, and
//! sending batches for UploadFiles, bent here by the faults that misbehave mid-stream.

use std::collections::BTreeMap;
use std::io::Read;

use keepsake_devicelink::{
    self as devicelink, parse_block_header, parse_name, parse_name_len, Block, DeviceMessage,
};
use sha2::Digest;

use super::{Failure, Outcome, Session, ABSURD_LEN};
use crate::backup_state::{Fault, MAX_HOSTILE_REPLY};
use crate::error::{Error, Result};

/// One download request may bring at most this much (a 2 GiB phone's Manifest.db is a few MB;
/// restore batches are 8 MiB): the device holds it in memory.
const MAX_DOWNLOAD: u64 = 256 * 1024 * 1024;
/// The other device [`Fault::ForeignDevice`] writes into.
const FOREIGN_UDID: &str = "00008101-000F0E1D2C3B4A59";

impl Session {
    /// `DLMessageDownloadFiles`: the files the host had, by requested path. Missing ones are
    /// absent from the map (the host reports them in a multi-status).
    pub(super) async fn download(
        &mut self,
        paths: &[String],
        progress: f64,
    ) -> Result<BTreeMap<String, Vec<u8>>> {
        self.send(&DeviceMessage::DownloadFiles {
            paths: paths.to_vec(),
            progress: Some(progress),
        })
        .await?;
        let mut files = BTreeMap::new();
        let mut received = 0u64;
        loop {
            let mut prefix = [0u8; 4];
            self.link.read_exact(&mut prefix).await?;
            let Some(len) = parse_name_len(prefix)? else {
                break;
            };
            let mut name = vec![0u8; len];
            self.link.read_exact(&mut name).await?;
            let name = parse_name(&name)?;
            if !paths.contains(&name) || files.contains_key(&name) {
                return Err(Error::protocol(format!(
                    "host sent {name:?}, which was not requested"
                )));
            }
            let mut body = Vec::new();
            let complete = loop {
                let mut header = [0u8; 5];
                self.link.read_exact(&mut header).await?;
                match parse_block_header(header)? {
                    Block::Data(n) => {
                        received += n as u64;
                        if received > MAX_DOWNLOAD {
                            return Err(Error::protocol(format!(
                                "host sent more than {MAX_DOWNLOAD} bytes for one request"
                            )));
                        }
                        let start = body.len();
                        body.resize(start + n, 0);
                        self.link.read_exact(&mut body[start..]).await?;
                    }
                    Block::Success => break true,
                    Block::Error { len, .. } => {
                        let mut message = vec![0u8; len];
                        self.link.read_exact(&mut message).await?;
                        tracing::debug!(
                            name,
                            error = %String::from_utf8_lossy(&message),
                            "host could not send a file"
                        );
                        break false;
                    }
                }
            };
            if complete {
                files.insert(name, body);
            }
        }
        let status = self.status().await?;
        if !status.is_ok() && status.code != devicelink::status::MULTI_STATUS {
            tracing::debug!(code = status.code, "download answered with an error status");
        }
        Ok(files)
    }

    /// One `DLMessageUploadFiles` batch, then the host's status. The Backup's fault, if any,
    /// bends the stream here.
    pub(super) async fn upload(
        &mut self,
        mut batch: Vec<Upload>,
        progress: f64,
        total: u64,
    ) -> Outcome {
        let udid = self.device.udid().to_owned();
        // (where in the batch, the name)
        let hostile = match self.fault.take() {
            Some(Fault::PathTraversal) => Some((0, format!("{udid}/../../escape"))),
            Some(Fault::ForeignDevice) => Some((0, format!("{FOREIGN_UDID}/escape"))),
            Some(Fault::UploadNamed(name)) => Some((batch.len(), name)),
            other => {
                self.fault = other;
                None
            }
        };
        if let Some((at, name)) = hostile {
            // Once per backup, among the genuine files: a well-formed file, hostile name.
            tracing::info!(%udid, name, "fault: uploading a file under a hostile name");
            batch.insert(
                at,
                Upload {
                    device_path: "/var/mobile/escape".into(),
                    backup_path: name,
                    body: Box::new(std::io::Cursor::new(b"written outside\n".to_vec())),
                },
            );
        }
        let huge = match self.fault {
            Some(Fault::HugeFile { claimed, sent }) => {
                self.fault = None;
                Some((claimed, sent))
            }
            _ => None,
        };
        self.send(&DeviceMessage::UploadFiles {
            progress: Some(progress),
            total_bytes: Some(huge.map_or(total, |(claimed, _)| claimed)),
        })
        .await?;
        if let (Some((claimed, sent)), Some(first)) = (huge, batch.first()) {
            let names = devicelink::encode_file_names(&first.device_path, &first.backup_path);
            drop(batch);
            return self.huge_file(names, claimed, sent).await;
        }
        let mut buf = vec![0u8; devicelink::UPLOAD_BLOCK];
        for item in batch {
            self.link
                .write_all(&devicelink::encode_file_names(
                    &item.device_path,
                    &item.backup_path,
                ))
                .await?;
            if self.fault == Some(Fault::AbsurdBlock) {
                let mut header = ABSURD_LEN.to_be_bytes().to_vec();
                header.push(devicelink::code::FILE_DATA);
                self.link.write_all(&header).await?;
                return Err(Failure::Hangup(format!(
                    "a block of {ABSURD_LEN:#x} bytes was announced"
                )));
            }
            let mut reader = item.body;
            let mut unreadable = false;
            let mut digest = self
                .device
                .backup()
                .recording_uploads()
                .then(sha2::Sha256::new);
            loop {
                let n = read_full(&mut reader, &mut buf)?;
                if n == 0 {
                    break;
                }
                if let Some(d) = digest.as_mut() {
                    d.update(&buf[..n]);
                }
                if unreadable {
                    tracing::info!(%udid, file = item.backup_path, "fault: the file could not be read to its end");
                    self.fault = None;
                    self.link
                        .write_all(&devicelink::encode_error_block(
                            true,
                            "Operation not permitted",
                        ))
                        .await?;
                    break;
                }
                unreadable = self.fault == Some(Fault::UnreadableFile);
                let block = devicelink::encode_data_block(&buf[..n]);
                if let Some(Fault::DropAfterBytes(limit) | Fault::StallAfterBytes(limit)) =
                    self.fault
                {
                    let left = limit.saturating_sub(self.file_bytes_sent);
                    if n as u64 > left {
                        // The header and as much data as allowed: the cable goes mid-block.
                        let cut = 5 + left as usize;
                        self.link.write_all(&block[..cut]).await?;
                        if matches!(self.fault, Some(Fault::StallAfterBytes(_))) {
                            tracing::info!(%udid, "fault: the device stalls");
                            // silent, the connection kept open, until the host closes it
                            let mut sink = [0u8; 512];
                            while self.link.read_exact_or_eof(&mut sink[..1]).await? {}
                            return Err(Failure::Hangup(format!(
                                "stalled after {limit} bytes of file data; the host hung up"
                            )));
                        }
                        return Err(Failure::Hangup(format!(
                            "connection dropped after {limit} bytes of file data"
                        )));
                    }
                }
                self.link.write_all(&block).await?;
                self.file_bytes_sent += n as u64;
            }
            if let Some(d) = digest {
                if !unreadable {
                    self.device
                        .backup()
                        .uploaded(&item.backup_path, d.finalize().into());
                }
            }
            if !unreadable || self.fault.is_some() {
                self.link.write_all(&devicelink::FILE_END).await?;
            }
        }
        self.link.write_all(&devicelink::BATCH_END).await?;
        let status = self.status().await?;
        if !status.is_ok() {
            return Err(Failure::Fatal(Error::protocol(format!(
                "host failed to store uploaded files: {} {:?}",
                status.code, status.description
            ))));
        }
        if matches!(self.fault, Some(Fault::Request(_))) {
            let Some(Fault::Request(body)) = self.fault.take() else {
                unreachable!("matched above")
            };
            return self.hostile_request(&body).await;
        }
        Ok(())
    }

    /// [`Fault::HugeFile`]: a file's `names`, then `sent` bytes in maximal blocks, then the
    /// device hangs up.
    async fn huge_file(&mut self, names: Vec<u8>, claimed: u64, sent: u64) -> Outcome {
        let udid = self.device.udid().to_owned();
        tracing::info!(%udid, claimed, sent, "fault: a file that claims to be huge");
        self.link.write_all(&names).await?;
        // One buffer of incompressible bytes, sent again and again (the header apart, so the
        // device holds one block, not two).
        let mut block = vec![0u8; devicelink::MAX_BLOCK_LEN as usize - 1];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let mut left = sent;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            let mut header = ((n + 1) as u32).to_be_bytes().to_vec();
            header.push(devicelink::code::FILE_DATA);
            self.link.write_all(&header).await?;
            self.link.write_all(&block[..n]).await?;
            self.file_bytes_sent += n as u64;
            left -= n as u64;
        }
        Err(Failure::Hangup(format!(
            "claimed {claimed} bytes, sent {sent} of one file and hung up"
        )))
    }

    /// [`Fault::Request`]: sends `body` as a DeviceLink message and keeps what the host sends
    /// back until it closes the connection.
    async fn hostile_request(&mut self, body: &[u8]) -> Outcome {
        let udid = self.device.udid().to_owned();
        tracing::info!(%udid, len = body.len(), "fault: a hostile DeviceLink request");
        self.link
            .write_all(&(body.len() as u32).to_be_bytes())
            .await?;
        self.link.write_all(body).await?;
        // A host that answers and waits would be waited for until its own silence limit.
        while self.link.received().len() < MAX_HOSTILE_REPLY {
            match self.link.fill().await {
                Ok(true) => {}
                Ok(false) | Err(_) => break,
            }
        }
        let got = self.link.received();
        let reply = got[..got.len().min(MAX_HOSTILE_REPLY)].to_vec();
        tracing::info!(%udid, bytes = reply.len(), "the host's answer to the hostile request");
        self.backup().set_hostile_reply(reply);
        Err(Failure::Hangup("sent a hostile request".into()))
    }
}

/// Fills `buf` as far as the reader allows; fewer bytes only at the end.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = reader.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// One file of an upload batch.
pub(super) struct Upload {
    pub(super) device_path: String,
    pub(super) backup_path: String,
    pub(super) body: Box<dyn Read + Send>,
}
