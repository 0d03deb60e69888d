//! Scopes, and the scope each method of the service needs (DESIGN section 9).

use std::{fmt, str::FromStr};

use crate::config::ReflectionAccess;

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Triage tickets: TriageTicket, BatchTriage, StreamTriage.
    Triage,
    /// Read tickets: GetTicket, ListTickets, GetStats.
    TicketsRead,
    /// Change tickets: CreateTicket, UpdateTicket, DeleteTicket.
    TicketsWrite,
    /// Read the audit log: ListAuditEntries, WatchAuditEntries, ExportAuditEntries, VerifyAuditChain.
    AuditRead,
    /// The rules RPCs: GetRules, CheckRules, TestRules, BacktestRules.
    Rules,
    /// Purges, cache and model operations; implies every other scope.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 6] =
        [Scope::Triage, Scope::TicketsRead, Scope::TicketsWrite, Scope::AuditRead, Scope::Rules, Scope::Admin];

    /// The scope's name in principals files, JWT `scope` claims and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Triage => "triage",
            Scope::TicketsRead => "tickets.read",
            Scope::TicketsWrite => "tickets.write",
            Scope::AuditRead => "audit.read",
            Scope::Rules => "rules",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown scope {s:?}; the scopes are {}", names.join(", "))
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes; `admin` grants every one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    /// Every scope (what an unauthenticated server grants).
    pub fn all() -> Scopes {
        Scopes(Scope::Admin.bit())
    }

    /// The set holding `scopes`.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Scopes {
        Scopes(scopes.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }

    /// Whether the set grants `scope` (itself, or through `admin`).
    pub fn grants(self, scope: Scope) -> bool {
        self.0 & (scope.bit() | Scope::Admin.bit()) != 0
    }

    /// The scopes held, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.0 & s.bit() != 0)
    }
}

/// What a call to a method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone may call (health; reflection unless `auth.reflection = "authenticated"`).
    Open,
    /// Any authenticated principal (reflection when it must be authenticated; a path the server does
    /// not serve, so that an unauthenticated caller learns nothing from it).
    Authenticated,
    /// A principal holding this scope.
    Needs(Scope),
}

/// The scope every method of the four services needs, by `package.Service/Method`.
pub const METHOD_SCOPES: &[(&str, Scope)] = &[
    ("helpdesk.v1.TriageService/TriageTicket", Scope::Triage),
    ("helpdesk.v1.BatchTriageService/BatchTriage", Scope::Triage),
    ("helpdesk.v1.BatchTriageService/StreamTriage", Scope::Triage),
    ("helpdesk.v1.TicketStoreService/GetTicket", Scope::TicketsRead),
    ("helpdesk.v1.TicketStoreService/ListTickets", Scope::TicketsRead),
    ("helpdesk.v1.TicketStoreService/GetStats", Scope::TicketsRead),
    ("helpdesk.v1.TicketStoreService/CreateTicket", Scope::TicketsWrite),
    ("helpdesk.v1.TicketStoreService/UpdateTicket", Scope::TicketsWrite),
    ("helpdesk.v1.TicketStoreService/DeleteTicket", Scope::TicketsWrite),
    ("helpdesk.v1.AuditService/ListAuditEntries", Scope::AuditRead),
    ("helpdesk.v1.AuditService/WatchAuditEntries", Scope::AuditRead),
    ("helpdesk.v1.AuditService/ExportAuditEntries", Scope::AuditRead),
    ("helpdesk.v1.AuditService/VerifyAuditChain", Scope::AuditRead),
    ("helpdesk.v1.TriageService/GetRules", Scope::Rules),
    ("helpdesk.v1.TriageService/CheckRules", Scope::Rules),
    ("helpdesk.v1.TriageService/TestRules", Scope::Rules),
    ("helpdesk.v1.TriageService/BacktestRules", Scope::Rules),
    ("helpdesk.v1.TicketStoreService/PurgeTickets", Scope::Admin),
    ("helpdesk.v1.AuditService/PurgeAuditEntries", Scope::Admin),
];

/// What a call to `path` (`/package.Service/Method`) needs.
pub fn access(path: &str, reflection: ReflectionAccess) -> Access {
    let method = path.trim_start_matches('/');
    if method.starts_with("grpc.health.v1.Health/") {
        return Access::Open;
    }
    if method.starts_with("grpc.reflection.v1.ServerReflection/")
        || method.starts_with("grpc.reflection.v1alpha.ServerReflection/")
    {
        return match reflection {
            ReflectionAccess::Open => Access::Open,
            ReflectionAccess::Authenticated => Access::Authenticated,
        };
    }
    METHOD_SCOPES.iter().find(|(m, _)| *m == method).map_or(Access::Authenticated, |(_, scope)| Access::Needs(*scope))
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn every_method_of_the_four_services_has_a_scope() {
        let set = prost_types::FileDescriptorSet::decode(crate::proto::FILE_DESCRIPTOR_SET).expect("descriptors");
        let mut served = Vec::new();
        for file in set.file.iter().filter(|f| f.package() == "helpdesk.v1") {
            for service in &file.service {
                for method in &service.method {
                    served.push(format!("helpdesk.v1.{}/{}", service.name(), method.name()));
                }
            }
        }
        served.sort();
        let mut listed: Vec<String> = METHOD_SCOPES.iter().map(|(m, _)| (*m).to_owned()).collect();
        listed.sort();
        assert_eq!(served, listed, "METHOD_SCOPES must name every RPC once");
    }

    #[test]
    fn admin_implies_every_scope_and_the_others_only_themselves() {
        let admin = Scopes::of([Scope::Admin]);
        assert!(Scope::ALL.iter().all(|s| admin.grants(*s)));
        let reader = Scopes::of([Scope::TicketsRead, Scope::AuditRead]);
        assert!(reader.grants(Scope::TicketsRead) && reader.grants(Scope::AuditRead));
        assert!(!reader.grants(Scope::TicketsWrite) && !reader.grants(Scope::Admin));
        assert_eq!(reader.iter().map(Scope::as_str).collect::<Vec<_>>(), ["tickets.read", "audit.read"]);
        assert_eq!("tickets.write".parse::<Scope>(), Ok(Scope::TicketsWrite));
        assert!("tickets".parse::<Scope>().expect_err("unknown").contains("the scopes are triage, tickets.read"));
    }

    #[test]
    fn health_is_open_reflection_as_configured_and_the_rest_needs_its_scope() {
        use ReflectionAccess::{Authenticated, Open};
        assert_eq!(access("/grpc.health.v1.Health/Check", Authenticated), Access::Open);
        assert_eq!(access("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Open), Access::Open);
        let alpha = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
        assert_eq!(access(alpha, Authenticated), Access::Authenticated);
        assert_eq!(access("/helpdesk.v1.AuditService/PurgeAuditEntries", Open), Access::Needs(Scope::Admin));
        assert_eq!(access("/helpdesk.v1.Nothing/Here", Open), Access::Authenticated);
    }
}
