//! OPTIONS on the admin views.

use super::*;

#[test]
fn options_describe_the_views_to_superusers() {
    let f = fixture();
    let r = f.call("OPTIONS", USERS, "");
    assert_eq!(r.status, 200);
    let v = json(&r);
    assert_eq!(v["name"], "Admin User List");
    assert_eq!(v["parses"][0], "application/json");
    // Every field, in declared order.
    let fields = [
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "password",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
    ];
    assert_eq!(
        v["actions"]["POST"].as_object().unwrap().len(),
        fields.len()
    );
    let at: Vec<usize> = fields
        .iter()
        .map(|name| r.text().find(&format!("\"{name}\":{{\"type\"")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", r.text());
    assert_eq!(v["actions"]["POST"]["username"]["max_length"], 150);
    let v = json(&f.call("OPTIONS", "/api/admin/users/2/", ""));
    assert_eq!(v["name"], "Admin User Detail");
    assert!(v.get("actions").is_none());
    let v = json(&f.call("OPTIONS", "/api/admin/users/2/revoke/", ""));
    assert_eq!(v["name"], "Admin User Revoke");
    let alice = login(&f.app, "alice", PASSWORD).1;
    assert_eq!(f.call_as(&alice, "OPTIONS", USERS, "").status, 403);
}
