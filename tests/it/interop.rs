//! Real peers: botocore (the AWS SDK for Python, which the AWS CLI embeds) reads and
//! refreshes what ssox writes, and ssox uses what botocore wrote.

use crate::support::*;

fn botocore_token(t: &TestEnv, profile: &str) -> String {
    t.python("botocore_token.py", &[profile]).trim().to_string()
}

#[test]
fn botocore_refreshes_a_token_ssox_wrote_and_ssox_uses_the_one_botocore_wrote() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    // ssox logs in; the token it caches has 10 minutes left, so botocore must refresh it.
    t.fake.set_token_ttl(600);
    t.run(["login", "-p", "dev"]).success();
    let ssox_token = t.token_json("corp")["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(t.fake.count(Op::CreateToken), 1);

    t.fake.set_token_ttl(8 * 3600);
    let botocore_token = botocore_token(&t, "dev");
    assert_eq!(
        t.fake.count(Op::CreateToken),
        2,
        "botocore refreshed with ssox's refresh token"
    );
    assert_ne!(botocore_token, ssox_token);
    let cached = t.token_json("corp");
    assert_eq!(cached["accessToken"], botocore_token.as_str());

    // ssox takes botocore's token as it is: no refresh, no login.
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 2);
    let used = &t.fake.requests(Op::GetRoleCredentials)[0];
    assert_eq!(used.headers["x-amz-sso_bearer_token"], botocore_token);
}

#[test]
fn botocore_reads_a_token_ssox_refreshed() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    t.run(["-p", "dev", "--", "true"]).success();
    let refreshed = t.token_json("corp")["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(botocore_token(&t, "dev"), refreshed);
    assert_eq!(
        t.fake.count(Op::CreateToken),
        1,
        "botocore found it fresh and did not refresh"
    );
}
