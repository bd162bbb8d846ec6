//! The route table: every path jwtd answers, the endpoint behind it, the
//! methods it allows, what OPTIONS says about it (DRF's `SimpleMetadata`:
//! the view's name, docstring and serializer fields) and the label
//! `/metrics` counts it under. Routing, the 405 and its `Allow`, the missing-slash redirect,
//! the metrics labels and OPTIONS are all read from [`ROUTES`]; nothing
//! else lists paths.

use super::metadata::{Field, Metadata};

/// What answers a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// SimpleJWT's `TokenObtainPairView`: a login.
    Obtain,
    /// SimpleJWT's `TokenRefreshView`.
    Refresh,
    /// SimpleJWT's `TokenVerifyView`.
    Verify,
    /// SimpleJWT's `TokenBlacklistView`: a logout.
    Blacklist,
    /// A view that needs an access token.
    Protected,
    /// Logs the authenticated user out everywhere.
    RevokeAll,
    /// The admin API's list of users.
    AdminUsers,
    /// The admin API's one user.
    AdminUser,
    /// The admin API's revocation of one user's tokens.
    AdminRevoke,
    /// The OpenAPI document.
    Schema,
    /// The health probe.
    Health,
    /// The public keys, as a JWKS.
    Jwks,
    /// The Prometheus scrape.
    Metrics,
    /// The learner's page (only with `LEARNER_PAGE`).
    Page,
}

/// One route.
#[derive(Debug)]
pub struct Route {
    /// The path as Django's `path()` writes it: `<int:pk>` stands for one
    /// or more ASCII digits.
    pub path: &'static str,
    /// What answers it.
    pub endpoint: Endpoint,
    /// The methods it allows, as its `Allow` header lists them. Any other
    /// method is a 405.
    pub allow: &'static str,
    /// What OPTIONS answers: DRF's `SimpleMetadata`. Present exactly when
    /// `allow` lists OPTIONS.
    pub metadata: Option<&'static Metadata>,
    /// The `route` label of its requests in `/metrics`.
    pub label: &'static str,
}

/// The `route` label of requests no route matches (404s and redirects).
pub const UNMATCHED: &str = "other";

const TOKEN_VIEW: &str = "POST, OPTIONS";
const DOCUMENT: &str = "GET, HEAD";

/// The admin API's create serializer: every field in declared order, the
/// read-only and write-only ones included.
const ADMIN_USER_FIELDS: [Field; 11] = [
    Field::read_only("id", "integer", "ID"),
    Field {
        help_text: Some("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        max_length: Some(150),
        ..Field::string("username", "Username")
    },
    Field {
        kind: "email",
        required: false,
        max_length: Some(254),
        ..Field::string("email", "Email address")
    },
    Field {
        required: false,
        max_length: Some(150),
        ..Field::string("first_name", "First name")
    },
    Field {
        required: false,
        max_length: Some(150),
        ..Field::string("last_name", "Last name")
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

/// How many routes there are.
pub const ROUTE_COUNT: usize = 14;

/// Every route. `/metrics` lists its labels in this order.
pub static ROUTES: [Route; ROUTE_COUNT] = [
    Route {
        path: "/api/token/",
        endpoint: Endpoint::Obtain,
        allow: TOKEN_VIEW,
        metadata: Some(&OBTAIN_PAIR),
        label: "obtain",
    },
    Route {
        path: "/api/token/refresh/",
        endpoint: Endpoint::Refresh,
        allow: TOKEN_VIEW,
        metadata: Some(&Metadata {
            name: "Token Refresh",
            description: "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
            post: Some(&[
                Field::string("refresh", "Refresh"),
                Field::read_only("access", "string", "Access"),
            ]),
        }),
        label: "refresh",
    },
    Route {
        path: "/api/token/verify/",
        endpoint: Endpoint::Verify,
        allow: TOKEN_VIEW,
        metadata: Some(&Metadata {
            name: "Token Verify",
            description: "Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",
            post: Some(&[Field::string("token", "Token")]),
        }),
        label: "verify",
    },
    Route {
        path: "/api/token/blacklist/",
        endpoint: Endpoint::Blacklist,
        allow: TOKEN_VIEW,
        metadata: Some(&Metadata {
            name: "Token Blacklist",
            description: "Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",
            post: Some(&[Field::string("refresh", "Refresh")]),
        }),
        label: "blacklist",
    },
    Route {
        path: "/api/protected/",
        endpoint: Endpoint::Protected,
        allow: "GET, OPTIONS",
        metadata: Some(&Metadata {
            name: "Protected View",
            description: "",
            post: None,
        }),
        label: "protected",
    },
    Route {
        path: "/api/token/revoke-all/",
        endpoint: Endpoint::RevokeAll,
        allow: TOKEN_VIEW,
        metadata: Some(&Metadata {
            name: "Token Revoke All",
            description: "Blacklists every refresh token of the authenticated user and refuses\nevery token of theirs issued until now.",
            post: Some(&[]),
        }),
        label: "revoke_all",
    },
    // DRF's `Allow` lists HEAD where there is a GET, as Django's
    // class-based views answer it.
    Route {
        path: "/api/admin/users/",
        endpoint: Endpoint::AdminUsers,
        allow: "GET, POST, HEAD, OPTIONS",
        metadata: Some(&Metadata {
            name: "Admin User List",
            description: "Lists user accounts a page at a time, or creates one. Superusers only.",
            post: Some(&ADMIN_USER_FIELDS),
        }),
        label: "admin",
    },
    Route {
        path: "/api/admin/users/<int:pk>/",
        endpoint: Endpoint::AdminUser,
        allow: "GET, PATCH, DELETE, HEAD, OPTIONS",
        metadata: Some(&Metadata {
            name: "Admin User Detail",
            description: "Shows, changes (is_active, is_staff, is_superuser, password) or deletes\none user account. Superusers only.",
            post: None,
        }),
        label: "admin",
    },
    Route {
        path: "/api/admin/users/<int:pk>/revoke/",
        endpoint: Endpoint::AdminRevoke,
        allow: "POST, OPTIONS",
        metadata: Some(&Metadata {
            name: "Admin User Revoke",
            description: "Revokes every token of one user: logs them out everywhere. Superusers only.",
            post: None,
        }),
        label: "admin",
    },
    Route {
        path: "/api/schema/",
        endpoint: Endpoint::Schema,
        allow: DOCUMENT,
        metadata: None,
        label: "schema",
    },
    Route {
        path: "/.well-known/jwks.json",
        endpoint: Endpoint::Jwks,
        allow: DOCUMENT,
        metadata: None,
        label: "jwks",
    },
    Route {
        path: "/healthz",
        endpoint: Endpoint::Health,
        allow: DOCUMENT,
        metadata: None,
        label: "healthz",
    },
    Route {
        path: "/metrics",
        endpoint: Endpoint::Metrics,
        allow: DOCUMENT,
        metadata: None,
        label: "metrics",
    },
    Route {
        path: "/",
        endpoint: Endpoint::Page,
        allow: DOCUMENT,
        metadata: None,
        label: "page",
    },
];

/// OPTIONS on `/api/token/` with `AUTH_TOKEN_CLASSES` `sliding` alone:
/// SimpleJWT's `TokenObtainSlidingView`.
static OBTAIN_SLIDING: Metadata = Metadata {
    name: "Token Obtain Sliding",
    description: "Takes a set of user credentials and returns a sliding JSON web token to\nprove the authentication of those credentials.",
    post: Some(&[
        Field::string("username", "Username"),
        Field::string("password", "Password"),
    ]),
};

/// OPTIONS on `/api/token/`: SimpleJWT's `TokenObtainPairView`.
static OBTAIN_PAIR: Metadata = Metadata {
    name: "Token Obtain Pair",
    description: "Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",
    post: Some(&[
        Field::string("username", "Username"),
        Field::string("password", "Password"),
    ]),
};

/// The credentials of the obtain views when users log in by email.
const BY_EMAIL: &[Field] = &[
    Field::string("email", "Email"),
    Field::string("password", "Password"),
];

/// OPTIONS on `/api/token/` with `USERNAME_FIELD` email.
static OBTAIN_BY_EMAIL: Metadata = Metadata {
    post: Some(BY_EMAIL),
    ..OBTAIN_PAIR
};

/// [`OBTAIN_SLIDING`] with `USERNAME_FIELD` email.
static OBTAIN_SLIDING_BY_EMAIL: Metadata = Metadata {
    post: Some(BY_EMAIL),
    ..OBTAIN_SLIDING
};

/// OPTIONS on `/api/token/refresh/` with `AUTH_TOKEN_CLASSES` `sliding`
/// alone: SimpleJWT's `TokenRefreshSlidingView`.
static REFRESH_SLIDING: Metadata = Metadata {
    name: "Token Refresh Sliding",
    description: "Takes a sliding JSON web token and returns a new, refreshed version if the\ntoken's refresh period has not expired.",
    post: Some(&[Field::string("token", "Token")]),
};

impl Route {
    /// What OPTIONS says about it: with `sliding_views` (see
    /// [`crate::config::Settings::sliding_views`]) the obtain and refresh
    /// routes are SimpleJWT's sliding views.
    /// `email_login`: users log in by `email` (`USERNAME_FIELD`), which
    /// names the obtain views' first field, as SimpleJWT names it after the
    /// user model's `USERNAME_FIELD`.
    pub fn metadata(&self, sliding_views: bool, email_login: bool) -> Option<&'static Metadata> {
        match self.endpoint {
            Endpoint::Obtain => Some(match (sliding_views, email_login) {
                (false, false) => return self.metadata,
                (false, true) => &OBTAIN_BY_EMAIL,
                (true, false) => &OBTAIN_SLIDING,
                (true, true) => &OBTAIN_SLIDING_BY_EMAIL,
            }),
            Endpoint::Refresh if sliding_views => Some(&REFRESH_SLIDING),
            _ => self.metadata,
        }
    }
}

/// A route a path matched.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// The route.
    pub route: &'static Route,
    /// Its `<int:pk>`, if it has one and the digits fit a `u64` (more
    /// digits name an object that cannot exist: a 404 from the view).
    pub pk: Option<u64>,
}

/// The route `path` matches, if any.
pub fn find(path: &str) -> Option<Found> {
    ROUTES
        .iter()
        .find_map(|route| matches(route.path, path).map(|pk| Found { route, pk }))
}

/// Whether `path` matches `pattern`: `Some` with the `<int:pk>` it holds
/// (`None` where there is none or it overflows).
fn matches(pattern: &str, path: &str) -> Option<Option<u64>> {
    // A search for one byte, then a comparison: a search for the whole
    // placeholder would set up a substring searcher per route per request.
    let Some((prefix, suffix)) = pattern
        .split_once('<')
        .and_then(|(prefix, rest)| Some((prefix, rest.strip_prefix("int:pk>")?)))
    else {
        return (pattern == path).then_some(None);
    };
    let digits = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().ok())
}

impl Route {
    /// Whether `method` is one it allows.
    pub fn allows(&self, method: &str) -> bool {
        self.allow.split(", ").any(|allowed| allowed == method)
    }

    /// Its place in [`ROUTES`]: the slot `/metrics` counts it in.
    pub fn slot(&'static self) -> usize {
        ROUTES
            .iter()
            .position(|route| std::ptr::eq(route, self))
            .unwrap_or(UNMATCHED_SLOT)
    }
}

/// The `route` label of each metrics slot: the routes', then
/// [`UNMATCHED`]'s.
pub fn labels() -> [&'static str; ROUTE_COUNT + 1] {
    std::array::from_fn(|slot| ROUTES.get(slot).map_or(UNMATCHED, |route| route.label))
}

/// The slot of requests no route matches.
pub const UNMATCHED_SLOT: usize = ROUTE_COUNT;

const _: () = assert!(ROUTE_COUNT < crate::metrics::ROUTE_SLOTS);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_django_urls_with_digits_for_pk() {
        let endpoint = |path| find(path).map(|found| (found.route.endpoint, found.pk));
        assert_eq!(endpoint("/api/token/"), Some((Endpoint::Obtain, None)));
        assert_eq!(
            endpoint("/api/admin/users/007/"),
            Some((Endpoint::AdminUser, Some(7)))
        );
        assert_eq!(
            endpoint("/api/admin/users/5/revoke/"),
            Some((Endpoint::AdminRevoke, Some(5)))
        );
        assert_eq!(
            endpoint("/api/admin/users/18446744073709551616/"),
            Some((Endpoint::AdminUser, None))
        );
        for path in [
            "/api/admin/users//",
            "/api/admin/users/+5/",
            "/api/admin/users/5/revoke/5/",
            "/api/admin/users/5/x/",
            "/api/admin/users/<int:pk>/",
            "/api/token",
            "",
        ] {
            assert!(find(path).is_none(), "{path}");
        }
    }

    #[test]
    fn options_is_allowed_exactly_where_there_is_metadata() {
        for route in &ROUTES {
            assert_eq!(
                route.allows("OPTIONS"),
                route.metadata.is_some(),
                "{}",
                route.path
            );
        }
    }

    #[test]
    fn every_route_has_its_slot_and_label() {
        let labels = labels();
        for (slot, route) in ROUTES.iter().enumerate() {
            assert_eq!(route.slot(), slot);
            assert_eq!(labels[slot], route.label);
        }
        assert_eq!(labels[UNMATCHED_SLOT], UNMATCHED);
    }
}
