//! DRF's and Django's English messages that jwtd's answers quote, in one
//! copy: clients match on these strings, so each is written exactly once.

// Serializer fields (DRF's `Field`, `CharField` and `BooleanField`).

/// A required field is absent.
pub const REQUIRED: &str = "This field is required.";
/// A field is `null` where `allow_null` is off.
pub const NULL: &str = "This field may not be null.";
/// A `CharField` is empty, or only whitespace where it is trimmed.
pub const BLANK: &str = "This field may not be blank.";
/// A `CharField` got a list, an object or a boolean.
pub const NOT_A_STRING: &str = "Not a valid string.";
/// A `CharField` holds U+0000 (`ProhibitNullCharactersValidator`).
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";
/// A `BooleanField` got something that is neither true nor false.
pub const NOT_A_BOOLEAN: &str = "Must be a valid boolean.";

/// A `CharField` holds a lone surrogate (`ProhibitSurrogateCharactersValidator`),
/// `first` the first of them.
pub fn surrogate(first: u32) -> String {
    format!("Surrogate characters are not allowed: U+{first:X}.")
}

// Parsers and the serializer's `non_field_errors`.

/// The JSON body is `null`.
pub const NO_DATA: &str = "No data provided";

/// The body is valid, but not an object: `kind` is Python's type name.
pub fn not_a_dictionary(kind: &str) -> String {
    format!("Invalid data. Expected a dictionary, but got {kind}.")
}

/// No parser takes the Content-Type (415).
pub fn unsupported_media_type(media_type: &str) -> String {
    format!("Unsupported media type \"{media_type}\" in request.")
}

// Django's `DisallowedHost`, and a page link without a host.

/// The `Host` header is not an allowed host, or not a host at all.
pub const INVALID_HOST: &str = "Invalid Host header.";

// Views, permissions and throttles.

/// No route matches (Django's 404, as DRF words it).
pub const NOT_FOUND: &str = "Not found.";
/// A view that needs a user got no credentials.
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
/// The user is authenticated, and the permission refuses them (403).
pub const FORBIDDEN: &str = "You do not have permission to perform this action.";
/// An unhandled failure (500).
pub const SERVER_ERROR: &str = "A server error occurred.";
/// The store cannot read or write (503); jwtd's own.
pub const UNAVAILABLE: &str = "Service temporarily unavailable, try again later.";
/// Obtain or refresh on a server that has a verifying key only (501);
/// jwtd's own.
pub const NOT_SIGNING: &str =
    "This server verifies tokens but does not issue them: it has no signing key.";

/// The view does not take `method` (405).
pub fn method_not_allowed(method: &str) -> String {
    format!("Method \"{method}\" not allowed.")
}

/// `Throttled`: try again in `wait` seconds (429).
pub fn throttled(wait: u64) -> String {
    let unit = if wait == 1 { "second" } else { "seconds" };
    format!("Request was throttled. Expected available in {wait} {unit}.")
}
