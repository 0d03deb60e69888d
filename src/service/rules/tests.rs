//! Backtests through the service: a page at a time adds up to the same report, and a backtest that
//! would outlast the call's time stops with RESOURCE_EXHAUSTED saying how far it got.

use std::time::Duration;

use super::*;
use crate::{
    domain::{Category, TicketLimits},
    service::ServiceErrorCode,
    store::Store,
    testing::triaged,
    triage::{TriageEngine, TriageSettings, Triager},
};

const CANDIDATE: &str = "name: c\ndefault_queue: general\nrules: []\n";

async fn rules_over(tickets: u32, backtests: BacktestLimits) -> Rules {
    let store = Store::open_memory().await.expect("store");
    for n in 0..tickets {
        triaged(&store, n, i64::from(n), "network", Category::Technical).await;
    }
    let triager = Triager::new(TriageSettings::default(), Arc::new(RuleSet::builtin()));
    let intake =
        Intake::new(Arc::new(TriageEngine::new(triager, false, Duration::ZERO)), store, TicketLimits::default());
    Rules::new(intake, "built-in".into(), RulesLimits::default(), backtests)
}

fn candidate() -> Candidate {
    Candidate { text: CANDIDATE.into(), format: RulesFormat::Yaml }
}

#[tokio::test]
async fn a_backtest_pages_through_the_store_and_adds_up_every_ticket() {
    let whole = rules_over(7, BacktestLimits::default()).await;
    let (all, _) = whole.backtest(candidate(), BacktestRequest::default(), &"t".into()).await.expect("one page");
    let paged = rules_over(7, BacktestLimits { page: 2, ..BacktestLimits::default() }).await;
    let (by_page, _) = paged.backtest(candidate(), BacktestRequest::default(), &"t".into()).await.expect("pages");
    assert_eq!(all.replayed, 7);
    assert_eq!((by_page.replayed, &by_page.queues), (all.replayed, &all.queues));
    let five = BacktestRequest { limit: 5, ..BacktestRequest::default() };
    assert_eq!(paged.backtest(candidate(), five, &"t".into()).await.expect("five").0.replayed, 5);

    let too_many = BacktestRequest { limit: 200_000, ..BacktestRequest::default() };
    let err = paged.backtest(candidate(), too_many, &"t".into()).await.expect_err("over the limit");
    assert_eq!(err.violations()[0].field, "limit");
    assert_eq!(
        err.violations()[0].description,
        "200000 tickets; at most 100000 are allowed (limits.max_backtest_tickets)"
    );
}

#[tokio::test]
async fn a_backtest_that_would_outlast_its_time_stops_saying_how_far_it_got() {
    let slow = rules_over(5, BacktestLimits { page: 2, timeout: Duration::ZERO, ..BacktestLimits::default() }).await;
    let err = slow.backtest(candidate(), BacktestRequest::default(), &"t".into()).await.expect_err("no time");
    assert_eq!(err.code(), ServiceErrorCode::ResourceExhausted);
    assert_eq!(
        err.to_string(),
        "the backtest replayed 2 of the 1000 tickets asked for and would outlast the call's time, 0 s \
         (request_timeout_secs); ask for fewer (limit) or a narrower created_after..created_before"
    );
    let caller = BacktestRequest { caller_timeout: Some(Duration::ZERO), ..BacktestRequest::default() };
    let roomy = rules_over(5, BacktestLimits { page: 2, ..BacktestLimits::default() }).await;
    let err = roomy.backtest(candidate(), caller, &"t".into()).await.expect_err("the caller's time");
    assert!(err.to_string().contains("0 s (the call's grpc-timeout)"), "{err}");
}
