//! The phone's SQLite databases (messages, contacts, call history, the photo library, apps'
//! stores) as real SQLite files, built and changed in memory.
//!
//! Schemas are trimmed versions of the real ones: enough tables and columns that the files look
//! and change like the originals (a day of use touches a few pages, not the whole file).

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rusqlite::{params, Connection, MAIN_DB};

/// Seconds between the Unix epoch and Apple's reference date (2001-01-01), used by Apple's stores.
const APPLE_EPOCH: i64 = 978_307_200;

const WORDS: &[&str] = &[
    "the", "meet", "at", "six", "dinner", "tomorrow", "ok", "thanks", "see", "you", "soon",
    "train", "late", "call", "me", "when", "home", "photos", "from", "weekend", "great", "idea",
    "running", "coffee", "park", "kids", "school", "pick", "up", "love", "it", "sounds", "good",
    "on", "my", "way", "sorry", "missed", "lunch", "friday", "birthday", "cake", "bring", "keys",
    "forgot",
];
const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Ken",
    "Margaret",
    "Linus",
    "Radia",
    "Donald",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Sophie",
    "Tim",
    "Hedy",
    "Claude",
    "Mary",
    "Niklaus",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Torvalds",
    "Perlman",
    "Knuth",
    "Allen",
    "Backus",
    "Johnson",
    "Ritchie",
    "Wilson",
    "Berners-Lee",
    "Lamarr",
    "Shannon",
    "Keller",
    "Wirth",
];

/// Errors here are bugs in the generator (the SQL is ours), so they are reported, not handled.
pub type Result<T> = rusqlite::Result<T>;

fn new_db(page_size: u32) -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(&format!("PRAGMA page_size = {page_size};"))?;
    Ok(conn)
}

fn open(bytes: &[u8]) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.deserialize_read_exact(MAIN_DB, bytes, bytes.len(), false)?;
    Ok(conn)
}

fn to_bytes(mut conn: Connection) -> Result<Vec<u8>> {
    let data = conn.serialize(MAIN_DB)?;
    Ok(data.to_vec())
}

fn sentence(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(2..18);
    (0..n)
        .map(|_| *WORDS.choose(rng).expect("word list is not empty"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn phone_number(rng: &mut ChaCha8Rng) -> String {
    format!("+1555{:07}", rng.random_range(0..10_000_000u32))
}

/// `Library/SMS/sms.db`: handles, chats and `messages` messages.
pub fn sms(rng: &mut ChaCha8Rng, messages: u32, now: i64) -> Result<Vec<u8>> {
    let conn = new_db(4096)?;
    conn.execute_batch(
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, service TEXT);
         CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE, chat_identifier TEXT);
         CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE, text TEXT,
             handle_id INTEGER, date INTEGER, is_from_me INTEGER, is_read INTEGER);
         CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, PRIMARY KEY (chat_id, message_id));
         CREATE INDEX message_idx_handle ON message(handle_id, date);",
    )?;
    for h in 1..=24 {
        let number = phone_number(rng);
        conn.execute(
            "INSERT INTO handle (ROWID, id, service) VALUES (?1, ?2, 'iMessage')",
            params![h, number],
        )?;
        conn.execute(
            "INSERT INTO chat (ROWID, guid, chat_identifier) VALUES (?1, ?2, ?3)",
            params![h, format!("iMessage;-;{number}"), number],
        )?;
    }
    add_messages(&conn, rng, messages, now)?;
    to_bytes(conn)
}

fn add_messages(conn: &Connection, rng: &mut ChaCha8Rng, count: u32, now: i64) -> Result<()> {
    let mut insert = conn.prepare(
        "INSERT INTO message (guid, text, handle_id, date, is_from_me, is_read) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
    )?;
    let mut join =
        conn.prepare("INSERT INTO chat_message_join (chat_id, message_id) VALUES (?1, ?2)")?;
    for _ in 0..count {
        let handle: i64 = rng.random_range(1..=24);
        let at = (now - rng.random_range(0..86_400) - APPLE_EPOCH) * 1_000_000_000;
        let guid = format!("{:032X}", rng.random::<u128>());
        insert.execute(params![
            guid,
            sentence(rng),
            handle,
            at,
            rng.random_bool(0.4)
        ])?;
        join.execute(params![handle, conn.last_insert_rowid()])?;
    }
    Ok(())
}

/// A day of messages: new ones arrive and a few old ones are marked unread again (scattered
/// page updates, as the real database sees).
pub fn sms_day(db: &[u8], rng: &mut ChaCha8Rng, now: i64) -> Result<Vec<u8>> {
    let conn = open(db)?;
    let new = rng.random_range(20..60);
    add_messages(&conn, rng, new, now)?;
    let max: i64 = conn.query_row("SELECT max(ROWID) FROM message", [], |r| r.get(0))?;
    for _ in 0..5 {
        conn.execute(
            "UPDATE message SET is_read = 0 WHERE ROWID = ?1",
            params![rng.random_range(1..=max)],
        )?;
    }
    to_bytes(conn)
}

/// `Library/AddressBook/AddressBook.sqlitedb`: people and their phone numbers and e-mails.
pub fn contacts(rng: &mut ChaCha8Rng, people: u32) -> Result<Vec<u8>> {
    let conn = new_db(4096)?;
    conn.execute_batch(
        "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT,
             Organization TEXT, Note TEXT, ModificationDate INTEGER);
         CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER,
             label INTEGER, value TEXT);
         CREATE INDEX ABMultiValueRecord ON ABMultiValue(record_id);",
    )?;
    add_people(&conn, rng, people)?;
    to_bytes(conn)
}

fn add_people(conn: &Connection, rng: &mut ChaCha8Rng, people: u32) -> Result<()> {
    for _ in 0..people {
        let first = *FIRST.choose(rng).expect("names");
        let last = *LAST.choose(rng).expect("names");
        conn.execute(
            "INSERT INTO ABPerson (First, Last, Organization, Note, ModificationDate) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![first, last, "", sentence(rng), rng.random_range(600_000_000..780_000_000i64)],
        )?;
        let id = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO ABMultiValue (record_id, property, label, value) VALUES (?1, 3, 1, ?2)",
            params![id, phone_number(rng)],
        )?;
        conn.execute(
            "INSERT INTO ABMultiValue (record_id, property, label, value) VALUES (?1, 4, 2, ?2)",
            params![
                id,
                format!(
                    "{}.{}@example.org",
                    first.to_lowercase(),
                    last.to_lowercase()
                )
            ],
        )?;
    }
    Ok(())
}

/// A day of contacts: one person added, one note edited.
pub fn contacts_day(db: &[u8], rng: &mut ChaCha8Rng) -> Result<Vec<u8>> {
    let conn = open(db)?;
    add_people(&conn, rng, 1)?;
    let max: i64 = conn.query_row("SELECT max(ROWID) FROM ABPerson", [], |r| r.get(0))?;
    conn.execute(
        "UPDATE ABPerson SET Note = ?1 WHERE ROWID = ?2",
        params![sentence(rng), rng.random_range(1..=max)],
    )?;
    to_bytes(conn)
}

/// `Library/CallHistoryDB/CallHistory.storedata`: a Core Data store of calls.
pub fn call_history(rng: &mut ChaCha8Rng, calls: u32, now: i64) -> Result<Vec<u8>> {
    let conn = new_db(4096)?;
    conn.execute_batch(
        "CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZADDRESS TEXT,
             ZDATE TIMESTAMP, ZDURATION FLOAT, ZORIGINATED INTEGER, ZANSWERED INTEGER);
         CREATE INDEX ZCALLRECORD_ZDATE ON ZCALLRECORD(ZDATE);",
    )?;
    add_calls(&conn, rng, calls, now)?;
    to_bytes(conn)
}

fn add_calls(conn: &Connection, rng: &mut ChaCha8Rng, calls: u32, now: i64) -> Result<()> {
    for _ in 0..calls {
        conn.execute(
            "INSERT INTO ZCALLRECORD (Z_ENT, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED)
             VALUES (2, ?1, ?2, ?3, ?4, ?5)",
            params![
                phone_number(rng),
                (now - rng.random_range(0..86_400) - APPLE_EPOCH) as f64,
                rng.random_range(0.0..1800.0f64),
                rng.random_bool(0.5),
                rng.random_bool(0.8)
            ],
        )?;
    }
    Ok(())
}

/// A day of calls.
pub fn call_history_day(db: &[u8], rng: &mut ChaCha8Rng, now: i64) -> Result<Vec<u8>> {
    let conn = open(db)?;
    let calls = rng.random_range(2..8);
    add_calls(&conn, rng, calls, now)?;
    to_bytes(conn)
}

/// One row of the photo library per camera-roll item.
pub struct Asset<'a> {
    pub file_name: &'a str,
    pub created: i64,
    pub video: bool,
}

/// `Media/PhotoData/Photos.sqlite`: the photo library's index of the camera roll.
pub fn photos<'a>(assets: impl IntoIterator<Item = Asset<'a>>) -> Result<Vec<u8>> {
    let conn = new_db(4096)?;
    conn.execute_batch(
        "CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZFILENAME TEXT UNIQUE, ZDIRECTORY TEXT,
             ZDATECREATED TIMESTAMP, ZKIND INTEGER, ZWIDTH INTEGER, ZHEIGHT INTEGER, ZTRASHEDSTATE INTEGER);",
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO ZASSET (ZFILENAME, ZDIRECTORY, ZDATECREATED, ZKIND, ZWIDTH, ZHEIGHT, ZTRASHEDSTATE)
         VALUES (?1, 'DCIM/100APPLE', ?2, ?3, 4032, 3024, 0)",
    )?;
    for a in assets {
        insert.execute(params![
            a.file_name,
            (a.created - APPLE_EPOCH) as f64,
            a.video as i32
        ])?;
    }
    drop(insert);
    to_bytes(conn)
}

/// A third-party app's own store: `rows` records of a few hundred bytes each.
pub fn app_store(rng: &mut ChaCha8Rng, rows: u32) -> Result<Vec<u8>> {
    let conn = new_db(4096)?;
    conn.execute_batch(
        "CREATE TABLE ZITEM (Z_PK INTEGER PRIMARY KEY, ZTITLE TEXT, ZBODY TEXT, ZMODIFIED TIMESTAMP);",
    )?;
    add_items(&conn, rng, rows)?;
    to_bytes(conn)
}

fn add_items(conn: &Connection, rng: &mut ChaCha8Rng, rows: u32) -> Result<()> {
    for _ in 0..rows {
        let body = (0..rng.random_range(3..20))
            .map(|_| sentence(rng))
            .collect::<Vec<_>>()
            .join(". ");
        conn.execute(
            "INSERT INTO ZITEM (ZTITLE, ZBODY, ZMODIFIED) VALUES (?1, ?2, ?3)",
            params![
                sentence(rng),
                body,
                rng.random_range(600_000_000..780_000_000i64)
            ],
        )?;
    }
    Ok(())
}

/// A day in an app: a few records added and one edited.
pub fn app_store_day(db: &[u8], rng: &mut ChaCha8Rng) -> Result<Vec<u8>> {
    let conn = open(db)?;
    let rows = rng.random_range(1..6);
    add_items(&conn, rng, rows)?;
    let max: i64 = conn.query_row("SELECT max(Z_PK) FROM ZITEM", [], |r| r.get(0))?;
    conn.execute(
        "UPDATE ZITEM SET ZTITLE = ?1 WHERE Z_PK = ?2",
        params![sentence(rng), rng.random_range(1..=max)],
    )?;
    to_bytes(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sms_database_is_real_sqlite_with_the_messages() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let db = sms(&mut rng, 300, 1_750_000_000).unwrap();
        assert!(db.starts_with(b"SQLite format 3\0"));
        assert_eq!(u16::from_be_bytes([db[16], db[17]]), 4096, "page size");
        let conn = open(&db).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM message", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 300);
    }

    #[test]
    fn a_day_of_messages_changes_few_pages() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let before = sms(&mut rng, 20_000, 1_750_000_000).unwrap();
        let after = sms_day(&before, &mut rng, 1_750_086_400).unwrap();
        let pages = before.len() / 4096;
        let changed = before
            .chunks(4096)
            .zip(after.chunks(4096))
            .filter(|(a, b)| a != b)
            .count();
        assert!(after.len() >= before.len());
        assert!(changed > 0);
        assert!(changed * 5 < pages, "{changed} of {pages} pages changed");
    }

    #[test]
    fn the_same_seed_builds_byte_identical_databases() {
        let a = contacts(&mut ChaCha8Rng::seed_from_u64(9), 50).unwrap();
        let b = contacts(&mut ChaCha8Rng::seed_from_u64(9), 50).unwrap();
        assert_eq!(a, b);
    }
}
