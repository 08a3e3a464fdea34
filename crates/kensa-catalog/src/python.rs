//! (not yet written)

use crate::Cataloger;

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    Vec::new()
}
