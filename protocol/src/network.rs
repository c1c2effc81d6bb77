//! Aptos networks and their ids: numeric chain ids and CAIP-2 names (`aptos:1`, `aptos:2`, `aptos:4`).

use std::fmt;
use std::str::FromStr;

use crate::ProtocolError;

/// A named Aptos network Aether knows how to reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    /// Aptos mainnet, chain id 1.
    Mainnet,
    /// Aptos testnet, chain id 2.
    Testnet,
    /// Aptos devnet: its chain id changes at every reset, so it is read from the node.
    Devnet,
    /// A local node (the embedded `aether-localnet`, or `aptos node run-localnet`), chain id 4.
    Local,
}

impl Network {
    /// Every named network, in a stable order.
    pub const ALL: [Network; 4] = [
        Network::Local,
        Network::Devnet,
        Network::Testnet,
        Network::Mainnet,
    ];

    /// Short lowercase name, as accepted by `--network`.
    pub fn name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Devnet => "devnet",
            Network::Local => "local",
        }
    }

    /// The fixed chain id, or `None` for devnet (ask the node: `GET /v1` answers `chain_id`).
    pub fn chain_id(self) -> Option<u8> {
        match self {
            Network::Mainnet => Some(1),
            Network::Testnet => Some(2),
            Network::Devnet => None,
            Network::Local => Some(4),
        }
    }

    /// CAIP-2 id (`aptos:<chain id>`), or `None` for devnet.
    pub fn caip2(self) -> Option<NetworkId> {
        self.chain_id().map(NetworkId::new)
    }

    /// Default fullnode REST base URL (with the `/v1` suffix, as `aptos-sdk` expects).
    pub fn rest_url(self) -> &'static str {
        match self {
            Network::Mainnet => "https://fullnode.mainnet.aptoslabs.com/v1",
            Network::Testnet => "https://fullnode.testnet.aptoslabs.com/v1",
            Network::Devnet => "https://fullnode.devnet.aptoslabs.com/v1",
            Network::Local => "http://127.0.0.1:8080/v1",
        }
    }

    /// Default faucet URL, where the network has a public one.
    pub fn faucet_url(self) -> Option<&'static str> {
        match self {
            Network::Mainnet => None,
            Network::Testnet => None, // the testnet faucet requires a captcha-gated web flow
            Network::Devnet => Some("https://faucet.devnet.aptoslabs.com"),
            Network::Local => Some("http://127.0.0.1:8081"),
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Network {
    type Err = ProtocolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ProtocolError::UnknownNetwork(s.to_string()))
    }
}

/// A CAIP-2 network id for Aptos: `aptos:<chain id>` (x402 uses these in `network` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetworkId {
    chain_id: u8,
}

impl NetworkId {
    /// CAIP-2 namespace of Aptos.
    pub const NAMESPACE: &'static str = "aptos";
    /// `aptos:1`.
    pub const MAINNET: NetworkId = NetworkId { chain_id: 1 };
    /// `aptos:2`.
    pub const TESTNET: NetworkId = NetworkId { chain_id: 2 };
    /// `aptos:4`, the local chain id `aptos-sdk` hard-codes for `AptosConfig::local()`.
    pub const LOCAL: NetworkId = NetworkId { chain_id: 4 };

    /// The id of the chain with this chain id.
    pub const fn new(chain_id: u8) -> Self {
        NetworkId { chain_id }
    }

    /// The numeric chain id.
    pub const fn chain_id(self) -> u8 {
        self.chain_id
    }
}

impl fmt::Display for NetworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", Self::NAMESPACE, self.chain_id)
    }
}

impl FromStr for NetworkId {
    type Err = ProtocolError;

    /// Parses `aptos:<u8>`; the reference must be a canonical decimal (no sign, no leading zero).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ProtocolError::InvalidNetworkId(s.to_string());
        let reference = s
            .strip_prefix(Self::NAMESPACE)
            .and_then(|r| r.strip_prefix(':'))
            .ok_or_else(bad)?;
        let canonical = !reference.is_empty()
            && reference.bytes().all(|b| b.is_ascii_digit())
            && (reference == "0" || !reference.starts_with('0'));
        if !canonical {
            return Err(bad());
        }
        reference
            .parse::<u8>()
            .map(NetworkId::new)
            .map_err(|_| bad())
    }
}

impl serde::Serialize for NetworkId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for NetworkId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids() {
        assert_eq!(NetworkId::MAINNET.to_string(), "aptos:1");
        assert_eq!(NetworkId::TESTNET.to_string(), "aptos:2");
        assert_eq!(Network::Local.caip2(), Some(NetworkId::LOCAL));
        assert_eq!(NetworkId::LOCAL.to_string(), "aptos:4");
        assert_eq!(Network::Devnet.caip2(), None);
        assert_eq!("aptos:4".parse::<NetworkId>().unwrap(), NetworkId::LOCAL);
        assert_eq!("LOCAL".parse::<Network>().unwrap(), Network::Local);
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "aptos:",
            "aptos:04",
            "aptos:256",
            "eip155:1",
            "aptos:-1",
            "aptos:1 ",
            "aptos",
        ] {
            assert!(bad.parse::<NetworkId>().is_err(), "{bad} parsed");
        }
        assert!("moonnet".parse::<Network>().is_err());
    }

    #[test]
    fn serde_uses_caip2_strings() {
        let json = serde_json::to_string(&NetworkId::TESTNET).unwrap();
        assert_eq!(json, "\"aptos:2\"");
        let back: NetworkId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, NetworkId::TESTNET);
    }
}
