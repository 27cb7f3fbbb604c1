//! Who may log in to the lab's login services (Telnet, FTP, MQTT, SNMP).
//!
//! Each product comes twice: one unit with the vendor's default account
//! (what the credential data lists for it) and one with that account
//! changed, so a default-credential test has a device that lets it in and
//! one that does not. Lab-only secrets: they guard nothing.

/// One user name and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account {
    pub user: &'static str,
    pub password: &'static str,
}

impl Account {
    pub(crate) fn admits(&self, user: &[u8], password: &[u8]) -> bool {
        user == self.user.as_bytes() && password == self.password.as_bytes()
    }
}

/// A Telnet login and the shell behind it.
#[derive(Debug)]
pub(crate) struct TelnetLogin {
    pub account: Account,
    /// The shell prompt's host name.
    pub host: &'static str,
}

/// The TRAFCON-5 controller as delivered.
pub(crate) const TRAFCON_DEFAULT: TelnetLogin = TelnetLogin {
    account: Account {
        user: "admin",
        password: "lab-traffic-pass",
    },
    host: "trafcon-01",
};

/// A TRAFCON-5 whose administrator password was changed.
pub(crate) const TRAFCON_CHANGED: TelnetLogin = TelnetLogin {
    account: Account {
        user: "admin",
        password: "trafcon-Rotated-2026",
    },
    host: "trafcon-02",
};

/// What the Telnet device prints after a good password: the login
/// history and a busybox-style prompt.
pub(crate) fn telnet_welcome(login: &TelnetLogin) -> Vec<u8> {
    format!(
        "\r\nLast login: Mon Mar  2 07:14:09 2026 on ttyS0\r\n\r\n\
         TRAFCON-5 maintenance shell (read-only). Type 'exit' to leave.\r\n{}",
        telnet_prompt(login)
    )
    .into_bytes()
}

pub(crate) fn telnet_prompt(login: &TelnetLogin) -> String {
    format!("{}:~$ ", login.host)
}

/// What the shell does with one typed line: a reply, or the end.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ShellReply {
    Print(Vec<u8>),
    Logout,
}

/// The maintenance shell runs nothing: it only leaves on `exit`/`logout`.
pub(crate) fn shell_line(login: &TelnetLogin, line: &[u8]) -> ShellReply {
    let cmd = String::from_utf8_lossy(line).trim().to_ascii_lowercase();
    match cmd.as_str() {
        "exit" | "logout" | "quit" => ShellReply::Logout,
        "" => ShellReply::Print(telnet_prompt(login).into_bytes()),
        _ => ShellReply::Print(
            format!(
                "-sh: not available in maintenance mode\r\n{}",
                telnet_prompt(login)
            )
            .into_bytes(),
        ),
    }
}

/// An FTP server's logins.
#[derive(Debug)]
pub(crate) struct FtpLogin {
    /// `anonymous` and `ftp` get in with any password.
    pub anonymous: bool,
    pub account: Account,
}

/// The sensor-data drop as delivered: anonymous uploads and a local account.
pub(crate) const FTP_DROP_DEFAULT: FtpLogin = FtpLogin {
    anonymous: true,
    account: Account {
        user: "ftpuser",
        password: "lab-ftp-pass",
    },
};

/// A sensor-data drop hardened: no anonymous login, the password changed.
pub(crate) const FTP_DROP_CHANGED: FtpLogin = FtpLogin {
    anonymous: false,
    account: Account {
        user: "ftpuser",
        password: "ftp-Rotated-2026",
    },
};

impl FtpLogin {
    pub(crate) fn admits(&self, user: &str, password: &[u8]) -> bool {
        let anonymous = user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp");
        if anonymous {
            self.anonymous
        } else {
            self.account.admits(user.as_bytes(), password)
        }
    }
}

/// Who an MQTT broker lets in.
#[derive(Debug)]
pub(crate) enum BrokerLogin {
    /// mosquitto's `allow_anonymous true`: every client, whatever user name
    /// and password it gives.
    Anyone,
    /// One account; everyone else gets CONNACK 5, as mosquitto answers.
    Account(Account),
}

/// The broker image's default account.
pub(crate) const BROKER_DEFAULT: BrokerLogin = BrokerLogin::Account(Account {
    user: "iot",
    password: "lab-mqtt-pass",
});

/// The same broker image with its password changed.
pub(crate) const BROKER_CHANGED: BrokerLogin = BrokerLogin::Account(Account {
    user: "iot",
    password: "mqtt-Rotated-2026",
});

/// CONNACK 5, "not authorised".
pub(crate) const CONNACK_NOT_AUTHORISED: u8 = 5;

impl BrokerLogin {
    /// The CONNACK return code for a CONNECT with these credentials.
    pub(crate) fn connack(&self, user: Option<&str>, password: Option<&[u8]>) -> u8 {
        match self {
            BrokerLogin::Anyone => 0,
            BrokerLogin::Account(a) => {
                let user = user.unwrap_or_default().as_bytes();
                if a.admits(user, password.unwrap_or_default()) {
                    0
                } else {
                    CONNACK_NOT_AUTHORISED
                }
            }
        }
    }
}

/// An SNMP agent's read communities and its name.
#[derive(Debug)]
pub(crate) struct SnmpAgent {
    pub communities: &'static [&'static [u8]],
    pub sys_name: &'static str,
}

/// The LightLink controller as delivered: `public` and the vendor's
/// documented read community.
pub(crate) const LIGHTLINK_DEFAULT: SnmpAgent = SnmpAgent {
    communities: &[b"public", b"lab-snmp-private"],
    sys_name: "slc-200-kade",
};

/// A LightLink controller with its communities replaced: the defaults get
/// no answer at all.
pub(crate) const LIGHTLINK_CHANGED: SnmpAgent = SnmpAgent {
    communities: &[b"lab-snmp-Rotated-2026"],
    sys_name: "slc-200-markt",
};

impl SnmpAgent {
    pub(crate) fn answers(&self, community: &[u8]) -> bool {
        self.communities.contains(&community)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_changed_units_differ_only_in_the_secret() {
        assert_eq!(TRAFCON_DEFAULT.account.user, TRAFCON_CHANGED.account.user);
        assert_ne!(
            TRAFCON_DEFAULT.account.password,
            TRAFCON_CHANGED.account.password
        );
        assert!(
            TRAFCON_DEFAULT
                .account
                .admits(b"admin", b"lab-traffic-pass")
        );
        assert!(
            !TRAFCON_CHANGED
                .account
                .admits(b"admin", b"lab-traffic-pass")
        );
        assert!(
            !TRAFCON_DEFAULT
                .account
                .admits(b"Admin", b"lab-traffic-pass")
        );
    }

    #[test]
    fn ftp_anonymous_only_where_allowed() {
        assert!(FTP_DROP_DEFAULT.admits("anonymous", b"x@y"));
        assert!(FTP_DROP_DEFAULT.admits("FTP", b""));
        assert!(FTP_DROP_DEFAULT.admits("ftpuser", b"lab-ftp-pass"));
        assert!(!FTP_DROP_DEFAULT.admits("ftpuser", b"wrong"));
        assert!(!FTP_DROP_CHANGED.admits("anonymous", b"x@y"));
        assert!(!FTP_DROP_CHANGED.admits("ftpuser", b"lab-ftp-pass"));
        assert!(FTP_DROP_CHANGED.admits("ftpuser", b"ftp-Rotated-2026"));
    }

    #[test]
    fn brokers_answer_like_mosquitto() {
        assert_eq!(BrokerLogin::Anyone.connack(None, None), 0);
        assert_eq!(BrokerLogin::Anyone.connack(Some("x"), Some(b"y")), 0);
        assert_eq!(
            BROKER_DEFAULT.connack(Some("iot"), Some(b"lab-mqtt-pass")),
            0
        );
        assert_eq!(BROKER_DEFAULT.connack(None, None), 5);
        assert_eq!(BROKER_DEFAULT.connack(Some("iot"), Some(b"nope")), 5);
        assert_eq!(
            BROKER_CHANGED.connack(Some("iot"), Some(b"lab-mqtt-pass")),
            5
        );
    }

    #[test]
    fn shell_only_leaves() {
        assert_eq!(shell_line(&TRAFCON_DEFAULT, b"exit"), ShellReply::Logout);
        assert_eq!(
            shell_line(&TRAFCON_DEFAULT, b" LOGOUT "),
            ShellReply::Logout
        );
        let ShellReply::Print(out) = shell_line(&TRAFCON_DEFAULT, b"reboot") else {
            panic!("reboot is not run");
        };
        assert!(out.ends_with(b"trafcon-01:~$ "));
        assert!(SnmpAgent::answers(&LIGHTLINK_DEFAULT, b"lab-snmp-private"));
        assert!(!LIGHTLINK_CHANGED.answers(b"public"));
        assert!(!LIGHTLINK_CHANGED.answers(b"lab-snmp-private"));
    }
}

/// The login testers against the lab's devices: each default is accepted
/// where it is still set and refused where it was changed.
#[cfg(test)]
mod with_testers {
    use std::time::Duration;

    use tokio::time::Instant;

    use crate::{Lab, LabConfig};
    use stadscan::creds::login::{Attempt, Method, Outcome, try_login};
    use stadscan::model::Secret;
    use stadscan::tls::TlsContext;

    async fn lab(n: u8) -> Lab {
        Lab::start(LabConfig {
            prefix: [127, 91, n],
            fixed_ports: false,
            hostile: false,
        })
        .await
        .expect("lab starts")
    }

    async fn attempt(
        lab: &Lab,
        device: &str,
        service: &str,
        method: Method,
        (user, password): (&str, &str),
        wait: Duration,
    ) -> Outcome {
        let d = lab
            .device_service(device, service)
            .expect("device in the lab");
        let (net, target) = stadscan::probe::test_net(&lab.network(), &d.addr.to_string());
        let tls = TlsContext::new(&[]).unwrap();
        let secret = Secret::new(password);
        let a = Attempt {
            net: &net,
            tls: &tls,
            target: &target,
            port: d.port,
            in_tls: false,
            deadline: Instant::now() + wait,
            username: user,
            password: &secret,
            method: &method,
        };
        try_login(&a).await
    }

    const WAIT: Duration = Duration::from_secs(4);

    #[tokio::test]
    async fn telnet_default_in_on_01_and_out_on_02() {
        let lab = lab(1).await;
        let t = |dev, cred| attempt(&lab, dev, "telnet", Method::Telnet, cred, WAIT);
        let default = ("admin", "lab-traffic-pass");
        assert_eq!(t("trafficctl-01", default).await, Outcome::Accepted);
        assert_eq!(
            t("trafficctl-01", ("admin", "wrong")).await,
            Outcome::Refused
        );
        assert_eq!(t("trafficctl-02", default).await, Outcome::Refused);
        assert_eq!(
            t("trafficctl-02", ("admin", "trafcon-Rotated-2026")).await,
            Outcome::Accepted
        );
        lab.shutdown().await;
    }

    #[tokio::test]
    async fn ftp_default_in_on_01_and_out_on_02() {
        let lab = lab(2).await;
        let t = |dev, cred| attempt(&lab, dev, "ftp", Method::Ftp, cred, WAIT);
        let default = ("ftpuser", "lab-ftp-pass");
        assert_eq!(t("ftp-01", default).await, Outcome::Accepted);
        assert_eq!(t("ftp-01", ("ftpuser", "wrong")).await, Outcome::Refused);
        assert_eq!(
            t("ftp-01", ("anonymous", "a@b.invalid")).await,
            Outcome::Accepted
        );
        assert_eq!(t("ftp-02", default).await, Outcome::Refused);
        assert_eq!(
            t("ftp-02", ("anonymous", "a@b.invalid")).await,
            Outcome::Refused
        );
        assert_eq!(
            t("ftp-02", ("ftpuser", "ftp-Rotated-2026")).await,
            Outcome::Accepted
        );
        lab.shutdown().await;
    }

    #[tokio::test]
    async fn mqtt_anonymous_default_and_changed_brokers() {
        let lab = lab(3).await;
        let t = |dev, cred| attempt(&lab, dev, "mqtt", Method::Mqtt, cred, WAIT);
        let default = ("iot", "lab-mqtt-pass");
        assert_eq!(
            t("broker-01", ("anyone", "anything")).await,
            Outcome::Accepted
        );
        assert_eq!(t("broker-02", default).await, Outcome::Accepted);
        assert_eq!(t("broker-02", ("iot", "wrong")).await, Outcome::Refused);
        assert_eq!(t("broker-03", default).await, Outcome::Refused);
        assert_eq!(
            t("broker-03", ("iot", "mqtt-Rotated-2026")).await,
            Outcome::Accepted
        );
        lab.shutdown().await;
    }

    #[tokio::test]
    async fn snmp_default_communities_answer_only_on_01() {
        let lab = lab(4).await;
        let t =
            |dev, community, wait| attempt(&lab, dev, "snmp", Method::Snmp, ("", community), wait);
        let quiet = Duration::from_millis(800);
        assert_eq!(t("streetlight-01", "public", WAIT).await, Outcome::Accepted);
        assert_eq!(
            t("streetlight-01", "lab-snmp-private", WAIT).await,
            Outcome::Accepted
        );
        assert_eq!(t("streetlight-01", "wrong", quiet).await, Outcome::Refused);
        assert_eq!(t("streetlight-02", "public", quiet).await, Outcome::Refused);
        assert_eq!(
            t("streetlight-02", "lab-snmp-private", quiet).await,
            Outcome::Refused
        );
        assert_eq!(
            t("streetlight-02", "lab-snmp-Rotated-2026", WAIT).await,
            Outcome::Accepted
        );
        lab.shutdown().await;
    }

    #[tokio::test]
    async fn ssh_gateways_accept_only_their_own_password() {
        let lab = lab(6).await;
        let t = |dev, cred| attempt(&lab, dev, "ssh", Method::Ssh, cred, WAIT);
        // The lab's documented accounts (ssh.rs).
        let (user, default, changed) = ("root", "root", "gw02-Kestrel-4418");
        assert_eq!(t("gateway-01", (user, default)).await, Outcome::Accepted);
        assert_eq!(t("gateway-01", (user, "wrong")).await, Outcome::Refused);
        assert_eq!(t("gateway-01", ("admin", default)).await, Outcome::Refused);
        assert_eq!(t("gateway-02", (user, default)).await, Outcome::Refused);
        assert_eq!(t("gateway-02", (user, changed)).await, Outcome::Accepted);
        lab.shutdown().await;
    }
}
