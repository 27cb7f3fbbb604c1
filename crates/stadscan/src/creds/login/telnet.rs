//! TELNET login: answers option negotiation, waits for the login prompt,
//! types the user name and the password, and reads what the device prints
//! next. A shell prompt is the proof of success, a failure message or a new
//! login prompt the proof of refusal. After a success only `exit` is typed.
//!
//! The reading of the transcript is pure (`after_user`, `verdict`) and
//! tested on what busybox `login`, Debian's `login` and embedded devices
//! print; the conversation around it is a small state machine:
//! ExpectLoginPrompt -> ExpectPasswordPrompt -> ExpectVerdict.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::{Attempt, Outcome, inconclusive};
use crate::net::io::write_all;
use crate::proto::telnet::{self, Command, PromptKind};

/// Bytes read in one attempt (banners, MOTD and prompts fit easily).
const LIMIT: usize = 64 * 1024;
/// After a failure message, how long more output (a new login prompt, or a
/// shell prompt that would contradict it) is waited for.
const FAILURE_GRACE: Duration = Duration::from_secs(1);
/// Longest line taken for a shell prompt.
const MAX_SHELL_PROMPT: usize = 80;

/// Tries one Telnet login; see the module text for what counts as in and out.
pub async fn login(a: &Attempt<'_>) -> Outcome {
    let Some(mut session) = super::open(a).await else {
        return inconclusive("no connection to the Telnet service");
    };
    let mut t = Terminal {
        io: &mut session.io,
        pending: Vec::new(),
        data: Vec::new(),
        answered: Vec::new(),
        read: 0,
        deadline: a.deadline,
    };
    let outcome = converse(&mut t, a).await;
    if outcome == Outcome::Accepted {
        // Leave the shell the way a person would; nothing else is typed.
        let _sent = t.send_line("exit").await;
    }
    let _closed = tokio::time::timeout_at(a.deadline, t.io.shutdown()).await;
    outcome
}

async fn converse<S>(t: &mut Terminal<'_, S>, a: &Attempt<'_>) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let password = a.password.expose();
    // ExpectLoginPrompt.
    let first = loop {
        if let Some((kind, _)) = telnet::find_prompt(&t.data) {
            break kind;
        }
        if let Err(end) = t.read_more(t.deadline).await {
            return Outcome::Inconclusive(format!("no login prompt ({end})"));
        }
    };
    match (first, a.username.is_empty()) {
        (PromptKind::Username, false) => {
            if !t.send_line(a.username).await {
                return inconclusive("the device did not take the user name");
            }
            // ExpectPasswordPrompt.
            loop {
                match after_user(&telnet::clean(&t.data)) {
                    AfterUser::SendPassword => break,
                    AfterUser::Done(outcome) => return outcome,
                    AfterUser::NeedMore => {}
                }
                if let Err(end) = t.read_more(t.deadline).await {
                    return Outcome::Inconclusive(format!("no password prompt ({end})"));
                }
            }
        }
        // A password-only login (a line password): the credential has no user.
        (PromptKind::Password, true) => {}
        (PromptKind::Username, true) => {
            return inconclusive("asked for a user name, and the credential has none");
        }
        (PromptKind::Password, false) => {
            return inconclusive("asked for a password before any user name");
        }
    }
    if !t.send_line(password).await {
        return inconclusive("the device did not take the password");
    }
    // ExpectVerdict.
    let mut until = t.deadline;
    let mut ended = None;
    loop {
        let text = redact(&telnet::clean(&t.data), password);
        match verdict(&text, ended.is_some()) {
            Verdict::Accepted => return Outcome::Accepted,
            Verdict::Refused => return Outcome::Refused,
            Verdict::FailureSeen if ended.is_some() => return Outcome::Refused,
            Verdict::FailureSeen => until = until.min(Instant::now() + FAILURE_GRACE),
            Verdict::Unclear(why) => return inconclusive(why),
            Verdict::NeedMore => {}
        }
        if let Some(end) = ended {
            return Outcome::Inconclusive(format!("no prompt after the password ({end})"));
        }
        ended = t.read_more(until).await.err();
    }
}

/// What the text since the user name was sent says.
#[derive(Debug, PartialEq, Eq)]
enum AfterUser {
    SendPassword,
    Done(Outcome),
    NeedMore,
}

fn after_user(text: &str) -> AfterUser {
    match telnet::find_prompt(text.as_bytes()).map(|p| p.0) {
        Some(PromptKind::Password) => return AfterUser::SendPassword,
        Some(PromptKind::Username) => return AfterUser::Done(Outcome::Refused),
        None => {}
    }
    let (lines, tail) = lines_and_tail(text);
    if lines.iter().any(|l| is_failure(l)) {
        return AfterUser::Done(Outcome::Refused);
    }
    if is_shell_prompt(tail) {
        // In without a password; the control attempt tells this apart.
        return AfterUser::Done(Outcome::Accepted);
    }
    AfterUser::NeedMore
}

/// What the text since the password was sent says.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Refused,
    /// A failure message and no prompt yet: refused, unless what follows
    /// shortly says otherwise.
    FailureSeen,
    Unclear(&'static str),
    NeedMore,
}

/// `ended`: nothing more will come (closed, deadline, byte limit), so the
/// last, unterminated line counts as a line too.
fn verdict(text: &str, ended: bool) -> Verdict {
    if asks_for_password_change(text) {
        // In, but held at a password change, which is never answered.
        return Verdict::Unclear("the device asks for a password change");
    }
    if telnet::find_prompt(text.as_bytes()).is_some() {
        // Asked to log in again (Debian and busybox after "Login
        // incorrect"), or for the password again (a line password).
        return Verdict::Refused;
    }
    let (mut lines, tail) = lines_and_tail(text);
    let shell = is_shell_prompt(tail);
    let menu = is_other_prompt(tail);
    if ended {
        lines.push(tail.trim());
    }
    let last_failure = lines.iter().rposition(|l| is_failure(l));
    let welcome_since_failure = lines
        .iter()
        .skip(last_failure.map_or(0, |i| i + 1))
        .any(|l| is_welcome(l));
    if shell {
        return match last_failure {
            None => Verdict::Accepted,
            Some(_) if welcome_since_failure => Verdict::Accepted,
            Some(_) => Verdict::Unclear("a failure message followed by a prompt"),
        };
    }
    if last_failure.is_some() {
        return Verdict::FailureSeen;
    }
    if menu && welcome_since_failure {
        // A menu-driven device: "Welcome ..." and then "Enter choice: ".
        return Verdict::Accepted;
    }
    if ended {
        Verdict::Unclear("neither a prompt nor a failure message after the password")
    } else {
        Verdict::NeedMore
    }
}

fn asks_for_password_change(text: &str) -> bool {
    let l = text.to_lowercase();
    [
        "new password",
        "change your password",
        "password has expired",
        "password expired",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// Complete lines (trimmed, non-empty) and the unterminated rest.
fn lines_and_tail(text: &str) -> (Vec<&str>, &str) {
    let (done, tail) = match text.rfind('\n') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => ("", text),
    };
    let lines = done
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (lines, tail)
}

/// A login failure message, but not the login history that a successful
/// login prints ("Last failed login: ...", "There were 3 failed login
/// attempts since the last successful login.").
fn is_failure(line: &str) -> bool {
    let l = line.to_lowercase();
    let history = l.contains("last failed login")
        || l.contains("since the last successful login")
        || l.contains("last login");
    !history
        && [
            "incorrect",
            "failed",
            "failure",
            "denied",
            "invalid",
            "rejected",
        ]
        .iter()
        .any(|w| l.contains(w))
}

fn is_welcome(line: &str) -> bool {
    let l = line.to_lowercase();
    ["welcome", "last login", "logged in"]
        .iter()
        .any(|w| l.contains(w))
}

/// `$ `, `# `, `> ` or `%` at the end of a short last line (after colour
/// codes): `~ # `, `admin@ctl:~$ `, `switch>`, `host%`.
fn is_shell_prompt(tail: &str) -> bool {
    let t = tail.trim_end();
    let len = t.chars().count();
    len > 0 && len <= MAX_SHELL_PROMPT && t.ends_with(['$', '#', '>', '%'])
}

/// Another kind of prompt a menu shows (`Enter choice: `, `[1-4]?`).
fn is_other_prompt(tail: &str) -> bool {
    let t = tail.trim_end();
    let len = t.chars().count();
    len > 0 && len <= MAX_SHELL_PROMPT && t.ends_with([':', '?', ']', ')'])
}

/// The text without any echo of the password, so that neither matching
/// nor anything derived from the text can see it.
fn redact(text: &str, password: &str) -> String {
    if password.is_empty() {
        text.to_string()
    } else {
        text.replace(password, "")
    }
}

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Closed,
    Timeout,
    Failed,
    Limit,
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            End::Closed => "connection closed",
            End::Timeout => "deadline",
            End::Failed => "connection failed",
            End::Limit => "too much output",
        })
    }
}

/// The Telnet side of the conversation: negotiation answered as it
/// arrives, the text of the current step collected in `data`.
struct Terminal<'a, S> {
    io: &'a mut S,
    /// Received bytes not yet split (an IAC sequence cut in two).
    pending: Vec<u8>,
    /// Text since the last line was sent.
    data: Vec<u8>,
    /// Negotiation requests already answered (answered once each, so two
    /// peers cannot loop).
    answered: Vec<Command>,
    read: usize,
    deadline: Instant,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Terminal<'_, S> {
    /// Reads once (before `until`), answers negotiation, appends the text.
    async fn read_more(&mut self, until: Instant) -> Result<(), End> {
        if self.read >= LIMIT {
            return Err(End::Limit);
        }
        let mut chunk = [0u8; 4096];
        let room = (LIMIT - self.read).min(chunk.len());
        let n = match tokio::time::timeout_at(until, self.io.read(&mut chunk[..room])).await {
            Err(_) => return Err(End::Timeout),
            Ok(Ok(0)) => return Err(End::Closed),
            Ok(Ok(n)) => n,
            Ok(Err(_)) => return Err(End::Failed),
        };
        self.read += n;
        self.pending.extend_from_slice(&chunk[..n]);
        let split = telnet::split(&self.pending);
        self.pending.drain(..split.consumed.min(self.pending.len()));
        self.data.extend_from_slice(&split.data);
        let mut replies = Vec::new();
        for cmd in split.commands {
            if self.answered.contains(&cmd) {
                continue;
            }
            if let Some(reply) = answer(&cmd) {
                replies.extend_from_slice(&reply);
            }
            self.answered.push(cmd);
        }
        if !replies.is_empty() {
            write_all(self.io, &replies, self.deadline)
                .await
                .map_err(|_| End::Failed)?;
        }
        Ok(())
    }

    /// Types `line` and a line end; the text of the next step starts here.
    async fn send_line(&mut self, line: &str) -> bool {
        self.data.clear();
        let mut bytes = telnet::escape_data(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        write_all(self.io, &bytes, self.deadline).await.is_ok()
    }
}

/// The answer to one negotiation request: the server may echo and drop
/// go-aheads (what every login expects, so that it does not echo the
/// password back in our place), and we suppress go-aheads too; every other
/// option is refused. WONT/DONT need no answer from a side that never
/// enabled anything.
fn answer(cmd: &Command) -> Option<[u8; 3]> {
    use telnet::{DO, IAC, OPT_ECHO, OPT_SUPPRESS_GO_AHEAD, WILL};
    match cmd {
        Command::Will(o @ (OPT_ECHO | OPT_SUPPRESS_GO_AHEAD)) => Some([IAC, DO, *o]),
        Command::Do(OPT_SUPPRESS_GO_AHEAD) => Some([IAC, WILL, OPT_SUPPRESS_GO_AHEAD]),
        other => telnet::refusal(other),
    }
}

#[cfg(test)]
mod tests {

    use std::sync::{Arc, Mutex};

    use tokio::net::TcpStream;

    use super::*;

    use crate::creds::login::Method;
    use crate::proto::fuzz;

    const PASSWORD: &str = "telnet-Secret-5";

    fn text(raw: &[u8]) -> String {
        telnet::clean(&telnet::split(raw).data)
    }

    // ---- transcripts ----

    /// busybox telnetd (`-l /bin/login`): its negotiation, then login's prompt.
    const BUSYBOX_OPENING: &[u8] =
        b"\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03\r\nstreetlight login: ";

    #[test]
    fn busybox_login_transcripts() {
        assert_eq!(
            telnet::find_prompt(&telnet::split(BUSYBOX_OPENING).data).map(|p| p.0),
            Some(PromptKind::Username)
        );
        // The user name echoed, then the password prompt.
        assert_eq!(
            after_user(&text(b"admin\r\nPassword: ")),
            AfterUser::SendPassword
        );
        assert_eq!(after_user(&text(b"admin\r\n")), AfterUser::NeedMore);
        let shell =
            b"\r\n\r\n\r\nBusyBox v1.36.1 (2023-11-07 18:53:09 UTC) built-in shell (ash)\r\n\
            Enter 'help' for a list of built-in commands.\r\n\r\n~ # ";
        assert_eq!(verdict(&text(shell), false), Verdict::Accepted);
        // Wrong: a pause, "Login incorrect", a pause, the prompt again.
        assert_eq!(verdict(&text(b"\r\n"), false), Verdict::NeedMore);
        assert_eq!(
            verdict(&text(b"\r\nLogin incorrect\r\n"), false),
            Verdict::FailureSeen
        );
        assert_eq!(
            verdict(&text(b"\r\nLogin incorrect\r\nstreetlight login: "), false),
            Verdict::Refused
        );
        assert_eq!(
            verdict(&text(b"\r\nLogin incorrect"), true),
            Verdict::FailureSeen
        );
    }

    #[test]
    fn debian_login_transcripts() {
        let motd = "\r\nLinux ctl 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64\r\n\r\n\
            The programs included with the Debian GNU/Linux system are free software;\r\n\
            Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\r\npermitted by applicable law.\r\n";
        let ok = format!(
            "{motd}Last login: Tue Mar  5 10:11:12 UTC 2024 from 10.0.0.5 on pts/1\r\n\
             \x1b]0;admin@ctl: ~\x07\x1b[01;32madmin@ctl\x1b[00m:\x1b[01;34m~\x1b[00m$ "
        );
        assert_eq!(verdict(&text(ok.as_bytes()), false), Verdict::Accepted);
        let history = "Last failed login: Tue Mar  5 10:10:00 UTC 2024 from 10.0.0.9 on pts/1\r\n\
            There were 2 failed login attempts since the last successful login.\r\n\
            Last login: Mon Mar  4 08:00:00 UTC 2024 on tty1\r\nadmin@ctl:~$ ";
        assert_eq!(verdict(&text(history.as_bytes()), false), Verdict::Accepted);
        // The history lines alone, before the prompt arrives, are no failure.
        let partial = "Last failed login: Tue Mar  5\r\nThere were 2 failed login attempts since the last successful login.\r\n";
        assert_eq!(verdict(&text(partial.as_bytes()), false), Verdict::NeedMore);
        // A half-received history line is not judged before its end.
        assert_eq!(
            verdict(&text(b"There were 2 failed"), false),
            Verdict::NeedMore
        );
        assert_eq!(
            verdict(&text(b"\r\nLogin incorrect\r\nctl login: "), false),
            Verdict::Refused
        );
    }

    #[test]
    fn embedded_device_transcripts() {
        // Cisco-style: User Access Verification, "Username:", "% Login invalid".
        let greeting = b"\r\n\r\nUser Access Verification\r\n\r\nUsername: ";
        assert_eq!(
            telnet::find_prompt(greeting).map(|p| p.0),
            Some(PromptKind::Username)
        );
        assert_eq!(
            after_user(&text(b"admin\r\nPassword: ")),
            AfterUser::SendPassword
        );
        assert_eq!(verdict(&text(b"\r\nswitch-07>"), false), Verdict::Accepted);
        assert_eq!(
            verdict(&text(b"\r\n% Login invalid\r\n\r\nUsername: "), false),
            Verdict::Refused
        );
        assert_eq!(
            verdict(&text(b"\r\n% Authentication failed\r\n"), false),
            Verdict::FailureSeen
        );
        // Huawei-style VRP prompt after an info line; its refusal.
        assert_eq!(
            verdict(
                &text(b"\r\nInfo: The max number of VTY users is 5.\r\n<Huawei>"),
                false
            ),
            Verdict::Accepted
        );
        assert_eq!(
            verdict(
                &text(b"\r\nError: Local authentication is rejected.\r\n"),
                false
            ),
            Verdict::FailureSeen
        );
        // MikroTik, with colour codes; a csh-style prompt.
        assert_eq!(
            verdict(&text(b"\r\n\x1b[9999B[admin@MikroTik] > "), false),
            Verdict::Accepted
        );
        assert_eq!(verdict(&text(b"\r\nctl%"), false), Verdict::Accepted);
        // A menu device: a welcome, then a choice prompt.
        let menu = b"\r\nWelcome to the TRAFCON maintenance menu\r\n1) Status\r\n2) Logout\r\nEnter choice: ";
        assert_eq!(verdict(&text(menu), false), Verdict::Accepted);
        // A line password asked again is a refusal.
        assert_eq!(verdict(&text(b"\r\nPassword: "), false), Verdict::Refused);
        // "Access denied" and the connection closed.
        assert_eq!(verdict(&text(b"Access denied"), true), Verdict::FailureSeen);
        // A user the device does not know, refused before the password.
        assert_eq!(
            after_user(&text(b"nobody\r\nInvalid user name\r\n")),
            AfterUser::Done(Outcome::Refused)
        );
        assert_eq!(
            after_user(&text(b"guest\r\n\r\nlogin: ")),
            AfterUser::Done(Outcome::Refused)
        );
        // In without a password.
        assert_eq!(
            after_user(&text(b"root\r\n~ # ")),
            AfterUser::Done(Outcome::Accepted)
        );
    }

    #[test]
    fn unclear_transcripts_stay_inconclusive() {
        let change = b"\r\nYou are required to change your password immediately (administrator enforced)\r\n\
            Changing password for admin.\r\nCurrent password: ";
        assert!(matches!(verdict(&text(change), false), Verdict::Unclear(_)));
        assert!(matches!(
            verdict(
                &text(b"\r\nWARNING: Your password has expired.\r\nNew password: "),
                false
            ),
            Verdict::Unclear(_)
        ));
        // A warning with "denied" and then a prompt, no welcome after it.
        assert!(matches!(
            verdict(&text(b"\r\nUnauthorised access is denied.\r\n> "), false),
            Verdict::Unclear(_)
        ));
        // Output that ends without a prompt or a message.
        assert!(matches!(
            verdict(&text(b"\r\nloading configuration...\r\n"), true),
            Verdict::Unclear(_)
        ));
        assert!(matches!(verdict("", true), Verdict::Unclear(_)));
        // A progress line that ends in '%' is no prompt until it stays last
        // without a line end.
        assert_eq!(
            verdict(&text(b"\r\nchecking 100%\r\n"), false),
            Verdict::NeedMore
        );
        // An over-long last line is not a prompt.
        let long = format!("{}#", "x".repeat(200));
        assert_eq!(verdict(&long, false), Verdict::NeedMore);
    }

    #[test]
    fn an_echoed_password_is_redacted_before_matching() {
        // "invalid" inside the password must not read as a failure.
        let pw = "invalid-pass";
        let t = redact(&text(b"invalid-pass\r\n~ $ "), pw);
        assert!(!t.contains(pw));
        assert_eq!(verdict(&t, false), Verdict::Accepted);
        assert_eq!(redact("abc", ""), "abc");
    }

    #[test]
    fn negotiation_accepts_echo_and_go_ahead_only() {
        use telnet::{DO, DONT, IAC, WILL, WONT};
        let answers: Vec<Option<[u8; 3]>> = telnet::split(BUSYBOX_OPENING)
            .commands
            .iter()
            .map(answer)
            .collect();
        assert_eq!(
            answers,
            [
                Some([IAC, WONT, 1]),
                Some([IAC, WONT, 31]),
                Some([IAC, DO, 1]),
                Some([IAC, DO, 3])
            ]
        );
        assert_eq!(answer(&Command::Do(24)), Some([IAC, WONT, 24]));
        assert_eq!(answer(&Command::Will(37)), Some([IAC, DONT, 37]));
        assert_eq!(answer(&Command::Do(3)), Some([IAC, WILL, 3]));
        assert_eq!(answer(&Command::Wont(1)), None);
        assert_eq!(answer(&Command::Subnegotiation(24, vec![1])), None);
    }

    #[test]
    fn transcript_readers_never_panic() {
        let seeds: [&[u8]; 3] = [
            BUSYBOX_OPENING,
            b"\r\nLogin incorrect\r\nlogin: ",
            b"\x1b[01;32madmin@ctl\x1b[00m:~$ ",
        ];
        for input in fuzz::mutations(&seeds)
            .into_iter()
            .chain(fuzz::random_inputs(5, 300, 200))
        {
            let t = text(&input);
            let _ = verdict(&t, false);
            let _ = verdict(&t, true);
            let _ = after_user(&t);
        }
    }

    // ---- conversations with fake devices ----

    use crate::creds::login::testkit::fake;

    async fn attempt(port: u16, user: &str, password: &str, wait: Duration) -> Outcome {
        crate::creds::login::testkit::attempt(Method::Telnet, port, user, password, wait).await
    }

    /// What the fake device received: negotiation answers and text lines.
    #[derive(Default)]
    struct Heard {
        commands: Vec<Command>,
        lines: Vec<String>,
    }

    /// Reads one line of text from the client (negotiation recorded).
    async fn line(s: &mut TcpStream, buf: &mut Vec<u8>, heard: &Mutex<Heard>) -> Option<String> {
        let mut text = Vec::new();
        loop {
            let split = telnet::split(buf);
            buf.drain(..split.consumed);
            heard.lock().unwrap().commands.extend(split.commands);
            text.extend(split.data);
            if let Some(end) = text.windows(2).position(|w| w == b"\r\n") {
                let l = String::from_utf8_lossy(&text[..end]).into_owned();
                heard.lock().unwrap().lines.push(l.clone());
                return Some(l);
            }
            if !stadscan_lab::read_more(s, buf, 4096, Duration::from_secs(3)).await {
                return None;
            }
        }
    }

    /// A busybox-like device: negotiation, "login:", echo of the user,
    /// "Password:", then `ok` or `bad` depending on the password.
    async fn device(ok: &'static [u8], bad: &'static [u8]) -> (u16, Arc<Mutex<Heard>>) {
        let heard = Arc::new(Mutex::new(Heard::default()));
        let log = heard.clone();
        let port = fake(move |mut s| async move {
            let _ = s.write_all(BUSYBOX_OPENING).await;
            let mut buf = Vec::new();
            let Some(user) = line(&mut s, &mut buf, &log).await else {
                return;
            };
            let _ = s
                .write_all(format!("{user}\r\nPassword: ").as_bytes())
                .await;
            let Some(pw) = line(&mut s, &mut buf, &log).await else {
                return;
            };
            let right = user == "admin" && pw == PASSWORD;
            let _ = s.write_all(if right { ok } else { bad }).await;
            while line(&mut s, &mut buf, &log).await.is_some() {}
        })
        .await;
        (port, heard)
    }

    const SHELL: &[u8] = b"\r\n\r\nBusyBox v1.36.1 built-in shell (ash)\r\n\r\n~ # ";
    const WRONG: &[u8] = b"\r\nLogin incorrect\r\nstreetlight login: ";

    #[tokio::test]
    async fn shell_prompt_is_accepted_and_only_exit_is_typed() {
        let (port, heard) = device(SHELL, WRONG).await;
        let got = attempt(port, "admin", PASSWORD, Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Accepted);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let heard = heard.lock().unwrap();
        assert_eq!(heard.lines, ["admin", PASSWORD, "exit"]);
        use telnet::{DO, IAC, WONT};
        let _ = (IAC, DO, WONT);
        assert!(heard.commands.contains(&Command::Wont(telnet::OPT_NAWS)));
        assert!(heard.commands.contains(&Command::Do(telnet::OPT_ECHO)));
        assert!(
            heard
                .commands
                .contains(&Command::Do(telnet::OPT_SUPPRESS_GO_AHEAD))
        );
    }

    #[tokio::test]
    async fn login_incorrect_is_refused_and_nothing_more_is_typed() {
        let (port, heard) = device(SHELL, WRONG).await;
        let got = attempt(port, "admin", "wrong", Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Refused);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(heard.lock().unwrap().lines, ["admin", "wrong"]);
    }

    #[tokio::test]
    async fn a_failure_message_then_silence_is_refused_after_the_grace() {
        let (port, _) = device(SHELL, b"\r\nLogin incorrect\r\n").await;
        let start = Instant::now();
        let got = attempt(port, "admin", "wrong", Duration::from_secs(5)).await;
        assert_eq!(got, Outcome::Refused);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn garbage_reset_silence_and_no_verdict_are_inconclusive() {
        let garbage = fake(|mut s| async move {
            let _ = s
                .write_all(&[0x16, 0x03, 0x01, 0x00, 0x10, 0xde, 0xad])
                .await;
            tokio::time::sleep(Duration::from_secs(3)).await;
        })
        .await;
        let reset = fake(|s| async move {
            let _ = s.set_zero_linger();
            drop(s);
        })
        .await;
        let silent = fake(|_s| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        let (mute, _) = device(b"", b"").await;
        for (port, name) in [
            (garbage, "garbage"),
            (reset, "reset"),
            (silent, "silent"),
            (mute, "nothing after the password"),
        ] {
            let got = attempt(port, "admin", PASSWORD, Duration::from_millis(700)).await;
            assert!(matches!(got, Outcome::Inconclusive(_)), "{name}: {got:?}");
            assert!(!format!("{got:?}").contains(PASSWORD));
        }
    }

    #[tokio::test]
    async fn a_password_only_device_gets_the_password_when_no_user_is_given() {
        let heard = Arc::new(Mutex::new(Heard::default()));
        let log = heard.clone();
        let port = fake(move |mut s| async move {
            let _ = s
                .write_all(b"\r\n\r\nUser Access Verification\r\n\r\nPassword: ")
                .await;
            let mut buf = Vec::new();
            let pw = line(&mut s, &mut buf, &log).await;
            let reply: &[u8] = if pw.as_deref() == Some(PASSWORD) {
                b"\r\nrouter>"
            } else {
                b"\r\nPassword: "
            };
            let _ = s.write_all(reply).await;
            while line(&mut s, &mut buf, &log).await.is_some() {}
        })
        .await;
        assert_eq!(
            attempt(port, "", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Accepted
        );
        let (port, _) = device(SHELL, WRONG).await;
        assert!(matches!(
            attempt(port, "", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Inconclusive(_)
        ));
    }
}
