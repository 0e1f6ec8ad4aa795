//! E-mail through the institution's SMTP server with lettre's blocking
//! client: one connection per message (reminders are few; no pool to
//! keep alive), the configured security with no silent downgrade, AUTH
//! PLAIN or LOGIN when a user is configured.
//!
//! The message is `text/plain; charset=utf-8` in base64 (Chinese text
//! survives every relay), its subject RFC 2047-encoded by lettre, with a
//! `Message-ID` in the sender's domain, the `Date` of the caller's clock,
//! and `Auto-Submitted: auto-generated` (RFC 3834) plus Exchange's
//! `X-Auto-Response-Suppress: All`, so out-of-office replies do not come
//! back to a mailbox nobody reads.

use std::error::Error as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{SmtpTransport, Transport};

use crate::config::{Security, SmtpConfig};
use crate::error::Scrubber;
use crate::{Cause, ChannelKind, Delivery, DeliveryError, Message, Tone};

const KIND: ChannelKind = ChannelKind::Smtp;

/// Checks the sender and the recipients parse as mailboxes.
pub(crate) fn check_addresses(c: &SmtpConfig) -> Result<(), String> {
    c.from
        .parse::<Mailbox>()
        .map_err(|e| format!("from {:?} is not an address: {e}", c.from))?;
    for to in &c.to {
        to.parse::<Mailbox>()
            .map_err(|e| format!("to {to:?} is not an address: {e}"))?;
    }
    Ok(())
}

/// A header lettre does not know, with a fixed value.
macro_rules! fixed_header {
    ($ty:ident, $name:literal) => {
        #[derive(Clone)]
        struct $ty(&'static str);
        impl Header for $ty {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Err("not parsed".into())
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.to_string())
            }
        }
    };
}

fixed_header!(AutoSubmitted, "Auto-Submitted");
fixed_header!(AutoResponseSuppress, "X-Auto-Response-Suppress");
fixed_header!(Importance, "Importance");

/// `<random.millis@domain-of-sender>`: unique, and in a domain the
/// institution controls, as RFC 5322 §3.6.4 recommends.
fn message_id(from: &Mailbox, now: SystemTime) -> String {
    let mut random = [0u8; 12];
    // Without OS randomness the time alone still makes ids distinct enough
    // for reminders; it is not a security property.
    let _ = getrandom::fill(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let ms = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("<{hex}.{ms}@{}>", from.email.domain())
}

fn build(c: &SmtpConfig, message: &Message, now: SystemTime) -> Result<lettre::Message, String> {
    let from: Mailbox = c
        .from
        .parse()
        .map_err(|e| format!("from is not an address: {e}"))?;
    let mut builder = lettre::Message::builder()
        .message_id(Some(message_id(&from, now)))
        .from(from)
        .subject(message.subject.as_str())
        .date(now)
        .header(AutoSubmitted("auto-generated"))
        .header(AutoResponseSuppress("All"));
    for to in &c.to {
        builder = builder.to(to
            .parse()
            .map_err(|e| format!("to {to:?} is not an address: {e}"))?);
    }
    if message.tone == Tone::Urgent {
        builder = builder.header(Importance("high"));
    }
    let mut text = message.text.replace("\r\n", "\n");
    if let Some(link) = &message.link {
        // On a line of its own, so every mail client makes it clickable.
        text.push_str("\n\n");
        text.push_str(link);
        text.push('\n');
    }
    builder
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::Base64)
                .body(text),
        )
        .map_err(|e| format!("cannot build the message: {e}"))
}

fn transport(c: &SmtpConfig, password: Option<String>) -> Result<SmtpTransport, String> {
    let tls_params = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(c.host.clone());
        if let Some(path) = &c.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|e| format!("TLS set-up: {e}"))
    };
    let (tls, default_port) = match c.security {
        Security::None => (Tls::None, 25),
        Security::StartTls => (Tls::Required(tls_params()?), 587),
        Security::Tls => (Tls::Wrapper(tls_params()?), 465),
    };
    let mut b = SmtpTransport::builder_dangerous(c.host.as_str())
        .port(c.port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(c.timeout_secs)));
    if let Some(name) = &c.helo_name {
        b = b.hello_name(ClientId::Domain(name.clone()));
    }
    if let Some(user) = &c.username {
        b = b
            .credentials(Credentials::new(user.clone(), password.unwrap_or_default()))
            .authentication(vec![Mechanism::Plain, Mechanism::Login]);
    }
    Ok(b.build())
}

pub(crate) fn send(
    c: &SmtpConfig,
    message: &Message,
    now: SystemTime,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery, DeliveryError> {
    let mut scrub = Scrubber::default();
    let password = match &c.password {
        Some(p) => {
            let p = p.resolve_with(env).map_err(|e| {
                DeliveryError::permanent(KIND, Cause::Config(format!("password: {e}")))
            })?;
            scrub.add(&p);
            Some(p)
        }
        None => None,
    };
    let email =
        build(c, message, now).map_err(|e| DeliveryError::permanent(KIND, Cause::Config(e)))?;
    let transport = transport(c, password)
        .map_err(|e| scrub.error(DeliveryError::permanent(KIND, Cause::Config(e))))?;
    match transport.send(&email) {
        Ok(response) => {
            let text = response.message().collect::<Vec<_>>().join(" ");
            Ok(Delivery {
                channel: KIND,
                response: scrub.scrub(&format!("{} {text}", response.code())),
                truncated: false,
            })
        }
        Err(e) => Err(scrub.error(classify(&e, c))),
    }
}

/// Sorts lettre's errors into retryable and permanent.
fn classify(e: &lettre::transport::smtp::Error, c: &SmtpConfig) -> DeliveryError {
    let detail = || {
        e.source()
            .map(|s| s.to_string())
            .unwrap_or_else(|| e.to_string())
    };
    if let Some(code) = e.status() {
        let cause = Cause::Smtp {
            code: u16::from(code),
            message: detail(),
        };
        // RFC 5321 §4.2.1: 4yz is transient, 5yz permanent.
        return if e.is_transient() {
            DeliveryError::retryable(KIND, cause)
        } else {
            DeliveryError::permanent(KIND, cause)
        };
    }
    if e.is_timeout() {
        return DeliveryError::retryable(KIND, Cause::Timeout(c.timeout_secs));
    }
    if e.is_tls() || has_tls_cause(e) {
        return DeliveryError::permanent(KIND, Cause::Tls(detail()));
    }
    if e.is_client() {
        // Ours, not the network's: no authentication mechanism in common,
        // STARTTLS required but not offered, an address the server's
        // extensions cannot carry.
        return DeliveryError::permanent(KIND, Cause::Unexpected(e.to_string()));
    }
    if e.is_response() {
        return DeliveryError::retryable(KIND, Cause::Unexpected(e.to_string()));
    }
    if let Some(io) = io_cause(e)
        && matches!(
            io.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    {
        return DeliveryError::retryable(KIND, Cause::Timeout(c.timeout_secs));
    }
    DeliveryError::retryable(KIND, Cause::Connect(format!("{}: {}", c.host, detail())))
}

fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

/// Whether a certificate or handshake problem sits anywhere in the chain
/// (lettre reports a failed handshake as a connection error).
fn has_tls_cause(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        cur = err.source();
    }
    false
}
