//! Buildbot's result spec (`data/resultspec.py`): the filters, field selection, ordering and
//! paging a REST query asks for, applied to a collection of resource objects.

use std::cmp::Ordering;

use serde_json::Value;

use super::DataError;
use super::resources::{FieldType, ResourceType};

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    In,
    NotIn,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        Some(match name {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "contains" => Op::Contains,
            "in" => Op::In,
            "notin" => Op::NotIn,
            _ => return None,
        })
    }
}

/// One filter: `field op values` (several values for repeated keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    pub op: Op,
    pub values: Vec<Value>,
}

/// The parsed query of a GET.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSpec {
    pub filters: Vec<Filter>,
    pub fields: Option<Vec<String>>,
    /// `(field, descending)`.
    pub order: Vec<(String, bool)>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub properties: Vec<String>,
}

/// Raw query parameters, grouped by key in arrival order.
pub type QueryParams = Vec<(String, Vec<String>)>;

/// Whether `s` is a Buildbot identifier (`^[a-zA-Z_-][a-zA-Z0-9._-]*$`, 1 to 50 characters).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && s.len() <= 50
}

/// Python's `int()` on a query value or path segment: optional sign, ASCII digits, and
/// surrounding whitespace.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Converts a query value to a field's type, as Buildbot's `valueFromString` does; `None`
/// when it does not parse (objects never do).
fn typed_value(ty: FieldType, raw: &str) -> Option<Value> {
    match ty {
        FieldType::Integer | FieldType::DateTime => parse_int(raw).map(Value::from),
        FieldType::Boolean => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Some(Value::Bool(true)),
            "0" | "false" | "no" | "off" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldType::String | FieldType::Binary => Some(Value::String(raw.to_owned())),
        FieldType::Identifier => is_identifier(raw).then(|| Value::String(raw.to_owned())),
        FieldType::List(of) => typed_value(*of, raw),
        FieldType::JsonObject | FieldType::SourcedProperties | FieldType::Entity(_) => None,
    }
}

/// How Buildbot's database layer would have run a collection query, which decides the order
/// of paging and filtering and what `meta.total` counts (rest-api.md 5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Everything in memory: `total` counts the filtered items before paging.
    Memory,
    /// SQL when every filter and order key is one of these fields: `total` is then the
    /// length of the page. `reverse` turns the SQL result around (Buildbot's `/changes`).
    Sql {
        fields: &'static [&'static str],
        reverse: bool,
    },
}

impl ResultSpec {
    /// Parses a query for a resource type, with Buildbot's 400 messages.
    pub fn parse(params: &QueryParams, rtype: ResourceType) -> Result<ResultSpec, DataError> {
        let bad = |message: String| DataError::BadQuery(message);
        let known = |name: &str| rtype.field(name).is_some();
        let mut spec = ResultSpec::default();
        for (key, values) in params {
            match key.as_str() {
                "field" => {
                    for f in values {
                        if !known(f) {
                            return Err(bad(format!("no such field '{f}'")));
                        }
                    }
                    spec.fields = Some(values.clone());
                }
                "order" => {
                    spec.order.clear();
                    for o in values {
                        let (name, desc) = o
                            .strip_prefix('-')
                            .map_or((o.as_str(), false), |n| (n, true));
                        if !known(name) {
                            return Err(bad(format!("no such field '{name}'")));
                        }
                        spec.order.push((name.to_owned(), desc));
                    }
                }
                "limit" => {
                    let v = values.first().map_or("", String::as_str);
                    spec.limit = Some(parse_int(v).ok_or_else(|| bad("invalid limit".into()))?);
                }
                "offset" => {
                    let v = values.first().map_or("", String::as_str);
                    spec.offset = Some(parse_int(v).ok_or_else(|| bad("invalid offset".into()))?);
                }
                "property" => spec.properties.extend(values.iter().cloned()),
                _ => {
                    let (field, op) = if let Some(field) = rtype.field(key) {
                        (field, Op::Eq)
                    } else if let Some((name, op)) = key.rsplit_once("__") {
                        // An unknown field or an operator that does not take this many values
                        // is ignored, as Buildbot does.
                        let Some(op) = Op::parse(op) else { continue };
                        let Some(field) = rtype.field(name) else {
                            continue;
                        };
                        if values.len() > 1 && matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
                            continue;
                        }
                        (field, op)
                    } else {
                        return Err(bad(format!("unrecognized query parameter '{key}'")));
                    };
                    let values = values
                        .iter()
                        .map(|v| typed_value(field.ty, v))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| bad(format!("invalid filter value for {key}")))?;
                    spec.filters.push(Filter {
                        field: field.name.to_owned(),
                        op,
                        values,
                    });
                }
            }
        }
        if let Some(selected) = &spec.fields {
            if spec.order.iter().any(|(f, _)| !selected.contains(f)) {
                return Err(bad("cannot order on un-selected fields".to_owned()));
            }
            if spec.filters.iter().any(|f| !selected.contains(&f.field)) {
                return Err(bad("cannot filter on un-selected fields".to_owned()));
            }
        }
        Ok(spec)
    }

    /// The filter value of `field` when the query asks `field=v` (or `field__eq=v`) once with
    /// one value: what Buildbot's endpoints hand to the database (`popBooleanFilter`...).
    pub fn eq_value(&self, field: &str) -> Option<&Value> {
        let mut found = self
            .filters
            .iter()
            .filter(|f| f.field == field && f.op == Op::Eq && f.values.len() == 1);
        found.next().and_then(|f| f.values.first())
    }

    /// `(descending, limit)` when the database can page this query itself, as Buildbot's SQL
    /// does: a limit without offset, filters only on equality of one value of `db_fields` (the
    /// fields the query filters in the database) and order only by `id_field`. The result is
    /// then what paging every item in memory would give, `meta.total` included.
    pub fn id_page(&self, id_field: &str, db_fields: &[&str]) -> Option<(bool, i64)> {
        let limit = self.limit.filter(|n| *n >= 0)?;
        if self.offset.is_some_and(|o| o != 0) {
            return None;
        }
        let simple_filters = self.filters.iter().all(|f| {
            db_fields.contains(&f.field.as_str()) && f.op == Op::Eq && f.values.len() == 1
        });
        if !simple_filters {
            return None;
        }
        match self.order.as_slice() {
            [] => Some((false, limit)),
            [(field, descending)] if field == id_field => Some((*descending, limit)),
            _ => None,
        }
    }

    /// Applies filters, ordering, paging and field selection to a collection in its default
    /// order; returns the items and Buildbot's `meta.total`.
    pub fn apply(&self, items: Vec<Value>, backing: Backing) -> (Vec<Value>, usize) {
        let in_sql = match backing {
            Backing::Memory => None,
            Backing::Sql { fields, reverse } => {
                let mapped = |name: &str| fields.contains(&name);
                (self.filters.iter().all(|f| mapped(&f.field))
                    && self.order.iter().all(|(name, _)| mapped(name)))
                .then_some(reverse)
            }
        };
        let mut items: Vec<Value> = items;
        if matches!(backing, Backing::Sql { reverse: true, .. }) && in_sql.is_none() {
            items.reverse();
        }
        let mut items: Vec<Value> = items
            .into_iter()
            .filter(|item| self.filters.iter().all(|f| matches(f, item)))
            .collect();
        let filtered = items.len();
        self.sort(&mut items);
        let mut items = match in_sql {
            Some(_) => sql_page(items, self.offset, self.limit),
            None => python_slice(items, self.offset, self.limit),
        };
        if in_sql == Some(true) {
            items.reverse();
        }
        let total = if in_sql.is_some() {
            items.len()
        } else {
            filtered
        };
        (
            items.into_iter().map(|item| self.select(item)).collect(),
            total,
        )
    }

    fn sort(&self, items: &mut [Value]) {
        if self.order.is_empty() {
            return;
        }
        items.sort_by(|a, b| {
            for (field, desc) in &self.order {
                let ord = compare(a.get(field), b.get(field));
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    }

    /// Keeps only the selected fields of one object.
    pub fn select(&self, item: Value) -> Value {
        match (&self.fields, item) {
            (Some(fields), Value::Object(map)) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| fields.contains(k))
                    .collect(),
            ),
            (_, item) => item,
        }
    }

    /// Whether the spec filters (singular endpoints refuse filters).
    pub fn has_filters(&self) -> bool {
        !self.filters.is_empty()
    }
}

/// `LIMIT`/`OFFSET` as SQLite applies them: a negative limit means no limit.
fn sql_page(items: Vec<Value>, offset: Option<i64>, limit: Option<i64>) -> Vec<Value> {
    let skip = offset.unwrap_or(0).max(0) as usize;
    let items = items.into_iter().skip(skip);
    match limit {
        Some(n) if n >= 0 => items.take(n as usize).collect(),
        _ => items.collect(),
    }
}

/// `items[offset:offset + limit]` with Python's slice rules (negative bounds count from the
/// end), as Buildbot pages in memory.
fn python_slice(items: Vec<Value>, offset: Option<i64>, limit: Option<i64>) -> Vec<Value> {
    if offset.is_none() && limit.is_none() {
        return items;
    }
    let len = items.len() as i64;
    let bound = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let start = bound(offset.unwrap_or(0));
    let end = limit.map_or(len, |l| bound(offset.unwrap_or(0) + l));
    items
        .into_iter()
        .skip(start as usize)
        .take((end - start).max(0) as usize)
        .collect()
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

fn matches(filter: &Filter, item: &Value) -> bool {
    let value = item.get(&filter.field).unwrap_or(&Value::Null);
    let contains = |needle: &Value| match (value, needle) {
        (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
        (Value::Array(list), n) => list.contains(n),
        _ => false,
    };
    let one = filter.values.len() == 1;
    match filter.op {
        Op::Eq | Op::In => filter.values.iter().any(|v| v == value),
        Op::Ne | Op::NotIn => filter.values.iter().all(|v| v != value),
        Op::Contains => filter.values.iter().any(contains),
        Op::Lt if one => {
            compare(Some(value), filter.values.first()) == Ordering::Less && !value.is_null()
        }
        Op::Le if one => {
            compare(Some(value), filter.values.first()) != Ordering::Greater && !value.is_null()
        }
        Op::Gt if one => compare(Some(value), filter.values.first()) == Ordering::Greater,
        Op::Ge if one => compare(Some(value), filter.values.first()) != Ordering::Less,
        Op::Lt | Op::Le | Op::Gt | Op::Ge => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &[&str])]) -> QueryParams {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    }

    fn spec(pairs: &[(&str, &[&str])]) -> ResultSpec {
        ResultSpec::parse(&params(pairs), ResourceType::Build).unwrap()
    }

    fn builds() -> Vec<Value> {
        (1..=5)
            .map(|i| json!({"buildid": i, "number": i, "complete": i % 2 == 0, "state_string": format!("s{i}")}))
            .collect()
    }

    fn ids(items: &[Value]) -> Vec<i64> {
        items
            .iter()
            .map(|b| b["buildid"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn the_database_pages_only_limits_by_id_with_plain_filters() {
        let sql = ResourceType::Build.sql_fields().unwrap();
        let page = |pairs: &[(&str, &[&str])]| spec(pairs).id_page("buildid", sql);
        assert_eq!(
            page(&[("order", &["-buildid"]), ("limit", &["50"])]),
            Some((true, 50))
        );
        assert_eq!(
            page(&[("complete", &["true"]), ("limit", &["5"])]),
            Some((false, 5))
        );
        assert_eq!(page(&[("order", &["-buildid"])]), None);
        assert_eq!(page(&[("limit", &["5"]), ("offset", &["5"])]), None);
        assert_eq!(page(&[("limit", &["5"]), ("order", &["-number"])]), None);
        assert_eq!(page(&[("limit", &["5"]), ("buildid__gt", &["2"])]), None);
    }

    #[test]
    fn filters_order_and_paging_in_memory() {
        let (out, total) = spec(&[("complete", &["true"]), ("order", &["-buildid"])])
            .apply(builds(), Backing::Memory);
        assert_eq!((ids(&out), total), (vec![4, 2], 2));
        let (out, total) = spec(&[
            ("buildid__gt", &["2"]),
            ("limit", &["1"]),
            ("field", &["buildid"]),
        ])
        .apply(builds(), Backing::Memory);
        assert_eq!((out, total), (vec![json!({"buildid": 3})], 3));
        let (out, _) = spec(&[
            ("number__ne", &["1", "2"]),
            ("number__in", &["2", "3", "4"]),
        ])
        .apply(builds(), Backing::Memory);
        assert_eq!(ids(&out), [3, 4]);
        let (out, _) =
            spec(&[("state_string__contains", &["4", "5"])]).apply(builds(), Backing::Memory);
        assert_eq!(ids(&out), [4, 5]);
    }

    #[test]
    fn sql_paging_counts_the_page_and_changes_come_reversed() {
        let sql = Backing::Sql {
            fields: ResourceType::Build.sql_fields().unwrap(),
            reverse: false,
        };
        let (out, total) = spec(&[("limit", &["2"]), ("offset", &["1"])]).apply(builds(), sql);
        assert_eq!((ids(&out), total), (vec![2, 3], 2));
        // `properties` is not a column: Buildbot pages in memory and counts every match.
        let (_, total) =
            spec(&[("limit", &["2"]), ("order", &["properties"])]).apply(builds(), sql);
        assert_eq!(total, 5);
        let changes = Backing::Sql {
            fields: &["buildid"],
            reverse: true,
        };
        let (out, _) = spec(&[]).apply(builds(), changes);
        assert_eq!(ids(&out), [5, 4, 3, 2, 1]);
        let (out, _) =
            spec(&[("order", &["-buildid"]), ("limit", &["2"])]).apply(builds(), changes);
        assert_eq!(ids(&out), [4, 5]);
        let (out, _) = spec(&[("limit", &["2"])]).apply(builds(), changes);
        assert_eq!(ids(&out), [2, 1]);
    }

    #[test]
    fn python_slices_with_negative_limits() {
        let (out, total) = spec(&[("limit", &["-1"])]).apply(builds(), Backing::Memory);
        assert_eq!((ids(&out), total), (vec![1, 2, 3, 4], 5));
    }

    #[test]
    fn bad_queries_get_buildbot_messages() {
        let err = |p: &[(&str, &[&str])]| {
            ResultSpec::parse(&params(p), ResourceType::Build)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[("foo", &["1"])]),
            "unrecognized query parameter 'foo'"
        );
        assert_eq!(err(&[("field", &["nosuch"])]), "no such field 'nosuch'");
        assert_eq!(err(&[("order", &["-nosuch"])]), "no such field 'nosuch'");
        assert_eq!(err(&[("limit", &["x"])]), "invalid limit");
        assert_eq!(err(&[("offset", &["x"])]), "invalid offset");
        assert_eq!(
            err(&[("complete", &["maybe"])]),
            "invalid filter value for complete"
        );
        assert_eq!(
            err(&[("number__lt", &["x"])]),
            "invalid filter value for number__lt"
        );
        assert_eq!(
            err(&[("properties", &["x"])]),
            "invalid filter value for properties"
        );
        assert_eq!(
            err(&[("field", &["buildid"]), ("order", &["number"])]),
            "cannot order on un-selected fields"
        );
        assert_eq!(
            err(&[("field", &["buildid"]), ("number", &["1"])]),
            "cannot filter on un-selected fields"
        );
        assert!(
            spec(&[("nosuch__eq", &["1"]), ("number__foo", &["1"])])
                .filters
                .is_empty()
        );
        assert!(spec(&[("number__lt", &["1", "2"])]).filters.is_empty());
    }

    #[test]
    fn ints_and_identifiers_parse_as_python_does() {
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int(" -3 "), Some(-3));
        assert_eq!(parse_int("1e3"), None);
        assert!(is_identifier("coverage.json"));
        assert!(!is_identifier("9lives"));
        assert!(!is_identifier("unit tests"));
    }
}
