//! The e2e test's oracle: writes to stdout the bytes of one file of the virtual iPhone as the
//! generator makes it on day 0. Usage: `phone_file <seed> <target-bytes> <domain> <path>`.

use std::io::Write;

use keepsake_phone_content::{Phone, PhoneSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [seed, target_bytes, domain, path] = args.as_slice() else {
        eprintln!("usage: phone_file <seed> <target-bytes> <domain> <path>");
        std::process::exit(2);
    };
    let spec = PhoneSpec {
        seed: seed.parse().expect("seed is a number"),
        target_bytes: target_bytes.parse().expect("target-bytes is a number"),
    };
    let phone = Phone::generate(spec).expect("the generator works");
    let Some(file) = phone.file(domain, path) else {
        eprintln!("{domain}/{path} is not on the phone");
        std::process::exit(1);
    };
    std::io::stdout()
        .write_all(&file.read_all())
        .expect("stdout is writable");
}
