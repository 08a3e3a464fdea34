//! How matching reaches advisories: a trait the database implements (and
//! tests implement over a few records in memory). It lives here, with the
//! values it hands out, so the database need not depend on the matcher.

use crate::{Advisory, CvssVector, Ecosystem, EpssScore, KnownExploited};

/// Where matching gets advisories from.
pub trait AdvisoryLookup {
    /// The lookup's error (database I/O); matching passes it through.
    type Error;

    /// Every advisory with an affected entry for this ecosystem and normalised name.
    fn advisories_for(&self, ecosystem: Ecosystem, normalized_name: &str) -> Result<Vec<Advisory>, Self::Error>;

    /// The CISA KEV entry for a CVE id, if the lookup has KEV data.
    fn known_exploited(&self, _cve: &str) -> Result<Option<KnownExploited>, Self::Error> {
        Ok(None)
    }

    /// NVD's CVSS vectors for a CVE id, if the lookup has NVD data.
    fn cve_cvss(&self, _cve: &str) -> Result<Option<Vec<CvssVector>>, Self::Error> {
        Ok(None)
    }

    /// The EPSS score of a CVE id, if the lookup has EPSS data.
    fn epss(&self, _cve: &str) -> Result<Option<EpssScore>, Self::Error> {
        Ok(None)
    }
}
