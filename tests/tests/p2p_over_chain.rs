//! Journeys 1 and 4 together: agents publish their messaging key and P2P endpoint in their
//! on-chain agent card (embedded localnet, reached through `aptos-sdk`), discover each other
//! with `ChainDirectory` (agent_card views), exchange encrypted request/response messages, and
//! a peer whose key does not match the card on chain is refused.

use std::time::Duration;

use aether_agent::p2p::{
    Agent, AgentError, AgentId, ChainDirectory, CloseReason, DiscoverFilter, Identity, Kind,
};
use aether_localnet::{Localnet, LocalnetHandle};
use aether_protocol::abi::agent_card::Call;
use aptos_sdk::Aptos;
use aptos_sdk::account::Ed25519Account;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

fn id(n: u64) -> AgentId {
    AgentId::new(n.to_string()).unwrap()
}

/// Builds and starts an agent listening on loopback, reading cards from the chain.
async fn start_agent(h: &LocalnetHandle, agent_id: u64, seed: u8, caps: &[&str]) -> Agent {
    let agent = Agent::builder()
        .agent_id(agent_id.to_string())
        .identity(Identity::from_seed(&[seed; 32]))
        .bind_host("127.0.0.1")
        .port(0)
        .capabilities(caps.iter().copied())
        .directory(ChainDirectory::new(&h.rest_url(), h.aether_address()).unwrap())
        .build()
        .unwrap();
    agent.connect().await.unwrap();
    agent
}

/// Registers `agent`'s card (its key and endpoint) from a freshly funded owner account.
async fn register(h: &LocalnetHandle, aptos: &Aptos, agent: &Agent, name: &str) -> Ed25519Account {
    let owner = Ed25519Account::generate();
    aptos
        .fund_account(owner.address(), 10 * 100_000_000)
        .await
        .unwrap();
    let card = agent.card();
    let call = Call::Register {
        name: name.into(),
        description: format!("{name} test agent"),
        capabilities: card.capabilities.clone(),
        endpoint: String::new(),
        rate_octas: 1_000,
        manifest_url: String::new(),
        messaging_pubkey: agent.public_key().to_bytes().to_vec(),
        p2p_endpoint: card.endpoint.clone(),
    };
    let tx = aptos
        .sign_submit_and_wait(&owner, call.payload(h.aether_address()), None)
        .await
        .unwrap();
    assert_eq!(tx.data["success"], json!(true), "{}", tx.data["vm_status"]);
    owner
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_find_each_other_on_chain_and_talk_encrypted() {
    let h = Localnet::start_temporary().await.unwrap();
    let aptos = Aptos::new(h.aptos_config().unwrap()).unwrap();

    // Chain ids are sequential: the first card registered is agent 1, the second agent 2.
    let client = start_agent(&h, 1, 1, &["shopping"]).await;
    register(&h, &aptos, &client, "shopper").await;
    let provider = start_agent(&h, 2, 2, &["translate", "summarize"]).await;
    let provider_owner = register(&h, &aptos, &provider, "translator").await;

    // The provider answers requests.
    let mut incoming = provider.incoming().unwrap();
    let responder = provider.clone();
    tokio::spawn(async move {
        while let Some(m) = incoming.next().await {
            if m.kind == Kind::Request {
                let text = m.payload["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_uppercase();
                let _ = responder.respond(&m, json!({ "translated": text })).await;
            }
        }
    });

    // Discovery through agent_card views.
    let found = client.find("translate").await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].agent_id, id(2));
    assert_eq!(found[0].messaging_key, provider.public_key());
    assert_eq!(Some(found[0].endpoint.clone()), provider.endpoint());

    // Encrypted request/response, both sides checked against their cards on chain.
    let reply = client
        .request(&id(2), "translate", json!({ "text": "bonjour" }), WAIT)
        .await
        .unwrap();
    assert_eq!(reply.payload, json!({ "translated": "BONJOUR" }));
    assert!(reply.encrypted && reply.card_verified);
    assert_eq!(reply.from, id(2));

    // An impostor claiming to be agent 1 with another key is refused by the provider, whose
    // directory says agent 1's key is the one registered on chain.
    let impostor = start_agent(&h, 1, 9, &["shopping"]).await;
    let refused = impostor
        .request(&id(2), "translate", json!({ "text": "x" }), WAIT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            AgentError::ConnectionClosed {
                reason: CloseReason::PeerRefused,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(provider.stats().refused, 1);

    // Deactivating the provider's card removes it from active discovery.
    let tx = aptos
        .sign_submit_and_wait(
            &provider_owner,
            Call::Deactivate { agent_id: 2 }.payload(h.aether_address()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(tx.data["success"], json!(true));
    assert!(client.find("translate").await.unwrap().is_empty());
    let all = client.discover(&DiscoverFilter::default()).await.unwrap();
    assert_eq!(
        all.len(),
        2,
        "inactive cards are still listed without active_only"
    );

    for a in [client, provider, impostor] {
        a.disconnect().await.unwrap();
    }
    h.shutdown().await;
}
