//! A real SMTP server inside the test process (mailin-embedded), one per
//! test, with its own port and inbox; mails are read back with mailparse
//! (RFC 2047 subjects, multipart bodies, transfer encodings decoded).
//! A message is in the inbox before the server answers 250, so a mail the
//! app reports as sent is there: no polling.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};
use mailparse::MailHeaderMap;

pub struct SmtpSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Vec<u8>>>>,
}

#[derive(Clone)]
struct Sink {
    inbox: Arc<Mutex<Vec<Vec<u8>>>>,
    current: Vec<u8>,
}

impl Handler for Sink {
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> Response {
        self.current.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = std::mem::take(&mut self.current);
        self.inbox.lock().unwrap().push(mail);
        response::OK
    }
}

/// A mail as a person reads it.
#[derive(Debug, Clone)]
pub struct ReadMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
    /// The `List-Unsubscribe` header ("" when absent).
    pub list_unsubscribe: String,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Sink {
            inbox: inbox.clone(),
            current: Vec::new(),
        });
        server
            .with_name("sink.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_tcp_listener(listener);
        // `serve` never returns; the thread dies with the test binary. Its
        // error is not `Send`, so it is handled inside.
        std::thread::spawn(move || {
            if let Err(error) = server.serve() {
                eprintln!("SMTP sink stopped: {error}");
            }
        });
        Self { port, inbox }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.inbox.lock().unwrap().len()
    }

    pub fn mails(&self) -> Vec<ReadMail> {
        let raw = self.inbox.lock().unwrap().clone();
        raw.iter().map(|bytes| read(bytes)).collect()
    }
}

fn read(raw: &[u8]) -> ReadMail {
    let mail = mailparse::parse_mail(raw).expect("a well-formed mail");
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    let (mut text, mut html) = (String::new(), String::new());
    collect_parts(&mail, &mut text, &mut html);
    ReadMail {
        from: header("From"),
        to: header("To"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        content_type: mail.ctype.mimetype.clone(),
        text,
        html,
        list_unsubscribe: header("List-Unsubscribe"),
    }
}

fn collect_parts(part: &mailparse::ParsedMail<'_>, text: &mut String, html: &mut String) {
    match part.ctype.mimetype.as_str() {
        "text/plain" => text.push_str(&part.get_body().unwrap()),
        "text/html" => html.push_str(&part.get_body().unwrap()),
        _ => {}
    }
    for sub in &part.subparts {
        collect_parts(sub, text, html);
    }
}
