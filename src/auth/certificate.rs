//! The names an mTLS client certificate carries, as the principals file matches them: its DNS
//! subject alternative names, then its subject's common name. The certificate has been verified
//! against the client CA by the TLS handshake before these are read.

use x509_cert::{
    Certificate,
    der::Decode,
    ext::pkix::{SubjectAltName, name::GeneralName},
};

/// The DNS names and then the common name of a DER certificate; none when it cannot be read.
pub fn certificate_names(der: &[u8]) -> Vec<String> {
    let Ok(certificate) = Certificate::from_der(der) else { return Vec::new() };
    let tbs = certificate.tbs_certificate();
    let mut names = Vec::new();
    if let Ok(Some((_, SubjectAltName(general)))) = tbs.get_extension::<SubjectAltName>() {
        for name in general {
            if let GeneralName::DnsName(dns) = name {
                names.push(dns.to_string());
            }
        }
    }
    if let Ok(Some(common)) = tbs.subject().common_name() {
        names.push(common.value().into_owned());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate from the test fixtures, as DER.
    fn der(name: &str) -> Vec<u8> {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name);
        CertificateDer::from_pem_file(path).expect("a PEM certificate").to_vec()
    }

    #[test]
    fn dns_names_come_first_then_the_common_name() {
        assert_eq!(certificate_names(&der("client-ops.crt")), ["ops.internal.example.com", "ops-client"]);
        assert_eq!(certificate_names(&der("client-cn-only.crt")), ["billing-batch"]);
        assert!(certificate_names(b"not a certificate").is_empty());
    }
}
