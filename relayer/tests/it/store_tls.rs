//! The store on PostgreSQL over TLS: a throw-away server that takes only TLS connections, with
//! a certificate for 127.0.0.1 and localhost issued by a CA made for the test (the `openssl`
//! command line, no network). `sslmode=verify-full` with that CA as `sslrootcert` connects;
//! another CA, no `sslrootcert`, or no TLS at all does not.

use std::path::{Path, PathBuf};
use std::process::Command;

use trestle_bridge::Message;
use trestle_core::chain::UniversalAddress;
use trestle_relayer::store::{MessageState, NewMessage, Store};

use crate::support::postgres::{Postgres, Tls};

/// The password of user `postgres`: it must never appear in an error.
const PASSWORD: &str = "tls-Test-pa55word";

const OPENSSL_HINT: &str = "the `openssl` command makes the test's certificates: run scripts/setup-postgres.sh \
     (it installs the Debian package openssl)";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl: {e}. {OPENSSL_HINT}"));
    assert!(
        out.status.success(),
        "openssl {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed CA (P-256), valid for two days: `<name>.pem` and `<name>.key` in `dir`.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            &format!("/CN=Trestle test CA {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    dir.join(pem)
}

/// A server certificate for `names` (`subjectAltName` syntax) issued by CA `ca` of
/// [`make_ca`]: `(server.pem, server.key)` in `dir`.
fn make_server_cert(dir: &Path, ca: &str, names: &str) -> (PathBuf, PathBuf) {
    std::fs::write(
        dir.join("server.ext"),
        format!(
            "subjectAltName={names}\n\
             basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\n"
        ),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-set_serial",
            "2",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
    (dir.join("server.pem"), dir.join("server.key"))
}

/// A server that takes only TLS, with a certificate of CA `ca`, and a second CA, `other`,
/// that did not issue it. The directory holds both CAs' certificates.
struct Fixture {
    certs: tempfile::TempDir,
    pg: Postgres,
}

impl Fixture {
    /// The server's certificate is for 127.0.0.1 and localhost.
    fn start() -> Self {
        Self::start_for("IP:127.0.0.1,DNS:localhost")
    }

    /// The server's certificate is for `names` (`subjectAltName` syntax).
    fn start_for(names: &str) -> Self {
        let certs = tempfile::tempdir().unwrap();
        make_ca(certs.path(), "ca");
        make_ca(certs.path(), "other");
        let (cert, key) = make_server_cert(certs.path(), "ca", names);
        let pg = Postgres::start_tls(&Tls {
            cert: &cert,
            key: &key,
            password: PASSWORD,
        });
        Self { certs, pg }
    }

    /// The server's URL with `query` (`sslmode=...`); `{certs}` in it is the directory of
    /// the CAs' certificates.
    fn url(&self, query: &str) -> String {
        let query = query.replace("{certs}", self.certs.path().to_str().unwrap());
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres?{query}",
            self.pg.port()
        )
    }

    async fn refused(&self, query: &str) -> String {
        let err = Store::connect(&self.url(query), 2)
            .await
            .expect_err("the connection must fail");
        let text = format!("{err} / {err:?}");
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
        text
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_servers_ca_runs_the_store() {
    let fx = Fixture::start();
    let store = Store::connect(&fx.url("sslmode=verify-full&sslrootcert={certs}/ca.pem"), 2)
        .await
        .unwrap();
    assert_eq!(store.backend(), "postgres");

    // The migrations ran over TLS (the server takes nothing else): a message round-trips.
    let message = Message::new(
        7,
        1,
        UniversalAddress([0x5e; 32]),
        2,
        UniversalAddress([0xbb; 32]),
        vec![1, 2, 3],
    )
    .unwrap();
    let found = NewMessage {
        message: message.clone(),
        origin_height: 40,
        origin_block_hash: [4; 32],
        origin_tx: vec![0x77; 32],
    };
    assert_eq!(
        store
            .record_indexed("a", 40, [4; 32], std::slice::from_ref(&found))
            .await
            .unwrap(),
        1
    );
    let record = store.message(&message.id()).await.unwrap().unwrap();
    assert_eq!(record.message().unwrap(), message);
    assert_eq!(record.state, MessageState::Pending);
    assert_eq!(store.cursor("a").await.unwrap(), Some((40, [4; 32])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_ca_is_refused_and_named() {
    let fx = Fixture::start();
    for query in [
        // The CA given is not the one that issued the server's certificate.
        "sslmode=verify-full&sslrootcert={certs}/other.pem",
        // No CA given: only the Mozilla roots are trusted, and a private CA is not one of them.
        "sslmode=verify-full",
    ] {
        let text = fx.refused(query).await;
        assert!(
            text.contains("invalid peer certificate") && text.contains("UnknownIssuer"),
            "{query}: the error does not name the certificate problem: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_name_is_refused_and_named() {
    // Issued by the CA given, but not for the address the store connects to.
    let fx = Fixture::start_for("DNS:db.example.com");
    let text = fx
        .refused("sslmode=verify-full&sslrootcert={certs}/ca.pem")
        .await;
    assert!(
        text.contains("invalid peer certificate") && text.contains("NotValidForName"),
        "the error does not name the certificate problem: {text}"
    );
}

/// sqlx's verify-ca needs rustls' process-wide crypto provider, which this build leaves
/// unset: it panicked inside the pool. It is a configuration error instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_is_refused_before_it_connects() {
    let fx = Fixture::start();
    let text = fx
        .refused("sslmode=verify-ca&sslrootcert={certs}/ca.pem")
        .await;
    assert!(
        text.contains("store.url") && text.contains("use sslmode=verify-full"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_tls_is_refused_by_the_server() {
    let fx = Fixture::start();
    let text = fx.refused("sslmode=disable").await;
    assert!(
        text.contains("no pg_hba.conf entry") && text.contains("no encryption"),
        "the refusal does not say why: {text}"
    );
}
