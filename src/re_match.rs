//! Python's `re.match` for the small patterns CORS settings hold
//! (`CORS_ALLOWED_ORIGIN_REGEXES`), without a regex
//! crate: a safe subset, compiled once at start-up and run as a Thompson
//! NFA (a Pike VM without captures), so a match costs at most the text's
//! length times the program's, whatever the pattern: no backtracking, no
//! ReDoS.
//!
//! The subset: literal ASCII characters; escaped punctuation (`\.`, `\-`,
//! `\/`); `\d`, `\w`, `\s` and their negations `\D`, `\W`, `\S` (ASCII
//! classes); `.` (any byte but a newline); character classes (`[a-z0-9-]`,
//! `[^/]`); the quantifiers `*`, `+`, `?` (and their lazy forms, which match
//! the same texts); groups `( )` and `(?: )`; alternation `|`; the anchors
//! `^` and `$`. Anything else (`{m,n}`, backreferences, look-arounds, flags,
//! non-ASCII characters) is refused when the pattern is read, with what is
//! unsupported, so that a pattern never means something else here than in
//! Python.
//!
//! As `re.match`: a match starts at the text's start and may end anywhere;
//! `$` matches at the end or before a newline that ends the text. The text
//! is bytes: a caller hands ASCII (an `Origin` with other bytes matches no
//! pattern), where bytes and Python's characters agree.

/// The longest pattern read: the program is at most about twice as long,
/// which bounds every match's work.
pub const MAX_PATTERN: usize = 512;

/// How deeply groups may nest (the parser's recursion).
const MAX_DEPTH: usize = 32;

/// A compiled pattern, with the text it was read from. Two patterns are
/// equal when their texts are (the program follows from the text).
#[derive(Clone)]
pub struct Pattern {
    source: String,
    program: Vec<Inst>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// What is wrong in a pattern, and where (a byte offset).
type Refused = (&'static str, usize);

/// A set of bytes, one bit each.
#[derive(Clone, Copy, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.insert(b);
        }
    }

    fn extend(&mut self, other: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    /// The one byte in the set, if it holds exactly one.
    fn only(&self) -> Option<u8> {
        let count: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        let word = self.0.iter().position(|w| *w != 0)?;
        (count == 1).then(|| (word * 64) as u8 + self.0[word].trailing_zeros() as u8)
    }

    fn complement(mut self) -> ByteSet {
        for word in &mut self.0 {
            *word = !*word;
        }
        self
    }
}

/// One instruction of the NFA. Jump targets are indexes into the program,
/// always within it (the compiler emits them).
#[derive(Clone)]
enum Inst {
    /// Consumes one byte in the set.
    Bytes(ByteSet),
    /// Goes on at both targets.
    Split(usize, usize),
    /// Goes on at the target.
    Jump(usize),
    /// `^`: only at the text's start.
    Start,
    /// `$`: only at the end, or before a final newline.
    End,
    /// The pattern matched.
    Match,
}

/// A parsed pattern.
enum Node {
    Bytes(ByteSet),
    Start,
    End,
    Concat(Vec<Node>),
    Alternation(Vec<Node>),
    /// `*` (0, many), `+` (1, many), `?` (0, once).
    Repeat {
        node: Box<Node>,
        at_least_one: bool,
        many: bool,
    },
}

impl Pattern {
    /// Reads `source`, or says what in it is not supported.
    #[inline(never)]
    pub fn new(source: &str) -> Result<Pattern, String> {
        if source.len() > MAX_PATTERN {
            return Err(format!("is longer than {MAX_PATTERN} characters"));
        }
        if let Some(c) = source.chars().find(|c| !c.is_ascii()) {
            return Err(format!("has the non-ASCII character {c:?}, not supported"));
        }
        let mut parser = Parser {
            bytes: source.as_bytes(),
            at: 0,
            depth: 0,
        };
        let parsed = parser.alternation().and_then(|node| match parser.at {
            // Only an unmatched `)` stops the top level early.
            at if at < source.len() => Err(("has an unbalanced ')'", at)),
            _ => Ok(node),
        });
        let node = parsed.map_err(|(what, at)| format!("{what} at position {at}"))?;
        let mut program = Vec::new();
        compile(&node, &mut program);
        program.push(Inst::Match);
        Ok(Pattern {
            source: source.to_owned(),
            program,
        })
    }

    /// `^.*$`, django-cors-headers' `CORS_URLS_REGEX` default. (Its
    /// compilation cannot fail, as a test checks; the fallback, a pattern
    /// matching every text, is never built.)
    pub fn every_text() -> Pattern {
        Pattern::new("^.*$").unwrap_or_else(|_| Pattern {
            source: String::new(),
            program: vec![Inst::Match],
        })
    }

    /// The text the pattern was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches at the start of `text` (`re.match`).
    /// Linear in `text`: each byte advances a set of at most
    /// `program.len()` states, each visited once.
    pub fn is_match(&self, text: &[u8]) -> bool {
        let mut current = States::new(self.program.len());
        let mut next = States::new(self.program.len());
        if self.add(&mut current, 0, text, 0) {
            return true;
        }
        for (pos, &byte) in text.iter().enumerate() {
            for i in 0..current.list.len() {
                let pc = current.list[i];
                if let Inst::Bytes(set) = &self.program[pc] {
                    if set.contains(byte) && self.add(&mut next, pc + 1, text, pos + 1) {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut current, &mut next);
            next.clear();
            if current.list.is_empty() {
                return false;
            }
        }
        false
    }

    /// Adds the state `pc` at `pos` and every state reached from it without
    /// consuming a byte; true when one of them is the match.
    fn add(&self, states: &mut States, pc: usize, text: &[u8], pos: usize) -> bool {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if !states.insert(pc) {
                continue;
            }
            match &self.program[pc] {
                Inst::Match => return true,
                Inst::Jump(to) => stack.push(*to),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Start if pos == 0 => stack.push(pc + 1),
                Inst::End if pos == text.len() || (pos + 1 == text.len() && text[pos] == b'\n') => {
                    stack.push(pc + 1)
                }
                Inst::Start | Inst::End | Inst::Bytes(_) => {}
            }
        }
        false
    }
}

/// A set of program states, in the order added, each at most once.
struct States {
    seen: Vec<bool>,
    list: Vec<usize>,
}

impl States {
    fn new(len: usize) -> States {
        States {
            seen: vec![false; len],
            list: Vec::with_capacity(len),
        }
    }

    /// Adds `pc`; false when it was there.
    fn insert(&mut self, pc: usize) -> bool {
        if self.seen[pc] {
            return false;
        }
        self.seen[pc] = true;
        self.list.push(pc);
        true
    }

    fn clear(&mut self) {
        for &pc in &self.list {
            self.seen[pc] = false;
        }
        self.list.clear();
    }
}

/// Emits `node`'s instructions; every jump lands within the program or on
/// the instruction that follows the node.
fn compile(node: &Node, program: &mut Vec<Inst>) {
    match node {
        Node::Bytes(set) => program.push(Inst::Bytes(*set)),
        Node::Start => program.push(Inst::Start),
        Node::End => program.push(Inst::End),
        Node::Concat(nodes) => nodes.iter().for_each(|n| compile(n, program)),
        Node::Alternation(branches) => {
            // split L1, next; L1: a; jump end; next: split L2, ...; last
            let mut jumps = Vec::new();
            for (i, branch) in branches.iter().enumerate() {
                let last = i + 1 == branches.len();
                let split = program.len();
                if !last {
                    program.push(Inst::Split(split + 1, 0));
                }
                compile(branch, program);
                if !last {
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    let after = program.len();
                    program[split] = Inst::Split(split + 1, after);
                }
            }
            let end = program.len();
            for jump in jumps {
                program[jump] = Inst::Jump(end);
            }
        }
        Node::Repeat {
            node,
            at_least_one,
            many,
        } => {
            let start = program.len();
            if *at_least_one {
                // body; split start, next
                compile(node, program);
                let split = program.len();
                program.push(Inst::Split(start, split + 1));
            } else {
                // split body, end; body; [jump start]; end
                program.push(Inst::Split(start + 1, 0));
                compile(node, program);
                if *many {
                    program.push(Inst::Jump(start));
                }
                let end = program.len();
                program[start] = Inst::Split(start + 1, end);
            }
        }
    }
}

/// A recursive-descent reader of the subset. Each error is what is wrong
/// and the byte offset where it is.
struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn alternation(&mut self) -> Result<Node, Refused> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some(b'|') {
            self.at += 1;
            branches.push(self.concat()?);
        }
        Ok(match branches.len() {
            1 => branches.remove(0),
            _ => Node::Alternation(branches),
        })
    }

    fn concat(&mut self) -> Result<Node, Refused> {
        let mut nodes = Vec::new();
        while let Some(b) = self.peek() {
            if b == b'|' || b == b')' {
                break;
            }
            let atom = self.atom()?;
            nodes.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(nodes))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, Refused> {
        let (at_least_one, many) = match self.peek() {
            Some(b'*') => (false, true),
            Some(b'+') => (true, true),
            Some(b'?') => (false, false),
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Start | Node::End) {
            return Err(("repeats an anchor", self.at));
        }
        self.at += 1;
        // A lazy quantifier matches the same texts as the greedy one.
        if self.peek() == Some(b'?') {
            self.at += 1;
        }
        if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
            return Err((
                "has a multiple or possessive repeat (not supported)",
                self.at,
            ));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            at_least_one,
            many,
        })
    }

    fn atom(&mut self) -> Result<Node, Refused> {
        let position = self.at;
        let Some(b) = self.peek() else {
            return Err(("ends too early", position));
        };
        self.at += 1;
        Ok(match b {
            b'(' => self.group(position)?,
            b'[' => self.class(position)?,
            b'^' => Node::Start,
            b'$' => Node::End,
            b'.' => Node::Bytes(single(b'\n').complement()),
            b'\\' => Node::Bytes(self.escape(position)?),
            b'*' | b'+' | b'?' => return Err(("has nothing to repeat", position)),
            b'{' | b'}' => {
                return Err((
                    "has '{' or '}': counted repetition is not supported",
                    position,
                ))
            }
            _ => Node::Bytes(single(b)),
        })
    }

    fn group(&mut self, position: usize) -> Result<Node, Refused> {
        if self.bytes[self.at..].starts_with(b"?:") {
            self.at += 2;
        } else if self.peek() == Some(b'?') {
            return Err((
                "has '(?': only (?: ) groups are supported, not flags, names or look-arounds",
                position,
            ));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(("nests groups too deep", position));
        }
        let inside = self.alternation()?;
        self.depth -= 1;
        if self.peek() != Some(b')') {
            return Err(("has an unclosed '('", position));
        }
        self.at += 1;
        Ok(inside)
    }

    /// After `\`: a class escape or an escaped punctuation character.
    fn escape(&mut self, position: usize) -> Result<ByteSet, Refused> {
        let Some(b) = self.peek() else {
            return Err(("ends with a lone backslash", position));
        };
        self.at += 1;
        let mut set = ByteSet::default();
        match b.to_ascii_lowercase() {
            b'd' => set.insert_range(b'0', b'9'),
            b'w' => {
                set.insert_range(b'0', b'9');
                set.insert_range(b'a', b'z');
                set.insert_range(b'A', b'Z');
                set.insert(b'_');
            }
            b's' => b" \t\n\r\x0b\x0c".iter().for_each(|&b| set.insert(b)),
            _ if b.is_ascii_punctuation() || b == b' ' => return Ok(single(b)),
            _ => {
                return Err((
                    "has an escape other than \\d \\w \\s \\D \\W \\S or \\ before punctuation (not supported)",
                    position,
                ))
            }
        }
        Ok(if b.is_ascii_uppercase() {
            set.complement()
        } else {
            set
        })
    }

    /// One member of a class after its `\` or character: the byte, or a
    /// set for a class escape.
    fn member(&mut self, b: u8) -> Result<Result<u8, ByteSet>, Refused> {
        if b != b'\\' {
            return Ok(Ok(b));
        }
        let set = self.escape(self.at - 1)?;
        Ok(set.only().ok_or(set))
    }

    /// After `[`: the class up to its `]`.
    fn class(&mut self, position: usize) -> Result<Node, Refused> {
        let unclosed = ("has an unclosed '['", position);
        let negated = self.peek() == Some(b'^');
        if negated {
            self.at += 1;
        }
        let mut set = ByteSet::default();
        let mut first = true;
        loop {
            let b = self.peek().ok_or(unclosed)?;
            self.at += 1;
            // `]` first in a class is literal, as in Python.
            if b == b']' && !first {
                break;
            }
            first = false;
            let lo = match self.member(b)? {
                Ok(lo) => lo,
                Err(escaped) => {
                    set.extend(&escaped);
                    continue;
                }
            };
            let is_range = self.peek() == Some(b'-')
                && self.bytes.get(self.at + 1).is_some_and(|&n| n != b']');
            if !is_range {
                set.insert(lo);
                continue;
            }
            self.at += 1;
            let next = self.peek().ok_or(unclosed)?;
            self.at += 1;
            match self.member(next)? {
                Ok(hi) if lo <= hi => set.insert_range(lo, hi),
                _ => return Err(("has a bad character range", position)),
            }
        }
        Ok(Node::Bytes(if negated { set.complement() } else { set }))
    }
}

fn single(b: u8) -> ByteSet {
    let mut set = ByteSet::default();
    set.insert(b);
    set
}

#[cfg(test)]
mod tests;
