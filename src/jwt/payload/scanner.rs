//! The scanner under [`read`](super::read): RFC 8259's grammar as strict
//! as serde_json, one byte position at a time, strings unescaped into the
//! caller's room, member names checked for duplicates, and each value kept,
//! dropped or built whole as [`Wanted`] asks.

use super::*;

/// Reads the JSON object `json` once, unescaping the strings it keeps into
/// `room` (at least as long as `json`), and keeps what `wanted` asks for;
/// arrays are judged against `audiences`. `None` where serde_json refuses
/// the text, or it is not one object without duplicate member names.
pub fn read<'p>(
    json: &'p [u8],
    room: &'p mut [u8],
    audiences: &[String],
    wanted: &mut Wanted<'_, 'p>,
) -> Option<()> {
    let mut scan = Scanner {
        json,
        // Every byte outside strings must be ASCII and every string UTF-8,
        // so a text that is not UTF-8 is refused either way.
        text: std::str::from_utf8(json).ok()?,
        at: 0,
        room,
        open: 0,
        audiences,
    };
    scan.space();
    if scan.peek()? != b'{' {
        return None;
    }
    scan.object(Some(wanted))?;
    scan.space();
    (scan.at == json.len()).then_some(())
}

/// Member names kept on the stack for the duplicate check before a `Vec`
/// is needed.
pub const INLINE_NAMES: usize = 16;

/// The member names read so far: the first [`INLINE_NAMES`] on the stack,
/// the others in a `Vec`; each with its [`fingerprint`], so that two names
/// are compared whole only when their fingerprints are equal (most names
/// are of three letters, `exp`, `iat`, `jti`).
struct Names<'p> {
    inline: [(u64, &'p str); INLINE_NAMES],
    len: usize,
    more: Vec<(u64, &'p str)>,
}

/// A name's length and its first, middle and last bytes, in one word.
fn fingerprint(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let byte = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
    let len = bytes.len();
    (len as u64) << 24 | byte(0) << 16 | byte(len / 2) << 8 | byte(len.wrapping_sub(1))
}

impl<'p> Names<'p> {
    fn new() -> Names<'p> {
        Names {
            inline: [(0, ""); INLINE_NAMES],
            len: 0,
            more: Vec::new(),
        }
    }

    /// Adds `name`; false if it was already there.
    fn insert(&mut self, name: &'p str) -> bool {
        let key = fingerprint(name);
        let same = |&(k, n): &(u64, &str)| k == key && n == name;
        if self.inline[..self.len].iter().any(same) || self.more.iter().any(same) {
            return false;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = (key, name);
                self.len += 1;
            }
            None => self.more.push((key, name)),
        }
        true
    }
}

/// How [`Scanner::value`] reads a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Kept as a [`ClaimValue`].
    Keep,
    /// An item of a kept array: `Some` of whether it is an accepted
    /// audience for a string, `None` for anything else.
    Item,
    /// Checked and dropped.
    Drop,
}

/// A string just read: borrowed from the JSON (no escapes), or unescaped
/// at the start of the room, this many bytes.
enum Text<'p> {
    Json(&'p str),
    Room(usize),
}

/// serde_json's limit: 128 levels, of which at most 127 arrays and objects
/// can be open at once.
const MAX_OPEN: u8 = 127;

/// The first byte of `bytes` that ends a run of string content: a quote, a
/// backslash or a control character (or its length if none does). Eight
/// bytes at a time: a word with none of them is passed over whole.
pub(super) fn special(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of the word is zero (or, for
    // `below`, under the constant): bytes of 0x80 and above never count.
    let zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        if zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | below_space
            != 0
        {
            break;
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(rest.len())
}

/// The position in the JSON, and the room kept strings are unescaped into.
struct Scanner<'a, 'p> {
    json: &'p [u8],
    /// The same JSON, checked to be UTF-8 once for all its strings.
    text: &'p str,
    at: usize,
    room: &'p mut [u8],
    /// Arrays and objects open.
    open: u8,
    audiences: &'a [String],
}

// The byte-level steps are inlined by force: the release profile builds
// jwtd for size ("z"), under which LLVM inlines no call of its own accord,
// and a call per byte of the payload doubled the time of a verify.
impl<'p> Scanner<'_, 'p> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.json.get(self.at).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    #[inline(always)]
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    #[inline(always)]
    fn eat_if(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// A value, at its first byte.
    fn value(&mut self, mode: Mode, out: &mut Option<ClaimValue<'p>>) -> Option<()> {
        *out = Some(match self.peek()? {
            b'"' => {
                self.at += 1;
                let text = self.string()?;
                match mode {
                    Mode::Keep => ClaimValue::String(self.keep(text)?),
                    Mode::Item => {
                        ClaimValue::Bool(is_accepted(self.audiences, self.str_of(&text)?))
                    }
                    Mode::Drop => return Some(()),
                }
            }
            b'-' | b'0'..=b'9' => ClaimValue::Number(self.number()?),
            b'{' => self.object(None)?,
            b'[' => self.array(mode)?,
            b't' => self.word(b"true", ClaimValue::Bool(true))?,
            b'f' => self.word(b"false", ClaimValue::Bool(false))?,
            b'n' => self.word(b"null", ClaimValue::Null)?,
            _ => return None,
        });
        Some(())
    }

    /// A value, at its first byte, as serde_json's `Value` visitor builds
    /// it (in an object below the top level, the last of two members of
    /// one name wins).
    fn whole(&mut self) -> Option<Value> {
        Some(match self.peek()? {
            b'"' => {
                self.at += 1;
                let text = self.string()?;
                Value::String(self.str_of(&text)?.to_owned())
            }
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b'{' => {
                self.enter()?;
                let mut members = Map::new();
                self.space();
                if !self.eat_if(b'}') {
                    loop {
                        self.eat(b'"')?;
                        let name = self.string()?;
                        let name = self.str_of(&name)?.to_owned();
                        self.space();
                        self.eat(b':')?;
                        self.space();
                        members.insert(name, self.whole()?);
                        if self.end_of(b'}')? {
                            break;
                        }
                    }
                }
                self.open -= 1;
                Value::Object(members)
            }
            b'[' => {
                self.enter()?;
                let mut items = Vec::new();
                self.space();
                if !self.eat_if(b']') {
                    loop {
                        items.push(self.whole()?);
                        if self.end_of(b']')? {
                            break;
                        }
                    }
                }
                self.open -= 1;
                Value::Array(items)
            }
            b't' => self.word(b"true", Value::Bool(true))?,
            b'f' => self.word(b"false", Value::Bool(false))?,
            b'n' => self.word(b"null", Value::Null)?,
            _ => return None,
        })
    }

    /// After a member or an item: true at the `close` that ends its object
    /// or array, false after the comma before the next; `None` otherwise.
    fn end_of(&mut self, close: u8) -> Option<bool> {
        self.space();
        if self.eat_if(b',') {
            self.space();
            return Some(false);
        }
        self.eat(close)?;
        Some(true)
    }

    fn word<T>(&mut self, word: &[u8], value: T) -> Option<T> {
        let end = self.at + word.len();
        (self.json.get(self.at..end)? == word).then_some(())?;
        self.at = end;
        Some(value)
    }

    fn enter(&mut self) -> Option<()> {
        self.at += 1;
        self.open += 1;
        (self.open <= MAX_OPEN).then_some(())
    }

    /// An object below the top level: its names and values checked and
    /// dropped, duplicates allowed.
    fn object(&mut self, mut top: Option<&mut Wanted<'_, 'p>>) -> Option<ClaimValue<'p>> {
        self.enter()?;
        let mut seen = top.is_some().then(Names::new);
        self.space();
        if !self.eat_if(b'}') {
            loop {
                self.eat(b'"')?;
                let name = self.string()?;
                self.space();
                self.eat(b':')?;
                self.space();
                match (top.as_deref_mut(), seen.as_mut()) {
                    (Some(wanted), Some(seen)) => {
                        let name = self.keep(name)?;
                        if !seen.insert(name) {
                            return None;
                        }
                        self.member(name, wanted)?;
                    }
                    _ => self.value(Mode::Drop, &mut None)?,
                }
                if self.end_of(b'}')? {
                    break;
                }
            }
        }
        self.open -= 1;
        Some(ClaimValue::Object)
    }

    /// The value of the top-level member `name`: written where it is kept
    /// (the first place, if several) and copied from there to the others,
    /// or dropped; or appended whole.
    fn member(&mut self, name: &str, wanted: &mut Wanted<'_, 'p>) -> Option<()> {
        if let Some(claims) = wanted.whole.as_deref_mut() {
            let value = self.whole()?;
            claims.push_unique(name.to_owned(), value);
            return Some(());
        }
        let registered = registered_index(name).and_then(|i| wanted.registered.0.get_mut(i));
        let mut picked = wanted
            .names
            .iter()
            .zip(wanted.picked.iter_mut())
            .filter(|(n, _)| **n == Some(name))
            .map(|(_, kept)| kept);
        match registered.or_else(|| picked.next()) {
            None => self.value(Mode::Drop, &mut None),
            Some(first) => {
                self.value(Mode::Keep, first)?;
                for kept in picked {
                    kept.clone_from(first);
                }
                Some(())
            }
        }
    }

    /// An array; kept, its items are judged as audiences.
    fn array(&mut self, mode: Mode) -> Option<ClaimValue<'p>> {
        self.enter()?;
        let items = if mode == Mode::Keep {
            Mode::Item
        } else {
            Mode::Drop
        };
        let (mut all_strings, mut any_accepted) = (true, false);
        self.space();
        if !self.eat_if(b']') {
            loop {
                let is_string = self.peek() == Some(b'"');
                let mut item = None;
                self.value(items, &mut item)?;
                match item {
                    Some(ClaimValue::Bool(accepted)) if is_string => any_accepted |= accepted,
                    _ => all_strings = false,
                }
                if self.end_of(b']')? {
                    break;
                }
            }
        }
        self.open -= 1;
        Some(ClaimValue::Array {
            all_strings,
            any_accepted,
        })
    }

    /// A string, after its opening quote. One without escapes is borrowed;
    /// one with escapes is unescaped to the start of the room, where it
    /// stays until [`Scanner::keep`] keeps it or another string is read.
    /// (The whole JSON is UTF-8, so the runs between escapes are, and so
    /// is the unescaped string.)
    fn string(&mut self) -> Option<Text<'p>> {
        let start = self.at;
        self.at += special(self.json.get(start..)?);
        if self.next()? == b'"' {
            return self.text.get(start..self.at - 1).map(Text::Json);
        }
        // Escaped (or refused): unescaped into the room, a run at a time.
        self.at = start;
        let mut len = 0;
        loop {
            let run_start = self.at;
            self.at += special(self.json.get(run_start..)?);
            let run = self.json.get(run_start..self.at)?;
            self.room
                .get_mut(len..len + run.len())?
                .copy_from_slice(run);
            len += run.len();
            let unescaped = match self.next()? {
                b'"' => break,
                b'\\' => match self.next()? {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        let c = self.unicode_escape()?;
                        len += c.encode_utf8(self.room.get_mut(len..len + 4)?).len();
                        continue;
                    }
                    _ => return None,
                },
                // A control character.
                _ => return None,
            };
            *self.room.get_mut(len)? = unescaped;
            len += 1;
        }
        Some(Text::Room(len))
    }

    /// The character of a `\u` escape (after the `u`), with a surrogate
    /// pair's second half; a lone surrogate is refused, as serde_json
    /// refuses it.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        match first {
            0xD800..=0xDBFF => {
                self.eat(b'\\')?;
                self.eat(b'u')?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(first),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            n = n * 16 + char::from(self.next()?).to_digit(16)?;
        }
        Some(n)
    }

    /// The text of a string just read.
    fn str_of(&self, text: &Text<'p>) -> Option<&str> {
        match *text {
            Text::Json(s) => Some(s),
            Text::Room(len) => std::str::from_utf8(self.room.get(..len)?).ok(),
        }
    }

    /// Keeps a string just read for as long as the JSON.
    fn keep(&mut self, text: Text<'p>) -> Option<&'p str> {
        match text {
            Text::Json(s) => Some(s),
            Text::Room(len) => {
                let room = std::mem::take(&mut self.room);
                if room.len() < len {
                    return None;
                }
                let (kept, rest) = room.split_at_mut(len);
                self.room = rest;
                let kept: &'p [u8] = kept;
                std::str::from_utf8(kept).ok()
            }
        }
    }

    /// A number, as serde_json reads it (see the module's documentation).
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let negative = self.eat_if(b'-');
        let digits_start = self.at;
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let digits_end = self.at;
        let mut float = false;
        if self.eat_if(b'.') {
            float = true;
            self.at_least_one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.at_least_one_digit()?;
        }
        if !float {
            let whole = self.json[digits_start..digits_end]
                .iter()
                .try_fold(0u64, |n, d| {
                    n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                });
            match whole {
                Some(n) if !negative => return Some(Number::from(n)),
                Some(n) => {
                    // serde_json: the negation if it is a negative i64,
                    // else (-0 and below i64::MIN) the float.
                    let negated = (n as i64).wrapping_neg();
                    return if negated < 0 {
                        Some(Number::from(negated))
                    } else {
                        Number::from_f64(-(n as f64))
                    };
                }
                None => {}
            }
        }
        let text = std::str::from_utf8(&self.json[start..self.at]).ok()?;
        let float: f64 = text.parse().ok()?;
        Number::from_f64(float)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Option<()> {
        match self.next()? {
            b'0'..=b'9' => {
                self.digits();
                Some(())
            }
            _ => None,
        }
    }
}
