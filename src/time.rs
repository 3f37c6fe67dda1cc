//! Wall-clock helpers: an RFC 3339 (UTC, whole seconds) timestamp type for the credential store and
//! status output, and a compact human form of durations ("in 23h 59m", "5m ago").

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, serialised as RFC 3339 UTC with whole seconds (`2025-01-31T12:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub SystemTime);

impl Timestamp {
    pub fn now() -> Self {
        Self(SystemTime::now())
    }

    /// Seconds since the Unix epoch (negative values clamp to 0).
    pub fn from_unix(secs: u64) -> Self {
        Self(UNIX_EPOCH + Duration::from_secs(secs))
    }

    pub fn unix(&self) -> u64 {
        self.0
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// `self + d`, saturating far in the future.
    pub fn plus(&self, d: Duration) -> Self {
        Self(self.0.checked_add(d).unwrap_or(self.0))
    }

    /// RFC 3339 UTC, whole seconds.
    pub fn rfc3339(&self) -> String {
        humantime::format_rfc3339_seconds(self.0).to_string()
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        humantime::parse_rfc3339_weak(s)
            .map(Self)
            .map_err(|e| format!("not an RFC 3339 timestamp: {e}"))
    }

    /// Time left until `self` as seen at `now`; `None` when `self` is not after `now`.
    pub fn remaining_at(&self, now: Timestamp) -> Option<Duration> {
        self.0.duration_since(now.0).ok().filter(|d| !d.is_zero())
    }

    /// "in 23h 59m" or "5m ago", relative to `now`.
    pub fn relative_to(&self, now: Timestamp) -> String {
        match self.0.duration_since(now.0) {
            Ok(d) => format!("in {}", short_duration(d)),
            Err(e) => format!("{} ago", short_duration(e.duration())),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A compact duration: `2d 3h`, `23h 59m`, `4m 10s`, `12s`.
pub(crate) fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else if mins > 0 {
        format!("{mins}m {secs}s")
    } else {
        format!("{secs}s")
    }
}

/// The longest duration any option or variable accepts. Larger values are refused when they are
/// parsed, so no deadline computed from one can overflow.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(366 * 86_400);

/// Parses a duration such as `5m`, `90s`, `1h 30m` (humantime syntax), at most
/// [`MAX_DURATION`]; for clap value parsers and the environment.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (examples: 90s, 5m, 1h 30m)"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "{} is too long (at most {})",
            s.trim(),
            short_duration(MAX_DURATION)
        ));
    }
    Ok(d)
}

/// What a server grants, in words: "tokens last 1 day; refresh tokens rotate" (`expires_in`:
/// the stated lifetime in seconds; `refresh`: a refresh token is held; `rotates`: whether the
/// last refresh rotated it, `None` before the first).
pub(crate) fn lifetime_text(
    expires_in: Option<u64>,
    refresh: bool,
    rotates: Option<bool>,
) -> String {
    let life = match expires_in {
        Some(s) => format!("tokens last {}", human_lifetime(s)),
        None => "token lifetime not stated by the server".to_string(),
    };
    let rot = match (refresh, rotates) {
        (false, _) => "no refresh token",
        (true, Some(true)) => "refresh tokens rotate",
        (true, Some(false)) => "refresh tokens do not rotate",
        (true, None) => "not refreshed yet",
    };
    format!("{life}; {rot}")
}

/// `1 day`, `2 hours`, `90 minutes`, or the compact form for other values.
pub(crate) fn human_lifetime(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0 => "0 seconds".to_string(),
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => short_duration(std::time::Duration::from_secs(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp::from_unix(1_700_000_000);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20Z");
        assert_eq!(Timestamp::parse(&t.rfc3339()).unwrap(), t);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2023-11-14T22:13:20Z\"");
    }

    #[test]
    fn relative_and_remaining() {
        let now = Timestamp::from_unix(1_000_000);
        let later = now.plus(Duration::from_secs(3600 * 23 + 59 * 60));
        assert_eq!(later.relative_to(now), "in 23h 59m");
        assert_eq!(now.relative_to(later), "23h 59m ago");
        assert_eq!(later.remaining_at(now), Some(Duration::from_secs(86_340)));
        assert_eq!(now.remaining_at(later), None);
        assert_eq!(now.remaining_at(now), None);
        assert_eq!(
            short_duration(Duration::from_secs(2 * 86_400 + 7200)),
            "2d 2h"
        );
        assert_eq!(short_duration(Duration::from_secs(12)), "12s");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("18446744073709551615s").is_err());
        assert!(parse_duration("367d").is_err());
        assert_eq!(parse_duration("366d").unwrap(), MAX_DURATION);
    }
}
