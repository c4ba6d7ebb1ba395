//! Session IDs in the format of `uid-safe`'s `uid.sync(24)`: 24 bytes from the OS
//! CSPRNG as base64url without padding, 32 characters of `[A-Za-z0-9_-]`.
//!
//! Random bytes come from a per-thread pool refilled with one `getrandom` call per
//! `POOL_IDS` IDs, instead of one syscall per ID. Pool bytes are handed out once and
//! zeroed as they are used, so no two IDs share bytes.

#![forbid(unsafe_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::cell::RefCell;

/// Random bytes per ID (192 bits), as in `uid(24)`.
pub const ID_BYTES: usize = 24;
/// Characters per ID.
pub const ID_LEN: usize = 32;
const POOL_IDS: usize = 128;
const POOL_BYTES: usize = ID_BYTES * POOL_IDS;

/// The OS random source failed (it never does on a working Linux system).
#[derive(Debug)]
pub struct RandomError(pub getrandom::Error);

impl std::fmt::Display for RandomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "failed to read random bytes: {}", self.0)
    }
}

struct Pool {
    bytes: [u8; POOL_BYTES],
    used: usize,
}

impl Pool {
    fn take(&mut self) -> Result<[u8; ID_BYTES], RandomError> {
        if self.used + ID_BYTES > POOL_BYTES {
            getrandom::fill(&mut self.bytes).map_err(RandomError)?;
            self.used = 0;
        }
        let mut out = [0u8; ID_BYTES];
        let chunk = &mut self.bytes[self.used..self.used + ID_BYTES];
        out.copy_from_slice(chunk);
        chunk.fill(0);
        self.used += ID_BYTES;
        Ok(out)
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { bytes: [0; POOL_BYTES], used: POOL_BYTES })
    };
}

/// Writes a new 32-character session ID into `out`.
pub fn generate_into(out: &mut [u8; ID_LEN]) -> Result<(), RandomError> {
    let bytes = POOL.with(|p| p.borrow_mut().take())?;
    // 24 bytes always encode to exactly 32 characters.
    let _ = URL_SAFE_NO_PAD.encode_slice(bytes, out);
    Ok(())
}

/// A new 32-character session ID.
pub fn generate() -> Result<String, RandomError> {
    let mut out = [0u8; ID_LEN];
    generate_into(&mut out)?;
    Ok(out.iter().map(|&b| b as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_b64url(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    }

    #[test]
    fn format_is_32_base64url_chars() {
        for _ in 0..1000 {
            let id = generate().expect("random"); // ok: test code
            assert_eq!(id.len(), ID_LEN);
            assert!(id.bytes().all(is_b64url), "{id}");
        }
    }

    #[test]
    fn no_duplicates_across_pool_refills() {
        let mut seen = HashSet::new();
        for _ in 0..(POOL_IDS * 20) {
            assert!(seen.insert(generate().expect("random"))); // ok: test code
        }
    }

    #[test]
    fn threads_get_distinct_ids() {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..1000)
                        .map(|_| generate().expect("random")) // ok: test code
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for h in handles {
            let ids = h.join().expect("thread"); // ok: test code
            for id in ids {
                assert!(seen.insert(id));
            }
        }
    }
}
