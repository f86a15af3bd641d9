//! Reading and writing the positional items of a DeviceLink array (`[name, item1, item2, ...]`),
//! shared by the messages of both directions.

use plist::{Dictionary, Value};

use crate::error::{Error, Result};
use crate::EMPTY_PARAMETER;

/// The items of a DeviceLink message and its name (item 0).
pub(crate) fn name_and_items(value: &Value) -> Result<(&str, &[Value])> {
    let items = value.as_array().ok_or_else(|| {
        Error::malformed(
            "DeviceLink message",
            format!("not an array: {}", describe(value)),
        )
    })?;
    match items.first() {
        Some(Value::String(name)) => Ok((name, items)),
        other => Err(Error::malformed(
            "DeviceLink message",
            format!("item 0 should be its name, is {}", describe_item(other)),
        )),
    }
}

/// Reads item `i` of message `name`, which must be there and of the kind `expected` says.
pub(crate) struct Items<'a> {
    pub name: &'a str,
    pub items: &'a [Value],
}

impl<'a> Items<'a> {
    fn wrong(&self, i: usize, expected: &str) -> Error {
        Error::malformed(
            self.name,
            format!(
                "item {i} should be {expected}, is {}",
                describe_item(self.items.get(i))
            ),
        )
    }

    pub fn string(&self, i: usize) -> Result<String> {
        match self.items.get(i) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.wrong(i, "a string")),
        }
    }

    pub fn strings(&self, i: usize) -> Result<Vec<String>> {
        let Some(Value::Array(list)) = self.items.get(i) else {
            return Err(self.wrong(i, "a list"));
        };
        list.iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(Error::malformed(
                    self.name,
                    format!("a path in item {i} is {}", describe(other)),
                )),
            })
            .collect()
    }

    pub fn dictionary(&self, i: usize) -> Result<&'a Dictionary> {
        match self.items.get(i) {
            Some(Value::Dictionary(d)) => Ok(d),
            _ => Err(self.wrong(i, "a dictionary")),
        }
    }

    pub fn unsigned(&self, i: usize) -> Result<u64> {
        self.optional_unsigned(i)
            .ok_or_else(|| self.wrong(i, "an unsigned integer"))
    }

    /// A status code (see [`signed`]).
    pub fn signed(&self, i: usize) -> Result<i64> {
        self.items
            .get(i)
            .and_then(signed)
            .ok_or_else(|| self.wrong(i, "an integer"))
    }

    /// A progress percentage; absent (or the placeholder, or not a finite number) is `None`.
    pub fn optional_real(&self, i: usize) -> Option<f64> {
        match self.items.get(i) {
            Some(Value::Real(r)) if r.is_finite() => Some(*r),
            Some(Value::Integer(n)) => n.as_signed().map(|n| n as f64),
            _ => None,
        }
    }

    pub fn optional_unsigned(&self, i: usize) -> Option<u64> {
        match self.items.get(i) {
            Some(Value::Integer(n)) => n.as_unsigned(),
            _ => None,
        }
    }

    /// A string that may be absent or the empty-parameter placeholder.
    pub fn optional_string(&self, i: usize) -> Option<String> {
        match self.items.get(i) {
            Some(Value::String(s)) if s != EMPTY_PARAMETER => Some(s.clone()),
            _ => None,
        }
    }
}

/// A status or error code: negative codes travel as their 64-bit two's complement in an
/// unsigned integer, as both reference clients send them.
/// A value from the other end described for an error or a log: its kind and, for a scalar, its
/// value (a string cut at 64 characters). Never `{:?}` on what a peer sent: plist's `Debug` of a
/// date outside the years 0 to 9999 (a binary plist can hold one) panics, and would take the host
/// down.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Dictionary(dict) => format!("a dictionary of {} keys", dict.len()),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Data(bytes) => format!("{} bytes of data", bytes.len()),
        Value::Date(date) => {
            match std::time::SystemTime::from(*date).duration_since(std::time::UNIX_EPOCH) {
                Ok(after) => format!("the date {} s after 1970", after.as_secs()),
                Err(before) => format!("the date {} s before 1970", before.duration().as_secs()),
            }
        }
        Value::Real(r) => format!("the real {r}"),
        Value::Integer(n) => format!("the integer {n}"),
        Value::String(s) if s.chars().count() > 64 => {
            format!("the string {:?}…", s.chars().take(64).collect::<String>())
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Uid(uid) => format!("the UID {}", uid.get()),
        _ => "a value of another kind".into(),
    }
}

fn describe_item(item: Option<&Value>) -> String {
    item.map_or_else(|| "missing".into(), describe)
}

pub(crate) fn signed(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(n) => n.as_signed().or_else(|| n.as_unsigned().map(|u| u as i64)),
        _ => None,
    }
}

pub(crate) fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().map(|p| Value::String(p.clone())).collect())
}

pub(crate) fn empty_dict() -> Value {
    Value::Dictionary(Dictionary::new())
}

/// What stands in an item that has no value: the placeholder string, which every parser here
/// reads back as absent.
pub(crate) fn placeholder() -> Value {
    Value::String(EMPTY_PARAMETER.into())
}

pub(crate) fn real_or_placeholder(value: Option<f64>) -> Value {
    value.map_or_else(placeholder, Value::Real)
}

pub(crate) fn unsigned_or_placeholder(value: Option<u64>) -> Value {
    value.map_or_else(placeholder, Value::from)
}

pub(crate) fn string_or_placeholder(value: Option<&str>) -> Value {
    Value::String(value.unwrap_or(EMPTY_PARAMETER).into())
}
