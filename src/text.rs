//! JS strings as bytes, losslessly: WTF-8 (<https://simonsapin.github.io/wtf-8/>).
//!
//! A JS string is any sequence of UTF-16 code units, lone surrogates included.
//! WTF-8 encodes it as UTF-8 does, except that a lone surrogate becomes the
//! 3-byte sequence of its code point (`ED A0 80` .. `ED BF BF`). So the WTF-8 of
//! a well-formed string is exactly its UTF-8, and distinct JS strings always get
//! distinct bytes: store keys and stored text built from it never merge or change.

#![forbid(unsafe_code)]

/// Appends the WTF-8 encoding of the UTF-16 code units `units` to `out`.
pub fn push_wtf8(out: &mut Vec<u8>, units: &[u16]) {
    out.reserve(units.len());
    for c in char::decode_utf16(units.iter().copied()) {
        match c {
            Ok(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Err(e) => {
                let s = u32::from(e.unpaired_surrogate());
                out.extend_from_slice(&[
                    0xE0 | (s >> 12) as u8,
                    0x80 | ((s >> 6) & 0x3F) as u8,
                    0x80 | (s & 0x3F) as u8,
                ]);
            }
        }
    }
}

/// The WTF-8 encoding of `units`.
pub fn wtf8(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len());
    push_wtf8(&mut out, units);
    out
}

/// Bytes that are not WTF-8 (never produced by `wtf8`).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct NotWtf8;

/// Appends the UTF-16 code units of the WTF-8 text `bytes` to `out`.
///
/// Accepts exactly the output of `wtf8`: well-formed UTF-8 plus encoded lone
/// surrogates (an encoded lead surrogate directly followed by an encoded trail
/// surrogate is not WTF-8, since `wtf8` writes such a pair as one 4-byte character).
pub fn push_utf16(out: &mut Vec<u16>, bytes: &[u8]) -> Result<(), NotWtf8> {
    out.reserve(bytes.len());
    let mut rest = bytes;
    // the previous unit was an encoded lead surrogate
    let mut after_lead = false;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.extend(s.encode_utf16());
                return Ok(());
            }
            Err(e) => {
                let (valid, tail) = rest.split_at(e.valid_up_to());
                if !valid.is_empty() {
                    after_lead = false;
                }
                out.extend(
                    std::str::from_utf8(valid)
                        .map_err(|_| NotWtf8)?
                        .encode_utf16(),
                );
                let unit = surrogate(tail).ok_or(NotWtf8)?;
                let is_trail = unit >= 0xDC00;
                if after_lead && is_trail {
                    return Err(NotWtf8);
                }
                after_lead = !is_trail;
                out.push(unit);
                rest = &tail[3..];
            }
        }
    }
    Ok(())
}

/// The surrogate code unit encoded by the first three bytes of `b`, if they encode one.
fn surrogate(b: &[u8]) -> Option<u16> {
    match *b {
        [0xED, b1 @ 0xA0..=0xBF, b2 @ 0x80..=0xBF, ..] => {
            Some(0xD000 | (u16::from(b1 & 0x3F) << 6) | u16::from(b2 & 0x3F))
        }
        _ => None,
    }
}

/// The UTF-16 code units of the WTF-8 text `bytes`.
pub fn utf16(bytes: &[u8]) -> Result<Vec<u16>, NotWtf8> {
    let mut out = Vec::with_capacity(bytes.len());
    push_utf16(&mut out, bytes)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn well_formed_text_is_utf8() {
        for s in [
            "",
            "a",
            "é",
            "€",
            "𝄞",
            "a\u{FFFD}b",
            "Ж".repeat(300).as_str(),
        ] {
            let units: Vec<u16> = s.encode_utf16().collect();
            assert_eq!(wtf8(&units), s.as_bytes());
            assert_eq!(utf16(s.as_bytes()), Ok(units));
        }
    }

    #[test]
    fn lone_surrogates_stay_distinct() {
        let a = wtf8(&[0x78, 0xD800]);
        let b = wtf8(&[0x78, 0xDBFF]);
        let c = wtf8(&[0x78, 0xFFFD]);
        assert_eq!(a, [0x78, 0xED, 0xA0, 0x80]);
        assert_eq!(b, [0x78, 0xED, 0xAF, 0xBF]);
        assert_ne!(a, c);
        assert_eq!(utf16(&b), Ok(vec![0x78, 0xDBFF]));
        // a trail then a lead is two lone surrogates, not a pair
        let swapped = [0xDC00, 0xD800];
        assert_eq!(utf16(&wtf8(&swapped)), Ok(swapped.to_vec()));
    }

    #[test]
    fn rejects_what_wtf8_never_writes() {
        // an encoded surrogate pair (a real pair is one 4-byte character)
        assert_eq!(utf16(&[0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]), Err(NotWtf8));
        for bad in [&[0xFF][..], &[0xED, 0xA0], &[0xC0, 0x80], &[0x80]] {
            assert_eq!(utf16(bad), Err(NotWtf8));
        }
    }

    fn code_units() -> impl Strategy<Value = Vec<u16>> {
        // ASCII, 2- and 3-byte characters, surrogates (paired by chance or not)
        let unit = prop_oneof![
            0x20u16..0x7F,
            0x80u16..0x800,
            0x800u16..0xD800,
            0xD800u16..0xE000,
            0xE000u16..=0xFFFF,
        ];
        proptest::collection::vec(unit, 0..200)
    }

    proptest! {
        #[test]
        fn round_trips(units in code_units()) {
            prop_assert_eq!(utf16(&wtf8(&units)), Ok(units.clone()));
        }

        #[test]
        fn equals_utf8_when_well_formed(units in code_units()) {
            if let Ok(s) = String::from_utf16(&units) {
                prop_assert_eq!(wtf8(&units), s.into_bytes());
            }
        }

        #[test]
        fn distinct_strings_get_distinct_bytes(a in code_units(), b in code_units()) {
            prop_assert_eq!(a == b, wtf8(&a) == wtf8(&b));
        }

    }
}
