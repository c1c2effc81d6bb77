//! One pass over JSON that validates it and keeps only what the routing header needs.
//!
//! Parsing into `serde_json::Value` allocates every string and map of a request; here most of
//! a request (tool schemas, message text) is only validated and skipped (`IgnoredAny`), and the
//! strings we keep are borrowed when they have no escapes. Semantics match
//! `Value::get(..).and_then(Value::as_*)` on the same document: a field of the wrong type counts
//! as absent, a later duplicate key wins, and presence-only keys count even when `null` (as
//! the reference does).

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar we may need, or "something else".
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Scalar<'a> {
    /// Null, a float, a negative number, an array or an object.
    #[default]
    Other,
    /// A string.
    Str(Cow<'a, str>),
    /// A non-negative integer.
    U64(u64),
    /// A boolean.
    Bool(bool),
}

impl Scalar<'_> {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is a non-negative one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Scalar::U64(n) => Some(*n),
            _ => None,
        }
    }
}

/// Visitor methods that skip every value kind a visitor does not handle itself.
macro_rules! skip_others {
    ($($kind:ident),*) => {
        $(skip_others!(@one $kind);)*
    };
    (@one bool) => { fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one i64) => { fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one u64) => { fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one f64) => { fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one str) => { fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one unit) => { fn visit_unit<E>(self) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map(Scalar::U64).unwrap_or(Scalar::Other))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    skip_others!(f64, unit, seq, map);
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// One message of `messages`.
#[derive(Debug, Default)]
pub struct Message<'a> {
    /// `role`.
    pub role: Scalar<'a>,
    /// String content, or the `text` of each content part.
    pub texts: Vec<Cow<'a, str>>,
    /// A content part has `"type": "image_url"`.
    pub image: bool,
}

/// Flags of a choice's `message` or `delta`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MessageFlags {
    /// The key was present.
    pub present: bool,
    /// `tool_calls` present (any value).
    pub tool_calls: bool,
    /// `refusal` is a string.
    pub refusal: bool,
}

/// The first element of `choices`.
#[derive(Debug, Default)]
pub struct Choice<'a> {
    /// `finish_reason`.
    pub finish_reason: Scalar<'a>,
    /// `message`.
    pub message: MessageFlags,
    /// `delta` (streaming chunks).
    pub delta: MessageFlags,
}

/// `usage`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    /// The value was `null`.
    pub null: bool,
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `prompt_tokens_details.cached_tokens`.
    pub cached_tokens: Option<u64>,
    /// `completion_tokens_details.reasoning_tokens`.
    pub reasoning_tokens: Option<u64>,
}

/// Presence-only request keys, as bits of [`Extract::present`].
pub const PRESENCE_KEYS: [&str; 13] = [
    "tools",
    "functions",
    "tool_choice",
    "function_call",
    "response_format",
    "reasoning_effort",
    "service_tier",
    "seed",
    "logprobs",
    "user",
    "temperature",
    "top_p",
    "stop",
];

/// What the routing header needs from a JSON document.
#[derive(Debug, Default)]
pub struct Extract<'a> {
    /// `model` present (any value).
    pub model_present: bool,
    /// `model`.
    pub model: Scalar<'a>,
    /// `id`.
    pub id: Scalar<'a>,
    /// `messages` present (any value).
    pub has_messages: bool,
    /// The messages, when `messages` is an array.
    pub messages: Vec<Message<'a>>,
    /// `choices` present (any value).
    pub has_choices: bool,
    /// The first choice, when `choices` is a non-empty array.
    pub first_choice: Option<Choice<'a>>,
    /// `usage`, when present.
    pub usage: Option<Usage>,
    /// `stream`.
    pub stream: Scalar<'a>,
    /// `max_tokens`.
    pub max_tokens: Scalar<'a>,
    /// `max_completion_tokens`.
    pub max_completion_tokens: Scalar<'a>,
    /// Bit i set when `PRESENCE_KEYS[i]` is present.
    pub present: u16,
}

impl Extract<'_> {
    /// Whether presence key `name` was present.
    pub fn has(&self, name: &str) -> bool {
        PRESENCE_KEYS
            .iter()
            .position(|k| *k == name)
            .is_some_and(|i| self.present & (1 << i) != 0)
    }
}

/// Parses `bytes` (one JSON value, nothing after it but whitespace).
pub fn extract(bytes: &[u8]) -> Result<Extract<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut out = Extract::default();
    TopSeed(&mut out).deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

struct TopSeed<'x, 'a>(&'x mut Extract<'a>);

impl<'de> DeserializeSeed<'de> for TopSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let x = self.0;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "model" => {
                    x.model_present = true;
                    x.model = map.next_value()?;
                }
                "id" => x.id = map.next_value()?,
                "stream" => x.stream = map.next_value()?,
                "max_tokens" => x.max_tokens = map.next_value()?,
                "max_completion_tokens" => x.max_completion_tokens = map.next_value()?,
                "messages" => {
                    x.has_messages = true;
                    x.messages.clear();
                    map.next_value_seed(MessagesSeed(&mut x.messages))?;
                }
                "choices" => {
                    x.has_choices = true;
                    x.first_choice = None;
                    map.next_value_seed(ChoicesSeed(&mut x.first_choice))?;
                }
                "usage" => {
                    let mut u = Usage::default();
                    map.next_value_seed(UsageSeed(&mut u))?;
                    x.usage = Some(u);
                }
                other => {
                    if let Some(i) = PRESENCE_KEYS.iter().position(|k| *k == other) {
                        x.present |= 1 << i;
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct MessagesSeed<'x, 'a>(&'x mut Vec<Message<'a>>);

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, map);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let mut m = Message::default();
            match seq.next_element_seed(MessageSeed(&mut m))? {
                Some(()) => self.0.push(m),
                None => return Ok(()),
            }
        }
    }
}

struct MessageSeed<'x, 'a>(&'x mut Message<'a>);

impl<'de> DeserializeSeed<'de> for MessageSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let m = self.0;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "role" => m.role = map.next_value()?,
                "content" => {
                    m.texts.clear();
                    m.image = false;
                    map.next_value_seed(ContentSeed(m))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ContentSeed<'x, 'a>(&'x mut Message<'a>);

impl<'de> DeserializeSeed<'de> for ContentSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContentSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, unit, map);
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.0.texts.push(Cow::Borrowed(v));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.texts.push(Cow::Owned(v.to_owned()));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(part) = seq.next_element::<Part<'de>>()? {
            if let Scalar::Str(t) = part.text {
                self.0.texts.push(t);
            }
            if part.kind.as_str() == Some("image_url") {
                self.0.image = true;
            }
        }
        Ok(())
    }
}

/// A content part: `text` and `type`.
#[derive(Default)]
struct Part<'a> {
    text: Scalar<'a>,
    kind: Scalar<'a>,
}

struct PartVisitor;

impl<'de> Visitor<'de> for PartVisitor {
    type Value = Part<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part<'de>, A::Error> {
        let mut p = Part::default();
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "text" => p.text = map.next_value()?,
                "type" => p.kind = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(p)
    }
}

impl<'de> serde::Deserialize<'de> for Part<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PartVisitor)
    }
}

struct ChoicesSeed<'x, 'a>(&'x mut Option<Choice<'a>>);

impl<'de> DeserializeSeed<'de> for ChoicesSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChoicesSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, map);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut c = Choice::default();
        if seq.next_element_seed(ChoiceSeed(&mut c))?.is_some() {
            *self.0 = Some(c);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

struct ChoiceSeed<'x, 'a>(&'x mut Choice<'a>);

impl<'de> DeserializeSeed<'de> for ChoiceSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChoiceSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let c = self.0;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "finish_reason" => c.finish_reason = map.next_value()?,
                "message" => c.message = map.next_value::<MessageFlags>()?,
                "delta" => c.delta = map.next_value::<MessageFlags>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct MessageFlagsVisitor;

impl<'de> Visitor<'de> for MessageFlagsVisitor {
    type Value = MessageFlags;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_i64<E>(self, _: i64) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_u64<E>(self, _: u64) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_f64<E>(self, _: f64) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_str<E>(self, _: &str) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_unit<E>(self) -> Result<MessageFlags, E> {
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MessageFlags, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(MessageFlags {
            present: true,
            ..Default::default()
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MessageFlags, A::Error> {
        let mut f = MessageFlags {
            present: true,
            ..Default::default()
        };
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "tool_calls" => {
                    f.tool_calls = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "refusal" => f.refusal = map.next_value::<Scalar<'de>>()?.as_str().is_some(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(f)
    }
}

impl<'de> serde::Deserialize<'de> for MessageFlags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MessageFlagsVisitor)
    }
}

struct UsageSeed<'x>(&'x mut Usage);

impl<'de> DeserializeSeed<'de> for UsageSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UsageSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, seq);
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.null = true;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let u = self.0;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            match key.as_str().unwrap_or("") {
                "prompt_tokens" => u.prompt_tokens = map.next_value::<Scalar<'de>>()?.as_u64(),
                "completion_tokens" => {
                    u.completion_tokens = map.next_value::<Scalar<'de>>()?.as_u64();
                }
                "prompt_tokens_details" => {
                    u.cached_tokens = map.next_value_seed(FieldSeed("cached_tokens"))?;
                }
                "completion_tokens_details" => {
                    u.reasoning_tokens = map.next_value_seed(FieldSeed("reasoning_tokens"))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Reads one integer field of an object (last duplicate wins); anything else is `None`.
struct FieldSeed(&'static str);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_others!(bool, i64, u64, f64, str, unit, seq);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<u64>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            if key.as_str() == Some(self.0) {
                found = map.next_value::<Scalar<'de>>()?.as_u64();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}
