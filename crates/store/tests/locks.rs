//! The repository's locks across real processes: a gc refused because another process has the
//! repository open keeps its own reader lock, so a third process's gc cannot delete packs under
//! the handle that was refused.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use keepsake_store::commands::gc;
use keepsake_store::Error;

const REPO_ENV: &str = "KEEPSAKE_STORE_LOCKS_REPO";
const ACT_ENV: &str = "KEEPSAKE_STORE_LOCKS_ACT";

/// The child's body: "hold" keeps the repository open until its stdin closes; "gc" runs gc once
/// and prints `gc ok` or `gc locked`.
#[test]
#[ignore = "run as a child process by a_refused_gc_keeps_its_reader_lock_across_processes"]
fn locks_child() {
    let (Ok(dir), Ok(act)) = (std::env::var(REPO_ENV), std::env::var(ACT_ENV)) else {
        return;
    };
    let repo = open(Path::new(&dir));
    match act.as_str() {
        "hold" => {
            println!("open");
            std::io::stdout().flush().unwrap();
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
        "gc" => match gc::gc(&repo, &gc::GcOptions::default()) {
            Ok(_) => println!("gc ok"),
            Err(Error::Locked { .. }) => println!("gc locked"),
            Err(e) => panic!("gc failed: {e}"),
        },
        other => panic!("unknown act {other}"),
    }
}

fn child(dir: &Path, act: &str) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut c = Command::new(std::env::current_exe().unwrap())
        .args(["locks_child", "--exact", "--ignored", "--nocapture"])
        .env(REPO_ENV, dir)
        .env(ACT_ENV, act)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(c.stdout.take().unwrap());
    (c, out)
}

/// What the child printed last of the lines it means (libtest prints its own too).
fn said(out: &mut BufReader<std::process::ChildStdout>, wanted: &[&str]) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended without saying {wanted:?}"
        );
        if let Some(w) = wanted.iter().find(|w| line.trim() == **w) {
            return (*w).to_owned();
        }
    }
}

fn gc_in_another_process(dir: &Path) -> String {
    let (mut c, mut out) = child(dir, "gc");
    let answer = said(&mut out, &["gc ok", "gc locked"]);
    assert!(c.wait().unwrap().success());
    answer
}

#[test]
fn a_refused_gc_keeps_its_reader_lock_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    drop(init_encrypted(dir.path()));
    // this process has the repository open (the handle whose gc will be refused)
    let mine = open(dir.path());
    let (mut holder, mut out) = child(dir.path(), "hold");
    assert_eq!(said(&mut out, &["open"]), "open");
    assert!(matches!(
        gc::gc(&mine, &gc::GcOptions::default()),
        Err(Error::Locked { .. })
    ));
    // the other process lets go; this one still has the repository open, so a third
    // process's gc must be refused: this handle kept its shared lock through the refusal
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert_eq!(gc_in_another_process(dir.path()), "gc locked");
    // and once this handle is closed, gc runs
    drop(mine);
    assert_eq!(gc_in_another_process(dir.path()), "gc ok");
}
