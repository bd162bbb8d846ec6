use super::*;
use crypto_bigint::{BoxedUint, Odd};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};

/// RFC 2409 6.2 (Oakley group 2), a 1024-bit safe prime.
const MODP_1024: &str = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74\
020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437\
4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed\
ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff";

/// RFC 3526 section 3 (group 14), a 2048-bit safe prime.
const MODP_2048: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1\
29024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245\
E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D\
C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D\
670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B\
E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9\
DE2BCBF6955817183995497CEA956AE515D2261898FA0510\
15728E5A8AACAA68FFFFFFFFFFFFFFFF";

fn hex(s: &str, bits: u32) -> BoxedUint {
    BoxedUint::from_be_hex(s, bits).unwrap()
}

fn odd(x: BoxedUint) -> Odd<BoxedUint> {
    Odd::new(x).unwrap()
}

fn small(v: u64) -> Odd<BoxedUint> {
    odd(BoxedUint::from_be_slice_truncated(&v.to_be_bytes(), 64))
}

/// The nine INTEGERs of an RSAPrivateKey, as minimal unsigned big-endian bytes.
fn parse_pkcs1(der: &[u8]) -> Vec<Vec<u8>> {
    fn read(der: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = der[0];
        let (len, hdr) = if der[1] < 0x80 {
            (der[1] as usize, 2)
        } else {
            let k = (der[1] & 0x7f) as usize;
            assert!(der[2] != 0, "length not minimal");
            let len = der[2..2 + k]
                .iter()
                .fold(0usize, |a, &b| a << 8 | b as usize);
            assert!(len >= 0x80, "long form for a short length");
            (len, 2 + k)
        };
        (tag, &der[hdr..hdr + len], &der[hdr + len..])
    }
    let (tag, mut body, rest) = read(der);
    assert_eq!(tag, 0x30);
    assert!(rest.is_empty());
    let mut out = Vec::new();
    while !body.is_empty() {
        let (tag, content, rest) = read(body);
        assert_eq!(tag, 0x02);
        assert!(content[0] & 0x80 == 0, "negative INTEGER");
        if content.len() > 1 {
            assert!(
                content[0] != 0 || content[1] & 0x80 != 0,
                "INTEGER not minimal"
            );
        }
        let digits = if content[0] == 0 && content.len() > 1 {
            &content[1..]
        } else {
            content
        };
        out.push(digits.to_vec());
        body = rest;
    }
    assert_eq!(out.len(), 9);
    out
}

fn bits_of(be: &[u8]) -> usize {
    be.len() * 8 - be[0].leading_zeros() as usize
}

/// Generates a key, loads it in ring, signs with PKCS#1 v1.5 and PSS, verifies
/// both against the public key, and checks the encoded fields.
fn check_key(bits: usize) {
    let der = generate(bits).unwrap();
    let f = parse_pkcs1(&der);
    assert_eq!(f[0], [0u8], "version 0");
    assert_eq!(bits_of(&f[1]), bits, "modulus size");
    assert_eq!(f[2], [0x01, 0x00, 0x01], "e = 65537");
    let half = bits / 2;
    assert_eq!(bits_of(&f[4]), half);
    assert_eq!(bits_of(&f[5]), half);
    assert!(f[4][0] >= 0xc0 && f[5][0] >= 0xc0, "top two bits of p, q");
    assert!(bits_of(&f[3]) > half, "d > 2^(nlen/2)");
    let p = BoxedUint::from_be_slice(&f[4], half as u32).unwrap();
    let q = BoxedUint::from_be_slice(&f[5], half as u32).unwrap();
    assert!(p.cmp_vartime(&q).is_gt(), "p > q");
    assert!(
        p.wrapping_sub(&q).bit_width() as usize > half - 99,
        "|p - q|"
    );

    let pair = RsaKeyPair::from_der(&der).unwrap();
    assert_eq!(pair.public().modulus_len() * 8, bits);
    let rng = SystemRandom::new();
    let msg = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0";
    let public = UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public().as_ref().to_vec(),
    );
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
        .unwrap();
    public.verify(msg, &sig).unwrap();
    assert!(public.verify(b"other", &sig).is_err());
    let pss = UnparsedPublicKey::new(
        &signature::RSA_PSS_2048_8192_SHA256,
        pair.public().as_ref().to_vec(),
    );
    pair.sign(&signature::RSA_PSS_SHA256, &rng, msg, &mut sig)
        .unwrap();
    pss.verify(msg, &sig).unwrap();
}

#[test]
fn rsa_2048_loads_in_ring_and_signs() {
    for _ in 0..4 {
        check_key(2048);
    }
}

#[test]
fn rsa_3072_loads_in_ring_and_signs() {
    check_key(3072);
}

#[test]
fn rsa_4096_loads_in_ring_and_signs() {
    check_key(4096);
}

#[test]
fn keys_differ() {
    assert_ne!(generate(2048).unwrap(), generate(2048).unwrap());
}

#[test]
fn bad_sizes_are_refused() {
    for bits in [0, 512, 1024, 2047, 2049, 3071, 4095, 8192] {
        assert_eq!(generate(bits), Err(KeygenError::BadSize), "{bits}");
    }
    assert_eq!(
        KeygenError::BadSize.to_string(),
        "RSA key size must be 2048, 3072 or 4096 bits"
    );
}

#[test]
fn small_primes_table() {
    assert_eq!(&SMALL_PRIMES[..6], &[3, 5, 7, 11, 13, 17]);
    assert_eq!(SMALL_PRIMES[307], 2039);
}

#[test]
fn miller_rabin_small_primes_and_composites() {
    for p in [3u64, 5, 7, 11, 13, 65537, 2147483647, 18446744073709551557] {
        assert!(is_probable_prime(&small(p), 20).unwrap(), "{p} is prime");
    }
    // Carmichael numbers (Fermat liars to every coprime base), strong
    // pseudoprimes to base 2 (2047) and to bases 2, 3, 5, 7 (3215031751),
    // and plain composites.
    for c in [
        1u64,
        9,
        15,
        561,
        1105,
        1729,
        41041,
        825265,
        2047,
        3215031751,
        4294967297,
        18446744073709551615,
    ] {
        assert!(
            !is_probable_prime(&small(c), 20).unwrap(),
            "{c} is composite"
        );
    }
}

#[test]
fn miller_rabin_large_primes_and_composites() {
    let p1024 = odd(hex(MODP_1024, 1024));
    assert!(is_probable_prime(&p1024, 10).unwrap());
    // (p - 1) / 2 of a safe prime is prime too (1023 bits in 1024-bit limbs).
    let q1023 = odd(p1024.as_ref().shr(1));
    assert!(is_probable_prime(&q1023, 10).unwrap());
    let p2048 = odd(hex(MODP_2048, 2048));
    assert!(is_probable_prime(&p2048, 8).unwrap());
    assert!(is_probable_prime(&odd(p2048.as_ref().shr(1)), 8).unwrap());
    // p^2 and p * ((p - 1) / 2) are composite.
    let square = odd(p1024.as_ref().concatenating_mul(p1024.as_ref()));
    assert!(!is_probable_prime(&square, 10).unwrap());
    let product = odd(p1024.as_ref().concatenating_mul(q1023.as_ref()));
    assert!(!is_probable_prime(&product, 10).unwrap());
    // Of p - 2, p, p + 2 one is divisible by 3: with p prime, p - 2 and
    // p + 2 are not both prime.
    let two = BoxedUint::from_be_slice_truncated(&[2], 1024);
    let below = odd(p1024.as_ref().wrapping_sub(&two));
    let above = odd(p1024.as_ref().wrapping_add(&two));
    assert!(!(is_probable_prime(&below, 10).unwrap() && is_probable_prime(&above, 10).unwrap()));
}

#[test]
fn trial_division() {
    let p1024 = hex(MODP_1024, 1024);
    assert!(survives_trial_division(&p1024));
    let times = |k: u8| p1024.wrapping_mul(BoxedUint::from_be_slice_truncated(&[k], 1024));
    assert!(!survives_trial_division(&times(3)));
    let big = BoxedUint::from_be_slice_truncated(&[0x07, 0xf7], 1024); // 2039
    assert!(!survives_trial_division(&p1024.concatenating_mul(&big)));
}

#[test]
fn modular_inverse_known_answers() {
    // 3 * 4 = 12 = 1 mod 11.
    let three = BoxedUint::from_be_slice_truncated(&[3], 64);
    assert_eq!(
        three.invert_odd_mod(&small(11)).unwrap(),
        BoxedUint::from_be_slice_truncated(&[4], 64)
    );
    // The textbook RSA key p = 61, q = 53, e = 17: d = 2753 mod phi = 3120 and
    // d = 413 mod lambda = lcm(60, 52) = 780 (even moduli).
    let e = BoxedUint::from_be_slice_truncated(&[17], 64);
    let inv = |m: u16| {
        let m = NonZero::new(BoxedUint::from_be_slice_truncated(&m.to_be_bytes(), 64)).unwrap();
        e.invert_mod(&m).unwrap()
    };
    assert_eq!(
        inv(3120),
        BoxedUint::from_be_slice_truncated(&2753u16.to_be_bytes(), 64)
    );
    assert_eq!(
        inv(780),
        BoxedUint::from_be_slice_truncated(&413u16.to_be_bytes(), 64)
    );
    let sixty = BoxedUint::from_be_slice_truncated(&[60], 64);
    let fifty_two = BoxedUint::from_be_slice_truncated(&[52], 64);
    assert_eq!(
        sixty.lcm(&fifty_two),
        BoxedUint::from_be_slice_truncated(&780u16.to_be_bytes(), 128)
    );
    // No inverse when gcd > 1.
    let m = NonZero::new(BoxedUint::from_be_slice_truncated(&[34], 64)).unwrap();
    assert!(e.invert_mod(&m).into_option().is_none());
}

#[test]
fn der_integer_encoding() {
    let enc = |be: &[u8]| {
        let mut out = Vec::new();
        der_integer(&mut out, be);
        out
    };
    assert_eq!(enc(&[]), [0x02, 0x01, 0x00]);
    assert_eq!(enc(&[0, 0, 0]), [0x02, 0x01, 0x00]);
    assert_eq!(enc(&[0, 0x7f]), [0x02, 0x01, 0x7f]);
    assert_eq!(enc(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
    assert_eq!(
        enc(&[0, 0, 0x01, 0x00, 0x01]),
        [0x02, 0x03, 0x01, 0x00, 0x01]
    );
    let long = enc(&[0xff; 256]);
    assert_eq!(&long[..5], &[0x02, 0x82, 0x01, 0x01, 0x00]);
    assert_eq!(long.len(), 5 + 256);
}

#[test]
fn der_length_encoding() {
    let enc = |len: usize| {
        let mut out = Vec::new();
        der_length(&mut out, len);
        out
    };
    assert_eq!(enc(0), [0x00]);
    assert_eq!(enc(127), [0x7f]);
    assert_eq!(enc(128), [0x81, 0x80]);
    assert_eq!(enc(255), [0x81, 0xff]);
    assert_eq!(enc(256), [0x82, 0x01, 0x00]);
    assert_eq!(enc(2349), [0x82, 0x09, 0x2d]);
    assert_eq!(enc(70000), [0x83, 0x01, 0x11, 0x70]);
}
