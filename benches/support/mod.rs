//! What the benches share: the token they sign, the secret, and the
//! sampler (calibrated samples, interleaved so that both sides of a
//! comparison see the same machine). Each bench includes it with `mod
//! support;`; not every bench uses every item.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use jwtd::jwt::Claims;

/// The median of nanoseconds-per-call values.
pub fn median(values: Vec<f64>) -> f64 {
    Samples(values).median()
}

/// A Django-style secret key: 50 characters, as `get_random_secret_key()` makes.
pub const SECRET: &str = "django-insecure-7q$3k!v0z#pm4x@w2r9e&n8b^t5y1u6i0o";

/// The access token SimpleJWT 5.5.1 mints, as a Rust struct for jsonwebtoken.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Access {
    pub token_type: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    pub user_id: String,
}

pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Nanoseconds per call, one value per sample.
pub struct Samples(pub Vec<f64>);

impl Samples {
    pub fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }
    pub fn median(&self) -> f64 {
        let v = self.sorted();
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    pub fn min(&self) -> f64 {
        self.sorted()[0]
    }
    pub fn p90(&self) -> f64 {
        let v = self.sorted();
        v[((v.len() - 1) * 9) / 10]
    }
}

/// How many calls make one sample of about `sample` long.
pub fn calibrate(f: &mut dyn FnMut(), sample: Duration) -> u64 {
    // Warm up caches, branch predictors and the allocator.
    let warm = Instant::now();
    while warm.elapsed() < sample {
        f();
    }
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        let took = t.elapsed();
        if took >= sample / 4 {
            let per = took.as_secs_f64() / iters as f64;
            return ((sample.as_secs_f64() / per) as u64).max(1);
        }
        iters *= 2;
    }
}

pub fn sample(f: &mut dyn FnMut(), iters: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / iters as f64
}

/// Measures `fs` with their samples interleaved.
pub fn measure(fs: &mut [&mut dyn FnMut()], samples: usize, per_sample: Duration) -> Vec<Samples> {
    let iters: Vec<u64> = fs.iter_mut().map(|f| calibrate(*f, per_sample)).collect();
    let mut out: Vec<Samples> = fs.iter().map(|_| Samples(Vec::new())).collect();
    for _ in 0..samples {
        for (i, f) in fs.iter_mut().enumerate() {
            out[i].0.push(sample(*f, iters[i]));
        }
    }
    out
}

/// The jti of [`access_token`]'s token.
pub const JTI: &str = "0c3a5d7f9b1e4a2c8d6f0b3e5a7c9d1f";

/// SimpleJWT's access token for user 1 issued at `now`, both ways: jwtd's
/// claims (SimpleJWT's order and values) and the struct jsonwebtoken signs.
pub fn access_token(now: u64) -> (Claims, Access) {
    let jti = JTI;
    let mut claims = Claims::new();
    claims.set("token_type", "access");
    claims.set("exp", now + 3600);
    claims.set("iat", now);
    claims.set("jti", jti);
    claims.set("user_id", "1");
    let typed = Access {
        token_type: "access".into(),
        exp: now + 3600,
        iat: now,
        jti: jti.into(),
        user_id: "1".into(),
    };
    (claims, typed)
}
