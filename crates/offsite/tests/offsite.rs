//! Offsite copies against a real S3-compatible cluster (SeaweedFS: a master, three volume
//! servers, a filer, its S3 gateway) started for this test binary: push, resume after a cut,
//! two writers, refused keys, a diverged copy, and the house-burned-down story (a fresh folder,
//! the bucket and the password: browse, restore, check).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use keepsake_offsite::{Bucket, Credentials, Error, Limits, Prepared, Pushed, Remote};
use keepsake_store::commands::{check, list, restore};
use keepsake_store::{FileMeta, InitOptions, KdfParams, KeySource, Repository, SnapshotInfo};
use keepsake_testkit::{noise, small_chunking, CuttingProxy, S3Cluster};

const PASSWORD: &str = "correct horse battery staple";

fn cluster() -> &'static S3Cluster {
    static CLUSTER: OnceLock<S3Cluster> = OnceLock::new();
    CLUSTER.get_or_init(S3Cluster::start)
}

/// A bucket of its own for each test, on `endpoint` (the cluster's, or a proxy's).
fn bucket_at(endpoint: &str, name: &str, keys: (&str, &str), limits: Limits) -> Bucket {
    let address = format!(
        "s3+http://{}/{name}/keepsake",
        endpoint.trim_start_matches("http://")
    );
    let remote = Remote::parse(&address).unwrap();
    Bucket::connect(&remote, &Credentials::new(keys.0, keys.1), limits).unwrap()
}

fn new_bucket(name: &str) -> Bucket {
    let c = cluster();
    c.create_bucket(name);
    bucket_at(c.endpoint(), name, c.admin(), quick())
}

/// Few retries with short timeouts: a test's failure shows in seconds.
fn quick() -> Limits {
    Limits {
        attempts: 3,
        request_timeout: std::time::Duration::from_secs(30),
        io_timeout: std::time::Duration::from_secs(10),
        ..Limits::default()
    }
}

fn encrypted_repo(dir: &Path) -> Repository {
    let options = InitOptions {
        kdf: KdfParams::insecure_for_tests(),
        chunking: small_chunking(),
        ..InitOptions::encrypted(PASSWORD)
    };
    Repository::init(&dir.join("repo"), &options).unwrap()
}

fn password() -> KeySource {
    KeySource::password(PASSWORD)
}

const META: FileMeta = FileMeta {
    mode: 0o100644,
    mtime_ns: 0,
    inode: 0,
};

/// A snapshot of device `U1` holding `files` (path, content).
fn snapshot(repo: &Repository, files: &[(&str, Vec<u8>)]) -> SnapshotInfo {
    let mut w = repo.begin_snapshot("U1").unwrap();
    for (path, data) in files {
        w.put_file(path, META, data.as_slice()).unwrap();
    }
    w.commit().unwrap()
}

async fn push(bucket: &Bucket, repo: &Repository) -> keepsake_offsite::Result<Pushed> {
    let prepared = Prepared::new(repo)?;
    keepsake_offsite::push(bucket, &prepared, 1_800_000_000, &mut |_| {}).await
}

fn restored(repo: &Repository, snapshot: i64, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    restore::cat(repo, snapshot, path, &mut out).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_pushed_offsite_restores_on_a_computer_that_never_saw_it() {
    let bucket = new_bucket("house-burned-down");
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    let photo = noise(1, 700_000);
    let first = snapshot(
        &repo,
        &[
            ("Media/DCIM/IMG_0001.HEIC", photo.clone()),
            ("sms.db", noise(2, 50_000)),
        ],
    );
    let mut progress = Vec::new();
    let prepared = Prepared::new(&repo).unwrap();
    let pushed =
        keepsake_offsite::push(&bucket, &prepared, 1_800_000_000, &mut |p| progress.push(p))
            .await
            .unwrap();
    assert_eq!(pushed.generation, 1);
    assert!(pushed.packs_sent >= 3, "{pushed:?}");
    let last = progress.last().copied().unwrap();
    assert_eq!(last.bytes_sent, last.bytes_total, "{progress:?}");
    assert_eq!(last.packs_sent, pushed.packs_sent);
    assert!(progress
        .windows(2)
        .all(|w| w[0].bytes_sent <= w[1].bytes_sent));

    // The next snapshot sends only what is new; pushing again unchanged sends nothing.
    let second = snapshot(
        &repo,
        &[
            ("Media/DCIM/IMG_0001.HEIC", photo.clone()),
            ("sms.db", noise(3, 50_000)),
        ],
    );
    let again = push(&bucket, &repo).await.unwrap();
    assert_eq!(again.generation, 2);
    assert!(
        again.packs_sent < pushed.packs_sent,
        "the photo's packs went again: {again:?}"
    );
    let unchanged = push(&bucket, &repo).await.unwrap();
    assert!(
        unchanged.up_to_date && unchanged.bytes_sent == 0,
        "{unchanged:?}"
    );
    drop(prepared);
    drop(repo);
    drop(home);

    // The house burned down: a new computer, the bucket's address, its keys and the password.
    let remote = bucket.remote().clone();
    let c = cluster();
    let fresh = Bucket::connect(
        &remote,
        &Credentials::new(c.admin().0, c.admin().1),
        quick(),
    )
    .unwrap();
    let found = keepsake_offsite::repositories(&fresh).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].head.generation, 2);
    assert_eq!(found[0].head.snapshots.len(), 2);
    let cache = tempfile::tempdir().unwrap();
    keepsake_offsite::fetch(&fresh, &found[0].id, cache.path())
        .await
        .unwrap();
    let wrong = keepsake_offsite::open(
        &fresh,
        &found[0].id,
        cache.path(),
        &KeySource::password("guess"),
    );
    assert!(
        matches!(
            wrong,
            Err(Error::Store(keepsake_store::Error::WrongPassword { .. }))
        ),
        "{wrong:?}"
    );
    let copy = tokio::task::spawn_blocking({
        let (fresh, id, cache) = (
            fresh.clone(),
            found[0].id.clone(),
            cache.path().to_path_buf(),
        );
        move || {
            let copy = keepsake_offsite::open(&fresh, &id, &cache, &password()).unwrap();
            let snapshots = list::snapshots(&copy).unwrap();
            let report = check::check(&copy, &mut |_| {}).unwrap();
            (
                snapshots,
                report,
                restored(&copy, first.id, "Media/DCIM/IMG_0001.HEIC"),
                restored(&copy, second.id, "sms.db"),
            )
        }
    })
    .await
    .unwrap();
    let (snapshots, report, got_photo, got_sms) = copy;
    assert_eq!(
        snapshots.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );
    assert!(
        report.catalog_problems.is_empty()
            && report.pack_problems.is_empty()
            && report.damaged_chunks.is_empty(),
        "{report:?}"
    );
    assert!(report.chunks_checked > 0);
    assert_eq!(got_photo, photo);
    assert_eq!(got_sms, noise(3, 50_000));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_cut_mid_pack_commits_nothing_and_the_next_one_resumes() {
    let c = cluster();
    c.create_bucket("cut-mid-pack");
    let proxy = CuttingProxy::start(c.port());
    // one attempt per request: the cut must reach the push, not a retry
    let once = Limits {
        attempts: 1,
        ..quick()
    };
    let bucket = bucket_at(&proxy.endpoint(), "cut-mid-pack", c.admin(), once);
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    snapshot(
        &repo,
        &[("a", noise(10, 600_000)), ("b", noise(11, 600_000))],
    );
    proxy.cut_once_after(150_000);
    let cut = push(&bucket, &repo).await;
    assert!(matches!(cut, Err(Error::Unreachable { .. })), "{cut:?}");
    assert_eq!(proxy.cuts(), 1);
    // nothing committed: no HEAD
    let direct = bucket_at(c.endpoint(), "cut-mid-pack", c.admin(), quick());
    assert!(keepsake_offsite::repositories(&direct)
        .await
        .unwrap()
        .is_empty());
    // the next push keeps what the first one sent and commits
    let resumed = push(&bucket, &repo).await.unwrap();
    assert_eq!(resumed.generation, 1);
    assert!(
        resumed.packs_kept > 0,
        "nothing of the cut push was kept: {resumed:?}"
    );
    assert_eq!(
        keepsake_offsite::repositories(&direct).await.unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_writers_at_once_both_end_committed_and_a_diverged_copy_is_refused() {
    let bucket = new_bucket("two-writers");
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    snapshot(&repo, &[("a", noise(20, 300_000))]);
    let a = Arc::new(Prepared::new(&repo).unwrap());
    let b = Arc::new(Prepared::new(&repo).unwrap());
    // two tasks (a push is Send: the app runs it beside the rest)
    let ta = tokio::spawn({
        let (bucket, a) = (bucket.clone(), a.clone());
        async move { keepsake_offsite::push(&bucket, &a, 1, &mut |_| {}).await }
    });
    let tb = tokio::spawn({
        let (bucket, b) = (bucket.clone(), b.clone());
        async move { keepsake_offsite::push(&bucket, &b, 2, &mut |_| {}).await }
    });
    let (ra, rb) = (ta.await.unwrap().unwrap(), tb.await.unwrap().unwrap());
    // the same catalog: one commits it, the other finds it committed (or commits it after)
    assert!(ra.generation >= 1 && rb.generation >= 1, "{ra:?} {rb:?}");
    drop((a, b));

    // A copy of the disk that went its own way: its new snapshot is not in the remote's, and
    // the remote's newer one is not in it. Refused, and the remote is left as it was.
    let elsewhere = tempfile::tempdir().unwrap();
    keepsake_testkit::faults::copy_tree(&home.path().join("repo"), &elsewhere.path().join("repo"));
    snapshot(&repo, &[("a", noise(21, 300_000))]);
    let ahead = push(&bucket, &repo).await.unwrap();
    drop(repo);
    let other = Repository::open(&elsewhere.path().join("repo"), &password()).unwrap();
    snapshot(&other, &[("a", noise(22, 300_000))]);
    let refused = push(&bucket, &other).await;
    assert!(
        matches!(refused, Err(Error::Diverged { .. })),
        "{refused:?}"
    );
    let after = keepsake_offsite::repositories(&bucket).await.unwrap();
    assert_eq!(after[0].head.generation, ahead.generation);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_keys_are_said_plainly_and_not_retried() {
    let c = cluster();
    c.create_bucket("refused-keys");
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    snapshot(&repo, &[("a", noise(30, 10_000))]);
    for keys in [
        c.nobody(),
        (c.admin().0, "not-the-secret-at-all-000000000000000000"),
    ] {
        let bucket = bucket_at(c.endpoint(), "refused-keys", keys, Limits::default());
        let err = push(&bucket, &repo).await.unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("refused-keys") && text.contains("access key"),
            "{text}"
        );
        assert!(!text.contains(keys.1), "the secret is shown: {text}");
    }
    // read-only keys read, and are refused the write
    let ro = bucket_at(
        c.endpoint(),
        "refused-keys",
        c.read_only(),
        Limits::default(),
    );
    let err = push(&ro, &repo).await.unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
}

/// Fetches the remote copy into a fresh folder and checks every chunk of it.
async fn remote_checks_clean(bucket: &Bucket) -> usize {
    let found = keepsake_offsite::repositories(bucket).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let cache = tempfile::tempdir().unwrap();
    keepsake_offsite::fetch(bucket, &found[0].id, cache.path())
        .await
        .unwrap();
    let (bucket, id) = (bucket.clone(), found[0].id.clone());
    tokio::task::spawn_blocking(move || {
        let copy = keepsake_offsite::open(&bucket, &id, cache.path(), &password()).unwrap();
        let report = check::check(&copy, &mut |_| {}).unwrap();
        assert!(
            report.catalog_problems.is_empty()
                && report.pack_problems.is_empty()
                && report.damaged_chunks.is_empty(),
            "{report:?}"
        );
        list::snapshots(&copy).unwrap().len()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_quota_is_a_clear_refusal_and_the_committed_copy_stays_whole() {
    let c = cluster();
    let bucket = new_bucket("full-quota");
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    snapshot(&repo, &[("a", noise(40, 1_500_000))]);
    push(&bucket, &repo).await.unwrap();
    c.quota("full-quota", 1);
    // SeaweedFS turns the bucket read-only once the master has heard its size from the volume
    // servers (every few seconds): keep adding snapshots until a push is refused.
    let mut refused = None;
    for day in 0..30 {
        snapshot(&repo, &[("a", noise(41 + day, 200_000))]);
        match push(&bucket, &repo).await {
            Ok(_) => {
                std::thread::sleep(std::time::Duration::from_secs(1));
                c.enforce_quota();
            }
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let err = refused.expect("the quota was never enforced");
    assert!(matches!(err, Error::WriteRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("full"), "{err}");
    // what was committed before reads back whole
    assert!(remote_checks_clean(&bucket).await >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_volume_server_killed_mid_push_loses_nothing_committed() {
    // a cluster of its own: the other tests' writes are not this one's to disturb
    let c = &S3Cluster::start();
    c.create_bucket("killed-volume");
    let bucket = bucket_at(c.endpoint(), "killed-volume", c.admin(), quick());
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    let files: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| (format!("f{i}"), noise(60 + i, 400_000)))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    snapshot(&repo, &named);
    let prepared = Prepared::new(&repo).unwrap();
    let mut killed = false;
    let first = keepsake_offsite::push(&bucket, &prepared, 1, &mut |p| {
        if !killed && p.packs_sent >= 2 {
            killed = true;
            c.kill_volume(2);
        }
    })
    .await;
    assert!(
        killed,
        "the push ended before a volume server could be killed"
    );
    // Replicated on two volume servers, the cluster goes on with one of them gone; should it
    // refuse, the error says so, and the next push (the server back) completes the copy.
    let done = match first {
        Ok(done) => done,
        Err(e) => {
            assert!(
                matches!(e, Error::WriteRefused { .. } | Error::Unreachable { .. }),
                "{e:?}"
            );
            c.restart_volume(2);
            keepsake_offsite::push(&bucket, &prepared, 2, &mut |_| {})
                .await
                .unwrap()
        }
    };
    assert!(done.generation >= 1);
    assert_eq!(remote_checks_clean(&bucket).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn forget_and_gc_work_remotely_and_keep_what_recent_readers_need() {
    let bucket = new_bucket("forget-gc");
    let home = tempfile::tempdir().unwrap();
    let repo = encrypted_repo(home.path());
    let old = snapshot(&repo, &[("f", noise(70, 500_000))]);
    snapshot(&repo, &[("f", noise(71, 500_000))]);
    push(&bucket, &repo).await.unwrap();

    keepsake_store::commands::forget::forget(&repo, &[old.id]).unwrap();
    let local_gc = keepsake_store::commands::gc::gc(&repo, &Default::default()).unwrap();
    assert!(local_gc.packs_deleted >= 1, "{local_gc:?}");
    let pushed = push(&bucket, &repo).await.unwrap();
    assert_eq!(pushed.generation, 2);
    let id = repo.config().id.clone();
    // generation 1 is kept (keep 2): nothing of it may go yet
    let none = keepsake_offsite::gc(&bucket, &id, 2, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(none, keepsake_offsite::Collected::default());
    // a grace longer than the objects' age protects them too
    snapshot(
        &repo,
        &[("f", noise(71, 500_000)), ("g", noise(72, 10_000))],
    );
    push(&bucket, &repo).await.unwrap();
    let young = keepsake_offsite::gc(&bucket, &id, 1, std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(young, keepsake_offsite::Collected::default());
    // keep 1, no grace: the old catalogs and the forgotten snapshot's packs go
    let collected = keepsake_offsite::gc(&bucket, &id, 1, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(collected.catalogs_deleted, 2, "{collected:?}");
    assert!(collected.packs_deleted >= 1, "{collected:?}");
    let local = keepsake_testkit::packs_in_catalog(&home.path().join("repo"));
    let remote = keepsake_offsite::packs(&bucket, &id).await.unwrap();
    assert_eq!(remote, local, "the remote holds exactly the local packs");
    drop(repo);
    assert_eq!(remote_checks_clean(&bucket).await, 2);
}
