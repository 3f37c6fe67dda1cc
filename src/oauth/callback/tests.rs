use super::serve::{find_head_end, page};
use super::*;
use crate::markup;

fn exp() -> Expected {
    Expected {
        state: State::new("S1"),
        issuer: "http://127.0.0.1:9".into(),
    }
}

#[test]
fn state_is_required_and_checked() {
    assert!(matches!(evaluate("code=c", &exp()), Verdict::Ignore(_)));
    assert!(matches!(
        evaluate("code=c&state=S2", &exp()),
        Verdict::Ignore(_)
    ));
    assert!(matches!(
        evaluate("error=access_denied", &exp()),
        Verdict::Ignore(_)
    ));
    assert!(matches!(
        evaluate("code=c&state=S1&state=S1", &exp()),
        Verdict::Ignore(_)
    ));
    match evaluate("code=c&state=S1", &exp()) {
        Verdict::Done(Ok(c)) => assert_eq!(c.expose(), "c"),
        _ => panic!(),
    }
}

#[test]
fn errors_and_iss() {
    match evaluate(
        "error=access_denied&error_description=%3Cb%3Eno%1b&state=S1",
        &exp(),
    ) {
        Verdict::Done(Err(CallbackError::Denied { error, description })) => {
            assert_eq!(error, "access_denied");
            assert_eq!(description.unwrap(), "<b>no\\u{1b}");
        }
        _ => panic!(),
    }
    assert!(matches!(
        evaluate("code=c&state=S1&iss=http://evil", &exp()),
        Verdict::Done(Err(CallbackError::IssuerMismatch { .. }))
    ));
    assert!(matches!(
        evaluate("code=c&state=S1&iss=http%3A%2F%2F127.0.0.1%3A9", &exp()),
        Verdict::Done(Ok(_))
    ));
    // Figma advertises iss and never sends it: an absent iss is accepted.
    assert!(matches!(
        evaluate("code=c&state=S1", &exp()),
        Verdict::Done(Ok(_))
    ));
    assert!(matches!(
        evaluate("state=S1", &exp()),
        Verdict::Done(Err(CallbackError::MissingCode))
    ));
}

#[test]
fn pasted_lines() {
    assert_eq!(
        pasted_query(" http://127.0.0.1:1/cb?code=a&state=b#x\n").unwrap(),
        "code=a&state=b"
    );
    assert_eq!(pasted_query("code=a&state=b").unwrap(), "code=a&state=b");
    assert!(pasted_query("hello").is_none());
}

#[test]
fn html_is_escaped() {
    assert_eq!(
        markup::escape("<script>&\"'"),
        "&lt;script&gt;&amp;&quot;&#39;"
    );
    assert!(!page("t", "<script>alert(1)</script>").contains("<script>"));
}

#[test]
fn request_heads_end_at_the_blank_line() {
    assert_eq!(
        find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest"),
        Some(27)
    );
    assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
}
