//! Server-rendered pages. One module per area; each handler checks access
//! with the viewer's principal and renders a template.

pub mod account;
pub mod admin;
pub mod app;
pub mod assessments;
pub mod audit;
pub mod channels;
pub mod compliance;
pub mod dashboard;
pub mod identities;
pub mod ledger;
pub mod moves;
pub mod registers;
pub mod reports;
pub mod requests;
pub mod uploads;
