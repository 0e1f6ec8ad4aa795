//! Delivery against real protocol sinks on loopback: the SMTP sink and the
//! HTTP sink from appgov-testkit play the mail server and the robots'
//! platforms. Signatures are recomputed here independently of the crate.

use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use appgov_notify::{
    Cause, Channel, ChannelKind, DeliveryError, Lang, Message, Tone, deliver, deliver_with_env,
};
use appgov_testkit::sinks::{HttpSink, SinkResponse, SmtpSink, SmtpStage, base64_decode};
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

fn channel(toml_text: &str) -> Channel {
    toml::from_str(toml_text).expect("channel configuration")
}

fn message() -> Message {
    Message {
        subject: "【合规提醒】手机银行 年度个人信息保护评估 3 天后到期".into(),
        text: "应用：手机银行（com.bank.mobile）\n事项：年度个人信息保护评估\n到期日：2025-06-30"
            .into(),
        link: Some("https://appgov.bank.example/obligations/42".into()),
        tone: Tone::Warning,
        lang: Lang::Zh,
    }
}

/// A fixed clock: 2025-06-27 09:30:00 UTC plus 123 ms.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_751_016_600_123)
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`), the
/// way a mail client shows a subject.
fn decode_rfc2047(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some(start) = rest.find("=?") {
            let between = &rest[..start];
            if !(last_was_word && between.trim().is_empty()) {
                out.push_str(between);
            }
            let word = &rest[start + 2..];
            let parts: Vec<&str> = word.splitn(3, '?').collect();
            let (encoding, tail) = (parts[1], parts[2]);
            let end = tail.find("?=").expect("end of encoded word");
            let data = &tail[..end];
            let bytes = if encoding.eq_ignore_ascii_case("b") {
                base64_decode(data).expect("base64 word")
            } else {
                let mut b = Vec::new();
                let d = data.as_bytes();
                let mut i = 0;
                while i < d.len() {
                    match d[i] {
                        b'_' => b.push(b' '),
                        b'=' => {
                            let hex = std::str::from_utf8(&d[i + 1..i + 3]).unwrap();
                            b.push(u8::from_str_radix(hex, 16).unwrap());
                            i += 2;
                        }
                        c => b.push(c),
                    }
                    i += 1;
                }
                b
            };
            out.push_str(&String::from_utf8(bytes).expect("UTF-8 word"));
            rest = &tail[end + 2..];
            last_was_word = true;
        } else {
            out.push_str(rest);
            break;
        }
    }
    out
}

fn smtp_channel(sink: &SmtpSink, extra: &str) -> Channel {
    channel(&format!(
        r#"
        kind = "smtp"
        host = "127.0.0.1"
        port = {}
        security = "none"
        from = "合规提醒 <appgov@bank.example>"
        to = ["张三 <zhangsan@bank.example>", "compliance@bank.example"]
        timeout_secs = 5
        helo_name = "appgov.bank.example"
        {extra}
        "#,
        sink.port()
    ))
}

// ------------------------------------------------------------- e-mail ----

#[test]
fn mail_arrives_with_chinese_subject_body_and_headers() {
    let sink = SmtpSink::start();
    let mut m = message();
    m.tone = Tone::Urgent;
    let delivery = deliver(&smtp_channel(&sink, ""), &m, now()).expect("delivered");
    assert_eq!(delivery.channel, ChannelKind::Smtp);
    assert!(
        delivery.response.starts_with("250"),
        "{}",
        delivery.response
    );

    let mails = sink.wait_for(1, WAIT);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.helo, "appgov.bank.example");
    assert_eq!(mail.auth, None);
    assert_eq!(mail.mail_from, "appgov@bank.example");
    assert_eq!(
        mail.rcpt_to,
        ["zhangsan@bank.example", "compliance@bank.example"]
    );

    let subject = mail.header("Subject").expect("Subject");
    assert!(subject.is_ascii(), "RFC 2047-encoded: {subject}");
    assert_eq!(decode_rfc2047(&subject), m.subject);
    assert!(decode_rfc2047(&mail.header("From").unwrap()).contains("合规提醒"));
    let to = decode_rfc2047(&mail.header("To").unwrap());
    assert!(
        to.contains("张三") && to.contains("compliance@bank.example"),
        "{to}"
    );

    let content_type = mail.header("Content-Type").unwrap().to_ascii_lowercase();
    assert_eq!(content_type.replace('"', ""), "text/plain; charset=utf-8");
    assert_eq!(
        mail.header("Content-Transfer-Encoding").as_deref(),
        Some("base64")
    );
    // Mail has CRLF line ends.
    let body = String::from_utf8(base64_decode(&mail.raw_body()).unwrap())
        .unwrap()
        .replace("\r\n", "\n");
    assert!(body.starts_with(&m.text), "{body}");
    assert!(body.contains("\n\nhttps://appgov.bank.example/obligations/42\n"));

    let id = mail.header("Message-ID").expect("Message-ID");
    assert!(
        id.starts_with('<') && id.ends_with("@bank.example>"),
        "{id}"
    );
    assert_eq!(
        mail.header("Date").as_deref(),
        Some("Fri, 27 Jun 2025 09:30:00 +0000")
    );
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        mail.header("X-Auto-Response-Suppress").as_deref(),
        Some("All")
    );
    assert_eq!(mail.header("Importance").as_deref(), Some("high"));

    // Two messages get two ids.
    deliver(&smtp_channel(&sink, ""), &m, now()).unwrap();
    let mails = sink.wait_for(2, WAIT);
    assert_ne!(mails[0].header("Message-ID"), mails[1].header("Message-ID"));
}

#[test]
fn mail_authenticates_with_a_password_from_a_file_or_the_environment() {
    let sink = SmtpSink::with_auth("appgov", "s3cret pass");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smtp-password");
    std::fs::write(&file, "s3cret pass\n").unwrap();
    let from_file = smtp_channel(
        &sink,
        &format!(
            "username = \"appgov\"\npassword = {{ file = {:?} }}",
            file.display().to_string()
        ),
    );
    deliver(&from_file, &message(), now()).expect("delivered");
    let mail = &sink.wait_for(1, WAIT)[0];
    let (mechanism, user, password) = mail.auth.clone().expect("authenticated");
    assert!(matches!(mechanism.as_str(), "PLAIN" | "LOGIN"));
    assert_eq!(
        (user.as_str(), password.as_str()),
        ("appgov", "s3cret pass")
    );

    let from_env = smtp_channel(
        &sink,
        "username = \"appgov\"\npassword = { env = \"APPGOV_TEST_SMTP_PASSWORD\" }",
    );
    let env = |name: &str| (name == "APPGOV_TEST_SMTP_PASSWORD").then(|| "s3cret pass".to_string());
    deliver_with_env(&from_env, &message(), now(), &env).expect("delivered");
    assert_eq!(sink.wait_for(2, WAIT).len(), 2);

    // A variable that is not set is a configuration error, named.
    let err = deliver_with_env(&from_env, &message(), now(), &no_env).unwrap_err();
    assert!(!err.retryable);
    assert!(
        err.to_string().contains("APPGOV_TEST_SMTP_PASSWORD"),
        "{err}"
    );

    // A wrong password: the server's 535 is permanent, and the password
    // sent is not in the message.
    let wrong = smtp_channel(
        &sink,
        "username = \"appgov\"\npassword = \"wrong-password\"",
    );
    let err = deliver(&wrong, &message(), now()).unwrap_err();
    assert!(!err.retryable, "{err}");
    assert!(
        matches!(err.cause, Cause::Smtp { code: 535, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("wrong-password"));
}

#[test]
fn smtp_4xx_is_retryable_and_5xx_permanent() {
    let sink = SmtpSink::start();
    sink.fail_at(SmtpStage::Rcpt, 450, "4.2.1 mailbox busy, try later");
    let err = deliver(&smtp_channel(&sink, ""), &message(), now()).unwrap_err();
    assert!(err.retryable, "{err}");
    match &err.cause {
        Cause::Smtp { code, message } => {
            assert_eq!(*code, 450);
            assert!(message.contains("mailbox busy"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    sink.fail_at(SmtpStage::Data, 550, "5.7.1 message refused by policy");
    let err = deliver(&smtp_channel(&sink, ""), &message(), now()).unwrap_err();
    assert!(!err.retryable, "{err}");
    assert!(
        matches!(err.cause, Cause::Smtp { code: 550, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("refused by policy"), "{err}");
    assert!(sink.messages().is_empty());

    sink.succeed();
    deliver(&smtp_channel(&sink, ""), &message(), now()).expect("delivered");
}

/// A port that nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn refused_connections_are_retryable() {
    let port = closed_port();
    let smtp = channel(&format!(
        r#"kind = "smtp"
        host = "127.0.0.1"
        port = {port}
        security = "none"
        from = "appgov@bank.example"
        to = ["a@bank.example"]
        timeout_secs = 5"#
    ));
    let err = deliver(&smtp, &message(), now()).unwrap_err();
    assert!(err.retryable, "{err}");
    assert!(matches!(err.cause, Cause::Connect(_)), "{err:?}");

    let key = "0a1b2c3d-secret-webhook-key";
    let wecom = channel(&format!(
        "kind = \"wecom\"\nurl = \"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={key}\""
    ));
    let err = deliver(&wecom, &message(), now()).unwrap_err();
    assert!(err.retryable, "{err}");
    assert!(matches!(err.cause, Cause::Connect(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(key), "{err:?}");
}

// ------------------------------------------------------------- robots ----

const WECOM_KEY: &str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";

fn wecom(sink: &HttpSink) -> Channel {
    channel(&format!(
        "kind = \"wecom\"\nurl = \"{}\"\ntimeout_secs = 5",
        sink.url(&format!("/cgi-bin/webhook/send?key={WECOM_KEY}"))
    ))
}

fn json_body(req: &appgov_testkit::sinks::RecordedRequest) -> Value {
    serde_json::from_slice(&req.body).expect("JSON body")
}

#[test]
fn wecom_markdown_message() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    let mut m = message();
    m.text = "应用：[x](http://evil.example) <@all> **粗体** `代码`\n# 不是标题".into();
    let delivery = deliver(&wecom(&sink), &m, now()).expect("delivered");
    assert_eq!(delivery.response, "ok");
    assert!(!delivery.truncated);

    let req = &sink.wait_for(1, WAIT)[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path(), "/cgi-bin/webhook/send");
    assert_eq!(req.query_param("key"), Some(WECOM_KEY));
    assert!(
        req.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = json_body(req);
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    let lines: Vec<&str> = content.lines().collect();
    assert_eq!(
        lines[0],
        format!("<font color=\"warning\">**{}**</font>", m.subject)
    );
    // The user's text is shown, not rendered: no link, mention, emphasis,
    // code or heading can come from it.
    assert_eq!(
        lines[1],
        "应用：［x］(http://evil.example) ＜@all＞ ＊＊粗体＊＊ ｀代码｀"
    );
    assert_eq!(lines[2], "＃ 不是标题");
    assert!(!content.contains("[x]"));
    assert_eq!(
        lines[3],
        "[查看详情](https://appgov.bank.example/obligations/42)"
    );
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
}

#[test]
fn wecom_errors_carry_the_platform_code_and_never_the_key() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    // Rate limit: retry later.
    sink.push(SinkResponse::json(
        200,
        r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#,
    ));
    let err = deliver(&wecom(&sink), &message(), now()).unwrap_err();
    assert!(err.retryable);
    assert_eq!(
        err.cause,
        Cause::Platform {
            code: 45009,
            message: "api freq out of limit".into()
        }
    );
    assert!(err.to_string().contains("45009"), "{err}");

    // A platform message that echoes the key is scrubbed.
    sink.push(SinkResponse::json(
        200,
        &format!(r#"{{"errcode":93000,"errmsg":"invalid webhook url, key {WECOM_KEY}"}}"#),
    ));
    let err = deliver(&wecom(&sink), &message(), now()).unwrap_err();
    assert!(!err.retryable);
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("93000") && !shown.contains(WECOM_KEY),
        "{shown}"
    );

    for (status, retryable) in [
        (500, true),
        (502, true),
        (429, true),
        (404, false),
        (403, false),
    ] {
        sink.push(SinkResponse::text(status, "nope"));
        let err = deliver(&wecom(&sink), &message(), now()).unwrap_err();
        assert_eq!(err.retryable, retryable, "HTTP {status}: {err}");
        assert!(
            matches!(err.cause, Cause::Http { status: s, .. } if s == status),
            "{err:?}"
        );
    }

    // HTTP 200 without the platform's JSON (a proxy's page): permanent.
    sink.push(SinkResponse::text(200, "<html>login</html>"));
    let err = deliver(&wecom(&sink), &message(), now()).unwrap_err();
    assert!(!err.retryable);
    assert!(matches!(err.cause, Cause::Unexpected(_)), "{err:?}");
}

#[test]
fn wecom_long_text_is_cut_on_a_character_boundary_within_4096_bytes() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    let mut m = message();
    // 3-byte characters and a 1-byte offset, so a byte cut would split one.
    m.text = format!("a{}", "合规".repeat(2000));
    let delivery = deliver(&wecom(&sink), &m, now()).unwrap();
    assert!(delivery.truncated);
    let body = json_body(&sink.wait_for(1, WAIT)[0]);
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(content.len() <= 4096, "{}", content.len());
    assert!(content.len() > 4000, "{}", content.len());
    assert!(
        content.contains("…\n[查看详情]("),
        "ellipsis, then the link"
    );
    assert!(content.ends_with("/obligations/42)"));
}

const DINGTALK_TOKEN: &str = "566cc69da782ec33e42541b09b08551f09fbe864eb8008112e994b43887";
const DINGTALK_SECRET: &str = "SEC19dd84be8c7f3cf71761974f1ed3ef77c1451906ae8ba18acf56103ee";

fn dingtalk(sink: &HttpSink, extra: &str) -> Channel {
    channel(&format!(
        "kind = \"dingtalk\"\nurl = \"{}\"\ntimeout_secs = 5\n{extra}",
        sink.url(&format!("/robot/send?access_token={DINGTALK_TOKEN}"))
    ))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn dingtalk_signed_markdown_message() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    let ch = dingtalk(
        &sink,
        &format!("secret = \"{DINGTALK_SECRET}\"\nkeyword = \"合规提醒\""),
    );
    let mut m = message();
    m.subject = "手机银行 评估到期 ![img](http://evil.example/x.png)".into();
    deliver(&ch, &m, now()).expect("delivered");

    let req = &sink.wait_for(1, WAIT)[0];
    assert_eq!(req.path(), "/robot/send");
    assert_eq!(req.query_param("access_token"), Some(DINGTALK_TOKEN));
    let ts = req.query_param("timestamp").expect("timestamp");
    assert_eq!(ts, "1751016600123", "milliseconds of the given clock");
    // sign = urlencode(base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)))
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(DINGTALK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}\n{DINGTALK_SECRET}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let sent = req.query_param("sign").expect("sign");
    assert!(!sent.contains(['+', '/', '=']), "URL-encoded: {sent}");
    assert_eq!(percent_decode(sent), expected);

    let body = json_body(req);
    assert_eq!(body["msgtype"], "markdown");
    let title = body["markdown"]["title"].as_str().unwrap();
    let text = body["markdown"]["text"].as_str().unwrap();
    assert!(title.starts_with("手机银行 评估到期 !［img］"), "{title}");
    assert!(
        text.starts_with("#### 手机银行 评估到期 !［img］(http://evil.example/x.png)"),
        "{text}"
    );
    assert!(!text.contains("![img]"));
    // Lines become paragraphs; the keyword the robot demands is added.
    assert!(
        text.contains("应用：手机银行（com.bank.mobile）\n\n事项："),
        "{text}"
    );
    assert!(
        text.contains("\n\n合规提醒\n\n[查看详情](https://appgov.bank.example/obligations/42)"),
        "{text}"
    );
    assert!(body.get("at").is_none(), "nobody is @-mentioned");
}

#[test]
fn dingtalk_errors() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    let ch = dingtalk(&sink, &format!("secret = \"{DINGTALK_SECRET}\""));
    sink.push(SinkResponse::json(
        200,
        r#"{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#,
    ));
    let err = deliver(&ch, &message(), now()).unwrap_err();
    assert!(!err.retryable);
    assert_eq!(err.channel, ChannelKind::DingTalk);
    let shown = format!("{err} | {err:?}");
    assert!(
        shown.contains("310000") && shown.contains("sign not match"),
        "{shown}"
    );
    assert!(
        !shown.contains(DINGTALK_SECRET) && !shown.contains(DINGTALK_TOKEN),
        "{shown}"
    );

    sink.push(SinkResponse::json(
        200,
        r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#,
    ));
    let err = deliver(&ch, &message(), now()).unwrap_err();
    assert!(err.retryable, "{err}");
    assert!(err.to_string().contains("send too fast"), "{err}");
}

const FEISHU_HOOK: &str = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const FEISHU_SECRET: &str = "qwertyuiopasdfghjkl";

fn feishu(sink: &HttpSink, extra: &str) -> Channel {
    channel(&format!(
        "kind = \"feishu\"\nurl = \"{}\"\ntimeout_secs = 5\n{extra}",
        sink.url(&format!("/open-apis/bot/v2/hook/{FEISHU_HOOK}"))
    ))
}

const FEISHU_OK: &str =
    r#"{"code":0,"msg":"success","data":{},"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#;

#[test]
fn feishu_signed_post_message() {
    let sink = HttpSink::start(SinkResponse::json(200, FEISHU_OK));
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("feishu-secret");
    std::fs::write(&secret_file, format!("{FEISHU_SECRET}\n")).unwrap();
    let ch = feishu(
        &sink,
        &format!(
            "secret = {{ file = {:?} }}",
            secret_file.display().to_string()
        ),
    );
    let mut m = message();
    m.text = "应用：[x](http://evil.example) <at user_id=\"all\">所有人</at>\n第二行".into();
    let delivery = deliver(&ch, &m, now()).expect("delivered");
    assert_eq!(delivery.response, "success");

    let req = &sink.wait_for(1, WAIT)[0];
    assert_eq!(req.path(), format!("/open-apis/bot/v2/hook/{FEISHU_HOOK}"));
    let body = json_body(req);
    // timestamp in seconds, as a string; sign = base64(HMAC-SHA256(key =
    // timestamp + "\n" + secret, message = empty)).
    assert_eq!(body["timestamp"], "1751016600");
    let key = format!("1751016600\n{FEISHU_SECRET}");
    let mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(body["sign"], expected);

    assert_eq!(body["msg_type"], "post");
    let post = &body["content"]["post"]["zh_cn"];
    assert_eq!(post["title"], m.subject.as_str());
    let content = post["content"].as_array().unwrap();
    assert_eq!(content.len(), 3);
    // Text nodes carry the text as it is: Feishu shows them, never parses.
    assert_eq!(
        content[0],
        serde_json::json!([{"tag": "text", "text": "应用：[x](http://evil.example) <at user_id=\"all\">所有人</at>"}])
    );
    assert_eq!(
        content[1],
        serde_json::json!([{"tag": "text", "text": "第二行"}])
    );
    assert_eq!(
        content[2],
        serde_json::json!([{"tag": "a", "text": "查看详情", "href": "https://appgov.bank.example/obligations/42"}])
    );
}

#[test]
fn feishu_errors_and_older_answers() {
    let sink = HttpSink::start(SinkResponse::json(200, FEISHU_OK));
    let ch = feishu(&sink, &format!("secret = \"{FEISHU_SECRET}\""));
    sink.push(SinkResponse::json(
        200,
        r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time","data":{}}"#,
    ));
    let err = deliver(&ch, &message(), now()).unwrap_err();
    assert!(!err.retryable);
    let shown = format!("{err} | {err:?}");
    assert!(
        shown.contains("19021") && shown.contains("sign match fail"),
        "{shown}"
    );
    assert!(
        !shown.contains(FEISHU_SECRET) && !shown.contains(FEISHU_HOOK),
        "{shown}"
    );

    sink.push(SinkResponse::json(
        200,
        r#"{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]","data":{}}"#,
    ));
    assert!(deliver(&ch, &message(), now()).unwrap_err().retryable);

    // Request errors come with HTTP 400 and the platform's code.
    sink.push(SinkResponse::json(
        400,
        r#"{"code":9499,"msg":"Bad Request","data":{}}"#,
    ));
    let err = deliver(&ch, &message(), now()).unwrap_err();
    assert!(!err.retryable);
    assert!(
        matches!(err.cause, Cause::Platform { code: 9499, .. }),
        "{err:?}"
    );

    // The older answer with only StatusCode.
    sink.push(SinkResponse::json(
        200,
        r#"{"StatusCode":0,"StatusMessage":"success"}"#,
    ));
    deliver(&ch, &message(), now()).expect("older success answer");
}

#[test]
fn feishu_body_stays_within_20_kb() {
    let sink = HttpSink::start(SinkResponse::json(200, FEISHU_OK));
    let mut m = message();
    m.lang = Lang::En;
    m.text = "\"引号\"与换行\n".repeat(3000);
    // The robot's keyword is added to the text, and moved to the title
    // when the cut took it.
    let delivery = deliver(&feishu(&sink, "keyword = \"APPGOV-KW\""), &m, now()).unwrap();
    assert!(delivery.truncated);
    let req = &sink.wait_for(1, WAIT)[0];
    assert!(req.body.len() <= 20 * 1024, "{}", req.body.len());
    assert!(req.body.len() > 15 * 1024, "{}", req.body.len());
    let body = json_body(req);
    let post = &body["content"]["post"]["en_us"];
    let content = post["content"].as_array().unwrap();
    assert_eq!(content.last().unwrap()[0]["text"], "Open in appgov");
    assert_eq!(post["title"], format!("{} APPGOV-KW", m.subject));
    assert!(body.get("sign").is_none());
}

#[test]
fn a_platform_that_never_answers_times_out_as_retryable() {
    let sink = HttpSink::start(SinkResponse::hang());
    let ch = channel(&format!(
        "kind = \"wecom\"\nurl = \"{}\"\ntimeout_secs = 1",
        sink.url(&format!("/cgi-bin/webhook/send?key={WECOM_KEY}"))
    ));
    let started = Instant::now();
    let err: DeliveryError = deliver(&ch, &message(), now()).unwrap_err();
    let took = started.elapsed();
    assert!(err.retryable, "{err}");
    assert_eq!(err.cause, Cause::Timeout(1));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(!format!("{err:?}").contains(WECOM_KEY));
}

#[test]
fn a_link_that_is_not_an_http_url_is_refused() {
    let sink = HttpSink::start(SinkResponse::json(200, r#"{"errcode":0,"errmsg":"ok"}"#));
    let mut m = message();
    m.link = Some("javascript:alert(1)".into());
    let err = deliver(&wecom(&sink), &m, now()).unwrap_err();
    assert!(!err.retryable);
    assert!(matches!(err.cause, Cause::Config(_)));
    assert!(sink.requests().is_empty());
}

// ------------------------------------------------------- configuration ----

#[test]
fn configuration_is_strict_and_secrets_do_not_show() {
    let bad: Result<Channel, _> = toml::from_str(
        "kind = \"smtp\"\nhost = \"h\"\nfrom = \"a@b.example\"\nto = [\"c@b.example\"]\npasword = \"x\"",
    );
    assert!(bad.unwrap_err().to_string().contains("pasword"));

    let ch = channel(
        "kind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=tok-123456\"\nsecret = \"SECabcdef\"",
    );
    let shown = format!("{ch:?}");
    assert!(
        !shown.contains("tok-123456") && !shown.contains("SECabcdef"),
        "{shown}"
    );

    let ch = channel("kind = \"feishu\"\nurl = { env = \"FEISHU_URL\" }");
    assert!(ch.validate().is_ok());
    let err = deliver_with_env(&ch, &message(), now(), &no_env).unwrap_err();
    assert!(!err.retryable);
    assert!(err.to_string().contains("FEISHU_URL"), "{err}");

    let no_recipient = channel("kind = \"smtp\"\nhost = \"h\"\nfrom = \"a@b.example\"\nto = []");
    assert!(no_recipient.validate().is_err());
    let bad_address =
        channel("kind = \"smtp\"\nhost = \"h\"\nfrom = \"not an address\"\nto = [\"c@b.example\"]");
    assert!(bad_address.validate().unwrap_err().contains("from"));
    let zero = channel("kind = \"wecom\"\nurl = \"https://x.example/\"\ntimeout_secs = 0");
    assert!(zero.validate().is_err());
}
