//! Behind a TCP balancer (`[http] proxy_protocol`): the PROXY header that
//! starts each connection names the client, and the application records
//! that address, not the balancer's; a connection without one gets nothing.

use std::net::SocketAddr;

use serde_json::json;
use tessera::auth::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::contributions_fixture::{PASSWORD, person};
use crate::helpers::{migrated_database, spawn_app_with, test_config};

async fn exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("send");
    let mut reply = Vec::new();
    let read = stream.read_to_end(&mut reply);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server ends the exchange")
        .ok();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn the_proxy_header_names_the_client_and_a_connection_without_one_gets_nothing() {
    let mut config = test_config();
    config.http.proxy_protocol = true;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("proxied", "Club Derrière").await;
    let host = tenant.default_host.to_string();
    person(&app, &tenant, "ada@example.org", "Ada", Role::Admin, true).await;

    let bare = exchange(app.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(
        bare, "",
        "a connection without a PROXY header is closed unanswered"
    );

    let body = json!({ "email": "ada@example.org", "password": PASSWORD }).to_string();
    let request = format!(
        "PROXY TCP4 203.0.113.9 10.0.0.1 51000 80\r\nPOST /api/v1/auth/login HTTP/1.1\r\n\
         Host: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let reply = exchange(app.addr, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let mut tx = app.tenant_tx(&tenant).await;
    let ip: String = sqlx::query_scalar(
        "SELECT host(ip) FROM audit_log WHERE action = 'login.succeeded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("the sign-in is audited");
    assert_eq!(ip, "203.0.113.9");

    // The balancer's own health check (v2 LOCAL) is served too.
    let mut check = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec();
    check.extend(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(exchange(app.addr, &check).await.starts_with("HTTP/1.1 200"));
}
