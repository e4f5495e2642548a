//! The change hooks: each dialect fed with the payloads in `fixtures/hooks/` (written for these
//! tests in GitHub's and GitLab's formats), and `/change_hook/...` through the router against a
//! fake `Control`: status codes and bodies as Buildbot 4.3 gives them, signatures, tokens and
//! `change_hook_auth`.

#[allow(dead_code, reason = "this binary uses part of the shared setup")]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Call, send};
use hmac::{Hmac, KeyInit, Mac};
use oxbot_master::control::ChangeSpec;
use oxbot_www::hooks::{self, HookError, HookRequest, Hooked};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/hooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A change as JSON, to compare whole changes at once.
fn change_json(c: &ChangeSpec) -> Value {
    json!({
        "author": c.author, "committer": c.committer, "files": c.files, "comments": c.comments,
        "revision": c.revision, "when_timestamp": c.when_timestamp, "branch": c.branch,
        "category": c.category, "revlink": c.revlink, "properties": c.properties,
        "repository": c.repository, "project": c.project, "codebase": c.codebase,
    })
}

fn check(result: Result<Hooked, HookError>, src: Option<&str>, expect: &Value) {
    let hooked = result.unwrap();
    assert_eq!(hooked.src.as_deref(), src);
    let got: Vec<Value> = hooked.changes.iter().map(change_json).collect();
    assert_eq!(Value::from(got), *expect);
}

fn request(headers: &[(&str, &str)], body: Vec<u8>) -> HookRequest {
    HookRequest {
        args: Vec::new(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_lowercase(), (*v).to_owned()))
            .collect(),
        body,
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .fold(String::new(), |acc, b| acc + &format!("{b:02x}"));
    format!("sha1={hex}")
}

fn github(event: &str, name: &str, options: &Value) -> Result<Hooked, HookError> {
    let body = fixture(name);
    let signature = sign("s3cret", &body);
    let req = request(
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", event),
            ("X-Hub-Signature", &signature),
        ],
        body,
    );
    hooks::github::get_changes(options, &req)
}

#[test]
fn base_takes_form_fields() {
    let req = HookRequest {
        args: [
            ("author", "Bob <bob@example.com>"),
            ("comments", "Fix it"),
            ("files", r#"["a.c", "b/c.h"]"#),
            ("properties", r#"{"ticket": "T-1", "n": 2}"#),
            ("when_timestamp", "1700000000.75"),
            ("branch", "main"),
            ("revision", "abc"),
            ("project", "demo"),
            ("author", "ignored: the first value wins"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect(),
        ..HookRequest::default()
    };
    check(
        hooks::base::get_changes(&req),
        None,
        &json!([{
            "author": "Bob <bob@example.com>", "committer": null, "files": ["a.c", "b/c.h"],
            "comments": "Fix it", "revision": "abc", "when_timestamp": 1_700_000_000.75,
            "branch": "main", "category": null, "revlink": null,
            "properties": {"ticket": "T-1", "n": 2}, "repository": "", "project": "demo",
            "codebase": null,
        }]),
    );
}

#[test]
fn base_falls_back_to_who_and_when_and_rejects_bad_json() {
    let req = |args: &[(&str, &str)]| HookRequest {
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..HookRequest::default()
    };
    let hooked = hooks::base::get_changes(&req(&[("who", "carol"), ("when", "12")])).unwrap();
    assert_eq!(hooked.changes[0].author.as_deref(), Some("carol"));
    assert_eq!(hooked.changes[0].when_timestamp, Some(12.0));
    let empty = hooks::base::get_changes(&req(&[])).unwrap();
    assert_eq!(empty.changes, vec![ChangeSpec::default()]);
    for bad in [
        ("files", "not json"),
        ("files", r#"{"a": 1}"#),
        ("properties", "[1]"),
        ("when_timestamp", "soon"),
    ] {
        assert!(
            matches!(
                hooks::base::get_changes(&req(&[bad])),
                Err(HookError::Rejected(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn github_push_gives_one_change_per_commit() {
    let options = json!({"secret": "s3cret", "strict": true});
    let commit = |sha: &str, author: &str| {
        json!({
            "author": author, "committer": "GitHub <noreply@github.com>",
            "revision": sha, "branch": "main", "category": null,
            "revlink": format!("https://github.com/acme/widget/commit/{sha}"),
            "repository": "https://github.com/acme/widget", "project": "acme/widget",
            "codebase": null,
        })
    };
    let mut first = commit(
        "3f786850e387550fdab836ed7e6dc881de23001b",
        "Ada Lovelace <ada@example.org>",
    );
    first["files"] = json!(["src/config.rs", "src/main.rs"]);
    first["comments"] = json!("Parse the config\n\nLonger description.");
    first["when_timestamp"] = json!(1_709_629_872.0);
    first["properties"] = json!({"github_distinct": true, "event": "push"});
    let mut second = commit(
        "89e6c98d92887913cadf06b2adb97f26cde4849b",
        "Ada Lovelace <ada@example.org>",
    );
    second["files"] = json!(["Cargo.toml", "src/old.rs"]);
    second["comments"] = json!("Remove the old parser");
    second["when_timestamp"] = json!(1_709_630_400.0);
    second["properties"] = json!({"github_distinct": false, "event": "push"});
    check(
        github("push", "github-push.json", &options),
        Some("git"),
        &json!([first, second]),
    );
}

#[test]
fn github_push_variants() {
    let options = json!({"secret": "s3cret", "codebase": "widget",
                         "github_property_whitelist": ["github.pusher.*", "github.forced"]});
    // A new branch: only its head commit.
    let hooked = github("push", "github-push-new-branch.json", &options).unwrap();
    assert_eq!(hooked.changes.len(), 1);
    let change = &hooked.changes[0];
    assert_eq!(change.branch.as_deref(), Some("feature/x"));
    assert_eq!(
        change.revision.as_deref(),
        Some("89e6c98d92887913cadf06b2adb97f26cde4849b")
    );
    assert_eq!(change.codebase.as_deref(), Some("widget"));
    assert_eq!(
        Value::Object(change.properties.clone()),
        json!({"github_distinct": false, "event": "push", "github.forced": false,
               "github.pusher.name": "ada", "github.pusher.email": "ada@example.org"})
    );
    // A tag: category `tag`, the tag's name as branch.
    let hooked = github("push", "github-push-tag.json", &options).unwrap();
    assert_eq!(hooked.changes.len(), 1);
    assert_eq!(hooked.changes[0].branch.as_deref(), Some("v1.2.0"));
    assert_eq!(hooked.changes[0].category.as_deref(), Some("tag"));
    // Skipped, deleted: nothing.
    for name in ["github-push-skip.json", "github-push-deleted.json"] {
        assert!(
            github("push", name, &options).unwrap().changes.is_empty(),
            "{name}"
        );
    }
    // ping: nothing.
    assert!(
        github("ping", "github-push.json", &options)
            .unwrap()
            .changes
            .is_empty()
    );
}

#[test]
fn github_pull_request_gives_a_change_on_the_pull_ref() {
    check(
        github("pull_request", "github-pull-request.json", &json!({})),
        Some("git"),
        &json!([{
            "author": "bob", "committer": null, "files": [],
            "comments": "GitHub Pull Request #17 (2 commits)\nFaster parser\nMakes parsing twice as fast.",
            "revision": "cccccccccccccccccccccccccccccccccccccccc",
            "when_timestamp": 1_709_712_000.0, "branch": "refs/pull/17/merge", "category": "pull",
            "revlink": "https://github.com/acme/widget/pull/17",
            "properties": {"pullrequesturl": "https://github.com/acme/widget/pull/17",
                           "event": "pull_request", "basename": "main"},
            "repository": "https://github.com/acme/widget", "project": "acme/widget",
            "codebase": null,
        }]),
    );
    let mut closed: Value = serde_json::from_slice(&fixture("github-pull-request.json")).unwrap();
    closed["action"] = json!("closed");
    let req = request(
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "pull_request"),
        ],
        closed.to_string().into_bytes(),
    );
    assert!(
        hooks::github::get_changes(&json!({"pullrequest_ref": "head"}), &req)
            .unwrap()
            .changes
            .is_empty()
    );
}

#[test]
fn github_signatures_are_checked_as_buildbot_does() {
    let body = fixture("github-push.json");
    let options = json!({"secret": "s3cret"});
    let run = |headers: &[(&str, &str)], options: &Value| {
        let mut all = vec![
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "push"),
        ];
        all.extend_from_slice(headers);
        hooks::github::get_changes(options, &request(&all, body.clone()))
    };
    let rejected = |m: &str| Err(HookError::Rejected(m.to_owned()));
    assert_eq!(
        run(&[("X-Hub-Signature", "sha1=deadbeef")], &options),
        rejected("Hash mismatch")
    );
    assert_eq!(
        run(&[("X-Hub-Signature", "deadbeef")], &options),
        rejected("Wrong signature format: deadbeef")
    );
    assert_eq!(
        run(&[("X-Hub-Signature", "md5=00")], &options),
        rejected("Unknown hash type: md5")
    );
    assert_eq!(
        run(&[], &json!({"secret": "s3cret", "strict": true})),
        rejected("Request has no required signature")
    );
    assert_eq!(
        run(&[], &json!({"strict": true})),
        rejected("Strict mode is requested while no secret is provided")
    );
    // Not strict: an unsigned request passes.
    assert_eq!(run(&[], &options).unwrap().changes.len(), 2);
    // SHA-256 alone is checked too.
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
    mac.update(&body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .fold(String::new(), |acc, b| acc + &format!("{b:02x}"));
    let good = format!("sha256={hex}");
    assert_eq!(
        run(&[("X-Hub-Signature-256", &good)], &options)
            .unwrap()
            .changes
            .len(),
        2
    );
    assert_eq!(
        run(&[("X-Hub-Signature-256", "sha256=00")], &options),
        rejected("Hash mismatch")
    );
    // Content type and event.
    let req = request(
        &[("Content-Type", "text/plain"), ("X-GitHub-Event", "push")],
        body.clone(),
    );
    assert_eq!(
        hooks::github::get_changes(&json!({}), &req),
        rejected("Unknown content type: b'text/plain'")
    );
    let req = request(
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "issues"),
        ],
        body,
    );
    assert_eq!(
        hooks::github::get_changes(&json!({}), &req),
        rejected("Unknown event: issues")
    );
    // A payload without the fields a push needs is refused, not a crash.
    let req = request(
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "push"),
        ],
        b"{\"ref\": \"refs/heads/main\"}".to_vec(),
    );
    assert!(matches!(
        hooks::github::get_changes(&json!({}), &req),
        Err(HookError::Rejected(m)) if m.contains("repository")
    ));
}

fn gitlab(name: &str, token: Option<&str>, options: &Value) -> Result<Hooked, HookError> {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(token) = token {
        headers.push(("X-Gitlab-Token", token));
    }
    hooks::gitlab::get_changes(options, &request(&headers, fixture(name)))
}

#[test]
fn gitlab_push_tag_push_and_merge_request() {
    let options = json!({"secret": "tok"});
    let change = |sha: &str, comments: &str, when: f64, files: Value, branch: &str, event: &str| {
        json!({
            "author": "Grace Hopper <grace@example.org>", "committer": null, "files": files,
            "comments": comments, "revision": sha, "when_timestamp": when, "branch": branch,
            "category": event, "revlink": format!("https://gitlab.example.org/acme/widget/-/commit/{sha}"),
            "properties": {"event": event},
            "repository": "git@gitlab.example.org:acme/widget.git", "project": "widget",
            "codebase": null,
        })
    };
    check(
        gitlab("gitlab-push.json", Some("tok"), &options),
        Some("git"),
        &json!([
            change(
                "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
                "Add COBOL support\n",
                1_711_962_000.0,
                json!(["cobol.rs"]),
                "main",
                "push"
            ),
            change(
                "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "Fix the build",
                1_711_956_600.0,
                json!(["Makefile", "tmp.txt"]),
                "main",
                "push"
            ),
        ]),
    );
    check(
        gitlab("gitlab-tag-push.json", Some("tok"), &options),
        Some("git"),
        &json!([change(
            "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "Fix the build",
            1_711_956_600.0,
            json!(["Makefile", "tmp.txt"]),
            "v2.0",
            "tag_push"
        )]),
    );
    check(
        gitlab("gitlab-merge-request.json", Some("tok"), &options),
        Some("git"),
        &json!([{
            "author": "Grace Hopper <grace@example.org>", "committer": null, "files": [],
            "comments": "MR#5: COBOL support\n\nAdds a COBOL backend.",
            "revision": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "when_timestamp": 1_711_956_600.0, "branch": "main", "category": "merge_request",
            "revlink": "https://gitlab.example.org/acme/widget/-/merge_requests/5",
            "properties": {
                "source_branch": "cobol", "source_project_id": 16,
                "source_repository": "https://gitlab.example.org/grace/widget.git",
                "source_git_ssh_url": "git@gitlab.example.org:grace/widget.git",
                "target_branch": "main", "target_project_id": 15,
                "target_repository": "https://gitlab.example.org/acme/widget.git",
                "target_git_ssh_url": "git@gitlab.example.org:acme/widget.git",
                "event": "merge_request",
            },
            "repository": "https://gitlab.example.org/acme/widget.git", "project": "widget",
            "codebase": null,
        }]),
    );
}

#[test]
fn gitlab_tokens_are_checked() {
    let options = json!({"secret": "tok"});
    let rejected = Err(HookError::Rejected("Invalid secret".to_owned()));
    assert_eq!(
        gitlab("gitlab-push.json", Some("wrong"), &options),
        rejected
    );
    assert_eq!(gitlab("gitlab-push.json", None, &options), rejected);
    // No secret configured: any request passes.
    assert_eq!(
        gitlab("gitlab-push.json", None, &json!(true))
            .unwrap()
            .changes
            .len(),
        2
    );
    let req = request(&[("X-Gitlab-Token", "tok")], b"{oops".to_vec());
    assert!(matches!(
        hooks::gitlab::get_changes(&options, &req),
        Err(HookError::Rejected(m)) if m.starts_with("Error loading JSON: ")
    ));
}

/// The router with these dialects configured.
async fn app_with(dialects: Value) -> (axum::Router, std::sync::Arc<common::FakeControl>) {
    let (app, control, _) = common::app().await;
    control
        .dialects
        .lock()
        .unwrap()
        .clone_from(dialects.as_object().unwrap());
    (app, control)
}

fn post(uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Request<Body> {
    let mut request = Request::post(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn http_answers_are_buildbots() {
    let (app, control) = app_with(json!({"base": true, "github": {"secret": "s3cret"},
                                          "bitbucket": true}))
    .await;
    let form = "author=Bob&comments=hi&files=%5B%22a%22%5D&branch=main";
    let reply = send(
        &app,
        post(
            "/change_hook/base",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.into(),
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::OK, "1 change found")
    );
    // `/change_hook` alone is `base`, and GET works too, from the query string.
    let reply = send(
        &app,
        Request::get("/change_hook?comments=via%20query&author=carol")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::OK, "1 change found")
    );
    let calls = control.calls.lock().unwrap().clone();
    let Call::AddChanges(src, changes) = &calls[0] else {
        panic!("{calls:?}")
    };
    assert_eq!(*src, None);
    assert_eq!(changes[0].author.as_deref(), Some("Bob"));
    assert_eq!(changes[0].files, vec!["a".to_owned()]);
    let Call::AddChanges(_, changes) = &calls[1] else {
        panic!("{calls:?}")
    };
    assert_eq!(changes[0].comments.as_deref(), Some("via query"));

    let body = fixture("github-push.json");
    let reply = send(
        &app,
        post(
            "/change_hook/github",
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature", "sha1=0000"),
            ],
            body.clone(),
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::BAD_REQUEST, "Hash mismatch")
    );
    let signature = sign("s3cret", &body);
    let reply = send(
        &app,
        post(
            "/change_hook/github",
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature", &signature),
            ],
            body,
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::OK, "2 change found")
    );
    assert_eq!(
        control.calls.lock().unwrap().last(),
        Some(&Call::AddChanges(
            Some("git".to_owned()),
            hooks::github::get_changes(
                &json!({}),
                &request(
                    &[
                        ("Content-Type", "application/json"),
                        ("X-GitHub-Event", "push")
                    ],
                    fixture("github-push.json")
                )
            )
            .unwrap()
            .changes
        ))
    );
    let reply = send(
        &app,
        post(
            "/change_hook/github",
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", "ping"),
            ],
            b"{\"zen\": \"hi\"}".to_vec(),
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::OK, "no change found")
    );
    let reply = send(&app, post("/change_hook/gitlab", &[], b"{}".to_vec())).await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "The dialect specified, 'gitlab', wasn't whitelisted in change_hook"
        )
    );
    let reply = send(&app, post("/change_hook/bitbucket", &[], b"{}".to_vec())).await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    assert!(
        reply.text.contains("not supported yet by oxbot"),
        "{}",
        reply.text
    );
    assert_eq!(control.calls.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn change_hook_auth_asks_for_basic_credentials() {
    let (db, _) = common::fixture().await;
    let control = std::sync::Arc::new(common::FakeControl::default());
    *control.dialects.lock().unwrap() = json!({"base": true}).as_object().unwrap().clone();
    let www = json!({"change_hook_auth": ["memory:hook:pw"]});
    let app = oxbot_www::router(oxbot_www::WwwState {
        data: oxbot_master::data::api::DataApi::new(db),
        mq: oxbot_master::mq::Mq::new(),
        control: control.clone(),
        buildbot_url: "http://127.0.0.1:8010/".into(),
        change_hook_auth: hooks::auth::HookAuth::from_www(www.as_object().unwrap()).unwrap(),
    });
    let reply = send(&app, post("/change_hook/base", &[], Vec::new())).await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::UNAUTHORIZED, "Unauthorized")
    );
    // "hook:pw"
    let reply = send(
        &app,
        post(
            "/change_hook/base",
            &[("Authorization", "Basic aG9vazpwdw==")],
            Vec::new(),
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::OK, "1 change found")
    );
    assert_eq!(control.calls.lock().unwrap().len(), 1);
}

#[test]
fn secrets_the_engine_could_not_render_are_errors() {
    let unresolved = json!({"secret": {"$renderable": "Secret", "name": "gh"}});
    assert!(matches!(
        github("push", "github-push.json", &unresolved),
        Err(HookError::Internal(m)) if m.contains("gh")
    ));
    assert!(matches!(
        gitlab("gitlab-push.json", Some("tok"), &unresolved),
        Err(HookError::Internal(_))
    ));
    let interpolated = json!({"secret": {"$renderable": "Interpolate", "fmt": "x"}});
    assert!(matches!(
        gitlab("gitlab-push.json", Some("tok"), &interpolated),
        Err(HookError::Unsupported(m)) if m.contains("not supported yet by oxbot")
    ));
}
