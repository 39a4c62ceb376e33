//! The client's address behind trusted proxies.
//!
//! `X-Forwarded-For` is written by every hop, and its left part by whoever sent the
//! request first: the client can put anything there. So the header counts only when the
//! socket peer is one of the configured proxies (`auth.trusted_proxies`), and then it is
//! read from the right: each trusted proxy appended the address it received the request
//! from, so the first address that is not a trusted proxy is the one that reached our
//! network. A malformed entry ends the walk (nothing left of it can be trusted) and the last
//! good address is used.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address block such as `10.0.0.0/8`, `2001:db8::/32` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// A block that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an address or address block such as 10.0.0.0/8 or 2001:db8::/32")]
pub struct BadCidr(pub String);

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(s: &str) -> Result<Cidr, BadCidr> {
        let bad = || BadCidr(s.to_string());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
        };
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket reports) as the
/// IPv4 address they carry, so one block matches both spellings.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

impl Cidr {
    /// Whether `ip` lies in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses the configured blocks; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<TrustedProxies, BadCidr> {
        list.iter()
            .map(|s| s.as_ref().parse())
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether no proxy is trusted (the header is ignored).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the socket `peer` unless it is a trusted proxy; then, from
    /// the right of `forwarded_for` (the `X-Forwarded-For` values in order), the first
    /// address that is not a trusted proxy, or the left-most when all are. A malformed
    /// entry stops the walk at the last good address.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let entries: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .collect();
        let mut last_good = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_entry(entry) else {
                return last_good;
            };
            if !self.contains(ip) {
                return ip;
            }
            last_good = ip;
        }
        last_good
    }
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or
/// `[2001:db8::1]:443` (some proxies add the port); anything else is `None`.
pub fn parse_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Some(rest) = e.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok());
        return port_ok
            .then(|| addr.parse::<std::net::Ipv6Addr>().ok())
            .flatten()
            .map(|ip| canonical(IpAddr::V6(ip)));
    }
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    // `a.b.c.d:port`: only IPv4 takes a port without brackets (IPv6 is ambiguous).
    let (addr, port) = e.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let t = TrustedProxies::default();
        assert_eq!(
            t.client_ip(ip("203.0.113.9"), ["198.51.100.1"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_claims() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_ip(ip("203.0.113.9"), ["198.51.100.1, 10.0.0.2"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_spoofed_left_part_is_ignored_behind_a_trusted_proxy() {
        let t = proxies(&["10.0.0.0/8"]);
        // The client sent `X-Forwarded-For: 1.1.1.1`; the balancer appended what it saw.
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["1.1.1.1, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Two trusted hops (a CDN edge in the list, then the balancer).
        let t = proxies(&["10.0.0.0/8", "192.0.2.0/24"]);
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["6.6.6.6, 203.0.113.9, 192.0.2.10"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn several_header_lines_read_as_one_list_in_order() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["1.1.1.1", "203.0.113.9, 10.0.0.3"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn when_every_entry_is_a_trusted_proxy_the_left_most_is_the_client() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["10.1.1.1, 10.2.2.2"]),
            ip("10.1.1.1")
        );
        assert_eq!(t.client_ip(ip("10.0.0.5"), [] as [&str; 0]), ip("10.0.0.5"));
    }

    #[test]
    fn ipv6_clients_and_proxies_are_understood() {
        let t = proxies(&["2001:db8:aa::/48", "10.0.0.0/8"]);
        assert_eq!(
            t.client_ip(ip("2001:db8:aa::1"), ["2001:db8:ff::7"]),
            ip("2001:db8:ff::7")
        );
        assert_eq!(
            t.client_ip(
                ip("2001:db8:aa::1"),
                ["[2001:db8:ff::7]:51234, 2001:db8:aa::2"]
            ),
            ip("2001:db8:ff::7")
        );
        // A dual-stack socket reports an IPv4 balancer as ::ffff:10.0.0.5.
        assert_eq!(
            t.client_ip(ip("::ffff:10.0.0.5"), ["203.0.113.9"]),
            ip("203.0.113.9")
        );
        assert_eq!(
            t.client_ip(ip("::ffff:203.0.113.9"), [] as [&str; 0]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ports_after_an_address_are_dropped() {
        let t = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["203.0.113.9:40022"]),
            ip("203.0.113.9")
        );
        assert_eq!(parse_entry(" 198.51.100.7:0 "), Some(ip("198.51.100.7")));
        assert_eq!(parse_entry("[::1]"), Some(ip("::1")));
        assert_eq!(parse_entry("[::1]:"), None);
        assert_eq!(parse_entry("[::1]:99999"), None);
        assert_eq!(parse_entry("1.2.3.4:x"), None);
    }

    #[test]
    fn a_garbage_entry_stops_the_walk_at_the_last_good_address() {
        let t = proxies(&["10.0.0.0/8"]);
        // Garbage right after the balancer: nothing beyond the balancer is believed.
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["203.0.113.9, unknown"]),
            ip("10.0.0.5")
        );
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["203.0.113.9, 10.0.0.3, <script>"]),
            ip("10.0.0.5")
        );
        // Garbage left of a trusted hop: the last trusted hop is the best we know.
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["evil, 10.0.0.3"]),
            ip("10.0.0.3")
        );
        // Garbage left of the client's address does not matter.
        assert_eq!(
            t.client_ip(ip("10.0.0.5"), ["'; DROP TABLE, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        assert_eq!(t.client_ip(ip("10.0.0.5"), [""]), ip("10.0.0.5"));
        assert_eq!(t.client_ip(ip("10.0.0.5"), ["1.2.3.4,,"]), ip("10.0.0.5"));
    }

    #[test]
    fn blocks_parse_and_match_at_their_prefix() {
        let c: Cidr = "192.168.16.0/20".parse().unwrap();
        assert!(c.contains(ip("192.168.31.255")));
        assert!(!c.contains(ip("192.168.32.0")));
        assert!(!c.contains(ip("::ffff:192.168.32.0")));
        assert!(c.contains(ip("::ffff:192.168.17.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert!(!all.contains(ip("2001:db8::1")), "IPv4 blocks hold no IPv6");
        let one: Cidr = "2001:db8::1".parse().unwrap();
        assert_eq!(one.to_string(), "2001:db8::1/128");
        assert!(one.contains(ip("2001:db8::1")));
        assert!(!one.contains(ip("2001:db8::2")));
        let six: Cidr = "::/0".parse().unwrap();
        assert!(six.contains(ip("2001:db8::2")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0/8",
            "x",
            "",
            "10.0.0.0/+8",
            "::/129",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        let e = TrustedProxies::parse(&["10.0.0.0/8", "nope"]).unwrap_err();
        assert!(e.to_string().contains("`nope`"), "{e}");
    }
}
