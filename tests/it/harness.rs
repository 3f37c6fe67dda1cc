//! The harness's own checks fail when they should: a run that leaves a temp file or creates a
//! readable file, a mock handler that panics, declared hits that did not happen. (Each test
//! provokes the failure itself; the binary behaves.)

use crate::support::mcp_server::McpServer;
use crate::support::*;

#[test]
#[should_panic(expected = "left the temp file")]
fn a_run_that_leaves_a_temp_file_fails() {
    let env = TestEnv::new();
    let temp = env.path("home/.mcp.json.figma-auth-tmp.abc123");
    env.cmd(&["status"]).run_with(|| write(&temp, "half"));
}

#[test]
#[should_panic(expected = "with mode 0644, not 0600")]
fn a_run_that_creates_a_readable_file_fails() {
    let env = TestEnv::new();
    let file = env.path("home/.cursor/mcp.json");
    env.cmd(&["status"]).run_with(|| {
        write(&file, "{}");
        chmod(&file, 0o644);
        chmod(file.parent().unwrap(), 0o700);
    });
}

#[test]
#[should_panic(expected = "temp files left at the end")]
fn a_temp_file_left_at_the_end_of_a_test_fails_it() {
    let env = TestEnv::new();
    write(&env.path("config/.x.json.figma-auth-tmp.abc123"), "");
}

#[test]
#[should_panic(expected = "the mock authorization server's handler panicked")]
fn a_panicking_mock_handler_fails_the_test() {
    let env = TestEnv::new();
    env.login();
    env.server
        .set_refresh_hook(Box::new(|_, _| panic!("the hook's own panic")));
    // The request gets tiny_http's 500; the run itself reports a server error.
    let out = env.run(&["refresh", "--force"]);
    assert_ne!(out.code, 0, "{out:?}");
}

#[test]
#[should_panic(expected = "token: 1 hits, 0 expected")]
fn declared_hits_are_checked_when_the_mock_is_dropped() {
    let env = TestEnv::new();
    env.server.expect_hits("token", 0);
    env.login();
}

#[test]
#[should_panic(expected = "requests for paths it does not serve")]
fn a_request_for_an_unknown_path_fails_the_test() {
    let env = TestEnv::new();
    get(&format!("{}/nowhere", env.server.url()));
}

#[test]
#[should_panic(expected = "the stand-in MCP server's handler panicked")]
fn a_panicking_stand_in_handler_fails_the_test() {
    let mcp = McpServer::start(std::sync::Arc::new(|_| panic!("the check's own panic")));
    let r = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(mcp.url())
        .header("Authorization", "Bearer x")
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        .send();
    // The connection was dropped without an answer.
    assert!(r.is_err() || !r.unwrap().status().is_success());
}

#[test]
#[should_panic(expected = "POST tools/list: 0 seen, 1 expected")]
fn declared_posts_are_checked_when_the_stand_in_is_dropped() {
    let mcp = McpServer::start(std::sync::Arc::new(|_| true));
    mcp.expect_posts("tools/list", 1);
}
