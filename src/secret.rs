//! `Secret`: a string that never shows itself. Access keys, session tokens, SSO access and
//! refresh tokens and client secrets live in it from the moment they are parsed; `Debug` and
//! `Display` print `***`, so a stray `{:?}` in a log line or an error cannot leak one.
//! Only code that writes a secret out on purpose (the child's environment, a cache file, an
//! HTTP request) calls [`Secret::expose`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Callers are the few places that must write it somewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes we own before the allocator reuses them.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_never_show_the_value() {
        #[derive(Debug)]
        #[allow(
            dead_code,
            reason = "the field is only read through Debug, which is the point"
        )]
        struct Holder {
            token: Secret,
        }
        let s = Secret::new("AKIAVERYSECRET");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "AKIAVERYSECRET");
        let h = Holder { token: s };
        assert!(!format!("{h:?}").contains("SECRET"));
    }
}
