//! SMTP connections kept open between emails. lettre's own pool sends `NOOP` before every
//! reuse of a connection — one more command per email for the mail server, which is what
//! limits a bulk send. Here a connection that was in use less than a second ago is reused as
//! it is (the send loop keeps them busy); an older one is checked with `NOOP` first, as
//! lettre does. Connecting (implicit TLS, STARTTLS, AUTH) is lettre's, unchanged.

use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Mail, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use lettre::transport::smtp::{Error, SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT};
use lettre::{Address, Executor, Message, Tokio1Executor};
use tokio::sync::Mutex;

/// Reused without a `NOOP` when idle for less than this.
const FRESH: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(30);

/// Which step of [`SmtpPool::check`] the server refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The greeting, EHLO, STARTTLS or the TLS handshake.
    Hello,
    /// AUTH with the URL's user and password.
    Auth,
    /// `MAIL FROM` with `mail.from`.
    Sender,
}

/// Why the first connection failed.
#[derive(Debug)]
pub enum CheckError {
    /// Nothing answers at the host and port.
    Unreachable(String),
    Smtp(Stage, Error),
}

pub struct SmtpPool {
    host: String,
    port: u16,
    tls: Tls,
    hello: ClientId,
    credentials: Option<Credentials>,
    max_idle: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    /// From a URL in lettre's form (see `transport::lettre_url`): `smtp://` with
    /// `tls=required|opportunistic` or none, `smtps://`, user and password, `/hello-name`.
    pub fn from_url(url: &str, max_idle: usize) -> Result<SmtpPool, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = url.host_str().ok_or("no host")?.to_owned();
        let tls_mode = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtp", None) => (Tls::None, SMTP_PORT),
            ("smtp", Some("required")) => (Tls::Required(params()?), SUBMISSION_PORT),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), SUBMISSION_PORT),
            ("smtps", _) => (Tls::Wrapper(params()?), SUBMISSIONS_PORT),
            (scheme, tls) => return Err(format!("scheme {scheme:?} with tls={tls:?}")),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| e.to_string())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(SmtpPool {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            hello,
            credentials,
            max_idle: max_idle.max(1),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Error> {
        let mut conn =
            Tokio1Executor::connect(&self.host, self.port, Some(TIMEOUT), &self.hello, &self.tls)
                .await?;
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }

    /// Opens one connection the way every email's will be opened (TCP, TLS, EHLO, AUTH),
    /// then starts a mail transaction from `from` and abandons it (`RSET`), so that a server
    /// that refuses the sender or wants authentication says so before any email is claimed.
    /// The connection is parked for the first email.
    pub async fn check(&self, from: &Address) -> Result<(), CheckError> {
        let tcp = tokio::time::timeout(
            TIMEOUT,
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await;
        match tcp {
            Ok(Ok(stream)) => drop(stream),
            Ok(Err(e)) => return Err(CheckError::Unreachable(e.to_string())),
            Err(_) => return Err(CheckError::Unreachable("no answer within 30 s".into())),
        }
        let mut conn =
            Tokio1Executor::connect(&self.host, self.port, Some(TIMEOUT), &self.hello, &self.tls)
                .await
                .map_err(|e| CheckError::Smtp(Stage::Hello, e))?;
        if let Some(credentials) = &self.credentials {
            if let Err(e) = conn.auth(DEFAULT_MECHANISMS, credentials).await {
                conn.abort().await;
                return Err(CheckError::Smtp(Stage::Auth, e));
            }
        }
        // As lettre does for an envelope with a non-ASCII address.
        let utf8 = !AsRef::<str>::as_ref(from).is_ascii()
            && conn.server_info().supports_feature(Extension::SmtpUtfEight);
        let params = if utf8 {
            vec![MailParameter::SmtpUtfEight]
        } else {
            vec![]
        };
        if let Err(e) = conn.command(Mail::new(Some(from.clone()), params)).await {
            conn.abort().await;
            return Err(CheckError::Smtp(Stage::Sender, e));
        }
        match conn.command(Rset).await {
            Ok(_) => self.idle.lock().await.push((conn, Instant::now())),
            Err(_) => conn.abort().await,
        }
        Ok(())
    }

    /// The port connections go to (written in the URL or lettre's default for the scheme).
    pub fn port(&self) -> u16 {
        self.port
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, Error> {
        loop {
            let parked = self.idle.lock().await.pop();
            let Some((mut conn, since)) = parked else {
                return self.connect().await;
            };
            if since.elapsed() < FRESH || conn.test_connected().await {
                return Ok(conn);
            }
            conn.abort().await;
        }
    }

    /// Delivers one message; a connection that failed in any way is closed, never reused.
    pub async fn send(&self, message: &Message) -> Result<(), Error> {
        let mut conn = self.checkout().await?;
        match conn.send(message.envelope(), &message.formatted()).await {
            Ok(_) => {
                let mut idle = self.idle.lock().await;
                if idle.len() < self.max_idle {
                    idle.push((conn, Instant::now()));
                    return Ok(());
                }
                drop(idle);
                let _ = conn.quit().await;
                Ok(())
            }
            Err(e) => {
                conn.abort().await;
                Err(e)
            }
        }
    }

    /// Says QUIT on every parked connection.
    pub async fn close(&self) {
        for (mut conn, _) in self.idle.lock().await.drain(..) {
            let _ = conn.quit().await;
        }
    }
}
