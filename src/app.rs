//! The composition root: [`Application::build`] makes everything `helpdesk serve` runs from the
//! settings (the store, the triage engine, the service layer, the rules reloader, the escalation
//! sweeper, the metrics endpoint and the gRPC server, on listeners bound at once), and
//! [`Application::run_until_stopped`] runs it until a shutdown future completes. The tests build
//! their servers with the same function. Who may call and over what is set up in [`security`]; what
//! SIGHUP reloads, in [`reloads`].

mod reloads;
mod security;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    net::TcpListener,
    signal::unix::{SignalKind, signal},
    sync::watch,
};

use self::{reloads::Reloads, security::security};
use crate::{
    audit_keys::{KeyFileError, signer_from_settings},
    auth::{AuthError, Authenticator},
    config::{PrivacySettings, Settings, StoreType},
    grpc::{
        auth::AuthLayer,
        health::{self, Health},
        server::{ServeError, plain_incoming, serve},
        socket::SocketOptions,
        tls::{Tls, TlsError},
    },
    metrics::{self, METRICS_PATH, PrometheusHandle},
    privacy::{DataKey, PrivacyError, Vault},
    reload::{RulesReloader, principals::PrincipalsReloader},
    service::{EngineError, Refusals, Services, engine_from_settings},
    store::{LockMode, Store, StoreError, StoreLock},
    sweeper::{Sweeper, SystemClock},
};

/// Why the service could not start; the message names the setting or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An address could not be bound.
    #[error("cannot listen on {addr} ({key}): {source}")]
    Listen {
        /// The setting that names the address.
        key: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be locked, opened or migrated.
    #[error("cannot open the ticket store ({location}): {source}")]
    Store {
        /// Where the store is.
        location: String,
        /// Why.
        source: StoreError,
    },
    /// The rules or a model file is invalid.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The principals file or the JWT key is invalid.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A TLS file is invalid.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A non-loopback address without authentication.
    #[error(
        "refusing to serve {addr} without authentication: anyone who reaches it could call every RPC. Set \
         auth.principals_file (HELPDESK_AUTH_PRINCIPALS_FILE) or auth.jwt, listen on a loopback address, or set \
         auth.allow_anonymous = true (HELPDESK_AUTH_ALLOW_ANONYMOUS) to accept the risk"
    )]
    Unprotected {
        /// The address.
        addr: SocketAddr,
    },
    /// A privacy key file cannot be read or holds no key; the message names the setting and the file.
    #[error(transparent)]
    PrivacyKey(#[from] PrivacyError),
    /// The store holds personal data the configured keys cannot read (no key, a missing or wrong key).
    #[error("cannot read the personal data encrypted at rest: {0}")]
    Keys(#[source] StoreError),
    /// The audit signing key (or an earlier public key) is missing, unreadable or malformed.
    #[error(transparent)]
    AuditKey(#[from] KeyFileError),
}

/// A built service, its listeners bound, ready to run.
pub struct Application {
    settings: Settings,
    listener: TcpListener,
    addr: SocketAddr,
    metrics: Option<(TcpListener, SocketAddr, PrometheusHandle)>,
    store: Store,
    services: Services,
    reloader: Option<RulesReloader>,
    authenticator: Arc<Authenticator>,
    tls: Option<Arc<Tls>>,
    stop: watch::Sender<bool>,
    _lock: Option<StoreLock>,
}

async fn bind(key: &'static str, addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let failed = |source| StartError::Listen { key, addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    Ok((listener, bound))
}

impl Application {
    /// Reads the audit signing key, binds the listeners, takes the store's lock (a file store), opens
    /// and migrates the store (signing the audit chain with the key, when there is one), loads the
    /// rules and models and builds every service. Nothing runs until
    /// [`run_until_stopped`](Self::run_until_stopped).
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        // Checked before anything is bound: an unprotected public address is refused as configured.
        let security = security(&settings, settings.listen_addr)?;
        let signer = signer_from_settings(&settings.audit)?.map(Arc::new);
        let (listener, addr) = bind("listen_addr", settings.listen_addr).await?;
        let metrics = match settings.metrics_addr {
            Some(at) => {
                let (listener, bound) = bind("metrics_addr", at).await?;
                // Installed before the store opens, so nothing it records is missed.
                Some((listener, bound, metrics::install()))
            }
            None => None,
        };
        let location = settings.store_settings().describe();
        let store_failed = |source| StartError::Store { location: location.clone(), source };
        // Held until the server stops, so `helpdesk restore` cannot replace the database under it.
        let lock = match settings.store_type {
            StoreType::File => Some(StoreLock::acquire(&settings.store_path, LockMode::Shared).map_err(store_failed)?),
            _ => None,
        };
        let engine = Arc::new(engine_from_settings(&settings)?);
        let vault = privacy_vault(&settings.privacy)?;
        let mut store = Store::connect(&settings.store_settings())
            .await
            .map_err(store_failed)?
            .observed_by(Arc::new(metrics::DatabaseMetrics));
        if let Some(vault) = vault {
            store = store.sealed_by(vault);
        }
        store.check_keys().await.map_err(StartError::Keys)?;
        if let Some(vault) = store.vault() {
            tracing::info!(
                key_id = vault.current_key_id(),
                readable_key_ids = ?vault.key_ids(),
                sealed_metadata = ?vault.sealed_metadata(),
                "privacy: requester addresses and listed metadata are encrypted at rest"
            );
        }
        if let Some(signer) = signer {
            tracing::info!(key_id = signer.key_id(), "the audit chain is signed with key {}", signer.key_id());
            store = store.signed_by(signer);
        }
        // Triages stored at the same moment share one write transaction (group commit).
        let store = store.grouping_writes();
        let (stop, stopping) = watch::channel(false);
        let services = Services::new(&settings, store.clone(), engine.clone(), stopping);
        let reloader = settings
            .rules_path
            .as_deref()
            .map(|path| RulesReloader::new(path, engine, store.clone()).within(settings.limits.rules()));
        Ok(Application {
            settings,
            listener,
            addr,
            metrics,
            store,
            services,
            reloader,
            authenticator: security.authenticator,
            tls: security.tls,
            stop,
            _lock: lock,
        })
    }

    /// Where the gRPC server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the metrics endpoint listens, when `metrics_addr` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr, _)| *addr)
    }

    /// The store (for tests and maintenance that run beside the server).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` completes; SIGHUP reloads the rules meanwhile. Then health turns
    /// NOT_SERVING, the sweep gives its lease up, streams are told to end, and in-flight calls get
    /// `shutdown_grace_secs` to finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Application {
            settings,
            listener,
            addr,
            metrics,
            store,
            services,
            reloader,
            authenticator,
            tls,
            stop,
            _lock,
        } = self;
        let stopping = stop.subscribe();
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let health = Health::new(reporter);
        health.set_all(true).await;
        let interval = |ms: u64| Duration::from_millis(ms);
        let monitor = tokio::spawn(health::monitor(
            store.clone(),
            health.clone(),
            stopping.clone(),
            interval(settings.health_check_interval_ms),
        ));
        let poll = interval(settings.reload_poll_interval_ms);
        if let Some(reloader) = &reloader {
            tokio::spawn(reloader.clone().watch_file(poll, stopping.clone()));
        }
        let principals = settings
            .auth
            .principals_file
            .as_deref()
            .map(|path| PrincipalsReloader::new(path, authenticator.clone(), store.clone()));
        if let Some(principals) = &principals {
            tokio::spawn(principals.clone().watch_file(poll, stopping.clone()));
        }
        // Installed before anything is announced, so a SIGHUP sent once the server listens reloads
        // rather than ends the process (the default action).
        let reloads = Reloads { rules: reloader, principals, tls: tls.clone(), store: store.clone() };
        match signal(SignalKind::hangup()) {
            Ok(hangup) => {
                tokio::spawn(reloads.on_hangup(hangup, stopping.clone()));
            }
            Err(e) => tracing::warn!(error = %e, "cannot watch SIGHUP; files reload on change only"),
        }
        let refusals = if authenticator.enabled() { Refusals::spawn(store.clone()) } else { Refusals::disabled() };
        let auth = AuthLayer::new(authenticator, refusals);
        let sweeper = settings.escalation_sweep.enabled.then(|| {
            let sweeper = Sweeper::new(
                store.clone(),
                settings.escalation_sweep,
                settings.triage_settings(),
                Arc::new(SystemClock),
                Sweeper::instance_name(),
            );
            tokio::spawn(sweeper.run(stopping.clone()))
        });
        tracing::info!(store = %settings.store_settings().describe(), "listening on {addr}");
        let exporter = metrics.map(|(listener, at, handle)| {
            tracing::info!("metrics at http://{at}{METRICS_PATH}");
            let mut stopped = stopping.clone();
            let stopped = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            tokio::spawn(metrics::serve(listener, handle, store.clone(), stopped))
        });
        let signal = {
            let health = health.clone();
            async move {
                shutdown.await;
                tracing::info!("shutting down: health NOT_SERVING, draining in-flight calls");
                health.set_all(false).await;
                stop.send_replace(true);
            }
        };
        let sockets = SocketOptions::from_keepalive_secs(settings.tcp_keepalive_secs);
        let served = async {
            match tls {
                Some(tls) => {
                    let incoming = tls.incoming(listener, sockets);
                    serve(incoming, &settings, services, health_service, auth, stopping.clone(), signal).await
                }
                None => {
                    let incoming = plain_incoming(listener, sockets);
                    serve(incoming, &settings, services, health_service, auth, stopping.clone(), signal).await
                }
            }
        };
        let grace = Duration::from_secs(settings.shutdown_grace_secs);
        let mut stopped = stopping.clone();
        let outcome = tokio::select! {
            result = served => result,
            _ = async { let _ = stopped.wait_for(|s| *s).await; tokio::time::sleep(grace).await } => {
                tracing::warn!(grace_secs = grace.as_secs(), "calls still running after the grace period were cut off");
                Ok(())
            }
        };
        if let Some(sweeper) = sweeper {
            let _ = sweeper.await;
        }
        if let Some(exporter) = exporter {
            exporter.abort();
        }
        monitor.abort();
        outcome
    }
}

/// The key ring the privacy settings describe: `privacy.key_file` seals, it and every
/// `privacy.previous_key_files` key open; `None` without a key file. Key changes take effect when the
/// server starts (a restart picks them up; SIGHUP reloads the rules only).
pub fn privacy_vault(settings: &PrivacySettings) -> Result<Option<Arc<Vault>>, PrivacyError> {
    let Some(file) = &settings.key_file else { return Ok(None) };
    let current = DataKey::load("privacy.key_file", file)?;
    let previous = settings
        .previous_key_files
        .iter()
        .map(|path| DataKey::load("privacy.previous_key_files", path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Arc::new(Vault::new(current, previous, settings.encrypted_metadata_keys.iter().cloned()))))
}

/// The settings' listener address as a local client reaches it: a wildcard address becomes loopback.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    addr
}
