//! Python's `fnmatch` (case-sensitive, as on POSIX), used for authz role and builder
//! patterns, `allowed_origins`, and the GitHub hook's `github_property_whitelist`.

use regex::Regex;

/// Python's `fnmatch.translate`: `*`, `?`, `[seq]` and `[!seq]`, anything else literal, the
/// whole string.
pub(crate) fn regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("(?s)^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                if !out.ends_with(".*") {
                    out.push_str(".*");
                }
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if chars.get(j) == Some(&'!') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    continue;
                }
                let mut set: &[char] = &chars[i..j];
                out.push('[');
                if set.first() == Some(&'!') {
                    out.push('^');
                    set = &set[1..];
                }
                for (k, ch) in set.iter().enumerate() {
                    if *ch == '-' && k > 0 && k + 1 < set.len() {
                        out.push('-');
                    } else if ch.is_ascii_punctuation() {
                        out.push('\\');
                        out.push(*ch);
                    } else {
                        out.push(*ch);
                    }
                }
                out.push(']');
                i = j + 1;
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    out.push('$');
    out
}

/// Whether `name` matches the glob `pattern` as a whole.
pub(crate) fn matches(name: &str, pattern: &str) -> bool {
    Regex::new(&regex(pattern)).is_ok_and(|re| re.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs_translate_as_python_does() {
        assert!(matches("admins", "admins"));
        assert!(matches("admins", "adm*"));
        assert!(!matches("xadmins", "adm*"));
        assert!(matches("a.b", "a?b") && !matches("ab", "a?b"));
        assert!(matches("release-1", "release-[0-9]"));
        assert!(!matches("release-x", "release-[!a-z]"));
        assert!(matches("a[b", "a[b"));
        assert!(matches("a.b", "a.b") && !matches("axb", "a.b"));
        assert!(matches("github.ref", "github.[rs]ef"));
        assert!(!matches("github.ref", "github.[!r]ef"));
        assert!(!matches("github.ref.x", "github.ref"));
        assert!(matches("line\nbreak", "line*"));
    }
}
