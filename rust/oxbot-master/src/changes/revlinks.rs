//! The links to a revision's web page that a change gets when it has none: Buildbot 4.3's
//! default `c['revlink']` (`default_revlink_matcher`), which knows GitHub, Bitbucket and
//! SourceForge repository URLs. A change with a revision and a repository but no link gets
//! the first match, or `""`.

use std::sync::LazyLock;

use regex::Regex;

/// One matcher: repository URL patterns (anchored at the start, as Python's `re.match`) and
/// the link template (`$n`/`$name` groups, `{rev}` the revision).
struct Matcher {
    repo_urls: Vec<Regex>,
    template: &'static str,
}

fn matcher(urls: &[&str], template: &'static str) -> Matcher {
    Matcher {
        repo_urls: urls
            .iter()
            .map(|u| Regex::new(&format!("^(?:{u})")).expect("revlink pattern"))
            .collect(),
        template,
    }
}

static MATCHERS: LazyLock<Vec<Matcher>> = LazyLock::new(|| {
    vec![
        matcher(
            &[
                r"https://github.com/([^/]*)/([^/]*?)(?:\.git)?$",
                r"git://github.com/([^/]*)/([^/]*?)(?:\.git)?$",
                r"git@github.com:([^/]*)/([^/]*?)(?:\.git)?$",
                r"ssh://git@github.com/([^/]*)/([^/]*?)(?:\.git)?$",
            ],
            "https://github.com/${1}/${2}/commit/{rev}",
        ),
        matcher(
            &[
                r"https://[^@]*@bitbucket.org/([^/]*)/([^/]*?)(?:\.git)?$",
                r"git@bitbucket.org:([^/]*)/([^/]*?)(?:\.git)?$",
            ],
            "https://bitbucket.org/${1}/${2}/commits/{rev}",
        ),
        matcher(
            &[
                r"git://([^.]*).git.sourceforge.net/gitroot/(?P<repo>.*)$",
                r"[^@]*@([^.]*).git.sourceforge.net:gitroot/(?P<repo>.*)$",
                r"ssh://(?:[^@]*@)?([^.]*).git.sourceforge.net/gitroot/(?P<repo>.*)$",
            ],
            "http://${1}.git.sourceforge.net/git/gitweb.cgi?p=${repo};a=commit;h={rev}",
        ),
        matcher(
            &[
                r"git://git.code.sf.net/p/(?P<repo>.*)$",
                r"http://git.code.sf.net/p/(?P<repo>.*)$",
                r"ssh://(?:[^@]*@)?git.code.sf.net/p/(?P<repo>.*)$",
            ],
            "https://sourceforge.net/p/${1}/ci/{rev}/",
        ),
    ]
});

/// The default link of `revision` in `repository`, `None` when no matcher knows the URL.
pub fn default_revlink(revision: &str, repository: &str) -> Option<String> {
    MATCHERS.iter().find_map(|m| {
        m.repo_urls.iter().find_map(|re| {
            let caps = re.captures(repository)?;
            let mut link = String::new();
            caps.expand(m.template, &mut link);
            Some(link.replace("{rev}", revision))
        })
    })
}

/// The link a new change is stored with: its own, else (with a revision and a repository)
/// the default matcher's, or `""` (Buildbot's `addChange`).
pub fn change_revlink(
    revlink: Option<String>,
    revision: Option<&str>,
    repository: &str,
) -> Option<String> {
    match (revlink.as_deref(), revision) {
        (None | Some(""), Some(rev)) if !rev.is_empty() && !repository.is_empty() => {
            Some(default_revlink(rev, repository).unwrap_or_default())
        }
        _ => revlink,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts_get_a_link() {
        assert_eq!(
            default_revlink("abc", "https://github.com/acme/widget.git").as_deref(),
            Some("https://github.com/acme/widget/commit/abc")
        );
        assert_eq!(
            default_revlink("abc", "git@bitbucket.org:acme/widget").as_deref(),
            Some("https://bitbucket.org/acme/widget/commits/abc")
        );
        assert_eq!(
            default_revlink("abc", "git://proj.git.sourceforge.net/gitroot/proj/repo").as_deref(),
            Some("http://proj.git.sourceforge.net/git/gitweb.cgi?p=proj/repo;a=commit;h=abc")
        );
        assert_eq!(
            default_revlink("abc", "git://git.code.sf.net/p/proj/code").as_deref(),
            Some("https://sourceforge.net/p/proj/code/ci/abc/")
        );
        assert_eq!(default_revlink("abc", "file:///tmp/repo.git"), None);
    }

    #[test]
    fn a_change_without_link_gets_the_default_or_empty() {
        let link = |revlink: Option<&str>, rev: Option<&str>, repo: &str| {
            change_revlink(revlink.map(str::to_owned), rev, repo)
        };
        assert_eq!(
            link(None, Some("r1"), "https://x.invalid/r.git"),
            Some(String::new())
        );
        assert_eq!(
            link(Some(""), Some("r1"), "https://github.com/a/b"),
            Some("https://github.com/a/b/commit/r1".to_owned())
        );
        assert_eq!(link(None, None, "https://github.com/a/b"), None);
        assert_eq!(link(None, Some("r1"), ""), None);
        assert_eq!(
            link(Some("kept"), Some("r1"), "https://github.com/a/b"),
            Some("kept".into())
        );
    }
}
