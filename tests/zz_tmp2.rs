#![allow(clippy::unwrap_used)]
#[test]
fn f() {
    for s in ["1.8446744073718448e+31", "1.8446744073718446e+31", "0.30000000000000004", "1735689900.1234567", "2.2250738585072014e-308"] {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        let r: f64 = s.parse().unwrap();
        println!("{s} serde={:?} correct={:?}", v.as_f64().unwrap(), r);
        let c = jwtd::jwt::Claims::from_json(format!("{{\"a\":{s}}}").as_bytes()).unwrap();
        let j = c.to_json();
        let c2 = jwtd::jwt::Claims::from_json(j.as_bytes()).unwrap();
        println!("  to_json {j} again {}", c2.to_json());
    }
}
