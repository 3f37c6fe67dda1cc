//! The TOML editor (Codex): comments, CRLF and BOM kept; errors that never show a value.

use super::*;

#[test]
fn toml_keeps_comments_crlf_and_bom() {
    let spec = codex_spec();
    let text = format!(
        "\u{feff}# top\r\n[mcp_servers.figma] # entry\r\nurl = \"https://mcp.figma.com/mcp\"\r\n# headers\r\nhttp_headers = {{ Authorization = \"Bearer {OLD}\" }} # token\r\n"
    );
    let c = changed(apply(Some(&text), Syntax::Toml, &spec, &set(NEW)).unwrap());
    assert_eq!(c.materialize(Some(&text)), text.replace(OLD, NEW));
    assert_eq!(round_trip(&text, Syntax::Toml).unwrap(), text);
    let e = apply(
        Some("[mcp_servers.figma]\nurl = 3\n"),
        Syntax::Toml,
        &spec,
        &set(NEW),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            EditError::WrongType {
                line: 2,
                found: "an integer",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn toml_errors_never_show_values() {
    let mut spec = claude_spec();
    spec.container = vec!["mcp_servers".into()];
    spec.headers_key = "http_headers".into();
    for bad in [
        format!("[mcp_servers.figma]\nhttp_headers = {{ Authorization = \"Bearer {OLD}\" \n"),
        format!("[mcp_servers.figma]\nhttp_headers = {{ Authorization = \"Bearer {OLD}\\q\" }}\n"),
        format!("[mcp_servers.figma]\nhttp_headers = {{ Authorization = Bearer_{OLD} }}\n"),
        format!("[mcp_servers.figma]\nhttp_headers = {{ Authorization = [\"Bearer {OLD}\"] }}\n"),
        format!("[mcp_servers.figma]\nhttp_headers = \"Bearer {OLD}\"\n"),
        format!("[mcp_servers.figma]\nhttp_headers = {{ Authorization = \"Bearer {OLD}\", Authorization = \"x\" }}\n"),
    ] {
        let e = apply(Some(&bad), Syntax::Toml, &spec, &set(NEW)).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains("FIXTURE"), "{msg}");
        assert_eq!(e.line(), Some(2), "{msg}");
    }
}
