//! Server-rendered pages. One module per area; each handler checks access
//! with the viewer's principal and renders a template.

pub mod dashboard;
pub mod uploads;
