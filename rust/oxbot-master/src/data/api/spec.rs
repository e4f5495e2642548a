//! `/application.spec`: every path pattern the data API routes ([`PATTERNS`]) with its
//! resource type, described from the entity types of [`super::resources`] as Buildbot's
//! `allEndpoints` and `types.*.getSpec` describe them: patterns sorted by their segments, a
//! nullable field's type named `"<type> or None"` with `can_be_null` in its spec, lists as
//! `{"type": "list", "of": ...}`, and embedded entities with their own fields.

use serde_json::{Value, json};

use super::resources::{Field, FieldType};
use super::route::PATTERNS;

/// One object per pattern: `path` (without the leading `/`), `plural`, `type`, `type_spec`.
pub(crate) fn application_spec() -> Vec<Value> {
    let mut patterns = PATTERNS.to_vec();
    // Buildbot sorts its patterns as tuples of segments.
    patterns.sort_by(|(a, _), (b, _)| a.split('/').cmp(b.split('/')));
    patterns
        .into_iter()
        .map(|(path, rtype)| {
            let ty = rtype.entity_type();
            json!({
                "path": path, "plural": rtype.plural(), "type": type_name(ty),
                "type_spec": type_spec(ty),
            })
        })
        .collect()
}

/// A type's name (Buildbot's `Type.name`).
fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Integer => "integer",
        FieldType::DateTime => "datetime",
        FieldType::String => "string",
        FieldType::Binary => "binary",
        FieldType::Identifier => "identifier",
        FieldType::Boolean => "boolean",
        FieldType::List(_) => "list",
        FieldType::JsonObject => "jsonobject",
        FieldType::SourcedProperties => "sourcedproperties",
        FieldType::Entity(entity) => entity.name,
    }
}

/// A type's spec (Buildbot's `Type.getSpec`).
fn type_spec(ty: FieldType) -> Value {
    match ty {
        FieldType::List(of) => json!({"type": "list", "of": type_spec(*of)}),
        FieldType::Entity(entity) => json!({
            "type": entity.name,
            "fields": entity.fields.iter().map(field_spec).collect::<Vec<_>>(),
        }),
        scalar => json!({"name": type_name(scalar)}),
    }
}

fn field_spec(field: &Field) -> Value {
    let mut spec = type_spec(field.ty);
    let name = if field.nullable {
        spec["can_be_null"] = Value::Bool(true);
        format!("{} or None", type_name(field.ty))
    } else {
        type_name(field.ty).to_owned()
    };
    json!({"name": field.name, "type": name, "type_spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Buildbot 4.3 answered to `GET /api/v2/application.spec`.
    const CAPTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/rest/get/application.spec.json"
    );

    /// The generated spec is Buildbot's, pattern by pattern and in the same order: oxbot
    /// routes the same patterns and declares the same fields.
    #[test]
    fn equals_buildbots_answer() {
        let captured: Value = serde_json::from_str(
            &std::fs::read_to_string(CAPTURE).expect("the captured application.spec"),
        )
        .expect("JSON");
        let captured = captured["specs"].as_array().expect("specs");
        let ours = application_spec();
        let paths = |specs: &[Value]| -> Vec<String> {
            specs.iter().map(|s| s["path"].to_string()).collect()
        };
        assert_eq!(paths(&ours), paths(captured));
        for (ours, theirs) in ours.iter().zip(captured) {
            assert_eq!(ours, theirs, "{}", theirs["path"]);
        }
    }
}
