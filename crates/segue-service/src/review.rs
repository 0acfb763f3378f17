//! The year in review: a whole year of the listening history at a glance.

use segue_core::review::YearInReview;

use crate::{Result, Service, ServiceError};

/// How many artists, albums, tracks and discoveries a review lists.
const TOP: u32 = 10;

impl Service {
    /// `year` of the listening history in review; with no year, the latest year with plays
    /// (this year when nothing was played yet).
    pub fn year_in_review(&self, year: Option<i32>) -> Result<YearInReview> {
        let year = match year {
            Some(y) if (1970..=9999).contains(&y) => y,
            Some(y) => {
                return Err(ServiceError::InvalidInput(format!(
                    "{y} is not a year a history can hold (1970 to 9999)"
                )));
            }
            None => match self.with_store(|s| s.years_with_plays())?.first() {
                Some(latest) => *latest,
                None => self.with_store(|s| s.current_year())?,
            },
        };
        self.with_store(|s| s.year_in_review(year, TOP))
    }
}
