//! PKCE (RFC 7636), S256 only, and the random `state`: both fresh for every authorization attempt,
//! 32 bytes from the operating system's random source, base64url without padding.

use crate::secret::{PkceVerifier, State};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The only method figma-auth uses; `plain` is never sent.
pub(crate) const METHOD: &str = "S256";

/// A verifier and its S256 challenge.
pub(crate) struct Pkce {
    pub verifier: PkceVerifier,
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier (43 characters) and its challenge.
    pub(crate) fn generate() -> Self {
        let verifier = PkceVerifier::new(random_token());
        let challenge = challenge_for(verifier.expose());
        Self {
            verifier,
            challenge,
        }
    }
}

/// `BASE64URL(SHA256(ASCII(verifier)))` without padding.
pub(crate) fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh `state` value.
pub(crate) fn new_state() -> State {
    State::new(random_token())
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Straight from the operating system (getrandom(2), arc4random_buf, BCryptGenRandom).
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, Appendix B.
    #[test]
    fn rfc7636_test_vector() {
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_fresh_and_well_formed() {
        let a = Pkce::generate();
        let b = Pkce::generate();
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_eq!(a.verifier.expose().len(), 43);
        assert!(a
            .verifier
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(a.challenge, challenge_for(a.verifier.expose()));
        assert_ne!(new_state().expose(), new_state().expose());
    }
}
