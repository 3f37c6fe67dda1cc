use super::*;
use crate::secret::{AccessToken, RefreshToken};
use crate::time::Timestamp;

fn token(exp: Timestamp) -> TokenRecord {
    TokenRecord {
        access_token: AccessToken::new("figu_ACCESS_CANARY_0000000000"),
        refresh_token: Some(RefreshToken::new("figr_REFRESH_CANARY_000000000")),
        token_type: "Bearer".into(),
        scope: Some("mcp:connect".into()),
        expires_at: exp,
        obtained_at: Timestamp::from_unix(1_000),
        expires_in_defaulted: false,
        auth_server: "https://api.figma.com".into(),
        token_endpoint: "https://api.figma.com/v1/oauth/token".into(),
        resource: Some("https://mcp.figma.com/mcp".into()),
        client_id: "cid".into(),
        expires_in: Some(3600),
        refresh_rotated: None,
        account: None,
    }
}

#[test]
fn save_load_round_trip_with_private_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().join("cfg/figma-auth"));
    let lock = store.lock("default", Duration::from_secs(5)).unwrap();
    assert!(lock.load().unwrap().is_none());
    let data = ProfileData {
        token: Some(token(Timestamp::from_unix(2_000_000_000))),
        ..Default::default()
    };
    lock.save(&data).unwrap();
    let back = store.load("default").unwrap().unwrap();
    let t = back.token.unwrap();
    assert_eq!(t.access_token.expose(), "figu_ACCESS_CANARY_0000000000");
    assert_eq!(t.expires_at, Timestamp::from_unix(2_000_000_000));
    let text = std::fs::read_to_string(store.path("default")).unwrap();
    assert!(
        text.contains("\"expires_at\": \"2033-05-18T03:33:20Z\""),
        "{text}"
    );
    assert!(text.contains("\"version\": 1"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store.path("default")), 0o600);
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(mode(&tmp.path().join("cfg/figma-auth")), 0o700);
    }
    assert!(store.permission_warnings("default").is_empty());
    assert_eq!(store.profiles().unwrap(), vec!["default".to_string()]);
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn corrupt_and_future_files_are_reported_without_content() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().to_path_buf());
    std::fs::create_dir_all(store.dir()).unwrap();
    std::fs::write(
        store.path("a"),
        "{\"version\":1,\"token\":{\"access_token\":\"figu_SECRET\"}}",
    )
    .unwrap();
    let e = store.load("a").unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }));
    assert!(!e.to_string().contains("figu_SECRET"), "{e}");
    std::fs::write(store.path("b"), "{\"version\":7}").unwrap();
    assert!(matches!(
        store.load("b").unwrap_err(),
        StoreError::TooNew { found: 7, .. }
    ));
    std::fs::write(store.path("c"), "").unwrap();
    assert!(matches!(
        store.load("c").unwrap_err(),
        StoreError::Corrupt { .. }
    ));
}

#[test]
fn taking_the_lock_removes_temps_of_a_killed_save() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().to_path_buf());
    std::fs::create_dir_all(store.dir()).unwrap();
    // pid 0 never names a live process in /proc
    let stale = store.dir().join(".p.json.figma-auth-tmp.0.abc");
    std::fs::write(&stale, "{\"token\": \"figu_NEW\"}").unwrap();
    let _lock = store.lock("p", Duration::from_secs(1)).unwrap();
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists());
    }
}

#[test]
fn lock_times_out_when_held() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path().to_path_buf());
    let _held = store.lock("p", Duration::from_secs(1)).unwrap();
    let err = store.lock("p", Duration::from_millis(50)).unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
}

#[test]
fn profile_names() {
    assert!(validate_profile("default").is_ok());
    assert!(validate_profile("work-2.x_y").is_ok());
    for bad in ["", ".hidden", "-x", "a/b", "a b", "../x", &"x".repeat(65)] {
        assert!(validate_profile(bad).is_err(), "{bad}");
    }
}

#[test]
fn freshness() {
    let now = Timestamp::from_unix(10_000);
    let t = token(now.plus(Duration::from_secs(600)));
    assert!(t.fresh_for(Duration::from_secs(300), now));
    assert!(!t.fresh_for(Duration::from_secs(600), now));
    assert!(!token(now).fresh_for(Duration::ZERO, now));
}
