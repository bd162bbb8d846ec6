//! The OpenAPI document agrees with the admin routes.

use crate::api::routes;

use super::*;

#[test]
fn the_openapi_document_describes_every_admin_operation() {
    let doc: Value = serde_json::from_str(&crate::api::endpoints::schema::document()).unwrap();
    for (path, target, operations) in [
        (USERS, USERS, &["get", "post"][..]),
        (
            "/api/admin/users/{id}/",
            "/api/admin/users/1/",
            &["get", "patch", "delete"],
        ),
        (
            "/api/admin/users/{id}/revoke/",
            "/api/admin/users/1/revoke/",
            &["post"],
        ),
    ] {
        // `Allow` names the documented methods, HEAD with GET, and OPTIONS.
        let mut documented: Vec<String> = operations.iter().map(|m| m.to_uppercase()).collect();
        if operations.contains(&"get") {
            documented.push("HEAD".into());
        }
        documented.push("OPTIONS".into());
        let route = routes::find(target).unwrap().route;
        let mut allowed: Vec<&str> = route.allow.split(", ").collect();
        allowed.sort_unstable();
        documented.sort();
        assert_eq!(allowed, documented, "{path}");
        for operation in operations {
            let responses = &doc["paths"][path][operation]["responses"];
            for status in ["401", "403", "503"] {
                assert!(
                    responses.get(status).is_some(),
                    "{operation} {path} {status}"
                );
            }
        }
    }
}
