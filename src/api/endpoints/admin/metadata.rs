//! What OPTIONS says about the admin views: DRF describes only POST and
//! PUT, and only for views with a serializer, so the list view describes
//! its create serializer (every field in declared order, the read-only and
//! write-only ones included) and the others only name themselves.

use crate::api::metadata::{Field, Metadata};

/// The create serializer's fields.
const CREATE_FIELDS: [Field; 8] = [
    Field::read_only("id", "integer", "ID"),
    Field {
        help_text: Some("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        max_length: Some(150),
        ..Field::string("username", "Username")
    },
    Field::string("password", "Password"),
    Field {
        help_text: Some("Designates whether this user should be treated as active. Unselect this instead of deleting accounts."),
        ..optional_boolean("is_active", "Active")
    },
    Field {
        help_text: Some("Designates whether the user can log into this admin site."),
        ..optional_boolean("is_staff", "Staff status")
    },
    Field {
        help_text: Some(
            "Designates that this user has all permissions without explicitly assigning them.",
        ),
        ..optional_boolean("is_superuser", "Superuser status")
    },
    Field::read_only("date_joined", "datetime", "Date joined"),
    Field::read_only("last_login", "datetime", "Last login"),
];

/// A writable model boolean with a default.
const fn optional_boolean(name: &'static str, label: &'static str) -> Field {
    Field {
        kind: "boolean",
        required: false,
        ..Field::string(name, label)
    }
}

/// `/api/admin/users/`.
pub const USERS_METADATA: Metadata = Metadata {
    name: "Admin User List",
    description: "Lists user accounts a page at a time, or creates one. Superusers only.",
    post: Some(&CREATE_FIELDS),
};

/// `/api/admin/users/{id}/`.
pub const USER_METADATA: Metadata = Metadata {
    name: "Admin User Detail",
    description: "Shows, changes (is_active, is_staff, is_superuser, password) or deletes\none user account. Superusers only.",
    post: None,
};

/// `/api/admin/users/{id}/revoke/`.
pub const REVOKE_METADATA: Metadata = Metadata {
    name: "Admin User Revoke",
    description: "Revokes every token of one user: logs them out everywhere. Superusers only.",
    post: None,
};
