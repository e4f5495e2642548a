//! The session cookie: as in Buildbot, a JWT (HS256) holding `{"user_info": {...}, "exp": ...}`
//! in a cookie named `TWISTED_SESSION`, re-issued with a fresh expiry on every response that
//! reads the session. A token that is missing, badly signed, expired or without `user_info`
//! is an anonymous session.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value, json};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The cookie's name on a plain-HTTP site mounted at `/` (Buildbot names it
/// `TWISTED_SECURE_SESSION` on HTTPS, which oxbot does not serve).
pub const COOKIE_NAME: &str = "TWISTED_SESSION";

/// Buildbot's default lifetime of a session: one week.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `{"anonymous": true}`, the user of a request without a valid session.
pub fn anonymous() -> Map<String, Value> {
    Map::from_iter([("anonymous".to_owned(), Value::Bool(true))])
}

/// A new secret as Buildbot makes its `session_secret`: 128 random bits, in hex (the hex text
/// itself is the HMAC key).
pub fn random_secret() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    Ok(super::digest::hex(&bytes))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Signs and reads session tokens with one secret.
#[derive(Clone)]
pub struct Sessions {
    secret: Vec<u8>,
    lifetime_seconds: i64,
}

impl Sessions {
    /// Signs with a random secret (a master without a database: tests, tools).
    pub fn new(lifetime_seconds: i64) -> std::io::Result<Sessions> {
        Ok(Sessions::with_secret(
            random_secret()?.as_bytes(),
            lifetime_seconds,
        ))
    }

    pub fn with_secret(secret: &[u8], lifetime_seconds: i64) -> Sessions {
        Sessions {
            secret: secret.to_vec(),
            lifetime_seconds,
        }
    }

    /// The same key, with another lifetime for new cookies.
    #[must_use]
    pub fn with_lifetime(&self, lifetime_seconds: i64) -> Sessions {
        Sessions {
            secret: self.secret.clone(),
            lifetime_seconds,
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length")
    }

    /// A token for `user_info`, valid for the session lifetime from now.
    pub fn encode(&self, user_info: &Map<String, Value>) -> String {
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = json!({"user_info": user_info, "exp": now() + self.lifetime_seconds});
        let claims = B64.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = B64.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The user of a token, or `None` when it is not one this master signed and still valid.
    pub fn decode(&self, token: &str) -> Option<Map<String, Value>> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, claims) = signing_input.split_once('.')?;
        let header: Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return None;
        }
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&B64.decode(signature).ok()?).ok()?;
        let claims: Value = serde_json::from_slice(&B64.decode(claims).ok()?).ok()?;
        // PyJWT: a token whose `exp` is now or earlier has expired.
        if let Some(exp) = claims.get("exp")
            && exp.as_f64().is_none_or(|exp| exp <= now() as f64)
        {
            return None;
        }
        claims.get("user_info")?.as_object().cloned()
    }

    /// The session user of a request: from its `TWISTED_SESSION` cookie, else anonymous.
    pub fn user_of(&self, headers: &HeaderMap) -> Map<String, Value> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| *name == COOKIE_NAME)
            .find_map(|(_, token)| self.decode(token))
            .unwrap_or_else(anonymous)
    }

    /// The `Set-Cookie` value carrying `user_info`'s session.
    pub fn cookie(&self, user_info: &Map<String, Value>) -> String {
        format!("{COOKIE_NAME}={}; Path=/", self.encode(user_info))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Map<String, Value> {
        json!({"username": "admin", "email": "admin"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn a_token_reads_back_only_with_its_secret_and_before_it_expires() {
        let sessions = Sessions::with_secret(b"k1", 60);
        let token = sessions.encode(&user());
        assert_eq!(sessions.decode(&token), Some(user()));
        assert_eq!(Sessions::with_secret(b"k2", 60).decode(&token), None);
        let expired = Sessions::with_secret(b"k1", -1).encode(&user());
        assert_eq!(sessions.decode(&expired), None);
        // A changed payload breaks the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64.encode(json!({"user_info": {"username": "root"}}).to_string());
        parts[1] = &forged;
        assert_eq!(sessions.decode(&parts.join(".")), None);
        assert_eq!(sessions.decode("garbage"), None);
    }

    #[test]
    fn the_cookie_header_gives_the_user() {
        let sessions = Sessions::with_secret(b"k", 60);
        let mut headers = HeaderMap::new();
        assert_eq!(sessions.user_of(&headers), anonymous());
        let cookie = format!("other=1; {}=bad; {}", COOKIE_NAME, sessions.cookie(&user()));
        let cookie = cookie.trim_end_matches("; Path=/").to_owned();
        headers.insert(header::COOKIE, cookie.parse().unwrap());
        assert_eq!(sessions.user_of(&headers), user());
    }
}
