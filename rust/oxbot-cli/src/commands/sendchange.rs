//! `oxbot sendchange`: `buildbot sendchange`'s arguments, delivered without Perspective Broker.
//! Buildbot sends the change over PB to a `PBChangeSource`; oxbot has no PB port, so `--master`
//! names the master's *web* port (`host:port`, or an `http://` URL) and the change is POSTed to
//! its `/change_hook/base` (the `base` dialect must be enabled in
//! `c['www']['change_hook_dialects']`). `--auth` becomes HTTP Basic credentials, which
//! `change_hook_auth` checks when it is configured.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::logging::user_message;

const VCS: &[&str] = &["cvs", "svn", "darcs", "hg", "bzr", "git", "mtn", "p4"];

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The master's web port, `host:port` (or `http://host:port/`); Buildbot names its
    /// PBChangeSource here, oxbot posts to `/change_hook/base`.
    #[arg(short = 'm', long)]
    master: String,
    /// `username:password`, sent as HTTP Basic credentials (checked by `change_hook_auth`).
    #[arg(short = 'a', long, default_value = "change:changepw")]
    auth: String,
    /// Author of the commit.
    #[arg(short = 'W', long)]
    who: String,
    /// Repository specifier.
    #[arg(short = 'R', long, default_value = "")]
    repository: String,
    /// The VC system in use, one of: cvs, svn, darcs, hg, bzr, git, mtn, p4.
    #[arg(short = 's', long)]
    vc: Option<String>,
    /// Project specifier.
    #[arg(short = 'P', long, default_value = "")]
    project: String,
    /// Branch specifier.
    #[arg(short = 'b', long)]
    branch: Option<String>,
    /// Category of repository.
    #[arg(short = 'C', long)]
    category: Option<String>,
    /// Codebase this change is in.
    #[arg(long)]
    codebase: Option<String>,
    /// Revision specifier.
    #[arg(short = 'r', long)]
    revision: Option<String>,
    /// Filename containing revision spec.
    #[arg(long = "revision_file", alias = "revision-file")]
    revision_file: Option<String>,
    /// A property for the change, in the format: name:value (repeatable).
    #[arg(short = 'p', long = "property")]
    property: Vec<String>,
    /// Log message.
    #[arg(short = 'c', long)]
    comments: Option<String>,
    /// Read the log messages from this file (- for stdin).
    #[arg(short = 'F', long)]
    logfile: Option<String>,
    /// Timestamp to use as the change time.
    #[arg(short = 'w', long)]
    when: Option<String>,
    /// Revision link (revlink).
    #[arg(short = 'l', long, default_value = "")]
    revlink: String,
    /// Encoding of other parameters (arguments are UTF-8 here; accepted for compatibility).
    #[arg(short = 'e', long, default_value = "utf8")]
    encoding: String,
    /// The changed files.
    files: Vec<String>,
}

/// The form fields of the change, as the `base` hook reads them.
fn form(args: &Args) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut fields = vec![("author", args.who.clone())];
    let revision = match &args.revision_file {
        Some(path) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?)
        }
        None => args.revision.clone(),
    };
    let when = match &args.when {
        Some(text) => Some(
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite())
                .with_context(|| format!("invalid 'when' value {text}"))?,
        ),
        None => None,
    };
    let comments = match (&args.comments, &args.logfile) {
        (Some(c), _) if !c.is_empty() => c.clone(),
        (_, Some(path)) if path == "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            text
        }
        (_, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?
        }
        (comments, None) => comments.clone().unwrap_or_default(),
    };
    if let Some(vc) = &args.vc
        && !VCS.contains(&vc.as_str())
    {
        bail!("vc must be one of {}", VCS.join(", "));
    }
    let mut properties = serde_json::Map::new();
    for property in &args.property {
        let (name, value) = property
            .split_once(':')
            .with_context(|| format!("a property is name:value, not {property:?}"))?;
        properties.insert(name.to_owned(), value.into());
    }
    fields.push(("comments", comments));
    fields.push(("files", serde_json::to_string(&args.files)?));
    fields.push((
        "properties",
        serde_json::Value::Object(properties).to_string(),
    ));
    fields.push(("repository", args.repository.clone()));
    fields.push(("project", args.project.clone()));
    fields.push(("revlink", args.revlink.clone()));
    for (name, value) in [
        ("branch", &args.branch),
        ("category", &args.category),
        ("revision", &revision),
        ("codebase", &args.codebase.clone().filter(|c| !c.is_empty())),
    ] {
        if let Some(value) = value {
            fields.push((name, value.clone()));
        }
    }
    if let Some(when) = when {
        fields.push(("when_timestamp", when.to_string()));
    }
    Ok(fields)
}

/// `host:port` and path prefix of `--master`.
fn target(master: &str) -> anyhow::Result<(String, String)> {
    if master.starts_with("https://") {
        bail!("not supported yet by oxbot: sendchange over https (give the master's http address)");
    }
    let rest = master.strip_prefix("http://").unwrap_or(master);
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Some((host, port)) = hostport.rsplit_once(':') else {
        bail!("master must have the form 'hostname:port' (the master's web port)");
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        bail!("master must have the form 'hostname:port' (the master's web port)");
    }
    let path = path.trim_end_matches('/');
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    Ok((hostport.to_owned(), prefix))
}

/// Base64 of `text`, for the Basic credentials.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// POSTs the change; returns the answer's status and body.
fn post(args: &Args, fields: &[(&str, String)]) -> anyhow::Result<(u16, String)> {
    let (hostport, prefix) = target(&args.master)?;
    let body: String = form_encode(fields);
    let auth = if args.auth.contains(':') {
        args.auth.clone()
    } else {
        bail!("--auth must be username:password");
    };
    let mut stream =
        TcpStream::connect(&hostport).with_context(|| format!("connecting to {hostport}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let request = format!(
        "POST {prefix}/change_hook/base HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: oxbot-sendchange\r\nAuthorization: Basic {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        base64(&auth),
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("not an HTTP answer from {hostport}"))?;
    Ok((status, body.to_owned()))
}

/// `application/x-www-form-urlencoded` of the fields.
fn form_encode(fields: &[(&str, String)]) -> String {
    let encode = |text: &str| {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(byte as char);
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let fields = form(args)?;
    let outcome = post(args, &fields).and_then(|(status, body)| {
        if status == 200 && body.ends_with("change found") {
            Ok(())
        } else {
            bail!("the master answered {status}: {}", body.trim())
        }
    });
    match outcome {
        Ok(()) => {
            user_message("change sent successfully");
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            user_message("change not sent:");
            user_message(&format!("{err:#}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_are_web_addresses() {
        assert_eq!(
            target("localhost:8010").unwrap(),
            ("localhost:8010".into(), String::new())
        );
        assert_eq!(
            target("http://ci.example.org:80/buildbot/").unwrap(),
            ("ci.example.org:80".into(), "/buildbot".into())
        );
        assert!(target("localhost").is_err());
        assert!(target("https://x:443").is_err());
    }

    #[test]
    fn encodings() {
        assert_eq!(base64("change:changepw"), "Y2hhbmdlOmNoYW5nZXB3");
        assert_eq!(base64("a"), "YQ==");
        assert_eq!(base64("ab"), "YWI=");
        assert_eq!(
            form_encode(&[("files", "[\"a b\"]".into())]),
            "files=%5B%22a+b%22%5D"
        );
    }
}
