//! Known answers: SimpleJWT's payloads, strings borrowed or unescaped into
//! the room, and a room as long as the JSON always sufficing.

use super::*;

#[test]
fn simplejwt_access_token_payload() {
    let names = [Some("token_type"), Some("jti"), Some("user_id"), None];
    let picked = agree(V1_ACCESS.as_bytes(), names).unwrap();
    assert_eq!(
        picked.picked,
        [
            Some(string("access")),
            Some(string("00000000000000000000000000000002")),
            Some(string("1")),
            None
        ]
    );
    assert_eq!(
        picked.registered,
        Registered([
            Some(number(1_735_689_600u64)),
            None,
            Some(number(1_735_689_900u64)),
            None,
            None,
            None,
            Some(string("00000000000000000000000000000002")),
        ])
    );
}

#[test]
fn simplejwt_custom_claims_payload() {
    let names = [Some("name"), Some("n"), Some("ok"), Some("nil")];
    let picked = agree(V5_CUSTOM.as_bytes(), names).unwrap();
    assert_eq!(
        picked.picked,
        [
            Some(ClaimValue::String("Zo\u{eb} \u{1f600}")),
            Some(ClaimValue::Number(Number::from_f64(1.5).unwrap())),
            Some(ClaimValue::Bool(true)),
            Some(ClaimValue::Null),
        ]
    );
}

#[test]
fn strings_are_borrowed_from_the_json_or_unescaped_into_the_room() {
    let json = br#"{"user_id":"1","name":"Zo\u00eb","\u006ae":"\"q\"","k":"v"}"#;
    let mut room = [0u8; 80];
    let room_range = room.as_ptr_range();
    let names = [Some("user_id"), Some("name"), Some("je"), Some("k")];
    let mut picked = [None, None, None, None];
    let mut wanted = Wanted {
        names: &names,
        registered: &mut Registered::default(),
        picked: &mut picked,
        whole: None,
    };
    read(json, &mut room, &[], &mut wanted).unwrap();
    let [user_id, name, je, k] = picked.map(|v| v.and_then(|v| v.as_str()).unwrap());
    assert_eq!([user_id, name, je, k], ["1", "Zo\u{eb}", "\"q\"", "v"]);
    let in_json = |s: &str| json.as_ptr_range().contains(&s.as_ptr());
    let in_room = |s: &str| room_range.contains(&s.as_ptr());
    assert!(in_json(user_id) && in_json(k));
    assert!(in_room(name) && in_room(je));
    // The escaped name "je" went to the room too, before its value: 3 + 2 + 3.
    assert_eq!(name.as_ptr(), room_range.start);
    // A room shorter than the JSON can run out: the payload is refused
    // rather than anything allocated or cut.
    let mut small = [0u8; 4];
    let mut wanted = Wanted {
        names: &names,
        registered: &mut Registered::default(),
        picked: &mut [None, None, None, None],
        whole: None,
    };
    assert!(read(json, &mut small, &[], &mut wanted).is_none());
}

#[test]
fn the_room_as_long_as_the_json_always_suffices() {
    // Every name and kept value escaped: the unescaped text is shorter.
    let json = br#"{"\u0061":"\u0062\u0063","\u0064":["\u0065"],"\ud83d\ude00":"\ud83d\ude00"}"#;
    let picked = agree(json, [Some("a"), Some("d"), Some("\u{1f600}")]).unwrap();
    assert_eq!(picked.picked[0], Some(string("bc")));
    assert_eq!(picked.picked[2], Some(string("\u{1f600}")));
}
