//! RSA private-key generation for the RS256/PS256 signing keys.
//!
//! Owns making a fresh key, two random probable primes `p`, `q` and the values
//! derived from them, and encoding it as the DER of a PKCS#1 `RSAPrivateKey`
//! (RFC 8017 A.1.2), the form `ring::signature::RsaKeyPair::from_der` loads.
//! It is here because ring signs with RSA but cannot generate RSA keys, and
//! RustCrypto's `rsa` crate is not used (RUSTSEC-2023-0071). It runs once, at
//! first start. The bignum arithmetic is crypto-bigint's (constant time:
//! Montgomery exponentiation, safegcd inverses); the prime search (trial
//! division, then Miller-Rabin with random bases, FIPS 186-5 B.3.3 and C.3.1)
//! and the DER encoding are this file's.

use core::fmt;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::zeroize::Zeroize;
use crypto_bigint::{BoxedUint, ConcatenatingMul, Lcm, Limb, NonZero, Odd};

/// The public exponent of every generated key (F4, the only one ring and
/// FIPS 186-5 treat as usual). Prime, so `gcd(E, p - 1) = 1` iff `p mod E != 1`.
pub const PUBLIC_EXPONENT: u32 = 65537;

/// Why a key could not be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeygenError {
    /// The requested modulus size is not 2048, 3072 or 4096 bits.
    BadSize,
    /// The OS random source failed (its message).
    Random(String),
}

impl fmt::Display for KeygenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeygenError::BadSize => f.write_str("RSA key size must be 2048, 3072 or 4096 bits"),
            KeygenError::Random(e) => write!(f, "OS random source failed: {e}"),
        }
    }
}

impl std::error::Error for KeygenError {}

/// A new RSA private key of `bits` bits (2048, 3072 or 4096), public exponent 65537,
/// as the DER of a PKCS#1 RSAPrivateKey (RFC 8017 appendix A.1.2: version 0, n, e, d, p, q, dP, dQ, qInv).
pub fn generate(bits: usize) -> Result<Vec<u8>, KeygenError> {
    let nbits: u32 = match bits {
        2048 => 2048,
        3072 => 3072,
        4096 => 4096,
        _ => return Err(KeygenError::BadSize),
    };
    // Each prime has exactly `half` bits, a multiple of 64 (whole limbs) and of 8.
    let half = nbits / 2;
    let rounds = mr_rounds(half);
    let mut p = random_prime(half, rounds)?;
    let der = loop {
        let mut q = random_prime(half, rounds)?;
        // FIPS 186-5 A.1.3 step 5.5: on a too-close q (or, never in
        // practice, a d that is too small), draw q again.
        let der = assemble(&p, &q, nbits);
        q.zeroize();
        if let Some(der) = der {
            break der;
        }
    };
    p.zeroize();
    Ok(der)
}

/// Miller-Rabin rounds for a candidate prime of `bits` bits: twice FIPS 186-5
/// table B.1's minimum (5 for 1024-bit primes, 4 for 1536 and 2048). Only the
/// final prime runs them all, a composite fails its first round.
fn mr_rounds(bits: u32) -> u32 {
    if bits <= 1024 {
        10
    } else {
        8
    }
}

/// Derives the key from primes `a`, `b` (each exactly `nbits / 2` bits, top two
/// bits set, `gcd(e, x - 1) = 1`) and encodes it; `None` if FIPS 186-5 rejects
/// the pair (`|p - q| <= 2^(nbits/2 - 100)` or `d <= 2^(nbits/2)`).
fn assemble(a: &Odd<BoxedUint>, b: &Odd<BoxedUint>, nbits: u32) -> Option<Vec<u8>> {
    let half = nbits / 2;
    // p > q, the order OpenSSL writes (qInv is then q^-1 mod the larger prime).
    let (p, q) = if a.as_ref().cmp_vartime(b.as_ref()).is_gt() {
        (a, b)
    } else {
        (b, a)
    };
    // |p - q| >= 2^(half - 99) > 2^(half - 100).
    let diff = p.as_ref().wrapping_sub(q.as_ref());
    if diff.bit_width() <= half - 99 {
        return None;
    }
    let one = BoxedUint::one_with_precision(half);
    let p1 = p.as_ref().wrapping_sub(&one);
    let q1 = q.as_ref().wrapping_sub(&one);
    // Both top-two-bits primes: n has exactly nbits bits; precision nbits.
    let n = p.as_ref().concatenating_mul(q.as_ref());
    // lambda = lcm(p - 1, q - 1), precision half + half = nbits.
    let mut lambda = NonZero::new(p1.lcm(&q1)).into_option()?;
    let e = BoxedUint::from_be_slice_truncated(&PUBLIC_EXPONENT.to_be_bytes(), nbits);
    // Exists: gcd(e, p - 1) = gcd(e, q - 1) = 1, so gcd(e, lambda) = 1.
    let mut d = e.invert_mod(&lambda).into_option()?;
    if d.bit_width() <= half {
        return None;
    }
    // p - 1, q - 1 >= 2^(half - 1) (top bits set), so nonzero.
    let mut p1 = NonZero::new(p1).into_option()?;
    let mut q1 = NonZero::new(q1).into_option()?;
    let mut dp = d.rem(&p1);
    let mut dq = d.rem(&q1);
    // p is prime and q < p, so q is invertible mod p.
    let mut qinv = q.as_ref().invert_odd_mod(p).into_option()?;

    let mut body = Vec::with_capacity(nbits as usize / 8 * 5 + 64);
    der_integer(&mut body, &[0]);
    for x in [&n, &e, &d, p.as_ref(), q.as_ref(), &dp, &dq, &qinv] {
        let mut bytes = x.to_be_bytes();
        der_integer(&mut body, &bytes);
        bytes.zeroize();
    }
    let mut der = Vec::with_capacity(body.len() + 4);
    der.push(0x30);
    der_length(&mut der, body.len());
    der.extend_from_slice(&body);
    body.as_mut_slice().zeroize();
    for x in [&mut d, &mut dp, &mut dq, &mut qinv] {
        x.zeroize();
    }
    p1.zeroize();
    q1.zeroize();
    lambda.zeroize();
    Some(der)
}

/// A random probable prime of exactly `bits` bits (a multiple of 64) with its
/// top two bits set and `gcd(PUBLIC_EXPONENT, p - 1) = 1`.
fn random_prime(bits: u32, rounds: u32) -> Result<Odd<BoxedUint>, KeygenError> {
    let mut buf = vec![0u8; bits as usize / 8];
    let found = loop {
        fill_random(&mut buf)?;
        if let Some(top) = buf.first_mut() {
            *top |= 0xc0;
        }
        if let Some(low) = buf.last_mut() {
            *low |= 1;
        }
        // `buf` holds exactly `bits` bits: nothing is truncated.
        let candidate = BoxedUint::from_be_slice_truncated(&buf, bits);
        if !survives_trial_division(&candidate) {
            continue;
        }
        if candidate.rem_limb(EXPONENT_DIVISOR) == Limb::ONE {
            continue;
        }
        let Some(candidate) = Odd::new(candidate).into_option() else {
            continue;
        };
        if is_probable_prime(&candidate, rounds)? {
            break candidate;
        }
    };
    buf.as_mut_slice().zeroize();
    Ok(found)
}

/// `PUBLIC_EXPONENT` as a divisor for `rem_limb`.
const EXPONENT_DIVISOR: NonZero<Limb> =
    NonZero::<Limb>::from_u32(match core::num::NonZeroU32::new(PUBLIC_EXPONENT) {
        Some(e) => e,
        None => panic!("PUBLIC_EXPONENT is 0"),
    });

/// The odd primes below 2^11, for trial division.
const SMALL_PRIMES: [u16; 308] = small_primes();

const fn small_primes() -> [u16; 308] {
    const LIMIT: usize = 2048;
    let mut composite = [false; LIMIT];
    let mut out = [0u16; 308];
    let mut found = 0;
    let mut i = 3;
    while i < LIMIT {
        if !composite[i] {
            // Exactly 308 odd primes lie below 2048: a wrong count fails the build.
            out[found] = i as u16;
            found += 1;
            let mut j = i * i;
            while j < LIMIT {
                composite[j] = true;
                j += i;
            }
        }
        i += 2;
    }
    assert!(found == 308);
    out
}

/// False if `x` has an odd prime factor below 2^11 (x is assumed larger than
/// all of them, as every candidate is).
fn survives_trial_division(x: &BoxedUint) -> bool {
    SMALL_PRIMES.iter().all(|&sp| {
        let divisor = NonZero::<Limb>::new(Limb::from(u32::from(sp))).into_option();
        divisor.is_some_and(|d| x.rem_limb(d) != Limb::ZERO)
    })
}

/// Miller-Rabin (FIPS 186-5 B.3.1) on odd `w`, `rounds` random bases in
/// [2, w - 2]. True: `w` is prime with error below 4^-rounds (far below for
/// random candidates); false: `w` is certainly composite.
fn is_probable_prime(w: &Odd<BoxedUint>, rounds: u32) -> Result<bool, KeygenError> {
    let wbits = w.as_ref().bit_width();
    if wbits < 3 {
        // w is 1 or 3, too small for a base in [2, w - 2].
        return Ok(w.as_ref().bit_width() == 2);
    }
    let precision = w.as_ref().bits_precision();
    let one = BoxedUint::one_with_precision(precision);
    let w1 = w.as_ref().wrapping_sub(&one);
    // w - 1 = 2^a * m with m odd, a >= 1.
    let a = w1.trailing_zeros();
    let m = w1.shr(a);
    let params = BoxedMontyParams::new(w.clone());
    let mut buf = vec![0u8; precision as usize / 8];
    for _ in 0..rounds {
        // b < 2^(wbits - 1) <= w - 2 (w odd with its top bit wbits - 1 set), and b >= 2.
        let b = loop {
            fill_random(&mut buf)?;
            let b = BoxedUint::from_be_slice_truncated(&buf, precision).shr(precision - wbits + 1);
            if b.bit_width() >= 2 {
                break b;
            }
        };
        let mut z = BoxedMontyForm::new(b, &params).pow(&m).retrieve();
        if z == one || z == w1 {
            continue;
        }
        let mut reached_minus_one = false;
        for _ in 1..a {
            z = BoxedMontyForm::new(z, &params).square().retrieve();
            if z == w1 {
                reached_minus_one = true;
                break;
            }
            if z == one {
                // A nontrivial square root of 1: composite.
                return Ok(false);
            }
        }
        if !reached_minus_one {
            return Ok(false);
        }
    }
    buf.as_mut_slice().zeroize();
    Ok(true)
}

fn fill_random(buf: &mut [u8]) -> Result<(), KeygenError> {
    crate::primitives::random_bytes(buf).map_err(|e| KeygenError::Random(e.to_string()))
}

/// Appends a DER INTEGER holding the unsigned big-endian `be`: minimal (leading
/// zero bytes dropped), with a 0x00 first when the top bit would read as a sign.
fn der_integer(out: &mut Vec<u8>, be: &[u8]) {
    let start = be.iter().position(|&x| x != 0).unwrap_or(be.len());
    let digits = &be[start..];
    let pad = digits.first().is_none_or(|&x| x & 0x80 != 0);
    out.push(0x02);
    der_length(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// Appends a DER length: short form below 128, else 0x80 | count, then the
/// count's minimal big-endian bytes.
fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let start = bytes
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(bytes.len() - 1);
    out.push(0x80 | (bytes.len() - start) as u8);
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests;
