//! Concurrency stress (bounded: 8 processes, 3 rounds each, every process killed after 90 s):
//! forced refreshes racing on a rotating refresh token whose reuse revokes the whole grant, and
//! helper-mode `header --json` calls racing on a token about to expire. The store lock must make
//! every process succeed or say "busy", with no refresh token ever presented twice.

use crate::support::*;
use std::time::Duration;

const PROCESSES: usize = 8;
const ROUNDS: usize = 3;

/// The store parses, and its tokens are the ones the server considers current.
fn assert_store_consistent(env: &TestEnv) {
    let v = env.store("default").expect("the store exists and parses");
    assert_eq!(v["version"], 1);
    assert!(
        env.server
            .refresh_token_is_current(&env.stored_refresh_token()),
        "the stored refresh token is the server's current one"
    );
    assert!(env.server.access_token_works(&env.stored_access_token()));
    assert_eq!(
        env.server.revoked_grants(),
        0,
        "no refresh token was reused"
    );
    let leftovers: Vec<_> = std::fs::read_dir(env.path("config/figma-auth/credentials"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn forced_refreshes_race_on_a_rotating_token_without_reuse() {
    let mut env = TestEnv::new();
    env.login();
    // A slow token endpoint keeps the lock held while the others wait.
    env.server.set(|b| b.delay = Duration::from_millis(40));
    let mut refreshed = 0;
    for round in 0..ROUNDS {
        // The middle round gives up waiting quickly: some processes must report "busy".
        let short = round == 1;
        if short {
            env.server.set(|b| b.delay = Duration::from_millis(300));
            env.set_var("FIGMA_AUTH_LOCK_TIMEOUT", Some("100ms"));
        } else {
            env.server.set(|b| b.delay = Duration::from_millis(40));
            env.set_var("FIGMA_AUTH_LOCK_TIMEOUT", None);
        }
        let outs = env.cmd(&["refresh", "--force"]).race(PROCESSES);
        let mut ok = 0;
        let mut busy = 0;
        for out in &outs {
            match out.code {
                0 => {
                    assert!(out.stderr.contains("Refreshed the access token"), "{out:?}");
                    ok += 1;
                }
                5 if short => {
                    assert!(
                        out.stderr
                            .contains("another figma-auth kept the credential store locked"),
                        "{out:?}"
                    );
                    assert!(out.stderr.contains("hint: another figma-auth"), "{out:?}");
                    assert!(out.stderr.contains("try again"), "{out:?}");
                    busy += 1;
                }
                _ => panic!("round {round}: {out:?}"),
            }
        }
        if short {
            assert!(ok >= 1 && busy >= 1, "round {round}: {ok} ok, {busy} busy");
        } else {
            assert_eq!(ok, PROCESSES, "round {round}");
        }
        // One request per successful forced refresh, none by a busy process.
        refreshed += ok;
        assert_eq!(env.server.hits("token:refresh_token"), refreshed);
        assert_store_consistent(&env);
    }
    // The store still works afterwards.
    env.set_var("FIGMA_AUTH_LOCK_TIMEOUT", None);
    env.server.set(|b| b.delay = Duration::ZERO);
    assert_eq!(env.run(&["refresh", "--force"]).code, 0);
    assert_store_consistent(&env);
}

#[test]
fn concurrent_header_calls_make_one_refresh_per_expiry() {
    let env = TestEnv::new();
    env.login();
    env.server.set(|b| b.delay = Duration::from_millis(100));
    for round in 0..ROUNDS {
        // About to expire (within header's 5 minutes), or already expired in the last round.
        if round + 1 == ROUNDS {
            env.set_expires_at("2000-01-01T00:00:00Z");
        } else {
            env.expire_in(60);
        }
        let before = env.server.hits("token:refresh_token");
        let outs = env.cmd(&["header", "--json"]).race(PROCESSES);
        let stored = env.stored_access_token();
        for out in &outs {
            assert_eq!(out.code, 0, "round {round}: {out:?}");
            let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(
                v["Authorization"],
                format!("Bearer {stored}"),
                "round {round}: every helper prints the refreshed token"
            );
        }
        assert!(env.server.access_token_works(&stored));
        assert_eq!(
            env.server.hits("token:refresh_token"),
            before + 1,
            "round {round}: one refresh for {PROCESSES} helpers"
        );
        assert_store_consistent(&env);
        // Now fresh: another wave makes no request at all.
        let hits = env.server.total_hits();
        let outs = env.cmd(&["header", "--json"]).race(PROCESSES);
        assert!(outs.iter().all(|o| o.code == 0));
        assert_eq!(env.server.total_hits(), hits);
    }
}
