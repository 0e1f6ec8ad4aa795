//! Request body limits, and refusals the client can read.
//!
//! Every route takes at most [`FORM_LIMIT`] (forms, JSON) except the
//! package uploads (`upload_limit_mib`) and the evidence uploads on moves
//! (`evidence_limit_mib`): see `routes::body_limit`. A body declared
//! larger is refused with 413 before anything reads it.
//!
//! A refusal answered while the client is still sending its body would
//! otherwise end in a reset: the server closes a socket with unread data,
//! the kernel answers with RST, and the client — still writing — never
//! reads the 403 or 413. So a refused request's body is read and thrown
//! away first, within bounds ([`REFUSAL_DRAIN_LIMIT`], [`REFUSAL_DRAIN_TIME`]),
//! and the answer closes the connection. A body declared larger than the
//! bound is not read (the client may see the reset; clients that send
//! `Expect: 100-continue`, as curl does for large bodies, see the answer).
//! hyper has no lingering close of its own, hence this.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures_util::StreamExt;

/// The largest form or JSON body.
pub const FORM_LIMIT: usize = 1 << 20;
/// At most this much of a refused body is read to let its answer through.
pub const REFUSAL_DRAIN_LIMIT: u64 = 16 << 20;
/// … for at most this long.
pub const REFUSAL_DRAIN_TIME: Duration = Duration::from_secs(10);

/// The declared `Content-Length`, if any.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads and discards a body: at most `limit` bytes, for at most `time`.
pub async fn drain<S, E>(mut body: S, limit: u64, time: Duration)
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
{
    let mut read = 0u64;
    let _ = tokio::time::timeout(time, async {
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len() as u64;
            if read > limit {
                break;
            }
        }
    })
    .await;
}

/// A refusal of a request whose body may be unread: drains it (within the
/// refusal bounds, unless it is declared larger) and closes the connection
/// after the answer.
pub async fn refuse_with_body(body: Body, declared: Option<u64>, mut answer: Response) -> Response {
    if declared.is_none_or(|n| n <= REFUSAL_DRAIN_LIMIT) {
        drain(
            body.into_data_stream(),
            REFUSAL_DRAIN_LIMIT,
            REFUSAL_DRAIN_TIME,
        )
        .await;
    }
    answer
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    answer
}
