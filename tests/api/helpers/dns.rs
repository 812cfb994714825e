//! A small authoritative DNS server on loopback (UDP), for the custom-domain
//! tests: answers what the test put in its zone, follows its CNAMEs, says
//! NXDOMAIN (with an SOA) for names it does not know and NODATA for known
//! names without the asked type. Records have a TTL of 0.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA, CNAME, SOA, TXT};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;

type Zone = HashMap<String, Vec<RData>>;

pub struct DnsServer {
    pub addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn name(text: &str) -> Name {
    Name::from_ascii(format!("{}.", key(text))).expect("DNS name")
}

impl DnsServer {
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("DNS socket");
        let addr = socket.local_addr().expect("DNS address");
        let zone = Arc::new(Mutex::new(Zone::new()));
        let task = tokio::spawn(serve(socket, zone.clone()));
        Self { addr, zone, task }
    }

    fn add(&self, owner: &str, data: RData) {
        let mut zone = self.zone.lock().expect("zone");
        zone.entry(key(owner)).or_default().push(data);
    }

    pub fn set_txt(&self, owner: &str, value: &str) {
        self.remove(owner);
        self.add(owner, RData::TXT(TXT::new(vec![value.to_owned()])));
    }

    pub fn set_ip(&self, owner: &str, ip: IpAddr) {
        self.add(
            owner,
            match ip {
                IpAddr::V4(v4) => RData::A(A(v4)),
                IpAddr::V6(v6) => RData::AAAA(AAAA(v6)),
            },
        );
    }

    pub fn set_cname(&self, owner: &str, target: &str) {
        self.remove(owner);
        self.add(owner, RData::CNAME(CNAME(name(target))));
    }

    pub fn remove(&self, owner: &str) {
        self.zone.lock().expect("zone").remove(&key(owner));
    }
}

async fn serve(socket: UdpSocket, zone: Arc<Mutex<Zone>>) {
    let mut buffer = [0u8; 1500];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        let reply = answer(&query, &zone.lock().expect("zone"));
        if let Ok(bytes) = reply.to_vec() {
            let _ = socket.send_to(&bytes, peer).await;
        }
    }
}

fn answer(query: &Message, zone: &Zone) -> Message {
    let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    let Some(question) = query.queries.first() else {
        reply.metadata.response_code = ResponseCode::FormErr;
        return reply;
    };
    reply.add_query(question.clone());
    let wanted = question.query_type();
    let mut owner = key(&question.name().to_ascii());
    // Follow CNAMEs (at most 8), adding each to the answer.
    for _ in 0..8 {
        let Some(records) = zone.get(&owner) else {
            break;
        };
        let direct: Vec<&RData> = records
            .iter()
            .filter(|r| r.record_type() == wanted)
            .collect();
        if !direct.is_empty() {
            for data in direct {
                reply.add_answer(Record::from_rdata(name(&owner), 0, data.clone()));
            }
            return reply;
        }
        let Some(RData::CNAME(target)) = records
            .iter()
            .find(|r| r.record_type() == RecordType::CNAME)
        else {
            break;
        };
        reply.add_answer(Record::from_rdata(
            name(&owner),
            0,
            RData::CNAME(target.clone()),
        ));
        owner = key(&target.0.to_ascii());
    }
    if reply.answers.is_empty() && !zone.contains_key(&owner) {
        reply.metadata.response_code = ResponseCode::NXDomain;
    }
    let soa = SOA::new(name("ns.test"), name("hostmaster.test"), 1, 60, 60, 600, 0);
    reply
        .authorities
        .push(Record::from_rdata(name("test"), 0, RData::SOA(soa)));
    reply
}
