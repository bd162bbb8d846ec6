//! JSON text written by hand, the way DRF's renderer writes it: compact,
//! UTF-8 kept (`ensure_ascii=False`), and object members in the order the
//! serializer declares them, which clients comparing bodies byte for byte
//! depend on.

use crate::pyjson;

/// A JSON object written member by member, in order.
pub struct Json(String);

impl Json {
    /// `{`, with room for a small body (a greeting, an error, a user), so
    /// that most bodies are written without growing.
    pub fn object() -> Json {
        let mut out = String::with_capacity(128);
        out.push('{');
        Json(out)
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        pyjson::write_str_utf8(&mut self.0, key);
        self.0.push(':');
    }

    /// A string member.
    pub fn str(mut self, key: &str, value: &str) -> Json {
        self.key(key);
        pyjson::write_str_utf8(&mut self.0, value);
        self
    }

    /// A string member, or `null`.
    pub fn str_or_null(self, key: &str, value: Option<&str>) -> Json {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A boolean member.
    pub fn bool(self, key: &str, value: bool) -> Json {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// An integer member.
    pub fn int(self, key: &str, value: u64) -> Json {
        self.raw(key, &value.to_string())
    }

    /// A member whose value is already JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Json {
        self.key(key);
        self.0.push_str(json);
        self
    }

    /// `}`
    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `["text", ...]`: a list of strings.
pub fn strings<T: AsRef<str>>(texts: impl IntoIterator<Item = T>) -> String {
    array(texts.into_iter().map(|text| {
        let mut out = String::new();
        pyjson::write_str_utf8(&mut out, text.as_ref());
        out
    }))
}

/// `[item, ...]`: a list of values that are already JSON.
pub fn array(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    format!("[{}]", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_in_order_with_drf_s_escaping() {
        let json = Json::object()
            .str("detail", "café \"quoted\"\n")
            .int("id", 7)
            .bool("is_active", false)
            .str_or_null("last_login", None)
            .raw("results", &array(["{}".to_owned()]))
            .raw("messages", &strings(["a", "b"]))
            .end();
        assert_eq!(
            json,
            r#"{"detail":"café \"quoted\"\n","id":7,"is_active":false,"last_login":null,"results":[{}],"messages":["a","b"]}"#
        );
        assert_eq!(Json::object().end(), "{}");
        assert_eq!(strings(Vec::<&str>::new()), "[]");
    }
}
