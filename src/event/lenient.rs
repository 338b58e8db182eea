//! Deserialization wrappers that never fail on a wrong JSON type.
//!
//! Audit logs are written by the API server, but also hand-edited and partly attacker-controlled
//! (a pod spec is whatever the client sent). A derived struct would reject a whole event because
//! one field has an unexpected type (`"containers": "x"`, `"image": 7`, `"spec": null`), and a
//! rejected event is a finding lost. These wrappers record "present but not what we expected"
//! instead, so the verdict can say `images-unknown` rather than drop the line.
//!
//! All of them borrow strings from the input where JSON allows it (no escapes) and own them
//! otherwise; skipped values go through [`IgnoredAny`], which allocates nothing.
//!
//! They also bound how deep a parse by sonic-rs reads ([`bounded`], [`nested`]): below the depth
//! serde_json refuses, so that sonic-rs never reads a line serde_json would not.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value expected to be a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Str<'a> {
    /// The key is missing, or `null`.
    #[default]
    Absent,
    /// A string, borrowed from the input when it had no escapes.
    Text(Cow<'a, str>),
    /// Present with another type.
    Other,
}

impl Str<'_> {
    /// The string, if it is one.
    pub fn get(&self) -> Option<&str> {
        match self {
            Str::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Is this exactly the string `s`?
    pub fn is(&self, s: &str) -> bool {
        self.get() == Some(s)
    }

    /// An owned copy for a finding.
    pub fn to_owned_string(&self) -> Option<String> {
        self.get().map(str::to_owned)
    }
}

/// A JSON value expected to be an object, deserialized as `T`.
#[derive(Debug, Clone, Default)]
pub enum Obj<T> {
    /// The key is missing, or `null`.
    #[default]
    Absent,
    /// An object.
    Map(T),
    /// Present with another type.
    Other,
}

impl<T> Obj<T> {
    /// The object, if it is one.
    pub fn get(&self) -> Option<&T> {
        match self {
            Obj::Map(t) => Some(t),
            _ => None,
        }
    }
}

/// A JSON value expected to be an array of `T`.
#[derive(Debug, Clone, Default)]
pub enum List<T> {
    /// The key is missing, or `null`.
    #[default]
    Absent,
    /// An array.
    Items(Vec<T>),
    /// Present with another type.
    Other,
}

impl<T> List<T> {
    /// The items, if this is an array.
    pub fn get(&self) -> Option<&[T]> {
        match self {
            List::Items(v) => Some(v),
            _ => None,
        }
    }
}

/// How deep the objects and arrays a bounded parse visits may nest (those skipped unread do not
/// count). serde_json refuses a value whose visited nesting reaches 128; sonic-rs allows 255. A
/// parse by sonic-rs is bounded ([`bounded`]) below serde_json's limit, so that it never reads a
/// line that serde_json refuses (and the slow path then reads differently): such a line goes to
/// serde_json instead. Real events nest a dozen levels; half of serde_json's limit also keeps
/// the stack a bounded parse needs below what serde_json's own parse of the line may take.
const BOUNDED_DEPTH: u32 = 64;

thread_local! {
    /// While a bounded parse runs, how many visited objects and arrays are open; `None` when no
    /// bounded parse runs.
    static OPEN: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `parse`, one parse of a whole value, bounded: every object or array it visits through
/// these wrappers counts (the top-level value is one), and visiting one past [`BOUNDED_DEPTH`]
/// fails.
pub(crate) fn bounded<R>(parse: impl FnOnce() -> R) -> R {
    OPEN.set(Some(1));
    let result = parse();
    OPEN.set(None);
    result
}

/// Visits one object or array that is being read: inside a [`bounded`] parse, an error past
/// [`BOUNDED_DEPTH`]; otherwise just `visit`. Every visitor of the event structs opens the
/// objects and arrays it reads through this.
pub(crate) fn nested<R, E: de::Error>(visit: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
    let Some(open) = OPEN.get() else {
        return visit();
    };
    if open >= BOUNDED_DEPTH {
        return Err(E::custom("nested deeper than a bounded parse reads"));
    }
    OPEN.set(Some(open + 1));
    let result = visit();
    OPEN.set(Some(open));
    result
}

/// Consumes the rest of a map without looking at it.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    nested(|| {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    })
}

/// Consumes the rest of a sequence without looking at it.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    nested(|| {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    })
}

/// Implements the visitor methods for every JSON scalar as "present, other type".
macro_rules! scalars_are_other {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

/// Implements `null` as absent.
macro_rules! null_is_absent {
    ($absent:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`Str`].
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str::Text(Cow::Owned(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Str<'a>, A::Error> {
                skip_map(map).map(|()| Str::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Str<'a>, A::Error> {
                skip_seq(seq).map(|()| Str::Other)
            }
            scalars_are_other!(Str::Other);
            null_is_absent!(Str::Absent);
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`Obj`].
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                nested(|| T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Map))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
                skip_seq(seq).map(|()| Obj::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj::Other)
            }
            scalars_are_other!(Obj::Other);
            null_is_absent!(Obj::Absent);
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`List`].
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<List<T>, A::Error> {
                nested(|| Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(List::Items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
                skip_map(map).map(|()| List::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List::Other)
            }
            scalars_are_other!(List::Other);
            null_is_absent!(List::Absent);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON value expected to be an integer (an HTTP status code, say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Int(pub Option<i64>);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`Int`].
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                Ok(Int(i64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Int, E> {
                Ok(Int(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Int, E> {
                Ok(Int(None))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Int, E> {
                Ok(Int(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Int, E> {
                Ok(Int(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Int, A::Error> {
                skip_map(map).map(|()| Int(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Int, A::Error> {
                skip_seq(seq).map(|()| Int(None))
            }
            null_is_absent!(Int(None));
        }
        d.deserialize_any(V)
    }
}

/// A JSON value expected to be a boolean (an owner reference's `controller`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bool(pub Option<bool>);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Visitor for [`Bool`].
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Bool, E> {
                Ok(Bool(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Bool, E> {
                Ok(Bool(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Bool, E> {
                Ok(Bool(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Bool, E> {
                Ok(Bool(None))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Bool, E> {
                Ok(Bool(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Bool, E> {
                Ok(Bool(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Bool, A::Error> {
                skip_map(map).map(|()| Bool(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Bool, A::Error> {
                skip_seq(seq).map(|()| Bool(None))
            }
            null_is_absent!(Bool(None));
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        s: Str<'a>,
        #[serde(default)]
        o: Obj<Inner>,
        #[serde(default)]
        l: List<u8>,
        #[serde(default)]
        i: Int,
        #[serde(default)]
        b: Bool,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        x: u8,
    }

    fn probe(json: &str) -> Probe<'_> {
        serde_json::from_str(json).expect("lenient types accept any value")
    }

    #[test]
    fn strings_borrow_when_unescaped_and_own_when_escaped() {
        assert!(matches!(
            probe(r#"{"s":"abc"}"#).s,
            Str::Text(Cow::Borrowed("abc"))
        ));
        let escaped = probe(r#"{"s":"a\u0062c"}"#);
        assert!(matches!(escaped.s, Str::Text(Cow::Owned(ref s)) if s == "abc"));
    }

    #[test]
    fn wrong_types_are_other_and_null_is_absent() {
        for json in [
            r#"{"s":7,"o":"x","l":{"a":[1]},"i":"200"}"#,
            r#"{"s":[1,{"a":2}],"o":[1],"l":"x","i":1.5}"#,
            r#"{"s":{"a":"b"},"o":true,"l":3,"i":{}}"#,
        ] {
            let p = probe(json);
            assert_eq!(p.s, Str::Other, "{json}");
            assert!(matches!(p.o, Obj::Other), "{json}");
            assert!(matches!(p.l, List::Other), "{json}");
            assert_eq!(p.i, Int(None), "{json}");
        }
        for json in [
            r#"{"b":"true"}"#,
            r#"{"b":1}"#,
            r#"{"b":[true]}"#,
            r#"{"b":null}"#,
        ] {
            assert_eq!(probe(json).b, Bool(None), "{json}");
        }
        let p = probe(r#"{"s":null,"o":null,"l":null,"i":null}"#);
        assert_eq!(p.s, Str::Absent);
        assert!(matches!(p.o, Obj::Absent));
        assert!(matches!(p.l, List::Absent));
        let p = probe("{}");
        assert_eq!(p.s, Str::Absent);
    }

    #[test]
    fn right_types_are_read() {
        let p = probe(r#"{"o":{"x":3,"y":[1]},"l":[1,2],"i":201,"b":true}"#);
        assert_eq!(p.b, Bool(Some(true)));
        assert_eq!(p.o.get().map(|i| i.x), Some(3));
        assert_eq!(p.l.get(), Some(&[1u8, 2][..]));
        assert_eq!(p.i, Int(Some(201)));
    }
}
