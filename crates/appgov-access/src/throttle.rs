//! Login throttling: failed attempts are counted per login and per client
//! address in a sliding window; too many lock the login (or the address)
//! out for a while. Pure: the caller keeps the counts and the clock.

/// The limits (defaults: 5 failures of one login in 15 minutes lock it for
/// 15 minutes; 50 failures from one address in 15 minutes block it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    pub window_secs: i64,
    pub per_login: u32,
    pub per_address: u32,
    pub lockout_secs: i64,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules {
            window_secs: 15 * 60,
            per_login: 5,
            per_address: 50,
            lockout_secs: 15 * 60,
        }
    }
}

/// Failures recorded for a key (login or address): their times, unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    pub times: Vec<i64>,
}

impl Failures {
    /// Failures within the window ending at `now`.
    pub fn recent(&self, now: i64, rules: &ThrottleRules) -> u32 {
        self.times
            .iter()
            .filter(|t| **t > now - rules.window_secs && **t <= now)
            .count() as u32
    }

    /// When the lockout triggered by these failures ends, if it has not.
    fn locked_until(&self, now: i64, limit: u32, rules: &ThrottleRules) -> Option<i64> {
        if limit == 0 {
            return None;
        }
        // The lock starts at the failure that reached the limit within one
        // window, and lasts lockout_secs from the latest such failure.
        let mut times: Vec<i64> = self.times.iter().copied().filter(|t| *t <= now).collect();
        times.sort_unstable();
        let mut until = None;
        for (i, t) in times.iter().enumerate() {
            let start = i + 1 - (limit as usize).min(i + 1);
            if i + 1 >= limit as usize && t - times[start] < rules.window_secs {
                until = Some(t + rules.lockout_secs);
            }
        }
        until.filter(|u| *u > now)
    }
}

/// The verdict before checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Locked until this unix time.
    LoginLocked(i64),
    AddressBlocked(i64),
}

pub fn judge(login: &Failures, address: &Failures, now: i64, rules: &ThrottleRules) -> Verdict {
    if let Some(u) = address.locked_until(now, rules.per_address, rules) {
        return Verdict::AddressBlocked(u);
    }
    if let Some(u) = login.locked_until(now, rules.per_login, rules) {
        return Verdict::LoginLocked(u);
    }
    Verdict::Allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let r = ThrottleRules::default();
        let f = Failures {
            times: vec![100, 110, 120, 130],
        };
        assert_eq!(judge(&f, &Failures::default(), 140, &r), Verdict::Allowed);
        let f = Failures {
            times: vec![100, 110, 120, 130, 140],
        };
        assert_eq!(
            judge(&f, &Failures::default(), 141, &r),
            Verdict::LoginLocked(140 + 900)
        );
        assert_eq!(judge(&f, &Failures::default(), 1040, &r), Verdict::Allowed);
    }

    #[test]
    fn spread_out_failures_do_not_lock() {
        let r = ThrottleRules::default();
        let f = Failures {
            times: (0..20).map(|i| i * 400).collect(),
        };
        assert_eq!(judge(&f, &Failures::default(), 8000, &r), Verdict::Allowed);
    }

    proptest! {
        #[test]
        fn never_locked_below_the_limit(times in proptest::collection::vec(0i64..10_000, 0..5), now in 0i64..20_000) {
            let r = ThrottleRules::default();
            let f = Failures { times };
            prop_assert_eq!(judge(&f, &Failures::default(), now, &r), Verdict::Allowed);
        }

        #[test]
        fn a_lock_always_ends(times in proptest::collection::vec(0i64..10_000, 0..40)) {
            let r = ThrottleRules::default();
            let f = Failures { times };
            prop_assert_eq!(judge(&f, &Failures::default(), 10_000 + r.lockout_secs + 1, &r), Verdict::Allowed);
        }
    }
}
