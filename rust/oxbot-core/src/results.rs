//! Build and step results, with Buildbot's numeric codes (`buildbot.process.results`).

use serde::{Deserialize, Serialize};

/// A build or step result. The numbers are Buildbot's and are stored in the database as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum Results {
    Success = 0,
    Warnings = 1,
    Failure = 2,
    Skipped = 3,
    Exception = 4,
    Retry = 5,
    Cancelled = 6,
}

impl Results {
    /// Every result, in code order (Buildbot's `ALL_RESULTS`).
    pub const ALL: [Results; 7] = [
        Results::Success,
        Results::Warnings,
        Results::Failure,
        Results::Skipped,
        Results::Exception,
        Results::Retry,
        Results::Cancelled,
    ];

    /// Buildbot's lower-case name, as used in state strings ("build successful" aside).
    pub fn name(self) -> &'static str {
        match self {
            Results::Success => "success",
            Results::Warnings => "warnings",
            Results::Failure => "failure",
            Results::Skipped => "skipped",
            Results::Exception => "exception",
            Results::Retry => "retry",
            Results::Cancelled => "cancelled",
        }
    }

    /// Buildbot's `statusToString(status, count)`: the plural (`MultipleResults`) for more
    /// than one.
    pub fn name_for_count(self, count: usize) -> &'static str {
        if count <= 1 {
            return self.name();
        }
        match self {
            Results::Success => "successes",
            Results::Failure => "failures",
            Results::Exception => "exceptions",
            Results::Retry => "retries",
            Results::Warnings | Results::Skipped | Results::Cancelled => self.name(),
        }
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    /// Buildbot's `worst_status`: the more severe of two results.
    ///
    /// Severity order is SKIPPED < SUCCESS < WARNINGS < FAILURE < EXCEPTION < RETRY < CANCELLED.
    #[must_use]
    pub fn worst(self, other: Results) -> Results {
        fn rank(r: Results) -> u8 {
            match r {
                Results::Skipped => 0,
                Results::Success => 1,
                Results::Warnings => 2,
                Results::Failure => 3,
                Results::Exception => 4,
                Results::Retry => 5,
                Results::Cancelled => 6,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Results> for i64 {
    fn from(r: Results) -> i64 {
        r.code()
    }
}

/// A number that is not one of Buildbot's result codes.
#[derive(Debug, thiserror::Error)]
#[error("{0} is not a Buildbot result code (0-6)")]
pub struct UnknownResult(pub i64);

impl TryFrom<i64> for Results {
    type Error = UnknownResult;
    fn try_from(code: i64) -> Result<Self, UnknownResult> {
        Ok(match code {
            0 => Results::Success,
            1 => Results::Warnings,
            2 => Results::Failure,
            3 => Results::Skipped,
            4 => Results::Exception,
            5 => Results::Retry,
            6 => Results::Cancelled,
            other => return Err(UnknownResult(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_follows_buildbot_order() {
        assert_eq!(Results::Success.worst(Results::Skipped), Results::Success);
        assert_eq!(Results::Warnings.worst(Results::Failure), Results::Failure);
        assert_eq!(
            Results::Cancelled.worst(Results::Exception),
            Results::Cancelled
        );
    }

    #[test]
    fn counted_names_are_buildbots_multiple_results() {
        assert_eq!(Results::Success.name_for_count(1), "success");
        assert_eq!(Results::Success.name_for_count(2), "successes");
        assert_eq!(Results::Failure.name_for_count(3), "failures");
        assert_eq!(Results::Retry.name_for_count(2), "retries");
        assert_eq!(Results::Skipped.name_for_count(2), "skipped");
        assert_eq!(Results::ALL.map(Results::code), [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn codes_round_trip() {
        for code in 0..=6 {
            assert_eq!(Results::try_from(code).unwrap().code(), code);
        }
        assert!(Results::try_from(7).is_err());
    }
}
