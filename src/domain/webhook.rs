//! Webhook rules: the event names one may subscribe to, which targets are
//! allowed, and when a failed delivery is tried again.

use std::net::IpAddr;
use std::time::Duration;

/// Every event of CONTRACT.md §7.
pub const EVENTS: [&str; 17] = [
    "wish.submitted",
    "wish.updated",
    "wish.approved",
    "wish.returned",
    "wish.rejected",
    "wish.withdrawn",
    "wish.claimed",
    "wish.released",
    "wish.fulfilled",
    "wish.completed",
    "wish.disputed",
    "wish.cancelled",
    "wish.expired",
    "wish.reopened",
    "registration.created",
    "registration.approved",
    "registration.rejected",
];

/// Does a subscription (a list of names, or `*`) cover `event`?
pub fn subscribed(events: &[String], event: &str) -> bool {
    events.iter().any(|e| e == "*" || e == event)
}

/// An address a webhook may be delivered to without
/// `MICROWISH_ALLOW_PRIVATE_WEBHOOKS`: not loopback, private, link-local,
/// shared, unspecified, broadcast, multicast or documentation space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || a == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
        }
    }
}

/// What happens after a failed attempt number `attempt` (1-based): when to
/// try again, or `None` when the schedule is spent and the delivery has failed.
pub fn next_retry(schedule: &[Duration], attempt: u32) -> Option<Duration> {
    schedule.get(attempt.checked_sub(1)? as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let s = [Duration::from_secs(5), Duration::from_secs(300)];
        assert_eq!(next_retry(&s, 1), Some(Duration::from_secs(5)));
        assert_eq!(next_retry(&s, 2), Some(Duration::from_secs(300)));
        assert_eq!(next_retry(&s, 3), None);
        assert_eq!(next_retry(&s, 0), None);
    }

    #[test]
    fn subscriptions() {
        assert!(subscribed(&["*".into()], "wish.claimed"));
        assert!(subscribed(&["wish.claimed".into()], "wish.claimed"));
        assert!(!subscribed(&["wish.claimed".into()], "wish.approved"));
        assert_eq!(EVENTS.len(), 17);
    }
}
