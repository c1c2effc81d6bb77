//! Frame transports: TCP with length-delimited frames, and WebSocket binary messages.
//!
//! The session layer deals in whole frames; a [`FrameIo`] carries them. TCP uses a 4-byte
//! big-endian length prefix (tokio-util `LengthDelimitedCodec`) with the frame limit enforced
//! before allocation; WebSocket sends one binary message per frame (text messages are a protocol
//! error). The session does not know which one it runs on.

use std::future::Future;

use futures::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use super::record::RECORD_OVERHEAD;

/// Transport errors.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Socket error.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// WebSocket protocol error.
    #[error("websocket: {0}")]
    WebSocket(String),
    /// A WebSocket text message arrived (frames are binary).
    #[error("unexpected websocket text message of {len} bytes")]
    TextMessage {
        /// Its length.
        len: usize,
    },
    /// The endpoint string is not usable.
    #[error("bad endpoint {endpoint:?}: {reason}")]
    BadEndpoint {
        /// The endpoint.
        endpoint: String,
        /// Why.
        reason: String,
    },
}

/// Moves whole frames. `recv` must be cancel-safe (it is raced against timers and commands).
pub trait FrameIo: Send + 'static {
    /// Sends one frame.
    fn send(&mut self, frame: Vec<u8>) -> impl Future<Output = Result<(), TransportError>> + Send;
    /// The next frame; `None` at end of stream.
    fn recv(&mut self) -> impl Future<Output = Option<Result<Vec<u8>, TransportError>>> + Send;
    /// Closes the write side (best effort).
    fn shutdown(&mut self) -> impl Future<Output = ()> + Send;
}

/// Length-delimited frames over any byte stream (TCP, or `tokio::io::duplex` in tests).
pub struct StreamFrames<S> {
    framed: Framed<S, LengthDelimitedCodec>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> StreamFrames<S> {
    /// Frames over `stream`, refusing frames longer than `max_frame` (plus record overhead slack).
    pub fn new(stream: S, max_frame: usize) -> Self {
        let codec = LengthDelimitedCodec::builder()
            .length_field_length(4)
            .max_frame_length(max_frame.saturating_add(RECORD_OVERHEAD))
            .new_codec();
        Self {
            framed: Framed::new(stream, codec),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> FrameIo for StreamFrames<S> {
    async fn send(&mut self, frame: Vec<u8>) -> Result<(), TransportError> {
        self.framed.send(bytes::Bytes::from(frame)).await?;
        Ok(())
    }

    async fn recv(&mut self) -> Option<Result<Vec<u8>, TransportError>> {
        match self.framed.next().await? {
            Ok(b) => Some(Ok(b.to_vec())),
            Err(e) => Some(Err(e.into())),
        }
    }

    async fn shutdown(&mut self) {
        let _ = futures::SinkExt::<bytes::Bytes>::close(&mut self.framed).await;
    }
}

/// One WebSocket binary message per frame.
pub struct WsFrames<S> {
    ws: WebSocketStream<S>,
}

impl<S> WsFrames<S> {
    /// Wraps an accepted or connected WebSocket.
    pub fn new(ws: WebSocketStream<S>) -> Self {
        Self { ws }
    }
}

/// The WebSocket limits used on both ends: messages up to `max_frame` plus record overhead.
pub fn ws_config(max_frame: usize) -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    let max = max_frame.saturating_add(RECORD_OVERHEAD);
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> FrameIo for WsFrames<S> {
    async fn send(&mut self, frame: Vec<u8>) -> Result<(), TransportError> {
        self.ws
            .send(Message::Binary(frame.into()))
            .await
            .map_err(|e| TransportError::WebSocket(e.to_string()))
    }

    async fn recv(&mut self) -> Option<Result<Vec<u8>, TransportError>> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Binary(b)) => return Some(Ok(b.to_vec())),
                Ok(Message::Text(t)) => {
                    return Some(Err(TransportError::TextMessage { len: t.len() }));
                }
                Ok(Message::Close(_)) => return None,
                // Ping/Pong are answered by tungstenite itself; raw frames are not surfaced.
                Ok(_) => continue,
                Err(e) => return Some(Err(TransportError::WebSocket(e.to_string()))),
            }
        }
    }

    async fn shutdown(&mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// How to reach an endpoint from a card: `ws://host:port[/path]` or `host:port` (TCP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Plain TCP `host:port`.
    Tcp(String),
    /// WebSocket URL.
    WebSocket(String),
}

impl Endpoint {
    /// Parses a card's `p2p_endpoint`.
    pub fn parse(text: &str) -> Result<Self, TransportError> {
        let t = text.trim();
        let bad = |reason: &str| TransportError::BadEndpoint {
            endpoint: text.to_string(),
            reason: reason.to_string(),
        };
        if t.is_empty() {
            return Err(bad("empty"));
        }
        if t.starts_with("ws://") {
            return Ok(Self::WebSocket(t.to_string()));
        }
        if t.contains("://") {
            return Err(bad("only ws:// and host:port are supported"));
        }
        if !t.contains(':') {
            return Err(bad("missing :port"));
        }
        Ok(Self::Tcp(t.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        assert_eq!(
            Endpoint::parse("127.0.0.1:4000").ok(),
            Some(Endpoint::Tcp("127.0.0.1:4000".into()))
        );
        assert!(matches!(
            Endpoint::parse("ws://h:1/p2p"),
            Ok(Endpoint::WebSocket(_))
        ));
        assert!(Endpoint::parse("").is_err());
        assert!(Endpoint::parse("https://x").is_err());
        assert!(Endpoint::parse("nohost").is_err());
    }

    #[tokio::test]
    async fn stream_frames_move_frames_and_refuse_oversized() {
        let (a, b) = tokio::io::duplex(1 << 16);
        // The sender allows more than the receiver, so the receiver's limit is what is tested.
        let (mut a, mut b) = (StreamFrames::new(a, 1 << 20), StreamFrames::new(b, 2048));
        a.send(vec![1, 2, 3]).await.unwrap();
        assert_eq!(b.recv().await.unwrap().unwrap(), vec![1, 2, 3]);
        a.send(vec![0; 4096]).await.unwrap();
        assert!(matches!(b.recv().await, Some(Err(TransportError::Io(_)))));
    }
}
