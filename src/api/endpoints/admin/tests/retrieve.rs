//! `GET /api/admin/users/{id}/`.

use super::*;

#[test]
fn one_user_dates_as_drf_writes_them() {
    let f = fixture();
    f.app
        .auth
        .store()
        .update_user_by_id(2, |u| {
            u.date_joined = 1_735_689_600_000_000;
            u.last_login = Some(1_735_689_601_000_500);
        })
        .unwrap();
    let r = f.get("/api/admin/users/2/");
    let body = r#"{"id":2,"username":"alice","email":"","first_name":"","last_name":"","is_active":true,"is_staff":false,"is_superuser":false,"date_joined":"2025-01-01T00:00:00Z","last_login":"2025-01-01T00:00:01.000500Z"}"#;
    expect(&r, ALLOW_USER, 200, body);
    expect(&f.get("/api/admin/users/9/"), ALLOW_USER, 404, NO_USER_BODY);
    expect(&f.get("/api/admin/users/0/"), ALLOW_USER, 404, NO_USER_BODY);
}
