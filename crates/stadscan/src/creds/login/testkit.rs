//! What the testers' tests share: a one-connection fake device on
//! 127.0.0.1 and one login attempt against it.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use super::{Attempt, Method, Outcome};
use crate::model::Secret;
use crate::tls::TlsContext;

/// A device on 127.0.0.1 that runs `script` on its first connection;
/// returns its port.
pub(crate) async fn fake<F, Fut>(script: F) -> u16
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((s, _)) = listener.accept().await {
            script(s).await;
        }
    });
    port
}

/// One login with `method` to 127.0.0.1:`port` within `wait`.
pub(crate) async fn attempt(
    method: Method,
    port: u16,
    user: &str,
    password: &str,
    wait: Duration,
) -> Outcome {
    attempt_at(
        method,
        SocketAddr::from(([127, 0, 0, 1], port)),
        user,
        password,
        wait,
    )
    .await
}

/// One login with `method` to `addr` (a scope of that one address) within
/// `wait`.
pub(crate) async fn attempt_at(
    method: Method,
    addr: SocketAddr,
    user: &str,
    password: &str,
    wait: Duration,
) -> Outcome {
    let ip = addr.ip().to_string();
    let (net, target) = crate::probe::test_net(&format!("{ip}/32"), &ip);
    let tls = TlsContext::new(&[]).unwrap();
    let secret = Secret::new(password);
    let a = Attempt {
        net: &net,
        tls: &tls,
        target: &target,
        port: addr.port(),
        in_tls: false,
        deadline: Instant::now() + wait,
        username: user,
        password: &secret,
        method: &method,
    };
    super::try_login(&a).await
}
