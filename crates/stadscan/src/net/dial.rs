//! One non-blocking TCP connect, without the reactor when it can do
//! without.
//!
//! `TcpStream::connect` registers every new socket with epoll before it
//! knows anything, waits for the reactor to wake it, and unregisters it
//! again when a refused socket is dropped: two `epoll_ctl` calls, a wake-up
//! and a timer for each port. A peer on the same machine (and any answer
//! the kernel has before `connect` returns) has settled the socket by the
//! time the call comes back: one `SO_ERROR` read tells a refusal, one
//! `getpeername` an open port. Only a socket still waiting for its answer
//! goes to the reactor, with the connect timeout. On a discovery sweep most
//! ports are closed, so most sockets never touch epoll.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::TcpStream;

/// How a connect ended.
#[derive(Debug)]
pub(crate) enum Dialed {
    Open(TcpStream),
    Refused,
    Timeout,
    Failed(io::Error),
}

/// `EINPROGRESS` on Linux and the BSDs' shared value is not in `std`'s
/// stable `ErrorKind`s; compare the raw number.
#[cfg(target_os = "linux")]
const EINPROGRESS: i32 = 115;
#[cfg(not(target_os = "linux"))]
const EINPROGRESS: i32 = 36;

pub(crate) async fn dial(addr: SocketAddr, timeout: Duration) -> Dialed {
    let sock = match start(addr) {
        Ok(Started::Settled(d)) => return d,
        Ok(Started::Waiting(sock)) => sock,
        Err(e) => return failed(e),
    };
    let stream = match TcpStream::from_std(std::net::TcpStream::from(sock)) {
        Ok(s) => s,
        Err(e) => return Dialed::Failed(e),
    };
    match tokio::time::timeout(timeout, stream.writable()).await {
        Err(_) => Dialed::Timeout,
        Ok(Err(e)) => failed(e),
        Ok(Ok(())) => match stream.take_error() {
            Ok(None) => Dialed::Open(stream),
            Ok(Some(e)) | Err(e) => failed(e),
        },
    }
}

enum Started {
    Settled(Dialed),
    Waiting(Socket),
}

/// Creates the socket and sends the SYN; reports the outcome when the
/// kernel already has it.
fn start(addr: SocketAddr) -> io::Result<Started> {
    let sock = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )?;
    match sock.connect(&SockAddr::from(addr)) {
        Ok(()) => return Ok(Started::Settled(open(sock)?)),
        Err(e) if e.raw_os_error() == Some(EINPROGRESS) => {}
        Err(e) => return Ok(Started::Settled(failed(e))),
    }
    if let Some(e) = sock.take_error()? {
        return Ok(Started::Settled(failed(e)));
    }
    match sock.peer_addr() {
        Ok(_) => Ok(Started::Settled(open(sock)?)),
        // ENOTCONN: the handshake is still under way.
        Err(_) => Ok(Started::Waiting(sock)),
    }
}

fn open(sock: Socket) -> io::Result<Dialed> {
    TcpStream::from_std(std::net::TcpStream::from(sock)).map(Dialed::Open)
}

fn failed(e: io::Error) -> Dialed {
    if e.kind() == io::ErrorKind::ConnectionRefused {
        Dialed::Refused
    } else {
        Dialed::Failed(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_and_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open_addr = listener.local_addr().unwrap();
        let t = Duration::from_millis(300);
        let Dialed::Open(s) = dial(open_addr, t).await else {
            panic!("a listening port is open")
        };
        // The stream works: the listener sees this very peer.
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, s.local_addr().unwrap());

        drop(listener);
        assert!(matches!(dial(open_addr, t).await, Dialed::Refused));
    }

    #[tokio::test]
    async fn a_full_backlog_waits_for_the_reactor_and_times_out() {
        // A listener that never accepts, with a backlog of one: once the
        // queue is full the kernel drops further SYNs, so the connect stays
        // in progress and must end by the timeout, not hang or count as open.
        let sock = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        sock.bind(&SockAddr::from(
            "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        ))
        .unwrap();
        sock.listen(1).unwrap();
        let addr = sock.local_addr().unwrap().as_socket().unwrap();
        let t = Duration::from_millis(300);
        let mut kept = Vec::new();
        let mut timed_out = false;
        for _ in 0..8 {
            match dial(addr, t).await {
                Dialed::Open(s) => kept.push(s),
                Dialed::Timeout => {
                    timed_out = true;
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            timed_out,
            "a full backlog never timed out ({} open)",
            kept.len()
        );
    }
}
