//! Enum conversions: proto numbers to domain values (unspecified is `None`, unknown numbers refused).

use crate::{
    domain::{Category, Priority, Status},
    proto,
    triage::result::{CategorySource, EscalationLevel, Predictor, QueueSource},
};

fn unknown(value: i32) -> String {
    format!("unknown value {value}")
}

/// The category a proto number names; 0 is `None`.
pub fn category_from_proto(value: i32) -> Result<Option<Category>, String> {
    use proto::Category as P;
    Ok(Some(match P::try_from(value).map_err(|_| unknown(value))? {
        P::Unspecified => return Ok(None),
        P::Billing => Category::Billing,
        P::Technical => Category::Technical,
        P::Account => Category::Account,
        P::Security => Category::Security,
        P::FeatureRequest => Category::FeatureRequest,
        P::Bug => Category::Bug,
        P::General => Category::General,
    }))
}

/// The proto number of a category.
pub fn category_to_proto(category: Option<Category>) -> i32 {
    use proto::Category as P;
    (match category {
        None => P::Unspecified,
        Some(Category::Billing) => P::Billing,
        Some(Category::Technical) => P::Technical,
        Some(Category::Account) => P::Account,
        Some(Category::Security) => P::Security,
        Some(Category::FeatureRequest) => P::FeatureRequest,
        Some(Category::Bug) => P::Bug,
        Some(Category::General) => P::General,
    }) as i32
}

/// The priority a proto number names; 0 is `None`.
pub fn priority_from_proto(value: i32) -> Result<Option<Priority>, String> {
    use proto::Priority as P;
    Ok(Some(match P::try_from(value).map_err(|_| unknown(value))? {
        P::Unspecified => return Ok(None),
        P::Low => Priority::Low,
        P::Medium => Priority::Medium,
        P::High => Priority::High,
        P::Critical => Priority::Critical,
    }))
}

/// The proto number of a priority.
pub fn priority_to_proto(priority: Priority) -> i32 {
    use proto::Priority as P;
    (match priority {
        Priority::Low => P::Low,
        Priority::Medium => P::Medium,
        Priority::High => P::High,
        Priority::Critical => P::Critical,
    }) as i32
}

/// The status a proto number names; 0 is `None`.
pub fn status_from_proto(value: i32) -> Result<Option<Status>, String> {
    use proto::Status as P;
    Ok(Some(match P::try_from(value).map_err(|_| unknown(value))? {
        P::Unspecified => return Ok(None),
        P::New => Status::New,
        P::Triaged => Status::Triaged,
        P::InProgress => Status::InProgress,
        P::Escalated => Status::Escalated,
        P::Resolved => Status::Resolved,
        P::Closed => Status::Closed,
    }))
}

/// The proto number of a status.
pub fn status_to_proto(status: Status) -> i32 {
    use proto::Status as P;
    (match status {
        Status::New => P::New,
        Status::Triaged => P::Triaged,
        Status::InProgress => P::InProgress,
        Status::Escalated => P::Escalated,
        Status::Resolved => P::Resolved,
        Status::Closed => P::Closed,
    }) as i32
}

/// The proto number of a category source.
pub fn source_to_proto(source: CategorySource) -> i32 {
    use proto::CategorySource as P;
    (match source {
        CategorySource::Requester => P::Requester,
        CategorySource::Predicted => P::Predicted,
        CategorySource::Fallback => P::Fallback,
        CategorySource::Model => P::Model,
    }) as i32
}

/// The proto number of a prediction source.
pub fn predictor_to_proto(predictor: Predictor) -> i32 {
    use proto::PredictionSource as P;
    (match predictor {
        Predictor::Lexicon => P::Lexicon,
        Predictor::Model => P::Model,
    }) as i32
}

/// The proto number of a queue source.
pub fn queue_source_to_proto(source: QueueSource) -> i32 {
    use proto::QueueSource as P;
    (match source {
        QueueSource::Rule => P::Rule,
        QueueSource::Model => P::Model,
        QueueSource::Default => P::Default,
    }) as i32
}

/// The proto number of an escalation level.
pub fn level_to_proto(level: EscalationLevel) -> i32 {
    use proto::EscalationLevel as P;
    (match level {
        EscalationLevel::None => P::None,
        EscalationLevel::Supervisor => P::Supervisor,
        EscalationLevel::OnCall => P::OnCall,
    }) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips() {
        for &c in Category::ALL {
            assert_eq!(category_from_proto(category_to_proto(Some(c))), Ok(Some(c)));
        }
        for &p in Priority::ALL {
            assert_eq!(priority_from_proto(priority_to_proto(p)), Ok(Some(p)));
        }
        for &s in Status::ALL {
            assert_eq!(status_from_proto(status_to_proto(s)), Ok(Some(s)));
        }
        assert_eq!(category_from_proto(0), Ok(None));
        assert_eq!(priority_from_proto(42), Err("unknown value 42".to_owned()));
    }
}
