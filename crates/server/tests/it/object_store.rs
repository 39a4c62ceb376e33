//! The S3 file store against an S3-compatible server that checks Signature Version 4
//! (s3s over a folder, in this process, on a random port): photos go in, come back and go
//! away; a wrong secret is refused by the server.

use daojia_domain::secret::Secret;
use daojia_server::config::S3Config;
use daojia_server::files::{FileStore, S3Files};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io;
use std::path::PathBuf;
use uuid::Uuid;

const ACCESS_KEY: &str = "daojia-test-key";
const SECRET_KEY: &str = "daojia-test-secret-0123456789";
const BUCKET: &str = "daojia-photos";

/// Starts a server with one bucket; returns its base URL and its folder.
async fn server() -> (String, PathBuf) {
    let root = std::env::temp_dir().join(format!("daojia-s3-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(root.join(BUCKET)).unwrap();
    let fs = s3s_fs::FileSystem::new(&root).unwrap();
    let service = {
        let mut b = s3s::service::S3ServiceBuilder::new(fs);
        b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        b.build()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), root)
}

fn config(endpoint: &str, secret: &str) -> S3Config {
    S3Config {
        endpoint: Some(endpoint.into()),
        bucket: Some(BUCKET.into()),
        path_style: true,
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(Secret::new(secret.into())),
        prefix: "uploads/".into(),
        ..S3Config::default()
    }
}

#[tokio::test]
async fn photos_round_trip_through_a_signed_s3_bucket() {
    let (endpoint, root) = server().await;
    let store = S3Files::new(&config(&endpoint, SECRET_KEY)).unwrap();
    let key = Uuid::now_v7();
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(store.get(key).await.unwrap(), None, "nothing there yet");
    store.put(key, &bytes).await.unwrap();
    // The server wrote the object where the prefix says.
    let on_disk = root
        .join(BUCKET)
        .join("uploads")
        .join(key.simple().to_string());
    assert_eq!(std::fs::read(&on_disk).unwrap(), bytes);
    assert_eq!(store.get(key).await.unwrap(), Some(bytes.clone()));
    store.delete(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);
    // Deleting twice is no error (erasure and retention may run twice).
    store.delete(key).await.unwrap();
    std::fs::remove_dir_all(root).unwrap();
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_server() {
    let (endpoint, root) = server().await;
    let good = S3Files::new(&config(&endpoint, SECRET_KEY)).unwrap();
    let key = Uuid::now_v7();
    good.put(key, b"the picture").await.unwrap();

    let bad = S3Files::new(&config(&endpoint, "not-the-secret")).unwrap();
    let e = bad.put(Uuid::now_v7(), b"x").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains("403"), "{e}");
    assert!(!e.to_string().contains("not-the-secret"), "{e}");
    let e = bad.get(key).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    let e = bad.delete(key).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    // Nothing the wrong key asked for happened.
    assert_eq!(
        good.get(key).await.unwrap().as_deref(),
        Some(&b"the picture"[..])
    );
    std::fs::remove_dir_all(root).unwrap();
}
