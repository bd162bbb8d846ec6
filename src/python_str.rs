//! Python's `str.strip()`, as Django and DRF trim fields and header
//! parameters: Unicode White_Space plus U+001C..U+001F, which
//! `char::is_whitespace` alone does not cover. And `str.isdigit()` and
//! `str.lower()`, as Django's password validators ask them, from tables of
//! Python's own answers (smaller than std's case tables, which jwtd needs
//! nowhere else).

/// Python's `str.strip()`: Unicode White_Space plus U+001C..U+001F.
pub fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The characters for which Python's `str.isdigit()` is true (Numeric_Type
/// Digit or Decimal), as ranges: Python 3.11's Unicode 14.0, from
/// `[c for c in map(chr, range(0x110000)) if c.isdigit()]`. Not
/// `char::is_numeric` (which takes `½` and `Ⅻ`) nor ASCII digits alone
/// (Python takes `²` and `٣`).
const DIGITS: [(char, char); 81] = [
    ('\u{30}', '\u{39}'),
    ('\u{b2}', '\u{b3}'),
    ('\u{b9}', '\u{b9}'),
    ('\u{660}', '\u{669}'),
    ('\u{6f0}', '\u{6f9}'),
    ('\u{7c0}', '\u{7c9}'),
    ('\u{966}', '\u{96f}'),
    ('\u{9e6}', '\u{9ef}'),
    ('\u{a66}', '\u{a6f}'),
    ('\u{ae6}', '\u{aef}'),
    ('\u{b66}', '\u{b6f}'),
    ('\u{be6}', '\u{bef}'),
    ('\u{c66}', '\u{c6f}'),
    ('\u{ce6}', '\u{cef}'),
    ('\u{d66}', '\u{d6f}'),
    ('\u{de6}', '\u{def}'),
    ('\u{e50}', '\u{e59}'),
    ('\u{ed0}', '\u{ed9}'),
    ('\u{f20}', '\u{f29}'),
    ('\u{1040}', '\u{1049}'),
    ('\u{1090}', '\u{1099}'),
    ('\u{1369}', '\u{1371}'),
    ('\u{17e0}', '\u{17e9}'),
    ('\u{1810}', '\u{1819}'),
    ('\u{1946}', '\u{194f}'),
    ('\u{19d0}', '\u{19da}'),
    ('\u{1a80}', '\u{1a89}'),
    ('\u{1a90}', '\u{1a99}'),
    ('\u{1b50}', '\u{1b59}'),
    ('\u{1bb0}', '\u{1bb9}'),
    ('\u{1c40}', '\u{1c49}'),
    ('\u{1c50}', '\u{1c59}'),
    ('\u{2070}', '\u{2070}'),
    ('\u{2074}', '\u{2079}'),
    ('\u{2080}', '\u{2089}'),
    ('\u{2460}', '\u{2468}'),
    ('\u{2474}', '\u{247c}'),
    ('\u{2488}', '\u{2490}'),
    ('\u{24ea}', '\u{24ea}'),
    ('\u{24f5}', '\u{24fd}'),
    ('\u{24ff}', '\u{24ff}'),
    ('\u{2776}', '\u{277e}'),
    ('\u{2780}', '\u{2788}'),
    ('\u{278a}', '\u{2792}'),
    ('\u{a620}', '\u{a629}'),
    ('\u{a8d0}', '\u{a8d9}'),
    ('\u{a900}', '\u{a909}'),
    ('\u{a9d0}', '\u{a9d9}'),
    ('\u{a9f0}', '\u{a9f9}'),
    ('\u{aa50}', '\u{aa59}'),
    ('\u{abf0}', '\u{abf9}'),
    ('\u{ff10}', '\u{ff19}'),
    ('\u{104a0}', '\u{104a9}'),
    ('\u{10a40}', '\u{10a43}'),
    ('\u{10d30}', '\u{10d39}'),
    ('\u{10e60}', '\u{10e68}'),
    ('\u{11052}', '\u{1105a}'),
    ('\u{11066}', '\u{1106f}'),
    ('\u{110f0}', '\u{110f9}'),
    ('\u{11136}', '\u{1113f}'),
    ('\u{111d0}', '\u{111d9}'),
    ('\u{112f0}', '\u{112f9}'),
    ('\u{11450}', '\u{11459}'),
    ('\u{114d0}', '\u{114d9}'),
    ('\u{11650}', '\u{11659}'),
    ('\u{116c0}', '\u{116c9}'),
    ('\u{11730}', '\u{11739}'),
    ('\u{118e0}', '\u{118e9}'),
    ('\u{11950}', '\u{11959}'),
    ('\u{11c50}', '\u{11c59}'),
    ('\u{11d50}', '\u{11d59}'),
    ('\u{11da0}', '\u{11da9}'),
    ('\u{16a60}', '\u{16a69}'),
    ('\u{16ac0}', '\u{16ac9}'),
    ('\u{16b50}', '\u{16b59}'),
    ('\u{1d7ce}', '\u{1d7ff}'),
    ('\u{1e140}', '\u{1e149}'),
    ('\u{1e2f0}', '\u{1e2f9}'),
    ('\u{1e950}', '\u{1e959}'),
    ('\u{1f100}', '\u{1f10a}'),
    ('\u{1fbf0}', '\u{1fbf9}'),
];

/// Python 3.11's `str.lower()` of every character it changes into one
/// character (all but U+0130), as runs: `start | count << 21 | (stride -
/// 1) << 28` and the offset to add, for `count` characters `stride` apart
/// from `start`. Made from Python's own answers,
/// `chr(c).lower()` for every `c` up to U+10FFFF.
const LOWER: [(u32, i32); 181] = [
    (0x03400041, 32),
    (0x02e000c0, 32),
    (0x00e000d8, 32),
    (0x13000100, 1),
    (0x10600132, 1),
    (0x11000139, 1),
    (0x12e0014a, 1),
    (0x00200178, -121),
    (0x10600179, 1),
    (0x00200181, 210),
    (0x10400182, 1),
    (0x00200186, 206),
    (0x00200187, 1),
    (0x00400189, 205),
    (0x0020018b, 1),
    (0x0020018e, 79),
    (0x0020018f, 202),
    (0x00200190, 203),
    (0x00200191, 1),
    (0x00200193, 205),
    (0x00200194, 207),
    (0x00200196, 211),
    (0x00200197, 209),
    (0x00200198, 1),
    (0x0020019c, 211),
    (0x0020019d, 213),
    (0x0020019f, 214),
    (0x106001a0, 1),
    (0x002001a6, 218),
    (0x002001a7, 1),
    (0x002001a9, 218),
    (0x002001ac, 1),
    (0x002001ae, 218),
    (0x002001af, 1),
    (0x004001b1, 217),
    (0x104001b3, 1),
    (0x002001b7, 219),
    (0x002001b8, 1),
    (0x002001bc, 1),
    (0x002001c4, 2),
    (0x002001c5, 1),
    (0x002001c7, 2),
    (0x002001c8, 1),
    (0x002001ca, 2),
    (0x112001cb, 1),
    (0x112001de, 1),
    (0x002001f1, 2),
    (0x104001f2, 1),
    (0x002001f6, -97),
    (0x002001f7, -56),
    (0x128001f8, 1),
    (0x00200220, -130),
    (0x11200222, 1),
    (0x0020023a, 10795),
    (0x0020023b, 1),
    (0x0020023d, -163),
    (0x0020023e, 10792),
    (0x00200241, 1),
    (0x00200243, -195),
    (0x00200244, 69),
    (0x00200245, 71),
    (0x10a00246, 1),
    (0x10400370, 1),
    (0x00200376, 1),
    (0x0020037f, 116),
    (0x00200386, 38),
    (0x00600388, 37),
    (0x0020038c, 64),
    (0x0040038e, 63),
    (0x02200391, 32),
    (0x012003a3, 32),
    (0x002003cf, 8),
    (0x118003d8, 1),
    (0x002003f4, -60),
    (0x002003f7, 1),
    (0x002003f9, -7),
    (0x002003fa, 1),
    (0x006003fd, -130),
    (0x02000400, 80),
    (0x04000410, 32),
    (0x12200460, 1),
    (0x1360048a, 1),
    (0x002004c0, 15),
    (0x10e004c1, 1),
    (0x160004d0, 1),
    (0x04c00531, 48),
    (0x04c010a0, 7264),
    (0x002010c7, 7264),
    (0x002010cd, 7264),
    (0x0a0013a0, 38864),
    (0x00c013f0, 8),
    (0x05601c90, -3008),
    (0x00601cbd, -3008),
    (0x19601e00, 1),
    (0x00201e9e, -7615),
    (0x16001ea0, 1),
    (0x01001f08, -8),
    (0x00c01f18, -8),
    (0x01001f28, -8),
    (0x01001f38, -8),
    (0x00c01f48, -8),
    (0x10801f59, -8),
    (0x01001f68, -8),
    (0x01001f88, -8),
    (0x01001f98, -8),
    (0x01001fa8, -8),
    (0x00401fb8, -8),
    (0x00401fba, -74),
    (0x00201fbc, -9),
    (0x00801fc8, -86),
    (0x00201fcc, -9),
    (0x00401fd8, -8),
    (0x00401fda, -100),
    (0x00401fe8, -8),
    (0x00401fea, -112),
    (0x00201fec, -7),
    (0x00401ff8, -128),
    (0x00401ffa, -126),
    (0x00201ffc, -9),
    (0x00202126, -7517),
    (0x0020212a, -8383),
    (0x0020212b, -8262),
    (0x00202132, 28),
    (0x02002160, 16),
    (0x00202183, 1),
    (0x034024b6, 26),
    (0x06002c00, 48),
    (0x00202c60, 1),
    (0x00202c62, -10743),
    (0x00202c63, -3814),
    (0x00202c64, -10727),
    (0x10602c67, 1),
    (0x00202c6d, -10780),
    (0x00202c6e, -10749),
    (0x00202c6f, -10783),
    (0x00202c70, -10782),
    (0x00202c72, 1),
    (0x00202c75, 1),
    (0x00402c7e, -10815),
    (0x16402c80, 1),
    (0x10402ceb, 1),
    (0x00202cf2, 1),
    (0x12e0a640, 1),
    (0x11c0a680, 1),
    (0x10e0a722, 1),
    (0x13e0a732, 1),
    (0x1040a779, 1),
    (0x0020a77d, -35332),
    (0x10a0a77e, 1),
    (0x0020a78b, 1),
    (0x0020a78d, -42280),
    (0x1040a790, 1),
    (0x1140a796, 1),
    (0x0020a7aa, -42308),
    (0x0020a7ab, -42319),
    (0x0020a7ac, -42315),
    (0x0020a7ad, -42305),
    (0x0020a7ae, -42308),
    (0x0020a7b0, -42258),
    (0x0020a7b1, -42282),
    (0x0020a7b2, -42261),
    (0x0020a7b3, 928),
    (0x1100a7b4, 1),
    (0x0020a7c4, -48),
    (0x0020a7c5, -42307),
    (0x0020a7c6, -35384),
    (0x1040a7c7, 1),
    (0x0020a7d0, 1),
    (0x1040a7d6, 1),
    (0x0020a7f5, 1),
    (0x0340ff21, 32),
    (0x05010400, 40),
    (0x048104b0, 40),
    (0x01610570, 39),
    (0x01e1057c, 39),
    (0x00e1058c, 39),
    (0x00410594, 39),
    (0x06610c80, 64),
    (0x040118a0, 32),
    (0x04016e40, 32),
    (0x0441e900, 34),
];

/// Python's `str.lower()`: Unicode 14.0's lowercase mappings, U+0130 to
/// `i` and a combining dot, and a capital sigma to the final `ς` after a
/// letter and before none (Python's Final_Sigma condition, with any letter
/// taken for a cased one and no case-ignorable character skipped).
pub fn python_lower(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut lower = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\u{130}' => lower.push_str("i\u{307}"),
            '\u{3a3}' => {
                let after_letter = i > 0 && chars[i - 1].is_alphabetic();
                let before_letter = chars.get(i + 1).is_some_and(|c| c.is_alphabetic());
                lower.push(if after_letter && !before_letter {
                    '\u{3c2}'
                } else {
                    '\u{3c3}'
                });
            }
            _ => lower.push(lower_char(c)),
        }
    }
    lower
}

/// One character's lowercase by [`LOWER`].
fn lower_char(c: char) -> char {
    let code = u32::from(c);
    // The last run starting at or before `c`.
    let at = LOWER.partition_point(|&(packed, _)| packed & 0x1f_ffff <= code);
    let Some(&(packed, offset)) = at.checked_sub(1).and_then(|i| LOWER.get(i)) else {
        return c;
    };
    let (start, count, stride) = (
        packed & 0x1f_ffff,
        (packed >> 21) & 0x7f,
        (packed >> 28) + 1,
    );
    let step = code - start;
    if step % stride != 0 || step / stride >= count {
        return c;
    }
    code.checked_add_signed(offset)
        .and_then(char::from_u32)
        .unwrap_or(c)
}

/// Python's `str.isdigit()`: not empty, and every character a digit.
pub fn python_isdigit(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            DIGITS
                .binary_search_by(|&(low, high)| {
                    if high < c {
                        std::cmp::Ordering::Less
                    } else if low > c {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .is_ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_strip_matches_cpython() {
        let ascii = " \t\n\r\x0b\x0c x \u{1c}\u{1d}\u{1e}\u{1f}";
        assert_eq!(python_strip(ascii), "x");
        let unicode = "\u{85}\u{a0}\u{1680}\u{2000}x\u{200a}\u{2028}\u{2029}\u{202f}\u{3000}";
        assert_eq!(python_strip(unicode), "x");
        // Not whitespace to Python: NUL, U+200B, U+FEFF.
        assert_eq!(python_strip("\0x\0"), "\0x\0");
        assert_eq!(python_strip("\u{200b}x\u{feff}"), "\u{200b}x\u{feff}");
        assert_eq!(python_strip("  "), "");
    }

    #[test]
    fn python_lower_matches_cpython() {
        // Python's answers.
        for (text, lower) in [
            ("ABC xyz 123", "abc xyz 123"),
            ("ПАРОЛЬ", "пароль"),
            ("ÀÉÎÕÜ Ÿ", "àéîõü ÿ"),
            ("İstanbul", "i\u{307}stanbul"),
            ("ΟΔΟΣ ΣΟΦΟΣ Σ", "οδος σοφος σ"),
            ("ǅǈǋ", "ǆǉǌ"),
            ("ÅK", "åk"),
            ("ⅫⒶ𐐀Ａ", "ⅻⓐ𐐨ａ"),
            ("ß ﬁ", "ß ﬁ"),
        ] {
            assert_eq!(python_lower(text), lower, "{text:?}");
        }
        // Every mapping std knows to one character agrees with the table
        // but for the letters cased since Unicode 14.0 (Rust 1.95 has
        // 16.0: Garay, and a few Latin ones): 55 of them.
        let mut differ = 0;
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let mut std = c.to_lowercase();
            if let (Some(one), None) = (std.next(), std.next()) {
                if c != '\u{3a3}' && one != lower_char(c) {
                    differ += 1;
                }
            }
        }
        assert!(differ <= 60, "{differ}");
    }

    #[test]
    fn python_isdigit_matches_cpython() {
        for digits in ["0", "0123456789", "²³¹", "٣", "①", "𝟎", "１２"] {
            assert!(python_isdigit(digits), "{digits:?}");
        }
        for not_digits in ["", "1.5", "½", "Ⅻ", "一", "12a", " 1", "-1"] {
            assert!(!python_isdigit(not_digits), "{not_digits:?}");
        }
    }
}
