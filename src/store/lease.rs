//! Leases: a named claim one instance holds until it lapses. Taking or renewing one is a single
//! conditional statement, so two instances can never both hold it, on SQLite or PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{
    connect::Store,
    entities::lease::{self, Column},
    error::StoreError,
    rows::micros,
};

impl Store {
    /// Takes the lease `name` for `holder` until `now + ttl`, or renews it when `holder` has it; false
    /// while another holder's lease has not lapsed.
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let until = micros(now.checked_add_signed(ttl).unwrap_or(DateTime::<Utc>::MAX_UTC));
        let row = lease::ActiveModel { name: Set(name.to_owned()), holder: Set(holder.to_owned()), expires_at: Set(0) };
        lease::Entity::insert(row).on_conflict_do_nothing().exec_without_returning(&self.db).await?;
        let taken = lease::Entity::update_many()
            .col_expr(Column::Holder, holder.into())
            .col_expr(Column::ExpiresAt, until.into())
            .filter(Column::Name.eq(name))
            .filter(Condition::any().add(Column::Holder.eq(holder)).add(Column::ExpiresAt.lte(micros(now))))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(taken == 1)
    }

    /// Gives up the lease `name` if `holder` has it, so another instance can take it at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        lease::Entity::update_many()
            .col_expr(Column::ExpiresAt, 0i64.into())
            .filter(Column::Name.eq(name))
            .filter(Column::Holder.eq(holder))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Who holds the lease `name` and until when, if anyone ever took it.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<(String, i64)>, StoreError> {
        Ok(lease::Entity::find_by_id(name).one(&self.db).await?.map(|l| (l.holder, l.expires_at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_lapses_or_is_released() {
        let store = Store::open_memory().await.expect("memory");
        let ttl = Duration::seconds(30);
        assert!(store.try_lease("sweep", "a", at(0), ttl).await.expect("take"));
        assert!(!store.try_lease("sweep", "b", at(0), ttl).await.expect("refused"));
        // The holder renews; the other is still refused just before the renewed lease lapses.
        assert!(store.try_lease("sweep", "a", at(0) + Duration::seconds(20), ttl).await.expect("renew"));
        assert!(!store.try_lease("sweep", "b", at(0) + Duration::seconds(49), ttl).await.expect("refused"));
        // Unrenewed, it lapses and the other takes it over; the old holder is then refused.
        assert!(store.try_lease("sweep", "b", at(0) + Duration::seconds(50), ttl).await.expect("taken over"));
        assert!(!store.try_lease("sweep", "a", at(0) + Duration::seconds(51), ttl).await.expect("refused"));
        assert_eq!(store.lease_holder("sweep").await.expect("read").map(|h| h.0), Some("b".to_owned()));
        // A release by someone else changes nothing; the holder's own release frees it at once.
        store.release_lease("sweep", "a").await.expect("release");
        assert!(!store.try_lease("sweep", "a", at(0) + Duration::seconds(52), ttl).await.expect("refused"));
        store.release_lease("sweep", "b").await.expect("release");
        assert!(store.try_lease("sweep", "a", at(0) + Duration::seconds(52), ttl).await.expect("free"));
        // Leases are independent by name.
        assert!(store.try_lease("other", "b", at(0), ttl).await.expect("other lease"));
    }
}
