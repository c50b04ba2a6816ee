//! How many replicas a request rate needs, from a per-request cost model
//! (the agent's capacity plan: 0.001 CPU cores and 2 MiB per request/s)
//! and a target utilisation per pod (scale up past 70% CPU, 75% memory).

/// Cost of one request per second, and the utilisation to stay under.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    pub cpu_cores_per_rps: f64,
    pub memory_bytes_per_rps: f64,
    /// What one pod uses with no traffic.
    pub base_cpu_cores: f64,
    pub base_memory_bytes: f64,
    /// Share of a pod's CPU limit to stay under, 0 to 1.
    pub cpu_target: f64,
    /// Share of a pod's memory limit to stay under, 0 to 1.
    pub memory_target: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            cpu_cores_per_rps: 0.001,
            memory_bytes_per_rps: 2.0 * 1024.0 * 1024.0,
            base_cpu_cores: 0.0,
            base_memory_bytes: 0.0,
            cpu_target: 0.70,
            memory_target: 0.75,
        }
    }
}

/// A pod's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PodLimits {
    pub cpu_cores: f64,
    pub memory_bytes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    pub replicas: u32,
    /// The resource that sets the count.
    pub bound_by: Resource,
    /// Expected utilisation of each pod at that count, 0 to 1.
    pub cpu_utilisation: f64,
    pub memory_utilisation: f64,
}

/// Replicas for `rps` requests per second: the fewest that keep every pod
/// under both targets, at least one.
pub fn recommend(rps: f64, pod: PodLimits, cost: &CostModel) -> Result<Recommendation, String> {
    let finite_non_negative = [
        rps,
        cost.cpu_cores_per_rps,
        cost.memory_bytes_per_rps,
        cost.base_cpu_cores,
        cost.base_memory_bytes,
    ]
    .iter()
    .all(|v| v.is_finite() && *v >= 0.0);
    if !finite_non_negative {
        return Err("the request rate and the costs must be finite and not negative".to_string());
    }
    let targets_ok = [cost.cpu_target, cost.memory_target]
        .iter()
        .all(|t| *t > 0.0 && *t <= 1.0);
    if !(targets_ok && pod.cpu_cores > 0.0 && pod.memory_bytes > 0.0) {
        return Err("targets must be above 0 and at most 1, and pod limits above 0".to_string());
    }
    let need = |per_rps: f64, base: f64, limit: f64, target: f64, name: &str| -> Result<f64, String> {
        let room = limit * target - base;
        if room <= 0.0 {
            return Err(format!(
                "an idle pod already uses {base} of {limit} {name}, past the {:.0}% target",
                target * 100.0
            ));
        }
        // A hair under a whole number is that number (0.7 - 0.2 is not 0.5).
        Ok((rps * per_rps / room * (1.0 - 1e-12)).ceil())
    };
    let cpu = need(
        cost.cpu_cores_per_rps,
        cost.base_cpu_cores,
        pod.cpu_cores,
        cost.cpu_target,
        "CPU cores",
    )?;
    let memory = need(
        cost.memory_bytes_per_rps,
        cost.base_memory_bytes,
        pod.memory_bytes,
        cost.memory_target,
        "memory bytes",
    )?;
    let replicas = cpu.max(memory).max(1.0);
    if replicas > f64::from(u32::MAX) {
        return Err(format!("{replicas} replicas is beyond any cluster"));
    }
    let per_pod = rps / replicas;
    Ok(Recommendation {
        replicas: replicas as u32,
        bound_by: if memory > cpu {
            Resource::Memory
        } else {
            Resource::Cpu
        },
        cpu_utilisation: (cost.base_cpu_cores + per_pod * cost.cpu_cores_per_rps) / pod.cpu_cores,
        memory_utilisation: (cost.base_memory_bytes + per_pod * cost.memory_bytes_per_rps) / pod.memory_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    #[test]
    fn default_costs_size_the_agent() {
        let pod = PodLimits {
            cpu_cores: 1.0,
            memory_bytes: GIB,
        };
        // 1000 rps: 1 core and 2000 MiB; per pod 0.7 cores and 768 MiB.
        let r = recommend(1_000.0, pod, &CostModel::default()).unwrap();
        assert_eq!((r.replicas, r.bound_by), (3, Resource::Memory));
        assert!(r.memory_utilisation <= 0.75 && r.cpu_utilisation <= 0.70, "{r:?}");
        let big = PodLimits {
            cpu_cores: 1.0,
            memory_bytes: 64.0 * GIB,
        };
        let r = recommend(1_000.0, big, &CostModel::default()).unwrap();
        assert_eq!((r.replicas, r.bound_by), (2, Resource::Cpu));
        assert_eq!(recommend(0.0, pod, &CostModel::default()).unwrap().replicas, 1);
    }

    #[test]
    fn idle_usage_and_bad_input_are_errors() {
        let pod = PodLimits {
            cpu_cores: 1.0,
            memory_bytes: GIB,
        };
        let heavy = CostModel {
            base_memory_bytes: 0.8 * GIB,
            ..CostModel::default()
        };
        assert!(recommend(10.0, pod, &heavy).unwrap_err().contains("75% target"));
        let with_base = CostModel {
            base_cpu_cores: 0.2,
            ..CostModel::default()
        };
        let r = recommend(
            1_000.0,
            PodLimits {
                memory_bytes: 64.0 * GIB,
                ..pod
            },
            &with_base,
        )
        .unwrap();
        assert_eq!(r.replicas, 2, "1 core of load into 0.5 cores of room per pod");
        assert!(recommend(f64::NAN, pod, &CostModel::default()).is_err());
        assert!(recommend(-1.0, pod, &CostModel::default()).is_err());
        let zero = PodLimits {
            cpu_cores: 0.0,
            ..pod
        };
        assert!(recommend(1.0, zero, &CostModel::default()).is_err());
    }
}
