//! OPTIONS: DRF's `SimpleMetadata`, the view's name and description, the
//! renderers and parsers, and for a view with a POST serializer its
//! fields. Each view declares a [`Metadata`]; the route table hands it to
//! [`respond`], the one place that writes it.

use super::json::{self, Json};
use super::respond;
use crate::http::Response;

/// What DRF's renderers produce.
const RENDERS: [&str; 2] = ["application/json", "text/html"];
/// What DRF's parsers read (see `api::body`).
const PARSES: [&str; 3] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
];

/// What OPTIONS says about a view.
#[derive(Debug)]
pub struct Metadata {
    /// The view's name (DRF: the class name, split into words).
    pub name: &'static str,
    /// The view's docstring.
    pub description: &'static str,
    /// The serializer fields under `actions.POST`, in declared order;
    /// `None` for a view that takes no POST or has no serializer.
    pub post: Option<&'static [Field]>,
}

/// One serializer field as `SimpleMetadata` describes it.
#[derive(Debug)]
pub struct Field {
    /// The field name.
    pub name: &'static str,
    /// `string`, `integer`, `boolean`, `datetime`, ...
    pub kind: &'static str,
    /// Whether it must be sent.
    pub required: bool,
    /// Whether it is only ever sent back.
    pub read_only: bool,
    /// The label.
    pub label: &'static str,
    /// The model field's help text, if any.
    pub help_text: Option<&'static str>,
    /// The model field's `max_length`, if any.
    pub max_length: Option<u32>,
}

impl Field {
    /// A required, writable `CharField`.
    pub const fn string(name: &'static str, label: &'static str) -> Field {
        Field {
            name,
            kind: "string",
            required: true,
            read_only: false,
            label,
            help_text: None,
            max_length: None,
        }
    }

    /// A field only sent back, of type `kind`.
    pub const fn read_only(name: &'static str, kind: &'static str, label: &'static str) -> Field {
        Field {
            name,
            kind,
            required: false,
            read_only: true,
            label,
            help_text: None,
            max_length: None,
        }
    }

    fn to_json(&self) -> String {
        let json = Json::object()
            .str("type", self.kind)
            .bool("required", self.required)
            .bool("read_only", self.read_only)
            .str("label", self.label);
        let json = match self.help_text {
            Some(text) => json.str("help_text", text),
            None => json,
        };
        let json = match self.max_length {
            Some(length) => json.int("max_length", length.into()),
            None => json,
        };
        json.end()
    }
}

/// The 200 answer to OPTIONS on a view described by `metadata`.
pub fn respond(metadata: &Metadata) -> Response {
    let json = Json::object()
        .str("name", metadata.name)
        .str("description", metadata.description)
        .raw("renders", &json::strings(RENDERS))
        .raw("parses", &json::strings(PARSES));
    let json = match metadata.post {
        Some(fields) => {
            let fields = fields
                .iter()
                .fold(Json::object(), |json, field| {
                    json.raw(field.name, &field.to_json())
                })
                .end();
            json.raw("actions", &Json::object().raw("POST", &fields).end())
        }
        None => json,
    };
    respond::ok(json.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_declared_order_with_optional_keys_last() {
        const FIELDS: [Field; 2] = [
            Field::read_only("id", "integer", "ID"),
            Field {
                help_text: Some("Required."),
                max_length: Some(150),
                ..Field::string("username", "Username")
            },
        ];
        const VIEW: Metadata = Metadata {
            name: "A View",
            description: "Line one\nline two.",
            post: Some(&FIELDS),
        };
        let r = respond(&VIEW);
        assert_eq!(
            r.text(),
            concat!(
                r#"{"name":"A View","description":"Line one\nline two.","#,
                r#""renders":["application/json","text/html"],"#,
                r#""parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"#,
                r#""actions":{"POST":{"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},"#,
                r#""username":{"type":"string","required":true,"read_only":false,"label":"Username","help_text":"Required.","max_length":150}}}}"#
            )
        );
        let empty = Metadata {
            post: Some(&[]),
            ..VIEW
        };
        assert!(respond(&empty)
            .text()
            .ends_with(r#""actions":{"POST":{}}}"#));
        let none = Metadata { post: None, ..VIEW };
        assert!(!respond(&none).text().contains("actions"));
    }
}
