//! Throughput and cost numbers for the crate's hot paths, in a release build:
//! `cargo run --release -p keepsake-mobilesync --example measure [MiB]`

use std::io::{self, Read, Write};
use std::time::Instant;

use keepsake_mobilesync::{
    BackupEncryption, DecryptingReader, DecryptingWriter, EncryptingReader, EntryKind, KdfParams,
    Key, ManifestDb, ManifestEntry, MbFile, WrappedKey, MODE_FILE, WRAPPED_KEY_LEN,
};

/// An endless, cheap, non-constant byte source.
struct Pattern(u64);
impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        for b in buf.iter_mut() {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
            *b = (self.0 >> 56) as u8;
        }
        Ok(buf.len())
    }
}

fn main() -> keepsake_mobilesync::Result<()> {
    let mib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(512);
    let bytes = mib << 20;

    let start = Instant::now();
    let enc = BackupEncryption::generate("password", KdfParams::DEVICE)?;
    println!(
        "keybag generate (ITER 10k + DPIC 10M): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let keys = enc.keybag.unlock("password")?;
    println!(
        "keybag unlock (same cost):             {:.2} s",
        start.elapsed().as_secs_f64()
    );

    let key = Key::from_bytes([7; 32]);
    let start = Instant::now();
    let mut source = Pattern(1).take(bytes);
    let mut sink = io::sink();
    io::copy(&mut source, &mut sink).map_err(keepsake_mobilesync::Error::Stream)?;
    let pattern_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut blob = Vec::with_capacity(bytes as usize + 16);
    EncryptingReader::new(&key, Pattern(1).take(bytes)).read_to_end(&mut blob)?;
    let enc_secs = start.elapsed().as_secs_f64() - pattern_secs;
    println!(
        "encrypt {mib} MiB: {:.0} MiB/s (source generation excluded)",
        mib as f64 / enc_secs
    );

    let start = Instant::now();
    let n = io::copy(
        &mut DecryptingReader::new(&key, blob.as_slice(), Some(bytes)),
        &mut io::sink(),
    )?;
    assert_eq!(n, bytes);
    println!(
        "decrypt {mib} MiB: {:.0} MiB/s",
        mib as f64 / start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let mut writer = DecryptingWriter::new(&key, io::sink(), Some(bytes));
    for chunk in blob.chunks(256 * 1024) {
        writer
            .write_all(chunk)
            .map_err(keepsake_mobilesync::Error::Stream)?;
    }
    writer.finish()?;
    println!(
        "decrypt {mib} MiB through the writer (256 KiB writes): {:.0} MiB/s",
        mib as f64 / start.elapsed().as_secs_f64()
    );

    let rows = 100_000;
    let entries: Vec<ManifestEntry> = (0..rows)
        .map(|i| {
            ManifestEntry::new(
                "CameraRollDomain",
                EntryKind::File,
                MbFile {
                    relative_path: format!("Media/DCIM/1{:02}APPLE/IMG_{i:05}.HEIC", i / 1000),
                    size: Some(3_000_000),
                    mode: MODE_FILE,
                    protection_class: 3,
                    user_id: 501,
                    group_id: 501,
                    encryption_key: Some(WrappedKey {
                        class: 3,
                        wrapped: [0x5a; WRAPPED_KEY_LEN],
                    }),
                    ..MbFile::default()
                },
            )
        })
        .collect();
    let start = Instant::now();
    let blobs: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| e.file.encode())
        .collect::<keepsake_mobilesync::Result<_>>()?;
    let encode_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for blob in &blobs {
        MbFile::decode(blob)?;
    }
    println!(
        "MBFile x{rows}: encode {:.2} s, decode {:.2} s ({} bytes each)",
        encode_secs,
        start.elapsed().as_secs_f64(),
        blobs[0].len()
    );

    let start = Instant::now();
    let mut db = ManifestDb::new()?;
    db.insert(&entries)?;
    let db_bytes = db.to_bytes()?;
    println!(
        "Manifest.db build, {rows} rows: {:.2} s, {:.1} MiB",
        start.elapsed().as_secs_f64(),
        db_bytes.len() as f64 / 1048576.0
    );
    let start = Instant::now();
    let (wrapped, ciphertext) = keepsake_mobilesync::encrypt_manifest_db(&keys, &mut db)?;
    let reopened = keepsake_mobilesync::decrypt_manifest_db(&keys, &wrapped, &ciphertext)?;
    let read = reopened.entries()?;
    assert_eq!(read.len(), rows);
    println!(
        "Manifest.db encrypt + decrypt + read all {rows} rows: {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
