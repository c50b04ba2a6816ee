//! kube-rs errors as one readable line: the API server's own message for
//! refusals, the innermost transport cause otherwise (kube's Display of a
//! connection failure is "ServiceError: client error (Connect)").

use kube::core::Status;

use crate::sources::innermost;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeError {
    /// The API server refused: `deployments.apps "web" not found (404 NotFound)`.
    #[error("{message} ({code} {reason})")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer: connection refused, timeout, TLS ...
    #[error("{0}")]
    Transport(String),
    /// Caught before asking the API server.
    #[error("{0}")]
    Invalid(String),
}

impl KubeError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, KubeError::Api { code: 404, .. })
    }
}

impl From<&Status> for KubeError {
    fn from(status: &Status) -> KubeError {
        KubeError::Api {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
        }
    }
}

impl From<&kube::Error> for KubeError {
    fn from(error: &kube::Error) -> KubeError {
        match error {
            kube::Error::Api(status) => KubeError::from(status.as_ref()),
            other => KubeError::Transport(innermost(other)),
        }
    }
}

impl From<kube::Error> for KubeError {
    fn from(error: kube::Error) -> KubeError {
        KubeError::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_refusal_reads_as_the_servers_message() {
        let status = Status::failure("deployments.apps \"web\" not found", "NotFound").with_code(404);
        let error = KubeError::from(kube::Error::Api(status.boxed()));
        assert!(error.is_not_found());
        assert_eq!(
            error.to_string(),
            "deployments.apps \"web\" not found (404 NotFound)"
        );
    }

    #[test]
    fn transport_failure_reads_as_its_innermost_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let error = KubeError::from(kube::Error::ReadEvents(io));
        assert_eq!(error, KubeError::Transport("Connection refused".to_string()));
        assert!(!error.is_not_found());
    }
}
