//! A pod's CPU and memory requests and limits, summed over its containers,
//! from the Kubernetes quantity strings of its spec (`500m`, `2`, `256Mi`,
//! `1G`, `1e9`): what the capacity screen measures use against.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Summed over the pod's containers; `None` when any container leaves it
/// unset (the pod then has no bound on that resource). CPU in millicores,
/// as Kubernetes counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodResources {
    pub cpu_request_millis: Option<u64>,
    pub cpu_limit_millis: Option<u64>,
    pub memory_request_bytes: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
}

impl PodResources {
    pub fn cpu_limit_cores(&self) -> Option<f64> {
        self.cpu_limit_millis.map(|m| m as f64 / 1000.0)
    }

    pub fn cpu_request_cores(&self) -> Option<f64> {
        self.cpu_request_millis.map(|m| m as f64 / 1000.0)
    }

    pub fn memory_limit(&self) -> Option<f64> {
        self.memory_limit_bytes.map(|b| b as f64)
    }

    pub fn memory_request(&self) -> Option<f64> {
        self.memory_request_bytes.map(|b| b as f64)
    }
}

/// The pod's requests and limits; a quantity that cannot be read counts as unset.
pub fn pod_resources(pod: &Pod) -> PodResources {
    let containers = pod
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    let sum = |pick: &dyn Fn(&k8s_openapi::api::core::v1::ResourceRequirements) -> Option<u64>| {
        if containers.is_empty() {
            return None;
        }
        containers
            .iter()
            .map(|c| c.resources.as_ref().and_then(pick))
            .sum::<Option<u64>>()
    };
    let get = |map: &Option<std::collections::BTreeMap<String, Quantity>>, key: &str, unit: f64| {
        map.as_ref()
            .and_then(|m| m.get(key))
            .and_then(|q| parse_quantity(&q.0))
            .map(|v| (v * unit).ceil() as u64)
    };
    PodResources {
        cpu_request_millis: sum(&|r| get(&r.requests, "cpu", 1000.0)),
        cpu_limit_millis: sum(&|r| get(&r.limits, "cpu", 1000.0)),
        memory_request_bytes: sum(&|r| get(&r.requests, "memory", 1.0)),
        memory_limit_bytes: sum(&|r| get(&r.limits, "memory", 1.0)),
    }
}

/// A Kubernetes quantity as a plain number: `500m` is 0.5, `2Ki` 2048,
/// `1G` 1e9, `1e3` 1000. `None` for anything else.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    const SUFFIXES: [(&str, f64); 14] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    let starts_like_a_number = number.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '+');
    let value: f64 = number.parse().ok().filter(|_| starts_like_a_number)?;
    let value = value * factor;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_as_kubernetes_writes_them() {
        for (text, want) in [
            ("500m", 0.5),
            ("2", 2.0),
            ("256Mi", 268_435_456.0),
            ("1G", 1e9),
            ("1e3", 1000.0),
            ("1.5Gi", 1_610_612_736.0),
            ("100k", 100_000.0),
        ] {
            assert_eq!(parse_quantity(text), Some(want), "{text}");
        }
        for bad in ["", "m", "-1", "abc", "1Xi", "inf", "NaN"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
    }

    #[test]
    fn containers_are_summed_and_an_unset_one_unsets_the_pod() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [
                {"name": "a", "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                            "limits": {"cpu": "500m", "memory": "256Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "100m"},
                                            "limits": {"cpu": "1", "memory": "128Mi"}}}
            ]}
        }))
        .unwrap();
        let r = pod_resources(&pod);
        assert_eq!(r.cpu_limit_millis, Some(1500));
        assert_eq!(r.cpu_limit_cores(), Some(1.5));
        assert_eq!(r.memory_limit_bytes, Some(384 * 1_048_576));
        assert_eq!(r.cpu_request_millis, Some(150));
        assert_eq!(r.memory_request_bytes, None, "container b requests no memory");
        assert_eq!(pod_resources(&Pod::default()), PodResources::default());
    }
}
