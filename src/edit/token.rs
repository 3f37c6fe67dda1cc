//! Validation of a token before it is written into a config file: trimmed, a pasted `Bearer `
//! prefix removed, RFC 6750 characters only. Errors describe the problem, never the token.

use crate::secret::AccessToken;

/// Why a token was refused. No variant carries any part of the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("the token is empty")]
    Empty,
    #[error("the token is {len} characters long; expected 8 to 4096")]
    Length { len: usize },
    #[error(
        "the token has a character not allowed in a bearer token at position {position} \
         (allowed: letters, digits, - . _ ~ + / and trailing =)"
    )]
    Character { position: usize },
}

/// Trims `input`, strips a pasted `Bearer ` (any case) and checks the RFC 6750 `b64token`
/// grammar `[A-Za-z0-9-._~+/]+=*` and a length of 8 to 4096 characters.
pub(crate) fn validate_token(input: &str) -> Result<AccessToken, TokenError> {
    let mut t = input.trim();
    let b = t.as_bytes();
    if b.len() >= 6
        && b[..6].eq_ignore_ascii_case(b"bearer")
        && b.get(6).is_none_or(|c| c.is_ascii_whitespace())
    {
        t = t[6..].trim_start();
    }
    if t.is_empty() {
        return Err(TokenError::Empty);
    }
    let body_end = t.trim_end_matches('=').len();
    for (i, c) in t.char_indices() {
        let ok = if i < body_end {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
        } else {
            c == '='
        };
        if !ok {
            return Err(TokenError::Character {
                position: t[..i].chars().count() + 1,
            });
        }
    }
    if body_end == 0 {
        return Err(TokenError::Character { position: 1 });
    }
    let len = t.chars().count();
    if !(8..=4096).contains(&len) {
        return Err(TokenError::Length { len });
    }
    Ok(AccessToken::new(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let t = validate_token("  Bearer figu_FIXTURE_NEW_TOKEN\n").unwrap();
        assert_eq!(t.expose(), "figu_FIXTURE_NEW_TOKEN");
        assert_eq!(
            validate_token("bearer   abc.DEF-123~+/==")
                .unwrap()
                .expose(),
            "abc.DEF-123~+/=="
        );
    }

    #[test]
    fn refuses_bad_tokens_without_echoing_them() {
        let secretish = "figu_SECRET\"VALUE";
        let err = validate_token(secretish).unwrap_err();
        assert_eq!(err, TokenError::Character { position: 12 });
        assert!(!err.to_string().contains("SECRET"));
        assert_eq!(validate_token("   ").unwrap_err(), TokenError::Empty);
        assert_eq!(validate_token("Bearer ").unwrap_err(), TokenError::Empty);
        assert_eq!(
            validate_token("short").unwrap_err(),
            TokenError::Length { len: 5 }
        );
        assert!(validate_token(&"a".repeat(4097)).is_err());
        assert!(validate_token(&"a".repeat(4096)).is_ok());
        assert!(matches!(
            validate_token("abc=defgh"),
            Err(TokenError::Character { position: 4 })
        ));
        assert!(matches!(
            validate_token("========"),
            Err(TokenError::Character { .. })
        ));
        assert!(matches!(
            validate_token("abc defgh"),
            Err(TokenError::Character { position: 4 })
        ));
        assert!(matches!(
            validate_token("tök_abcdefgh"),
            Err(TokenError::Character { position: 2 })
        ));
    }
}
