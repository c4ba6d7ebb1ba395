//! HMAC-SHA256 cookie signing, byte-identical to npm `cookie-signature`.
//!
//! `sign(value)` gives `value + "." + base64(HMAC-SHA256(secret, value))` with the
//! trailing `=` removed; `unsign(input)` splits at the last dot and accepts the value
//! when the signature matches any of the secrets (tried in order, compared in constant
//! time).
//!
//! HMAC-SHA256 is RustCrypto's `hmac` crate: each secret's keyed state (the ipad
//! and opad blocks already absorbed) is prepared once, and a call clones it, so
//! signing a session ID costs two SHA-256 compressions. Values are hashed as the
//! UTF-8 bytes Node's crypto hashes (the binding replaces lone surrogates with
//! U+FFFD, as `createHmac(...).update(string)` does).

#![forbid(unsafe_code)]

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use constant_time_eq::constant_time_eq;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// An HMAC-SHA256 key, prepared.
#[derive(Clone)]
struct HmacKey(Hmac<Sha256>);

impl HmacKey {
    fn new(secret: &[u8]) -> Result<HmacKey, SignerError> {
        // HMAC takes keys of any length (longer than a block: hashed first), so
        // this never fails; the error is mapped rather than unwrapped all the same.
        Hmac::new_from_slice(secret)
            .map(HmacKey)
            .map_err(|_| SignerError::InvalidKey)
    }

    fn mac(&self, msg: &[u8]) -> [u8; 32] {
        let mut m = self.0.clone();
        m.update(msg);
        m.finalize().into_bytes().into()
    }
}

/// Length of the base64 (no padding) text of a 32-byte MAC.
pub const SIGNATURE_LEN: usize = 43;

/// A set of prepared secrets: signs with the first, verifies with all.
#[derive(Clone)]
pub struct Signer {
    keys: Vec<HmacKey>,
}

/// Why a signer could not be built.
#[derive(Debug, PartialEq, Eq)]
pub enum SignerError {
    /// No secret at all (cookie-signature: "Secret key must be provided.").
    NoSecret,
    /// A key HMAC-SHA256 does not take (none: any byte string is a key).
    InvalidKey,
}

impl Signer {
    /// Prepares one keyed HMAC per secret. Any byte string is a valid HMAC key.
    pub fn new<I, S>(secrets: I) -> Result<Signer, SignerError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let keys = secrets
            .into_iter()
            .map(|s| HmacKey::new(s.as_ref()))
            .collect::<Result<Vec<HmacKey>, SignerError>>()?;
        if keys.is_empty() {
            return Err(SignerError::NoSecret);
        }
        Ok(Signer { keys })
    }

    /// Number of secrets held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a signer holds at least one secret.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn encode(tag: [u8; 32], out: &mut [u8; SIGNATURE_LEN]) {
        // 32 bytes always encode to exactly 43 characters without padding.
        let _ = STANDARD_NO_PAD.encode_slice(tag, out);
    }

    /// The signature of `value` under the first secret: base64 without padding.
    pub fn signature(&self, value: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        Self::encode(self.keys[0].mac(value), &mut out);
        out
    }

    /// Appends `value + "." + signature` (signed with the first secret) to `out`.
    pub fn sign_into(&self, value: &[u8], out: &mut Vec<u8>) {
        out.reserve(value.len() + 1 + SIGNATURE_LEN);
        out.extend_from_slice(value);
        out.push(b'.');
        out.extend_from_slice(&self.signature(value));
    }

    /// `value + "." + signature`, signed with the first secret.
    pub fn sign(&self, value: &str) -> String {
        let mut out = Vec::with_capacity(value.len() + 1 + SIGNATURE_LEN);
        self.sign_into(value.as_bytes(), &mut out);
        // Only ASCII was appended to a valid UTF-8 prefix.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Verifies `input` against every secret in order; returns the length of the
    /// value part (the bytes before the last dot) when a signature matches.
    ///
    /// Matches cookie-signature: the signature part must be exactly what `sign`
    /// would produce, so padding, other base64 alphabets or trailing bytes fail.
    pub fn unsign_len(&self, input: &[u8]) -> Option<usize> {
        let dot = input.iter().rposition(|&b| b == b'.')?;
        let (value, sig) = (&input[..dot], &input[dot + 1..]);
        if sig.len() != SIGNATURE_LEN {
            return None;
        }
        let mut expected = [0u8; SIGNATURE_LEN];
        // Every secret is tried (no early exit), each compared in constant time.
        let mut ok = false;
        for key in &self.keys {
            Self::encode(key.mac(value), &mut expected);
            ok |= constant_time_eq(&expected, sig);
        }
        ok.then_some(dot)
    }

    /// The value part of `input` when its signature is valid under any secret.
    pub fn unsign<'a>(&self, input: &'a str) -> Option<&'a str> {
        // The dot is ASCII, so the prefix is a char boundary.
        self.unsign_len(input.as_bytes()).map(|n| &input[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(secrets: &[&str]) -> Signer {
        Signer::new(secrets.iter().map(|s| s.as_bytes())).expect("secrets") // ok: test code
    }

    #[test]
    fn known_vectors_match_cookie_signature() {
        let s = signer(&["keyboard cat"]);
        assert_eq!(
            s.sign("apple"),
            "apple.D8Y+pkTAmeR0PobOhY4G97PRW+j7bUnP/5m6/On1MCU"
        );
        assert_eq!(s.sign("%"), "%.kzQ6x52kKVdF35Qh62AWk4ZekS28K5XYCXKa/OTZ01g");
        assert_eq!(
            s.sign("/foo"),
            "/foo.paEKBtAHbV5s1IB8B2zPnzAgYmmnRPIqObW4VRYj/MQ"
        );
    }

    #[test]
    fn unsign_round_trips_and_splits_at_last_dot() {
        let s = signer(&["k"]);
        for v in ["", "a.b.c", "héllo 🎉", "...", "x"] {
            let signed = s.sign(v);
            assert_eq!(s.unsign(&signed), Some(v));
        }
    }

    #[test]
    fn unsign_rejects_every_single_byte_change() {
        let s = signer(&["secret"]);
        let signed = s.sign("abcdef").into_bytes();
        for i in 0..signed.len() {
            for b in [b'A', b'z', b'0', b'.', b'-', b'='] {
                if signed[i] == b {
                    continue;
                }
                let mut m = signed.clone();
                m[i] = b;
                assert_eq!(s.unsign_len(&m), None, "mutation at {i} to {b}");
            }
        }
        let mut longer = signed.clone();
        longer.push(b'=');
        assert_eq!(s.unsign_len(&longer), None);
        assert_eq!(s.unsign_len(&signed[..signed.len() - 1]), None);
    }

    #[test]
    fn rotation_signs_with_first_and_verifies_all() {
        let old = signer(&["old"]);
        let rotated = signer(&["new", "old"]);
        assert_eq!(rotated.sign("v"), signer(&["new"]).sign("v"));
        assert_eq!(rotated.unsign(&old.sign("v")), Some("v"));
        assert_eq!(old.unsign(&rotated.sign("v")), None);
        assert_eq!(rotated.len(), 2);
    }

    #[test]
    fn no_dot_and_empty_inputs_fail() {
        let s = signer(&["k"]);
        assert_eq!(s.unsign(""), None);
        assert_eq!(s.unsign("nodot"), None);
        assert_eq!(s.unsign("."), None);
    }

    /// HMAC-SHA256 straight from RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)).
    fn reference_hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let pad = |x: u8| k.iter().map(move |b| b ^ x).collect::<Vec<u8>>();
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(msg)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .into()
    }

    #[test]
    fn matches_rfc_2104_for_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for key_len in [0, 1, 32, 63, 64, 65, 200] {
            let key = &data[..key_len];
            let ours = HmacKey::new(key).expect("any key length"); // ok: test code
            for msg_len in 0..=200 {
                let msg = &data[50..50 + msg_len];
                assert_eq!(
                    ours.mac(msg),
                    reference_hmac(key, msg),
                    "key {key_len}, msg {msg_len}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn signs_like_the_reference(
            key in proptest::collection::vec(proptest::num::u8::ANY, 0..150),
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..700),
        ) {
            let s = Signer::new([&key]).expect("any key"); // ok: test code
            let mut expected = [0u8; SIGNATURE_LEN];
            Signer::encode(reference_hmac(&key, &value), &mut expected);
            proptest::prop_assert_eq!(s.signature(&value), expected);
            let mut signed = Vec::new();
            s.sign_into(&value, &mut signed);
            proptest::prop_assert_eq!(s.unsign_len(&signed), Some(value.len()));
        }

        #[test]
        fn unsign_accepts_only_what_sign_produced(
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            tail in proptest::collection::vec(proptest::num::u8::ANY, 1..60),
            cut in 0usize..400,
        ) {
            let s = Signer::new([b"k".as_slice()]).expect("key"); // ok: test code
            let mut signed = Vec::new();
            s.sign_into(&value, &mut signed);
            // anything appended, or any truncation, is rejected (unless the value
            // itself ends in a valid signed string, which a random tail is not)
            let mut longer = signed.clone();
            longer.extend_from_slice(&tail);
            proptest::prop_assert_eq!(s.unsign_len(&longer), None);
            let shorter = &signed[..cut.min(signed.len() - 1)];
            proptest::prop_assert_eq!(s.unsign_len(shorter), None);
        }
    }

    #[test]
    fn empty_secret_list_is_an_error() {
        let none: [&[u8]; 0] = [];
        assert_eq!(Signer::new(none).err(), Some(SignerError::NoSecret));
        // An empty string is a valid (if weak) HMAC key, as in Node.
        assert!(Signer::new([b"".as_slice()]).is_ok());
    }
}
