//! Secrets providers (Buildbot's `secrets/providers/`): what `util.Secret` and
//! `%(secret:...)s` render to. `SecretInAFile` is read once at start; other providers are
//! reported as not supported yet (`support.rs`), and their secrets are not found.

use std::collections::BTreeMap;
use std::path::Path;

use oxbot_core::config::Value;

/// Provider kinds the engine reads.
pub const SUPPORTED_PROVIDERS: &[&str] = &["SecretInAFile"];

/// Reads every supported provider, in order (a later provider does not override an earlier
/// one, as Buildbot asks providers in order).
pub fn load(providers: &[Value]) -> Result<BTreeMap<String, String>, String> {
    let mut secrets = BTreeMap::new();
    for provider in providers {
        if provider.get("kind").and_then(Value::as_str) != Some("SecretInAFile") {
            continue;
        }
        for (name, value) in in_a_file(provider.get("args").unwrap_or(&Value::Null))? {
            secrets.entry(name).or_insert(value);
        }
    }
    Ok(secrets)
}

/// `SecretInAFile(dirname, suffixes=[""], strip=True)`.
fn in_a_file(args: &Value) -> Result<Vec<(String, String)>, String> {
    let dirname = args
        .get("dirname")
        .and_then(Value::as_str)
        .ok_or("SecretInAFile needs a dirname")?;
    let suffixes: Vec<&str> = args.get("suffixes").and_then(Value::as_array).map_or_else(
        || vec![""],
        |s| s.iter().filter_map(Value::as_str).collect(),
    );
    let strip = args.get("strip").and_then(Value::as_bool).unwrap_or(true);
    let entries = std::fs::read_dir(dirname)
        .map_err(|e| format!("SecretInAFile: cannot read {dirname}: {e}"))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("SecretInAFile: {dirname}: {e}"))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        for suffix in &suffixes {
            let Some(name) = file.strip_suffix(suffix) else {
                continue;
            };
            let path = Path::new(dirname).join(&file);
            let mut value = std::fs::read_to_string(&path)
                .map_err(|e| format!("SecretInAFile: cannot read {}: {e}", path.display()))?;
            if strip {
                value.truncate(value.trim_end_matches(['\r', '\n']).len());
            }
            out.push((name.to_owned(), value));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_files_become_secrets() {
        let dir = std::env::temp_dir().join(format!("oxbot-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token.txt"), "s3cret\n").unwrap();
        std::fs::write(dir.join("other"), "ignored").unwrap();
        let providers = [
            json!({"kind": "SecretInAFile", "args": {"dirname": dir, "suffixes": [".txt"]}}),
            json!({"kind": "SecretInPass", "args": {}}),
        ];
        let secrets = load(&providers).unwrap();
        assert_eq!(
            secrets,
            BTreeMap::from([("token".to_owned(), "s3cret".to_owned())])
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
