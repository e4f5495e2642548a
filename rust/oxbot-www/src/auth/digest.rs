//! HTTP Digest authentication (RFC 2617, `qop="auth"`), which Buildbot offers beside Basic on
//! `/auth/login` for `UserPasswordAuth` and `HTPasswdAuth` (Twisted's
//! `DigestCredentialFactory(b"MD5", b"buildbot")`), so that clients and browsers that answer
//! the Digest challenge log in as they do with Buildbot.
//!
//! As in Twisted, the server keeps no state: the `opaque` carries the nonce and the time it
//! was issued, signed with a key of this process, and is good for 15 minutes.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use md5::{Digest as _, Md5};
use regex::bytes::Regex;

/// The realm of Buildbot's challenges.
pub(super) const REALM: &str = "buildbot";

/// How long a challenge may be answered (Twisted's `CHALLENGE_LIFETIME_SECS`).
const LIFETIME_SECONDS: u64 = 15 * 60;

/// Lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `H(parts joined with ':')` with the response's algorithm (`MD5`, the default, or `SHA`).
fn hash(algorithm: &str, parts: &[&[u8]]) -> String {
    let joined = parts.join(&b':');
    if algorithm.eq_ignore_ascii_case("sha") {
        hex(&sha1::Sha1::digest(&joined))
    } else {
        hex(&Md5::digest(&joined))
    }
}

/// Issues challenges and checks the answers.
#[derive(Clone)]
pub(super) struct DigestAuth {
    key: String,
}

/// A parsed `Authorization: Digest ...` value (Twisted's field parser: `key="quoted"` or
/// `key=bare`, separated by commas).
struct Fields(Vec<(String, Vec<u8>)>);

impl Fields {
    fn parse(value: &[u8]) -> Fields {
        static PARTS: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
            Regex::new(r#"([^= ]+)=(?:"([^"]*)"|([^,]+)),?"#).expect("a valid regex")
        });
        let value: Vec<u8> = value
            .iter()
            .map(|b| if *b == b'\r' || *b == b'\n' { b' ' } else { *b })
            .collect();
        Fields(
            PARTS
                .captures_iter(&value)
                .map(|c| {
                    let key = String::from_utf8_lossy(&c[1]).trim().to_owned();
                    let value = c
                        .get(2)
                        .or_else(|| c.get(3))
                        .map_or(&b""[..], |m| m.as_bytes());
                    (key, value.trim_ascii().to_vec())
                })
                .collect(),
        )
    }

    /// The last value given for `key`.
    fn get(&self, key: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

impl DigestAuth {
    pub(super) fn new(key: String) -> DigestAuth {
        DigestAuth { key }
    }

    fn sign(&self, nonce: &str, when: &str) -> String {
        hex(&Md5::digest(format!("{nonce},{when}{}", self.key)))
    }

    /// The `WWW-Authenticate` value of a new challenge, with a nonce of 12 random bytes.
    pub(super) fn challenge(&self) -> std::io::Result<String> {
        let mut bytes = [0u8; 12];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        Ok(self.challenge_with(&hex(&bytes), now()))
    }

    fn challenge_with(&self, nonce: &str, when: u64) -> String {
        let when = when.to_string();
        let key = base64::engine::general_purpose::STANDARD.encode(format!("{nonce},{when}"));
        let opaque = format!("{}-{key}", self.sign(nonce, &when));
        format!(
            "digest nonce=\"{nonce}\", opaque=\"{opaque}\", qop=\"auth\", algorithm=\"MD5\", realm=\"{REALM}\""
        )
    }

    /// The user name of a Digest answer (the value after `Digest `) to one of our challenges,
    /// with the password `password_of` gives for that user; `None` if it does not check out.
    pub(super) fn check(
        &self,
        answer: &[u8],
        method: &str,
        password_of: impl Fn(&str) -> Option<Vec<u8>>,
    ) -> Option<String> {
        self.check_at(answer, method, password_of, now())
    }

    fn check_at(
        &self,
        answer: &[u8],
        method: &str,
        password_of: impl Fn(&str) -> Option<Vec<u8>>,
        now: u64,
    ) -> Option<String> {
        let fields = Fields::parse(answer);
        let username = std::str::from_utf8(fields.get("username")?).ok()?;
        let nonce = std::str::from_utf8(fields.get("nonce")?).ok()?;
        let opaque = std::str::from_utf8(fields.get("opaque")?).ok()?;
        if username.is_empty() {
            return None;
        }
        // The opaque: our signature of the nonce and the time it was issued.
        let (signature, key) = opaque.split_once('-')?;
        let key = base64::engine::general_purpose::STANDARD.decode(key).ok()?;
        let key = String::from_utf8(key).ok()?;
        let (issued_nonce, when) = key.split_once(',')?;
        let issued: u64 = when.parse().ok()?;
        if issued_nonce != nonce
            || now.saturating_sub(issued) > LIFETIME_SECONDS
            || !super::same(signature.as_bytes(), self.sign(nonce, when).as_bytes())
        {
            return None;
        }
        let password = password_of(username)?;
        let algorithm = fields.get("algorithm").unwrap_or(b"md5");
        let algorithm = std::str::from_utf8(algorithm).ok()?.to_ascii_lowercase();
        let empty: &[u8] = b"";
        let uri = fields.get("uri").unwrap_or(empty);
        let cnonce = fields.get("cnonce").unwrap_or(empty);
        let nc = fields.get("nc").unwrap_or(empty);
        let qop = fields.get("qop").unwrap_or(b"auth");
        let mut ha1 = hash(
            &algorithm,
            &[username.as_bytes(), REALM.as_bytes(), &password],
        );
        if algorithm == "md5-sess" {
            ha1 = hash(&algorithm, &[ha1.as_bytes(), nonce.as_bytes(), cnonce]);
        }
        let ha2 = hash(&algorithm, &[method.as_bytes(), uri]);
        let expected = if nc.is_empty() || cnonce.is_empty() {
            hash(
                &algorithm,
                &[ha1.as_bytes(), nonce.as_bytes(), ha2.as_bytes()],
            )
        } else {
            let parts: [&[u8]; 6] = [
                ha1.as_bytes(),
                nonce.as_bytes(),
                nc,
                cnonce,
                qop,
                ha2.as_bytes(),
            ];
            hash(&algorithm, &parts)
        };
        let response = fields.get("response")?;
        super::same(expected.as_bytes(), response).then(|| username.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords(user: &str) -> Option<Vec<u8>> {
        (user == "Mufasa").then(|| b"Circle Of Life".to_vec())
    }

    /// A client's answer, computed as RFC 2617 section 3.5 does.
    fn answer(auth: &DigestAuth, nonce: &str, when: u64, password: &str, uri: &str) -> Vec<u8> {
        let challenge = auth.challenge_with(nonce, when);
        let fields = Fields::parse(challenge.strip_prefix("digest ").unwrap().as_bytes());
        let opaque = String::from_utf8(fields.get("opaque").unwrap().to_vec()).unwrap();
        let ha1 = hex(&Md5::digest(format!("Mufasa:{REALM}:{password}")));
        let ha2 = hex(&Md5::digest(format!("GET:{uri}")));
        let response = hex(&Md5::digest(format!(
            "{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}"
        )));
        format!(
            "username=\"Mufasa\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"{response}\", opaque=\"{opaque}\", algorithm=MD5"
        )
        .into_bytes()
    }

    #[test]
    fn a_digest_answer_logs_in_with_the_right_password_only() {
        let auth = DigestAuth::new("k".into());
        let t = 1_700_000_000;
        let good = answer(&auth, "abc123", t, "Circle Of Life", "/auth/login");
        assert_eq!(
            auth.check_at(&good, "GET", passwords, t + 5),
            Some("Mufasa".into())
        );
        // Another method than the one hashed, a wrong password, an old or foreign challenge.
        assert_eq!(auth.check_at(&good, "POST", passwords, t + 5), None);
        let wrong = answer(&auth, "abc123", t, "nope", "/auth/login");
        assert_eq!(auth.check_at(&wrong, "GET", passwords, t + 5), None);
        assert_eq!(auth.check_at(&good, "GET", passwords, t + 16 * 60), None);
        assert_eq!(
            DigestAuth::new("other".into()).check_at(&good, "GET", passwords, t + 5),
            None
        );
        // A nonce that is not the opaque's.
        let text = String::from_utf8(good).unwrap();
        let swapped = text.replace("nonce=\"abc123\"", "nonce=\"zzz\"");
        assert_eq!(
            auth.check_at(swapped.as_bytes(), "GET", passwords, t + 5),
            None
        );
    }

    #[test]
    fn the_challenge_has_twisteds_fields() {
        let challenge = DigestAuth::new("k".into()).challenge().unwrap();
        assert!(challenge.starts_with("digest nonce=\""));
        assert!(challenge.ends_with("qop=\"auth\", algorithm=\"MD5\", realm=\"buildbot\""));
    }
}
