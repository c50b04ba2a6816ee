//! The console's screens, in switcher order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Overview,
    Prices,
    Slos,
    Incidents,
    Capacity,
    Dr,
    Cluster,
    Timeline,
}

/// What a screen needs before it can show anything, and how to provide it.
pub struct Requirement {
    pub purpose: &'static str,
    pub how_to_configure: &'static [&'static str],
}

impl Screen {
    pub const ALL: [Screen; 8] = [
        Screen::Overview,
        Screen::Prices,
        Screen::Slos,
        Screen::Incidents,
        Screen::Capacity,
        Screen::Dr,
        Screen::Cluster,
        Screen::Timeline,
    ];

    pub const TITLES: [&'static str; 8] = [
        "Overview",
        "Prices",
        "SLOs",
        "Incidents",
        "Capacity",
        "DR",
        "Cluster",
        "Timeline",
    ];

    pub fn index(self) -> usize {
        Screen::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        Screen::TITLES[self.index()]
    }

    pub fn next(self) -> Screen {
        Screen::ALL[(self.index() + 1) % Screen::ALL.len()]
    }

    pub fn previous(self) -> Screen {
        Screen::ALL[(self.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]
    }

    /// For screens whose source this build does not read yet: what they are
    /// for and how an operator will configure them. `None` for live screens.
    pub fn requirement(self) -> Option<Requirement> {
        match self {
            Screen::Overview
            | Screen::Prices
            | Screen::Slos
            | Screen::Incidents
            | Screen::Capacity
            | Screen::Dr
            | Screen::Timeline => None,
            Screen::Cluster => Some(Requirement {
                purpose: "Deployments, pods and warning events of the agent's namespace",
                how_to_configure: &[
                    "No cluster is configured, so nothing is shown rather than a guess.",
                    "Give --kube-context NAME and/or --namespace NS (kubeconfig as kubectl",
                    "reads it), or set [kube] in the config; inside a pod, mdops uses its",
                    "service account.",
                ],
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_previous_wrap_around() {
        assert_eq!(Screen::Timeline.next(), Screen::Overview);
        assert_eq!(Screen::Overview.previous(), Screen::Timeline);
        for screen in Screen::ALL {
            assert_eq!(screen.next().previous(), screen);
        }
    }

    #[test]
    fn every_screen_but_the_cluster_is_live() {
        let live: Vec<_> = Screen::ALL.iter().filter(|s| s.requirement().is_none()).collect();
        assert_eq!(
            live,
            [
                &Screen::Overview,
                &Screen::Prices,
                &Screen::Slos,
                &Screen::Incidents,
                &Screen::Capacity,
                &Screen::Dr,
                &Screen::Timeline
            ]
        );
    }
}
